/* `container port CTR [PORT[/PROTO]]`: the published ports of a running container, as
 * docker prints them, read from its endpoints' records (the host ports actually
 * reserved, random ones included). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_container_int.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"
#include "net/net.h"

struct mapping {
    unsigned port;
    char proto[8];
    char host[32]; /* "IP:PORT" */
};

static int cmp_mapping(const void *a, const void *b)
{
    const struct mapping *x = a, *y = b;
    if (x->port != y->port)
        return x->port < y->port ? -1 : 1;
    int c = strcmp(x->proto, y->proto);
    return c ? c : strcmp(x->host, y->host);
}

/* "80", "80/udp": port and protocol (tcp by default). */
static int parse_filter(const char *s, unsigned *port, const char **proto)
{
    const char *slash = strchr(s, '/');
    _cleanup_free_ char *num = slash ? xstrndup(s, (size_t)(slash - s)) : xstrdup(s);
    long long v;
    *proto = slash ? slash + 1 : "tcp";
    if (str_parse_ll(num, &v) < 0 || v < 1 || v > 65535)
        return -1;
    if (strcmp(*proto, "tcp") != 0 && strcmp(*proto, "udp") != 0 && strcmp(*proto, "sctp") != 0)
        return -1;
    *port = (unsigned)v;
    return 0;
}

/* The bindings of every endpoint of the container. */
static int collect(const struct ctr_ctx *c, const json_t *rec, struct mapping **out, size_t *n,
                   struct herr *e)
{
    struct mapping *v = xcalloc(1, sizeof(*v));
    size_t count = 0;
    const char *net;
    const json_t *info;
    json_object_foreach(hj_path(rec, "NetworkSettings.Networks"), net, info)
    {
        (void)info;
        _cleanup_json_ json_t *ports = net_endpoint_ports(c->root, net, hj_str(rec, "Id"), e);
        if (!ports) {
            free(v);
            return -1;
        }
        const char *key;
        const json_t *arr;
        json_object_foreach(ports, key, arr)
        {
            size_t i;
            const json_t *b;
            json_array_foreach(arr, i, b)
            {
                v = xrealloc(v, (count + 1) * sizeof(*v));
                struct mapping *m = &v[count++];
                m->port = (unsigned)strtoul(key, NULL, 10);
                snprintf(m->proto, sizeof(m->proto), "%s",
                         strchr(key, '/') ? strchr(key, '/') + 1 : "tcp");
                snprintf(m->host, sizeof(m->host), "%s:%s", hj_str(b, "HostIp"),
                         hj_str(b, "HostPort"));
            }
        }
    }
    qsort(v, count, sizeof(*v), cmp_mapping);
    *out = v;
    *n = count;
    return 0;
}

int cli_ctr_port(const struct ctr_ctx *c, int argc, char **argv)
{
    static const char help[] = "Usage: hoist container port CONTAINER [PRIVATE_PORT[/PROTO]]\n\n"
                               "List the port mappings of a running container, or the host\n"
                               "addresses one of its ports is published on.\n";
    if (cli_help_asked(argc, argv, help))
        return 0;
    if (argc < 2 || argc > 3)
        return cli_usage_error("container port", "requires a CONTAINER and at most one PORT");
    unsigned want = 0;
    const char *proto = NULL;
    if (argc == 3 && parse_filter(argv[2], &want, &proto) < 0)
        return cli_usage_error("container port", "invalid port \"%s\": want PORT[/tcp|udp|sctp]",
                               argv[2]);
    struct herr e = {0};
    _cleanup_free_ char *id = NULL;
    if (ctr_resolve(c, argv[1], &id, &e) < 0)
        return cli_report(&e, 1);
    _cleanup_json_ json_t *rec = ctr_inspect(c, id, &e);
    if (!rec)
        return cli_report(&e, 1);
    _cleanup_free_ struct mapping *v = NULL;
    size_t n = 0;
    /* As docker: a container that does not run publishes nothing. */
    if (strcmp(ctr_status(rec), "running") == 0 && collect(c, rec, &v, &n, &e) < 0)
        return cli_report(&e, 1);
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
        if (!want) {
            printf("%u/%s -> %s\n", v[i].port, v[i].proto, v[i].host);
        } else if (v[i].port == want && strcmp(v[i].proto, proto) == 0) {
            puts(v[i].host);
            shown++;
        }
    }
    if (want && !shown) {
        herr_set(&e, 0, "No public port '%u/%s' published for %s", want, proto, argv[1]);
        return cli_report(&e, 1);
    }
    return 0;
}
