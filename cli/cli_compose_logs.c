/* Compose logs (every service's output, prefixed and coloured), exec, and pull. */
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_compose_cmds.h"
#include "cli/cli_container_int.h"
#include "cli/cli_logs.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"

struct logs_flags {
    bool follow, prefix, color;
    long long tail;
    struct cli_log_opts lo;
};

#define LF(f) offsetof(struct logs_flags, f)

/* -f is --follow here, as in docker compose logs; the file is --file. */
const struct cli_spec cli_compose_logs_spec = {
    .cmd = "logs",
    .usage = "[OPTIONS] [SERVICE...]",
    .what = "View output from containers",
    .opts =
        (const struct cli_opt[]){
            {"follow", 'f', NULL, "Follow log output", CLI_OPT_FLAG, LF(follow), NULL, NULL},
            {"tail", 'n', "N", "Number of lines to show from the end of the logs (or all)",
             CLI_OPT_CALL, LF(tail), cli_log_tail_opt, NULL},
            {"timestamps", 't', NULL, "Show timestamps", CLI_OPT_FLAG, LF(lo.timestamps), NULL,
             NULL},
            {"since", 0, "TIME", "Show logs since timestamp or relative time (42m)", CLI_OPT_CALL,
             LF(lo.since), cli_log_time_opt, NULL},
            {"until", 0, "TIME", "Show logs before a timestamp or relative time", CLI_OPT_CALL,
             LF(lo.until), cli_log_time_opt, NULL},
            {"no-color", 0, NULL, "Produce monochrome output", CLI_OPT_CLEAR, LF(color), NULL,
             NULL},
            {"no-log-prefix", 0, NULL, "Don't print prefix in logs", CLI_OPT_CLEAR, LF(prefix),
             NULL, NULL},
            CLI_OPT_END,
        },
    .more = cli_compose_opts,
    .style = CLI_STYLE_COMPOSE,
    .interspersed = true,
};

int cli_compose_logs(const struct cli_globals *g, int argc, char **argv)
{
    struct cmds x = {0};
    struct logs_flags fl = {.prefix = true, .color = isatty(STDOUT_FILENO), .tail = -1};
    int status = cmds_parse(g, &cli_compose_logs_spec, &fl, &x, argc, argv);
    if (status >= 0)
        goto out;
    status = cmds_open(g, &x, argv + optind, false, false);
    if (status)
        goto out;
    fl.lo.color = fl.color;
    fl.lo.width = cmds_name_width(&x);
    struct cli_log *logs = xcalloc(x.n + 1, sizeof(*logs));
    for (size_t i = 0; i < x.n; i++) {
        _cleanup_free_ char *dir = ctr_dir(&x.ctx, x.v[i].id);
        _cleanup_free_ char *path = xasprintf("%s/ctr.log", dir);
        cli_log_open(&logs[i], path, fl.tail, fl.prefix ? x.v[i].name : NULL, (int)i);
        cli_log_pump(&logs[i], &fl.lo);
    }
    while (fl.follow) {
        bool live = false, got = false;
        for (size_t i = 0; i < x.n; i++) {
            _cleanup_json_ json_t *rec = ctr_inspect(&x.ctx, x.v[i].id, NULL);
            live |= rec && cmds_active(ctr_status(rec));
            got |= cli_log_pump(&logs[i], &fl.lo);
        }
        if (!live && !got)
            break;
        usleep(50000);
    }
    for (size_t i = 0; i < x.n; i++)
        cli_log_close(&logs[i]);
    free(logs);
out:
    cmds_close(&x);
    return status;
}

struct exec_flags {
    bool detach, no_tty;
    long long index;
    const char *user, *workdir;
    char **env;
};

#define EF(f) offsetof(struct exec_flags, f)

const struct cli_spec cli_compose_exec_spec = {
    .cmd = "exec",
    .usage = "[OPTIONS] SERVICE COMMAND [ARGS...]",
    .what = "Execute a command in a running container",
    .opts =
        (const struct cli_opt[]){
            {"detach", 'd', NULL, "Detached mode: Run command in the background", CLI_OPT_FLAG,
             EF(detach), NULL, NULL},
            {"env", 'e', "KEY=VAL", "Set environment variables", CLI_OPT_LIST, EF(env), NULL, NULL},
            {"no-TTY", 'T', NULL,
             "Disable pseudo-TTY allocation (default: on when stdin is a terminal)", CLI_OPT_FLAG,
             EF(no_tty), NULL, NULL},
            {"no-tty", 0, NULL, NULL, CLI_OPT_FLAG, EF(no_tty), NULL, NULL},
            {"interactive", 'i', NULL, "Keep STDIN open even if not attached", CLI_OPT_IGNORE, 0,
             NULL, NULL},
            {"user", 'u', "USER", "Run the command as this user", CLI_OPT_STRING, EF(user), NULL,
             NULL},
            {"workdir", 'w', "DIR", "Path to workdir directory for this command", CLI_OPT_STRING,
             EF(workdir), NULL, NULL},
            {"index", 0, "N", "Index of the container if service has multiple replicas",
             CLI_OPT_CALL, EF(index), cmds_index_opt, NULL},
            CLI_OPT_END,
        },
    .more = cli_compose_opts,
    .style = CLI_STYLE_COMPOSE,
};

int cli_compose_exec(const struct cli_globals *g, int argc, char **argv)
{
    struct cmds x = {0};
    _cleanup_strv_ char **args = NULL;
    struct exec_flags fl = {.index = 1};
    int status = cmds_parse(g, &cli_compose_exec_spec, &fl, &x, argc, argv);
    if (status >= 0)
        goto out;
    if (argc - optind < 2) {
        status = cli_usage_error("exec", "requires at least 2 arguments: SERVICE COMMAND");
        goto out;
    }
    char *svc[] = {argv[optind], NULL};
    status = cmds_open(g, &x, svc, false, false);
    if (status)
        goto out;
    const struct compose_ctr *h = cmds_by_index(&x, fl.index);
    if (!h || !cmds_active(ctr_status(h->inspect))) {
        fprintf(stderr, "hoist exec: service \"%s\" is not running%s\n", svc[0],
                h ? "" : " (no such container index)");
        status = 1;
        goto out;
    }
    args = xcalloc(1, sizeof(char *));
    strv_push(&args, xstrdup("exec"));
    if (fl.detach)
        strv_push(&args, xstrdup("-d"));
    else
        strv_push(&args, xstrdup("-i"));
    if (!fl.no_tty && !fl.detach && isatty(STDIN_FILENO))
        strv_push(&args, xstrdup("-t"));
    for (char **e = fl.env; e && *e; e++) {
        strv_push(&args, xstrdup("-e"));
        strv_push(&args, xstrdup(*e));
    }
    if (fl.user) {
        strv_push(&args, xstrdup("-u"));
        strv_push(&args, xstrdup(fl.user));
    }
    if (fl.workdir) {
        strv_push(&args, xstrdup("-w"));
        strv_push(&args, xstrdup(fl.workdir));
    }
    strv_push(&args, xstrdup(h->id));
    for (int i = optind + 1; i < argc; i++)
        strv_push(&args, xstrdup(argv[i]));
    status = cli_ctr_exec(&x.ctx, (int)strv_len(args), args);
out:
    strv_free(fl.env);
    cmds_close(&x);
    return status;
}
