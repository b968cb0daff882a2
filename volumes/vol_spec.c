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

static int prepare_bind(struct vol_mount *m, struct herr *e)
{
    struct stat st;
    if (stat(m->source, &st) < 0) {
        if (errno != ENOENT)
            return herr_sys(e, "bind source %s", m->source);
        if (!m->create_host_path)
            return herr_set(e, ENOENT, "bind source path does not exist: %s", m->source);
        if (fs_mkdir_p(m->source, 0755, e) < 0)
            return herr_wrap(e, "create bind source");
    }
    /* Resolved now: the runtime refuses a source with a symbolic link in it (one put
     * there since this check could send the bind elsewhere). */
    if (!(m->host_path = realpath(m->source, NULL)))
        return herr_sys(e, "bind source %s", m->source);
    return 0;
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
        r = prepare_bind(m, e);
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
