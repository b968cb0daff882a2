/* Running a project: the scheduler behind `hoist up`, `down`, `run` and `create`
 * (compose/run_*.c, library hoist_compose_run). Everything it touches is found again by
 * labels (compose.h's COMPOSE_LABEL_*), so it converges from whatever state is on disk. */
#ifndef HOIST_COMPOSE_RUN_H
#define HOIST_COMPOSE_RUN_H

#include <signal.h>
#include <stdbool.h>

#include "compose/compose.h"

#define COMPOSE_LABEL_VERSION "com.docker.compose.version"

struct ctr_ctx;
struct herr;

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
    bool wait;                 /* return once running, healthy or completed */
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

/* Services the named ones depend on, transitively, without the named ones, in start
 * order (owned). */
char **compose_deps_of(const struct compose_project *p, char **services);

/* "<project>-<service>-<n>", or the service's container_name. */
char *compose_container_name(const struct compose_project *p, const char *service, int number);

#endif
