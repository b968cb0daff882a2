/* Packing: every entry, whether it comes from a user's tar or from an overlay upper
 * dir, is checked and cleaned here and re-written as a pax tar while being hashed.
 * The blob we store (and later unpack) is therefore always well-formed, and its digest
 * is the layer's diff id. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/str.h"
#include "engine/image/helper/hi.h"
#include "engine/image/image.h"

#define COPY_BUF (128 * 1024)
#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"

volatile sig_atomic_t hi_interrupted;

void hi_digest(const void *data, size_t len, char out[72])
{
    struct sha256_ctx c;
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_init(&c);
    sha256_update(&c, len, data);
    sha256_digest(&c, sizeof(d), d);
    char *p = out + sprintf(out, "sha256:");
    for (size_t i = 0; i < sizeof(d); i++)
        p += sprintf(p, "%02x", d[i]);
}

int hi_la_errno(struct archive *a)
{
    int n = archive_errno(a);
    return n > 0 && n != EILSEQ && n != EINVAL ? n : 0;
}

static la_ssize_t blob_write(struct archive *a, void *ctx, const void *buf, size_t n)
{
    struct hi_blob *b = ctx;
    const char *p = buf;
    size_t left = n;
    while (left > 0) {
        ssize_t w = write(b->fd, p, left);
        if (w < 0) {
            if (errno == EINTR && !hi_interrupted)
                continue;
            b->write_errno = errno;
            archive_set_error(a, errno, "write layer blob");
            return -1;
        }
        p += w;
        left -= (size_t)w;
    }
    sha256_update(&b->sha, n, buf);
    return (la_ssize_t)n;
}

int hi_blob_open(struct hi_blob *b, int fd, struct herr *e)
{
    memset(b, 0, sizeof(*b));
    b->fd = fd;
    sha256_init(&b->sha);
    b->seen = json_object();
    b->aw = archive_write_new();
    if (!b->aw || archive_write_set_format_pax_restricted(b->aw) != ARCHIVE_OK ||
        archive_write_open2(b->aw, b, NULL, blob_write, NULL, NULL) != ARCHIVE_OK) {
        hi_blob_abort(b);
        return herr_set(e, ENOMEM, "layer blob: cannot start tar writer");
    }
    return 0;
}

void hi_blob_abort(struct hi_blob *b)
{
    if (b->aw)
        archive_write_free(b->aw);
    b->aw = NULL;
    json_decref(b->seen);
    b->seen = NULL;
}

int hi_blob_close(struct hi_blob *b, char digest[72], struct herr *e)
{
    int r = archive_write_close(b->aw);
    if (r != ARCHIVE_OK) {
        herr_set(e, b->write_errno, "layer blob: %s", archive_error_string(b->aw));
        hi_blob_abort(b);
        return -1;
    }
    hi_blob_abort(b);
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_digest(&b->sha, sizeof(d), d);
    char *p = digest + sprintf(digest, "sha256:");
    for (size_t i = 0; i < sizeof(d); i++)
        p += sprintf(p, "%02x", d[i]);
    return 0;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* Check one entry and make its names clean; *skip is set for the archive root. */
static int check_entry(struct hi_blob *b, struct archive_entry *ent, bool *skip, struct herr *e)
{
    *skip = false;
    if (++b->entries > HI_MAX_ENTRIES)
        return herr_set(e, EFBIG, "archive has more than %llu entries", HI_MAX_ENTRIES);
    const char *raw = archive_entry_pathname(ent);
    if (!raw)
        return herr_set(e, EINVAL, "archive entry %llu has no name", b->entries);
    _cleanup_free_ char *name = NULL;
    if (image_path_clean(raw, &name, e) < 0)
        return -1;
    if (!*name) {
        *skip = true;
        return 0;
    }
    const char *base = base_name(name);
    if (str_has_prefix(base, WH_PREFIX) && strcmp(base, WH_OPAQUE) != 0) {
        const char *target = base + strlen(WH_PREFIX);
        if (!*target || strcmp(target, ".") == 0 || strcmp(target, "..") == 0 ||
            str_has_prefix(target, WH_PREFIX))
            return herr_set(e, EINVAL, "archive entry \"%s\": malformed whiteout", raw);
    }
    const char *link = archive_entry_hardlink(ent);
    mode_t type = archive_entry_filetype(ent);
    if (link) {
        _cleanup_free_ char *target = NULL;
        if (image_path_clean(link, &target, e) < 0)
            return herr_wrap(e, "hard link \"%s\"", raw);
        if (!*target || !json_object_get(b->seen, target))
            return herr_set(e, EINVAL,
                            "hard link \"%s\" -> \"%s\": target is not an earlier file of the "
                            "archive",
                            raw, link);
        archive_entry_set_hardlink(ent, target);
        archive_entry_set_size(ent, 0);
    } else if (type == AE_IFREG) {
        la_int64_t size = archive_entry_size(ent);
        if (size < 0 || (unsigned long long)size > HI_MAX_FILE_SIZE)
            return herr_set(e, EFBIG, "archive entry \"%s\": size %lld exceeds the limit of %llu",
                            raw, (long long)size, HI_MAX_FILE_SIZE);
        b->content_size += (unsigned long long)size;
        if (b->content_size > HI_MAX_TOTAL_SIZE)
            return herr_set(e, EFBIG, "archive content exceeds the limit of %llu bytes",
                            HI_MAX_TOTAL_SIZE);
    } else if (type == AE_IFLNK) {
        const char *t = archive_entry_symlink(ent);
        if (!t || !*t)
            return herr_set(e, EINVAL, "archive entry \"%s\": symlink without target", raw);
    } else if (type != AE_IFDIR && type != AE_IFCHR && type != AE_IFBLK && type != AE_IFIFO) {
        return herr_set(e, EINVAL, "archive entry \"%s\": unsupported file type 0%o", raw,
                        (unsigned)type);
    }
    size_t xbytes = 0;
    const char *xn;
    const void *xv;
    size_t xs;
    archive_entry_xattr_reset(ent);
    while (archive_entry_xattr_next(ent, &xn, &xv, &xs) == ARCHIVE_OK) {
        xbytes += strlen(xn) + xs;
        if (xbytes > HI_MAX_XATTR_BYTES)
            return herr_set(e, EFBIG, "archive entry \"%s\": extended attributes too large", raw);
    }
    if (type == AE_IFDIR && !link)
        json_object_del(b->seen, name);
    else
        json_object_set_new(b->seen, name, json_true());
    archive_entry_set_pathname(ent, name);
    return 0;
}

/* Data comes from src (an archive being read) or srcfd. */
static int emit(struct hi_blob *b, struct archive_entry *ent, struct archive *src, int srcfd,
                struct herr *e)
{
    bool skip;
    if (check_entry(b, ent, &skip, e) < 0)
        return -1;
    if (skip)
        return 0;
    const char *name = archive_entry_pathname(ent);
    if (archive_write_header(b->aw, ent) < ARCHIVE_WARN)
        return herr_set(e, b->write_errno, "layer blob: entry \"%s\": %s", name,
                        archive_error_string(b->aw));
    if (archive_entry_filetype(ent) != AE_IFREG || archive_entry_hardlink(ent))
        return 0;
    la_int64_t want = archive_entry_size(ent), done = 0;
    _cleanup_free_ char *buf = xmalloc(COPY_BUF);
    while (done < want) {
        if (hi_interrupted)
            return herr_set(e, EINTR, "interrupted");
        la_ssize_t n;
        size_t chunk = (size_t)(want - done < COPY_BUF ? want - done : COPY_BUF);
        if (src) {
            n = archive_read_data(src, buf, chunk);
            if (n < 0)
                return herr_set(e, hi_la_errno(src), "read \"%s\": %s", name,
                                archive_error_string(src));
        } else {
            n = read(srcfd, buf, chunk);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return herr_sys(e, "read %s", name);
        }
        if (n == 0)
            return herr_set(e, EIO, "\"%s\": data ends before its size %lld", name,
                            (long long)want);
        if (archive_write_data(b->aw, buf, (size_t)n) != n)
            return herr_set(e, b->write_errno, "layer blob: write \"%s\": %s", name,
                            archive_error_string(b->aw));
        done += n;
    }
    return 0;
}

struct reader {
    int fd;
    char buf[COPY_BUF];
};

static la_ssize_t reader_read(struct archive *a, void *ctx, const void **out)
{
    struct reader *r = ctx;
    for (;;) {
        if (hi_interrupted) {
            archive_set_error(a, EINTR, "interrupted");
            return -1;
        }
        ssize_t n = read(r->fd, r->buf, sizeof(r->buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            archive_set_error(a, errno, "read");
        *out = r->buf;
        return n;
    }
}

int hi_pack_archive(struct hi_blob *b, const char *file, struct herr *e)
{
    bool is_stdin = strcmp(file, "-") == 0;
    _cleanup_close_ int fd = is_stdin ? dup(STDIN_FILENO) : open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return herr_sys(e, "open %s", file);
    struct reader *r = xmalloc(sizeof(*r));
    r->fd = fd;
    struct archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    int rc = 0;
    if (archive_read_open(a, r, NULL, reader_read, NULL) != ARCHIVE_OK) {
        rc = herr_set(e, hi_la_errno(a), "%s: %s", is_stdin ? "stdin" : file,
                      archive_error_string(a));
        goto out;
    }
    struct archive_entry *ent;
    int h;
    while ((h = archive_read_next_header(a, &ent)) == ARCHIVE_OK || h == ARCHIVE_WARN) {
        if ((rc = emit(b, ent, a, -1, e)) < 0)
            goto out;
    }
    if (h != ARCHIVE_EOF)
        rc = herr_set(e, hi_la_errno(a), "%s: %s", is_stdin ? "stdin" : file,
                      archive_error_string(a));
out:
    if (rc < 0 && hi_interrupted)
        herr_set(e, EINTR, "import interrupted");
    archive_read_free(a);
    free(r);
    return rc;
}

/* Extended attributes of an open file, minus overlay's own. */
static int copy_xattrs(struct archive_entry *ent, int fd, const char *path, struct herr *e)
{
    char names[8192];
    ssize_t n = flistxattr(fd, names, sizeof(names));
    if (n < 0)
        return errno == ENOTSUP ? 0 : herr_sys(e, "list xattrs of %s", path);
    for (char *k = names; k < names + n; k += strlen(k) + 1) {
        if (str_has_prefix(k, "trusted.overlay."))
            continue;
        char val[65536];
        ssize_t vn = fgetxattr(fd, k, val, sizeof(val));
        if (vn < 0)
            return herr_sys(e, "read xattr %s of %s", k, path);
        archive_entry_xattr_add_entry(ent, k, val, (size_t)vn);
    }
    return 0;
}

struct upper_walk {
    struct hi_blob *b;
    json_t *inodes; /* "dev:ino" -> first path, for hard links */
};

static int walk(struct upper_walk *w, int dfd, const char *rel, struct herr *e);

static int pack_one(struct upper_walk *w, int dfd, const char *rel, const char *name,
                    struct herr *e)
{
    _cleanup_free_ char *path = *rel ? xasprintf("%s/%s", rel, name) : xstrdup(name);
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return herr_sys(e, "stat %s", path);
    /* Sockets belong to the processes that made them: docker leaves them out too. */
    if (S_ISSOCK(st.st_mode))
        return 0;
    struct archive_entry *ent = archive_entry_new();
    int rc = 0;
    _cleanup_close_ int fd = -1;
    if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
        _cleanup_free_ char *wh =
            *rel ? xasprintf("%s/" WH_PREFIX "%s", rel, name) : xasprintf(WH_PREFIX "%s", name);
        archive_entry_set_pathname(ent, wh);
        archive_entry_set_filetype(ent, AE_IFREG);
        archive_entry_set_perm(ent, 0);
        archive_entry_set_uid(ent, st.st_uid);
        archive_entry_set_gid(ent, st.st_gid);
        archive_entry_set_mtime(ent, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
        rc = emit(w->b, ent, NULL, -1, e);
        archive_entry_free(ent);
        return rc;
    }
    archive_entry_copy_stat(ent, &st);
    archive_entry_set_pathname(ent, path);
    if (!S_ISREG(st.st_mode))
        archive_entry_set_size(ent, 0);
    if (S_ISLNK(st.st_mode)) {
        char target[PATH_MAX];
        ssize_t n = readlinkat(dfd, name, target, sizeof(target) - 1);
        if (n < 0) {
            archive_entry_free(ent);
            return herr_sys(e, "readlink %s", path);
        }
        target[n] = '\0';
        archive_entry_set_symlink(ent, target);
    } else if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
        fd = openat(dfd, name,
                    O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0));
        if (fd < 0 || copy_xattrs(ent, fd, path, e) < 0) {
            archive_entry_free(ent);
            return fd < 0 ? herr_sys(e, "open %s", path) : -1;
        }
    }
    if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
        char key[64];
        snprintf(key, sizeof(key), "%llu:%llu", (unsigned long long)st.st_dev,
                 (unsigned long long)st.st_ino);
        const char *first = json_string_value(json_object_get(w->inodes, key));
        if (first)
            archive_entry_set_hardlink(ent, first);
        else
            json_object_set_new(w->inodes, key, json_string(path));
    }
    rc = emit(w->b, ent, NULL, fd, e);
    archive_entry_free(ent);
    if (rc < 0 || !S_ISDIR(st.st_mode))
        return rc;
    char opq[2];
    if (fgetxattr(fd, "trusted.overlay.opaque", opq, 1) == 1 && opq[0] == 'y') {
        _cleanup_free_ char *o = xasprintf("%s/" WH_OPAQUE, path);
        struct archive_entry *oe = archive_entry_new();
        archive_entry_set_pathname(oe, o);
        archive_entry_set_filetype(oe, AE_IFREG);
        archive_entry_set_perm(oe, 0);
        archive_entry_set_mtime(oe, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
        rc = emit(w->b, oe, NULL, -1, e);
        archive_entry_free(oe);
        if (rc < 0)
            return rc;
    }
    return walk(w, fd, path, e);
}

static int walk(struct upper_walk *w, int dfd, const char *rel, struct herr *e)
{
    struct dirent **list = NULL;
    int n = scandirat(dfd, ".", &list, NULL, alphasort);
    if (n < 0)
        return herr_sys(e, "read directory %s", *rel ? rel : ".");
    int rc = 0;
    for (int i = 0; i < n; i++) {
        const char *name = list[i]->d_name;
        if (rc == 0 && strcmp(name, ".") != 0 && strcmp(name, "..") != 0)
            rc = pack_one(w, dfd, rel, name, e);
        free(list[i]);
    }
    free(list);
    return rc;
}

int hi_pack_upper(struct hi_blob *b, const char *dir, struct herr *e)
{
    _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return herr_sys(e, "open upper dir %s", dir);
    struct upper_walk w = {.b = b, .inodes = json_object()};
    int rc = walk(&w, fd, "", e);
    json_decref(w.inodes);
    return rc;
}
