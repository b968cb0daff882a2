/* Whole-project checks after typing: profiles, references between services and
 * top-level objects, implicit dependencies, the default network, and cycles. */
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/str.h"
#include "compose/loader/loader_internal.h"

/* The node of services.<svc>.<key>[...] for positions; falls back to the service. */
static const struct cnode *node_at(const struct cnode *doc, const char *svc, const char *key,
                                   const char *item)
{
    const struct cnode *s = cn_get(cn_get(doc, "services"), svc);
    const struct cnode *k = key ? cn_get(s, key) : NULL;
    if (!k)
        return s;
    if (item && k->kind == CN_MAP) {
        int i = cn_index(k, item);
        if (i >= 0)
            return k->k[i];
    }
    if (item && k->kind == CN_SEQ) {
        for (size_t i = 0; i < k->n; i++) {
            if (k->v[i]->kind == CN_SCALAR && str_has_prefix(k->v[i]->str, item))
                return k->v[i];
        }
    }
    return k;
}

static bool in_strv(char **v, const char *s)
{
    for (; v && *v; v++) {
        if (!strcmp(*v, s))
            return true;
    }
    return false;
}

static bool enabled(json_t *svc, const char *name, char **profiles, char **named)
{
    json_t *ps = json_object_get(svc, "profiles");
    if (!json_array_size(ps) || in_strv(named, name) || in_strv(profiles, "*"))
        return true;
    size_t i;
    json_t *p;
    json_array_foreach(ps, i, p)
    {
        if (in_strv(profiles, json_string_value(p)))
            return true;
    }
    return false;
}

static void add_dep(json_t *svc, const char *target)
{
    json_t *deps = json_object_get(svc, "depends_on");
    if (!deps) {
        deps = json_object();
        json_object_set_new(svc, "depends_on", deps);
    }
    if (!json_object_get(deps, target))
        json_object_set_new(deps, target,
                            json_pack("{s:s,s:b,s:b}", "condition", "service_started", "required",
                                      1, "restart", 0));
}

/* links, volumes_from and service: namespaces depend on another service. */
static void implicit_deps(json_t *svc)
{
    static const char *const modes[] = {"network_mode", "ipc", "pid"};
    for (size_t i = 0; i < 3; i++) {
        const char *m = hj_str(svc, modes[i]);
        if (m && str_has_prefix(m, "service:"))
            add_dep(svc, m + 8);
    }
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(svc, "links"), i, v)
    {
        _cleanup_free_ char *s = xstrdup(json_string_value(v));
        *strchrnul(s, ':') = '\0';
        add_dep(svc, s);
    }
    json_array_foreach(json_object_get(svc, "volumes_from"), i, v)
    {
        const char *s = json_string_value(v);
        if (str_has_prefix(s, "container:"))
            continue;
        _cleanup_free_ char *name = xstrdup(s);
        *strchrnul(name, ':') = '\0';
        add_dep(svc, name);
    }
}

static int check_service(struct cctx *c, json_t *model, const struct cnode *doc, const char *name,
                         json_t *svc, json_t *all, char **profiles, char **named)
{
    char path[512];
    snprintf(path, sizeof(path), "services.%s", name);
    if (!json_object_get(svc, "image") && !json_object_get(svc, "build"))
        return cerr(c, node_at(doc, name, NULL, NULL), path,
                    "service has neither an image nor a build context specified");
    json_int_t scale = hj_int(svc, "scale", hj_int(hj_path(svc, "deploy"), "replicas", 1));
    if (json_object_get(svc, "container_name") && scale > 1)
        return cerr(c, node_at(doc, name, "container_name", NULL), path,
                    "container_name \"%s\" cannot be used with scale %lld: names must be unique",
                    hj_str(svc, "container_name"), (long long)scale);
    const char *nm = hj_str(svc, "network_mode");
    if (nm && json_object_get(svc, "networks"))
        return cerr(c, node_at(doc, name, "network_mode", NULL), path,
                    "\"network_mode\" and \"networks\" cannot be combined");
    implicit_deps(svc);
    const char *dep;
    json_t *d;
    snprintf(path, sizeof(path), "services.%s.depends_on", name);
    json_object_foreach(json_object_get(svc, "depends_on"), dep, d)
    {
        json_t *target = json_object_get(all, dep);
        if (!strcmp(dep, name))
            return cerr(c, node_at(doc, name, "depends_on", dep), path,
                        "service \"%s\" depends on itself", name);
        if (!target)
            return cerr(c, node_at(doc, name, "depends_on", dep), path,
                        "depends on undefined service \"%s\"", dep);
        if (!enabled(target, dep, profiles, named) && hj_bool(d, "required", true)) {
            _cleanup_free_ char *ps = json_dumps(json_object_get(target, "profiles"), JSON_COMPACT);
            return cerr(c, node_at(doc, name, "depends_on", dep), path,
                        "depends on service \"%s\", which is disabled (enable one of its "
                        "profiles %s)",
                        dep, ps);
        }
    }
    json_t *nets = json_object_get(model, "networks");
    snprintf(path, sizeof(path), "services.%s.networks", name);
    if (!json_object_get(svc, "networks") && !nm)
        json_object_set_new(svc, "networks", json_pack("{s:n}", "default"));
    const char *net;
    json_object_foreach(json_object_get(svc, "networks"), net, d)
    {
        if (!json_object_get(nets, net) && strcmp(net, "default"))
            return cerr(c, node_at(doc, name, "networks", net), path,
                        "network \"%s\" is not defined in the top-level networks", net);
    }
    size_t i;
    json_array_foreach(json_object_get(svc, "volumes"), i, d)
    {
        const char *src = hj_str(d, "source"), *type = hj_str(d, "type");
        if (!type || strcmp(type, "volume") || !src)
            continue;
        if (!json_object_get(json_object_get(model, "volumes"), src)) {
            snprintf(path, sizeof(path), "services.%s.volumes[%zu]", name, i);
            const struct cnode *vn = cn_get(node_at(doc, name, NULL, NULL), "volumes");
            return cerr(c, vn && vn->kind == CN_SEQ && i < vn->n ? vn->v[i] : vn, path,
                        "volume \"%s\" is not defined in the top-level volumes", src);
        }
    }
    static const char *const refs[] = {"secrets", "configs"};
    for (size_t r = 0; r < 2; r++) {
        json_array_foreach(json_object_get(svc, refs[r]), i, d)
        {
            const char *src = hj_str(d, "source");
            if (json_object_get(json_object_get(model, refs[r]), src))
                continue;
            snprintf(path, sizeof(path), "services.%s.%s[%zu]", name, refs[r], i);
            const struct cnode *rn = cn_get(node_at(doc, name, NULL, NULL), refs[r]);
            return cerr(c, rn && rn->kind == CN_SEQ && i < rn->n ? rn->v[i] : rn, path,
                        "%.6s \"%s\" is not defined in the top-level %s", refs[r], src, refs[r]);
        }
    }
    return 0;
}

int validate_project(struct cctx *c, json_t *model, const struct cnode *doc, char **profiles,
                     char **named)
{
    json_t *all = json_object_get(model, "services");
    for (char **n = named; n && *n; n++) {
        if (!json_object_get(all, *n))
            return herr_set(c->e, 0, "no such service: %s", *n);
    }
    json_t *kept = json_object();
    const char *name;
    json_t *svc;
    json_object_foreach(all, name, svc)
    {
        if (enabled(svc, name, profiles, named))
            json_object_set(kept, name, svc);
    }
    int r = 0;
    json_object_foreach(kept, name, svc)
    {
        if ((r = check_service(c, model, doc, name, svc, all, profiles, named)) < 0)
            break;
    }
    if (r == 0) {
        json_object_set(model, "services", kept);
        json_t *nets = json_object_get(model, "networks");
        bool uses_default = false;
        json_object_foreach(kept, name, svc)
        {
            uses_default |= json_object_get(json_object_get(svc, "networks"), "default") != NULL;
        }
        if (uses_default && !json_object_get(nets, "default")) {
            if (!nets) {
                nets = json_object();
                json_object_set_new(model, "networks", nets);
            }
            json_object_set_new(nets, "default",
                                json_pack("{s:s+}", "name", hj_str(model, "name"), "_default"));
        }
        _cleanup_strv_ char **order = NULL;
        _cleanup_free_ char *cycle = NULL;
        if (graph_order(kept, &order, &cycle) < 0) {
            char *first = xstrndup(cycle, strcspn(cycle, " "));
            r = cerr(c, node_at(doc, first, "depends_on", NULL), NULL,
                     "dependency cycle detected: %s", cycle);
            free(first);
        }
    }
    json_decref(kept);
    return r;
}
