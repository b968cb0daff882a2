/* What a container shares with the host or another container, and what it is given of
 * the host: the pid, ipc and uts namespaces (--pid, --ipc, --uts), /dev/shm
 * (--shm-size), device nodes (--device, --device-cgroup-rule), extra groups
 * (--group-add), its cgroup (--cgroup-parent) and the OOM killer (--oom-kill-disable,
 * --oom-score-adj). Validated before anything exists, recorded in HostConfig under
 * docker's names, turned into the OCI config, and namespaces of other containers
 * joined by path at each start. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/container/container.h"
#include "engine/container/ctr_internal.h"
#include "engine/runtime/cgroup.h"

#define SHM_DEFAULT (64LL * 1024 * 1024)

static bool is(const char *s, const char *v)
{
    return s && strcmp(s, v) == 0;
}

/* docker's validDeviceMode: one to three of r, w, m, each once. */
static bool device_perms(const char *s)
{
    if (!*s || strlen(s) > 3)
        return false;
    for (const char *p = s; *p; p++) {
        if (!strchr("rwm", *p) || strchr(p + 1, *p))
            return false;
    }
    return true;
}

struct device {
    char *host, *ctr, *perms;
};

static void device_free(struct device *d)
{
    free(d->host), free(d->ctr), free(d->perms);
}

/* HOST[:CONTAINER][:PERMS], split as docker's parseDevice does. */
static int device_parse(const char *spec, struct device *d, struct herr *e)
{
    *d = (struct device){0};
    /* A CDI name, vendor.com/class=name, is not a path. */
    if (spec[0] != '/' && strchr(spec, '=') && strchr(spec, '/'))
        return herr_plain(e, 0,
                          "device \"%s\": CDI devices are not supported (hoist has no CDI "
                          "registry); give a device node path",
                          spec);
    _cleanup_free_ char *copy = xstrdup(spec);
    char *parts[4] = {copy};
    size_t n = 1;
    for (char *p = copy; *p; p++) {
        if (*p != ':')
            continue;
        if (n == 3)
            return herr_plain(e, 0, "invalid device specification: %s", spec);
        *p = '\0';
        parts[n++] = p + 1;
    }
    const char *perms = n == 3 ? parts[2] : "rwm";
    const char *ctr = parts[0];
    if (n == 2 && device_perms(parts[1]))
        perms = parts[1];
    else if (n >= 2)
        ctr = parts[1];
    if (!device_perms(perms))
        return herr_plain(e, 0, "invalid device specification: %s: bad permissions \"%s\"", spec,
                          perms);
    if (parts[0][0] != '/' || ctr[0] != '/')
        return herr_plain(e, 0, "invalid device specification: %s: paths must be absolute", spec);
    d->host = xstrdup(parts[0]);
    d->ctr = xstrdup(ctr);
    d->perms = xstrdup(perms);
    return 0;
}

/* The host node behind d->host, which must exist and be a device. */
static int device_stat(const struct device *d, struct stat *st, struct herr *e)
{
    if (stat(d->host, st) < 0)
        return herr_sys(e, "error gathering device information while adding custom device \"%s\"",
                        d->host);
    if (!S_ISCHR(st->st_mode) && !S_ISBLK(st->st_mode))
        return herr_plain(e, 0, "error adding custom device \"%s\": not a device node", d->host);
    return 0;
}

/* "TYPE MAJOR:MINOR PERMS" with * for any number, as docker's --device-cgroup-rule. */
static json_t *cgroup_rule(const char *s, struct herr *e)
{
    char type, maj[16], min[16], perms[8];
    int end = 0;
    if (sscanf(s, "%c %15[0-9*]:%15[0-9*] %7s%n", &type, maj, min, perms, &end) != 4 || s[end] ||
        !strchr("abc", type) || !device_perms(perms)) {
        herr_plain(e, 0, "invalid device cgroup rule \"%s\" (expected \"c|b|a MAJOR:MINOR rwm\")",
                   s);
        return NULL;
    }
    json_t *r = json_pack("{s:b,s:s#,s:s}", "allow", 1, "type", &type, (size_t)1, "access", perms);
    if (strcmp(maj, "*") != 0)
        json_object_set_new(r, "major", json_integer(atoll(maj)));
    if (strcmp(min, "*") != 0)
        json_object_set_new(r, "minor", json_integer(atoll(min)));
    return r;
}

static int check_mode(const char *flag, const char *v, const char *const *ok, bool container,
                      struct herr *e)
{
    if (!v)
        return 0;
    for (size_t i = 0; ok[i]; i++) {
        if (strcmp(v, ok[i]) == 0)
            return 0;
    }
    if (container && str_has_prefix(v, "container:") && v[10])
        return 0;
    return herr_plain(e, 0, "invalid %s mode \"%s\"", flag, v);
}

int ctr_host_validate(const struct ctr_opts *o, char ***warnings, struct herr *e)
{
    static const char *const pid_ok[] = {"", "host", NULL};
    static const char *const ipc_ok[] = {"", "none", "private", "shareable", "host", NULL};
    static const char *const uts_ok[] = {"", "host", NULL};
    if (check_mode("PID", o->pid, pid_ok, true, e) < 0 ||
        check_mode("IPC", o->ipc, ipc_ok, true, e) < 0 ||
        check_mode("UTS", o->uts, uts_ok, false, e) < 0)
        return -1;
    if (is(o->uts, "host") && o->hostname)
        return herr_plain(e, 0, "conflicting options: hostname and the UTS mode");
    if (o->shm_size < 0)
        return herr_plain(e, 0, "SHM size can not be less than 0");
    if (o->oom_score_adj < -1000 || o->oom_score_adj > 1000)
        return herr_plain(e, 0, "invalid value %d, range for oom score adj is [-1000, 1000]",
                          o->oom_score_adj);
    if (o->cgroup_parent && (!*o->cgroup_parent || strstr(o->cgroup_parent, "..")))
        return herr_plain(e, 0, "invalid cgroup parent \"%s\"", o->cgroup_parent);
    for (char **g = o->group_add; g && *g; g++) {
        if (!**g || strchr(*g, ':'))
            return herr_plain(e, 0, "invalid group \"%s\" for --group-add", *g);
    }
    for (char **d = o->devices; d && *d; d++) {
        struct device dv;
        struct stat st;
        int r = device_parse(*d, &dv, e);
        if (r == 0)
            r = device_stat(&dv, &st, e);
        device_free(&dv);
        if (r < 0)
            return -1;
    }
    for (char **r = o->device_cgroup_rules; r && *r; r++) {
        json_t *j = cgroup_rule(*r, e);
        if (!j)
            return -1;
        json_decref(j);
    }
    if (o->oom_kill_disable) {
        enum cg_mode mode;
        if (cg_detect("/sys/fs/cgroup", &mode, e) < 0)
            return -1;
        /* cgroup v2 has no switch for it: docker warns and discards the option. */
        if (mode == CG_MODE_V2)
            strv_push(warnings,
                      xstrdup("Your kernel does not support OomKillDisable. OomKillDisable "
                              "discarded."));
        else if (!o->memory)
            strv_push(warnings, xstrdup("OOM killer is disabled for the container, but no "
                                        "memory limit is set, this can result in the system "
                                        "running out of resources."));
    }
    return 0;
}

/* "container:REF" with REF resolved to a full id. */
static int container_mode(const struct ctr_ctx *c, const char *what, const char *v, char **out,
                          struct herr *e)
{
    if (!str_has_prefix(v, "container:")) {
        *out = xstrdup(v);
        return 0;
    }
    _cleanup_free_ char *id = NULL;
    if (ctr_resolve(c, v + 10, &id, e) < 0)
        return herr_wrap(e, "%s mode %s", what, v);
    *out = xasprintf("container:%s", id);
    return 0;
}

int ctr_host_record(const struct ctr_ctx *c, const struct ctr_opts *o, json_t *hc, struct herr *e)
{
    _cleanup_free_ char *pid = NULL, *ipc = NULL;
    if (container_mode(c, "PID", o->pid ? o->pid : "", &pid, e) < 0 ||
        container_mode(c, "IPC", o->ipc && *o->ipc ? o->ipc : "private", &ipc, e) < 0)
        return -1;
    json_t *devs = json_array();
    json_object_set_new(hc, "Devices", devs);
    for (char **d = o->devices; d && *d; d++) {
        struct device dv;
        if (device_parse(*d, &dv, e) < 0)
            return -1;
        json_array_append_new(devs,
                              json_pack("{s:s,s:s,s:s}", "PathOnHost", dv.host, "PathInContainer",
                                        dv.ctr, "CgroupPermissions", dv.perms));
        device_free(&dv);
    }
    enum cg_mode mode = CG_MODE_V1;
    if (o->oom_kill_disable && cg_detect("/sys/fs/cgroup", &mode, e) < 0)
        return -1;
    json_object_set_new(hc, "PidMode", json_string(pid));
    json_object_set_new(hc, "IpcMode", json_string(ipc));
    json_object_set_new(hc, "UTSMode", json_string(o->uts ? o->uts : ""));
    json_object_set_new(hc, "ShmSize", json_integer(o->shm_size ? o->shm_size : SHM_DEFAULT));
    json_object_set_new(hc, "CgroupParent", json_string(o->cgroup_parent ? o->cgroup_parent : ""));
    json_object_set_new(hc, "OomKillDisable",
                        json_boolean(o->oom_kill_disable && mode != CG_MODE_V2));
    json_object_set_new(hc, "OomScoreAdj", json_integer(o->oom_score_adj));
    json_object_set_new(hc, "GroupAdd", hj_from_strv(o->group_add));
    json_object_set_new(hc, "DeviceCgroupRules", hj_from_strv(o->device_cgroup_rules));
    return 0;
}

int ctr_host_groups(int rootfd, const json_t *hc, struct ctr_user *u, struct herr *e)
{
    size_t i;
    const json_t *g;
    json_array_foreach(json_object_get(hc, "GroupAdd"), i, g)
    {
        gid_t gid;
        if (ctr_group_lookup(rootfd, json_string_value(g), &gid, e) < 0)
            return -1;
        bool have = gid == u->gid;
        for (int k = 0; k < u->ngroups; k++)
            have = have || u->groups[k] == gid;
        if (have)
            continue;
        if (u->ngroups >= (int)(sizeof(u->groups) / sizeof(u->groups[0])))
            return herr_plain(e, 0, "too many supplementary groups");
        u->groups[u->ngroups++] = gid;
    }
    return 0;
}

bool ctr_host_ns_own(const json_t *hc, const char *type)
{
    const char *key = strcmp(type, "pid") == 0   ? "PidMode"
                      : strcmp(type, "ipc") == 0 ? "IpcMode"
                                                 : "UTSMode";
    return !is(hj_str(hc, key), "host");
}

char *ctr_cgroup_path(const struct ctr_ctx *c, const json_t *rec)
{
    const char *p = hj_str(json_object_get(rec, "HostConfig"), "CgroupParent");
    if (!p || !*p)
        p = c->cgroup_parent;
    while (*p == '/')
        p++;
    return xasprintf("/%s%s%s", p, *p ? "/" : "", hj_str(rec, "Id"));
}

static char *shm_dir(const struct ctr_ctx *c, const char *id)
{
    _cleanup_free_ char *run = ctr_run_dir(c, id);
    return xasprintf("%s/shm", run);
}

json_t *ctr_host_shm_mount(const struct ctr_ctx *c, const json_t *rec)
{
    const json_t *hc = json_object_get(rec, "HostConfig");
    const char *ipc = hj_str(hc, "IpcMode");
    if (is(ipc, "none"))
        return NULL;
    _cleanup_free_ char *src = NULL;
    if (is(ipc, "host"))
        src = xstrdup("/dev/shm");
    else if (is(ipc, "shareable"))
        src = shm_dir(c, hj_str(rec, "Id"));
    else if (str_has_prefix(ipc, "container:"))
        src = shm_dir(c, ipc + 10);
    if (src)
        return json_pack("{s:s,s:s,s:s,s:[s,s]}", "destination", "/dev/shm", "type", "bind",
                         "source", src, "options", "rbind", "rprivate");
    long long size = hj_int(hc, "ShmSize", 0);
    _cleanup_free_ char *opts = xasprintf("size=%lld", size > 0 ? size : SHM_DEFAULT);
    return json_pack("{s:s,s:s,s:s,s:[s,s,s,s,s]}", "destination", "/dev/shm", "type", "tmpfs",
                     "source", "shm", "options", "nosuid", "noexec", "nodev", "mode=1777", opts);
}

/* linux.devices and the device cgroup's allow rules for --device and
 * --device-cgroup-rule; the nodes were checked at create and are read again here. */
static int devices_spec(const json_t *hc, json_t *lx, struct herr *e)
{
    json_t *res = json_object_get(lx, "resources");
    json_t *rules = json_object_get(res, "devices");
    size_t i;
    const json_t *d;
    json_array_foreach(json_object_get(hc, "DeviceCgroupRules"), i, d)
    {
        json_t *r = cgroup_rule(json_string_value(d), e);
        if (!r)
            return -1;
        json_array_append_new(rules, r);
    }
    if (!json_array_size(json_object_get(hc, "Devices")))
        return 0;
    json_t *nodes = json_object_get(lx, "devices");
    if (!nodes) {
        nodes = json_array();
        json_object_set_new(lx, "devices", nodes);
    }
    json_array_foreach(json_object_get(hc, "Devices"), i, d)
    {
        struct device dv = {.host = (char *)hj_str(d, "PathOnHost")};
        struct stat st;
        if (device_stat(&dv, &st, e) < 0)
            return -1;
        const char *type = S_ISCHR(st.st_mode) ? "c" : "b";
        json_int_t maj = (json_int_t)major(st.st_rdev), min = (json_int_t)minor(st.st_rdev);
        json_array_append_new(nodes,
                              json_pack("{s:s,s:s,s:I,s:I,s:i,s:i,s:i}", "path",
                                        hj_str(d, "PathInContainer"), "type", type, "major", maj,
                                        "minor", min, "fileMode", (int)(st.st_mode & 0777), "uid",
                                        (int)st.st_uid, "gid", (int)st.st_gid));
        json_array_append_new(rules, json_pack("{s:b,s:s,s:I,s:I,s:s}", "allow", 1, "type", type,
                                               "major", maj, "minor", min, "access",
                                               hj_str(d, "CgroupPermissions")));
    }
    return 0;
}

int ctr_host_spec(const json_t *rec, json_t *spec, struct herr *e)
{
    const json_t *hc = json_object_get(rec, "HostConfig");
    json_t *lx = json_object_get(spec, "linux");
    if (devices_spec(hc, lx, e) < 0)
        return -1;
    if (hj_bool(hc, "OomKillDisable", false)) {
        json_t *res = json_object_get(lx, "resources");
        json_t *mem = json_object_get(res, "memory");
        if (!mem) {
            mem = json_object();
            json_object_set_new(res, "memory", mem);
        }
        json_object_set_new(mem, "disableOOMKiller", json_true());
    }
    long long adj = hj_int(hc, "OomScoreAdj", 0);
    if (adj)
        json_object_set_new(json_object_get(spec, "process"), "oomScoreAdj", json_integer(adj));
    return 0;
}

/* The running container's init pid, for joining its namespaces. */
static int target_pid(const struct ctr_ctx *c, const char *what, const char *id, json_t **rec,
                      pid_t *pid, struct herr *e)
{
    *rec = ctr_inspect(c, id, e);
    if (!*rec)
        return herr_wrap(e, "%s mode container:%s", what, id);
    *pid = (pid_t)hj_int(json_object_get(*rec, "State"), "Pid", 0);
    if (strcmp(ctr_status(*rec), "running") != 0 || *pid <= 0)
        return herr_plain(e, 0, "cannot join the %s namespace of container %s: it is not running",
                          what, hj_str(*rec, "Name") + 1);
    return 0;
}

static void set_ns_path(json_t *spec, const char *type, pid_t pid)
{
    _cleanup_free_ char *path =
        xasprintf("/proc/%d/ns/%s", (int)pid, strcmp(type, "network") == 0 ? "net" : type);
    size_t i;
    json_t *ns;
    json_array_foreach(hj_path(spec, "linux.namespaces"), i, ns)
    {
        if (is(hj_str(ns, "type"), type))
            json_object_set_new(ns, "path", json_string(path));
    }
}

static int mount_shm(const struct ctr_ctx *c, const json_t *rec, struct herr *e)
{
    _cleanup_free_ char *dir = shm_dir(c, hj_str(rec, "Id"));
    if (fs_mkdir_p(dir, 0700, e) < 0)
        return -1;
    struct stat a, b;
    _cleanup_free_ char *parent = xasprintf("%s/..", dir);
    if (stat(dir, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev)
        return 0;
    long long size = hj_int(json_object_get(rec, "HostConfig"), "ShmSize", 0);
    _cleanup_free_ char *opts = xasprintf("mode=1777,size=%lld", size > 0 ? size : SHM_DEFAULT);
    if (mount("shm", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0)
        return herr_sys(e, "mount the shareable /dev/shm of container %s", hj_str(rec, "Id"));
    return 0;
}

int ctr_host_before_start(const struct ctr_ctx *c, const json_t *rec, struct herr *e)
{
    const json_t *hc = json_object_get(rec, "HostConfig");
    const char *pid = hj_str(hc, "PidMode"), *ipc = hj_str(hc, "IpcMode");
    if (is(ipc, "shareable") && mount_shm(c, rec, e) < 0)
        return -1;
    bool join_pid = str_has_prefix(pid, "container:"), join_ipc = str_has_prefix(ipc, "container:");
    if (!join_pid && !join_ipc)
        return 0;
    _cleanup_json_ json_t *spec = NULL;
    _cleanup_close_ int bfd = ctr_bundle_load(c, hj_str(rec, "Id"), &spec, e);
    if (bfd < 0)
        return -1;
    pid_t tp;
    if (join_pid) {
        _cleanup_json_ json_t *other = NULL;
        if (target_pid(c, "pid", pid + 10, &other, &tp, e) < 0)
            return -1;
        set_ns_path(spec, "pid", tp);
    }
    if (join_ipc) {
        _cleanup_json_ json_t *other = NULL;
        if (target_pid(c, "ipc", ipc + 10, &other, &tp, e) < 0)
            return -1;
        if (!is(hj_str(json_object_get(other, "HostConfig"), "IpcMode"), "shareable"))
            return herr_plain(e, 0,
                              "cannot join the IPC namespace of container %s: it is not "
                              "shareable (hint: give it ipc: shareable / --ipc shareable)",
                              hj_str(other, "Name") + 1);
        set_ns_path(spec, "ipc", tp);
    }
    return hj_write_atomic(bfd, "config.json", spec, false, e);
}

void ctr_host_umount(const struct ctr_ctx *c, const char *id)
{
    _cleanup_free_ char *dir = shm_dir(c, id);
    umount2(dir, MNT_DETACH);
    rmdir(dir);
}
