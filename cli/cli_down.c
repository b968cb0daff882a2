/* hoist down: stop and remove the project's containers, networks and (-v) volumes. */
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_compose.h"
#include "cli/cli_opt.h"
#include "cli/cli_progress.h"
#include "cli/cli_up.h"
#include "common/err.h"
#include "common/str.h"
#include "compose/scheduler/scheduler.h"
#include "engine/container/container.h"

static int rmi_opt(const char *cmd, const struct cli_opt *o, void *field, const char *arg)
{
    (void)o;
    if (strcmp(arg, "local") && strcmp(arg, "all"))
        return cli_usage_error(cmd, "invalid --rmi \"%s\": local or all", arg);
    *(const char **)field = arg;
    return 0;
}

static int timeout_opt(const char *cmd, const struct cli_opt *o, void *field, const char *arg)
{
    (void)o;
    long long v;
    if (str_parse_ll(arg, &v) < 0 || v > 1000000)
        return cli_usage_error(cmd, "invalid --timeout \"%s\": want seconds", arg);
    *(int *)field = (int)v;
    return 0;
}

#define DO(f) offsetof(struct compose_down_opts, f)

static const struct cli_spec down_spec = {
    .cmd = "down",
    .usage = "[OPTIONS] [SERVICE...]",
    .what = "Stop and remove containers, networks",
    .opts =
        (const struct cli_opt[]){
            {"volumes", 'v', NULL,
             "Remove named volumes declared in the \"volumes\" section of the Compose file and "
             "anonymous volumes attached to containers",
             CLI_OPT_FLAG, DO(volumes), NULL, NULL},
            {"remove-orphans", 0, NULL,
             "Remove containers for services not defined in the Compose file", CLI_OPT_FLAG,
             DO(remove_orphans), NULL, NULL},
            {"rmi", 0, "TYPE", "Remove images used by services: \"local\" or \"all\"", CLI_OPT_CALL,
             DO(rmi), rmi_opt, "local all"},
            {"timeout", 't', "SECONDS", "Specify a shutdown timeout in seconds", CLI_OPT_CALL,
             DO(timeout), timeout_opt, NULL},
            CLI_OPT_END,
        },
    .more = cli_compose_opts,
    .style = CLI_STYLE_COMPOSE,
    .interspersed = true,
};

const struct cli_spec *const cli_down_specs[] = {&down_spec, NULL};

int cli_down_main(const struct cli_globals *g, int argc, char **argv)
{
    struct cli_compose cc;
    struct compose_down_opts o = {.timeout = -1};
    cli_compose_init(&cc, g);
    int status = cli_opt_parse(&down_spec, &o, &cc, argc, argv);
    if (status >= 0)
        goto out;
    status = 0;
    for (int i = optind; i < argc; i++)
        strv_push(&cc.o.services, xstrdup(argv[i]));
    o.services = cc.o.services;
    struct compose_project *p = cli_compose_load(&cc, &status);
    if (!p)
        goto out;
    for (char **s = o.services; s && *s; s++) {
        if (!compose_service_get(p, *s)) {
            status = cli_usage_error("down", "no such service: %s", *s);
            compose_project_free(p);
            goto out;
        }
    }
    struct ctr_ctx ctx = {g->root, g->runroot, g->cgroup_parent, g->self};
    struct cli_progress *prog = cli_progress_new(cli_compose_progress(&cc), "Running");
    o.event = cli_up_event;
    o.arg = prog;
    struct herr e = {0};
    if (cc.dry_run)
        status = cli_compose_dry_down(&ctx, p, o.volumes, prog);
    else if (compose_down(&ctx, p, &o, &e) < 0)
        status = cli_report(&e, 1);
    cli_progress_end(prog);
    compose_project_free(p);
out:
    cli_compose_free(&cc);
    return status;
}
