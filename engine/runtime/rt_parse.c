/* Pure parsing of runtime inputs: signals, rlimit names, mount options, user specs,
 * capability names, container ids. No side effects, so all of it is unit tested. */
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "common/err.h"
#include "common/str.h"
#include "engine/runtime/runtime.h"

static const struct {
    const char *name;
    int sig;
} signals[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},     {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"IOT", SIGIOT},       {"BUS", SIGBUS},
    {"FPE", SIGFPE},       {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
    {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
    {"WINCH", SIGWINCH},   {"IO", SIGIO},     {"POLL", SIGPOLL},     {"PWR", SIGPWR},
    {"SYS", SIGSYS},
};

int rt_parse_signal(const char *s, int *sig, struct herr *e)
{
    long long n;
    if (!s || !*s)
        return herr_set(e, EINVAL, "empty signal");
    if (isdigit((unsigned char)*s)) {
        if (str_parse_ll(s, &n) < 0 || n < 1 || n > SIGRTMAX)
            return herr_set(e, EINVAL, "invalid signal \"%s\"", s);
        *sig = (int)n;
        return 0;
    }
    const char *name = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
    for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
        if (strcasecmp(name, signals[i].name) == 0) {
            *sig = signals[i].sig;
            return 0;
        }
    }
    /* RTMIN+n / RTMAX-n, as the kill(1) family accepts. */
    if (strncasecmp(name, "RTMIN", 5) == 0 || strncasecmp(name, "RTMAX", 5) == 0) {
        bool min = strncasecmp(name, "RTMIN", 5) == 0;
        const char *rest = name + 5;
        n = 0;
        if (*rest && ((min && *rest != '+') || (!min && *rest != '-')))
            return herr_set(e, EINVAL, "invalid signal \"%s\"", s);
        if (*rest && str_parse_ll(rest + 1, &n) < 0)
            return herr_set(e, EINVAL, "invalid signal \"%s\"", s);
        int v = min ? SIGRTMIN + (int)n : SIGRTMAX - (int)n;
        if (v < SIGRTMIN || v > SIGRTMAX)
            return herr_set(e, EINVAL, "invalid signal \"%s\"", s);
        *sig = v;
        return 0;
    }
    return herr_set(e, EINVAL, "unknown signal \"%s\"", s);
}

static const struct {
    const char *name;
    int res;
} rlimits[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

int rt_parse_rlimit(const char *name, int *resource, struct herr *e)
{
    for (size_t i = 0; name && i < sizeof(rlimits) / sizeof(rlimits[0]); i++) {
        if (strcmp(name, rlimits[i].name) == 0) {
            *resource = rlimits[i].res;
            return 0;
        }
    }
    return herr_set(e, EINVAL, "unknown rlimit \"%s\"", name ? name : "");
}

static const struct {
    const char *name;
    bool clear;
    unsigned long flag;
} mount_flags[] = {
    {"async", true, MS_SYNCHRONOUS},
    {"atime", true, MS_NOATIME},
    {"defaults", false, 0},
    {"dev", true, MS_NODEV},
    {"diratime", true, MS_NODIRATIME},
    {"dirsync", false, MS_DIRSYNC},
    {"exec", true, MS_NOEXEC},
    {"iversion", false, MS_I_VERSION},
    {"lazytime", false, MS_LAZYTIME},
    {"loud", true, MS_SILENT},
    {"mand", false, MS_MANDLOCK},
    {"noatime", false, MS_NOATIME},
    {"nodev", false, MS_NODEV},
    {"nodiratime", false, MS_NODIRATIME},
    {"noexec", false, MS_NOEXEC},
    {"noiversion", true, MS_I_VERSION},
    {"nolazytime", true, MS_LAZYTIME},
    {"nomand", true, MS_MANDLOCK},
    {"norelatime", true, MS_RELATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"nosuid", false, MS_NOSUID},
    {"relatime", false, MS_RELATIME},
    {"remount", false, MS_REMOUNT},
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"silent", false, MS_SILENT},
    {"strictatime", false, MS_STRICTATIME},
    {"suid", true, MS_NOSUID},
    {"sync", false, MS_SYNCHRONOUS},
};

static const struct {
    const char *name;
    unsigned long flag;
} propagations[] = {
    {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

static int parse_one_option(const char *o, struct rt_mount_opts *out)
{
    if (strcmp(o, "bind") == 0) {
        out->bind = true;
        return 0;
    }
    if (strcmp(o, "rbind") == 0) {
        out->bind = out->recursive = true;
        return 0;
    }
    for (size_t i = 0; i < sizeof(mount_flags) / sizeof(mount_flags[0]); i++) {
        if (strcmp(o, mount_flags[i].name) == 0) {
            if (mount_flags[i].clear)
                out->flags &= ~mount_flags[i].flag;
            else
                out->flags |= mount_flags[i].flag;
            return 0;
        }
    }
    for (size_t i = 0; i < sizeof(propagations) / sizeof(propagations[0]); i++) {
        if (strcmp(o, propagations[i].name) == 0) {
            out->propagate = propagations[i].flag;
            return 0;
        }
    }
    return 1;
}

int rt_parse_mount_options(const json_t *options, struct rt_mount_opts *out, struct herr *e)
{
    memset(out, 0, sizeof(*out));
    if (options && !json_is_array(options))
        return herr_set(e, EINVAL, "mount options must be an array of strings");
    size_t i;
    json_t *it;
    json_array_foreach(options, i, it)
    {
        const char *o = json_string_value(it);
        if (!o) {
            free(out->data);
            out->data = NULL;
            return herr_set(e, EINVAL, "mount option %zu is not a string", i);
        }
        if (!*o || parse_one_option(o, out) == 0)
            continue;
        /* Anything else is filesystem data, passed through in order ("mode=755"). */
        char *d = out->data ? xasprintf("%s,%s", out->data, o) : xstrdup(o);
        free(out->data);
        out->data = d;
    }
    return 0;
}

static int parse_id(const char *s, size_t len, unsigned long *out)
{
    if (len == 0 || len > 10)
        return -1;
    unsigned long long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v >= 0xffffffffULL)
        return -1;
    *out = (unsigned long)v;
    return 0;
}

int rt_parse_user(const char *s, uid_t *uid, gid_t *gid, bool *has_gid, struct herr *e)
{
    unsigned long u, g;
    const char *colon = s ? strchr(s, ':') : NULL;
    size_t ulen = colon ? (size_t)(colon - s) : (s ? strlen(s) : 0);
    if (!s || parse_id(s, ulen, &u) < 0)
        return herr_set(e, EINVAL, "invalid user \"%s\": want UID[:GID]", s ? s : "");
    *has_gid = false;
    if (colon) {
        if (parse_id(colon + 1, strlen(colon + 1), &g) < 0)
            return herr_set(e, EINVAL, "invalid user \"%s\": want UID[:GID]", s);
        *gid = (gid_t)g;
        *has_gid = true;
    }
    *uid = (uid_t)u;
    return 0;
}

int rt_parse_cap(const char *name, int *cap, struct herr *e)
{
    char buf[64];
    if (!name || strlen(name) >= sizeof(buf) - 4)
        return herr_set(e, EINVAL, "invalid capability \"%s\"", name ? name : "");
    const char *n = strncasecmp(name, "CAP_", 4) == 0 ? name + 4 : name;
    snprintf(buf, sizeof(buf), "cap_%s", n);
    for (char *p = buf; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    cap_value_t v;
    /* libcap also accepts numbers; a capability name must be a name. */
    if (isdigit((unsigned char)*n) || cap_from_name(buf, &v) < 0)
        return herr_set(e, EINVAL, "unknown capability \"%s\"", name);
    *cap = (int)v;
    return 0;
}

bool rt_id_valid(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > 1024 || !isalnum((unsigned char)id[0]))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!isalnum((unsigned char)c) && c != '_' && c != '.' && c != '-' && c != '+')
            return false;
    }
    return true;
}
