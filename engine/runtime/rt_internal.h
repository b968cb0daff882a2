/* Shared between the runtime's own files only (rt_*.c); not part of the module API. */
#ifndef HOIST_ENGINE_RT_INTERNAL_H
#define HOIST_ENGINE_RT_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "common/err.h"

struct seccomp_prog;

#define RT_CGROUP_FSROOT "/sys/fs/cgroup"

/* The parsed OCI `process` object. */
struct rt_rlimit {
    int resource;
    struct rlimit lim;
};

struct rt_proc {
    char **args, **env;
    char *cwd;
    bool terminal, no_new_privs;
    uid_t uid;
    gid_t gid;
    gid_t *groups;
    size_t ngroups;
    bool has_umask;
    mode_t umask;
    bool has_caps;
    uint64_t bounding, effective, permitted, inheritable, ambient;
    struct rt_rlimit *rlimits;
    size_t nrlimits;
    bool has_oom;
    int oom_score_adj;
};

int rt_proc_parse(const json_t *process, struct rt_proc *p, struct herr *e);
void rt_proc_free(struct rt_proc *p);

/* Child side, after namespaces and rootfs: rlimits, umask, early seccomp (without
 * no_new_privs it needs CAP_SYS_ADMIN, so before caps drop), capabilities, user, cwd,
 * the executable's path in PATH, no_new_privs. e->exit is 127/126/1 on failure. */
int rt_proc_setup(const struct rt_proc *p, struct seccomp_prog *sp, char **exe, struct herr *e);
/* Late seccomp (with no_new_privs) then execve; returns only on failure. */
int rt_proc_exec(const struct rt_proc *p, struct seccomp_prog *sp, const char *exe, struct herr *e);
/* Make the calling process a session leader with a fresh pty from ptmx_fd (an open
 * /dev/ptmx) as its controlling terminal and stdio; the master goes over console_fd.
 * *slave_out (may be NULL) receives a dup of the slave. */
int rt_tty_setup(int ptmx_fd, int console_fd, int *slave_out, struct herr *e);
/* Connect to the --console-socket path. */
int rt_console_connect(const char *path, struct herr *e);

/* Parent/child sync over a SOCK_SEQPACKET pair; the child's end is close-on-exec, so
 * EOF after the last message means the execve succeeded. */
/* RT_MSG_HOOKS: the init asks the runtime to run prestart and createRuntime hooks.
 * RT_MSG_PID: exec's first child names the process it forked into the container. */
enum rt_msg_kind { RT_MSG_GO = 1, RT_MSG_READY, RT_MSG_ERROR, RT_MSG_HOOKS, RT_MSG_PID };
int rt_sync_send(int fd, enum rt_msg_kind kind, const struct herr *err);
int rt_sync_send_pid(int fd, pid_t pid);
/* Returns the kind, 0 on EOF, -1 on error; an RT_MSG_ERROR fills e, an RT_MSG_PID puts
 * the pid in e->exit. */
int rt_sync_recv(int fd, struct herr *e);
/* Report err to the parent and exit with err->exit (or 1). */
__attribute__((noreturn)) void rt_child_fail(int sync_fd, struct herr *err);

/* Namespaces of linux.namespaces. */
struct rt_ns {
    int flag; /* CLONE_NEW* */
    int fd;   /* joined by path: open fd, else -1 */
};
#define RT_NS_MAX 6
struct rt_nsset {
    struct rt_ns ns[RT_NS_MAX];
    size_t n;
    unsigned long new_flags; /* namespaces created fresh */
};
int rt_ns_parse(const json_t *namespaces, struct rt_nsset *s, struct herr *e);
void rt_ns_close(struct rt_nsset *s);
const char *rt_ns_name(int flag);

/* A process entering a container (rt_enter.c, where the order is explained). */
struct rt_entry {
    int sync_fd;
    int keep[2];         /* also kept open (console socket, state directory), or -1 */
    struct rt_nsset *ns; /* joined by fd; their fds are closed once joined */
    bool join_pid;       /* setns the pid namespace too (it applies to children) */
    const struct rt_proc *proc;
    struct seccomp_prog *seccomp;
};
/* In the runtime, before the fork or clone. */
int rt_entry_hide(struct herr *e);
/* First thing in the child: host fds closed, namespaces joined. */
int rt_entry_join(struct rt_entry *en, struct herr *e);
/* Last: process setup, handoff (may be NULL), execve. Never returns: a failure goes
 * to fail(arg, e), which must not return either. */
__attribute__((noreturn)) void rt_entry_exec(struct rt_entry *en,
                                             int (*handoff)(void *arg, struct herr *e),
                                             void (*fail)(void *arg, struct herr *e), void *arg);

/* What the container init needs; filled by the parent before clone. */
struct rt_init {
    const char *id;
    const json_t *config;
    const char *cgpath; /* the container's cgroup, the same path in every hierarchy */
    char *rootfs;       /* absolute */
    char *bundle;       /* absolute */
    struct rt_proc proc;
    struct rt_nsset ns;
    struct seccomp_prog *seccomp;
    int sync_fd;
    int state_dirfd; /* create: exec.fifo lives here; run: -1 */
    int console_fd;  /* -1 without terminal */
    bool no_pivot;
    const json_t *hooks; /* config.json's hooks when there is at least one, else NULL */
    bool in_cgroup;      /* the runtime's "in your cgroup" GO has been received */
    pid_t host_pid;      /* our pid in the runtime's pid namespace; set only with hooks */
};

/* rt_sysctl.c: linux.sysctl checked against the namespaces (before anything exists),
 * then written by the init through a procfs instance of its own. */
int rt_sysctl_check_all(const json_t *sysctl, const struct rt_nsset *s, struct herr *e);
int rt_sysctl_apply(const json_t *sysctl, struct herr *e);

/* rt_mount.c: mounts, /dev, masked/read-only paths, sysctls, console, pivot_root. On
 * return the process is inside the container root. */
int rt_rootfs_setup(struct rt_init *c, struct herr *e);

/* State directory records (rt_state.c). */
struct rt_state {
    char *id, *bundle, *cgroup_path, *created;
    pid_t pid;
    unsigned long long starttime;
    json_t *annotations;
    json_t *hooks; /* kept for start (poststart) and delete (poststop); NULL: none */
};
int rt_state_read(const char *root, const char *id, struct rt_state *st, struct herr *e);
void rt_state_free(struct rt_state *st);
int rt_state_write(int dirfd, const struct rt_state *st, struct herr *e);
/* "created", "running", "paused" or "stopped", from the process, the exec fifo and
 * rt_pause's mark. */
const char *rt_state_status(const char *root, const struct rt_state *st);
bool rt_pid_alive(pid_t pid, unsigned long long starttime);
unsigned long long rt_pid_starttime(pid_t pid);
json_t *rt_state_json(const char *root, const struct rt_state *st);
/* The cgroup path of a container: linux.cgroupsPath or "/hoist/<id>". */
char *rt_cgroup_path(const json_t *config, const char *id);
/* Wait for the child, forwarding the usual terminating signals; 128+sig if killed. */
int rt_wait_forward(pid_t pid);

/* Hooks (rt_hooks.c). A hook failure names its kind, path and exit status. */
/* Checks config.json's `hooks`; *out is hooks when it holds at least one, else NULL. */
int rt_hooks_parse(const json_t *hooks, const json_t **out, struct herr *e);
bool rt_hooks_has(const json_t *hooks, const char *kind);
/* The OCI state a hook reads on stdin (compact JSON, owned by the caller). */
char *rt_hook_state(const char *id, const char *status, pid_t pid, const char *bundle,
                    const json_t *annotations);
/* Runs hooks[kind] in order; the first failure stops them. */
int rt_hooks_run(const json_t *hooks, const char *kind, const char *state, struct herr *e);
/* Runs all of hooks[kind]; failures go to rt_warn. */
void rt_hooks_warn(const json_t *hooks, const char *kind, const char *state);
/* Init side, before pivot_root: the runtime's create hooks, then createContainer. */
int rt_hooks_before_pivot(struct rt_init *c, struct herr *e);

#endif
