/* hoist config: the normalized compose model, like `docker compose config`. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_compose.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"

static void usage(FILE *f)
{
    fprintf(f, "Usage: hoist config [OPTIONS] [SERVICE...]\n\n"
               "Parse, resolve and render the compose files in canonical form.\n\n"
               "Options:\n"
               "  -f, --file FILE            compose file (repeatable, - for stdin)\n"
               "  -p, --project-name NAME    project name\n"
               "      --profile NAME         enable a profile (repeatable)\n"
               "      --env-file FILE        environment file (repeatable)\n"
               "      --project-directory D  project directory\n"
               "      --format yaml|json     output format (default yaml)\n"
               "      --services             print the service names\n"
               "      --volumes              print the volume names\n"
               "      --networks             print the network names\n"
               "      --images               print the image of each service\n"
               "      --profiles             print the profile names\n"
               "      --variables            print the variables and their defaults\n"
               "      --hash 'SVC,...|*'     print the config hash of services\n"
               "  -q, --quiet                only validate\n"
               "      --no-interpolate       do not substitute variables\n"
               "  -o, --output FILE          write to FILE instead of stdout\n");
}

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

int cli_config_main(const struct cli_globals *g, int argc, char **argv)
{
    (void)g;
    static const struct option opts[] = {
        CLI_COMPOSE_LONGOPTS,
        {"format", required_argument, NULL, 'F'},
        {"services", no_argument, NULL, L_SERVICES},
        {"volumes", no_argument, NULL, L_VOLUMES},
        {"networks", no_argument, NULL, L_NETWORKS},
        {"images", no_argument, NULL, L_IMAGES},
        {"profiles", no_argument, NULL, L_PROFILES},
        {"variables", no_argument, NULL, L_VARIABLES},
        {"hash", required_argument, NULL, L_HASH},
        {"quiet", no_argument, NULL, 'q'},
        {"no-interpolate", no_argument, NULL, 'I'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    struct cli_compose cc = {0};
    enum compose_format fmt = COMPOSE_YAML;
    int list = 0, c, status = 0;
    bool quiet = false;
    const char *hash = NULL, *output = NULL;
    optind = 0;
    while ((c = getopt_long(argc, argv, "+" CLI_COMPOSE_SHORTOPTS "qo:h", opts, NULL)) != -1) {
        if (cli_compose_opt(&cc, c, optarg))
            continue;
        switch (c) {
        case 'F':
            if (!strcmp(optarg, "json"))
                fmt = COMPOSE_JSON;
            else if (strcmp(optarg, "yaml")) {
                cli_compose_free(&cc);
                return cli_usage_error("config", "invalid --format \"%s\": yaml or json", optarg);
            }
            break;
        case L_HASH:
            hash = optarg;
            /* fallthrough */
        case L_SERVICES:
        case L_VOLUMES:
        case L_NETWORKS:
        case L_IMAGES:
        case L_PROFILES:
        case L_VARIABLES:
            if (list && list != c) {
                cli_compose_free(&cc);
                return cli_usage_error("config", "--services, --volumes, --networks, --images, "
                                                 "--profiles, --variables and --hash exclude "
                                                 "each other");
            }
            list = c;
            break;
        case 'q':
            quiet = true;
            break;
        case 'I':
            cc.o.no_interpolate = true;
            break;
        case 'o':
            output = optarg;
            break;
        case 'h':
            usage(stdout);
            cli_compose_free(&cc);
            return 0;
        default:
            cli_compose_free(&cc);
            usage(stderr);
            return 1;
        }
    }
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
