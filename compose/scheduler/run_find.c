/* A project's containers, found by their labels: the only record of what a project owns. */
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"
#include "compose/scheduler/scheduler.h"
#include "engine/container/container.h"

static int by_service_number(const void *a, const void *b)
{
    const struct compose_ctr *x = a, *y = b;
    int r = strcmp(x->service, y->service);
    if (r)
        return r;
    if (x->oneoff != y->oneoff)
        return x->oneoff ? 1 : -1;
    return x->number != y->number ? (x->number < y->number ? -1 : 1) : strcmp(x->name, y->name);
}

int compose_containers(const struct ctr_ctx *c, const char *project, bool oneoff,
                       struct compose_ctr **out, size_t *n, struct herr *e)
{
    _cleanup_strv_ char **ids = NULL;
    if (ctr_list(c, &ids, e) < 0)
        return -1;
    struct compose_ctr *v = xcalloc(strv_len(ids) + 1, sizeof(*v));
    size_t k = 0;
    for (char **id = ids; id && *id; id++) {
        /* A container removed meanwhile (a concurrent down) is simply not there. */
        json_t *j = ctr_inspect(c, *id, NULL);
        const json_t *labels = hj_path(j, "Config.Labels");
        const char *proj = hj_str(labels, COMPOSE_LABEL_PROJECT);
        const char *one = hj_str(labels, COMPOSE_LABEL_ONEOFF);
        bool is_oneoff = one && !strcasecmp(one, "true");
        if (!proj || strcmp(proj, project) || (is_oneoff && !oneoff)) {
            json_decref(j);
            continue;
        }
        const char *name = hj_str(j, "Name"), *svc = hj_str(labels, COMPOSE_LABEL_SERVICE);
        const char *num = hj_str(labels, COMPOSE_LABEL_NUMBER);
        long long number = 0;
        if (!num || str_parse_ll(num, &number) < 0 || number > 1000000)
            number = 0;
        v[k++] = (struct compose_ctr){
            .id = xstrdup(*id),
            .name = xstrdup(name ? (name[0] == '/' ? name + 1 : name) : *id),
            .service = xstrdup(svc ? svc : ""),
            .number = (int)number,
            .oneoff = is_oneoff,
            .inspect = j,
        };
    }
    qsort(v, k, sizeof(*v), by_service_number);
    *out = v;
    *n = k;
    return 0;
}

void compose_ctrs_free(struct compose_ctr *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].id);
        free(v[i].name);
        free(v[i].service);
        json_decref(v[i].inspect);
    }
    free(v);
}
