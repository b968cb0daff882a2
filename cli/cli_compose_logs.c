/* Compose logs (every service's output, prefixed and coloured), exec, and pull. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_compose_cmds.h"
#include "cli/cli_container_int.h"
#include "cli/cli_logs.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"

struct logs_flags {
    bool follow, prefix, color;
    long long tail;
    struct cli_log_opts lo;
};

static int logs_opt(void *arg, int c, const char *optarg)
{
    struct logs_flags *f = arg;
    switch (c) {
    case 'F':
        f->follow = true;
        break;
    case 't':
        f->lo.timestamps = true;
        break;
    case 'C':
        f->color = false;
        break;
    case 'P':
        f->prefix = false;
        break;
    case 'n':
        if (strcmp(optarg, "all") && (str_parse_ll(optarg, &f->tail) < 0))
            return cli_usage_error("logs", "invalid --tail \"%s\": a number or \"all\"", optarg);
        break;
    case 'S':
    case 'U':
        if (cli_log_parse_time(optarg, c == 'S' ? &f->lo.since : &f->lo.until) < 0)
            return cli_usage_error("logs",
                                   "invalid --%s \"%s\": a timestamp (2013-01-02T13:23:37Z), "
                                   "unix seconds or a duration (42m)",
                                   c == 'S' ? "since" : "until", optarg);
        break;
    }
    return -1;
}

int cli_compose_logs(const struct cli_globals *g, int argc, char **argv)
{
    static const char help[] =
        "Usage: hoist logs [OPTIONS] [SERVICE...]\n\n"
        "View output from containers.\n\nOptions:\n"
        "  -f, --follow          follow log output\n"
        "  -n, --tail N          number of lines to show from the end of the logs (or all)\n"
        "  -t, --timestamps      show timestamps\n"
        "      --since TIME      logs since a timestamp or relative time (42m)\n"
        "      --until TIME      logs before a timestamp or relative time\n"
        "      --no-color        monochrome output\n"
        "      --no-log-prefix   don't print a prefix in logs\n"
        "  --file FILE, -p NAME, --profile, --env-file, --project-directory\n";
    static const struct option own[] = {
        {"follow", no_argument, NULL, 'F'},        {"tail", required_argument, NULL, 'n'},
        {"timestamps", no_argument, NULL, 't'},    {"since", required_argument, NULL, 'S'},
        {"until", required_argument, NULL, 'U'},   {"no-color", no_argument, NULL, 'C'},
        {"no-log-prefix", no_argument, NULL, 'P'}, {0}};
    struct cmds x = {0};
    struct logs_flags fl = {.prefix = true, .color = isatty(STDOUT_FILENO), .tail = -1};
    /* -f is --follow here, as in docker compose logs; the file is --file. */
    struct cmds_verb vb = {"logs", help, "fn:t", own, logs_opt, &fl};
    int status = cmds_parse(&vb, &x, argc, argv);
    if (status >= 0)
        goto out;
    status = cmds_open(g, &x, argv + optind, false, false);
    if (status)
        goto out;
    fl.lo.color = fl.color;
    fl.lo.width = cmds_name_width(&x);
    struct cli_log *logs = xcalloc(x.n + 1, sizeof(*logs));
    for (size_t i = 0; i < x.n; i++) {
        _cleanup_free_ char *dir = ctr_dir(&x.ctx, x.v[i].id);
        _cleanup_free_ char *path = xasprintf("%s/ctr.log", dir);
        cli_log_open(&logs[i], path, fl.tail, fl.prefix ? x.v[i].name : NULL, (int)i);
        cli_log_pump(&logs[i], &fl.lo);
    }
    while (fl.follow) {
        bool live = false, got = false;
        for (size_t i = 0; i < x.n; i++) {
            _cleanup_json_ json_t *rec = ctr_inspect(&x.ctx, x.v[i].id, NULL);
            live |= rec && cmds_active(ctr_status(rec));
            got |= cli_log_pump(&logs[i], &fl.lo);
        }
        if (!live && !got)
            break;
        usleep(50000);
    }
    for (size_t i = 0; i < x.n; i++)
        cli_log_close(&logs[i]);
    free(logs);
out:
    cmds_close(&x);
    return status;
}

struct exec_flags {
    bool detach, no_tty;
    long long index;
    const char *user, *workdir;
    char **env;
};

static int exec_opt(void *arg, int c, const char *optarg)
{
    struct exec_flags *f = arg;
    switch (c) {
    case 'd':
        f->detach = true;
        break;
    case 'T':
        f->no_tty = true;
        break;
    case 'i':
        break;
    case 'e':
        strv_push(&f->env, xstrdup(optarg));
        break;
    case 'u':
        f->user = optarg;
        break;
    case 'w':
        f->workdir = optarg;
        break;
    case 'I':
        if (str_parse_ll(optarg, &f->index) < 0 || f->index < 1)
            return cli_usage_error("exec", "invalid --index \"%s\": want a number from 1", optarg);
        break;
    }
    return -1;
}

int cli_compose_exec(const struct cli_globals *g, int argc, char **argv)
{
    static const char help[] =
        "Usage: hoist exec [OPTIONS] SERVICE COMMAND [ARGS...]\n\n"
        "Execute a command in a running container.\n\nOptions:\n"
        "  -d, --detach          run the command in the background\n"
        "  -e, --env KEY=VAL     set environment variables\n"
        "  -T, --no-TTY          disable pseudo-TTY allocation (default: on when stdin is a\n"
        "                        terminal)\n"
        "  -u, --user USER       run the command as this user\n"
        "  -w, --workdir DIR     path to workdir directory for this command\n"
        "      --index N         index of the container if the service has several (default 1)\n";
    static const struct option own[] = {{"detach", no_argument, NULL, 'd'},
                                        {"env", required_argument, NULL, 'e'},
                                        {"no-TTY", no_argument, NULL, 'T'},
                                        {"no-tty", no_argument, NULL, 'T'},
                                        {"interactive", no_argument, NULL, 'i'},
                                        {"user", required_argument, NULL, 'u'},
                                        {"workdir", required_argument, NULL, 'w'},
                                        {"index", required_argument, NULL, 'I'},
                                        {0}};
    struct cmds x = {0};
    _cleanup_strv_ char **args = NULL;
    struct exec_flags fl = {.index = 1};
    struct cmds_verb vb = {"exec", help, "dTie:u:w:", own, exec_opt, &fl};
    int status = cmds_parse(&vb, &x, argc, argv);
    if (status >= 0)
        goto out;
    if (argc - optind < 2) {
        status = cli_usage_error("exec", "requires at least 2 arguments: SERVICE COMMAND");
        goto out;
    }
    char *svc[] = {argv[optind], NULL};
    status = cmds_open(g, &x, svc, false, false);
    if (status)
        goto out;
    const struct compose_ctr *h = cmds_by_index(&x, fl.index);
    if (!h || !cmds_active(ctr_status(h->inspect))) {
        fprintf(stderr, "hoist exec: service \"%s\" is not running%s\n", svc[0],
                h ? "" : " (no such container index)");
        status = 1;
        goto out;
    }
    args = xcalloc(1, sizeof(char *));
    strv_push(&args, xstrdup("exec"));
    if (fl.detach)
        strv_push(&args, xstrdup("-d"));
    else
        strv_push(&args, xstrdup("-i"));
    if (!fl.no_tty && !fl.detach && isatty(STDIN_FILENO))
        strv_push(&args, xstrdup("-t"));
    for (char **e = fl.env; e && *e; e++) {
        strv_push(&args, xstrdup("-e"));
        strv_push(&args, xstrdup(*e));
    }
    if (fl.user) {
        strv_push(&args, xstrdup("-u"));
        strv_push(&args, xstrdup(fl.user));
    }
    if (fl.workdir) {
        strv_push(&args, xstrdup("-w"));
        strv_push(&args, xstrdup(fl.workdir));
    }
    strv_push(&args, xstrdup(h->id));
    for (int i = optind + 1; i < argc; i++)
        strv_push(&args, xstrdup(argv[i]));
    status = cli_ctr_exec(&x.ctx, (int)strv_len(args), args);
out:
    strv_free(fl.env);
    cmds_close(&x);
    return status;
}
