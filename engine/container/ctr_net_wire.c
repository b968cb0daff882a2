/* Wiring a container's recorded networks into its namespace: the OCI hooks of its
 * bundle, the network mode container:ID at start, and network connect/disconnect. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/container/container.h"
#include "engine/container/ctr_internal.h"
#include "net/net.h"

static const char *net_mode(const json_t *rec)
{
    const char *m = json_string_value(hj_path(rec, "HostConfig.NetworkMode"));
    return m ? m : "none";
}

static bool own_netns(const json_t *rec)
{
    const char *m = net_mode(rec);
    return strcmp(m, "host") != 0 && strcmp(m, "none") != 0 && !str_has_prefix(m, "container:");
}

json_t *ctr_net_hooks(const struct ctr_ctx *c, const json_t *rec)
{
    bool nets = own_netns(rec) && json_object_size(hj_path(rec, "NetworkSettings.Networks")) > 0;
    bool vols = false;
    size_t i;
    const json_t *m;
    json_array_foreach(json_object_get(rec, "Mounts"), i, m) vols =
        vols || (hj_str(m, "Type") && strcmp(hj_str(m, "Type"), "volume") == 0);
    if (!nets && !vols)
        return NULL;
    const char *args[] = {c->self,   "--root", c->root,           "--runroot", c->runroot,
                          "network", "hook",   hj_str(rec, "Id"), NULL};
    json_t *h = json_pack("{s:s,s:o}", "path", c->self, "args", hj_from_strv((char **)args));
    json_t *hooks = json_pack("{s:[O]}", "poststop", h);
    if (nets)
        json_object_set_new(hooks, "createRuntime", json_pack("[O]", h));
    json_decref(h);
    return hooks;
}

/* -p specs back from PortBindings, for the first network's endpoint. */
static char **publish_of(const json_t *rec)
{
    char **v = xcalloc(1, sizeof(char *));
    const char *key;
    const json_t *arr, *b;
    size_t i;
    json_object_foreach(hj_path(rec, "HostConfig.PortBindings"), key, arr)
    {
        json_array_foreach(arr, i, b)
        {
            const char *ip = hj_str(b, "HostIp"), *port = hj_str(b, "HostPort");
            if (ip && *ip)
                strv_push(&v, xasprintf("%s:%s:%s", ip, port ? port : "", key));
            else if (port && *port)
                strv_push(&v, xasprintf("%s:%s", port, key));
            else
                strv_push(&v, xstrdup(key));
        }
    }
    return v;
}

static int wire(const struct ctr_ctx *c, const json_t *rec, int nsfd, struct herr *e)
{
    const char *id = hj_str(rec, "Id"), *net;
    const json_t *ep;
    _cleanup_strv_ char **publish = publish_of(rec);
    bool first = true;
    json_object_foreach(hj_path(rec, "NetworkSettings.Networks"), net, ep)
    {
        _cleanup_strv_ char **aliases = hj_strv(json_object_get(ep, "DNSNames"));
        struct net_attach_opts o = {.ifname = hj_str(ep, "InterfaceName"),
                                    .ctr_name = hj_str(rec, "Name") + 1,
                                    .aliases = aliases,
                                    .publish = first && *publish ? publish : NULL};
        struct net_endpoint out;
        if (net_attach(c->root, net, id, nsfd, &o, &out, e) < 0)
            return -1;
        first = false;
    }
    return 0;
}

void ctr_net_unwire(const struct ctr_ctx *c, const json_t *rec, bool release)
{
    const char *net, *id = hj_str(rec, "Id");
    const json_t *ep;
    json_object_foreach(hj_path(rec, "NetworkSettings.Networks"), net, ep)
    {
        /* The veth pair goes with the dead namespace (NET_DETACH_KEEP_LINK): only the
         * address (with --rm) and published ports' rules need undoing. */
        _cleanup_json_ json_t *ports = release ? NULL : net_endpoint_ports(c->root, net, id, NULL);
        if (release || json_object_size(ports) > 0)
            net_detach(c->root, net, id, NET_DETACH_KEEP_LINK | (release ? NET_DETACH_RELEASE : 0),
                       NULL);
    }
}

static json_t *load_record(const struct ctr_ctx *c, const char *id, struct herr *e)
{
    _cleanup_free_ char *dir = ctr_dir(c, id);
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        herr_sys(e, "container %s", id);
        return NULL;
    }
    return hj_load_file(dfd, "config.json", e);
}

static int save_record(const struct ctr_ctx *c, const json_t *rec, struct herr *e)
{
    _cleanup_free_ char *dir = ctr_dir(c, hj_str(rec, "Id"));
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return herr_sys(e, "open %s", dir);
    return hj_write_atomic(dfd, "config.json", rec, false, e);
}

static int open_netns(pid_t pid, struct herr *e)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return herr_sys(e, "open %s", path);
    return fd;
}

int ctr_hook(const struct ctr_ctx *c, const char *id, const char *state, struct herr *e)
{
    _cleanup_json_ json_t *st = hj_load_str(state, "the OCI state", e);
    _cleanup_json_ json_t *rec = st ? load_record(c, id, e) : NULL;
    if (!rec)
        return -1;
    const char *status = hj_str(st, "status");
    if (status && strcmp(status, "stopped") == 0) {
        bool autorm = hj_bool(json_object_get(rec, "HostConfig"), "AutoRemove", false);
        ctr_net_unwire(c, rec, autorm);
        ctr_vol_stopped(c, rec);
        if (autorm)
            ctr_vol_remove_anonymous(c, rec);
        return 0;
    }
    if (!own_netns(rec))
        return 0;
    long long pid = hj_int(st, "pid", 0);
    if (pid <= 0)
        return herr_set(e, 0, "container %s: the OCI state names no pid", id);
    _cleanup_close_ int ns = open_netns((pid_t)pid, e);
    if (ns < 0 || wire(c, rec, ns, e) < 0)
        return herr_wrap(e, "container %s", id);
    return 0;
}

int ctr_net_before_start(const struct ctr_ctx *c, const json_t *rec, struct herr *e)
{
    const char *mode = net_mode(rec);
    if (!str_has_prefix(mode, "container:"))
        return 0;
    _cleanup_json_ json_t *other = ctr_inspect(c, mode + 10, e);
    if (!other)
        return herr_wrap(e, "network mode %s", mode);
    const char *st = ctr_status(other);
    pid_t pid = (pid_t)hj_int(json_object_get(other, "State"), "Pid", 0);
    if (strcmp(st, "running") != 0 || pid <= 0)
        return herr_set(e, 0, "cannot join the network of container %s: it is not running",
                        hj_str(other, "Name") + 1);
    _cleanup_json_ json_t *spec = NULL;
    _cleanup_close_ int bfd = ctr_bundle_load(c, hj_str(rec, "Id"), &spec, e);
    if (bfd < 0)
        return -1;
    _cleanup_free_ char *path = xasprintf("/proc/%d/ns/net", (int)pid);
    size_t i;
    json_t *ns;
    json_array_foreach(hj_path(spec, "linux.namespaces"), i, ns)
    {
        if (hj_str(ns, "type") && strcmp(hj_str(ns, "type"), "network") == 0)
            json_object_set_new(ns, "path", json_string(path));
    }
    return hj_write_atomic(bfd, "config.json", spec, false, e);
}

static bool ifname_used(const json_t *nets, const char *ifname)
{
    const char *k;
    const json_t *ep;
    json_object_foreach((json_t *)nets, k, ep)
    {
        const char *n = hj_str(ep, "InterfaceName");
        if (n && strcmp(n, ifname) == 0)
            return true;
    }
    return false;
}

/* Running: its init's pid; else 0. */
static pid_t running_pid(const struct ctr_ctx *c, const char *id)
{
    _cleanup_json_ json_t *full = ctr_inspect(c, id, NULL);
    if (!full || strcmp(ctr_status(full), "running") != 0)
        return 0;
    return (pid_t)hj_int(json_object_get(full, "State"), "Pid", 0);
}

int ctr_network_connect(const struct ctr_ctx *c, const char *id, const struct ctr_network *n,
                        struct herr *e)
{
    _cleanup_json_ json_t *rec = load_record(c, id, e);
    if (!rec)
        return -1;
    const char *cname = hj_str(rec, "Name") + 1;
    if (!own_netns(rec))
        return herr_set(e, 0, "container %s: cannot connect a container in network mode %s", cname,
                        net_mode(rec));
    _cleanup_free_ char *net = NULL;
    if (net_resolve(c->root, n->name, &net, e) < 0 || ctr_net_check_aliases(n->aliases, e) < 0)
        return -1;
    json_t *nets = hj_path(rec, "NetworkSettings.Networks");
    if (json_object_get(nets, net))
        return herr_set(e, EEXIST, "container %s is already connected to network %s", cname, net);
    char ifname[16];
    int i = 0;
    do
        snprintf(ifname, sizeof(ifname), "eth%d", i++);
    while (ifname_used(nets, ifname));
    pid_t pid = running_pid(c, id);
    _cleanup_close_ int nsfd = pid > 0 ? open_netns(pid, e) : -1;
    if (pid > 0 && nsfd < 0)
        return -1;
    if (ctr_net_join(c, rec, net, n->aliases, n->ip, ifname, NULL, nsfd, e) < 0)
        return -1;
    if (save_record(c, rec, e) < 0) {
        net_detach(c->root, net, id, NET_DETACH_RELEASE, NULL);
        return -1;
    }
    return 0;
}

int ctr_network_disconnect(const struct ctr_ctx *c, const char *id, const char *network,
                           struct herr *e)
{
    _cleanup_json_ json_t *rec = load_record(c, id, e);
    if (!rec)
        return -1;
    _cleanup_free_ char *net = NULL;
    if (net_resolve(c->root, network, &net, e) < 0)
        return -1;
    json_t *nets = hj_path(rec, "NetworkSettings.Networks");
    if (!json_object_get(nets, net))
        return herr_set(e, 0, "container %s is not connected to network %s",
                        hj_str(rec, "Name") + 1, net);
    /* Deleting the host end of the veth pair removes the end inside the container too. */
    if (net_detach(c->root, net, id, NET_DETACH_RELEASE, e) < 0)
        return -1;
    json_object_del(nets, net);
    return save_record(c, rec, e);
}
