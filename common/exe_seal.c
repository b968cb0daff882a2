/* A read-only overlayfs with two lower layers and no upper one has a read-only
 * superblock, which no remount of any mount of it makes writable; attached nowhere,
 * nothing else can reach it. The binary's directory is the top layer, so nothing in
 * the empty second one can shadow the binary. */
#include "common/exe_seal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

extern char **environ;

bool exe_seal_check(int fd)
{
    int seals = fcntl(fd, F_GET_SEALS);
    if (seals >= 0)
        return (seals & (F_SEAL_WRITE | F_SEAL_SEAL)) == (F_SEAL_WRITE | F_SEAL_SEAL);
    struct statfs sf;
    struct statvfs sv;
    return fstatfs(fd, &sf) == 0 && sf.f_type == OVERLAYFS_SUPER_MAGIC && fstatvfs(fd, &sv) == 0 &&
           (sv.f_flag & ST_RDONLY);
}

/* lowerdir separates layers with ':' and options with ','; '\' escapes both. */
static bool escape(char *out, size_t len, const char *in, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (o + 3 > len)
            return false;
        if (in[i] == ':' || in[i] == ',' || in[i] == '\\')
            out[o++] = '\\';
        out[o++] = in[i];
    }
    out[o] = '\0';
    return true;
}

static void close_keep_errno(int fd)
{
    int saved = errno;
    close(fd);
    errno = saved;
}

static int seal_overlay(const char *exe, const char *empty)
{
    const char *slash = strrchr(exe, '/');
    if (!slash || slash == exe) {
        errno = EINVAL;
        return -1;
    }
    char a[2 * PATH_MAX + 1], b[2 * PATH_MAX + 1], lower[4 * PATH_MAX + 4];
    if (!escape(a, sizeof(a), exe, (size_t)(slash - exe)) ||
        !escape(b, sizeof(b), empty, strlen(empty))) {
        errno = ENAMETOOLONG;
        return -1;
    }
    snprintf(lower, sizeof(lower), "%s:%s", a, b);
    int fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
    if (fs < 0)
        return -1;
    int mnt = -1;
    if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "lowerdir", lower, 0) == 0) {
        /* Layers on two filesystems would otherwise log an xino notice per start. */
        syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "xino", "off", 0);
        if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
            mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
                               MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID);
    }
    close_keep_errno(fs);
    if (mnt < 0)
        return -1;
    int fd = openat(mnt, slash + 1, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    close_keep_errno(mnt);
    return fd;
}

static int seal_memfd(const char *exe)
{
    int src = open(exe, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (src < 0)
        return -1;
    int m = -1;
    if (fstat(src, &st) == 0) {
        m = memfd_create("hoist", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
        if (m < 0 && errno == EINVAL)
            m = memfd_create("hoist", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    }
    off_t off = 0;
    while (m >= 0 && off < st.st_size) {
        ssize_t n = sendfile(m, src, &off, (size_t)(st.st_size - off));
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            close_keep_errno(m);
            m = -1;
        }
    }
    if (m >= 0 &&
        fcntl(m, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
        close_keep_errno(m);
        m = -1;
    }
    close_keep_errno(src);
    return m;
}

int exe_seal_open(const char *exe, const char *scratch)
{
    char empty[PATH_MAX];
    if (snprintf(empty, sizeof(empty), "%s/.seal", scratch) >= (int)sizeof(empty)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = -1;
    if (mkdir(empty, 0700) == 0 || errno == EEXIST)
        fd = seal_overlay(exe, empty);
    return fd >= 0 ? fd : seal_memfd(exe);
}

int exe_seal_exec(const char *exe, const char *scratch, char *const argv[])
{
    int fd = exe_seal_open(exe, scratch);
    if (fd < 0)
        return -1;
    if (setenv(EXE_SEAL_ENV, exe, 1) == 0)
        syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
    int saved = errno;
    unsetenv(EXE_SEAL_ENV);
    close(fd);
    errno = saved;
    return -1;
}
