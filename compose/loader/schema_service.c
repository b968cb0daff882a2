/* The service schema: every key compose defines, each with its typed handler. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/str.h"
#include "compose/loader/loader_internal.h"

static int sc_environment(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    if (n->kind == CN_SEQ) {
        /* Without "=" the value comes from the environment at run time: null. */
        json_t *o = json_object();
        for (size_t i = 0; i < n->n; i++) {
            const struct cnode *it = n->v[i];
            char sub[512];
            if (it->kind != CN_SCALAR || !*it->str || it->str[0] == '=') {
                json_decref(o);
                return cerr(s->c, it, sc_ipath(sub, sizeof(sub), path, i),
                            "must be a \"KEY=VALUE\" string");
            }
            const char *eq = strchr(it->str, '=');
            _cleanup_free_ char *k = eq ? xstrndup(it->str, eq - it->str) : xstrdup(it->str);
            json_object_set_new(o, k, eq ? json_string(eq + 1) : json_null());
        }
        *out = o;
        return 0;
    }
    if (n->kind != CN_MAP)
        return cerr(s->c, n, path, "must be a mapping or a list of \"KEY=VALUE\", not %s",
                    cn_kind_name(n));
    json_t *o = json_object();
    for (size_t i = 0; i < n->n; i++) {
        const struct cnode *v = n->v[i];
        char sub[512];
        if (v->kind == CN_MAP || v->kind == CN_SEQ) {
            json_decref(o);
            return cerr(s->c, v, sc_path(sub, sizeof(sub), path, n->k[i]->str),
                        "must be a string, number, boolean or null, not %s", cn_kind_name(v));
        }
        json_object_set_new(o, n->k[i]->str,
                            v->kind == CN_NULL ? json_null() : json_string(v->str));
    }
    *out = o;
    return 0;
}

/* env_file: string, list of strings, or list of {path, required, format}. */
static int sc_env_file(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    static const struct sfield f[] = {SF("path", sc_str), SF("required", sc_bool),
                                      SF("format", sc_str), SF(NULL, NULL)};
    json_t *a = json_array();
    const struct cnode *items = n;
    struct cnode one = {.kind = CN_SEQ, .n = 1, .v = (struct cnode **)&n};
    if (n->kind == CN_SCALAR)
        items = &one;
    else if (sc_need(s, n, path, CN_SEQ) < 0)
        goto fail;
    for (size_t i = 0; i < items->n; i++) {
        const struct cnode *it = items->v[i];
        char sub[512];
        sc_ipath(sub, sizeof(sub), path, i);
        json_t *o;
        if (it->kind == CN_SCALAR) {
            o = json_pack("{s:s,s:b}", "path", it->str, "required", 1);
        } else {
            if (sc_object(s, it, sub, f, &o) < 0)
                goto fail;
            if (!hj_str(o, "path")) {
                json_decref(o);
                cerr(s->c, it, sub, "missing required key \"path\"");
                goto fail;
            }
            if (!json_object_get(o, "required"))
                json_object_set_new(o, "required", json_true());
        }
        json_array_append_new(a, o);
    }
    *out = a;
    return 0;
fail:
    json_decref(a);
    return -1;
}

static int sc_build(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    static const struct sfield f[] = {
        SF("context", sc_str),
        SF("dockerfile", sc_str),
        SF("dockerfile_inline", sc_str),
        SF("args", sc_kv),
        SF("ssh", sc_str_or_strs),
        SF("cache_from", sc_strs),
        SF("cache_to", sc_strs),
        SF("extra_hosts", sc_any),
        SF("isolation", sc_str),
        SF("labels", sc_kv),
        SF("network", sc_str),
        SF("no_cache", sc_bool),
        SF("pull", sc_bool),
        SF("platforms", sc_strs),
        SF("privileged", sc_bool),
        SF("secrets", sc_any),
        SF("shm_size", sc_size),
        SF("tags", sc_strs),
        SF("target", sc_str),
        SF("ulimits", sc_any),
        SF("additional_contexts", sc_kv),
        SF("entitlements", sc_strs),
        SF("provenance", sc_any),
        SF("sbom", sc_any),
        SF(NULL, NULL),
    };
    if (n->kind == CN_SCALAR) {
        *out = json_pack("{s:s,s:s}", "context", n->str, "dockerfile", "Dockerfile");
        return 0;
    }
    if (sc_object(s, n, path, f, out) < 0)
        return -1;
    if (!json_object_get(*out, "context"))
        json_object_set_new(*out, "context", json_string(s->workdir));
    if (!json_object_get(*out, "dockerfile") && !json_object_get(*out, "dockerfile_inline"))
        json_object_set_new(*out, "dockerfile", json_string("Dockerfile"));
    return 0;
}

static int sc_depends_on(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    static const struct sfield f[] = {SF("condition", sc_str), SF("required", sc_bool),
                                      SF("restart", sc_bool), SF(NULL, NULL)};
    json_t *o = json_object();
    char sub[512];
    for (size_t i = 0; i < n->n; i++) {
        const struct cnode *key = n->kind == CN_MAP ? n->k[i] : n->v[i];
        if (n->kind == CN_SEQ)
            sc_ipath(sub, sizeof(sub), path, i);
        else if (n->kind == CN_MAP)
            sc_path(sub, sizeof(sub), path, key->str);
        if (key->kind != CN_SCALAR) {
            json_decref(o);
            return cerr(s->c, key, sub, "must be a service name, not %s", cn_kind_name(key));
        }
        json_t *d = NULL;
        if (n->kind == CN_MAP && n->v[i]->kind != CN_NULL &&
            sc_object(s, n->v[i], sub, f, &d) < 0) {
            json_decref(o);
            return -1;
        }
        if (!d)
            d = json_object();
        const char *cond = hj_str(d, "condition");
        if (!cond)
            json_object_set_new(d, "condition", json_string("service_started"));
        else if (strcmp(cond, "service_started") && strcmp(cond, "service_healthy") &&
                 strcmp(cond, "service_completed_successfully")) {
            cerr(s->c, cn_get(n->v[i], "condition"), sub,
                 "invalid condition \"%s\" (service_started, service_healthy, "
                 "service_completed_successfully)",
                 cond);
            json_decref(d);
            json_decref(o);
            return -1;
        }
        if (!json_object_get(d, "required"))
            json_object_set_new(d, "required", json_true());
        if (!json_object_get(d, "restart"))
            json_object_set_new(d, "restart", json_false());
        json_object_set_new(o, key->str, d);
    }
    if (n->kind != CN_MAP && n->kind != CN_SEQ) {
        json_decref(o);
        return cerr(s->c, n, path, "must be a list of services or a mapping, not %s",
                    cn_kind_name(n));
    }
    *out = o;
    return 0;
}

static int sc_healthcheck(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    static const struct sfield f[] = {
        SF("test", sc_any),         SF("interval", sc_dur),
        SF("timeout", sc_dur),      SF("retries", sc_uint),
        SF("start_period", sc_dur), SF("start_interval", sc_dur),
        SF("disable", sc_bool),     SF(NULL, NULL),
    };
    json_t *o;
    if (sc_object(s, n, path, f, &o) < 0)
        return -1;
    const struct cnode *t = cn_get(n, "test");
    char sub[512];
    sc_path(sub, sizeof(sub), path, "test");
    if (t && t->kind == CN_SCALAR) {
        json_object_set_new(o, "test", json_pack("[s,s]", "CMD-SHELL", t->str));
    } else if (t && t->kind == CN_SEQ) {
        json_t *a;
        if (sc_strs(s, t, sub, &a) < 0) {
            json_decref(o);
            return -1;
        }
        const char *first = json_string_value(json_array_get(a, 0));
        if (!first ||
            (strcmp(first, "CMD") && strcmp(first, "CMD-SHELL") && strcmp(first, "NONE"))) {
            json_decref(a);
            json_decref(o);
            return cerr(s->c, t, sub, "must start with \"CMD\", \"CMD-SHELL\" or \"NONE\"");
        }
        if (!strcmp(first, "CMD-SHELL") && json_array_size(a) != 2) {
            json_decref(a);
            json_decref(o);
            return cerr(s->c, t, sub, "\"CMD-SHELL\" takes exactly one command string");
        }
        json_object_set_new(o, "test", a);
    } else if (t && t->kind != CN_NULL) {
        json_decref(o);
        return cerr(s->c, t, sub, "must be a string or a list, not %s", cn_kind_name(t));
    }
    const char *first = json_string_value(json_array_get(json_object_get(o, "test"), 0));
    if (hj_bool(o, "disable", false) || (first && !strcmp(first, "NONE"))) {
        json_decref(o);
        o = json_pack("{s:b}", "disable", 1);
    }
    *out = o;
    return 0;
}

static int sc_net_attach(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    static const struct sfield f[] = {
        SF("aliases", sc_strs),       SF("ipv4_address", sc_str),
        SF("ipv6_address", sc_str),   SF("link_local_ips", sc_strs),
        SF("priority", sc_int),       SF("gw_priority", sc_int),
        SF("mac_address", sc_str),    SF("driver_opts", sc_kv),
        SF("interface_name", sc_str), SF(NULL, NULL),
    };
    return sc_object(s, n, path, f, out);
}

static int sc_svc_networks(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    json_t *o = json_object();
    char sub[512];
    if (n->kind != CN_SEQ && n->kind != CN_MAP) {
        json_decref(o);
        return cerr(s->c, n, path, "must be a list of networks or a mapping, not %s",
                    cn_kind_name(n));
    }
    for (size_t i = 0; i < n->n; i++) {
        const struct cnode *key = n->kind == CN_MAP ? n->k[i] : n->v[i];
        json_t *v = json_null();
        if (key->kind != CN_SCALAR) {
            json_decref(o);
            return cerr(s->c, key, sc_ipath(sub, sizeof(sub), path, i),
                        "must be a network name, not %s", cn_kind_name(key));
        }
        if (n->kind == CN_MAP && n->v[i]->kind != CN_NULL &&
            sc_net_attach(s, n->v[i], sc_path(sub, sizeof(sub), path, key->str), &v) < 0) {
            json_decref(o);
            return -1;
        }
        json_object_set_new(o, key->str, v);
    }
    *out = o;
    return 0;
}

static int sc_resources(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    static const struct sfield f[] = {
        SF("cpus", sc_real),   SF("memory", sc_size),           SF("pids", sc_int),
        SF("devices", sc_any), SF("generic_resources", sc_any), SF(NULL, NULL)};
    return sc_object(s, n, path, f, out);
}

static int sc_res_pair(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    static const struct sfield f[] = {SF("limits", sc_resources), SF("reservations", sc_resources),
                                      SF(NULL, NULL)};
    return sc_object(s, n, path, f, out);
}

/* condition, like `restart`, is any string to compose (docker compose maps none, any and
 * unless-stopped, and hands others to the engine): the scheduler's check refuses what
 * the engine would. */
static int sc_restart_policy(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    static const struct sfield f[] = {SF("condition", sc_str), SF("delay", sc_dur),
                                      SF("max_attempts", sc_uint), SF("window", sc_dur),
                                      SF(NULL, NULL)};
    return sc_object(s, n, path, f, out);
}

static int sc_deploy(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    static const struct sfield f[] = {
        SF("mode", sc_str),
        SF("replicas", sc_uint),
        SF("labels", sc_kv),
        SF("resources", sc_res_pair),
        SF("restart_policy", sc_restart_policy),
        SF("placement", sc_any),
        SF("update_config", sc_any),
        SF("rollback_config", sc_any),
        SF("endpoint_mode", sc_str),
        SF(NULL, NULL),
    };
    return sc_object(s, n, path, f, out);
}

static int sc_logging(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    static const struct sfield f[] = {SF("driver", sc_str), SF("options", sc_kv), SF(NULL, NULL)};
    return sc_object(s, n, path, f, out);
}

static int sc_ulimits(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    static const struct sfield f[] = {SF("soft", sc_int), SF("hard", sc_int), SF(NULL, NULL)};
    if (sc_need(s, n, path, CN_MAP) < 0)
        return -1;
    json_t *o = json_object();
    for (size_t i = 0; i < n->n; i++) {
        char sub[512];
        sc_path(sub, sizeof(sub), path, n->k[i]->str);
        json_t *v;
        if (n->v[i]->kind == CN_SCALAR) {
            json_t *iv;
            if (sc_int(s, n->v[i], sub, &iv) < 0)
                goto fail;
            v = json_pack("{s:O,s:O}", "soft", iv, "hard", iv);
            json_decref(iv);
        } else {
            if (sc_object(s, n->v[i], sub, f, &v) < 0)
                goto fail;
            if (!json_object_get(v, "soft") || !json_object_get(v, "hard")) {
                json_decref(v);
                cerr(s->c, n->v[i], sub, "needs both \"soft\" and \"hard\"");
                goto fail;
            }
            if (hj_int(v, "soft", 0) > hj_int(v, "hard", 0)) {
                json_decref(v);
                cerr(s->c, n->v[i], sub, "soft limit is greater than the hard limit");
                goto fail;
            }
        }
        json_object_set_new(o, n->k[i]->str, v);
    }
    *out = o;
    return 0;
fail:
    json_decref(o);
    return -1;
}

static int sc_refs(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    static const struct sfield f[] = {SF("source", sc_str), SF("target", sc_str), SF("uid", sc_str),
                                      SF("gid", sc_str),    SF("mode", sc_mode),  SF(NULL, NULL)};
    if (sc_need(s, n, path, CN_SEQ) < 0)
        return -1;
    json_t *a = json_array();
    for (size_t i = 0; i < n->n; i++) {
        char sub[512];
        sc_ipath(sub, sizeof(sub), path, i);
        json_t *o;
        if (n->v[i]->kind == CN_SCALAR) {
            o = json_pack("{s:s}", "source", n->v[i]->str);
        } else {
            if (sc_object(s, n->v[i], sub, f, &o) < 0) {
                json_decref(a);
                return -1;
            }
            if (!hj_str(o, "source")) {
                json_decref(o);
                json_decref(a);
                return cerr(s->c, n->v[i], sub, "missing required key \"source\"");
            }
        }
        json_array_append_new(a, o);
    }
    *out = a;
    return 0;
}

static int sc_hooks(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    static const struct sfield f[] = {SF("command", sc_cmd),
                                      SF("user", sc_str),
                                      SF("privileged", sc_bool),
                                      SF("working_dir", sc_str),
                                      SF("environment", sc_environment),
                                      SF(NULL, NULL)};
    if (sc_need(s, n, path, CN_SEQ) < 0)
        return -1;
    json_t *a = json_array();
    for (size_t i = 0; i < n->n; i++) {
        char sub[512];
        json_t *o;
        if (sc_object(s, n->v[i], sc_ipath(sub, sizeof(sub), path, i), f, &o) < 0) {
            json_decref(a);
            return -1;
        }
        if (!json_object_get(o, "command")) {
            json_decref(o);
            json_decref(a);
            return cerr(s->c, n->v[i], sub, "missing required key \"command\"");
        }
        json_array_append_new(a, o);
    }
    *out = a;
    return 0;
}

static int sc_extra_hosts(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    json_t *a = json_array();
    char sub[512];
    if (n->kind == CN_MAP) {
        for (size_t i = 0; i < n->n; i++) {
            const struct cnode *v = n->v[i];
            sc_path(sub, sizeof(sub), path, n->k[i]->str);
            for (size_t j = 0; j < (v->kind == CN_SEQ ? v->n : 1); j++) {
                const struct cnode *ip = v->kind == CN_SEQ ? v->v[j] : v;
                if (ip->kind != CN_SCALAR) {
                    json_decref(a);
                    return cerr(s->c, ip, sub, "must be an IP address");
                }
                json_array_append_new(a, json_sprintf("%s=%s", n->k[i]->str, ip->str));
            }
        }
    } else if (n->kind == CN_SEQ) {
        for (size_t i = 0; i < n->n; i++) {
            const struct cnode *it = n->v[i];
            sc_ipath(sub, sizeof(sub), path, i);
            const char *sep = it->kind == CN_SCALAR ? strpbrk(it->str, "=:") : NULL;
            if (!sep || sep == it->str || !sep[1]) {
                json_decref(a);
                return cerr(s->c, it, sub, "invalid extra host %s%s%s (use \"HOST=IP\")",
                            it->kind == CN_SCALAR ? "\"" : "",
                            it->kind == CN_SCALAR ? it->str : cn_kind_name(it),
                            it->kind == CN_SCALAR ? "\"" : "");
            }
            json_array_append_new(a,
                                  json_sprintf("%.*s=%s", (int)(sep - it->str), it->str, sep + 1));
        }
    } else {
        json_decref(a);
        return cerr(s->c, n, path, "must be a list or a mapping, not %s", cn_kind_name(n));
    }
    *out = a;
    return 0;
}

/* The compose schema's pattern, unanchored as JSON Schema patterns are: docker compose
 * refuses only a value holding none of these (any other pulls when missing). */
static bool pull_policy_known(const char *v)
{
    static const char *const words[] = {"always",         "never",   "build",
                                        "if_not_present", "missing", "refresh",
                                        "daily",          "weekly",  NULL};
    for (size_t i = 0; words[i]; i++) {
        if (strstr(v, words[i]))
            return true;
    }
    /* every_([0-9]+[wdhms])+ */
    for (const char *e = strstr(v, "every_"); e; e = strstr(e + 1, "every_")) {
        const char *d = e + 6;
        size_t digits = strspn(d, "0123456789");
        if (digits && d[digits] && strchr("wdhms", d[digits]))
            return true;
    }
    return false;
}

static int sc_pull_policy(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    if (sc_str(s, n, path, out) < 0)
        return -1;
    if (pull_policy_known(n->str))
        return 0;
    json_decref(*out);
    return cerr(s->c, n, path,
                "invalid pull policy \"%s\" (always, never, missing, build, daily, weekly, "
                "every_<duration>)",
                n->str);
}

static int sc_devices(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    if (sc_need(s, n, path, CN_SEQ) < 0)
        return -1;
    json_t *a = json_array();
    for (size_t i = 0; i < n->n; i++) {
        const struct cnode *it = n->v[i];
        char sub[512];
        sc_ipath(sub, sizeof(sub), path, i);
        if (it->kind == CN_MAP) {
            const struct cnode *src = cn_get(it, "source"), *tgt = cn_get(it, "target"),
                               *perm = cn_get(it, "permissions");
            if (!cn_is_str(src)) {
                json_decref(a);
                return cerr(s->c, it, sub, "missing required key \"source\"");
            }
            json_array_append_new(a, json_sprintf("%s:%s:%s", src->str,
                                                  cn_is_str(tgt) ? tgt->str : src->str,
                                                  cn_is_str(perm) ? perm->str : "rwm"));
        } else {
            json_t *v;
            if (sc_str(s, it, sub, &v) < 0) {
                json_decref(a);
                return -1;
            }
            json_array_append_new(a, v);
        }
    }
    *out = a;
    return 0;
}

static int sc_reject_extends(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    (void)out;
    return cerr(s->c, n, path, "extends was not resolved");
}

/* Each key with how the scheduler treats it (loader.h's compose_key_use): the one
 * table both sides read. */
#define MAPPED(k, fn)                                                                              \
    {                                                                                              \
        k, fn, COMPOSE_KEY_MAPPED, NULL, NULL                                                      \
    }
#define OWN(k, fn)                                                                                 \
    {                                                                                              \
        k, fn, COMPOSE_KEY_COMPOSE, NULL, NULL                                                     \
    }
#define REFUSED(k, fn, accept, why)                                                                \
    {                                                                                              \
        k, fn, COMPOSE_KEY_REFUSED, accept, why                                                    \
    }
static const struct sfield service_fields[] = {
    REFUSED("annotations", sc_kv, NULL, "annotations are not passed to containers"),
    REFUSED("attach", sc_bool, "[true]", "up attaches to the output of every service"),
    REFUSED("blkio_config", sc_any, NULL, "block I/O limits are not supported"),
    OWN("build", sc_build),
    MAPPED("cap_add", sc_strs),
    MAPPED("cap_drop", sc_strs),
    REFUSED("cgroup", sc_str, NULL,
            "the cgroup namespace mode is not configurable (a container has its own on cgroup v2 "
            "hosts only)"),
    MAPPED("cgroup_parent", sc_str),
    MAPPED("command", sc_cmd),
    MAPPED("configs", sc_refs),
    MAPPED("container_name", sc_str),
    REFUSED("cpu_count", sc_uint, NULL, "it is a Windows option"),
    REFUSED("cpu_percent", sc_uint, NULL, "it is a Windows option"),
    REFUSED("cpu_period", sc_int, NULL, "use cpus"),
    REFUSED("cpu_quota", sc_int, NULL, "use cpus"),
    REFUSED("cpu_rt_period", sc_int, NULL, "real-time scheduling limits are not supported"),
    REFUSED("cpu_rt_runtime", sc_int, NULL, "real-time scheduling limits are not supported"),
    MAPPED("cpu_shares", sc_int),
    MAPPED("cpus", sc_real),
    REFUSED("cpuset", sc_str, NULL, "CPU pinning is not supported"),
    REFUSED("credential_spec", sc_any, NULL, "it is a Windows option"),
    OWN("depends_on", sc_depends_on),
    MAPPED("deploy", sc_deploy),
    OWN("develop", sc_any),
    MAPPED("device_cgroup_rules", sc_strs),
    MAPPED("devices", sc_devices),
    MAPPED("dns", sc_str_or_strs),
    MAPPED("dns_opt", sc_strs),
    MAPPED("dns_search", sc_str_or_strs),
    MAPPED("domainname", sc_str),
    MAPPED("entrypoint", sc_cmd),
    OWN("env_file", sc_env_file),
    MAPPED("environment", sc_environment),
    MAPPED("expose", sc_expose),
    OWN("extends", sc_reject_extends),
    REFUSED("external_links", sc_strs, NULL,
            "links to containers outside the project are not supported"),
    MAPPED("extra_hosts", sc_extra_hosts),
    REFUSED("gpus", sc_any, NULL, "GPU device requests are not supported"),
    MAPPED("group_add", sc_strs),
    MAPPED("healthcheck", sc_healthcheck),
    MAPPED("hostname", sc_str),
    MAPPED("image", sc_str),
    REFUSED("init", sc_bool, "[false]", "hoist has no init process to inject"),
    MAPPED("ipc", sc_str),
    REFUSED("isolation", sc_str, "[\"default\"]", "isolation is a Windows option"),
    OWN("label_file", sc_str_or_strs),
    MAPPED("labels", sc_kv),
    OWN("links", sc_strs),
    REFUSED("logging", sc_logging, "[{\"driver\": \"json-file\"}]",
            "containers log to a json-file without rotation"),
    REFUSED("mac_address", sc_str, NULL, "MAC addresses are not configurable"),
    MAPPED("mem_limit", sc_size),
    REFUSED("mem_reservation", sc_size, NULL, "memory reservations are not supported"),
    REFUSED("mem_swappiness", sc_int, "[-1]", "swappiness is not configurable"),
    MAPPED("memswap_limit", sc_size),
    REFUSED("models", sc_any, NULL, "AI models are not supported"),
    MAPPED("network_mode", sc_str),
    MAPPED("networks", sc_svc_networks),
    MAPPED("oom_kill_disable", sc_bool),
    MAPPED("oom_score_adj", sc_int),
    MAPPED("pid", sc_str),
    MAPPED("pids_limit", sc_int),
    OWN("platform", sc_str),
    MAPPED("ports", sc_ports),
    REFUSED("post_start", sc_hooks, NULL, "lifecycle hooks are not supported"),
    REFUSED("pre_stop", sc_hooks, NULL, "lifecycle hooks are not supported"),
    MAPPED("privileged", sc_bool),
    OWN("profiles", sc_strs),
    REFUSED("provider", sc_any, NULL, "provider services are not supported"),
    OWN("pull_policy", sc_pull_policy),
    REFUSED("pull_refresh_after", sc_str, NULL, "use pull_policy: every_<duration>"),
    MAPPED("read_only", sc_bool),
    MAPPED("restart", sc_str),
    REFUSED("runtime", sc_str, NULL,
            "the OCI runtime is chosen with HOIST_OCI_RUNTIME, not per service"),
    OWN("scale", sc_uint),
    MAPPED("secrets", sc_refs),
    MAPPED("security_opt", sc_strs),
    MAPPED("shm_size", sc_size),
    MAPPED("stdin_open", sc_bool),
    MAPPED("stop_grace_period", sc_dur),
    MAPPED("stop_signal", sc_str),
    REFUSED("storage_opt", sc_any, NULL, "storage driver options are not supported"),
    MAPPED("sysctls", sc_kv),
    MAPPED("tmpfs", sc_str_or_strs),
    MAPPED("tty", sc_bool),
    MAPPED("ulimits", sc_ulimits),
    REFUSED("use_api_socket", sc_bool, "[false]", "hoist has no API socket"),
    MAPPED("user", sc_str),
    REFUSED("userns_mode", sc_str, "[\"host\", \"\"]",
            "hoist runs containers without user namespaces"),
    MAPPED("uts", sc_str),
    MAPPED("volumes", sc_volumes),
    MAPPED("volumes_from", sc_strs),
    MAPPED("working_dir", sc_str),
    {NULL, NULL, COMPOSE_KEY_UNHANDLED, NULL, NULL},
};

/* The .env files under key (env_file, label_file) go under target (environment, labels),
 * which wins over them, as docker compose does. Entries of env_file are {path, required}
 * objects, those of label_file paths and always required. */
static int resolve_files(struct sctx *s, const struct cnode *svc, const char *path, json_t *o,
                         const char *key, const char *target, const char *what)
{
    json_t *files = json_object_get(o, key);
    if (!files)
        return 0;
    json_t *merged = json_object();
    size_t i;
    json_t *f;
    json_array_foreach(files, i, f)
    {
        const char *p = json_is_string(f) ? json_string_value(f) : hj_str(f, "path");
        if (access(p, F_OK) != 0) {
            if (!hj_bool(f, "required", true))
                continue;
            char sub[512];
            json_decref(merged);
            return cerr(s->c, cn_get(svc, key), sc_path(sub, sizeof(sub), path, key),
                        "%s %s not found", what, p);
        }
        struct cenv vars = {0};
        if (cenv_parse_file(s->c, p, s->env, &vars) < 0) {
            cenv_free(&vars);
            json_decref(merged);
            return -1;
        }
        for (size_t k = 0; k < vars.n; k++)
            json_object_set_new(merged, vars.names[k], json_string(vars.values[k]));
        cenv_free(&vars);
    }
    json_object_update(merged, json_object_get(o, target));
    json_object_set_new(o, target, merged);
    json_object_del(o, key);
    return 0;
}

/* Keys given twice (top-level and under deploy) must agree. */
static int check_conflicts(struct sctx *s, const struct cnode *svc, const char *path, json_t *o)
{
    static const struct {
        const char *key, *deploy;
    } pairs[] = {
        {"mem_limit", "resources.limits.memory"},
        {"cpus", "resources.limits.cpus"},
        {"pids_limit", "resources.limits.pids"},
        {"mem_reservation", "resources.reservations.memory"},
        {"scale", "replicas"},
    };
    json_t *deploy = json_object_get(o, "deploy");
    for (size_t i = 0; deploy && i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        json_t *a = json_object_get(o, pairs[i].key), *b = hj_path(deploy, pairs[i].deploy);
        if (a && b && !json_equal(a, b)) {
            char sub[512];
            return cerr(s->c, cn_get(svc, pairs[i].key),
                        sc_path(sub, sizeof(sub), path, pairs[i].key), "conflicts with deploy.%s",
                        pairs[i].deploy);
        }
    }
    return 0;
}

bool compose_service_key(size_t i, struct compose_key *out)
{
    if (i >= sizeof(service_fields) / sizeof(service_fields[0]) - 1)
        return false;
    const struct sfield *f = &service_fields[i];
    *out = (struct compose_key){f->name, f->use, f->accept, f->why};
    return true;
}

enum compose_key_use compose_service_key_use(const char *name, struct compose_key *out)
{
    struct compose_key k;
    for (size_t i = 0; compose_service_key(i, &k); i++) {
        if (strcmp(k.name, name) == 0) {
            if (out)
                *out = k;
            return k.use;
        }
    }
    return COMPOSE_KEY_UNHANDLED;
}

int schema_service(struct cctx *c, const char *name, const struct cnode *svc, const char *workdir,
                   const struct cenv *env, json_t **out)
{
    struct sctx s = {.c = c, .svc = name, .workdir = workdir, .env = env};
    char path[512];
    snprintf(path, sizeof(path), "services.%s", name);
    if (svc->kind == CN_NULL)
        return cerr(c, svc, path, "service definition is empty");
    json_t *o;
    if (sc_object(&s, svc, path, service_fields, &o) < 0)
        return -1;
    if (resolve_files(&s, svc, path, o, "env_file", "environment", "env file") < 0 ||
        resolve_files(&s, svc, path, o, "label_file", "labels", "label file") < 0 ||
        check_conflicts(&s, svc, path, o) < 0) {
        json_decref(o);
        return -1;
    }
    *out = o;
    return 0;
}
