/* ps, stop, kill, rm, inspect, wait, top and diff. */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli_container_int.h"
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

int cli_ctr_ps(const struct ctr_ctx *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"all", no_argument, NULL, 'a'},
        {"quiet", no_argument, NULL, 'q'},
        {"no-trunc", no_argument, NULL, 'n'},
        {"format", required_argument, NULL, 'f'},
        {0},
    };
    bool all = false, quiet = false, notrunc = false, json = false;
    int ch, fr;
    optind = 0;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "aq", opts, NULL)) != -1) {
        switch (ch) {
        case 'a':
            all = true;
            break;
        case 'q':
            quiet = true;
            break;
        case 'n':
            notrunc = true;
            break;
        case 'f':
            if ((fr = cli_format_arg("container ps", optarg, &json)) != 0)
                return fr;
            break;
        default:
            return cli_usage_error("container ps", "unknown flag \"%s\"", argv[optind - 1]);
        }
    }
    struct herr e = {0};
    _cleanup_strv_ char **ids = NULL;
    if (ctr_list(c, &ids, &e) < 0)
        return cli_report(&e, 1);
    size_t n = strv_len(ids), k = 0;
    json_t **recs = xcalloc(n + 1, sizeof(json_t *));
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
        recs[k++] = r;
    }
    qsort(recs, k, sizeof(json_t *), by_created);
    /* Table cells, header first, printed once the column widths are known. */
    char **cells = xcalloc(1, sizeof(char *));
    static const char *const head[] = {"CONTAINER ID", "IMAGE", "COMMAND", "CREATED",
                                       "STATUS",       "PORTS", "NAMES"};
    for (size_t i = 0; i < 7; i++)
        strv_push(&cells, xstrdup(head[i]));
    time_t now = time(NULL);
    for (size_t i = 0; i < k; i++) {
        json_t *r = recs[i];
        const char *id = hj_str(r, "Id");
        _cleanup_free_ char *sid = notrunc ? xstrdup(id) : xstrndup(id, 12);
        if (quiet) {
            printf("%s\n", sid);
            continue;
        }
        const char *image = hj_str(json_object_get(r, "Config"), "Image");
        _cleanup_free_ char *cmd = cli_ctr_command_text(r, !notrunc);
        _cleanup_free_ char *st = cli_ctr_status_text(r);
        _cleanup_free_ char *ago = cli_ctr_human(now - cli_ctr_parse_time(hj_str(r, "Created")));
        _cleanup_free_ char *created = xasprintf("%s ago", ago);
        const char *name = hj_str(r, "Name") + 1;
        if (json) {
            time_t ct = cli_ctr_parse_time(hj_str(r, "Created"));
            struct tm tm;
            char cat[64];
            gmtime_r(&ct, &tm);
            strftime(cat, sizeof(cat), "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
            _cleanup_free_ char *labels =
                cli_labels_text(json_object_get(json_object_get(r, "Config"), "Labels"));
            _cleanup_json_ json_t *o = json_pack(
                "{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "Command", cmd,
                "CreatedAt", cat, "ID", sid, "Image", image, "Labels", labels, "LocalVolumes", "0",
                "Mounts", "", "Names", name, "Networks",
                hj_str(hj_path(r, "HostConfig"), "NetworkMode"), "Ports", "", "RunningFor", created,
                "Size", "0B", "State", ctr_status(r), "Status", st);
            _cleanup_free_ char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
            printf("%s\n", line);
        } else {
            const char *row[] = {sid, image, cmd, created, st, "", name};
            for (size_t j = 0; j < 7; j++)
                strv_push(&cells, xstrdup(row[j]));
        }
    }
    if (!quiet && !json)
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

int cli_ctr_stop(const struct ctr_ctx *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"time", required_argument, NULL, 't'}, {"timeout", required_argument, NULL, 't'}, {0}};
    struct act a = {.n = -1};
    long long v;
    int ch;
    optind = 0;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
        if (ch != 't' || str_parse_ll(optarg, &v) < 0)
            return cli_usage_error("container stop", "invalid flag or value \"%s\"",
                                   argv[optind - 1]);
        a.n = (int)v;
    }
    return with_err(c, "container stop", argc, argv, do_stop, &a);
}

int cli_ctr_kill(const struct ctr_ctx *c, int argc, char **argv)
{
    static const struct option opts[] = {{"signal", required_argument, NULL, 's'}, {0}};
    struct act a = {.n = SIGKILL};
    int ch;
    optind = 0;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "s:", opts, NULL)) != -1) {
        if (ch != 's')
            return cli_usage_error("container kill", "unknown flag \"%s\"", argv[optind - 1]);
        a.n = ctr_parse_signal(optarg);
        if (a.n < 0)
            return cli_usage_error("container kill", "invalid signal \"%s\"", optarg);
    }
    return with_err(c, "container kill", argc, argv, do_kill, &a);
}

int cli_ctr_rm(const struct ctr_ctx *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"force", no_argument, NULL, 'f'}, {"volumes", no_argument, NULL, 'v'}, {0}};
    struct act a = {0};
    int ch;
    optind = 0;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "fv", opts, NULL)) != -1) {
        if (ch == 'f')
            a.flag = true;
        else if (ch == 'v')
            a.volumes = true;
        else
            return cli_usage_error("container rm", "unknown flag \"%s\"", argv[optind - 1]);
    }
    return with_err(c, "container rm", argc, argv, do_rm, &a);
}

int cli_ctr_pause(const struct ctr_ctx *c, int argc, char **argv)
{
    struct act a = {.flag = strcmp(argv[0], "pause") == 0};
    const char *cmd = a.flag ? "container pause" : "container unpause";
    if (argc > 1 && argv[1][0] == '-')
        return cli_usage_error(cmd, "unknown flag \"%s\"", argv[1]);
    optind = 1;
    return with_err(c, cmd, argc, argv, do_pause, &a);
}

int cli_ctr_wait(const struct ctr_ctx *c, int argc, char **argv)
{
    struct act a = {0};
    optind = 1;
    return with_err(c, "container wait", argc, argv, do_wait, &a);
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
