/* Waiting for containers to meet a dependency condition: `depends_on` between services,
 * `up --wait` and the dependencies of a `run`. */
#include <string.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"
#include "compose/scheduler/run_internal.h"
#include "compose/scheduler/scheduler.h"
#include "engine/container/container.h"

enum run_cond run_cond_parse(const char *condition)
{
    if (!condition || !strcmp(condition, "service_started"))
        return RUN_COND_STARTED;
    if (!strcmp(condition, "service_healthy"))
        return RUN_COND_HEALTHY;
    return RUN_COND_COMPLETED;
}

int run_cond_met(enum run_cond cond, const char *name, const char *service, const char *status,
                 const char *health, long long code, struct herr *e)
{
    bool running = !strcmp(status, "running") || !strcmp(status, "restarting");
    if (cond == RUN_COND_STARTED)
        return 1;
    if (cond == RUN_COND_COMPLETED) {
        if (strcmp(status, "exited"))
            return 0;
        if (code == 0)
            return 1;
        return herr_set(e, 0, "service \"%s\" didn't complete successfully: exit %lld", service,
                        code);
    }
    if (!running) {
        /* A container `up` made but has not started yet is on its way. */
        if (!strcmp(status, "created") && cond == RUN_COND_RUNNING_OR_HEALTHY)
            return 0;
        return herr_set(e, 0, "container %s exited (%lld)", name, code);
    }
    if (!health)
        return cond == RUN_COND_RUNNING_OR_HEALTHY
                   ? 1
                   : herr_set(e, 0,
                              "dependency failed to start: container %s has no healthcheck "
                              "configured",
                              name);
    if (!strcmp(health, "healthy"))
        return 1;
    if (!strcmp(health, "unhealthy"))
        return herr_set(e, 0, "dependency failed to start: container %s is unhealthy", name);
    return 0;
}

enum run_cond run_wait_cond(const struct compose_project *p, char **services, const char *service)
{
    /* docker compose (pull request 9572): a service some other service waits on to
     * complete is a one-shot, done once it has exited 0; any other must run. */
    for (char **s = services; s && *s; s++) {
        const struct compose_service *svc = compose_service_get(p, *s);
        const json_t *d =
            svc ? json_object_get(json_object_get(svc->cfg, "depends_on"), service) : NULL;
        if (d && run_cond_parse(hj_str(d, "condition")) == RUN_COND_COMPLETED)
            return RUN_COND_COMPLETED;
    }
    return RUN_COND_RUNNING_OR_HEALTHY;
}

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int run_watch(const struct run_waiter *w, const char *id, const char *name, enum run_cond cond,
              struct herr *e)
{
    int delay = 5;
    for (;;) {
        _cleanup_json_ json_t *j = ctr_inspect(w->c, id, e);
        if (!j)
            return -1;
        char health[16] = "";
        if (cond != RUN_COND_COMPLETED && ctr_health(w->c, id, health, sizeof(health), e) < 0)
            return -1;
        const char *service = hj_str(hj_path(j, "Config.Labels"), COMPOSE_LABEL_SERVICE);
        int r = run_cond_met(cond, name, service ? service : name, ctr_status(j),
                             health[0] ? health : NULL,
                             hj_int(json_object_get(j, "State"), "ExitCode", 0), e);
        if (r != 0)
            return r < 0 ? -1 : 0;
        if (w->deadline_ns && now_ns() > w->deadline_ns)
            return herr_set(e, 0, "container %s: timed out waiting to be %s", name,
                            cond == RUN_COND_COMPLETED ? "completed" : "healthy");
        if (!run_nap(delay, w->cancel))
            return herr_set(e, 0, "interrupted waiting for container %s", name);
        if (delay < 100)
            delay *= 2;
    }
}

void run_waiter_deadline(struct run_waiter *w, long long timeout_ns)
{
    w->deadline_ns = timeout_ns ? now_ns() + timeout_ns : 0;
}

static void ev(const struct run_waiter *w, const char *name, enum compose_ev st, const char *status,
               const char *detail)
{
    if (w->event)
        w->event(w->arg, "Container", name, st, status, detail);
}

int run_wait_containers(const struct run_waiter *w, char **ids, char **names, enum run_cond cond,
                        struct herr *e)
{
    if (cond == RUN_COND_STARTED)
        return 0;
    for (size_t k = 0; ids && ids[k]; k++) {
        ev(w, names[k], COMPOSE_EV_WORKING, "Waiting", NULL);
        if (run_watch(w, ids[k], names[k], cond, e) < 0) {
            ev(w, names[k], COMPOSE_EV_ERROR, "Error", e->msg);
            return -1;
        }
        ev(w, names[k], COMPOSE_EV_DONE, cond == RUN_COND_COMPLETED ? "Exited" : "Healthy", NULL);
    }
    return 0;
}

int compose_wait_deps(const struct ctr_ctx *c, const struct compose_project *p, const char *service,
                      compose_event_fn event, void *arg, volatile sig_atomic_t *cancel,
                      struct herr *e)
{
    const struct compose_service *svc = compose_service_get(p, service);
    if (!svc)
        return herr_set(e, 0, "no such service: %s", service);
    struct compose_ctr *have = NULL;
    size_t nhave = 0;
    if (compose_containers(c, p->name, false, &have, &nhave, e) < 0)
        return -1;
    struct run_waiter w = {.c = c, .cancel = cancel, .event = event, .arg = arg};
    int r = 0;
    const char *dep;
    json_t *d;
    json_object_foreach(json_object_get(svc->cfg, "depends_on"), dep, d)
    {
        enum run_cond cond = run_cond_parse(hj_str(d, "condition"));
        bool required = hj_bool(d, "required", true);
        _cleanup_strv_ char **ids = NULL, **names = NULL;
        for (size_t k = 0; k < nhave; k++) {
            if (!strcmp(have[k].service, dep)) {
                strv_push(&ids, xstrdup(have[k].id));
                strv_push(&names, xstrdup(have[k].name));
            }
        }
        if (cond == RUN_COND_STARTED)
            continue;
        if (!ids) {
            /* Nothing to wait for in a disabled service or one scaled to 0. */
            const struct compose_service *ds = compose_service_get(p, dep);
            if (!ds || run_replicas(ds) == 0)
                continue;
            if (required) {
                r = herr_set(e, 0, "%s is missing dependency %s", service, dep);
                break;
            }
            if (event)
                event(arg, "Container", dep, COMPOSE_EV_WARNING, "Skipped", "missing dependency");
            continue;
        }
        struct herr de = {0};
        if (run_wait_containers(&w, ids, names, cond, &de) < 0) {
            if (required) {
                *e = de;
                r = -1;
                break;
            }
            if (event)
                event(arg, "Container", names[0], COMPOSE_EV_WARNING, "Skipped", de.msg);
        }
    }
    compose_ctrs_free(have, nhave);
    return r;
}
