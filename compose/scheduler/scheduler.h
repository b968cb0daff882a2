/* Running a project: the scheduler behind `hoist up`, `down`, `run` and `create`
 * (library hoist_compose_run). It reads the loader's model (compose/loader/loader.h) and
 * drives the engine, networks and volumes. Everything it touches is found again by
 * labels (COMPOSE_LABEL_*), so it converges from whatever state is on disk. */
#ifndef HOIST_COMPOSE_SCHEDULER_H
#define HOIST_COMPOSE_SCHEDULER_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "compose/loader/loader.h"

struct ctr_ctx;
struct ctr_opts;
struct herr;

#define COMPOSE_LABEL_PROJECT "com.docker.compose.project"
#define COMPOSE_LABEL_SERVICE "com.docker.compose.service"
#define COMPOSE_LABEL_NUMBER "com.docker.compose.container-number"
#define COMPOSE_LABEL_ONEOFF "com.docker.compose.oneoff"
#define COMPOSE_LABEL_HASH "com.docker.compose.config-hash"
#define COMPOSE_LABEL_DEPENDS "com.docker.compose.depends_on"
#define COMPOSE_LABEL_WORKDIR "com.docker.compose.project.working_dir"
#define COMPOSE_LABEL_FILES "com.docker.compose.project.config_files"
#define COMPOSE_LABEL_NETWORK "com.docker.compose.network"
#define COMPOSE_LABEL_VOLUME "com.docker.compose.volume"
#define COMPOSE_LABEL_VERSION "com.docker.compose.version"

/* A container of a project, found by its labels. */
struct compose_ctr {
    char *id;
    char *name; /* "demo-web-1" */
    char *service;
    int number;
    bool oneoff;
    json_t *inspect; /* ctr_inspect() of it */
};

/* The containers of a project (one-off `run` containers only when oneoff), sorted by
 * service, then number. */
int compose_containers(const struct ctr_ctx *c, const char *project, bool oneoff,
                       struct compose_ctr **out, size_t *n, struct herr *e);
void compose_ctrs_free(struct compose_ctr *v, size_t n);

/* The ctr_opts of replica `number` of a service (labels, name, networks, mounts,
 * healthcheck, ... all filled in), with the storage behind them. `run` edits the
 * options it overrides before ctr_create. */
struct compose_spec;
int compose_service_spec(const struct compose_project *p, const char *service, int number,
                         bool oneoff, struct compose_spec **out, struct herr *e);
struct ctr_opts *compose_spec_opts(struct compose_spec *s);
void compose_spec_free(struct compose_spec *s);
/* Refuse, before anything is created, what compose_service_spec or ctr_create would:
 * keys hoist cannot honour, bad options, missing host devices. services NULL: all. */
int compose_check_services(const struct compose_project *p, char **services, struct herr *e);

/* What an event leaves its object in (cli/ maps it onto its progress marks). */
enum compose_ev {
    COMPOSE_EV_WORKING,
    COMPOSE_EV_DONE,
    COMPOSE_EV_WARNING,
    COMPOSE_EV_ERROR,
};

/* Called from the scheduler's threads, possibly at once: kind "Network", "Volume",
 * "Container", "Image"; status docker compose's word ("Created", "Healthy", ...). */
typedef void (*compose_event_fn)(void *arg, const char *kind, const char *name,
                                 enum compose_ev state, const char *status, const char *detail);

struct compose_up_opts {
    char **services; /* NULL: every enabled service */
    bool no_deps;    /* only the named services, not what they depend on */
    bool no_start;   /* create, do not start */
    bool force_recreate, no_recreate, always_recreate_deps;
    bool remove_orphans;
    bool wait;                 /* return once running or healthy, or exited 0 when another
                                * service waits on it with service_completed_successfully */
    long long wait_timeout_ns; /* 0: no limit */
    int timeout;               /* stop timeout (s) when recreating; -1: the container's */
    int parallel;              /* services converging at once; <= 0: unlimited */
    const char *pull;          /* always|missing|never; NULL: each service's pull_policy */
    char **scale;              /* "SVC=N" */
    compose_event_fn event;
    void *arg;
    /* Set (by a signal handler) to stop waiting; `up` then fails with EINTR. */
    volatile sig_atomic_t *cancel;
};

/* Converge the project: networks, volumes, images, then containers in dependency order,
 * independent services in parallel. Fails naming the container and the reason when a
 * dependency's condition cannot be met. */
int compose_up(const struct ctr_ctx *c, const struct compose_project *p,
               const struct compose_up_opts *o, struct herr *e);

/* What the services need before a container of theirs is created, without creating
 * one: images (pulled by policy), networks and volumes. `run` uses it for its service. */
int compose_prepare(const struct ctr_ctx *c, const struct compose_project *p, char **services,
                    const char *pull, compose_event_fn event, void *arg, struct herr *e);

struct compose_down_opts {
    char **services; /* NULL: the whole project (and its networks, volumes) */
    bool volumes;    /* -v: named volumes of the project and anonymous ones */
    bool remove_orphans;
    const char *rmi; /* NULL, "local" or "all" */
    int timeout;     /* stop timeout (s); -1: each container's */
    compose_event_fn event;
    void *arg;
};

/* Stop in reverse dependency order and remove the project's containers (one-off ones
 * too), then its networks and, with volumes, its volumes. Needs only p->name and the
 * services' dependencies; works on partial state and when nothing exists. */
int compose_down(const struct ctr_ctx *c, const struct compose_project *p,
                 const struct compose_down_opts *o, struct herr *e);

/* Stop the running containers of the project (all services when services is NULL) in
 * reverse dependency order; with kill, SIGKILL them instead. */
int compose_stop(const struct ctr_ctx *c, const struct compose_project *p, char **services,
                 int timeout, bool kill, compose_event_fn event, void *arg, struct herr *e);

/* Wait until the dependencies of service meet their depends_on conditions, as `run` does
 * before it creates its container: healthy, or exited 0 for service_completed_successfully
 * (a non-zero exit fails naming the service and the code). A required dependency
 * without containers is an error; an optional one is skipped with a warning. */
int compose_wait_deps(const struct ctr_ctx *c, const struct compose_project *p, const char *service,
                      compose_event_fn event, void *arg, volatile sig_atomic_t *cancel,
                      struct herr *e);

/* Services the named ones depend on, transitively, without the named ones, in start
 * order (owned). */
char **compose_deps_of(const struct compose_project *p, char **services);

/* "<project>-<service>-<n>", or the service's container_name. */
char *compose_container_name(const struct compose_project *p, const char *service, int number);

#endif
