#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_compose.h"
#include "cli/cli_compose_cmds.h"
#include "cli/cli_opt.h"
#include "cli/cli_up.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"
#include "common/tmpl.h"

#define SPEC(s) ((const struct cli_spec *const[]){&s, NULL})

/* The container-engine groups first, then the compose verbs. */
const struct cli_group cli_groups[] = {
    {"container", "Manage containers", cli_container_main, false, cli_container_specs},
    {"image", "Manage images", cli_image_main, false, NULL},
    {"network", "Manage networks", cli_network_main, false, NULL},
    {"volume", "Manage volumes", cli_volume_main, false, NULL},
    {"login", "Log in to a registry", cli_login_main, false, NULL},
    {"logout", "Log out from a registry", cli_login_main, false, NULL},
    {"runtime", "OCI runtime commands (create, start, state, kill, delete, ...)", cli_runtime_main,
     false, NULL},
    {"config", "Show the normalized compose model", cli_config_main, true, cli_config_specs},
    {"create", "Create the services' containers", cli_create_main, true, cli_create_specs},
    {"down", "Stop and remove containers, networks", cli_down_main, true, cli_down_specs},
    {"exec", "Execute a command in a running container", cli_compose_exec, true,
     SPEC(cli_compose_exec_spec)},
    {"images", "List images used by the created containers", cli_compose_images, true,
     SPEC(cli_compose_images_spec)},
    {"kill", "Force stop service containers", cli_compose_kill, true, SPEC(cli_compose_kill_spec)},
    {"logs", "View output from containers", cli_compose_logs, true, SPEC(cli_compose_logs_spec)},
    {"ls", "List running compose projects", cli_compose_ls, true, SPEC(cli_compose_ls_spec)},
    {"pause", "Pause services", cli_compose_pause, true, SPEC(cli_compose_pause_spec)},
    {"port", "Print the public port for a port binding", cli_compose_port, true,
     SPEC(cli_compose_port_spec)},
    {"ps", "List containers", cli_compose_ps, true, SPEC(cli_compose_ps_spec)},
    {"pull", "Pull service images", cli_compose_pull, true, SPEC(cli_compose_pull_spec)},
    {"restart", "Restart service containers", cli_compose_restart, true,
     SPEC(cli_compose_restart_spec)},
    {"rm", "Removes stopped service containers", cli_compose_rm, true, SPEC(cli_compose_rm_spec)},
    {"run", "Run a one-off command on a service", cli_run_main, true, cli_run_specs},
    {"start", "Start services", cli_compose_start, true, SPEC(cli_compose_start_spec)},
    {"stop", "Stop services", cli_compose_stop, true, SPEC(cli_compose_stop_spec)},
    {"top", "Display the running processes", cli_compose_top, true, SPEC(cli_compose_top_spec)},
    {"unpause", "Unpause services", cli_compose_pause, true, SPEC(cli_compose_unpause_spec)},
    {"up", "Create and start containers", cli_up_main, true, cli_up_specs},
    {"version", "Show the hoist compose version information", cli_compose_version, true,
     SPEC(cli_compose_version_spec)},
    {"wait", "Block until containers of services stop", cli_compose_wait, true,
     SPEC(cli_compose_wait_spec)},
    {0},
};

static void commands_help(FILE *f, bool compose)
{
    fprintf(f, "\nCommands:\n");
    for (const struct cli_group *c = cli_groups; c->name; c++) {
        if (!compose || c->compose)
            fprintf(f, "  %-10s %s\n", c->name, c->what);
    }
}

static void main_help(FILE *f)
{
    commands_help(f, false);
}

static void compose_help(FILE *f)
{
    commands_help(f, true);
}

#define G(f) offsetof(struct cli_globals, f)

const struct cli_spec cli_main_spec = {
    .cmd = "",
    .usage = "[OPTIONS] COMMAND",
    .what = "A container engine and compose orchestrator.",
    .opts =
        (const struct cli_opt[]){
            {"root", 0, "DIR", "Persistent state (default /var/lib/hoist, $HOIST_ROOT)",
             CLI_OPT_STRING, G(root), NULL, NULL},
            {"runroot", 0, "DIR", "Runtime state (default /run/hoist, $HOIST_RUNROOT)",
             CLI_OPT_STRING, G(runroot), NULL, NULL},
            {"cgroup-parent", 0, "NAME", "Parent cgroup of containers (default hoist)",
             CLI_OPT_STRING, G(cgroup_parent), NULL, NULL},
            {"version", 'v', NULL, "Print the version", CLI_OPT_FLAG, G(version), NULL, NULL},
            CLI_OPT_END,
        },
    .more = cli_compose_opts,
    .help = main_help,
};

static const struct cli_spec compose_spec = {
    .cmd = "compose",
    .usage = "[OPTIONS] COMMAND",
    .what = "Define and run multi-container applications (the compose verbs, as after "
            "`docker compose`).",
    .more = cli_compose_opts,
    .style = CLI_STYLE_COMPOSE,
    .help = compose_help,
    .hidden = true,
};

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

/* Run the command word at argv[0]; compose_only after `hoist compose`. */
static int dispatch(const struct cli_globals *g, int argc, char **argv, bool compose_only)
{
    /* Hidden: what the build makes the completions and man pages with. */
    if (!strcmp(argv[0], "__complete") || !strcmp(argv[0], "completion") ||
        !strcmp(argv[0], "__man"))
        return cli_doc_main(g, argc, argv);
    for (const struct cli_group *c = cli_groups; c->name; c++) {
        if (!strcmp(argv[0], c->name) && (c->compose || !compose_only))
            return c->fn(g, argc, argv);
    }
    if (compose_only) {
        fprintf(stderr, "hoist: unknown docker command: \"compose %s\"\n", argv[0]);
        return 16;
    }
    fprintf(stderr, "hoist: unknown command \"%s\"\nSee 'hoist --help'.\n", argv[0]);
    return 125;
}

/* `hoist compose [OPTIONS] VERB ...`: the same verbs, so that replacing the word docker
 * is enough. */
static int compose_main(struct cli_globals *g, struct cli_compose *top, int argc, char **argv)
{
    int r = cli_opt_parse(&compose_spec, NULL, top, argc, argv);
    if (r >= 0)
        return r;
    if (optind >= argc) {
        cli_opt_help(&compose_spec, stderr);
        return 125;
    }
    return dispatch(g, argc - optind, argv + optind, true);
}

int main(int argc, char **argv)
{
    const char *self = fs_self_exe();
    struct cli_compose top = {0};
    struct cli_globals g = {
        .root = env_or("HOIST_ROOT", "/var/lib/hoist"),
        .runroot = env_or("HOIST_RUNROOT", "/run/hoist"),
        .cgroup_parent = env_or("HOIST_CGROUP_PARENT", "hoist"),
        .self = self,
        .argv = argv,
        .compose = &top,
    };
    if (!self) {
        perror("hoist: readlink /proc/self/exe");
        return 125;
    }
    int r = cli_compose_environ(&top);
    if (r)
        return r;
    r = cli_opt_parse(&cli_main_spec, &g, &top, argc, argv);
    if (r >= 0)
        return r;
    if (g.version) {
        printf("hoist version %s\n", HOIST_VERSION);
        return 0;
    }
    if (optind >= argc) {
        cli_opt_help(&cli_main_spec, stderr);
        return 125;
    }
    argc -= optind, argv += optind;
    if (!strcmp(argv[0], "compose"))
        r = compose_main(&g, &top, argc, argv);
    else
        r = dispatch(&g, argc, argv, false);
    cli_compose_free(&top);
    return r;
}
