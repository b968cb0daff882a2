/* Merging of compose documents: a later file overrides an earlier one. Mappings merge
 * recursively and sequences append, except where compose defines a key: command-like
 * values are replaced, key/value collections merge by key, ports/volumes/secrets/
 * configs are de-duplicated by what they mount or publish. `!reset` removes the
 * earlier value, `!override` replaces it whole. */
#include <string.h>

#include "common/cleanup.h"
#include "common/str.h"
#include "compose/loader/loader_internal.h"

/* A list of "k=v" (or "k:v" with sep ':') becomes a mapping, so both forms merge. */
static struct cnode *to_map(struct cctx *c, const struct cnode *n)
{
    if (n->kind != CN_SEQ)
        return cn_copy(c, n);
    struct cnode *m = cn_new(c, CN_MAP, n->file, n->line, n->col);
    for (size_t i = 0; i < n->n; i++) {
        const struct cnode *it = n->v[i];
        if (it->kind != CN_SCALAR)
            return cn_copy(c, n); /* left for the schema stage to reject */
        const char *eq = strchr(it->str, '=');
        struct cnode *k = cn_new(c, CN_SCALAR, it->file, it->line, it->col);
        struct cnode *v;
        if (eq) {
            k->str = arena_strndup(c->a, it->str, eq - it->str);
            v = cn_new(c, CN_SCALAR, it->file, it->line, it->col);
            v->str = arena_strdup(c->a, eq + 1);
            v->flags = CNF_QUOTED;
        } else {
            k->str = it->str;
            v = cn_new(c, CN_NULL, it->file, it->line, it->col);
            v->str = "";
        }
        int j = cn_index(m, k->str);
        if (j >= 0)
            m->v[j] = v;
        else
            cn_push(c, m, k, v);
    }
    return m;
}

/* Sequences of names (networks, depends_on) become mappings with null values. */
static struct cnode *names_to_map(struct cctx *c, const struct cnode *n)
{
    if (n->kind != CN_SEQ)
        return cn_copy(c, n);
    struct cnode *m = cn_new(c, CN_MAP, n->file, n->line, n->col);
    for (size_t i = 0; i < n->n; i++) {
        if (n->v[i]->kind != CN_SCALAR)
            return cn_copy(c, n);
        if (cn_index(m, n->v[i]->str) >= 0)
            continue;
        struct cnode *v = cn_new(c, CN_NULL, n->v[i]->file, n->v[i]->line, n->v[i]->col);
        v->str = "";
        cn_push(c, m, n->v[i], v);
    }
    return m;
}

static char *volume_key(const struct cnode *n)
{
    if (n->kind == CN_MAP) {
        const struct cnode *t = cn_get(n, "target");
        return xstrdup(cn_is_str(t) ? t->str : "");
    }
    if (n->kind != CN_SCALAR)
        return xstrdup("");
    const char *s = n->str, *c1 = strchr(s, ':');
    if (!c1)
        return xstrdup(s);
    const char *c2 = strchr(c1 + 1, ':');
    return c2 ? xstrndup(c1 + 1, c2 - c1 - 1) : xstrdup(c1 + 1);
}

static char *port_key(const struct cnode *n)
{
    if (n->kind != CN_MAP)
        return xstrdup(n->str ? n->str : "");
    const struct cnode *ip = cn_get(n, "host_ip"), *pub = cn_get(n, "published"),
                       *tgt = cn_get(n, "target"), *pr = cn_get(n, "protocol");
    return xasprintf("%s:%s:%s/%s", cn_is_str(ip) ? ip->str : "", cn_is_str(pub) ? pub->str : "",
                     cn_is_str(tgt) ? tgt->str : "", cn_is_str(pr) ? pr->str : "tcp");
}

static char *source_key(const struct cnode *n)
{
    if (n->kind == CN_MAP) {
        const struct cnode *s = cn_get(n, "source");
        return xstrdup(cn_is_str(s) ? s->str : "");
    }
    return xstrdup(n->str ? n->str : "");
}

static bool same_scalar(const struct cnode *a, const struct cnode *b)
{
    return a->kind == CN_SCALAR && b->kind == CN_SCALAR && !strcmp(a->str, b->str);
}

/* Append src items to dst; an item whose key matches an existing one replaces it. */
static void merge_keyed(struct cctx *c, struct cnode *dst, const struct cnode *src,
                        char *(*key)(const struct cnode *))
{
    for (size_t i = 0; i < src->n; i++) {
        _cleanup_free_ char *k = key(src->v[i]);
        bool done = false;
        for (size_t j = 0; j < dst->n && !done; j++) {
            _cleanup_free_ char *k2 = key(dst->v[j]);
            if (!strcmp(k, k2)) {
                dst->v[j] = cn_copy(c, src->v[i]);
                done = true;
            }
        }
        if (!done)
            cn_push(c, dst, NULL, cn_copy(c, src->v[i]));
    }
}

static void append_unique(struct cctx *c, struct cnode *dst, const struct cnode *src)
{
    for (size_t i = 0; i < src->n; i++) {
        bool dup = false;
        for (size_t j = 0; j < dst->n && !dup; j++)
            dup = same_scalar(dst->v[j], src->v[i]);
        if (!dup)
            cn_push(c, dst, NULL, cn_copy(c, src->v[i]));
    }
}

/* Drop !reset values that have nothing left to reset. */
static struct cnode *strip_resets(struct cctx *c, const struct cnode *n)
{
    struct cnode *d = cn_new(c, n->kind, n->file, n->line, n->col);
    d->str = n->str;
    d->flags = n->flags & ~CNF_OVERRIDE;
    for (size_t i = 0; i < n->n; i++) {
        if (n->v[i]->flags & CNF_RESET)
            continue;
        cn_push(c, d, n->kind == CN_MAP ? n->k[i] : NULL, strip_resets(c, n->v[i]));
    }
    return d;
}

static void merge_generic(struct cctx *c, struct cnode *dst, const struct cnode *src);

static struct cnode *merge_value(struct cctx *c, struct cnode *d, const struct cnode *s)
{
    if ((s->flags & CNF_OVERRIDE) || d->kind != s->kind || s->kind == CN_SCALAR ||
        s->kind == CN_NULL)
        return strip_resets(c, s);
    if (s->kind == CN_SEQ) {
        append_unique(c, d, s);
        return d;
    }
    merge_generic(c, d, s);
    return d;
}

static void merge_generic(struct cctx *c, struct cnode *dst, const struct cnode *src)
{
    for (size_t i = 0; i < src->n; i++) {
        const char *k = src->k[i]->str;
        const struct cnode *s = src->v[i];
        if (s->flags & CNF_RESET) {
            cn_del(dst, k);
            continue;
        }
        int j = cn_index(dst, k);
        if (j < 0)
            cn_push(c, dst, src->k[i], strip_resets(c, s));
        else
            dst->v[j] = merge_value(c, dst->v[j], s);
    }
}

enum mrule { M_DEFAULT, M_REPLACE, M_KV, M_NAMES, M_PORTS, M_VOLUMES, M_SOURCES, M_BUILD, M_HC };

static enum mrule service_rule(const char *key)
{
    static const struct {
        const char *key;
        enum mrule rule;
    } rules[] = {
        {"command", M_REPLACE},  {"entrypoint", M_REPLACE}, {"extends", M_REPLACE},
        {"environment", M_KV},   {"labels", M_KV},          {"annotations", M_KV},
        {"sysctls", M_KV},       {"networks", M_NAMES},     {"depends_on", M_NAMES},
        {"ports", M_PORTS},      {"volumes", M_VOLUMES},    {"secrets", M_SOURCES},
        {"configs", M_SOURCES},  {"build", M_BUILD},        {"healthcheck", M_HC},
        {"env_file", M_REPLACE}, {"dns", M_REPLACE},        {"dns_search", M_REPLACE},
        {"tmpfs", M_REPLACE},    {"ulimits", M_DEFAULT},
    };
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        if (!strcmp(rules[i].key, key))
            return rules[i].rule;
    }
    return M_DEFAULT;
}

static struct cnode *merge_build(struct cctx *c, struct cnode *d, const struct cnode *s)
{
    struct cnode *dm = d, *sm = (struct cnode *)s;
    if (d->kind == CN_SCALAR) {
        dm = cn_new(c, CN_MAP, d->file, d->line, d->col);
        cn_set(c, dm, "context", d);
    }
    if (s->kind == CN_SCALAR) {
        sm = cn_new(c, CN_MAP, s->file, s->line, s->col);
        cn_set(c, sm, "context", (struct cnode *)s);
    }
    if (dm->kind != CN_MAP || sm->kind != CN_MAP)
        return strip_resets(c, s);
    for (size_t i = 0; i < sm->n; i++) {
        const char *k = sm->k[i]->str;
        struct cnode *v = sm->v[i];
        if (v->flags & CNF_RESET) {
            cn_del(dm, k);
            continue;
        }
        int j = cn_index(dm, k);
        if (j >= 0 && (!strcmp(k, "args") || !strcmp(k, "labels")) && !(v->flags & CNF_OVERRIDE)) {
            struct cnode *a = to_map(c, dm->v[j]), *b = to_map(c, v);
            if (a->kind == CN_MAP && b->kind == CN_MAP) {
                merge_generic(c, a, b);
                dm->v[j] = a;
                continue;
            }
        }
        if (j < 0)
            cn_push(c, dm, sm->k[i], strip_resets(c, v));
        else
            dm->v[j] = merge_value(c, dm->v[j], v);
    }
    return dm;
}

int merge_service(struct cctx *c, struct cnode *dst, const struct cnode *src)
{
    for (size_t i = 0; i < src->n; i++) {
        const char *k = src->k[i]->str;
        const struct cnode *s = src->v[i];
        if (s->flags & CNF_RESET) {
            cn_del(dst, k);
            continue;
        }
        int j = cn_index(dst, k);
        if (j < 0) {
            cn_push(c, dst, src->k[i], strip_resets(c, s));
            continue;
        }
        struct cnode *d = dst->v[j];
        enum mrule rule = service_rule(k);
        if (s->flags & CNF_OVERRIDE)
            rule = M_REPLACE;
        switch (rule) {
        case M_REPLACE:
            dst->v[j] = strip_resets(c, s);
            break;
        case M_KV:
        case M_NAMES: {
            struct cnode *a = rule == M_KV ? to_map(c, d) : names_to_map(c, d);
            struct cnode *b = rule == M_KV ? to_map(c, s) : names_to_map(c, s);
            if (a->kind == CN_MAP && b->kind == CN_MAP) {
                merge_generic(c, a, b);
                dst->v[j] = a;
            } else {
                dst->v[j] = strip_resets(c, s);
            }
            break;
        }
        case M_PORTS:
        case M_VOLUMES:
        case M_SOURCES:
            if (d->kind == CN_SEQ && s->kind == CN_SEQ)
                merge_keyed(c, d, s,
                            rule == M_PORTS     ? port_key
                            : rule == M_VOLUMES ? volume_key
                                                : source_key);
            else
                dst->v[j] = strip_resets(c, s);
            break;
        case M_BUILD:
            dst->v[j] = merge_build(c, d, s);
            break;
        case M_HC:
            if (d->kind == CN_MAP && s->kind == CN_MAP) {
                const struct cnode *t = cn_get(s, "test");
                if (t)
                    cn_set(c, d, "test", strip_resets(c, t));
                for (size_t m = 0; m < s->n; m++) {
                    if (strcmp(s->k[m]->str, "test"))
                        merge_generic(
                            c, d,
                            &(struct cnode){.kind = CN_MAP, .n = 1, .k = &s->k[m], .v = &s->v[m]});
                }
            } else {
                dst->v[j] = strip_resets(c, s);
            }
            break;
        default:
            dst->v[j] = merge_value(c, d, s);
        }
    }
    return 0;
}

int merge_docs(struct cctx *c, struct cnode *dst, const struct cnode *src)
{
    for (size_t i = 0; i < src->n; i++) {
        const char *k = src->k[i]->str;
        const struct cnode *s = src->v[i];
        int j = cn_index(dst, k);
        if (s->flags & CNF_RESET) {
            cn_del(dst, k);
            continue;
        }
        if (j < 0) {
            cn_push(c, dst, src->k[i], strip_resets(c, s));
            continue;
        }
        struct cnode *d = dst->v[j];
        if (!strcmp(k, "services") && d->kind == CN_MAP && s->kind == CN_MAP) {
            for (size_t m = 0; m < s->n; m++) {
                const struct cnode *sv = s->v[m];
                int sj = cn_index(d, s->k[m]->str);
                if (sv->flags & CNF_RESET) {
                    if (sj >= 0)
                        cn_del(d, s->k[m]->str);
                } else if (sj < 0 || d->v[sj]->kind != CN_MAP || sv->kind != CN_MAP ||
                           (sv->flags & CNF_OVERRIDE)) {
                    if (sj < 0)
                        cn_push(c, d, s->k[m], strip_resets(c, sv));
                    else
                        d->v[sj] = strip_resets(c, sv);
                } else if (merge_service(c, d->v[sj], sv) < 0) {
                    return -1;
                }
            }
            continue;
        }
        dst->v[j] = merge_value(c, d, s);
    }
    return 0;
}
