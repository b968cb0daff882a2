#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/exe_seal.h"
#include "common/fs.h"
#include "common/str.h"

int fs_write_atomic(int dirfd, const char *path, const void *buf, size_t len, mode_t mode,
                    bool sync, struct herr *e)
{
    char tmp[PATH_MAX];
    /* The temp name is unique per process so concurrent writers never share one. */
    if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp))
        return herr_set(e, ENAMETOOLONG, "write %s", path);
    _cleanup_close_ int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return herr_sys(e, "create %s", tmp);
    const char *p = buf;
    size_t left = len;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            herr_sys(e, "write %s", tmp);
            unlinkat(dirfd, tmp, 0);
            return -1;
        }
        p += n;
        left -= (size_t)n;
    }
    if (sync && fsync(fd) < 0) {
        herr_sys(e, "fsync %s", tmp);
        unlinkat(dirfd, tmp, 0);
        return -1;
    }
    if (renameat(dirfd, tmp, dirfd, path) < 0) {
        herr_sys(e, "rename %s to %s", tmp, path);
        unlinkat(dirfd, tmp, 0);
        return -1;
    }
    return 0;
}

int fs_read_all(int dirfd, const char *path, char **out, size_t *len, struct herr *e)
{
    _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return herr_sys(e, "open %s", path);
    size_t cap = 4096, n = 0;
    _cleanup_free_ char *buf = xmalloc(cap);
    for (;;) {
        if (n + 1 >= cap) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return herr_sys(e, "read %s", path);
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    *out = steal_ptr(&buf);
    return 0;
}

int fs_mkdir_p(const char *path, mode_t mode, struct herr *e)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
        return herr_set(e, ENAMETOOLONG, "mkdir %s", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, mode) < 0 && errno != EEXIST)
                return herr_sys(e, "mkdir %s", buf);
            *p = c;
            if (c == '\0')
                break;
        }
    }
    return 0;
}

static int rm_children(int dfd, const char *what, struct herr *e)
{
    _cleanup_dir_ DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return herr_sys(e, "open directory %s", what);
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (fs_rm_rf_at(dirfd(d), de->d_name, e) < 0)
            return herr_wrap(e, "%s", what);
    }
    return 0;
}

int fs_rm_rf_at(int dirfd, const char *name, struct herr *e)
{
    struct stat st, parent;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : herr_sys(e, "stat %s", name);
    if (!S_ISDIR(st.st_mode)) {
        if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
            return herr_sys(e, "remove %s", name);
        return 0;
    }
    /* A directory on another device is a mount point: removing its contents would
     * delete data that is not ours (a bind-mounted volume, say). */
    if (fstat(dirfd, &parent) == 0 && parent.st_dev != st.st_dev)
        return herr_set(e, EBUSY, "remove %s: still a mount point", name);
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return herr_sys(e, "open %s", name);
    if (rm_children(fd, name, e) < 0)
        return -1;
    if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
        return herr_sys(e, "remove directory %s", name);
    return 0;
}

int fs_rm_rf(const char *path, struct herr *e)
{
    return fs_rm_rf_at(AT_FDCWD, path, e);
}

bool fs_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

const char *fs_self_exe(void)
{
    static char self[PATH_MAX];
    if (self[0])
        return self;
    /* The runtime re-executes itself from a sealed copy (rt_exe_seal), whose
     * /proc/self/exe names no file on the host: the real path comes along. */
    const char *from = getenv(EXE_SEAL_ENV);
    if (from && *from && strlen(from) < sizeof(self)) {
        strcpy(self, from);
        return self;
    }
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0)
        return NULL;
    self[n] = '\0';
    return self;
}

bool fs_path_under(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0' || n == 1);
}

int fs_self_dir(char *buf, size_t len, struct herr *e)
{
    const char *self = fs_self_exe();
    if (!self)
        return herr_sys(e, "readlink /proc/self/exe");
    if (snprintf(buf, len, "%s", self) >= (int)len)
        return herr_set(e, ENAMETOOLONG, "%s", self);
    char *slash = strrchr(buf, '/');
    if (slash)
        *slash = '\0';
    return 0;
}

char *fs_helper_path(const char *self_dir, const char *name, struct herr *e)
{
    char *p = xasprintf("%s/%s", self_dir, name);
    if (access(p, X_OK) == 0)
        return p;
    free(p);
    p = xasprintf("%s/%s/%s", self_dir, HOIST_LIBEXEC_REL, name);
    if (access(p, X_OK) == 0)
        return p;
    free(p);
    p = xasprintf("%s/%s", HOIST_LIBEXECDIR, name);
    if (access(p, X_OK) == 0)
        return p;
    free(p);
    herr_set(e, ENOENT, "%s not found next to hoist (%s), in %s/%s or in %s", name, self_dir,
             self_dir, HOIST_LIBEXEC_REL, HOIST_LIBEXECDIR);
    return NULL;
}
