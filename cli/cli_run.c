/* hoist run: a one-off container of a service, after its dependencies are up; the exit
 * status is the command's. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_compose.h"
#include "cli/cli_container_int.h"
#include "cli/cli_progress.h"
#include "cli/cli_up.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/str.h"
#include "compose/scheduler/scheduler.h"
#include "engine/container/container.h"

static const char help[] =
    "Usage: hoist run [OPTIONS] SERVICE [COMMAND] [ARGS...]\n\n"
    "Run a one-off command on a service.\n\n"
    "Options:\n"
    "      --rm                 remove the container when it exits\n"
    "  -d, --detach             run in the background, print the container name\n"
    "  -e, --env KEY[=VAL]      set an environment variable (repeatable)\n"
    "      --entrypoint CMD     override the entrypoint\n"
    "      --name NAME          container name\n"
    "      --no-deps            do not start the services it depends on\n"
    "  -p, --publish SPEC       publish a port (repeatable)\n"
    "  -T, --no-TTY             no pseudo-terminal (default: one when stdin is a terminal)\n"
    "  -i, --interactive        keep stdin open (default on)\n"
    "  -t, --tty                allocate a pseudo-terminal\n"
    "  -u, --user USER          run as this user\n"
    "  -v, --volume SPEC        bind mount a volume (repeatable)\n"
    "  -w, --workdir DIR        working directory\n"
    "      --use-aliases        use the service's network aliases\n"
    "      --pull POLICY        always, missing or never\n"
    "  -f, -p, --profile, --env-file, --project-directory   compose options\n";

enum { O_RM = 0x2000, O_ENTRYPOINT, O_NAME, O_NO_DEPS, O_ALIASES, O_PULL, O_PROJECT };

struct run_args {
    bool rm, detach, no_deps, aliases, no_tty, tty_set, tty;
    const char *entrypoint, *name, *user, *workdir, *pull;
    char **env, **publish, **volumes;
};

/* -p is both the compose project option and run's --publish: docker compose reads it as
 * --publish after `run`, so does hoist; the project name stays available as
 * --project-name. */
static int parse(int argc, char **argv, struct cli_compose *cc, struct run_args *ra)
{
    static const struct option opts[] = {
        {"file", required_argument, NULL, 'f'},
        {"project-name", required_argument, NULL, O_PROJECT},
        {"profile", required_argument, NULL, 0x1001},
        {"env-file", required_argument, NULL, 0x1002},
        {"project-directory", required_argument, NULL, 0x1003},
        {"rm", no_argument, NULL, O_RM},
        {"detach", no_argument, NULL, 'd'},
        {"env", required_argument, NULL, 'e'},
        {"entrypoint", required_argument, NULL, O_ENTRYPOINT},
        {"name", required_argument, NULL, O_NAME},
        {"no-deps", no_argument, NULL, O_NO_DEPS},
        {"publish", required_argument, NULL, 'p'},
        {"no-TTY", no_argument, NULL, 'T'},
        {"interactive", no_argument, NULL, 'i'},
        {"tty", no_argument, NULL, 't'},
        {"user", required_argument, NULL, 'u'},
        {"volume", required_argument, NULL, 'v'},
        {"workdir", required_argument, NULL, 'w'},
        {"use-aliases", no_argument, NULL, O_ALIASES},
        {"pull", required_argument, NULL, O_PULL},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+f:de:p:Titu:v:w:h", opts, NULL)) != -1) {
        if (c == O_PROJECT) {
            cc->o.project_name = optarg;
            continue;
        }
        if (c != 'p' && cli_compose_opt(cc, c, optarg))
            continue;
        switch (c) {
        case O_RM:
            ra->rm = true;
            break;
        case 'd':
            ra->detach = true;
            break;
        case 'e':
            strv_push(&ra->env, xstrdup(optarg));
            break;
        case O_ENTRYPOINT:
            ra->entrypoint = optarg;
            break;
        case O_NAME:
            ra->name = optarg;
            break;
        case O_NO_DEPS:
            ra->no_deps = true;
            break;
        case 'p':
            strv_push(&ra->publish, xstrdup(optarg));
            break;
        case 'T':
            ra->no_tty = true;
            break;
        case 'i':
            break;
        case 't':
            ra->tty_set = ra->tty = true;
            break;
        case 'u':
            ra->user = optarg;
            break;
        case 'v':
            strv_push(&ra->volumes, xstrdup(optarg));
            break;
        case 'w':
            ra->workdir = optarg;
            break;
        case O_ALIASES:
            ra->aliases = true;
            break;
        case O_PULL:
            if (strcmp(optarg, "always") && strcmp(optarg, "missing") && strcmp(optarg, "never"))
                return cli_usage_error("run", "invalid --pull \"%s\": always, missing or never",
                                       optarg);
            ra->pull = optarg;
            break;
        case 'h':
            fputs(help, stdout);
            return -2;
        default:
            return cli_usage_error("run", "unknown option \"%s\"", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("run", "requires a SERVICE");
    if (ra->detach && ra->rm)
        return cli_usage_error("run", "--rm and -d cannot be combined");
    return 0;
}

static void run_args_free(struct run_args *ra)
{
    strv_free(ra->env);
    strv_free(ra->publish);
    strv_free(ra->volumes);
}

/* Apply run's overrides to the service's options; the returned vector owns the merged
 * environment. */
static char ** override(struct ctr_opts *o, const struct run_args *ra, char **cmd)
{
    char **env = strv_dup(o->env);
    if (!env)
        env = xcalloc(1, sizeof(char *));
    for (char **e = ra->env; e && *e; e++)
        strv_push(&env, xstrdup(*e));
    o->env = env;
    if (cmd && *cmd)
        o->cmd = cmd;
    if (ra->entrypoint) {
        o->entrypoint = ra->entrypoint;
        if (!(cmd && *cmd))
            o->cmd = NULL;
    }
    if (ra->name)
        o->name = ra->name;
    if (ra->user)
        o->user = ra->user;
    if (ra->workdir)
        o->workdir = ra->workdir;
    /* A one-off container publishes only what -p asks for and does not restart. */
    o->publish = ra->publish;
    o->volumes = ra->volumes;
    o->restart = NULL;
    o->rm = ra->rm;
    bool term = isatty(STDIN_FILENO);
    o->tty = ra->no_tty ? false : ra->tty_set ? ra->tty : term && !ra->detach;
    o->interactive = !ra->detach;
    for (size_t i = 0; !ra->aliases && i < o->nnetworks; i++)
        o->networks[i].aliases = NULL;
    return env;
}

static int run_service(const struct ctr_ctx *ctx, const struct compose_project *p,
                       const char *service, char **cmd, const struct run_args *ra)
{
    struct herr e = {0};
    cli_up_signals();
    struct cli_progress *prog = cli_progress_new(CLI_PROGRESS_AUTO, "Running");
    char *only[] = {(char *)service, NULL};
    _cleanup_strv_ char **deps = ra->no_deps ? NULL : compose_deps_of(p, only);
    if (compose_check_services(p, only, &e) < 0) {
        cli_progress_end(prog);
        return cli_report(&e, 1);
    }
    struct compose_up_opts uo = {.services = deps,
                                 .timeout = -1,
                                 .pull = ra->pull,
                                 .event = cli_up_event,
                                 .arg = prog,
                                 .cancel = cli_up_interrupted()};
    int r = deps && *deps ? compose_up(ctx, p, &uo, &e) : 0;
    if (r == 0)
        r = compose_prepare(ctx, p, only, ra->pull, cli_up_event, prog, &e);
    if (r == 0 && !ra->no_deps)
        r = compose_wait_deps(ctx, p, service, cli_up_event, prog, cli_up_interrupted(), &e);
    cli_progress_end(prog);
    if (r < 0)
        return cli_report(&e, 1);
    struct compose_spec *spec = NULL;
    if (compose_service_spec(p, service, 1, true, &spec, &e) < 0)
        return cli_report(&e, 1);
    struct ctr_opts *o = compose_spec_opts(spec);
    /* Owns o->env, so it lives until the container is created. */
    char **env = override(o, ra, cmd);
    _cleanup_free_ char *name = xstrdup(o->name);
    _cleanup_free_ char *id = NULL;
    _cleanup_strv_ char **warnings = NULL;
    bool tty = o->tty;
    r = ctr_create(ctx, o, true, &id, &warnings, &e);
    compose_spec_free(spec);
    strv_free(env);
    for (char **w = warnings; w && *w; w++)
        fprintf(stderr, "WARNING: %s\n", *w);
    if (r < 0)
        return cli_report(&e, 125);
    int sock = -1;
    pid_t pid = 0;
    if (ctr_start(ctx, id, !ra->detach, &sock, &pid, &e) < 0)
        return cli_report(&e, 125);
    if (ra->detach) {
        if (sock >= 0)
            close(sock);
        printf("%s\n", name);
        return 0;
    }
    /* Ctrl-C reaches the container through the terminal or the monitor, not us. */
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    int code = cli_ctr_attach_loop(sock, tty, &e);
    close(sock);
    return code < 0 ? cli_report(&e, 125) : code;
}

int cli_run_main(const struct cli_globals *g, int argc, char **argv)
{
    struct cli_compose cc = {0};
    struct run_args ra = {0};
    int status = parse(argc, argv, &cc, &ra);
    if (status == 0) {
        const char *service = argv[optind];
        char **cmd = argv + optind + 1;
        strv_push(&cc.o.services, xstrdup(service));
        struct compose_project *p = cli_compose_load(&cc, &status);
        if (p && !compose_service_get(p, service)) {
            status = cli_usage_error("run", "no such service: %s", service);
        } else if (p) {
            struct ctr_ctx ctx = {g->root, g->runroot, g->cgroup_parent, g->self};
            status = run_service(&ctx, p, service, cmd, &ra);
        }
        compose_project_free(p);
    }
    cli_compose_free(&cc);
    run_args_free(&ra);
    return status == -2 ? 0 : status;
}
