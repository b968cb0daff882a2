/* Environments and .env files (docker compose's dotenv dialect). */
#include <ctype.h>
#include <fcntl.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/str.h"
#include "compose/loader/loader_internal.h"

void cenv_put(struct cenv *env, const char *name, const char *value)
{
    for (size_t i = 0; i < env->n; i++) {
        if (!strcmp(env->names[i], name)) {
            free(env->values[i]);
            env->values[i] = value ? xstrdup(value) : NULL;
            return;
        }
    }
    if (env->n == env->cap) {
        env->cap = env->cap ? env->cap * 2 : 16;
        env->names = xrealloc(env->names, env->cap * sizeof(char *));
        env->values = xrealloc(env->values, env->cap * sizeof(char *));
    }
    env->names[env->n] = xstrdup(name);
    env->values[env->n++] = value ? xstrdup(value) : NULL;
}

const char *cenv_get(const struct cenv *env, const char *name)
{
    for (size_t i = env ? env->n : 0; i-- > 0;) {
        if (!strcmp(env->names[i], name))
            return env->values[i];
    }
    return NULL;
}

void cenv_free(struct cenv *env)
{
    for (size_t i = 0; i < env->n; i++) {
        free(env->names[i]);
        free(env->values[i]);
    }
    free(env->names);
    free(env->values);
    memset(env, 0, sizeof(*env));
}

void cenv_from_environ(struct cenv *env, char **envp)
{
    for (char **p = envp; p && *p; p++) {
        const char *eq = strchr(*p, '=');
        if (!eq || eq == *p)
            continue;
        _cleanup_free_ char *name = xstrndup(*p, eq - *p);
        cenv_put(env, name, eq + 1);
    }
}

struct dotenv {
    struct cctx *c;
    const char *file;
    const char *s;
    size_t i;
    int line;
    const struct cenv *lookup;
    struct cenv *out;
};

static int dot_err(struct dotenv *d, const char *what)
{
    return herr_set(d->c->e, 0, "%s:%d: %s", d->file, d->line, what);
}

/* Values may use variables from the process environment, then from the file so far. */
static int dot_expand(struct dotenv *d, const char *raw, char **out)
{
    struct cenv merged = {0};
    for (size_t i = 0; i < d->out->n; i++)
        cenv_put(&merged, d->out->names[i], d->out->values[i]);
    for (size_t i = 0; d->lookup && i < d->lookup->n; i++)
        cenv_put(&merged, d->lookup->names[i], d->lookup->values[i]);
    struct cnode pos = {.file = d->file, .line = d->line, .col = 1};
    int r = interp_string(d->c, &merged, raw, &pos, NULL, out);
    cenv_free(&merged);
    return r;
}

static bool key_char(char ch)
{
    return isalnum((unsigned char)ch) || ch == '_' || ch == '.' || ch == '-';
}

static int dot_value(struct dotenv *d, char **val)
{
    const char *s = d->s;
    size_t i = d->i;
    if (s[i] == '\'') {
        size_t start = ++i;
        while (s[i] && s[i] != '\'')
            i++;
        if (!s[i])
            return dot_err(d, "unterminated single-quoted value");
        *val = xstrndup(s + start, i - start);
        for (size_t j = start; j < i; j++)
            d->line += s[j] == '\n';
        d->i = i + 1;
        return 0;
    }
    if (s[i] == '"') {
        size_t cap = 64, n = 0;
        _cleanup_free_ char *buf = xmalloc(cap);
        int startline = d->line;
        for (i++; s[i] && s[i] != '"'; i++) {
            if (n + 3 >= cap)
                buf = xrealloc(buf, cap *= 2);
            char ch = s[i];
            if (ch == '\n')
                d->line++;
            if (ch == '\\' && s[i + 1]) {
                ch = s[++i];
                switch (ch) {
                case 'n':
                    ch = '\n';
                    break;
                case 't':
                    ch = '\t';
                    break;
                case 'r':
                    ch = '\r';
                    break;
                case '$':
                    buf[n++] = '$'; /* stays literal through interpolation */
                    break;
                case '"':
                case '\\':
                    break;
                default:
                    buf[n++] = '\\';
                }
            }
            buf[n++] = ch;
        }
        if (!s[i]) {
            d->line = startline;
            return dot_err(d, "unterminated double-quoted value");
        }
        buf[n] = '\0';
        d->i = i + 1;
        int saved = d->line;
        d->line = startline;
        int r = dot_expand(d, buf, val);
        d->line = saved;
        return r;
    }
    size_t start = i;
    while (s[i] && s[i] != '\n') {
        if (s[i] == '#' && i > start && (s[i - 1] == ' ' || s[i - 1] == '\t'))
            break;
        i++;
    }
    size_t end = i;
    while (end > start && isspace((unsigned char)s[end - 1]))
        end--;
    while (s[i] && s[i] != '\n')
        i++;
    d->i = i;
    _cleanup_free_ char *raw = xstrndup(s + start, end - start);
    return dot_expand(d, raw, val);
}

int cenv_parse_text(struct cctx *c, const char *file, const char *text, const struct cenv *lookup,
                    struct cenv *out)
{
    struct dotenv d = {.c = c, .file = file, .s = text, .line = 1, .lookup = lookup, .out = out};
    const char *s = text;
    for (;;) {
        while (s[d.i] == ' ' || s[d.i] == '\t' || s[d.i] == '\r' || s[d.i] == '\n') {
            if (s[d.i] == '\n')
                d.line++;
            d.i++;
        }
        if (!s[d.i])
            return 0;
        if (s[d.i] == '#') {
            while (s[d.i] && s[d.i] != '\n')
                d.i++;
            continue;
        }
        if (!strncmp(s + d.i, "export", 6) && (s[d.i + 6] == ' ' || s[d.i + 6] == '\t'))
            for (d.i += 6; s[d.i] == ' ' || s[d.i] == '\t';)
                d.i++;
        size_t kstart = d.i;
        while (key_char(s[d.i]))
            d.i++;
        _cleanup_free_ char *key = xstrndup(s + kstart, d.i - kstart);
        while (s[d.i] == ' ' || s[d.i] == '\t')
            d.i++;
        if (!*key || isdigit((unsigned char)*key)) {
            char msg[128];
            snprintf(msg, sizeof(msg), "invalid variable name starting at \"%.*s\"",
                     (int)strcspn(s + kstart, "\r\n") > 20 ? 20 : (int)strcspn(s + kstart, "\r\n"),
                     s + kstart);
            return dot_err(&d, msg);
        }
        if (s[d.i] == '\n' || s[d.i] == '\r' || s[d.i] == '#' || !s[d.i]) {
            /* A bare key takes its value from the process environment, if any. */
            const char *v = cenv_get(lookup, key);
            if (v)
                cenv_put(out, key, v);
            while (s[d.i] && s[d.i] != '\n')
                d.i++;
            continue;
        }
        if (s[d.i] != '=' && s[d.i] != ':') {
            char msg[160];
            snprintf(msg, sizeof(msg), "unexpected character \"%c\" after variable name \"%s\"",
                     s[d.i], key);
            return dot_err(&d, msg);
        }
        d.i++;
        while (s[d.i] == ' ' || s[d.i] == '\t')
            d.i++;
        bool quoted = s[d.i] == '\'' || s[d.i] == '"';
        _cleanup_free_ char *val = NULL;
        if (dot_value(&d, &val) < 0)
            return -1;
        if (quoted) {
            while (s[d.i] == ' ' || s[d.i] == '\t' || s[d.i] == '\r')
                d.i++;
            if (s[d.i] && s[d.i] != '\n' && s[d.i] != '#')
                return dot_err(&d, "unexpected text after quoted value");
            while (s[d.i] && s[d.i] != '\n')
                d.i++;
        }
        cenv_put(out, key, val);
    }
}

int cenv_parse_file(struct cctx *c, const char *path, const struct cenv *lookup, struct cenv *out)
{
    _cleanup_free_ char *text = NULL;
    size_t len;
    if (fs_read_all(AT_FDCWD, path, &text, &len, c->e) < 0)
        return -1;
    if (memchr(text, '\0', len))
        return herr_set(c->e, 0, "%s: not a text file (contains NUL bytes)", path);
    return cenv_parse_text(c, path, text, lookup, out);
}
