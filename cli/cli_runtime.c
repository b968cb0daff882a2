/* `hoist runtime [--root DIR] [--log FILE] [--log-format text|json] CMD ...`: the OCI
 * runtime command line, with the flags runc and crun accept. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_container_int.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/runtime/runtime.h"

struct rt_cli {
    const char *root, *log, *log_format;
};

static int fail(const struct rt_cli *c, const struct herr *e, int def)
{
    if (c->log) {
        _cleanup_file_ FILE *f = fopen(c->log, "ae");
        char buf[HERR_MSG_MAX + 128], ts[64];
        herr_str(e, buf, sizeof(buf));
        time_t now = time(NULL);
        struct tm tm;
        strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
        if (f && c->log_format && strcmp(c->log_format, "json") == 0) {
            _cleanup_json_ json_t *j =
                json_pack("{s:s, s:s, s:s}", "level", "error", "msg", buf, "time", ts);
            _cleanup_free_ char *s = json_dumps(j, JSON_COMPACT);
            fprintf(f, "%s\n", s);
        } else if (f) {
            fprintf(f, "time=\"%s\" level=error msg=\"%s\"\n", ts, buf);
        }
    }
    return cli_report(e, def);
}

static int usage_err(const char *cmd, const char *msg)
{
    fprintf(stderr, "hoist runtime %s: %s\n", cmd, msg);
    return 1;
}

static int cmd_create_run(const struct rt_cli *c, bool run, int argc, char **argv)
{
    static const struct option opts[] = {
        {"bundle", required_argument, NULL, 'b'},
        {"pid-file", required_argument, NULL, 'p'},
        {"console-socket", required_argument, NULL, 's'},
        {"no-pivot", no_argument, NULL, 'P'},
        {"detach", no_argument, NULL, 'd'},
        {"no-new-keyring", no_argument, NULL, 'K'},
        {0},
    };
    struct rt_create_opts o = {0};
    bool detach = false;
    int ch;
    optind = 0;
    while ((ch = getopt_long(argc, argv, "+b:d", opts, NULL)) != -1) {
        switch (ch) {
        case 'b':
            o.bundle = optarg;
            break;
        case 'p':
            o.pid_file = optarg;
            break;
        case 's':
            o.console_socket = optarg;
            break;
        case 'P':
            o.no_pivot = true;
            break;
        case 'd':
            if (!run)
                return usage_err(argv[0], "unknown option --detach");
            detach = true;
            break;
        case 'K':
            break;
        default:
            return 1;
        }
    }
    if (optind + 1 != argc)
        return usage_err(argv[0], "exactly one container id is required");
    struct herr e = {0};
    if (!run)
        return rt_create(c->root, argv[optind], &o, &e) < 0 ? fail(c, &e, 1) : 0;
    int status;
    if (rt_run(c->root, argv[optind], &o, detach, &status, &e) < 0)
        return fail(c, &e, 1);
    return status;
}

static int one_id(int argc, const char *cmd)
{
    if (argc != 2)
        return usage_err(cmd, "exactly one container id is required");
    return 0;
}

static int cmd_state(const struct rt_cli *c, int argc, char **argv)
{
    if (one_id(argc, "state"))
        return 1;
    struct herr e = {0};
    _cleanup_json_ json_t *j = NULL;
    if (rt_state(c->root, argv[1], &j, &e) < 0)
        return fail(c, &e, 1);
    _cleanup_free_ char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    printf("%s\n", s);
    return 0;
}

static int cmd_list(const struct rt_cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},
        {"quiet", no_argument, NULL, 'q'},
        {0},
    };
    const char *format = "table";
    bool quiet = false;
    int ch;
    optind = 0;
    while ((ch = getopt_long(argc, argv, "f:q", opts, NULL)) != -1) {
        if (ch == 'f')
            format = optarg;
        else if (ch == 'q')
            quiet = true;
        else
            return 1;
    }
    if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
        return usage_err("list", "--format must be table or json");
    struct herr e = {0};
    _cleanup_json_ json_t *arr = NULL;
    if (rt_list(c->root, &arr, &e) < 0)
        return fail(c, &e, 1);
    size_t i;
    json_t *it;
    if (strcmp(format, "json") == 0) {
        _cleanup_free_ char *s = json_dumps(arr, JSON_COMPACT | JSON_PRESERVE_ORDER);
        printf("%s\n", s);
        return 0;
    }
    if (!quiet)
        printf("%-20s %-8s %-10s %-40s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED");
    json_array_foreach(arr, i, it)
    {
        if (quiet)
            printf("%s\n", hj_str(it, "id"));
        else
            printf("%-20s %-8lld %-10s %-40s %s\n", hj_str(it, "id"), hj_int(it, "pid", 0),
                   hj_str(it, "status"), hj_str(it, "bundle"), hj_str(it, "created"));
    }
    return 0;
}

static int cmd_kill(const struct rt_cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"all", no_argument, NULL, 'a'}, {0}};
    bool all = false;
    int ch;
    optind = 0;
    while ((ch = getopt_long(argc, argv, "+a", opts, NULL)) != -1) {
        if (ch != 'a')
            return 1;
        all = true;
    }
    if (optind >= argc || argc - optind > 2)
        return usage_err("kill", "usage: kill [--all] ID [SIGNAL]");
    struct herr e = {0};
    int sig = 15;
    if (argc - optind == 2 && rt_parse_signal(argv[optind + 1], &sig, &e) < 0)
        return fail(c, &e, 1);
    return rt_kill(c->root, argv[optind], sig, all, &e) < 0 ? fail(c, &e, 1) : 0;
}

static int cmd_delete(const struct rt_cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"force", no_argument, NULL, 'f'}, {0}};
    bool force = false;
    int ch;
    optind = 0;
    while ((ch = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
        if (ch != 'f')
            return 1;
        force = true;
    }
    if (optind + 1 != argc)
        return usage_err("delete", "exactly one container id is required");
    struct herr e = {0};
    return rt_delete(c->root, argv[optind], force, &e) < 0 ? fail(c, &e, 1) : 0;
}

static int cmd_exec(const struct rt_cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"process", required_argument, NULL, 'p'},
        {"tty", no_argument, NULL, 't'},
        {"console-socket", required_argument, NULL, 's'},
        {"detach", no_argument, NULL, 'd'},
        {"pid-file", required_argument, NULL, 'P'},
        {"cwd", required_argument, NULL, 'w'},
        {"env", required_argument, NULL, 'e'},
        {"user", required_argument, NULL, 'u'},
        {"cap", required_argument, NULL, 'c'},
        {"no-new-privs", no_argument, NULL, 'n'},
        {0},
    };
    struct rt_exec_opts o = {0};
    _cleanup_strv_ char **env = xcalloc(1, sizeof(char *));
    _cleanup_strv_ char **caps = xcalloc(1, sizeof(char *));
    int ch;
    optind = 0;
    while ((ch = getopt_long(argc, argv, "+p:tdw:e:u:c:", opts, NULL)) != -1) {
        switch (ch) {
        case 'p':
            o.process_file = optarg;
            break;
        case 't':
            o.tty = true;
            break;
        case 's':
            o.console_socket = optarg;
            break;
        case 'd':
            o.detach = true;
            break;
        case 'P':
            o.pid_file = optarg;
            break;
        case 'w':
            o.cwd = optarg;
            break;
        case 'e':
            strv_push(&env, xstrdup(optarg));
            break;
        case 'u':
            o.user = optarg;
            break;
        case 'c':
            strv_push(&caps, xstrdup(optarg));
            break;
        case 'n':
            o.no_new_privs = true;
            break;
        default:
            return 1;
        }
    }
    if (optind >= argc)
        return usage_err("exec", "a container id is required");
    const char *id = argv[optind++];
    if (!o.process_file && optind >= argc)
        return usage_err("exec", "a command or --process is required");
    if (o.process_file && optind < argc)
        return usage_err("exec", "--process and a command are exclusive");
    o.args = argv + optind;
    o.env = env;
    o.caps = caps;
    struct herr e = {0};
    int status;
    if (rt_exec(c->root, id, &o, &status, &e) < 0)
        return fail(c, &e, 1);
    return status;
}

static int cmd_spec(const struct rt_cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"bundle", required_argument, NULL, 'b'}, {"rootless", no_argument, NULL, 'r'}, {0}};
    const char *bundle = ".";
    int ch;
    optind = 0;
    while ((ch = getopt_long(argc, argv, "b:", opts, NULL)) != -1) {
        if (ch == 'b')
            bundle = optarg;
        else if (ch == 'r')
            return usage_err("spec", "rootless containers are not supported");
        else
            return 1;
    }
    if (optind != argc)
        return usage_err("spec", "no arguments expected");
    struct herr e = {0};
    _cleanup_free_ char *path = xasprintf("%s/config.json", bundle);
    if (access(path, F_OK) == 0) {
        herr_set(&e, EEXIST, "%s", path);
        return fail(c, &e, 1);
    }
    _cleanup_json_ json_t *spec = rt_spec_default(NULL, true);
    if (json_dump_file(spec, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0) {
        herr_sys(&e, "write %s", path);
        return fail(c, &e, 1);
    }
    return 0;
}

static int cmd_start(const struct rt_cli *c, int argc, char **argv)
{
    if (one_id(argc, "start"))
        return 1;
    struct herr e = {0};
    return rt_start(c->root, argv[1], &e) < 0 ? fail(c, &e, 1) : 0;
}

static int cmd_pause(const struct rt_cli *c, int argc, char **argv)
{
    if (one_id(argc, argv[0]))
        return 1;
    struct herr e = {0};
    int r = strcmp(argv[0], "pause") == 0 ? rt_pause(c->root, argv[1], &e)
                                          : rt_resume(c->root, argv[1], &e);
    return r < 0 ? fail(c, &e, 1) : 0;
}

static void usage(FILE *f)
{
    fprintf(f, "Usage: hoist runtime [--root DIR] [--log FILE] [--log-format text|json] COMMAND\n\n"
               "Commands:\n"
               "  create [--bundle DIR] [--pid-file F] [--console-socket S] [--no-pivot] ID\n"
               "  start ID\n"
               "  run [--detach] [--bundle DIR] [--pid-file F] [--console-socket S] ID\n"
               "  state ID\n"
               "  list [--format table|json] [-q]\n"
               "  kill [--all] ID [SIGNAL]\n"
               "  delete [--force] ID\n"
               "  pause ID\n"
               "  resume ID\n"
               "  exec [--process F | ARGS...] [--tty] [--detach] [--pid-file F] [--cwd D]\n"
               "       [--env K=V] [--user UID[:GID]] [--cap CAP] [--no-new-privs] ID\n"
               "  spec [--bundle DIR]\n");
}

static void print_warning(const struct herr *w)
{
    char buf[HERR_MSG_MAX + 128];
    fprintf(stderr, "hoist runtime: warning: %s\n", herr_str(w, buf, sizeof(buf)));
}

int cli_runtime_main(const struct cli_globals *g, int argc, char **argv)
{
    rt_warn = print_warning;
    rt_self_hook = cli_network_self_hook;
    static const struct option opts[] = {
        {"root", required_argument, NULL, 'r'},
        {"log", required_argument, NULL, 'l'},
        {"log-format", required_argument, NULL, 'f'},
        {"debug", no_argument, NULL, 'D'},
        {"systemd-cgroup", no_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    struct rt_cli c = {.root = RT_DEFAULT_ROOT, .log_format = "text"};
    int ch;
    optind = 0;
    while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (ch) {
        case 'r':
            c.root = optarg;
            break;
        case 'l':
            c.log = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "text") != 0 && strcmp(optarg, "json") != 0)
                return usage_err("--log-format", "must be text or json");
            c.log_format = optarg;
            break;
        case 'D':
            break;
        case 'S':
            return usage_err("--systemd-cgroup", "the systemd cgroup driver is not supported");
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 1;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return 1;
    }
    static const struct {
        const char *name;
        int (*fn)(const struct rt_cli *c, int argc, char **argv);
    } cmds[] = {
        {"state", cmd_state},   {"list", cmd_list},   {"kill", cmd_kill},
        {"delete", cmd_delete}, {"exec", cmd_exec},   {"spec", cmd_spec},
        {"start", cmd_start},   {"pause", cmd_pause}, {"resume", cmd_pause},
    };
    char **sub = argv + optind;
    int subc = argc - optind;
    /* Before anything of a container is touched: see rt_seal.c. */
    struct herr e = {0};
    if ((strcmp(sub[0], "create") == 0 || strcmp(sub[0], "run") == 0 ||
         strcmp(sub[0], "exec") == 0) &&
        rt_exe_seal(c.root, g->argv, &e) < 0)
        return fail(&c, &e, 1);
    if (strcmp(sub[0], "create") == 0 || strcmp(sub[0], "run") == 0)
        return cmd_create_run(&c, strcmp(sub[0], "run") == 0, subc, sub);
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        if (strcmp(sub[0], cmds[i].name) == 0)
            return cmds[i].fn(&c, subc, sub);
    }
    fprintf(stderr, "hoist runtime: unknown command \"%s\"\n", sub[0]);
    return 1;
}
