/* A project's networks, volumes and images: made before its containers, removed after
 * them. Ownership is read from labels, so `down` finds what an earlier `up` made even
 * when the compose file changed since. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"
#include "compose/scheduler/scheduler.h"
#include "compose/scheduler/run_internal.h"
#include "engine/container/container.h"
#include "engine/image/image.h"
#include "net/net.h"
#include "volumes/volumes.h"

static void ev(compose_event_fn fn, void *arg, const char *kind, const char *name,
               enum compose_ev st, const char *status, const char *detail)
{
    if (fn)
        fn(arg, kind, name, st, status, detail);
}

static bool has(char **v, const char *s)
{
    for (; v && *v; v++) {
        if (!strcmp(*v, s))
            return true;
    }
    return false;
}

static char **labels_for(const struct compose_project *p, const char *key_label, const char *key,
                         const json_t *user)
{
    char **v = xcalloc(1, sizeof(char *));
    const char *k;
    json_t *val;
    json_object_foreach((json_t *)user, k, val)
    {
        strv_push(&v, xasprintf("%s=%s", k, json_is_string(val) ? json_string_value(val) : ""));
    }
    strv_push(&v, xasprintf("%s=%s", key_label, key));
    strv_push(&v, xasprintf("%s=%s", COMPOSE_LABEL_PROJECT, p->name));
    strv_push(&v, xasprintf("%s=%s", COMPOSE_LABEL_VERSION, HOIST_VERSION));
    return v;
}

static int ensure_network(const struct ctr_ctx *c, const struct compose_project *p, const char *key,
                          compose_event_fn fn, void *arg, struct herr *e)
{
    const json_t *n = json_object_get(json_object_get(p->model, "networks"), key);
    if (!n)
        return herr_set(e, 0, "network \"%s\" is not defined", key);
    _cleanup_free_ char *name = compose_network_name(p, key);
    _cleanup_json_ json_t *cur = net_inspect(c->root, name, NULL);
    if (hj_bool(n, "external", false)) {
        if (!cur)
            return herr_set(e, 0, "network %s declared as external, but could not be found", name);
        return 0;
    }
    if (cur)
        return 0;
    const char *driver = hj_str(n, "driver");
    if (driver && strcmp(driver, "bridge"))
        return herr_set(e, 0, "network %s: driver \"%s\" is not supported (only bridge)", name,
                        driver);
    /* docker compose takes the first IPv4 and the first IPv6 entry of ipam.config. */
    const json_t *ipam = NULL, *x;
    const char *subnet6 = NULL;
    size_t i;
    json_array_foreach(hj_path(n, "ipam.config"), i, x)
    {
        const char *sub = hj_str(x, "subnet");
        if (sub && strchr(sub, ':')) {
            if (!subnet6)
                subnet6 = sub;
        } else if (!ipam) {
            ipam = x;
        }
    }
    _cleanup_strv_ char **labels =
        labels_for(p, COMPOSE_LABEL_NETWORK, key, json_object_get(n, "labels"));
    struct net_create_opts o = {
        .driver = driver,
        .subnet = hj_str(ipam, "subnet"),
        .gateway = hj_str(ipam, "gateway"),
        .ip_range = hj_str(ipam, "ip_range"),
        .internal = hj_bool(n, "internal", false),
        .labels = labels,
        .ipv6 = hj_bool(n, "enable_ipv6", false),
        .subnet6 = subnet6,
    };
    ev(fn, arg, "Network", name, COMPOSE_EV_WORKING, "Creating", NULL);
    struct herr ce = {0};
    if (net_create(c->root, name, &o, NULL, &ce) < 0) {
        /* Another `up` of the same project may have made it meanwhile. */
        if (ce.errnum == EEXIST)
            return 0;
        *e = ce;
        ev(fn, arg, "Network", name, COMPOSE_EV_ERROR, "Error", ce.msg);
        return herr_wrap(e, "network %s", name);
    }
    ev(fn, arg, "Network", name, COMPOSE_EV_DONE, "Created", NULL);
    return 0;
}

static int ensure_volume(const struct ctr_ctx *c, const struct compose_project *p, const char *key,
                         compose_event_fn fn, void *arg, struct herr *e)
{
    const json_t *v = json_object_get(json_object_get(p->model, "volumes"), key);
    if (!v)
        return herr_set(e, 0, "volume \"%s\" is not defined", key);
    _cleanup_free_ char *name = compose_volume_name(p, key);
    _cleanup_json_ json_t *cur = vol_inspect(c->root, name, NULL);
    if (hj_bool(v, "external", false)) {
        if (!cur)
            return herr_set(e, 0, "external volume \"%s\" not found", name);
        return 0;
    }
    if (cur)
        return 0;
    _cleanup_strv_ char **labels =
        labels_for(p, COMPOSE_LABEL_VOLUME, key, json_object_get(v, "labels"));
    _cleanup_strv_ char **opts = xcalloc(1, sizeof(char *));
    const char *k;
    json_t *val;
    json_object_foreach(json_object_get(v, "driver_opts"), k, val)
    {
        strv_push(&opts, xasprintf("%s=%s", k, json_is_string(val) ? json_string_value(val) : ""));
    }
    struct vol_create_opts o = {.driver = hj_str(v, "driver"), .labels = labels, .options = opts};
    ev(fn, arg, "Volume", name, COMPOSE_EV_WORKING, "Creating", NULL);
    bool created = false;
    if (vol_create(c->root, name, &o, NULL, &created, e) < 0) {
        ev(fn, arg, "Volume", name, COMPOSE_EV_ERROR, "Error", e->msg);
        return herr_wrap(e, "volume %s", name);
    }
    ev(fn, arg, "Volume", name, COMPOSE_EV_DONE, "Created", NULL);
    return 0;
}

int run_ensure_resources(const struct ctr_ctx *c, const struct compose_project *p, char **services,
                         compose_event_fn fn, void *arg, struct herr *e)
{
    _cleanup_strv_ char **nets = NULL, **vols = NULL;
    for (char **s = services; s && *s; s++) {
        const struct compose_service *svc = compose_service_get(p, *s);
        const char *k;
        json_t *x;
        size_t i;
        json_object_foreach(json_object_get(svc->cfg, "networks"), k, x)
        {
            if (!has(nets, k))
                strv_push(&nets, xstrdup(k));
        }
        json_array_foreach(json_object_get(svc->cfg, "volumes"), i, x)
        {
            const char *src = hj_str(x, "source"), *type = hj_str(x, "type");
            if (src && type && !strcmp(type, "volume") && !has(vols, src))
                strv_push(&vols, xstrdup(src));
        }
    }
    for (char **n = nets; n && *n; n++) {
        if (ensure_network(c, p, *n, fn, arg, e) < 0)
            return -1;
    }
    for (char **v = vols; v && *v; v++) {
        if (ensure_volume(c, p, *v, fn, arg, e) < 0)
            return -1;
    }
    return 0;
}

/* every_<duration>: Go's units, and days and weeks as compose-go's parser takes them. */
static int every_ns(const char *s, long long *ns)
{
    static const struct {
        char unit;
        long long ns;
    } long_units[] = {{'w', 7 * 86400LL * 1000000000LL}, {'d', 86400LL * 1000000000LL}};
    long long total = 0;
    while (*s) {
        char *end;
        long long v = strtoll(s, &end, 10);
        size_t k = 0;
        while (end > s && k < 2 && *end != long_units[k].unit)
            k++;
        if (end == s || v < 0 || k == 2)
            break;
        total += v * long_units[k].ns;
        s = end + 1;
    }
    long long rest = 0;
    if (*s && ctr_parse_duration(s, &rest, NULL) < 0)
        return -1;
    *ns = total + rest;
    return *ns > 0 ? 0 : -1;
}

/* An image that is present is pulled again for always/refresh, and for daily, weekly
 * and every_<duration> once its last pull is that old. */
static bool pull_due(const char *root, const char *ref, const char *policy)
{
    long long max_ns;
    if (!policy)
        return false;
    if (!strcmp(policy, "always") || !strcmp(policy, "refresh"))
        return true;
    if (!strcmp(policy, "daily"))
        max_ns = 86400LL * 1000000000LL;
    else if (!strcmp(policy, "weekly"))
        max_ns = 7 * 86400LL * 1000000000LL;
    else if (!str_has_prefix(policy, "every_") || every_ns(policy + 6, &max_ns) < 0)
        return false;
    long long at = 0;
    struct herr ignore = {0};
    if (image_pulled_at(root, ref, &at, &ignore) < 0)
        return true;
    return ((long long)time(NULL) - at) * 1000000000LL >= max_ns;
}

int run_ensure_images(const struct ctr_ctx *c, const struct compose_project *p, char **services,
                      const char *pull, struct herr *e)
{
    for (char **s = services; s && *s; s++) {
        const struct compose_service *svc = compose_service_get(p, *s);
        const char *ref = hj_str(svc->cfg, "image");
        if (!ref)
            return herr_set(e, 0, "service \"%s\" has no image (build is not supported)", *s);
        const char *policy = pull ? pull : hj_str(svc->cfg, "pull_policy");
        struct image *img = NULL;
        struct herr le = {0};
        if (image_lookup(c->root, ref, &img, &le) == 0) {
            image_free(img);
            if (!pull_due(c->root, ref, policy))
                continue;
        } else if (policy && !strcmp(policy, "never")) {
            return herr_set(e, 0, "service \"%s\": image %s not found and pull_policy is never", *s,
                            ref);
        }
        _cleanup_free_ char *dir = xstrdup(c->self);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = '\0';
        struct image_pull_opts po = {.platform = hj_str(svc->cfg, "platform"), .quiet = true};
        if (image_pull(dir, c->root, ref, &po, e) < 0)
            return herr_wrap(e, "service \"%s\"", *s);
    }
    return 0;
}

static bool labelled(const json_t *labels, const char *project)
{
    const char *p = hj_str(labels, COMPOSE_LABEL_PROJECT);
    return p && !strcmp(p, project);
}

int run_remove_networks(const struct ctr_ctx *c, const struct compose_project *p,
                        compose_event_fn fn, void *arg, struct herr *e)
{
    _cleanup_strv_ char **names = NULL;
    if (net_list(c->root, &names, e) < 0)
        return -1;
    int r = 0;
    for (char **n = names; n && *n; n++) {
        _cleanup_json_ json_t *j = net_inspect(c->root, *n, NULL);
        if (!j || !labelled(json_object_get(j, "Labels"), p->name))
            continue;
        ev(fn, arg, "Network", *n, COMPOSE_EV_WORKING, "Removing", NULL);
        struct herr re = {0};
        if (net_remove(c->root, *n, &re) < 0 && re.errnum == EBUSY) {
            /* Containers outside the selection (orphans) still use it: as docker. */
            ev(fn, arg, "Network", *n, COMPOSE_EV_WARNING, "Resource is still in use", NULL);
            continue;
        }
        if (re.msg[0] && re.errnum != ENOENT) {
            ev(fn, arg, "Network", *n, COMPOSE_EV_ERROR, "Error", re.msg);
            if (r == 0)
                *e = re;
            r = -1;
            continue;
        }
        ev(fn, arg, "Network", *n, COMPOSE_EV_DONE, "Removed", NULL);
    }
    return r;
}

int run_remove_volumes(const struct ctr_ctx *c, const char *project, compose_event_fn fn, void *arg,
                       struct herr *e)
{
    _cleanup_strv_ char **names = NULL;
    if (vol_list(c->root, &names, e) < 0)
        return -1;
    int r = 0;
    for (char **n = names; n && *n; n++) {
        _cleanup_json_ json_t *j = vol_inspect(c->root, *n, NULL);
        if (!j || !labelled(json_object_get(j, "Labels"), project))
            continue;
        ev(fn, arg, "Volume", *n, COMPOSE_EV_WORKING, "Removing", NULL);
        struct herr re = {0};
        if (vol_remove(c->root, *n, &re) < 0 && re.errnum != ENOENT) {
            ev(fn, arg, "Volume", *n, COMPOSE_EV_ERROR, "Error", re.msg);
            if (r == 0)
                *e = re;
            r = -1;
            continue;
        }
        ev(fn, arg, "Volume", *n, COMPOSE_EV_DONE, "Removed", NULL);
    }
    return r;
}

int run_remove_images(const struct ctr_ctx *c, const struct compose_project *p, const char *rmi,
                      compose_event_fn fn, void *arg, struct herr *e)
{
    _cleanup_strv_ char **done = NULL;
    int r = 0;
    for (size_t i = 0; i < p->nservices; i++) {
        const char *ref = hj_str(p->services[i].cfg, "image");
        /* "local" means images without a custom tag, which only builds make. */
        if (!ref || strcmp(rmi, "all") || has(done, ref))
            continue;
        strv_push(&done, xstrdup(ref));
        _cleanup_strv_ char **report = NULL;
        struct herr re = {0};
        if (image_remove(c->root, ref, false, &report, &re) < 0) {
            if (re.errnum == ENOENT)
                continue;
            ev(fn, arg, "Image", ref, COMPOSE_EV_ERROR, "Error", re.msg);
            if (r == 0)
                *e = re;
            r = -1;
            continue;
        }
        ev(fn, arg, "Image", ref, COMPOSE_EV_DONE, "Removed", NULL);
    }
    return r;
}
