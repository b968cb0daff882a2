/* hoist-image: the part of the image store that needs libarchive and nettle.
 *   hoist-image import --root R [-c INSTR]... [-m MSG] FILE|- [REPOSITORY[:TAG]]
 *   hoist-image commit --root R --upper DIR --parent IMAGE [-c INSTR]... [-m MSG]
 *                      [--author A] [--config JSON] [NAME[:TAG]]
 * Prints the new image id. hoist runs it with image_helper_run(). */
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/image/helper/hi.h"
#include "engine/image/helper/hi_load.h"
#include "engine/image/image.h"
#include "engine/image/img_internal.h"

struct opts {
    const char *root, *upper, *parent, *message, *author, *config, *source, *name;
    char **changes;
};

/* What one layer build produced. */
struct built {
    char *stage; /* <root>/images/tmp/<pid>-<random> */
    char diff[72], chain[72];
    unsigned long long size;
};

int hi_exit(int r, const struct herr *e)
{
    int flushed = fflush(stdout);
    if (r < 0) {
        char buf[HERR_MSG_MAX + 128];
        fprintf(stderr, "hoist: %s\n", herr_str(e, buf, sizeof(buf)));
        return hi_interrupted ? 130 : 1;
    }
    return flushed == 0 ? 0 : 1;
}

static void on_signal(int sig)
{
    (void)sig;
    hi_interrupted = 1;
}

static void install_signals(void)
{
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* Staging dirs are named <pid>-...: those of dead processes are leftovers of a killed
 * import or rm and are removed. */
void hi_clean_stale(const char *root)
{
    _cleanup_free_ char *dir = img_path(root, "tmp");
    _cleanup_dir_ DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        long long pid;
        char *dash = strchr(de->d_name, '-');
        if (!dash)
            continue;
        _cleanup_free_ char *num = xstrndup(de->d_name, (size_t)(dash - de->d_name));
        if (str_parse_ll(num, &pid) < 0 || pid <= 0 || pid == getpid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        struct herr ignore = {0};
        fs_rm_rf_at(dirfd(d), de->d_name, &ignore);
    }
}

int hi_stage_create(const char *root, char **out, struct herr *e)
{
    char rnd[13];
    if (str_random_hex(rnd, 12) < 0)
        return herr_sys(e, "random name");
    char *p = xasprintf("%s/images/tmp/%d-%s", root, (int)getpid(), rnd);
    if (mkdir(p, 0700) < 0) {
        herr_sys(e, "create %s", p);
        free(p);
        return -1;
    }
    *out = p;
    return 0;
}

static void chain_of(const char *parent, const char *diff, char out[72])
{
    if (!parent) {
        snprintf(out, 72, "%s", diff);
        return;
    }
    _cleanup_free_ char *s = xasprintf("%s %s", parent, diff);
    hi_digest(s, strlen(s), out);
}

/* Pack the source into <stage>/layer.tar, hashing it. */
static int pack(const struct opts *o, struct built *b, struct herr *e)
{
    _cleanup_free_ char *blob = xasprintf("%s/layer.tar", b->stage);
    _cleanup_close_ int fd = open(blob, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return herr_sys(e, "create %s", blob);
    struct hi_blob hb;
    if (hi_blob_open(&hb, fd, e) < 0)
        return -1;
    int r = o->upper ? hi_pack_upper(&hb, o->upper, e) : hi_pack_archive(&hb, o->source, e);
    if (r < 0) {
        hi_blob_abort(&hb);
        return -1;
    }
    b->size = hb.content_size;
    if (hi_blob_close(&hb, b->diff, e) < 0)
        return -1;
    if (fsync(fd) < 0)
        return herr_sys(e, "fsync %s", blob);
    return 0;
}

/* Unpack into the stage and move layer and blob into the store, unless a layer with
 * this chain id is already there. Runs under the store lock. */
static int install_layer(const char *root, const char *parent_chain, struct built *b,
                         struct herr *e)
{
    chain_of(parent_chain, b->diff, b->chain);
    _cleanup_free_ char *layer = xasprintf("%s/images/layers/%s", root, img_id_hex(b->chain));
    _cleanup_free_ char *blob = xasprintf("%s/layer.tar", b->stage);
    if (!fs_exists(layer)) {
        _cleanup_free_ char *sl = xasprintf("%s/layer", b->stage);
        _cleanup_free_ char *sd = xasprintf("%s/layer/diff", b->stage);
        if (mkdir(sl, 0700) < 0 || mkdir(sd, 0755) < 0)
            return herr_sys(e, "create %s", sd);
        _cleanup_close_ int dfd = open(sd, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
            return herr_sys(e, "open %s", sd);
        if (hi_unpack(blob, dfd, NULL, e) < 0)
            return -1;
        if (syncfs(dfd) < 0)
            return herr_sys(e, "sync %s", sd);
        _cleanup_json_ json_t *meta = json_pack("{s:s, s:s?, s:I}", "diff_id", b->diff, "parent",
                                                parent_chain, "size", (json_int_t)b->size);
        _cleanup_close_ int lfd = open(sl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (lfd < 0 || hj_write_atomic(lfd, "meta.json", meta, true, e) < 0)
            return lfd < 0 ? herr_sys(e, "open %s", sl) : -1;
        if (hi_interrupted)
            return herr_set(e, EINTR, "interrupted");
        if (rename(sl, layer) < 0)
            return herr_sys(e, "move layer into %s", layer);
    }
    _cleanup_free_ char *dst = xasprintf("%s/images/blobs/sha256/%s", root, img_id_hex(b->diff));
    if (!fs_exists(dst) && rename(blob, dst) < 0)
        return herr_sys(e, "move blob into %s", dst);
    return 0;
}

static const char *go_arch(void)
{
    static struct utsname u;
    if (uname(&u) < 0)
        return "amd64";
    static const char *const map[][2] = {
        {"x86_64", "amd64"},    {"aarch64", "arm64"}, {"i686", "386"},        {"armv7l", "arm"},
        {"ppc64le", "ppc64le"}, {"s390x", "s390x"},   {"riscv64", "riscv64"},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcmp(u.machine, map[i][0]) == 0)
            return map[i][1];
    }
    return u.machine;
}

/* Write config blob, image record and name; print the id. Runs under the store lock. */
static int record_image(const struct opts *o, json_t *cfg, json_t *chains, json_int_t size,
                        struct herr *e)
{
    _cleanup_free_ char *text = json_dumps(cfg, JSON_COMPACT | JSON_SORT_KEYS);
    if (!text)
        return herr_set(e, ENOMEM, "serialize image config");
    char id[72];
    hi_digest(text, strlen(text), id);
    _cleanup_free_ char *blobs = img_path(o->root, "blobs/sha256");
    _cleanup_close_ int bfd = open(blobs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (bfd < 0)
        return herr_sys(e, "open %s", blobs);
    if (fs_write_atomic(bfd, img_id_hex(id), text, strlen(text), 0644, true, e) < 0)
        return -1;
    _cleanup_json_ json_t *rec = json_pack("{s:O, s:I}", "layers", chains, "size", size);
    if (img_db_save(o->root, id, rec, e) < 0)
        return -1;
    if (o->name) {
        struct image_ref r;
        if (image_ref_parse(o->name, &r, e) < 0)
            return -1;
        _cleanup_free_ char *norm = image_ref_string(&r);
        image_ref_clear(&r);
        _cleanup_json_ json_t *repos = img_repos_load(o->root, e);
        if (!repos)
            return -1;
        json_object_set_new(repos, norm, json_string(id));
        if (img_repos_save(o->root, repos, e) < 0)
            return -1;
    }
    printf("%s\n", id);
    return 0;
}

static int apply_changes(const struct opts *o, json_t *cfg, struct herr *e)
{
    json_t *c = json_object_get(cfg, "config");
    if (!json_is_object(c)) {
        c = json_object();
        json_object_set_new(cfg, "config", c);
    }
    for (char **ch = o->changes; *ch; ch++) {
        if (image_change_apply(c, *ch, e) < 0)
            return -1;
    }
    return 0;
}

static json_t *history_entry(const struct opts *o, const char *created, const char *by)
{
    json_t *h = json_pack("{s:s, s:s}", "created", created, "created_by", by);
    _cleanup_free_ char *dflt =
        o->upper ? NULL : xasprintf("Imported from %s", o->source ? o->source : "-");
    const char *comment = o->message ? o->message : dflt;
    if (comment)
        json_object_set_new(h, "comment", json_string(comment));
    if (o->author)
        json_object_set_new(h, "author", json_string(o->author));
    return h;
}

/* The new config: a fresh one for import, the parent's with one more layer for commit. */
static json_t *build_config(const struct opts *o, const struct image *parent, const char *diff,
                            struct herr *e)
{
    _cleanup_free_ char *now = img_now_rfc3339();
    json_t *cfg;
    if (parent) {
        cfg = json_deep_copy(parent->config);
        if (o->config) {
            json_t *c = hj_load_str(o->config, "--config", e);
            if (!c || !json_is_object(c)) {
                json_decref(c);
                json_decref(cfg);
                if (c)
                    herr_set(e, EINVAL, "--config: not a JSON object");
                return NULL;
            }
            json_object_set_new(cfg, "config", c);
        }
    } else {
        cfg = json_pack("{s:s, s:s, s:{}, s:{s:s, s:[]}, s:[]}", "architecture", go_arch(), "os",
                        "linux", "config", "rootfs", "type", "layers", "diff_ids", "history");
    }
    json_object_set_new(cfg, "created", json_string(now));
    if (o->author)
        json_object_set_new(cfg, "author", json_string(o->author));
    json_t *rootfs = json_object_get(cfg, "rootfs");
    json_t *diffs = json_object_get(rootfs, "diff_ids");
    json_t *hist = json_object_get(cfg, "history");
    if (!json_is_array(diffs) || (hist && !json_is_array(hist))) {
        json_decref(cfg);
        herr_set(e, EINVAL, "parent image config has no rootfs.diff_ids");
        return NULL;
    }
    if (!hist) {
        hist = json_array();
        json_object_set_new(cfg, "history", hist);
    }
    json_array_append_new(diffs, json_string(diff));
    json_array_append_new(
        hist, history_entry(o, now, o->upper ? "hoist container commit" : "hoist image import"));
    if (apply_changes(o, cfg, e) < 0) {
        json_decref(cfg);
        return NULL;
    }
    return cfg;
}

/* Everything after the checks: pack, then under the store lock install and record. */
static int build(const struct opts *o, const struct image *parent, json_t *chains, struct built *b,
                 struct herr *e)
{
    if (img_store_init(o->root, e) < 0)
        return -1;
    hi_clean_stale(o->root);
    if (hi_stage_create(o->root, &b->stage, e) < 0 || pack(o, b, e) < 0)
        return -1;
    _cleanup_close_ int lock = img_store_lock(o->root, e);
    if (lock < 0)
        return -1;
    if (hi_interrupted)
        return herr_set(e, EINTR, "interrupted");
    const char *last = json_string_value(json_array_get(chains, json_array_size(chains) - 1));
    _cleanup_free_ char *parent_chain = last ? xasprintf("sha256:%s", last) : NULL;
    if (install_layer(o->root, parent_chain, b, e) < 0)
        return -1;
    json_array_append_new(chains, json_string(img_id_hex(b->chain)));
    _cleanup_json_ json_t *cfg = build_config(o, parent, b->diff, e);
    if (!cfg)
        return -1;
    struct herr ignore = {0};
    _cleanup_json_ json_t *prec = parent ? img_db_load(o->root, parent->id, &ignore) : NULL;
    json_int_t size = hj_int(prec, "size", 0) + (json_int_t)b->size;
    return record_image(o, cfg, chains, size, e);
}

static int run(const struct opts *o, struct built *b, struct herr *e)
{
    if (o->name) {
        struct image_ref r;
        if (image_ref_parse(o->name, &r, e) < 0)
            return -1;
        image_ref_clear(&r);
    }
    /* Check the changes before reading any input. */
    _cleanup_json_ json_t *probe = json_object();
    for (char **ch = o->changes; *ch; ch++) {
        if (image_change_apply(probe, *ch, e) < 0)
            return -1;
    }
    if (!o->parent) {
        _cleanup_json_ json_t *chains = json_array();
        return build(o, NULL, chains, b, e);
    }
    struct image *parent = NULL;
    if (image_lookup(o->root, o->parent, &parent, e) < 0)
        return herr_wrap(e, "parent image");
    json_t *rec = img_db_load(o->root, parent->id, e);
    json_t *chains = rec ? json_deep_copy(json_object_get(rec, "layers")) : NULL;
    json_decref(rec);
    int r = chains ? build(o, parent, chains, b, e) : -1;
    json_decref(chains);
    image_free(parent);
    return r;
}

static int usage(const char *cmd)
{
    if (strcmp(cmd, "commit") == 0)
        fprintf(stderr, "usage: hoist-image commit --root R --upper DIR --parent IMAGE "
                        "[-c INSTR]... [-m MSG] [--author A] [--config JSON] [NAME[:TAG]]\n");
    else
        fprintf(stderr, "usage: hoist-image import --root R [-c INSTR]... [-m MSG] FILE|- "
                        "[REPOSITORY[:TAG]]\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "login") == 0 || strcmp(argv[1], "logout") == 0)) {
        install_signals();
        return hi_login_main(argc, argv);
    }
    if (argc >= 2 && strcmp(argv[1], "pull") == 0) {
        install_signals();
        return hi_pull_main(argc, argv);
    }
    if (argc >= 2 && (strcmp(argv[1], "load") == 0 || strcmp(argv[1], "save") == 0)) {
        install_signals();
        return strcmp(argv[1], "load") == 0 ? hi_load_main(argc, argv) : hi_save_main(argc, argv);
    }
    if (argc < 2 || (strcmp(argv[1], "import") != 0 && strcmp(argv[1], "commit") != 0)) {
        fprintf(stderr,
                "hoist-image: unknown command \"%s\" (import, commit, load, save, pull, login, "
                "logout)\n",
                argc > 1 ? argv[1] : "");
        return 2;
    }
    const char *cmd = argv[1];
    bool commit = strcmp(cmd, "commit") == 0;
    struct opts o = {.changes = xcalloc(1, sizeof(char *))};
    static const struct option lo[] = {
        {"root", required_argument, NULL, 'r'},    {"change", required_argument, NULL, 'c'},
        {"message", required_argument, NULL, 'm'}, {"upper", required_argument, NULL, 'u'},
        {"parent", required_argument, NULL, 'p'},  {"author", required_argument, NULL, 'a'},
        {"config", required_argument, NULL, 'C'},  {0},
    };
    int c;
    optind = 2;
    while ((c = getopt_long(argc, argv, "+c:m:a:", lo, NULL)) != -1) {
        switch (c) {
        case 'r':
            o.root = optarg;
            break;
        case 'c':
            strv_push(&o.changes, xstrdup(optarg));
            break;
        case 'm':
            o.message = optarg;
            break;
        case 'u':
            o.upper = optarg;
            break;
        case 'p':
            o.parent = optarg;
            break;
        case 'a':
            o.author = optarg;
            break;
        case 'C':
            o.config = optarg;
            break;
        default:
            return usage(cmd);
        }
    }
    int left = argc - optind;
    if (!o.root || (commit && (!o.upper || !o.parent || left > 1)) ||
        (!commit && (o.upper || o.parent || o.config || o.author || left < 1 || left > 2)))
        return usage(cmd);
    if (commit) {
        o.name = left == 1 ? argv[optind] : NULL;
    } else {
        o.source = argv[optind];
        o.name = left == 2 ? argv[optind + 1] : NULL;
    }
    install_signals();
    struct herr e = {0};
    struct built b = {0};
    int r = run(&o, &b, &e);
    if (b.stage) {
        struct herr ignore = {0};
        fs_rm_rf(b.stage, &ignore);
        free(b.stage);
    }
    strv_free(o.changes);
    return hi_exit(r, &e);
}
