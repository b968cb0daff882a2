/* Shared by the scheduler's files (run_*.c). */
#ifndef HOIST_COMPOSE_RUN_INTERNAL_H
#define HOIST_COMPOSE_RUN_INTERNAL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "compose/scheduler/scheduler.h"

struct herr;

/* Run fn(arg, i) for i in [0, n) on threads, node i only after every j with
 * waits[i * n + j] has finished, at most `parallel` (<= 0: no limit) at once. A node whose
 * wait-for failed is skipped (counted as failed) when skip_after_failure. Returns -1 with
 * the first error when any fn failed. */
int run_dag(size_t n, const bool *waits, int parallel, bool skip_after_failure,
            int (*fn)(void *arg, size_t i, struct herr *e), void *arg, struct herr *e);

/* Sleep ms milliseconds; false when *cancel got set meanwhile. */
bool run_nap(int ms, volatile sig_atomic_t *cancel);

struct ctr_ctx;
struct compose_project;
struct compose_service;

/* Replicas of a service: scale, else deploy.replicas, else 1. */
int run_replicas(const struct compose_service *svc);

/* run_wait.c: what a container is waited for. */
enum run_cond {
    RUN_COND_STARTED,            /* depends_on service_started: nothing to wait for */
    RUN_COND_HEALTHY,            /* service_healthy */
    RUN_COND_COMPLETED,          /* service_completed_successfully: exited 0 */
    RUN_COND_RUNNING_OR_HEALTHY, /* up --wait: healthy, or running without a healthcheck */
};
/* A depends_on condition (NULL: service_started). */
enum run_cond run_cond_parse(const char *condition);
/* Whether a container (status as ctr_status, health NULL without a healthcheck) meets
 * cond: 1 met, 0 not yet, -1 never, with e naming the container or its service. */
int run_cond_met(enum run_cond cond, const char *name, const char *service, const char *status,
                 const char *health, long long code, struct herr *e);
/* What `up --wait` waits a service for, services being those it brought up. */
enum run_cond run_wait_cond(const struct compose_project *p, char **services, const char *service);

struct run_waiter {
    const struct ctr_ctx *c;
    volatile sig_atomic_t *cancel;
    long long deadline_ns; /* CLOCK_MONOTONIC; 0: none */
    compose_event_fn event;
    void *arg;
};
void run_waiter_deadline(struct run_waiter *w, long long timeout_ns);
/* Poll one container until it meets cond. */
int run_watch(const struct run_waiter *w, const char *id, const char *name, enum run_cond cond,
              struct herr *e);
/* Each container (NULL-terminated ids and their names) in turn, with events. */
int run_wait_containers(const struct run_waiter *w, char **ids, char **names, enum run_cond cond,
                        struct herr *e);

/* run_res.c: networks and volumes the services use (created when missing, external ones
 * checked), their images, and on `down` what carries the project's label. */
int run_ensure_resources(const struct ctr_ctx *c, const struct compose_project *p, char **services,
                         compose_event_fn fn, void *arg, struct herr *e);
int run_ensure_images(const struct ctr_ctx *c, const struct compose_project *p, char **services,
                      const char *pull, struct herr *e);
int run_remove_networks(const struct ctr_ctx *c, const struct compose_project *p,
                        compose_event_fn fn, void *arg, struct herr *e);
/* The volumes labelled with the project (anonymous ones go with their containers). */
int run_remove_volumes(const struct ctr_ctx *c, const char *project, compose_event_fn fn, void *arg,
                       struct herr *e);
int run_remove_images(const struct ctr_ctx *c, const struct compose_project *p, const char *rmi,
                      compose_event_fn fn, void *arg, struct herr *e);

#endif
