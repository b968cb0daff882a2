/* OCI hooks: checking config.json's `hooks`, the state a hook reads on stdin, and
 * running one kind of hook in order with its timeout. Nothing here runs, and no
 * syscall is made, for a config without hooks. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/runtime/rt_internal.h"
#include "engine/runtime/runtime.h"

extern char **environ;

static const char *const hook_kinds[] = {
    "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

void (*rt_warn)(const struct herr *w);
int (*rt_self_hook)(char *const *args, const char *state, struct herr *e);

static bool is_self(const char *path)
{
    const char *self = fs_self_exe();
    return self && strcmp(self, path) == 0;
}

static int check_strings(const json_t *arr, const char *what, const char *kind, size_t i,
                         struct herr *e)
{
    if (!arr)
        return 0;
    if (!json_is_array(arr))
        return herr_set(e, EINVAL, "hooks.%s[%zu].%s must be an array of strings", kind, i, what);
    size_t j;
    json_t *s;
    json_array_foreach(arr, j, s)
    {
        if (!json_is_string(s))
            return herr_set(e, EINVAL, "hooks.%s[%zu].%s[%zu] must be a string", kind, i, what, j);
    }
    return 0;
}

int rt_hooks_parse(const json_t *hooks, const json_t **out, struct herr *e)
{
    *out = NULL;
    if (!hooks || json_is_null(hooks))
        return 0;
    if (!json_is_object(hooks))
        return herr_set(e, EINVAL, "hooks must be an object");
    bool any = false;
    for (size_t k = 0; k < sizeof(hook_kinds) / sizeof(hook_kinds[0]); k++) {
        const char *kind = hook_kinds[k];
        json_t *arr = json_object_get(hooks, kind);
        if (!arr || json_is_null(arr))
            continue;
        if (!json_is_array(arr))
            return herr_set(e, EINVAL, "hooks.%s must be an array", kind);
        size_t i;
        json_t *h;
        json_array_foreach(arr, i, h)
        {
            if (!json_is_object(h))
                return herr_set(e, EINVAL, "hooks.%s[%zu] must be an object", kind, i);
            const char *path = hj_str(h, "path");
            if (!path || path[0] != '/')
                return herr_set(e, EINVAL, "hooks.%s[%zu].path must be an absolute path", kind, i);
            json_t *t = json_object_get(h, "timeout");
            if (t && !json_is_null(t) && (!json_is_integer(t) || json_integer_value(t) <= 0))
                return herr_set(e, EINVAL, "hooks.%s[%zu].timeout must be a positive integer", kind,
                                i);
            if (check_strings(json_object_get(h, "args"), "args", kind, i, e) < 0 ||
                check_strings(json_object_get(h, "env"), "env", kind, i, e) < 0)
                return -1;
            any = true;
        }
    }
    if (any)
        *out = hooks;
    return 0;
}

bool rt_hooks_has(const json_t *hooks, const char *kind)
{
    return hooks && json_array_size(json_object_get(hooks, kind)) > 0;
}

char *rt_hook_state(const char *id, const char *status, pid_t pid, const char *bundle,
                    const json_t *annotations)
{
    _cleanup_json_ json_t *j =
        json_pack("{s:s, s:s, s:s, s:I, s:s, s:o}", "ociVersion", "1.0.2", "id", id, "status",
                  status, "pid", (json_int_t)pid, "bundle", bundle, "annotations",
                  json_is_object(annotations) ? json_incref((json_t *)annotations) : json_object());
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    if (!s)
        abort();
    return s;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for pid within timeout_s (0: no limit); on timeout the hook's process group is
 * killed. Returns the wait status, or -1 with *timed_out set or e filled. */
static int wait_hook(pid_t pid, long long timeout_s, bool *timed_out, struct herr *e)
{
    *timed_out = false;
    int status;
    if (timeout_s > 0) {
        _cleanup_close_ int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (pfd < 0)
            return herr_sys(e, "pidfd_open");
        long long deadline = now_ms() + timeout_s * 1000;
        for (;;) {
            long long left = deadline - now_ms();
            struct pollfd p = {.fd = pfd, .events = POLLIN};
            int n = left > 0 ? poll(&p, 1, left > INT32_MAX ? INT32_MAX : (int)left) : 0;
            if (n > 0)
                break;
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return herr_sys(e, "wait for the hook");
            *timed_out = true;
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            break;
        }
    }
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return herr_sys(e, "wait for the hook");
    }
    return *timed_out ? -1 : status;
}

static int run_one(const json_t *h, const char *kind, const char *state, struct herr *e)
{
    const char *path = hj_str(h, "path");
    json_t *env = json_object_get(h, "env");
    _cleanup_strv_ char **argv = hj_strv(json_object_get(h, "args"));
    if (!argv || !argv[0]) {
        strv_free(argv);
        argv = NULL;
        strv_push(&argv, xstrdup(path));
    }
    if (rt_self_hook && is_self(path)) {
        int r = rt_self_hook(argv, state, e);
        if (r <= 0)
            return r < 0 ? herr_wrap(e, "%s hook \"%s\"", kind, path) : 0;
    }
    /* Without `env` the hook inherits ours, as runc's hooks do. */
    _cleanup_strv_ char **envp = json_is_array(env) ? hj_strv(env) : NULL;
    if (json_is_array(env) && !envp)
        envp = xcalloc(1, sizeof(char *));
    /* A memfd holds the whole state, so a hook that never reads stdin cannot block us. */
    _cleanup_close_ int in = memfd_create("hoist-hook-state", MFD_CLOEXEC);
    size_t len = strlen(state);
    if (in < 0 || write(in, state, len) != (ssize_t)len || lseek(in, 0, SEEK_SET) < 0)
        return herr_sys(e, "%s hook \"%s\": pass the state", kind, path);
    int ep[2];
    if (pipe2(ep, O_CLOEXEC) < 0)
        return herr_sys(e, "%s hook \"%s\": pipe", kind, path);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        setpgid(0, 0);
        close(ep[0]);
        if (dup2(in, STDIN_FILENO) >= 0)
            execve(path, argv, envp ? envp : environ);
        int err = errno;
        ssize_t w = write(ep[1], &err, sizeof(err));
        (void)w;
        _exit(127);
    }
    close(ep[1]);
    _cleanup_close_ int rd = ep[0];
    if (pid < 0)
        return herr_sys(e, "%s hook \"%s\": fork", kind, path);
    setpgid(pid, pid);
    int err = 0;
    ssize_t n;
    do
        n = read(rd, &err, sizeof(err));
    while (n < 0 && errno == EINTR);
    bool exec_failed = n == sizeof(err), timed_out;
    long long timeout = json_integer_value(json_object_get(h, "timeout"));
    int status = wait_hook(pid, exec_failed ? 0 : timeout, &timed_out, e);
    if (exec_failed)
        return herr_set(e, err, "%s hook \"%s\"", kind, path);
    if (timed_out)
        return herr_set(e, ETIMEDOUT, "%s hook \"%s\" did not finish within %lld s", kind, path,
                        timeout);
    if (status < 0)
        return herr_wrap(e, "%s hook \"%s\"", kind, path);
    if (WIFSIGNALED(status))
        return herr_set(e, 0, "%s hook \"%s\" was killed by signal %d", kind, path,
                        WTERMSIG(status));
    if (WEXITSTATUS(status) != 0)
        return herr_set(e, 0, "%s hook \"%s\" exited with status %d", kind, path,
                        WEXITSTATUS(status));
    return 0;
}

int rt_hooks_run(const json_t *hooks, const char *kind, const char *state, struct herr *e)
{
    size_t i;
    json_t *h;
    json_array_foreach(json_object_get(hooks, kind), i, h)
    {
        if (run_one(h, kind, state, e) < 0)
            return -1;
    }
    return 0;
}

void rt_hooks_warn(const json_t *hooks, const char *kind, const char *state)
{
    size_t i;
    json_t *h;
    json_array_foreach(json_object_get(hooks, kind), i, h)
    {
        struct herr w = {0};
        if (run_one(h, kind, state, &w) < 0 && rt_warn)
            rt_warn(&w);
    }
}

/* In the init, after its mounts and before pivot_root: the runtime runs prestart and
 * createRuntime (asked for over the sync socket), then the init runs createContainer
 * itself, in the container's namespaces while the host's paths are still visible. */
int rt_hooks_before_pivot(struct rt_init *c, struct herr *e)
{
    if (!c->hooks)
        return 0;
    bool runtime_side =
        rt_hooks_has(c->hooks, "prestart") || rt_hooks_has(c->hooks, "createRuntime");
    bool own = rt_hooks_has(c->hooks, "createContainer");
    if (own || rt_hooks_has(c->hooks, "startContainer")) {
        /* /proc is still the runtime's here: this is the pid the other hooks are told. */
        char buf[32];
        ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);
        if (n <= 0)
            return herr_sys(e, "readlink /proc/self");
        buf[n] = '\0';
        c->host_pid = (pid_t)atoi(buf);
    }
    if (!runtime_side && !own)
        return 0;
    /* Hooks see the init in its cgroup: take the runtime's word for it first. */
    if (!c->in_cgroup && rt_sync_recv(c->sync_fd, e) != RT_MSG_GO)
        _exit(1);
    c->in_cgroup = true;
    if (runtime_side && (rt_sync_send(c->sync_fd, RT_MSG_HOOKS, NULL) < 0 ||
                         rt_sync_recv(c->sync_fd, e) != RT_MSG_GO))
        _exit(1);
    if (!own)
        return 0;
    _cleanup_free_ char *state = rt_hook_state(c->id, "creating", c->host_pid, c->bundle,
                                               json_object_get(c->config, "annotations"));
    return rt_hooks_run(c->hooks, "createContainer", state, e);
}
