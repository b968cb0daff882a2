/* The monitor's command line (see monitor.h). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "engine/monitor/mon_internal.h"

int mon_parse_args(int argc, char **argv, struct mon_config *cfg)
{
    static const struct option opts[] = {
        {"id", required_argument, NULL, 'i'},
        {"ctr-dir", required_argument, NULL, 'c'},
        {"run-dir", required_argument, NULL, 'r'},
        {"sync-fd", required_argument, NULL, 's'},
        {"restart", required_argument, NULL, 'R'},
        {"max-retries", required_argument, NULL, 'M'},
        {"tty", no_argument, NULL, 't'},
        {"stdin", no_argument, NULL, 'I'},
        {"attach", no_argument, NULL, 'a'},
        {"rm", no_argument, NULL, 'x'},
        {"name-link", required_argument, NULL, 'n'},
        {"cgroup", required_argument, NULL, 'g'},
        {"health-cmd", required_argument, NULL, 'H'},
        {"health-interval", required_argument, NULL, 'V'},
        {"health-timeout", required_argument, NULL, 'T'},
        {"health-start-period", required_argument, NULL, 'P'},
        {"health-start-interval", required_argument, NULL, 'S'},
        {"health-retries", required_argument, NULL, 'Y'},
        {0},
    };
    /* At most one probe argument per monitor argument. */
    cfg->health_cmd = calloc((size_t)argc + 1, sizeof(char *));
    if (!cfg->health_cmd)
        return -1;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            cfg->id = optarg;
            break;
        case 'c':
            cfg->ctr_dir = optarg;
            break;
        case 'r':
            cfg->run_dir = optarg;
            break;
        case 's':
            cfg->sync_fd = atoi(optarg);
            break;
        case 'R':
            cfg->restart = strcmp(optarg, "always") == 0           ? MON_RESTART_ALWAYS
                           : strcmp(optarg, "on-failure") == 0     ? MON_RESTART_ON_FAILURE
                           : strcmp(optarg, "unless-stopped") == 0 ? MON_RESTART_UNLESS_STOPPED
                                                                   : MON_RESTART_NO;
            break;
        case 'M':
            cfg->max_retries = atoi(optarg);
            break;
        case 't':
            cfg->tty = true;
            break;
        case 'I':
            cfg->stdin_open = true;
            break;
        case 'a':
            cfg->attach = true;
            break;
        case 'x':
            cfg->autorm = true;
            break;
        case 'n':
            cfg->name_link = optarg;
            break;
        case 'g':
            cfg->cgroup = optarg;
            break;
        case 'H':
            cfg->health_cmd[cfg->nhealth_cmd++] = optarg;
            break;
        case 'V':
            cfg->health_interval = atoll(optarg);
            break;
        case 'T':
            cfg->health_timeout = atoll(optarg);
            break;
        case 'P':
            cfg->health_start_period = atoll(optarg);
            break;
        case 'S':
            cfg->health_start_interval = atoll(optarg);
            break;
        case 'Y':
            cfg->health_retries = atoi(optarg);
            break;
        default:
            return -1;
        }
    }
    if (!cfg->id || !cfg->ctr_dir || !cfg->run_dir || cfg->sync_fd < 0 || optind >= argc)
        return -1;
    if (cfg->nhealth_cmd &&
        (cfg->health_interval <= 0 || cfg->health_timeout <= 0 || cfg->health_start_interval <= 0 ||
         cfg->health_retries <= 0 || cfg->health_start_period < 0))
        return -1;
    cfg->rt = argv + optind;
    cfg->nrt = argc - optind;
    return 0;
}
