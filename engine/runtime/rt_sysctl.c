/* Container sysctls. Most of /proc/sys is global to the host: a container may set only
 * the keys that live in a namespace it has to itself (the rules of runc and docker):
 * net.* in its own network namespace, the System V IPC keys and fs.mqueue.* in its own
 * IPC namespace, kernel.domainname and kernel.hostname in its own UTS namespace. */
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sched.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/runtime/rt_internal.h"
#include "engine/runtime/runtime.h"

static const char *const ipc_keys[] = {
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
    "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};

/* The namespace that holds key (CLONE_NEW*), or 0 when it is the host's alone. */
static int sysctl_ns(const char *key)
{
    if (str_has_prefix(key, "net."))
        return CLONE_NEWNET;
    if (str_has_prefix(key, "fs.mqueue."))
        return CLONE_NEWIPC;
    for (size_t i = 0; i < sizeof(ipc_keys) / sizeof(ipc_keys[0]); i++) {
        if (strcmp(key, ipc_keys[i]) == 0)
            return CLONE_NEWIPC;
    }
    if (strcmp(key, "kernel.domainname") == 0 || strcmp(key, "kernel.hostname") == 0)
        return CLONE_NEWUTS;
    return 0;
}

/* Keys are written with dots (or slashes, as sysctl(8) accepts); each part is a plain
 * name, so the file reached under /proc/sys is the one the key names. */
static bool key_valid(const char *key)
{
    if (!*key || *key == '.' || *key == '/')
        return false;
    for (const char *p = key; *p; p++) {
        bool sep = *p == '.' || *p == '/';
        if (sep && (p[1] == '.' || p[1] == '/' || p[1] == '\0'))
            return false;
        if (!sep && (*p < 0x21 || *p > 0x7e))
            return false;
    }
    return true;
}

int rt_sysctl_check(const char *key, unsigned long own_ns, struct herr *e)
{
    /* "KEY=VALUE" as the command line gives it: the key is what comes before '='. */
    _cleanup_free_ char *name = key ? xstrndup(key, strcspn(key, "=")) : NULL;
    if (!name || !key_valid(name))
        return herr_plain(e, EINVAL, "invalid sysctl key \"%s\"", name ? name : "");
    _cleanup_free_ char *dotted = xstrdup(name);
    for (char *p = dotted; *p; p++) {
        if (*p == '/')
            *p = '.';
    }
    int ns = sysctl_ns(dotted);
    if (!ns)
        return herr_plain(e, EPERM, "sysctl \"%s\" is not in a separate kernel namespace", name);
    /* runc's words, which docker relays. */
    if (!(own_ns & (unsigned long)ns) && ns == CLONE_NEWNET)
        return herr_plain(e, EPERM, "sysctl \"%s\" not allowed in host network namespace", name);
    if (!(own_ns & (unsigned long)ns))
        return herr_plain(e, EPERM, "sysctl \"%s\" is not allowed in the hosts %s namespace", name,
                          rt_ns_name(ns));
    return 0;
}

/* The namespaces the container has to itself: made for it, or joined by a path that is
 * not the runtime's own namespace of that type. */
static unsigned long own_namespaces(const struct rt_nsset *s)
{
    unsigned long own = s->new_flags;
    for (size_t i = 0; i < s->n; i++) {
        const struct rt_ns *ns = &s->ns[i];
        if (ns->fd < 0)
            continue;
        char self[64];
        struct stat a, b;
        snprintf(self, sizeof(self), "/proc/self/ns/%s", rt_ns_name(ns->flag));
        if (fstat(ns->fd, &a) == 0 && stat(self, &b) == 0 &&
            (a.st_ino != b.st_ino || a.st_dev != b.st_dev))
            own |= (unsigned long)ns->flag;
    }
    return own;
}

int rt_sysctl_check_all(const json_t *sysctl, const struct rt_nsset *s, struct herr *e)
{
    if (sysctl && !json_is_object(sysctl))
        return herr_set(e, EINVAL, "linux.sysctl must be an object");
    unsigned long own = own_namespaces(s);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)sysctl, key, v)
    {
        if (!json_is_string(v))
            return herr_set(e, EINVAL, "linux.sysctl \"%s\": the value must be a string", key);
        if (rt_sysctl_check(key, own, e) < 0)
            return -1;
    }
    return 0;
}

/* A procfs of our own, attached nowhere: what the container's root holds (its /proc,
 * symbolic links in its image, mounts a shared volume brings) cannot redirect a write
 * to another file (runc's CVE-2025-52881). The instance shows the namespaces of the
 * process that opens the files: the init's. */
static int private_procfs(struct herr *e)
{
    _cleanup_close_ int fs = (int)syscall(SYS_fsopen, "proc", FSOPEN_CLOEXEC);
    if (fs < 0 || syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return herr_sys(e, "create a procfs instance for sysctls");
    int m = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
                         MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
    if (m < 0)
        return herr_sys(e, "mount a procfs instance for sysctls");
    return m;
}

int rt_sysctl_apply(const json_t *sysctl, struct herr *e)
{
    if (!json_object_size(sysctl))
        return 0;
    _cleanup_close_ int proc = private_procfs(e);
    if (proc < 0)
        return -1;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)sysctl, key, v)
    {
        const char *val = json_string_value(v);
        _cleanup_free_ char *path = xasprintf("sys/%s", key);
        for (char *p = path + 4; *p; p++) {
            if (*p == '.')
                *p = '/';
        }
        struct open_how how = {
            .flags = O_WRONLY | O_TRUNC | O_CLOEXEC,
            .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV,
        };
        _cleanup_close_ int fd = (int)syscall(SYS_openat2, proc, path, &how, sizeof(how));
        struct statfs sf;
        if (fd < 0 || fstatfs(fd, &sf) < 0)
            return herr_sys(e, "sysctl \"%s\"", key);
        if (sf.f_type != PROC_SUPER_MAGIC)
            return herr_set(e, EXDEV, "sysctl \"%s\": not a procfs file", key);
        if (write(fd, val, strlen(val)) < 0)
            return herr_sys(e, "sysctl \"%s\" = \"%s\"", key, val);
    }
    return 0;
}
