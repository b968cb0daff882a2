/* hoist up / create: converge the project, then (attached) follow every container's
 * output with docker compose's "web-1  | " prefixes until they exit or Ctrl-C. */
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_compose.h"
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

static const char up_help[] =
    "Usage: hoist up [OPTIONS] [SERVICE...]\n\n"
    "Create and start containers.\n\n"
    "Options:\n"
    "  -d, --detach                   run containers in the background\n"
    "      --no-deps                  do not start linked services\n"
    "      --wait                     wait for services to be running|healthy (implies -d)\n"
    "      --wait-timeout SECONDS     maximum time to wait\n"
    "      --no-start                 do not start the services after creating them\n"
    "      --pull always|missing|never  pull images before running\n"
    "  -t, --timeout SECONDS          shutdown timeout\n"
    "      --abort-on-container-exit  stop all containers if any container stops\n"
    "      --abort-on-container-failure  stop all containers if any container fails\n"
    "      --exit-code-from SERVICE   return the exit code of the selected service\n"
    "      --attach SERVICE           only attach to these services\n"
    "      --no-attach SERVICE        do not attach to these services\n"
    "      --timestamps               show timestamps\n"
    "      --no-color                 monochrome output\n"
    "      --no-log-prefix            do not print prefixes in logs\n"
    "      --force-recreate           recreate containers even if unchanged\n"
    "      --no-recreate              do not recreate existing containers\n"
    "      --always-recreate-deps     recreate dependent containers\n"
    "      --remove-orphans           remove containers of services not in the file\n"
    "      --scale SERVICE=NUM        scale a service (repeatable)\n"
    "  -V, --renew-anon-volumes       recreate anonymous volumes\n"
    "      --parallel N               services converging at once\n"
    "      --progress MODE            auto, tty, plain, quiet or json\n"
    "  -f, -p, --profile, --env-file, --project-directory   compose options\n";

enum {
    O_NO_DEPS = 0x2000,
    O_WAIT,
    O_WAIT_TIMEOUT,
    O_NO_START,
    O_PULL,
    O_ABORT_EXIT,
    O_ABORT_FAIL,
    O_EXIT_FROM,
    O_ATTACH,
    O_NO_ATTACH,
    O_TIMESTAMPS,
    O_NO_COLOR,
    O_NO_PREFIX,
    O_FORCE,
    O_NO_RECREATE,
    O_ALWAYS_DEPS,
    O_ORPHANS,
    O_SCALE,
    O_PARALLEL,
    O_PROGRESS,
};

static int parse_int(const char *cmd, const char *opt, const char *s, int *out)
{
    long long v;
    if (str_parse_ll(s, &v) < 0 || v > 1000000)
        return cli_usage_error(cmd, "invalid %s \"%s\": want a number", opt, s);
    *out = (int)v;
    return 0;
}

static int up_main(const struct cli_globals *g, int argc, char **argv, bool create)
{
    const char *cmd = create ? "create" : "up";
    static const struct option opts[] = {
        CLI_COMPOSE_LONGOPTS,
        {"detach", no_argument, NULL, 'd'},
        {"no-deps", no_argument, NULL, O_NO_DEPS},
        {"wait", no_argument, NULL, O_WAIT},
        {"wait-timeout", required_argument, NULL, O_WAIT_TIMEOUT},
        {"no-start", no_argument, NULL, O_NO_START},
        {"pull", required_argument, NULL, O_PULL},
        {"timeout", required_argument, NULL, 't'},
        {"abort-on-container-exit", no_argument, NULL, O_ABORT_EXIT},
        {"abort-on-container-failure", no_argument, NULL, O_ABORT_FAIL},
        {"exit-code-from", required_argument, NULL, O_EXIT_FROM},
        {"attach", required_argument, NULL, O_ATTACH},
        {"no-attach", required_argument, NULL, O_NO_ATTACH},
        {"timestamps", no_argument, NULL, O_TIMESTAMPS},
        {"no-color", no_argument, NULL, O_NO_COLOR},
        {"no-log-prefix", no_argument, NULL, O_NO_PREFIX},
        {"force-recreate", no_argument, NULL, O_FORCE},
        {"no-recreate", no_argument, NULL, O_NO_RECREATE},
        {"always-recreate-deps", no_argument, NULL, O_ALWAYS_DEPS},
        {"remove-orphans", no_argument, NULL, O_ORPHANS},
        {"scale", required_argument, NULL, O_SCALE},
        {"renew-anon-volumes", no_argument, NULL, 'V'},
        {"parallel", required_argument, NULL, O_PARALLEL},
        {"progress", required_argument, NULL, O_PROGRESS},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    struct cli_compose cc = {0};
    struct compose_up_opts o = {.timeout = -1};
    struct attach_opts ao = {.timeout = -1};
    enum cli_progress_mode pm = CLI_PROGRESS_AUTO;
    _cleanup_strv_ char **scale = NULL, **only = NULL, **skip = NULL;
    bool detach = false, color = isatty(STDOUT_FILENO), prefix = true, ts = false;
    int c, wait_timeout = 0, status = 0;
    const char *env = getenv("COMPOSE_PARALLEL_LIMIT");
    if (env && parse_int(cmd, "COMPOSE_PARALLEL_LIMIT", env, &o.parallel) != 0)
        return 125;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+" CLI_COMPOSE_SHORTOPTS "dt:Vh", opts, NULL)) != -1) {
        if (cli_compose_opt(&cc, c, optarg))
            continue;
        switch (c) {
        case 'd':
            detach = true;
            break;
        case O_NO_DEPS:
            o.no_deps = true;
            break;
        case O_WAIT:
            o.wait = detach = true;
            break;
        case O_WAIT_TIMEOUT:
            if (parse_int(cmd, "--wait-timeout", optarg, &wait_timeout))
                goto usage;
            o.wait_timeout_ns = wait_timeout * 1000000000LL;
            break;
        case O_NO_START:
            o.no_start = true;
            break;
        case O_PULL:
            if (strcmp(optarg, "always") && strcmp(optarg, "missing") && strcmp(optarg, "never")) {
                status =
                    cli_usage_error(cmd, "invalid --pull \"%s\": always, missing or never", optarg);
                goto out;
            }
            o.pull = optarg;
            break;
        case 't':
            if (parse_int(cmd, "--timeout", optarg, &o.timeout))
                goto usage;
            ao.timeout = o.timeout;
            break;
        case O_ABORT_EXIT:
            ao.abort_on_exit = true;
            break;
        case O_ABORT_FAIL:
            ao.abort_on_failure = true;
            break;
        case O_EXIT_FROM:
            ao.exit_code_from = optarg;
            ao.abort_on_exit = true;
            break;
        case O_ATTACH:
            strv_push(&only, xstrdup(optarg));
            break;
        case O_NO_ATTACH:
            strv_push(&skip, xstrdup(optarg));
            break;
        case O_TIMESTAMPS:
            ts = true;
            break;
        case O_NO_COLOR:
            color = false;
            break;
        case O_NO_PREFIX:
            prefix = false;
            break;
        case O_FORCE:
            o.force_recreate = true;
            break;
        case O_NO_RECREATE:
            o.no_recreate = true;
            break;
        case O_ALWAYS_DEPS:
            o.always_recreate_deps = true;
            break;
        case O_ORPHANS:
            o.remove_orphans = true;
            break;
        case O_SCALE:
            strv_push(&scale, xstrdup(optarg));
            break;
        case 'V':
            break;
        case O_PARALLEL:
            if (parse_int(cmd, "--parallel", optarg, &o.parallel))
                goto usage;
            break;
        case O_PROGRESS:
            if (!cli_progress_parse(optarg, &pm)) {
                status = cli_usage_error(cmd,
                                         "invalid --progress \"%s\": auto, tty, plain, "
                                         "quiet or json",
                                         optarg);
                goto out;
            }
            break;
        case 'h':
            fputs(up_help, stdout);
            goto out;
        default:
            status = cli_usage_error(cmd, "unknown option \"%s\"", argv[optind - 1]);
            goto out;
        }
    }
    if (o.force_recreate && o.no_recreate) {
        status = cli_usage_error(cmd, "--force-recreate and --no-recreate are incompatible");
        goto out;
    }
    if (detach && (ao.abort_on_exit || ao.abort_on_failure)) {
        status = cli_usage_error(cmd, "--abort-on-container-exit, --abort-on-container-failure "
                                      "and --exit-code-from cannot be combined with -d or --wait");
        goto out;
    }
    if (create) {
        o.no_start = true;
        detach = true;
    }
    for (int i = optind; i < argc; i++)
        strv_push(&cc.o.services, xstrdup(argv[i]));
    o.services = cc.o.services;
    o.scale = scale;
    struct compose_project *p = cli_compose_load(&cc, &status);
    if (!p)
        goto out;
    if (ao.exit_code_from && !compose_service_get(p, ao.exit_code_from)) {
        status = cli_usage_error(cmd, "--exit-code-from: no such service: %s", ao.exit_code_from);
        compose_project_free(p);
        goto out;
    }
    struct ctr_ctx ctx = {g->root, g->runroot, g->cgroup_parent, g->self};
    cli_up_signals();
    struct cli_progress *prog = cli_progress_new(pm, create ? "Creating" : "Running");
    o.event = cli_up_event;
    o.arg = prog;
    o.cancel = &interrupted;
    struct herr e = {0};
    int r = compose_up(&ctx, p, &o, &e);
    cli_progress_end(prog);
    if (r < 0) {
        status = interrupted ? 130 : cli_report(&e, 1);
    } else if (!detach && !o.no_start) {
        status = attach(&ctx, p, o.services, only, skip, color, prefix, ts, &ao);
    }
    compose_project_free(p);
out:
    cli_compose_free(&cc);
    return status;
usage:
    status = 125;
    goto out;
}

int cli_up_main(const struct cli_globals *g, int argc, char **argv)
{
    return up_main(g, argc, argv, false);
}

int cli_create_main(const struct cli_globals *g, int argc, char **argv)
{
    return up_main(g, argc, argv, true);
}
