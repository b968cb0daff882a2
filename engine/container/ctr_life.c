/* Lifecycle: the overlay rootfs, starting a monitor, and talking to it. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/container/container.h"
#include "engine/container/ctr_internal.h"
#include "engine/image/image.h"
#include "engine/monitor/monitor.h"
#include "volumes/volumes.h"

static bool is_mountpoint(const char *path)
{
    struct stat a, b;
    _cleanup_free_ char *parent = xasprintf("%s/..", path);
    return stat(path, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

int ctr_mount_rootfs(const struct ctr_ctx *c, const char *id, const char *lowerdir, struct herr *e)
{
    _cleanup_free_ char *run = ctr_run_dir(c, id);
    _cleanup_free_ char *merged = xasprintf("%s/rootfs", run);
    _cleanup_free_ char *dir = ctr_dir(c, id);
    if (fs_mkdir_p(merged, 0700, e) < 0)
        return -1;
    if (is_mountpoint(merged))
        return 0;
    _cleanup_free_ char *upper = xasprintf("%s/upper", dir);
    _cleanup_free_ char *work = xasprintf("%s/work", dir);
    _cleanup_free_ char *links = xasprintf("%s/l", dir);
    if (image_mount_overlay(merged, lowerdir, upper, work, links, e) < 0)
        return herr_wrap(e, "mount the rootfs of container %s", id);
    return 0;
}

void ctr_umount_rootfs(const struct ctr_ctx *c, const char *id)
{
    _cleanup_free_ char *run = ctr_run_dir(c, id);
    _cleanup_free_ char *merged = xasprintf("%s/rootfs", run);
    umount2(merged, MNT_DETACH);
    rmdir(merged);
    ctr_host_umount(c, id);
    rmdir(run);
}

static char *monitor_path(struct herr *e)
{
    char dir[4096];
    if (fs_self_dir(dir, sizeof(dir), e) < 0)
        return NULL;
    return fs_helper_path(dir, "hoist-monitor", e);
}

static char **monitor_argv(const struct ctr_ctx *c, const json_t *rec, const char *mon, int fd,
                           bool attach)
{
    const char *id = hj_str(rec, "Id");
    const json_t *cfg = json_object_get(rec, "Config");
    const json_t *hc = json_object_get(rec, "HostConfig");
    const json_t *rp = json_object_get(hc, "RestartPolicy");
    _cleanup_free_ char *names = ctr_names_dir(c);
    char **v = xcalloc(1, sizeof(char *));
    strv_push(&v, xstrdup(mon));
    strv_push(&v, xasprintf("--id=%s", id));
    strv_push(&v, xasprintf("--ctr-dir=%s/containers/%s", c->root, id));
    strv_push(&v, xasprintf("--run-dir=%s/containers/%s", c->runroot, id));
    strv_push(&v, xasprintf("--sync-fd=%d", fd));
    strv_push(&v, xasprintf("--restart=%s", hj_str(rp, "Name") ? hj_str(rp, "Name") : "no"));
    strv_push(&v, xasprintf("--max-retries=%lld", hj_int(rp, "MaximumRetryCount", 0)));
    _cleanup_free_ char *cg = ctr_cgroup_path(c, rec);
    strv_push(&v, xasprintf("--cgroup=%s", cg));
    strv_push(&v, xasprintf("--name-link=%s%s", names, hj_str(rec, "Name")));
    if (hj_bool(cfg, "Tty", false))
        strv_push(&v, xstrdup("--tty"));
    if (hj_bool(cfg, "OpenStdin", false))
        strv_push(&v, xstrdup("--stdin"));
    if (attach)
        strv_push(&v, xstrdup("--attach"));
    if (hj_bool(hc, "AutoRemove", false))
        strv_push(&v, xstrdup("--rm"));
    ctr_health_monitor_args(rec, &v);
    strv_push(&v, xstrdup("--"));
    _cleanup_strv_ char **rt = ctr_runtime_argv(c);
    for (char **p = rt; *p; p++)
        strv_push(&v, xstrdup(*p));
    return v;
}

/* Double fork so the monitor is nobody's child but the reaper's, in its own session. */
static int spawn_monitor(char **argv, int fd, bool attach, bool open_stdin, struct herr *e)
{
    pid_t pid = fork();
    if (pid < 0)
        return herr_sys(e, "fork");
    if (pid == 0) {
        setsid();
        if (fork() != 0)
            _exit(0);
        int null = open("/dev/null", O_RDWR);
        if (!attach || !open_stdin)
            dup2(null, 0);
        if (!attach) {
            dup2(null, 1);
            dup2(null, 2);
        }
        fcntl(fd, F_SETFD, 0);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execv(argv[0], argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return 0;
}

/* Read until the monitor closes its end, which it does by exiting. */
static void drain(int sock)
{
    char buf[MONITOR_MSG_MAX];
    ssize_t n;
    while ((n = recv(sock, buf, sizeof(buf), 0)) > 0 || (n < 0 && errno == EINTR))
        ;
}

static bool active(const char *st)
{
    return strcmp(st, "running") == 0 || strcmp(st, "restarting") == 0 || strcmp(st, "paused") == 0;
}

int ctr_start(const struct ctr_ctx *c, const char *id, bool attach, int *sock, pid_t *pid,
              struct herr *e)
{
    *sock = -1;
    _cleanup_json_ json_t *rec = ctr_inspect(c, id, e);
    if (!rec)
        return -1;
    const char *st = ctr_status(rec);
    if (active(st)) {
        *pid = (pid_t)hj_int(json_object_get(rec, "State"), "Pid", 0);
        return 0;
    }
    _cleanup_free_ char *mon = monitor_path(e);
    if (!mon || ctr_net_before_start(c, rec, e) < 0 || ctr_host_before_start(c, rec, e) < 0 ||
        ctr_vol_start(c, rec, e) < 0)
        return -1;
    bool autorm = hj_bool(json_object_get(rec, "HostConfig"), "AutoRemove", false);
    const char *lower = hj_str(hj_path(rec, "GraphDriver.Data"), "LowerDir");
    if (ctr_mount_rootfs(c, id, lower ? lower : "", e) < 0)
        return -1;
    int sp[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
        ctr_umount_rootfs(c, id);
        return herr_sys(e, "socketpair");
    }
    _cleanup_close_ int mine = sp[0];
    _cleanup_strv_ char **argv = monitor_argv(c, rec, mon, sp[1], attach);
    bool open_stdin = hj_bool(json_object_get(rec, "Config"), "OpenStdin", false);
    int r = spawn_monitor(argv, sp[1], attach, open_stdin, e);
    close(sp[1]);
    if (r < 0) {
        ctr_umount_rootfs(c, id);
        return -1;
    }
    char msg[MONITOR_MSG_MAX + 1];
    ssize_t n;
    while ((n = recv(mine, msg, MONITOR_MSG_MAX, 0)) < 0 && errno == EINTR)
        ;
    if (n <= 0) {
        ctr_umount_rootfs(c, id);
        ctr_net_unwire(c, rec, autorm);
        return herr_set(e, 0, "container %s: the monitor exited before starting it", id);
    }
    msg[n] = '\0';
    int code = 0, off = 0;
    if (sscanf(msg, "started %d", pid) == 1) {
        if (attach)
            *sock = steal_fd(&mine);
        return 0;
    }
    if (sscanf(msg, "error %d %n", &code, &off) == 1 && off > 0) {
        const char *text = msg + off;
        /* The runtime's own "hoist: " prefix would be printed twice. */
        if (strncmp(text, "hoist: ", 7) == 0)
            text += 7;
        herr_set(e, 0, "%s", text);
        /* The monitor closes its end once the failed container is cleaned up. */
        drain(mine);
        /* A start that failed before the runtime recorded it runs no poststop hook. */
        ctr_net_unwire(c, rec, autorm);
        if (autorm)
            ctr_vol_remove_anonymous(c, rec);
        if (e)
            e->exit = code;
        return -1;
    }
    return herr_set(e, 0, "container %s: unexpected monitor reply \"%s\"", id, msg);
}

int ctr_connect(const struct ctr_ctx *c, const char *id, struct herr *e)
{
    _cleanup_free_ char *run = ctr_run_dir(c, id);
    /* Through the directory's fd: the full path may not fit in sun_path. */
    _cleanup_close_ int dfd = open(run, O_PATH | O_DIRECTORY | O_CLOEXEC);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dfd, MONITOR_SOCK);
    _cleanup_close_ int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (s < 0)
        return herr_sys(e, "socket");
    if (dfd < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        herr_set(e, ESRCH, "container %s is not running", id);
        if (e)
            e->errnum = 0;
        errno = ESRCH;
        return -1;
    }
    return steal_fd(&s);
}

int ctr_send(int sock, const char *msg, struct herr *e)
{
    if (send(sock, msg, strlen(msg), MSG_NOSIGNAL) < 0)
        return herr_sys(e, "send to monitor");
    return 0;
}

int ctr_wait_exit(int sock, struct herr *e)
{
    char msg[MONITOR_MSG_MAX + 1];
    for (;;) {
        ssize_t n = recv(sock, msg, MONITOR_MSG_MAX, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return herr_set(e, 0, "the container's monitor went away");
        msg[n] = '\0';
        int code;
        if (sscanf(msg, "exit %d", &code) == 1) {
            drain(sock);
            return code;
        }
    }
}

static int request_and_wait(const struct ctr_ctx *c, const char *id, const char *msg,
                            struct herr *e)
{
    _cleanup_close_ int s = ctr_connect(c, id, e);
    if (s < 0)
        return errno == ESRCH ? 0 : -1;
    if (ctr_send(s, msg, e) < 0)
        return -1;
    int r = ctr_wait_exit(s, e);
    return r < 0 ? -1 : 0;
}

int ctr_stop(const struct ctr_ctx *c, const char *id, int timeout, struct herr *e)
{
    _cleanup_json_ json_t *rec = ctr_inspect(c, id, e);
    if (!rec)
        return -1;
    if (!active(ctr_status(rec)))
        return 0;
    if (ctr_thaw(c, id, rec, e) < 0)
        return -1;
    const json_t *cfg = json_object_get(rec, "Config");
    int sig = hj_str(cfg, "StopSignal") ? ctr_parse_signal(hj_str(cfg, "StopSignal")) : SIGTERM;
    if (timeout < 0)
        timeout = (int)hj_int(cfg, "StopTimeout", 10);
    char msg[64];
    snprintf(msg, sizeof(msg), "stop %d %d", sig > 0 ? sig : SIGTERM, timeout);
    return request_and_wait(c, id, msg, e);
}

int ctr_kill(const struct ctr_ctx *c, const char *id, int sig, struct herr *e)
{
    _cleanup_json_ json_t *rec = ctr_inspect(c, id, e);
    if (!rec)
        return -1;
    if (!active(ctr_status(rec)))
        return herr_set(e, 0, "cannot kill container %s: container is not running", id);
    if (ctr_thaw(c, id, rec, e) < 0)
        return -1;
    _cleanup_close_ int s = ctr_connect(c, id, e);
    if (s < 0)
        return -1;
    char msg[32];
    snprintf(msg, sizeof(msg), "kill %d", sig);
    return ctr_send(s, msg, e);
}

int ctr_wait(const struct ctr_ctx *c, const char *id, struct herr *e)
{
    _cleanup_json_ json_t *rec = ctr_inspect(c, id, e);
    if (!rec)
        return -1;
    if (active(ctr_status(rec))) {
        _cleanup_close_ int s = ctr_connect(c, id, NULL);
        if (s >= 0 && ctr_send(s, "wait", e) == 0) {
            int code = ctr_wait_exit(s, e);
            if (code >= 0)
                return code;
        }
        json_decref(rec);
        rec = ctr_inspect(c, id, e);
        if (!rec)
            return -1;
    }
    return (int)hj_int(json_object_get(rec, "State"), "ExitCode", 0);
}

/* A monitor that died leaves the runtime's state and cgroup: delete them as it would. */
static void runtime_delete(const struct ctr_ctx *c, const char *id)
{
    _cleanup_free_ char *state = xasprintf("%s/runtime/%s", c->runroot, id);
    if (!fs_exists(state))
        return;
    _cleanup_strv_ char **argv = ctr_runtime_argv(c);
    strv_push(&argv, xstrdup("delete"));
    strv_push(&argv, xstrdup("--force"));
    strv_push(&argv, xstrdup(id));
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    int st;
    while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
}

int ctr_remove(const struct ctr_ctx *c, const char *id, bool force, bool volumes, struct herr *e)
{
    _cleanup_json_ json_t *rec = ctr_inspect(c, id, e);
    if (!rec)
        return -1;
    if (active(ctr_status(rec))) {
        if (!force)
            return herr_set(e, 0,
                            "cannot remove container %s: container is running: stop the "
                            "container before removing or force remove",
                            hj_str(rec, "Name") + 1);
        if (ctr_thaw(c, id, rec, e) < 0 || request_and_wait(c, id, "stop 9 0", e) < 0)
            return -1;
    }
    runtime_delete(c, id);
    ctr_umount_rootfs(c, id);
    _cleanup_free_ char *names = ctr_names_dir(c);
    _cleanup_free_ char *link = xasprintf("%s%s", names, hj_str(rec, "Name"));
    char target[128];
    ssize_t n = readlink(link, target, sizeof(target) - 1);
    if (n == 64 && strncmp(target, id, 64) == 0)
        unlink(link);
    ctr_net_release(c, rec);
    _cleanup_strv_ char **anon = volumes ? ctr_vol_anonymous(c, rec) : NULL;
    _cleanup_free_ char *dir = ctr_dir(c, id);
    if (fs_rm_rf(dir, e) < 0 && errno != ENOENT)
        return herr_wrap(e, "remove container %s", id);
    /* Only now that no record names them. */
    for (char **p = anon; p && *p; p++) {
        if (vol_remove(c->root, *p, e) < 0)
            return herr_wrap(e, "container %s", id);
    }
    return 0;
}
