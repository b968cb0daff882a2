/* hoist run: a one-off container of a service, after its dependencies are up; the exit
 * status is the command's. */
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_compose.h"
#include "cli/cli_opt.h"
#include "cli/cli_container_int.h"
#include "cli/cli_progress.h"
#include "cli/cli_up.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/str.h"
#include "compose/scheduler/scheduler.h"
#include "engine/container/container.h"

struct run_args {
    bool rm, detach, no_deps, aliases, no_tty, tty;
    const char *entrypoint, *name, *user, *workdir, *pull;
    char **env, **publish, **volumes;
};

static int pull_opt(const char *cmd, const struct cli_opt *o, void *field, const char *arg)
{
    (void)o;
    if (strcmp(arg, "always") && strcmp(arg, "missing") && strcmp(arg, "never"))
        return cli_usage_error(cmd, "invalid --pull \"%s\": always, missing or never", arg);
    *(const char **)field = arg;
    return 0;
}

#define R(f) offsetof(struct run_args, f)

/* -p is both the compose project option and run's --publish: docker compose reads it as
 * --publish after `run`, so does hoist; the project name stays available as
 * --project-name. */
static const struct cli_spec run_spec = {
    .cmd = "run",
    .usage = "[OPTIONS] SERVICE [COMMAND] [ARGS...]",
    .what = "Run a one-off command on a service",
    .opts =
        (const struct cli_opt[]){
            {"rm", 0, NULL, "Automatically remove the container when it exits", CLI_OPT_FLAG, R(rm),
             NULL, NULL},
            {"detach", 'd', NULL, "Run container in background and print container ID",
             CLI_OPT_FLAG, R(detach), NULL, NULL},
            {"env", 'e', "KEY=VAL", "Set environment variables", CLI_OPT_LIST, R(env), NULL, NULL},
            {"entrypoint", 0, "CMD", "Override the entrypoint of the image", CLI_OPT_STRING,
             R(entrypoint), NULL, NULL},
            {"name", 0, "NAME", "Assign a name to the container", CLI_OPT_STRING, R(name), NULL,
             NULL},
            {"no-deps", 0, NULL, "Don't start linked services", CLI_OPT_FLAG, R(no_deps), NULL,
             NULL},
            {"publish", 'p', "SPEC", "Publish a container's port(s) to the host", CLI_OPT_LIST,
             R(publish), NULL, NULL},
            {"no-TTY", 'T', NULL, "Disable pseudo-TTY allocation (default: auto-detected)",
             CLI_OPT_FLAG, R(no_tty), NULL, NULL},
            {"interactive", 'i', NULL, "Keep STDIN open even if not attached", CLI_OPT_IGNORE, 0,
             NULL, NULL},
            {"tty", 't', NULL, "Allocate a pseudo-TTY", CLI_OPT_FLAG, R(tty), NULL, NULL},
            {"user", 'u', "USER", "Run as specified username or uid", CLI_OPT_STRING, R(user), NULL,
             NULL},
            {"volume", 'v', "SPEC", "Bind mount a volume", CLI_OPT_LIST, R(volumes), NULL, NULL},
            {"workdir", 'w', "DIR", "Working directory inside the container", CLI_OPT_STRING,
             R(workdir), NULL, NULL},
            {"use-aliases", 0, NULL,
             "Use the service's network aliases in the network(s) the "
             "container connects to",
             CLI_OPT_FLAG, R(aliases), NULL, NULL},
            {"pull", 0, "POLICY", "Pull image before running (\"always\"|\"missing\"|\"never\")",
             CLI_OPT_CALL, R(pull), pull_opt, "always missing never"},
            CLI_OPT_END,
        },
    .more = cli_compose_opts,
    .conflicts =
        (const struct cli_conflict[]){
            {"rm", "detach", "--rm and -d cannot be combined"},
            {0},
        },
    .style = CLI_STYLE_COMPOSE,
};

const struct cli_spec *const cli_run_specs[] = {&run_spec, NULL};

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
    o->tty = ra->no_tty ? false : ra->tty ? true : term && !ra->detach;
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

/* --dry-run: the dependencies up, then the one-off container, none of it made. */
static int dry_run(const struct ctr_ctx *ctx, const struct compose_project *p, const char *service,
                   const struct run_args *ra, const struct cli_compose *cc)
{
    struct cli_progress *prog = cli_progress_new(cli_compose_progress(cc), "Running");
    char *only[] = {(char *)service, NULL};
    _cleanup_strv_ char **deps = ra->no_deps ? NULL : compose_deps_of(p, only);
    if (deps && *deps)
        cli_compose_dry_up(ctx, p, deps, true, prog);
    _cleanup_free_ char *name =
        ra->name ? xstrdup(ra->name) : xasprintf("%s-%s-run", p->name, service);
    struct compose_ctr one = {.name = name};
    cli_compose_dry_each(&one, 1, "Creating", "Created", prog);
    cli_compose_dry_each(&one, 1, "Starting", "Started", prog);
    cli_progress_end(prog);
    return 0;
}

int cli_run_main(const struct cli_globals *g, int argc, char **argv)
{
    struct cli_compose cc;
    struct run_args ra = {0};
    cli_compose_init(&cc, g);
    int status = cli_opt_parse(&run_spec, &ra, &cc, argc, argv);
    if (status < 0 && optind >= argc)
        status = cli_usage_error("run", "requires a SERVICE");
    if (status < 0) {
        const char *service = argv[optind];
        char **cmd = argv + optind + 1;
        strv_push(&cc.o.services, xstrdup(service));
        struct compose_project *p = cli_compose_load(&cc, &status);
        if (p && !compose_service_get(p, service)) {
            status = cli_usage_error("run", "no such service: %s", service);
        } else if (p && cc.dry_run) {
            struct ctr_ctx ctx = {g->root, g->runroot, g->cgroup_parent, g->self};
            status = dry_run(&ctx, p, service, &ra, &cc);
        } else if (p) {
            struct ctr_ctx ctx = {g->root, g->runroot, g->cgroup_parent, g->self};
            status = run_service(&ctx, p, service, cmd, &ra);
        }
        compose_project_free(p);
    }
    cli_opt_free(&run_spec, &ra, &cc);
    cli_compose_free(&cc);
    return status;
}
