/* From parsed mounts to what the runtime needs: prepared host paths, OCI "mounts"
 * entries and the docker-inspect "Mounts" of the container record. */
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/str.h"
#include "volumes/volumes.h"

static int openat2_dir(int dirfd, const char *path, unsigned long long resolve)
{
    struct open_how how = {
        .flags = O_PATH | O_CLOEXEC,
        .resolve = resolve,
    };
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

/* Resolve the subpath inside the volume without leaving it; the result is the real
 * host path the runtime binds. A symlink inside the volume is followed only as if the
 * volume were the root, so it cannot point out. */
static int resolve_subpath(const char *data, const char *sub, char **out, struct herr *e)
{
    _cleanup_close_ int dfd = open(data, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return herr_sys(e, "open %s", data);
    _cleanup_close_ int fd =
        openat2_dir(dfd, sub, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV);
    if (fd < 0)
        return herr_sys(e, "volume subpath \"%s\"", sub);
    char real[PATH_MAX], base[PATH_MAX];
    _cleanup_free_ char *link = xasprintf("/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, real, sizeof(real) - 1);
    if (n < 0)
        return herr_sys(e, "volume subpath \"%s\"", sub);
    real[n] = '\0';
    if (!realpath(data, base))
        return herr_sys(e, "resolve %s", data);
    size_t bl = strlen(base);
    if (strncmp(real, base, bl) != 0 || (real[bl] != '/' && real[bl] != '\0'))
        return herr_set(e, EXDEV, "volume subpath \"%s\" resolves outside the volume", sub);
    *out = xstrdup(real);
    return 0;
}

static int fd_path(int fd, char **out, struct herr *e)
{
    char link[32], buf[PATH_MAX];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, buf, sizeof(buf) - 1);
    if (n < 0)
        return herr_sys(e, "readlink %s", link);
    buf[n] = '\0';
    *out = xstrdup(buf);
    return 0;
}

/* A symbolic link found in dir is followed unless a container can write dir: a bind
 * of a shared directory's entry must not become whatever a container pointed it at. */
static int link_allowed(const char *root, const struct vol_mount *m, int dirfd, const char *name,
                        struct herr *e)
{
    _cleanup_free_ char *dir = NULL, *store = xasprintf("%s/volumes", root), *real = NULL;
    if (fd_path(dirfd, &dir, e) < 0)
        return -1;
    real = realpath(store, NULL);
    bool shared = (real && fs_path_under(dir, real)) ||
                  (m->shared_dir && m->shared_dir(dir, m->shared_arg) > 0);
    if (shared)
        return herr_set(e, EPERM,
                        "bind source %s: %s/%s is a symbolic link in a directory containers "
                        "can write; give the path it should lead to",
                        m->source, strcmp(dir, "/") == 0 ? "" : dir, name);
    return 0;
}

/* The source resolved one component at a time from directory fds, so what is checked
 * is what is used; missing directories are made on the way when asked (never through a
 * link into somewhere else: CVE-2024-45310's class). The result is canonical: the
 * runtime will refuse any symbolic link in it (rt_mount.c). */
static int resolve_bind(const char *root, struct vol_mount *m, struct herr *e)
{
    if (m->source[0] != '/')
        return herr_set(e, EINVAL, "bind source %s is not absolute", m->source);
    _cleanup_close_ int dir = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    _cleanup_free_ char *rest = xstrdup(m->source);
    if (dir < 0)
        return herr_sys(e, "open /");
    int links = 0;
    char *p = rest;
    for (;;) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        char *slash = strchr(p, '/');
        if (slash)
            *slash = '\0';
        const char *name = p;
        p = slash ? slash + 1 : p + strlen(p);
        if (strcmp(name, ".") == 0)
            continue;
        int fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT && m->create_host_path && strcmp(name, "..") != 0) {
            if (mkdirat(dir, name, 0755) < 0 && errno != EEXIST)
                return herr_sys(e, "create bind source %s", m->source);
            fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        }
        if (fd < 0 && errno == ENOENT)
            return herr_set(e, ENOENT, "bind source path does not exist: %s", m->source);
        _cleanup_close_ int cur = fd;
        struct stat st;
        if (cur < 0 || fstat(cur, &st) < 0)
            return herr_sys(e, "bind source %s", m->source);
        if (!S_ISLNK(st.st_mode)) {
            close(dir);
            dir = steal_fd(&cur);
            continue;
        }
        if (++links > 40)
            return herr_set(e, ELOOP, "bind source %s", m->source);
        if (link_allowed(root, m, dir, name, e) < 0)
            return -1;
        char target[PATH_MAX];
        ssize_t n = readlinkat(cur, "", target, sizeof(target) - 1);
        if (n <= 0)
            return herr_sys(e, "bind source %s: read link %s", m->source, name);
        target[n] = '\0';
        /* p points into rest: the new path is made before the old one is freed. */
        char *next = xasprintf("%s/%s", target, p);
        free(rest);
        rest = next;
        p = rest;
        if (target[0] == '/') {
            close(dir);
            if ((dir = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
                return herr_sys(e, "open /");
        }
    }
    return fd_path(dir, &m->host_path, e);
}

static int prepare_volume(const char *root, struct vol_mount *m, int rootfd, struct herr *e)
{
    bool created = false;
    _cleanup_free_ char *name = NULL, *data = NULL;
    struct vol_create_opts none = {0};
    if (vol_create(root, m->source, &none, &name, &created, e) < 0)
        return -1;
    if (vol_mount(root, name, e) < 0)
        goto fail;
    if (!m->nocopy && !m->subpath && rootfd >= 0 &&
        vol_copy_up(root, name, rootfd, m->target, e) < 0)
        goto fail;
    data = vol_data_dir(root, name);
    if (m->subpath) {
        if (resolve_subpath(data, m->subpath, &m->host_path, e) < 0)
            goto fail;
    } else if (!(m->host_path = realpath(data, NULL))) {
        herr_sys(e, "volume %s", name);
        goto fail;
    }
    if (!m->source)
        m->source = steal_ptr(&name);
    return 0;
fail:
    /* A volume made only for this mount must not outlive the failure. */
    if (created)
        vol_remove(root, name, NULL);
    return -1;
}

int vol_prepare(const char *root, struct vol_mount *m, int rootfd, struct herr *e)
{
    free(m->host_path);
    m->host_path = NULL;
    int r = 0;
    switch (m->type) {
    case VOL_BIND:
        r = resolve_bind(root, m, e);
        break;
    case VOL_VOLUME:
        r = prepare_volume(root, m, rootfd, e);
        break;
    case VOL_TMPFS:
        break;
    }
    if (r < 0)
        return herr_wrap(e, "mount on %s", m->target);
    return 0;
}

static json_t *strv_json(const char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        if (v[i])
            json_array_append_new(a, json_string(v[i]));
    return a;
}

json_t *vol_oci_mounts(const struct vol_mount *m, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct vol_mount *x = &m[i];
        json_t *opts;
        if (x->type == VOL_TMPFS) {
            _cleanup_free_ char *size =
                x->tmpfs_size > 0 ? xasprintf("size=%lld", x->tmpfs_size) : NULL;
            _cleanup_free_ char *mode =
                x->tmpfs_mode >= 0 ? xasprintf("mode=%o", x->tmpfs_mode) : NULL;
            const char *v[] = {"nosuid", "nodev", "noexec", x->readonly ? "ro" : NULL, size, mode};
            opts = strv_json(v, sizeof(v) / sizeof(v[0]));
            json_array_append_new(a,
                                  json_pack("{s:s,s:s,s:s,s:o}", "destination", x->target, "type",
                                            "tmpfs", "source", "tmpfs", "options", opts));
            continue;
        }
        const char *v[] = {"rbind", x->propagation ? x->propagation : "rprivate",
                           x->readonly ? "ro" : NULL};
        opts = strv_json(v, sizeof(v) / sizeof(v[0]));
        json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:o}", "destination", x->target, "type",
                                           "bind", "source", x->host_path ? x->host_path : "",
                                           "options", opts));
    }
    return a;
}

json_t *vol_record_mounts(const struct vol_mount *m, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct vol_mount *x = &m[i];
        json_t *o;
        switch (x->type) {
        case VOL_BIND:
            o = json_pack("{s:s,s:s,s:s,s:s,s:b,s:s}", "Type", "bind", "Source",
                          x->host_path ? x->host_path : x->source, "Destination", x->target, "Mode",
                          x->readonly ? "ro" : "", "RW", !x->readonly, "Propagation",
                          x->propagation ? x->propagation : "rprivate");
            break;
        case VOL_VOLUME:
            o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s}", "Type", "volume", "Name",
                          x->source ? x->source : "", "Source", x->host_path ? x->host_path : "",
                          "Destination", x->target, "Driver", "local", "Mode",
                          x->nocopy ? "nocopy" : "", "RW", !x->readonly, "Propagation", "");
            break;
        default:
            o = json_pack("{s:s,s:s,s:s,s:s,s:b,s:s}", "Type", "tmpfs", "Source", "", "Destination",
                          x->target, "Mode", "", "RW", !x->readonly, "Propagation", "");
            break;
        }
        json_array_append_new(a, o);
    }
    return a;
}
