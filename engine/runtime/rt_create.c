/* create / run / start. The runtime clones the init straight into its new namespaces;
 * the init waits on the sync socket until the parent has put it in its cgroup, builds
 * the root, resolves the executable, then either reports READY and blocks on
 * exec.fifo until `start` (create) or execs at once (run). */
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/runtime/cgroup.h"
#include "engine/runtime/rt_internal.h"
#include "engine/runtime/runtime.h"
#include "engine/runtime/seccomp.h"

struct launch {
    struct rt_init c;
    json_t *config;
    char *cgpath, *state_dir;
    int state_dirfd;
    pid_t pid;
    bool cg_created, dir_created;
};

static int lo_up(struct herr *e)
{
    _cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr = {0};
    strcpy(ifr.ifr_name, "lo");
    if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
        return herr_sys(e, "loopback interface");
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
        return herr_sys(e, "bring up the loopback interface");
    return 0;
}

/* What the init does between joining its namespaces and its process setup. */
static int child_setup(struct rt_init *c, struct herr *e)
{
    /* The parent moves us into our cgroup while we build the root (see launch). A new
     * cgroup namespace must be rooted there, so then we wait before going on. */
    bool cgns = c->ns.new_flags & CLONE_NEWCGROUP;
    if (cgns && rt_sync_recv(c->sync_fd, e) != RT_MSG_GO)
        _exit(1);
    c->in_cgroup = cgns;
    if (cgns && unshare(CLONE_NEWCGROUP) < 0)
        return herr_sys(e, "create cgroup namespace");
    if (setsid() < 0)
        return herr_sys(e, "setsid");
    if (c->proc.has_oom) {
        char buf[16];
        int n = snprintf(buf, sizeof(buf), "%d", c->proc.oom_score_adj);
        _cleanup_close_ int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, buf, (size_t)n) < 0)
            return herr_sys(e, "set oomScoreAdj");
    }
    if (rt_rootfs_setup(c, e) < 0)
        return -1;
    const char *host = hj_str(c->config, "hostname"), *dom = hj_str(c->config, "domainname");
    if ((host || dom) && !(c->ns.new_flags & CLONE_NEWUTS))
        return herr_set(e, EINVAL, "hostname and domainname need a new uts namespace");
    if (host && sethostname(host, strlen(host)) < 0)
        return herr_sys(e, "set hostname \"%s\"", host);
    if (dom && setdomainname(dom, strlen(dom)) < 0)
        return herr_sys(e, "set domainname \"%s\"", dom);
    if ((c->ns.new_flags & CLONE_NEWNET) && lo_up(e) < 0)
        return -1;
    /* Nothing of the container's runs before we are in its cgroup. */
    if (!c->in_cgroup && rt_sync_recv(c->sync_fd, e) != RT_MSG_GO)
        _exit(1);
    return 0;
}

/* The init's hand-off once its process is set up: for create, READY to the runtime,
 * then exec.fifo, which blocks until `start` opens it; then startContainer hooks. */
struct handoff {
    struct rt_init *c;
    int fifo_fd; /* held while startContainer hooks run: `start` reads their failure */
};

static int init_handoff(void *arg, struct herr *e)
{
    struct handoff *h = arg;
    struct rt_init *c = h->c;
    bool start_hooks = rt_hooks_has(c->hooks, "startContainer");
    if (c->state_dirfd >= 0) {
        if (rt_sync_send(c->sync_fd, RT_MSG_READY, NULL) < 0)
            _exit(1);
        close(c->sync_fd);
        c->sync_fd = -1;
        int fd = openat(c->state_dirfd, "exec.fifo", O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, "0", 1) != 1)
            return herr_sys(e, "open exec.fifo");
        if (start_hooks)
            h->fifo_fd = fd;
        else
            close(fd);
        close(c->state_dirfd);
        c->state_dirfd = -1;
    }
    if (!start_hooks)
        return 0;
    _cleanup_free_ char *state = rt_hook_state(c->id, "created", c->host_pid, c->bundle,
                                               json_object_get(c->config, "annotations"));
    return rt_hooks_run(c->hooks, "startContainer", state, e);
}

/* Until `start` has read exec.fifo failures go to the runtime over the sync socket;
 * after, to `start` over the fifo. */
__attribute__((noreturn)) static void init_fail(void *arg, struct herr *err)
{
    struct handoff *h = arg;
    if (h->fifo_fd < 0)
        rt_child_fail(h->c->sync_fd, err);
    char buf[HERR_MSG_MAX + 128];
    herr_str(err, buf, sizeof(buf));
    ssize_t n = write(h->fifo_fd, buf, strlen(buf));
    (void)n;
    _exit(err->exit ? err->exit : 1);
}

__attribute__((noreturn)) static void child_main(struct rt_init *c)
{
    struct herr e = {0};
    struct rt_entry en = {
        .sync_fd = c->sync_fd,
        .keep = {c->console_fd, c->state_dirfd},
        .ns = &c->ns,
        .proc = &c->proc,
        .seccomp = c->seccomp,
    };
    if (rt_entry_join(&en, &e) < 0)
        rt_child_fail(c->sync_fd, &e);
    if (rt_sync_recv(c->sync_fd, &e) != RT_MSG_GO)
        _exit(1);
    if (child_setup(c, &e) < 0)
        rt_child_fail(c->sync_fd, &e);
    struct handoff h = {c, -1};
    rt_entry_exec(&en, init_handoff, init_fail, &h);
}

static void launch_cleanup(struct launch *L, bool failed)
{
    struct herr ignore = {0};
    if (failed && L->pid > 0) {
        kill(L->pid, SIGKILL);
        while (waitpid(L->pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    if (failed && L->cg_created)
        cg_destroy(RT_CGROUP_FSROOT, L->cgpath, &ignore);
    if (failed && L->dir_created)
        fs_rm_rf(L->state_dir, &ignore);
    if (L->state_dirfd >= 0)
        close(L->state_dirfd);
    if (L->c.console_fd >= 0)
        close(L->c.console_fd);
    rt_ns_close(&L->c.ns);
    rt_proc_free(&L->c.proc);
    seccomp_prog_free(L->c.seccomp);
    json_decref(L->config);
    free(L->c.rootfs);
    free(L->c.bundle);
    free(L->cgpath);
    free(L->state_dir);
}

static int load_bundle(const char *id, const struct rt_create_opts *o, struct launch *L,
                       struct herr *e)
{
    char buf[PATH_MAX];
    const char *b = o->bundle ? o->bundle : ".";
    if (!realpath(b, buf))
        return herr_sys(e, "bundle \"%s\"", b);
    L->c.bundle = xstrdup(buf);
    _cleanup_free_ char *cfg = xasprintf("%s/config.json", buf);
    L->config = hj_load_file(AT_FDCWD, cfg, e);
    if (!L->config)
        return -1;
    if (!json_is_object(L->config))
        return herr_set(e, EINVAL, "%s: not a JSON object", cfg);
    L->c.config = L->config;
    const char *rp = json_string_value(hj_path(L->config, "root.path"));
    if (!rp || !*rp)
        return herr_set(e, EINVAL, "%s: root.path is missing", cfg);
    _cleanup_free_ char *abs = *rp == '/' ? xstrdup(rp) : xasprintf("%s/%s", L->c.bundle, rp);
    struct stat st;
    if (!realpath(abs, buf) || stat(buf, &st) < 0)
        return herr_sys(e, "rootfs \"%s\"", abs);
    if (!S_ISDIR(st.st_mode))
        return herr_set(e, ENOTDIR, "rootfs \"%s\"", abs);
    L->c.rootfs = xstrdup(buf);
    if (rt_proc_parse(json_object_get(L->config, "process"), &L->c.proc, e) < 0 ||
        rt_ns_parse(hj_path(L->config, "linux.namespaces"), &L->c.ns, e) < 0)
        return -1;
    if (!(L->c.ns.new_flags & CLONE_NEWNS))
        return herr_set(e, EINVAL, "a new mount namespace is required");
    if (rt_sysctl_check_all(hj_path(L->config, "linux.sysctl"), &L->c.ns, e) < 0)
        return -1;
    if (seccomp_prepare(hj_path(L->config, "linux.seccomp"), &L->c.seccomp, e) < 0)
        return herr_wrap(e, "linux.seccomp");
    if (rt_hooks_parse(json_object_get(L->config, "hooks"), &L->c.hooks, e) < 0)
        return herr_wrap(e, "%s", cfg);
    L->cgpath = rt_cgroup_path(L->config, id);
    L->c.cgpath = L->cgpath;
    return 0;
}

static void iso_now(char *buf, size_t len)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%09ldZ", ts.tv_nsec);
}

static int launch(const char *root, const char *id, const struct rt_create_opts *o, bool fifo,
                  struct launch *L, struct herr *e)
{
    memset(L, 0, sizeof(*L));
    L->state_dirfd = L->c.console_fd = L->c.state_dirfd = -1;
    L->c.id = id;
    L->c.no_pivot = o->no_pivot;
    if (!rt_id_valid(id))
        return herr_set(e, EINVAL, "invalid container id \"%s\"", id ? id : "");
    if (load_bundle(id, o, L, e) < 0)
        return -1;
    if (L->c.proc.terminal) {
        if (!o->console_socket)
            return herr_set(e, EINVAL, "process.terminal is true but no --console-socket given");
        L->c.console_fd = rt_console_connect(o->console_socket, e);
        if (L->c.console_fd < 0)
            return -1;
    }
    if (fs_mkdir_p(root, 0711, e) < 0)
        return -1;
    L->state_dir = xasprintf("%s/%s", root, id);
    if (mkdir(L->state_dir, 0711) < 0) {
        if (errno == EEXIST)
            return herr_set(e, EEXIST, "container \"%s\" already exists", id);
        return herr_sys(e, "create state directory \"%s\"", L->state_dir);
    }
    L->dir_created = true;
    L->state_dirfd = open(L->state_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (L->state_dirfd < 0)
        return herr_sys(e, "open \"%s\"", L->state_dir);
    if (fifo) {
        if (mkfifoat(L->state_dirfd, "exec.fifo", 0600) < 0)
            return herr_sys(e, "create exec.fifo");
        L->c.state_dirfd = L->state_dirfd;
    }
    /* A joined pid namespace applies to our children only: enter it here, and return to
     * our own once the init is cloned so nothing forked later lands there. */
    _cleanup_close_ int own_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
    for (size_t i = 0; i < L->c.ns.n; i++) {
        if (L->c.ns.ns[i].flag == CLONE_NEWPID && L->c.ns.ns[i].fd >= 0 &&
            setns(L->c.ns.ns[i].fd, CLONE_NEWPID) < 0)
            return herr_sys(e, "join pid namespace");
    }
    /* Seen from a shared pid namespace, or by `exec` into a created container. */
    if (rt_entry_hide(e) < 0)
        return -1;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return herr_sys(e, "socketpair");
    unsigned long flags = L->c.ns.new_flags & ~(unsigned long)CLONE_NEWCGROUP;
    fflush(NULL);
    pid_t pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) {
        close(sv[0]);
        L->c.sync_fd = sv[1];
        child_main(&L->c);
    }
    close(sv[1]);
    _cleanup_close_ int sync = sv[0];
    if (own_pidns >= 0)
        setns(own_pidns, CLONE_NEWPID);
    if (pid < 0)
        return herr_sys(e, "clone the container init");
    L->pid = pid;
    char created[64];
    iso_now(created, sizeof(created));
    struct rt_state st = {
        .id = (char *)id,
        .bundle = L->c.bundle,
        .cgroup_path = L->cgpath,
        .created = created,
        .pid = pid,
        .starttime = rt_pid_starttime(pid),
        .annotations = json_object_get(L->config, "annotations"),
        .hooks = (json_t *)L->c.hooks,
    };
    if (rt_state_write(L->state_dirfd, &st, e) < 0)
        return -1;
    if (cg_create(RT_CGROUP_FSROOT, L->cgpath, hj_path(L->config, "linux.resources"), 0, e) < 0)
        return -1;
    L->cg_created = true;
    if (rt_sync_send(sync, RT_MSG_GO, NULL) < 0)
        return herr_sys(e, "start the container init");
    /* The first write to a v1 cgroup.procs waits for an RCU grace period, milliseconds
     * and more on a busy host: the init builds its root meanwhile, and a second GO tells
     * it that it is in its cgroup. */
    struct herr ce = {0};
    if (cg_enter(RT_CGROUP_FSROOT, L->cgpath, pid, e) < 0) {
        struct pollfd pfd = {.fd = sync, .events = POLLIN};
        if (poll(&pfd, 1, 0) == 1 && rt_sync_recv(sync, &ce) == RT_MSG_ERROR)
            *e = ce;
        return -1;
    }
    /* A failed send means the init is gone; the receive below reports why. */
    rt_sync_send(sync, RT_MSG_GO, NULL);
    int k = rt_sync_recv(sync, &ce);
    if (k == RT_MSG_HOOKS) {
        _cleanup_free_ char *state = rt_hook_state(id, "creating", pid, L->c.bundle,
                                                   json_object_get(L->config, "annotations"));
        if (rt_hooks_run(L->c.hooks, "prestart", state, e) < 0 ||
            rt_hooks_run(L->c.hooks, "createRuntime", state, e) < 0)
            return -1;
        rt_sync_send(sync, RT_MSG_GO, NULL);
        k = rt_sync_recv(sync, &ce);
    }
    if (k == RT_MSG_ERROR) {
        *e = ce;
        return -1;
    }
    if (k < 0 || (fifo && k != RT_MSG_READY) || (!fifo && k != 0))
        return herr_set(e, 0, "the container init exited during setup");
    if (o->pid_file) {
        char buf[32];
        int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
        if (fs_write_atomic(AT_FDCWD, o->pid_file, buf, (size_t)n, 0644, false, e) < 0)
            return -1;
    }
    return 0;
}

int rt_create(const char *root, const char *id, const struct rt_create_opts *o, struct herr *e)
{
    struct launch L;
    int r = launch(root, id, o, true, &L, e);
    launch_cleanup(&L, r < 0);
    return r < 0 ? herr_wrap(e, "container \"%s\"", id) : 0;
}

int rt_run(const char *root, const char *id, const struct rt_create_opts *o, bool detach,
           int *status, struct herr *e)
{
    struct launch L;
    int r = launch(root, id, o, false, &L, e);
    *status = 0;
    const json_t *ann = r == 0 ? json_object_get(L.config, "annotations") : NULL;
    if (r == 0 && rt_hooks_has(L.c.hooks, "poststart")) {
        _cleanup_free_ char *state = rt_hook_state(id, "running", L.pid, L.c.bundle, ann);
        rt_hooks_warn(L.c.hooks, "poststart", state);
    }
    if (r == 0 && !detach) {
        *status = rt_wait_forward(L.pid);
        struct herr ignore = {0};
        cg_kill(RT_CGROUP_FSROOT, L.cgpath, SIGKILL, &ignore);
        for (int i = 0; i < 200 && cg_destroy(RT_CGROUP_FSROOT, L.cgpath, &ignore) < 0; i++)
            usleep(5000);
        fs_rm_rf(L.state_dir, &ignore);
        if (rt_hooks_has(L.c.hooks, "poststop")) {
            _cleanup_free_ char *state = rt_hook_state(id, "stopped", 0, L.c.bundle, ann);
            rt_hooks_warn(L.c.hooks, "poststop", state);
        }
    }
    launch_cleanup(&L, r < 0);
    return r < 0 ? herr_wrap(e, "container \"%s\"", id) : 0;
}

int rt_start(const char *root, const char *id, struct herr *e)
{
    struct rt_state st;
    if (rt_state_read(root, id, &st, e) < 0)
        return -1;
    const char *status = rt_state_status(root, &st);
    int ret = 0;
    _cleanup_free_ char *fifo = xasprintf("%s/%s/exec.fifo", root, id);
    _cleanup_close_ int fd = -1;
    if (strcmp(status, "created") != 0) {
        ret = herr_set(e, 0, "container \"%s\" is %s, not created", id, status);
        goto out;
    }
    fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        ret = herr_sys(e, "container \"%s\": open exec.fifo", id);
        goto out;
    }
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int n = poll(&p, 1, 50);
        char b;
        if (n > 0 && (p.revents & POLLIN) && read(fd, &b, 1) == 1)
            break;
        if (n < 0 && errno != EINTR) {
            ret = herr_sys(e, "container \"%s\": wait on exec.fifo", id);
            goto out;
        }
        if (!rt_pid_alive(st.pid, st.starttime)) {
            ret = herr_set(e, 0, "container \"%s\": the init exited before start", id);
            goto out;
        }
    }
    /* With startContainer hooks the init holds the fifo until it execs, and writes
     * why it failed otherwise; without them it has closed it already. */
    char why[HERR_MSG_MAX];
    size_t len = 0;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, -1) < 0 && errno != EINTR) {
            ret = herr_sys(e, "container \"%s\": wait on exec.fifo", id);
            goto out;
        }
        ssize_t n = read(fd, why + len, sizeof(why) - 1 - len);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
            break;
        if (n > 0)
            len += (size_t)n;
        if (len == sizeof(why) - 1)
            break;
    }
    unlink(fifo);
    if (len > 0) {
        why[len] = '\0';
        ret = herr_set(e, 0, "container \"%s\": %s", id, why);
        goto out;
    }
    if (rt_hooks_has(st.hooks, "poststart")) {
        _cleanup_free_ char *state =
            rt_hook_state(id, "running", st.pid, st.bundle, st.annotations);
        rt_hooks_warn(st.hooks, "poststart", state);
    }
out:
    rt_state_free(&st);
    return ret;
}
