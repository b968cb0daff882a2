/* Command-line front end: the only layer that prints. */
#ifndef HOIST_CLI_H
#define HOIST_CLI_H

#include <stdbool.h>

struct herr;

struct cli_globals {
    const char *root;          /* persistent state (--root, HOIST_ROOT) */
    const char *runroot;       /* runtime state (--runroot, HOIST_RUNROOT) */
    const char *cgroup_parent; /* parent cgroup of containers (--cgroup-parent) */
    const char *self;          /* absolute path of the hoist executable */
};

/* Group entry points: argv[0] is the group name, argv[1] the subcommand. They return
 * the process exit status. Options are parsed with getopt_long; set optind = 0 first. */
int cli_image_main(const struct cli_globals *g, int argc, char **argv);
int cli_container_main(const struct cli_globals *g, int argc, char **argv);
int cli_runtime_main(const struct cli_globals *g, int argc, char **argv);
int cli_volume_main(const struct cli_globals *g, int argc, char **argv);
int cli_config_main(const struct cli_globals *g, int argc, char **argv);

/* Print "hoist: <message>" to stderr; returns the exit status to use (e->exit or def). */
int cli_report(const struct herr *e, int def);
/* Print a usage error naming the command and return 125 when engine-level, else 1. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
