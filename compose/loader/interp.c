/* Variable interpolation with docker compose's syntax: $VAR, ${VAR}, ${VAR:-d},
 * ${VAR-d}, ${VAR:?e}, ${VAR?e}, ${VAR:+a}, ${VAR+a}, nesting inside the word, $$. */
#include <ctype.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/str.h"
#include "compose/loader/loader_internal.h"

struct sbuf {
    char *p;
    size_t n, cap;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

struct ip {
    struct cctx *c;
    const struct cenv *env;
    const struct cnode *pos;
    const char *path;
    const char *whole;
};

static bool name_start(char ch)
{
    return isalpha((unsigned char)ch) || ch == '_';
}

static bool name_char(char ch)
{
    return isalnum((unsigned char)ch) || ch == '_';
}

static int ip_invalid(struct ip *p)
{
    return cerr(p->c, p->pos, p->path,
                "invalid interpolation format \"%s\" (write $$ for a literal $)", p->whole);
}

static void note_var(struct ip *p, const char *name, const char *op, const char *word)
{
    if (!p->c->vars)
        return;
    json_t *v = json_object_get(p->c->vars, name);
    if (!v) {
        v = json_pack("{s:b}", "required", 0);
        json_object_set_new(p->c->vars, name, v);
    }
    if (!op)
        return;
    if (strchr(op, '?'))
        json_object_set_new(v, "required", json_true());
    else if (strchr(op, '-'))
        json_object_set_new(v, "default", json_string(word));
    else if (strchr(op, '+'))
        json_object_set_new(v, "alternate", json_string(word));
}

static int ip_expand(struct ip *p, const char *s, size_t len, struct sbuf *out);

/* s points after "${"; *used receives the length through the closing brace. */
static int ip_braced(struct ip *p, const char *s, size_t len, size_t *used, struct sbuf *out)
{
    size_t i = 0;
    if (i >= len || !name_start(s[i]))
        return ip_invalid(p);
    while (i < len && name_char(s[i]))
        i++;
    _cleanup_free_ char *name = xstrndup(s, i);
    char op[3] = "";
    if (i < len && s[i] == ':' && i + 1 < len && strchr("-?+", s[i + 1])) {
        op[0] = ':';
        op[1] = s[i + 1];
        i += 2;
    } else if (i < len && strchr("-?+", s[i])) {
        op[0] = s[i++];
    } else if (i >= len || s[i] != '}') {
        return ip_invalid(p);
    }
    /* The word runs to the matching brace; nested ${...} may contain braces. */
    size_t wstart = i;
    int depth = 0;
    for (; i < len; i++) {
        if (s[i] == '$' && i + 1 < len && s[i + 1] == '$') {
            i++;
        } else if (s[i] == '$' && i + 1 < len && s[i + 1] == '{') {
            depth++;
            i++;
        } else if (s[i] == '}') {
            if (depth-- == 0)
                break;
        }
    }
    if (i >= len)
        return ip_invalid(p);
    size_t wlen = i - wstart;
    *used = i + 1;
    const char *val = cenv_get(p->env, name);
    bool set = val != NULL, nonempty = val && *val;
    bool colon = op[0] == ':';
    char kind = op[0] == ':' ? op[1] : op[0];
    struct sbuf word = {0};
    sb_add(&word, "", 0);
    if (kind && ip_expand(p, s + wstart, wlen, &word) < 0) {
        free(word.p);
        return -1;
    }
    note_var(p, name, kind ? op : NULL, word.p);
    int r = 0;
    switch (kind) {
    case 0:
        if (!set)
            cwarn(p->c, "The \"%s\" variable is not set. Defaulting to a blank string.", name);
        else
            sb_add(out, val, strlen(val));
        break;
    case '-':
        if (colon ? nonempty : set)
            sb_add(out, val, strlen(val));
        else
            sb_add(out, word.p, word.n);
        break;
    case '?':
        if (colon ? nonempty : set)
            sb_add(out, val, strlen(val));
        else
            r = cerr(p->c, p->pos, p->path, "required variable %s is missing a value%s%s", name,
                     word.n ? ": " : "", word.p);
        break;
    case '+':
        if (colon ? nonempty : set)
            sb_add(out, word.p, word.n);
        break;
    }
    free(word.p);
    return r;
}

static int ip_expand(struct ip *p, const char *s, size_t len, struct sbuf *out)
{
    size_t i = 0;
    while (i < len) {
        const char *d = memchr(s + i, '$', len - i);
        if (!d) {
            sb_add(out, s + i, len - i);
            break;
        }
        size_t at = d - s;
        sb_add(out, s + i, at - i);
        i = at + 1;
        if (i < len && s[i] == '$') {
            sb_add(out, "$", 1);
            i++;
        } else if (i < len && s[i] == '{') {
            size_t used = 0;
            if (ip_braced(p, s + i + 1, len - i - 1, &used, out) < 0)
                return -1;
            i += 1 + used;
        } else if (i < len && name_start(s[i])) {
            size_t st = i;
            while (i < len && name_char(s[i]))
                i++;
            _cleanup_free_ char *name = xstrndup(s + st, i - st);
            const char *val = cenv_get(p->env, name);
            note_var(p, name, NULL, NULL);
            if (val)
                sb_add(out, val, strlen(val));
            else
                cwarn(p->c, "The \"%s\" variable is not set. Defaulting to a blank string.", name);
        } else {
            sb_add(out, "$", 1);
        }
    }
    return 0;
}

int interp_string(struct cctx *c, const struct cenv *env, const char *s, const struct cnode *pos,
                  const char *path, char **out)
{
    struct ip p = {.c = c, .env = env, .pos = pos, .path = path, .whole = s};
    struct sbuf b = {0};
    sb_add(&b, "", 0);
    if (ip_expand(&p, s, strlen(s), &b) < 0) {
        free(b.p);
        return -1;
    }
    *out = b.p;
    return 0;
}

static int walk(struct cctx *c, const struct cenv *env, struct cnode *n, char *path, size_t plen,
                size_t cap)
{
    if (n->kind == CN_SCALAR) {
        if (!strchr(n->str, '$'))
            return 0;
        char *v;
        if (interp_string(c, env, n->str, n, path, &v) < 0)
            return -1;
        n->str = arena_strdup(c->a, v);
        free(v);
        return 0;
    }
    for (size_t i = 0; i < n->n; i++) {
        size_t l = plen;
        if (n->kind == CN_MAP)
            l += snprintf(path + plen, cap - plen, "%s%s", plen ? "." : "", n->k[i]->str);
        else
            l += snprintf(path + plen, cap - plen, "[%zu]", i);
        if (l >= cap)
            l = cap - 1;
        if (walk(c, env, n->v[i], path, l, cap) < 0)
            return -1;
        path[plen] = '\0';
    }
    return 0;
}

int interp_tree(struct cctx *c, const struct cenv *env, struct cnode *root)
{
    char path[512] = "";
    return walk(c, env, root, path, 0, sizeof(path));
}
