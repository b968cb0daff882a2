/* Published ports: -p specs parsed with docker's rules, host ports chosen and checked
 * under the networks lock, recorded in the endpoint as docker's NetworkSettings.Ports. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"
#include "net/net.h"

/* A decimal port, digits only. */
static bool port_number(const char *s, size_t len, uint16_t *out)
{
    if (len == 0 || len > 5)
        return false;
    unsigned v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > 65535)
        return false;
    *out = (uint16_t)v;
    return true;
}

/* "N" or "N-M" with N <= M. */
static bool port_range(const char *s, uint16_t *lo, uint16_t *hi)
{
    const char *dash = strchr(s, '-');
    if (!dash)
        return port_number(s, strlen(s), lo) && (*hi = *lo, true);
    return port_number(s, (size_t)(dash - s), lo) && port_number(dash + 1, strlen(dash + 1), hi) &&
           *lo <= *hi;
}

static int host_ip_parse(const char *ip, uint32_t *out, struct herr *e)
{
    struct in_addr a4;
    struct in6_addr a6;
    size_t len = strlen(ip);
    if (len == 0) {
        *out = 0;
        return 0;
    }
    if (ip[0] == '[') {
        _cleanup_free_ char *inner =
            len > 2 && ip[len - 1] == ']' ? xstrndup(ip + 1, len - 2) : NULL;
        if (!inner || inet_pton(AF_INET6, inner, &a6) != 1)
            return herr_set(e, EINVAL, "invalid IP address: %s", ip);
        return herr_set(e, EINVAL, "IPv6 host address %s is not supported (IPv4 only)", ip);
    }
    if (inet_pton(AF_INET, ip, &a4) == 1) {
        *out = ntohl(a4.s_addr);
        return 0;
    }
    if (inet_pton(AF_INET6, ip, &a6) == 1)
        return herr_set(e, EINVAL, "IPv6 host address %s is not supported (IPv4 only)", ip);
    return herr_set(e, EINVAL, "invalid IP address: %s", ip);
}

/* One spec appended to *v (n elements, capacity tracked by the caller's realloc). */
static int parse_one(const char *spec, struct net_port **v, size_t *n, struct herr *e)
{
    /* ip:host:ctr, host:ctr or ctr; an address with colons (IPv6) keeps the rest. */
    const char *last = strrchr(spec, ':');
    _cleanup_free_ char *ip = NULL, *host = NULL, *ctr = NULL;
    if (!last) {
        ctr = xstrdup(spec);
    } else {
        ctr = xstrdup(last + 1);
        const char *prev = last;
        while (prev > spec && prev[-1] != ':')
            prev--;
        host = xstrndup(prev, (size_t)(last - prev));
        ip = prev > spec ? xstrndup(spec, (size_t)(prev - 1 - spec)) : xstrdup("");
    }
    char *slash = strchr(ctr, '/');
    const char *proto = "tcp";
    if (slash) {
        *slash = '\0';
        if (slash[1])
            proto = slash + 1;
    }
    if (!*ctr)
        return herr_set(e, EINVAL, "no port specified: %s<empty>", spec);
    bool udp = strcasecmp(proto, "udp") == 0;
    if (strcasecmp(proto, "sctp") == 0)
        return herr_set(e, EINVAL, "protocol sctp is not supported (tcp, udp): %s", spec);
    if (!udp && strcasecmp(proto, "tcp") != 0)
        return herr_set(e, EINVAL, "invalid proto: %s", proto);
    uint32_t hip = 0;
    if (ip && host_ip_parse(ip, &hip, e) < 0)
        return -1;
    uint16_t clo, chi, hlo = 0, hhi = 0;
    if (!port_range(ctr, &clo, &chi) || clo == 0)
        return herr_set(e, EINVAL, "invalid containerPort: %s", ctr);
    if (host && *host) {
        if (!port_range(host, &hlo, &hhi) || (hlo == 0 && hhi != 0))
            return herr_set(e, EINVAL, "invalid hostPort: %s", host);
        /* A host range for one container port is the range to pick a port from. */
        if (hhi - hlo != chi - clo && clo != chi)
            return herr_set(e, EINVAL,
                            "invalid ranges specified for container and host Ports: %s and %s", ctr,
                            host);
    }
    size_t count = (size_t)(chi - clo) + 1;
    *v = xrealloc(*v, (*n + count) * sizeof(**v));
    for (size_t i = 0; i < count; i++) {
        struct net_port *p = &(*v)[(*n)++];
        *p = (struct net_port){.host_ip = hip, .ctr_port = (uint16_t)(clo + i), .udp = udp};
        if (hlo && count == 1) {
            p->host_first = hlo;
            p->host_last = hhi;
        } else if (hlo) {
            p->host_first = p->host_last = (uint16_t)(hlo + i);
        }
    }
    return 0;
}

int net_ports_parse(char *const *specs, struct net_port **out, size_t *n, struct herr *e)
{
    struct net_port *v = xcalloc(1, sizeof(*v));
    size_t count = 0;
    for (char *const *s = specs; s && *s; s++) {
        if (parse_one(*s, &v, &count, e) < 0) {
            free(v);
            return -1;
        }
    }
    *out = v;
    *n = count;
    return 0;
}

static const char *proto_name(bool udp)
{
    return udp ? "udp" : "tcp";
}

/* The bindings of a "Ports" object, one element per host binding. */
static int ports_decode(const json_t *ports, struct net_port **out, size_t *n, struct herr *e)
{
    struct net_port *v = xcalloc(1, sizeof(*v));
    size_t count = 0;
    const char *key;
    const json_t *arr;
    json_object_foreach((json_t *)ports, key, arr)
    {
        const char *slash = strchr(key, '/');
        uint16_t cp;
        if (!slash || !port_number(key, (size_t)(slash - key), &cp) ||
            (strcmp(slash + 1, "tcp") != 0 && strcmp(slash + 1, "udp") != 0) || !json_is_array(arr))
            goto bad;
        size_t i;
        const json_t *b;
        json_array_foreach(arr, i, b)
        {
            const char *hp = hj_str(b, "HostPort");
            uint32_t hip;
            uint16_t port;
            if (!hp || !port_number(hp, strlen(hp), &port) ||
                net_addr_parse(hj_str(b, "HostIp"), &hip, NULL) < 0)
                goto bad;
            v = xrealloc(v, (count + 1) * sizeof(*v));
            v[count++] = (struct net_port){.host_ip = hip,
                                           .host_first = port,
                                           .host_last = port,
                                           .ctr_port = cp,
                                           .udp = strcmp(slash + 1, "udp") == 0};
        }
    }
    *out = v;
    *n = count;
    return 0;
bad:
    free(v);
    return herr_set(e, EINVAL, "bad record: invalid published port \"%s\"", key);
}

struct held {
    struct net_port *v;
    size_t n;
};

static void held_add(struct held *h, const json_t *ports)
{
    _cleanup_free_ struct net_port *v = NULL;
    size_t n;
    if (!ports || ports_decode(ports, &v, &n, NULL) < 0)
        return;
    h->v = xrealloc(h->v, (h->n + n + 1) * sizeof(*h->v));
    memcpy(h->v + h->n, v, n * sizeof(*v));
    h->n += n;
}

/* Ports recorded by every endpoint of every network of root but ctr_id's on network. */
static int held_collect(const char *root, const char *network, const json_t *rec,
                        const char *ctr_id, struct held *h, struct herr *e)
{
    _cleanup_strv_ char **names = NULL;
    if (net_list(root, &names, e) < 0)
        return -1;
    for (char **nm = names; *nm; nm++) {
        bool self = strcmp(*nm, network) == 0;
        _cleanup_json_ json_t *other = self ? NULL : net_inspect(root, *nm, NULL);
        const json_t *r = self ? rec : other;
        const char *id;
        const json_t *ep;
        json_object_foreach(json_object_get(r, "Containers"), id, ep)
        {
            if (!self || strcmp(id, ctr_id) != 0)
                held_add(h, json_object_get(ep, "Ports"));
        }
    }
    return 0;
}

static bool held_has(const struct held *h, uint32_t ip, uint16_t port, bool udp)
{
    for (size_t i = 0; i < h->n; i++) {
        const struct net_port *p = &h->v[i];
        if (p->host_first == port && p->udp == udp &&
            (p->host_ip == 0 || ip == 0 || p->host_ip == ip))
            return true;
    }
    return false;
}

/* Whether a process of the host could bind the port: the DNAT rules would take its
 * traffic away. 0 when free, else the errno of bind. */
static int host_bind_errno(uint32_t ip, uint16_t port, bool udp)
{
    _cleanup_close_ int fd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return errno;
    /* Without it a TIME_WAIT connection of a stopped server would block the port. */
    int one = 1;
    if (!udp)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in sa = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(ip)};
    return bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? errno : 0;
}

/* The kernel's ephemeral range, as docker allocates from; its default when unreadable. */
static void ephemeral_range(uint16_t *lo, uint16_t *hi)
{
    _cleanup_free_ char *text = NULL;
    unsigned a, b;
    if (fs_read_all(AT_FDCWD, "/proc/sys/net/ipv4/ip_local_port_range", &text, NULL, NULL) < 0 ||
        sscanf(text, "%u %u", &a, &b) != 2 || a == 0 || a > b || b > 65535) {
        a = 32768;
        b = 60999;
    }
    *lo = (uint16_t)a;
    *hi = (uint16_t)b;
}

/* A free port of [lo, hi] for p, scanning from a random start when random is set. */
static int pick(struct net_port *p, struct held *h, uint16_t lo, uint16_t hi, bool random)
{
    unsigned span = (unsigned)(hi - lo) + 1, start = 0;
    if (random && getrandom(&start, sizeof(start), 0) != sizeof(start))
        start = (unsigned)getpid();
    start %= span;
    for (unsigned i = 0; i < span; i++) {
        uint16_t port = (uint16_t)(lo + (start + i) % span);
        if (!held_has(h, p->host_ip, port, p->udp) &&
            host_bind_errno(p->host_ip, port, p->udp) == 0) {
            p->host_first = p->host_last = port;
            return 0;
        }
    }
    return -1;
}

static int choose(struct net_port *p, struct held *h, struct herr *e)
{
    char ip[16];
    net_addr_fmt(p->host_ip, ip);
    if (p->host_first && p->host_first == p->host_last) {
        if (held_has(h, p->host_ip, p->host_first, p->udp))
            return herr_set(e, 0, "Bind for %s:%u failed: port is already allocated", ip,
                            p->host_first);
        int err = host_bind_errno(p->host_ip, p->host_first, p->udp);
        if (err)
            return herr_set(e, err, "Bind for %s:%u failed", ip, p->host_first);
    } else if (p->host_first) {
        if (pick(p, h, p->host_first, p->host_last, false) < 0)
            return herr_set(e, 0, "Bind for %s:%u-%u failed: every port of the range is allocated",
                            ip, p->host_first, p->host_last);
    } else {
        uint16_t lo, hi;
        ephemeral_range(&lo, &hi);
        if (pick(p, h, lo, hi, true) < 0)
            return herr_set(e, 0, "no free host port for %s:%u/%s in %u-%u", ip, p->ctr_port,
                            proto_name(p->udp), lo, hi);
    }
    h->v = xrealloc(h->v, (h->n + 1) * sizeof(*h->v));
    h->v[h->n++] = *p;
    return 0;
}

json_t *net_ports_reserve(const char *root, const char *network, const json_t *rec,
                          const char *ctr_id, char *const *specs, struct herr *e)
{
    _cleanup_free_ struct net_port *v = NULL;
    size_t n;
    if (net_ports_parse(specs, &v, &n, e) < 0)
        return NULL;
    struct held h = {0};
    if (held_collect(root, network, rec, ctr_id, &h, e) < 0) {
        free(h.v);
        return NULL;
    }
    /* Fixed ports first, so that a random or range pick never takes one asked for. */
    int r = 0;
    for (int pass = 0; pass < 2 && r == 0; pass++) {
        for (size_t i = 0; i < n && r == 0; i++) {
            bool fixed = v[i].host_first && v[i].host_first == v[i].host_last;
            if (fixed == (pass == 0))
                r = choose(&v[i], &h, e);
        }
    }
    free(h.v);
    if (r < 0)
        return NULL;
    json_t *ports = json_object();
    for (size_t i = 0; i < n; i++) {
        char key[16], ip[16], hp[8];
        snprintf(key, sizeof(key), "%u/%s", v[i].ctr_port, proto_name(v[i].udp));
        net_addr_fmt(v[i].host_ip, ip);
        snprintf(hp, sizeof(hp), "%u", v[i].host_first);
        json_t *arr = json_object_get(ports, key);
        if (!arr) {
            arr = json_array();
            json_object_set_new(ports, key, arr);
        }
        json_array_append_new(arr, json_pack("{s:s,s:s}", "HostIp", ip, "HostPort", hp));
    }
    return ports;
}

json_t *net_endpoint_ports(const char *root, const char *network, const char *ctr_id,
                           struct herr *e)
{
    _cleanup_json_ json_t *rec = net_inspect(root, network, e);
    if (!rec)
        return NULL;
    const json_t *ep = json_object_get(json_object_get(rec, "Containers"), ctr_id ? ctr_id : "");
    if (!ep) {
        herr_plain(e, ENOENT, "container %.12s is not attached to network %s", ctr_id ? ctr_id : "",
                   network);
        return NULL;
    }
    const json_t *ports = json_object_get(ep, "Ports");
    return ports ? json_deep_copy(ports) : json_object();
}

/* A connection from a container to its own published port leaves the bridge through the
 * port it came in by, once br_netfilter has done the DNAT at the bridge layer; the bridge
 * only does that in hairpin mode. */
static int hairpin_on(const char *host_if, struct herr *e)
{
    unsigned idx = if_nametoindex(host_if);
    if (!idx)
        return herr_sys(e, "hairpin mode of %s", host_if);
    struct nl_sock *sk = nl_socket_alloc();
    struct nl_msg *msg = nlmsg_alloc_simple(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK);
    struct ifinfomsg ifi = {.ifi_family = AF_BRIDGE, .ifi_index = (int)idx};
    struct nlattr *nest;
    int r = -NLE_NOMEM;
    if (sk && msg && nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) == 0 &&
        (nest = nla_nest_start(msg, IFLA_PROTINFO | NLA_F_NESTED)) &&
        nla_put_u8(msg, IFLA_BRPORT_MODE, 1) == 0) {
        nla_nest_end(msg, nest);
        r = nl_connect(sk, NETLINK_ROUTE);
        if (r == 0)
            r = nl_send_auto(sk, msg);
        if (r >= 0)
            r = nl_wait_for_ack(sk);
    }
    nlmsg_free(msg);
    nl_socket_free(sk);
    if (r < 0)
        return herr_set(e, 0, "hairpin mode of %s: %s", host_if, nl_geterror(r));
    return 0;
}

int net_ports_wire(const json_t *endpoint, const char *host_if, const char *bridge,
                   const struct net_prefix *subnet, uint32_t ctr_ip, struct herr *e)
{
    const json_t *ports = json_object_get(endpoint, "Ports");
    if (json_object_size(ports) == 0)
        return 0;
    _cleanup_free_ struct net_port *v = NULL;
    size_t n;
    if (ports_decode(ports, &v, &n, e) < 0 || hairpin_on(host_if, e) < 0)
        return -1;
    return net_nft_ports_apply(host_if, bridge, subnet, ctr_ip, v, n, e);
}

int net_ports_unwire(const json_t *endpoint, const char *host_if, struct herr *e)
{
    if (json_object_size(json_object_get(endpoint, "Ports")) == 0)
        return 0;
    return net_nft_ports_remove(host_if, e);
}
