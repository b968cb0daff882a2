/* `hoist image load / save` (through the hoist-image helper), `history` and `prune`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_image.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/image/image.h"

/* The helper prints its own results and errors; its usage errors (2) become 125. */
static int run_helper(const struct cli_globals *g, char **args)
{
    _cleanup_free_ char *dir = xstrdup(g->self);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    struct herr e = {0};
    int code = image_helper_run(dir, g->root, args, NULL, &e);
    if (code < 0)
        return cli_report(&e, 125);
    return code == 2 ? 125 : code;
}

int cli_image_load(const struct cli_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"input", required_argument, NULL, 'i'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    const char *input = NULL;
    bool quiet = false;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "i:qh", opts, NULL)) != -1) {
        if (c == 'i') {
            input = optarg;
        } else if (c == 'q') {
            quiet = true;
        } else if (c == 'h') {
            printf("Usage: hoist image load [-i|--input FILE] [-q|--quiet]\n\n"
                   "Load images from a docker archive (docker save) or an OCI archive, read\n"
                   "from FILE or stdin.\n");
            return 0;
        } else {
            return cli_usage_error("image load", "invalid option");
        }
    }
    if (optind < argc)
        return cli_usage_error("image load", "unexpected argument \"%s\"", argv[optind]);
    if (!input && isatty(STDIN_FILENO)) {
        fprintf(stderr, "hoist: requested load from stdin, but stdin is empty\n");
        return 1;
    }
    _cleanup_strv_ char **args = xcalloc(1, sizeof(char *));
    strv_push(&args, xstrdup("load"));
    strv_push(&args, xstrdup("-i"));
    strv_push(&args, xstrdup(input ? input : "-"));
    if (quiet)
        strv_push(&args, xstrdup("-q"));
    return run_helper(g, args);
}

int cli_image_save(const struct cli_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    const char *output = NULL;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        if (c == 'o') {
            output = optarg;
        } else if (c == 'h') {
            printf("Usage: hoist image save [-o|--output FILE] IMAGE...\n\n"
                   "Save images to a docker archive (written to stdout by default).\n");
            return 0;
        } else {
            return cli_usage_error("image save", "invalid option");
        }
    }
    if (optind >= argc)
        return cli_usage_error("image save", "requires at least 1 argument");
    _cleanup_strv_ char **args = xcalloc(1, sizeof(char *));
    strv_push(&args, xstrdup("save"));
    if (output) {
        strv_push(&args, xstrdup("-o"));
        strv_push(&args, xstrdup(output));
    }
    strv_push(&args, xstrdup("--"));
    for (int i = optind; i < argc; i++)
        strv_push(&args, xstrdup(argv[i]));
    return run_helper(g, args);
}

/* docker's stringutils.Ellipsis: at most max characters, the last one "…". */
static char *ellipsis(const char *s, size_t max)
{
    size_t chars = 0, cut = 0;
    for (const char *p = s; *p; p++) {
        if (((unsigned char)*p & 0xc0) == 0x80)
            continue;
        if (++chars == max)
            cut = (size_t)(p - s);
    }
    if (chars <= max)
        return xstrdup(s);
    return xasprintf("%.*s…", (int)cut, s);
}

static size_t width(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

static char *created_by(json_t *h, bool no_trunc)
{
    char *by = xstrdup(hj_str(h, "CreatedBy"));
    for (char *p = by; *p; p++) {
        if (*p == '\t')
            *p = ' ';
    }
    if (no_trunc)
        return by;
    char *t = ellipsis(by, 45);
    free(by);
    return t;
}

static char *history_id(json_t *h, bool no_trunc)
{
    const char *id = hj_str(h, "Id");
    if (!str_has_prefix(id, "sha256:") || no_trunc)
        return xstrdup(id);
    return xstrndup(id + strlen("sha256:"), 12);
}

static void print_history(json_t *v, bool no_trunc, bool json)
{
    enum { NCOL = 5 };
    static const char *const head[NCOL] = {"IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"};
    size_t n = json_array_size(v), w[NCOL];
    char *(*cells)[NCOL] = xcalloc(n + 1, sizeof(*cells));
    for (size_t c = 0; c < NCOL; c++)
        w[c] = strlen(head[c]);
    for (size_t i = 0; i < n; i++) {
        json_t *h = json_array_get(v, i);
        cells[i][0] = history_id(h, no_trunc);
        cells[i][1] = cli_image_since(hj_str(h, "Created"));
        cells[i][2] = created_by(h, no_trunc);
        cells[i][3] = cli_image_size(hj_int(h, "Size", 0));
        cells[i][4] = xstrdup(hj_str(h, "Comment"));
        for (size_t c = 0; c < NCOL; c++)
            w[c] = width(cells[i][c]) > w[c] ? width(cells[i][c]) : w[c];
    }
    if (!json)
        printf("%-*s   %-*s   %-*s   %-*s   %s\n", (int)w[0], head[0], (int)w[1], head[1],
               (int)w[2], head[2], (int)w[3], head[3], head[4]);
    for (size_t i = 0; i < n; i++) {
        if (json) {
            _cleanup_json_ json_t *j =
                json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "Comment", cells[i][4], "CreatedAt",
                          hj_str(json_array_get(v, i), "Created"), "CreatedBy", cells[i][2],
                          "CreatedSince", cells[i][1], "ID", cells[i][0], "Size", cells[i][3]);
            _cleanup_free_ char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
            puts(s);
        } else {
            /* Pad by display width: the ellipsis is one column but three bytes. */
            for (size_t c = 0; c + 1 < NCOL; c++)
                printf("%s%*s   ", cells[i][c], (int)(w[c] - width(cells[i][c])), "");
            printf("%s\n", cells[i][4]);
        }
        for (size_t c = 0; c < NCOL; c++)
            free(cells[i][c]);
    }
    free(cells);
}

int cli_image_history(const struct cli_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"no-trunc", no_argument, NULL, 'n'},
        {"quiet", no_argument, NULL, 'q'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    bool no_trunc = false, quiet = false, json = false;
    int c, fr;
    optind = 0;
    while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        if (c == 'n') {
            no_trunc = true;
        } else if (c == 'q') {
            quiet = true;
        } else if (c == 'f') {
            if ((fr = cli_format_arg("image history", optarg, &json)) != 0)
                return fr;
        } else if (c == 'h') {
            printf("Usage: hoist image history [--no-trunc] [-q] [--format json|table] IMAGE\n");
            return 0;
        } else {
            return cli_usage_error("image history", "invalid option");
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("image history", "requires exactly 1 argument");
    struct herr e = {0};
    _cleanup_json_ json_t *v = NULL;
    if (image_history(g->root, argv[optind], &v, &e) < 0)
        return cli_report(&e, 1);
    if (quiet) {
        size_t i;
        json_t *h;
        json_array_foreach(v, i, h)
        {
            _cleanup_free_ char *id = history_id(h, no_trunc);
            puts(id);
        }
        return 0;
    }
    print_history(v, no_trunc, json);
    return 0;
}

static bool confirm(bool all)
{
    printf("WARNING! This will remove %s.\nAre you sure you want to continue? [y/N] ",
           all ? "all images without at least one container associated to them"
               : "all dangling images");
    fflush(stdout);
    char line[64];
    if (!fgets(line, sizeof(line), stdin))
        return false;
    return line[0] == 'y' || line[0] == 'Y';
}

int cli_image_prune(const struct cli_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"all", no_argument, NULL, 'a'},
        {"force", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    bool all = false, force = false;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "afh", opts, NULL)) != -1) {
        if (c == 'a') {
            all = true;
        } else if (c == 'f') {
            force = true;
        } else if (c == 'h') {
            printf("Usage: hoist image prune [-a|--all] [-f|--force]\n\n"
                   "Remove dangling images (no name), or with -a every image no container "
                   "uses.\n");
            return 0;
        } else {
            return cli_usage_error("image prune", "invalid option");
        }
    }
    if (optind < argc)
        return cli_usage_error("image prune", "unexpected argument \"%s\"", argv[optind]);
    if (!force && !confirm(all))
        return 0;
    struct herr e = {0};
    _cleanup_strv_ char **report = NULL;
    long long freed = 0;
    int r = image_prune(g->root, all, &report, &freed, &e);
    if (report && report[0]) {
        puts("Deleted Images:");
        for (char **l = report; *l; l++)
            puts(*l);
        puts("");
    }
    _cleanup_free_ char *sz = cli_image_size(freed);
    printf("Total reclaimed space: %s\n", sz);
    return r < 0 ? cli_report(&e, 1) : 0;
}
