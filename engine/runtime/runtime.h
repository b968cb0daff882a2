/* OCI runtime: runs a runtime-spec bundle (config.json + rootfs) with the runc/crun
 * command model. State lives in <root>/<id>/state.json; a created container's init
 * waits on <root>/<id>/exec.fifo until start. */
#ifndef HOIST_ENGINE_RUNTIME_H
#define HOIST_ENGINE_RUNTIME_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct herr;

#define RT_DEFAULT_ROOT "/run/hoist/runtime"

struct rt_create_opts {
    const char *bundle;         /* NULL: current directory */
    const char *pid_file;       /* NULL: none */
    const char *console_socket; /* required when process.terminal is true */
    bool no_pivot;
};

/* create: the init is left waiting for rt_start. */
int rt_create(const char *root, const char *id, const struct rt_create_opts *o, struct herr *e);
/* run: create + start in one process. With detach it returns once the process runs and
 * *status is 0; otherwise it waits, removes the container and sets *status to the exit
 * status (128 + signal when killed). */
int rt_run(const char *root, const char *id, const struct rt_create_opts *o, bool detach,
           int *status, struct herr *e);
int rt_start(const char *root, const char *id, struct herr *e);
/* OCI state JSON (ociVersion, id, status, pid, bundle, annotations, created). */
int rt_state(const char *root, const char *id, json_t **out, struct herr *e);
/* An array of state objects, one per container under root. */
int rt_list(const char *root, json_t **out, struct herr *e);
int rt_kill(const char *root, const char *id, int sig, bool all, struct herr *e);
int rt_delete(const char *root, const char *id, bool force, struct herr *e);
/* Freeze every process of a running container (its cgroup's freezer) / thaw a paused
 * one; `state` reports "paused" in between. */
int rt_pause(const char *root, const char *id, struct herr *e);
int rt_resume(const char *root, const char *id, struct herr *e);

struct rt_exec_opts {
    const char *process_file; /* OCI process JSON; otherwise args over the init's process */
    char *const *args;
    bool tty, detach, no_new_privs;
    const char *console_socket, *pid_file, *cwd, *user;
    char *const *env;  /* K=V, appended */
    char *const *caps; /* added to every capability set */
};
/* A sysctl ("KEY" or "KEY=VALUE") a container may set, given the namespaces it has to
 * itself (own_ns:
 * CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS bits); the error is runc's wording. */
int rt_sysctl_check(const char *key, unsigned long own_ns, struct herr *e);

/* Re-execute the process (argv) from a copy of its executable that nothing can write,
 * unless it already runs from one; returns only when it does, or on failure. scratch is
 * a directory of the runtime's (an empty layer is made there). See rt_seal.c. */
int rt_exe_seal(const char *scratch, char **argv, struct herr *e);

int rt_exec(const char *root, const char *id, const struct rt_exec_opts *o, int *status,
            struct herr *e);

/* Docker's defaults for an unprivileged container, shared by `hoist runtime spec` and
 * the container engine: the capability set, masked and read-only paths (NULL-ended),
 * and the device cgroup allow-list as OCI linux.resources.devices. */
extern char *const rt_docker_caps[];
extern char *const rt_docker_masked_paths[];
extern char *const rt_docker_readonly_paths[];
json_t *rt_docker_device_rules(void);

/* A config.json with Docker's defaults (namespaces, mounts, capabilities, masked and
 * read-only paths, seccomp), running `args` (NULL: "sh") with a terminal when asked. */
json_t *rt_spec_default(char *const *args, bool terminal);

/* Failed poststart and poststop hooks do not fail the operation: they are reported
 * to this function, set by the caller (cli/ prints them); NULL drops them. */
extern void (*rt_warn)(const struct herr *w);

/* A hook whose path is this very executable may be run in-process by this function,
 * set by the caller, instead of by fork and exec (saving an exec of hoist on every
 * start and stop): args are the hook's args, state the OCI state. It returns 0 when the
 * hook succeeded, -1 with e filled when it failed, 1 when it does not handle these args
 * (the hook is then executed as usual). */
extern int (*rt_self_hook)(char *const *args, const char *state, struct herr *e);

/* Pure parsers, exposed for tests and for the CLI. */
/* "KILL", "SIGKILL", "9" -> 9. */
int rt_parse_signal(const char *s, int *sig, struct herr *e);
/* "RLIMIT_NOFILE" -> RLIMIT_NOFILE. */
int rt_parse_rlimit(const char *name, int *resource, struct herr *e);
/* OCI mount options: flags to set/clear, propagation flags and fs data ("mode=755"). */
struct rt_mount_opts {
    unsigned long flags;     /* MS_* given to mount(2) */
    unsigned long propagate; /* MS_SHARED/MS_PRIVATE/... (with MS_REC for r-forms), or 0 */
    bool bind, recursive;
    char *data; /* owned; NULL when empty */
};
int rt_parse_mount_options(const json_t *options, struct rt_mount_opts *out, struct herr *e);
/* "UID[:GID]" (numbers only; names are resolved by the engine). */
int rt_parse_user(const char *s, uid_t *uid, gid_t *gid, bool *has_gid, struct herr *e);
/* "CAP_NET_ADMIN" or "NET_ADMIN" -> capability number. */
int rt_parse_cap(const char *name, int *cap, struct herr *e);
/* Container ids: [A-Za-z0-9][A-Za-z0-9_.+-]*, at most 1024 characters. */
bool rt_id_valid(const char *id);

#endif
