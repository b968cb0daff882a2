/* `container logs`: the json-file log, with --tail, --since, --until, -t and -f. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_container_int.h"
#include "cli/cli_logs.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"

int cli_ctr_logs(const struct ctr_ctx *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"follow", no_argument, NULL, 'f'},      {"tail", required_argument, NULL, 'n'},
        {"timestamps", no_argument, NULL, 't'},  {"since", required_argument, NULL, 's'},
        {"until", required_argument, NULL, 'u'}, {0},
    };
    struct cli_log_opts lo = {0};
    bool follow = false;
    long long tail = -1;
    int ch;
    optind = 0;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "ftn:", opts, NULL)) != -1) {
        switch (ch) {
        case 'f':
            follow = true;
            break;
        case 't':
            lo.timestamps = true;
            break;
        case 'n':
            if (strcmp(optarg, "all") != 0 && str_parse_ll(optarg, &tail) < 0)
                return cli_usage_error("container logs", "invalid --tail value \"%s\"", optarg);
            break;
        case 's':
        case 'u':
            if (cli_log_parse_time(optarg, ch == 's' ? &lo.since : &lo.until) < 0)
                return cli_usage_error("container logs", "invalid --%s value \"%s\"",
                                       ch == 's' ? "since" : "until", optarg);
            break;
        default:
            return cli_usage_error("container logs", "unknown flag \"%s\"", argv[optind - 1]);
        }
    }
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
