/* `down` and `stop`: containers of a project in reverse dependency order (a service stops
 * once everything depending on it has), then with down its networks and volumes. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"
#include "compose/scheduler/scheduler.h"
#include "compose/scheduler/run_internal.h"
#include "engine/container/container.h"

struct down {
    const struct ctr_ctx *c;
    int timeout;
    bool volumes, kill;
    compose_event_fn event;
    void *arg;
    const struct compose_ctr *v;
    size_t nv;
    char **services; /* the graph's nodes */
};

static void ev(const struct down *d, const char *name, enum compose_ev st, const char *status,
               const char *detail)
{
    if (d->event)
        d->event(d->arg, "Container", name, st, status, detail);
}

static bool active(const char *st)
{
    return !strcmp(st, "running") || !strcmp(st, "restarting") || !strcmp(st, "paused");
}

static int down_node(void *arg, size_t i, struct herr *e)
{
    struct down *d = arg;
    int r = 0;
    for (size_t k = 0; k < d->nv; k++) {
        const struct compose_ctr *h = &d->v[k];
        if (strcmp(h->service, d->services[i]))
            continue;
        struct herr he = {0};
        bool running = active(ctr_status(h->inspect));
        if (running && d->kill) {
            ev(d, h->name, COMPOSE_EV_WORKING, "Killing", NULL);
            if (ctr_kill(d->c, h->id, SIGKILL, &he) == 0)
                ev(d, h->name, COMPOSE_EV_DONE, "Killed", NULL);
        } else if (running) {
            ev(d, h->name, COMPOSE_EV_WORKING, "Stopping", NULL);
            if (ctr_stop(d->c, h->id, d->timeout, &he) == 0)
                ev(d, h->name, COMPOSE_EV_DONE, "Stopped", NULL);
        }
        if (he.msg[0]) {
            ev(d, h->name, COMPOSE_EV_ERROR, "Error", he.msg);
            if (r == 0) {
                *e = he;
                herr_wrap(e, "container %s", h->name);
            }
            r = -1;
        }
    }
    return r;
}

/* Removal needs no order: once everything is stopped, all containers go at once. */
static int remove_node(void *arg, size_t i, struct herr *e)
{
    struct down *d = arg;
    const struct compose_ctr *h = &d->v[i];
    ev(d, h->name, COMPOSE_EV_WORKING, "Removing", NULL);
    if (ctr_remove(d->c, h->id, true, d->volumes, e) < 0 && e->errnum != ENOENT) {
        ev(d, h->name, COMPOSE_EV_ERROR, "Error", e->msg);
        return herr_wrap(e, "container %s", h->name);
    }
    ev(d, h->name, COMPOSE_EV_DONE, "Removed", NULL);
    return 0;
}

static bool has(char **v, const char *s)
{
    for (; v && *v; v++) {
        if (!strcmp(*v, s))
            return true;
    }
    return false;
}

/* Reverse dependency order over the services of the containers in d->v. */
static int walk(struct down *d, const struct compose_project *p, int parallel, struct herr *e)
{
    for (size_t k = 0; k < d->nv; k++) {
        if (!has(d->services, d->v[k].service))
            strv_push(&d->services, xstrdup(d->v[k].service));
    }
    size_t n = strv_len(d->services);
    _cleanup_free_ bool *waits = xcalloc(n * n + 1, sizeof(bool));
    for (size_t j = 0; j < n; j++) {
        const struct compose_service *s = compose_service_get(p, d->services[j]);
        for (char **dep = s ? s->depends_on : NULL; dep && *dep; dep++) {
            for (size_t i = 0; i < n; i++) {
                if (!strcmp(d->services[i], *dep))
                    waits[i * n + j] = true;
            }
        }
    }
    return run_dag(n, waits, parallel, false, down_node, d, e);
}

static bool selected(const struct compose_ctr *h, const struct compose_project *p, char **services,
                     bool orphans)
{
    if (services)
        return has(services, h->service);
    return orphans || json_object_get(json_object_get(p->model, "services"), h->service);
}

int compose_down(const struct ctr_ctx *c, const struct compose_project *p,
                 const struct compose_down_opts *o, struct herr *e)
{
    struct compose_ctr *all = NULL;
    size_t nall = 0;
    if (compose_containers(c, p->name, true, &all, &nall, e) < 0)
        return -1;
    struct compose_ctr *v = xcalloc(nall + 1, sizeof(*v));
    size_t nv = 0;
    _cleanup_free_ char *orphans = xstrdup("");
    for (size_t k = 0; k < nall; k++) {
        if (selected(&all[k], p, o->services, o->remove_orphans || all[k].oneoff)) {
            v[nv++] = all[k];
        } else if (!o->services) {
            char *n = xasprintf("%s%s%s", orphans, *orphans ? " " : "", all[k].name);
            free(orphans);
            orphans = n;
        }
    }
    if (*orphans && o->event) {
        _cleanup_free_ char *msg = xasprintf(
            "Found orphan containers ([%s]) for this project. If you removed or renamed this "
            "service in your compose file, you can run this command with the --remove-orphans "
            "flag to clean it up.",
            orphans);
        o->event(o->arg, "Project", p->name, COMPOSE_EV_WARNING, "Orphans", msg);
    }
    struct down d = {.c = c,
                     .timeout = o->timeout,
                     .volumes = o->volumes,
                     .event = o->event,
                     .arg = o->arg,
                     .v = v,
                     .nv = nv};
    int r = walk(&d, p, 0, e);
    _cleanup_free_ bool *none = xcalloc(nv * nv + 1, sizeof(bool));
    struct herr e2 = {0};
    if (run_dag(nv, none, 0, false, remove_node, &d, &e2) < 0 && r == 0) {
        *e = e2;
        r = -1;
    }
    strv_free(d.services);
    free(v);
    compose_ctrs_free(all, nall);
    if (!o->services) {
        if (run_remove_networks(c, p, o->event, o->arg, &e2) < 0 && r == 0) {
            *e = e2;
            r = -1;
        }
        if (o->volumes && run_remove_volumes(c, p->name, o->event, o->arg, &e2) < 0 && r == 0) {
            *e = e2;
            r = -1;
        }
        if (o->rmi && run_remove_images(c, p, o->rmi, o->event, o->arg, &e2) < 0 && r == 0) {
            *e = e2;
            r = -1;
        }
    }
    return r;
}

int compose_stop(const struct ctr_ctx *c, const struct compose_project *p, char **services,
                 int timeout, bool kill, compose_event_fn event, void *arg, struct herr *e)
{
    struct compose_ctr *all = NULL;
    size_t nall = 0;
    if (compose_containers(c, p->name, false, &all, &nall, e) < 0)
        return -1;
    struct compose_ctr *v = xcalloc(nall + 1, sizeof(*v));
    size_t nv = 0;
    for (size_t k = 0; k < nall; k++) {
        if (selected(&all[k], p, services, false))
            v[nv++] = all[k];
    }
    struct down d = {
        .c = c, .timeout = timeout, .kill = kill, .event = event, .arg = arg, .v = v, .nv = nv};
    int r = walk(&d, p, 0, e);
    strv_free(d.services);
    free(v);
    compose_ctrs_free(all, nall);
    return r;
}
