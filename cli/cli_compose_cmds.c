/* Compose verbs acting on existing containers: start, stop, restart, kill, rm, pause,
 * unpause, wait and version; and the project lookup the other cli_compose_*.c share. */
#include <getopt.h>
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

static struct cli_progress *progress(const char *title)
{
    enum cli_progress_mode m = CLI_PROGRESS_AUTO;
    const char *env = getenv("COMPOSE_PROGRESS");
    if (env && *env && !cli_progress_parse(env, &m))
        m = CLI_PROGRESS_AUTO;
    return cli_progress_new(m, title);
}

static void ev(struct cli_progress *p, const char *name, enum cli_progress_state st,
               const char *status, const char *detail)
{
    cli_progress_event(p, "Container", name, st, status, detail);
}

int cmds_parse(const struct cmds_verb *vb, struct cmds *x, int argc, char **argv)
{
    enum { LONG_FILE = 0x1ff0, LONG_PROJECT };
    struct option opts[32] = {CLI_COMPOSE_LONGOPTS, {"help", no_argument, NULL, 'h'}};
    size_t n = 6;
    /* --file and --project-name keep working when the verb takes -f or -p for itself. */
    for (size_t i = 0; i < n; i++) {
        if (opts[i].val == 'f')
            opts[i].val = LONG_FILE;
        else if (opts[i].val == 'p')
            opts[i].val = LONG_PROJECT;
    }
    for (const struct option *o = vb->own; o && o->name && n < 31; o++)
        opts[n++] = *o;
    /* A verb's own letter wins over the compose one (rm -f is --force, -f FILE then
     * needs --file), as docker compose's -f only comes before the verb. */
    const char *own = vb->shortopts ? vb->shortopts : "";
    _cleanup_free_ char *shortopts =
        xasprintf("%s%s%sh%s", vb->cmd[0] == 'e' ? "+" : "",
                  strchr(own, 'f') ? "" : "f:", strchr(own, 'p') ? "" : "p:", own);
    x->cmd = vb->cmd;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
        bool mine = c < 256 && strchr(own, c);
        if (c == LONG_FILE || c == LONG_PROJECT)
            c = c == LONG_FILE ? 'f' : 'p';
        else if (mine)
            goto verb;
        if (cli_compose_opt(&x->cc, c, optarg))
            continue;
    verb:
        if (c == 'h') {
            fputs(vb->help, stdout);
            return 0;
        }
        if (c == '?' || c == ':' || !vb->fn)
            return cli_usage_error(vb->cmd, "unknown flag or missing value \"%s\"",
                                   argv[optind - 1]);
        int r = vb->fn(vb->arg, c, optarg);
        if (r >= 0)
            return r;
    }
    return -1;
}

static int timeout_opt(void *arg, int c, const char *optarg)
{
    (void)c;
    long long v;
    if (str_parse_ll(optarg, &v) < 0 || v > 1000000) {
        fprintf(stderr, "hoist: invalid timeout \"%s\": want seconds\n", optarg);
        return 1;
    }
    *(int *)arg = (int)v;
    return -1;
}

static const struct option timeout_opts[] = {
    {"timeout", required_argument, NULL, 't'}, {"time", required_argument, NULL, 't'}, {0}};

#define COMPOSE_OPTS_HELP                                                                          \
    "  -f, --file FILE, -p, --project-name NAME, --profile, --env-file, --project-directory\n"

/* Parse, then open the project; -1 when the verb is to run, else the exit status. */
static int begin(const struct cli_globals *g, const struct cmds_verb *vb, struct cmds *x, int argc,
                 char **argv, bool oneoff)
{
    int status = cmds_parse(vb, x, argc, argv);
    if (status >= 0)
        return status;
    status = cmds_open(g, x, argv + optind, false, oneoff);
    return status ? status : -1;
}

int cli_compose_stop(const struct cli_globals *g, int argc, char **argv)
{
    static const char help[] = "Usage: hoist stop [OPTIONS] [SERVICE...]\n\n"
                               "Stop services.\n\nOptions:\n"
                               "  -t, --timeout SECONDS    shutdown timeout\n" COMPOSE_OPTS_HELP;
    struct cmds x = {0};
    int timeout = -1;
    struct cmds_verb vb = {"stop", help, "t:", timeout_opts, timeout_opt, &timeout};
    int status = begin(g, &vb, &x, argc, argv, false);
    if (status < 0) {
        struct cli_progress *p = progress("Stopping");
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

int cli_compose_start(const struct cli_globals *g, int argc, char **argv)
{
    static const char help[] = "Usage: hoist start [SERVICE...]\n\n"
                               "Start services.\n\nOptions:\n" COMPOSE_OPTS_HELP;
    struct cmds x = {0};
    struct cmds_verb vb = {"start", help, NULL, NULL, NULL, NULL};
    int status = begin(g, &vb, &x, argc, argv, false);
    if (status < 0 && x.n == 0) {
        fprintf(stderr, "hoist start: project %s has no containers to start\n", x.p->name);
        status = 1;
    } else if (status < 0) {
        struct cli_progress *p = progress("Running");
        status = start_all(&x, false, "Starting", "Started", p);
        cli_progress_end(p);
    }
    cmds_close(&x);
    return status;
}

int cli_compose_restart(const struct cli_globals *g, int argc, char **argv)
{
    static const char help[] = "Usage: hoist restart [OPTIONS] [SERVICE...]\n\n"
                               "Restart service containers.\n\nOptions:\n"
                               "  -t, --timeout SECONDS    shutdown timeout\n" COMPOSE_OPTS_HELP;
    struct cmds x = {0};
    int timeout = -1;
    struct cmds_verb vb = {"restart", help, "t:", timeout_opts, timeout_opt, &timeout};
    int status = begin(g, &vb, &x, argc, argv, false);
    if (status < 0) {
        struct cli_progress *p = progress("Restarting");
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

static int signal_opt(void *arg, int c, const char *optarg)
{
    if (c == 'O')
        return -1;
    int sig = ctr_parse_signal(optarg);
    if (sig < 0)
        return cli_usage_error("kill", "invalid signal \"%s\"", optarg);
    *(int *)arg = sig;
    return -1;
}

int cli_compose_kill(const struct cli_globals *g, int argc, char **argv)
{
    static const char help[] =
        "Usage: hoist kill [OPTIONS] [SERVICE...]\n\n"
        "Force stop service containers.\n\nOptions:\n"
        "  -s, --signal SIGNAL      signal to send (default SIGKILL)\n"
        "      --remove-orphans     also kill orphan containers\n" COMPOSE_OPTS_HELP;
    static const struct option own[] = {
        {"signal", required_argument, NULL, 's'}, {"remove-orphans", no_argument, NULL, 'O'}, {0}};
    struct cmds x = {0};
    int sig = SIGKILL;
    struct cmds_verb vb = {"kill", help, "s:", own, signal_opt, &sig};
    int status = cmds_parse(&vb, &x, argc, argv);
    if (status >= 0)
        goto out;
    /* -O is --remove-orphans: orphans are killed with the rest, as they are listed. */
    status = cmds_open(g, &x, argv + optind, false, false);
    if (status)
        goto out;
    struct cli_progress *p = progress("Killing");
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

static int rm_opt(void *arg, int c, const char *optarg)
{
    (void)optarg;
    struct rm_flags *f = arg;
    if (c == 'f')
        f->force = true;
    else if (c == 's')
        f->stop = true;
    else
        f->volumes = true;
    return -1;
}

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
    static const char help[] =
        "Usage: hoist rm [OPTIONS] [SERVICE...]\n\n"
        "Removes stopped service containers.\n\nOptions:\n"
        "  -f, --force              don't ask to confirm removal\n"
        "  -s, --stop               stop the containers, if required, before removing\n"
        "  -v, --volumes            remove any anonymous volumes attached to "
        "containers\n" COMPOSE_OPTS_HELP;
    static const struct option own[] = {{"force", no_argument, NULL, 'f'},
                                        {"stop", no_argument, NULL, 's'},
                                        {"volumes", no_argument, NULL, 'v'},
                                        {0}};
    struct cmds x = {0};
    _cleanup_free_ bool *pick = NULL;
    _cleanup_free_ char *names = NULL;
    struct rm_flags fl = {0};
    struct cmds_verb vb = {"rm", help, "fsv", own, rm_opt, &fl};
    int status = begin(g, &vb, &x, argc, argv, true);
    if (status >= 0)
        goto out;
    status = 0;
    struct herr e = {0};
    if (fl.stop) {
        struct cli_progress *p = progress("Stopping");
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
    struct cli_progress *p = progress("Removing");
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

int cli_compose_pause(const struct cli_globals *g, int argc, char **argv)
{
    bool pause = !strcmp(argv[0], "pause");
    static const char help_pause[] = "Usage: hoist pause [SERVICE...]\n\n"
                                     "Pause services.\n\nOptions:\n" COMPOSE_OPTS_HELP;
    static const char help_unpause[] = "Usage: hoist unpause [SERVICE...]\n\n"
                                       "Unpause services.\n\nOptions:\n" COMPOSE_OPTS_HELP;
    struct cmds x = {0};
    struct cmds_verb vb = {
        pause ? "pause" : "unpause", pause ? help_pause : help_unpause, NULL, NULL, NULL, NULL};
    int status = begin(g, &vb, &x, argc, argv, false);
    if (status >= 0)
        goto out;
    status = 0;
    struct cli_progress *p = progress(pause ? "Pausing" : "Unpausing");
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

static int wait_opt(void *arg, int c, const char *optarg)
{
    (void)c, (void)optarg;
    *(bool *)arg = true;
    return -1;
}

int cli_compose_wait(const struct cli_globals *g, int argc, char **argv)
{
    static const char help[] =
        "Usage: hoist wait SERVICE [SERVICE...] [OPTIONS]\n\n"
        "Block until containers of all (or specified) services stop; the exit status is the\n"
        "first container's to stop.\n\nOptions:\n"
        "      --down-project       drops project when the first container "
        "stops\n" COMPOSE_OPTS_HELP;
    static const struct option own[] = {{"down-project", no_argument, NULL, 'D'}, {0}};
    struct cmds x = {0};
    _cleanup_free_ bool *done = NULL;
    bool down = false;
    struct cmds_verb vb = {"wait", help, NULL, own, wait_opt, &down};
    int status = cmds_parse(&vb, &x, argc, argv);
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
        struct cli_progress *p = progress("Running");
        o.event = cli_up_event;
        o.arg = p;
        int r = compose_down(&x.ctx, x.p, &o, &e);
        cli_progress_end(p);
        if (r < 0)
            status = cli_report(&e, 1);
    }
out:
    cmds_close(&x);
    return status;
}

int cli_compose_version(const struct cli_globals *g, int argc, char **argv)
{
    (void)g;
    static const char help[] = "Usage: hoist version [OPTIONS]\n\n"
                               "Show the hoist compose version information.\n\nOptions:\n"
                               "  -f, --format pretty|json   output format\n"
                               "      --short                only the version number\n";
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                         {"short", no_argument, NULL, 's'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    bool json = false, shrt = false;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(help, stdout);
            return 0;
        } else if (c == 's') {
            shrt = true;
        } else if (c == 'f' && (!strcmp(optarg, "json") || !strcmp(optarg, "pretty"))) {
            json = !strcmp(optarg, "json");
        } else if (c == 'f') {
            return cli_usage_error("version", "invalid --format \"%s\": pretty or json", optarg);
        } else {
            return cli_usage_error("version", "unknown flag \"%s\"", argv[optind - 1]);
        }
    }
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
