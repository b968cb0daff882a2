/* `container top` (processes of the container's cgroup) and `container diff` (the
 * overlay upper dir against the image layers). */
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cli/cli_container_int.h"
#include "cli/cli_opt.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/image/image.h"
#include "engine/runtime/cgroup.h"

static void proc_row(pid_t pid)
{
    _cleanup_free_ char *stat = NULL, *cmdline = NULL, *status = NULL;
    char path[64];
    size_t len = 0;
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if (fs_read_all(AT_FDCWD, path, &stat, NULL, NULL) < 0)
        return;
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    fs_read_all(AT_FDCWD, path, &status, NULL, NULL);
    snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
    fs_read_all(AT_FDCWD, path, &cmdline, &len, NULL);
    const char *rp = strrchr(stat, ')');
    int ppid = 0;
    if (rp)
        sscanf(rp + 2, "%*c %d", &ppid);
    long uid = -1;
    const char *u = status ? strstr(status, "\nUid:") : NULL;
    if (u)
        uid = strtol(u + 5, NULL, 10);
    for (size_t i = 0; cmdline && len && i < len - 1; i++) {
        if (cmdline[i] == '\0')
            cmdline[i] = ' ';
    }
    if (!cmdline || !len) {
        const char *lp = strchr(stat, '(');
        free(cmdline);
        cmdline = lp && rp ? xasprintf("[%.*s]", (int)(rp - lp - 1), lp + 1) : xstrdup("?");
    }
    printf("%-8ld %-8d %-8d %s\n", uid, (int)pid, ppid, cmdline);
}

int cli_ctr_top(const struct ctr_ctx *c, int argc, char **argv)
{
    if (argc != 2)
        return cli_usage_error("container top", "requires exactly 1 argument");
    struct herr e = {0};
    _cleanup_free_ char *id = NULL;
    if (ctr_resolve(c, argv[1], &id, &e) < 0)
        return cli_report(&e, 1);
    _cleanup_json_ json_t *rec = ctr_inspect(c, id, &e);
    if (!rec)
        return cli_report(&e, 1);
    if (strcmp(ctr_status(rec), "running") != 0) {
        herr_set(&e, 0, "container %s is not running", argv[1]);
        return cli_report(&e, 1);
    }
    _cleanup_free_ char *cg = ctr_cgroup_path(c, rec);
    _cleanup_free_ pid_t *pids = NULL;
    size_t n = 0;
    if (cg_pids("/sys/fs/cgroup", cg, &pids, &n, &e) < 0)
        return cli_report(&e, 1);
    printf("%-8s %-8s %-8s %s\n", "UID", "PID", "PPID", "CMD");
    for (size_t i = 0; i < n; i++)
        proc_row(pids[i]);
    return 0;
}

/* Whether path exists in any image layer (top first, stopping at whiteouts). */
static bool in_lower(char **layers, const char *rel)
{
    for (char **l = layers; l && *l; l++) {
        _cleanup_free_ char *p = xasprintf("%s/%s", *l, rel);
        struct stat st;
        if (lstat(p, &st) == 0)
            return !(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
    }
    return false;
}

static void walk(const char *upper, const char *rel, char **layers)
{
    _cleanup_free_ char *dir = xasprintf("%s%s", upper, rel);
    _cleanup_dir_ DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        _cleanup_free_ char *r = xasprintf("%s/%s", rel, de->d_name);
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
            printf("D %s\n", r);
            continue;
        }
        printf("%c %s\n", in_lower(layers, r + 1) ? 'C' : 'A', r);
        if (S_ISDIR(st.st_mode))
            walk(upper, r, layers);
    }
}

int cli_ctr_diff(const struct ctr_ctx *c, int argc, char **argv)
{
    if (argc != 2)
        return cli_usage_error("container diff", "requires exactly 1 argument");
    struct herr e = {0};
    _cleanup_free_ char *id = NULL;
    if (ctr_resolve(c, argv[1], &id, &e) < 0)
        return cli_report(&e, 1);
    _cleanup_json_ json_t *rec = ctr_inspect(c, id, &e);
    if (!rec)
        return cli_report(&e, 1);
    const json_t *gd = hj_path(rec, "GraphDriver.Data");
    _cleanup_strv_ char **layers = xcalloc(1, sizeof(char *));
    _cleanup_free_ char *lower = xstrdup(hj_str(gd, "LowerDir") ? hj_str(gd, "LowerDir") : "");
    char *save = NULL;
    for (char *t = strtok_r(lower, ":", &save); t; t = strtok_r(NULL, ":", &save))
        strv_push(&layers, xstrdup(t));
    const char *upper = hj_str(gd, "UpperDir");
    if (upper)
        walk(upper, "", layers);
    return 0;
}

struct commit_args {
    char **change;
    const char *message, *author;
};

#define CO(f) offsetof(struct commit_args, f)

const struct cli_spec cli_ctr_commit_spec = {
    .cmd = "container commit",
    .usage = "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
    .what = "Create a new image from a container's changes",
    .opts =
        (const struct cli_opt[]){
            {"change", 'c', "INSTRUCTION", "Apply Dockerfile instruction to the created image",
             CLI_OPT_LIST, CO(change), NULL, NULL},
            {"message", 'm', "TEXT", "Commit message", CLI_OPT_STRING, CO(message), NULL, NULL},
            {"author", 'a', "NAME", "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")",
             CLI_OPT_STRING, CO(author), NULL, NULL},
            {"pause", 'p', "BOOL", "Pause container during commit (hoist's upper dir needs none)",
             CLI_OPT_IGNORE, 0, NULL, NULL},
            CLI_OPT_END,
        },
    .interspersed = true,
};

/* hoist-image's arguments for the options given. */
static char **commit_extra(const struct commit_args *ca)
{
    char **extra = xcalloc(1, sizeof(char *));
    for (char **c = ca->change; c && *c; c++) {
        strv_push(&extra, xstrdup("-c"));
        strv_push(&extra, xstrdup(*c));
    }
    if (ca->message) {
        strv_push(&extra, xstrdup("-m"));
        strv_push(&extra, xstrdup(ca->message));
    }
    if (ca->author) {
        strv_push(&extra, xstrdup("--author"));
        strv_push(&extra, xstrdup(ca->author));
    }
    return extra;
}

/* `commit`: hoist-image turns the overlay upper dir into a layer on the parent image. */
static void commit_args_free(struct commit_args *ca)
{
    strv_free(ca->change);
}

int cli_ctr_commit(const struct ctr_ctx *c, int argc, char **argv)
{
    __attribute__((cleanup(commit_args_free))) struct commit_args ca = {0};
    int r = cli_opt_parse(&cli_ctr_commit_spec, &ca, NULL, argc, argv);
    if (r >= 0)
        return r;
    _cleanup_strv_ char **args = xcalloc(1, sizeof(char *));
    _cleanup_strv_ char **extra = commit_extra(&ca);
    if (argc - optind < 1 || argc - optind > 2)
        return cli_usage_error("container commit",
                               "requires 1 or 2 arguments (CONTAINER [REPOSITORY[:TAG]])");
    struct herr e = {0};
    _cleanup_free_ char *id = NULL;
    if (ctr_resolve(c, argv[optind], &id, &e) < 0)
        return cli_report(&e, 1);
    _cleanup_json_ json_t *rec = ctr_inspect(c, id, &e);
    if (!rec)
        return cli_report(&e, 1);
    const char *upper = hj_str(hj_path(rec, "GraphDriver.Data"), "UpperDir");
    const char *parent = hj_str(rec, "Image");
    if (!upper || !parent) {
        herr_set(&e, 0, "container %s: record has no upper dir or image", argv[optind]);
        return cli_report(&e, 1);
    }
    strv_push(&args, xstrdup("commit"));
    strv_push(&args, xstrdup("--upper"));
    strv_push(&args, xstrdup(upper));
    strv_push(&args, xstrdup("--parent"));
    strv_push(&args, xstrdup(parent));
    for (char **p = extra; *p; p++)
        strv_push(&args, xstrdup(*p));
    if (argc - optind == 2)
        strv_push(&args, xstrdup(argv[optind + 1]));
    char dir[4096];
    _cleanup_free_ char *out = NULL;
    if (fs_self_dir(dir, sizeof(dir), &e) < 0 || image_helper_run(dir, c->root, args, &out, &e) < 0)
        return cli_report(&e, 1);
    fputs(out, stdout);
    return 0;
}
