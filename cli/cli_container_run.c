/* `hoist container run` and `create`: their option table and the commands. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_container_int.h"
#include "cli/cli_opt.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/str.h"
#include "engine/runtime/runtime.h"

struct run_args {
    struct ctr_opts o;
    bool detach, no_health;
    const char *health_cmd;
};

static int env_file_opt(const char *cmd, const struct cli_opt *opt, void *field, const char *arg)
{
    (void)cmd, (void)opt;
    struct herr e = {0};
    _cleanup_file_ FILE *f = fopen(arg, "re");
    if (!f) {
        herr_sys(&e, "open env file %s", arg);
        return cli_report(&e, 125);
    }
    _cleanup_free_ char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        line[strcspn(line, "\r\n")] = '\0';
        const char *p = line + strspn(line, " \t");
        if (*p && *p != '#')
            strv_push((char ***)field, xstrdup(p));
    }
    return 0;
}

/* A size in bytes; "-1" is unlimited where the option allows it (--memory-swap). */
static int size_opt(const char *cmd, const struct cli_opt *o, void *field, const char *arg)
{
    long long v;
    if (!strcmp(o->name, "memory-swap") && !strcmp(arg, "-1")) {
        *(long long *)field = -1;
        return 0;
    }
    if (str_parse_size(arg, &v) < 0 || (v <= 0 && !strcmp(o->name, "shm-size")))
        return cli_usage_error(cmd, "invalid size \"%s\" for --%s", arg, o->name);
    *(long long *)field = v;
    return 0;
}

/* A positive count; "-1" is unlimited for --pids-limit. */
static int count_opt(const char *cmd, const struct cli_opt *o, void *field, const char *arg)
{
    long long v;
    if (!strcmp(o->name, "pids-limit") && !strcmp(arg, "-1")) {
        *(long long *)field = -1;
        return 0;
    }
    if (str_parse_ll(arg, &v) < 0 || v <= 0)
        return cli_usage_error(cmd, "invalid value \"%s\" for --%s", arg, o->name);
    *(long long *)field = v;
    return 0;
}

static int cpus_opt(const char *cmd, const struct cli_opt *o, void *field, const char *arg)
{
    (void)o;
    char *end;
    double d = strtod(arg, &end);
    if (*end || end == arg || d <= 0 || d > 4096)
        return cli_usage_error(cmd, "invalid value \"%s\" for --cpus", arg);
    *(long long *)field = (long long)(d * 1e9);
    return 0;
}

static int stop_timeout_opt(const char *cmd, const struct cli_opt *o, void *field, const char *arg)
{
    (void)o;
    long long v;
    if (str_parse_ll(arg, &v) < 0 || v > 1000000)
        return cli_usage_error(cmd, "invalid value \"%s\" for --stop-timeout", arg);
    *(int *)field = (int)v;
    return 0;
}

static int oom_score_opt(const char *cmd, const struct cli_opt *o, void *field, const char *arg)
{
    (void)o;
    char *end;
    long n = strtol(arg, &end, 10);
    if (!*arg || *end || n < -1000 || n > 1000)
        return cli_usage_error(cmd, "invalid value \"%s\" for --oom-score-adj (-1000..1000)", arg);
    *(int *)field = (int)n;
    return 0;
}

/* docker's --sysctl check: a key some namespace holds (whether the container has that
 * namespace to itself is the engine's check). */
static int sysctl_opt(const char *cmd, const struct cli_opt *o, void *field, const char *arg)
{
    (void)o;
    if (rt_sysctl_check(arg, ~0UL, NULL) != 0)
        return cli_usage_error(
            cmd, "invalid argument \"%s\" for \"--sysctl\" flag: sysctl '%s' is not allowed", arg,
            arg);
    strv_push((char ***)field, xstrdup(arg));
    return 0;
}

static int duration_opt(const char *cmd, const struct cli_opt *o, void *field, const char *arg)
{
    struct herr e = {0};
    long long ns;
    if (ctr_parse_duration(arg, &ns, &e) < 0)
        return cli_usage_error(cmd, "invalid argument \"%s\" for \"--%s\" flag: %s", arg, o->name,
                               e.msg);
    if (ns < 0)
        return cli_usage_error(cmd, "--%s cannot be negative", o->name);
    *(long long *)field = ns;
    return 0;
}

static int retries_opt(const char *cmd, const struct cli_opt *o, void *field, const char *arg)
{
    (void)o;
    long long v;
    if (str_parse_ll(arg, &v) < 0 && !(arg[0] == '-' && str_parse_ll(arg + 1, &v) == 0))
        return cli_usage_error(cmd, "invalid argument \"%s\" for \"--health-retries\" flag", arg);
    if (arg[0] == '-' && v != 0)
        return cli_usage_error(cmd, "--health-retries cannot be negative");
    if (v > 1000000)
        return cli_usage_error(cmd, "--health-retries %s is too large", arg);
    *(int *)field = (int)v;
    return 0;
}

#define RA(f) offsetof(struct run_args, f)
#define O(f) offsetof(struct run_args, o.f)
#define H(f) offsetof(struct run_args, o.health.f)

static const struct cli_opt create_opts[] = {
    {"rm", 0, NULL, "Automatically remove the container when it exits", CLI_OPT_FLAG, O(rm), NULL,
     NULL},
    {"interactive", 'i', NULL, "Keep STDIN open even if not attached", CLI_OPT_FLAG, O(interactive),
     NULL, NULL},
    {"tty", 't', NULL, "Allocate a pseudo-TTY", CLI_OPT_FLAG, O(tty), NULL, NULL},
    {"env", 'e', "KEY=VALUE", "Set environment variables", CLI_OPT_LIST, O(env), NULL, NULL},
    {"env-file", 0, "FILE", "Read in a file of environment variables", CLI_OPT_CALL, O(env),
     env_file_opt, NULL},
    {"workdir", 'w', "DIR", "Working directory inside the container", CLI_OPT_STRING, O(workdir),
     NULL, NULL},
    {"user", 'u', "USER", "Username or UID (format: <name|uid>[:<group|gid>])", CLI_OPT_STRING,
     O(user), NULL, NULL},
    {"hostname", 'h', "NAME", "Container host name", CLI_OPT_STRING, O(hostname), NULL, NULL},
    {"domainname", 0, "NAME", "Container NIS domain name", CLI_OPT_STRING, O(domainname), NULL,
     NULL},
    {"name", 0, "NAME", "Assign a name to the container", CLI_OPT_STRING, O(name), NULL, NULL},
    {"entrypoint", 0, "CMD", "Overwrite the default ENTRYPOINT of the image", CLI_OPT_STRING,
     O(entrypoint), NULL, NULL},
    {"restart", 0, "POLICY", "Restart policy to apply when a container exits", CLI_OPT_STRING,
     O(restart), NULL, "no always on-failure unless-stopped"},
    {"label", 0, "KEY=VALUE", "Set meta data on a container", CLI_OPT_LIST, O(labels), NULL, NULL},
    {"memory", 'm', "BYTES", "Memory limit", CLI_OPT_CALL, O(memory), size_opt, NULL},
    {"memory-swap", 0, "BYTES", "Swap limit equal to memory plus swap: -1 for unlimited",
     CLI_OPT_CALL, O(memory_swap), size_opt, NULL},
    {"cpus", 0, "N", "Number of CPUs", CLI_OPT_CALL, O(nano_cpus), cpus_opt, NULL},
    {"cpu-shares", 0, "N", "CPU shares (relative weight)", CLI_OPT_CALL, O(cpu_shares), count_opt,
     NULL},
    {"pids-limit", 0, "N", "Tune container pids limit (-1 for unlimited)", CLI_OPT_CALL,
     O(pids_limit), count_opt, NULL},
    {"ulimit", 0, "NAME=SOFT[:HARD]", "Ulimit options", CLI_OPT_LIST, O(ulimits), NULL, NULL},
    {"cap-add", 0, "CAP", "Add Linux capabilities", CLI_OPT_LIST, O(cap_add), NULL, NULL},
    {"cap-drop", 0, "CAP", "Drop Linux capabilities", CLI_OPT_LIST, O(cap_drop), NULL, NULL},
    {"privileged", 0, NULL, "Give extended privileges to this container", CLI_OPT_FLAG,
     O(privileged), NULL, NULL},
    {"read-only", 0, NULL, "Mount the container's root filesystem as read only", CLI_OPT_FLAG,
     O(read_only), NULL, NULL},
    {"security-opt", 0, "OPT", "Security Options", CLI_OPT_LIST, O(security_opt), NULL, NULL},
    {"sysctl", 0, "KEY=VALUE", "Sysctl options", CLI_OPT_CALL, O(sysctls), sysctl_opt, NULL},
    {"network", 0, "NETWORK", "Connect a container to a network", CLI_OPT_STRING, O(network), NULL,
     NULL},
    {"net", 0, "NETWORK", NULL, CLI_OPT_STRING, O(network), NULL, NULL},
    {"network-alias", 0, "ALIAS", "Add network-scoped alias for the container", CLI_OPT_LIST,
     O(network_aliases), NULL, NULL},
    {"net-alias", 0, "ALIAS", NULL, CLI_OPT_LIST, O(network_aliases), NULL, NULL},
    {"ip", 0, "ADDRESS", "IPv4 address (e.g., 172.30.100.104)", CLI_OPT_STRING, O(ip), NULL, NULL},
    {"publish", 'p', "SPEC", "Publish a container's port(s) to the host", CLI_OPT_LIST, O(publish),
     NULL, NULL},
    {"publish-all", 'P', NULL, "Publish all exposed ports to random ports", CLI_OPT_FLAG,
     O(publish_all), NULL, NULL},
    {"dns", 0, "ADDRESS", "Set custom DNS servers", CLI_OPT_LIST, O(dns), NULL, NULL},
    {"dns-search", 0, "DOMAIN", "Set custom DNS search domains", CLI_OPT_LIST, O(dns_search), NULL,
     NULL},
    {"dns-option", 0, "OPT", "Set DNS options", CLI_OPT_LIST, O(dns_opt), NULL, NULL},
    {"dns-opt", 0, "OPT", NULL, CLI_OPT_LIST, O(dns_opt), NULL, NULL},
    {"add-host", 0, "HOST:IP", "Add a custom host-to-IP mapping", CLI_OPT_LIST, O(extra_hosts),
     NULL, NULL},
    {"volume", 'v', "SPEC", "Bind mount a volume", CLI_OPT_LIST, O(volumes), NULL, NULL},
    {"mount", 0, "SPEC", "Attach a filesystem mount to the container", CLI_OPT_LIST, O(mounts),
     NULL, NULL},
    {"tmpfs", 0, "DIR[:OPTS]", "Mount a tmpfs directory", CLI_OPT_LIST, O(tmpfs), NULL, NULL},
    {"volumes-from", 0, "CONTAINER", "Mount volumes from the specified container(s)", CLI_OPT_LIST,
     O(volumes_from), NULL, NULL},
    {"stop-signal", 0, "SIGNAL", "Signal to stop the container", CLI_OPT_STRING, O(stop_signal),
     NULL, NULL},
    {"stop-timeout", 0, "SECONDS", "Timeout (in seconds) to stop a container", CLI_OPT_CALL,
     O(stop_timeout), stop_timeout_opt, NULL},
    {"health-cmd", 0, "CMD", "Command to run to check health", CLI_OPT_STRING, RA(health_cmd), NULL,
     NULL},
    {"health-interval", 0, "DURATION", "Time between running the check", CLI_OPT_CALL, H(interval),
     duration_opt, NULL},
    {"health-timeout", 0, "DURATION", "Maximum time to allow one check to run", CLI_OPT_CALL,
     H(timeout), duration_opt, NULL},
    {"health-retries", 0, "N", "Consecutive failures needed to report unhealthy", CLI_OPT_CALL,
     H(retries), retries_opt, NULL},
    {"health-start-period", 0, "DURATION",
     "Start period for the container to initialize before counting retries", CLI_OPT_CALL,
     H(start_period), duration_opt, NULL},
    {"health-start-interval", 0, "DURATION",
     "Time between running the check during the start "
     "period",
     CLI_OPT_CALL, H(start_interval), duration_opt, NULL},
    {"no-healthcheck", 0, NULL, "Disable any container-specified HEALTHCHECK", CLI_OPT_FLAG,
     RA(no_health), NULL, NULL},
    {"pid", 0, "MODE", "PID namespace to use (host, container:NAME)", CLI_OPT_STRING, O(pid), NULL,
     NULL},
    {"ipc", 0, "MODE", "IPC mode to use (none, private, shareable, host, container:NAME)",
     CLI_OPT_STRING, O(ipc), NULL, NULL},
    {"uts", 0, "MODE", "UTS namespace to use (host)", CLI_OPT_STRING, O(uts), NULL, NULL},
    {"shm-size", 0, "BYTES", "Size of /dev/shm", CLI_OPT_CALL, O(shm_size), size_opt, NULL},
    {"device", 0, "HOST[:CONTAINER][:rwm]", "Add a host device to the container", CLI_OPT_LIST,
     O(devices), NULL, NULL},
    {"device-cgroup-rule", 0, "RULE", "Add a rule to the cgroup allowed devices list", CLI_OPT_LIST,
     O(device_cgroup_rules), NULL, NULL},
    {"group-add", 0, "GROUP", "Add additional groups to join", CLI_OPT_LIST, O(group_add), NULL,
     NULL},
    {"cgroup-parent", 0, "NAME", "Optional parent cgroup for the container", CLI_OPT_STRING,
     O(cgroup_parent), NULL, NULL},
    {"oom-kill-disable", 0, NULL, "Disable OOM Killer", CLI_OPT_FLAG, O(oom_kill_disable), NULL,
     NULL},
    {"oom-score-adj", 0, "N", "Tune host's OOM preferences (-1000 to 1000)", CLI_OPT_CALL,
     O(oom_score_adj), oom_score_opt, NULL},
    CLI_OPT_END,
};

static const struct cli_conflict create_conflicts[] = {
    {"no-healthcheck",
     "health-cmd health-interval health-timeout health-retries health-start-period "
     "health-start-interval",
     "--no-healthcheck conflicts with --health-* options"},
    {0},
};

static const struct cli_opt run_opts[] = {
    {"detach", 'd', NULL, "Run container in background and print container ID", CLI_OPT_FLAG,
     RA(detach), NULL, NULL},
    CLI_OPT_END,
};

const struct cli_spec cli_ctr_create_spec = {
    .cmd = "container create",
    .usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
    .what = "Create a new container",
    .opts = create_opts,
    .conflicts = create_conflicts,
};

const struct cli_spec cli_ctr_run_spec = {
    .cmd = "container run",
    .usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
    .what = "Create and run a new container",
    .opts = run_opts,
    .more = create_opts,
    .conflicts = create_conflicts,
};

static void free_opts(struct ctr_opts *o)
{
    strv_free(o->health.test);
    strv_free(o->cmd);
    /* Filled by sysctl_opt, a CLI_OPT_CALL: cli_opt_free frees only CLI_OPT_LIST fields. */
    strv_free(o->sysctls);
    cli_opt_free(&cli_ctr_create_spec, o, o);
}

static int parse_run(const struct cli_spec *s, int argc, char **argv, struct run_args *ra)
{
    *ra = (struct run_args){.o = {.stop_timeout = -1}};
    int r = cli_opt_parse(s, ra, ra, argc, argv);
    if (r >= 0)
        return r == 0 ? -2 : r;
    if (optind >= argc)
        return cli_usage_error(s->cmd, "requires at least 1 argument (IMAGE)");
    struct ctr_opts *o = &ra->o;
    if (ra->no_health || ra->health_cmd) {
        o->health.test = xcalloc(1, sizeof(char *));
        strv_push(&o->health.test, xstrdup(ra->no_health ? "NONE" : "CMD-SHELL"));
        if (ra->health_cmd)
            strv_push(&o->health.test, xstrdup(ra->health_cmd));
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

/* Start the created container id; attached, until it exits. */
static int run_started(const struct ctr_ctx *c, const char *id, bool attach, bool tty)
{
    struct herr e = {0};
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

static int create_or_run(const struct ctr_ctx *c, int argc, char **argv, bool run)
{
    struct run_args ra;
    int r = parse_run(run ? &cli_ctr_run_spec : &cli_ctr_create_spec, argc, argv, &ra);
    if (r != 0) {
        free_opts(&ra.o);
        return r == -2 ? 0 : r;
    }
    struct herr e = {0};
    _cleanup_free_ char *id = NULL;
    _cleanup_strv_ char **warnings = NULL;
    r = ctr_create(c, &ra.o, run, &id, &warnings, &e);
    print_warnings(warnings);
    bool tty = ra.o.tty;
    free_opts(&ra.o);
    if (r < 0)
        return cli_report(&e, 125);
    if (!run) {
        printf("%s\n", id);
        return 0;
    }
    return run_started(c, id, !ra.detach, tty);
}

int cli_ctr_create(const struct ctr_ctx *c, int argc, char **argv)
{
    return create_or_run(c, argc, argv, false);
}

int cli_ctr_run(const struct ctr_ctx *c, int argc, char **argv)
{
    return create_or_run(c, argc, argv, true);
}
