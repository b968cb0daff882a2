/* Masquerading and isolation rules through libnftables. The library (and the libraries
 * it pulls in) is opened only here, when a network is created or removed, so that the
 * hoist executable starting containers does not pay for loading it. */
#include <dlfcn.h>
#include <fcntl.h>
#include <nftables/libnftables.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/str.h"
#include "net/net.h"

struct nft_api {
    __typeof__(&nft_ctx_new) ctx_new;
    __typeof__(&nft_ctx_free) ctx_free;
    __typeof__(&nft_ctx_buffer_error) buffer_error;
    __typeof__(&nft_ctx_get_error_buffer) get_error_buffer;
    __typeof__(&nft_ctx_buffer_output) buffer_output;
    __typeof__(&nft_run_cmd_from_buffer) run;
};

static int nft_load(struct nft_api *api, struct herr *e)
{
    static void *lib;
    if (!lib)
        lib = dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib)
        return herr_set(e, ENOENT, "nftables: cannot load libnftables.so.1 (%s)", dlerror());
    api->ctx_new = (__typeof__(api->ctx_new))dlsym(lib, "nft_ctx_new");
    api->ctx_free = (__typeof__(api->ctx_free))dlsym(lib, "nft_ctx_free");
    api->buffer_error = (__typeof__(api->buffer_error))dlsym(lib, "nft_ctx_buffer_error");
    api->get_error_buffer =
        (__typeof__(api->get_error_buffer))dlsym(lib, "nft_ctx_get_error_buffer");
    api->buffer_output = (__typeof__(api->buffer_output))dlsym(lib, "nft_ctx_buffer_output");
    api->run = (__typeof__(api->run))dlsym(lib, "nft_run_cmd_from_buffer");
    if (!api->ctx_new || !api->ctx_free || !api->buffer_error || !api->get_error_buffer ||
        !api->buffer_output || !api->run)
        return herr_set(e, ENOSYS, "nftables: libnftables.so.1 lacks a needed function");
    return 0;
}

/* One transaction: either the whole ruleset applies or nothing changes. */
static int nft_run(const char *what, const char *text, struct herr *e)
{
    struct nft_api api = {0};
    if (nft_load(&api, e) < 0)
        return herr_wrap(e, "%s", what);
    struct nft_ctx *ctx = api.ctx_new(NFT_CTX_DEFAULT);
    if (!ctx)
        return herr_set(e, ENOMEM, "%s: nftables context", what);
    api.buffer_error(ctx);
    api.buffer_output(ctx);
    int r = api.run(ctx, text);
    if (r != 0) {
        const char *msg = api.get_error_buffer(ctx);
        _cleanup_free_ char *first = xstrndup(msg ? msg : "", strcspn(msg ? msg : "", "\n"));
        herr_set(e, 0, "%s: nftables: %s", what, *first ? first : "rejected the ruleset");
    }
    api.ctx_free(ctx);
    return r != 0 ? -1 : 0;
}

/* Define table from text ("table ip NAME {...}"), replacing it if present. Deleting a
 * table makes the kernel wait for an RCU grace period when the nftables socket closes
 * (5-15 ms here), so the common case, no such table yet, creates it without a delete;
 * "add" then "delete" first makes the replacement work whether the table exists or not. */
static int nft_replace_family(const char *what, const char *family, const char *table,
                              const char *text, struct herr *e)
{
    _cleanup_free_ char *create = xasprintf("create table %s %s\n%s", family, table, text);
    if (nft_run(what, create, NULL) == 0)
        return 0;
    _cleanup_free_ char *replace =
        xasprintf("add table %1$s %2$s\ndelete table %1$s %2$s\n%3$s", family, table, text);
    return nft_run(what, replace, e);
}

static int nft_replace(const char *what, const char *table, const char *text, struct herr *e)
{
    return nft_replace_family(what, "ip", table, text, e);
}

/* Masquerading is useless without forwarding, which is off in a fresh namespace. */
static int enable_forwarding_at(const char *path, struct herr *e)
{
    _cleanup_close_ int fd = open(path, O_RDWR | O_CLOEXEC);
    char c = 0;
    if (fd < 0 || pread(fd, &c, 1, 0) != 1)
        return herr_sys(e, "read %s", path);
    if (c == '1')
        return 0;
    if (pwrite(fd, "1\n", 2, 0) != 2)
        return herr_sys(e, "enable forwarding (%s)", path);
    return 0;
}

static int enable_forwarding(struct herr *e)
{
    return enable_forwarding_at("/proc/sys/net/ipv4/ip_forward", e);
}

int net_nft_apply(const char *bridge, const struct net_prefix *subnet, bool internal,
                  struct herr *e)
{
    char sub[20];
    net_prefix_fmt(subnet, sub);
    _cleanup_free_ char *what = xasprintf("rules of bridge %s", bridge);
    _cleanup_free_ char *text = NULL;
    if (internal) {
        text = xasprintf("table ip %1$s {\n"
                         " chain forward {\n"
                         "  type filter hook forward priority filter; policy accept;\n"
                         "  iifname \"%1$s\" oifname != \"%1$s\" drop\n"
                         "  oifname \"%1$s\" iifname != \"%1$s\" drop\n"
                         " }\n"
                         "}\n",
                         bridge);
    } else {
        if (enable_forwarding(e) < 0)
            return herr_wrap(e, "%s", what);
        /* Connections DNATed by a published port may cross bridges: containers of other
         * networks reach published ports through the host's addresses, as with docker. */
        text = xasprintf("table ip %1$s {\n"
                         " chain forward {\n"
                         "  type filter hook forward priority filter; policy accept;\n"
                         "  iifname \"%1$s\" oifname != \"%1$s\" oifname \"%3$s*\""
                         " ct status & dnat == 0 drop\n"
                         " }\n"
                         " chain postrouting {\n"
                         "  type nat hook postrouting priority srcnat; policy accept;\n"
                         "  ip saddr %2$s oifname != \"%1$s\" masquerade\n"
                         " }\n"
                         "}\n",
                         bridge, sub, NET_BRIDGE_PREFIX);
    }
    return nft_replace(what, bridge, text, e);
}

int net_nft_remove(const char *bridge, struct herr *e)
{
    _cleanup_free_ char *what = xasprintf("remove rules of bridge %s", bridge);
    _cleanup_free_ char *text = xasprintf("add table ip %1$s\ndelete table ip %1$s\n", bridge);
    return nft_run(what, text, e);
}

static char *ports_table(const char *host_if)
{
    return xasprintf("%sports-%s", NET_BRIDGE_PREFIX, host_if);
}

/* Without it the kernel drops packets from 127.0.0.1 routed out of the bridge after the
 * output chain's DNAT, before the masquerade gives them the gateway's address. */
static int route_localnet(const char *bridge, struct herr *e)
{
    _cleanup_free_ char *path = xasprintf("/proc/sys/net/ipv4/conf/%s/route_localnet", bridge);
    _cleanup_close_ int fd = open(path, O_RDWR | O_CLOEXEC);
    char c = 0;
    if (fd < 0 || pread(fd, &c, 1, 0) != 1)
        return herr_sys(e, "read %s", path);
    if (c != '1' && pwrite(fd, "1\n", 2, 0) != 2)
        return herr_sys(e, "turn on route_localnet of %s", bridge);
    return 0;
}

int net_nft_ports_apply(const char *host_if, const char *bridge, const struct net_prefix *subnet,
                        uint32_t ctr_ip, const struct net_port *ports, size_t n, struct herr *e)
{
    _cleanup_free_ char *table = ports_table(host_if);
    _cleanup_free_ char *what = xasprintf("published ports of %s", host_if);
    if (route_localnet(bridge, e) < 0)
        return herr_wrap(e, "%s", what);
    char ctr[16], sub[20];
    net_addr_fmt(ctr_ip, ctr);
    net_prefix_fmt(subnet, sub);
    /* The same DNAT rules serve prerouting (other hosts, containers) and output (the
     * host itself); "every address" is whatever the routing table calls local. */
    size_t cap = 256 + n * 96, len = 0;
    _cleanup_free_ char *rules = xmalloc(cap);
    rules[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        char hip[16];
        net_addr_fmt(ports[i].host_ip, hip);
        _cleanup_free_ char *match =
            ports[i].host_ip ? xasprintf("ip daddr %s", hip) : xstrdup("fib daddr type local");
        len += (size_t)snprintf(rules + len, cap - len, "  %s %s dport %u dnat to %s:%u\n", match,
                                ports[i].udp ? "udp" : "tcp", ports[i].host_first, ctr,
                                ports[i].ctr_port);
    }
    /* Masquerading makes the replies of connections from 127.0.0.0/8 and from the
     * network itself (hairpin) come back through the host to be un-NATed. */
    _cleanup_free_ char *text =
        xasprintf("table ip %1$s {\n"
                  " chain prerouting {\n"
                  "  type nat hook prerouting priority dstnat; policy accept;\n"
                  "%2$s"
                  " }\n"
                  " chain output {\n"
                  "  type nat hook output priority -100; policy accept;\n"
                  "%2$s"
                  " }\n"
                  " chain postrouting {\n"
                  "  type nat hook postrouting priority srcnat; policy accept;\n"
                  "  oifname \"%3$s\" ip daddr %4$s ct status dnat ip saddr { 127.0.0.0/8, %5$s } "
                  "masquerade\n"
                  " }\n"
                  "}\n",
                  table, rules, bridge, ctr, sub);
    return nft_replace(what, table, text, e);
}

int net_nft_ports_remove(const char *host_if, struct herr *e)
{
    _cleanup_free_ char *table = ports_table(host_if);
    _cleanup_free_ char *what = xasprintf("remove published ports of %s", host_if);
    _cleanup_free_ char *text = xasprintf("add table ip %1$s\ndelete table ip %1$s\n", table);
    return nft_run(what, text, e);
}

/* The IPv6 twin of the network's table, "ip6 <bridge>": the same isolation and
 * masquerading for the v6 subnet. */
int net_nft6_apply(const char *bridge, const char *subnet6, bool internal, struct herr *e)
{
    _cleanup_free_ char *what = xasprintf("IPv6 rules of bridge %s", bridge);
    _cleanup_free_ char *text = NULL;
    if (internal) {
        text = xasprintf("table ip6 %1$s {\n"
                         " chain forward {\n"
                         "  type filter hook forward priority filter; policy accept;\n"
                         "  iifname \"%1$s\" oifname != \"%1$s\" drop\n"
                         "  oifname \"%1$s\" iifname != \"%1$s\" drop\n"
                         " }\n"
                         "}\n",
                         bridge);
    } else {
        if (enable_forwarding_at("/proc/sys/net/ipv6/conf/all/forwarding", e) < 0)
            return herr_wrap(e, "%s", what);
        text = xasprintf("table ip6 %1$s {\n"
                         " chain forward {\n"
                         "  type filter hook forward priority filter; policy accept;\n"
                         "  iifname \"%1$s\" oifname != \"%1$s\" oifname \"%3$s*\" drop\n"
                         " }\n"
                         " chain postrouting {\n"
                         "  type nat hook postrouting priority srcnat; policy accept;\n"
                         "  ip6 saddr %2$s oifname != \"%1$s\" masquerade\n"
                         " }\n"
                         "}\n",
                         bridge, subnet6, NET_BRIDGE_PREFIX);
    }
    return nft_replace_family(what, "ip6", bridge, text, e);
}

int net_nft6_remove(const char *bridge, struct herr *e)
{
    _cleanup_free_ char *what = xasprintf("remove IPv6 rules of bridge %s", bridge);
    _cleanup_free_ char *text = xasprintf("add table ip6 %1$s\ndelete table ip6 %1$s\n", bridge);
    return nft_run(what, text, e);
}
