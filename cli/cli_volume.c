/* `hoist volume create|ls|rm|inspect|prune`, on the volumes/ store. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"
#include "volumes/volumes.h"

static void usage(FILE *f)
{
    fprintf(f, "Usage: hoist volume COMMAND\n\nCommands:\n"
               "  create   Create a volume\n"
               "  ls       List volumes\n"
               "  rm       Remove one or more volumes\n"
               "  inspect  Show details of volumes\n"
               "  prune    Remove unused volumes\n");
}

static int cmd_create(const struct cli_globals *g, int argc, char **argv)
{
    static const char help[] =
        "Usage: hoist volume create [-d local] [--label K=V]... [-o K=V]... [NAME]\n\n"
        "Options:\n"
        "  -d, --driver NAME   volume driver (only local)\n"
        "      --label K=V     set a label (repeatable)\n"
        "  -o, --opt K=V       driver option: type, o, device (repeatable)\n";
    if (cli_help_asked(argc, argv, help))
        return 0;
    static const struct option opts[] = {
        {"driver", required_argument, NULL, 'd'},
        {"label", required_argument, NULL, 'l'},
        {"opt", required_argument, NULL, 'o'},
        {"name", required_argument, NULL, 'n'},
        {0},
    };
    _cleanup_strv_ char **labels = xcalloc(1, sizeof(char *));
    _cleanup_strv_ char **options = xcalloc(1, sizeof(char *));
    struct vol_create_opts o = {0};
    const char *name = NULL;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+d:o:", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            o.driver = optarg;
            break;
        case 'l':
            strv_push(&labels, xstrdup(optarg));
            break;
        case 'o':
            strv_push(&options, xstrdup(optarg));
            break;
        case 'n':
            name = optarg;
            break;
        default:
            return cli_usage_error("volume create", "unknown or incomplete option \"%s\"",
                                   argv[optind - 1]);
        }
    }
    if (optind < argc) {
        if (name && strcmp(name, argv[optind]) != 0)
            return cli_usage_error("volume create", "conflicting names: --name %s and argument %s",
                                   name, argv[optind]);
        name = argv[optind++];
    }
    if (optind < argc)
        return cli_usage_error("volume create", "expected at most one NAME, got \"%s\" too",
                               argv[optind]);
    o.labels = labels;
    o.options = options;
    struct herr e = {0};
    _cleanup_free_ char *made = NULL;
    if (vol_create(g->root, name, &o, &made, NULL, &e) < 0)
        return cli_report(&e, 1);
    puts(made);
    return 0;
}

struct filter {
    int dangling; /* -1 unset */
    char **names, **labels, **drivers;
};

static void filter_clear(struct filter *f)
{
    strv_free(f->names);
    strv_free(f->labels);
    strv_free(f->drivers);
}

static int filter_add(struct filter *f, const char *cmd, const char *spec, bool prune)
{
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec)
        return cli_usage_error(cmd, "invalid filter \"%s\": want KEY=VALUE", spec);
    _cleanup_free_ char *key = xstrndup(spec, (size_t)(eq - spec));
    const char *v = eq + 1;
    if (!prune && strcmp(key, "dangling") == 0) {
        if (strcmp(v, "true") && strcmp(v, "1") && strcmp(v, "false") && strcmp(v, "0"))
            return cli_usage_error(cmd, "invalid filter \"%s\": dangling is true or false", spec);
        f->dangling = strcmp(v, "true") == 0 || strcmp(v, "1") == 0;
    } else if (!prune && strcmp(key, "name") == 0) {
        strv_push(&f->names, xstrdup(v));
    } else if (!prune && strcmp(key, "driver") == 0) {
        strv_push(&f->drivers, xstrdup(v));
    } else if (strcmp(key, "label") == 0) {
        strv_push(&f->labels, xstrdup(v));
    } else {
        return cli_usage_error(cmd, "invalid filter \"%s\" (%s)", key,
                               prune ? "label" : "dangling, name, driver, label");
    }
    return 0;
}

static bool label_match(const json_t *labels, const char *want)
{
    const char *eq = strchr(want, '=');
    _cleanup_free_ char *k = eq ? xstrndup(want, (size_t)(eq - want)) : xstrdup(want);
    const char *have = hj_str(labels, k);
    return have && (!eq || strcmp(have, eq + 1) == 0);
}

/* Docker's semantics: values of one key are alternatives, different keys must all hold;
 * labels must all hold. */
static bool filter_match(const struct filter *f, const struct cli_globals *g, const json_t *v)
{
    const char *name = hj_str(v, "Name");
    if (f->names) {
        bool any = false;
        for (char **p = f->names; *p && !any; p++)
            any = strstr(name, *p) != NULL;
        if (!any)
            return false;
    }
    if (f->drivers) {
        bool any = false;
        for (char **p = f->drivers; *p && !any; p++)
            any = strcmp(hj_str(v, "Driver"), *p) == 0;
        if (!any)
            return false;
    }
    for (char **p = f->labels; p && *p; p++)
        if (!label_match(json_object_get(v, "Labels"), *p))
            return false;
    if (f->dangling >= 0) {
        _cleanup_strv_ char **users = NULL;
        if (vol_users(g->root, name, &users, NULL) < 0)
            return false;
        if ((users[0] == NULL) != (f->dangling == 1))
            return false;
    }
    return true;
}

static int cmd_ls(const struct cli_globals *g, int argc, char **argv)
{
    static const char help[] =
        "Usage: hoist volume ls [-q] [--format json|table] [-f KEY=VALUE]...\n\n"
        "Filters: dangling=true|false, name=SUBSTRING, driver=local, label=K[=V]\n";
    if (cli_help_asked(argc, argv, help))
        return 0;
    static const struct option opts[] = {
        {"quiet", no_argument, NULL, 'q'},
        {"format", required_argument, NULL, 'F'},
        {"filter", required_argument, NULL, 'f'},
        {0},
    };
    bool quiet = false, json = false;
    struct filter f = {.dangling = -1};
    int c, r = 0;
    optind = 0;
    opterr = 0;
    while (r == 0 && (c = getopt_long(argc, argv, "+qf:", opts, NULL)) != -1) {
        switch (c) {
        case 'q':
            quiet = true;
            break;
        case 'F':
            r = cli_format_arg("volume ls", optarg, &json);
            break;
        case 'f':
            r = filter_add(&f, "volume ls", optarg, false);
            break;
        default:
            r = cli_usage_error("volume ls", "unknown or incomplete option \"%s\"",
                                argv[optind - 1]);
        }
    }
    if (r == 0 && optind < argc)
        r = cli_usage_error("volume ls", "unexpected argument \"%s\"", argv[optind]);
    struct herr e = {0};
    _cleanup_strv_ char **names = NULL;
    if (r == 0 && vol_list(g->root, &names, &e) < 0)
        r = cli_report(&e, 1);
    if (r) {
        filter_clear(&f);
        return r;
    }
    if (!quiet && !json)
        printf("%-10s%s\n", "DRIVER", "VOLUME NAME");
    for (char **n = names; *n; n++) {
        _cleanup_json_ json_t *v = vol_inspect(g->root, *n, NULL);
        if (!v || !filter_match(&f, g, v))
            continue;
        if (quiet) {
            puts(*n);
        } else if (json) {
            _cleanup_free_ char *lt = cli_labels_text(json_object_get(v, "Labels"));
            _cleanup_json_ json_t *row =
                json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "Availability", "N/A",
                          "Driver", hj_str(v, "Driver"), "Group", "N/A", "Labels", lt, "Links",
                          "N/A", "Mountpoint", hj_str(v, "Mountpoint"), "Name", *n, "Scope",
                          "local", "Size", "N/A", "Status", "N/A");
            _cleanup_free_ char *s = json_dumps(row, JSON_COMPACT | JSON_SORT_KEYS);
            puts(s);
        } else {
            printf("%-10s%s\n", hj_str(v, "Driver"), *n);
        }
    }
    filter_clear(&f);
    return 0;
}

static int cmd_rm(const struct cli_globals *g, int argc, char **argv)
{
    static const char help[] = "Usage: hoist volume rm [-f] VOLUME...\n\n"
                               "A volume used by a container is never removed; -f only ignores\n"
                               "volumes that do not exist.\n";
    return cli_rm_each(g, "volume rm", help, "VOLUME", vol_remove, argc, argv);
}

static int cmd_inspect(const struct cli_globals *g, int argc, char **argv)
{
    return cli_inspect_each(g, "volume inspect",
                            "Usage: hoist volume inspect [-f FORMAT] VOLUME...\n", "VOLUME",
                            vol_inspect, JSON_INDENT(4) | JSON_SORT_KEYS, argc, argv);
}

/* Docker's units.HumanSize: decimal units, 4 significant digits. */
static char *human_size(long long n)
{
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
    double v = (double)n;
    size_t u = 0;
    while (v >= 1000 && u + 1 < sizeof(units) / sizeof(units[0])) {
        v /= 1000;
        u++;
    }
    return xasprintf("%.4g%s", v, units[u]);
}

static int cmd_prune(const struct cli_globals *g, int argc, char **argv)
{
    static const char help[] =
        "Usage: hoist volume prune [-a] [-f] [--filter label=K[=V]]...\n\n"
        "Removes anonymous volumes no container uses; with -a, named ones too.\n";
    if (cli_help_asked(argc, argv, help))
        return 0;
    static const struct option opts[] = {
        {"all", no_argument, NULL, 'a'},
        {"force", no_argument, NULL, 'f'},
        {"filter", required_argument, NULL, 'F'},
        {0},
    };
    bool all = false, force = false;
    struct filter f = {.dangling = -1};
    int c, r = 0;
    optind = 0;
    opterr = 0;
    while (r == 0 && (c = getopt_long(argc, argv, "+af", opts, NULL)) != -1) {
        if (c == 'a')
            all = true;
        else if (c == 'f')
            force = true;
        else if (c == 'F')
            r = filter_add(&f, "volume prune", optarg, true);
        else
            r = cli_usage_error("volume prune", "unknown or incomplete option \"%s\"",
                                argv[optind - 1]);
    }
    if (r == 0 && optind < argc)
        r = cli_usage_error("volume prune", "unexpected argument \"%s\"", argv[optind]);
    if (r == 0 && !force) {
        printf("WARNING! This will remove %s local volumes not used by at least one container.\n"
               "Are you sure you want to continue? [y/N] ",
               all ? "all" : "anonymous");
        fflush(stdout);
        char line[16] = "";
        if (!fgets(line, sizeof(line), stdin) || (line[0] != 'y' && line[0] != 'Y'))
            r = 1;
    }
    struct herr e = {0};
    _cleanup_strv_ char **names = NULL;
    if (r == 0 && vol_list(g->root, &names, &e) < 0)
        r = cli_report(&e, 1);
    if (r) {
        filter_clear(&f);
        return r;
    }
    long long total = 0;
    bool header = false;
    int status = 0;
    for (char **n = names; *n; n++) {
        _cleanup_json_ json_t *v = vol_inspect(g->root, *n, NULL);
        if (!v || !filter_match(&f, g, v))
            continue;
        if (!all && !json_object_get(json_object_get(v, "Labels"), VOL_ANON_LABEL))
            continue;
        _cleanup_strv_ char **users = NULL;
        if (vol_users(g->root, *n, &users, &e) < 0 || users[0])
            continue;
        long long size = 0;
        vol_size(g->root, *n, &size, NULL);
        if (vol_remove(g->root, *n, &e) < 0) {
            status = cli_report(&e, 1);
            continue;
        }
        if (!header)
            puts("Deleted Volumes:");
        header = true;
        puts(*n);
        total += size;
    }
    filter_clear(&f);
    _cleanup_free_ char *hs = human_size(total);
    printf("%sTotal reclaimed space: %s\n", header ? "\n" : "", hs);
    return status;
}

int cli_volume_main(const struct cli_globals *g, int argc, char **argv)
{
    static const struct cli_cmd cmds[] = {
        {"create", NULL, cmd_create},   {"ls", "list", cmd_ls},     {"rm", "remove", cmd_rm},
        {"inspect", NULL, cmd_inspect}, {"prune", NULL, cmd_prune},
    };
    return cli_dispatch(g, "volume", cmds, sizeof(cmds) / sizeof(cmds[0]), usage, argc, argv);
}
