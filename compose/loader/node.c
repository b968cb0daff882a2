/* Arena, node tree and the libyaml front end. Anchors and aliases are expanded by
 * copying, so later in-place stages (interpolation, path resolution) never see one
 * node twice; a global node budget stops exponential alias expansion. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "common/str.h"
#include "compose/loader/loader_internal.h"

struct achunk {
    struct achunk *next;
    size_t used, size;
    max_align_t data[];
};

#define ACHUNK 65536

void *arena_alloc(struct arena *a, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
    struct achunk *h = a->head;
    if (!h || h->size - h->used < n) {
        size_t size = n > ACHUNK ? n : ACHUNK;
        struct achunk *c = xmalloc(sizeof(*c) + size);
        c->used = 0;
        c->size = size;
        /* An oversized block goes behind the current chunk so its free space stays usable. */
        if (h && n > ACHUNK) {
            c->next = h->next;
            h->next = c;
        } else {
            c->next = h;
            a->head = c;
        }
        h = c;
    }
    void *p = (char *)h->data + h->used;
    h->used += n;
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

void arena_free(struct arena *a)
{
    struct achunk *c = a->head;
    while (c) {
        struct achunk *n = c->next;
        free(c);
        c = n;
    }
    a->head = NULL;
}

void cerr_msg(struct cctx *c, const struct cnode *n, const char *path, const char *fmt, ...)
{
    char msg[HERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n && path && *path)
        herr_set_msg(c->e, 0, "%s:%d:%d: %s: %s", n->file, n->line, n->col, path, msg);
    else if (n)
        herr_set_msg(c->e, 0, "%s:%d:%d: %s", n->file, n->line, n->col, msg);
    else if (path && *path)
        herr_set_msg(c->e, 0, "%s: %s", path, msg);
    else
        herr_set_msg(c->e, 0, "%s", msg);
}

void cwarn(struct cctx *c, const char *fmt, ...)
{
    char *s;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        abort();
    va_end(ap);
    for (char **w = c->warnings; w && *w; w++) {
        if (strcmp(*w, s) == 0) {
            free(s);
            return;
        }
    }
    strv_push(&c->warnings, s);
}

struct cnode *cn_new(struct cctx *c, int kind, const char *file, int line, int col)
{
    struct cnode *n = arena_alloc(c->a, sizeof(*n));
    memset(n, 0, sizeof(*n));
    n->kind = kind;
    n->file = file;
    n->line = line;
    n->col = col;
    c->nodes++;
    return n;
}

struct cnode *cn_scalar(struct cctx *c, const char *s, const struct cnode *pos)
{
    struct cnode *n =
        cn_new(c, CN_SCALAR, pos ? pos->file : "", pos ? pos->line : 0, pos ? pos->col : 0);
    n->str = arena_strdup(c->a, s);
    n->flags = CNF_QUOTED;
    return n;
}

void cn_push(struct cctx *c, struct cnode *p, struct cnode *key, struct cnode *val)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 4;
        struct cnode **v = arena_alloc(c->a, cap * sizeof(*v));
        if (p->n)
            memcpy(v, p->v, p->n * sizeof(*v));
        p->v = v;
        if (p->kind == CN_MAP) {
            struct cnode **k = arena_alloc(c->a, cap * sizeof(*k));
            if (p->n)
                memcpy(k, p->k, p->n * sizeof(*k));
            p->k = k;
        }
        p->cap = cap;
    }
    if (p->kind == CN_MAP)
        p->k[p->n] = key;
    p->v[p->n++] = val;
}

int cn_index(const struct cnode *map, const char *key)
{
    if (!map || map->kind != CN_MAP)
        return -1;
    for (size_t i = 0; i < map->n; i++) {
        if (strcmp(map->k[i]->str, key) == 0)
            return (int)i;
    }
    return -1;
}

struct cnode *cn_get(const struct cnode *map, const char *key)
{
    int i = cn_index(map, key);
    return i < 0 ? NULL : map->v[i];
}

void cn_del(struct cnode *map, const char *key)
{
    int i = cn_index(map, key);
    if (i < 0)
        return;
    memmove(map->k + i, map->k + i + 1, (map->n - i - 1) * sizeof(*map->k));
    memmove(map->v + i, map->v + i + 1, (map->n - i - 1) * sizeof(*map->v));
    map->n--;
}

void cn_set(struct cctx *c, struct cnode *map, const char *key, struct cnode *val)
{
    int i = cn_index(map, key);
    if (i >= 0) {
        map->v[i] = val;
        return;
    }
    cn_push(c, map, cn_scalar(c, key, val), val);
}

struct cnode *cn_copy(struct cctx *c, const struct cnode *n)
{
    if (!n)
        return NULL;
    struct cnode *d = cn_new(c, n->kind, n->file, n->line, n->col);
    d->flags = n->flags;
    d->str = n->str;
    for (size_t i = 0; i < n->n; i++)
        cn_push(c, d, n->kind == CN_MAP ? n->k[i] : NULL, cn_copy(c, n->v[i]));
    return d;
}

const char *cn_kind_name(const struct cnode *n)
{
    switch (n->kind) {
    case CN_NULL:
        return "null";
    case CN_MAP:
        return "a mapping";
    case CN_SEQ:
        return "a sequence";
    default:
        return "a scalar";
    }
}

bool cn_is_str(const struct cnode *n)
{
    return n && n->kind == CN_SCALAR;
}

/* ---- parser ---- */

struct anchor {
    char *name;
    struct cnode *node;
};

struct yp {
    struct cctx *c;
    yaml_parser_t p;
    const char *file;
    struct anchor *anchors;
    size_t nanchors;
};

static int yp_error(struct yp *y)
{
    const char *what = y->p.problem ? y->p.problem : "invalid YAML";
    yaml_mark_t m = y->p.problem_mark;
    if (y->p.context)
        return herr_set(y->c->e, 0, "%s:%zu:%zu: YAML syntax error: %s %s", y->file, m.line + 1,
                        m.column + 1, what, y->p.context);
    return herr_set(y->c->e, 0, "%s:%zu:%zu: YAML syntax error: %s", y->file, m.line + 1,
                    m.column + 1, what);
}

static bool is_null_plain(const char *s)
{
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL");
}

static int yp_node(struct yp *y, yaml_event_t *ev, int depth, struct cnode **out);

static void add_anchor(struct yp *y, const unsigned char *name, struct cnode *n)
{
    if (!name)
        return;
    y->anchors = xrealloc(y->anchors, (y->nanchors + 1) * sizeof(*y->anchors));
    y->anchors[y->nanchors].name = xstrdup((const char *)name);
    y->anchors[y->nanchors++].node = n;
}

static int set_tag(struct yp *y, struct cnode *n, const unsigned char *tag)
{
    if (!tag)
        return 0;
    if (!strcmp((const char *)tag, "!reset"))
        n->flags |= CNF_RESET;
    else if (!strcmp((const char *)tag, "!override"))
        n->flags |= CNF_OVERRIDE;
    else if (strncmp((const char *)tag, "tag:yaml.org,2002:", 18) != 0)
        return cerr(y->c, n, NULL, "unsupported YAML tag %s", tag);
    return 0;
}

/* Apply `<<` merge keys: keys written in the mapping win over merged ones, and
 * earlier maps of a merge sequence win over later ones. */
static int apply_merge(struct yp *y, struct cnode *map, struct cnode *src)
{
    if (src->kind == CN_SEQ) {
        for (size_t i = 0; i < src->n; i++) {
            if (apply_merge(y, map, src->v[i]) < 0)
                return -1;
        }
        return 0;
    }
    if (src->kind != CN_MAP)
        return cerr(y->c, src, NULL, "merge key \"<<\" needs a mapping or a list of mappings");
    for (size_t i = 0; i < src->n; i++) {
        if (cn_index(map, src->k[i]->str) < 0)
            cn_push(y->c, map, src->k[i], cn_copy(y->c, src->v[i]));
    }
    return 0;
}

static int yp_next(struct yp *y, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&y->p, ev))
        return yp_error(y);
    return 0;
}

static int yp_mapping(struct yp *y, struct cnode *map, int depth)
{
    struct cnode *merges[64];
    size_t nmerges = 0;
    for (;;) {
        yaml_event_t ev;
        if (yp_next(y, &ev) < 0)
            return -1;
        if (ev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        struct cnode *key, *val;
        bool merge = ev.type == YAML_SCALAR_EVENT &&
                     ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                     !strcmp((const char *)ev.data.scalar.value, "<<");
        int r = yp_node(y, &ev, depth + 1, &key);
        yaml_event_delete(&ev);
        if (r < 0)
            return -1;
        if (key->kind != CN_SCALAR && key->kind != CN_NULL)
            return cerr(y->c, key, NULL, "mapping keys must be strings, not %s", cn_kind_name(key));
        if (key->kind == CN_NULL)
            key->kind = CN_SCALAR;
        if (yp_next(y, &ev) < 0)
            return -1;
        r = yp_node(y, &ev, depth + 1, &val);
        yaml_event_delete(&ev);
        if (r < 0)
            return -1;
        if (merge) {
            if (nmerges == sizeof(merges) / sizeof(merges[0]))
                return cerr(y->c, key, NULL, "too many merge keys in one mapping");
            merges[nmerges++] = val;
            continue;
        }
        if (cn_index(map, key->str) >= 0)
            return cerr(y->c, key, NULL, "duplicate key \"%s\"", key->str);
        cn_push(y->c, map, key, val);
    }
    for (size_t i = 0; i < nmerges; i++) {
        if (apply_merge(y, map, merges[i]) < 0)
            return -1;
    }
    return 0;
}

static int yp_node(struct yp *y, yaml_event_t *ev, int depth, struct cnode **out)
{
    struct cctx *c = y->c;
    int line = (int)ev->start_mark.line + 1, col = (int)ev->start_mark.column + 1;
    if (depth > CN_MAX_DEPTH)
        return herr_set(c->e, 0, "%s:%d:%d: nesting deeper than %d levels", y->file, line, col,
                        CN_MAX_DEPTH);
    if (c->nodes > CN_MAX_NODES)
        return herr_set(c->e, 0, "%s:%d:%d: document too large (more than %d nodes)", y->file, line,
                        col, CN_MAX_NODES);
    struct cnode *n;
    switch (ev->type) {
    case YAML_ALIAS_EVENT: {
        const char *name = (const char *)ev->data.alias.anchor;
        for (size_t i = y->nanchors; i-- > 0;) {
            if (!strcmp(y->anchors[i].name, name)) {
                n = cn_copy(c, y->anchors[i].node);
                if (c->nodes > CN_MAX_NODES)
                    return herr_set(c->e, 0, "%s:%d:%d: alias expansion exceeds %d nodes", y->file,
                                    line, col, CN_MAX_NODES);
                n->line = line;
                n->col = col;
                *out = n;
                return 0;
            }
        }
        return herr_set(c->e, 0, "%s:%d:%d: unknown anchor \"%s\"", y->file, line, col, name);
    }
    case YAML_SCALAR_EVENT: {
        const char *s = (const char *)ev->data.scalar.value;
        bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        n = cn_new(c, plain && is_null_plain(s) ? CN_NULL : CN_SCALAR, y->file, line, col);
        n->str = arena_strndup(c->a, s, ev->data.scalar.length);
        if (!plain)
            n->flags |= CNF_QUOTED;
        if (set_tag(y, n, ev->data.scalar.tag) < 0)
            return -1;
        if (n->kind == CN_NULL && ev->data.scalar.tag &&
            !strcmp((const char *)ev->data.scalar.tag, "tag:yaml.org,2002:str"))
            n->kind = CN_SCALAR;
        add_anchor(y, ev->data.scalar.anchor, n);
        break;
    }
    case YAML_SEQUENCE_START_EVENT: {
        n = cn_new(c, CN_SEQ, y->file, line, col);
        if (set_tag(y, n, ev->data.sequence_start.tag) < 0)
            return -1;
        for (;;) {
            yaml_event_t e2;
            if (yp_next(y, &e2) < 0)
                return -1;
            if (e2.type == YAML_SEQUENCE_END_EVENT) {
                yaml_event_delete(&e2);
                break;
            }
            struct cnode *item;
            int r = yp_node(y, &e2, depth + 1, &item);
            yaml_event_delete(&e2);
            if (r < 0)
                return -1;
            cn_push(c, n, NULL, item);
        }
        add_anchor(y, ev->data.sequence_start.anchor, n);
        break;
    }
    case YAML_MAPPING_START_EVENT:
        n = cn_new(c, CN_MAP, y->file, line, col);
        if (set_tag(y, n, ev->data.mapping_start.tag) < 0 || yp_mapping(y, n, depth) < 0)
            return -1;
        add_anchor(y, ev->data.mapping_start.anchor, n);
        break;
    default:
        return herr_set(c->e, 0, "%s:%d:%d: unexpected YAML event", y->file, line, col);
    }
    *out = n;
    return 0;
}

int cn_parse(struct cctx *c, const char *file, const char *text, size_t len, struct cnode ***docs)
{
    struct yp y = {.c = c, .file = file};
    struct cnode **list = NULL;
    size_t nlist = 0;
    int r = -1;
    yaml_parser_initialize(&y.p);
    yaml_parser_set_input_string(&y.p, (const unsigned char *)text, len);
    for (;;) {
        yaml_event_t ev;
        if (yp_next(&y, &ev) < 0)
            goto out;
        if (ev.type == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (ev.type != YAML_DOCUMENT_START_EVENT) {
            yaml_event_delete(&ev);
            continue;
        }
        yaml_event_delete(&ev);
        if (yp_next(&y, &ev) < 0)
            goto out;
        struct cnode *root;
        int rr = yp_node(&y, &ev, 0, &root);
        yaml_event_delete(&ev);
        if (rr < 0)
            goto out;
        if (yp_next(&y, &ev) < 0)
            goto out;
        yaml_event_delete(&ev);
        struct cnode **nl = arena_alloc(c->a, (nlist + 2) * sizeof(*nl));
        if (nlist)
            memcpy(nl, list, nlist * sizeof(*nl));
        list = nl;
        list[nlist++] = root;
        list[nlist] = NULL;
        /* Anchors are scoped to their document. */
        for (size_t i = 0; i < y.nanchors; i++)
            free(y.anchors[i].name);
        y.nanchors = 0;
    }
    if (!list) {
        list = arena_alloc(c->a, sizeof(*list));
        list[0] = NULL;
    }
    *docs = list;
    r = 0;
out:
    for (size_t i = 0; i < y.nanchors; i++)
        free(y.anchors[i].name);
    free(y.anchors);
    yaml_parser_delete(&y.p);
    return r;
}
