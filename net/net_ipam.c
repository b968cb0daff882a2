/* IPv4 prefixes, address pools and address picking: pure logic, no state. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/str.h"
#include "net/net.h"

int net_addr_parse(const char *s, uint32_t *out, struct herr *e)
{
    struct in_addr a;
    if (!s || inet_pton(AF_INET, s, &a) != 1)
        return herr_set(e, EINVAL, "invalid IPv4 address \"%s\"", s ? s : "");
    *out = ntohl(a.s_addr);
    return 0;
}

uint32_t net_prefix_mask(unsigned len)
{
    return len == 0 ? 0 : 0xffffffffu << (32 - len);
}

int net_prefix_parse(const char *s, struct net_prefix *out, struct herr *e)
{
    const char *slash = s ? strchr(s, '/') : NULL;
    if (!slash)
        return herr_set(e, EINVAL, "invalid subnet \"%s\": want A.B.C.D/N", s ? s : "");
    _cleanup_free_ char *addr = xstrndup(s, (size_t)(slash - s));
    long long len;
    uint32_t a = 0;
    if (net_addr_parse(addr, &a, NULL) < 0 || str_parse_ll(slash + 1, &len) < 0 || len > 32)
        return herr_set(e, EINVAL, "invalid subnet \"%s\": want A.B.C.D/N with N at most 32", s);
    uint32_t net = a & net_prefix_mask((unsigned)len);
    if (net != a) {
        char buf[20];
        struct net_prefix p = {net, (unsigned)len};
        net_prefix_fmt(&p, buf);
        return herr_set(e, EINVAL, "invalid subnet \"%s\": host bits are set (did you mean %s?)", s,
                        buf);
    }
    out->addr = a;
    out->len = (unsigned)len;
    return 0;
}

void net_addr_fmt(uint32_t a, char *buf)
{
    snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

void net_prefix_fmt(const struct net_prefix *p, char *buf)
{
    net_addr_fmt(p->addr, buf);
    snprintf(buf + strlen(buf), 4, "/%u", p->len);
}

bool net_prefix_contains(const struct net_prefix *p, uint32_t a)
{
    return (a & net_prefix_mask(p->len)) == p->addr;
}

bool net_prefix_overlap(const struct net_prefix *a, const struct net_prefix *b)
{
    unsigned len = a->len < b->len ? a->len : b->len;
    uint32_t m = net_prefix_mask(len);
    return (a->addr & m) == (b->addr & m);
}

static int pool_parse_one(const char *item, struct net_pool *p, struct herr *e)
{
    _cleanup_free_ char *copy = xstrdup(item);
    const char *base = NULL, *size = NULL;
    char *save = NULL;
    for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        if (str_has_prefix(kv, "base="))
            base = kv + 5;
        else if (str_has_prefix(kv, "size="))
            size = kv + 5;
        else
            return herr_set(e, EINVAL, "address pool \"%s\": unknown key in \"%s\" (base, size)",
                            item, kv);
    }
    if (!base || !size)
        return herr_set(e, EINVAL, "address pool \"%s\": want base=A.B.C.D/N,size=M", item);
    if (net_prefix_parse(base, &p->base, e) < 0)
        return herr_wrap(e, "address pool \"%s\"", item);
    long long n;
    if (str_parse_ll(size, &n) < 0 || n < p->base.len || n > 30)
        return herr_set(e, EINVAL, "address pool \"%s\": size must be between %u and 30", item,
                        p->base.len);
    p->size = (unsigned)n;
    return 0;
}

int net_pools_parse(const char *spec, struct net_pool **out, size_t *n, struct herr *e)
{
    _cleanup_free_ char *copy = xstrdup(spec ? spec : "");
    _cleanup_free_ struct net_pool *pools = NULL;
    size_t count = 0;
    char *save = NULL;
    for (char *item = strtok_r(copy, " \t\n", &save); item; item = strtok_r(NULL, " \t\n", &save)) {
        pools = xrealloc(pools, (count + 1) * sizeof(*pools));
        if (pool_parse_one(item, &pools[count], e) < 0)
            return -1;
        count++;
    }
    if (count == 0)
        return herr_set(e, EINVAL, "no address pool given");
    *out = steal_ptr(&pools);
    *n = count;
    return 0;
}

int net_pool_pick(const struct net_pool *pools, size_t npools, const struct net_prefix *used,
                  size_t nused, struct net_prefix *out, struct herr *e)
{
    for (size_t i = 0; i < npools; i++) {
        uint64_t step = 1ull << (32 - pools[i].size);
        uint64_t end = (uint64_t)pools[i].base.addr + (1ull << (32 - pools[i].base.len));
        for (uint64_t a = pools[i].base.addr; a < end;) {
            struct net_prefix cand = {(uint32_t)a, pools[i].size};
            const struct net_prefix *hit = NULL;
            for (size_t u = 0; u < nused && !hit; u++)
                if (net_prefix_overlap(&cand, &used[u]))
                    hit = &used[u];
            if (!hit) {
                *out = cand;
                return 0;
            }
            /* Jump past a used prefix larger than one candidate in one step. */
            uint64_t next = a + step;
            if (hit->len < cand.len)
                next = (uint64_t)hit->addr + (1ull << (32 - hit->len));
            a = next > a ? next : a + step;
        }
    }
    return herr_set(e, ENOSPC, "all address pools are in use: no free subnet left");
}

int net_ip_pick(const struct net_prefix *subnet, const struct net_prefix *range, uint32_t gateway,
                const uint32_t *taken, size_t ntaken, uint32_t *out, struct herr *e)
{
    const struct net_prefix *r = range ? range : subnet;
    uint64_t first = r->addr, last = (uint64_t)r->addr + (1ull << (32 - r->len)) - 1;
    uint32_t bcast = subnet->addr | ~net_prefix_mask(subnet->len);
    for (uint64_t a = first; a <= last; a++) {
        uint32_t ip = (uint32_t)a;
        if (subnet->len < 31 && (ip == subnet->addr || ip == bcast))
            continue;
        if (ip == gateway)
            continue;
        bool used = false;
        for (size_t i = 0; i < ntaken && !used; i++)
            used = taken[i] == ip;
        if (!used) {
            *out = ip;
            return 0;
        }
    }
    char buf[20];
    net_prefix_fmt(r, buf);
    return herr_set(e, ENOSPC, "no free address left in %s", buf);
}

void net_mac_fmt(uint32_t a, char *buf)
{
    snprintf(buf, 18, "02:42:%02x:%02x:%02x:%02x", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
             a & 255);
}
