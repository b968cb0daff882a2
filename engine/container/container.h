/* Containers: records under <root>/containers/<id>/, the OCI bundle generated from an
 * image and docker-style options, and the lifecycle driven through hoist-monitor. */
#ifndef HOIST_ENGINE_CONTAINER_H
#define HOIST_ENGINE_CONTAINER_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

struct herr;

struct ctr_ctx {
    const char *root;          /* hoist --root */
    const char *runroot;       /* hoist --runroot */
    const char *cgroup_parent; /* "hoist" by default */
    const char *self;          /* path of the hoist executable (for `hoist runtime`) */
};

/* One network a container joins; compose may list several (eth0, eth1, ... in order). */
struct ctr_network {
    const char *name; /* network name, id or id prefix */
    char **aliases;   /* extra DNS names on this network; may be NULL */
    const char *ip;   /* static IPv4 address or NULL */
};

/* A healthcheck as docker's --health-* options and compose's `healthcheck` give it. */
struct ctr_health {
    char **test; /* NULL: the image's; ["NONE"] disables; ["CMD", arg...]; ["CMD-SHELL", cmd] */
    long long interval, timeout, start_period, start_interval; /* ns; 0: the default */
    int retries;                                               /* 0: the default (3) */
};

/* docker run/create options; unset strings are NULL, unset numbers 0 / -1 as noted. */
struct ctr_opts {
    const char *image;
    char **cmd; /* after IMAGE; NULL = image default */
    const char *name;
    bool rm, interactive, tty;
    char **env; /* K=V (K alone passes the CLI's environment value through) */
    const char *workdir, *user, *hostname;
    const char *entrypoint;           /* NULL: image's; "" clears it */
    const char *restart;              /* no|always|on-failure[:N]|unless-stopped */
    long long memory, memory_swap;    /* bytes, 0 unset; swap -1 unlimited */
    long long cpu_shares, pids_limit; /* 0 unset */
    long long nano_cpus;
    char **cap_add, **cap_drop;
    bool privileged, read_only;
    char **security_opt;
    char **ulimits; /* name=soft[:hard] */
    char **sysctls; /* k=v */
    char **labels;  /* k=v */
    /* none|host|container:ID|NAME; NULL: NET_DEFAULT_NAME, as docker joins "bridge". */
    const char *network;
    char **network_aliases; /* --network-alias, for `network` */
    const char *ip;         /* --ip, for `network` */
    /* Instead of network: several networks (compose), joined in this order. */
    struct ctr_network *networks;
    size_t nnetworks;
    char **publish;   /* -p "[ip:][hostPort:]containerPort[/tcp|udp]", ranges allowed */
    bool publish_all; /* -P: every exposed port of the image to a random host port */
    char **dns, **dns_search, **dns_opt;
    char **extra_hosts; /* "host:ip" (docker) or "host=ip" (compose) */
    const char *domainname;
    char **volumes;      /* -v specs */
    char **mounts;       /* --mount specs */
    char **tmpfs;        /* --tmpfs specs */
    char **volumes_from; /* "container[:ro|:rw]" */
    const char *basedir; /* relative bind sources; NULL: the current directory */
    struct ctr_health health;
    const char *stop_signal;
    int stop_timeout; /* -1 unset */
    /* Namespaces: "host" shares the host's, "container:ID|NAME" another container's
     * (joined at each start); ipc also none|private|shareable. NULL: a new one. */
    const char *pid, *ipc, *uts;
    long long shm_size;         /* bytes of /dev/shm's tmpfs; 0: 64 MiB */
    char **devices;             /* HOST[:CONTAINER][:rwm] */
    char **device_cgroup_rules; /* "c|b|a MAJOR:MINOR rwm", * for any number */
    char **group_add;           /* gids or group names of the image's /etc/group */
    const char *cgroup_parent;  /* NULL: ctr_ctx's */
    bool oom_kill_disable;      /* cgroup v1 only, a warning on v2 (as docker) */
    int oom_score_adj;          /* -1000..1000 */
    char **expose;              /* PORT[-PORT][/PROTO]: recorded as Config.ExposedPorts */
};

/* Validate options, make the record, bundle and overlay dirs. Leaves nothing behind on
 * failure. *id_out is the new 64-hex id; *warnings collects non-fatal notes. With
 * will_start the rootfs stays mounted for the ctr_start that follows. */
int ctr_create(const struct ctr_ctx *c, const struct ctr_opts *o, bool will_start, char **id_out,
               char ***warnings, struct herr *e);

/* The checks of ctr_create that need no image nor state (options, host devices), so
 * callers creating several containers can refuse bad options before making any. */
int ctr_check(const struct ctr_opts *o, char ***warnings, struct herr *e);

/* The container's cgroup: "/<HostConfig.CgroupParent or c->cgroup_parent>/<id>". */
char *ctr_cgroup_path(const struct ctr_ctx *c, const json_t *rec);

/* Resolve a full id, unique id prefix or name (with or without "/") to a full id. */
int ctr_resolve(const struct ctr_ctx *c, const char *ref, char **id_out, struct herr *e);

/* The record (config.json) merged with the current State, docker-inspect shaped. */
json_t *ctr_inspect(const struct ctr_ctx *c, const char *id, struct herr *e);
/* All container ids (unordered). */
int ctr_list(const struct ctr_ctx *c, char ***ids, struct herr *e);

/* Start a created or exited container under a new monitor. With attach, the monitor
 * writes output to this process's stdout/stderr (and reads stdin for -i) and *sock is
 * a connected control socket on which "exit CODE" arrives. *pid is the init pid. */
int ctr_start(const struct ctr_ctx *c, const char *id, bool attach, int *sock, pid_t *pid,
              struct herr *e);
/* Connect to a running container's monitor; -1 with ESRCH when it is not running. */
int ctr_connect(const struct ctr_ctx *c, const char *id, struct herr *e);
/* Send a message ("kill 9", "resize 24 80", ...) on a monitor connection. */
int ctr_send(int sock, const char *msg, struct herr *e);
/* Wait for "exit CODE" on a monitor connection; returns the code. */
int ctr_wait_exit(int sock, struct herr *e);

/* Stop: stop signal, SIGKILL after timeout seconds (< 0: the container's default). */
int ctr_stop(const struct ctr_ctx *c, const char *id, int timeout, struct herr *e);
int ctr_kill(const struct ctr_ctx *c, const char *id, int sig, struct herr *e);
/* Freeze every process of a running container (status "paused", State.Paused) / thaw
 * it; stop, kill and rm thaw a paused container first. */
int ctr_pause(const struct ctr_ctx *c, const char *id, struct herr *e);
int ctr_unpause(const struct ctr_ctx *c, const char *id, struct herr *e);
/* Wait for a running container to stop; returns its exit code. */
int ctr_wait(const struct ctr_ctx *c, const char *id, struct herr *e);
/* Remove; a running one only with force (it is killed first). Its addresses are
 * released; with volumes its anonymous volumes are removed too. */
int ctr_remove(const struct ctr_ctx *c, const char *id, bool force, bool volumes, struct herr *e);

/* The OCI hook in every bundle that joins a network or mounts a volume
 * (`hoist network hook ID`, the OCI state on stdin): at createRuntime it wires the
 * recorded networks into the init's network namespace; at poststop it unwires them
 * (releasing the addresses of an auto-removed container) and unmounts driver-backed
 * volumes no running container uses any more. */
int ctr_hook(const struct ctr_ctx *c, const char *id, const char *state, struct herr *e);
/* docker network connect: a running container is wired at once (next free ethN), a
 * stopped one when it starts. */
int ctr_network_connect(const struct ctr_ctx *c, const char *id, const struct ctr_network *n,
                        struct herr *e);
/* docker network disconnect: unwire and release the address. */
int ctr_network_disconnect(const struct ctr_ctx *c, const char *id, const char *network,
                           struct herr *e);

/* Health of a container, cheap enough to poll: "starting", "healthy" or "unhealthy"
 * into status, or "" when it has no healthcheck (none configured, or test ["NONE"]).
 * The monitor writes "starting" before ctr_start returns and on every restart; a
 * container with a healthcheck that was never started reads "starting", and one that
 * has stopped reads "unhealthy" (its checks stopped with it). */
int ctr_health(const struct ctr_ctx *c, const char *id, char *status, size_t len, struct herr *e);
/* Go duration ("1m30s", "500ms", "1.5h", "0") to nanoseconds; -1 when malformed. */
int ctr_parse_duration(const char *s, long long *ns, struct herr *e);

/* Status string of a record as docker shows it ("running", "paused", "exited", "created",
 * "restarting"), from the state file and the monitor's liveness. */
const char *ctr_status(const json_t *inspect);

/* Signal names and numbers ("TERM", "SIGTERM", "15"); -1 when unknown. */
int ctr_parse_signal(const char *s);
/* Restart policy text to (name, max retries); -1 on a bad value. */
int ctr_parse_restart(const char *s, char *name, size_t len, int *max, struct herr *e);

/* `hoist runtime` (or $HOIST_OCI_RUNTIME) argv prefix with its state root. */
char **ctr_runtime_argv(const struct ctr_ctx *c);

struct ctr_user {
    uid_t uid;
    gid_t gid;
    gid_t groups[64];
    int ngroups;
    char home[256];
};

/* Resolve "name|uid[:group|gid]" ("" = root) against etc/passwd and etc/group inside
 * the root directory fd, never leaving it. */
int ctr_user_resolve(int rootfd, const char *spec, struct ctr_user *u, struct herr *e);

/* A group name of etc/group inside rootfd, or a numeric gid, to its gid. */
int ctr_group_lookup(int rootfd, const char *name, gid_t *gid, struct herr *e);

/* Paths. */
char *ctr_dir(const struct ctr_ctx *c, const char *id);
char *ctr_run_dir(const struct ctr_ctx *c, const char *id);

#endif
