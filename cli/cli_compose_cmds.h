/* Shared by the compose commands other than up/down/run/create (cli_compose_*.c): the
 * project, found by its files or, when they are gone, by its name alone (-p or
 * COMPOSE_PROJECT_NAME) through the labels of its containers. */
#ifndef HOIST_CLI_COMPOSE_CMDS_H
#define HOIST_CLI_COMPOSE_CMDS_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/cli.h"
#include "cli/cli_compose.h"
#include "cli/cli_opt.h"
#include "compose/scheduler/scheduler.h"
#include "engine/container/container.h"

struct cmds {
    const char *cmd; /* "ps", "stop", ... for messages */
    struct cli_compose cc;
    struct compose_project *p; /* loaded, or rebuilt from the containers' labels */
    struct ctr_ctx ctx;
    char **services;       /* SERVICE... given; NULL: all */
    struct compose_ctr *v; /* the project's containers of those services */
    size_t n;
};

/* Parse argv by the verb's spec (its own options into base, the compose ones into x->cc,
 * starting from those before the verb); optind is left at the operands. -1 to go on,
 * else an exit status (0 after --help). */
int cmds_parse(const struct cli_globals *g, const struct cli_spec *spec, void *base, struct cmds *x,
               int argc, char **argv);

/* A compose verb's spec: its own table, then the compose options; options may follow
 * the operands. */
#define CMDS_VERB(name, use, text, table)                                                          \
    {                                                                                              \
        .cmd = name, .usage = use, .what = text, .opts = table, .more = cli_compose_opts,          \
        .style = CLI_STYLE_COMPOSE, .interspersed = true                                           \
    }
/* --index N (a long long from 1), of exec and port. */
int cmds_index_opt(const char *cmd, const struct cli_opt *o, void *field, const char *arg);

/* The option tables of the verbs, for the registry (cli_groups). */
extern const struct cli_spec cli_compose_start_spec, cli_compose_stop_spec,
    cli_compose_restart_spec, cli_compose_kill_spec, cli_compose_rm_spec, cli_compose_pause_spec,
    cli_compose_unpause_spec, cli_compose_wait_spec, cli_compose_version_spec, cli_compose_ps_spec,
    cli_compose_pull_spec, cli_compose_images_spec, cli_compose_top_spec, cli_compose_port_spec,
    cli_compose_ls_spec, cli_compose_logs_spec, cli_compose_exec_spec;

/* Load the project (need_file: a compose file is required, as for pull), check the
 * SERVICE operands in args and list the containers (one-off ones with oneoff). Returns
 * 0, or the exit status after printing the error. */
int cmds_open(const struct cli_globals *g, struct cmds *x, char **args, bool need_file,
              bool oneoff);
void cmds_close(struct cmds *x);

/* running, restarting or paused */
bool cmds_active(const char *status);
/* The container of x with that number (--index), NULL if none. */
const struct compose_ctr *cmds_by_index(const struct cmds *x, long long index);
/* "demo-web-1", the width of the longest name among x's containers */
int cmds_name_width(const struct cmds *x);

/* Subcommands, argv[0] being the command name: `hoist stop ...`. */
int cli_compose_start(const struct cli_globals *g, int argc, char **argv);
int cli_compose_stop(const struct cli_globals *g, int argc, char **argv);
int cli_compose_restart(const struct cli_globals *g, int argc, char **argv);
int cli_compose_kill(const struct cli_globals *g, int argc, char **argv);
int cli_compose_rm(const struct cli_globals *g, int argc, char **argv);
/* pause and unpause */
int cli_compose_pause(const struct cli_globals *g, int argc, char **argv);
int cli_compose_wait(const struct cli_globals *g, int argc, char **argv);
int cli_compose_version(const struct cli_globals *g, int argc, char **argv);
int cli_compose_ps(const struct cli_globals *g, int argc, char **argv);
int cli_compose_pull(const struct cli_globals *g, int argc, char **argv);
int cli_compose_images(const struct cli_globals *g, int argc, char **argv);
int cli_compose_top(const struct cli_globals *g, int argc, char **argv);
int cli_compose_port(const struct cli_globals *g, int argc, char **argv);
int cli_compose_ls(const struct cli_globals *g, int argc, char **argv);
int cli_compose_logs(const struct cli_globals *g, int argc, char **argv);
int cli_compose_exec(const struct cli_globals *g, int argc, char **argv);

#endif
