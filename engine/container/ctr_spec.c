/* The OCI runtime config of a container: Docker's defaults plus the record's options. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/container/container.h"
#include "engine/container/ctr_internal.h"
#include "engine/runtime/cgroup.h"
#include "engine/runtime/runtime.h"
#include "engine/runtime/seccomp.h"

const char *const ctr_all_caps[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
    NULL,
};

const char *ctr_cap_normalize(const char *name, char *buf, size_t len)
{
    if (strcasecmp(name, "ALL") == 0)
        return "ALL";
    snprintf(buf, len, "%s%s", strncasecmp(name, "CAP_", 4) == 0 ? "" : "CAP_", name);
    for (char *p = buf; *p; p++)
        *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    for (size_t i = 0; ctr_all_caps[i]; i++) {
        if (strcmp(ctr_all_caps[i], buf) == 0)
            return buf;
    }
    return NULL;
}

static bool strv_has(char *const *v, const char *s)
{
    for (; v && *v; v++) {
        if (strcmp(*v, s) == 0)
            return true;
    }
    return false;
}

/* Docker's order: start from the defaults (or all), drop, then add. */
static char **effective_caps(const json_t *hc)
{
    _cleanup_strv_ char **add = NULL, **drop = NULL;
    char buf[64];
    const json_t *v;
    size_t i;
    json_array_foreach(json_object_get(hc, "CapAdd"), i, v)
    {
        const char *n = ctr_cap_normalize(json_string_value(v), buf, sizeof(buf));
        if (n)
            strv_push(&add, xstrdup(n));
    }
    json_array_foreach(json_object_get(hc, "CapDrop"), i, v)
    {
        const char *n = ctr_cap_normalize(json_string_value(v), buf, sizeof(buf));
        if (n)
            strv_push(&drop, xstrdup(n));
    }
    bool all = hj_bool(hc, "Privileged", false) || strv_has(add, "ALL");
    char **caps = xcalloc(1, sizeof(char *));
    const char *const *base = all ? ctr_all_caps : (const char *const *)rt_docker_caps;
    bool drop_all = strv_has(drop, "ALL");
    for (i = 0; base[i]; i++) {
        /* "All" is what this process may grant: its bounding set can be narrower. */
        if (all && prctl(PR_CAPBSET_READ, (unsigned long)i, 0, 0, 0) != 1)
            continue;
        if (!drop_all && !strv_has(drop, base[i]))
            strv_push(&caps, xstrdup(base[i]));
    }
    for (char **a = add; a && *a; a++) {
        if (strcmp(*a, "ALL") != 0 && !strv_has(caps, *a))
            strv_push(&caps, xstrdup(*a));
    }
    return caps;
}

static json_t *mount(const char *dst, const char *type, const char *src, const char *opts)
{
    json_t *o = json_array();
    _cleanup_free_ char *copy = xstrdup(opts);
    char *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
        json_array_append_new(o, json_string(t));
    return json_pack("{s:s,s:s,s:s,s:o}", "destination", dst, "type", type, "source", src,
                     "options", o);
}

/* --privileged sees the host's device nodes (top level of /dev, as a useful subset). */
static json_t *host_devices(void)
{
    json_t *a = json_array();
    _cleanup_dir_ DIR *d = opendir("/dev");
    struct dirent *de;
    while (d && (de = readdir(d))) {
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
            continue;
        if (strcmp(de->d_name, "console") == 0 || strcmp(de->d_name, "ptmx") == 0 ||
            strncmp(de->d_name, "tty", 3) == 0)
            continue;
        _cleanup_free_ char *path = xasprintf("/dev/%s", de->d_name);
        json_array_append_new(a, json_pack("{s:s,s:s,s:I,s:I,s:i,s:i,s:i}", "path", path, "type",
                                           S_ISCHR(st.st_mode) ? "c" : "b", "major",
                                           (json_int_t)major(st.st_rdev), "minor",
                                           (json_int_t)minor(st.st_rdev), "fileMode",
                                           (int)(st.st_mode & 07777), "uid", 0, "gid", 0));
    }
    return a;
}

static json_t *resources(const json_t *hc)
{
    json_t *devs = hj_bool(hc, "Privileged", false)
                       ? json_pack("[{s:b,s:s}]", "allow", 1, "access", "rwm")
                       : rt_docker_device_rules();
    json_t *r = json_pack("{s:o}", "devices", devs);
    long long mem = hj_int(hc, "Memory", 0), swap = hj_int(hc, "MemorySwap", 0);
    if (mem > 0) {
        json_t *m = json_pack("{s:I}", "limit", (json_int_t)mem);
        if (swap != 0)
            json_object_set_new(m, "swap", json_integer(swap));
        json_object_set_new(r, "memory", m);
    }
    long long shares = hj_int(hc, "CpuShares", 0), nano = hj_int(hc, "NanoCpus", 0);
    if (shares > 0 || nano > 0) {
        json_t *cpu = json_object();
        if (shares > 0)
            json_object_set_new(cpu, "shares", json_integer(shares));
        if (nano > 0) {
            json_object_set_new(cpu, "period", json_integer(100000));
            json_object_set_new(cpu, "quota", json_integer(nano / 10000));
        }
        json_object_set_new(r, "cpu", cpu);
    }
    long long pids = hj_int(hc, "PidsLimit", 0);
    if (pids != 0)
        json_object_set_new(r, "pids", json_pack("{s:I}", "limit", (json_int_t)pids));
    return r;
}

static json_t *rlimits(const json_t *hc)
{
    json_t *a = json_array();
    const json_t *u;
    size_t i;
    json_array_foreach(json_object_get(hc, "Ulimits"), i, u)
    {
        _cleanup_free_ char *type = xasprintf("RLIMIT_%s", hj_str(u, "Name"));
        for (char *p = type; *p; p++)
            *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
        json_array_append_new(a, json_pack("{s:s,s:I,s:I}", "type", type, "soft",
                                           (json_int_t)hj_int(u, "Soft", 0), "hard",
                                           (json_int_t)hj_int(u, "Hard", 0)));
    }
    return a;
}

static json_t *mounts(const struct ctr_ctx *c, const json_t *rec, const char *ctrdir,
                      bool privileged)
{
    json_t *a = json_array();
    json_array_append_new(a, mount("/proc", "proc", "proc", "nosuid,noexec,nodev"));
    json_array_append_new(
        a, mount("/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k"));
    json_array_append_new(a, mount("/dev/pts", "devpts", "devpts",
                                   "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5"));
    json_array_append_new(a,
                          mount("/sys", "sysfs", "sysfs",
                                privileged ? "nosuid,noexec,nodev,rw" : "nosuid,noexec,nodev,ro"));
    json_array_append_new(a, mount("/sys/fs/cgroup", "cgroup", "cgroup",
                                   privileged ? "nosuid,noexec,nodev,relatime,rw"
                                              : "nosuid,noexec,nodev,relatime,ro"));
    json_array_append_new(a, mount("/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev"));
    json_t *shm = ctr_host_shm_mount(c, rec);
    if (shm)
        json_array_append_new(a, shm);
    static const char *const files[] = {"resolv.conf", "hostname", "hosts"};
    /* Network mode container:ID shares that container's files. */
    static const char *const keys[] = {"ResolvConfPath", "HostnamePath", "HostsPath"};
    bool ro = hj_bool(json_object_get(rec, "HostConfig"), "ReadonlyRootfs", false);
    for (size_t i = 0; i < 3; i++) {
        _cleanup_free_ char *dst = xasprintf("/etc/%s", files[i]);
        _cleanup_free_ char *src = hj_str(rec, keys[i]) ? xstrdup(hj_str(rec, keys[i]))
                                                        : xasprintf("%s/%s", ctrdir, files[i]);
        json_array_append_new(a,
                              mount(dst, "bind", src, ro ? "rbind,rprivate,ro" : "rbind,rprivate"));
    }
    return a;
}

static json_t *namespaces(const json_t *hc, struct herr *e)
{
    json_t *a = json_array();
    const char *net = hj_str(hc, "NetworkMode");
    bool host_net = net && strcmp(net, "host") == 0;
    static const char *const types[] = {"pid", "mount", "uts", "ipc", "network"};
    for (size_t i = 0; i < 5; i++) {
        if (host_net && (strcmp(types[i], "network") == 0 || strcmp(types[i], "uts") == 0))
            continue;
        if (strcmp(types[i], "mount") != 0 && strcmp(types[i], "network") != 0 &&
            !ctr_host_ns_own(hc, types[i]))
            continue;
        json_array_append_new(a, json_pack("{s:s}", "type", types[i]));
    }
    enum cg_mode mode;
    if (cg_detect("/sys/fs/cgroup", &mode, e) < 0) {
        json_decref(a);
        return NULL;
    }
    if (mode == CG_MODE_V2)
        json_array_append_new(a, json_pack("{s:s}", "type", "cgroup"));
    return a;
}

static json_t *user(const struct ctr_user *u)
{
    json_t *g = json_array();
    for (int i = 0; i < u->ngroups; i++)
        json_array_append_new(g, json_integer(u->groups[i]));
    return json_pack("{s:i,s:i,s:o}", "uid", (int)u->uid, "gid", (int)u->gid, "additionalGids", g);
}

static json_t *seccomp(const json_t *hc, char **caps, bool *nnp, struct herr *e)
{
    const char *profile = NULL;
    const json_t *v;
    size_t i;
    json_array_foreach(json_object_get(hc, "SecurityOpt"), i, v)
    {
        const char *s = json_string_value(v);
        if (str_has_prefix(s, "seccomp=") || str_has_prefix(s, "seccomp:"))
            profile = s + 8;
        else if (strcmp(s, "no-new-privileges") == 0 || strcmp(s, "no-new-privileges:true") == 0 ||
                 strcmp(s, "no-new-privileges=true") == 0)
            *nnp = true;
    }
    if (hj_bool(hc, "Privileged", false) || (profile && strcmp(profile, "unconfined") == 0))
        return json_null();
    if (!profile)
        return seccomp_default_oci(caps);
    _cleanup_free_ char *text = NULL;
    if (fs_read_all(AT_FDCWD, profile, &text, NULL, e) < 0)
        return NULL;
    json_t *j = seccomp_docker_to_oci(text, caps, e);
    if (!j)
        herr_wrap(e, "seccomp profile %s", profile);
    return j;
}

json_t *ctr_spec_build(const struct ctr_ctx *c, const json_t *rec, const char *rootfs,
                       const char *ctrdir, const struct ctr_user *u, struct herr *e)
{
    const json_t *cfg = json_object_get(rec, "Config");
    const json_t *hc = json_object_get(rec, "HostConfig");
    bool privileged = hj_bool(hc, "Privileged", false);
    _cleanup_strv_ char **caps = effective_caps(hc);
    bool nnp = false;
    json_t *sc = seccomp(hc, caps, &nnp, e);
    if (!sc)
        return NULL;
    json_t *ns = namespaces(hc, e);
    if (!ns) {
        json_decref(sc);
        return NULL;
    }
    json_t *args = json_array();
    json_array_append_new(args, json_string(hj_str(rec, "Path")));
    json_array_extend(args, json_object_get(rec, "Args"));
    const char *cwd = hj_str(cfg, "WorkingDir");
    json_t *capset = hj_from_strv(caps);
    json_t *proc = json_pack("{s:b,s:o,s:o,s:O,s:s,s:{s:O,s:O,s:O},s:o,s:b}", "terminal",
                             hj_bool(cfg, "Tty", false), "user", user(u), "args", args, "env",
                             json_object_get(cfg, "Env"), "cwd", cwd && *cwd ? cwd : "/",
                             "capabilities", "bounding", capset, "effective", capset, "permitted",
                             capset, "rlimits", rlimits(hc), "noNewPrivileges", nnp);
    json_decref(capset);

    _cleanup_free_ char *cgpath = ctr_cgroup_path(c, rec);
    json_t *lx = json_pack("{s:o,s:o,s:s}", "namespaces", ns, "resources", resources(hc),
                           "cgroupsPath", cgpath);
    if (!json_is_null(sc))
        json_object_set_new(lx, "seccomp", sc);
    else
        json_decref(sc);
    if (privileged) {
        json_object_set_new(lx, "devices", host_devices());
    } else {
        json_object_set_new(lx, "maskedPaths", hj_from_strv(rt_docker_masked_paths));
        json_object_set_new(lx, "readonlyPaths", hj_from_strv(rt_docker_readonly_paths));
    }
    json_t *sysctl = json_object_get(hc, "Sysctls");
    if (json_object_size(sysctl))
        json_object_set(lx, "sysctl", sysctl);

    const char *net = hj_str(hc, "NetworkMode");
    const char *hostname = hj_str(cfg, "Hostname");
    if ((net && strcmp(net, "host") == 0) || !ctr_host_ns_own(hc, "uts") || !hostname)
        hostname = "";
    json_t *spec =
        json_pack("{s:s,s:o,s:{s:s,s:b},s:o,s:o}", "ociVersion", "1.0.2", "process", proc, "root",
                  "path", rootfs, "readonly", hj_bool(hc, "ReadonlyRootfs", false), "mounts",
                  mounts(c, rec, ctrdir, privileged), "linux", lx);
    if (ctr_host_spec(rec, spec, e) < 0) {
        json_decref(spec);
        return NULL;
    }
    /* Without a uts namespace (host network) a hostname must not be set at all. */
    if (*hostname)
        json_object_set_new(spec, "hostname", json_string(hostname));
    const char *dom = hj_str(cfg, "Domainname");
    if (*hostname && dom && *dom)
        json_object_set_new(spec, "domainname", json_string(dom));
    json_t *hooks = ctr_net_hooks(c, rec);
    if (hooks)
        json_object_set_new(spec, "hooks", hooks);
    return spec;
}
