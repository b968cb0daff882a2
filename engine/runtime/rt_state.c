/* <root>/<id>/state.json: written once at create. The status is derived when read
 * (process alive with the recorded start time, exec fifo present), as runc does, so no
 * step of the hot path rewrites it. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/runtime/rt_internal.h"
#include "engine/runtime/runtime.h"

int rt_state_read(const char *root, const char *id, struct rt_state *st, struct herr *e)
{
    memset(st, 0, sizeof(*st));
    if (!rt_id_valid(id))
        return herr_set(e, EINVAL, "invalid container id \"%s\"", id ? id : "");
    _cleanup_free_ char *path = xasprintf("%s/%s/state.json", root, id);
    struct herr inner = {0};
    _cleanup_json_ json_t *j = hj_load_file(AT_FDCWD, path, &inner);
    if (!j) {
        if (inner.errnum == ENOENT)
            return herr_set(e, 0, "container \"%s\" does not exist", id);
        *e = inner;
        return herr_wrap(e, "container \"%s\"", id);
    }
    st->id = xstrdup(id);
    st->bundle = xstrdup(hj_str(j, "bundle") ? hj_str(j, "bundle") : "");
    st->cgroup_path = xstrdup(hj_str(j, "cgroupsPath") ? hj_str(j, "cgroupsPath") : "");
    st->created = xstrdup(hj_str(j, "created") ? hj_str(j, "created") : "");
    st->pid = (pid_t)hj_int(j, "pid", 0);
    st->starttime = (unsigned long long)hj_int(j, "starttime", 0);
    st->annotations = json_incref(json_object_get(j, "annotations"));
    st->hooks = json_incref(json_object_get(j, "hooks"));
    return 0;
}

void rt_state_free(struct rt_state *st)
{
    free(st->id);
    free(st->bundle);
    free(st->cgroup_path);
    free(st->created);
    json_decref(st->annotations);
    json_decref(st->hooks);
    memset(st, 0, sizeof(*st));
}

int rt_state_write(int dirfd, const struct rt_state *st, struct herr *e)
{
    _cleanup_json_ json_t *j =
        json_pack("{s:s, s:s, s:I, s:s, s:s, s:I, s:s, s:o}", "ociVersion", "1.0.2", "id", st->id,
                  "pid", (json_int_t)st->pid, "bundle", st->bundle, "cgroupsPath", st->cgroup_path,
                  "starttime", (json_int_t)st->starttime, "created", st->created, "annotations",
                  st->annotations ? json_incref(st->annotations) : json_object());
    if (!j)
        return herr_set(e, EINVAL, "container \"%s\": encode state", st->id);
    if (st->hooks)
        json_object_set(j, "hooks", st->hooks);
    return hj_write_atomic(dirfd, "state.json", j, false, e);
}

/* Field 22 of /proc/PID/stat; 0 when the process is gone or a zombie. */
unsigned long long rt_pid_starttime(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ')
        return 0;
    p += 2;
    if (*p == 'Z' || *p == 'X')
        return 0;
    /* p is field 3 (state); skip to field 22. */
    for (int field = 3; field < 22 && p; field++) {
        p = strchr(p, ' ');
        if (p)
            p++;
    }
    return p ? strtoull(p, NULL, 10) : 0;
}

bool rt_pid_alive(pid_t pid, unsigned long long starttime)
{
    if (pid <= 0)
        return false;
    unsigned long long now = rt_pid_starttime(pid);
    return now != 0 && (starttime == 0 || now == starttime);
}

const char *rt_state_status(const char *root, const struct rt_state *st)
{
    if (!rt_pid_alive(st->pid, st->starttime))
        return "stopped";
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s/exec.fifo", root, st->id);
    if (access(path, F_OK) == 0)
        return "created";
    snprintf(path, sizeof(path), "%s/%s/paused", root, st->id);
    return access(path, F_OK) == 0 ? "paused" : "running";
}

json_t *rt_state_json(const char *root, const struct rt_state *st)
{
    const char *status = rt_state_status(root, st);
    return json_pack("{s:s, s:s, s:s, s:I, s:s, s:O, s:s}", "ociVersion", "1.0.2", "id", st->id,
                     "status", status, "pid",
                     (json_int_t)(strcmp(status, "stopped") == 0 ? 0 : st->pid), "bundle",
                     st->bundle, "annotations", st->annotations ? st->annotations : json_object(),
                     "created", st->created);
}

char *rt_cgroup_path(const json_t *config, const char *id)
{
    const char *p = json_string_value(hj_path(config, "linux.cgroupsPath"));
    if (p && *p)
        return *p == '/' ? xstrdup(p) : xasprintf("/%s", p);
    return xasprintf("/hoist/%s", id);
}

static volatile sig_atomic_t forward_pid;

static void forward(int sig)
{
    if (forward_pid > 0)
        kill(forward_pid, sig);
}

int rt_wait_forward(pid_t pid)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
    forward_pid = pid;
    struct sigaction sa = {.sa_handler = forward, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaction(sigs[i], &sa, NULL);
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return 1;
    }
    forward_pid = 0;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}
