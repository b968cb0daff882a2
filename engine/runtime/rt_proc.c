/* The container process: parsing OCI `process`, and the child-side steps that turn a
 * forked runtime into it (rlimits, capabilities, user, cwd, PATH lookup, seccomp, exec),
 * plus the pty and the parent/child sync channel. */
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/openat2.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/runtime/rt_internal.h"
#include "engine/runtime/runtime.h"
#include "engine/runtime/seccomp.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static int parse_caps(const json_t *arr, const char *set, uint64_t *out, struct herr *e)
{
    *out = 0;
    if (!arr)
        return 0;
    if (!json_is_array(arr))
        return herr_set(e, EINVAL, "process.capabilities.%s must be an array", set);
    size_t i;
    json_t *it;
    json_array_foreach(arr, i, it)
    {
        int c;
        if (rt_parse_cap(json_string_value(it), &c, e) < 0)
            return herr_wrap(e, "process.capabilities.%s", set);
        *out |= 1ULL << c;
    }
    return 0;
}

static int parse_user(const json_t *u, struct rt_proc *p, struct herr *e)
{
    if (!u)
        return 0;
    json_t *uid = json_object_get(u, "uid"), *gid = json_object_get(u, "gid");
    if ((uid && !json_is_integer(uid)) || (gid && !json_is_integer(gid)))
        return herr_set(e, EINVAL, "process.user: uid and gid must be integers");
    if (json_integer_value(uid) < 0 || json_integer_value(gid) < 0)
        return herr_set(e, EINVAL, "process.user: negative uid or gid");
    p->uid = (uid_t)json_integer_value(uid);
    p->gid = (gid_t)json_integer_value(gid);
    json_t *um = json_object_get(u, "umask");
    if (json_is_integer(um)) {
        p->has_umask = true;
        p->umask = (mode_t)json_integer_value(um) & 07777;
    }
    json_t *ag = json_object_get(u, "additionalGids");
    if (ag && !json_is_array(ag))
        return herr_set(e, EINVAL, "process.user.additionalGids must be an array");
    p->groups = xcalloc(json_array_size(ag) + 1, sizeof(gid_t));
    size_t i;
    json_t *it;
    json_array_foreach(ag, i, it)
    {
        if (!json_is_integer(it) || json_integer_value(it) < 0)
            return herr_set(e, EINVAL, "process.user.additionalGids: invalid gid");
        p->groups[p->ngroups++] = (gid_t)json_integer_value(it);
    }
    return 0;
}

static int parse_rlimits(const json_t *arr, struct rt_proc *p, struct herr *e)
{
    if (arr && !json_is_array(arr))
        return herr_set(e, EINVAL, "process.rlimits must be an array");
    p->rlimits = xcalloc(json_array_size(arr) + 1, sizeof(*p->rlimits));
    size_t i;
    json_t *it;
    json_array_foreach(arr, i, it)
    {
        struct rt_rlimit *r = &p->rlimits[p->nrlimits];
        if (rt_parse_rlimit(hj_str(it, "type"), &r->resource, e) < 0)
            return herr_wrap(e, "process.rlimits");
        json_t *hard = json_object_get(it, "hard"), *soft = json_object_get(it, "soft");
        if (!json_is_integer(hard) || !json_is_integer(soft))
            return herr_set(e, EINVAL, "process.rlimits %s: hard and soft must be integers",
                            hj_str(it, "type"));
        /* Unsigned in the spec; -1 from JSON readers means unlimited too. */
        r->lim.rlim_max = (rlim_t)json_integer_value(hard);
        r->lim.rlim_cur = (rlim_t)json_integer_value(soft);
        if (r->lim.rlim_cur > r->lim.rlim_max)
            return herr_set(e, EINVAL, "process.rlimits %s: soft limit above hard limit",
                            hj_str(it, "type"));
        p->nrlimits++;
    }
    return 0;
}

int rt_proc_parse(const json_t *process, struct rt_proc *p, struct herr *e)
{
    memset(p, 0, sizeof(*p));
    if (!json_is_object(process))
        return herr_set(e, EINVAL, "process is missing");
    p->args = hj_strv(json_object_get(process, "args"));
    if (!p->args || !p->args[0] || !*p->args[0])
        return herr_set(e, EINVAL, "process.args must not be empty");
    p->env = hj_strv(json_object_get(process, "env"));
    if (!p->env)
        p->env = xcalloc(1, sizeof(char *));
    const char *cwd = hj_str(process, "cwd");
    if (cwd && cwd[0] != '/')
        return herr_set(e, EINVAL, "process.cwd \"%s\" is not absolute", cwd);
    p->cwd = xstrdup(cwd ? cwd : "/");
    p->terminal = hj_bool(process, "terminal", false);
    p->no_new_privs = hj_bool(process, "noNewPrivileges", false);
    if (parse_user(json_object_get(process, "user"), p, e) < 0)
        return -1;
    json_t *caps = json_object_get(process, "capabilities");
    if (caps) {
        p->has_caps = true;
        if (parse_caps(json_object_get(caps, "bounding"), "bounding", &p->bounding, e) < 0 ||
            parse_caps(json_object_get(caps, "effective"), "effective", &p->effective, e) < 0 ||
            parse_caps(json_object_get(caps, "permitted"), "permitted", &p->permitted, e) < 0 ||
            parse_caps(json_object_get(caps, "inheritable"), "inheritable", &p->inheritable, e) <
                0 ||
            parse_caps(json_object_get(caps, "ambient"), "ambient", &p->ambient, e) < 0)
            return -1;
    }
    if (parse_rlimits(json_object_get(process, "rlimits"), p, e) < 0)
        return -1;
    json_t *oom = json_object_get(process, "oomScoreAdj");
    if (oom) {
        if (!json_is_integer(oom) || json_integer_value(oom) < -1000 ||
            json_integer_value(oom) > 1000)
            return herr_set(e, EINVAL, "process.oomScoreAdj must be in -1000..1000");
        p->has_oom = true;
        p->oom_score_adj = (int)json_integer_value(oom);
    }
    return 0;
}

void rt_proc_free(struct rt_proc *p)
{
    strv_free(p->args);
    strv_free(p->env);
    free(p->cwd);
    free(p->groups);
    free(p->rlimits);
    memset(p, 0, sizeof(*p));
}

static int last_cap(void)
{
    static int last = -1;
    if (last < 0) {
        char buf[16] = {0};
        _cleanup_close_ int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
        last = fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0 ? atoi(buf) : CAP_LAST_CAP;
    }
    return last;
}

static int apply_caps_bounding(const struct rt_proc *p, struct herr *e)
{
    for (int c = 0; c <= last_cap(); c++) {
        if (!(p->bounding >> c & 1) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
            return herr_sys(e, "drop capability %d from the bounding set", c);
    }
    return 0;
}

static int apply_caps(const struct rt_proc *p, struct herr *e)
{
    cap_t caps = cap_init();
    if (!caps)
        return herr_sys(e, "cap_init");
    for (int c = 0; c <= last_cap() && c < 64; c++) {
        cap_value_t v = c;
        if (p->effective >> c & 1)
            cap_set_flag(caps, CAP_EFFECTIVE, 1, &v, CAP_SET);
        if (p->permitted >> c & 1)
            cap_set_flag(caps, CAP_PERMITTED, 1, &v, CAP_SET);
        if (p->inheritable >> c & 1)
            cap_set_flag(caps, CAP_INHERITABLE, 1, &v, CAP_SET);
    }
    int r = cap_set_proc(caps);
    int saved = errno;
    cap_free(caps);
    if (r < 0)
        return herr_set(e, saved, "set capabilities");
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    for (int c = 0; c <= last_cap(); c++) {
        if ((p->ambient >> c & 1) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
            return herr_sys(e, "raise ambient capability %d", c);
    }
    return 0;
}

static int apply_user(const struct rt_proc *p, struct herr *e)
{
    if (setgroups(p->ngroups, p->groups) < 0)
        return herr_sys(e, "setgroups");
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        return herr_sys(e, "prctl(PR_SET_KEEPCAPS)");
    if (setresgid(p->gid, p->gid, p->gid) < 0)
        return herr_sys(e, "setresgid %u", (unsigned)p->gid);
    if (setresuid(p->uid, p->uid, p->uid) < 0)
        return herr_sys(e, "setresuid %u", (unsigned)p->uid);
    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
    return 0;
}

static const char *env_get(char *const *env, const char *key)
{
    size_t n = strlen(key);
    for (size_t i = 0; env && env[i]; i++) {
        if (strncmp(env[i], key, n) == 0 && env[i][n] == '=')
            return env[i] + n + 1;
    }
    return NULL;
}

/* Mirrors runc's LookPath: a name with a slash is used as is, otherwise the first
 * regular file with an execute bit in $PATH wins; everything else is "not found". */
static int lookup(const char *name, char *const *env, char **out, struct herr *e)
{
    struct stat st;
    if (strchr(name, '/')) {
        if (stat(name, &st) < 0) {
            e->exit = errno == ENOENT || errno == ENOTDIR ? 127 : 126;
            return herr_sys(e, "exec: \"%s\": stat %s", name, name);
        }
        if (S_ISDIR(st.st_mode) || !(st.st_mode & 0111) || access(name, X_OK) < 0) {
            e->exit = 126;
            return herr_set(e, EACCES, "exec: \"%s\"", name);
        }
        *out = xstrdup(name);
        return 0;
    }
    const char *path = env_get(env, "PATH");
    _cleanup_free_ char *copy = xstrdup(path ? path : DEFAULT_PATH);
    char *save = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        _cleanup_free_ char *cand = xasprintf("%s/%s", *dir ? dir : ".", name);
        if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111)) {
            *out = steal_ptr(&cand);
            return 0;
        }
    }
    e->exit = 127;
    return herr_set(e, 0, "exec: \"%s\": executable file not found in $PATH", name);
}

/* The cwd is resolved as if "/" (the container's root by now) were the root, and magic
 * links are refused: "/proc/self/fd/N" would otherwise name whatever directory fd N
 * is, the host's included (runc's CVE-2024-21626). */
static int enter_cwd(const char *cwd, struct herr *e)
{
    struct open_how how = {
        .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    _cleanup_close_ int fd = (int)syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));
    if (fd >= 0) {
        _cleanup_close_ int root = steal_fd(&fd);
        fd = (int)syscall(SYS_openat2, root, cwd, &how, sizeof(how));
    }
    if (fd < 0 || fchdir(fd) < 0)
        return herr_sys(e, "chdir to cwd \"%s\"", cwd);
    return 0;
}

int rt_proc_setup(const struct rt_proc *p, struct seccomp_prog *sp, char **exe, struct herr *e)
{
    for (size_t i = 0; i < p->nrlimits; i++) {
        if (setrlimit(p->rlimits[i].resource, &p->rlimits[i].lim) < 0)
            return herr_sys(e, "setrlimit %d", p->rlimits[i].resource);
    }
    if (p->has_umask)
        umask(p->umask);
    else
        umask(022);
    if (sp && !p->no_new_privs && seccomp_install(sp, e) < 0)
        return -1;
    if (p->has_caps && apply_caps_bounding(p, e) < 0)
        return -1;
    if (apply_user(p, e) < 0)
        return -1;
    if (p->has_caps && apply_caps(p, e) < 0)
        return -1;
    if (enter_cwd(p->cwd, e) < 0)
        return -1;
    if (lookup(p->args[0], p->env, exe, e) < 0)
        return -1;
    if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return herr_sys(e, "prctl(PR_SET_NO_NEW_PRIVS)");
    return 0;
}

int rt_proc_exec(const struct rt_proc *p, struct seccomp_prog *sp, const char *exe, struct herr *e)
{
    if (sp && p->no_new_privs && seccomp_install(sp, e) < 0)
        return -1;
    execve(exe, p->args, p->env);
    e->exit = errno == ENOENT ? 127 : errno == EACCES ? 126 : 1;
    return herr_sys(e, "exec: \"%s\"", p->args[0]);
}

int rt_tty_setup(int ptmx_fd, int console_fd, int *slave_out, struct herr *e)
{
    int unlock = 0;
    if (ioctl(ptmx_fd, TIOCSPTLCK, &unlock) < 0)
        return herr_sys(e, "unlock pty");
    _cleanup_close_ int slave = ioctl(ptmx_fd, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0)
        return herr_sys(e, "open pty peer");
    char dummy = 0;
    struct iovec iov = {.iov_base = &dummy, .iov_len = 1};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof(u));
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &ptmx_fd, sizeof(int));
    if (sendmsg(console_fd, &mh, MSG_NOSIGNAL) < 0)
        return herr_sys(e, "send the pty master over the console socket");
    if (getsid(0) != getpid() && setsid() < 0)
        return herr_sys(e, "setsid");
    if (ioctl(slave, TIOCSCTTY, 0) < 0)
        return herr_sys(e, "make the pty the controlling terminal");
    for (int fd = 0; fd < 3; fd++) {
        if (dup2(slave, fd) < 0)
            return herr_sys(e, "dup pty onto fd %d", fd);
    }
    if (slave_out)
        *slave_out = steal_fd(&slave);
    return 0;
}

int rt_console_connect(const char *path, struct herr *e)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path))
        return herr_set(e, ENAMETOOLONG, "console socket \"%s\"", path);
    strcpy(sa.sun_path, path);
    _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return herr_sys(e, "socket");
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        return herr_sys(e, "connect to console socket \"%s\"", path);
    return steal_fd(&fd);
}

struct sync_msg {
    int32_t kind, exit, errnum;
    char msg[HERR_MSG_MAX];
};

int rt_sync_send(int fd, enum rt_msg_kind kind, const struct herr *err)
{
    struct sync_msg m = {.kind = kind};
    if (err) {
        m.exit = err->exit;
        m.errnum = err->errnum;
        memcpy(m.msg, err->msg, sizeof(m.msg));
    }
    ssize_t n;
    do
        n = send(fd, &m, sizeof(m), MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n == (ssize_t)sizeof(m) ? 0 : -1;
}

int rt_sync_recv(int fd, struct herr *e)
{
    struct sync_msg m;
    ssize_t n;
    do
        n = recv(fd, &m, sizeof(m), 0);
    while (n < 0 && errno == EINTR);
    if (n == 0)
        return 0;
    if (n != (ssize_t)sizeof(m))
        return herr_sys(e, "read from the container init");
    if (m.kind == RT_MSG_PID) {
        e->exit = m.exit;
    } else if (m.kind == RT_MSG_ERROR) {
        m.msg[sizeof(m.msg) - 1] = '\0';
        herr_set(e, m.errnum, "%s", m.msg);
        e->exit = m.exit;
    }
    return m.kind;
}

int rt_sync_send_pid(int fd, pid_t pid)
{
    struct herr m = {.exit = (int)pid};
    return rt_sync_send(fd, RT_MSG_PID, &m);
}

void rt_child_fail(int sync_fd, struct herr *err)
{
    if (sync_fd < 0 || rt_sync_send(sync_fd, RT_MSG_ERROR, err) < 0) {
        char buf[HERR_MSG_MAX + 128];
        dprintf(STDERR_FILENO, "hoist runtime: %s\n", herr_str(err, buf, sizeof(buf)));
    }
    _exit(err->exit ? err->exit : 1);
}

static const struct {
    const char *type;
    const char *proc;
    int flag;
} ns_types[] = {
    {"pid", "pid", CLONE_NEWPID},  {"network", "net", CLONE_NEWNET},
    {"mount", "mnt", CLONE_NEWNS}, {"ipc", "ipc", CLONE_NEWIPC},
    {"uts", "uts", CLONE_NEWUTS},  {"cgroup", "cgroup", CLONE_NEWCGROUP},
};

const char *rt_ns_name(int flag)
{
    for (size_t i = 0; i < sizeof(ns_types) / sizeof(ns_types[0]); i++) {
        if (ns_types[i].flag == flag)
            return ns_types[i].proc;
    }
    return "?";
}

int rt_ns_parse(const json_t *namespaces, struct rt_nsset *s, struct herr *e)
{
    memset(s, 0, sizeof(*s));
    if (namespaces && !json_is_array(namespaces))
        return herr_set(e, EINVAL, "linux.namespaces must be an array");
    size_t i;
    json_t *it;
    json_array_foreach(namespaces, i, it)
    {
        const char *type = hj_str(it, "type"), *path = hj_str(it, "path");
        size_t k;
        for (k = 0; k < sizeof(ns_types) / sizeof(ns_types[0]); k++) {
            if (type && strcmp(type, ns_types[k].type) == 0)
                break;
        }
        if (k == sizeof(ns_types) / sizeof(ns_types[0])) {
            if (type && (strcmp(type, "user") == 0 || strcmp(type, "time") == 0))
                return herr_set(e, ENOTSUP, "%s namespaces are not supported", type);
            return herr_set(e, EINVAL, "unknown namespace type \"%s\"", type ? type : "");
        }
        for (size_t j = 0; j < s->n; j++) {
            if (s->ns[j].flag == ns_types[k].flag)
                return herr_set(e, EINVAL, "namespace \"%s\" given twice", type);
        }
        struct rt_ns *ns = &s->ns[s->n++];
        ns->flag = ns_types[k].flag;
        ns->fd = -1;
        if (path && *path) {
            ns->fd = open(path, O_RDONLY | O_CLOEXEC);
            if (ns->fd < 0)
                return herr_sys(e, "%s namespace \"%s\"", type, path);
        } else {
            s->new_flags |= (unsigned long)ns->flag;
        }
    }
    return 0;
}

void rt_ns_close(struct rt_nsset *s)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->ns[i].fd >= 0)
            close(s->ns[i].fd);
        s->ns[i].fd = -1;
    }
}
