/* The container's filesystem, built in the init's new mount namespace before
 * pivot_root. Every path inside the container root is resolved with openat2
 * RESOLVE_IN_ROOT from a root fd, and every mount targets /proc/self/fd/N of such an
 * fd, so a symlink in the image can never send a mount or a write outside the root. */
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/runtime/cgroup.h"
#include "engine/runtime/rt_internal.h"
#include "engine/runtime/runtime.h"

#define FDPATH_MAX 32
#define fdpath(buf, fd) (snprintf((buf), sizeof(buf), "/proc/self/fd/%d", (fd)), (buf))

static int openat_root(int rootfd, const char *path, int flags, mode_t mode)
{
    struct open_how how = {
        .flags = (uint64_t)(flags | O_CLOEXEC),
        .mode = mode,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    long fd;
    do
        fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
    while (fd < 0 && (errno == EAGAIN || errno == EINTR));
    return (int)fd;
}

/* Open `path` inside the root as O_PATH, creating missing directories (and the last
 * component as an empty file when file is true). */
static int ensure_in_root(int rootfd, const char *path, bool file, struct herr *e)
{
    int fd = openat_root(rootfd, path, O_PATH, 0);
    if (fd >= 0 || errno != ENOENT)
        return fd >= 0 ? fd : herr_sys(e, "open \"%s\" in the container", path);
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
        return herr_set(e, ENAMETOOLONG, "\"%s\"", path);
    char *p = buf;
    while (*p == '/')
        p++;
    for (;;) {
        char *slash = strchr(p, '/');
        bool last = !slash || slash[strspn(slash, "/")] == '\0';
        if (slash)
            *slash = '\0';
        fd = openat_root(rootfd, buf, O_PATH, 0);
        if (fd < 0 && errno == ENOENT) {
            char *cut = strrchr(buf, '/');
            _cleanup_close_ int parent = -1;
            const char *name = buf;
            if (cut) {
                *cut = '\0';
                parent = openat_root(rootfd, *buf ? buf : "/", O_PATH | O_DIRECTORY, 0);
                *cut = '/';
                name = cut + 1;
            } else {
                parent = openat_root(rootfd, "/", O_PATH | O_DIRECTORY, 0);
            }
            if (parent < 0)
                return herr_sys(e, "open parent of \"%s\" in the container", buf);
            int r;
            if (last && file) {
                r = openat(parent, name, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
                if (r >= 0)
                    close(r);
            } else {
                r = mkdirat(parent, name, 0755);
            }
            if (r < 0 && errno != EEXIST)
                return herr_sys(e, "create \"%s\" in the container", buf);
            fd = openat_root(rootfd, buf, O_PATH, 0);
        }
        if (fd < 0)
            return herr_sys(e, "open \"%s\" in the container", buf);
        if (last)
            return fd;
        close(fd);
        *slash = '/';
        p = slash + 1;
    }
}

static unsigned long vfs_flags(int fd)
{
    struct statvfs sv;
    unsigned long f = 0;
    if (fstatvfs(fd, &sv) < 0)
        return 0;
    if (sv.f_flag & ST_NOSUID)
        f |= MS_NOSUID;
    if (sv.f_flag & ST_NODEV)
        f |= MS_NODEV;
    if (sv.f_flag & ST_NOEXEC)
        f |= MS_NOEXEC;
    if (sv.f_flag & ST_NOATIME)
        f |= MS_NOATIME;
    if (sv.f_flag & ST_NODIRATIME)
        f |= MS_NODIRATIME;
    if (sv.f_flag & ST_RELATIME)
        f |= MS_RELATIME;
    return f;
}

/* Re-open the mount now on top of `path` and remount it with flags (bind remount). */
static int remount_at(int rootfd, const char *path, unsigned long flags, bool keep, struct herr *e)
{
    char fp[FDPATH_MAX];
    _cleanup_close_ int fd = openat_root(rootfd, path, O_PATH, 0);
    if (fd < 0)
        return herr_sys(e, "open \"%s\" in the container", path);
    if (keep)
        flags |= vfs_flags(fd);
    if (mount(NULL, fdpath(fp, fd), NULL, MS_REMOUNT | MS_BIND | flags, NULL) < 0)
        return herr_sys(e, "remount \"%s\"", path);
    return 0;
}

static int propagate_at(int rootfd, const char *path, unsigned long prop, struct herr *e)
{
    char fp[FDPATH_MAX];
    _cleanup_close_ int fd = openat_root(rootfd, path, O_PATH, 0);
    if (fd < 0)
        return herr_sys(e, "open \"%s\" in the container", path);
    if (mount(NULL, fdpath(fp, fd), NULL, prop, NULL) < 0)
        return herr_sys(e, "set propagation of \"%s\"", path);
    return 0;
}

#define BIND_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME)

/* A bind source is opened here, at start, and mounted from that fd. Its path was
 * resolved when the container was created (sources hoist writes have no symbolic
 * links), so any symbolic link in it now was put there since, maybe by a container that
 * shares a volume with this one: refused, never followed (runc's CVE-2021-30465 class;
 * a volume subpath swapped for a link to "/" would bind the host's root). */
static int open_bind_source(const char *src, struct herr *e)
{
    struct open_how how = {
        .flags = O_PATH | O_CLOEXEC,
        .resolve = RESOLVE_NO_SYMLINKS,
    };
    long fd;
    do
        fd = syscall(SYS_openat2, AT_FDCWD, src, &how, sizeof(how));
    while (fd < 0 && (errno == EAGAIN || errno == EINTR));
    if (fd < 0 && errno == ELOOP)
        return herr_set(e, ELOOP,
                        "bind mount source \"%s\": a path component is a symbolic link (give "
                        "the resolved path)",
                        src);
    if (fd < 0)
        return herr_sys(e, "bind mount source \"%s\"", src);
    return (int)fd;
}

static uint64_t mount_attrs(unsigned long flags)
{
    uint64_t a = 0;
    if (flags & MS_RDONLY)
        a |= MOUNT_ATTR_RDONLY;
    if (flags & MS_NOSUID)
        a |= MOUNT_ATTR_NOSUID;
    if (flags & MS_NODEV)
        a |= MOUNT_ATTR_NODEV;
    if (flags & MS_NOEXEC)
        a |= MOUNT_ATTR_NOEXEC;
    if (flags & MS_NODIRATIME)
        a |= MOUNT_ATTR_NODIRATIME;
    return a;
}

/* The source's mount is cloned from its fd, given its flags while still detached and
 * only then attached on the destination's fd: no path is looked up between the checks
 * and the mount, so nothing a container swaps meanwhile changes what is mounted where,
 * or which mount ends up read-only. */
static int bind_mount(int rootfd, const char *src, const char *dest, const struct rt_mount_opts *o,
                      struct herr *e)
{
    _cleanup_close_ int sfd = open_bind_source(src, e);
    struct stat st;
    if (sfd < 0)
        return -1;
    if (fstat(sfd, &st) < 0)
        return herr_sys(e, "bind mount source \"%s\"", src);
    _cleanup_close_ int fd = ensure_in_root(rootfd, dest, !S_ISDIR(st.st_mode), e);
    if (fd < 0)
        return -1;
    unsigned rec = o->recursive ? AT_RECURSIVE : 0;
    _cleanup_close_ int tree = (int)syscall(
        SYS_open_tree, sfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | rec);
    if (tree < 0)
        return herr_sys(e, "bind mount \"%s\" on \"%s\"", src, dest);
    struct mount_attr attr = {.attr_set = mount_attrs(o->flags)};
    if (o->flags & MS_NOATIME) {
        attr.attr_set |= MOUNT_ATTR_NOATIME;
        attr.attr_clr |= MOUNT_ATTR__ATIME;
    }
    if ((attr.attr_set || attr.attr_clr) &&
        syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | rec, &attr, sizeof(attr)) < 0)
        return herr_sys(e, "set the flags of the bind mount on \"%s\"", dest);
    if (syscall(SYS_move_mount, tree, "", fd, "",
                MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return herr_sys(e, "bind mount \"%s\" on \"%s\"", src, dest);
    return 0;
}

/* On v1 and hybrid hosts /sys/fs/cgroup is a tmpfs holding, per hierarchy, a bind of
 * the container's own cgroup directory, as Docker shows it. The directory is found
 * from the configured path, not /proc/self/cgroup: the parent may still be moving us
 * into it while we build the root. */
static int mount_cgroup_v1(int rootfd, const char *dest, const char *cgpath,
                           const struct rt_mount_opts *o, struct herr *e)
{
    char fp[FDPATH_MAX];
    _cleanup_close_ int fd = ensure_in_root(rootfd, dest, false, e);
    if (fd < 0)
        return -1;
    unsigned long fl = o->flags & ~MS_RDONLY;
    if (mount("tmpfs", fdpath(fp, fd), "tmpfs", fl, "mode=755") < 0)
        return herr_sys(e, "mount \"tmpfs\" on \"%s\"", dest);
    _cleanup_close_ int tfd = openat_root(rootfd, dest, O_PATH | O_DIRECTORY, 0);
    _cleanup_file_ FILE *mi = fopen("/proc/self/mountinfo", "re");
    if (tfd < 0 || !mi)
        return herr_sys(e, "cgroup mount on \"%s\"", dest);
    int ret = 0;
    char buf[4096];
    while (ret == 0 && fgets(buf, sizeof(buf), mi)) {
        char *f[12] = {0};
        int nf = 0;
        char *save = NULL;
        for (char *t = strtok_r(buf, " \n", &save); t && nf < 12; t = strtok_r(NULL, " \n", &save))
            f[nf++] = t;
        int sep = 6;
        while (sep < nf && strcmp(f[sep], "-") != 0)
            sep++;
        if (sep + 1 >= nf || !str_has_prefix(f[4], RT_CGROUP_FSROOT "/"))
            continue;
        const char *fstype = f[sep + 1];
        const char *name = f[4] + strlen(RT_CGROUP_FSROOT "/");
        if (strchr(name, '/') || (strcmp(fstype, "cgroup") != 0 && strcmp(fstype, "cgroup2") != 0))
            continue;
        _cleanup_free_ char *src = xasprintf("%s%s", f[4], cgpath);
        if (access(src, F_OK) < 0)
            continue;
        if (mkdirat(tfd, name, 0755) < 0 && errno != EEXIST) {
            ret = herr_sys(e, "cgroup mount: create \"%s/%s\"", dest, name);
            break;
        }
        _cleanup_close_ int sub = openat(tfd, name, O_PATH | O_CLOEXEC | O_NOFOLLOW);
        if (sub < 0 || mount(src, fdpath(fp, sub), NULL, MS_BIND | MS_REC, NULL) < 0) {
            ret = herr_sys(e, "bind mount \"%s\" on \"%s/%s\"", src, dest, name);
            break;
        }
        _cleanup_free_ char *subdest = xasprintf("%s/%s", dest, name);
        ret = remount_at(rootfd, subdest,
                         (o->flags & BIND_FLAGS) | MS_NOSUID | MS_NODEV | MS_NOEXEC, false, e);
        if (ret == 0 && strchr(name, ',')) {
            _cleanup_free_ char *names = xstrdup(name);
            char *s3 = NULL;
            for (char *c = strtok_r(names, ",", &s3); c; c = strtok_r(NULL, ",", &s3))
                symlinkat(name, tfd, c);
        }
    }
    if (ret == 0 && (o->flags & MS_RDONLY))
        ret = remount_at(rootfd, dest, o->flags, false, e);
    return ret;
}

/* Reopen a destination ensure_in_root made, refusing any symbolic link on the way: for
 * the kernel's own filesystems and the console, which must be where the container
 * expects them (runc's CVE-2019-16884 and CVE-2025-52565 classes). */
static int reopen_no_symlinks(int rootfd, const char *path, struct herr *e)
{
    struct open_how how = {
        .flags = O_PATH | O_CLOEXEC,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS,
    };
    int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
    if (fd < 0 && errno == ELOOP)
        return herr_set(e, ELOOP, "\"%s\" in the container is or goes through a symbolic link",
                        path);
    if (fd < 0)
        return herr_sys(e, "open \"%s\" in the container", path);
    return fd;
}

static bool kernel_fs(const char *type)
{
    static const char *const kinds[] = {"proc", "sysfs", "cgroup", "cgroup2", "devpts", "mqueue"};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strcmp(type, kinds[i]) == 0)
            return true;
    }
    return false;
}

static int fs_mount(int rootfd, const char *type, const char *src, const char *dest,
                    unsigned long flags, const char *data, struct herr *e)
{
    char fp[FDPATH_MAX];
    _cleanup_close_ int fd = ensure_in_root(rootfd, dest, false, e);
    if (fd >= 0 && kernel_fs(type)) {
        close(fd);
        fd = reopen_no_symlinks(rootfd, dest, e);
    }
    if (fd < 0)
        return -1;
    if (mount(src, fdpath(fp, fd), type, flags, data) < 0)
        return herr_sys(e, "mount \"%s\" on \"%s\"", src, dest);
    return 0;
}

static int mount_one(struct rt_init *c, int rootfd, const json_t *m, bool *bind_dev, struct herr *e)
{
    const char *dest = hj_str(m, "destination"), *type = hj_str(m, "type");
    const char *src = hj_str(m, "source");
    if (!dest || !*dest)
        return herr_set(e, EINVAL, "mount without a destination");
    struct rt_mount_opts o;
    if (rt_parse_mount_options(json_object_get(m, "options"), &o, e) < 0)
        return herr_wrap(e, "mount \"%s\"", dest);
    _cleanup_free_ char *data = o.data;
    _cleanup_free_ char *abs_src = NULL;
    if (src && *src != '/' && (o.bind || (type && strcmp(type, "bind") == 0)))
        src = abs_src = xasprintf("%s/%s", c->bundle, src);
    int r;
    if (o.bind || (type && strcmp(type, "bind") == 0)) {
        if (!src)
            return herr_set(e, EINVAL, "bind mount on \"%s\" without a source", dest);
        if (strcmp(dest, "/dev") == 0)
            *bind_dev = true;
        r = bind_mount(rootfd, src, dest, &o, e);
    } else if (!type || !*type) {
        return herr_set(e, EINVAL, "mount on \"%s\" without a type", dest);
    } else if (strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0) {
        enum cg_mode mode;
        if (cg_detect(RT_CGROUP_FSROOT, &mode, e) < 0)
            return herr_wrap(e, "mount \"%s\"", dest);
        if (mode == CG_MODE_V2)
            r = fs_mount(rootfd, "cgroup2", "cgroup2", dest, o.flags, data, e);
        else
            r = mount_cgroup_v1(rootfd, dest, c->cgpath, &o, e);
    } else {
        r = fs_mount(rootfd, type, src ? src : type, dest, o.flags, data, e);
    }
    if (r == 0 && o.propagate)
        r = propagate_at(rootfd, dest, o.propagate, e);
    return r;
}

static const struct {
    const char *name;
    unsigned maj, min;
} default_devices[] = {
    {"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
    {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

static int make_device(int rootfd, const char *path, mode_t mode, dev_t dev, uid_t uid, gid_t gid,
                       struct herr *e)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof(buf), "%s", path);
    char *slash = strrchr(buf, '/');
    if (!slash || !slash[1])
        return herr_set(e, EINVAL, "device path \"%s\"", path);
    *slash = '\0';
    _cleanup_close_ int dir = ensure_in_root(rootfd, *buf ? buf : "/", false, e);
    if (dir < 0)
        return -1;
    const char *name = slash + 1;
    unlinkat(dir, name, 0);
    if (mknodat(dir, name, mode, dev) == 0) {
        if (fchownat(dir, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
            return herr_sys(e, "chown device \"%s\"", path);
        return 0;
    }
    if (errno != EPERM)
        return herr_sys(e, "mknod \"%s\"", path);
    /* Without CAP_MKNOD, bind the host's node as runc does. */
    char fp[FDPATH_MAX];
    _cleanup_close_ int f = openat(dir, name, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (f < 0)
        return herr_sys(e, "create \"%s\"", path);
    _cleanup_free_ char *host = xasprintf("%s", path);
    if (mount(host, fdpath(fp, f), NULL, MS_BIND, NULL) < 0)
        return herr_sys(e, "bind mount device \"%s\"", path);
    return 0;
}

static int setup_dev(int rootfd, const json_t *config, struct herr *e)
{
    for (size_t i = 0; i < sizeof(default_devices) / sizeof(default_devices[0]); i++) {
        _cleanup_free_ char *p = xasprintf("/dev/%s", default_devices[i].name);
        if (make_device(rootfd, p, S_IFCHR | 0666,
                        makedev(default_devices[i].maj, default_devices[i].min), 0, 0, e) < 0)
            return -1;
    }
    size_t i;
    json_t *d;
    json_array_foreach(hj_path(config, "linux.devices"), i, d)
    {
        const char *path = hj_str(d, "path"), *type = hj_str(d, "type");
        mode_t t = 0;
        if (type && strcmp(type, "c") == 0)
            t = S_IFCHR;
        else if (type && strcmp(type, "u") == 0)
            t = S_IFCHR;
        else if (type && strcmp(type, "b") == 0)
            t = S_IFBLK;
        else if (type && strcmp(type, "p") == 0)
            t = S_IFIFO;
        if (!path || path[0] != '/' || !t)
            return herr_set(e, EINVAL, "linux.devices[%zu]: invalid path or type", i);
        mode_t mode = (mode_t)hj_int(d, "fileMode", 0666) & 07777;
        dev_t dev = makedev((unsigned)hj_int(d, "major", 0), (unsigned)hj_int(d, "minor", 0));
        if (make_device(rootfd, path, t | mode, dev, (uid_t)hj_int(d, "uid", 0),
                        (gid_t)hj_int(d, "gid", 0), e) < 0)
            return -1;
    }
    _cleanup_close_ int dev = openat_root(rootfd, "/dev", O_PATH | O_DIRECTORY, 0);
    if (dev < 0)
        return herr_sys(e, "open /dev in the container");
    static const char *const links[][2] = {
        {"/proc/self/fd", "fd"},       {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
        {"/proc/self/fd/2", "stderr"}, {"pts/ptmx", "ptmx"},         {"/proc/kcore", "core"},
    };
    for (size_t k = 0; k < sizeof(links) / sizeof(links[0]); k++) {
        if (strcmp(links[k][1], "ptmx") == 0)
            unlinkat(dev, "ptmx", 0);
        if (symlinkat(links[k][0], dev, links[k][1]) < 0 && errno != EEXIST)
            return herr_sys(e, "symlink /dev/%s", links[k][1]);
    }
    return 0;
}

static int setup_console(struct rt_init *c, int rootfd, struct herr *e)
{
    _cleanup_close_ int ptmx = openat_root(rootfd, "/dev/ptmx", O_RDWR | O_NOCTTY, 0);
    if (ptmx < 0)
        return herr_sys(e, "open /dev/ptmx in the container");
    _cleanup_close_ int slave = -1;
    if (rt_tty_setup(ptmx, c->console_fd, &slave, e) < 0)
        return -1;
    _cleanup_close_ int made = ensure_in_root(rootfd, "/dev/console", true, e);
    if (made < 0)
        return -1;
    _cleanup_close_ int con = reopen_no_symlinks(rootfd, "/dev/console", e);
    if (con < 0)
        return -1;
    char a[FDPATH_MAX], b[FDPATH_MAX];
    if (mount(fdpath(a, slave), fdpath(b, con), NULL, MS_BIND, NULL) < 0)
        return herr_sys(e, "bind mount the pty on /dev/console");
    return 0;
}

static int readonly_paths(int rootfd, const json_t *paths, struct herr *e)
{
    size_t i;
    json_t *it;
    json_array_foreach(paths, i, it)
    {
        const char *p = json_string_value(it);
        char fp[FDPATH_MAX];
        if (!p)
            continue;
        _cleanup_close_ int fd = openat_root(rootfd, p, O_PATH, 0);
        if (fd < 0 && errno == ENOENT)
            continue;
        if (fd < 0)
            return herr_sys(e, "read-only path \"%s\"", p);
        if (mount(fdpath(fp, fd), fp, NULL, MS_BIND | MS_REC, NULL) < 0)
            return herr_sys(e, "bind read-only path \"%s\"", p);
        if (remount_at(rootfd, p, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, true, e) < 0)
            return -1;
    }
    return 0;
}

/* Masks bind the host's /dev/null, checked to be that device (runc's CVE-2025-31133
 * took the container's, which a symbolic link could replace). */
static int open_dev_null(struct herr *e)
{
    _cleanup_close_ int fd = open("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        return herr_sys(e, "open /dev/null");
    if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
        return herr_set(e, EINVAL, "/dev/null is not the null device");
    return steal_fd(&fd);
}

static int masked_paths(int rootfd, const json_t *paths, struct herr *e)
{
    if (!json_array_size(paths))
        return 0;
    _cleanup_close_ int null = open_dev_null(e);
    if (null < 0)
        return -1;
    char np[FDPATH_MAX];
    fdpath(np, null);
    size_t i;
    json_t *it;
    json_array_foreach(paths, i, it)
    {
        const char *p = json_string_value(it);
        char fp[FDPATH_MAX];
        struct stat st;
        if (!p)
            continue;
        _cleanup_close_ int fd = openat_root(rootfd, p, O_PATH, 0);
        if (fd < 0 && errno == ENOENT)
            continue;
        if (fd < 0 || fstat(fd, &st) < 0)
            return herr_sys(e, "masked path \"%s\"", p);
        int r = S_ISDIR(st.st_mode) ? mount("tmpfs", fdpath(fp, fd), "tmpfs", MS_RDONLY, "size=0k")
                                    : mount(np, fdpath(fp, fd), NULL, MS_BIND, NULL);
        if (r < 0)
            return herr_sys(e, "mask \"%s\"", p);
    }
    return 0;
}

static int enter_root(struct rt_init *c, struct herr *e)
{
    if (chdir(c->rootfs) < 0)
        return herr_sys(e, "chdir to rootfs \"%s\"", c->rootfs);
    if (c->no_pivot) {
        if (mount(c->rootfs, "/", NULL, MS_MOVE, NULL) < 0)
            return herr_sys(e, "move rootfs \"%s\" to /", c->rootfs);
        if (chroot(".") < 0)
            return herr_sys(e, "chroot to rootfs");
    } else {
        /* pivot_root(".", ".") stacks the old root under the new one; detaching it
         * leaves nothing of the host visible. */
        if (syscall(SYS_pivot_root, ".", ".") < 0)
            return herr_sys(e, "pivot_root to \"%s\"", c->rootfs);
        if (umount2(".", MNT_DETACH) < 0)
            return herr_sys(e, "detach the old root");
    }
    if (chdir("/") < 0)
        return herr_sys(e, "chdir /");
    return 0;
}

int rt_rootfs_setup(struct rt_init *c, struct herr *e)
{
    unsigned long prop = MS_PRIVATE | MS_REC;
    const char *rp = hj_path(c->config, "linux.rootfsPropagation")
                         ? json_string_value(hj_path(c->config, "linux.rootfsPropagation"))
                         : NULL;
    if (rp && *rp) {
        json_t *arr = json_pack("[s]", rp);
        struct rt_mount_opts o;
        int r = rt_parse_mount_options(arr, &o, e);
        json_decref(arr);
        free(o.data);
        if (r < 0 || !o.propagate || o.data)
            return herr_set(e, EINVAL, "invalid linux.rootfsPropagation \"%s\"", rp);
        prop = o.propagate;
    }
    if (mount(NULL, "/", NULL, prop, NULL) < 0)
        return herr_sys(e, "set propagation of /");
    if (mount(c->rootfs, c->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
        return herr_sys(e, "bind mount rootfs \"%s\"", c->rootfs);
    _cleanup_close_ int rootfd = open(c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return herr_sys(e, "open rootfs \"%s\"", c->rootfs);
    mode_t old = umask(0);
    bool bind_dev = false;
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(c->config, "mounts"), i, m)
    {
        if (mount_one(c, rootfd, m, &bind_dev, e) < 0) {
            umask(old);
            return -1;
        }
    }
    int r = 0;
    _cleanup_close_ int cwd = ensure_in_root(rootfd, c->proc.cwd, false, e);
    if (cwd < 0)
        r = herr_wrap(e, "cwd");
    if (r == 0 && !bind_dev)
        r = setup_dev(rootfd, c->config, e);
    umask(old);
    if (r < 0)
        return -1;
    if (c->proc.terminal && setup_console(c, rootfd, e) < 0)
        return -1;
    if (rt_sysctl_apply(hj_path(c->config, "linux.sysctl"), e) < 0)
        return -1;
    if (readonly_paths(rootfd, hj_path(c->config, "linux.readonlyPaths"), e) < 0 ||
        masked_paths(rootfd, hj_path(c->config, "linux.maskedPaths"), e) < 0)
        return -1;
    if (rt_hooks_before_pivot(c, e) < 0)
        return -1;
    if (enter_root(c, e) < 0)
        return -1;
    if (prop != (MS_PRIVATE | MS_REC) && mount(NULL, "/", NULL, prop, NULL) < 0)
        return herr_sys(e, "set propagation of the container root");
    if (hj_bool(json_object_get(c->config, "root"), "readonly", false)) {
        struct statvfs sv;
        unsigned long fl = MS_REMOUNT | MS_BIND | MS_RDONLY;
        if (statvfs("/", &sv) == 0) {
            _cleanup_close_ int fd = open("/", O_PATH | O_CLOEXEC);
            fl |= vfs_flags(fd);
        }
        if (mount(NULL, "/", NULL, fl, NULL) < 0)
            return herr_sys(e, "remount the root read-only");
    }
    return 0;
}
