/* Top-level schema: networks, volumes, secrets, configs, and the project object. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/str.h"
#include "compose/loader/loader_internal.h"

static bool valid_cidr(const char *s)
{
    _cleanup_free_ char *ip = xstrdup(s);
    char *slash = strchr(ip, '/');
    if (!slash)
        return false;
    *slash = '\0';
    long long bits;
    unsigned char buf[16];
    bool v4 = inet_pton(AF_INET, ip, buf) == 1, v6 = !v4 && inet_pton(AF_INET6, ip, buf) == 1;
    return (v4 || v6) && str_parse_ll(slash + 1, &bits) == 0 && bits <= (v4 ? 32 : 128);
}

static int sc_ipam_pool(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    static const struct sfield f[] = {SF("subnet", sc_str), SF("ip_range", sc_str),
                                      SF("gateway", sc_str), SF("aux_addresses", sc_kv),
                                      SF(NULL, NULL)};
    if (sc_object(s, n, path, f, out) < 0)
        return -1;
    static const char *const cidrs[] = {"subnet", "ip_range"};
    char sub[512];
    for (size_t i = 0; i < 2; i++) {
        const char *v = hj_str(*out, cidrs[i]);
        if (v && !valid_cidr(v)) {
            cerr(s->c, cn_get(n, cidrs[i]), sc_path(sub, sizeof(sub), path, cidrs[i]),
                 "invalid CIDR \"%s\"", v);
            json_decref(*out);
            return -1;
        }
    }
    const char *gw = hj_str(*out, "gateway");
    unsigned char buf[16];
    if (gw && inet_pton(AF_INET, gw, buf) != 1 && inet_pton(AF_INET6, gw, buf) != 1) {
        cerr(s->c, cn_get(n, "gateway"), sc_path(sub, sizeof(sub), path, "gateway"),
             "invalid IP address \"%s\"", gw);
        json_decref(*out);
        return -1;
    }
    return 0;
}

static int sc_ipam_config(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    if (sc_need(s, n, path, CN_SEQ) < 0)
        return -1;
    json_t *a = json_array();
    for (size_t i = 0; i < n->n; i++) {
        char sub[512];
        json_t *v;
        if (sc_ipam_pool(s, n->v[i], sc_ipath(sub, sizeof(sub), path, i), &v) < 0) {
            json_decref(a);
            return -1;
        }
        json_array_append_new(a, v);
    }
    *out = a;
    return 0;
}

static int sc_ipam(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    static const struct sfield f[] = {SF("driver", sc_str), SF("config", sc_ipam_config),
                                      SF("options", sc_kv), SF(NULL, NULL)};
    return sc_object(s, n, path, f, out);
}

/* `external: true`, or the legacy `external: {name: x}`. */
static int sc_external(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    if (n->kind == CN_MAP) {
        static const struct sfield f[] = {SF("name", sc_str), SF(NULL, NULL)};
        return sc_object(s, n, path, f, out);
    }
    return sc_bool(s, n, path, out);
}

static const struct sfield network_fields[] = {
    SF("name", sc_str),
    SF("driver", sc_str),
    SF("driver_opts", sc_kv),
    SF("ipam", sc_ipam),
    SF("external", sc_external),
    SF("internal", sc_bool),
    SF("attachable", sc_bool),
    SF("enable_ipv4", sc_bool),
    SF("enable_ipv6", sc_bool),
    SF("labels", sc_kv),
    SF(NULL, NULL),
};

static const struct sfield volume_fields[] = {
    SF("name", sc_str),          SF("driver", sc_str), SF("driver_opts", sc_kv),
    SF("external", sc_external), SF("labels", sc_kv),  SF(NULL, NULL),
};

static const struct sfield secret_fields[] = {
    SF("name", sc_str),    SF("file", sc_str),          SF("environment", sc_str),
    SF("content", sc_str), SF("external", sc_external), SF("labels", sc_kv),
    SF("driver", sc_str),  SF("driver_opts", sc_kv),    SF("template_driver", sc_str),
    SF(NULL, NULL),
};

/* External objects keep their own name; others are scoped to the project. */
static int finish_resource(struct sctx *s, const struct cnode *n, const char *path, const char *key,
                           const char *project, json_t *o, bool secret)
{
    json_t *ext = json_object_get(o, "external");
    if (json_is_object(ext)) {
        if (!json_object_get(o, "name") && hj_str(ext, "name"))
            json_object_set(o, "name", json_object_get(ext, "name"));
        json_object_set_new(o, "external", json_true());
        ext = json_object_get(o, "external");
    }
    bool external = json_is_true(ext);
    if (!external && ext)
        json_object_del(o, "external");
    if (external) {
        static const char *const conflicting[] = {"driver", "driver_opts", "ipam",    "internal",
                                                  "file",   "environment", "content", NULL};
        for (size_t i = 0; conflicting[i]; i++) {
            if (json_object_get(o, conflicting[i]))
                return cerr(s->c, n, path, "\"external\" conflicts with \"%s\"", conflicting[i]);
        }
    }
    if (secret && !external) {
        int sources = !!json_object_get(o, "file") + !!json_object_get(o, "environment") +
                      !!json_object_get(o, "content");
        if (sources != 1)
            return cerr(s->c, n, path,
                        "needs exactly one of \"file\", \"environment\", "
                        "\"content\" or \"external\"");
    }
    if (!json_object_get(o, "name")) {
        if (external)
            json_object_set_new(o, "name", json_string(key));
        else
            json_object_set_new(o, "name", json_sprintf("%s_%s", project, key));
    }
    return 0;
}

static int schema_resources(struct sctx *s, const struct cnode *doc, const char *top,
                            const struct sfield *fields, const char *project, json_t *model)
{
    const struct cnode *m = cn_get(doc, top);
    if (!m || m->kind == CN_NULL)
        return 0;
    if (sc_need(s, m, top, CN_MAP) < 0)
        return -1;
    json_t *all = json_object();
    json_object_set_new(model, top, all);
    bool secret = !strcmp(top, "secrets") || !strcmp(top, "configs");
    for (size_t i = 0; i < m->n; i++) {
        char path[512];
        sc_path(path, sizeof(path), top, m->k[i]->str);
        json_t *o;
        if (m->v[i]->kind == CN_NULL)
            o = json_object();
        else if (sc_object(s, m->v[i], path, fields, &o) < 0)
            return -1;
        json_object_set_new(all, m->k[i]->str, o);
        if (finish_resource(s, m->v[i], path, m->k[i]->str, project, o, secret) < 0)
            return -1;
    }
    return 0;
}

static const struct sfield top_fields[] = {
    SF("version", NULL),  SF("name", NULL),    SF("include", NULL), SF("services", NULL),
    SF("networks", NULL), SF("volumes", NULL), SF("secrets", NULL), SF("configs", NULL),
    SF("models", NULL),   SF(NULL, NULL),
};

int schema_project(struct cctx *c, const struct cnode *doc, const char *project,
                   const char *workdir, const struct cenv *env, json_t **out)
{
    struct sctx s = {.c = c, .workdir = workdir, .env = env};
    for (size_t i = 0; i < doc->n; i++) {
        const char *k = doc->k[i]->str;
        const struct sfield *f = top_fields;
        while (f->name && strcmp(f->name, k))
            f++;
        if (!f->name && !str_has_prefix(k, "x-"))
            return sc_unknown_key(&s, doc->k[i], "", top_fields);
    }
    json_t *model = json_pack("{s:s,s:{}}", "name", project, "services");
    const struct cnode *svcs = cn_get(doc, "services");
    if (svcs && svcs->kind != CN_NULL && sc_need(&s, svcs, "services", CN_MAP) < 0)
        goto fail;
    for (size_t i = 0; svcs && svcs->kind == CN_MAP && i < svcs->n; i++) {
        json_t *o;
        if (schema_service(c, svcs->k[i]->str, svcs->v[i], workdir, env, &o) < 0)
            goto fail;
        json_object_set_new(json_object_get(model, "services"), svcs->k[i]->str, o);
    }
    if (schema_resources(&s, doc, "networks", network_fields, project, model) < 0 ||
        schema_resources(&s, doc, "volumes", volume_fields, project, model) < 0 ||
        schema_resources(&s, doc, "secrets", secret_fields, project, model) < 0 ||
        schema_resources(&s, doc, "configs", secret_fields, project, model) < 0)
        goto fail;
    const struct cnode *models = cn_get(doc, "models");
    if (models && models->kind != CN_NULL) {
        json_t *v;
        if (sc_any(&s, models, "models", &v) < 0)
            goto fail;
        json_object_set_new(model, "models", v);
    }
    *out = model;
    return 0;
fail:
    json_decref(model);
    return -1;
}
