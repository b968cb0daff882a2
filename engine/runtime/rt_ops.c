/* state / list / kill / delete / exec on an existing container. */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/runtime/cgroup.h"
#include "engine/runtime/rt_internal.h"
#include "engine/runtime/runtime.h"
#include "engine/runtime/seccomp.h"

int rt_state(const char *root, const char *id, json_t **out, struct herr *e)
{
    struct rt_state st;
    if (rt_state_read(root, id, &st, e) < 0)
        return -1;
    *out = rt_state_json(root, &st);
    rt_state_free(&st);
    return 0;
}

int rt_list(const char *root, json_t **out, struct herr *e)
{
    *out = json_array();
    _cleanup_dir_ DIR *d = opendir(root);
    if (!d)
        return errno == ENOENT ? 0 : herr_sys(e, "runtime root \"%s\"", root);
    struct dirent *de;
    while ((de = readdir(d))) {
        struct rt_state st;
        struct herr ignore = {0};
        if (de->d_name[0] == '.' || rt_state_read(root, de->d_name, &st, &ignore) < 0)
            continue;
        json_array_append_new(*out, rt_state_json(root, &st));
        rt_state_free(&st);
    }
    return 0;
}

int rt_kill(const char *root, const char *id, int sig, bool all, struct herr *e)
{
    struct rt_state st;
    if (rt_state_read(root, id, &st, e) < 0)
        return -1;
    int ret = 0;
    if (all) {
        if (cg_kill(RT_CGROUP_FSROOT, st.cgroup_path, sig, e) < 0)
            ret = herr_wrap(e, "container \"%s\"", id);
    } else if (!rt_pid_alive(st.pid, st.starttime)) {
        ret = herr_set(e, 0, "container \"%s\" is not running", id);
    } else if (kill(st.pid, sig) < 0) {
        ret = herr_sys(e, "container \"%s\": kill %d", id, (int)st.pid);
    }
    rt_state_free(&st);
    return ret;
}

int rt_delete(const char *root, const char *id, bool force, struct herr *e)
{
    struct rt_state st;
    if (rt_state_read(root, id, &st, e) < 0)
        return -1;
    int ret = 0;
    _cleanup_free_ char *dir = xasprintf("%s/%s", root, id);
    const char *status = rt_state_status(root, &st);
    if ((strcmp(status, "running") == 0 || strcmp(status, "paused") == 0) && !force) {
        ret = herr_set(e, 0, "container \"%s\" is %s: stop it first or use --force", id, status);
        goto out;
    }
    if (strcmp(status, "stopped") != 0)
        kill(st.pid, SIGKILL);
    struct herr ce = {0};
    /* Exec'd processes may outlive the init; nothing of the container may remain. */
    cg_kill(RT_CGROUP_FSROOT, st.cgroup_path, SIGKILL, &ce);
    int tries = 0;
    while ((rt_pid_alive(st.pid, st.starttime) ||
            cg_destroy(RT_CGROUP_FSROOT, st.cgroup_path, &ce) < 0) &&
           tries++ < 1000)
        usleep(5000);
    if (tries > 1000) {
        *e = ce;
        ret = herr_wrap(e, "container \"%s\": remove cgroup", id);
        goto out;
    }
    if (fs_rm_rf(dir, e) < 0) {
        ret = herr_wrap(e, "container \"%s\"", id);
        goto out;
    }
    if (rt_hooks_has(st.hooks, "poststop")) {
        _cleanup_free_ char *state = rt_hook_state(id, "stopped", 0, st.bundle, st.annotations);
        rt_hooks_warn(st.hooks, "poststop", state);
    }
out:
    rt_state_free(&st);
    return ret;
}

static int build_process(const struct rt_exec_opts *o, const json_t *config, json_t **out,
                         struct herr *e)
{
    _cleanup_json_ json_t *p = NULL;
    if (o->process_file) {
        p = hj_load_file(AT_FDCWD, o->process_file, e);
        if (!p)
            return -1;
    } else {
        if (!o->args || !o->args[0])
            return herr_set(e, EINVAL, "exec: no command given");
        p = json_deep_copy(json_object_get(config, "process"));
        if (!p)
            p = json_object();
        json_object_set_new(p, "args", hj_from_strv(o->args));
        json_object_set_new(p, "terminal", json_boolean(o->tty));
    }
    if (o->cwd)
        json_object_set_new(p, "cwd", json_string(o->cwd));
    if (o->env && o->env[0]) {
        json_t *env = json_object_get(p, "env");
        if (!json_is_array(env)) {
            env = json_array();
            json_object_set_new(p, "env", env);
        }
        for (size_t i = 0; o->env[i]; i++)
            json_array_append_new(env, json_string(o->env[i]));
    }
    if (o->user) {
        uid_t uid;
        gid_t gid = 0;
        bool has_gid;
        if (rt_parse_user(o->user, &uid, &gid, &has_gid, e) < 0)
            return -1;
        json_object_set_new(
            p, "user", json_pack("{s:I, s:I}", "uid", (json_int_t)uid, "gid", (json_int_t)gid));
    }
    if (o->no_new_privs)
        json_object_set_new(p, "noNewPrivileges", json_true());
    if (o->caps && o->caps[0]) {
        json_t *caps = json_object_get(p, "capabilities");
        if (!caps) {
            caps = json_object();
            json_object_set_new(p, "capabilities", caps);
        }
        static const char *const sets[] = {"bounding", "effective", "permitted"};
        for (size_t s = 0; s < 3; s++) {
            json_t *arr = json_object_get(caps, sets[s]);
            if (!json_is_array(arr)) {
                arr = json_array();
                json_object_set_new(caps, sets[s], arr);
            }
            for (size_t i = 0; o->caps[i]; i++)
                json_array_append_new(arr, json_string(o->caps[i]));
        }
    }
    *out = steal_ptr(&p);
    return 0;
}

static const struct {
    const char *name;
    int flag;
} exec_ns[] = {
    {"cgroup", CLONE_NEWCGROUP}, {"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS},
    {"net", CLONE_NEWNET},       {"pid", CLONE_NEWPID}, {"mnt", CLONE_NEWNS},
};
#define N_EXEC_NS (sizeof(exec_ns) / sizeof(exec_ns[0]))

struct exec_child {
    struct rt_entry en;
    int console_fd;
};

__attribute__((noreturn)) static void exec_fail(void *arg, struct herr *e)
{
    rt_child_fail(((struct exec_child *)arg)->en.sync_fd, e);
}

/* The process that appears in the container: it waits until the runtime has put it in
 * the container's cgroup, takes its terminal, and enters. */
__attribute__((noreturn)) static void exec_child(struct exec_child *x)
{
    struct herr e = {0};
    if (rt_sync_recv(x->en.sync_fd, &e) != RT_MSG_GO)
        _exit(1);
    if (x->en.proc->terminal) {
        int ptmx = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (ptmx < 0) {
            herr_sys(&e, "open /dev/ptmx in the container");
            exec_fail(x, &e);
        }
        if (rt_tty_setup(ptmx, x->console_fd, NULL, &e) < 0)
            exec_fail(x, &e);
        close(ptmx);
    }
    rt_entry_exec(&x->en, NULL, exec_fail, x);
}

/* The first child joins every namespace while it is still outside the container's pid
 * namespace (joining that one only sets where its children go), so no process of the
 * container can see it; only the process it forks appears there, already with the
 * container's root and cwd and no fd of the host but the sync socket (and the console
 * socket with a terminal). It is forked with CLONE_PARENT: the runtime is its parent,
 * to wait for it. */
__attribute__((noreturn)) static void exec_enter(struct exec_child *x)
{
    struct herr e = {0};
    if (rt_entry_join(&x->en, &e) < 0)
        exec_fail(x, &e);
    pid_t pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0)
        exec_child(x);
    if (pid < 0) {
        herr_sys(&e, "fork into the container");
        exec_fail(x, &e);
    }
    _exit(rt_sync_send_pid(x->en.sync_fd, pid) < 0);
}

/* Reap a child that is gone or must go. */
static void reap(pid_t pid, bool kill_it)
{
    if (pid <= 0)
        return;
    if (kill_it)
        kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

static int do_exec(const struct rt_state *st, const struct rt_exec_opts *o, int *status,
                   struct herr *e)
{
    _cleanup_free_ char *cfgpath = xasprintf("%s/config.json", st->bundle);
    _cleanup_json_ json_t *config = hj_load_file(AT_FDCWD, cfgpath, e);
    if (!config)
        return -1;
    _cleanup_json_ json_t *pj = NULL;
    if (build_process(o, config, &pj, e) < 0)
        return -1;
    struct rt_proc p;
    int ret = -1;
    struct seccomp_prog *sp = NULL;
    struct rt_nsset ns = {0};
    _cleanup_close_ int console = -1;
    _cleanup_close_ int sync = -1;
    if (rt_proc_parse(pj, &p, e) < 0)
        goto out;
    if (seccomp_prepare(hj_path(config, "linux.seccomp"), &sp, e) < 0) {
        herr_wrap(e, "linux.seccomp");
        goto out;
    }
    if (p.terminal) {
        if (!o->console_socket) {
            herr_set(e, EINVAL, "a terminal needs --console-socket");
            goto out;
        }
        if ((console = rt_console_connect(o->console_socket, e)) < 0)
            goto out;
    }
    for (size_t i = 0; i < N_EXEC_NS; i++) {
        char path[64], self[64];
        struct stat a, b;
        snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)st->pid, exec_ns[i].name);
        snprintf(self, sizeof(self), "/proc/self/ns/%s", exec_ns[i].name);
        if (stat(path, &a) < 0) {
            herr_sys(e, "open %s", path);
            goto out;
        }
        if (stat(self, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
            continue;
        struct rt_ns *n = &ns.ns[ns.n];
        n->flag = exec_ns[i].flag;
        if ((n->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
            herr_sys(e, "open %s", path);
            goto out;
        }
        ns.n++;
    }
    if (rt_entry_hide(e) < 0)
        goto out;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        herr_sys(e, "socketpair");
        goto out;
    }
    fflush(NULL);
    pid_t first = fork();
    if (first == 0) {
        close(sv[0]);
        struct exec_child x = {
            .en = {.sync_fd = sv[1],
                   .keep = {console, -1},
                   .ns = &ns,
                   .join_pid = true,
                   .proc = &p,
                   .seccomp = sp},
            .console_fd = console,
        };
        exec_enter(&x);
    }
    close(sv[1]);
    sync = sv[0];
    if (first < 0) {
        herr_sys(e, "fork");
        goto out;
    }
    struct herr ce = {0};
    int k = rt_sync_recv(sync, &ce);
    reap(first, k != RT_MSG_PID);
    if (k != RT_MSG_PID) {
        if (k == RT_MSG_ERROR)
            *e = ce;
        else if (k >= 0)
            herr_set(e, 0, "exec: the process exited during setup");
        goto out;
    }
    pid_t pid = (pid_t)ce.exit;
    k = -1;
    if (cg_enter(RT_CGROUP_FSROOT, st->cgroup_path, pid, e) == 0 &&
        rt_sync_send(sync, RT_MSG_GO, NULL) == 0)
        k = rt_sync_recv(sync, &ce);
    if (k != 0) {
        if (k == RT_MSG_ERROR)
            *e = ce;
        else if (k > 0)
            herr_set(e, 0, "exec: the process exited during setup");
        reap(pid, true);
        goto out;
    }
    if (o->pid_file) {
        char buf[32];
        int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
        if (fs_write_atomic(AT_FDCWD, o->pid_file, buf, (size_t)n, 0644, false, e) < 0)
            goto out;
    }
    *status = o->detach ? 0 : rt_wait_forward(pid);
    ret = 0;
out:
    rt_ns_close(&ns);
    seccomp_prog_free(sp);
    rt_proc_free(&p);
    return ret;
}

int rt_exec(const char *root, const char *id, const struct rt_exec_opts *o, int *status,
            struct herr *e)
{
    struct rt_state st;
    *status = 0;
    if (rt_state_read(root, id, &st, e) < 0)
        return -1;
    int ret;
    if (!rt_pid_alive(st.pid, st.starttime))
        ret = herr_set(e, 0, "container \"%s\" is not running", id);
    else if ((ret = do_exec(&st, o, status, e)) < 0)
        herr_wrap(e, "container \"%s\"", id);
    rt_state_free(&st);
    return ret;
}
