#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_compose.h"
#include "cli/cli_progress.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/str.h"

#define CC(f) offsetof(struct cli_compose, f)

static int progress_opt(const char *cmd, const struct cli_opt *o, void *field, const char *arg)
{
    (void)o;
    enum cli_progress_mode m;
    if (!cli_progress_parse(arg, &m))
        return cli_usage_error(cmd, "unsupported --progress value \"%s\"", arg);
    *(const char **)field = arg;
    return 0;
}

static int ansi_opt(const char *cmd, const struct cli_opt *o, void *field, const char *arg)
{
    (void)o;
    if (strcmp(arg, "never") && strcmp(arg, "always") && strcmp(arg, "auto"))
        return cli_usage_error(cmd, "unsupported --ansi value \"%s\"", arg);
    *(const char **)field = arg;
    return 0;
}

/* --env-file replaces what COMPOSE_ENV_FILES gave, as the variable is only its default. */
static int env_file_opt(const char *cmd, const struct cli_opt *o, void *field, const char *arg)
{
    (void)cmd, (void)o;
    struct cli_compose *cc = field;
    if (cc->env_from_environ) {
        strv_free(cc->o.env_files);
        cc->o.env_files = NULL;
        cc->env_from_environ = false;
    }
    strv_push(&cc->o.env_files, xstrdup(arg));
    return 0;
}

int cli_compose_parallel(const char *cmd, const struct cli_opt *o, void *field, const char *arg)
{
    (void)o;
    long long v;
    if (!strcmp(arg, "-1")) {
        *(int *)field = 0;
        return 0;
    }
    if (str_parse_ll(arg, &v) < 0 || v > 1000000)
        return cli_usage_error(cmd, "invalid --parallel \"%s\": want a number", arg);
    *(int *)field = (int)v;
    return 0;
}

const struct cli_opt cli_compose_opts[] = {
    {"file", 'f', "FILE", "Compose configuration files", CLI_OPT_LIST, CC(o.files), NULL, NULL},
    {"project-name", 'p', "NAME", "Project name", CLI_OPT_STRING, CC(o.project_name), NULL, NULL},
    {"profile", 0, "PROFILE", "Specify a profile to enable", CLI_OPT_LIST, CC(o.profiles), NULL,
     NULL},
    {"env-file", 0, "FILE", "Specify an alternate environment file", CLI_OPT_CALL, 0, env_file_opt,
     NULL},
    {"project-directory", 0, "DIR",
     "Specify an alternate working directory (default: the path of the first compose file)",
     CLI_OPT_STRING, CC(o.project_dir), NULL, NULL},
    {"parallel", 0, "N", "Control max parallelism, -1 for unlimited", CLI_OPT_CALL, CC(parallel),
     cli_compose_parallel, NULL},
    {"progress", 0, "MODE", "Set type of progress output (auto, tty, plain, json, quiet)",
     CLI_OPT_CALL, CC(progress), progress_opt, "auto tty plain json quiet"},
    {"ansi", 0, "WHEN", "Control when to print ANSI control characters (never, always, auto)",
     CLI_OPT_CALL, CC(ansi), ansi_opt, "never always auto"},
    {"dry-run", 0, NULL, "Execute command in dry run mode", CLI_OPT_FLAG, CC(dry_run), NULL, NULL},
    {"all-resources", 0, NULL, "Include all resources, even those not used by services",
     CLI_OPT_FLAG, CC(all_resources), NULL, NULL},
    {"compatibility", 0, NULL, "Run compose in backward compatibility mode", CLI_OPT_FLAG,
     CC(compatibility), NULL, NULL},
    CLI_OPT_END,
};

static char **split(const char *s, const char *sep)
{
    char **v = xcalloc(1, sizeof(char *));
    _cleanup_free_ char *copy = xstrdup(s);
    char *save = NULL;
    for (char *t = strtok_r(copy, sep, &save); t; t = strtok_r(NULL, sep, &save))
        strv_push(&v, xstrdup(t));
    return v;
}

void cli_compose_init(struct cli_compose *cc, const struct cli_globals *g)
{
    *cc = *g->compose;
    /* NULL stays NULL: the loader then looks at COMPOSE_FILE, COMPOSE_PROFILES, .env */
    cc->o.files = g->compose->o.files ? strv_dup(g->compose->o.files) : NULL;
    cc->o.profiles = g->compose->o.profiles ? strv_dup(g->compose->o.profiles) : NULL;
    cc->o.env_files = g->compose->o.env_files ? strv_dup(g->compose->o.env_files) : NULL;
    cc->o.services = NULL;
}

enum cli_progress_mode cli_compose_progress(const struct cli_compose *cc)
{
    enum cli_progress_mode m = CLI_PROGRESS_AUTO;
    if (cc->progress && !cli_progress_parse(cc->progress, &m))
        m = CLI_PROGRESS_AUTO;
    return m;
}

int cli_compose_environ(struct cli_compose *cc)
{
    const char *env = getenv("COMPOSE_ENV_FILES");
    if (env && *env && !cc->o.env_files) {
        cc->o.env_files = split(env, ",");
        cc->env_from_environ = true;
    }
    env = getenv("COMPOSE_PARALLEL_LIMIT");
    if (env && *env && cli_compose_parallel("compose", NULL, &cc->parallel, env))
        return 125;
    return 0;
}

struct compose_project *cli_compose_load(struct cli_compose *cc, int *status)
{
    struct herr e = {0};
    struct compose_project *p = NULL;
    if (compose_load(&cc->o, &p, &e) < 0) {
        *status = cli_report(&e, 1);
        return NULL;
    }
    for (char **w = p->warnings; w && *w; w++)
        fprintf(stderr, "hoist: warning: %s\n", *w);
    return p;
}

void cli_compose_free(struct cli_compose *cc)
{
    strv_free(cc->o.files);
    strv_free(cc->o.profiles);
    strv_free(cc->o.env_files);
    strv_free(cc->o.services);
    memset(cc, 0, sizeof(*cc));
}
