/* Shared by the cli_container_*.c files. */
#ifndef HOIST_CLI_CONTAINER_INT_H
#define HOIST_CLI_CONTAINER_INT_H

#include <time.h>

#include "cli/cli.h"
#include "engine/container/container.h"

void cli_ctr_ctx(const struct cli_globals *g, struct ctr_ctx *c);
int cli_ctr_ps(const struct ctr_ctx *c, int argc, char **argv);
int cli_ctr_stop(const struct ctr_ctx *c, int argc, char **argv);
int cli_ctr_kill(const struct ctr_ctx *c, int argc, char **argv);
int cli_ctr_rm(const struct ctr_ctx *c, int argc, char **argv);
int cli_ctr_logs(const struct ctr_ctx *c, int argc, char **argv);
int cli_ctr_inspect(const struct ctr_ctx *c, int argc, char **argv);
int cli_ctr_wait(const struct ctr_ctx *c, int argc, char **argv);
/* pause and unpause (argv[0] says which). */
int cli_ctr_pause(const struct ctr_ctx *c, int argc, char **argv);
int cli_ctr_exec(const struct ctr_ctx *c, int argc, char **argv);
int cli_ctr_top(const struct ctr_ctx *c, int argc, char **argv);
int cli_ctr_diff(const struct ctr_ctx *c, int argc, char **argv);
int cli_ctr_commit(const struct ctr_ctx *c, int argc, char **argv);
int cli_ctr_port(const struct ctr_ctx *c, int argc, char **argv);
/* The runtime's in-process form of `hoist network hook` (see rt_self_hook). */
int cli_network_self_hook(char *const *args, const char *state, struct herr *e);
/* ps pieces (cli_container_ops.c), shared with compose ps: docker's go-units durations
 * ("2 minutes"), the STATUS and quoted COMMAND cells, RFC3339 to time_t, and a table
 * padded like docker's tabwriter (cells row by row, cols per row). */
char *cli_ctr_human(long long seconds);
char *cli_ctr_status_text(const json_t *rec);
char *cli_ctr_command_text(const json_t *rec, bool trunc);
time_t cli_ctr_parse_time(const char *s);
void cli_print_table(char **cells, size_t cols);
/* run and create (cli_container_run.c), and their option tables. */
int cli_ctr_create(const struct ctr_ctx *c, int argc, char **argv);
int cli_ctr_run(const struct ctr_ctx *c, int argc, char **argv);
extern const struct cli_spec cli_ctr_create_spec, cli_ctr_run_spec, cli_ctr_exec_spec,
    cli_ctr_ps_spec, cli_ctr_stop_spec, cli_ctr_kill_spec, cli_ctr_rm_spec, cli_ctr_pause_spec,
    cli_ctr_unpause_spec, cli_ctr_wait_spec, cli_ctr_logs_spec, cli_ctr_commit_spec;
/* Copy between the terminal and a foreground container until it exits. */
int cli_ctr_attach_loop(int sock, bool tty, struct herr *e);

#endif
