/* hoist down: stop and remove the project's containers, networks and (-v) volumes. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_compose.h"
#include "cli/cli_progress.h"
#include "cli/cli_up.h"
#include "common/err.h"
#include "common/str.h"
#include "compose/scheduler/scheduler.h"
#include "engine/container/container.h"

static const char help[] =
    "Usage: hoist down [OPTIONS] [SERVICE...]\n\n"
    "Stop and remove containers, networks.\n\n"
    "Options:\n"
    "  -v, --volumes            remove named volumes of the project and anonymous volumes\n"
    "      --remove-orphans     remove containers of services not in the compose file\n"
    "      --rmi local|all      remove images used by services\n"
    "  -t, --timeout SECONDS    shutdown timeout\n"
    "      --progress MODE      auto, tty, plain, quiet or json\n"
    "  -f, -p, --profile, --env-file, --project-directory   compose options\n";

enum { O_ORPHANS = 0x2000, O_RMI, O_PROGRESS };

int cli_down_main(const struct cli_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_COMPOSE_LONGOPTS,
        {"volumes", no_argument, NULL, 'v'},
        {"remove-orphans", no_argument, NULL, O_ORPHANS},
        {"rmi", required_argument, NULL, O_RMI},
        {"timeout", required_argument, NULL, 't'},
        {"progress", required_argument, NULL, O_PROGRESS},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    struct cli_compose cc = {0};
    struct compose_down_opts o = {.timeout = -1};
    enum cli_progress_mode pm = CLI_PROGRESS_AUTO;
    int c, status = 0;
    long long v;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+" CLI_COMPOSE_SHORTOPTS "vt:h", opts, NULL)) != -1) {
        if (cli_compose_opt(&cc, c, optarg))
            continue;
        switch (c) {
        case 'v':
            o.volumes = true;
            break;
        case O_ORPHANS:
            o.remove_orphans = true;
            break;
        case O_RMI:
            if (strcmp(optarg, "local") && strcmp(optarg, "all")) {
                status = cli_usage_error("down", "invalid --rmi \"%s\": local or all", optarg);
                goto out;
            }
            o.rmi = optarg;
            break;
        case 't':
            if (str_parse_ll(optarg, &v) < 0 || v > 1000000) {
                status = cli_usage_error("down", "invalid --timeout \"%s\": want seconds", optarg);
                goto out;
            }
            o.timeout = (int)v;
            break;
        case O_PROGRESS:
            if (!cli_progress_parse(optarg, &pm)) {
                status = cli_usage_error("down", "invalid --progress \"%s\"", optarg);
                goto out;
            }
            break;
        case 'h':
            fputs(help, stdout);
            goto out;
        default:
            status = cli_usage_error("down", "unknown option \"%s\"", argv[optind - 1]);
            goto out;
        }
    }
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
    struct cli_progress *prog = cli_progress_new(pm, "Running");
    o.event = cli_up_event;
    o.arg = prog;
    struct herr e = {0};
    int r = compose_down(&ctx, p, &o, &e);
    cli_progress_end(prog);
    if (r < 0)
        status = cli_report(&e, 1);
    compose_project_free(p);
out:
    cli_compose_free(&cc);
    return status;
}
