/* Networks of a container: the network mode, addresses reserved at create, the files
 * bind-mounted over /etc/hostname, /etc/hosts and /etc/resolv.conf, and the wiring of a
 * running container's namespace. The OCI hooks and connect/disconnect are in
 * ctr_net_wire.c. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/container/container.h"
#include "engine/container/ctr_internal.h"
#include "net/net.h"

/* A network joined at create, in interface order. */
struct join {
    char *name;
    char **aliases;
    const char *ip;
};

static void joins_free(struct join *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        strv_free(v[i].aliases);
    }
    free(v);
}

static bool is_mode(const char *net, const char *mode)
{
    return net && strcmp(net, mode) == 0;
}

static bool strv_has(char *const *v, const char *s)
{
    for (; v && *v; v++) {
        if (strcmp(*v, s) == 0)
            return true;
    }
    return false;
}

char **ctr_net_dns_names(char *const *user, const char *name, const char *hostname, const char *id)
{
    char **v = xcalloc(1, sizeof(char *));
    _cleanup_free_ char *shortid = xstrndup(id, 12);
    const char *extra[] = {name, hostname, shortid};
    for (char *const *p = user; p && *p; p++) {
        if (!strv_has(v, *p))
            strv_push(&v, xstrdup(*p));
    }
    for (size_t i = 0; i < 3; i++) {
        if (extra[i] && *extra[i] && !strv_has(v, extra[i]))
            strv_push(&v, xstrdup(extra[i]));
    }
    return v;
}

int ctr_net_check_aliases(char *const *v, struct herr *e)
{
    for (; v && *v; v++) {
        if (!**v || strlen(*v) > 253 ||
            strspn(*v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
                       "WXYZ0123456789_.-") != strlen(*v))
            return herr_set(e, 0, "invalid network alias \"%s\"", *v);
    }
    return 0;
}

static int port_range(const char *s, long *lo, long *hi)
{
    char *end;
    *lo = strtol(s, &end, 10);
    *hi = *lo;
    if (end == s)
        return -1;
    if (*end == '-') {
        const char *h = end + 1;
        *hi = strtol(h, &end, 10);
        if (end == h)
            return -1;
    }
    return *end || *lo < 1 || *hi > 65535 || *lo > *hi ? -1 : 0;
}

/* One -p spec into docker's PortBindings ("80/tcp": [{"HostIp","HostPort"}]). */
static int add_binding(json_t *pb, const char *spec, struct herr *e)
{
    _cleanup_free_ char *s = xstrdup(spec);
    const char *proto = "tcp";
    char *slash = strchr(s, '/');
    if (slash) {
        *slash = '\0';
        proto = slash + 1;
    }
    char *parts[3] = {NULL, NULL, NULL};
    int n = 0;
    for (char *p = s, *next; p && n < 4; p = next) {
        next = strchr(p, ':');
        if (next)
            *next++ = '\0';
        if (n == 3)
            return herr_set(e, 0, "invalid publish spec \"%s\": too many colons", spec);
        parts[n++] = p;
    }
    const char *hip = n == 3 ? parts[0] : "", *hport = n >= 2 ? parts[n - 2] : "";
    const char *cport = parts[n - 1];
    long clo, chi, hlo = 0, hhi = 0;
    uint32_t addr;
    if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0 && strcmp(proto, "sctp") != 0)
        return herr_set(e, 0, "invalid publish spec \"%s\": unknown protocol \"%s\"", spec, proto);
    if (*hip && net_addr_parse(hip, &addr, NULL) < 0)
        return herr_set(e, 0, "invalid publish spec \"%s\": bad host address \"%s\"", spec, hip);
    if (port_range(cport, &clo, &chi) < 0)
        return herr_set(e, 0, "invalid publish spec \"%s\": bad container port \"%s\"", spec,
                        cport);
    if (*hport && port_range(hport, &hlo, &hhi) < 0)
        return herr_set(e, 0, "invalid publish spec \"%s\": bad host port \"%s\"", spec, hport);
    if (*hport && chi > clo && hhi - hlo != chi - clo)
        return herr_set(e, 0, "invalid publish spec \"%s\": port ranges differ in length", spec);
    for (long p = clo; p <= chi; p++) {
        char key[32], hp[32] = "";
        snprintf(key, sizeof(key), "%ld/%s", p, proto);
        if (*hport && chi > clo)
            snprintf(hp, sizeof(hp), "%ld", hlo + (p - clo));
        else if (*hport)
            snprintf(hp, sizeof(hp), "%s", hport);
        json_t *a = json_object_get(pb, key);
        if (!a) {
            a = json_array();
            json_object_set_new(pb, key, a);
        }
        json_array_append_new(a, json_pack("{s:s,s:s}", "HostIp", hip, "HostPort", hp));
    }
    return 0;
}

/* "host:ip" (docker) or "host=ip" (compose); host-gateway is the first network's gateway. */
static int check_extra_host(const char *s, struct herr *e)
{
    size_t k = strcspn(s, "=:");
    const char *ip = s[k] ? s + k + 1 : NULL;
    unsigned char buf[16];
    if (!k || !ip || !*ip ||
        (strcmp(ip, "host-gateway") != 0 && inet_pton(AF_INET, ip, buf) != 1 &&
         inet_pton(AF_INET6, ip, buf) != 1))
        return herr_set(e, 0, "invalid argument \"%s\" for --add-host: expected HOST:IP", s);
    return 0;
}

/* Which networks the options join, resolved and checked; *mode the NetworkMode. */
static int plan(const struct ctr_ctx *c, const struct ctr_opts *o, struct join **out, size_t *n,
                char **mode, char ***warnings, struct herr *e)
{
    *out = NULL;
    *n = 0;
    *mode = NULL;
    const char *net = o->network;
    if (o->nnetworks > 0) {
        if (net)
            return herr_set(e, 0, "conflicting options: network mode \"%s\" and networks", net);
        struct join *v = xcalloc(o->nnetworks, sizeof(*v));
        for (size_t i = 0; i < o->nnetworks; i++) {
            if (net_resolve(c->root, o->networks[i].name, &v[i].name, e) < 0 ||
                ctr_net_check_aliases(o->networks[i].aliases, e) < 0) {
                joins_free(v, o->nnetworks);
                return -1;
            }
            v[i].aliases = strv_dup(o->networks[i].aliases);
            v[i].ip = o->networks[i].ip;
        }
        *out = v;
        *n = o->nnetworks;
        *mode = xstrdup(v[0].name);
        return 0;
    }
    if (!net || is_mode(net, "default"))
        net = NET_DEFAULT_NAME;
    if (is_mode(net, "host") || is_mode(net, "none") || str_has_prefix(net, "container:")) {
        if (o->ip)
            return herr_set(e, 0,
                            "user specified IP address is supported on user defined "
                            "networks only");
        if (o->network_aliases)
            return herr_set(e, 0,
                            "network-scoped aliases are supported only for containers "
                            "in user defined networks");
        if (str_has_prefix(net, "container:")) {
            if (o->publish || o->publish_all)
                return herr_set(e, 0,
                                "conflicting options: port publishing and the container "
                                "type network mode");
            if (o->hostname)
                return herr_set(e, 0, "conflicting options: hostname and the network mode");
            if (o->dns || o->dns_search || o->dns_opt)
                return herr_set(e, 0, "conflicting options: dns and the network mode");
            if (o->extra_hosts)
                return herr_set(e, 0,
                                "conflicting options: custom host-to-IP mapping and the "
                                "network mode");
            _cleanup_free_ char *id = NULL;
            if (!net[10])
                return herr_set(e, 0, "invalid network mode \"%s\": no container named", net);
            if (ctr_resolve(c, net + 10, &id, e) < 0)
                return -1;
            *mode = xasprintf("container:%s", id);
            return 0;
        }
        if (o->publish || o->publish_all)
            strv_push(warnings, xasprintf("published ports are discarded when using the %s "
                                          "network mode",
                                          net));
        *mode = xstrdup(net);
        return 0;
    }
    bool dflt = strcmp(net, NET_DEFAULT_NAME) == 0;
    if (dflt && o->ip)
        return herr_set(e, 0,
                        "user specified IP address is supported on user defined networks "
                        "only");
    if (dflt && o->network_aliases)
        return herr_set(e, 0,
                        "network-scoped aliases are supported only for containers in "
                        "user defined networks");
    if (ctr_net_check_aliases(o->network_aliases, e) < 0)
        return -1;
    struct join *v = xcalloc(1, sizeof(*v));
    if ((dflt ? net_ensure_default(c->root, e) : 0) < 0 ||
        net_resolve(c->root, net, &v->name, e) < 0) {
        joins_free(v, 1);
        return -1;
    }
    v->aliases = strv_dup(o->network_aliases);
    v->ip = o->ip;
    *out = v;
    *n = 1;
    *mode = xstrdup(v->name);
    return 0;
}

static json_t *publish_specs(const struct ctr_opts *o, const json_t *icfg, char ***specs,
                             struct herr *e)
{
    json_t *pb = json_object();
    *specs = strv_dup(o->publish);
    if (!*specs)
        *specs = xcalloc(1, sizeof(char *));
    const char *k;
    json_t *v;
    if (o->publish_all) {
        json_object_foreach(json_object_get(icfg, "ExposedPorts"), k, v)
        {
            strv_push(specs, xstrdup(k));
        }
    }
    for (char **p = *specs; *p; p++) {
        if (add_binding(pb, *p, e) < 0) {
            json_decref(pb);
            strv_free(*specs);
            *specs = NULL;
            return NULL;
        }
    }
    return pb;
}

void ctr_net_release(const struct ctr_ctx *c, const json_t *rec)
{
    const char *name;
    json_t *v;
    const char *id = hj_str(rec, "Id");
    json_object_foreach(hj_path(rec, "NetworkSettings.Networks"), name, v)
        net_detach(c->root, name, id, NET_DETACH_RELEASE, NULL);
}

int ctr_net_create(const struct ctr_ctx *c, const struct ctr_opts *o, const json_t *icfg,
                   json_t *rec, char ***warnings, struct herr *e)
{
    json_t *cfg = json_object_get(rec, "Config");
    json_t *hc = json_object_get(rec, "HostConfig");
    for (char **p = o->extra_hosts; p && *p; p++) {
        if (check_extra_host(*p, e) < 0)
            return -1;
    }
    for (char **p = o->dns; p && *p; p++) {
        unsigned char buf[16];
        if (inet_pton(AF_INET, *p, buf) != 1 && inet_pton(AF_INET6, *p, buf) != 1)
            return herr_set(e, 0, "invalid argument \"%s\" for --dns: not an IP address", *p);
    }
    struct join *joins = NULL;
    size_t nj = 0;
    _cleanup_free_ char *mode = NULL;
    _cleanup_strv_ char **specs = NULL;
    if (plan(c, o, &joins, &nj, &mode, warnings, e) < 0)
        return -1;
    json_t *pb = nj ? publish_specs(o, icfg, &specs, e) : json_object();
    if (!pb) {
        joins_free(joins, nj);
        return -1;
    }
    json_object_set_new(hc, "NetworkMode", json_string(mode));
    json_object_set_new(hc, "PortBindings", pb);
    json_object_set_new(hc, "PublishAllPorts", json_boolean(o->publish_all));
    json_object_set_new(hc, "Dns", hj_from_strv(o->dns));
    json_object_set_new(hc, "DnsSearch", hj_from_strv(o->dns_search));
    json_object_set_new(hc, "DnsOptions", hj_from_strv(o->dns_opt));
    json_object_set_new(hc, "ExtraHosts", hj_from_strv(o->extra_hosts));
    json_object_set_new(cfg, "Domainname", json_string(o->domainname ? o->domainname : ""));
    json_object_set_new(rec, "NetworkSettings", json_pack("{s:{},s:O}", "Networks", "Ports", pb));

    if (str_has_prefix(mode, "container:")) {
        _cleanup_json_ json_t *other = ctr_inspect(c, mode + 10, e);
        if (!other)
            return herr_wrap(e, "network mode %s", mode);
        const json_t *ocfg = json_object_get(other, "Config");
        json_object_set(cfg, "Hostname", json_object_get(ocfg, "Hostname"));
        static const char *const files[] = {"HostnamePath", "HostsPath", "ResolvConfPath"};
        for (size_t i = 0; i < 3; i++)
            json_object_set(rec, files[i], json_object_get(other, files[i]));
        return 0;
    }
    for (size_t i = 0; i < nj; i++) {
        char ifname[32];
        snprintf(ifname, sizeof(ifname), "eth%zu", i);
        if (ctr_net_join(c, rec, joins[i].name, joins[i].aliases, joins[i].ip, ifname,
                         i == 0 ? specs : NULL, -1, e) < 0) {
            ctr_net_release(c, rec);
            joins_free(joins, nj);
            return -1;
        }
    }
    joins_free(joins, nj);
    return 0;
}

int ctr_net_join(const struct ctr_ctx *c, json_t *rec, const char *net, char **user_aliases,
                 const char *ip, const char *ifname, char **publish, int nsfd, struct herr *e)
{
    const char *id = hj_str(rec, "Id"), *name = hj_str(rec, "Name") + 1;
    const char *hostname = hj_str(json_object_get(rec, "Config"), "Hostname");
    _cleanup_strv_ char **aliases = ctr_net_dns_names(user_aliases, name, hostname, id);
    struct net_attach_opts ao = {.ifname = ifname,
                                 .ip = ip,
                                 .ctr_name = name,
                                 .aliases = aliases,
                                 .publish = publish && *publish ? publish : NULL};
    struct net_endpoint ep;
    if (net_attach(c->root, net, id, -1, &ao, &ep, e) < 0)
        return -1;
    if (nsfd >= 0 && net_attach(c->root, net, id, nsfd, &ao, &ep, e) < 0) {
        net_detach(c->root, net, id, NET_DETACH_RELEASE, NULL);
        return -1;
    }
    if (ao.publish) {
        json_t *ports = net_endpoint_ports(c->root, net, id, NULL);
        if (ports)
            json_object_set_new(json_object_get(rec, "NetworkSettings"), "Ports", ports);
    }
    _cleanup_json_ json_t *ninfo = net_inspect(c->root, net, NULL);
    const json_t *mine = json_object_get(json_object_get(ninfo, "Containers"), id);
    json_t *ns = json_object_get(rec, "NetworkSettings");
    if (!json_is_object(ns)) {
        ns = json_pack("{s:{},s:{}}", "Networks", "Ports");
        json_object_set_new(rec, "NetworkSettings", ns);
    }
    json_t *nets = json_object_get(ns, "Networks");
    json_t *ipam = ip ? json_pack("{s:s}", "IPv4Address", ip) : json_null();
    json_object_set_new(nets, net,
                        json_pack("{s:o,s:o,s:s,s:s,s:s,s:i,s:s,s:s,s:s,s:o}", "IPAMConfig", ipam,
                                  "Aliases", hj_from_strv(user_aliases), "NetworkID",
                                  hj_str(ninfo, "Id") ? hj_str(ninfo, "Id") : "", "EndpointID",
                                  hj_str(mine, "EndpointID") ? hj_str(mine, "EndpointID") : "",
                                  "Gateway", ep.gateway, "IPPrefixLen", (int)ep.prefixlen,
                                  "IPAddress", ep.ip, "MacAddress", ep.mac, "InterfaceName", ifname,
                                  "DNSNames", hj_from_strv(aliases)));
    json_t *me = json_object_get(nets, net);
    json_object_set_new(me, "IPv6Gateway", json_string(ep.gateway6));
    json_object_set_new(me, "GlobalIPv6Address", json_string(ep.ip6));
    json_object_set_new(me, "GlobalIPv6PrefixLen", json_integer(ep.prefixlen6));
    return 0;
}

static void resolv_lines(const char *text, const char *key, char ***out)
{
    _cleanup_free_ char *copy = xstrdup(text ? text : "");
    char *save = NULL;
    size_t klen = strlen(key);
    for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (strncmp(l, key, klen) == 0 && (l[klen] == ' ' || l[klen] == '\t'))
            strv_push(out, xstrdup(l + klen + strspn(l + klen, " \t")));
    }
}

static void append(char **s, const char *fmt, const char *a, const char *b)
{
    char *next = xasprintf(fmt, *s, a, b);
    free(*s);
    *s = next;
}

/* Nameservers: --dns, else the first network's gateway (its DNS responder), else the
 * host's; search and options: the options' own, else the host's. */
static char *resolv_text(const json_t *rec, const char *gateway)
{
    const json_t *hc = json_object_get(rec, "HostConfig");
    _cleanup_free_ char *host = NULL;
    if (fs_read_all(AT_FDCWD, "/etc/resolv.conf", &host, NULL, NULL) < 0)
        host = xstrdup("");
    _cleanup_strv_ char **ns = hj_strv(json_object_get(hc, "Dns"));
    _cleanup_strv_ char **search = hj_strv(json_object_get(hc, "DnsSearch"));
    _cleanup_strv_ char **opts = hj_strv(json_object_get(hc, "DnsOptions"));
    /* Empty lists are unset. */
    if (ns && !*ns)
        ns = (strv_free(ns), NULL);
    if (search && !*search)
        search = (strv_free(search), NULL);
    if (opts && !*opts)
        opts = (strv_free(opts), NULL);
    if (!ns && !search && !opts && !gateway)
        return steal_ptr(&host);
    if (!ns && gateway)
        strv_push(&ns, xstrdup(gateway));
    if (!ns)
        resolv_lines(host, "nameserver", &ns);
    if (!search)
        resolv_lines(host, "search", &search);
    if (!opts)
        resolv_lines(host, "options", &opts);
    char *s = xstrdup("");
    for (char **p = ns; p && *p; p++)
        append(&s, "%s%s%s\n", "nameserver ", *p);
    for (char **p = search; p && *p; p++)
        append(&s, "%s%s%s\n", "search ", *p);
    for (char **p = opts; p && *p; p++)
        append(&s, "%s%s%s\n", "options ", *p);
    return s;
}

static char *hosts_text(const json_t *rec, const char *gateway)
{
    const json_t *cfg = json_object_get(rec, "Config");
    const char *hn = hj_str(cfg, "Hostname"), *dom = hj_str(cfg, "Domainname");
    char *s = xstrdup("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                      "fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\n"
                      "ff02::2\tip6-allrouters\n");
    const json_t *v;
    size_t i;
    json_array_foreach(hj_path(rec, "HostConfig.ExtraHosts"), i, v)
    {
        const char *eh = json_string_value(v);
        size_t k = strcspn(eh, "=:");
        _cleanup_free_ char *name = xstrndup(eh, k);
        const char *ip = eh + k + 1;
        if (strcmp(ip, "host-gateway") == 0)
            ip = gateway ? gateway : "127.0.0.1";
        append(&s, "%s%s\t%s\n", ip, name);
    }
    _cleanup_free_ char *fqdn =
        dom && *dom ? xasprintf("%s.%s %s", hn, dom, hn) : xstrdup(hn ? hn : "");
    const char *k;
    json_object_foreach(hj_path(rec, "NetworkSettings.Networks"), k, v)
        append(&s, "%s%s\t%s\n", hj_str(v, "IPAddress"), fqdn);
    return s;
}

static int write_file(int dfd, const char *name, const char *text, struct herr *e)
{
    return fs_write_atomic(dfd, name, text, strlen(text), 0644, false, e);
}

int ctr_net_files(const json_t *rec, const char *ctrdir, struct herr *e)
{
    const char *mode = hj_path(rec, "HostConfig.NetworkMode")
                           ? json_string_value(hj_path(rec, "HostConfig.NetworkMode"))
                           : "none";
    if (str_has_prefix(mode, "container:"))
        return 0;
    _cleanup_close_ int dfd = open(ctrdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return herr_sys(e, "open %s", ctrdir);
    const char *gw = NULL, *k;
    json_t *v;
    json_object_foreach(hj_path(rec, "NetworkSettings.Networks"), k, v)
    {
        gw = hj_str(v, "Gateway");
        break;
    }
    _cleanup_free_ char *hn =
        xasprintf("%s\n", hj_str(json_object_get(rec, "Config"), "Hostname") ?: "");
    /* The host network shares the host's names, unless --add-host asks for more. */
    bool host_file =
        strcmp(mode, "host") == 0 && json_array_size(hj_path(rec, "HostConfig.ExtraHosts")) == 0;
    _cleanup_free_ char *hosts = NULL;
    if (!host_file || fs_read_all(AT_FDCWD, "/etc/hosts", &hosts, NULL, NULL) < 0)
        hosts = hosts_text(rec, gw);
    _cleanup_free_ char *resolv = resolv_text(rec, gw);
    if (write_file(dfd, "hostname", hn, e) < 0 || write_file(dfd, "hosts", hosts, e) < 0 ||
        write_file(dfd, "resolv.conf", resolv, e) < 0)
        return -1;
    return 0;
}
