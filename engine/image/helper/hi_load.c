/* hoist-image load: read a docker-archive or OCI archive into a staging dir, find the
 * images it describes, and hand them to hi_load_store.
 *   hoist-image load --root R [-i FILE|-] [-q]
 * The archive is read once, front to back (it may be a pipe): every regular member is
 * copied to a flat staged file named by its position, hashed on the way, so no member
 * name is ever used as a path on disk. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
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

#define COPY_BUF (128 * 1024)
/* Manifests, indexes and configs are read into memory: bound them. */
#define MAX_JSON (16 << 20)
#define MAX_LINK_HOPS 16
#define MAX_INDEX_DEPTH 4

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"

struct loader {
    const char *input;
    char *stage;
    int stagefd;
    json_t *members;           /* cleaned name -> member, or {"l": symlink target} */
    unsigned long long nfiles; /* staged files so far (their names) */
    unsigned long long space;  /* bytes the stage may still take */
    unsigned long long limit;  /* largest size one member can honestly have */
    struct hi_load_image *imgs;
    size_t nimgs;
    bool quiet;
};

void hi_sha_hex(struct sha256_ctx *c, char out[72])
{
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_digest(c, sizeof(d), d);
    char *p = out + sprintf(out, "sha256:");
    for (size_t i = 0; i < sizeof(d); i++)
        p += sprintf(p, "%02x", d[i]);
}

/* Join dir and rel inside the archive's namespace: ".." may not climb above its top. */
static int norm_join(const char *dir, const char *rel, char **out, struct herr *e)
{
    _cleanup_free_ char *all = dir && *dir ? xasprintf("%s/%s", dir, rel) : xstrdup(rel);
    _cleanup_strv_ char **parts = xcalloc(1, sizeof(char *));
    char *save = NULL;
    for (char *c = strtok_r(all, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (strcmp(c, ".") == 0)
            continue;
        if (strcmp(c, "..") == 0) {
            size_t n = strv_len(parts);
            if (n == 0)
                return herr_set(e, EINVAL, "archive path \"%s\" points outside the archive", rel);
            free(parts[n - 1]);
            parts[n - 1] = NULL;
            continue;
        }
        strv_push(&parts, xstrdup(c));
    }
    size_t len = 1;
    for (char **p = parts; *p; p++)
        len += strlen(*p) + 1;
    char *s = xcalloc(1, len);
    for (char **p = parts; *p; p++) {
        if (p != parts)
            strcat(s, "/");
        strcat(s, *p);
    }
    *out = s;
    return 0;
}

static int take_file(struct loader *L, struct archive *a, struct archive_entry *ent,
                     const char *name, struct herr *e)
{
    la_int64_t size = archive_entry_size(ent);
    if (size < 0 || (unsigned long long)size > L->limit)
        return herr_set(e, EFBIG, "%s: member \"%s\": its size %lld is more than the archive holds",
                        L->input, name, (long long)size);
    if ((unsigned long long)size > L->space)
        return herr_set(e, ENOSPC,
                        "archive member \"%s\": %lld bytes do not fit in the store's free space",
                        name, (long long)size);
    L->space -= (unsigned long long)size;
    char fname[32];
    snprintf(fname, sizeof(fname), "m%llu", L->nfiles++);
    _cleanup_close_ int fd =
        openat(L->stagefd, fname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return herr_sys(e, "create %s/%s", L->stage, fname);
    struct sha256_ctx c;
    sha256_init(&c);
    _cleanup_free_ char *buf = xmalloc(COPY_BUF);
    la_int64_t done = 0;
    for (;;) {
        if (hi_interrupted)
            return herr_set(e, EINTR, "interrupted");
        la_ssize_t n = archive_read_data(a, buf, COPY_BUF);
        if (n < 0)
            return herr_set(e, hi_la_errno(a), "%s: member \"%s\": %s", L->input, name,
                            archive_error_string(a));
        if (n == 0)
            break;
        done += n;
        if (done > size)
            return herr_set(e, EFBIG, "archive member \"%s\": more data than its size", name);
        sha256_update(&c, (size_t)n, (const uint8_t *)buf);
        for (la_ssize_t off = 0; off < n;) {
            ssize_t w = write(fd, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR && !hi_interrupted)
                continue;
            if (w < 0)
                return herr_sys(e, "write %s/%s", L->stage, fname);
            off += w;
        }
    }
    if (done != size)
        return herr_set(e, EIO, "archive member \"%s\": data ends before its size %lld", name,
                        (long long)size);
    char digest[72];
    hi_sha_hex(&c, digest);
    _cleanup_free_ char *path = xasprintf("%s/%s", L->stage, fname);
    json_object_set_new(
        L->members, name,
        json_pack("{s:s, s:s, s:I}", "f", path, "d", digest, "s", (json_int_t)size));
    return 0;
}

static int take_entry(struct loader *L, struct archive *a, struct archive_entry *ent,
                      struct herr *e)
{
    const char *raw = archive_entry_pathname(ent);
    if (!raw)
        return herr_set(e, EINVAL, "%s: a member has no name", L->input);
    _cleanup_free_ char *name = NULL;
    if (image_path_clean(raw, &name, e) < 0)
        return herr_set(e, EINVAL, "%s: member \"%s\" points outside the archive", L->input, raw);
    mode_t type = archive_entry_filetype(ent);
    const char *hl = archive_entry_hardlink(ent);
    if (hl) {
        _cleanup_free_ char *target = NULL;
        if (image_path_clean(hl, &target, e) < 0)
            return herr_set(e, EINVAL, "%s: hard link \"%s\" points outside the archive", L->input,
                            raw);
        json_t *m = json_object_get(L->members, target);
        if (!m || !hj_str(m, "f"))
            return herr_set(e, EINVAL,
                            "%s: hard link \"%s\" -> \"%s\": target is not an earlier file",
                            L->input, raw, hl);
        json_object_set(L->members, name, m);
        return 0;
    }
    if (!*name || type == AE_IFDIR)
        return 0;
    if (type == AE_IFLNK) {
        const char *t = archive_entry_symlink(ent);
        if (!t || !*t)
            return herr_set(e, EINVAL, "%s: symlink \"%s\" has no target", L->input, raw);
        json_object_set_new(L->members, name, json_pack("{s:s}", "l", t));
        return 0;
    }
    if (type != AE_IFREG)
        return herr_set(e, EINVAL, "%s: member \"%s\" is not a file, directory or link", L->input,
                        raw);
    return take_file(L, a, ent, name, e);
}

static int read_archive(struct loader *L, struct herr *e)
{
    bool is_stdin = strcmp(L->input, "-") == 0;
    _cleanup_close_ int fd =
        is_stdin ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0) : open(L->input, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return herr_sys(e, "open %s", L->input);
    struct stat st;
    struct statvfs vs;
    if (fstat(fd, &st) < 0 || fstatvfs(L->stagefd, &vs) < 0)
        return herr_sys(e, "stat %s", L->input);
    L->space = (unsigned long long)vs.f_bavail * vs.f_frsize;
    if (L->space > HI_MAX_TOTAL_SIZE)
        L->space = HI_MAX_TOTAL_SIZE;
    struct archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    int rc = 0;
    if (archive_read_open_fd(a, fd, COPY_BUF) != ARCHIVE_OK) {
        rc = herr_set(e, hi_la_errno(a), "%s: %s", L->input, archive_error_string(a));
        goto out;
    }
    struct archive_entry *ent;
    int h;
    while ((h = archive_read_next_header(a, &ent)) == ARCHIVE_OK || h == ARCHIVE_WARN) {
        /* An uncompressed archive on disk cannot hold a member larger than itself. */
        bool plain = S_ISREG(st.st_mode) && archive_filter_code(a, 0) == ARCHIVE_FILTER_NONE;
        L->limit = plain ? (unsigned long long)st.st_size : HI_MAX_FILE_SIZE;
        if ((rc = take_entry(L, a, ent, e)) < 0)
            goto out;
    }
    if (h != ARCHIVE_EOF)
        rc = herr_set(e, hi_la_errno(a), "%s: %s", L->input, archive_error_string(a));
out:
    if (rc < 0 && hi_interrupted)
        herr_set(e, EINTR, "load interrupted");
    archive_read_free(a);
    return rc;
}

/* The member called name, following the archive's own symlinks (docker's classic
 * format links a layer shared by two images). */
static json_t *member(struct loader *L, const char *name, struct herr *e)
{
    _cleanup_free_ char *cur = NULL;
    if (norm_join(NULL, name, &cur, e) < 0)
        return NULL;
    for (int hop = 0; hop < MAX_LINK_HOPS; hop++) {
        json_t *m = json_object_get(L->members, cur);
        if (!m) {
            herr_set(e, ENOENT, "%s: member \"%s\" is missing", L->input, name);
            return NULL;
        }
        const char *l = hj_str(m, "l");
        if (!l)
            return m;
        char *slash = strrchr(cur, '/');
        _cleanup_free_ char *dir = slash ? xstrndup(cur, (size_t)(slash - cur)) : NULL;
        char *next = NULL;
        if (norm_join(l[0] == '/' ? NULL : dir, l, &next, e) < 0) {
            herr_wrap(e, "%s: member \"%s\"", L->input, name);
            return NULL;
        }
        free(cur);
        cur = next;
    }
    herr_set(e, ELOOP, "%s: member \"%s\": too many levels of symbolic links", L->input, name);
    return NULL;
}

static json_t *member_json(struct loader *L, json_t *m, const char *name, struct herr *e)
{
    if (hj_int(m, "s", 0) > MAX_JSON) {
        herr_set(e, EFBIG, "%s: member \"%s\" is too large for a JSON document", L->input, name);
        return NULL;
    }
    _cleanup_free_ char *text = NULL;
    if (fs_read_all(AT_FDCWD, hj_str(m, "f"), &text, NULL, e) < 0)
        return NULL;
    _cleanup_free_ char *what = xasprintf("%s: %s", L->input, name);
    json_t *j = hj_load_str(text, what, e);
    if (j && !json_is_object(j) && !json_is_array(j)) {
        json_decref(j);
        herr_set(e, EINVAL, "%s: not a JSON object", what);
        return NULL;
    }
    return j;
}

static bool has_str(char *const *v, const char *s)
{
    for (; *v; v++) {
        if (strcmp(*v, s) == 0)
            return true;
    }
    return false;
}

static struct hi_load_image *image_for(struct loader *L, const char *id)
{
    for (size_t i = 0; i < L->nimgs; i++) {
        if (strcmp(L->imgs[i].id, id) == 0)
            return &L->imgs[i];
    }
    return NULL;
}

/* Record an image (merging the tags of one already seen with the same config). */
static int add_image(struct loader *L, json_t *cfg_mem, json_t *layers, const char *tag,
                     const char *what, struct herr *e)
{
    const char *id = hj_str(cfg_mem, "d");
    _cleanup_free_ char *norm = NULL;
    if (tag) {
        struct image_ref r;
        if (image_ref_parse(tag, &r, e) < 0)
            return herr_wrap(e, "%s: %s: name", L->input, what);
        norm = image_ref_string(&r);
        image_ref_clear(&r);
    }
    struct hi_load_image *img = image_for(L, id);
    if (!img) {
        _cleanup_json_ json_t *cfg = member_json(L, cfg_mem, "config", e);
        if (!cfg)
            return herr_wrap(e, "%s", what);
        json_t *diffs = hj_path(cfg, "rootfs.diff_ids");
        if (!json_is_object(cfg) || !json_is_array(diffs))
            return herr_set(e, EINVAL, "%s: %s: the config has no rootfs.diff_ids", L->input, what);
        if (json_array_size(diffs) != json_array_size(layers))
            return herr_set(e, EINVAL, "%s: %s: %zu layers but the config lists %zu diff ids",
                            L->input, what, json_array_size(layers), json_array_size(diffs));
        L->imgs = xrealloc(L->imgs, (L->nimgs + 1) * sizeof(*L->imgs));
        img = &L->imgs[L->nimgs++];
        *img = (struct hi_load_image){.id = xstrdup(id),
                                      .config = json_incref(cfg),
                                      .cfg_mem = json_incref(cfg_mem),
                                      .layers = json_incref(layers),
                                      .tags = xcalloc(1, sizeof(char *))};
    }
    if (norm && !has_str(img->tags, norm))
        strv_push(&img->tags, steal_ptr(&norm));
    return 0;
}

static int parse_docker(struct loader *L, json_t *man, struct herr *e)
{
    if (!json_is_array(man) || json_array_size(man) == 0)
        return herr_set(e, EINVAL, "%s: manifest.json lists no image", L->input);
    size_t i;
    json_t *it;
    json_array_foreach(man, i, it)
    {
        _cleanup_free_ char *what = xasprintf("manifest.json entry %zu", i + 1);
        const char *cfg = hj_str(it, "Config");
        json_t *lay = json_object_get(it, "Layers");
        json_t *tags = json_object_get(it, "RepoTags");
        if (!cfg || !json_is_array(lay) || (tags && !json_is_null(tags) && !json_is_array(tags)))
            return herr_set(e, EINVAL, "%s: %s: needs Config and a Layers list", L->input, what);
        json_t *cm = member(L, cfg, e);
        if (!cm)
            return herr_wrap(e, "%s", what);
        _cleanup_json_ json_t *layers = json_array();
        size_t k;
        json_t *l;
        json_array_foreach(lay, k, l)
        {
            json_t *lm = json_is_string(l) ? member(L, json_string_value(l), e) : NULL;
            if (!lm)
                return json_is_string(l) ? herr_wrap(e, "%s", what)
                                         : herr_set(e, EINVAL, "%s: %s: layer %zu is not a path",
                                                    L->input, what, k + 1);
            json_array_append(layers, lm);
        }
        if (json_array_size(tags) == 0 && add_image(L, cm, layers, NULL, what, e) < 0)
            return -1;
        json_array_foreach(tags, k, l)
        {
            if (!json_is_string(l))
                return herr_set(e, EINVAL, "%s: %s: RepoTags holds a non-string", L->input, what);
            if (add_image(L, cm, layers, json_string_value(l), what, e) < 0)
                return -1;
        }
    }
    return 0;
}

/* The blob a descriptor names, checked against the descriptor's digest and size. */
static json_t *blob(struct loader *L, json_t *desc, const char *what, struct herr *e)
{
    const char *d = hj_str(desc, "digest");
    const char *hex = img_id_hex(d);
    if (!hex || !img_is_hex64(hex)) {
        herr_set(e, EINVAL, "%s: %s: unsupported digest \"%s\"", L->input, what, d ? d : "");
        return NULL;
    }
    _cleanup_free_ char *name = xasprintf("blobs/sha256/%s", hex);
    json_t *m = member(L, name, e);
    if (!m)
        return NULL;
    if (strcmp(hj_str(m, "d"), d) != 0) {
        herr_set(e, EINVAL, "%s: %s: blob %s does not match its digest (got %s)", L->input, what, d,
                 hj_str(m, "d"));
        return NULL;
    }
    json_t *size = json_object_get(desc, "size");
    if (size && (!json_is_integer(size) || json_integer_value(size) != hj_int(m, "s", -1))) {
        herr_set(e, EINVAL, "%s: %s: blob %s has %lld bytes, the descriptor says otherwise",
                 L->input, what, d, hj_int(m, "s", -1));
        return NULL;
    }
    return m;
}

static const char *go_arch(void)
{
    static struct utsname u;
    static const char *const map[][2] = {
        {"x86_64", "amd64"}, {"aarch64", "arm64"}, {"i686", "386"}, {"armv7l", "arm"}};
    if (uname(&u) < 0)
        return "amd64";
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcmp(u.machine, map[i][0]) == 0)
            return map[i][1];
    }
    return u.machine;
}

static bool platform_ok(json_t *desc)
{
    json_t *p = json_object_get(desc, "platform");
    if (!p)
        return true;
    const char *os = hj_str(p, "os"), *arch = hj_str(p, "architecture");
    return (!os || strcmp(os, "linux") == 0) && (!arch || strcmp(arch, go_arch()) == 0);
}

/* The name an OCI descriptor gives: containerd's full name, else ref.name when it is a
 * whole reference rather than only a tag. */
static const char *oci_name(json_t *desc)
{
    json_t *an = json_object_get(desc, "annotations");
    const char *full = hj_str(an, "io.containerd.image.name");
    if (full)
        return full;
    const char *ref = hj_str(an, "org.opencontainers.image.ref.name");
    return ref && strpbrk(ref, ":/@") ? ref : NULL;
}

static int oci_manifest(struct loader *L, json_t *man, const char *name, const char *what,
                        struct herr *e)
{
    json_t *cd = json_object_get(man, "config");
    json_t *lay = json_object_get(man, "layers");
    if (!json_is_object(cd) || !json_is_array(lay))
        return herr_set(e, EINVAL, "%s: %s: manifest needs a config and layers", L->input, what);
    json_t *cm = blob(L, cd, what, e);
    if (!cm)
        return -1;
    _cleanup_json_ json_t *layers = json_array();
    size_t i;
    json_t *d;
    json_array_foreach(lay, i, d)
    {
        json_t *lm = blob(L, d, what, e);
        if (!lm)
            return -1;
        json_array_append(layers, lm);
    }
    return add_image(L, cm, layers, name, what, e);
}

/* inherited: the name of the descriptor that led here, for images of a multi-platform
 * index that carry no name of their own. */
static int oci_index(struct loader *L, json_t *idx, const char *what, int depth,
                     const char *inherited, size_t *found, struct herr *e)
{
    json_t *mans = json_object_get(idx, "manifests");
    if (!json_is_array(mans))
        return herr_set(e, EINVAL, "%s: %s has no manifests list", L->input, what);
    size_t i;
    json_t *d;
    json_array_foreach(mans, i, d)
    {
        const char *mt = hj_str(d, "mediaType");
        bool is_index = mt && (strcmp(mt, MT_OCI_INDEX) == 0 || strcmp(mt, MT_DOCKER_LIST) == 0);
        bool is_man =
            mt && (strcmp(mt, MT_OCI_MANIFEST) == 0 || strcmp(mt, MT_DOCKER_MANIFEST) == 0);
        /* Unknown media types are skipped, as the image spec asks. */
        if ((!is_index && !is_man) || !platform_ok(d))
            continue;
        _cleanup_free_ char *sub = xasprintf("%s entry %zu", what, i + 1);
        json_t *m = blob(L, d, sub, e);
        _cleanup_json_ json_t *j = m ? member_json(L, m, hj_str(d, "digest"), e) : NULL;
        if (!j || !json_is_object(j))
            return j ? herr_set(e, EINVAL, "%s: %s: not a JSON object", L->input, sub) : -1;
        const char *name = oci_name(d) ? oci_name(d) : inherited;
        if (is_man) {
            if (oci_manifest(L, j, name, sub, e) < 0)
                return -1;
            (*found)++;
        } else if (depth >= MAX_INDEX_DEPTH) {
            return herr_set(e, ELOOP, "%s: %s: indexes nest too deep", L->input, sub);
        } else if (oci_index(L, j, sub, depth + 1, name, found, e) < 0) {
            return -1;
        }
    }
    return 0;
}

static int find_images(struct loader *L, struct herr *e)
{
    if (json_object_get(L->members, "manifest.json")) {
        json_t *m = member(L, "manifest.json", e);
        _cleanup_json_ json_t *man = m ? member_json(L, m, "manifest.json", e) : NULL;
        return man ? parse_docker(L, man, e) : -1;
    }
    if (!json_object_get(L->members, "index.json") || !json_object_get(L->members, "oci-layout"))
        return herr_set(e, EINVAL,
                        "%s: neither a docker archive (no manifest.json) nor an OCI archive "
                        "(no index.json and oci-layout)",
                        L->input);
    json_t *m = member(L, "oci-layout", e);
    _cleanup_json_ json_t *layout = m ? member_json(L, m, "oci-layout", e) : NULL;
    if (!layout)
        return -1;
    if (!hj_str(layout, "imageLayoutVersion"))
        return herr_set(e, EINVAL, "%s: oci-layout has no imageLayoutVersion", L->input);
    m = member(L, "index.json", e);
    _cleanup_json_ json_t *idx = m ? member_json(L, m, "index.json", e) : NULL;
    size_t found = 0;
    if (!idx || oci_index(L, idx, "index.json", 0, NULL, &found, e) < 0)
        return -1;
    if (found == 0)
        return herr_plain(e, ENOENT, "%s: index.json lists no image for linux/%s", L->input,
                          go_arch());
    return 0;
}

static int load(struct loader *L, const char *root, struct herr *e)
{
    if (img_store_init(root, e) < 0)
        return -1;
    hi_clean_stale(root);
    if (hi_stage_create(root, &L->stage, e) < 0)
        return -1;
    L->stagefd = open(L->stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (L->stagefd < 0)
        return herr_sys(e, "open %s", L->stage);
    if (read_archive(L, e) < 0 || find_images(L, e) < 0)
        return -1;
    /* Like docker, progress only on a terminal. */
    bool progress = !L->quiet && isatty(STDERR_FILENO);
    return hi_load_store(root, L->stage, L->imgs, L->nimgs, progress, true, e);
}

int hi_load_main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"root", required_argument, NULL, 'r'},
        {"input", required_argument, NULL, 'i'},
        {"quiet", no_argument, NULL, 'q'},
        {0},
    };
    const char *root = NULL;
    struct loader L = {.input = "-", .stagefd = -1, .members = json_object()};
    int c;
    optind = 2;
    while ((c = getopt_long(argc, argv, "+i:q", lo, NULL)) != -1) {
        if (c == 'r')
            root = optarg;
        else if (c == 'i')
            L.input = optarg;
        else if (c == 'q')
            L.quiet = true;
        else
            return 2;
    }
    if (!root || optind != argc) {
        fprintf(stderr, "usage: hoist-image load --root R [-i FILE|-] [-q]\n");
        return 2;
    }
    struct herr e = {0};
    int r = load(&L, root, &e);
    if (L.stagefd >= 0)
        close(L.stagefd);
    if (L.stage) {
        struct herr ignore = {0};
        fs_rm_rf(L.stage, &ignore);
        free(L.stage);
    }
    for (size_t i = 0; i < L.nimgs; i++) {
        free(L.imgs[i].id);
        json_decref(L.imgs[i].config);
        json_decref(L.imgs[i].cfg_mem);
        json_decref(L.imgs[i].layers);
        strv_free(L.imgs[i].tags);
    }
    free(L.imgs);
    json_decref(L.members);
    return hi_exit(r, &e);
}
