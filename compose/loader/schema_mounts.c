/* Ports, expose and volumes: the short syntaxes are parsed into the long form. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/str.h"
#include "compose/loader/loader_internal.h"

static bool parse_port(const char *s, size_t len, long *out)
{
    if (!len || len > 5)
        return false;
    long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return v >= 1 && v <= 65535;
}

/* "N" or "N-M" */
static bool parse_range(const char *s, long *lo, long *hi)
{
    const char *dash = strchr(s, '-');
    if (!dash) {
        if (!parse_port(s, strlen(s), lo))
            return false;
        *hi = *lo;
        return true;
    }
    return parse_port(s, dash - s, lo) && parse_port(dash + 1, strlen(dash + 1), hi) && *lo <= *hi;
}

static bool valid_ip(const char *ip)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, ip, buf) == 1 || inet_pton(AF_INET6, ip, buf) == 1;
}

static bool valid_proto(const char *p)
{
    return !strcmp(p, "tcp") || !strcmp(p, "udp") || !strcmp(p, "sctp");
}

static json_t *port_entry(long target, const char *published, const char *proto, const char *ip)
{
    json_t *o = json_pack("{s:s,s:I,s:s}", "mode", "ingress", "target", (json_int_t)target,
                          "protocol", proto);
    if (published && *published)
        json_object_set_new(o, "published", json_string(published));
    if (ip && *ip)
        json_object_set_new(o, "host_ip", json_string(ip));
    return o;
}

/* [[IP:]PUBLISHED[-END]:]TARGET[-END][/PROTO]; IPv6 addresses may be bracketed. */
static int short_port(struct sctx *s, const struct cnode *n, const char *path, json_t *arr)
{
    _cleanup_free_ char *str = xstrdup(n->str);
    const char *proto = "tcp";
    char *slash = strrchr(str, '/');
    if (slash) {
        *slash = '\0';
        proto = slash + 1;
    }
    char *ip = NULL, *pub = NULL, *tgt;
    if (str[0] == '[') {
        char *rb = strchr(str, ']');
        if (!rb || rb[1] != ':')
            goto bad;
        *rb = '\0';
        ip = str + 1;
        char *rest = rb + 2, *colon = strrchr(rest, ':');
        if (!colon)
            goto bad;
        *colon = '\0';
        pub = rest;
        tgt = colon + 1;
    } else {
        char *last = strrchr(str, ':');
        if (!last) {
            tgt = str;
        } else {
            *last = '\0';
            tgt = last + 1;
            char *prev = strrchr(str, ':');
            if (!prev) {
                pub = str;
            } else {
                *prev = '\0';
                pub = prev + 1;
                ip = str;
            }
        }
    }
    if (!valid_proto(proto) || (ip && (!*ip || !valid_ip(ip))))
        goto bad;
    long tlo, thi, plo = 0, phi = 0;
    if (!parse_range(tgt, &tlo, &thi))
        goto bad;
    if (pub && *pub && !parse_range(pub, &plo, &phi))
        goto bad;
    if (pub && *pub && thi != tlo && phi - plo != thi - tlo)
        goto bad;
    for (long t = tlo; t <= thi; t++) {
        char pb[16] = "";
        if (pub && *pub && thi != tlo)
            snprintf(pb, sizeof(pb), "%ld", plo + (t - tlo));
        else if (pub && *pub)
            snprintf(pb, sizeof(pb), "%s", pub);
        json_array_append_new(arr, port_entry(t, pb, proto, ip));
    }
    return 0;
bad:
    return cerr(s->c, n, path, "invalid port \"%s\"", n->str);
}

static int long_port(struct sctx *s, const struct cnode *n, const char *path, json_t *arr)
{
    static const struct sfield fields[] = {
        SF("target", sc_str),   SF("published", sc_str), SF("host_ip", sc_str),
        SF("protocol", sc_str), SF("mode", sc_str),      SF("app_protocol", sc_str),
        SF("name", sc_str),     SF(NULL, NULL),
    };
    json_t *o;
    if (sc_object(s, n, path, fields, &o) < 0)
        return -1;
    char sub[512];
    long t, lo, hi;
    const char *tg = hj_str(o, "target"), *pub = hj_str(o, "published"),
               *proto = hj_str(o, "protocol"), *mode = hj_str(o, "mode"),
               *ip = hj_str(o, "host_ip");
    const struct cnode *tn = cn_get(n, "target");
    int r = 0;
    if (!tg)
        r = cerr(s->c, n, path, "missing required key \"target\"");
    else if (!parse_port(tg, strlen(tg), &t))
        r = cerr(s->c, tn, sc_path(sub, sizeof(sub), path, "target"), "invalid port \"%s\"", tg);
    else if (pub && *pub && !parse_range(pub, &lo, &hi))
        r = cerr(s->c, cn_get(n, "published"), sc_path(sub, sizeof(sub), path, "published"),
                 "invalid port \"%s\"", pub);
    else if (ip && !valid_ip(ip))
        r = cerr(s->c, cn_get(n, "host_ip"), sc_path(sub, sizeof(sub), path, "host_ip"),
                 "invalid IP address \"%s\"", ip);
    if (r < 0) {
        json_decref(o);
        return -1;
    }
    json_object_set_new(o, "target", json_integer(t));
    if (!proto)
        json_object_set_new(o, "protocol", json_string("tcp"));
    if (!mode)
        json_object_set_new(o, "mode", json_string("ingress"));
    json_array_append_new(arr, o);
    return 0;
}

int sc_ports(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    if (sc_need(s, n, path, CN_SEQ) < 0)
        return -1;
    json_t *a = json_array();
    for (size_t i = 0; i < n->n; i++) {
        char sub[512];
        sc_ipath(sub, sizeof(sub), path, i);
        const struct cnode *it = n->v[i];
        json_t *raw;
        if (sc_raw(s, it, &raw)) {
            json_array_append_new(a, raw);
            continue;
        }
        int r = it->kind == CN_MAP      ? long_port(s, it, sub, a)
                : it->kind == CN_SCALAR ? short_port(s, it, sub, a)
                                        : cerr(s->c, it, sub, "invalid port: %s", cn_kind_name(it));
        if (r < 0) {
            json_decref(a);
            return -1;
        }
    }
    *out = a;
    return 0;
}

int sc_expose(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    if (sc_need(s, n, path, CN_SEQ) < 0)
        return -1;
    json_t *a = json_array();
    for (size_t i = 0; i < n->n; i++) {
        char sub[512];
        const struct cnode *it = n->v[i];
        long lo, hi;
        _cleanup_free_ char *str = xstrdup(it->kind == CN_SCALAR ? it->str : "");
        char *slash = strchr(str, '/');
        if (slash)
            *slash = '\0';
        if (it->kind != CN_SCALAR || !parse_range(str, &lo, &hi) ||
            (slash && !valid_proto(slash + 1))) {
            json_decref(a);
            return cerr(s->c, it, sc_ipath(sub, sizeof(sub), path, i), "invalid port \"%s\"",
                        it->kind == CN_SCALAR ? it->str : cn_kind_name(it));
        }
        json_array_append_new(a, json_string(it->str));
    }
    *out = a;
    return 0;
}

static bool is_path_source(const char *s)
{
    return *s == '/' || *s == '.' || *s == '~';
}

static int short_volume(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    _cleanup_free_ char *str = xstrdup(n->str);
    char *parts[4] = {0};
    size_t np = 0;
    for (char *p = str, *tok; np < 4 && (tok = strsep(&p, ":"));)
        parts[np++] = tok;
    if (np == 4 || !*parts[0])
        return cerr(s->c, n, path, "invalid volume \"%s\"", n->str);
    const char *src = np >= 2 ? parts[0] : NULL, *tgt = np >= 2 ? parts[1] : parts[0];
    char *modes = np == 3 ? parts[2] : NULL, *opt;
    if (*tgt != '/')
        return cerr(s->c, n, path, "invalid volume \"%s\": target \"%s\" is not an absolute path",
                    n->str, tgt);
    bool bind = src && is_path_source(src);
    json_t *o = json_pack("{s:s,s:s}", "type", bind ? "bind" : "volume", "target", tgt);
    if (src)
        json_object_set_new(o, "source", json_string(src));
    json_t *sub = bind ? json_pack("{s:b}", "create_host_path", 1) : json_object();
    while (modes && (opt = strsep(&modes, ","))) {
        if (!strcmp(opt, "ro"))
            json_object_set_new(o, "read_only", json_true());
        else if (!strcmp(opt, "rw"))
            ;
        else if (!strcmp(opt, "nocopy") && !bind)
            json_object_set_new(sub, "nocopy", json_true());
        else if ((!strcmp(opt, "z") || !strcmp(opt, "Z")) && bind)
            json_object_set_new(sub, "selinux", json_string(opt));
        else if (bind &&
                 (!strcmp(opt, "shared") || !strcmp(opt, "rshared") || !strcmp(opt, "slave") ||
                  !strcmp(opt, "rslave") || !strcmp(opt, "private") || !strcmp(opt, "rprivate")))
            json_object_set_new(sub, "propagation", json_string(opt));
        else if (!strcmp(opt, "consistent") || !strcmp(opt, "cached") || !strcmp(opt, "delegated"))
            json_object_set_new(o, "consistency", json_string(opt));
        else /* as docker compose does, but said */
            cwarn(s->c, "%s: volume \"%s\": option \"%s\" ignored", path, n->str, opt);
    }
    json_object_set_new(o, bind ? "bind" : "volume", sub);
    *out = o;
    return 0;
}

static int sc_bind_opts(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    static const struct sfield f[] = {SF("propagation", sc_str), SF("create_host_path", sc_bool),
                                      SF("selinux", sc_str), SF(NULL, NULL)};
    return sc_object(s, n, path, f, out);
}

static int sc_volume_opts(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    static const struct sfield f[] = {SF("nocopy", sc_bool), SF("subpath", sc_str),
                                      SF("labels", sc_kv), SF(NULL, NULL)};
    return sc_object(s, n, path, f, out);
}

static int sc_tmpfs_opts(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    static const struct sfield f[] = {SF("size", sc_size), SF("mode", sc_mode), SF(NULL, NULL)};
    return sc_object(s, n, path, f, out);
}

static int sc_image_opts(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    static const struct sfield f[] = {SF("subpath", sc_str), SF(NULL, NULL)};
    return sc_object(s, n, path, f, out);
}

static int long_volume(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    static const struct sfield fields[] = {
        SF("type", sc_str),           SF("source", sc_str),
        SF("target", sc_str),         SF("read_only", sc_bool),
        SF("consistency", sc_str),    SF("bind", sc_bind_opts),
        SF("volume", sc_volume_opts), SF("tmpfs", sc_tmpfs_opts),
        SF("image", sc_image_opts),   SF(NULL, NULL),
    };
    json_t *o;
    if (sc_object(s, n, path, fields, &o) < 0)
        return -1;
    const char *type = hj_str(o, "type"), *tgt = hj_str(o, "target"), *src = hj_str(o, "source");
    static const char *const types[] = {"bind",    "volume", "tmpfs", "npipe",
                                        "cluster", "image",  NULL};
    char sub[512];
    int r = 0;
    bool known = false;
    for (size_t i = 0; type && types[i]; i++)
        known |= !strcmp(type, types[i]);
    if (!type)
        r = cerr(s->c, n, path, "missing required key \"type\"");
    else if (!known)
        r = cerr(s->c, cn_get(n, "type"), sc_path(sub, sizeof(sub), path, "type"),
                 "invalid volume type \"%s\" (bind, volume, tmpfs, image, npipe, cluster)", type);
    else if (!tgt)
        r = cerr(s->c, n, path, "missing required key \"target\"");
    else if (*tgt != '/')
        r = cerr(s->c, cn_get(n, "target"), sc_path(sub, sizeof(sub), path, "target"),
                 "\"%s\" is not an absolute path", tgt);
    else if ((!strcmp(type, "bind") || !strcmp(type, "image")) && !src)
        r = cerr(s->c, n, path, "a %s mount needs a \"source\"", type);
    else if (!strcmp(type, "tmpfs") && src)
        r = cerr(s->c, cn_get(n, "source"), sc_path(sub, sizeof(sub), path, "source"),
                 "a tmpfs mount takes no source");
    if (r < 0) {
        json_decref(o);
        return -1;
    }
    if (!strcmp(type, "bind") && !json_object_get(o, "bind"))
        json_object_set_new(o, "bind", json_pack("{s:b}", "create_host_path", 1));
    *out = o;
    return 0;
}

int sc_volumes(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    if (sc_need(s, n, path, CN_SEQ) < 0)
        return -1;
    json_t *a = json_array();
    for (size_t i = 0; i < n->n; i++) {
        char sub[512];
        sc_ipath(sub, sizeof(sub), path, i);
        const struct cnode *it = n->v[i];
        json_t *v = NULL;
        if (sc_raw(s, it, &v)) {
            json_array_append_new(a, v);
            continue;
        }
        int r = it->kind == CN_MAP ? long_volume(s, it, sub, &v)
                : it->kind == CN_SCALAR
                    ? short_volume(s, it, sub, &v)
                    : cerr(s->c, it, sub, "invalid volume: %s", cn_kind_name(it));
        if (r < 0) {
            json_decref(a);
            return -1;
        }
        json_array_append_new(a, v);
    }
    *out = a;
    return 0;
}
