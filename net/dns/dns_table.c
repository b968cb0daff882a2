/* The names of a network, read from its record: a small JSON reader that only walks
 * what the responder needs, so the responder stays libc only. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/dns/dns.h"

#define JSON_DEPTH_MAX 64

struct jp {
    const char *p, *end;
};

static void ws(struct jp *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static bool lit(struct jp *j, char c)
{
    ws(j);
    if (j->p < j->end && *j->p == c) {
        j->p++;
        return true;
    }
    return false;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A string into out[0..cap) (NUL-terminated, or skipped when out is NULL). Characters
 * beyond ASCII become '?': no name the responder serves contains them. Returns the full
 * length, or -1 when malformed. */
static long jstr(struct jp *j, char *out, size_t cap)
{
    if (!lit(j, '"'))
        return -1;
    size_t n = 0;
    while (j->p < j->end && *j->p != '"') {
        char c = *j->p++;
        if ((unsigned char)c < 0x20)
            return -1;
        if (c == '\\') {
            if (j->p >= j->end)
                return -1;
            char esc = *j->p++;
            const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
            const char *k = strchr(from, esc);
            if (esc == 'u') {
                int v = 0;
                for (int i = 0; i < 4; i++) {
                    int h = j->p < j->end ? hexval(*j->p++) : -1;
                    if (h < 0)
                        return -1;
                    v = v << 4 | h;
                }
                c = v > 0 && v < 0x80 ? (char)v : '?';
            } else if (k && esc) {
                c = to[k - from];
            } else {
                return -1;
            }
        } else if ((unsigned char)c >= 0x80) {
            c = '?';
        }
        if (out && n + 1 < cap)
            out[n] = c;
        n++;
    }
    if (j->p >= j->end)
        return -1;
    j->p++;
    if (out && cap)
        out[n < cap ? n : cap - 1] = '\0';
    return (long)n;
}

static int jskip(struct jp *j, int depth)
{
    ws(j);
    if (j->p >= j->end || depth > JSON_DEPTH_MAX)
        return -1;
    char c = *j->p;
    if (c == '"')
        return jstr(j, NULL, 0) < 0 ? -1 : 0;
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        j->p++;
        if (lit(j, close))
            return 0;
        do {
            if (c == '{' && (jstr(j, NULL, 0) < 0 || !lit(j, ':')))
                return -1;
            if (jskip(j, depth + 1) < 0)
                return -1;
        } while (lit(j, ','));
        return lit(j, close) ? 0 : -1;
    }
    const char *start = j->p;
    while (j->p < j->end && (isalnum((unsigned char)*j->p) || strchr("+-.", *j->p)))
        j->p++;
    return j->p > start ? 0 : -1;
}

struct build {
    struct dns_table *t;
    size_t cap, used; /* entries allocated; bytes of t->strings used */
};

static int add_name(struct build *b, const char *name, bool primary)
{
    size_t n = strlen(name);
    if (n == 0 || n >= DNS_NAME_MAX)
        return 0;
    if (b->t->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        struct dns_entry *v = realloc(b->t->v, cap * sizeof(*v));
        if (!v)
            return -1;
        b->t->v = v;
        b->cap = cap;
    }
    char *s = b->t->strings + b->used;
    for (size_t i = 0; i <= n; i++)
        s[i] = (char)tolower((unsigned char)name[i]);
    b->used += n + 1;
    b->t->v[b->t->n++] = (struct dns_entry){.name = s, .primary = primary};
    return 0;
}

/* One endpoint: its names are added as they come, and dropped again when it turns out
 * to have no usable address. */
static int endpoint(struct jp *j, struct build *b)
{
    size_t first = b->t->n, used = b->used;
    uint32_t addr = 0;
    uint8_t addr6[16] = {0};
    bool have_addr = false, have6 = false;
    char key[32], val[DNS_NAME_MAX + 1];
    if (!lit(j, '{'))
        return -1;
    if (!lit(j, '}')) {
        do {
            if (jstr(j, key, sizeof(key)) < 0 || !lit(j, ':'))
                return -1;
            ws(j);
            bool is_str = j->p < j->end && *j->p == '"';
            if (is_str && (strcmp(key, "Name") == 0 || strcmp(key, "IPv4Address") == 0 ||
                           strcmp(key, "IPv6Address") == 0)) {
                long n = jstr(j, val, sizeof(val));
                if (n < 0)
                    return -1;
                if ((size_t)n >= sizeof(val))
                    continue;
                if (key[0] == 'N' && add_name(b, val, true) < 0)
                    return -1;
                if (strcmp(key, "IPv4Address") == 0) {
                    val[strcspn(val, "/")] = '\0';
                    have_addr = inet_pton(AF_INET, val, &addr) == 1;
                } else if (key[0] == 'I') {
                    val[strcspn(val, "/")] = '\0';
                    have6 = inet_pton(AF_INET6, val, addr6) == 1;
                }
            } else if (strcmp(key, "Aliases") == 0 && j->p < j->end && *j->p == '[') {
                j->p++;
                if (lit(j, ']'))
                    continue;
                do {
                    long n = jstr(j, val, sizeof(val));
                    if (n < 0)
                        return -1;
                    if ((size_t)n < sizeof(val) && add_name(b, val, false) < 0)
                        return -1;
                } while (lit(j, ','));
                if (!lit(j, ']'))
                    return -1;
            } else if (jskip(j, 2) < 0) {
                return -1;
            }
        } while (lit(j, ','));
        if (!lit(j, '}'))
            return -1;
    }
    if (!have_addr) {
        b->t->n = first;
        b->used = used;
    }
    for (size_t i = first; i < b->t->n; i++) {
        b->t->v[i].addr = addr;
        b->t->v[i].has6 = have6;
        memcpy(b->t->v[i].addr6, addr6, 16);
    }
    return 0;
}

static int containers(struct jp *j, struct build *b)
{
    if (!lit(j, '{'))
        return jskip(j, 1);
    if (lit(j, '}'))
        return 0;
    do {
        if (jstr(j, NULL, 0) < 0 || !lit(j, ':'))
            return -1;
        ws(j);
        if (j->p < j->end && *j->p == '{' ? endpoint(j, b) < 0 : jskip(j, 2) < 0)
            return -1;
    } while (lit(j, ','));
    return lit(j, '}') ? 0 : -1;
}

int dns_table_parse(const char *json, size_t len, struct dns_table *t)
{
    *t = (struct dns_table){0};
    /* No string of the record is longer than the record: the names never move. */
    t->strings = malloc(len + 1);
    if (!t->strings)
        return -1;
    struct build b = {.t = t};
    struct jp j = {json, json + len};
    char key[32];
    if (!lit(&j, '{'))
        goto bad;
    if (!lit(&j, '}')) {
        do {
            if (jstr(&j, key, sizeof(key)) < 0 || !lit(&j, ':'))
                goto bad;
            if (strcmp(key, "Containers") == 0 ? containers(&j, &b) < 0 : jskip(&j, 1) < 0)
                goto bad;
        } while (lit(&j, ','));
        if (!lit(&j, '}'))
            goto bad;
    }
    ws(&j);
    if (j.p != j.end)
        goto bad;
    return 0;
bad:
    dns_table_free(t);
    return -1;
}

void dns_table_free(struct dns_table *t)
{
    free(t->v);
    free(t->strings);
    *t = (struct dns_table){0};
}

size_t dns_table_lookup(const struct dns_table *t, const char *name, const char *const *domains,
                        uint32_t *out, size_t max, bool *known)
{
    size_t qlen = strlen(name), cand[8], ncand = 0;
    if (qlen && name[qlen - 1] == '.')
        qlen--;
    cand[ncand++] = qlen;
    for (const char *const *d = domains; d && *d && ncand < 8; d++) {
        size_t dl = strlen(*d);
        if (dl && (*d)[dl - 1] == '.')
            dl--;
        if (dl && qlen > dl + 1 && name[qlen - dl - 1] == '.' &&
            strncasecmp(name + qlen - dl, *d, dl) == 0)
            cand[ncand++] = qlen - dl - 1;
    }
    size_t n = 0;
    *known = false;
    for (size_t i = 0; i < t->n; i++) {
        const struct dns_entry *en = &t->v[i];
        size_t el = strlen(en->name);
        bool hit = false;
        for (size_t c = 0; c < ncand && !hit; c++)
            hit = cand[c] == el && strncasecmp(en->name, name, el) == 0;
        if (!hit)
            continue;
        *known = true;
        bool dup = false;
        for (size_t k = 0; k < n && !dup; k++)
            dup = out[k] == en->addr;
        if (!dup && n < max)
            out[n++] = en->addr;
    }
    return n;
}

const char *dns_table_ptr(const struct dns_table *t, uint32_t addr)
{
    const char *any = NULL;
    for (size_t i = 0; i < t->n; i++) {
        if (t->v[i].addr != addr)
            continue;
        if (t->v[i].primary)
            return t->v[i].name;
        if (!any)
            any = t->v[i].name;
    }
    return any;
}

size_t dns_table_lookup6(const struct dns_table *t, const char *name, const char *const *domains,
                         uint8_t (*out)[16], size_t max)
{
    uint32_t v4[64];
    bool known;
    size_t n4 = dns_table_lookup(t, name, domains, v4, 64, &known), n = 0;
    /* The endpoints holding name are those whose IPv4 address answered. */
    for (size_t i = 0; i < t->n && n < max; i++) {
        const struct dns_entry *en = &t->v[i];
        bool held = false;
        for (size_t k = 0; k < n4 && !held; k++)
            held = v4[k] == en->addr;
        if (!held || !en->has6)
            continue;
        bool dup = false;
        for (size_t k = 0; k < n && !dup; k++)
            dup = memcmp(out[k], en->addr6, 16) == 0;
        if (!dup)
            memcpy(out[n++], en->addr6, 16);
    }
    return n;
}
