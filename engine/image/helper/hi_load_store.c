/* Storing loaded images: decompress each layer while hashing it, check the hash
 * against the config's diff id, unpack it into the stage (checking every entry), and
 * only then, under the store lock, move layers, blobs, configs and names in. A pull
 * hands over layers it already unpacked while fetching (hi_stream.c). */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
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
#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"

struct prep {
    const char *root, *stage;
    json_t *plain;   /* staged member path -> {"f": uncompressed tar, "d": its digest} */
    json_t *staged;  /* chain hex -> {"dir": staged layer, "blob": tar, "diff": diff id} */
    json_t *sizes;   /* chain hex -> content size */
    json_t *adopted; /* layer dirs unpacked by a pull, taken into P->staged */
    unsigned long long n;
    bool progress;
};

static bool is_compressed(const char *file, struct herr *e, int *err)
{
    unsigned char m[6] = {0};
    _cleanup_close_ int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, m, sizeof(m)) < 0) {
        *err = herr_sys(e, "read %s", file);
        return false;
    }
    return (m[0] == 0x1f && m[1] == 0x8b) ||                                 /* gzip */
           (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) || /* zstd */
           (m[0] == 'B' && m[1] == 'Z' && m[2] == 'h') ||                    /* bzip2 */
           (m[0] == 0xfd && memcmp(m + 1, "7zXZ", 4) == 0);                  /* xz */
}

static int decompress(const char *src, const char *dst, char digest[72], struct herr *e)
{
    struct statvfs vs;
    if (statvfs(src, &vs) < 0)
        return herr_sys(e, "statvfs %s", src);
    unsigned long long limit = (unsigned long long)vs.f_bavail * vs.f_frsize, done = 0;
    if (limit > HI_MAX_TOTAL_SIZE)
        limit = HI_MAX_TOTAL_SIZE;
    _cleanup_close_ int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return herr_sys(e, "create %s", dst);
    struct archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_raw(a);
    struct archive_entry *ent;
    struct sha256_ctx c;
    sha256_init(&c);
    _cleanup_free_ char *buf = xmalloc(COPY_BUF);
    int rc = 0;
    if (archive_read_open_filename(a, src, COPY_BUF) != ARCHIVE_OK ||
        archive_read_next_header(a, &ent) != ARCHIVE_OK) {
        rc = herr_set(e, hi_la_errno(a), "decompress layer: %s", archive_error_string(a));
        goto out;
    }
    for (;;) {
        la_ssize_t n = archive_read_data(a, buf, COPY_BUF);
        if (n < 0 || hi_interrupted) {
            rc = hi_interrupted
                     ? herr_set(e, EINTR, "interrupted")
                     : herr_set(e, hi_la_errno(a), "decompress layer: %s", archive_error_string(a));
            goto out;
        }
        if (n == 0)
            break;
        done += (unsigned long long)n;
        if (done > limit) {
            rc =
                herr_set(e, EFBIG, "decompressed layer exceeds %llu bytes (the free space)", limit);
            goto out;
        }
        sha256_update(&c, (size_t)n, (const uint8_t *)buf);
        for (la_ssize_t off = 0; off < n;) {
            ssize_t w = write(fd, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR && !hi_interrupted)
                continue;
            if (w < 0) {
                rc = herr_sys(e, "write %s", dst);
                goto out;
            }
            off += w;
        }
    }
    hi_sha_hex(&c, digest);
out:
    archive_read_free(a);
    return rc;
}

struct unz {
    const char *src;
    char *dst;
    char digest[72];
    struct herr e;
    int rc;
};

static void *unz_run(void *arg)
{
    struct unz *u = arg;
    u->rc = decompress(u->src, u->dst, u->digest, &u->e);
    return NULL;
}

/* Decompress every compressed layer of the images at once, one thread per core: gzip
 * and zstd decoding is most of a load's or pull's time, and layers are independent.
 * The results wait in P->plain for plain_tar. */
static int predecompress(struct prep *P, struct hi_load_image *imgs, size_t n, struct herr *e)
{
    struct unz *v = NULL;
    size_t nv = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < json_array_size(imgs[i].layers); k++) {
            const json_t *mem = json_array_get(imgs[i].layers, k);
            const char *f = hj_str(mem, "f");
            /* A pulled layer was unpacked as it came (and is kept compressed). */
            bool seen = !f || hj_str(mem, "dir") || json_object_get(P->plain, f);
            for (size_t j = 0; j < nv && !seen; j++)
                seen = strcmp(v[j].src, f) == 0;
            int err = 0;
            if (seen || !is_compressed(f, NULL, &err))
                continue;
            v = xrealloc(v, (nv + 1) * sizeof(*v));
            v[nv] = (struct unz){.src = f, .dst = xasprintf("%s/u%llu", P->stage, P->n++)};
            nv++;
        }
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    size_t width = cores > 0 ? (size_t)cores : 1;
    int rc = 0;
    for (size_t start = 0; start < nv; start += width) {
        size_t end = start + width < nv ? start + width : nv;
        pthread_t th[64];
        bool made[64] = {0};
        for (size_t j = start; j < end && j - start < 64; j++)
            made[j - start] = pthread_create(&th[j - start], NULL, unz_run, &v[j]) == 0;
        for (size_t j = start; j < end && j - start < 64; j++) {
            if (made[j - start])
                pthread_join(th[j - start], NULL);
            else
                unz_run(&v[j]);
        }
    }
    for (size_t j = 0; j < nv; j++) {
        if (v[j].rc < 0 && rc == 0) {
            if (e)
                *e = v[j].e;
            rc = -1;
        }
        if (v[j].rc == 0)
            json_object_set_new(P->plain, v[j].src,
                                json_pack("{s:s, s:s}", "f", v[j].dst, "d", v[j].digest));
        free(v[j].dst);
    }
    free(v);
    return rc;
}

/* The uncompressed tar of a layer member and its digest (the diff id). */
static json_t *plain_tar(struct prep *P, json_t *mem, struct herr *e)
{
    const char *f = hj_str(mem, "f");
    if (hj_str(mem, "dir") || hj_bool(mem, "stored", false))
        return mem;
    json_t *done = json_object_get(P->plain, f);
    if (done)
        return done;
    int err = 0;
    bool z = is_compressed(f, e, &err);
    if (err < 0)
        return NULL;
    json_t *r;
    if (!z) {
        r = json_pack("{s:s, s:s}", "f", f, "d", hj_str(mem, "d"));
    } else {
        _cleanup_free_ char *dst = xasprintf("%s/u%llu", P->stage, P->n++);
        char digest[72];
        if (decompress(f, dst, digest, e) < 0)
            return NULL;
        r = json_pack("{s:s, s:s}", "f", dst, "d", digest);
    }
    json_object_set_new(P->plain, f, r);
    return r;
}

/* A layer unpacked in the stage becomes part of what install moves in, with the blob
 * the store keeps for it: the uncompressed tar of a loaded layer (its digest is the
 * diff id), the compressed blob of a pulled one. */
static int adopt_layer(struct prep *P, const char *dir, const char *blob, const char *blob_digest,
                       const char *diff, const char *parent, const char *chain,
                       unsigned long long size, struct herr *e)
{
    _cleanup_close_ int lfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (lfd < 0)
        return herr_sys(e, "open %s", dir);
    _cleanup_json_ json_t *meta =
        json_pack("{s:s, s:s?, s:I}", "diff_id", diff, "parent", parent, "size", (json_int_t)size);
    if (strcmp(blob_digest, diff) != 0)
        json_object_set_new(meta, "blob", json_string(blob_digest));
    if (hj_write_atomic(lfd, "meta.json", meta, false, e) < 0)
        return -1;
    json_object_set_new(
        P->staged, img_id_hex(chain),
        json_pack("{s:s, s:s, s:s}", "dir", dir, "blob", blob, "digest", blob_digest));
    json_object_set_new(P->sizes, img_id_hex(chain), json_integer((json_int_t)size));
    return 0;
}

/* tar may be compressed: the same blob twice in one pulled image, under two parents. */
static int stage_layer(struct prep *P, const char *tar, const char *blob_digest, const char *diff,
                       const char *parent, const char *chain, struct herr *e)
{
    _cleanup_free_ char *dir = xasprintf("%s/l-%s", P->stage, img_id_hex(chain));
    _cleanup_free_ char *ddir = xasprintf("%s/diff", dir);
    if (mkdir(dir, 0700) < 0 || mkdir(ddir, 0755) < 0)
        return herr_sys(e, "create %s", ddir);
    _cleanup_close_ int dfd = open(ddir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return herr_sys(e, "open %s", ddir);
    unsigned long long size = 0;
    if (hi_unpack(tar, dfd, &size, e) < 0)
        return -1;
    return adopt_layer(P, dir, tar, blob_digest, diff, parent, chain, size, e);
}

static long long layer_size(struct prep *P, const char *hex)
{
    json_t *s = json_object_get(P->sizes, hex);
    if (s)
        return json_integer_value(s);
    _cleanup_free_ char *p = xasprintf("%s/images/layers/%s/meta.json", P->root, hex);
    struct herr ignore = {0};
    _cleanup_json_ json_t *meta = hj_load_file(AT_FDCWD, p, &ignore);
    return hj_int(meta, "size", 0);
}

/* Verify and stage the layers of one image; fills its chain ids and size. */
static int prepare_image(struct prep *P, struct hi_load_image *img, json_t *rec, struct herr *e)
{
    json_t *diffs = hj_path(img->config, "rootfs.diff_ids");
    json_t *chains = json_object_get(rec, "layers");
    char chain[72] = "", parent[72] = "";
    long long size = 0;
    if (json_array_size(diffs) == 0)
        return herr_set(e, EINVAL, "image %s has no layers", img->id);
    for (size_t i = 0; i < json_array_size(diffs); i++) {
        const char *want = json_string_value(json_array_get(diffs, i));
        if (!want || !img_id_hex(want) || !img_is_hex64(img_id_hex(want)))
            return herr_set(e, EINVAL, "image %s: diff id %zu is not a sha256 digest", img->id,
                            i + 1);
        json_t *pt = plain_tar(P, json_array_get(img->layers, i), e);
        if (!pt)
            return herr_wrap(e, "image %s: layer %zu", img->id, i + 1);
        if (strcmp(hj_str(pt, "d"), want) != 0)
            return herr_set(e, EINVAL,
                            "image %s: layer %zu: content digest %s does not match the config's "
                            "diff id %s",
                            img->id, i + 1, hj_str(pt, "d"), want);
        if (i == 0) {
            snprintf(chain, sizeof(chain), "%s", want);
        } else {
            _cleanup_free_ char *s = xasprintf("%s %s", parent, want);
            hi_digest(s, strlen(s), chain);
        }
        const char *hex = img_id_hex(chain);
        _cleanup_free_ char *have = xasprintf("%s/images/layers/%s", P->root, hex);
        /* A layer a pull already unpacked while fetching is taken as it is, once: the
         * same blob at another position has another parent and is unpacked again. */
        const char *dir = hj_str(pt, "dir");
        const char *blob = hj_str(pt, "blob") ? hj_str(pt, "blob") : want;
        int r = 0;
        if (json_object_get(P->staged, hex) || fs_exists(have))
            r = 0;
        else if (hj_bool(pt, "stored", false))
            r = herr_set(e, ENOENT, "layer %s vanished from the store", hex);
        else if (dir && !json_object_get(P->adopted, dir))
            r = adopt_layer(P, dir, hj_str(pt, "f"), blob, want, i ? parent : NULL, chain,
                            (unsigned long long)hj_int(pt, "size", 0), e);
        else
            r = stage_layer(P, hj_str(pt, "f"), blob, want, i ? parent : NULL, chain, e);
        if (r < 0)
            return herr_wrap(e, "image %s: layer %zu", img->id, i + 1);
        if (dir)
            json_object_set_new(P->adopted, dir, json_true());
        if (P->progress)
            fprintf(stderr, "%.12s: Loading layer %zu/%zu done\n", img_id_hex(want), i + 1,
                    json_array_size(diffs));
        json_array_append_new(chains, json_string(hex));
        size += layer_size(P, hex);
        snprintf(parent, sizeof(parent), "%s", chain);
    }
    json_object_set_new(rec, "size", json_integer(size));
    return 0;
}

/* Hard links from the stage, so the bytes are written once. */
static int link_in(const char *from, const char *to, struct herr *e)
{
    if (fs_exists(to) || link(from, to) == 0 || errno == EEXIST)
        return 0;
    return herr_sys(e, "store %s", to);
}

/* Under the store lock: move everything in, records last. */
static int install(struct prep *P, struct hi_load_image *imgs, json_t **recs, size_t n, bool report,
                   struct herr *e)
{
    const char *hex;
    json_t *s;
    json_object_foreach(P->staged, hex, s)
    {
        _cleanup_free_ char *dst = xasprintf("%s/images/layers/%s", P->root, hex);
        if (!fs_exists(dst) && rename(hj_str(s, "dir"), dst) < 0)
            return herr_sys(e, "move layer into %s", dst);
        _cleanup_free_ char *blob =
            xasprintf("%s/images/blobs/sha256/%s", P->root, img_id_hex(hj_str(s, "digest")));
        if (link_in(hj_str(s, "blob"), blob, e) < 0)
            return -1;
    }
    _cleanup_json_ json_t *repos = img_repos_load(P->root, e);
    if (!repos)
        return -1;
    _cleanup_strv_ char **out = xcalloc(1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *cfg =
            xasprintf("%s/images/blobs/sha256/%s", P->root, img_id_hex(imgs[i].id));
        if (link_in(hj_str(imgs[i].cfg_mem, "f"), cfg, e) < 0 ||
            img_db_save(P->root, imgs[i].id, recs[i], e) < 0)
            return -1;
        for (char **t = imgs[i].tags; *t; t++) {
            const char *old = hj_str(repos, *t);
            _cleanup_free_ char *d = image_ref_display(*t);
            if (old && strcmp(old, imgs[i].id) != 0)
                strv_push(&out, xasprintf("The image %s already exists, renaming the old one "
                                          "with ID %s to empty string",
                                          d, old));
            json_object_set_new(repos, *t, json_string(imgs[i].id));
            strv_push(&out, xasprintf("Loaded image: %s", d));
        }
        if (!imgs[i].tags[0])
            strv_push(&out, xasprintf("Loaded image ID: %s", imgs[i].id));
    }
    if (img_repos_save(P->root, repos, e) < 0)
        return -1;
    for (char **l = out; report && *l; l++)
        printf("%s\n", *l);
    return 0;
}

int hi_load_store(const char *root, const char *stage, struct hi_load_image *imgs, size_t n,
                  bool progress, bool report, struct herr *e)
{
    struct prep P = {.root = root,
                     .stage = stage,
                     .progress = progress,
                     .plain = json_object(),
                     .staged = json_object(),
                     .sizes = json_object(),
                     .adopted = json_object()};
    json_t **recs = xcalloc(n + 1, sizeof(json_t *));
    int rc = predecompress(&P, imgs, n, e);
    for (size_t i = 0; i < n; i++) {
        recs[i] = json_pack("{s:[]}", "layers");
        if (rc < 0)
            continue;
        rc = prepare_image(&P, &imgs[i], recs[i], e);
    }
    if (rc == 0) {
        _cleanup_close_ int sfd = open(stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (sfd < 0 || syncfs(sfd) < 0)
            rc = herr_sys(e, "sync %s", stage);
    }
    if (rc == 0) {
        _cleanup_close_ int lock = img_store_lock(root, e);
        if (lock < 0 || hi_interrupted)
            rc = lock < 0 ? -1 : herr_set(e, EINTR, "interrupted");
        else
            rc = install(&P, imgs, recs, n, report, e);
    }
    for (size_t i = 0; i < n; i++)
        json_decref(recs[i]);
    free(recs);
    json_decref(P.plain);
    json_decref(P.staged);
    json_decref(P.sizes);
    json_decref(P.adopted);
    return rc;
}
