/* IPv6 subnets of networks with EnableIPv6 (pure). A container's IPv6 address is the
 * subnet plus the host part of its IPv4 address, so one allocation serves both families
 * and the two addresses of an endpoint can never disagree about who holds them. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/str.h"
#include "net/net.h"

int net_prefix6_parse(const char *s, struct net_prefix6 *out, struct herr *e)
{
    const char *slash = s ? strchr(s, '/') : NULL;
    if (!slash)
        return herr_set(e, EINVAL, "invalid IPv6 subnet \"%s\": no prefix length", s ? s : "");
    _cleanup_free_ char *addr = xstrndup(s, (size_t)(slash - s));
    char *end;
    long len = strtol(slash + 1, &end, 10);
    if (inet_pton(AF_INET6, addr, out->addr) != 1 || *end || end == slash + 1 || len < 0 ||
        len > 128)
        return herr_set(e, EINVAL, "invalid IPv6 subnet \"%s\"", s);
    out->len = (unsigned)len;
    /* Host addresses carry a 32-bit host index: a longer prefix could not hold them. */
    if (out->len > 96)
        return herr_set(e, EINVAL, "IPv6 subnet %s: the prefix must be /96 or shorter", s);
    for (unsigned bit = out->len; bit < 128; bit++) {
        if (out->addr[bit / 8] & (0x80 >> (bit % 8))) {
            struct net_prefix6 net = *out;
            for (unsigned b = out->len; b < 128; b++)
                net.addr[b / 8] &= (uint8_t) ~(0x80 >> (b % 8));
            char want[NET_PREFIX6_LEN];
            net_prefix6_fmt(&net, want);
            return herr_set(e, EINVAL, "invalid IPv6 subnet %s: host bits set (did you mean %s?)",
                            s, want);
        }
    }
    return 0;
}

void net_addr6_fmt(const uint8_t a[16], char *buf)
{
    inet_ntop(AF_INET6, a, buf, NET_PREFIX6_LEN);
}

void net_prefix6_fmt(const struct net_prefix6 *p, char *buf)
{
    net_addr6_fmt(p->addr, buf);
    snprintf(buf + strlen(buf), 5, "/%u", p->len);
}

bool net_prefix6_overlap(const struct net_prefix6 *a, const struct net_prefix6 *b)
{
    unsigned len = a->len < b->len ? a->len : b->len;
    for (unsigned bit = 0; bit < len; bit++) {
        uint8_t m = (uint8_t)(0x80 >> (bit % 8));
        if ((a->addr[bit / 8] & m) != (b->addr[bit / 8] & m))
            return false;
    }
    return true;
}

int net_prefix6_random(struct net_prefix6 *out, struct herr *e)
{
    /* RFC 4193: fd00::/8, a random 40-bit global id, subnet id 0: a /64. */
    memset(out, 0, sizeof(*out));
    out->addr[0] = 0xfd;
    if (getrandom(out->addr + 1, 5, 0) != 5)
        return herr_sys(e, "random IPv6 subnet");
    out->len = 64;
    return 0;
}

void net_addr6_host(const struct net_prefix6 *subnet, uint32_t idx, uint8_t out[16])
{
    memcpy(out, subnet->addr, 16);
    out[12] |= (uint8_t)(idx >> 24);
    out[13] |= (uint8_t)(idx >> 16);
    out[14] |= (uint8_t)(idx >> 8);
    out[15] |= (uint8_t)idx;
}
