/* Primitive handlers of the typed schema: every scalar is checked and cast to the JSON
 * type the canonical model uses, with the node's position in every error. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/str.h"
#include "compose/loader/loader_internal.h"

const char *sc_path(char *buf, size_t len, const char *base, const char *key)
{
    snprintf(buf, len, "%s%s%s", base, *base ? "." : "", key);
    return buf;
}

const char *sc_ipath(char *buf, size_t len, const char *base, size_t i)
{
    snprintf(buf, len, "%s[%zu]", base, i);
    return buf;
}

static const char *kind_word(int kind)
{
    switch (kind) {
    case CN_MAP:
        return "a mapping";
    case CN_SEQ:
        return "a list";
    default:
        return "a string";
    }
}

int sc_need(struct sctx *s, const struct cnode *n, const char *path, int kind)
{
    if (n->kind == kind)
        return 0;
    return cerr(s->c, n, path, "must be %s, not %s", kind_word(kind), cn_kind_name(n));
}

bool sc_raw(struct sctx *s, const struct cnode *n, json_t **out)
{
    if (!s->c->raw || n->kind != CN_SCALAR || !strchr(n->str, '$'))
        return false;
    *out = json_string(n->str);
    return *out != NULL;
}

int sc_unknown_key(struct sctx *s, const struct cnode *key, const char *path,
                   const struct sfield *fields)
{
    const char *cands[160];
    size_t n = 0;
    for (; fields->name && n < 159; fields++)
        cands[n++] = fields->name;
    cands[n] = NULL;
    const char *best = closest_word(key->str, cands);
    if (best)
        return cerr(s->c, key, path, "unknown key \"%s\" (did you mean \"%s\"?)", key->str, best);
    return cerr(s->c, key, path, "unknown key \"%s\"", key->str);
}

int sc_object(struct sctx *s, const struct cnode *n, const char *path, const struct sfield *fields,
              json_t **out)
{
    if (sc_need(s, n, path, CN_MAP) < 0)
        return -1;
    json_t *o = json_object();
    for (size_t i = 0; i < n->n; i++) {
        const char *k = n->k[i]->str;
        const struct sfield *f = fields;
        while (f->name && strcmp(f->name, k))
            f++;
        if (!f->name) {
            if (str_has_prefix(k, "x-"))
                continue;
            json_decref(o);
            return sc_unknown_key(s, n->k[i], path, fields);
        }
        if (n->v[i]->kind == CN_NULL || !f->fn)
            continue;
        char sub[512];
        json_t *v = NULL;
        if (sc_raw(s, n->v[i], &v)) {
            json_object_set_new(o, k, v);
            continue;
        }
        if (f->fn(s, n->v[i], sc_path(sub, sizeof(sub), path, k), &v) < 0) {
            json_decref(o);
            return -1;
        }
        if (v)
            json_object_set_new(o, k, v);
    }
    *out = o;
    return 0;
}

int sc_str(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    if (n->kind != CN_SCALAR)
        return cerr(s->c, n, path, "must be a string, not %s", cn_kind_name(n));
    *out = json_string(n->str);
    if (!*out)
        return cerr(s->c, n, path, "is not valid UTF-8");
    return 0;
}

int sc_bool(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    bool b;
    if (n->kind != CN_SCALAR || !parse_bool_str(n->str, &b))
        return cerr(s->c, n, path, "must be a boolean (true or false), not %s%s%s%s",
                    n->kind == CN_SCALAR ? "\"" : "", n->kind == CN_SCALAR ? n->str : "",
                    n->kind == CN_SCALAR ? "\"" : "", n->kind == CN_SCALAR ? "" : cn_kind_name(n));
    *out = json_boolean(b);
    return 0;
}

static int parse_int(const char *str, long long *v, int base)
{
    errno = 0;
    char *end;
    *v = strtoll(str, &end, base);
    return errno || end == str || *end || isspace((unsigned char)*str) ? -1 : 0;
}

int sc_int(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    long long v;
    if (n->kind != CN_SCALAR || parse_int(n->str, &v, 10) < 0)
        return cerr(
            s->c, n, path, "must be an integer, not %s%s%s", n->kind == CN_SCALAR ? "\"" : "",
            n->kind == CN_SCALAR ? n->str : cn_kind_name(n), n->kind == CN_SCALAR ? "\"" : "");
    *out = json_integer(v);
    return 0;
}

int sc_uint(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    if (sc_int(s, n, path, out) < 0)
        return -1;
    if (json_integer_value(*out) < 0) {
        json_decref(*out);
        return cerr(s->c, n, path, "must not be negative, not %s", n->str);
    }
    return 0;
}

/* File modes are octal when written with a leading 0, as in YAML 1.1 and docker. */
int sc_mode(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    long long v;
    const char *str = n->kind == CN_SCALAR ? n->str : "";
    int base = 10;
    if (str_has_prefix(str, "0o")) {
        str += 2;
        base = 8;
    } else if (str[0] == '0' && str[1]) {
        base = 8;
    }
    if (n->kind != CN_SCALAR || parse_int(str, &v, base) < 0 || v < 0 || v > 07777)
        return cerr(s->c, n, path, "invalid file mode %s%s%s", n->kind == CN_SCALAR ? "\"" : "",
                    n->kind == CN_SCALAR ? n->str : cn_kind_name(n),
                    n->kind == CN_SCALAR ? "\"" : "");
    *out = json_integer(v);
    return 0;
}

int sc_real(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    char *end;
    errno = 0;
    double v = n->kind == CN_SCALAR ? strtod(n->str, &end) : 0;
    if (n->kind != CN_SCALAR || errno || end == n->str || *end || !isfinite(v) || v < 0)
        return cerr(s->c, n, path, "must be a non-negative number, not %s%s%s",
                    n->kind == CN_SCALAR ? "\"" : "",
                    n->kind == CN_SCALAR ? n->str : cn_kind_name(n),
                    n->kind == CN_SCALAR ? "\"" : "");
    *out = json_real(v);
    return 0;
}

int sc_size(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    long long v;
    if (n->kind != CN_SCALAR || str_parse_size(n->str, &v) < 0)
        return cerr(s->c, n, path, "invalid size %s%s%s (use bytes or a unit: 512m, 1g)",
                    n->kind == CN_SCALAR ? "\"" : "",
                    n->kind == CN_SCALAR ? n->str : cn_kind_name(n),
                    n->kind == CN_SCALAR ? "\"" : "");
    *out = json_integer(v);
    return 0;
}

int sc_dur(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    long long ns;
    if (n->kind != CN_SCALAR || parse_duration(n->str, &ns) < 0)
        return cerr(s->c, n, path, "invalid duration %s%s%s (use units: 30s, 1m30s, 500ms)",
                    n->kind == CN_SCALAR ? "\"" : "",
                    n->kind == CN_SCALAR ? n->str : cn_kind_name(n),
                    n->kind == CN_SCALAR ? "\"" : "");
    _cleanup_free_ char *f = format_duration(ns);
    *out = json_string(f);
    return 0;
}

int sc_strs(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    if (sc_need(s, n, path, CN_SEQ) < 0)
        return -1;
    json_t *a = json_array();
    for (size_t i = 0; i < n->n; i++) {
        char sub[512];
        json_t *v;
        if (sc_str(s, n->v[i], sc_ipath(sub, sizeof(sub), path, i), &v) < 0) {
            json_decref(a);
            return -1;
        }
        json_array_append_new(a, v);
    }
    *out = a;
    return 0;
}

int sc_str_or_strs(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    if (n->kind == CN_SCALAR) {
        *out = json_pack("[s]", n->str);
        return *out ? 0 : cerr(s->c, n, path, "is not valid UTF-8");
    }
    return sc_strs(s, n, path, out);
}

int sc_kv(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    json_t *o = json_object();
    char sub[512];
    if (n->kind == CN_SEQ) {
        for (size_t i = 0; i < n->n; i++) {
            const struct cnode *it = n->v[i];
            sc_ipath(sub, sizeof(sub), path, i);
            if (it->kind != CN_SCALAR) {
                json_decref(o);
                return cerr(s->c, it, sub, "must be a \"KEY=VALUE\" string, not %s",
                            cn_kind_name(it));
            }
            const char *eq = strchr(it->str, '=');
            _cleanup_free_ char *k = eq ? xstrndup(it->str, eq - it->str) : xstrdup(it->str);
            if (!*k) {
                json_decref(o);
                return cerr(s->c, it, sub, "empty key in \"%s\"", it->str);
            }
            json_object_set_new(o, k, json_string(eq ? eq + 1 : ""));
        }
    } else if (n->kind == CN_MAP) {
        for (size_t i = 0; i < n->n; i++) {
            const struct cnode *v = n->v[i];
            if (v->kind == CN_MAP || v->kind == CN_SEQ) {
                json_decref(o);
                return cerr(s->c, v, sc_path(sub, sizeof(sub), path, n->k[i]->str),
                            "must be a string, number or boolean, not %s", cn_kind_name(v));
            }
            json_object_set_new(o, n->k[i]->str, json_string(v->kind == CN_NULL ? "" : v->str));
        }
    } else {
        json_decref(o);
        return cerr(s->c, n, path, "must be a mapping or a list of \"KEY=VALUE\", not %s",
                    cn_kind_name(n));
    }
    *out = o;
    return 0;
}

/* Untyped passthrough for keys hoist only carries (develop, blkio_config, ...): plain
 * scalars get YAML 1.2 core types. */
int sc_any(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    char sub[512];
    switch (n->kind) {
    case CN_NULL:
        *out = json_null();
        return 0;
    case CN_SCALAR: {
        long long iv;
        char *end;
        if (!(n->flags & CNF_QUOTED)) {
            if (!strcmp(n->str, "true") || !strcmp(n->str, "false")) {
                *out = json_boolean(n->str[0] == 't');
                return 0;
            }
            if (parse_int(n->str, &iv, 10) == 0) {
                *out = json_integer(iv);
                return 0;
            }
            double d = strtod(n->str, &end);
            if (end != n->str && !*end && isfinite(d) && !isspace((unsigned char)n->str[0])) {
                *out = json_real(d);
                return 0;
            }
        }
        return sc_str(s, n, path, out);
    }
    case CN_SEQ: {
        json_t *a = json_array();
        for (size_t i = 0; i < n->n; i++) {
            json_t *v;
            if (sc_any(s, n->v[i], sc_ipath(sub, sizeof(sub), path, i), &v) < 0) {
                json_decref(a);
                return -1;
            }
            json_array_append_new(a, v);
        }
        *out = a;
        return 0;
    }
    default: {
        json_t *o = json_object();
        for (size_t i = 0; i < n->n; i++) {
            json_t *v;
            if (sc_any(s, n->v[i], sc_path(sub, sizeof(sub), path, n->k[i]->str), &v) < 0) {
                json_decref(o);
                return -1;
            }
            json_object_set_new(o, n->k[i]->str, v);
        }
        *out = o;
        return 0;
    }
    }
}

int sc_cmd(struct sctx *s, const struct cnode *n, const char *path, json_t **out)
{
    if (n->kind == CN_SEQ)
        return sc_strs(s, n, path, out);
    if (n->kind != CN_SCALAR)
        return cerr(s->c, n, path, "must be a string or a list of strings, not %s",
                    cn_kind_name(n));
    _cleanup_strv_ char **words = NULL;
    if (shell_split(n->str, &words) < 0)
        return cerr(s->c, n, path, "invalid command line \"%s\": unterminated quote or escape",
                    n->str);
    json_t *a = json_array();
    for (char **w = words; *w; w++)
        json_array_append_new(a, json_string(*w));
    *out = a;
    return 0;
}
