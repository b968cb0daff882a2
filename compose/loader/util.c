/* Small parsers shared by the loader stages: durations, booleans, paths, words. */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/str.h"
#include "compose/loader/loader_internal.h"

int parse_duration(const char *s, long long *ns)
{
    static const struct {
        const char *unit;
        long long mult;
    } units[] = {{"ns", 1},           {"us", 1000},         {"\xc2\xb5s", 1000},   {"ms", 1000000},
                 {"s", 1000000000LL}, {"m", 60000000000LL}, {"h", 3600000000000LL}};
    long double total = 0;
    const char *p = s;
    if (!*p)
        return -1;
    if (!strcmp(p, "0")) {
        *ns = 0;
        return 0;
    }
    while (*p) {
        if (!isdigit((unsigned char)*p) && *p != '.')
            return -1;
        char *end;
        long double v = strtold(p, &end);
        if (end == p)
            return -1;
        p = end;
        size_t best = 0, bestlen = 0;
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
            size_t l = strlen(units[i].unit);
            if (!strncmp(p, units[i].unit, l) && l > bestlen) {
                best = i;
                bestlen = l;
            }
        }
        if (!bestlen)
            return -1;
        p += bestlen;
        total += v * units[best].mult;
    }
    if (total > (long double)LLONG_MAX)
        return -1;
    *ns = (long long)(total + 0.5L);
    return 0;
}

/* Go's time.Duration.String(), which docker compose prints. */
char *format_duration(long long ns)
{
    if (ns == 0)
        return xstrdup("0s");
    char frac[32];
    if (ns < 1000000000LL) {
        const char *unit = "ns";
        long long div = 1;
        if (ns >= 1000000) {
            unit = "ms";
            div = 1000000;
        } else if (ns >= 1000) {
            unit = "\xc2\xb5s";
            div = 1000;
        }
        snprintf(frac, sizeof(frac), "%lld", ns % div);
        if (ns % div) {
            int width = div == 1000000 ? 6 : 3;
            snprintf(frac, sizeof(frac), ".%0*lld", width, ns % div);
            size_t l = strlen(frac);
            while (frac[l - 1] == '0')
                frac[--l] = '\0';
        } else {
            frac[0] = '\0';
        }
        return xasprintf("%lld%s%s", ns / div, frac, unit);
    }
    long long h = ns / 3600000000000LL, m = ns / 60000000000LL % 60, s = ns / 1000000000LL % 60,
              rest = ns % 1000000000LL;
    frac[0] = '\0';
    if (rest) {
        snprintf(frac, sizeof(frac), ".%09lld", rest);
        size_t l = strlen(frac);
        while (frac[l - 1] == '0')
            frac[--l] = '\0';
    }
    if (h)
        return xasprintf("%lldh%lldm%lld%ss", h, m, s, frac);
    if (m)
        return xasprintf("%lldm%lld%ss", m, s, frac);
    return xasprintf("%lld%ss", s, frac);
}

bool parse_bool_str(const char *s, bool *out)
{
    static const char *const yes[] = {"true", "yes", "y", "on", "1"};
    static const char *const no[] = {"false", "no", "n", "off", "0"};
    for (size_t i = 0; i < 5; i++) {
        if (!strcasecmp(s, yes[i])) {
            *out = true;
            return true;
        }
        if (!strcasecmp(s, no[i])) {
            *out = false;
            return true;
        }
    }
    return false;
}

const char *home_dir(const struct cenv *env)
{
    const char *h = cenv_get(env, "HOME");
    if (!h)
        h = getenv("HOME");
    return h && *h ? h : "/";
}

/* Lexical clean: collapse //, drop ".", resolve ".." without touching the disk. */
static char *path_clean(char *p)
{
    char **parts = NULL;
    size_t n = 0;
    bool abs = *p == '/';
    char *save, *tok = strtok_r(p, "/", &save);
    for (; tok; tok = strtok_r(NULL, "/", &save)) {
        if (!strcmp(tok, "."))
            continue;
        if (!strcmp(tok, "..") && n && strcmp(parts[n - 1], "..")) {
            n--;
            continue;
        }
        if (!strcmp(tok, "..") && abs)
            continue;
        parts = xrealloc(parts, (n + 1) * sizeof(*parts));
        parts[n++] = tok;
    }
    size_t len = 2;
    for (size_t i = 0; i < n; i++)
        len += strlen(parts[i]) + 1;
    char *out = xmalloc(len);
    char *o = out;
    if (abs)
        *o++ = '/';
    for (size_t i = 0; i < n; i++)
        o += sprintf(o, "%s%s", i ? "/" : "", parts[i]);
    if (o == out)
        *o++ = '.';
    *o = '\0';
    free(parts);
    return out;
}

char *path_join(const char *dir, const char *rel)
{
    _cleanup_free_ char *j = *rel == '/' ? xstrdup(rel) : xasprintf("%s/%s", dir, rel);
    return path_clean(j);
}

char *path_resolve(const char *base, const char *p, const struct cenv *env)
{
    if (p[0] == '~' && (p[1] == '/' || !p[1]))
        return path_join(home_dir(env), p[1] ? p + 2 : "");
    return path_join(base, p);
}

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return SIZE_MAX;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t best = prev + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            prev = cur;
        }
    }
    return row[lb];
}

const char *closest_word(const char *w, const char *const *cands)
{
    const char *best = NULL;
    size_t bestd = SIZE_MAX, limit = strlen(w) / 3 + 1;
    if (limit < 2)
        limit = 2;
    for (; *cands; cands++) {
        size_t d = edit_distance(w, *cands);
        if (d < bestd) {
            bestd = d;
            best = *cands;
        }
    }
    return bestd <= limit ? best : NULL;
}

int shell_split(const char *s, char ***out)
{
    char **v = NULL;
    size_t cap = strlen(s) + 1;
    _cleanup_free_ char *word = xmalloc(cap);
    size_t n = 0;
    bool in = false;
    for (const char *p = s;; p++) {
        if (!*p || isspace((unsigned char)*p)) {
            if (in) {
                word[n] = '\0';
                strv_push(&v, xstrdup(word));
                n = 0;
                in = false;
            }
            if (!*p)
                break;
            continue;
        }
        in = true;
        if (*p == '\'') {
            for (p++; *p && *p != '\''; p++)
                word[n++] = *p;
            if (!*p)
                goto bad;
        } else if (*p == '"') {
            for (p++; *p && *p != '"'; p++) {
                if (*p == '\\' && p[1] && strchr("\"\\$`\n", p[1]))
                    p++;
                word[n++] = *p;
            }
            if (!*p)
                goto bad;
        } else if (*p == '\\') {
            if (!p[1])
                goto bad;
            word[n++] = *++p;
        } else {
            word[n++] = *p;
        }
    }
    if (!v)
        v = xcalloc(1, sizeof(char *));
    *out = v;
    return 0;
bad:
    strv_free(v);
    return -1;
}
