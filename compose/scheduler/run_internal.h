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
