/* Compose verbs acting on existing containers: start, stop, restart, kill, rm, pause,
 * unpause, wait and version; and the project lookup the other cli_compose_*.c share. */
#include <getopt.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_compose_cmds.h"
#include "cli/cli_container_int.h"
#include "cli/cli_progress.h"
#include "cli/cli_up.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"
#include "compose/scheduler/scheduler.h"

bool cmds_active(const char *st)
{
    return !strcmp(st, "running") || !strcmp(st, "restarting") || !strcmp(st, "paused");
}

const struct compose_ctr *cmds_by_index(const struct cmds *x, long long index)
{
    for (size_t i = 0; i < x->n; i++) {
        if (x->v[i].number == index)
            return &x->v[i];
    }
    return NULL;
}

int cmds_name_width(const struct cmds *x)
{
    size_t w = 0;
    for (size_t i = 0; i < x->n; i++)
        w = strlen(x->v[i].name) > w ? strlen(x->v[i].name) : w;
    return (int)w;
}

/* A project whose files are gone: its services and their dependencies as the containers'
 * labels recorded them ("db:service_healthy:false,cache:..."), enough to order a stop. */
static struct compose_project *from_labels(const struct ctr_ctx *c, const char *name,
                                           struct herr *e)
{
    struct compose_ctr *v = NULL;
    size_t n = 0;
    if (compose_containers(c, name, false, &v, &n, e) < 0)
        return NULL;
    struct compose_project *p = xcalloc(1, sizeof(*p));
    p->name = xstrdup(name);
    p->model = json_pack("{s:s,s:{}}", "name", name, "services");
    json_t *svcs = json_object_get(p->model, "services");
    for (size_t i = 0; i < n; i++) {
        if (json_object_get(svcs, v[i].service))
            continue;
        json_t *deps = json_object();
        const char *label = hj_str(hj_path(v[i].inspect, "Config.Labels"), COMPOSE_LABEL_DEPENDS);
        _cleanup_free_ char *copy = xstrdup(label ? label : "");
        char *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            t[strcspn(t, ":")] = '\0';
            if (*t)
                json_object_set_new(deps, t, json_pack("{s:s}", "condition", "service_started"));
        }
        json_object_set_new(svcs, v[i].service, json_pack("{s:o}", "depends_on", deps));
    }
    compose_ctrs_free(v, n);
    p->services = xcalloc(json_object_size(svcs) + 1, sizeof(*p->services));
    const char *key;
    json_t *svc;
    json_object_foreach(svcs, key, svc)
    {
        struct compose_service *s = &p->services[p->nservices++];
        s->name = key;
        s->cfg = svc;
        const char *d;
        json_t *dv;
        s->depends_on = xcalloc(1, sizeof(char *));
        json_object_foreach(json_object_get(svc, "depends_on"), d, dv)
            strv_push(&s->depends_on, xstrdup(d));
    }
    return p;
}

static void drop(struct compose_ctr *h)
{
    free(h->id);
    free(h->name);
    free(h->service);
    json_decref(h->inspect);
}

static bool listed(char **v, const char *s)
{
    for (; v && *v; v++) {
        if (!strcmp(*v, s))
            return true;
    }
    return false;
}

int cmds_open(const struct cli_globals *g, struct cmds *x, char **args, bool need_file, bool oneoff)
{
    cli_ctr_ctx(g, &x->ctx);
    for (char **a = args; a && *a; a++)
        strv_push(&x->services, xstrdup(*a));
    for (char **a = x->services; a && *a; a++)
        strv_push(&x->cc.o.services, xstrdup(*a));
    struct herr e = {0};
    const char *name = x->cc.o.project_name ? x->cc.o.project_name : getenv("COMPOSE_PROJECT_NAME");
    if (compose_load(&x->cc.o, &x->p, &e) < 0) {
        x->p = NULL;
        /* Like docker compose, a project is found by its name alone once its files are
         * gone; only a missing file (not a broken one) falls back to that. */
        if (need_file || e.errnum != ENOENT || x->cc.o.files || !name || !*name)
            return cli_report(&e, 1);
        _cleanup_free_ char *norm = compose_normalize_name(name);
        x->p = from_labels(&x->ctx, norm, &e);
        if (!x->p)
            return cli_report(&e, 1);
    } else {
        for (char **w = x->p->warnings; w && *w; w++)
            fprintf(stderr, "hoist: warning: %s\n", *w);
    }
    for (char **s = x->services; s && *s; s++) {
        if (!json_object_get(json_object_get(x->p->model, "services"), *s)) {
            fprintf(stderr, "hoist %s: no such service: %s\n", x->cmd, *s);
            return 1;
        }
    }
    struct compose_ctr *all = NULL;
    size_t n = 0;
    if (compose_containers(&x->ctx, x->p->name, oneoff, &all, &n, &e) < 0)
        return cli_report(&e, 1);
    x->v = xcalloc(n + 1, sizeof(*x->v));
    for (size_t i = 0; i < n; i++) {
        if (!x->services || listed(x->services, all[i].service))
            x->v[x->n++] = all[i];
        else
            drop(&all[i]);
    }
    free(all);
    return 0;
}

void cmds_close(struct cmds *x)
{
    compose_ctrs_free(x->v, x->n);
    compose_project_free(x->p);
    strv_free(x->services);
    cli_compose_free(&x->cc);
    memset(x, 0, sizeof(*x));
}

/* ---- the verbs ---- */

/* --progress, else COMPOSE_PROGRESS (cli_progress_new), else auto */
static struct cli_progress *progress(const struct cmds *x, const char *title)
{
    return cli_progress_new(cli_compose_progress(&x->cc), title);
}

static void ev(struct cli_progress *p, const char *name, enum cli_progress_state st,
               const char *status, const char *detail)
{
    cli_progress_event(p, "Container", name, st, status, detail);
}

int cmds_parse(const struct cli_globals *g, const struct cli_spec *spec, void *base, struct cmds *x,
               int argc, char **argv)
{
    x->cmd = spec->cmd;
    cli_compose_init(&x->cc, g);
    return cli_opt_parse(spec, base, &x->cc, argc, argv);
}

static int timeout_opt(const char *cmd, const struct cli_opt *o, void *field, const char *arg)
{
    (void)cmd, (void)o;
    long long v;
    if (str_parse_ll(arg, &v) < 0 || v > 1000000) {
        fprintf(stderr, "hoist: invalid timeout \"%s\": want seconds\n", arg);
        return 1;
    }
    *(int *)field = (int)v;
    return 0;
}

#define TIMEOUT_OPTS                                                                               \
    {"timeout",    't', "SECONDS",   "Specify a shutdown timeout in seconds",                      \
     CLI_OPT_CALL, 0,   timeout_opt, NULL},                                                        \
    {                                                                                              \
        "time", 0, "SECONDS", NULL, CLI_OPT_CALL, 0, timeout_opt, NULL                             \
    }

int cmds_index_opt(const char *cmd, const struct cli_opt *o, void *field, const char *arg)
{
    (void)o;
    if (str_parse_ll(arg, (long long *)field) < 0 || *(long long *)field < 1)
        return cli_usage_error(cmd, "invalid --index \"%s\": want a number from 1", arg);
    return 0;
}

static const struct cli_opt timeout_table[] = {TIMEOUT_OPTS, CLI_OPT_END};

/* Parse, then open the project; -1 when the verb is to run, else the exit status. */
static int begin(const struct cli_globals *g, const struct cli_spec *spec, void *base,
                 struct cmds *x, int argc, char **argv, bool oneoff)
{
    int status = cmds_parse(g, spec, base, x, argc, argv);
    if (status >= 0)
        return status;
    status = cmds_open(g, x, argv + optind, false, oneoff);
    return status ? status : -1;
}

/* With --dry-run, the progress lines of what the verb would do to x's containers, and
 * true: the verb then does nothing. */
static bool dry(struct cmds *x, const char *title, const char *working, const char *done)
{
    if (!x->cc.dry_run)
        return false;
    struct cli_progress *p = progress(x, title);
    cli_compose_dry_each(x->v, x->n, working, done, p);
    cli_progress_end(p);
    return true;
}

const struct cli_spec cli_compose_stop_spec =
    CMDS_VERB("stop", "[OPTIONS] [SERVICE...]", "Stop services", timeout_table);

int cli_compose_stop(const struct cli_globals *g, int argc, char **argv)
{
    struct cmds x = {0};
    int timeout = -1;
    int status = begin(g, &cli_compose_stop_spec, &timeout, &x, argc, argv, false);
    if (status < 0 && dry(&x, "Stopping", "Stopping", "Stopped")) {
        status = 0;
    } else if (status < 0) {
        struct cli_progress *p = progress(&x, "Stopping");
        struct herr e = {0};
        int r = compose_stop(&x.ctx, x.p, x.services, timeout, false, cli_up_event, p, &e);
        cli_progress_end(p);
        status = r < 0 ? cli_report(&e, 1) : 0;
    }
    cmds_close(&x);
    return status;
}

/* Start the stopped containers of x in dependency order (all of them with again, as
 * restart does). */
static int start_all(struct cmds *x, bool again, const char *working, const char *done,
                     struct cli_progress *p)
{
    _cleanup_strv_ char **order = NULL;
    struct herr e = {0};
    if (compose_graph_order(x->p, &order, &e) < 0)
        return cli_report(&e, 1);
    /* Services only the containers know (orphans) come last. */
    for (size_t i = 0; i < x->n; i++) {
        if (!listed(order, x->v[i].service))
            strv_push(&order, xstrdup(x->v[i].service));
    }
    int status = 0;
    for (char **s = order; s && *s; s++) {
        for (size_t i = 0; i < x->n; i++) {
            struct compose_ctr *h = &x->v[i];
            if (strcmp(h->service, *s) || h->oneoff)
                continue;
            _cleanup_json_ json_t *rec = ctr_inspect(&x->ctx, h->id, NULL);
            if (!rec || (!again && cmds_active(ctr_status(rec))))
                continue;
            ev(p, h->name, CLI_PROGRESS_WORKING, working, NULL);
            int sock = -1;
            pid_t pid;
            struct herr he = {0};
            if (ctr_start(&x->ctx, h->id, false, &sock, &pid, &he) < 0) {
                ev(p, h->name, CLI_PROGRESS_ERROR, "Error", he.msg);
                if (!status)
                    e = he;
                status = 1;
                continue;
            }
            ev(p, h->name, CLI_PROGRESS_DONE, done, NULL);
        }
    }
    if (status) {
        cli_progress_end(p);
        herr_wrap(&e, "start");
        return cli_report(&e, 1);
    }
    return 0;
}

const struct cli_spec cli_compose_start_spec =
    CMDS_VERB("start", "[SERVICE...]", "Start services", NULL);

int cli_compose_start(const struct cli_globals *g, int argc, char **argv)
{
    struct cmds x = {0};
    int status = begin(g, &cli_compose_start_spec, NULL, &x, argc, argv, false);
    if (status < 0 && x.n == 0) {
        fprintf(stderr, "hoist start: project %s has no containers to start\n", x.p->name);
        status = 1;
    } else if (status < 0 && dry(&x, "Running", "Starting", "Started")) {
        status = 0;
    } else if (status < 0) {
        struct cli_progress *p = progress(&x, "Running");
        status = start_all(&x, false, "Starting", "Started", p);
        cli_progress_end(p);
    }
    cmds_close(&x);
    return status;
}

const struct cli_spec cli_compose_restart_spec =
    CMDS_VERB("restart", "[OPTIONS] [SERVICE...]", "Restart service containers", timeout_table);

int cli_compose_restart(const struct cli_globals *g, int argc, char **argv)
{
    struct cmds x = {0};
    int timeout = -1;
    int status = begin(g, &cli_compose_restart_spec, &timeout, &x, argc, argv, false);
    if (status < 0 && dry(&x, "Restarting", "Restarting", "Started")) {
        status = 0;
    } else if (status < 0) {
        struct cli_progress *p = progress(&x, "Restarting");
        for (size_t i = 0; i < x.n; i++) {
            if (!x.v[i].oneoff)
                ev(p, x.v[i].name, CLI_PROGRESS_WORKING, "Restarting", NULL);
        }
        struct herr e = {0};
        if (compose_stop(&x.ctx, x.p, x.services, timeout, false, NULL, NULL, &e) < 0) {
            cli_progress_end(p);
            status = cli_report(&e, 1);
        } else {
            status = start_all(&x, true, "Restarting", "Started", p);
            cli_progress_end(p);
        }
    }
    cmds_close(&x);
    return status;
}

static int signal_opt(const char *cmd, const struct cli_opt *o, void *field, const char *arg)
{
    (void)o;
    int sig = ctr_parse_signal(arg);
    if (sig < 0)
        return cli_usage_error(cmd, "invalid signal \"%s\"", arg);
    *(int *)field = sig;
    return 0;
}

const struct cli_spec cli_compose_kill_spec =
    CMDS_VERB("kill", "[OPTIONS] [SERVICE...]", "Force stop service containers",
              ((const struct cli_opt[]){
                  {"signal", 's', "SIGNAL", "SIGNAL to send to the container (default SIGKILL)",
                   CLI_OPT_CALL, 0, signal_opt, NULL},
                  {"remove-orphans", 0, NULL,
                   "Remove containers for services not defined in the Compose file", CLI_OPT_IGNORE,
                   0, NULL, NULL},
                  CLI_OPT_END,
              }));

int cli_compose_kill(const struct cli_globals *g, int argc, char **argv)
{
    struct cmds x = {0};
    int sig = SIGKILL;
    int status = cmds_parse(g, &cli_compose_kill_spec, &sig, &x, argc, argv);
    if (status >= 0)
        goto out;
    /* -O is --remove-orphans: orphans are killed with the rest, as they are listed. */
    status = cmds_open(g, &x, argv + optind, false, false);
    if (status || dry(&x, "Killing", "Killing", "Killed"))
        goto out;
    struct cli_progress *p = progress(&x, "Killing");
    size_t killed = 0;
    for (size_t i = 0; i < x.n; i++) {
        struct compose_ctr *h = &x.v[i];
        _cleanup_json_ json_t *rec = ctr_inspect(&x.ctx, h->id, NULL);
        if (!rec || !cmds_active(ctr_status(rec)))
            continue;
        struct herr e = {0};
        ev(p, h->name, CLI_PROGRESS_WORKING, "Killing", NULL);
        if (ctr_kill(&x.ctx, h->id, sig, &e) < 0) {
            ev(p, h->name, CLI_PROGRESS_ERROR, "Error", e.msg);
            status = 1;
            continue;
        }
        killed++;
        ev(p, h->name, CLI_PROGRESS_DONE, "Killed", NULL);
    }
    cli_progress_end(p);
    if (!killed && !status)
        fprintf(stderr, "no container to kill\n");
out:
    cmds_close(&x);
    return status;
}

struct rm_flags {
    bool force, stop, volumes;
};

#define RM(f) offsetof(struct rm_flags, f)

const struct cli_spec cli_compose_rm_spec = CMDS_VERB(
    "rm", "[OPTIONS] [SERVICE...]", "Removes stopped service containers",
    ((const struct cli_opt[]){
        {"force", 'f', NULL, "Don't ask to confirm removal", CLI_OPT_FLAG, RM(force), NULL, NULL},
        {"stop", 's', NULL, "Stop the containers, if required, before removing", CLI_OPT_FLAG,
         RM(stop), NULL, NULL},
        {"volumes", 'v', NULL, "Remove any anonymous volumes attached to containers", CLI_OPT_FLAG,
         RM(volumes), NULL, NULL},
        CLI_OPT_END,
    }));

/* docker compose's y/N question; stdin that is not a terminal may still answer it. */
static bool confirm(void)
{
    fputs("? Are you sure you want to continue? (y/N) ", stdout);
    fflush(stdout);
    char line[64];
    if (!fgets(line, sizeof(line), stdin)) {
        putchar('\n');
        if (!isatty(STDIN_FILENO))
            fprintf(stderr, "hoist rm: no answer on stdin: nothing removed (use -f)\n");
        return false;
    }
    line[strcspn(line, "\r\n")] = '\0';
    return !strcasecmp(line, "y") || !strcasecmp(line, "yes");
}

int cli_compose_rm(const struct cli_globals *g, int argc, char **argv)
{
    struct cmds x = {0};
    _cleanup_free_ bool *pick = NULL;
    _cleanup_free_ char *names = NULL;
    struct rm_flags fl = {0};
    int status = begin(g, &cli_compose_rm_spec, &fl, &x, argc, argv, true);
    if (status >= 0)
        goto out;
    status = 0;
    if (dry(&x, "Removing", "Removing", "Removed"))
        goto out;
    struct herr e = {0};
    if (fl.stop) {
        struct cli_progress *p = progress(&x, "Stopping");
        int r = compose_stop(&x.ctx, x.p, x.services, -1, false, cli_up_event, p, &e);
        cli_progress_end(p);
        if (r < 0) {
            status = cli_report(&e, 1);
            goto out;
        }
    }
    pick = xcalloc(x.n + 1, sizeof(bool));
    names = xstrdup("");
    for (size_t i = 0; i < x.n; i++) {
        _cleanup_json_ json_t *rec = ctr_inspect(&x.ctx, x.v[i].id, NULL);
        if (!rec || cmds_active(ctr_status(rec)))
            continue;
        pick[i] = true;
        char *nn = xasprintf("%s%s%s", names, *names ? ", " : "", x.v[i].name);
        free(names);
        names = nn;
    }
    if (!*names) {
        printf("No stopped containers\n");
        goto out;
    }
    if (!fl.force) {
        printf("Going to remove %s\n", names);
        if (!confirm())
            goto out;
    }
    struct cli_progress *p = progress(&x, "Removing");
    for (size_t i = 0; i < x.n; i++) {
        if (!pick[i])
            continue;
        struct herr he = {0};
        ev(p, x.v[i].name, CLI_PROGRESS_WORKING, "Removing", NULL);
        if (ctr_remove(&x.ctx, x.v[i].id, false, fl.volumes, &he) < 0) {
            ev(p, x.v[i].name, CLI_PROGRESS_ERROR, "Error", he.msg);
            status = 1;
            continue;
        }
        ev(p, x.v[i].name, CLI_PROGRESS_DONE, "Removed", NULL);
    }
    cli_progress_end(p);
out:
    cmds_close(&x);
    return status;
}

const struct cli_spec cli_compose_pause_spec =
    CMDS_VERB("pause", "[SERVICE...]", "Pause services", NULL);
const struct cli_spec cli_compose_unpause_spec =
    CMDS_VERB("unpause", "[SERVICE...]", "Unpause services", NULL);

int cli_compose_pause(const struct cli_globals *g, int argc, char **argv)
{
    bool pause = !strcmp(argv[0], "pause");
    struct cmds x = {0};
    const struct cli_spec *spec = pause ? &cli_compose_pause_spec : &cli_compose_unpause_spec;
    int status = begin(g, spec, NULL, &x, argc, argv, false);
    if (status >= 0)
        goto out;
    status = 0;
    if (dry(&x, pause ? "Pausing" : "Unpausing", pause ? "Pausing" : "Unpausing",
            pause ? "Paused" : "Unpaused"))
        goto out;
    struct cli_progress *p = progress(&x, pause ? "Pausing" : "Unpausing");
    for (size_t i = 0; i < x.n; i++) {
        struct compose_ctr *h = &x.v[i];
        _cleanup_json_ json_t *rec = ctr_inspect(&x.ctx, h->id, NULL);
        if (!rec || strcmp(ctr_status(rec), pause ? "running" : "paused"))
            continue;
        struct herr e = {0};
        ev(p, h->name, CLI_PROGRESS_WORKING, pause ? "Pausing" : "Unpausing", NULL);
        if ((pause ? ctr_pause(&x.ctx, h->id, &e) : ctr_unpause(&x.ctx, h->id, &e)) < 0) {
            ev(p, h->name, CLI_PROGRESS_ERROR, "Error", e.msg);
            status = 1;
            continue;
        }
        ev(p, h->name, CLI_PROGRESS_DONE, pause ? "Paused" : "Unpaused", NULL);
    }
    cli_progress_end(p);
out:
    cmds_close(&x);
    return status;
}

const struct cli_spec cli_compose_wait_spec =
    CMDS_VERB("wait", "SERVICE [SERVICE...] [OPTIONS]",
              "Block until containers of all (or specified) services stop",
              ((const struct cli_opt[]){
                  {"down-project", 0, NULL, "Drops project when the first container stops",
                   CLI_OPT_FLAG, 0, NULL, NULL},
                  CLI_OPT_END,
              }));

int cli_compose_wait(const struct cli_globals *g, int argc, char **argv)
{
    struct cmds x = {0};
    _cleanup_free_ bool *done = NULL;
    bool down = false;
    int status = cmds_parse(g, &cli_compose_wait_spec, &down, &x, argc, argv);
    if (status >= 0)
        goto out;
    if (optind >= argc) {
        status = cli_usage_error("wait", "requires at least 1 SERVICE");
        goto out;
    }
    status = cmds_open(g, &x, argv + optind, false, false);
    if (status)
        goto out;
    done = xcalloc(x.n + 1, sizeof(bool));
    bool first = true;
    for (size_t left = x.n; left;) {
        for (size_t i = 0; i < x.n; i++) {
            if (done[i])
                continue;
            _cleanup_json_ json_t *rec = ctr_inspect(&x.ctx, x.v[i].id, NULL);
            if (rec && cmds_active(ctr_status(rec)))
                continue;
            done[i] = true;
            left--;
            if (first)
                status = rec ? (int)hj_int(json_object_get(rec, "State"), "ExitCode", 0) : 0;
            first = false;
        }
        if (!first && down)
            break;
        if (left)
            usleep(50000);
    }
    if (down) {
        struct compose_down_opts o = {.timeout = -1};
        struct herr e = {0};
        struct cli_progress *p = progress(&x, "Running");
        o.event = cli_up_event;
        o.arg = p;
        if (x.cc.dry_run) {
            int r = cli_compose_dry_down(&x.ctx, x.p, false, p);
            status = r ? r : status;
        } else if (compose_down(&x.ctx, x.p, &o, &e) < 0) {
            status = cli_report(&e, 1);
        }
        cli_progress_end(p);
    }
out:
    cmds_close(&x);
    return status;
}

struct version_args {
    const char *format;
    bool shrt;
};

static int format_opt(const char *cmd, const struct cli_opt *o, void *field, const char *arg)
{
    (void)o;
    if (strcmp(arg, "json") && strcmp(arg, "pretty"))
        return cli_usage_error(cmd, "invalid --format \"%s\": pretty or json", arg);
    *(const char **)field = arg;
    return 0;
}

const struct cli_spec cli_compose_version_spec = {
    .cmd = "version",
    .usage = "[OPTIONS]",
    .what = "Show the hoist compose version information",
    .opts =
        (const struct cli_opt[]){
            {"format", 'f', "FORMAT", "Format the output. Values: [pretty | json]", CLI_OPT_CALL,
             offsetof(struct version_args, format), format_opt, "pretty json"},
            {"short", 0, NULL, "Shows only Compose's version number", CLI_OPT_FLAG,
             offsetof(struct version_args, shrt), NULL, NULL},
            CLI_OPT_END,
        },
    .style = CLI_STYLE_COMPOSE,
    .interspersed = true,
};

int cli_compose_version(const struct cli_globals *g, int argc, char **argv)
{
    (void)g;
    struct version_args va = {0};
    int r = cli_opt_parse(&cli_compose_version_spec, &va, NULL, argc, argv);
    if (r >= 0)
        return r;
    bool json = va.format && !strcmp(va.format, "json"), shrt = va.shrt;
    if (optind < argc)
        return cli_usage_error("version", "accepts no arguments");
    if (shrt)
        printf("%s\n", HOIST_VERSION);
    else if (json)
        printf("{\"version\":\"v%s\"}\n", HOIST_VERSION);
    else
        printf("hoist compose version v%s\n", HOIST_VERSION);
    return 0;
}
