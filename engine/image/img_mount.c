/* Overlay mounts of image layers. mount(2) hands overlay its options in one page,
 * which about 40 layer paths of a store fill; images with more layers go through the
 * new mount API, one fsconfig("lowerdir+") per layer (Linux 6.8+), or on older kernels
 * through short relative symlinks so that the option string stays small. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/str.h"
#include "engine/image/image.h"

/* 1: the kernel has no "lowerdir+" (the caller falls back), 0: mounted, -1: error. */
static int mount_fsconfig(const char *target, char **layers, const char *upper, const char *work,
                          struct herr *e)
{
    _cleanup_close_ int fs = fsopen("overlay", FSOPEN_CLOEXEC);
    if (fs < 0)
        return herr_sys(e, "overlay: fsopen");
    for (char **l = layers; *l; l++) {
        if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", *l, 0) < 0) {
            if (l == layers && errno == EINVAL)
                return 1;
            return herr_sys(e, "overlay: layer %s", *l);
        }
    }
    if (fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
        fsconfig(fs, FSCONFIG_SET_STRING, "workdir", work, 0) < 0 ||
        fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return herr_sys(e, "overlay: %zu layers", strv_len(layers));
    _cleanup_close_ int mnt = fsmount(fs, FSMOUNT_CLOEXEC, 0);
    if (mnt < 0 || move_mount(mnt, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
        return herr_sys(e, "overlay: mount on %s", target);
    return 0;
}

/* Symlinks linkdir/<n> -> layer n, and a mount run from linkdir with relative names. */
static int mount_links(const char *target, char **layers, const char *upper, const char *work,
                       const char *linkdir, struct herr *e)
{
    if (fs_mkdir_p(linkdir, 0700, e) < 0)
        return -1;
    _cleanup_close_ int dfd = open(linkdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return herr_sys(e, "open %s", linkdir);
    _cleanup_free_ char *data = xasprintf("upperdir=%s,workdir=%s,lowerdir=", upper, work);
    for (size_t i = 0; layers[i]; i++) {
        char name[24];
        snprintf(name, sizeof(name), "%zu", i);
        if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
            return herr_sys(e, "remove %s/%s", linkdir, name);
        if (symlinkat(layers[i], dfd, name) < 0)
            return herr_sys(e, "link %s/%s", linkdir, name);
        char *d = xasprintf("%s%s%s", data, i ? ":" : "", name);
        free(data);
        data = d;
    }
    _cleanup_close_ int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (cwd < 0 || fchdir(dfd) < 0)
        return herr_sys(e, "enter %s", linkdir);
    int r = mount("overlay", target, "overlay", 0, data);
    int saved = errno;
    if (fchdir(cwd) < 0)
        return herr_sys(e, "return to the working directory");
    errno = saved;
    return r < 0 ? herr_sys(e, "overlay: mount %zu layers on %s", strv_len(layers), target) : 0;
}

int image_mount_overlay(const char *target, const char *lowerdir, const char *upper,
                        const char *work, const char *linkdir, struct herr *e)
{
    _cleanup_free_ char *data =
        xasprintf("lowerdir=%s,upperdir=%s,workdir=%s", lowerdir, upper, work);
    if (strlen(data) < (size_t)getpagesize()) {
        if (mount("overlay", target, "overlay", 0, data) < 0)
            return herr_sys(e, "overlay: mount on %s", target);
        return 0;
    }
    _cleanup_strv_ char **layers = xcalloc(1, sizeof(char *));
    _cleanup_free_ char *copy = xstrdup(lowerdir);
    char *save = NULL;
    for (char *l = strtok_r(copy, ":", &save); l; l = strtok_r(NULL, ":", &save))
        strv_push(&layers, xstrdup(l));
    int r = mount_fsconfig(target, layers, upper, work, e);
    return r == 1 ? mount_links(target, layers, upper, work, linkdir, e) : r;
}
