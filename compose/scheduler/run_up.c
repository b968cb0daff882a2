/* `up`: converge a project's containers onto its model, in dependency order, services
 * whose dependencies are satisfied in parallel. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"
#include "compose/scheduler/scheduler.h"
#include "compose/scheduler/run_internal.h"
#include "engine/container/container.h"

struct unode {
    const struct compose_service *svc;
    int replicas;
    bool target;    /* named on the command line (or all were) */
    bool recreated; /* a container of it was (re)created by this up */
    char **ids, **names;
};

struct up {
    const struct ctr_ctx *c;
    const struct compose_project *p;
    const struct compose_up_opts *o;
    struct unode *nodes;
    size_t n;
    struct compose_ctr *have;
    size_t nhave;
};

static void ev(const struct up *u, const char *name, enum compose_ev st, const char *status,
               const char *detail)
{
    if (u->o->event)
        u->o->event(u->o->arg, "Container", name, st, status, detail);
}

static int fail(const struct up *u, const char *name, struct herr *e)
{
    ev(u, name, COMPOSE_EV_ERROR, "Error", e->msg);
    return -1;
}

static ssize_t node_of(const struct up *u, const char *service)
{
    for (size_t i = 0; i < u->n; i++) {
        if (!strcmp(u->nodes[i].svc->name, service))
            return (ssize_t)i;
    }
    return -1;
}

static const char *label(const json_t *inspect, const char *key)
{
    return hj_str(hj_path(inspect, "Config.Labels"), key);
}

static int wait_dep(const struct up *u, const struct unode *dep, const char *cond, struct herr *e)
{
    if (u->o->no_start)
        return 0;
    struct run_waiter w = {
        .c = u->c, .cancel = u->o->cancel, .event = u->o->event, .arg = u->o->arg};
    return run_wait_containers(&w, dep->ids, dep->names, run_cond_parse(cond), e);
}

static int start(const struct up *u, const char *id, const char *name, const char *doing,
                 const char *done, struct herr *e)
{
    ev(u, name, COMPOSE_EV_WORKING, doing, NULL);
    int sock = -1;
    pid_t pid;
    if (ctr_start(u->c, id, false, &sock, &pid, e) < 0)
        return fail(u, name, e);
    if (sock >= 0)
        close(sock);
    ev(u, name, COMPOSE_EV_DONE, done, NULL);
    return 0;
}

static int create(const struct up *u, struct unode *nd, int number, char **id_out, char **name_out,
                  struct herr *e)
{
    struct compose_spec *spec = NULL;
    if (compose_service_spec(u->p, nd->svc->name, number, false, &spec, e) < 0)
        return -1;
    struct ctr_opts *o = compose_spec_opts(spec);
    *name_out = xstrdup(o->name);
    ev(u, o->name, COMPOSE_EV_WORKING, "Creating", NULL);
    _cleanup_strv_ char **warnings = NULL;
    int r = ctr_create(u->c, o, !u->o->no_start, id_out, &warnings, e);
    for (char **w = warnings; w && *w; w++)
        ev(u, o->name, COMPOSE_EV_WARNING, "Warning", *w);
    if (r < 0)
        fail(u, o->name, e);
    else
        ev(u, o->name, COMPOSE_EV_DONE, "Created", NULL);
    compose_spec_free(spec);
    return r;
}

static int stop_remove(const struct up *u, const struct compose_ctr *h, struct herr *e)
{
    if (ctr_stop(u->c, h->id, u->o->timeout, e) < 0 || ctr_remove(u->c, h->id, true, false, e) < 0)
        return fail(u, h->name, e);
    return 0;
}

/* A kept container restarts when a dependency it declares `restart: true` for was
 * recreated. */
static bool dep_recreated(const struct up *u, const struct unode *nd)
{
    const char *k;
    json_t *d;
    json_object_foreach(json_object_get(nd->svc->cfg, "depends_on"), k, d)
    {
        ssize_t j = node_of(u, k);
        if (j >= 0 && u->nodes[j].recreated && hj_bool(d, "restart", false))
            return true;
    }
    return false;
}

static int keep(const struct up *u, struct unode *nd, const struct compose_ctr *h, struct herr *e)
{
    const char *st = ctr_status(h->inspect);
    if (u->o->no_start) {
        ev(u, h->name, COMPOSE_EV_DONE, strcmp(st, "running") ? "Created" : "Running", NULL);
        return 0;
    }
    if (!strcmp(st, "running") || !strcmp(st, "restarting")) {
        if (!dep_recreated(u, nd)) {
            ev(u, h->name, COMPOSE_EV_DONE, "Running", NULL);
            return 0;
        }
        ev(u, h->name, COMPOSE_EV_WORKING, "Restarting", NULL);
        if (ctr_stop(u->c, h->id, u->o->timeout, e) < 0)
            return fail(u, h->name, e);
        return start(u, h->id, h->name, "Restarting", "Restarted", e);
    }
    return start(u, h->id, h->name, "Starting", "Started", e);
}

static int converge(struct up *u, struct unode *nd, struct herr *e)
{
    char hash[65];
    if (compose_service_hash(u->p, nd->svc->name, hash, e) < 0)
        return -1;
    bool force = u->o->force_recreate || (u->o->always_recreate_deps && !nd->target);
    for (int n = 1; n <= nd->replicas; n++) {
        const struct compose_ctr *h = NULL;
        for (size_t k = 0; k < u->nhave && !h; k++) {
            if (!strcmp(u->have[k].service, nd->svc->name) && u->have[k].number == n)
                h = &u->have[k];
        }
        if (h) {
            const char *old = label(h->inspect, COMPOSE_LABEL_HASH);
            bool changed = !old || strcmp(old, hash) != 0;
            if (u->o->no_recreate || (!changed && !force)) {
                if (keep(u, nd, h, e) < 0)
                    return -1;
                strv_push(&nd->ids, xstrdup(h->id));
                strv_push(&nd->names, xstrdup(h->name));
                continue;
            }
            ev(u, h->name, COMPOSE_EV_WORKING, "Recreate", NULL);
            if (stop_remove(u, h, e) < 0)
                return -1;
        }
        char *id = NULL, *name = NULL;
        if (create(u, nd, n, &id, &name, e) < 0)
            return -1;
        strv_push(&nd->ids, id);
        strv_push(&nd->names, name);
        nd->recreated = true;
        if (h)
            ev(u, name, COMPOSE_EV_DONE, "Recreated", NULL);
        if (!u->o->no_start && start(u, id, name, "Starting", "Started", e) < 0)
            return -1;
    }
    /* Scaling down removes the highest numbers. */
    for (size_t k = 0; k < u->nhave; k++) {
        const struct compose_ctr *h = &u->have[k];
        if (strcmp(h->service, nd->svc->name) || h->number <= nd->replicas)
            continue;
        ev(u, h->name, COMPOSE_EV_WORKING, "Stopping", NULL);
        if (stop_remove(u, h, e) < 0)
            return -1;
        ev(u, h->name, COMPOSE_EV_DONE, "Removed", NULL);
    }
    return 0;
}

static int up_node(void *arg, size_t i, struct herr *e)
{
    struct up *u = arg;
    struct unode *nd = &u->nodes[i];
    if (u->o->cancel && *u->o->cancel)
        return herr_set(e, 0, "interrupted");
    const char *k;
    json_t *d;
    json_object_foreach(json_object_get(nd->svc->cfg, "depends_on"), k, d)
    {
        ssize_t j = node_of(u, k);
        if (j < 0)
            continue;
        struct herr de = {0};
        if (wait_dep(u, &u->nodes[j], hj_str(d, "condition"), &de) < 0) {
            if (hj_bool(d, "required", true)) {
                *e = de;
                return -1;
            }
            ev(u, u->nodes[j].names && u->nodes[j].names[0] ? u->nodes[j].names[0] : k,
               COMPOSE_EV_WARNING, "Skipped", de.msg);
        }
    }
    return converge(u, nd, e);
}

static int replicas_of(const struct compose_project *p, const struct compose_service *svc,
                       char **scale, int *out, struct herr *e)
{
    *out = run_replicas(svc);
    for (char **s = scale; s && *s; s++) {
        const char *eq = strchr(*s, '=');
        long long v;
        if (!eq || str_parse_ll(eq + 1, &v) < 0 || v > 10000)
            return herr_set(e, 0, "invalid --scale \"%s\": want SERVICE=NUMBER", *s);
        _cleanup_free_ char *name = xstrndup(*s, eq - *s);
        if (!compose_service_get(p, name))
            return herr_set(e, 0, "--scale: no such service: %s", name);
        if (!strcmp(name, svc->name))
            *out = (int)v;
    }
    if (*out > 1 && hj_str(svc->cfg, "container_name"))
        return herr_set(e, 0,
                        "service \"%s\": container_name \"%s\" is unique, it cannot scale to %d",
                        svc->name, hj_str(svc->cfg, "container_name"), *out);
    return 0;
}

int run_replicas(const struct compose_service *svc)
{
    return (int)hj_int(svc->cfg, "scale", hj_int(hj_path(svc->cfg, "deploy"), "replicas", 1));
}

char **compose_deps_of(const struct compose_project *p, char **services)
{
    _cleanup_strv_ char **queue = strv_dup(services);
    for (size_t i = 0; queue && i < strv_len(queue); i++) {
        const struct compose_service *s = compose_service_get(p, queue[i]);
        for (char **d = s ? s->depends_on : NULL; d && *d; d++) {
            bool seen = false;
            for (char **q = queue; *q && !seen; q++)
                seen = !strcmp(*q, *d);
            if (!seen)
                strv_push(&queue, xstrdup(*d));
        }
    }
    char **out = xcalloc(1, sizeof(char *));
    for (size_t i = 0; i < p->nservices; i++) {
        bool named = false, dep = false;
        for (char **q = services; q && *q; q++)
            named |= !strcmp(*q, p->services[i].name);
        for (char **q = queue; q && *q; q++)
            dep |= !strcmp(*q, p->services[i].name);
        if (dep && !named)
            strv_push(&out, xstrdup(p->services[i].name));
    }
    return out;
}

static int orphans(struct up *u, struct herr *e)
{
    const json_t *svcs = json_object_get(u->p->model, "services");
    _cleanup_free_ char *list = xstrdup("");
    for (size_t k = 0; k < u->nhave; k++) {
        const struct compose_ctr *h = &u->have[k];
        if (json_object_get(svcs, h->service))
            continue;
        if (u->o->remove_orphans) {
            ev(u, h->name, COMPOSE_EV_WORKING, "Removing", NULL);
            if (stop_remove(u, h, e) < 0)
                return -1;
            ev(u, h->name, COMPOSE_EV_DONE, "Removed", NULL);
            continue;
        }
        char *n = xasprintf("%s%s%s", list, *list ? " " : "", h->name);
        free(list);
        list = n;
    }
    if (*list && u->o->event) {
        _cleanup_free_ char *msg = xasprintf(
            "Found orphan containers ([%s]) for this project. If you removed or renamed this "
            "service in your compose file, you can run this command with the --remove-orphans "
            "flag to clean it up.",
            list);
        u->o->event(u->o->arg, "Project", u->p->name, COMPOSE_EV_WARNING, "Orphans", msg);
    }
    return 0;
}

/* --wait: every container running (healthy when it has a healthcheck), or exited 0 when
 * another selected service waits on it to complete. */
static int wait_all(const struct up *u, struct herr *e)
{
    struct run_waiter w = {
        .c = u->c, .cancel = u->o->cancel, .event = u->o->event, .arg = u->o->arg};
    run_waiter_deadline(&w, u->o->wait_timeout_ns);
    _cleanup_strv_ char **names = xcalloc(u->n + 1, sizeof(char *));
    for (size_t i = 0; i < u->n; i++)
        names[i] = xstrdup(u->nodes[i].svc->name);
    for (size_t i = 0; i < u->n; i++) {
        const struct unode *nd = &u->nodes[i];
        if (run_wait_containers(&w, nd->ids, nd->names, run_wait_cond(u->p, names, nd->svc->name),
                                e) < 0)
            return -1;
    }
    return 0;
}

static int select_nodes(struct up *u, struct herr *e)
{
    const struct compose_project *p = u->p;
    const struct compose_up_opts *o = u->o;
    for (char **s = o->services; s && *s; s++) {
        if (!compose_service_get(p, *s))
            return herr_set(e, 0, "no such service: %s", *s);
    }
    _cleanup_strv_ char **deps =
        o->services && !o->no_deps ? compose_deps_of(p, o->services) : NULL;
    u->nodes = xcalloc(p->nservices ? p->nservices : 1, sizeof(*u->nodes));
    for (size_t i = 0; i < p->nservices; i++) {
        const struct compose_service *svc = &p->services[i];
        bool named = !o->services, dep = false;
        for (char **s = o->services; s && *s; s++)
            named |= !strcmp(*s, svc->name);
        for (char **s = deps; s && *s; s++)
            dep |= !strcmp(*s, svc->name);
        if (!named && !dep)
            continue;
        struct unode *nd = &u->nodes[u->n++];
        nd->svc = svc;
        nd->target = named;
        if (replicas_of(p, svc, o->scale, &nd->replicas, e) < 0)
            return -1;
    }
    return 0;
}

int compose_up(const struct ctr_ctx *c, const struct compose_project *p,
               const struct compose_up_opts *o, struct herr *e)
{
    struct up u = {.c = c, .p = p, .o = o};
    _cleanup_strv_ char **order = NULL, **names = NULL;
    _cleanup_free_ bool *waits = NULL;
    int r = -1;
    if (compose_graph_order(p, &order, e) < 0 || select_nodes(&u, e) < 0)
        goto out;
    names = xcalloc(u.n + 1, sizeof(char *));
    for (size_t i = 0; i < u.n; i++)
        names[i] = xstrdup(u.nodes[i].svc->name);
    if (compose_check_services(p, names, e) < 0 || run_ensure_images(c, p, names, o->pull, e) < 0 ||
        compose_containers(c, p->name, false, &u.have, &u.nhave, e) < 0 || orphans(&u, e) < 0 ||
        run_ensure_resources(c, p, names, o->event, o->arg, e) < 0)
        goto out;
    waits = xcalloc(u.n * u.n + 1, sizeof(bool));
    for (size_t i = 0; i < u.n; i++) {
        for (char **d = u.nodes[i].svc->depends_on; d && *d; d++) {
            ssize_t j = node_of(&u, *d);
            if (j >= 0)
                waits[i * u.n + (size_t)j] = true;
        }
    }
    if (run_dag(u.n, waits, o->parallel, true, up_node, &u, e) < 0)
        goto out;
    if (o->wait && !o->no_start && wait_all(&u, e) < 0)
        goto out;
    r = 0;
out:
    for (size_t i = 0; i < u.n; i++) {
        strv_free(u.nodes[i].ids);
        strv_free(u.nodes[i].names);
    }
    free(u.nodes);
    compose_ctrs_free(u.have, u.nhave);
    return r;
}

int compose_prepare(const struct ctr_ctx *c, const struct compose_project *p, char **services,
                    const char *pull, compose_event_fn event, void *arg, struct herr *e)
{
    for (char **s = services; s && *s; s++) {
        if (!compose_service_get(p, *s))
            return herr_set(e, 0, "no such service: %s", *s);
    }
    if (compose_check_services(p, services, e) < 0 ||
        run_ensure_images(c, p, services, pull, e) < 0)
        return -1;
    return run_ensure_resources(c, p, services, event, arg, e);
}
