/* The dependency graph of services: start order and cycle detection. */
#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/str.h"
#include "compose/loader/loader.h"
#include "compose/loader/loader_internal.h"

enum { WHITE, GREY, BLACK };

struct walk {
    json_t *services;
    json_t *color; /* name -> int */
    char **order;
    char **stack;
    char *cycle;
};

static int visit(struct walk *w, const char *name)
{
    json_int_t col = json_integer_value(json_object_get(w->color, name));
    if (col == BLACK)
        return 0;
    if (col == GREY) {
        /* The cycle is the stack from the first occurrence of name. */
        size_t n = strv_len(w->stack), from = 0;
        while (from < n && strcmp(w->stack[from], name))
            from++;
        size_t len = strlen(name) + 1;
        for (size_t i = from; i < n; i++)
            len += strlen(w->stack[i]) + 4;
        w->cycle = xmalloc(len + 1);
        w->cycle[0] = '\0';
        for (size_t i = from; i < n; i++) {
            strcat(w->cycle, w->stack[i]);
            strcat(w->cycle, " -> ");
        }
        strcat(w->cycle, name);
        return -1;
    }
    json_t *svc = json_object_get(w->services, name);
    if (!svc)
        return 0;
    json_object_set_new(w->color, name, json_integer(GREY));
    strv_push(&w->stack, xstrdup(name));
    /* Visit dependencies in name order so the result does not depend on file order. */
    json_t *deps = json_object_get(svc, "depends_on");
    const char **keys = xcalloc(json_object_size(deps) + 1, sizeof(char *));
    size_t nk = 0;
    const char *k;
    json_t *v;
    json_object_foreach(deps, k, v) keys[nk++] = k;
    qsort(keys, nk, sizeof(*keys), (int (*)(const void *, const void *))strcmp);
    for (size_t i = 0; i < nk; i++) {
        if (visit(w, keys[i]) < 0) {
            free(keys);
            return -1;
        }
    }
    free(keys);
    size_t n = strv_len(w->stack);
    free(w->stack[n - 1]);
    w->stack[n - 1] = NULL;
    json_object_set_new(w->color, name, json_integer(BLACK));
    strv_push(&w->order, xstrdup(name));
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int graph_order(json_t *services, char ***order, char **cycle)
{
    struct walk w = {.services = services, .color = json_object()};
    size_t n = json_object_size(services), i = 0;
    const char **names = xcalloc(n + 1, sizeof(char *));
    const char *k;
    json_t *v;
    json_object_foreach(services, k, v) names[i++] = k;
    qsort(names, n, sizeof(*names), cmp_str);
    int r = 0;
    for (i = 0; i < n && r == 0; i++)
        r = visit(&w, names[i]);
    free(names);
    strv_free(w.stack);
    json_decref(w.color);
    if (r < 0) {
        strv_free(w.order);
        *cycle = w.cycle;
        return -1;
    }
    if (!w.order)
        w.order = xcalloc(1, sizeof(char *));
    *order = w.order;
    return 0;
}

int compose_graph_order(const struct compose_project *p, char ***order, struct herr *e)
{
    _cleanup_free_ char *cycle = NULL;
    if (graph_order(json_object_get(p->model, "services"), order, &cycle) < 0)
        return herr_set(e, 0, "dependency cycle detected: %s", cycle);
    return 0;
}
