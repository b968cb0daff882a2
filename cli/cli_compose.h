/* Options shared by every compose command (config, up, down, ...). */
#ifndef HOIST_CLI_COMPOSE_H
#define HOIST_CLI_COMPOSE_H

#include <getopt.h>

#include "compose/loader/loader.h"

struct cli_compose {
    struct compose_opts o;
};

/* Spread into a command's getopt_long table; short options "f:p:". */
#define CLI_COMPOSE_SHORTOPTS "f:p:"
#define CLI_COMPOSE_LONGOPTS                                                                       \
    {"file", required_argument, NULL, 'f'}, {"project-name", required_argument, NULL, 'p'},        \
        {"profile", required_argument, NULL, 0x1001},                                              \
        {"env-file", required_argument, NULL, 0x1002},                                             \
    {                                                                                              \
        "project-directory", required_argument, NULL, 0x1003                                       \
    }

/* Handle one getopt result; returns true when it was a compose option. */
bool cli_compose_opt(struct cli_compose *cc, int c, const char *arg);
/* Load the project, printing warnings; on failure prints the error and returns NULL. */
struct compose_project *cli_compose_load(struct cli_compose *cc, int *status);
void cli_compose_free(struct cli_compose *cc);

#endif
