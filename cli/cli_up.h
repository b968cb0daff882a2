/* Pieces of `hoist up` that down and run share. */
#ifndef HOIST_CLI_UP_H
#define HOIST_CLI_UP_H

#include <signal.h>

#include "compose/scheduler/scheduler.h"

struct cli_globals;

int cli_up_main(const struct cli_globals *g, int argc, char **argv);
int cli_create_main(const struct cli_globals *g, int argc, char **argv);
int cli_down_main(const struct cli_globals *g, int argc, char **argv);
int cli_run_main(const struct cli_globals *g, int argc, char **argv);

/* SIGINT and SIGTERM only count (see cli_up_interrupted), so waits end cleanly. */
void cli_up_signals(void);
volatile sig_atomic_t *cli_up_interrupted(void);

/* A compose_event_fn feeding a struct cli_progress (arg). */
void cli_up_event(void *arg, const char *kind, const char *name, enum compose_ev state,
                  const char *status, const char *detail);

#endif
