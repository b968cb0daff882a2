/* pause / unpause through the OCI runtime's pause and resume. The run directory keeps a
 * "paused" mark holding the monitor's pid, so inspect reports "paused" only while that
 * monitor lives: a container that died or restarted since is not paused. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/container/container.h"
#include "engine/container/ctr_internal.h"

static char *mark_path(const struct ctr_ctx *c, const char *id)
{
    _cleanup_free_ char *dir = ctr_run_dir(c, id);
    return xasprintf("%s/paused", dir);
}

/* `<runtime> pause|resume ID`; its stderr becomes the error message. */
static int runtime_op(const struct ctr_ctx *c, const char *op, const char *id, struct herr *e)
{
    _cleanup_strv_ char **argv = ctr_runtime_argv(c);
    strv_push(&argv, xstrdup(op));
    strv_push(&argv, xstrdup(id));
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return herr_sys(e, "pipe");
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return herr_sys(e, "fork");
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(p[1], 2);
        execv(argv[0], argv);
        _exit(127);
    }
    close(p[1]);
    char msg[HERR_MSG_MAX];
    size_t len = 0;
    ssize_t n;
    while ((n = read(p[0], msg + len, sizeof(msg) - 1 - len)) > 0 || (n < 0 && errno == EINTR))
        len += n > 0 ? (size_t)n : 0;
    close(p[0]);
    msg[len] = '\0';
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 0;
    msg[strcspn(msg, "\n")] = '\0';
    const char *m = str_has_prefix(msg, "hoist: ") ? msg + 7 : msg;
    return herr_set(e, 0, "%s container %s: %s", op, id, *m ? m : "the runtime failed");
}

int ctr_pause(const struct ctr_ctx *c, const char *id, struct herr *e)
{
    _cleanup_json_ json_t *rec = ctr_inspect(c, id, e);
    if (!rec)
        return -1;
    const char *name = hj_str(rec, "Name") + 1;
    const char *st = ctr_status(rec);
    if (strcmp(st, "paused") == 0)
        return herr_set(e, 0, "container %s is already paused", name);
    if (strcmp(st, "running") != 0)
        return herr_set(e, 0, "container %s is not running", name);
    if (runtime_op(c, "pause", id, e) < 0)
        return -1;
    _cleanup_free_ char *mark = mark_path(c, id);
    _cleanup_free_ char *pid =
        xasprintf("%lld", hj_int(json_object_get(rec, "State"), "MonitorPid", 0));
    if (fs_write_atomic(AT_FDCWD, mark, pid, strlen(pid), 0600, false, e) < 0) {
        runtime_op(c, "resume", id, NULL);
        return herr_wrap(e, "pause container %s", name);
    }
    return 0;
}

int ctr_unpause(const struct ctr_ctx *c, const char *id, struct herr *e)
{
    _cleanup_json_ json_t *rec = ctr_inspect(c, id, e);
    if (!rec)
        return -1;
    if (strcmp(ctr_status(rec), "paused") != 0)
        return herr_set(e, 0, "container %s is not paused", hj_str(rec, "Name") + 1);
    if (runtime_op(c, "resume", id, e) < 0)
        return -1;
    _cleanup_free_ char *mark = mark_path(c, id);
    unlink(mark);
    return 0;
}

int ctr_thaw(const struct ctr_ctx *c, const char *id, const json_t *rec, struct herr *e)
{
    if (strcmp(ctr_status(rec), "paused") != 0)
        return 0;
    if (runtime_op(c, "resume", id, e) < 0)
        return -1;
    _cleanup_free_ char *mark = mark_path(c, id);
    unlink(mark);
    return 0;
}

void ctr_pause_inspect(const struct ctr_ctx *c, const char *id, json_t *state)
{
    const char *st = hj_str(state, "Status");
    if (!st || strcmp(st, "running") != 0)
        return;
    _cleanup_free_ char *mark = mark_path(c, id);
    char buf[32];
    _cleanup_close_ int fd = open(mark, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
    if (n <= 0)
        return;
    buf[n] = '\0';
    if (strtoll(buf, NULL, 10) != hj_int(state, "MonitorPid", -1))
        return;
    json_object_set_new(state, "Status", json_string("paused"));
    json_object_set_new(state, "Paused", json_true());
}
