/* Unpacking a layer blob. Every path is resolved relative to the layer root with
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS), and the final
 * component is always created with an *at call on that parent fd, never followed: a
 * symlink in the archive can neither be written through nor lead out of the layer.
 * Each entry's header is checked (name, whiteout form, type, size and xattr bounds)
 * before anything of it is written, so one pass serves streamed layers too. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/str.h"
#include "engine/image/helper/hi.h"
#include "engine/image/image.h"

#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"
#define RESOLVE_SAFE (RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)

struct unpacker {
    int root;
    json_t *dirs; /* [path, sec, nsec]: directory times are set last */
    unsigned long long entries, size;
};

static int openat2_safe(int dirfd, const char *path, int flags)
{
    struct open_how how = {.flags = (unsigned long long)flags | O_CLOEXEC, .resolve = RESOLVE_SAFE};
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

static int resolve_error(const char *entry, const char *what, struct herr *e)
{
    if (errno == ELOOP)
        return herr_set(e, ELOOP, "archive entry \"%s\": %s goes through a symlink", entry, what);
    if (errno == ENOTDIR)
        return herr_set(e, ENOTDIR, "archive entry \"%s\": %s is not a directory", entry, what);
    return herr_sys(e, "archive entry \"%s\": open %s", entry, what);
}

/* O_PATH fd of the parent directory of entry, creating missing directories (0755, as
 * docker does for parents an archive does not list). */
static int open_parent(struct unpacker *u, const char *entry, struct herr *e)
{
    const char *slash = strrchr(entry, '/');
    if (!slash)
        return fcntl(u->root, F_DUPFD_CLOEXEC, 0);
    _cleanup_free_ char *dir = xstrndup(entry, (size_t)(slash - entry));
    int fd = openat2_safe(u->root, dir, O_PATH | O_DIRECTORY);
    if (fd >= 0 || errno != ENOENT)
        return fd >= 0 ? fd : resolve_error(entry, dir, e);
    _cleanup_close_ int cur = fcntl(u->root, F_DUPFD_CLOEXEC, 0);
    for (char *c = dir, *next; c; c = next) {
        next = strchr(c, '/');
        if (next)
            *next++ = '\0';
        int nfd = openat2_safe(cur, c, O_PATH | O_DIRECTORY);
        if (nfd < 0 && errno == ENOENT) {
            if (mkdirat(cur, c, 0755) < 0 && errno != EEXIST)
                return herr_sys(e, "archive entry \"%s\": create parent %s", entry, c);
            nfd = openat2_safe(cur, c, O_PATH | O_DIRECTORY);
        }
        if (nfd < 0)
            return resolve_error(entry, c, e);
        close(cur);
        cur = nfd;
    }
    return steal_fd(&cur);
}

/* Remove what is in the way; returns 1 when an existing directory may be kept. */
static int clear_slot(int pfd, const char *base, bool want_dir, const char *entry, struct herr *e)
{
    struct stat st;
    if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : herr_sys(e, "archive entry \"%s\": stat", entry);
    if (want_dir && S_ISDIR(st.st_mode))
        return 1;
    if (fs_rm_rf_at(pfd, base, e) < 0)
        return herr_wrap(e, "archive entry \"%s\"", entry);
    return 0;
}

static int set_xattrs(int fd, struct archive_entry *ent, const char *entry, struct herr *e)
{
    const char *n;
    const void *v;
    size_t s;
    archive_entry_xattr_reset(ent);
    while (archive_entry_xattr_next(ent, &n, &v, &s) == ARCHIVE_OK) {
        /* Overlay's own attributes would change how the layer is merged (redirects,
         * opaqueness): only whiteout entries may produce them. */
        if (str_has_prefix(n, "trusted.overlay."))
            continue;
        if (fsetxattr(fd, n, v, s, 0) < 0)
            return herr_sys(e, "archive entry \"%s\": set xattr %s", entry, n);
    }
    return 0;
}

static void entry_times(struct archive_entry *ent, struct timespec ts[2])
{
    ts[1].tv_sec = archive_entry_mtime(ent);
    ts[1].tv_nsec = archive_entry_mtime_nsec(ent);
    if (archive_entry_atime_is_set(ent)) {
        ts[0].tv_sec = archive_entry_atime(ent);
        ts[0].tv_nsec = archive_entry_atime_nsec(ent);
    } else {
        ts[0] = ts[1];
    }
}

static int write_data(struct archive *a, int fd, struct archive_entry *ent, const char *entry,
                      struct herr *e)
{
    const void *buf;
    size_t size;
    la_int64_t off;
    int r;
    while ((r = archive_read_data_block(a, &buf, &size, &off)) == ARCHIVE_OK) {
        if (hi_interrupted)
            return herr_set(e, EINTR, "interrupted");
        const char *p = buf;
        while (size > 0) {
            ssize_t n = pwrite(fd, p, size, off);
            if (n < 0 && errno == EINTR && !hi_interrupted)
                continue;
            if (n < 0)
                return herr_sys(e, "archive entry \"%s\": write", entry);
            p += n;
            off += n;
            size -= (size_t)n;
        }
    }
    if (r != ARCHIVE_EOF)
        return herr_set(e, hi_la_errno(a), "archive entry \"%s\": %s", entry,
                        archive_error_string(a));
    if (ftruncate(fd, archive_entry_size(ent)) < 0)
        return herr_sys(e, "archive entry \"%s\": set size", entry);
    /* The store syncs the layer before it moves in; starting the writeback now lets
     * the disk work while the rest of the layer (and the download) goes on. */
    (void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
    return 0;
}

static int make_file(struct archive *a, int pfd, const char *base, struct archive_entry *ent,
                     const char *entry, struct herr *e)
{
    _cleanup_close_ int fd =
        openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return herr_sys(e, "archive entry \"%s\": create", entry);
    if (write_data(a, fd, ent, entry, e) < 0)
        return -1;
    if (fchown(fd, archive_entry_uid(ent), archive_entry_gid(ent)) < 0 ||
        fchmod(fd, archive_entry_perm(ent)) < 0)
        return herr_sys(e, "archive entry \"%s\": set owner and mode", entry);
    if (set_xattrs(fd, ent, entry, e) < 0)
        return -1;
    struct timespec ts[2];
    entry_times(ent, ts);
    if (futimens(fd, ts) < 0)
        return herr_sys(e, "archive entry \"%s\": set times", entry);
    return 0;
}

static int make_dir(struct unpacker *u, int pfd, const char *base, struct archive_entry *ent,
                    const char *entry, struct herr *e)
{
    int kept = clear_slot(pfd, base, true, entry, e);
    if (kept < 0)
        return -1;
    if (!kept && mkdirat(pfd, base, 0700) < 0)
        return herr_sys(e, "archive entry \"%s\": create directory", entry);
    _cleanup_close_ int fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return herr_sys(e, "archive entry \"%s\": open directory", entry);
    if (fchown(fd, archive_entry_uid(ent), archive_entry_gid(ent)) < 0 ||
        fchmod(fd, archive_entry_perm(ent)) < 0)
        return herr_sys(e, "archive entry \"%s\": set owner and mode", entry);
    if (set_xattrs(fd, ent, entry, e) < 0)
        return -1;
    json_array_append_new(u->dirs, json_pack("[s,I,I]", entry, (json_int_t)archive_entry_mtime(ent),
                                             (json_int_t)archive_entry_mtime_nsec(ent)));
    return 0;
}

/* Symlinks, devices and fifos: created and owned through the parent fd, never opened. */
static int make_special(int pfd, const char *base, struct archive_entry *ent, const char *entry,
                        struct herr *e)
{
    mode_t type = archive_entry_filetype(ent);
    int r;
    if (type == AE_IFLNK)
        r = symlinkat(archive_entry_symlink(ent), pfd, base);
    else
        r = mknodat(pfd, base, type | archive_entry_perm(ent), archive_entry_rdev(ent));
    if (r < 0)
        return herr_sys(e, "archive entry \"%s\": create", entry);
    if (fchownat(pfd, base, archive_entry_uid(ent), archive_entry_gid(ent), AT_SYMLINK_NOFOLLOW) <
        0)
        return herr_sys(e, "archive entry \"%s\": set owner", entry);
    if (type != AE_IFLNK && fchmodat(pfd, base, archive_entry_perm(ent), 0) < 0)
        return herr_sys(e, "archive entry \"%s\": set mode", entry);
    struct timespec ts[2];
    entry_times(ent, ts);
    if (utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
        return herr_sys(e, "archive entry \"%s\": set times", entry);
    return 0;
}

static int make_hardlink(struct unpacker *u, int pfd, const char *base, const char *target_raw,
                         const char *entry, struct herr *e)
{
    _cleanup_free_ char *target = NULL;
    if (image_path_clean(target_raw, &target, e) < 0)
        return herr_wrap(e, "hard link \"%s\"", entry);
    _cleanup_close_ int tfd = openat2_safe(u->root, target, O_PATH | O_NOFOLLOW);
    if (tfd < 0)
        return herr_set(e, errno, "hard link \"%s\" -> \"%s\": not an earlier file", entry,
                        target_raw);
    struct stat st;
    if (fstat(tfd, &st) < 0)
        return herr_sys(e, "hard link \"%s\": stat target", entry);
    if (S_ISDIR(st.st_mode))
        return herr_set(e, EPERM, "hard link \"%s\": target \"%s\" is a directory", entry,
                        target_raw);
    if (linkat(tfd, "", pfd, base, AT_EMPTY_PATH) < 0)
        return herr_sys(e, "hard link \"%s\" -> \"%s\"", entry, target_raw);
    return 0;
}

static int make_whiteout(int pfd, const char *base, struct archive_entry *ent, const char *entry,
                         struct herr *e)
{
    if (strcmp(base, WH_OPAQUE) == 0) {
        _cleanup_close_ int fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || fsetxattr(fd, "trusted.overlay.opaque", "y", 1, 0) < 0)
            return herr_sys(e, "archive entry \"%s\": mark directory opaque", entry);
        return 0;
    }
    const char *name = base + strlen(WH_PREFIX);
    /* ".wh.." or ".wh..." would whiteout the directory itself or its parent, and a
     * whiteout of a whiteout name has no meaning in overlay. */
    if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strchr(name, '/') ||
        str_has_prefix(name, WH_PREFIX))
        return herr_set(e, EINVAL, "archive entry \"%s\": malformed whiteout", entry);
    if (clear_slot(pfd, name, false, entry, e) < 0)
        return -1;
    if (mknodat(pfd, name, S_IFCHR, makedev(0, 0)) < 0)
        return herr_sys(e, "archive entry \"%s\": create whiteout", entry);
    if (fchownat(pfd, name, archive_entry_uid(ent), archive_entry_gid(ent), AT_SYMLINK_NOFOLLOW) <
        0)
        return herr_sys(e, "archive entry \"%s\": set owner", entry);
    return 0;
}

/* Bounds a hostile layer could otherwise use to fill the disk or memory. */
static int check_header(struct unpacker *u, struct archive_entry *ent, const char *entry,
                        struct herr *e)
{
    if (++u->entries > HI_MAX_ENTRIES)
        return herr_set(e, EFBIG, "more than %llu entries", HI_MAX_ENTRIES);
    if (archive_entry_filetype(ent) == AE_IFREG && !archive_entry_hardlink(ent)) {
        la_int64_t s = archive_entry_size(ent);
        u->size += s > 0 ? (unsigned long long)s : 0;
        if (s < 0 || (unsigned long long)s > HI_MAX_FILE_SIZE || u->size > HI_MAX_TOTAL_SIZE)
            return herr_set(e, EFBIG, "archive entry \"%s\": size %lld is over the limit", entry,
                            (long long)s);
    }
    size_t xbytes = 0, xs;
    const char *xn;
    const void *xv;
    archive_entry_xattr_reset(ent);
    while (archive_entry_xattr_next(ent, &xn, &xv, &xs) == ARCHIVE_OK) {
        xbytes += strlen(xn) + xs;
        if (xbytes > HI_MAX_XATTR_BYTES)
            return herr_set(e, EFBIG, "archive entry \"%s\": extended attributes too large", entry);
    }
    return 0;
}

static int unpack_entry(struct unpacker *u, struct archive *a, struct archive_entry *ent,
                        struct herr *e)
{
    const char *raw = archive_entry_pathname(ent);
    _cleanup_free_ char *entry = NULL;
    if (!raw)
        return herr_set(e, EINVAL, "nameless archive entry");
    if (image_path_clean(raw, &entry, e) < 0)
        return herr_set(e, EINVAL, "archive entry \"%s\" points outside the layer", raw);
    if (check_header(u, ent, entry, e) < 0)
        return -1;
    if (!*entry)
        return 0;
    _cleanup_close_ int pfd = open_parent(u, entry, e);
    if (pfd < 0)
        return -1;
    const char *slash = strrchr(entry, '/');
    const char *base = slash ? slash + 1 : entry;
    if (str_has_prefix(base, WH_PREFIX))
        return make_whiteout(pfd, base, ent, entry, e);
    mode_t type = archive_entry_filetype(ent);
    if (type == AE_IFDIR)
        return make_dir(u, pfd, base, ent, entry, e);
    if (clear_slot(pfd, base, false, entry, e) < 0)
        return -1;
    if (archive_entry_hardlink(ent))
        return make_hardlink(u, pfd, base, archive_entry_hardlink(ent), entry, e);
    if (type == AE_IFREG)
        return make_file(a, pfd, base, ent, entry, e);
    if (type == AE_IFLNK || type == AE_IFCHR || type == AE_IFBLK || type == AE_IFIFO)
        return make_special(pfd, base, ent, entry, e);
    return herr_set(e, EINVAL, "archive entry \"%s\": unsupported file type", entry);
}

static int finish_dirs(struct unpacker *u, struct herr *e)
{
    for (size_t i = json_array_size(u->dirs); i-- > 0;) {
        json_t *d = json_array_get(u->dirs, i);
        const char *path = json_string_value(json_array_get(d, 0));
        _cleanup_close_ int fd = openat2_safe(u->root, path, O_RDONLY | O_DIRECTORY);
        if (fd < 0)
            continue; /* replaced by a later entry */
        struct timespec ts[2];
        ts[1].tv_sec = json_integer_value(json_array_get(d, 1));
        ts[1].tv_nsec = json_integer_value(json_array_get(d, 2));
        ts[0] = ts[1];
        if (futimens(fd, ts) < 0)
            return herr_sys(e, "set times of %s", path);
    }
    return 0;
}

int hi_unpack_archive(struct archive *a, int dirfd, unsigned long long *size, struct herr *e)
{
    struct unpacker u = {.root = dirfd, .dirs = json_array()};
    struct archive_entry *ent;
    int h, rc = 0;
    while ((h = archive_read_next_header(a, &ent)) == ARCHIVE_OK || h == ARCHIVE_WARN) {
        if (hi_interrupted) {
            rc = herr_set(e, EINTR, "interrupted");
            goto out;
        }
        if ((rc = unpack_entry(&u, a, ent, e)) < 0)
            goto out;
    }
    if (h != ARCHIVE_EOF) {
        rc = herr_set(e, hi_la_errno(a), "%s", archive_error_string(a));
        goto out;
    }
    rc = finish_dirs(&u, e);
    if (size)
        *size = u.size;
out:
    json_decref(u.dirs);
    return rc;
}

int hi_unpack(const char *tar, int dirfd, unsigned long long *size, struct herr *e)
{
    struct archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    int rc;
    if (archive_read_open_filename(a, tar, 128 * 1024) != ARCHIVE_OK)
        rc = herr_set(e, hi_la_errno(a), "%s: %s", tar, archive_error_string(a));
    else if ((rc = hi_unpack_archive(a, dirfd, size, e)) < 0)
        herr_wrap(e, "%s", tar);
    archive_read_free(a);
    return rc;
}
