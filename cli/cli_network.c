/* `hoist network create|ls|rm|inspect|prune|connect|disconnect`, on the net/ library,
 * and the hidden `hook` the bundles of containers run. */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_container_int.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"
#include "net/net.h"

static void usage(FILE *f)
{
    fprintf(f, "Usage: hoist network COMMAND\n\nCommands:\n"
               "  create   Create a network\n"
               "  ls       List networks\n"
               "  rm       Remove one or more networks\n"
               "  inspect  Show details of networks\n"
               "  prune    Remove networks no container uses\n"
               "\nLow-level commands (for tools and tests):\n"
               "  attach   Reserve an address for an id and wire a network namespace\n"
               "  detach   Unwire an id, optionally releasing its address\n");
}

static int cmd_create(const struct cli_globals *g, int argc, char **argv)
{
    static const char help[] =
        "Usage: hoist network create [OPTIONS] NAME\n\n"
        "Options:\n"
        "  -d, --driver NAME     network driver (only bridge)\n"
        "      --subnet CIDR     subnet, e.g. 10.90.0.0/24 (default: next free one of the pools);\n"
        "                        given twice, an IPv4 and an IPv6 one (fd00:1::/64)\n"
        "      --ipv6            IPv6 too (default subnet: a random unique local /64)\n"
        "      --gateway ADDR    gateway address (default: first address of the subnet)\n"
        "      --ip-range CIDR   allocate container addresses from this part of the subnet\n"
        "      --internal        no access to or from outside the network\n"
        "      --label K=V       set a label (repeatable)\n";
    if (cli_help_asked(argc, argv, help))
        return 0;
    static const struct option opts[] = {
        {"driver", required_argument, NULL, 'd'},  {"subnet", required_argument, NULL, 's'},
        {"gateway", required_argument, NULL, 'g'}, {"ip-range", required_argument, NULL, 'r'},
        {"internal", no_argument, NULL, 'i'},      {"ipv6", no_argument, NULL, '6'},
        {"label", required_argument, NULL, 'l'},   {0},
    };
    _cleanup_strv_ char **labels = xcalloc(1, sizeof(char *));
    struct net_create_opts o = {0};
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+d:", opts, NULL)) != -1) {
        const char **dup = NULL;
        switch (c) {
        case 'd':
            o.driver = optarg;
            break;
        case 's':
            dup = strchr(optarg, ':') ? &o.subnet6 : &o.subnet;
            break;
        case '6':
            o.ipv6 = true;
            break;
        case 'g':
            dup = &o.gateway;
            break;
        case 'r':
            dup = &o.ip_range;
            break;
        case 'i':
            o.internal = true;
            break;
        case 'l':
            strv_push(&labels, xstrdup(optarg));
            break;
        default:
            return cli_usage_error("network create", "unknown or incomplete option \"%s\"",
                                   argv[optind - 1]);
        }
        if (dup && *dup)
            return cli_usage_error(
                "network create",
                "only one subnet per family, one gateway and one ip range are supported");
        if (dup)
            *dup = optarg;
    }
    if (optind + 1 != argc)
        return cli_usage_error("network create", "requires exactly one NAME");
    o.labels = labels;
    struct herr e = {0};
    _cleanup_free_ char *id = NULL;
    if (net_create(g->root, argv[optind], &o, &id, &e) < 0)
        return cli_report(&e, 1);
    puts(id);
    return 0;
}

static int cmd_ls(const struct cli_globals *g, int argc, char **argv)
{
    static const char help[] = "Usage: hoist network ls [-q] [--no-trunc] [--format json|table]\n";
    if (cli_help_asked(argc, argv, help))
        return 0;
    static const struct option opts[] = {
        {"quiet", no_argument, NULL, 'q'},
        {"no-trunc", no_argument, NULL, 'n'},
        {"format", required_argument, NULL, 'F'},
        {0},
    };
    bool quiet = false, json = false, notrunc = false;
    int c, fr;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+q", opts, NULL)) != -1) {
        switch (c) {
        case 'q':
            quiet = true;
            break;
        case 'n':
            notrunc = true;
            break;
        case 'F':
            if ((fr = cli_format_arg("network ls", optarg, &json)) != 0)
                return fr;
            break;
        default:
            return cli_usage_error("network ls", "unknown or incomplete option \"%s\"",
                                   argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("network ls", "unexpected argument \"%s\"", argv[optind]);
    struct herr e = {0};
    _cleanup_strv_ char **names = NULL;
    if (net_list(g->root, &names, &e) < 0)
        return cli_report(&e, 1);
    int idw = notrunc ? 64 : 12;
    if (!quiet && !json)
        printf("%-*s   %-20s %-10s%s\n", idw, "NETWORK ID", "NAME", "DRIVER", "SCOPE");
    for (char **n = names; *n; n++) {
        _cleanup_json_ json_t *v = net_inspect(g->root, *n, NULL);
        if (!v)
            continue;
        const char *id = hj_str(v, "Id") ? hj_str(v, "Id") : "";
        if (quiet) {
            printf("%.*s\n", idw, id);
        } else if (json) {
            _cleanup_free_ char *lt = cli_labels_text(json_object_get(v, "Labels"));
            _cleanup_json_ json_t *row =
                json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "CreatedAt", hj_str(v, "Created"),
                          "Driver", hj_str(v, "Driver"), "ID", id, "IPv6", "false", "Internal",
                          hj_bool(v, "Internal", false) ? "true" : "false", "Labels", lt, "Name",
                          *n, "Scope", hj_str(v, "Scope"));
            _cleanup_free_ char *s = row ? json_dumps(row, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
            if (s)
                puts(s);
        } else {
            printf("%-*.*s   %-20s %-10s%s\n", idw, idw, id, *n, hj_str(v, "Driver"),
                   hj_str(v, "Scope"));
        }
    }
    return 0;
}

/* A name or id prefix, then the removal itself. */
static int remove_network(const char *root, const char *ref, struct herr *e)
{
    _cleanup_free_ char *name = NULL;
    if (net_resolve(root, ref, &name, e) < 0)
        return -1;
    return net_remove(root, name, e);
}

static int cmd_rm(const struct cli_globals *g, int argc, char **argv)
{
    static const char help[] = "Usage: hoist network rm [-f] NETWORK...\n\n"
                               "A network a container is attached to is never removed; -f only\n"
                               "ignores networks that do not exist.\n";
    return cli_rm_each(g, "network rm", help, "NETWORK", remove_network, argc, argv);
}

static json_t *inspect_network(const char *root, const char *ref, struct herr *e)
{
    _cleanup_free_ char *name = NULL;
    if (net_resolve(root, ref, &name, e) < 0)
        return NULL;
    return net_inspect(root, name, e);
}

static int cmd_inspect(const struct cli_globals *g, int argc, char **argv)
{
    return cli_inspect_each(g, "network inspect",
                            "Usage: hoist network inspect [-f FORMAT] NETWORK...\n", "NETWORK",
                            inspect_network, JSON_INDENT(4) | JSON_SORT_KEYS, argc, argv);
}

static int cmd_prune(const struct cli_globals *g, int argc, char **argv)
{
    static const char help[] =
        "Usage: hoist network prune [-f]\n\n"
        "Removes networks no container is attached to (never \"" NET_DEFAULT_NAME "\").\n";
    if (cli_help_asked(argc, argv, help))
        return 0;
    static const struct option opts[] = {{"force", no_argument, NULL, 'f'}, {0}};
    bool force = false;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
        if (c != 'f')
            return cli_usage_error("network prune", "unknown option \"%s\"", argv[optind - 1]);
        force = true;
    }
    if (optind < argc)
        return cli_usage_error("network prune", "unexpected argument \"%s\"", argv[optind]);
    if (!force) {
        printf("WARNING! This will remove all custom networks not used by at least one "
               "container.\nAre you sure you want to continue? [y/N] ");
        fflush(stdout);
        char line[16] = "";
        if (!fgets(line, sizeof(line), stdin) || (line[0] != 'y' && line[0] != 'Y'))
            return 1;
    }
    struct herr e = {0};
    _cleanup_strv_ char **names = NULL;
    if (net_list(g->root, &names, &e) < 0)
        return cli_report(&e, 1);
    bool header = false;
    int status = 0;
    for (char **n = names; *n; n++) {
        if (strcmp(*n, NET_DEFAULT_NAME) == 0)
            continue;
        herr_clear(&e);
        if (net_remove(g->root, *n, &e) < 0) {
            if (e.errnum != EBUSY)
                status = cli_report(&e, 1);
            continue;
        }
        if (!header)
            puts("Deleted Networks:");
        header = true;
        puts(*n);
    }
    return status;
}

static int cmd_attach(const struct cli_globals *g, int argc, char **argv)
{
    static const char help[] =
        "Usage: hoist network attach [OPTIONS] NETWORK ID\n\n"
        "Reserves an address on NETWORK for ID (a container id) and, given a namespace,\n"
        "wires a veth pair into it. Prints ADDRESS/LEN MAC HOST-INTERFACE.\n\n"
        "Options:\n"
        "      --pid PID       wire the network namespace of PID\n"
        "      --netns PATH    wire the network namespace at PATH\n"
        "      --ip ADDR       static address\n"
        "      --ifname NAME   interface name inside (default eth0)\n"
        "      --name NAME     container name shown by inspect\n"
        "      --alias NAME    DNS alias on this network (repeatable)\n"
        "      --publish SPEC  publish [ip:][hostPort:]containerPort[/tcp|udp] through this\n"
        "                      endpoint (repeatable; host ports are chosen when reserving)\n";
    if (cli_help_asked(argc, argv, help))
        return 0;
    static const struct option opts[] = {
        {"pid", required_argument, NULL, 'p'},     {"netns", required_argument, NULL, 'n'},
        {"ip", required_argument, NULL, 'i'},      {"ifname", required_argument, NULL, 'f'},
        {"name", required_argument, NULL, 'N'},    {"alias", required_argument, NULL, 'a'},
        {"publish", required_argument, NULL, 'P'}, {0},
    };
    _cleanup_strv_ char **aliases = xcalloc(1, sizeof(char *));
    _cleanup_strv_ char **publish = xcalloc(1, sizeof(char *));
    _cleanup_free_ char *nspath = NULL;
    struct net_attach_opts o = {0};
    long long pid;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (c) {
        case 'P':
            strv_push(&publish, xstrdup(optarg));
            break;
        case 'p':
            if (str_parse_ll(optarg, &pid) < 0 || pid <= 0)
                return cli_usage_error("network attach", "invalid pid \"%s\"", optarg);
            free(nspath);
            nspath = xasprintf("/proc/%lld/ns/net", pid);
            break;
        case 'n':
            free(nspath);
            nspath = xstrdup(optarg);
            break;
        case 'i':
            o.ip = optarg;
            break;
        case 'f':
            o.ifname = optarg;
            break;
        case 'N':
            o.ctr_name = optarg;
            break;
        case 'a':
            strv_push(&aliases, xstrdup(optarg));
            break;
        default:
            return cli_usage_error("network attach", "unknown or incomplete option \"%s\"",
                                   argv[optind - 1]);
        }
    }
    if (optind + 2 != argc)
        return cli_usage_error("network attach", "requires NETWORK and ID");
    if (o.ifname && (strlen(o.ifname) >= 16 || !*o.ifname || strchr(o.ifname, '/')))
        return cli_usage_error("network attach", "invalid interface name \"%s\"", o.ifname);
    o.aliases = aliases;
    o.publish = publish;
    struct herr e = {0};
    _cleanup_close_ int nsfd = -1;
    if (nspath && (nsfd = open(nspath, O_RDONLY | O_CLOEXEC)) < 0) {
        herr_sys(&e, "open network namespace %s", nspath);
        return cli_report(&e, 1);
    }
    _cleanup_free_ char *name = NULL;
    struct net_endpoint ep;
    if (net_resolve(g->root, argv[optind], &name, &e) < 0 ||
        net_attach(g->root, name, argv[optind + 1], nsfd, &o, &ep, &e) < 0)
        return cli_report(&e, 1);
    printf("%s/%u %s %s\n", ep.ip, ep.prefixlen, ep.mac, *ep.host_if ? ep.host_if : "-");
    return 0;
}

static int cmd_detach(const struct cli_globals *g, int argc, char **argv)
{
    static const char help[] = "Usage: hoist network detach [--release] NETWORK ID\n\n"
                               "Removes the host end of ID's veth pair; --release also frees\n"
                               "its address.\n";
    if (cli_help_asked(argc, argv, help))
        return 0;
    static const struct option opts[] = {{"release", no_argument, NULL, 'r'}, {0}};
    bool release = false;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        if (c != 'r')
            return cli_usage_error("network detach", "unknown option \"%s\"", argv[optind - 1]);
        release = true;
    }
    if (optind + 2 != argc)
        return cli_usage_error("network detach", "requires NETWORK and ID");
    struct herr e = {0};
    _cleanup_free_ char *name = NULL;
    if (net_resolve(g->root, argv[optind], &name, &e) < 0 ||
        net_detach(g->root, name, argv[optind + 1], release ? NET_DETACH_RELEASE : 0, &e) < 0)
        return cli_report(&e, 1);
    return 0;
}

static int cmd_connect(const struct cli_globals *g, int argc, char **argv)
{
    static const char help[] = "Usage: hoist network connect [OPTIONS] NETWORK CONTAINER\n\n"
                               "Options:\n"
                               "      --alias NAME   DNS alias on this network (repeatable)\n"
                               "      --ip ADDR      static IPv4 address\n";
    if (cli_help_asked(argc, argv, help))
        return 0;
    static const struct option opts[] = {
        {"alias", required_argument, NULL, 'a'}, {"ip", required_argument, NULL, 'i'}, {0}};
    _cleanup_strv_ char **aliases = NULL;
    struct ctr_network n = {0};
    int ch;
    optind = 0;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        if (ch == 'a')
            strv_push(&aliases, xstrdup(optarg));
        else if (ch == 'i')
            n.ip = optarg;
        else
            return cli_usage_error("network connect", "unknown or incomplete option \"%s\"",
                                   argv[optind - 1]);
    }
    if (argc - optind != 2)
        return cli_usage_error("network connect", "requires NETWORK and CONTAINER");
    n.name = argv[optind];
    n.aliases = aliases;
    struct ctr_ctx c;
    cli_ctr_ctx(g, &c);
    struct herr e = {0};
    _cleanup_free_ char *id = NULL;
    if (ctr_resolve(&c, argv[optind + 1], &id, &e) < 0 || ctr_network_connect(&c, id, &n, &e) < 0)
        return cli_report(&e, 1);
    return 0;
}

static int cmd_disconnect(const struct cli_globals *g, int argc, char **argv)
{
    static const char help[] = "Usage: hoist network disconnect [-f] NETWORK CONTAINER\n";
    if (cli_help_asked(argc, argv, help))
        return 0;
    static const struct option opts[] = {{"force", no_argument, NULL, 'f'}, {0}};
    int ch;
    optind = 0;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
        if (ch != 'f')
            return cli_usage_error("network disconnect", "unknown option \"%s\"", argv[optind - 1]);
    }
    if (argc - optind != 2)
        return cli_usage_error("network disconnect", "requires NETWORK and CONTAINER");
    struct ctr_ctx c;
    cli_ctr_ctx(g, &c);
    struct herr e = {0};
    _cleanup_free_ char *id = NULL;
    if (ctr_resolve(&c, argv[optind + 1], &id, &e) < 0 ||
        ctr_network_disconnect(&c, id, argv[optind], &e) < 0)
        return cli_report(&e, 1);
    return 0;
}

/* The OCI hook of container bundles: the runtime's state on stdin. */
static int cmd_hook(const struct cli_globals *g, int argc, char **argv)
{
    if (argc != 2)
        return cli_usage_error("network hook", "requires the container id (run by the runtime)");
    struct herr e = {0};
    _cleanup_free_ char *state = NULL;
    if (fs_read_all(AT_FDCWD, "/proc/self/fd/0", &state, NULL, &e) < 0)
        return cli_report(&e, 1);
    struct ctr_ctx c;
    cli_ctr_ctx(g, &c);
    if (ctr_hook(&c, argv[1], state, &e) < 0)
        return cli_report(&e, 1);
    return 0;
}

int cli_network_self_hook(char *const *args, const char *state, struct herr *e)
{
    /* Only the exact form ctr_net_hooks writes: SELF --root R --runroot RR network hook ID */
    if (strv_len(args) != 8 || strcmp(args[1], "--root") != 0 ||
        strcmp(args[3], "--runroot") != 0 || strcmp(args[5], "network") != 0 ||
        strcmp(args[6], "hook") != 0)
        return 1;
    struct ctr_ctx c = {.root = args[2], .runroot = args[4], .cgroup_parent = "", .self = args[0]};
    return ctr_hook(&c, args[7], state, e);
}

int cli_network_main(const struct cli_globals *g, int argc, char **argv)
{
    static const struct cli_cmd cmds[] = {
        {"create", NULL, cmd_create},
        {"ls", "list", cmd_ls},
        {"rm", "remove", cmd_rm},
        {"inspect", NULL, cmd_inspect},
        {"prune", NULL, cmd_prune},
        {"attach", NULL, cmd_attach},
        {"detach", NULL, cmd_detach},
        {"connect", NULL, cmd_connect},
        {"disconnect", NULL, cmd_disconnect},
        {"hook", NULL, cmd_hook},
    };
    return cli_dispatch(g, "network", cmds, sizeof(cmds) / sizeof(cmds[0]), usage, argc, argv);
}
