/* Network records under <root>/networks/<name>.json (docker-inspect shaped), changed
 * only under <root>/networks/.lock, and the endpoints of containers on them. */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/lock.h"
#include "common/str.h"
#include "net/net.h"

static char *net_dir(const char *root)
{
    return xasprintf("%s/networks", root);
}

static char *rec_path(const char *root, const char *name)
{
    return xasprintf("%s/networks/%s.json", root, name);
}

static int net_lock(const char *root, struct herr *e)
{
    _cleanup_free_ char *dir = net_dir(root);
    if (fs_mkdir_p(dir, 0700, e) < 0)
        return -1;
    _cleanup_free_ char *path = xasprintf("%s/.lock", dir);
    return lock_take(path, e);
}

int net_name_check(const char *name, struct herr *e)
{
    if (!name || !*name)
        return herr_set(e, EINVAL, "network name must not be empty");
    bool ok = (name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z') ||
              (name[0] >= '0' && name[0] <= '9');
    for (const char *p = name + 1; ok && *p; p++)
        ok = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", *p);
    if (!ok || strlen(name) > 128)
        return herr_set(e, EINVAL,
                        "invalid network name \"%s\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
                        name);
    return 0;
}

static json_t *load(const char *root, const char *name, struct herr *e)
{
    _cleanup_free_ char *path = rec_path(root, name);
    if (!fs_exists(path)) {
        herr_plain(e, ENOENT, "network %s not found", name);
        return NULL;
    }
    json_t *j = hj_load_file(AT_FDCWD, path, e);
    if (!j)
        herr_wrap(e, "network %s", name);
    return j;
}

static int save(const char *root, const char *name, const json_t *j, struct herr *e)
{
    _cleanup_free_ char *path = rec_path(root, name);
    if (hj_write_atomic(AT_FDCWD, path, j, true, e) < 0)
        return herr_wrap(e, "network %s", name);
    return 0;
}

static const char *rec_bridge(const json_t *j)
{
    return hj_str(hj_path(j, "Options"), "com.docker.network.bridge.name");
}

static json_t *rec_ipam(const json_t *j)
{
    return json_array_get(hj_path(j, "IPAM.Config"), 0);
}

/* Subnet, gateway and optional range of a record; a record that does not parse is
 * reported, never guessed at. */
static int rec_addrs(const json_t *j, struct net_prefix *subnet, uint32_t *gw,
                     struct net_prefix *range, bool *has_range, struct herr *e)
{
    const json_t *c = rec_ipam(j);
    if (net_prefix_parse(hj_str(c, "Subnet"), subnet, e) < 0 ||
        net_addr_parse(hj_str(c, "Gateway"), gw, e) < 0)
        return herr_wrap(e, "network %s: bad record", hj_str(j, "Name"));
    *has_range = hj_str(c, "IPRange") != NULL;
    if (*has_range && net_prefix_parse(hj_str(c, "IPRange"), range, e) < 0)
        return herr_wrap(e, "network %s: bad record", hj_str(j, "Name"));
    return 0;
}

/* The IPv6 subnet and gateway of a record with EnableIPv6: 1, 0 without IPv6, -1 when
 * the record does not parse. */
static int rec_v6(const json_t *j, struct net_prefix6 *subnet, uint8_t gw[16], struct herr *e)
{
    if (!hj_bool(j, "EnableIPv6", false))
        return 0;
    size_t i;
    const json_t *c;
    json_array_foreach(hj_path(j, "IPAM.Config"), i, c)
    {
        const char *sub = hj_str(c, "Subnet"), *g = hj_str(c, "Gateway");
        if (!sub || !strchr(sub, ':'))
            continue;
        if (net_prefix6_parse(sub, subnet, e) < 0 || !g || inet_pton(AF_INET6, g, gw) != 1)
            return herr_set(e, EINVAL, "network %s: bad record: IPv6 subnet or gateway",
                            hj_str(j, "Name"));
        return 1;
    }
    return herr_set(e, EINVAL, "network %s: bad record: IPv6 enabled without an IPv6 subnet",
                    hj_str(j, "Name"));
}

/* Address, rules and forwarding of a bridge's IPv6 side. */
static int bridge_v6(const char *bridge, const struct net_prefix6 *sub6, const uint8_t gw6[16],
                     bool internal, struct herr *e)
{
    char sbuf[NET_PREFIX6_LEN];
    net_prefix6_fmt(sub6, sbuf);
    if (net_link_addr6(-1, bridge, gw6, sub6->len, NULL, e) < 0 ||
        net_nft6_apply(bridge, sbuf, internal, e) < 0)
        return -1;
    return 0;
}

/* A new network's IPv6 subnet: the one given, else a random unique local one; neither may
 * overlap another network's. */
static int plan_v6(const char *root, const struct net_create_opts *o, struct net_prefix6 *sub6,
                   struct herr *e)
{
    if (o->subnet6 ? net_prefix6_parse(o->subnet6, sub6, e) < 0 : net_prefix6_random(sub6, e) < 0)
        return -1;
    _cleanup_strv_ char **names = NULL;
    if (net_list(root, &names, e) < 0)
        return -1;
    for (char **n = names; *n; n++) {
        _cleanup_json_ json_t *other = load(root, *n, NULL);
        struct net_prefix6 theirs;
        uint8_t gw[16];
        if (other && rec_v6(other, &theirs, gw, NULL) == 1 && net_prefix6_overlap(sub6, &theirs)) {
            char buf[NET_PREFIX6_LEN];
            net_prefix6_fmt(sub6, buf);
            return herr_set(e, EEXIST, "IPv6 subnet %s overlaps network %s", buf, *n);
        }
    }
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int net_list(const char *root, char ***names, struct herr *e)
{
    _cleanup_free_ char *dir = net_dir(root);
    char **v = xcalloc(1, sizeof(char *));
    _cleanup_dir_ DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT) {
            *names = v;
            return 0;
        }
        strv_free(v);
        return herr_sys(e, "open %s", dir);
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || !str_has_suffix(de->d_name, ".json"))
            continue;
        strv_push(&v, xstrndup(de->d_name, strlen(de->d_name) - 5));
    }
    qsort(v, strv_len(v), sizeof(char *), cmp_str);
    *names = v;
    return 0;
}

json_t *net_inspect(const char *root, const char *name, struct herr *e)
{
    return load(root, name, e);
}

int net_resolve(const char *root, const char *ref, char **name_out, struct herr *e)
{
    _cleanup_free_ char *path = rec_path(root, ref);
    if (net_name_check(ref, NULL) == 0 && fs_exists(path)) {
        *name_out = xstrdup(ref);
        return 0;
    }
    _cleanup_strv_ char **names = NULL;
    if (net_list(root, &names, e) < 0)
        return -1;
    char *found = NULL;
    for (char **n = names; *n; n++) {
        _cleanup_json_ json_t *j = load(root, *n, NULL);
        const char *id = hj_str(j, "Id");
        if (!id || !*ref || !str_has_prefix(id, ref))
            continue;
        if (found) {
            free(found);
            return herr_set(e, EINVAL, "network %s is ambiguous: several networks match", ref);
        }
        found = xstrdup(*n);
    }
    if (!found)
        return herr_plain(e, ENOENT, "network %s not found", ref);
    *name_out = found;
    return 0;
}

static char *now_rfc3339(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char buf[64];
    size_t n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, sizeof(buf) - n, ".%09ldZ", ts.tv_nsec);
    return xstrdup(buf);
}

static json_t *labels_object(char **labels, struct herr *e)
{
    json_t *o = json_object();
    for (char **l = labels; l && *l; l++) {
        const char *eq = strchr(*l, '=');
        _cleanup_free_ char *k = eq ? xstrndup(*l, (size_t)(eq - *l)) : xstrdup(*l);
        if (!*k) {
            json_decref(o);
            herr_set(e, EINVAL, "invalid label \"%s\": empty key", *l);
            return NULL;
        }
        json_object_set_new(o, k, json_string(eq ? eq + 1 : ""));
    }
    return o;
}

/* Subnets of all recorded networks, for overlap checks. */
static int used_subnets(const char *root, struct net_prefix **out, size_t *n, struct herr *e)
{
    _cleanup_strv_ char **names = NULL;
    if (net_list(root, &names, e) < 0)
        return -1;
    struct net_prefix *v = xcalloc(strv_len(names) + 1, sizeof(*v));
    size_t count = 0;
    for (char **nm = names; *nm; nm++) {
        _cleanup_json_ json_t *j = load(root, *nm, NULL);
        if (j && net_prefix_parse(hj_str(rec_ipam(j), "Subnet"), &v[count], NULL) == 0)
            count++;
    }
    *out = v;
    *n = count;
    return 0;
}

static char *overlapping_network(const char *root, const struct net_prefix *p)
{
    _cleanup_strv_ char **names = NULL;
    if (net_list(root, &names, NULL) < 0)
        return NULL;
    for (char **nm = names; *nm; nm++) {
        _cleanup_json_ json_t *j = load(root, *nm, NULL);
        struct net_prefix s;
        if (j && net_prefix_parse(hj_str(rec_ipam(j), "Subnet"), &s, NULL) == 0 &&
            net_prefix_overlap(&s, p))
            return xstrdup(*nm);
    }
    return NULL;
}

static int load_pools(struct net_pool **pools, size_t *n, struct herr *e)
{
    const char *env = getenv(NET_POOLS_ENV);
    if (env && *env)
        return net_pools_parse(env, pools, n, e) < 0 ? herr_wrap(e, "$%s", NET_POOLS_ENV) : 0;
    _cleanup_file_ FILE *f = fopen(NET_POOLS_FILE, "re");
    if (f) {
        char line[1024];
        while (fgets(line, sizeof(line), f)) {
            const char *p = line + strspn(line, " \t");
            if (*p == '#' || *p == '\n' || !*p)
                continue;
            return net_pools_parse(p, pools, n, e) < 0 ? herr_wrap(e, "%s", NET_POOLS_FILE) : 0;
        }
    }
    return net_pools_parse(NET_DEFAULT_POOLS, pools, n, e);
}

/* Fill subnet/gateway/range from the options, or pick a free subnet from the pools. */
static int plan_addrs(const char *root, const struct net_create_opts *o, struct net_prefix *subnet,
                      uint32_t *gw, struct net_prefix *range, bool *has_range, struct herr *e)
{
    if (o->subnet) {
        if (net_prefix_parse(o->subnet, subnet, e) < 0)
            return -1;
        if (subnet->len > 30)
            return herr_set(e, EINVAL, "subnet %s is too small: the prefix must be /30 or shorter",
                            o->subnet);
        _cleanup_free_ char *other = overlapping_network(root, subnet);
        if (other)
            return herr_set(e, EEXIST, "subnet %s overlaps the subnet of network %s", o->subnet,
                            other);
    } else {
        if (o->gateway || o->ip_range)
            return herr_set(e, EINVAL, "--gateway and --ip-range need --subnet");
        _cleanup_free_ struct net_pool *pools = NULL;
        _cleanup_free_ struct net_prefix *used = NULL, *routes = NULL;
        size_t npools, nused, nroutes;
        if (load_pools(&pools, &npools, e) < 0 || used_subnets(root, &used, &nused, e) < 0 ||
            net_link_routes(&routes, &nroutes, e) < 0)
            return -1;
        used = xrealloc(used, (nused + nroutes + 1) * sizeof(*used));
        if (nroutes)
            memcpy(used + nused, routes, nroutes * sizeof(*routes));
        if (net_pool_pick(pools, npools, used, nused + nroutes, subnet, e) < 0)
            return -1;
    }
    uint32_t bcast = subnet->addr | ~net_prefix_mask(subnet->len);
    *gw = subnet->addr + 1;
    if (o->gateway) {
        if (net_addr_parse(o->gateway, gw, e) < 0)
            return herr_wrap(e, "gateway");
        if (!net_prefix_contains(subnet, *gw) || *gw == subnet->addr || *gw == bcast)
            return herr_set(e, EINVAL, "gateway %s is not a host address of subnet %s", o->gateway,
                            o->subnet);
    }
    *has_range = o->ip_range != NULL;
    if (o->ip_range) {
        if (net_prefix_parse(o->ip_range, range, e) < 0)
            return herr_wrap(e, "ip range");
        if (range->len < subnet->len || !net_prefix_contains(subnet, range->addr))
            return herr_set(e, EINVAL, "ip range %s is not inside subnet %s", o->ip_range,
                            o->subnet);
    }
    return 0;
}

int net_create(const char *root, const char *name, const struct net_create_opts *o, char **id_out,
               struct herr *e)
{
    if (net_name_check(name, e) < 0)
        return -1;
    if (o->driver && strcmp(o->driver, "bridge") != 0)
        return herr_set(e, EINVAL, "network %s: driver \"%s\" is not supported (only bridge)", name,
                        o->driver);
    _cleanup_json_ json_t *labels = labels_object(o->labels, e);
    if (!labels)
        return herr_wrap(e, "network %s", name);
    _cleanup_close_ int lock = net_lock(root, e);
    if (lock < 0)
        return -1;
    _cleanup_free_ char *path = rec_path(root, name);
    if (fs_exists(path))
        return herr_set(e, EEXIST, "network with name %s already exists", name);
    struct net_prefix subnet, range;
    uint32_t gw;
    bool has_range;
    if (plan_addrs(root, o, &subnet, &gw, &range, &has_range, e) < 0)
        return herr_wrap(e, "network %s", name);
    struct net_prefix6 sub6;
    uint8_t gw6[16];
    if (!o->ipv6 && o->subnet6)
        return herr_set(e, EINVAL, "network %s: an IPv6 subnet needs --ipv6", name);
    if (o->ipv6 && plan_v6(root, o, &sub6, e) < 0)
        return herr_wrap(e, "network %s", name);

    char id[65], bridge[16], sub[20], gwbuf[16], rbuf[20];
    if (str_random_hex(id, 64) < 0)
        return herr_sys(e, "network %s: random id", name);
    snprintf(bridge, sizeof(bridge), "%s%.9s", NET_BRIDGE_PREFIX, id);
    net_prefix_fmt(&subnet, sub);
    net_addr_fmt(gw, gwbuf);
    json_t *cfg = json_pack("{s:s,s:s}", "Subnet", sub, "Gateway", gwbuf);
    if (has_range) {
        net_prefix_fmt(&range, rbuf);
        json_object_set_new(cfg, "IPRange", json_string(rbuf));
    }
    _cleanup_free_ char *created = now_rfc3339();
    _cleanup_json_ json_t *rec = json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:b,s:{s:s,s:o,s:[o]},s:b,s:b,s:b,s:{},s:O,s:{s:s}}", "Name", name,
        "Id", id, "Created", created, "Scope", "local", "Driver", "bridge", "EnableIPv6", false,
        "IPAM", "Driver", "default", "Options", json_object(), "Config", cfg, "Internal",
        o->internal, "Attachable", false, "Ingress", false, "Containers", "Labels", labels,
        "Options", "com.docker.network.bridge.name", bridge);
    if (o->ipv6) {
        char s6[NET_PREFIX6_LEN], g6[NET_PREFIX6_LEN];
        net_addr6_host(&sub6, gw & ~net_prefix_mask(subnet.len), gw6);
        net_prefix6_fmt(&sub6, s6);
        net_addr6_fmt(gw6, g6);
        json_object_set_new(rec, "EnableIPv6", json_true());
        json_array_append_new(hj_path(rec, "IPAM.Config"),
                              json_pack("{s:s,s:s}", "Subnet", s6, "Gateway", g6));
    }

    if (net_link_bridge_up(bridge, gw, subnet.len, e) < 0)
        goto undo_link;
    if (net_nft_apply(bridge, &subnet, o->internal, e) < 0)
        goto undo_link;
    if (o->ipv6 && bridge_v6(bridge, &sub6, gw6, o->internal, e) < 0)
        goto undo_nft;
    if (save(root, name, rec, e) < 0)
        goto undo_nft;
    if (id_out)
        *id_out = xstrdup(id);
    return 0;
undo_nft:
    net_nft_remove(bridge, NULL);
    if (o->ipv6)
        net_nft6_remove(bridge, NULL);
undo_link:
    net_link_delete(bridge, NULL);
    return herr_wrap(e, "network %s", name);
}

int net_ensure_default(const char *root, struct herr *e)
{
    struct net_create_opts o = {0};
    struct herr tmp = {0};
    if (net_create(root, NET_DEFAULT_NAME, &o, NULL, &tmp) == 0 || tmp.errnum == EEXIST)
        return 0;
    *e = tmp;
    return -1;
}

static char *users_text(const json_t *ctrs)
{
    char *out = xstrdup("");
    const char *id;
    const json_t *ep;
    json_object_foreach((json_t *)ctrs, id, ep)
    {
        const char *n = hj_str(ep, "Name");
        char *next =
            xasprintf("%s%s%.*s", out, *out ? ", " : "", n && *n ? 1000 : 12, n && *n ? n : id);
        free(out);
        out = next;
    }
    return out;
}

int net_remove(const char *root, const char *name, struct herr *e)
{
    _cleanup_close_ int lock = net_lock(root, e);
    if (lock < 0)
        return -1;
    _cleanup_json_ json_t *j = load(root, name, e);
    if (!j)
        return -1;
    const json_t *ctrs = json_object_get(j, "Containers");
    if (json_object_size(ctrs) > 0) {
        _cleanup_free_ char *users = users_text(ctrs);
        return herr_set(e, EBUSY, "network %s is in use by container %s", name, users);
    }
    const char *bridge = rec_bridge(j);
    if (!bridge)
        return herr_set(e, EINVAL, "network %s: bad record: no bridge name", name);
    if (net_dns_stop(root, name, e) < 0 || net_nft_remove(bridge, e) < 0 ||
        (hj_bool(j, "EnableIPv6", false) && net_nft6_remove(bridge, e) < 0) ||
        net_link_delete(bridge, e) < 0)
        return herr_wrap(e, "network %s", name);
    _cleanup_free_ char *path = rec_path(root, name);
    if (unlink(path) < 0)
        return herr_sys(e, "network %s: remove %s", name, path);
    return 0;
}

/* veth host names derive from the network and container ids, so that wiring an endpoint
 * never rewrites the record, and a leftover from a crash is found again. */
static void host_if_name(const char *net_id, const char *ctr_id, char *buf)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = net_id; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    for (const char *p = ctr_id; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    snprintf(buf, 16, "vh%013llx", (unsigned long long)(h & 0xfffffffffffffull));
}

static int taken_addrs(const json_t *ctrs, uint32_t **out, size_t *n)
{
    uint32_t *v = xcalloc(json_object_size(ctrs) + 1, sizeof(*v));
    size_t count = 0;
    const char *id;
    const json_t *ep;
    json_object_foreach((json_t *)ctrs, id, ep)
    {
        struct net_prefix p;
        const char *a = hj_str(ep, "IPv4Address");
        _cleanup_free_ char *ip = a ? xstrndup(a, strcspn(a, "/")) : NULL;
        if (ip && net_addr_parse(ip, &p.addr, NULL) == 0)
            v[count++] = p.addr;
    }
    *out = v;
    *n = count;
    return 0;
}

static const char *holder_of(const json_t *ctrs, const char *ipcidr)
{
    const char *id;
    const json_t *ep;
    json_object_foreach((json_t *)ctrs, id, ep)
    {
        const char *a = hj_str(ep, "IPv4Address");
        if (a && strcmp(a, ipcidr) == 0)
            return hj_str(ep, "Name") && *hj_str(ep, "Name") ? hj_str(ep, "Name") : id;
    }
    return NULL;
}

/* Reserve an address for ctr_id in the record j (not saved here). */
static int reserve(json_t *j, const char *ctr_id, const struct net_attach_opts *o,
                   const struct net_prefix *subnet, uint32_t gw, const struct net_prefix *range,
                   uint32_t *ip, struct herr *e)
{
    json_t *ctrs = json_object_get(j, "Containers");
    char cidr[20];
    if (o->ip) {
        if (net_addr_parse(o->ip, ip, e) < 0)
            return -1;
        uint32_t bcast = subnet->addr | ~net_prefix_mask(subnet->len);
        char sub[20];
        net_prefix_fmt(subnet, sub);
        if (!net_prefix_contains(subnet, *ip) || *ip == subnet->addr || *ip == bcast)
            return herr_set(e, EINVAL, "address %s is not a host address of subnet %s", o->ip, sub);
        if (*ip == gw)
            return herr_set(e, EADDRINUSE, "address %s is the gateway of the network", o->ip);
        if (range && !net_prefix_contains(range, *ip)) {
            net_prefix_fmt(range, sub);
            return herr_set(e, EINVAL, "address %s is outside the ip range %s", o->ip, sub);
        }
        net_addr_fmt(*ip, cidr);
        snprintf(cidr + strlen(cidr), 4, "/%u", subnet->len);
        const char *holder = holder_of(ctrs, cidr);
        if (holder)
            return herr_set(e, EADDRINUSE, "address %s is already in use by container %s", o->ip,
                            holder);
    } else {
        _cleanup_free_ uint32_t *taken = NULL;
        size_t n;
        taken_addrs(ctrs, &taken, &n);
        if (net_ip_pick(subnet, range, gw, taken, n, ip, e) < 0)
            return -1;
    }
    char mac[18];
    net_addr_fmt(*ip, cidr);
    snprintf(cidr + strlen(cidr), 4, "/%u", subnet->len);
    net_mac_fmt(*ip, mac);
    char epid[65];
    if (str_random_hex(epid, 64) < 0)
        return herr_sys(e, "random endpoint id");
    json_t *aliases = o->aliases ? hj_from_strv(o->aliases) : json_array();
    json_object_set_new(ctrs, ctr_id,
                        json_pack("{s:s,s:s,s:s,s:s,s:s,s:o}", "Name",
                                  o->ctr_name ? o->ctr_name : "", "EndpointID", epid, "MacAddress",
                                  mac, "IPv4Address", cidr, "IPv6Address", "", "Aliases", aliases));
    return 0;
}

int net_attach(const char *root, const char *network, const char *ctr_id, int netns_fd,
               const struct net_attach_opts *o, struct net_endpoint *ep, struct herr *e)
{
    const char *ifname = o->ifname ? o->ifname : "eth0";
    if (!ctr_id || !*ctr_id || strchr(ctr_id, '/'))
        return herr_set(e, EINVAL, "network %s: invalid container id \"%s\"", network,
                        ctr_id ? ctr_id : "");
    _cleanup_close_ int lock = net_lock(root, e);
    if (lock < 0)
        return -1;
    _cleanup_json_ json_t *j = load(root, network, e);
    if (!j)
        return -1;
    struct net_prefix subnet, range;
    uint32_t gw, ip;
    bool has_range;
    if (rec_addrs(j, &subnet, &gw, &range, &has_range, e) < 0)
        return -1;
    struct net_prefix6 sub6;
    uint8_t gw6[16], ip6[16];
    int v6 = rec_v6(j, &sub6, gw6, e);
    if (v6 < 0)
        return -1;
    const char *bridge = rec_bridge(j), *net_id = hj_str(j, "Id");
    if (!bridge || !net_id)
        return herr_set(e, EINVAL, "network %s: bad record: no bridge name or id", network);
    json_t *ctrs = json_object_get(j, "Containers");
    if (!json_is_object(ctrs)) {
        ctrs = json_object();
        json_object_set_new(j, "Containers", ctrs);
    }
    json_t *mine = json_object_get(ctrs, ctr_id);
    if (mine) {
        const char *a = hj_str(mine, "IPv4Address");
        _cleanup_free_ char *have = a ? xstrndup(a, strcspn(a, "/")) : NULL;
        if (net_addr_parse(have, &ip, e) < 0)
            return herr_wrap(e, "network %s: container %.12s", network, ctr_id);
        if (o->ip && strcmp(o->ip, have) != 0)
            return herr_set(e, EADDRINUSE, "network %s: container %.12s already has address %s",
                            network, ctr_id, have);
    } else if (reserve(j, ctr_id, o, &subnet, gw, has_range ? &range : NULL, &ip, e) < 0) {
        return herr_wrap(e, "network %s", network);
    }
    if (v6) {
        char a6[NET_PREFIX6_LEN];
        net_addr6_host(&sub6, ip & ~net_prefix_mask(subnet.len), ip6);
        net_addr6_fmt(ip6, a6);
        snprintf(a6 + strlen(a6), 5, "/%u", sub6.len);
        json_t *ep6 = json_object_get(ctrs, ctr_id);
        if (!mine || strcmp(hj_str(ep6, "IPv6Address") ? hj_str(ep6, "IPv6Address") : "", a6)) {
            json_object_set_new(ep6, "IPv6Address", json_string(a6));
            mine = NULL; /* the record changed: save it */
        }
    }
    bool publish = o->publish && *o->publish && !hj_bool(j, "Internal", false) &&
                   !json_object_get(json_object_get(ctrs, ctr_id), "Ports");
    if (publish) {
        json_t *ports = net_ports_reserve(root, network, j, ctr_id, o->publish, e);
        if (!ports)
            return herr_wrap(e, "network %s", network);
        json_object_set_new(json_object_get(ctrs, ctr_id), "Ports", ports);
    }
    if ((!mine || publish) && save(root, network, j, e) < 0)
        return herr_wrap(e, "network %s", network);
    memset(ep, 0, sizeof(*ep));
    net_addr_fmt(ip, ep->ip);
    ep->prefixlen = subnet.len;
    net_addr_fmt(gw, ep->gateway);
    net_mac_fmt(ip, ep->mac);
    if (v6) {
        net_addr6_fmt(ip6, ep->ip6);
        net_addr6_fmt(gw6, ep->gateway6);
        ep->prefixlen6 = sub6.len;
    }
    if (netns_fd < 0)
        return 0;

    char host_if[16];
    host_if_name(net_id, ctr_id, host_if);
    uint32_t route_gw = hj_bool(j, "Internal", false) ? 0 : gw;
    /* A leftover veth of a crashed earlier start would make the creation fail. */
    if (net_link_exists(host_if) && net_link_delete(host_if, e) < 0)
        return herr_wrap(e, "network %s", network);
    struct herr first = {0};
    int r = net_link_veth(bridge, host_if, netns_fd, ifname, ip, subnet.len, route_gw, &first);
    if (r < 0 && first.errnum != ENODEV) {
        if (e)
            *e = first;
    } else if (r < 0) {
        if (net_link_bridge_up(bridge, gw, subnet.len, e) < 0 ||
            net_nft_apply(bridge, &subnet, hj_bool(j, "Internal", false), e) < 0 ||
            (v6 && bridge_v6(bridge, &sub6, gw6, hj_bool(j, "Internal", false), e) < 0))
            return herr_wrap(e, "network %s", network);
        r = net_link_veth(bridge, host_if, netns_fd, ifname, ip, subnet.len, route_gw, e);
    }
    if (r == 0 && v6 &&
        net_link_addr6(netns_fd, ifname, ip6, sub6.len, hj_bool(j, "Internal", false) ? NULL : gw6,
                       e) < 0) {
        net_link_delete(host_if, NULL);
        r = -1;
    }
    if (r == 0 &&
        net_ports_wire(json_object_get(ctrs, ctr_id), host_if, bridge, &subnet, ip, e) < 0) {
        net_link_delete(host_if, NULL);
        r = -1;
    }
    if (r == 0 && net_dns_start(root, network, gw, &subnet, hj_bool(j, "Internal", false), e) < 0) {
        net_ports_unwire(json_object_get(ctrs, ctr_id), host_if, NULL);
        net_link_delete(host_if, NULL);
        r = -1;
    }
    if (r < 0)
        return herr_wrap(e, "network %s: container %.12s", network, ctr_id);
    snprintf(ep->host_if, sizeof(ep->host_if), "%s", host_if);
    return 0;
}

int net_detach(const char *root, const char *network, const char *ctr_id, unsigned flags,
               struct herr *e)
{
    _cleanup_close_ int lock = net_lock(root, e);
    if (lock < 0)
        return -1;
    _cleanup_json_ json_t *j = load(root, network, e);
    if (!j)
        return -1;
    char host_if[16];
    host_if_name(hj_str(j, "Id") ? hj_str(j, "Id") : "", ctr_id, host_if);
    json_t *ctrs = json_object_get(j, "Containers");
    if (net_ports_unwire(json_object_get(ctrs, ctr_id), host_if, e) < 0 ||
        (!(flags & NET_DETACH_KEEP_LINK) && net_link_exists(host_if) &&
         net_link_delete(host_if, e) < 0))
        return herr_wrap(e, "network %s", network);
    if (!(flags & NET_DETACH_RELEASE) || !json_object_get(ctrs, ctr_id))
        return 0;
    json_object_del(ctrs, ctr_id);
    return save(root, network, j, e);
}
