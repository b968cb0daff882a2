/* Bridges, veth pairs, addresses and routes through rtnetlink (libnl), no `ip` commands. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <linux/rtnetlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/str.h"
#include "net/net.h"

static void sock_freep(struct nl_sock **s)
{
    if (*s)
        nl_socket_free(*s);
}
static void link_putp(struct rtnl_link **l)
{
    if (*l)
        rtnl_link_put(*l);
}
static void addr_putp(struct rtnl_addr **a)
{
    if (*a)
        rtnl_addr_put(*a);
}
static void nladdr_putp(struct nl_addr **a)
{
    if (*a)
        nl_addr_put(*a);
}
static void route_putp(struct rtnl_route **r)
{
    if (*r)
        rtnl_route_put(*r);
}
static void cache_freep(struct nl_cache **c)
{
    if (*c)
        nl_cache_free(*c);
}
#define _cleanup_sock_ __attribute__((cleanup(sock_freep)))
#define _cleanup_link_ __attribute__((cleanup(link_putp)))
#define _cleanup_addr_ __attribute__((cleanup(addr_putp)))
#define _cleanup_nladdr_ __attribute__((cleanup(nladdr_putp)))
#define _cleanup_route_ __attribute__((cleanup(route_putp)))
#define _cleanup_cache_ __attribute__((cleanup(cache_freep)))

static struct nl_sock *rt_open(struct herr *e)
{
    struct nl_sock *sk = nl_socket_alloc();
    if (!sk) {
        herr_set(e, ENOMEM, "netlink: cannot allocate a socket");
        return NULL;
    }
    int r = nl_connect(sk, NETLINK_ROUTE);
    if (r < 0) {
        herr_set(e, 0, "netlink: connect: %s", nl_geterror(r));
        nl_socket_free(sk);
        return NULL;
    }
    return sk;
}

/* A netlink socket belongs to the namespace it was opened in, so entering netns_fd just
 * for the socket() call lets this thread configure that namespace without a fork. */
static struct nl_sock *rt_open_in(int netns_fd, struct herr *e)
{
    _cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (self < 0) {
        herr_sys(e, "open /proc/thread-self/ns/net");
        return NULL;
    }
    if (setns(netns_fd, CLONE_NEWNET) < 0) {
        herr_sys(e, "enter the container's network namespace");
        return NULL;
    }
    struct nl_sock *sk = rt_open(e);
    if (setns(self, CLONE_NEWNET) < 0)
        abort(); /* this thread would keep acting in the container's namespace */
    return sk;
}

static struct nl_addr *v4addr(uint32_t a, unsigned prefixlen)
{
    uint32_t be = htonl(a);
    struct nl_addr *n = nl_addr_build(AF_INET, &be, sizeof(be));
    if (!n)
        abort();
    nl_addr_set_prefixlen(n, (int)prefixlen);
    return n;
}

int net_link_routes(struct net_prefix **out, size_t *n, struct herr *e)
{
    _cleanup_sock_ struct nl_sock *sk = rt_open(e);
    if (!sk)
        return herr_wrap(e, "read the host's routes");
    _cleanup_cache_ struct nl_cache *cache = NULL;
    int r = rtnl_route_alloc_cache(sk, AF_INET, 0, &cache);
    if (r < 0)
        return herr_set(e, 0, "read the host's routes: %s", nl_geterror(r));
    _cleanup_free_ struct net_prefix *v = NULL;
    size_t count = 0;
    for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
        struct rtnl_route *rt = (struct rtnl_route *)o;
        struct nl_addr *dst = rtnl_route_get_dst(rt);
        if (rtnl_route_get_table(rt) != RT_TABLE_MAIN || !dst || nl_addr_get_prefixlen(dst) == 0 ||
            nl_addr_get_len(dst) != 4)
            continue;
        uint32_t be;
        memcpy(&be, nl_addr_get_binary_addr(dst), 4);
        unsigned len = (unsigned)nl_addr_get_prefixlen(dst);
        v = xrealloc(v, (count + 1) * sizeof(*v));
        v[count].len = len;
        v[count].addr = ntohl(be) & net_prefix_mask(len);
        count++;
    }
    *out = steal_ptr(&v);
    *n = count;
    return 0;
}

static int set_up(struct nl_sock *sk, struct rtnl_link *link, const char *what, struct herr *e)
{
    if (rtnl_link_get_flags(link) & IFF_UP)
        return 0;
    _cleanup_link_ struct rtnl_link *change = rtnl_link_alloc();
    rtnl_link_set_flags(change, IFF_UP);
    int r = rtnl_link_change(sk, link, change, 0);
    if (r < 0)
        return herr_set(e, 0, "set %s up: %s", what, nl_geterror(r));
    return 0;
}

static int add_addr(struct nl_sock *sk, int ifindex, uint32_t ip, unsigned prefixlen,
                    const char *what, struct herr *e)
{
    _cleanup_addr_ struct rtnl_addr *a = rtnl_addr_alloc();
    _cleanup_nladdr_ struct nl_addr *local = v4addr(ip, prefixlen);
    rtnl_addr_set_ifindex(a, ifindex);
    rtnl_addr_set_local(a, local);
    if (prefixlen < 31) {
        _cleanup_nladdr_ struct nl_addr *bc = v4addr(ip | ~net_prefix_mask(prefixlen), prefixlen);
        rtnl_addr_set_broadcast(a, bc);
    }
    int r = rtnl_addr_add(sk, a, NLM_F_REPLACE);
    if (r < 0) {
        char buf[16];
        net_addr_fmt(ip, buf);
        return herr_set(e, 0, "add address %s/%u to %s: %s", buf, prefixlen, what, nl_geterror(r));
    }
    return 0;
}

int net_link_bridge_up(const char *bridge, uint32_t gateway, unsigned prefixlen, struct herr *e)
{
    _cleanup_sock_ struct nl_sock *sk = rt_open(e);
    if (!sk)
        return herr_wrap(e, "bridge %s", bridge);
    _cleanup_link_ struct rtnl_link *link = NULL;
    int r = rtnl_link_get_kernel(sk, 0, bridge, &link);
    if (r == -NLE_OBJ_NOTFOUND || r == -NLE_NODEV) {
        _cleanup_link_ struct rtnl_link *nb = rtnl_link_bridge_alloc();
        rtnl_link_set_name(nb, bridge);
        rtnl_link_set_flags(nb, IFF_UP);
        r = rtnl_link_add(sk, nb, NLM_F_CREATE | NLM_F_EXCL);
        if (r < 0 && r != -NLE_EXIST)
            return herr_set(e, 0, "create bridge %s: %s", bridge, nl_geterror(r));
        r = rtnl_link_get_kernel(sk, 0, bridge, &link);
    }
    if (r < 0)
        return herr_set(e, 0, "bridge %s: %s", bridge, nl_geterror(r));
    if (add_addr(sk, rtnl_link_get_ifindex(link), gateway, prefixlen, bridge, e) < 0 ||
        set_up(sk, link, bridge, e) < 0)
        return -1;
    return 0;
}

int net_link_delete(const char *name, struct herr *e)
{
    _cleanup_sock_ struct nl_sock *sk = rt_open(e);
    if (!sk)
        return herr_wrap(e, "delete link %s", name);
    _cleanup_link_ struct rtnl_link *l = rtnl_link_alloc();
    rtnl_link_set_name(l, name);
    int r = rtnl_link_delete(sk, l);
    if (r < 0 && r != -NLE_NODEV && r != -NLE_OBJ_NOTFOUND)
        return herr_set(e, 0, "delete link %s: %s", name, nl_geterror(r));
    return 0;
}

bool net_link_exists(const char *name)
{
    return if_nametoindex(name) != 0;
}

static int configure_inside(struct nl_sock *sk, const char *ifname, uint32_t ip, unsigned prefixlen,
                            uint32_t gateway, struct herr *e)
{
    _cleanup_link_ struct rtnl_link *link = NULL;
    int r = rtnl_link_get_kernel(sk, 0, ifname, &link);
    if (r < 0)
        return herr_set(e, 0, "%s in the container: %s", ifname, nl_geterror(r));
    int idx = rtnl_link_get_ifindex(link);
    if (add_addr(sk, idx, ip, prefixlen, ifname, e) < 0 || set_up(sk, link, ifname, e) < 0)
        return -1;
    _cleanup_link_ struct rtnl_link *lo = NULL;
    if (rtnl_link_get_kernel(sk, 1, NULL, &lo) == 0 && set_up(sk, lo, "lo", e) < 0)
        return -1;
    if (!gateway)
        return 0;
    _cleanup_route_ struct rtnl_route *rt = rtnl_route_alloc();
    _cleanup_nladdr_ struct nl_addr *dst = v4addr(0, 0);
    struct nl_addr *gw = v4addr(gateway, 32);
    struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
    rtnl_route_set_family(rt, AF_INET);
    rtnl_route_set_table(rt, RT_TABLE_MAIN);
    rtnl_route_set_dst(rt, dst);
    rtnl_route_nh_set_gateway(nh, gw);
    nl_addr_put(gw);
    rtnl_route_nh_set_ifindex(nh, idx);
    rtnl_route_add_nexthop(rt, nh);
    /* A container on several networks keeps the default route of the first. */
    r = rtnl_route_add(sk, rt, NLM_F_CREATE | NLM_F_EXCL);
    if (r < 0 && r != -NLE_EXIST)
        return herr_set(e, 0, "default route via %s: %s", ifname, nl_geterror(r));
    return 0;
}

int net_link_veth(const char *bridge, const char *host_if, int netns_fd, const char *ifname,
                  uint32_t ip, unsigned prefixlen, uint32_t gateway, struct herr *e)
{
    _cleanup_sock_ struct nl_sock *sk = rt_open(e);
    if (!sk)
        return -1;
    _cleanup_link_ struct rtnl_link *br = NULL;
    int r = rtnl_link_get_kernel(sk, 0, bridge, &br);
    if (r < 0)
        return herr_set(e, r == -NLE_OBJ_NOTFOUND || r == -NLE_NODEV ? ENODEV : 0, "bridge %s: %s",
                        bridge, nl_geterror(r));
    unsigned mtu = rtnl_link_get_mtu(br);

    _cleanup_link_ struct rtnl_link *veth = rtnl_link_veth_alloc();
    if (!veth)
        return herr_set(e, ENOMEM, "veth %s: cannot allocate", host_if);
    rtnl_link_set_name(veth, host_if);
    rtnl_link_set_master(veth, rtnl_link_get_ifindex(br));
    rtnl_link_set_mtu(veth, mtu);
    rtnl_link_set_flags(veth, IFF_UP);
    _cleanup_link_ struct rtnl_link *peer = rtnl_link_veth_get_peer(veth);
    char mac[18];
    net_mac_fmt(ip, mac);
    _cleanup_nladdr_ struct nl_addr *lladdr = NULL;
    nl_addr_parse(mac, AF_LLC, &lladdr);
    /* Made in the namespace directly: no move, no rename, no name clash with the host. */
    rtnl_link_set_name(peer, ifname);
    rtnl_link_set_ns_fd(peer, netns_fd);
    rtnl_link_set_mtu(peer, mtu);
    rtnl_link_set_addr(peer, lladdr);
    r = rtnl_link_add(sk, veth, NLM_F_CREATE | NLM_F_EXCL);
    if (r < 0)
        return herr_set(e, r == -NLE_EXIST ? EEXIST : 0, "create veth %s (%s in the container): %s",
                        host_if, ifname, nl_geterror(r));

    _cleanup_sock_ struct nl_sock *inside = rt_open_in(netns_fd, e);
    if (!inside || configure_inside(inside, ifname, ip, prefixlen, gateway, e) < 0) {
        net_link_delete(host_if, NULL);
        return -1;
    }
    return 0;
}

/* Add an IPv6 address (no duplicate address detection: the address is ours by
 * allocation, and DAD would leave it unusable for a second or more) to ifname in netns_fd
 * (-1: the current namespace), and with gw a default route through it. */
int net_link_addr6(int netns_fd, const char *ifname, const uint8_t addr[16], unsigned prefixlen,
                   const uint8_t *gw, struct herr *e)
{
    _cleanup_sock_ struct nl_sock *sk = netns_fd < 0 ? rt_open(e) : rt_open_in(netns_fd, e);
    if (!sk)
        return herr_wrap(e, "IPv6 address on %s", ifname);
    _cleanup_link_ struct rtnl_link *link = NULL;
    int r = rtnl_link_get_kernel(sk, 0, ifname, &link);
    if (r < 0)
        return herr_set(e, 0, "IPv6 address on %s: %s", ifname, nl_geterror(r));
    int idx = rtnl_link_get_ifindex(link);
    _cleanup_addr_ struct rtnl_addr *a = rtnl_addr_alloc();
    _cleanup_nladdr_ struct nl_addr *local = nl_addr_build(AF_INET6, addr, 16);
    if (!a || !local)
        return herr_set(e, ENOMEM, "IPv6 address on %s", ifname);
    nl_addr_set_prefixlen(local, (int)prefixlen);
    rtnl_addr_set_ifindex(a, idx);
    rtnl_addr_set_local(a, local);
    rtnl_addr_set_flags(a, IFA_F_NODAD);
    r = rtnl_addr_add(sk, a, NLM_F_REPLACE);
    if (r < 0)
        return herr_set(e, 0, "IPv6 address on %s: %s", ifname, nl_geterror(r));
    if (!gw)
        return 0;
    _cleanup_route_ struct rtnl_route *rt = rtnl_route_alloc();
    _cleanup_nladdr_ struct nl_addr *dst = nl_addr_build(AF_INET6, (uint8_t[16]){0}, 16);
    struct nl_addr *via = nl_addr_build(AF_INET6, gw, 16);
    struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
    if (!rt || !dst || !via || !nh)
        abort();
    nl_addr_set_prefixlen(dst, 0);
    rtnl_route_set_family(rt, AF_INET6);
    rtnl_route_set_table(rt, RT_TABLE_MAIN);
    rtnl_route_set_dst(rt, dst);
    rtnl_route_nh_set_gateway(nh, via);
    nl_addr_put(via);
    rtnl_route_nh_set_ifindex(nh, idx);
    rtnl_route_add_nexthop(rt, nh);
    r = rtnl_route_add(sk, rt, NLM_F_CREATE | NLM_F_EXCL);
    if (r < 0 && r != -NLE_EXIST)
        return herr_set(e, 0, "IPv6 default route via %s: %s", ifname, nl_geterror(r));
    return 0;
}
