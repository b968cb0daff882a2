/* hoist up / create: converge the project, then (attached) follow every container's
 * output with docker compose's "web-1  | " prefixes until they exit or Ctrl-C. */
#include <fcntl.h>
#include <getopt.h>
#include <stddef.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_compose.h"
#include "cli/cli_opt.h"
#include "cli/cli_logs.h"
#include "cli/cli_progress.h"
#include "cli/cli_up.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"
#include "compose/scheduler/scheduler.h"
#include "engine/container/container.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted++;
}

void cli_up_signals(void)
{
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

volatile sig_atomic_t *cli_up_interrupted(void)
{
    return &interrupted;
}

void cli_up_event(void *arg, const char *kind, const char *name, enum compose_ev state,
                  const char *status, const char *detail)
{
    static const enum cli_progress_state map[] = {
        [COMPOSE_EV_WORKING] = CLI_PROGRESS_WORKING,
        [COMPOSE_EV_DONE] = CLI_PROGRESS_DONE,
        [COMPOSE_EV_WARNING] = CLI_PROGRESS_WARNING,
        [COMPOSE_EV_ERROR] = CLI_PROGRESS_ERROR,
    };
    struct cli_progress *p = arg;
    if (!strcmp(kind, "Project")) {
        /* Project-wide notes are docker compose's WARN lines, not progress rows. */
        fprintf(stderr, "WARN[0000] %s\n", detail ? detail : status);
        return;
    }
    cli_progress_event(p, kind, name, map[state], status, detail);
}

/* ---- attached output ---- */

struct follow {
    char *id, *name, *service;
    struct cli_log log;
    bool done;
};

struct attach {
    struct follow *f;
    size_t n;
    struct cli_log_opts lo;
};

/* Print what was appended to each log since the last call. */
static void pump(struct attach *a)
{
    for (size_t i = 0; i < a->n; i++)
        cli_log_pump(&a->f[i].log, &a->lo);
    fflush(stdout);
}

struct stopper {
    const struct cli_globals *g;
    const struct ctr_ctx *c;
    const struct compose_project *p;
    int timeout;
    bool kill;
    volatile bool finished;
};

static void *stop_thread(void *arg)
{
    struct stopper *s = arg;
    struct herr e = {0};
    if (compose_stop(s->c, s->p, NULL, s->timeout, s->kill, NULL, NULL, &e) < 0)
        cli_report(&e, 1);
    s->finished = true;
    return NULL;
}

/* Stop the stack; a further Ctrl-C while it stops kills it. */
static void stop_stack(const struct ctr_ctx *c, const struct compose_project *p, int timeout)
{
    struct stopper s = {.c = c, .p = p, .timeout = timeout};
    pthread_t th;
    sig_atomic_t seen = interrupted;
    if (pthread_create(&th, NULL, stop_thread, &s) != 0) {
        stop_thread(&s);
        return;
    }
    bool killed = false;
    while (!s.finished) {
        if (interrupted > seen && !killed) {
            struct stopper k = {.c = c, .p = p, .timeout = 0, .kill = true};
            stop_thread(&k);
            killed = true;
        }
        usleep(10000);
    }
    pthread_join(th, NULL);
}

struct attach_opts {
    bool abort_on_exit, abort_on_failure;
    const char *exit_code_from;
    int timeout;
};

static int follow_all(const struct ctr_ctx *c, const struct compose_project *p, struct attach *a,
                      const struct attach_opts *ao)
{
    int status = 0;
    bool aborting = false;
    for (;;) {
        pump(a);
        if (interrupted) {
            fprintf(stderr, "Gracefully stopping... (press Ctrl+C again to force)\n");
            stop_stack(c, p, ao->timeout);
            pump(a);
            return 130;
        }
        size_t live = 0;
        for (size_t i = 0; i < a->n; i++) {
            struct follow *f = &a->f[i];
            if (f->done)
                continue;
            _cleanup_json_ json_t *j = ctr_inspect(c, f->id, NULL);
            const char *st = j ? ctr_status(j) : "exited";
            if (!strcmp(st, "running") || !strcmp(st, "restarting") || !strcmp(st, "paused")) {
                live++;
                continue;
            }
            pump(a);
            f->done = true;
            int code = (int)hj_int(json_object_get(j, "State"), "ExitCode", 0);
            printf("%s exited with code %d\n", f->name, code);
            fflush(stdout);
            if (ao->exit_code_from && !strcmp(ao->exit_code_from, f->service))
                status = code;
            if (ao->abort_on_exit || (ao->abort_on_failure && code != 0)) {
                if (!ao->exit_code_from)
                    status = code;
                aborting = true;
            }
        }
        if (aborting) {
            fprintf(stderr, "Aborting on container exit...\n");
            stop_stack(c, p, ao->timeout);
            pump(a);
            for (size_t i = 0; i < a->n && ao->exit_code_from; i++) {
                _cleanup_json_ json_t *j = ctr_inspect(c, a->f[i].id, NULL);
                if (j && !strcmp(a->f[i].service, ao->exit_code_from))
                    status = (int)hj_int(json_object_get(j, "State"), "ExitCode", 0);
            }
            return status;
        }
        if (!live)
            return status;
        usleep(20000);
    }
}

static bool listed(char **v, const char *s)
{
    for (; v && *v; v++) {
        if (!strcmp(*v, s))
            return true;
    }
    return false;
}

static int attach(const struct ctr_ctx *c, const struct compose_project *p, char **services,
                  char **only, char **skip, bool color, bool prefix, bool timestamps,
                  const struct attach_opts *ao)
{
    struct compose_ctr *v = NULL;
    size_t n = 0;
    struct herr e = {0};
    if (compose_containers(c, p->name, false, &v, &n, &e) < 0)
        return cli_report(&e, 1);
    struct attach a = {.f = xcalloc(n + 1, sizeof(struct follow)),
                       .lo = {.color = color, .timestamps = timestamps}};
    size_t plen = strlen(p->name);
    for (size_t i = 0; i < n; i++) {
        if ((services && !listed(services, v[i].service)) ||
            (only && !listed(only, v[i].service)) || listed(skip, v[i].service))
            continue;
        struct follow *f = &a.f[a.n++];
        f->id = xstrdup(v[i].id);
        f->service = xstrdup(v[i].service);
        const char *nm = v[i].name;
        f->name = xstrdup(!strncmp(nm, p->name, plen) && nm[plen] == '-' ? nm + plen + 1 : nm);
        _cleanup_free_ char *dir = ctr_dir(c, v[i].id);
        _cleanup_free_ char *path = xasprintf("%s/ctr.log", dir);
        cli_log_open(&f->log, path, -1, prefix ? f->name : NULL, (int)(a.n - 1));
        /* docker compose pads the longest name by one space too. */
        if ((int)strlen(f->name) + 1 > a.lo.width)
            a.lo.width = (int)strlen(f->name) + 1;
    }
    compose_ctrs_free(v, n);
    int status = follow_all(c, p, &a, ao);
    for (size_t i = 0; i < a.n; i++) {
        cli_log_close(&a.f[i].log);
        free(a.f[i].id);
        free(a.f[i].name);
        free(a.f[i].service);
    }
    free(a.f);
    return status;
}

/* ---- the commands ---- */

struct up_args {
    struct compose_up_opts o;
    struct attach_opts ao;
    bool detach, no_color, no_prefix, timestamps;
    int wait_timeout;
    char **only, **skip;
};

static int int_opt(const char *cmd, const struct cli_opt *o, void *field, const char *arg)
{
    long long v;
    if (str_parse_ll(arg, &v) < 0 || v > 1000000)
        return cli_usage_error(cmd, "invalid --%s \"%s\": want a number", o->name, arg);
    *(int *)field = (int)v;
    return 0;
}

static int pull_opt(const char *cmd, const struct cli_opt *o, void *field, const char *arg)
{
    (void)o;
    if (strcmp(arg, "always") && strcmp(arg, "missing") && strcmp(arg, "never"))
        return cli_usage_error(cmd, "invalid --pull \"%s\": always, missing or never", arg);
    *(const char **)field = arg;
    return 0;
}

#define U(f) offsetof(struct up_args, f)
#define UO(f) offsetof(struct up_args, o.f)
#define FLAG(name, s, help, off)                                                                   \
    {                                                                                              \
        name, s, NULL, help, CLI_OPT_FLAG, off, NULL, NULL                                         \
    }

static const struct cli_opt up_opts[] = {
    FLAG("detach", 'd', "Detached mode: Run containers in the background", U(detach)),
    FLAG("no-deps", 0, "Don't start linked services", UO(no_deps)),
    FLAG("wait", 0, "Wait for services to be running|healthy. Implies detached mode.", UO(wait)),
    {"wait-timeout", 0, "SECONDS",
     "Maximum duration in seconds to wait for the project to be "
     "running|healthy",
     CLI_OPT_CALL, U(wait_timeout), int_opt, NULL},
    FLAG("no-start", 0, "Don't start the services after creating them", UO(no_start)),
    {"pull", 0, "POLICY", "Pull image before running (\"always\"|\"missing\"|\"never\")",
     CLI_OPT_CALL, UO(pull), pull_opt, "always missing never"},
    {"timeout", 't', "SECONDS",
     "Use this timeout in seconds for container shutdown when attached "
     "or when containers are already running",
     CLI_OPT_CALL, UO(timeout), int_opt, NULL},
    FLAG("abort-on-container-exit", 0, "Stops all containers if any container was stopped",
         U(ao.abort_on_exit)),
    FLAG("abort-on-container-failure", 0,
         "Stops all containers if any container exited with "
         "failure",
         U(ao.abort_on_failure)),
    {"exit-code-from", 0, "SERVICE",
     "Return the exit code of the selected service container. "
     "Implies --abort-on-container-exit",
     CLI_OPT_STRING, U(ao.exit_code_from), NULL, NULL},
    {"attach", 0, "SERVICE", "Restrict attaching to the specified services", CLI_OPT_LIST, U(only),
     NULL, NULL},
    {"no-attach", 0, "SERVICE", "Do not attach (stream logs) to the specified services",
     CLI_OPT_LIST, U(skip), NULL, NULL},
    FLAG("timestamps", 0, "Show timestamps", U(timestamps)),
    FLAG("no-color", 0, "Produce monochrome output", U(no_color)),
    FLAG("no-log-prefix", 0, "Don't print prefix in logs", U(no_prefix)),
    FLAG("force-recreate", 0,
         "Recreate containers even if their configuration and image haven't "
         "changed",
         UO(force_recreate)),
    FLAG("no-recreate", 0, "If containers already exist, don't recreate them", UO(no_recreate)),
    FLAG("always-recreate-deps", 0, "Recreate dependent containers", UO(always_recreate_deps)),
    FLAG("remove-orphans", 0, "Remove containers for services not defined in the Compose file",
         UO(remove_orphans)),
    {"scale", 0, "SERVICE=NUM", "Scale SERVICE to NUM instances", CLI_OPT_LIST, UO(scale), NULL,
     NULL},
    {"renew-anon-volumes", 'V', NULL,
     "Recreate anonymous volumes instead of retrieving data from "
     "the previous containers",
     CLI_OPT_IGNORE, 0, NULL, NULL},
    CLI_OPT_END,
};

static const struct cli_conflict up_conflicts[] = {
    {"force-recreate", "no-recreate", "--force-recreate and --no-recreate are incompatible"},
    {"wait", "abort-on-container-exit abort-on-container-failure exit-code-from",
     "--wait cannot be combined with --abort-on-container-exit, --abort-on-container-failure "
     "or --exit-code-from"},
    {"detach", "abort-on-container-exit abort-on-container-failure exit-code-from",
     "--detach cannot be combined with --abort-on-container-exit, --abort-on-container-failure "
     "or --exit-code-from"},
    {0},
};

#define UP_SPEC(name, text)                                                                        \
    {                                                                                              \
        .cmd = name, .usage = "[OPTIONS] [SERVICE...]", .what = text, .opts = up_opts,             \
        .more = cli_compose_opts, .conflicts = up_conflicts, .style = CLI_STYLE_COMPOSE,           \
        .interspersed = true                                                                       \
    }

static const struct cli_spec up_spec = UP_SPEC("up", "Create and start containers");
static const struct cli_spec create_spec = UP_SPEC("create", "Creates containers for a service");

const struct cli_spec *const cli_up_specs[] = {&up_spec, NULL};
const struct cli_spec *const cli_create_specs[] = {&create_spec, NULL};

/* What the options imply for each other, once all are seen. */
static void up_settle(struct up_args *u, const struct cli_compose *cc, bool create)
{
    u->o.parallel = cc->parallel;
    u->ao.timeout = u->o.timeout;
    u->o.wait_timeout_ns = u->wait_timeout * 1000000000LL;
    u->detach |= u->o.wait || create;
    u->o.no_start |= create;
    u->ao.abort_on_exit |= u->ao.exit_code_from != NULL;
    u->o.services = cc->o.services;
}

/* Converge, then follow the output unless detached. */
static int up_run(const struct cli_globals *g, struct up_args *u, struct cli_compose *cc,
                  const struct compose_project *p, bool create)
{
    struct ctr_ctx ctx = {g->root, g->runroot, g->cgroup_parent, g->self};
    struct cli_progress *prog =
        cli_progress_new(cli_compose_progress(cc), create ? "Creating" : "Running");
    if (cc->dry_run) {
        _cleanup_strv_ char **all = NULL;
        if (u->o.services) {
            all = u->o.no_deps ? xcalloc(1, sizeof(char *)) : compose_deps_of(p, u->o.services);
            for (char **s = u->o.services; *s; s++)
                strv_push(&all, xstrdup(*s));
        }
        cli_compose_dry_up(&ctx, p, all, !u->o.no_start, prog);
        cli_progress_end(prog);
        if (!u->detach)
            printf("end of 'compose up' output, interactive run is not supported in dry-run "
                   "mode\n");
        return 0;
    }
    cli_up_signals();
    u->o.event = cli_up_event;
    u->o.arg = prog;
    u->o.cancel = &interrupted;
    struct herr e = {0};
    int r = compose_up(&ctx, p, &u->o, &e);
    cli_progress_end(prog);
    if (r < 0)
        return interrupted ? 130 : cli_report(&e, 1);
    if (u->detach || u->o.no_start)
        return 0;
    bool color = isatty(STDOUT_FILENO) && !u->no_color;
    return attach(&ctx, p, u->o.services, u->only, u->skip, color, !u->no_prefix, u->timestamps,
                  &u->ao);
}

static int up_main(const struct cli_globals *g, int argc, char **argv, bool create)
{
    const struct cli_spec *spec = create ? &create_spec : &up_spec;
    struct cli_compose cc;
    struct up_args u = {.o = {.timeout = -1}};
    cli_compose_init(&cc, g);
    int status = cli_opt_parse(spec, &u, &cc, argc, argv);
    if (status < 0) {
        status = 0;
        for (int i = optind; i < argc; i++)
            strv_push(&cc.o.services, xstrdup(argv[i]));
        up_settle(&u, &cc, create);
        struct compose_project *p = cli_compose_load(&cc, &status);
        if (p && u.ao.exit_code_from && !compose_service_get(p, u.ao.exit_code_from))
            status = cli_usage_error(spec->cmd, "--exit-code-from: no such service: %s",
                                     u.ao.exit_code_from);
        else if (p)
            status = up_run(g, &u, &cc, p, create);
        compose_project_free(p);
    }
    cli_opt_free(spec, &u, &cc);
    cli_compose_free(&cc);
    return status;
}

int cli_up_main(const struct cli_globals *g, int argc, char **argv)
{
    return up_main(g, argc, argv, false);
}

int cli_create_main(const struct cli_globals *g, int argc, char **argv)
{
    return up_main(g, argc, argv, true);
}
