/* `container logs`: the json-file log, with --tail, --since, --until, -t and -f. */
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_container_int.h"
#include "cli/cli_logs.h"
#include "cli/cli_opt.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"

struct logs_args {
    struct cli_log_opts lo;
    bool follow;
    long long tail;
};

#define LA(f) offsetof(struct logs_args, f)

const struct cli_spec cli_ctr_logs_spec = {
    .cmd = "container logs",
    .usage = "[OPTIONS] CONTAINER",
    .what = "Fetch the logs of a container",
    .opts =
        (const struct cli_opt[]){
            {"follow", 'f', NULL, "Follow log output", CLI_OPT_FLAG, LA(follow), NULL, NULL},
            {"tail", 'n', "N", "Number of lines to show from the end of the logs (or all)",
             CLI_OPT_CALL, LA(tail), cli_log_tail_opt, NULL},
            {"timestamps", 't', NULL, "Show timestamps", CLI_OPT_FLAG, LA(lo.timestamps), NULL,
             NULL},
            {"since", 0, "TIME", "Show logs since timestamp or relative time (42m)", CLI_OPT_CALL,
             LA(lo.since), cli_log_time_opt, NULL},
            {"until", 0, "TIME", "Show logs before a timestamp or relative time", CLI_OPT_CALL,
             LA(lo.until), cli_log_time_opt, NULL},
            CLI_OPT_END,
        },
    .interspersed = true,
};

int cli_ctr_logs(const struct ctr_ctx *c, int argc, char **argv)
{
    struct logs_args la = {.tail = -1};
    int r = cli_opt_parse(&cli_ctr_logs_spec, &la, NULL, argc, argv);
    if (r >= 0)
        return r;
    struct cli_log_opts lo = la.lo;
    bool follow = la.follow;
    long long tail = la.tail;
    if (argc - optind != 1)
        return cli_usage_error("container logs", "requires exactly 1 argument");
    struct herr e = {0};
    _cleanup_free_ char *id = NULL;
    if (ctr_resolve(c, argv[optind], &id, &e) < 0)
        return cli_report(&e, 1);
    _cleanup_free_ char *dir = ctr_dir(c, id);
    _cleanup_free_ char *path = xasprintf("%s/ctr.log", dir);
    struct cli_log l;
    cli_log_open(&l, path, tail, NULL, 0);
    cli_log_pump(&l, &lo);
    while (follow) {
        _cleanup_json_ json_t *rec = ctr_inspect(c, id, NULL);
        const char *st = rec ? ctr_status(rec) : "exited";
        bool active = strcmp(st, "running") == 0 || strcmp(st, "restarting") == 0 ||
                      strcmp(st, "paused") == 0;
        if (!cli_log_pump(&l, &lo) && !active)
            break;
        usleep(50000);
    }
    cli_log_close(&l);
    return 0;
}
