/* `hoist image ...`: import runs the hoist-image helper; ls, rm, inspect and tag use
 * the store directly. */
#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cli_image.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/image/image.h"

static void usage(FILE *f)
{
    fprintf(f, "Usage: hoist image COMMAND\n\nCommands:\n"
               "  history  Show the history of an image\n"
               "  import   Import a tarball as a single-layer image\n"
               "  load     Load images from a docker or OCI archive\n"
               "  ls       List images\n"
               "  prune    Remove unused images\n"
               "  pull     Download an image from a registry\n"
               "  rm       Remove one or more images\n"
               "  save     Save images to a docker archive\n"
               "  inspect  Show details of images\n"
               "  tag      Give an image another name\n");
}

static int cmd_import(const struct cli_globals *g, int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("Usage: hoist image import [-c|--change INSTR]... [-m|--message MSG] FILE|- "
                   "[REPOSITORY[:TAG]]\n");
            return 0;
        }
    }
    _cleanup_strv_ char **args = xcalloc(1, sizeof(char *));
    strv_push(&args, xstrdup("import"));
    for (int i = 1; i < argc; i++)
        strv_push(&args, xstrdup(argv[i]));
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

static int cmd_pull(const struct cli_globals *g, int argc, char **argv)
{
    static const char help[] = "Usage: hoist image pull [OPTIONS] NAME[:TAG|@DIGEST]\n\n"
                               "Download an image from a registry.\n\n"
                               "Options:\n"
                               "      --platform OS/ARCH  platform (default: the host's)\n"
                               "  -q, --quiet             print only the image name\n"
                               "      --tls-verify=false  allow plain HTTP and unverified "
                               "certificates\n";
    if (cli_help_asked(argc, argv, help))
        return 0;
    static const struct option lo[] = {{"quiet", no_argument, NULL, 'q'},
                                       {"platform", required_argument, NULL, 'p'},
                                       {"tls-verify", optional_argument, NULL, 't'},
                                       {0}};
    struct image_pull_opts o = {0};
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+q", lo, NULL)) != -1) {
        if (c == 'q')
            o.quiet = true;
        else if (c == 'p')
            o.platform = optarg;
        else if (c == 't' && (!optarg || !strcmp(optarg, "true") || !strcmp(optarg, "false")))
            o.insecure = optarg && strcmp(optarg, "false") == 0;
        else
            return cli_usage_error("image pull", "unknown or incomplete option \"%s\"",
                                   argv[optind - 1]);
    }
    if (optind + 1 != argc)
        return cli_usage_error("image pull", "requires exactly one image reference");
    _cleanup_free_ char *dir = xstrdup(g->self);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    struct herr e = {0};
    /* The helper printed its own error; only an error of ours is reported here. */
    if (image_pull(dir, g->root, argv[optind], &o, &e) < 0)
        return e.errnum || o.quiet ? cli_report(&e, 1) : 1;
    if (o.quiet) {
        struct image_ref r = {0};
        if (image_ref_parse(argv[optind], &r, &e) == 0) {
            _cleanup_free_ char *name = image_ref_string(&r);
            puts(name);
        }
        image_ref_clear(&r);
    }
    return 0;
}

/* "5 seconds ago", as docker's units.HumanDuration. */
char *cli_image_since(const char *created)
{
    struct tm tm = {0};
    if (!created || !strptime(created, "%Y-%m-%dT%H:%M:%S", &tm))
        return xstrdup("N/A");
    long long s = (long long)(time(NULL) - timegm(&tm));
    if (s < 1)
        return xstrdup("Less than a second ago");
    if (s == 1)
        return xstrdup("1 second ago");
    if (s < 60)
        return xasprintf("%lld seconds ago", s);
    long long m = s / 60, h = m / 60;
    if (m == 1)
        return xstrdup("About a minute ago");
    if (m < 60)
        return xasprintf("%lld minutes ago", m);
    if (h == 1)
        return xstrdup("About an hour ago");
    if (h < 48)
        return xasprintf("%lld hours ago", h);
    if (h < 24 * 14)
        return xasprintf("%lld days ago", h / 24);
    if (h < 24 * 60)
        return xasprintf("%lld weeks ago", h / 24 / 7);
    if (h < 24 * 365 * 2)
        return xasprintf("%lld months ago", h / 24 / 30);
    return xasprintf("%lld years ago", h / 24 / 365);
}

/* Decimal units with 3 significant digits: "4.26MB". */
char *cli_image_size(long long n)
{
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
    double v = (double)n;
    size_t u = 0;
    while (v >= 1000 && u + 1 < sizeof(units) / sizeof(units[0])) {
        v /= 1000;
        u++;
    }
    return xasprintf("%.3g%s", v, units[u]);
}

static char *short_id(const char *id, bool no_trunc)
{
    return no_trunc ? xstrdup(id) : xstrndup(id + strlen("sha256:"), 12);
}

struct row {
    char *repo, *tag, *digest, *id, *since, *size, *created;
};

/* The digest repo was pulled at, from img's repo@digest names; "<none>" without one. */
static char *digest_of(char **refs, const char *repo)
{
    for (char **r = refs; *r; r++) {
        if (!strchr(*r, '@'))
            continue;
        _cleanup_free_ char *rp = NULL, *dg = NULL;
        image_ref_split_display(*r, &rp, &dg);
        if (strcmp(rp, repo) == 0)
            return steal_ptr(&dg);
    }
    return xstrdup("<none>");
}

/* One image's rows as docker lists them: a row per tag; a repository known only by
 * digest gets a "<none>" tag; an image without names one "<none>" row. Returns how many
 * were filled (at most one per name, or 1). */
static size_t image_rows(char **refs, struct row *out)
{
    size_t n = 0;
    for (char **r = refs; *r; r++) {
        if (strchr(*r, '@'))
            continue;
        image_ref_split_display(*r, &out[n].repo, &out[n].tag);
        out[n].digest = digest_of(refs, out[n].repo);
        n++;
    }
    for (char **r = refs; *r; r++) {
        if (!strchr(*r, '@'))
            continue;
        _cleanup_free_ char *repo = NULL, *dg = NULL;
        image_ref_split_display(*r, &repo, &dg);
        bool listed = false;
        for (size_t i = 0; i < n && !listed; i++)
            listed = strcmp(out[i].repo, repo) == 0;
        if (listed)
            continue;
        out[n] = (struct row){
            .repo = steal_ptr(&repo), .tag = xstrdup("<none>"), .digest = steal_ptr(&dg)};
        n++;
    }
    if (n == 0) {
        out[0] = (struct row){
            .repo = xstrdup("<none>"), .tag = xstrdup("<none>"), .digest = xstrdup("<none>")};
        n = 1;
    }
    return n;
}

static void row_cells(const struct row *r, const char *cells[6])
{
    const char *v[6] = {r->repo, r->tag, r->digest, r->id, r->since, r->size};
    memcpy(cells, v, sizeof(v));
}

/* The DIGEST column only with --digests, as docker. */
static void print_line(const char *cells[6], const size_t w[6], bool digests)
{
    for (size_t c = 0; c < 5; c++) {
        if (c != 2 || digests)
            printf("%-*s   ", (int)w[c], cells[c]);
    }
    printf("%s\n", cells[5]);
}

static void print_table(struct row *rows, size_t n, bool digests)
{
    const char *head[6] = {"REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE"}, *cells[6];
    size_t w[6];
    for (size_t c = 0; c < 6; c++)
        w[c] = strlen(head[c]);
    for (size_t i = 0; i < n; i++) {
        row_cells(&rows[i], cells);
        for (size_t c = 0; c < 6; c++)
            w[c] = strlen(cells[c]) > w[c] ? strlen(cells[c]) : w[c];
    }
    print_line(head, w, digests);
    for (size_t i = 0; i < n; i++) {
        row_cells(&rows[i], cells);
        print_line(cells, w, digests);
    }
}

static void print_json(struct row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct tm tm = {0};
        char at[64] = "";
        if (strptime(rows[i].created, "%Y-%m-%dT%H:%M:%S", &tm))
            strftime(at, sizeof(at), "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
        _cleanup_json_ json_t *j = json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Containers", "N/A",
            "CreatedAt", at, "CreatedSince", rows[i].since, "Digest", rows[i].digest, "ID",
            rows[i].id, "Repository", rows[i].repo, "SharedSize", "N/A", "Size", rows[i].size,
            "Tag", rows[i].tag, "UniqueSize", "N/A", "VirtualSize", rows[i].size);
        _cleanup_free_ char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
        puts(s);
    }
}

/* What `image ls` keeps: docker's dangling= and reference= filters (the positional
 * REPOSITORY[:TAG] is a reference filter too). */
struct ls_filter {
    int dangling; /* -1: either */
    char **refs;  /* patterns: "repo" or "repo:tag", shell wildcards */
};

static int ls_filter_add(struct ls_filter *f, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (eq && strncmp(arg, "dangling=", 9) == 0) {
        if (strcmp(eq + 1, "true") != 0 && strcmp(eq + 1, "false") != 0)
            return cli_usage_error("image ls", "invalid filter \"%s\": dangling is true or false",
                                   arg);
        f->dangling = strcmp(eq + 1, "true") == 0;
        return 0;
    }
    if (eq && strncmp(arg, "reference=", 10) == 0 && eq[1]) {
        strv_push(&f->refs, xstrdup(eq + 1));
        return 0;
    }
    return cli_usage_error("image ls",
                           "invalid filter \"%s\" (dangling=true|false, reference=NAME)", arg);
}

/* A pattern with a tag (a ':' after the last '/') is matched against repo:tag, else
 * against the repository alone, as docker's reference filter does. */
static bool ls_filter_match(const struct ls_filter *f, const struct row *w, bool named)
{
    if (f->dangling >= 0 && f->dangling == named)
        return false;
    if (!f->refs)
        return true;
    if (!named)
        return false;
    _cleanup_free_ char *full = xasprintf("%s:%s", w->repo, w->tag);
    for (char **p = f->refs; *p; p++) {
        const char *slash = strrchr(*p, '/');
        bool with_tag = strchr(slash ? slash : *p, ':') != NULL;
        if (fnmatch(*p, with_tag ? full : w->repo, FNM_PATHNAME) == 0)
            return true;
    }
    return false;
}

static void row_clear(struct row *w)
{
    free(w->repo);
    free(w->tag);
    free(w->digest);
    free(w->id);
    free(w->since);
    free(w->size);
    free(w->created);
}

static int cmd_ls(const struct cli_globals *g, int argc, char **argv)
{
    enum { OPT_FORMAT = 256 };
    static const struct option opts[] = {
        {"quiet", no_argument, NULL, 'q'},        {"format", required_argument, NULL, OPT_FORMAT},
        {"no-trunc", no_argument, NULL, 'n'},     {"all", no_argument, NULL, 'a'},
        {"filter", required_argument, NULL, 'f'}, {"digests", no_argument, NULL, 'D'},
        {"help", no_argument, NULL, 'h'},         {0},
    };
    bool quiet = false, no_trunc = false, json = false, digests = false;
    struct ls_filter f = {.dangling = -1};
    int c, r = 0;
    optind = 0;
    opterr = 0;
    while (r == 0 && (c = getopt_long(argc, argv, "qahf:", opts, NULL)) != -1) {
        switch (c) {
        case 'q':
            quiet = true;
            break;
        case 'n':
            no_trunc = true;
            break;
        case 'a':
            break;
        case 'D':
            digests = true;
            break;
        case OPT_FORMAT:
            r = cli_format_arg("image ls", optarg, &json);
            break;
        case 'f':
            r = ls_filter_add(&f, optarg);
            break;
        case 'h':
            printf("Usage: hoist image ls [-q] [-f dangling=true|false] [-f reference=NAME]\n"
                   "                      [--digests] [--format json|table] [--no-trunc]\n"
                   "                      [REPOSITORY[:TAG]]\n");
            strv_free(f.refs);
            return 0;
        default:
            r = cli_usage_error("image ls", "unknown or incomplete option \"%s\"",
                                argv[optind - 1]);
        }
    }
    if (r == 0 && optind + 1 < argc)
        r = cli_usage_error("image ls", "unexpected argument \"%s\"", argv[optind + 1]);
    if (r == 0 && optind < argc)
        strv_push(&f.refs, xstrdup(argv[optind]));
    struct herr e = {0};
    struct image_summary *imgs = NULL;
    size_t n = 0;
    if (r == 0 && image_list(g->root, &imgs, &n, &e) < 0)
        r = cli_report(&e, 1);
    if (r) {
        strv_free(f.refs);
        return r;
    }
    size_t nrows = 0, cap = 0;
    for (size_t i = 0; i < n; i++)
        cap += strv_len(imgs[i].refs) ? strv_len(imgs[i].refs) : 1;
    struct row *rows = xcalloc(cap + 1, sizeof(*rows));
    const char *last_id = NULL;
    for (size_t i = 0; i < n; i++) {
        bool named = imgs[i].refs[0] != NULL;
        size_t end = nrows + image_rows(imgs[i].refs, &rows[nrows]);
        /* Kept rows are packed down over the ones the filters drop. */
        for (size_t t = nrows; t < end; t++) {
            struct row w = rows[t];
            rows[t] = (struct row){0};
            w.id = short_id(imgs[i].id, no_trunc);
            w.since = cli_image_since(imgs[i].created);
            w.size = cli_image_size(imgs[i].size);
            w.created = xstrdup(imgs[i].created);
            if (!ls_filter_match(&f, &w, named)) {
                row_clear(&w);
                continue;
            }
            /* -q names each image once, however many names it has. */
            if (quiet && (!last_id || strcmp(last_id, imgs[i].id) != 0))
                puts(w.id);
            last_id = imgs[i].id;
            rows[nrows++] = w;
        }
    }
    if (!quiet && json)
        print_json(rows, nrows);
    else if (!quiet)
        print_table(rows, nrows, digests);
    for (size_t i = 0; i < nrows; i++)
        row_clear(&rows[i]);
    free(rows);
    strv_free(f.refs);
    image_list_free(imgs, n);
    return 0;
}

static int cmd_rm(const struct cli_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"force", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    bool force = false;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
        if (c == 'f') {
            force = true;
        } else if (c == 'h') {
            printf("Usage: hoist image rm [-f] IMAGE...\n");
            return 0;
        } else {
            return cli_usage_error("image rm", "invalid option");
        }
    }
    if (optind >= argc)
        return cli_usage_error("image rm", "requires at least 1 argument");
    int status = 0;
    for (int i = optind; i < argc; i++) {
        struct herr e = {0};
        _cleanup_strv_ char **report = NULL;
        int r = image_remove(g->root, argv[i], force, &report, &e);
        for (char **l = report; l && *l; l++)
            puts(*l);
        if (r < 0)
            status = cli_report(&e, 1);
    }
    return status;
}

static json_t *inspect_image(const char *root, const char *ref, struct herr *e)
{
    json_t *o = NULL;
    return image_inspect(root, ref, &o, e) < 0 ? NULL : o;
}

static int cmd_inspect(const struct cli_globals *g, int argc, char **argv)
{
    return cli_inspect_each(g, "image inspect", "Usage: hoist image inspect [-f FORMAT] IMAGE...\n",
                            "IMAGE", inspect_image, JSON_INDENT(4) | JSON_PRESERVE_ORDER, argc,
                            argv);
}

static int cmd_tag(const struct cli_globals *g, int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("Usage: hoist image tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]\n");
        return 0;
    }
    if (argc != 3)
        return cli_usage_error("image tag", "requires exactly 2 arguments");
    struct herr e = {0};
    if (image_tag(g->root, argv[1], argv[2], &e) < 0)
        return cli_report(&e, 1);
    return 0;
}

int cli_image_main(const struct cli_globals *g, int argc, char **argv)
{
    static const struct cli_cmd cmds[] = {
        {"import", NULL, cmd_import},
        {"pull", NULL, cmd_pull},
        {"ls", "list", cmd_ls},
        {"rm", "remove", cmd_rm},
        {"inspect", NULL, cmd_inspect},
        {"tag", NULL, cmd_tag},
        {"load", NULL, cli_image_load},
        {"save", NULL, cli_image_save},
        {"history", NULL, cli_image_history},
        {"prune", NULL, cli_image_prune},
    };
    return cli_dispatch(g, "image", cmds, sizeof(cmds) / sizeof(cmds[0]), usage, argc, argv);
}
