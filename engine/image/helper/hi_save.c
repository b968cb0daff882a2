/* hoist-image save: images as a docker archive in the layout docker 25 writes, an OCI
 * image layout plus docker's manifest.json and repositories, so `docker load`, `podman
 * load`, skopeo's docker-archive: and oci-archive: transports all read it.
 *   hoist-image save --root R [-o FILE] IMAGE...
 * Layers are the stored uncompressed tars, whose digests are the config's diff ids, so
 * the image ids survive a save and load. Entries carry mtime 0: saving the same images
 * twice gives the same bytes. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
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
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"

struct saved {
    char *id;
    char **names; /* normalized names asked for */
};

struct writer {
    const char *root;
    struct archive *a;
    json_t *written; /* blob digests already in the archive */
    int write_errno;
};

static struct archive_entry *entry_for(const char *name, mode_t type, long long size)
{
    struct archive_entry *ent = archive_entry_new();
    archive_entry_set_pathname(ent, name);
    archive_entry_set_filetype(ent, type);
    archive_entry_set_perm(ent, type == AE_IFDIR ? 0755 : 0644);
    archive_entry_set_size(ent, type == AE_IFDIR ? 0 : size);
    archive_entry_set_mtime(ent, 0, 0);
    return ent;
}

static int put_header(struct writer *w, struct archive_entry *ent, struct herr *e)
{
    int r = archive_write_header(w->a, ent);
    if (r < ARCHIVE_WARN)
        herr_set(e, archive_errno(w->a), "write \"%s\": %s", archive_entry_pathname(ent),
                 archive_error_string(w->a));
    archive_entry_free(ent);
    return r < ARCHIVE_WARN ? -1 : 0;
}

static int put_bytes(struct writer *w, const char *name, const char *data, struct herr *e)
{
    size_t len = strlen(data);
    if (put_header(w, entry_for(name, AE_IFREG, (long long)len), e) < 0)
        return -1;
    if (archive_write_data(w->a, data, len) != (la_ssize_t)len)
        return herr_set(e, archive_errno(w->a), "write \"%s\": %s", name,
                        archive_error_string(w->a));
    return 0;
}

static int put_json(struct writer *w, const char *name, json_t *j, struct herr *e)
{
    _cleanup_free_ char *text = json_dumps(j, JSON_COMPACT);
    if (!text)
        return herr_set(e, ENOMEM, "serialize %s", name);
    return put_bytes(w, name, text, e);
}

/* A stored blob copied into blobs/sha256/, once per archive. */
static int put_blob(struct writer *w, const char *digest, long long *size, struct herr *e)
{
    _cleanup_free_ char *path = xasprintf("%s/images/blobs/sha256/%s", w->root, img_id_hex(digest));
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 && errno == ENOENT)
        return herr_set(e, ENOENT, "blob %s is not in the store", digest);
    if (fd < 0 || fstat(fd, &st) < 0)
        return herr_sys(e, "open %s", path);
    *size = st.st_size;
    if (json_object_get(w->written, digest))
        return 0;
    json_object_set_new(w->written, digest, json_true());
    _cleanup_free_ char *name = xasprintf("blobs/sha256/%s", img_id_hex(digest));
    if (put_header(w, entry_for(name, AE_IFREG, st.st_size), e) < 0)
        return -1;
    _cleanup_free_ char *buf = xmalloc(COPY_BUF);
    long long done = 0;
    while (done < st.st_size) {
        if (hi_interrupted)
            return herr_set(e, EINTR, "interrupted");
        ssize_t n = read(fd, buf, COPY_BUF);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return herr_sys(e, "read %s", path);
        if (n == 0)
            return herr_set(e, EIO, "%s shrank while being saved", path);
        if (archive_write_data(w->a, buf, (size_t)n) != n)
            return herr_set(e, archive_errno(w->a), "write %s: %s", name,
                            archive_error_string(w->a));
        done += n;
    }
    return 0;
}

/* The blob the store keeps for layer i of an image and its media type: the tar itself
 * (named by its diff id), or for a pulled layer the compressed blob as the registry
 * served it, which `docker load`, `podman load` and skopeo read as they are. */
static void layer_blob(const struct writer *w, const json_t *rec, size_t i, const char *diff,
                       const char **digest, const char **mt, json_t **meta)
{
    const char *chain = json_string_value(json_array_get(json_object_get(rec, "layers"), i));
    _cleanup_free_ char *mp =
        xasprintf("%s/images/layers/%s/meta.json", w->root, chain ? chain : "");
    struct herr ignore = {0};
    *meta = chain ? hj_load_file(AT_FDCWD, mp, &ignore) : NULL;
    const char *blob = hj_str(*meta, "blob");
    *digest = blob && img_id_hex(blob) && img_is_hex64(img_id_hex(blob)) ? blob : diff;
    *mt = MT_OCI_LAYER;
    if (*digest == diff)
        return;
    _cleanup_free_ char *path =
        xasprintf("%s/images/blobs/sha256/%s", w->root, img_id_hex(*digest));
    unsigned char m[4] = {0};
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && read(fd, m, sizeof(m)) == (ssize_t)sizeof(m)) {
        if (m[0] == 0x1f && m[1] == 0x8b)
            *mt = MT_OCI_LAYER "+gzip";
        else if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
            *mt = MT_OCI_LAYER "+zstd";
    }
}

/* Blobs of one image; adds its manifest.json entry and index.json descriptors. */
static int put_image(struct writer *w, const struct saved *s, json_t *manifest, json_t *index,
                     json_t *repos, struct herr *e)
{
    _cleanup_free_ char *cpath = xasprintf("%s/images/blobs/sha256/%s", w->root, img_id_hex(s->id));
    _cleanup_json_ json_t *cfg = hj_load_file(AT_FDCWD, cpath, e);
    if (!cfg)
        return herr_wrap(e, "image %s", s->id);
    json_t *diffs = hj_path(cfg, "rootfs.diff_ids");
    if (!json_is_array(diffs))
        return herr_set(e, EINVAL, "image %s: config has no rootfs.diff_ids", s->id);
    long long csize;
    if (put_blob(w, s->id, &csize, e) < 0)
        return herr_wrap(e, "image %s: config", s->id);
    _cleanup_json_ json_t *rec = img_db_load(w->root, s->id, e);
    if (!rec)
        return herr_wrap(e, "image %s", s->id);
    json_t *paths = json_array(), *descs = json_array();
    _cleanup_json_ json_t *man =
        json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:o}", "schemaVersion", 2, "mediaType",
                  MT_OCI_MANIFEST, "config", "mediaType", MT_OCI_CONFIG, "digest", s->id, "size",
                  (json_int_t)csize, "layers", descs);
    size_t i;
    json_t *d;
    json_array_foreach(diffs, i, d)
    {
        const char *diff = json_string_value(d);
        long long lsize;
        if (!img_id_hex(diff) || !img_is_hex64(img_id_hex(diff))) {
            json_decref(paths);
            return herr_set(e, EINVAL, "image %s: diff id %zu is not a sha256 digest", s->id,
                            i + 1);
        }
        const char *blob, *mt;
        _cleanup_json_ json_t *meta = NULL;
        layer_blob(w, rec, i, diff, &blob, &mt, &meta);
        if (put_blob(w, blob, &lsize, e) < 0) {
            json_decref(paths);
            return herr_wrap(e, "image %s: layer %zu", s->id, i + 1);
        }
        json_array_append_new(paths, json_sprintf("blobs/sha256/%s", img_id_hex(blob)));
        json_array_append_new(descs, json_pack("{s:s, s:s, s:I}", "mediaType", mt, "digest", blob,
                                               "size", (json_int_t)lsize));
    }
    _cleanup_free_ char *mtext = json_dumps(man, JSON_COMPACT);
    char mdigest[72];
    hi_digest(mtext, strlen(mtext), mdigest);
    if (!json_object_get(w->written, mdigest)) {
        json_object_set_new(w->written, mdigest, json_true());
        _cleanup_free_ char *mname = xasprintf("blobs/sha256/%s", img_id_hex(mdigest));
        if (put_bytes(w, mname, mtext, e) < 0) {
            json_decref(paths);
            return -1;
        }
    }
    json_t *tags = json_array();
    for (char **n = s->names; *n; n++) {
        _cleanup_free_ char *disp = image_ref_display(*n);
        _cleanup_free_ char *repo = NULL, *tag = NULL;
        image_ref_split_display(*n, &repo, &tag);
        json_array_append_new(tags, json_string(disp));
        json_array_append_new(index, json_pack("{s:s, s:s, s:I, s:{s:s, s:s}}", "mediaType",
                                               MT_OCI_MANIFEST, "digest", mdigest, "size",
                                               (json_int_t)strlen(mtext), "annotations",
                                               "io.containerd.image.name", *n,
                                               "org.opencontainers.image.ref.name", tag));
        if (!json_object_get(repos, repo))
            json_object_set_new(repos, repo, json_object());
        json_object_set_new(json_object_get(repos, repo), tag,
                            json_string(img_id_hex(json_string_value(
                                json_array_get(diffs, json_array_size(diffs) - 1)))));
    }
    if (!s->names[0])
        json_array_append_new(index,
                              json_pack("{s:s, s:s, s:I}", "mediaType", MT_OCI_MANIFEST, "digest",
                                        mdigest, "size", (json_int_t)strlen(mtext)));
    json_array_append_new(manifest,
                          json_pack("{s:s+, s:o, s:o}", "Config", "blobs/sha256/",
                                    img_id_hex(s->id), "RepoTags",
                                    json_array_size(tags) ? tags : (json_decref(tags), json_null()),
                                    "Layers", paths));
    return 0;
}

static int write_archive(struct writer *w, struct saved *v, size_t n, int fd, struct herr *e)
{
    w->a = archive_write_new();
    w->written = json_object();
    int rc = -1;
    _cleanup_json_ json_t *manifest = json_array(), *index = json_array(), *repos = json_object();
    _cleanup_json_ json_t *idx = NULL;
    if (archive_write_set_format_pax_restricted(w->a) != ARCHIVE_OK ||
        archive_write_set_bytes_in_last_block(w->a, 1) != ARCHIVE_OK ||
        archive_write_open_fd(w->a, fd) != ARCHIVE_OK) {
        herr_set(e, archive_errno(w->a), "start archive: %s", archive_error_string(w->a));
        goto out;
    }
    if (put_header(w, entry_for("blobs", AE_IFDIR, 0), e) < 0 ||
        put_header(w, entry_for("blobs/sha256", AE_IFDIR, 0), e) < 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        if (put_image(w, &v[i], manifest, index, repos, e) < 0)
            goto out;
    }
    idx = json_pack("{s:i, s:s, s:O}", "schemaVersion", 2, "mediaType", MT_OCI_INDEX, "manifests",
                    index);
    if (put_json(w, "index.json", idx, e) < 0 || put_json(w, "manifest.json", manifest, e) < 0 ||
        put_bytes(w, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", e) < 0 ||
        (json_object_size(repos) && put_json(w, "repositories", repos, e) < 0))
        goto out;
    if (archive_write_close(w->a) != ARCHIVE_OK) {
        herr_set(e, archive_errno(w->a), "finish archive: %s", archive_error_string(w->a));
        goto out;
    }
    rc = 0;
out:
    archive_write_free(w->a);
    json_decref(w->written);
    return rc;
}

/* Group the arguments by image: names given are kept, an id gives no name (as docker). */
static int resolve_all(const char *root, char **args, struct saved **out, size_t *nout,
                       struct herr *e)
{
    _cleanup_json_ json_t *repos = img_repos_load(root, e);
    if (!repos)
        return -1;
    struct saved *v = xcalloc(strv_len(args) + 1, sizeof(*v));
    size_t n = 0;
    *out = v;
    for (char **a = args; *a; a++) {
        _cleanup_free_ char *id = NULL, *name = NULL;
        if (img_resolve(root, repos, *a, &id, &name, e) < 0)
            return -1;
        size_t k = 0;
        while (k < n && strcmp(v[k].id, id) != 0)
            k++;
        if (k == n) {
            v[n].id = steal_ptr(&id);
            v[n].names = xcalloc(1, sizeof(char *));
            n++;
        }
        /* A digest reference cannot be a docker RepoTag. */
        if (name && !strchr(name, '@'))
            strv_push(&v[k].names, steal_ptr(&name));
        *nout = n;
    }
    return 0;
}

static int save(const char *root, const char *output, char **args, struct herr *e)
{
    struct saved *v = NULL;
    size_t n = 0;
    struct writer w = {.root = root};
    int rc = resolve_all(root, args, &v, &n, e);
    _cleanup_free_ char *tmp = NULL;
    int fd = STDOUT_FILENO;
    bool own = false;
    if (rc == 0 && output) {
        tmp = xasprintf("%s.tmp-%d", output, (int)getpid());
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        own = fd >= 0;
        if (fd < 0)
            rc = herr_sys(e, "create %s", tmp);
    } else if (rc == 0 && isatty(STDOUT_FILENO)) {
        rc = herr_set(e, EINVAL,
                      "cowardly refusing to save to a terminal. Use the -o flag or redirect");
    }
    if (rc == 0)
        rc = write_archive(&w, v, n, fd, e);
    if (own) {
        if (rc == 0 && (fsync(fd) < 0 || rename(tmp, output) < 0))
            rc = herr_sys(e, "write %s", output);
        close(fd);
        if (rc < 0)
            unlink(tmp);
    }
    for (size_t i = 0; i < n; i++) {
        free(v[i].id);
        strv_free(v[i].names);
    }
    free(v);
    return rc;
}

int hi_save_main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"root", required_argument, NULL, 'r'},
        {"output", required_argument, NULL, 'o'},
        {0},
    };
    const char *root = NULL, *output = NULL;
    int c;
    optind = 2;
    while ((c = getopt_long(argc, argv, "+o:", lo, NULL)) != -1) {
        if (c == 'r')
            root = optarg;
        else if (c == 'o')
            output = optarg;
        else
            return 2;
    }
    if (!root || optind >= argc) {
        fprintf(stderr, "usage: hoist-image save --root R [-o FILE] IMAGE...\n");
        return 2;
    }
    _cleanup_strv_ char **args = strv_dup(argv + optind);
    struct herr e = {0};
    return hi_exit(save(root, output, args, &e), &e);
}
