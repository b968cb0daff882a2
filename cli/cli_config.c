/* hoist config: the normalized compose model, like `docker compose config`. */
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_compose.h"
#include "cli/cli_opt.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"

enum { L_SERVICES = 1, L_VOLUMES, L_NETWORKS, L_IMAGES, L_PROFILES, L_VARIABLES, L_HASH };

/* Keep the named services and what they depend on, transitively. */
static void select_services(json_t *model, char **names)
{
    json_t *all = json_object_get(model, "services"), *keep = json_object();
    char **queue = strv_dup(names);
    for (size_t i = 0; i < strv_len(queue); i++) {
        json_t *svc = json_object_get(all, queue[i]);
        if (!svc || json_object_get(keep, queue[i]))
            continue;
        json_object_set(keep, queue[i], svc);
        const char *d;
        json_t *v;
        json_object_foreach(json_object_get(svc, "depends_on"), d, v) strv_push(&queue, xstrdup(d));
    }
    strv_free(queue);
    json_object_set_new(model, "services", keep);
}

static void print_keys(FILE *out, json_t *obj, const char *field)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        fprintf(out, "%s\n", field ? hj_str(v, field) ? hj_str(v, field) : k : k);
    }
}

static char *render_list(struct compose_project *p, int what, const char *hash, struct herr *e)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    const char *k;
    json_t *v;
    int r = 0;
    switch (what) {
    case L_SERVICES:
        for (size_t i = 0; i < p->nservices; i++)
            fprintf(out, "%s\n", p->services[i].name);
        break;
    case L_VOLUMES:
        print_keys(out, json_object_get(p->model, "volumes"), NULL);
        break;
    case L_NETWORKS:
        print_keys(out, json_object_get(p->model, "networks"), NULL);
        break;
    case L_IMAGES:
        for (size_t i = 0; i < p->nservices; i++) {
            const char *img = hj_str(p->services[i].cfg, "image");
            if (img)
                fprintf(out, "%s\n", img);
            else
                fprintf(out, "%s-%s\n", p->name, p->services[i].name);
        }
        break;
    case L_PROFILES:
        for (char **q = p->profiles; q && *q; q++)
            fprintf(out, "%s\n", *q);
        break;
    case L_VARIABLES:
        fprintf(out, "%-24s %-9s %-24s %s\n", "NAME", "REQUIRED", "DEFAULT VALUE",
                "ALTERNATE VALUE");
        json_object_foreach(p->variables, k, v)
        {
            fprintf(out, "%-24s %-9s %-24s %s\n", k,
                    hj_bool(v, "required", false) ? "true" : "false",
                    hj_str(v, "default") ? hj_str(v, "default") : "",
                    hj_str(v, "alternate") ? hj_str(v, "alternate") : "");
        }
        break;
    case L_HASH: {
        _cleanup_strv_ char **names = NULL;
        if (!strcmp(hash, "*")) {
            for (size_t i = 0; i < p->nservices; i++)
                strv_push(&names, xstrdup(p->services[i].name));
        } else {
            _cleanup_free_ char *tmp = xstrdup(hash);
            for (char *s = tmp, *tok; (tok = strsep(&s, ","));)
                if (*tok)
                    strv_push(&names, xstrdup(tok));
        }
        for (char **n = names; r == 0 && n && *n; n++) {
            char h[65];
            r = compose_service_hash(p, *n, h, e);
            if (r == 0)
                fprintf(out, "%s %s\n", *n, h);
        }
        break;
    }
    }
    fclose(out);
    if (r < 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

struct config_args {
    const char *format, *hash, *output;
    bool list[L_HASH + 1], quiet, no_interpolate;
};

static int format_opt(const char *cmd, const struct cli_opt *o, void *field, const char *arg)
{
    (void)o;
    if (strcmp(arg, "json") && strcmp(arg, "yaml"))
        return cli_usage_error(cmd, "invalid --format \"%s\": yaml or json", arg);
    *(const char **)field = arg;
    return 0;
}

#define CA(f) offsetof(struct config_args, f)
#define LIST_OPT(name, help, i)                                                                    \
    {                                                                                              \
        name, 0, NULL, help, CLI_OPT_FLAG, CA(list[i]), NULL, NULL                                 \
    }
#define EXCLUSIVE                                                                                  \
    "--services, --volumes, --networks, --images, --profiles, --variables and "                    \
    "--hash exclude each other"

static const struct cli_spec config_spec = {
    .cmd = "config",
    .usage = "[OPTIONS] [SERVICE...]",
    .what = "Parse, resolve and render compose file in canonical format",
    .opts =
        (const struct cli_opt[]){
            {"format", 0, "FORMAT", "Format the output. Values: [yaml | json]", CLI_OPT_CALL,
             CA(format), format_opt, "yaml json"},
            LIST_OPT("services", "Print the service names, one per line.", L_SERVICES),
            LIST_OPT("volumes", "Print the volume names, one per line.", L_VOLUMES),
            LIST_OPT("networks", "Print the network names, one per line.", L_NETWORKS),
            LIST_OPT("images", "Print the image names, one per line.", L_IMAGES),
            LIST_OPT("profiles", "Print the profile names, one per line.", L_PROFILES),
            LIST_OPT("variables", "Print model variables and default values.", L_VARIABLES),
            {"hash", 0, "SERVICES", "Print the service config hash, one per line ('*' for all)",
             CLI_OPT_STRING, CA(hash), NULL, NULL},
            {"quiet", 'q', NULL, "Only validate the configuration, don't print anything",
             CLI_OPT_FLAG, CA(quiet), NULL, NULL},
            {"no-interpolate", 0, NULL, "Don't interpolate environment variables", CLI_OPT_FLAG,
             CA(no_interpolate), NULL, NULL},
            {"output", 'o', "FILE", "Save to file (default to stdout)", CLI_OPT_STRING, CA(output),
             NULL, NULL},
            CLI_OPT_END,
        },
    .more = cli_compose_opts,
    .conflicts =
        (const struct cli_conflict[]){
            {"services", "volumes networks images profiles variables hash", EXCLUSIVE},
            {"volumes", "networks images profiles variables hash", EXCLUSIVE},
            {"networks", "images profiles variables hash", EXCLUSIVE},
            {"images", "profiles variables hash", EXCLUSIVE},
            {"profiles", "variables hash", EXCLUSIVE},
            {"variables", "hash", EXCLUSIVE},
            {0},
        },
    .style = CLI_STYLE_COMPOSE,
    .interspersed = true,
};

const struct cli_spec *const cli_config_specs[] = {&config_spec, NULL};

int cli_config_main(const struct cli_globals *g, int argc, char **argv)
{
    struct cli_compose cc;
    struct config_args ca = {0};
    int status = 0;
    cli_compose_init(&cc, g);
    int r = cli_opt_parse(&config_spec, &ca, &cc, argc, argv);
    if (r >= 0) {
        cli_compose_free(&cc);
        return r;
    }
    cc.o.no_interpolate = ca.no_interpolate;
    int list = 0;
    ca.list[L_HASH] = ca.hash != NULL;
    for (int i = L_SERVICES; i <= L_HASH && !list; i++)
        list = ca.list[i] ? i : 0;
    enum compose_format fmt = ca.format && !strcmp(ca.format, "json") ? COMPOSE_JSON : COMPOSE_YAML;
    bool quiet = ca.quiet;
    const char *hash = ca.hash, *output = ca.output;
    for (int i = optind; i < argc; i++)
        strv_push(&cc.o.services, xstrdup(argv[i]));
    struct compose_project *p = cli_compose_load(&cc, &status);
    if (!p) {
        cli_compose_free(&cc);
        return status;
    }
    struct herr e = {0};
    if (cc.o.services)
        select_services(p->model, cc.o.services);
    _cleanup_free_ char *text = NULL;
    if (!quiet) {
        text = list ? render_list(p, list, hash, &e) : compose_render(p, fmt, &e);
        if (!text)
            status = cli_report(&e, 1);
    }
    if (text && output) {
        if (fs_write_atomic(AT_FDCWD, output, text, strlen(text), 0644, false, &e) < 0)
            status = cli_report(&e, 1);
    } else if (text) {
        fputs(text, stdout);
    }
    compose_project_free(p);
    cli_compose_free(&cc);
    return status;
}
