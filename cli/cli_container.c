/* `hoist container ...`: create, run and start here, the other verbs in
 * cli_container_ops.c and cli_container_logs.c. */
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_container_int.h"
#include "cli/cli_opt.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"

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

struct start_args {
    bool attach;
};

static const struct cli_spec start_spec = {
    .cmd = "container start",
    .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
    .what = "Start one or more stopped containers",
    .opts =
        (const struct cli_opt[]){
            {"attach", 'a', NULL, "Attach STDOUT/STDERR and forward signals", CLI_OPT_FLAG,
             offsetof(struct start_args, attach), NULL, NULL},
            CLI_OPT_END,
        },
};

static int cmd_start(const struct ctr_ctx *c, int argc, char **argv)
{
    struct start_args sa = {0};
    int r = cli_opt_parse(&start_spec, &sa, NULL, argc, argv);
    if (r >= 0)
        return r;
    bool attach = sa.attach;
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

/* tail: the verb takes a command of its own, whose --help is not ours. Verbs with an
 * option table (cli_container_specs) answer --help themselves. */
static const struct verb {
    const char *name, *alias, *alias2, *args, *what;
    ctr_verb_fn fn;
    bool tail;
} verbs[] = {
    {"create", NULL, NULL, "[OPTIONS] IMAGE [COMMAND] [ARG...]", "Create a new container",
     cli_ctr_create, true},
    {"run", NULL, NULL, "[OPTIONS] IMAGE [COMMAND] [ARG...]", "Create and run a new container",
     cli_ctr_run, true},
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

const struct cli_spec *const cli_container_specs[] = {&cli_ctr_create_spec,  &cli_ctr_run_spec,
                                                      &start_spec,           &cli_ctr_ps_spec,
                                                      &cli_ctr_stop_spec,    &cli_ctr_kill_spec,
                                                      &cli_ctr_rm_spec,      &cli_ctr_logs_spec,
                                                      &cli_ctr_exec_spec,    &cli_ctr_wait_spec,
                                                      &cli_ctr_commit_spec,  &cli_ctr_pause_spec,
                                                      &cli_ctr_unpause_spec, NULL};

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
    for (const struct cli_spec *const *s = cli_container_specs; *s; s++) {
        if (!strcmp((*s)->cmd + strlen("container "), v->name))
            return false;
    }
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
