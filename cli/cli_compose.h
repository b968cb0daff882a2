/* docker compose's own options, valid before the verb (`hoist -f x.yml up`, `hoist
 * compose -p demo ps`) and after it; shared by every compose verb. */
#ifndef HOIST_CLI_COMPOSE_H
#define HOIST_CLI_COMPOSE_H

#include "cli/cli_opt.h"
#include "cli/cli_progress.h"
#include "compose/loader/loader.h"

struct cli_globals;
struct compose_ctr;
struct ctr_ctx;

struct cli_compose {
    struct compose_opts o;
    const char *progress; /* --progress: auto, tty, plain, quiet, json */
    const char *ansi;     /* --ansi: never, always, auto */
    int parallel;         /* --parallel, COMPOSE_PARALLEL_LIMIT; 0: unlimited */
    bool dry_run, all_resources, compatibility;
    bool env_from_environ; /* o.env_files came from COMPOSE_ENV_FILES */
};

/* The table, for a cli_spec's more (base: a struct cli_compose). */
extern const struct cli_opt cli_compose_opts[];

/* Defaults from the environment (COMPOSE_ENV_FILES, COMPOSE_PARALLEL_LIMIT), before any
 * option; 0, or the exit status of a bad value. */
int cli_compose_environ(struct cli_compose *cc);
/* A verb's options start from those given before the verb (g->compose). */
void cli_compose_init(struct cli_compose *cc, const struct cli_globals *g);
/* --parallel's handler: -1 is unlimited (0). */
int cli_compose_parallel(const char *cmd, const struct cli_opt *o, void *field, const char *arg);
/* --progress, else auto (which cli_progress_new reads from COMPOSE_PROGRESS). */
enum cli_progress_mode cli_compose_progress(const struct cli_compose *cc);
/* Load the project, printing warnings; on failure prints the error and returns NULL. */
struct compose_project *cli_compose_load(struct cli_compose *cc, int *status);
void cli_compose_free(struct cli_compose *cc);

/* --dry-run (cli_compose_dry.c): progress lines for what up (start: and start), down and
 * the verbs on containers (working/done: "Stopping"/"Stopped") would do; nothing is done. */
void cli_compose_dry_up(const struct ctr_ctx *c, const struct compose_project *p, char **services,
                        bool start, struct cli_progress *pr);
int cli_compose_dry_down(const struct ctr_ctx *c, const struct compose_project *p, bool volumes,
                         struct cli_progress *pr);
void cli_compose_dry_pull(const struct compose_project *p, char **services,
                          struct cli_progress *pr);
void cli_compose_dry_each(const struct compose_ctr *v, size_t n, const char *working,
                          const char *done, struct cli_progress *pr);

#endif
