/* Container records: paths, lookup by id / prefix / name, listing, inspect and status. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/container/container.h"
#include "engine/container/ctr_internal.h"

char *ctr_dir(const struct ctr_ctx *c, const char *id)
{
    return xasprintf("%s/containers/%s", c->root, id);
}

char *ctr_run_dir(const struct ctr_ctx *c, const char *id)
{
    return xasprintf("%s/containers/%s", c->runroot, id);
}

char *ctr_names_dir(const struct ctr_ctx *c)
{
    return xasprintf("%s/containers/.names", c->root);
}

int ctr_bundle_load(const struct ctr_ctx *c, const char *id, json_t **spec, struct herr *e)
{
    _cleanup_free_ char *dir = ctr_dir(c, id);
    _cleanup_free_ char *bundle = xasprintf("%s/bundle", dir);
    int bfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (bfd < 0)
        return herr_sys(e, "open %s", bundle);
    *spec = hj_load_file(bfd, "config.json", e);
    if (!*spec) {
        close(bfd);
        return -1;
    }
    return bfd;
}

static bool is_hex(const char *s)
{
    for (; *s; s++) {
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    }
    return true;
}

int ctr_list(const struct ctr_ctx *c, char ***ids, struct herr *e)
{
    _cleanup_free_ char *dir = xasprintf("%s/containers", c->root);
    *ids = xcalloc(1, sizeof(char *));
    _cleanup_dir_ DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : herr_sys(e, "open %s", dir);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strlen(de->d_name) == 64 && is_hex(de->d_name))
            strv_push(ids, xstrdup(de->d_name));
    }
    return 0;
}

int ctr_resolve(const struct ctr_ctx *c, const char *ref, char **id_out, struct herr *e)
{
    const char *name = ref[0] == '/' ? ref + 1 : ref;
    _cleanup_free_ char *names = ctr_names_dir(c);
    _cleanup_free_ char *link = xasprintf("%s/%s", names, name);
    char buf[128];
    ssize_t n = *name && !strchr(name, '/') ? readlink(link, buf, sizeof(buf) - 1) : -1;
    if (n > 0) {
        buf[n] = '\0';
        *id_out = xstrdup(buf);
        return 0;
    }
    _cleanup_strv_ char **ids = NULL;
    if (ctr_list(c, &ids, e) < 0)
        return -1;
    const char *match = NULL;
    size_t len = strlen(ref);
    for (char **p = ids; len && *p; p++) {
        if (strncmp(*p, ref, len) != 0)
            continue;
        if (match)
            return herr_set(e, 0, "multiple containers match prefix \"%s\"", ref);
        match = *p;
    }
    if (!match)
        return herr_set(e, 0, "No such container: %s", ref);
    *id_out = xstrdup(match);
    return 0;
}

/* The recorded monitor pid still names a live hoist-monitor (not a zombie, not a
 * reused pid). */
static bool monitor_alive(const json_t *state)
{
    long long pid = hj_int(state, "MonitorPid", 0);
    if (pid <= 0)
        return false;
    char path[64], buf[256];
    snprintf(path, sizeof(path), "/proc/%lld/stat", pid);
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    const char *rp = strrchr(buf, ')');
    return strstr(buf, "(hoist-monitor)") && rp && rp[1] == ' ' && rp[2] != 'Z';
}

json_t *ctr_inspect(const struct ctr_ctx *c, const char *id, struct herr *e)
{
    _cleanup_free_ char *dir = ctr_dir(c, id);
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        herr_sys(e, "container %s", id);
        return NULL;
    }
    json_t *rec = hj_load_file(dfd, "config.json", e);
    if (!rec)
        return NULL;
    json_t *state = hj_load_file(dfd, "state.json", NULL);
    if (!state)
        state = json_pack("{s:s}", "Status", "created");
    const char *st = hj_str(state, "Status");
    /* A monitor that died without recording the exit leaves a stale "running". */
    if (st && (strcmp(st, "running") == 0 || strcmp(st, "restarting") == 0) &&
        !monitor_alive(state)) {
        json_object_set_new(state, "Status", json_string("exited"));
        json_object_set_new(state, "Running", json_false());
        json_object_set_new(state, "Pid", json_integer(0));
        json_object_set_new(state, "ExitCode", json_integer(255));
    }
    json_object_set_new(state, "Paused", json_false());
    ctr_pause_inspect(c, id, state);
    st = hj_str(state, "Status");
    json_object_set_new(state, "Restarting", json_boolean(st && strcmp(st, "restarting") == 0));
    json_object_set_new(state, "Dead", json_false());
    if (!json_object_get(state, "Running"))
        json_object_set_new(state, "Running", json_false());
    if (!json_object_get(state, "Pid"))
        json_object_set_new(state, "Pid", json_integer(0));
    if (!json_object_get(state, "ExitCode"))
        json_object_set_new(state, "ExitCode", json_integer(0));
    if (!json_object_get(state, "OOMKilled"))
        json_object_set_new(state, "OOMKilled", json_false());
    if (!json_object_get(state, "StartedAt"))
        json_object_set_new(state, "StartedAt", json_string("0001-01-01T00:00:00Z"));
    if (!json_object_get(state, "FinishedAt"))
        json_object_set_new(state, "FinishedAt", json_string("0001-01-01T00:00:00Z"));
    json_object_set_new(rec, "RestartCount", json_integer(hj_int(state, "RestartCount", 0)));
    json_object_del(state, "RestartCount");
    ctr_health_inspect(dfd, rec, state);
    json_object_set_new(rec, "State", state);
    return rec;
}

const char *ctr_status(const json_t *inspect)
{
    const char *s = hj_str(json_object_get(inspect, "State"), "Status");
    return s ? s : "created";
}

static const struct {
    const char *name;
    int num;
} signals[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},   {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"BUS", SIGBUS},     {"FPE", SIGFPE},
    {"KILL", SIGKILL},     {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},   {"USR2", SIGUSR2},
    {"PIPE", SIGPIPE},     {"ALRM", SIGALRM}, {"TERM", SIGTERM},   {"CHLD", SIGCHLD},
    {"CONT", SIGCONT},     {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},
    {"TTOU", SIGTTOU},     {"URG", SIGURG},   {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ},
    {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
    {"PWR", SIGPWR},       {"SYS", SIGSYS},
};

int ctr_parse_signal(const char *s)
{
    long long n;
    if (str_parse_ll(s, &n) == 0)
        return n > 0 && n < 65 ? (int)n : -1;
    if (strncasecmp(s, "SIG", 3) == 0)
        s += 3;
    for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
        if (strcasecmp(s, signals[i].name) == 0)
            return signals[i].num;
    }
    return -1;
}

int ctr_parse_restart(const char *s, char *name, size_t len, int *max, struct herr *e)
{
    *max = 0;
    const char *colon = strchr(s, ':');
    size_t n = colon ? (size_t)(colon - s) : strlen(s);
    snprintf(name, len, "%.*s", (int)n, s);
    if (strcmp(name, "on-failure") == 0 && colon) {
        long long v;
        if (str_parse_ll(colon + 1, &v) < 0 || v > 1000000)
            return herr_set(e, 0, "invalid restart policy \"%s\": bad retry count", s);
        *max = (int)v;
        return 0;
    }
    if (!colon && (strcmp(name, "no") == 0 || strcmp(name, "always") == 0 ||
                   strcmp(name, "on-failure") == 0 || strcmp(name, "unless-stopped") == 0))
        return 0;
    if (colon && (strcmp(name, "always") == 0 || strcmp(name, "unless-stopped") == 0 ||
                  strcmp(name, "no") == 0))
        return herr_set(e, 0,
                        "invalid restart policy \"%s\": maximum retry count applies "
                        "to on-failure only",
                        s);
    return herr_set(e, 0,
                    "invalid restart policy \"%s\" (no, always, on-failure[:N], "
                    "unless-stopped)",
                    s);
}

char **ctr_runtime_argv(const struct ctr_ctx *c)
{
    char **v = xcalloc(1, sizeof(char *));
    const char *alt = getenv("HOIST_OCI_RUNTIME");
    if (alt && *alt) {
        strv_push(&v, xstrdup(alt));
    } else {
        strv_push(&v, xstrdup(c->self));
        strv_push(&v, xstrdup("runtime"));
    }
    strv_push(&v, xstrdup("--root"));
    strv_push(&v, xasprintf("%s/runtime", c->runroot));
    return v;
}
