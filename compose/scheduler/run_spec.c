/* A service of the canonical model turned into container options (docker compose's
 * service -> container create mapping). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"
#include "compose/loader/loader.h"
#include "compose/scheduler/scheduler.h"
#include "engine/container/container.h"

struct compose_spec {
    struct ctr_opts o;
    char **strs;  /* owned strings the options point into */
    char ***vecs; /* owned vectors the options point to */
    size_t nvecs;
};

static const char *keep(struct compose_spec *s, char *owned)
{
    if (owned)
        strv_push(&s->strs, owned);
    return owned;
}

static char **keepv(struct compose_spec *s, char **v)
{
    s->vecs = xrealloc(s->vecs, (s->nvecs + 1) * sizeof(*s->vecs));
    s->vecs[s->nvecs++] = v;
    return v;
}

char *compose_container_name(const struct compose_project *p, const char *service, int number)
{
    const struct compose_service *svc = compose_service_get(p, service);
    const char *cn = svc ? hj_str(svc->cfg, "container_name") : NULL;
    if (cn)
        return xstrdup(cn);
    return xasprintf("%s-%s-%d", p->name, service, number);
}

static char **obj_kv(const json_t *obj, const char *sep)
{
    char **v = xcalloc(1, sizeof(char *));
    const char *k;
    json_t *val;
    json_object_foreach((json_t *)obj, k, val)
    {
        if (json_is_string(val))
            strv_push(&v, xasprintf("%s%s%s", k, sep, json_string_value(val)));
        else
            strv_push(&v, xstrdup(k));
    }
    return v;
}

/* docker compose's depends_on label: "svc:condition:restart,..." */
static char *depends_label(const json_t *deps)
{
    char *out = xstrdup("");
    const char *k;
    json_t *d;
    json_object_foreach((json_t *)deps, k, d)
    {
        char *n = xasprintf("%s%s%s:%s:%s", out, *out ? "," : "", k,
                            hj_str(d, "condition") ? hj_str(d, "condition") : "service_started",
                            hj_bool(d, "restart", false) ? "true" : "false");
        free(out);
        out = n;
    }
    return out;
}

static char **labels_of(const struct compose_project *p, const char *service, int number,
                        bool oneoff, const json_t *cfg, struct herr *e)
{
    char hash[65];
    if (compose_service_hash(p, service, hash, e) < 0)
        return NULL;
    char **v = obj_kv(json_object_get(cfg, "labels"), "=");
    _cleanup_free_ char *deps = depends_label(json_object_get(cfg, "depends_on"));
    _cleanup_free_ char *files = xstrdup("");
    for (char **f = p->files; f && *f; f++) {
        char *n = xasprintf("%s%s%s", files, *files ? "," : "", *f);
        free(files);
        files = n;
    }
    strv_push(&v, xasprintf("%s=%s", COMPOSE_LABEL_PROJECT, p->name));
    strv_push(&v, xasprintf("%s=%s", COMPOSE_LABEL_SERVICE, service));
    strv_push(&v, xasprintf("%s=%d", COMPOSE_LABEL_NUMBER, number));
    strv_push(&v, xasprintf("%s=%s", COMPOSE_LABEL_ONEOFF, oneoff ? "True" : "False"));
    strv_push(&v, xasprintf("%s=%s", COMPOSE_LABEL_HASH, hash));
    strv_push(&v, xasprintf("%s=%s", COMPOSE_LABEL_DEPENDS, deps));
    strv_push(&v, xasprintf("%s=%s", COMPOSE_LABEL_WORKDIR, p->workdir ? p->workdir : ""));
    strv_push(&v, xasprintf("%s=%s", COMPOSE_LABEL_FILES, files));
    strv_push(&v, xasprintf("%s=%s", COMPOSE_LABEL_VERSION, HOIST_VERSION));
    if (hj_str(cfg, "image"))
        strv_push(&v, xasprintf("com.docker.compose.image=%s", hj_str(cfg, "image")));
    return v;
}

/* A --mount field value, quoted when it holds the separator. */
static char *mount_val(const char *s)
{
    if (!strpbrk(s, ",\""))
        return xstrdup(s);
    return xasprintf("\"%s\"", s);
}

static void mount_add(char **buf, const char *k, const char *v)
{
    _cleanup_free_ char *q = v ? mount_val(v) : NULL;
    char *n = xasprintf("%s%s%s%s%s", *buf, **buf ? "," : "", k, q ? "=" : "", q ? q : "");
    free(*buf);
    *buf = n;
}

static int mount_spec(const struct compose_project *p, const char *service, const json_t *m,
                      char **out, struct herr *e)
{
    const char *type = hj_str(m, "type"), *src = hj_str(m, "source"), *dst = hj_str(m, "target");
    if (!type || !dst)
        return herr_set(e, 0, "service \"%s\": a volume needs a type and a target", service);
    if (strcmp(type, "bind") && strcmp(type, "volume") && strcmp(type, "tmpfs"))
        return herr_set(e, 0, "service \"%s\": volume type \"%s\" is not supported", service, type);
    _cleanup_free_ char *buf = xstrdup("");
    _cleanup_free_ char *vname = NULL;
    mount_add(&buf, "type", type);
    if (src && !strcmp(type, "volume")) {
        if (!json_object_get(json_object_get(p->model, "volumes"), src))
            return herr_set(e, 0, "service \"%s\": volume \"%s\" is not defined", service, src);
        vname = compose_volume_name(p, src);
        mount_add(&buf, "source", vname);
    } else if (src && !strcmp(type, "bind")) {
        mount_add(&buf, "source", src);
    }
    mount_add(&buf, "target", dst);
    if (hj_bool(m, "read_only", false))
        mount_add(&buf, "readonly", "true");
    const json_t *bind = json_object_get(m, "bind"), *vol = json_object_get(m, "volume"),
                 *tmp = json_object_get(m, "tmpfs");
    if (!strcmp(type, "bind")) {
        if (hj_bool(bind, "create_host_path", false))
            mount_add(&buf, "bind-create-src", "true");
        if (hj_str(bind, "propagation"))
            mount_add(&buf, "bind-propagation", hj_str(bind, "propagation"));
    } else if (!strcmp(type, "volume")) {
        if (hj_bool(vol, "nocopy", false))
            mount_add(&buf, "volume-nocopy", "true");
        if (hj_str(vol, "subpath"))
            mount_add(&buf, "volume-subpath", hj_str(vol, "subpath"));
    } else {
        char num[32];
        if (hj_int(tmp, "size", 0) > 0) {
            snprintf(num, sizeof(num), "%lld", hj_int(tmp, "size", 0));
            mount_add(&buf, "tmpfs-size", num);
        }
        if (json_object_get(tmp, "mode")) {
            snprintf(num, sizeof(num), "%llo", hj_int(tmp, "mode", 0));
            mount_add(&buf, "tmpfs-mode", num);
        }
    }
    *out = steal_ptr(&buf);
    return 0;
}

static char *port_spec(const json_t *port)
{
    const char *ip = hj_str(port, "host_ip"), *pub = hj_str(port, "published"),
               *proto = hj_str(port, "protocol");
    long long target = hj_int(port, "target", 0);
    bool v6 = ip && strchr(ip, ':');
    return xasprintf("%s%s%s%s%s%s%lld/%s", ip ? (v6 ? "[" : "") : "", ip ? ip : "",
                     ip ? (v6 ? "]:" : ":") : "", pub && *pub ? pub : "", pub && *pub ? ":" : "",
                     "", target, proto ? proto : "tcp");
}

/* "service_name[:mode]" or "container:name[:mode]" to the engine's "container[:mode]". */
static char *volumes_from_spec(const struct compose_project *p, const char *ref)
{
    if (str_has_prefix(ref, "container:"))
        return xstrdup(ref + strlen("container:"));
    const char *colon = strchr(ref, ':');
    _cleanup_free_ char *svc = colon ? xstrndup(ref, colon - ref) : xstrdup(ref);
    _cleanup_free_ char *name = compose_container_name(p, svc, 1);
    return xasprintf("%s%s", name, colon ? colon : "");
}

static int health_of(struct compose_spec *s, const char *service, const json_t *hc, struct herr *e)
{
    struct ctr_health *h = &s->o.health;
    if (!hc)
        return 0;
    if (hj_bool(hc, "disable", false)) {
        char **t = xcalloc(1, sizeof(char *));
        strv_push(&t, xstrdup("NONE"));
        h->test = keepv(s, t);
        return 0;
    }
    if (json_object_get(hc, "test"))
        h->test = keepv(s, hj_strv(json_object_get(hc, "test")));
    static const char *const keys[] = {"interval", "timeout", "start_period", "start_interval"};
    long long *dst[] = {&h->interval, &h->timeout, &h->start_period, &h->start_interval};
    for (size_t i = 0; i < 4; i++) {
        const char *d = hj_str(hc, keys[i]);
        if (d && ctr_parse_duration(d, dst[i], NULL) < 0)
            return herr_set(e, 0, "service \"%s\": healthcheck %s: invalid duration \"%s\"",
                            service, keys[i], d);
    }
    h->retries = (int)hj_int(hc, "retries", 0);
    return 0;
}

static int networks_of(struct compose_spec *s, const struct compose_project *p, const char *service,
                       const json_t *cfg, struct herr *e)
{
    const char *mode = hj_str(cfg, "network_mode");
    if (mode) {
        if (str_has_prefix(mode, "service:")) {
            _cleanup_free_ char *n = compose_container_name(p, mode + strlen("service:"), 1);
            s->o.network = keep(s, xasprintf("container:%s", n));
        } else if (!strcmp(mode, "host") || !strcmp(mode, "none") ||
                   str_has_prefix(mode, "container:")) {
            s->o.network = mode;
        } else if (!strcmp(mode, "bridge") || !strcmp(mode, "default")) {
            s->o.network = NULL;
        } else {
            s->o.network = mode;
        }
        return 0;
    }
    const json_t *nets = json_object_get(cfg, "networks");
    size_t n = json_object_size(nets);
    if (!n) {
        s->o.network = "none";
        return 0;
    }
    /* Docker compose joins by priority (highest first), then by name. */
    const char **keys = xcalloc(n, sizeof(char *));
    size_t i = 0;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)nets, k, v) keys[i++] = k;
    for (size_t a = 1; a < n; a++) {
        for (size_t b = a; b > 0; b--) {
            const json_t *x = json_object_get(nets, keys[b - 1]),
                         *y = json_object_get(nets, keys[b]);
            long long px = hj_int(x, "priority", 0), py = hj_int(y, "priority", 0);
            if (px > py || (px == py && strcmp(keys[b - 1], keys[b]) <= 0))
                break;
            const char *t = keys[b - 1];
            keys[b - 1] = keys[b];
            keys[b] = t;
        }
    }
    s->o.networks = xcalloc(n, sizeof(*s->o.networks));
    s->o.nnetworks = n;
    for (i = 0; i < n; i++) {
        const json_t *nc = json_object_get(nets, keys[i]);
        if (!json_object_get(json_object_get(p->model, "networks"), keys[i])) {
            herr_set(e, 0, "service \"%s\": network \"%s\" is not defined", service, keys[i]);
            free(keys);
            return -1;
        }
        static const char *const unsupported[] = {"ipv6_address", "link_local_ips", "mac_address",
                                                  "driver_opts",  "interface_name", "gw_priority"};
        for (size_t u = 0; u < sizeof(unsupported) / sizeof(unsupported[0]); u++) {
            if (json_object_get(nc, unsupported[u])) {
                herr_plain(e, 0, "service \"%s\": networks.%s.%s is not supported", service,
                           keys[i], unsupported[u]);
                free(keys);
                return -1;
            }
        }
        char **aliases = xcalloc(1, sizeof(char *));
        strv_push(&aliases, xstrdup(service));
        _cleanup_strv_ char **user = hj_strv(json_object_get(nc, "aliases"));
        for (char **a = user; a && *a; a++)
            strv_push(&aliases, xstrdup(*a));
        keepv(s, aliases);
        s->o.networks[i].name = keep(s, compose_network_name(p, keys[i]));
        s->o.networks[i].aliases = aliases;
        s->o.networks[i].ip = hj_str(nc, "ipv4_address");
    }
    free(keys);
    return 0;
}

static void ulimits_of(struct compose_spec *s, const json_t *u)
{
    if (!json_object_size(u))
        return;
    char **v = xcalloc(1, sizeof(char *));
    const char *k;
    json_t *l;
    json_object_foreach((json_t *)u, k, l)
    {
        strv_push(&v, xasprintf("%s=%lld:%lld", k, hj_int(l, "soft", 0), hj_int(l, "hard", 0)));
    }
    s->o.ulimits = keepv(s, v);
}

static const char *restart_of(const json_t *cfg)
{
    const char *r = hj_str(cfg, "restart");
    if (r)
        return r;
    const char *cond = hj_str(hj_path(cfg, "deploy.restart_policy"), "condition");
    if (!cond)
        return NULL;
    if (!strcmp(cond, "any"))
        return "always";
    if (!strcmp(cond, "none"))
        return "no";
    return cond;
}

/* A refused key is honoured only with a value its `accept` lists, or an empty one. */
static bool accepted(const json_t *v, const char *accept)
{
    if ((json_is_object(v) && !json_object_size(v)) || (json_is_array(v) && !json_array_size(v)))
        return true;
    _cleanup_json_ json_t *ok = accept ? json_loads(accept, 0, NULL) : NULL;
    size_t i;
    json_t *a;
    json_array_foreach(ok, i, a)
    {
        if (json_equal(a, v))
            return true;
    }
    return false;
}

/* Every key set is mapped, compose's own, or refused here: none is silently dropped. */
static int check_keys(const char *service, const json_t *cfg, struct herr *e)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)cfg, k, v)
    {
        struct compose_key key;
        enum compose_key_use use = compose_service_key_use(k, &key);
        if (use == COMPOSE_KEY_MAPPED || use == COMPOSE_KEY_COMPOSE ||
            (use == COMPOSE_KEY_REFUSED && accepted(v, key.accept)))
            continue;
        if (use == COMPOSE_KEY_UNHANDLED)
            return herr_plain(e, 0, "service \"%s\": %s is not supported", service, k);
        if (json_is_string(v))
            return herr_plain(e, 0, "service \"%s\": %s \"%s\" is not supported: %s", service, k,
                              json_string_value(v), key.why);
        return herr_plain(e, 0, "service \"%s\": %s is not supported: %s", service, k, key.why);
    }
    const json_t *res = hj_path(cfg, "deploy.resources");
    static const char *const parts[] = {"reservations", "limits.devices",
                                        "limits.generic_resources"};
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        if (hj_path(res, parts[i]))
            return herr_plain(e, 0, "service \"%s\": deploy.resources.%s is not supported", service,
                              parts[i]);
    }
    /* A long-syntax port takes any protocol in the compose file; the engine has three. */
    size_t i;
    const json_t *port;
    json_array_foreach(json_object_get(cfg, "ports"), i, port)
    {
        const char *proto = hj_str(port, "protocol");
        if (proto && strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp"))
            return herr_plain(e, 0,
                              "service \"%s\": ports[%zu]: invalid protocol \"%s\" (tcp, udp or "
                              "sctp)",
                              service, i, proto);
    }
    return 0;
}

/* "service[:alias]": the service answers to its own name on the project's networks;
 * another alias would need per-container DNS answers. */
static int links_of(const char *service, const json_t *links, struct herr *e)
{
    size_t i;
    json_t *l;
    json_array_foreach(links, i, l)
    {
        const char *s = json_string_value(l), *colon = strchr(s, ':');
        if (colon && strncmp(s, colon + 1, (size_t)(colon - s)) != 0)
            return herr_plain(e, 0,
                              "service \"%s\": links \"%s\": link aliases are not supported "
                              "(the service is reachable by its name)",
                              service, s);
    }
    return 0;
}

/* Secrets under /run/secrets/, configs at /<name>, bound read-only from their files. */
static int refs_of(const struct compose_project *p, const char *service, const char *kind,
                   char ***mounts, struct herr *e)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(compose_service_get(p, service)->cfg, kind), i, r)
    {
        const char *src = hj_str(r, "source"), *tgt = hj_str(r, "target");
        const json_t *top = json_object_get(json_object_get(p->model, kind), src);
        const char *file = hj_str(top, "file");
        if (!top)
            return herr_plain(e, 0, "service \"%s\": %s \"%s\" is not defined", service, kind, src);
        if (!file)
            return herr_plain(e, 0,
                              "service \"%s\": %s \"%s\": only file sources are supported "
                              "(not environment, content or external)",
                              service, kind, src);
        if (json_object_get(r, "uid") || json_object_get(r, "gid") || json_object_get(r, "mode"))
            return herr_plain(e, 0,
                              "service \"%s\": %s \"%s\": uid, gid and mode are not supported",
                              service, kind, src);
        bool secret = strcmp(kind, "secrets") == 0;
        _cleanup_free_ char *dst = !tgt ? xasprintf("%s%s", secret ? "/run/secrets/" : "/", src)
                                   : tgt[0] == '/'
                                       ? xstrdup(tgt)
                                       : xasprintf("%s%s", secret ? "/run/secrets/" : "/", tgt);
        char *m = xstrdup("");
        mount_add(&m, "type", "bind");
        mount_add(&m, "source", file);
        mount_add(&m, "target", dst);
        mount_add(&m, "readonly", "true");
        strv_push(mounts, m);
    }
    return 0;
}

/* The keys of what a container shares with the host or other containers. */
static int host_of(struct compose_spec *s, const struct compose_project *p, const char *service,
                   const json_t *cfg, struct herr *e)
{
    struct ctr_opts *o = &s->o;
    static const char *const modes[] = {"pid", "ipc"};
    const char **dst[] = {&o->pid, &o->ipc};
    for (size_t i = 0; i < 2; i++) {
        const char *m = hj_str(cfg, modes[i]);
        if (m && str_has_prefix(m, "service:")) {
            _cleanup_free_ char *n = compose_container_name(p, m + strlen("service:"), 1);
            *dst[i] = keep(s, xasprintf("container:%s", n));
        } else {
            *dst[i] = m;
        }
    }
    o->uts = hj_str(cfg, "uts");
    o->shm_size = hj_int(cfg, "shm_size", 0);
    o->cgroup_parent = hj_str(cfg, "cgroup_parent");
    o->oom_kill_disable = hj_bool(cfg, "oom_kill_disable", false);
    long long adj = hj_int(cfg, "oom_score_adj", 0);
    if (adj < -1000 || adj > 1000)
        return herr_plain(e, 0, "service \"%s\": oom_score_adj %lld is out of range -1000..1000",
                          service, adj);
    o->oom_score_adj = (int)adj;
    o->group_add = keepv(s, hj_strv(json_object_get(cfg, "group_add")));
    o->devices = keepv(s, hj_strv(json_object_get(cfg, "devices")));
    o->device_cgroup_rules = keepv(s, hj_strv(json_object_get(cfg, "device_cgroup_rules")));
    o->expose = keepv(s, hj_strv(json_object_get(cfg, "expose")));
    return 0;
}

static int fill(struct compose_spec *s, const struct compose_project *p, const char *service,
                int number, bool oneoff, struct herr *e)
{
    const struct compose_service *svc = compose_service_get(p, service);
    if (!svc)
        return herr_set(e, 0, "no such service: %s", service);
    const json_t *cfg = svc->cfg;
    struct ctr_opts *o = &s->o;
    o->stop_timeout = -1;
    if (check_keys(service, cfg, e) < 0 || links_of(service, json_object_get(cfg, "links"), e) < 0)
        return -1;
    o->image = hj_str(cfg, "image");
    if (!o->image)
        return herr_set(e, 0, "service \"%s\" has neither an image nor a build section", service);
    if (oneoff) {
        char hex[13];
        if (str_random_hex(hex, 12) < 0)
            return herr_sys(e, "random name");
        o->name = keep(s, xasprintf("%s-%s-run-%s", p->name, service, hex));
    } else {
        o->name = keep(s, compose_container_name(p, service, number));
    }
    o->labels = keepv(s, labels_of(p, service, number, oneoff, cfg, e));
    if (!o->labels)
        return -1;
    const json_t *ep = json_object_get(cfg, "entrypoint"), *cmd = json_object_get(cfg, "command");
    if (ep) {
        /* The engine takes one entrypoint word: the rest of it leads the command, and
         * as in docker compose an entrypoint drops the image's command. */
        _cleanup_strv_ char **epv = hj_strv(ep);
        _cleanup_strv_ char **cmdv = hj_strv(cmd);
        char **args = xcalloc(1, sizeof(char *));
        o->entrypoint = epv && epv[0] ? keep(s, xstrdup(epv[0])) : "";
        for (size_t i = 1; epv && epv[0] && epv[i]; i++)
            strv_push(&args, xstrdup(epv[i]));
        for (char **c = cmdv; c && *c; c++)
            strv_push(&args, xstrdup(*c));
        o->cmd = keepv(s, args);
    } else if (cmd) {
        o->cmd = keepv(s, hj_strv(cmd));
    }
    o->env = keepv(s, obj_kv(json_object_get(cfg, "environment"), "="));
    o->workdir = hj_str(cfg, "working_dir");
    o->user = hj_str(cfg, "user");
    o->hostname = hj_str(cfg, "hostname");
    o->domainname = hj_str(cfg, "domainname");
    o->restart = restart_of(cfg);
    o->stop_signal = hj_str(cfg, "stop_signal");
    const char *grace = hj_str(cfg, "stop_grace_period");
    if (grace) {
        long long ns;
        if (ctr_parse_duration(grace, &ns, NULL) < 0)
            return herr_set(e, 0, "service \"%s\": invalid stop_grace_period \"%s\"", service,
                            grace);
        o->stop_timeout = (int)((ns + 999999999LL) / 1000000000LL);
    }
    o->tty = hj_bool(cfg, "tty", false);
    o->interactive = hj_bool(cfg, "stdin_open", false);
    o->privileged = hj_bool(cfg, "privileged", false);
    o->read_only = hj_bool(cfg, "read_only", false);
    o->cap_add = keepv(s, hj_strv(json_object_get(cfg, "cap_add")));
    o->cap_drop = keepv(s, hj_strv(json_object_get(cfg, "cap_drop")));
    o->security_opt = keepv(s, hj_strv(json_object_get(cfg, "security_opt")));
    o->sysctls = keepv(s, obj_kv(json_object_get(cfg, "sysctls"), "="));
    ulimits_of(s, json_object_get(cfg, "ulimits"));
    const json_t *lim = hj_path(cfg, "deploy.resources.limits");
    o->memory = hj_int(cfg, "mem_limit", hj_int(lim, "memory", 0));
    o->memory_swap = hj_int(cfg, "memswap_limit", 0);
    o->pids_limit = hj_int(cfg, "pids_limit", hj_int(lim, "pids", 0));
    o->cpu_shares = hj_int(cfg, "cpu_shares", 0);
    const json_t *cpus = json_object_get(cfg, "cpus");
    if (!cpus)
        cpus = json_object_get(lim, "cpus");
    if (json_is_number(cpus))
        o->nano_cpus = llround(json_number_value(cpus) * 1e9);
    if (networks_of(s, p, service, cfg, e) < 0)
        return -1;
    const json_t *ports = json_object_get(cfg, "ports"), *x;
    size_t i;
    if (json_array_size(ports)) {
        char **v = xcalloc(1, sizeof(char *));
        json_array_foreach(ports, i, x) strv_push(&v, port_spec(x));
        o->publish = keepv(s, v);
    }
    _cleanup_strv_ char **mounts = xcalloc(1, sizeof(char *));
    json_array_foreach(json_object_get(cfg, "volumes"), i, x)
    {
        char *m = NULL;
        if (mount_spec(p, service, x, &m, e) < 0)
            return -1;
        strv_push(&mounts, m);
    }
    if (refs_of(p, service, "secrets", &mounts, e) < 0 ||
        refs_of(p, service, "configs", &mounts, e) < 0)
        return -1;
    if (*mounts)
        o->mounts = keepv(s, steal_ptr(&mounts));
    if (host_of(s, p, service, cfg, e) < 0)
        return -1;
    o->tmpfs = keepv(s, hj_strv(json_object_get(cfg, "tmpfs")));
    const json_t *vf = json_object_get(cfg, "volumes_from");
    if (json_array_size(vf)) {
        char **v = xcalloc(1, sizeof(char *));
        json_array_foreach(vf, i, x) strv_push(&v, volumes_from_spec(p, json_string_value(x)));
        o->volumes_from = keepv(s, v);
    }
    o->dns = keepv(s, hj_strv(json_object_get(cfg, "dns")));
    o->dns_search = keepv(s, hj_strv(json_object_get(cfg, "dns_search")));
    o->dns_opt = keepv(s, hj_strv(json_object_get(cfg, "dns_opt")));
    o->extra_hosts = keepv(s, hj_strv(json_object_get(cfg, "extra_hosts")));
    o->basedir = p->workdir;
    return health_of(s, service, json_object_get(cfg, "healthcheck"), e);
}

int compose_service_spec(const struct compose_project *p, const char *service, int number,
                         bool oneoff, struct compose_spec **out, struct herr *e)
{
    struct compose_spec *s = xcalloc(1, sizeof(*s));
    if (fill(s, p, service, number, oneoff, e) < 0) {
        compose_spec_free(s);
        return -1;
    }
    *out = s;
    return 0;
}

int compose_check_services(const struct compose_project *p, char **services, struct herr *e)
{
    for (size_t i = 0; i < p->nservices; i++) {
        const char *name = p->services[i].name;
        bool want = !services;
        for (char **s = services; s && *s; s++)
            want = want || strcmp(*s, name) == 0;
        if (!want)
            continue;
        struct compose_spec *spec = NULL;
        if (compose_service_spec(p, name, 1, false, &spec, e) < 0)
            return -1;
        _cleanup_strv_ char **warnings = NULL;
        int r = ctr_check(&spec->o, &warnings, e);
        compose_spec_free(spec);
        if (r < 0)
            return herr_wrap(e, "service \"%s\"", name);
    }
    return 0;
}

struct ctr_opts *compose_spec_opts(struct compose_spec *s)
{
    return &s->o;
}

void compose_spec_free(struct compose_spec *s)
{
    if (!s)
        return;
    strv_free(s->strs);
    for (size_t i = 0; i < s->nvecs; i++)
        strv_free(s->vecs[i]);
    free(s->vecs);
    free(s->o.networks);
    free(s);
}
