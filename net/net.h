/* Networks: bridge networks recorded under <root>/networks/<name>.json, IPv4 address
 * management, the bridge and veth links (netlink through libnl) and the nftables rules
 * for masquerading and isolation.
 *
 * How the container engine uses it, for each network a container joins:
 *   1. net_attach(root, network, id, -1, &opts, &ep) at create time reserves an address
 *      (static opts.ip or the next free one) and records the endpoint (docker inspect's
 *      "Containers" of the network);
 *   2. once the container's network namespace exists and before its process runs,
 *      net_attach(root, network, id, netns_fd, &opts, &ep) again: the reserved address is
 *      kept, a veth pair is made, the host end enslaved to the bridge, the peer created
 *      inside the namespace as opts.ifname ("eth0", "eth1", ...) with the address and,
 *      unless the network is internal, a default route via the gateway;
 *   3. after the container stopped, net_detach(root, network, id, false) removes what is
 *      left of the veth pair and keeps the address; on removal, net_detach(..., true)
 *      releases it.
 * A missing bridge (after a reboot) is recreated by net_attach. */
#ifndef HOIST_NET_H
#define HOIST_NET_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct herr;

/* The network `hoist container run` joins without --network, as docker's "bridge". */
#define NET_DEFAULT_NAME "bridge"
/* Default address pools, docker's default-address-pools syntax, whitespace separated:
 * "base=10.89.0.0/16,size=24". Overridden by $HOIST_NET_POOLS, else by the first
 * non-comment line of NET_POOLS_FILE. */
#define NET_DEFAULT_POOLS "base=10.89.0.0/16,size=24"
#define NET_POOLS_ENV "HOIST_NET_POOLS"
#define NET_POOLS_FILE "/etc/hoist/address-pools"

/* ---- IPv4 arithmetic (pure) ---- */

/* Addresses are in host byte order. */
struct net_prefix {
    uint32_t addr;
    unsigned len;
};

struct net_pool {
    struct net_prefix base;
    unsigned size; /* prefix length of the subnets cut from base */
};

int net_addr_parse(const char *s, uint32_t *out, struct herr *e);
/* "A.B.C.D/N"; host bits set is an error naming the network address meant. */
int net_prefix_parse(const char *s, struct net_prefix *out, struct herr *e);
/* buf holds at least 16 bytes ("A.B.C.D") or 19 with the length. */
void net_addr_fmt(uint32_t a, char *buf);
void net_prefix_fmt(const struct net_prefix *p, char *buf);
uint32_t net_prefix_mask(unsigned len);
bool net_prefix_contains(const struct net_prefix *p, uint32_t a);
bool net_prefix_overlap(const struct net_prefix *a, const struct net_prefix *b);

/* Parse pools (see NET_DEFAULT_POOLS); *out is owned, *n its length (>= 1). */
int net_pools_parse(const char *spec, struct net_pool **out, size_t *n, struct herr *e);
/* The first subnet of the pools overlapping none of used[0..nused). */
int net_pool_pick(const struct net_pool *pools, size_t npools, const struct net_prefix *used,
                  size_t nused, struct net_prefix *out, struct herr *e);
/* The lowest address of range (the whole subnet when range is NULL) that is not the
 * network or broadcast address of subnet, not the gateway and not in taken[0..ntaken). */
int net_ip_pick(const struct net_prefix *subnet, const struct net_prefix *range, uint32_t gateway,
                const uint32_t *taken, size_t ntaken, uint32_t *out, struct herr *e);
/* Docker's MAC for an address: 02:42 then the four address bytes (buf holds 18). */
void net_mac_fmt(uint32_t a, char *buf);

/* ---- IPv6 (net_ipv6.c, pure) ----
 * A network with EnableIPv6 has a second IPAM entry: an IPv6 subnet (given, else a
 * random RFC 4193 unique local /64). Addresses in it are the subnet plus the host part
 * of the endpoint's IPv4 address (the gateway's too), so both families are allocated
 * together. */

struct net_prefix6 {
    uint8_t addr[16];
    unsigned len;
};
#define NET_PREFIX6_LEN 50 /* "xxxx:...:xxxx/128" and NUL */

/* "fd00:1::/64"; host bits set is an error naming the network meant; /96 at most. */
int net_prefix6_parse(const char *s, struct net_prefix6 *out, struct herr *e);
void net_prefix6_fmt(const struct net_prefix6 *p, char *buf);
void net_addr6_fmt(const uint8_t a[16], char *buf);
bool net_prefix6_overlap(const struct net_prefix6 *a, const struct net_prefix6 *b);
int net_prefix6_random(struct net_prefix6 *out, struct herr *e);
/* The address with host index idx (low 32 bits) in subnet. */
void net_addr6_host(const struct net_prefix6 *subnet, uint32_t idx, uint8_t out[16]);

/* ---- network records ---- */

struct net_create_opts {
    const char *driver;   /* NULL or "bridge" */
    const char *subnet;   /* NULL: from the pools */
    const char *gateway;  /* NULL: first address of the subnet */
    const char *ip_range; /* NULL: the whole subnet */
    bool internal;
    char **labels;       /* K=V (K alone: empty value) */
    bool ipv6;           /* EnableIPv6 */
    const char *subnet6; /* NULL: a random unique local /64 */
};

/* Docker's rule: [a-zA-Z0-9][a-zA-Z0-9_.-]*. */
int net_name_check(const char *name, struct herr *e);
/* Record the network, create its bridge with the gateway address, up, and its nftables
 * rules. EEXIST when the name is taken. Nothing is left behind on failure. *id_out
 * (optional) gets the 64-hex id. */
int net_create(const char *root, const char *name, const struct net_create_opts *o, char **id_out,
               struct herr *e);
/* The default network, created when missing; concurrent callers agree. */
int net_ensure_default(const char *root, struct herr *e);
/* Name of the network a full id, unique id prefix or name refers to (owned). */
int net_resolve(const char *root, const char *ref, char **name_out, struct herr *e);
/* Docker-inspect shaped record (owned); ENOENT when absent. */
json_t *net_inspect(const char *root, const char *name, struct herr *e);
/* All network names, sorted. */
int net_list(const char *root, char ***names, struct herr *e);
/* Delete bridge, rules and record; EBUSY naming the containers while any is attached. */
int net_remove(const char *root, const char *name, struct herr *e);

/* ---- endpoints ---- */

struct net_attach_opts {
    const char *ifname;   /* name inside the container; NULL: "eth0" */
    const char *ip;       /* static address or NULL */
    const char *ctr_name; /* shown in inspect; may be NULL */
    char **aliases;       /* DNS aliases on this network; may be NULL */
    /* -p specs "[ip:][hostPort:]containerPort[/tcp|udp]" (ranges allowed) published
     * through this endpoint: host ports are chosen and checked when reserving, the
     * forwarding rules exist while the endpoint is wired. May be NULL. */
    char **publish;
};

struct net_endpoint {
    char ip[16];
    unsigned prefixlen;
    char gateway[16];
    char mac[18];
    char host_if[16];          /* host end of the veth pair, "" when not wired */
    char ip6[NET_PREFIX6_LEN]; /* "" unless the network has IPv6 */
    unsigned prefixlen6;
    char gateway6[NET_PREFIX6_LEN];
};

/* See the top of this file. netns_fd -1 only reserves. A static address must be in the
 * subnet (and ip_range), not the gateway and free (EADDRINUSE names its holder). */
int net_attach(const char *root, const char *network, const char *ctr_id, int netns_fd,
               const struct net_attach_opts *o, struct net_endpoint *ep, struct herr *e);
/* Flags of net_detach. RELEASE frees the address and host ports. KEEP_LINK leaves the
 * veth pair alone, for a container whose namespace is dying: the kernel removes the pair
 * with it, off the caller's path, where deleting it costs 15-20 ms of RCU waits; a
 * leftover is deleted by the next net_attach of that endpoint. */
enum { NET_DETACH_RELEASE = 1, NET_DETACH_KEEP_LINK = 2 };
int net_detach(const char *root, const char *network, const char *ctr_id, unsigned flags,
               struct herr *e);

/* ---- published ports (net_ports.c) ----
 * net_attach reserves the host ports of opts.publish once, when the endpoint first gets
 * specs, and records them in the endpoint as "Ports", in the shape of docker's
 * NetworkSettings.Ports; wiring adds kernel DNAT rules for them (a table per endpoint),
 * net_detach removes the rules and keeps the ports, releasing frees them. Nothing is
 * published on an internal network, as with docker. */

/* One container port of a -p spec. Addresses in host byte order. */
struct net_port {
    uint32_t host_ip;    /* 0: every address of the host */
    uint16_t host_first; /* the host port, or the first of a range to pick one from; */
    uint16_t host_last;  /* 0 and 0: a random port of the kernel's ephemeral range */
    uint16_t ctr_port;
    bool udp;
};

/* Parse -p specs "[ip:][hostPort:]containerPort[/tcp|udp]" (ranges "8000-8010:80-90")
 * with docker's rules and messages; *out (owned) gets one element per container port. */
int net_ports_parse(char *const *specs, struct net_port **out, size_t *n, struct herr *e);
/* docker's NetworkSettings.Ports of ctr_id's endpoint on network, e.g.
 * {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]} (owned; {} when none). */
json_t *net_endpoint_ports(const char *root, const char *network, const char *ctr_id,
                           struct herr *e);

/* For net_store.c, under the networks lock: host ports for specs, none of them in use
 * on the host or held by an endpoint of any network of root other than ctr_id's on
 * `network` (whose current record is rec). Returns the "Ports" object (owned). */
json_t *net_ports_reserve(const char *root, const char *network, const json_t *rec,
                          const char *ctr_id, char *const *specs, struct herr *e);
/* For net_store.c: the DNAT rules of the ports recorded in endpoint (a "Containers"
 * entry), wired through host_if; nothing when none are recorded. */
int net_ports_wire(const json_t *endpoint, const char *host_if, const char *bridge,
                   const struct net_prefix *subnet, uint32_t ctr_ip, struct herr *e);
int net_ports_unwire(const json_t *endpoint, const char *host_if, struct herr *e);

/* ---- DNS responder (net_dns.c, net/dns/) ----
 * One hoist-dns process per network, in the current network namespace, on UDP and TCP
 * port 53 of the gateway: the names of the network's endpoints (Name, Aliases), the rest
 * relayed to the host's nameservers. Its pid is in <root>/networks/<name>.dns.pid.
 * Both are called under the networks lock. */

/* Start it unless it runs; an error names the cause (port 53 taken, ...). */
int net_dns_start(const char *root, const char *network, uint32_t gateway,
                  const struct net_prefix *subnet, bool internal, struct herr *e);
/* Stop it and wait for its exit; none running is not an error. */
int net_dns_stop(const char *root, const char *network, struct herr *e);

/* ---- links (netlink in the current network namespace) ---- */

/* IPv4 destinations of the main routing table, default route left out. */
int net_link_routes(struct net_prefix **out, size_t *n, struct herr *e);
/* Create (or fix up) a bridge with gateway/prefixlen and set it up. */
int net_link_bridge_up(const char *bridge, uint32_t gateway, unsigned prefixlen, struct herr *e);
/* Delete a link; absent is not an error. */
int net_link_delete(const char *name, struct herr *e);
bool net_link_exists(const char *name);
/* The veth pair of an endpoint: host_if on bridge, ifname inside netns_fd, addressed,
 * up, default route via gateway when gateway != 0. */
int net_link_veth(const char *bridge, const char *host_if, int netns_fd, const char *ifname,
                  uint32_t ip, unsigned prefixlen, uint32_t gateway, struct herr *e);

/* ---- nftables ---- */

/* Bridges are named NET_BRIDGE_PREFIX + 9 hex characters of the network id, so rules can
 * match all of them with one wildcard. */
#define NET_BRIDGE_PREFIX "hoist-"

/* One table per network, named after its bridge, so networks of different --root in one
 * namespace never touch each other's rules: masquerade for the subnet leaving through
 * other interfaces (none when internal), no forwarding to other hoist bridges, and for
 * an internal network no forwarding in or out at all. Replaces the table if present. */
int net_nft_apply(const char *bridge, const struct net_prefix *subnet, bool internal,
                  struct herr *e);
/* Delete the network's table; absent is not an error. */
int net_nft_remove(const char *bridge, struct herr *e);
/* The same for an IPv6 subnet, in the table "ip6 <bridge>". */
int net_nft6_apply(const char *bridge, const char *subnet6, bool internal, struct herr *e);
int net_nft6_remove(const char *bridge, struct herr *e);
/* An IPv6 address on ifname of netns_fd (-1: this namespace), and with gw a default
 * route through it. */
int net_link_addr6(int netns_fd, const char *ifname, const uint8_t addr[16], unsigned prefixlen,
                   const uint8_t *gw, struct herr *e);
/* The DNAT rules of an endpoint's published ports, in a table of its own named after
 * host_if: from other hosts (prerouting), from the host itself including 127.0.0.1
 * (output; route_localnet is turned on for the bridge) and from containers of the
 * network, itself included (masqueraded, so that replies come back through the host).
 * Replaces the table if present. */
int net_nft_ports_apply(const char *host_if, const char *bridge, const struct net_prefix *subnet,
                        uint32_t ctr_ip, const struct net_port *ports, size_t n, struct herr *e);
/* Delete that table; absent is not an error. */
int net_nft_ports_remove(const char *host_if, struct herr *e);

#endif
