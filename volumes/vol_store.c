/* The volume store: <root>/volumes/<name>/{_data,meta.json}. A volume appears by renaming
 * a fully built temporary directory into place and disappears by renaming it away
 * before deletion, so readers never see half a volume. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/lock.h"
#include "common/str.h"
#include "volumes/vol_internal.h"
#include "volumes/volumes.h"

char *vol_store_dir(const char *root)
{
    return xasprintf("%s/volumes", root);
}

char *vol_data_dir(const char *root, const char *name)
{
    return xasprintf("%s/volumes/%s/_data", root, name);
}

int vol_lock(const char *root, struct herr *e)
{
    _cleanup_free_ char *dir = vol_store_dir(root);
    if (fs_mkdir_p(dir, 0700, e) < 0)
        return -1;
    _cleanup_free_ char *path = xasprintf("%s/.lock", dir);
    return lock_take(path, e);
}

int vol_name_check(const char *name, struct herr *e)
{
    size_t n = strlen(name);
    bool ok = n >= 2 && n <= NAME_MAX;
    for (size_t i = 0; ok && i < n; i++) {
        char c = name[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        ok = alnum || (i > 0 && (c == '_' || c == '.' || c == '-'));
    }
    if (!ok)
        return herr_set(e, EINVAL,
                        "invalid volume name \"%s\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, "
                        "at least two characters",
                        name);
    return 0;
}

json_t *vol_meta_load(const char *root, const char *name, struct herr *e)
{
    if (vol_name_check(name, e) < 0)
        return NULL;
    _cleanup_free_ char *path = xasprintf("%s/volumes/%s/meta.json", root, name);
    struct herr le = {0};
    json_t *j = hj_load_file(AT_FDCWD, path, &le);
    if (!j) {
        if (le.errnum == ENOENT)
            herr_plain(e, ENOENT, "no such volume: %s", name);
        else
            herr_set(e, le.errnum, "volume %s: %s", name, le.msg);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        herr_set(e, EINVAL, "volume %s: meta.json is not an object", name);
        return NULL;
    }
    return j;
}

int vol_meta_save(const char *root, const char *name, const json_t *meta, struct herr *e)
{
    _cleanup_free_ char *path = xasprintf("%s/volumes/%s/meta.json", root, name);
    if (hj_write_atomic(AT_FDCWD, path, meta, true, e) < 0)
        return herr_wrap(e, "volume %s", name);
    return 0;
}

bool vol_is_mountpoint(const char *path)
{
    struct statx stx;
    if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0)
        return false;
    return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
           (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

/* K=V list into an object; a bare K gets "". */
static json_t *kv_object(char **kv, const char *what, struct herr *e)
{
    json_t *o = json_object();
    for (char **p = kv; p && *p; p++) {
        const char *eq = strchr(*p, '=');
        _cleanup_free_ char *k = eq ? xstrndup(*p, (size_t)(eq - *p)) : xstrdup(*p);
        if (!*k) {
            json_decref(o);
            herr_set(e, EINVAL, "invalid %s \"%s\": the key is empty", what, *p);
            return NULL;
        }
        json_object_set_new(o, k, json_string(eq ? eq + 1 : ""));
    }
    return o;
}

/* The local driver understands type, o and device, as docker's does. */
static int check_options(const json_t *opts, struct herr *e)
{
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)opts, k, v)
    {
        if (strcmp(k, "type") != 0 && strcmp(k, "o") != 0 && strcmp(k, "device") != 0)
            return herr_set(e, EINVAL,
                            "invalid option \"%s\" for the local volume driver (type, o, device)",
                            k);
        if (!*json_string_value(v))
            return herr_set(e, EINVAL, "volume option \"%s\" has an empty value", k);
    }
    if (json_object_size(opts) == 0)
        return 0;
    const char *type = hj_str(opts, "type"), *o = hj_str(opts, "o"), *dev = hj_str(opts, "device");
    bool bind = false;
    if (o) {
        _cleanup_free_ char *copy = xstrdup(o);
        char *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
            bind |= strcmp(t, "bind") == 0 || strcmp(t, "rbind") == 0;
    }
    if (!type && !bind)
        return herr_set(e, EINVAL, "volume options need type= (or o=bind with device=)");
    if (!dev && !(type && strcmp(type, "tmpfs") == 0))
        return herr_set(e, EINVAL, "volume options need device= for type %s", bind ? "bind" : type);
    if (bind && dev[0] != '/')
        return herr_set(e, EINVAL, "volume option device=%s must be an absolute path for o=bind",
                        dev);
    return 0;
}

static char *now_rfc3339(void)
{
    char buf[64];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return xstrdup(buf);
}

static int build_new(const char *root, const char *name, json_t *meta, struct herr *e)
{
    _cleanup_free_ char *dir = vol_store_dir(root);
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return herr_sys(e, "open %s", dir);
    char real[PATH_MAX];
    if (!realpath(dir, real))
        return herr_sys(e, "resolve %s", dir);
    char hex[17];
    if (str_random_hex(hex, 16) < 0)
        return herr_sys(e, "random name");
    _cleanup_free_ char *tmp = xasprintf(".new-%s", hex);
    _cleanup_free_ char *data = xasprintf("%s/_data", tmp);
    _cleanup_free_ char *mp = xasprintf("%s/%s/_data", real, name);
    _cleanup_free_ char *mpath = xasprintf("%s/meta.json", tmp);
    json_object_set_new(meta, "Mountpoint", json_string(mp));
    if (mkdirat(dfd, tmp, 0700) < 0)
        return herr_sys(e, "create volume %s", name);
    int r = -1;
    if (mkdirat(dfd, data, 0755) < 0) {
        herr_sys(e, "create volume %s", name);
        goto out;
    }
    if (hj_write_atomic(dfd, mpath, meta, true, e) < 0) {
        herr_wrap(e, "create volume %s", name);
        goto out;
    }
    if (renameat2(dfd, tmp, dfd, name, RENAME_NOREPLACE) < 0) {
        herr_sys(e, "create volume %s", name);
        goto out;
    }
    r = 0;
out:
    if (r < 0)
        fs_rm_rf_at(dfd, tmp, NULL);
    return r;
}

int vol_create(const char *root, const char *name, const struct vol_create_opts *o, char **name_out,
               bool *created, struct herr *e)
{
    char anon[65];
    if (name) {
        if (vol_name_check(name, e) < 0)
            return -1;
    } else {
        if (str_random_hex(anon, 64) < 0)
            return herr_sys(e, "random volume name");
        name = anon;
    }
    if (o->driver && strcmp(o->driver, "local") != 0)
        return herr_set(e, EINVAL, "volume %s: driver \"%s\" is not supported (only local)", name,
                        o->driver);
    _cleanup_json_ json_t *labels = kv_object(o->labels, "label", e);
    if (!labels)
        return -1;
    _cleanup_json_ json_t *opts = kv_object(o->options, "volume option", e);
    if (!opts || check_options(opts, e) < 0)
        return herr_wrap(e, "volume %s", name);
    if (name == anon)
        json_object_set_new(labels, VOL_ANON_LABEL, json_string(""));

    _cleanup_close_ int lock = vol_lock(root, e);
    if (lock < 0)
        return -1;
    struct herr le = {0};
    _cleanup_json_ json_t *old = vol_meta_load(root, name, &le);
    if (old) {
        const char *drv = hj_str(old, "Driver");
        if (drv && strcmp(drv, "local") != 0)
            return herr_set(e, EEXIST, "volume %s already exists with driver %s", name, drv);
        json_t *oldopts = json_object_get(old, "Options");
        /* No options means "this volume, whatever it is", as a -v NAME:/path does. */
        if (json_object_size(opts) > 0 && !json_equal(oldopts, opts))
            return herr_set(e, EEXIST, "volume %s already exists with different options", name);
        if (name_out)
            *name_out = xstrdup(name);
        if (created)
            *created = false;
        return 0;
    }
    if (le.errnum != ENOENT) {
        *e = le;
        return -1;
    }
    _cleanup_free_ char *ts = now_rfc3339();
    _cleanup_json_ json_t *meta =
        json_pack("{s:s,s:s,s:O,s:s,s:s,s:O,s:s}", "CreatedAt", ts, "Driver", "local", "Labels",
                  labels, "Mountpoint", "", "Name", name, "Options", opts, "Scope", "local");
    if (build_new(root, name, meta, e) < 0)
        return -1;
    if (name_out)
        *name_out = xstrdup(name);
    if (created)
        *created = true;
    return 0;
}

json_t *vol_inspect(const char *root, const char *name, struct herr *e)
{
    json_t *j = vol_meta_load(root, name, e);
    if (j)
        json_object_del(j, VOL_META_COPIED);
    return j;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int vol_list(const char *root, char ***names, struct herr *e)
{
    *names = xcalloc(1, sizeof(char *));
    _cleanup_free_ char *dir = vol_store_dir(root);
    _cleanup_dir_ DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : herr_sys(e, "list volumes in %s", dir);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (vol_name_check(de->d_name, NULL) < 0)
            continue;
        _cleanup_free_ char *meta = xasprintf("%s/meta.json", de->d_name);
        if (faccessat(dirfd(d), meta, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
            strv_push(names, xstrdup(de->d_name));
    }
    qsort(*names, strv_len(*names), sizeof(char *), cmp_str);
    return 0;
}

static bool record_uses(const json_t *rec, const char *name)
{
    const json_t *m;
    size_t i;
    json_array_foreach(json_object_get(rec, "Mounts"), i, m)
    {
        const char *type = hj_str(m, "Type"), *n = hj_str(m, "Name");
        if (type && n && strcmp(type, "volume") == 0 && strcmp(n, name) == 0)
            return true;
    }
    return false;
}

int vol_users(const char *root, const char *name, char ***ids, struct herr *e)
{
    *ids = xcalloc(1, sizeof(char *));
    _cleanup_free_ char *dir = xasprintf("%s/containers", root);
    _cleanup_dir_ DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : herr_sys(e, "list containers in %s", dir);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        _cleanup_free_ char *path = xasprintf("%s/config.json", de->d_name);
        _cleanup_json_ json_t *rec = hj_load_file(dirfd(d), path, NULL);
        if (rec && record_uses(rec, name))
            strv_push(ids, xstrdup(de->d_name));
    }
    qsort(*ids, strv_len(*ids), sizeof(char *), cmp_str);
    return 0;
}

static int unmount_locked(const char *root, const char *name, struct herr *e)
{
    _cleanup_free_ char *data = vol_data_dir(root, name);
    if (!vol_is_mountpoint(data))
        return 0;
    /* Detached so a container still holding it keeps working until it exits. */
    if (umount2(data, MNT_DETACH) < 0)
        return herr_sys(e, "volume %s: unmount %s", name, data);
    return 0;
}

int vol_remove(const char *root, const char *name, struct herr *e)
{
    _cleanup_close_ int lock = vol_lock(root, e);
    if (lock < 0)
        return -1;
    _cleanup_json_ json_t *meta = vol_meta_load(root, name, e);
    if (!meta)
        return -1;
    _cleanup_strv_ char **ids = NULL;
    if (vol_users(root, name, &ids, e) < 0)
        return -1;
    if (ids[0]) {
        char list[512] = "";
        for (char **p = ids; *p; p++) {
            size_t l = strlen(list);
            snprintf(list + l, sizeof(list) - l, "%s%.12s", p == ids ? "" : ", ", *p);
        }
        return herr_set(e, EBUSY, "remove %s: volume is in use - [%s]", name, list);
    }
    if (unmount_locked(root, name, e) < 0)
        return -1;
    _cleanup_free_ char *dir = vol_store_dir(root);
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return herr_sys(e, "open %s", dir);
    char hex[17];
    if (str_random_hex(hex, 16) < 0)
        return herr_sys(e, "random name");
    _cleanup_free_ char *gone = xasprintf(".rm-%s", hex);
    if (renameat(dfd, name, dfd, gone) < 0)
        return herr_sys(e, "remove volume %s", name);
    if (fs_rm_rf_at(dfd, gone, e) < 0)
        return herr_wrap(e, "remove volume %s", name);
    return 0;
}

/* Split the local driver's o= into mount flags and the filesystem's own data. */
static char *mount_flags(const char *o, unsigned long *flags)
{
    static const struct {
        const char *name;
        unsigned long set, clear;
    } known[] = {
        {"ro", MS_RDONLY, 0},         {"rw", 0, MS_RDONLY},
        {"nosuid", MS_NOSUID, 0},     {"suid", 0, MS_NOSUID},
        {"nodev", MS_NODEV, 0},       {"dev", 0, MS_NODEV},
        {"noexec", MS_NOEXEC, 0},     {"exec", 0, MS_NOEXEC},
        {"sync", MS_SYNCHRONOUS, 0},  {"async", 0, MS_SYNCHRONOUS},
        {"noatime", MS_NOATIME, 0},   {"nodiratime", MS_NODIRATIME, 0},
        {"relatime", MS_RELATIME, 0}, {"strictatime", MS_STRICTATIME, 0},
        {"bind", MS_BIND, 0},         {"rbind", MS_BIND | MS_REC, 0},
    };
    *flags = 0;
    char *data = xstrdup("");
    _cleanup_free_ char *copy = xstrdup(o ? o : "");
    char *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        size_t i;
        for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
            if (strcmp(t, known[i].name) == 0) {
                *flags = (*flags | known[i].set) & ~known[i].clear;
                break;
            }
        }
        if (i == sizeof(known) / sizeof(known[0])) {
            char *n = xasprintf("%s%s%s", data, *data ? "," : "", t);
            free(data);
            data = n;
        }
    }
    return data;
}

int vol_mount(const char *root, const char *name, struct herr *e)
{
    _cleanup_close_ int lock = vol_lock(root, e);
    if (lock < 0)
        return -1;
    _cleanup_json_ json_t *meta = vol_meta_load(root, name, e);
    if (!meta)
        return -1;
    json_t *opts = json_object_get(meta, "Options");
    if (json_object_size(opts) == 0)
        return 0;
    _cleanup_free_ char *target = vol_data_dir(root, name);
    if (vol_is_mountpoint(target))
        return 0;
    const char *type = hj_str(opts, "type"), *dev = hj_str(opts, "device");
    unsigned long flags;
    _cleanup_free_ char *data = mount_flags(hj_str(opts, "o"), &flags);
    if (!dev)
        dev = type;
    if (flags & MS_BIND) {
        if (mount(dev, target, NULL, flags & (MS_BIND | MS_REC), NULL) < 0)
            return herr_sys(e, "volume %s: bind %s", name, dev);
        unsigned long rest = flags & ~(MS_BIND | MS_REC);
        if (rest && mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | rest, NULL) < 0) {
            herr_sys(e, "volume %s: remount %s", name, dev);
            umount2(target, MNT_DETACH);
            return -1;
        }
        return 0;
    }
    if (mount(dev, target, type, flags, *data ? data : NULL) < 0)
        return herr_sys(e, "volume %s: mount %s (type %s, options \"%s\")", name, dev, type, data);
    return 0;
}

int vol_unmount(const char *root, const char *name, struct herr *e)
{
    if (vol_name_check(name, e) < 0)
        return -1;
    _cleanup_close_ int lock = vol_lock(root, e);
    if (lock < 0)
        return -1;
    return unmount_locked(root, name, e);
}

static long long tree_size(int dfd, dev_t dev, int depth)
{
    int dupfd = fcntl(dfd, F_DUPFD_CLOEXEC, 0);
    if (dupfd < 0)
        return 0;
    _cleanup_dir_ DIR *d = fdopendir(dupfd);
    if (!d) {
        close(dupfd);
        return 0;
    }
    long long sum = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        struct stat st;
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
            fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev)
            continue;
        if (S_ISDIR(st.st_mode) && depth < 256) {
            _cleanup_close_ int sub =
                openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0)
                sum += tree_size(sub, dev, depth + 1);
        } else if (S_ISREG(st.st_mode)) {
            /* Shared among n links: each counts its part, so the total counts it once. */
            sum += st.st_size / (long long)(st.st_nlink ? st.st_nlink : 1);
        }
    }
    return sum;
}

int vol_size(const char *root, const char *name, long long *bytes, struct herr *e)
{
    if (vol_name_check(name, e) < 0)
        return -1;
    _cleanup_free_ char *data = vol_data_dir(root, name);
    _cleanup_close_ int fd = open(data, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        return herr_sys(e, "volume %s: open %s", name, data);
    *bytes = tree_size(fd, st.st_dev, 0);
    return 0;
}
