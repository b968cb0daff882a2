/* `hoist container ...`: create, run and start here, the other verbs in
 * cli_container_ops.c and cli_container_logs.c. */
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_container_int.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/runtime/runtime.h"

/* The monitor runs from "/": it must be handed absolute state paths. */
static const char *absolute(const char *p)
{
    static char buf[2][4096];
    static int i;
    char cwd[4096];
    if (p[0] == '/' || !getcwd(cwd, sizeof(cwd)))
        return p;
    i ^= 1;
    int n = snprintf(buf[i], sizeof(buf[i]), "%s/%s", cwd, p);
    return n > 0 && (size_t)n < sizeof(buf[i]) ? buf[i] : p;
}

void cli_ctr_ctx(const struct cli_globals *g, struct ctr_ctx *c)
{
    *c = (struct ctr_ctx){.root = absolute(g->root),
                          .runroot = absolute(g->runroot),
                          .cgroup_parent = g->cgroup_parent,
                          .self = g->self};
}

static int env_file(const char *path, char ***env, struct herr *e)
{
    _cleanup_file_ FILE *f = fopen(path, "re");
    if (!f)
        return herr_sys(e, "open env file %s", path);
    _cleanup_free_ char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        line[strcspn(line, "\r\n")] = '\0';
        const char *p = line + strspn(line, " \t");
        if (*p && *p != '#')
            strv_push(env, xstrdup(p));
    }
    return 0;
}

enum {
    OPT_RM = 256,
    OPT_ENV_FILE,
    OPT_NAME,
    OPT_ENTRYPOINT,
    OPT_RESTART,
    OPT_MEMSWAP,
    OPT_CPUS,
    OPT_CPUSHARES,
    OPT_PIDS,
    OPT_CAPADD,
    OPT_CAPDROP,
    OPT_PRIV,
    OPT_RO,
    OPT_SECOPT,
    OPT_ULIMIT,
    OPT_SYSCTL,
    OPT_NETWORK,
    OPT_STOPSIG,
    OPT_STOPTIMEOUT,
    OPT_LABEL,
    OPT_NETALIAS,
    OPT_IP,
    OPT_DNS,
    OPT_DNSSEARCH,
    OPT_DNSOPT,
    OPT_ADDHOST,
    OPT_DOMAIN,
    OPT_MOUNT,
    OPT_TMPFS,
    OPT_VOLFROM,
    OPT_HEALTH_CMD,
    OPT_HEALTH_INTERVAL,
    OPT_HEALTH_TIMEOUT,
    OPT_HEALTH_RETRIES,
    OPT_HEALTH_START_PERIOD,
    OPT_HEALTH_START_INTERVAL,
    OPT_NO_HEALTHCHECK,
};

/* --health-* and --no-healthcheck into o->health; the CMD-SHELL test is made once all
 * options are seen. 0, or the exit status of a usage error. */
static int health_opt(const char *cmd, int c, const char *arg, struct ctr_opts *o,
                      const char **shell_cmd, bool *none)
{
    static const struct {
        int opt;
        const char *name;
        size_t off;
    } durations[] = {
        {OPT_HEALTH_INTERVAL, "health-interval", offsetof(struct ctr_health, interval)},
        {OPT_HEALTH_TIMEOUT, "health-timeout", offsetof(struct ctr_health, timeout)},
        {OPT_HEALTH_START_PERIOD, "health-start-period", offsetof(struct ctr_health, start_period)},
        {OPT_HEALTH_START_INTERVAL, "health-start-interval",
         offsetof(struct ctr_health, start_interval)},
    };
    if (c == OPT_HEALTH_CMD) {
        *shell_cmd = arg;
        return 0;
    }
    if (c == OPT_NO_HEALTHCHECK) {
        *none = true;
        return 0;
    }
    if (c == OPT_HEALTH_RETRIES) {
        long long v;
        if (str_parse_ll(arg, &v) < 0 && !(arg[0] == '-' && str_parse_ll(arg + 1, &v) == 0))
            return cli_usage_error(cmd, "invalid argument \"%s\" for \"--health-retries\" flag",
                                   arg);
        if (arg[0] == '-' && v != 0)
            return cli_usage_error(cmd, "--health-retries cannot be negative");
        if (v > 1000000)
            return cli_usage_error(cmd, "--health-retries %s is too large", arg);
        o->health.retries = (int)v;
        return 0;
    }
    for (size_t i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
        if (durations[i].opt != c)
            continue;
        struct herr e = {0};
        long long ns;
        if (ctr_parse_duration(arg, &ns, &e) < 0)
            return cli_usage_error(cmd, "invalid argument \"%s\" for \"--%s\" flag: %s", arg,
                                   durations[i].name, e.msg);
        if (ns < 0)
            return cli_usage_error(cmd, "--%s cannot be negative", durations[i].name);
        *(long long *)((char *)&o->health + durations[i].off) = ns;
        return 0;
    }
    return cli_usage_error(cmd, "unknown flag");
}

struct run_args {
    struct ctr_opts o;
    bool detach;
};

static void free_opts(struct ctr_opts *o)
{
    strv_free(o->health.test);
    strv_free(o->cmd), strv_free(o->env), strv_free(o->cap_add), strv_free(o->cap_drop);
    strv_free(o->security_opt), strv_free(o->ulimits), strv_free(o->sysctls);
    strv_free(o->labels), strv_free(o->network_aliases), strv_free(o->publish);
    strv_free(o->dns), strv_free(o->dns_search), strv_free(o->dns_opt);
    strv_free(o->extra_hosts), strv_free(o->volumes), strv_free(o->mounts);
    strv_free(o->tmpfs), strv_free(o->volumes_from);
    cli_ctr_host_free(o);
}

/* docker's --sysctl check: a key some namespace holds (whether the container has that
 * namespace to itself is the engine's check). */
static bool sysctl_allowed(const char *kv)
{
    _cleanup_free_ char *key = xstrdup(kv);
    char *eq = strchr(key, '=');
    if (eq)
        *eq = '\0';
    return rt_sysctl_check(key, ~0UL, NULL) == 0;
}

static int parse_run(const char *cmd, int argc, char **argv, struct run_args *ra, bool run)
{
    static const struct option opts[] = {
        {"detach", no_argument, NULL, 'd'},
        {"rm", no_argument, NULL, OPT_RM},
        {"interactive", no_argument, NULL, 'i'},
        {"tty", no_argument, NULL, 't'},
        {"env", required_argument, NULL, 'e'},
        {"env-file", required_argument, NULL, OPT_ENV_FILE},
        {"workdir", required_argument, NULL, 'w'},
        {"user", required_argument, NULL, 'u'},
        {"hostname", required_argument, NULL, 'h'},
        {"name", required_argument, NULL, OPT_NAME},
        {"entrypoint", required_argument, NULL, OPT_ENTRYPOINT},
        {"restart", required_argument, NULL, OPT_RESTART},
        {"memory", required_argument, NULL, 'm'},
        {"memory-swap", required_argument, NULL, OPT_MEMSWAP},
        {"cpus", required_argument, NULL, OPT_CPUS},
        {"cpu-shares", required_argument, NULL, OPT_CPUSHARES},
        {"pids-limit", required_argument, NULL, OPT_PIDS},
        {"cap-add", required_argument, NULL, OPT_CAPADD},
        {"cap-drop", required_argument, NULL, OPT_CAPDROP},
        {"privileged", no_argument, NULL, OPT_PRIV},
        {"read-only", no_argument, NULL, OPT_RO},
        {"security-opt", required_argument, NULL, OPT_SECOPT},
        {"ulimit", required_argument, NULL, OPT_ULIMIT},
        {"sysctl", required_argument, NULL, OPT_SYSCTL},
        {"network", required_argument, NULL, OPT_NETWORK},
        {"net", required_argument, NULL, OPT_NETWORK},
        {"stop-signal", required_argument, NULL, OPT_STOPSIG},
        {"stop-timeout", required_argument, NULL, OPT_STOPTIMEOUT},
        {"label", required_argument, NULL, OPT_LABEL},
        {"network-alias", required_argument, NULL, OPT_NETALIAS},
        {"net-alias", required_argument, NULL, OPT_NETALIAS},
        {"ip", required_argument, NULL, OPT_IP},
        {"publish", required_argument, NULL, 'p'},
        {"publish-all", no_argument, NULL, 'P'},
        {"dns", required_argument, NULL, OPT_DNS},
        {"dns-search", required_argument, NULL, OPT_DNSSEARCH},
        {"dns-option", required_argument, NULL, OPT_DNSOPT},
        {"dns-opt", required_argument, NULL, OPT_DNSOPT},
        {"add-host", required_argument, NULL, OPT_ADDHOST},
        {"domainname", required_argument, NULL, OPT_DOMAIN},
        {"volume", required_argument, NULL, 'v'},
        {"mount", required_argument, NULL, OPT_MOUNT},
        {"tmpfs", required_argument, NULL, OPT_TMPFS},
        {"volumes-from", required_argument, NULL, OPT_VOLFROM},
        {"health-cmd", required_argument, NULL, OPT_HEALTH_CMD},
        {"health-interval", required_argument, NULL, OPT_HEALTH_INTERVAL},
        {"health-timeout", required_argument, NULL, OPT_HEALTH_TIMEOUT},
        {"health-retries", required_argument, NULL, OPT_HEALTH_RETRIES},
        {"health-start-period", required_argument, NULL, OPT_HEALTH_START_PERIOD},
        {"health-start-interval", required_argument, NULL, OPT_HEALTH_START_INTERVAL},
        {"no-healthcheck", no_argument, NULL, OPT_NO_HEALTHCHECK},
        {"pid", required_argument, NULL, CLI_OPT_PID},
        {"ipc", required_argument, NULL, CLI_OPT_IPC},
        {"uts", required_argument, NULL, CLI_OPT_UTS},
        {"shm-size", required_argument, NULL, CLI_OPT_SHM_SIZE},
        {"device", required_argument, NULL, CLI_OPT_DEVICE},
        {"device-cgroup-rule", required_argument, NULL, CLI_OPT_DEVICE_RULE},
        {"group-add", required_argument, NULL, CLI_OPT_GROUP_ADD},
        {"cgroup-parent", required_argument, NULL, CLI_OPT_CGROUP_PARENT},
        {"oom-kill-disable", no_argument, NULL, CLI_OPT_OOM_KILL_DISABLE},
        {"oom-score-adj", required_argument, NULL, CLI_OPT_OOM_SCORE_ADJ},
        {0},
    };
    struct ctr_opts *o = &ra->o;
    *ra = (struct run_args){.o = {.stop_timeout = -1}};
    struct herr e = {0};
    long long v;
    const char *health_cmd = NULL;
    bool no_health = false;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+dite:w:u:h:m:p:Pv:", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            if (!run)
                return cli_usage_error(cmd, "unknown flag: -d");
            ra->detach = true;
            break;
        case OPT_RM:
            o->rm = true;
            break;
        case 'i':
            o->interactive = true;
            break;
        case 't':
            o->tty = true;
            break;
        case 'e':
            strv_push(&o->env, xstrdup(optarg));
            break;
        case OPT_ENV_FILE:
            if (env_file(optarg, &o->env, &e) < 0)
                return cli_report(&e, 125);
            break;
        case 'w':
            o->workdir = optarg;
            break;
        case 'u':
            o->user = optarg;
            break;
        case 'h':
            o->hostname = optarg;
            break;
        case OPT_NAME:
            o->name = optarg;
            break;
        case OPT_ENTRYPOINT:
            o->entrypoint = optarg;
            break;
        case OPT_RESTART:
            o->restart = optarg;
            break;
        case 'm':
        case OPT_MEMSWAP:
            if (c == OPT_MEMSWAP && strcmp(optarg, "-1") == 0) {
                o->memory_swap = -1;
                break;
            }
            if (str_parse_size(optarg, &v) < 0)
                return cli_usage_error(cmd, "invalid size \"%s\" for --%s", optarg,
                                       c == 'm' ? "memory" : "memory-swap");
            *(c == 'm' ? &o->memory : &o->memory_swap) = v;
            break;
        case OPT_CPUS: {
            char *end;
            double d = strtod(optarg, &end);
            if (*end || end == optarg || d <= 0 || d > 4096)
                return cli_usage_error(cmd, "invalid value \"%s\" for --cpus", optarg);
            o->nano_cpus = (long long)(d * 1e9);
            break;
        }
        case OPT_CPUSHARES:
        case OPT_PIDS:
            if (c == OPT_PIDS && strcmp(optarg, "-1") == 0) {
                o->pids_limit = -1;
                break;
            }
            if (str_parse_ll(optarg, &v) < 0 || v <= 0)
                return cli_usage_error(cmd, "invalid value \"%s\" for --%s", optarg,
                                       c == OPT_PIDS ? "pids-limit" : "cpu-shares");
            *(c == OPT_PIDS ? &o->pids_limit : &o->cpu_shares) = v;
            break;
        case OPT_CAPADD:
            strv_push(&o->cap_add, xstrdup(optarg));
            break;
        case OPT_CAPDROP:
            strv_push(&o->cap_drop, xstrdup(optarg));
            break;
        case OPT_PRIV:
            o->privileged = true;
            break;
        case OPT_RO:
            o->read_only = true;
            break;
        case OPT_SECOPT:
            strv_push(&o->security_opt, xstrdup(optarg));
            break;
        case OPT_ULIMIT:
            strv_push(&o->ulimits, xstrdup(optarg));
            break;
        case OPT_SYSCTL:
            if (!sysctl_allowed(optarg))
                return cli_usage_error(cmd,
                                       "invalid argument \"%s\" for \"--sysctl\" flag: sysctl "
                                       "'%s' is not allowed",
                                       optarg, optarg);
            strv_push(&o->sysctls, xstrdup(optarg));
            break;
        case OPT_NETWORK:
            o->network = optarg;
            break;
        case OPT_STOPSIG:
            o->stop_signal = optarg;
            break;
        case OPT_STOPTIMEOUT:
            if (str_parse_ll(optarg, &v) < 0 || v > 1000000)
                return cli_usage_error(cmd, "invalid value \"%s\" for --stop-timeout", optarg);
            o->stop_timeout = (int)v;
            break;
        case OPT_LABEL:
            strv_push(&o->labels, xstrdup(optarg));
            break;
        case OPT_NETALIAS:
            strv_push(&o->network_aliases, xstrdup(optarg));
            break;
        case OPT_IP:
            o->ip = optarg;
            break;
        case 'p':
            strv_push(&o->publish, xstrdup(optarg));
            break;
        case 'P':
            o->publish_all = true;
            break;
        case OPT_DNS:
            strv_push(&o->dns, xstrdup(optarg));
            break;
        case OPT_DNSSEARCH:
            strv_push(&o->dns_search, xstrdup(optarg));
            break;
        case OPT_DNSOPT:
            strv_push(&o->dns_opt, xstrdup(optarg));
            break;
        case OPT_ADDHOST:
            strv_push(&o->extra_hosts, xstrdup(optarg));
            break;
        case OPT_DOMAIN:
            o->domainname = optarg;
            break;
        case 'v':
            strv_push(&o->volumes, xstrdup(optarg));
            break;
        case OPT_MOUNT:
            strv_push(&o->mounts, xstrdup(optarg));
            break;
        case OPT_TMPFS:
            strv_push(&o->tmpfs, xstrdup(optarg));
            break;
        case OPT_VOLFROM:
            strv_push(&o->volumes_from, xstrdup(optarg));
            break;
        case OPT_HEALTH_CMD:
        case OPT_HEALTH_INTERVAL:
        case OPT_HEALTH_TIMEOUT:
        case OPT_HEALTH_RETRIES:
        case OPT_HEALTH_START_PERIOD:
        case OPT_HEALTH_START_INTERVAL:
        case OPT_NO_HEALTHCHECK: {
            int r = health_opt(cmd, c, optarg, o, &health_cmd, &no_health);
            if (r)
                return r;
            break;
        }
        default:
            if (c >= CLI_OPT_PID && c < CLI_OPT_HOST_END) {
                int r = cli_ctr_host_opt(cmd, c, optarg, o);
                if (r)
                    return r;
                break;
            }
            return cli_usage_error(cmd, "unknown or incomplete flag \"%s\"", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error(cmd, "requires at least 1 argument (IMAGE)");
    struct ctr_health *h = &o->health;
    if (no_health && (health_cmd || h->interval || h->timeout || h->retries || h->start_period ||
                      h->start_interval))
        return cli_usage_error(cmd, "--no-healthcheck conflicts with --health-* options");
    if (no_health || health_cmd) {
        h->test = xcalloc(1, sizeof(char *));
        strv_push(&h->test, xstrdup(no_health ? "NONE" : "CMD-SHELL"));
        if (health_cmd)
            strv_push(&h->test, xstrdup(health_cmd));
    }
    o->image = argv[optind++];
    if (optind < argc) {
        o->cmd = xcalloc(1, sizeof(char *));
        for (int i = optind; i < argc; i++)
            strv_push(&o->cmd, xstrdup(argv[i]));
    }
    return 0;
}

static void print_warnings(char **w)
{
    for (char **p = w; p && *p; p++)
        fprintf(stderr, "WARNING: %s\n", *p);
}

static int cmd_create(const struct ctr_ctx *c, int argc, char **argv, bool run)
{
    struct run_args ra;
    int r = parse_run(run ? "container run" : "container create", argc, argv, &ra, run);
    if (r != 0) {
        free_opts(&ra.o);
        return r;
    }
    struct herr e = {0};
    _cleanup_free_ char *id = NULL;
    _cleanup_strv_ char **warnings = NULL;
    r = ctr_create(c, &ra.o, run, &id, &warnings, &e);
    print_warnings(warnings);
    if (r < 0) {
        free_opts(&ra.o);
        return cli_report(&e, 125);
    }
    if (!run) {
        free_opts(&ra.o);
        printf("%s\n", id);
        return 0;
    }
    bool attach = !ra.detach;
    bool tty = ra.o.tty;
    free_opts(&ra.o);
    int sock = -1;
    pid_t pid = 0;
    if (ctr_start(c, id, attach, &sock, &pid, &e) < 0)
        return cli_report(&e, 125);
    if (!attach) {
        printf("%s\n", id);
        return 0;
    }
    int code = cli_ctr_attach_loop(sock, tty, &e);
    close(sock);
    return code < 0 ? cli_report(&e, 125) : code;
}

static int cmd_start(const struct ctr_ctx *c, int argc, char **argv)
{
    static const struct option opts[] = {{"attach", no_argument, NULL, 'a'}, {0}};
    bool attach = false;
    int ch;
    optind = 0;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "+a", opts, NULL)) != -1) {
        if (ch != 'a')
            return cli_usage_error("container start", "unknown flag \"%s\"", argv[optind - 1]);
        attach = true;
    }
    if (optind >= argc)
        return cli_usage_error("container start", "requires at least 1 argument");
    if (attach && argc - optind != 1)
        return cli_usage_error("container start",
                               "you cannot start and attach multiple containers");
    int status = 0;
    for (int i = optind; i < argc; i++) {
        struct herr e = {0};
        _cleanup_free_ char *id = NULL;
        int sock = -1;
        pid_t pid;
        if (ctr_resolve(c, argv[i], &id, &e) < 0 || ctr_start(c, id, attach, &sock, &pid, &e) < 0) {
            status = cli_report(&e, 1);
            continue;
        }
        if (!attach) {
            printf("%s\n", argv[i]);
            continue;
        }
        if (sock < 0)
            return 0;
        _cleanup_json_ json_t *rec = ctr_inspect(c, id, &e);
        int code = cli_ctr_attach_loop(
            sock, rec && json_is_true(json_object_get(json_object_get(rec, "Config"), "Tty")), &e);
        close(sock);
        return code < 0 ? cli_report(&e, 1) : code;
    }
    return status;
}

typedef int (*ctr_verb_fn)(const struct ctr_ctx *c, int argc, char **argv);

static int verb_create(const struct ctr_ctx *c, int argc, char **argv)
{
    return cmd_create(c, argc, argv, false);
}

static int verb_run(const struct ctr_ctx *c, int argc, char **argv)
{
    return cmd_create(c, argc, argv, true);
}

/* tail: the verb takes a command of its own, whose --help is not ours. */
static const struct verb {
    const char *name, *alias, *alias2, *args, *what;
    ctr_verb_fn fn;
    bool tail;
} verbs[] = {
    {"create", NULL, NULL, "[OPTIONS] IMAGE [COMMAND] [ARG...]", "Create a new container",
     verb_create, true},
    {"run", NULL, NULL, "[OPTIONS] IMAGE [COMMAND] [ARG...]", "Create and run a new container",
     verb_run, true},
    {"start", NULL, NULL, "[-a] CONTAINER...", "Start stopped containers", cmd_start, false},
    {"ps", "ls", "list", "[-a] [-q] [--no-trunc] [--format json|table]", "List containers",
     cli_ctr_ps, false},
    {"stop", NULL, NULL, "[-t SECONDS] CONTAINER...", "Stop running containers", cli_ctr_stop,
     false},
    {"kill", NULL, NULL, "[-s SIGNAL] CONTAINER...", "Kill running containers", cli_ctr_kill,
     false},
    {"rm", "remove", NULL, "[-f] [-v] CONTAINER...", "Remove containers", cli_ctr_rm, false},
    {"logs", NULL, NULL, "[-f] [-t] [-n N] [--since T] [--until T] CONTAINER",
     "Fetch the logs of a container", cli_ctr_logs, false},
    {"exec", NULL, NULL, "[OPTIONS] CONTAINER COMMAND [ARG...]",
     "Execute a command in a running container", cli_ctr_exec, true},
    {"inspect", NULL, NULL, "[-f FORMAT] CONTAINER...",
     "Display detailed information on containers", cli_ctr_inspect, false},
    {"wait", NULL, NULL, "CONTAINER...", "Block until containers stop, then print their exit codes",
     cli_ctr_wait, false},
    {"top", NULL, NULL, "CONTAINER", "Display the running processes of a container", cli_ctr_top,
     false},
    {"diff", NULL, NULL, "CONTAINER", "Inspect changes to files on a container's filesystem",
     cli_ctr_diff, false},
    {"commit", NULL, NULL, "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
     "Create a new image from a container's changes", cli_ctr_commit, false},
    {"port", NULL, NULL, "CONTAINER [PRIVATE_PORT[/PROTO]]", "List port mappings of a container",
     cli_ctr_port, false},
    {"pause", NULL, NULL, "CONTAINER...", "Pause all processes within containers", cli_ctr_pause,
     false},
    {"unpause", NULL, NULL, "CONTAINER...", "Unpause all processes within containers",
     cli_ctr_pause, false},
};

static void usage(FILE *f)
{
    fprintf(f, "Usage: hoist container COMMAND\n\nCommands:\n");
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
        fprintf(f, "  %-8s %s\n", verbs[i].name, verbs[i].what);
}

/* --help among the verb's arguments; for a verb with a command of its own only before
 * that command (the first word not starting with '-'). */
static bool verb_help(const struct verb *v, int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (v->tail && argv[i][0] != '-')
            return false;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("Usage: hoist container %s %s\n\n%s\n", v->name, v->args, v->what);
            return true;
        }
    }
    return false;
}

int cli_container_main(const struct cli_globals *g, int argc, char **argv)
{
    struct ctr_ctx c;
    cli_ctr_ctx(g, &c);
    if (argc < 2) {
        usage(stderr);
        return 125;
    }
    const char *name = argv[1];
    argc--, argv++;
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
        const struct verb *v = &verbs[i];
        if (strcmp(name, v->name) != 0 && (!v->alias || strcmp(name, v->alias) != 0) &&
            (!v->alias2 || strcmp(name, v->alias2) != 0))
            continue;
        if (verb_help(v, argc, argv))
            return 0;
        return v->fn(&c, argc, argv);
    }
    return cli_usage_error("container", "unknown command \"%s\"", name);
}
