/* The runtime's own executable, made unwritable before anything enters a container.
 *
 * A process that joins a container's pid namespace is visible there as /proc/PID, and
 * until its execve its /proc/PID/exe is the host's hoist binary: a root process in the
 * container could open it and, once it no longer runs (ETXTBSY ends), write to the host
 * binary (runc's CVE-2019-5736). So `runtime create|run|exec` first re-executes itself
 * from a copy no path can write: the binary seen through a private read-only overlayfs
 * mount that is attached nowhere (an overlay with lower layers only has a read-only
 * superblock, which no remount makes writable), or, where overlayfs cannot be used, a
 * sealed memfd copy. */
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

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/str.h"
#include "engine/runtime/runtime.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

/* Set on the re-exec: the real path (siblings are found beside it) and a guard so a
 * check that keeps failing cannot loop. */
#define SEAL_ENV "HOIST_SEALED_FROM"

extern char **environ;

static bool exe_sealed(int fd)
{
    int seals = fcntl(fd, F_GET_SEALS);
    if (seals >= 0)
        return (seals & (F_SEAL_WRITE | F_SEAL_SEAL)) == (F_SEAL_WRITE | F_SEAL_SEAL);
    struct statfs sf;
    struct statvfs sv;
    return fstatfs(fd, &sf) == 0 && sf.f_type == OVERLAYFS_SUPER_MAGIC && fstatvfs(fd, &sv) == 0 &&
           (sv.f_flag & ST_RDONLY);
}

static char *lower_escape(const char *path)
{
    char *out = xcalloc(2 * strlen(path) + 1, 1), *o = out;
    for (const char *p = path; *p; p++) {
        if (*p == ':' || *p == '\\' || *p == ',')
            *o++ = '\\';
        *o++ = *p;
    }
    return out;
}

/* Two lower layers and no upper make overlayfs read-only; the binary's directory is the
 * top one, so nothing in the empty second layer can shadow it. */
static int seal_overlay(const char *exe, const char *empty_dir)
{
    _cleanup_free_ char *dir = xstrdup(exe);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return -1;
    *slash = '\0';
    const char *name = slash + 1;
    _cleanup_free_ char *a = lower_escape(dir), *b = lower_escape(empty_dir);
    _cleanup_free_ char *lower = xasprintf("%s:%s", a, b);
    _cleanup_close_ int fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
    if (fs < 0 || syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "lowerdir", lower, 0) < 0)
        return -1;
    /* Layers on different filesystems would otherwise log an xino notice per start. */
    syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "xino", "off", 0);
    if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return -1;
    _cleanup_close_ int mnt = (int)syscall(
        SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID);
    if (mnt < 0)
        return -1;
    return openat(mnt, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
}

static int seal_memfd(const char *exe, struct herr *e)
{
    _cleanup_close_ int src = open(exe, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (src < 0 || fstat(src, &st) < 0)
        return herr_sys(e, "open %s", exe);
    _cleanup_close_ int m = memfd_create("hoist", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (m < 0 && errno == EINVAL)
        m = memfd_create("hoist", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (m < 0)
        return herr_sys(e, "memfd_create");
    off_t off = 0;
    while (off < st.st_size) {
        ssize_t n = sendfile(m, src, &off, (size_t)(st.st_size - off));
        if (n <= 0)
            return herr_set(e, n < 0 ? errno : EIO, "copy %s", exe);
    }
    if (fcntl(m, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
        return herr_sys(e, "seal the copy of %s", exe);
    return steal_fd(&m);
}

int rt_exe_seal(const char *scratch, char **argv, struct herr *e)
{
    _cleanup_close_ int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (self < 0)
        return herr_sys(e, "open /proc/self/exe");
    bool guard = getenv(SEAL_ENV) != NULL;
    if (exe_sealed(self)) {
        /* Read by fs_self_exe already; nothing the runtime starts should inherit it. */
        unsetenv(SEAL_ENV);
        return 0;
    }
    if (guard)
        return herr_set(e, 0, "the runtime's executable is still writable after sealing it");
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return herr_sys(e, "readlink /proc/self/exe");
    exe[n] = '\0';
    _cleanup_free_ char *empty = xasprintf("%s/.seal", scratch);
    if (fs_mkdir_p(empty, 0700, e) < 0)
        return -1;
    _cleanup_close_ int fd = seal_overlay(exe, empty);
    if (fd < 0 && (fd = seal_memfd(exe, e)) < 0)
        return -1;
    if (setenv(SEAL_ENV, exe, 1) < 0)
        return herr_sys(e, "setenv");
    syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
    int saved = errno;
    unsetenv(SEAL_ENV);
    return herr_set(e, saved, "re-execute the runtime from its sealed copy");
}
