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
/* run/create's options of cli_container_host.c: their getopt values, the handler
 * (0, or the exit status of a usage error) and what frees their vectors. */
enum {
    CLI_OPT_PID = 1024,
    CLI_OPT_IPC,
    CLI_OPT_UTS,
    CLI_OPT_SHM_SIZE,
    CLI_OPT_DEVICE,
    CLI_OPT_DEVICE_RULE,
    CLI_OPT_GROUP_ADD,
    CLI_OPT_CGROUP_PARENT,
    CLI_OPT_OOM_KILL_DISABLE,
    CLI_OPT_OOM_SCORE_ADJ,
    CLI_OPT_HOST_END,
};
int cli_ctr_host_opt(const char *cmd, int c, const char *arg, struct ctr_opts *o);
void cli_ctr_host_free(struct ctr_opts *o);
/* Copy between the terminal and a foreground container until it exits. */
int cli_ctr_attach_loop(int sock, bool tty, struct herr *e);

#endif
