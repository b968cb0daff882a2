/* ps, stop, kill, rm, inspect, wait, top and diff. */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli_container_int.h"
#include "cli/cli_opt.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"

time_t cli_ctr_parse_time(const char *s)
{
    struct tm tm = {0};
    if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%S", &tm))
        return 0;
    return timegm(&tm);
}

/* Docker's (go-units) human durations. */
char *cli_ctr_human(long long s)
{
    if (s < 1)
        return xstrdup("Less than a second");
    if (s == 1)
        return xstrdup("1 second");
    if (s < 60)
        return xasprintf("%lld seconds", s);
    long long m = s / 60, h = m / 60;
    if (m == 1)
        return xstrdup("About a minute");
    if (m < 60)
        return xasprintf("%lld minutes", m);
    if (h == 1)
        return xstrdup("About an hour");
    if (h < 48)
        return xasprintf("%lld hours", h);
    if (h < 24 * 14)
        return xasprintf("%lld days", h / 24);
    if (h < 24 * 60)
        return xasprintf("%lld weeks", h / 24 / 7);
    return xasprintf("%lld months", h / 24 / 30);
}

char *cli_ctr_status_text(const json_t *rec)
{
    const json_t *st = json_object_get(rec, "State");
    const char *s = ctr_status(rec);
    time_t now = time(NULL);
    if (strcmp(s, "paused") == 0) {
        _cleanup_free_ char *h = cli_ctr_human(now - cli_ctr_parse_time(hj_str(st, "StartedAt")));
        return xasprintf("Up %s (Paused)", h);
    }
    if (strcmp(s, "running") == 0) {
        _cleanup_free_ char *h = cli_ctr_human(now - cli_ctr_parse_time(hj_str(st, "StartedAt")));
        const char *health = hj_str(json_object_get(st, "Health"), "Status");
        if (health && strcmp(health, "starting") == 0)
            return xasprintf("Up %s (health: starting)", h);
        if (health)
            return xasprintf("Up %s (%s)", h, health);
        return xasprintf("Up %s", h);
    }
    if (strcmp(s, "exited") == 0 && cli_ctr_parse_time(hj_str(st, "FinishedAt")) <= 0)
        return xasprintf("Exited (%lld)", hj_int(st, "ExitCode", 0));
    if (strcmp(s, "exited") == 0) {
        _cleanup_free_ char *h = cli_ctr_human(now - cli_ctr_parse_time(hj_str(st, "FinishedAt")));
        return xasprintf("Exited (%lld) %s ago", hj_int(st, "ExitCode", 0), h);
    }
    if (strcmp(s, "restarting") == 0) {
        _cleanup_free_ char *h = cli_ctr_human(now - cli_ctr_parse_time(hj_str(st, "FinishedAt")));
        return xasprintf("Restarting (%lld) %s ago", hj_int(st, "ExitCode", 0), h);
    }
    return xstrdup("Created");
}

char *cli_ctr_command_text(const json_t *rec, bool trunc)
{
    _cleanup_free_ char *s = xstrdup(hj_str(rec, "Path") ? hj_str(rec, "Path") : "");
    const json_t *a;
    size_t i;
    json_array_foreach(json_object_get(rec, "Args"), i, a)
    {
        char *n = xasprintf("%s %s", s, json_string_value(a));
        free(s);
        s = n;
    }
    if (trunc && strlen(s) > 20)
        return xasprintf("\"%.19s…\"", s);
    return xasprintf("\"%s\"", s);
}

/* Display width: UTF-8 continuation bytes take no column. */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xc0) != 0x80;
    return w;
}

/* Columns padded to their widest cell plus three spaces, as docker's tabwriter. */
void cli_print_table(char **cells, size_t cols)
{
    size_t w[16] = {0}, n = strv_len(cells);
    for (size_t i = 0; i < n; i++)
        w[i % cols] = width(cells[i]) > w[i % cols] ? width(cells[i]) : w[i % cols];
    for (size_t i = 0; i < n; i++) {
        bool last = i % cols == cols - 1;
        printf("%s%*s", cells[i], last ? 0 : (int)(w[i % cols] - width(cells[i]) + 3), "");
        if (last)
            printf("\n");
    }
}

static int by_created(const void *a, const void *b)
{
    const char *x = hj_str(*(json_t *const *)a, "Created");
    const char *y = hj_str(*(json_t *const *)b, "Created");
    return strcmp(y ? y : "", x ? x : "");
}

struct ps_args {
    bool all, quiet, notrunc, json;
};

static int format_opt(const char *cmd, const struct cli_opt *o, void *field, const char *arg)
{
    (void)o;
    return cli_format_arg(cmd, arg, field);
}

#define PA(f) offsetof(struct ps_args, f)

const struct cli_spec cli_ctr_ps_spec = {
    .cmd = "container ps",
    .usage = "[OPTIONS]",
    .what = "List containers",
    .opts =
        (const struct cli_opt[]){
            {"all", 'a', NULL, "Show all containers (default shows just running)", CLI_OPT_FLAG,
             PA(all), NULL, NULL},
            {"quiet", 'q', NULL, "Only display container IDs", CLI_OPT_FLAG, PA(quiet), NULL, NULL},
            {"no-trunc", 0, NULL, "Don't truncate output", CLI_OPT_FLAG, PA(notrunc), NULL, NULL},
            {"format", 0, "FORMAT", "Format output: table or json", CLI_OPT_CALL, PA(json),
             format_opt, "table json"},
            CLI_OPT_END,
        },
    .interspersed = true,
};

/* The containers to list (running ones unless all), newest first; *k of them. */
static json_t **ps_records(const struct ctr_ctx *c, bool all, size_t *k, struct herr *e)
{
    _cleanup_strv_ char **ids = NULL;
    if (ctr_list(c, &ids, e) < 0)
        return NULL;
    size_t n = strv_len(ids);
    json_t **recs = xcalloc(n + 1, sizeof(json_t *));
    *k = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *r = ctr_inspect(c, ids[i], NULL);
        if (!r)
            continue;
        const char *s = ctr_status(r);
        if (!all && strcmp(s, "running") != 0 && strcmp(s, "restarting") != 0 &&
            strcmp(s, "paused") != 0) {
            json_decref(r);
            continue;
        }
        recs[(*k)++] = r;
    }
    qsort(recs, *k, sizeof(json_t *), by_created);
    return recs;
}

/* docker ps --format json's line of a container. */
static void ps_json_line(const json_t *r, const char *sid, const char *cmd, const char *created,
                         const char *st)
{
    time_t ct = cli_ctr_parse_time(hj_str(r, "Created"));
    struct tm tm;
    char cat[64];
    gmtime_r(&ct, &tm);
    strftime(cat, sizeof(cat), "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
    _cleanup_free_ char *labels =
        cli_labels_text(json_object_get(json_object_get(r, "Config"), "Labels"));
    _cleanup_json_ json_t *o = json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "Command", cmd, "CreatedAt",
        cat, "ID", sid, "Image", hj_str(json_object_get(r, "Config"), "Image"), "Labels", labels,
        "LocalVolumes", "0", "Mounts", "", "Names", hj_str(r, "Name") + 1, "Networks",
        hj_str(hj_path(r, "HostConfig"), "NetworkMode"), "Ports", "", "RunningFor", created, "Size",
        "0B", "State", ctr_status(r), "Status", st);
    _cleanup_free_ char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    printf("%s\n", line);
}

int cli_ctr_ps(const struct ctr_ctx *c, int argc, char **argv)
{
    struct ps_args pa = {0};
    int r = cli_opt_parse(&cli_ctr_ps_spec, &pa, NULL, argc, argv);
    if (r >= 0)
        return r;
    struct herr e = {0};
    size_t k = 0;
    json_t **recs = ps_records(c, pa.all, &k, &e);
    if (!recs)
        return cli_report(&e, 1);
    /* Table cells, header first, printed once the column widths are known. */
    char **cells = xcalloc(1, sizeof(char *));
    static const char *const head[] = {"CONTAINER ID", "IMAGE", "COMMAND", "CREATED",
                                       "STATUS",       "PORTS", "NAMES"};
    for (size_t i = 0; i < 7; i++)
        strv_push(&cells, xstrdup(head[i]));
    time_t now = time(NULL);
    for (size_t i = 0; i < k; i++) {
        const char *id = hj_str(recs[i], "Id");
        _cleanup_free_ char *sid = pa.notrunc ? xstrdup(id) : xstrndup(id, 12);
        if (pa.quiet) {
            printf("%s\n", sid);
            continue;
        }
        _cleanup_free_ char *cmd = cli_ctr_command_text(recs[i], !pa.notrunc);
        _cleanup_free_ char *st = cli_ctr_status_text(recs[i]);
        _cleanup_free_ char *ago =
            cli_ctr_human(now - cli_ctr_parse_time(hj_str(recs[i], "Created")));
        _cleanup_free_ char *created = xasprintf("%s ago", ago);
        const char *row[] = {sid,
                             hj_str(json_object_get(recs[i], "Config"), "Image"),
                             cmd,
                             created,
                             st,
                             "",
                             hj_str(recs[i], "Name") + 1};
        if (pa.json)
            ps_json_line(recs[i], sid, cmd, created, st);
        for (size_t j = 0; j < 7 && !pa.json; j++)
            strv_push(&cells, xstrdup(row[j]));
    }
    if (!pa.quiet && !pa.json)
        cli_print_table(cells, 7);
    strv_free(cells);
    for (size_t i = 0; i < k; i++)
        json_decref(recs[i]);
    free(recs);
    return 0;
}

struct act {
    int n;
    bool flag, volumes;
    struct herr *e;
};

static int do_stop(const struct ctr_ctx *c, const char *id, const char *ref, void *arg)
{
    struct act *a = arg;
    if (ctr_stop(c, id, a->n, a->e) < 0)
        return -1;
    printf("%s\n", ref);
    return 0;
}

static int do_kill(const struct ctr_ctx *c, const char *id, const char *ref, void *arg)
{
    struct act *a = arg;
    if (ctr_kill(c, id, a->n, a->e) < 0)
        return -1;
    printf("%s\n", ref);
    return 0;
}

static int do_rm(const struct ctr_ctx *c, const char *id, const char *ref, void *arg)
{
    struct act *a = arg;
    if (ctr_remove(c, id, a->flag, a->volumes, a->e) < 0)
        return -1;
    printf("%s\n", ref);
    return 0;
}

static int do_pause(const struct ctr_ctx *c, const char *id, const char *ref, void *arg)
{
    struct act *a = arg;
    if ((a->flag ? ctr_pause(c, id, a->e) : ctr_unpause(c, id, a->e)) < 0)
        return -1;
    printf("%s\n", ref);
    return 0;
}

static int do_wait(const struct ctr_ctx *c, const char *id, const char *ref, void *arg)
{
    (void)ref;
    struct act *a = arg;
    int code = ctr_wait(c, id, a->e);
    if (code < 0)
        return -1;
    printf("%d\n", code);
    return 0;
}

/* Run fn on each named container; the status is 1 when any failed. */
static int with_err(const struct ctr_ctx *c, const char *cmd, int argc, char **argv,
                    int (*fn)(const struct ctr_ctx *, const char *, const char *, void *),
                    struct act *a)
{
    if (optind >= argc)
        return cli_usage_error(cmd, "requires at least 1 argument");
    int status = 0;
    for (int i = optind; i < argc; i++) {
        struct herr e = {0};
        _cleanup_free_ char *id = NULL;
        a->e = &e;
        if (ctr_resolve(c, argv[i], &id, &e) < 0 || fn(c, id, argv[i], a) < 0)
            status = cli_report(&e, 1);
    }
    return status;
}

static int time_opt(const char *cmd, const struct cli_opt *o, void *field, const char *arg)
{
    (void)o;
    long long v;
    if (str_parse_ll(arg, &v) < 0 || v > 1000000)
        return cli_usage_error(cmd, "invalid argument \"%s\" for \"-t, --time\" flag", arg);
    *(int *)field = (int)v;
    return 0;
}

static int signal_opt(const char *cmd, const struct cli_opt *o, void *field, const char *arg)
{
    (void)o;
    *(int *)field = ctr_parse_signal(arg);
    if (*(int *)field < 0)
        return cli_usage_error(cmd, "invalid signal \"%s\"", arg);
    return 0;
}

#define VERB(name, text, table)                                                                    \
    {                                                                                              \
        .cmd = "container " name, .usage = "[OPTIONS] CONTAINER [CONTAINER...]", .what = text,     \
        .opts = table, .interspersed = true                                                        \
    }
#define AC(f) offsetof(struct act, f)

const struct cli_spec cli_ctr_stop_spec =
    VERB("stop", "Stop one or more running containers",
         ((const struct cli_opt[]){
             {"time", 't', "SECONDS", "Seconds to wait before killing the container", CLI_OPT_CALL,
              AC(n), time_opt, NULL},
             {"timeout", 0, "SECONDS", NULL, CLI_OPT_CALL, AC(n), time_opt, NULL},
             CLI_OPT_END,
         }));
const struct cli_spec cli_ctr_kill_spec =
    VERB("kill", "Kill one or more running containers",
         ((const struct cli_opt[]){
             {"signal", 's', "SIGNAL", "Signal to send to the container", CLI_OPT_CALL, AC(n),
              signal_opt, NULL},
             CLI_OPT_END,
         }));
const struct cli_spec cli_ctr_rm_spec =
    VERB("rm", "Remove one or more containers",
         ((const struct cli_opt[]){
             {"force", 'f', NULL, "Force the removal of a running container (uses SIGKILL)",
              CLI_OPT_FLAG, AC(flag), NULL, NULL},
             {"volumes", 'v', NULL, "Remove anonymous volumes associated with the container",
              CLI_OPT_FLAG, AC(volumes), NULL, NULL},
             CLI_OPT_END,
         }));
const struct cli_spec cli_ctr_pause_spec =
    VERB("pause", "Pause all processes within one or more containers", NULL);
const struct cli_spec cli_ctr_unpause_spec =
    VERB("unpause", "Unpause all processes within one or more containers", NULL);
const struct cli_spec cli_ctr_wait_spec =
    VERB("wait", "Block until one or more containers stop, then print their exit codes", NULL);

/* Parse by spec, then fn on each named container. */
static int each(const struct ctr_ctx *c, const struct cli_spec *spec, int argc, char **argv,
                int (*fn)(const struct ctr_ctx *, const char *, const char *, void *),
                struct act *a)
{
    int r = cli_opt_parse(spec, a, NULL, argc, argv);
    return r >= 0 ? r : with_err(c, spec->cmd, argc, argv, fn, a);
}

int cli_ctr_stop(const struct ctr_ctx *c, int argc, char **argv)
{
    struct act a = {.n = -1};
    return each(c, &cli_ctr_stop_spec, argc, argv, do_stop, &a);
}

int cli_ctr_kill(const struct ctr_ctx *c, int argc, char **argv)
{
    struct act a = {.n = SIGKILL};
    return each(c, &cli_ctr_kill_spec, argc, argv, do_kill, &a);
}

int cli_ctr_rm(const struct ctr_ctx *c, int argc, char **argv)
{
    struct act a = {0};
    return each(c, &cli_ctr_rm_spec, argc, argv, do_rm, &a);
}

int cli_ctr_pause(const struct ctr_ctx *c, int argc, char **argv)
{
    struct act a = {.flag = strcmp(argv[0], "pause") == 0};
    return each(c, a.flag ? &cli_ctr_pause_spec : &cli_ctr_unpause_spec, argc, argv, do_pause, &a);
}

int cli_ctr_wait(const struct ctr_ctx *c, int argc, char **argv)
{
    struct act a = {0};
    return each(c, &cli_ctr_wait_spec, argc, argv, do_wait, &a);
}

int cli_ctr_inspect(const struct ctr_ctx *c, int argc, char **argv)
{
    const char *format;
    int first, r = cli_inspect_opts("container inspect",
                                    "Usage: hoist container inspect [-f FORMAT] CONTAINER...\n",
                                    "CONTAINER", argc, argv, &format, &first);
    if (r >= 0)
        return r;
    _cleanup_json_ json_t *arr = json_array();
    int status = 0;
    for (int i = first; i < argc; i++) {
        struct herr e = {0};
        _cleanup_free_ char *id = NULL;
        json_t *one = ctr_resolve(c, argv[i], &id, &e) < 0 ? NULL : ctr_inspect(c, id, &e);
        if (!one) {
            status = cli_report(&e, 1);
            continue;
        }
        json_array_append_new(arr, one);
    }
    r = cli_inspect_print(arr, format, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
    return r ? r : status;
}
