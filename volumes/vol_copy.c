/* Copy-up: a new volume mounted over image content starts with a copy of it, as with
 * docker. Both trees are walked through directory fds opened with O_NOFOLLOW, so a
 * symlink in the image is copied as a symlink and never followed on either side. */
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"
#include "volumes/vol_internal.h"
#include "volumes/volumes.h"

/* Deeper trees are refused rather than exhausting file descriptors. */
#define MAX_DEPTH 200

struct link_seen {
    dev_t dev;
    ino_t ino;
    char *rel; /* path of the first copy, relative to the volume */
};

struct copy {
    int datafd; /* the volume's _data */
    struct link_seen *links;
    size_t nlinks;
    struct herr *e;
};

static bool unsupported(int err)
{
    return err == ENOTSUP || err == EOPNOTSUPP;
}

/* Extended attributes by fd (files, directories) or by an fd-anchored path whose last
 * component is not followed (symlinks, device nodes). */
static int copy_xattrs(int sfd, const char *spath, int dfd, const char *dpath, const char *what,
                       struct herr *e)
{
    ssize_t n = spath ? llistxattr(spath, NULL, 0) : flistxattr(sfd, NULL, 0);
    if (n < 0)
        return unsupported(errno) ? 0 : herr_sys(e, "list xattrs of %s", what);
    if (n == 0)
        return 0;
    _cleanup_free_ char *names = xmalloc((size_t)n);
    n = spath ? llistxattr(spath, names, (size_t)n) : flistxattr(sfd, names, (size_t)n);
    if (n < 0)
        return herr_sys(e, "list xattrs of %s", what);
    for (char *k = names; k < names + n; k += strlen(k) + 1) {
        ssize_t vl = spath ? lgetxattr(spath, k, NULL, 0) : fgetxattr(sfd, k, NULL, 0);
        if (vl < 0)
            return herr_sys(e, "read xattr %s of %s", k, what);
        _cleanup_free_ char *v = xmalloc((size_t)vl + 1);
        vl = spath ? lgetxattr(spath, k, v, (size_t)vl) : fgetxattr(sfd, k, v, (size_t)vl);
        if (vl < 0)
            return herr_sys(e, "read xattr %s of %s", k, what);
        int r = dpath ? lsetxattr(dpath, k, v, (size_t)vl, 0) : fsetxattr(dfd, k, v, (size_t)vl, 0);
        if (r < 0 && !unsupported(errno))
            return herr_sys(e, "set xattr %s on the copy of %s", k, what);
    }
    return 0;
}

/* Owner first (chown clears set-id bits and file capabilities), then mode, xattrs and
 * times last (anything written before would move mtime). */
static int copy_attrs(int sparent, int dparent, const char *name, int sfd, int dfd,
                      const struct stat *st, const char *what, struct herr *e)
{
    bool lnk = S_ISLNK(st->st_mode);
    if (dfd >= 0 ? fchown(dfd, st->st_uid, st->st_gid)
                 : fchownat(dparent, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW))
        return herr_sys(e, "set the owner of the copy of %s", what);
    if (!lnk && (dfd >= 0 ? fchmod(dfd, st->st_mode & 07777)
                          : fchmodat(dparent, name, st->st_mode & 07777, 0)))
        return herr_sys(e, "set the mode of the copy of %s", what);
    if (dfd >= 0 && sfd >= 0) {
        if (copy_xattrs(sfd, NULL, dfd, NULL, what, e) < 0)
            return -1;
    } else {
        _cleanup_free_ char *sp = xasprintf("/proc/self/fd/%d/%s", sparent, name);
        _cleanup_free_ char *dp = xasprintf("/proc/self/fd/%d/%s", dparent, name);
        if (copy_xattrs(-1, sp, -1, dp, what, e) < 0)
            return -1;
    }
    struct timespec ts[2] = {st->st_atim, st->st_mtim};
    if (dfd >= 0 ? futimens(dfd, ts) : utimensat(dparent, name, ts, AT_SYMLINK_NOFOLLOW))
        return herr_sys(e, "set the times of the copy of %s", what);
    return 0;
}

static int copy_data(int sfd, int dfd, const char *what, struct herr *e)
{
    for (;;) {
        ssize_t n = copy_file_range(sfd, NULL, dfd, NULL, 1 << 30, 0);
        if (n == 0)
            return 0;
        if (n > 0)
            continue;
        if (errno == EINTR)
            continue;
        if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && !unsupported(errno))
            return herr_sys(e, "copy %s", what);
        break;
    }
    char buf[65536];
    for (;;) {
        ssize_t n = read(sfd, buf, sizeof(buf));
        if (n == 0)
            return 0;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return herr_sys(e, "read %s", what);
        }
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(dfd, buf + off, (size_t)(n - off));
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                return herr_sys(e, "write the copy of %s", what);
            }
            off += w;
        }
    }
}

static int copy_dir(struct copy *c, int sdir, int ddir, const char *rel, int depth);

static int copy_entry(struct copy *c, int sdir, int ddir, const char *name, const char *rel,
                      int depth)
{
    struct herr *e = c->e;
    struct stat st;
    if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return herr_sys(e, "stat %s", rel);
    if (S_ISDIR(st.st_mode)) {
        if (mkdirat(ddir, name, 0700) < 0)
            return herr_sys(e, "create the copy of %s", rel);
        _cleanup_close_ int s = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_close_ int d = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (s < 0 || d < 0)
            return herr_sys(e, "open %s", rel);
        if (copy_dir(c, s, d, rel, depth + 1) < 0)
            return -1;
        return copy_attrs(sdir, ddir, name, s, d, &st, rel, e);
    }
    if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
        for (size_t i = 0; i < c->nlinks; i++) {
            if (c->links[i].dev == st.st_dev && c->links[i].ino == st.st_ino) {
                if (linkat(c->datafd, c->links[i].rel, ddir, name, 0) < 0)
                    return herr_sys(e, "link %s to %s", rel, c->links[i].rel);
                return 0;
            }
        }
        c->links = xrealloc(c->links, (c->nlinks + 1) * sizeof(*c->links));
        c->links[c->nlinks++] = (struct link_seen){st.st_dev, st.st_ino, xstrdup(rel)};
    }
    if (S_ISREG(st.st_mode)) {
        _cleanup_close_ int s = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (s < 0)
            return herr_sys(e, "open %s", rel);
        _cleanup_close_ int d =
            openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (d < 0)
            return herr_sys(e, "create the copy of %s", rel);
        if (copy_data(s, d, rel, e) < 0)
            return -1;
        return copy_attrs(sdir, ddir, name, s, d, &st, rel, e);
    }
    if (S_ISLNK(st.st_mode)) {
        _cleanup_free_ char *target = xmalloc((size_t)st.st_size + 1);
        ssize_t n = readlinkat(sdir, name, target, (size_t)st.st_size + 1);
        if (n < 0 || n > st.st_size)
            return herr_set(e, n < 0 ? errno : EIO, "read symlink %s", rel);
        target[n] = '\0';
        if (symlinkat(target, ddir, name) < 0)
            return herr_sys(e, "create the copy of %s", rel);
    } else if (mknodat(ddir, name, st.st_mode & (S_IFMT | 0600), st.st_rdev) < 0) {
        return herr_sys(e, "create the copy of %s", rel);
    }
    return copy_attrs(sdir, ddir, name, -1, -1, &st, rel, e);
}

static int copy_dir(struct copy *c, int sdir, int ddir, const char *rel, int depth)
{
    if (depth > MAX_DEPTH)
        return herr_set(c->e, ELOOP, "copy %s: deeper than %d directories", rel, MAX_DEPTH);
    int dupfd = fcntl(sdir, F_DUPFD_CLOEXEC, 0);
    if (dupfd < 0)
        return herr_sys(c->e, "open %s", rel);
    _cleanup_dir_ DIR *d = fdopendir(dupfd);
    if (!d) {
        close(dupfd);
        return herr_sys(c->e, "open %s", rel);
    }
    struct dirent *de;
    errno = 0;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        _cleanup_free_ char *sub = *rel ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
        if (copy_entry(c, sdir, ddir, de->d_name, sub, depth) < 0)
            return -1;
        errno = 0;
    }
    if (errno)
        return herr_sys(c->e, "read directory %s", rel);
    return 0;
}

static bool dir_empty(int fd)
{
    int dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (dupfd < 0)
        return false;
    _cleanup_dir_ DIR *d = fdopendir(dupfd);
    if (!d) {
        close(dupfd);
        return false;
    }
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            return false;
    return true;
}

static void empty_dir(int fd)
{
    int dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (dupfd < 0)
        return;
    _cleanup_dir_ DIR *d = fdopendir(dupfd);
    if (!d) {
        close(dupfd);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            fs_rm_rf_at(fd, de->d_name, NULL);
}

/* The image directory, resolved as if rootfd were "/": symlinks on the way stay inside. */
static int open_in_root(int rootfd, const char *path)
{
    struct open_how how = {
        .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
}

static int mark_copied(const char *root, const char *name, json_t *meta, struct herr *e)
{
    json_object_set_new(meta, VOL_META_COPIED, json_true());
    return vol_meta_save(root, name, meta, e);
}

int vol_copy_up(const char *root, const char *name, int rootfd, const char *path, struct herr *e)
{
    _cleanup_close_ int lock = vol_lock(root, e);
    if (lock < 0)
        return -1;
    _cleanup_json_ json_t *meta = vol_meta_load(root, name, e);
    if (!meta)
        return -1;
    if (hj_bool(meta, VOL_META_COPIED, false))
        return 0;
    _cleanup_free_ char *data = vol_data_dir(root, name);
    _cleanup_close_ int dfd = open(data, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0)
        return herr_sys(e, "volume %s: open %s", name, data);
    _cleanup_close_ int sfd = open_in_root(rootfd, path);
    if (sfd < 0) {
        if (errno != ENOENT && errno != ENOTDIR)
            return herr_sys(e, "volume %s: open %s in the image", name, path);
        return mark_copied(root, name, meta, e);
    }
    if (!dir_empty(dfd))
        return mark_copied(root, name, meta, e);
    struct copy c = {.datafd = dfd, .e = e};
    struct stat st;
    int r = copy_dir(&c, sfd, dfd, "", 0);
    if (r == 0 && fstat(sfd, &st) < 0)
        r = herr_sys(e, "stat %s", path);
    if (r == 0)
        r = copy_attrs(-1, -1, NULL, sfd, dfd, &st, path, e);
    for (size_t i = 0; i < c.nlinks; i++)
        free(c.links[i].rel);
    free(c.links);
    if (r < 0) {
        /* An empty volume can be filled again on the next try; half a copy could not. */
        empty_dir(dfd);
        return herr_wrap(e, "volume %s: copy %s from the image", name, path);
    }
    return mark_copied(root, name, meta, e);
}
