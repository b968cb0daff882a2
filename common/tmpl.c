#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"
#include "common/tmpl.h"

#define MAX_ARGS 8

struct tok {
    enum { T_FIELD, T_IDENT, T_STR, T_INT, T_PIPE } kind;
    char *text; /* field path (after the dot), identifier, or the decoded string */
    long long num;
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void toks_free(struct tok *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(t[i].text);
}

/* Go's %v of a decoded JSON value. */
static void print_v(FILE *f, const json_t *j)
{
    if (!j) {
        fputs("<no value>", f);
        return;
    }
    switch (json_typeof(j)) {
    case JSON_STRING:
        fwrite(json_string_value(j), 1, json_string_length(j), f);
        break;
    case JSON_INTEGER:
        fprintf(f, "%lld", (long long)json_integer_value(j));
        break;
    case JSON_REAL: {
        /* The shortest text that reads back as the same double, as Go prints it. */
        double d = json_real_value(j);
        char buf[40];
        for (int p = 1; p <= 17; p++) {
            snprintf(buf, sizeof(buf), "%.*g", p, d);
            if (strtod(buf, NULL) == d)
                break;
        }
        fputs(buf, f);
        break;
    }
    case JSON_TRUE:
        fputs("true", f);
        break;
    case JSON_FALSE:
        fputs("false", f);
        break;
    case JSON_NULL:
        fputs("<nil>", f);
        break;
    case JSON_ARRAY: {
        fputc('[', f);
        for (size_t i = 0; i < json_array_size(j); i++) {
            if (i)
                fputc(' ', f);
            print_v(f, json_array_get(j, i));
        }
        fputc(']', f);
        break;
    }
    case JSON_OBJECT: {
        size_t n = json_object_size(j), k = 0;
        const char **keys = xcalloc(n + 1, sizeof(*keys));
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)j, key, v)
        {
            keys[k++] = key;
        }
        qsort(keys, n, sizeof(*keys), cmp_str);
        fputs("map[", f);
        for (size_t i = 0; i < n; i++) {
            fprintf(f, "%s%s:", i ? " " : "", keys[i]);
            print_v(f, json_object_get(j, keys[i]));
        }
        fputc(']', f);
        free(keys);
        break;
    }
    }
}

static char *text_v(const json_t *j)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        abort();
    print_v(f, j);
    fclose(f);
    return buf;
}

/* Words of one action; string literals are decoded. */
static int lex(const char *s, size_t n, struct tok *out, size_t *nt, size_t col, struct herr *e)
{
    size_t i = 0;
    *nt = 0;
    while (i < n) {
        if (isspace((unsigned char)s[i])) {
            i++;
            continue;
        }
        if (*nt == MAX_ARGS * 2)
            return herr_plain(e, EINVAL, "template: col %zu: too many words in one action", col);
        struct tok *t = &out[(*nt)++];
        *t = (struct tok){0};
        size_t start = i;
        if (s[i] == '|') {
            t->kind = T_PIPE;
            i++;
        } else if (s[i] == '"' || s[i] == '`') {
            char q = s[i++];
            char *buf = xmalloc(n - start + 1);
            size_t k = 0;
            while (i < n && s[i] != q) {
                if (q == '"' && s[i] == '\\' && i + 1 < n) {
                    i++;
                    buf[k++] = s[i] == 'n' ? '\n' : s[i] == 't' ? '\t' : s[i];
                } else {
                    buf[k++] = s[i];
                }
                i++;
            }
            buf[k] = '\0';
            t->kind = T_STR;
            t->text = buf;
            if (i >= n)
                return herr_plain(e, EINVAL, "template: col %zu: unterminated quoted string",
                                  col + start);
            i++;
        } else {
            while (i < n && !isspace((unsigned char)s[i]) && s[i] != '|')
                i++;
            char *w = xstrndup(s + start, i - start);
            if (w[0] == '.') {
                t->kind = T_FIELD;
                t->text = xstrdup(w + 1);
                free(w);
            } else if (isdigit((unsigned char)w[0]) || (w[0] == '-' && w[1])) {
                t->kind = T_INT;
                t->text = w;
                if (str_parse_ll(w, &t->num) < 0)
                    return herr_plain(e, EINVAL, "template: col %zu: bad number \"%s\"",
                                      col + start, w);
            } else {
                t->kind = T_IDENT;
                t->text = w;
            }
        }
    }
    return 0;
}

/* .A.B.C from dot; NULL (no value) once a key is missing. */
static int field(const json_t *dot, const char *path, json_t **out, struct herr *e)
{
    json_t *cur = (json_t *)dot;
    _cleanup_free_ char *copy = xstrdup(path);
    char *save = NULL;
    for (char *k = strtok_r(copy, ".", &save); k && cur; k = strtok_r(NULL, ".", &save)) {
        if (!json_is_object(cur))
            return herr_plain(e, EINVAL, "template: can't evaluate field %s in a non-object", k);
        cur = json_object_get(cur, k);
    }
    *out = cur;
    return 0;
}

static json_t *operand(const json_t *dot, const struct tok *t, struct herr *e, int *rc)
{
    json_t *j = NULL;
    switch (t->kind) {
    case T_FIELD:
        if (field(dot, t->text, &j, e) < 0)
            *rc = -1;
        return json_incref(j);
    case T_STR:
        return json_string(t->text);
    case T_INT:
        return json_integer(t->num);
    default:
        *rc = herr_plain(e, EINVAL, "template: unexpected \"%s\" as an argument",
                         t->kind == T_PIPE ? "|" : t->text);
        return NULL;
    }
}

static json_t *call(const char *fn, json_t **a, size_t na, struct herr *e, int *rc)
{
    if (strcmp(fn, "json") == 0 && na == 1) {
        char *s = a[0] ? json_dumps(a[0], JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER)
                       : xstrdup("null");
        json_t *r = json_string(s);
        free(s);
        return r;
    }
    if (strcmp(fn, "index") == 0 && na >= 2) {
        json_t *cur = a[0];
        for (size_t i = 1; i < na && cur; i++) {
            if (json_is_object(cur) && json_is_string(a[i]))
                cur = json_object_get(cur, json_string_value(a[i]));
            else if (json_is_array(cur) && json_is_integer(a[i]))
                cur = json_array_get(cur, (size_t)json_integer_value(a[i]));
            else {
                *rc = herr_plain(e, EINVAL, "template: index: cannot index that value");
                return NULL;
            }
        }
        return json_incref(cur);
    }
    if (strcmp(fn, "len") == 0 && na == 1 &&
        (json_is_array(a[0]) || json_is_object(a[0]) || json_is_string(a[0]))) {
        size_t n = json_is_array(a[0])    ? json_array_size(a[0])
                   : json_is_object(a[0]) ? json_object_size(a[0])
                                          : json_string_length(a[0]);
        return json_integer((json_int_t)n);
    }
    if ((strcmp(fn, "upper") == 0 || strcmp(fn, "lower") == 0) && na == 1) {
        _cleanup_free_ char *s = text_v(a[0]);
        for (char *p = s; *p; p++)
            *p = (char)(fn[0] == 'u' ? toupper((unsigned char)*p) : tolower((unsigned char)*p));
        return json_string(s);
    }
    if (strcmp(fn, "join") == 0 && na == 2 && json_is_array(a[0]) && json_is_string(a[1])) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        for (size_t i = 0; f && i < json_array_size(a[0]); i++) {
            if (i)
                fputs(json_string_value(a[1]), f);
            print_v(f, json_array_get(a[0], i));
        }
        if (f)
            fclose(f);
        json_t *r = json_string(buf ? buf : "");
        free(buf);
        return r;
    }
    if (strcmp(fn, "println") == 0) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        for (size_t i = 0; f && i < na; i++) {
            if (i)
                fputc(' ', f);
            print_v(f, a[i]);
        }
        if (f) {
            fputc('\n', f);
            fclose(f);
        }
        json_t *r = json_string(buf ? buf : "\n");
        free(buf);
        return r;
    }
    static const char *const known[] = {"json", "index", "len", "upper", "lower", "join", NULL};
    for (const char *const *k = known; *k; k++) {
        if (strcmp(fn, *k) == 0) {
            *rc = herr_plain(e, EINVAL, "template: wrong number or type of arguments for %s", fn);
            return NULL;
        }
    }
    static const char *const actions[] = {"range",  "if",       "with",  "else", "end",
                                          "define", "template", "block", NULL};
    for (const char *const *k = actions; *k; k++) {
        if (strcmp(fn, *k) == 0) {
            *rc = herr_plain(e, EINVAL, "template: \"%s\" actions are not supported", fn);
            return NULL;
        }
    }
    *rc = herr_plain(e, EINVAL, "template: function \"%s\" not defined", fn);
    return NULL;
}

/* One pipeline: commands split by '|', each fed the previous result as its last
 * argument. *out may be NULL (no value). */
static int pipeline(const json_t *dot, struct tok *t, size_t nt, json_t **out, struct herr *e)
{
    json_t *prev = NULL;
    bool have_prev = false;
    int rc = 0;
    size_t i = 0;
    while (i < nt && rc == 0) {
        size_t j = i;
        while (j < nt && t[j].kind != T_PIPE)
            j++;
        if (j == i) {
            rc = herr_plain(e, EINVAL, "template: missing command around \"|\"");
            break;
        }
        json_t *args[MAX_ARGS + 1] = {0};
        size_t na = 0;
        bool is_fn = t[i].kind == T_IDENT;
        for (size_t k = is_fn ? i + 1 : i; k < j && rc == 0; k++) {
            if (na == MAX_ARGS)
                rc = herr_plain(e, EINVAL, "template: too many arguments");
            else
                args[na++] = operand(dot, &t[k], e, &rc);
        }
        if (have_prev && rc == 0)
            args[na++] = json_incref(prev);
        json_t *r = NULL;
        if (rc == 0 && is_fn)
            r = call(t[i].text, args, na, e, &rc);
        else if (rc == 0 && na == 1)
            r = json_incref(args[0]);
        else if (rc == 0)
            rc = herr_plain(e, EINVAL, "template: a value cannot take arguments");
        for (size_t k = 0; k < na; k++)
            json_decref(args[k]);
        json_decref(prev);
        prev = r;
        have_prev = true;
        i = j + 1;
    }
    if (rc < 0) {
        json_decref(prev);
        return -1;
    }
    *out = prev;
    return 0;
}

int tmpl_render(const char *tmpl, const json_t *v, char **out, struct herr *e)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return herr_sys(e, "open_memstream");
    const char *p = tmpl;
    bool trim_next = false;
    int rc = 0;
    while (*p && rc == 0) {
        const char *open = strstr(p, "{{");
        const char *text_end = open ? open : p + strlen(p);
        const char *ts = p;
        if (trim_next)
            while (ts < text_end && isspace((unsigned char)*ts))
                ts++;
        const char *te = text_end;
        bool ltrim = open && open[2] == '-' && isspace((unsigned char)open[3]);
        if (ltrim)
            while (te > ts && isspace((unsigned char)te[-1]))
                te--;
        fwrite(ts, 1, (size_t)(te - ts), f);
        if (!open)
            break;
        size_t col = (size_t)(open - tmpl) + 1;
        const char *a = open + 2 + (ltrim ? 2 : 0);
        const char *close = a;
        char quote = 0;
        while (*close && (quote || close[0] != '}' || close[1] != '}')) {
            if (quote && *close == '\\' && quote == '"' && close[1])
                close++;
            else if (quote && *close == quote)
                quote = 0;
            else if (!quote && (*close == '"' || *close == '`'))
                quote = *close;
            close++;
        }
        if (!*close) {
            rc = herr_plain(e, EINVAL, "template: col %zu: unclosed action", col);
            break;
        }
        const char *ae = close;
        trim_next = ae - a >= 2 && ae[-1] == '-' && isspace((unsigned char)ae[-2]);
        if (trim_next)
            ae -= 2;
        p = close + 2;
        while (a < ae && isspace((unsigned char)*a))
            a++;
        if (ae - a >= 2 && a[0] == '/' && a[1] == '*')
            continue;
        struct tok toks[MAX_ARGS * 2];
        size_t nt = 0;
        json_t *r = NULL;
        rc = lex(a, (size_t)(ae - a), toks, &nt, col, e);
        if (rc == 0 && nt == 0)
            rc = herr_plain(e, EINVAL, "template: col %zu: empty action", col);
        if (rc == 0)
            rc = pipeline(v, toks, nt, &r, e);
        if (rc == 0)
            print_v(f, r);
        json_decref(r);
        toks_free(toks, nt);
    }
    fclose(f);
    if (rc < 0) {
        free(buf);
        return -1;
    }
    *out = buf;
    return 0;
}
