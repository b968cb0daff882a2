/* The compose loader (library hoist_compose): files -> one validated, normalized project
 * model. It depends on common/ only; the scheduler (compose/scheduler/) reads the model.
 *
 * The model is a jansson tree in canonical form (`project->model`), checked by a typed
 * schema layer, so every field below has exactly the shape documented here and callers
 * read it with the hj_* helpers without re-validating:
 *
 *   name: string
 *   services.<svc>: object, only keys that were set (plus defaults noted):
 *     image, container_name, hostname, domainname, working_dir, user, platform,
 *     pull_policy, restart, network_mode, ipc, pid, stop_signal, cgroup_parent,
 *     runtime, userns_mode, uts, isolation, mac_address, cgroup: string
 *     init, tty, stdin_open, privileged, read_only, oom_kill_disable: bool
 *     scale, pids_limit, cpu_shares, cpu_period, cpu_quota, cpu_rt_runtime, cpu_rt_period,
 *       mem_swappiness, oom_score_adj, cpu_count, cpu_percent: integer
 *     cpus: real
 *     shm_size, mem_limit, memswap_limit, mem_reservation: integer bytes
 *     stop_grace_period: Go duration string ("1m30s")
 *     command, entrypoint: array of strings (a string form is shell-split)
 *     environment: object name -> string or null (env_file contents merged in)
 *     labels (label_file contents merged in), annotations, sysctls, build.args: object
 *       name -> string
 *     cap_add, cap_drop, dns, dns_search, dns_opt, expose, security_opt, devices,
 *       extra_hosts ("host=ip"), group_add, links, external_links, volumes_from,
 *       device_cgroup_rules, profiles: array of strings
 *     tmpfs: array of strings
 *     build: {context (absolute unless a URL), dockerfile (default "Dockerfile"), args,
 *       target, labels, network, shm_size, cache_from, cache_to, extra_hosts, ssh,
 *       secrets, tags, platforms, no_cache, pull, additional_contexts, dockerfile_inline}
 *     ports: array of {mode:"ingress", target:int, published:string, protocol, host_ip?,
 *       app_protocol?, name?}; short-syntax ranges are expanded to one entry each
 *     volumes: array of {type:"bind"|"volume"|"tmpfs"|"npipe"|"image"|"cluster",
 *       source?, target, read_only?, consistency?, bind:{create_host_path, propagation,
 *       selinux}?, volume:{nocopy, subpath}?, tmpfs:{size:int, mode:int}?};
 *       bind sources are absolute; volume sources name a top-level volume key
 *     depends_on: object svc -> {condition, required:bool, restart:bool}; implicit
 *       dependencies (links, volumes_from, network_mode/ipc/pid service:x) included
 *     healthcheck: {test:[..], interval, timeout, start_period, start_interval
 *       (durations), retries:int} or {disable:true}
 *     networks: object net -> null or {aliases:[..], ipv4_address, ipv6_address,
 *       priority:int, mac_address, link_local_ips:[..]}; {default:null} when neither
 *       networks nor network_mode is given
 *     ulimits: object name -> {soft:int, hard:int}
 *     logging: {driver, options:{...}}
 *     deploy: {replicas:int, resources:{limits|reservations:{cpus:real, memory:int,
 *       pids:int}}, restart_policy:{condition, delay, max_attempts, window}, labels, ...}
 *     secrets, configs: array of {source, target?, uid?, gid?, mode?:int}
 *     post_start, pre_stop: array of {command:[..], user?, privileged?, working_dir?,
 *       environment?}
 *   networks.<key>: {name, driver?, driver_opts?, ipam?, internal?, attachable?,
 *     enable_ipv6?, external?, labels?}
 *   volumes.<key>: {name, driver?, driver_opts?, external?, labels?}
 *   secrets.<key>, configs.<key>: {name, file? (absolute) | environment? | content? |
 *     external?}
 */
#ifndef HOIST_COMPOSE_LOADER_H
#define HOIST_COMPOSE_LOADER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct herr;

struct compose_opts {
    char **files;             /* -f, in order; "-" reads stdin; NULL: COMPOSE_FILE or discovery */
    char **env_files;         /* --env-file; NULL: <project dir>/.env when present */
    char **profiles;          /* --profile; NULL: COMPOSE_PROFILES */
    char **services;          /* services named on the command line enable their profiles */
    const char *project_name; /* -p */
    const char *project_dir;  /* --project-directory */
    const char *workdir;      /* where discovery starts; NULL: the current directory */
    char **environ;           /* the process environment; NULL: environ */
    bool no_interpolate;
    bool no_env_resolve; /* keep env_file as given instead of reading the files */
};

struct compose_service {
    const char *name;
    json_t *cfg;       /* the canonical service object inside project->model */
    char **depends_on; /* services it waits for, explicit and implicit */
};

struct compose_project {
    char *name;
    char *workdir; /* the project directory */
    char **files;  /* compose files loaded, in order */
    json_t *model; /* canonical model, see above */
    /* Enabled services in dependency order (dependencies first). */
    struct compose_service *services;
    size_t nservices;
    char **profiles;     /* every profile named by any service, sorted */
    char **warnings;     /* for cli/ to print (unset variables, obsolete `version`) */
    json_t *variables;   /* name -> {required, default?, alternate?} from interpolation */
    json_t *environment; /* object: the interpolation environment (.env + process) */
};

int compose_load(const struct compose_opts *opts, struct compose_project **out, struct herr *e);
void compose_project_free(struct compose_project *p);

const struct compose_service *compose_service_get(const struct compose_project *p,
                                                  const char *name);

/* Services in the order to start (dependencies first) or stop (reverse). The graph is
 * over the given services and their dependencies; a cycle is an error naming it. */
int compose_graph_order(const struct compose_project *p, char ***order, struct herr *e);

/* How `up`, `create` and `run` treat a service key the loader accepts. Every key of the
 * service schema carries one (a unit test walks them), so none is accepted and then
 * silently dropped. */
enum compose_key_use {
    COMPOSE_KEY_UNHANDLED, /* no key may have it: the scheduler refuses it */
    COMPOSE_KEY_MAPPED,    /* turned into container options by compose_service_spec */
    COMPOSE_KEY_COMPOSE,   /* compose's own business: resolved by the loader (env_file,
                            * label_file, extends) or used by the scheduler itself (build,
                            * depends_on, profiles, scale, pull_policy, platform) */
    COMPOSE_KEY_REFUSED,   /* refused unless its value is one `accept` lists (or empty) */
};
struct compose_key {
    const char *name;
    enum compose_key_use use;
    const char *accept; /* REFUSED: JSON array of the values honoured; NULL: none */
    const char *why;    /* REFUSED: why hoist cannot honour other values */
};
/* The i-th key of the service schema (0-based), false past the last. */
bool compose_service_key(size_t i, struct compose_key *out);
/* The handling of one service key; COMPOSE_KEY_UNHANDLED for a key the schema lacks. */
enum compose_key_use compose_service_key_use(const char *name, struct compose_key *out);

/* Project-scoped resource names. */
char *compose_network_name(const struct compose_project *p, const char *key);
char *compose_volume_name(const struct compose_project *p, const char *key);

enum compose_format { COMPOSE_YAML, COMPOSE_JSON };
/* The normalized model as text (what `hoist config` prints), owned by the caller. */
char *compose_render(const struct compose_project *p, enum compose_format fmt, struct herr *e);
char *compose_render_json(const json_t *j, enum compose_format fmt, struct herr *e);

/* sha256 hex of the service's canonical config, minus fields that do not require a
 * new container (build, pull_policy, scale, deploy.replicas, profiles). */
int compose_service_hash(const struct compose_project *p, const char *service, char out[65],
                         struct herr *e);

/* Normalize a project name the way docker compose does (lowercase, [a-z0-9_-]). */
char *compose_normalize_name(const char *s);
bool compose_valid_name(const char *s);

#endif
