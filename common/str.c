#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "common/str.h"

static void *oom(void)
{
    fputs("hoist: out of memory\n", stderr);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    return p ? p : oom();
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    return p ? p : oom();
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    return p ? p : oom();
}

char *xstrdup(const char *s)
{
    char *p = strdup(s);
    return p ? p : oom();
}

char *xstrndup(const char *s, size_t n)
{
    char *p = strndup(s, n);
    return p ? p : oom();
}

char *xasprintf(const char *fmt, ...)
{
    char *p;
    va_list ap;
    va_start(ap, fmt);
    int r = vasprintf(&p, fmt, ap);
    va_end(ap);
    return r < 0 ? oom() : p;
}

bool str_has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_has_suffix(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

size_t strv_len(char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

void strv_push(char ***v, char *owned)
{
    size_t n = strv_len(*v);
    *v = xrealloc(*v, (n + 2) * sizeof(char *));
    (*v)[n] = owned;
    (*v)[n + 1] = NULL;
}

char **strv_dup(char *const *v)
{
    size_t n = strv_len(v);
    char **r = xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        r[i] = xstrdup(v[i]);
    return r;
}

void strv_free(char **v)
{
    if (!v)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

int str_random_hex(char *buf, size_t n)
{
    unsigned char raw[64];
    static const char hex[] = "0123456789abcdef";
    size_t done = 0;
    while (done < n) {
        size_t want = (n - done + 1) / 2;
        if (want > sizeof(raw))
            want = sizeof(raw);
        if (getrandom(raw, want, 0) != (ssize_t)want)
            return -1;
        for (size_t i = 0; i < want && done < n; i++) {
            buf[done++] = hex[raw[i] >> 4];
            if (done < n)
                buf[done++] = hex[raw[i] & 15];
        }
    }
    buf[n] = '\0';
    return 0;
}

int str_parse_ll(const char *s, long long *out)
{
    if (!s || !isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

int str_parse_size(const char *s, long long *out)
{
    if (!s || !isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (errno || v < 0)
        return -1;
    long long mult = 1;
    switch (tolower((unsigned char)*end)) {
    case '\0':
        break;
    case 'b':
        break;
    case 'k':
        mult = 1LL << 10;
        break;
    case 'm':
        mult = 1LL << 20;
        break;
    case 'g':
        mult = 1LL << 30;
        break;
    case 't':
        mult = 1LL << 40;
        break;
    default:
        return -1;
    }
    if (*end) {
        end++;
        /* accept "512mb", "1gb", "100kib" spellings */
        if (tolower((unsigned char)*end) == 'i')
            end++;
        if (tolower((unsigned char)*end) == 'b')
            end++;
        if (*end)
            return -1;
    }
    if (v * (double)mult > (double)LLONG_MAX)
        return -1;
    *out = (long long)(v * (double)mult);
    return 0;
}
