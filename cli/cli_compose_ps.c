/* Compose listings: ps, images, top, port and ls. */
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli_compose_cmds.h"
#include "cli/cli_container_int.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/image/image.h"

static bool has(char **v, const char *s)
{
    for (; v && *v; v++) {
        if (!strcmp(*v, s))
            return true;
    }
    return false;
}

static char *append(char *s, const char *sep, const char *add)
{
    char *n = xasprintf("%s%s%s", s, *s ? sep : "", add);
    free(s);
    return n;
}

/* PORTS cell: "0.0.0.0:8080->80/tcp, 443/tcp"; publishers collects docker compose's JSON
 * Publishers when not NULL. */
static char *ports_text(const json_t *rec, json_t *publishers)
{
    const json_t *ports = hj_path(rec, "NetworkSettings.Ports");
    char *s = xstrdup("");
    const char *key;
    json_t *binds;
    json_object_foreach((json_t *)ports, key, binds)
    {
        long target = strtol(key, NULL, 10);
        const char *slash = strchr(key, '/');
        const char *proto = slash ? slash + 1 : "tcp";
        if (!json_array_size(binds)) {
            s = append(s, ", ", key);
            if (publishers)
                json_array_append_new(publishers, json_pack("{s:s,s:i,s:i,s:s}", "URL", "",
                                                            "TargetPort", (int)target,
                                                            "PublishedPort", 0, "Protocol", proto));
            continue;
        }
        size_t i;
        json_t *b;
        json_array_foreach(binds, i, b)
        {
            const char *ip = hj_str(b, "HostIp"), *hp = hj_str(b, "HostPort");
            _cleanup_free_ char *one =
                xasprintf("%s:%s->%s", ip && *ip ? ip : "0.0.0.0", hp ? hp : "", key);
            s = append(s, ", ", one);
            if (publishers)
                json_array_append_new(
                    publishers,
                    json_pack("{s:s,s:i,s:i,s:s}", "URL", ip && *ip ? ip : "0.0.0.0", "TargetPort",
                              (int)target, "PublishedPort", hp ? atoi(hp) : 0, "Protocol", proto));
        }
    }
    return s;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct compose_ctr *)a)->name, ((const struct compose_ctr *)b)->name);
}

static const char *const states[] = {"paused", "restarting", "removing", "running",
                                     "dead",   "created",    "exited",   NULL};

struct ps_flags {
    bool all, quiet, services, json, notrunc;
    char **status;
};

static json_t *ps_json(const struct compose_ctr *h, const char *project, const char *cmd,
                       const char *st, const char *ago)
{
    const json_t *r = h->inspect;
    char cat[64];
    time_t ct = cli_ctr_parse_time(hj_str(r, "Created"));
    struct tm tm;
    gmtime_r(&ct, &tm);
    strftime(cat, sizeof(cat), "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
    _cleanup_free_ char *labels = xstrdup("");
    const char *key;
    json_t *val;
    json_object_foreach(hj_path(r, "Config.Labels"), key, val)
    {
        _cleanup_free_ char *kv = xasprintf("%s=%s", key, json_string_value(val));
        labels = append(labels, ",", kv);
    }
    _cleanup_free_ char *nets = xstrdup("");
    json_object_foreach(hj_path(r, "NetworkSettings.Networks"), key, val) nets =
        append(nets, ",", key);
    json_t *pubs = json_array();
    _cleanup_free_ char *ports = ports_text(r, pubs);
    const char *health = hj_str(hj_path(r, "State.Health"), "Status");
    return json_pack("{s:s,s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:s,s:s,"
                     "s:s,s:s}",
                     "Command", cmd, "CreatedAt", cat, "ExitCode",
                     (json_int_t)hj_int(json_object_get(r, "State"), "ExitCode", 0), "Health",
                     health ? health : "", "ID", h->id, "Image",
                     hj_str(hj_path(r, "Config"), "Image"), "Labels", labels, "LocalVolumes", "0",
                     "Mounts", "", "Name", h->name, "Names", h->name, "Networks", nets, "Ports",
                     ports, "Project", project, "Publishers", pubs, "RunningFor", ago, "Service",
                     h->service, "Size", "0B", "State", ctr_status(r), "Status", st);
}

/* --format of ps, images and ls: *field set for json. */
static int format_opt(const char *cmd, const struct cli_opt *o, void *field, const char *arg)
{
    (void)o;
    if (strcmp(arg, "table") && strcmp(arg, "json"))
        return cli_usage_error(cmd, "unsupported format \"%s\": table or json", arg);
    *(bool *)field = !strcmp(arg, "json");
    return 0;
}

/* --status STATUS, or --filter status=STATUS */
static int status_opt(const char *cmd, const struct cli_opt *o, void *field, const char *arg)
{
    if (!strcmp(o->name, "filter")) {
        if (!str_has_prefix(arg, "status="))
            return cli_usage_error(cmd, "invalid filter \"%s\": only status=STATUS", arg);
        arg += 7;
    }
    bool ok = false;
    for (const char *const *s = states; *s; s++)
        ok |= !strcmp(*s, arg);
    if (!ok)
        return cli_usage_error(cmd,
                               "invalid status \"%s\": paused, restarting, removing, running, "
                               "dead, created or exited",
                               arg);
    strv_push((char ***)field, xstrdup(arg));
    return 0;
}

#define PF(f) offsetof(struct ps_flags, f)
const struct cli_spec cli_compose_ps_spec = CMDS_VERB(
    "ps", "[OPTIONS] [SERVICE...]", "List containers",
    ((const struct cli_opt[]){
        {"all", 'a', NULL,
         "Show all stopped containers (including those created by the run "
         "command)",
         CLI_OPT_FLAG, PF(all), NULL, NULL},
        {"quiet", 'q', NULL, "Only display IDs", CLI_OPT_FLAG, PF(quiet), NULL, NULL},
        {"services", 0, NULL, "Display services", CLI_OPT_FLAG, PF(services), NULL, NULL},
        {"status", 0, "STATUS", "Filter services by status", CLI_OPT_CALL, PF(status), status_opt,
         "paused restarting removing running dead created exited"},
        {"filter", 0, "FILTER", "Filter services by a property (status=STATUS)", CLI_OPT_CALL,
         PF(status), status_opt, NULL},
        {"format", 0, "FORMAT", "Format the output: table or json", CLI_OPT_CALL, PF(json),
         format_opt, "table json"},
        {"no-trunc", 0, NULL, "Don't truncate output", CLI_OPT_FLAG, PF(notrunc), NULL, NULL},
        CLI_OPT_END,
    }));

int cli_compose_ps(const struct cli_globals *g, int argc, char **argv)
{
    struct cmds x = {0};
    _cleanup_strv_ char **svcs = NULL;
    struct ps_flags fl = {0};
    int status = cmds_parse(g, &cli_compose_ps_spec, &fl, &x, argc, argv);
    if (status >= 0)
        goto out;
    status = cmds_open(g, &x, argv + optind, false, true);
    if (status)
        goto out;
    qsort(x.v, x.n, sizeof(*x.v), by_name);
    char **cells = xcalloc(1, sizeof(char *));
    static const char *const head[] = {"NAME",    "IMAGE",  "COMMAND", "SERVICE",
                                       "CREATED", "STATUS", "PORTS"};
    for (size_t i = 0; i < 7; i++)
        strv_push(&cells, xstrdup(head[i]));
    svcs = xcalloc(1, sizeof(char *));
    time_t now = time(NULL);
    for (size_t i = 0; i < x.n; i++) {
        const struct compose_ctr *h = &x.v[i];
        const char *s = ctr_status(h->inspect);
        if (fl.status ? !has(fl.status, s) : !fl.all && !cmds_active(s))
            continue;
        if (fl.quiet) {
            printf("%s\n", h->id);
            continue;
        }
        if (fl.services) {
            if (!has(svcs, h->service))
                strv_push(&svcs, xstrdup(h->service));
            continue;
        }
        _cleanup_free_ char *cmd = cli_ctr_command_text(h->inspect, !fl.notrunc);
        _cleanup_free_ char *st = cli_ctr_status_text(h->inspect);
        _cleanup_free_ char *dur =
            cli_ctr_human(now - cli_ctr_parse_time(hj_str(h->inspect, "Created")));
        _cleanup_free_ char *ago = xasprintf("%s ago", dur);
        if (fl.json) {
            _cleanup_json_ json_t *o = ps_json(h, x.p->name, cmd, st, ago);
            _cleanup_free_ char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
            printf("%s\n", line);
            continue;
        }
        const char *image = hj_str(hj_path(h->inspect, "Config"), "Image");
        _cleanup_free_ char *ports = ports_text(h->inspect, NULL);
        const char *row[] = {h->name, image ? image : "", cmd, h->service, ago, st, ports};
        for (size_t j = 0; j < 7; j++)
            strv_push(&cells, xstrdup(row[j]));
    }
    for (char **s = svcs; fl.services && *s; s++)
        printf("%s\n", *s);
    if (!fl.quiet && !fl.services && !fl.json)
        cli_print_table(cells, 7);
    strv_free(cells);
out:
    strv_free(fl.status);
    cmds_close(&x);
    return status;
}

/* docker's go-units HumanSize: 3 significant digits, decimal units. */
static char *human_size(double v)
{
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB"};
    size_t u = 0;
    while (v >= 1000 && u < 4)
        v /= 1000, u++;
    return xasprintf("%.3g%s", v, units[u]);
}

struct images_flags {
    bool quiet, json;
};

const struct cli_spec cli_compose_images_spec =
    CMDS_VERB("images", "[OPTIONS] [SERVICE...]", "List images used by the created containers",
              ((const struct cli_opt[]){
                  {"quiet", 'q', NULL, "Only display IDs", CLI_OPT_FLAG,
                   offsetof(struct images_flags, quiet), NULL, NULL},
                  {"format", 0, "FORMAT", "Format the output: table or json", CLI_OPT_CALL,
                   offsetof(struct images_flags, json), format_opt, "table json"},
                  CLI_OPT_END,
              }));

int cli_compose_images(const struct cli_globals *g, int argc, char **argv)
{
    struct cmds x = {0};
    _cleanup_strv_ char **seen = NULL;
    struct images_flags fl = {0};
    int status = cmds_parse(g, &cli_compose_images_spec, &fl, &x, argc, argv);
    if (status >= 0 || (status = cmds_open(g, &x, argv + optind, false, true)))
        goto out;
    qsort(x.v, x.n, sizeof(*x.v), by_name);
    char **cells = xcalloc(1, sizeof(char *));
    static const char *const head[] = {"CONTAINER", "REPOSITORY", "TAG", "IMAGE ID", "SIZE"};
    for (size_t i = 0; i < 5; i++)
        strv_push(&cells, xstrdup(head[i]));
    json_t *arr = json_array();
    seen = xcalloc(1, sizeof(char *));
    for (size_t i = 0; i < x.n; i++) {
        const char *ref = hj_str(hj_path(x.v[i].inspect, "Config"), "Image");
        const char *imgid = hj_str(x.v[i].inspect, "Image");
        struct herr e = {0};
        _cleanup_json_ json_t *img = NULL;
        if (image_inspect(x.ctx.root,
                          imgid ? imgid
                          : ref ? ref
                                : "",
                          &img, &e) < 0 &&
            (!ref || image_inspect(x.ctx.root, ref, &img, &e) < 0)) {
            status = cli_report(&e, 1);
            continue;
        }
        json_t *im = json_is_array(img) ? json_array_get(img, 0) : img;
        const char *id = hj_str(im, "Id") ? hj_str(im, "Id") : "";
        const char *hex = str_has_prefix(id, "sha256:") ? id + 7 : id;
        _cleanup_free_ char *repo = xstrdup(ref ? ref : "<none>");
        const char *tag = "latest";
        char *colon = strrchr(repo, ':');
        if (colon && !strchr(colon, '/')) {
            *colon = '\0';
            tag = colon + 1;
        }
        if (fl.quiet) {
            if (!has(seen, hex)) {
                strv_push(&seen, xstrdup(hex));
                printf("%s\n", hex);
            }
            continue;
        }
        double size = (double)hj_int(im, "Size", 0);
        if (fl.json) {
            json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s,s:I}", "ID", id, "ContainerName",
                                                 x.v[i].name, "Repository", repo, "Tag", tag,
                                                 "Size", (json_int_t)size));
            continue;
        }
        _cleanup_free_ char *hs = human_size(size);
        _cleanup_free_ char *shortid = xstrndup(hex, 12);
        const char *row[] = {x.v[i].name, repo, tag, shortid, hs};
        for (size_t j = 0; j < 5; j++)
            strv_push(&cells, xstrdup(row[j]));
    }
    if (fl.json) {
        _cleanup_free_ char *s = json_dumps(arr, JSON_COMPACT | JSON_PRESERVE_ORDER);
        printf("%s\n", s);
    } else if (!fl.quiet) {
        cli_print_table(cells, 5);
    }
    json_decref(arr);
    strv_free(cells);
out:
    cmds_close(&x);
    return status;
}

const struct cli_spec cli_compose_top_spec =
    CMDS_VERB("top", "[SERVICE...]", "Display the running processes", NULL);

int cli_compose_top(const struct cli_globals *g, int argc, char **argv)
{
    struct cmds x = {0};
    int status = cmds_parse(g, &cli_compose_top_spec, NULL, &x, argc, argv);
    if (status >= 0 || (status = cmds_open(g, &x, argv + optind, false, true)))
        goto out;
    qsort(x.v, x.n, sizeof(*x.v), by_name);
    bool first = true;
    for (size_t i = 0; i < x.n; i++) {
        if (strcmp(ctr_status(x.v[i].inspect), "running") &&
            strcmp(ctr_status(x.v[i].inspect), "paused"))
            continue;
        printf("%s%s\n", first ? "" : "\n", x.v[i].name);
        fflush(stdout);
        first = false;
        char *args[] = {"top", x.v[i].id, NULL};
        if (cli_ctr_top(&x.ctx, 2, args))
            status = 1;
    }
out:
    cmds_close(&x);
    return status;
}

struct port_flags {
    long long index;
    const char *proto;
};

static int proto_opt(const char *cmd, const struct cli_opt *o, void *field, const char *arg)
{
    (void)o;
    if (strcmp(arg, "tcp") && strcmp(arg, "udp"))
        return cli_usage_error(cmd, "invalid --protocol \"%s\": tcp or udp", arg);
    *(const char **)field = arg;
    return 0;
}

const struct cli_spec cli_compose_port_spec =
    CMDS_VERB("port", "[OPTIONS] SERVICE PRIVATE_PORT", "Print the public port for a port binding",
              ((const struct cli_opt[]){
                  {"index", 0, "N", "Index of the container if service has multiple replicas",
                   CLI_OPT_CALL, offsetof(struct port_flags, index), cmds_index_opt, NULL},
                  {"protocol", 0, "PROTO", "tcp or udp", CLI_OPT_CALL,
                   offsetof(struct port_flags, proto), proto_opt, "tcp udp"},
                  CLI_OPT_END,
              }));

int cli_compose_port(const struct cli_globals *g, int argc, char **argv)
{
    struct cmds x = {0};
    _cleanup_free_ char *key = NULL;
    struct port_flags fl = {.index = 1, .proto = "tcp"};
    int status = cmds_parse(g, &cli_compose_port_spec, &fl, &x, argc, argv);
    if (status >= 0)
        goto out;
    long long port;
    if (argc - optind != 2) {
        status = cli_usage_error("port", "requires exactly 2 arguments: SERVICE PRIVATE_PORT");
        goto out;
    }
    if (str_parse_ll(argv[optind + 1], &port) < 0 || port < 1 || port > 65535) {
        status = cli_usage_error("port", "invalid port \"%s\"", argv[optind + 1]);
        goto out;
    }
    char *svc[] = {argv[optind], NULL};
    status = cmds_open(g, &x, svc, false, false);
    if (status)
        goto out;
    const struct compose_ctr *h = cmds_by_index(&x, fl.index);
    if (!h) {
        fprintf(stderr, "hoist port: service \"%s\" has no container number %lld\n", svc[0],
                fl.index);
        status = 1;
        goto out;
    }
    key = xasprintf("%lld/%s", port, fl.proto);
    const json_t *b =
        json_array_get(json_object_get(hj_path(h->inspect, "NetworkSettings.Ports"), key), 0);
    if (!b) {
        fprintf(stderr, "hoist port: no port %s for container %s\n", key, h->name);
        status = 1;
        goto out;
    }
    const char *ip = hj_str(b, "HostIp");
    printf("%s:%s\n", ip && *ip ? ip : "0.0.0.0", hj_str(b, "HostPort"));
out:
    cmds_close(&x);
    return status;
}

struct ls_flags {
    bool all, quiet, json;
};

#define LS(f) offsetof(struct ls_flags, f)

const struct cli_spec cli_compose_ls_spec = CMDS_VERB(
    "ls", "[OPTIONS]", "List running compose projects",
    ((const struct cli_opt[]){
        {"all", 'a', NULL, "Show all stopped Compose projects", CLI_OPT_FLAG, LS(all), NULL, NULL},
        {"quiet", 'q', NULL, "Only display project names", CLI_OPT_FLAG, LS(quiet), NULL, NULL},
        {"format", 0, "FORMAT", "Format the output: table or json", CLI_OPT_CALL, LS(json),
         format_opt, "table json"},
        CLI_OPT_END,
    }));

static int by_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The keys of an object, sorted; the strings belong to the object. */
static char **sorted_keys(const json_t *o)
{
    char **v = xcalloc(json_object_size(o) + 1, sizeof(char *));
    size_t n = 0;
    const char *k;
    json_t *val;
    json_object_foreach((json_t *)o, k, val) v[n++] = (char *)k;
    qsort(v, n, sizeof(*v), by_str);
    return v;
}

int cli_compose_ls(const struct cli_globals *g, int argc, char **argv)
{
    struct cmds x = {0};
    _cleanup_strv_ char **ids = NULL;
    _cleanup_json_ json_t *projects = NULL;
    _cleanup_free_ char **names = NULL;
    struct ls_flags fl = {0};
    int status = cmds_parse(g, &cli_compose_ls_spec, &fl, &x, argc, argv);
    if (status >= 0)
        goto out;
    status = 0;
    if (optind < argc) {
        status = cli_usage_error("ls", "accepts no arguments");
        goto out;
    }
    cli_ctr_ctx(g, &x.ctx);
    struct herr e = {0};
    if (ctr_list(&x.ctx, &ids, &e) < 0) {
        status = cli_report(&e, 1);
        goto out;
    }
    /* project -> {states: {state: count}, files} */
    projects = json_object();
    for (char **id = ids; id && *id; id++) {
        _cleanup_json_ json_t *r = ctr_inspect(&x.ctx, *id, NULL);
        const json_t *labels = hj_path(r, "Config.Labels");
        const char *name = hj_str(labels, COMPOSE_LABEL_PROJECT);
        if (!name)
            continue;
        json_t *p = json_object_get(projects, name);
        if (!p) {
            const char *files = hj_str(labels, COMPOSE_LABEL_FILES);
            p = json_pack("{s:{},s:s}", "states", "files", files ? files : "");
            json_object_set_new(projects, name, p);
        }
        json_t *states = json_object_get(p, "states");
        const char *st = ctr_status(r);
        json_object_set_new(states, st, json_integer(hj_int(states, st, 0) + 1));
    }
    char **cells = xcalloc(1, sizeof(char *));
    strv_push(&cells, xstrdup("NAME"));
    strv_push(&cells, xstrdup("STATUS"));
    strv_push(&cells, xstrdup("CONFIG FILES"));
    json_t *arr = json_array();
    names = sorted_keys(projects);
    for (char **np = names; *np; np++) {
        const char *name = *np;
        const json_t *p = json_object_get(projects, name);
        const json_t *states = json_object_get(p, "states");
        if (!fl.all && !hj_int(states, "running", 0))
            continue;
        _cleanup_free_ char *st = xstrdup("");
        _cleanup_free_ char **sk = sorted_keys(states);
        for (char **s = sk; *s; s++) {
            _cleanup_free_ char *one = xasprintf("%s(%lld)", *s, hj_int(states, *s, 0));
            st = append(st, ", ", one);
        }
        if (fl.quiet)
            printf("%s\n", name);
        else if (fl.json)
            json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "Name", name, "Status", st,
                                                 "ConfigFiles", hj_str(p, "files")));
        else {
            strv_push(&cells, xstrdup(name));
            strv_push(&cells, xstrdup(st));
            strv_push(&cells, xstrdup(hj_str(p, "files")));
        }
    }
    if (fl.json) {
        _cleanup_free_ char *s = json_dumps(arr, JSON_COMPACT | JSON_PRESERVE_ORDER);
        printf("%s\n", s);
    } else if (!fl.quiet) {
        cli_print_table(cells, 3);
    }
    json_decref(arr);
    strv_free(cells);
out:
    cmds_close(&x);
    return status;
}
