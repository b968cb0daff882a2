/* Rendering the model (YAML or JSON, stable key order) and the per-service hash. */
#include <math.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"
#include "compose/loader/loader.h"

struct obuf {
    char *p;
    size_t n, cap;
};

static int obuf_write(void *data, unsigned char *buf, size_t size)
{
    struct obuf *b = data;
    if (b->n + size + 1 > b->cap) {
        b->cap = (b->n + size + 1) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, buf, size);
    b->n += size;
    b->p[b->n] = '\0';
    return 1;
}

/* Strings that a YAML reader would take for another type must be quoted. */
static bool looks_typed(const char *s)
{
    static const char *const words[] = {"true", "false", "yes", "no", "on", "off",
                                        "null", "y",     "n",   "~",  NULL};
    if (!*s)
        return true;
    for (size_t i = 0; words[i]; i++) {
        if (!strcasecmp(s, words[i]))
            return true;
    }
    char *end;
    strtod(s, &end);
    if (!*end)
        return true;
    /* Sexagesimal and octal-like forms of YAML 1.1, e.g. 80:80 or 0755. */
    return strspn(s, "0123456789:._-") == strlen(s);
}

static const char *const top_order[] = {"name",    "services", "networks", "volumes",
                                        "secrets", "configs",  "models",   NULL};

static int cmp_strp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int emit_scalar(yaml_emitter_t *em, const char *s, bool quote_if_typed)
{
    yaml_event_t ev;
    yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;
    if (quote_if_typed && looks_typed(s))
        style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), 1, 1, style);
    return yaml_emitter_emit(em, &ev) ? 0 : -1;
}

static int emit(yaml_emitter_t *em, const json_t *j, bool top)
{
    yaml_event_t ev;
    char num[64];
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        size_t n = json_object_size(j), i = 0;
        const char **keys = xcalloc(n + 1, sizeof(char *));
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)j, k, v) keys[i++] = k;
        qsort(keys, n, sizeof(*keys), cmp_strp);
        if (top) {
            /* The project's own keys first, in docker compose's order. */
            size_t o = 0;
            for (size_t t = 0; top_order[t]; t++) {
                for (size_t m = o; m < n; m++) {
                    if (!strcmp(keys[m], top_order[t])) {
                        memmove(keys + o + 1, keys + o, (m - o) * sizeof(*keys));
                        keys[o++] = top_order[t];
                        break;
                    }
                }
            }
        }
        yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
        int r = yaml_emitter_emit(em, &ev) ? 0 : -1;
        for (i = 0; r == 0 && i < n; i++) {
            r = emit_scalar(em, keys[i], true);
            if (r == 0)
                r = emit(em, json_object_get(j, keys[i]), false);
        }
        free(keys);
        yaml_mapping_end_event_initialize(&ev);
        return r == 0 && yaml_emitter_emit(em, &ev) ? 0 : -1;
    }
    case JSON_ARRAY: {
        yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
        if (!yaml_emitter_emit(em, &ev))
            return -1;
        size_t i;
        json_t *v;
        json_array_foreach((json_t *)j, i, v)
        {
            if (emit(em, v, false) < 0)
                return -1;
        }
        yaml_sequence_end_event_initialize(&ev);
        return yaml_emitter_emit(em, &ev) ? 0 : -1;
    }
    case JSON_STRING:
        return emit_scalar(em, json_string_value(j), true);
    case JSON_INTEGER:
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(j));
        return emit_scalar(em, num, false);
    case JSON_REAL: {
        double d = json_real_value(j);
        snprintf(num, sizeof(num), "%.15g", d);
        if (d == floor(d) && !strpbrk(num, ".e"))
            strcat(num, ".0");
        return emit_scalar(em, num, false);
    }
    case JSON_TRUE:
        return emit_scalar(em, "true", false);
    case JSON_FALSE:
        return emit_scalar(em, "false", false);
    default:
        return emit_scalar(em, "null", false);
    }
}

char *compose_render_json(const json_t *j, enum compose_format fmt, struct herr *e)
{
    if (fmt == COMPOSE_JSON) {
        char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        if (!s)
            herr_set(e, ENOMEM, "cannot render the model as JSON");
        else {
            char *t = xasprintf("%s\n", s);
            free(s);
            s = t;
        }
        return s;
    }
    yaml_emitter_t em;
    struct obuf b = {0};
    yaml_emitter_initialize(&em);
    yaml_emitter_set_output(&em, obuf_write, &b);
    yaml_emitter_set_unicode(&em, 1);
    yaml_emitter_set_width(&em, -1);
    yaml_event_t ev;
    yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
    int r = yaml_emitter_emit(&em, &ev) ? 0 : -1;
    yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
    if (r == 0 && !yaml_emitter_emit(&em, &ev))
        r = -1;
    if (r == 0)
        r = emit(&em, j, json_is_object(j) && json_object_get(j, "services"));
    yaml_document_end_event_initialize(&ev, 1);
    if (r == 0 && !yaml_emitter_emit(&em, &ev))
        r = -1;
    yaml_stream_end_event_initialize(&ev);
    if (r == 0 && !yaml_emitter_emit(&em, &ev))
        r = -1;
    if (r < 0)
        herr_set(e, 0, "cannot render the model as YAML: %s",
                 em.problem ? em.problem : "emitter error");
    yaml_emitter_delete(&em);
    if (r < 0) {
        free(b.p);
        return NULL;
    }
    return b.p ? b.p : xstrdup("");
}

char *compose_render(const struct compose_project *p, enum compose_format fmt, struct herr *e)
{
    return compose_render_json(p->model, fmt, e);
}

int compose_service_hash(const struct compose_project *p, const char *service, char out[65],
                         struct herr *e)
{
    json_t *svc = json_object_get(json_object_get(p->model, "services"), service);
    if (!svc)
        return herr_plain(e, ENOENT, "no such service: %s", service);
    _cleanup_json_ json_t *c = json_deep_copy(svc);
    static const char *const ignored[] = {"build", "pull_policy", "scale", "profiles"};
    for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
        json_object_del(c, ignored[i]);
    json_object_del(json_object_get(c, "deploy"), "replicas");
    _cleanup_free_ char *s = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS);
    struct sha256_ctx ctx;
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_init(&ctx);
    sha256_update(&ctx, strlen(s), (const uint8_t *)s);
    sha256_digest(&ctx, sizeof(d), d);
    for (size_t i = 0; i < sizeof(d); i++)
        sprintf(out + 2 * i, "%02x", d[i]);
    return 0;
}
