#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_compose_cmds.h"
#include "cli/cli_up.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"
#include "common/tmpl.h"

static const struct {
    const char *name;
    int (*fn)(const struct cli_globals *g, int argc, char **argv);
    const char *help;
} groups[] = {
    {"config", cli_config_main, "Show the normalized compose model"},
    {"container", cli_container_main, "Manage containers"},
    {"create", cli_create_main, "Create the services' containers"},
    {"down", cli_down_main, "Stop and remove containers, networks"},
    {"exec", cli_compose_exec, "Execute a command in a running container"},
    {"image", cli_image_main, "Manage images"},
    {"images", cli_compose_images, "List images used by the created containers"},
    {"kill", cli_compose_kill, "Force stop service containers"},
    {"login", cli_login_main, "Log in to a registry"},
    {"logout", cli_login_main, "Log out from a registry"},
    {"logs", cli_compose_logs, "View output from containers"},
    {"ls", cli_compose_ls, "List running compose projects"},
    {"network", cli_network_main, "Manage networks"},
    {"pause", cli_compose_pause, "Pause services"},
    {"port", cli_compose_port, "Print the public port for a port binding"},
    {"ps", cli_compose_ps, "List containers"},
    {"pull", cli_compose_pull, "Pull service images"},
    {"restart", cli_compose_restart, "Restart service containers"},
    {"rm", cli_compose_rm, "Removes stopped service containers"},
    {"run", cli_run_main, "Run a one-off command on a service"},
    {"runtime", cli_runtime_main, "OCI runtime commands (create, start, state, kill, delete, ...)"},
    {"start", cli_compose_start, "Start services"},
    {"stop", cli_compose_stop, "Stop services"},
    {"top", cli_compose_top, "Display the running processes"},
    {"unpause", cli_compose_pause, "Unpause services"},
    {"up", cli_up_main, "Create and start containers"},
    {"version", cli_compose_version, "Show the hoist compose version information"},
    {"volume", cli_volume_main, "Manage volumes"},
    {"wait", cli_compose_wait, "Block until containers of services stop"},
};

static void usage(FILE *f)
{
    fprintf(f, "Usage: hoist [--root DIR] [--runroot DIR] COMMAND ...\n\nCommands:\n");
    for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
        fprintf(f, "  %-10s %s\n", groups[i].name, groups[i].help);
    fprintf(f, "\nGlobal options:\n"
               "  --root DIR           persistent state (default /var/lib/hoist, $HOIST_ROOT)\n"
               "  --runroot DIR        runtime state (default /run/hoist, $HOIST_RUNROOT)\n"
               "  --cgroup-parent NAME parent cgroup of containers (default hoist)\n"
               "  --version            print the version\n");
}

int cli_report(const struct herr *e, int def)
{
    char buf[HERR_MSG_MAX + 128];
    fprintf(stderr, "hoist: %s\n", herr_str(e, buf, sizeof(buf)));
    return e->exit ? e->exit : def;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "hoist %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nSee 'hoist %s --help'.\n", cmd);
    return 125;
}

int cli_dispatch(const struct cli_globals *g, const char *group, const struct cli_cmd *cmds,
                 size_t n, void (*usage)(FILE *f), int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 125 : 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(argv[1], cmds[i].name) == 0 ||
            (cmds[i].alias && strcmp(argv[1], cmds[i].alias) == 0))
            return cmds[i].fn(g, argc - 1, argv + 1);
    }
    return cli_usage_error(group, "unknown command \"%s\"", argv[1]);
}

bool cli_help_asked(int argc, char **argv, const char *text)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(text, stdout);
            return true;
        }
    }
    return false;
}

int cli_format_arg(const char *cmd, const char *arg, bool *json)
{
    if (strcmp(arg, "json") != 0 && strcmp(arg, "table") != 0)
        return cli_usage_error(cmd, "unsupported format \"%s\" (json, table)", arg);
    *json = strcmp(arg, "json") == 0;
    return 0;
}

char *cli_labels_text(const json_t *labels)
{
    char *out = xstrdup("");
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)labels, k, v)
    {
        char *n = xasprintf("%s%s%s=%s", out, *out ? "," : "", k, json_string_value(v));
        free(out);
        out = n;
    }
    return out;
}

int cli_rm_each(const struct cli_globals *g, const char *cmd, const char *help, const char *what,
                int (*fn)(const char *root, const char *ref, struct herr *e), int argc, char **argv)
{
    if (cli_help_asked(argc, argv, help))
        return 0;
    static const struct option opts[] = {{"force", no_argument, NULL, 'f'}, {0}};
    bool force = false;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
        if (c != 'f')
            return cli_usage_error(cmd, "unknown option \"%s\"", argv[optind - 1]);
        force = true;
    }
    if (optind >= argc)
        return cli_usage_error(cmd, "requires at least one %s", what);
    int status = 0;
    for (int i = optind; i < argc; i++) {
        struct herr e = {0};
        if (fn(g->root, argv[i], &e) < 0) {
            if (!(force && e.errnum == ENOENT))
                status = cli_report(&e, 1);
            continue;
        }
        puts(argv[i]);
    }
    return status;
}

int cli_inspect_opts(const char *cmd, const char *help, const char *what, int argc, char **argv,
                     const char **format, int *first)
{
    if (cli_help_asked(argc, argv, help))
        return 0;
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'}, {0}};
    int c;
    *format = NULL;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+f:", opts, NULL)) != -1) {
        if (c != 'f')
            return cli_usage_error(cmd, "unknown or incomplete option \"%s\"", argv[optind - 1]);
        *format = strcmp(optarg, "json") == 0 ? NULL : optarg;
    }
    if (optind >= argc)
        return cli_usage_error(cmd, "requires at least one %s", what);
    *first = optind;
    return -1;
}

int cli_inspect_print(json_t *all, const char *format, size_t json_flags)
{
    if (!format) {
        char *text = json_dumps(all, json_flags);
        puts(text);
        free(text);
        return 0;
    }
    size_t i;
    json_t *v;
    json_array_foreach(all, i, v)
    {
        struct herr e = {0};
        char *out = NULL;
        if (tmpl_render(format, v, &out, &e) < 0)
            return cli_report(&e, 1);
        puts(out);
        free(out);
    }
    return 0;
}

int cli_inspect_each(const struct cli_globals *g, const char *cmd, const char *help,
                     const char *what,
                     json_t *(*fn)(const char *root, const char *ref, struct herr *e),
                     size_t json_flags, int argc, char **argv)
{
    const char *format;
    int first, r = cli_inspect_opts(cmd, help, what, argc, argv, &format, &first);
    if (r >= 0)
        return r;
    _cleanup_json_ json_t *all = json_array();
    int status = 0;
    for (int i = first; i < argc; i++) {
        struct herr e = {0};
        json_t *v = fn(g->root, argv[i], &e);
        if (v)
            json_array_append_new(all, v);
        else
            status = cli_report(&e, 1);
    }
    r = cli_inspect_print(all, format, json_flags);
    return r ? r : status;
}

static const char *env_or(const char *name, const char *def)
{
    const char *v = getenv(name);
    return v && *v ? v : def;
}

int main(int argc, char **argv)
{
    const char *self = fs_self_exe();
    struct cli_globals g = {
        .root = env_or("HOIST_ROOT", "/var/lib/hoist"),
        .runroot = env_or("HOIST_RUNROOT", "/run/hoist"),
        .cgroup_parent = env_or("HOIST_CGROUP_PARENT", "hoist"),
        .self = self,
        .argv = argv,
    };
    if (!self) {
        perror("hoist: readlink /proc/self/exe");
        return 125;
    }

    static const struct option opts[] = {
        {"root", required_argument, NULL, 'r'},
        {"runroot", required_argument, NULL, 'R'},
        {"cgroup-parent", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'v'},
        {0},
    };
    int c;
    /* '+' stops at the first command word: the rest belongs to the command. */
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            g.root = optarg;
            break;
        case 'R':
            g.runroot = optarg;
            break;
        case 'c':
            g.cgroup_parent = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'v':
            printf("hoist version %s\n", HOIST_VERSION);
            return 0;
        default:
            usage(stderr);
            return 125;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return 125;
    }
    for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
        if (strcmp(argv[optind], groups[i].name) == 0)
            return groups[i].fn(&g, argc - optind, argv + optind);
    }
    fprintf(stderr, "hoist: unknown command \"%s\"\nSee 'hoist --help'.\n", argv[optind]);
    return 125;
}
