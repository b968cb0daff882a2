/* `container create`: validate docker-style options, write the record, the generated OCI
 * bundle and the container's files. A failure removes everything it made. */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/container/container.h"
#include "engine/container/ctr_internal.h"
#include "engine/image/image.h"
#include "engine/runtime/runtime.h"

static const char *const ulimit_names[] = {
    "as",     "core",  "cpu", "data",   "fsize",  "locks",      "memlock", "msgqueue", "nice",
    "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack",   NULL,
};

static const char *const adjectives[] = {"brave",  "calm",   "eager", "fond",  "gentle",
                                         "happy",  "jolly",  "keen",  "lucid", "nifty",
                                         "quirky", "serene", "sharp", "vivid", "witty"};
static const char *const nouns[] = {"turing",   "hopper",   "lovelace", "knuth",  "ritchie",
                                    "thompson", "torvalds", "wozniak",  "curie",  "noether",
                                    "shannon",  "dijkstra", "lamport",  "liskov", "perlman"};

static void env_set(char ***env, const char *kv)
{
    size_t klen = strcspn(kv, "=");
    for (char **p = *env; p && *p; p++) {
        if (strncmp(*p, kv, klen) == 0 && (*p)[klen] == '=') {
            free(*p);
            *p = xstrdup(kv);
            return;
        }
    }
    strv_push(env, xstrdup(kv));
}

static bool env_has(char *const *env, const char *key)
{
    size_t klen = strlen(key);
    for (; env && *env; env++) {
        if (strncmp(*env, key, klen) == 0 && (*env)[klen] == '=')
            return true;
    }
    return false;
}

static json_t *kv_object(char *const *v, const char *what, struct herr *e)
{
    json_t *o = json_object();
    for (; v && *v; v++) {
        const char *eq = strchr(*v, '=');
        if (!eq && strcmp(what, "label") != 0) {
            json_decref(o);
            herr_set(e, 0, "invalid %s \"%s\": expected KEY=VALUE", what, *v);
            return NULL;
        }
        _cleanup_free_ char *k = xstrndup(*v, eq ? (size_t)(eq - *v) : strlen(*v));
        if (!*k) {
            json_decref(o);
            herr_set(e, 0, "invalid %s \"%s\": empty key", what, *v);
            return NULL;
        }
        json_object_set_new(o, k, json_string(eq ? eq + 1 : ""));
    }
    return o;
}

static json_t *parse_ulimits(char *const *v, struct herr *e)
{
    json_t *a = json_array();
    for (; v && *v; v++) {
        const char *eq = strchr(*v, '=');
        _cleanup_free_ char *name = eq ? xstrndup(*v, (size_t)(eq - *v)) : NULL;
        bool known = false;
        for (size_t i = 0; name && ulimit_names[i]; i++)
            known = known || strcmp(ulimit_names[i], name) == 0;
        long long soft, hard;
        _cleanup_free_ char *vals = eq ? xstrdup(eq + 1) : NULL;
        char *colon = vals ? strchr(vals, ':') : NULL;
        if (colon)
            *colon++ = '\0';
        if (!known || str_parse_ll(vals, &soft) < 0 ||
            (colon ? str_parse_ll(colon, &hard) < 0 : (hard = soft, false)) || soft > hard) {
            json_decref(a);
            herr_set(e, 0,
                     "invalid ulimit \"%s\": expected NAME=SOFT[:HARD] with soft <= hard "
                     "and a known name (nofile, nproc, core, ...)",
                     *v);
            return NULL;
        }
        json_array_append_new(a, json_pack("{s:s,s:I,s:I}", "Name", name, "Soft", (json_int_t)soft,
                                           "Hard", (json_int_t)hard));
    }
    return a;
}

static int check_security_opts(char *const *v, char ***warnings, struct herr *e)
{
    for (; v && *v; v++) {
        const char *s = *v;
        if (str_has_prefix(s, "seccomp=") || str_has_prefix(s, "seccomp:")) {
            const char *p = s + 8;
            if (strcmp(p, "unconfined") != 0 && !fs_exists(p))
                return herr_set(e, 0, "invalid --security-opt %s: profile file not found", s);
        } else if (strcmp(s, "no-new-privileges") == 0 ||
                   strcmp(s, "no-new-privileges:true") == 0 ||
                   strcmp(s, "no-new-privileges=true") == 0 ||
                   strcmp(s, "no-new-privileges:false") == 0 ||
                   strcmp(s, "no-new-privileges=false") == 0) {
            continue;
        } else if (str_has_prefix(s, "label") || str_has_prefix(s, "apparmor")) {
            strv_push(warnings, xasprintf("--security-opt %s is ignored: hoist has no LSM "
                                          "support",
                                          s));
        } else {
            return herr_set(e, 0, "invalid --security-opt \"%s\"", s);
        }
    }
    return 0;
}

static json_t *caps_json(char *const *v, struct herr *e)
{
    json_t *a = json_array();
    char buf[64];
    for (; v && *v; v++) {
        const char *n = ctr_cap_normalize(*v, buf, sizeof(buf));
        if (!n) {
            json_decref(a);
            herr_set(e, 0, "unknown capability \"%s\"", *v);
            return NULL;
        }
        json_array_append_new(a, json_string(n));
    }
    return a;
}

static bool valid_name(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
        return false;
    for (; *s; s++) {
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", *s))
            return false;
    }
    return true;
}

/* Names are symlinks .names/NAME -> ID: symlink() creating one is the atomic claim. */
static int claim_name(const struct ctr_ctx *c, const char *want, const char *id, char **out,
                      struct herr *e)
{
    _cleanup_free_ char *dir = ctr_names_dir(c);
    if (fs_mkdir_p(dir, 0700, e) < 0)
        return -1;
    for (int tries = 0; tries < 50; tries++) {
        _cleanup_free_ char *name = NULL;
        if (want) {
            name = xstrdup(want[0] == '/' ? want + 1 : want);
        } else {
            unsigned r = (unsigned)rand();
            name = xasprintf("%s_%s", adjectives[r % 15], nouns[(r / 15) % 15]);
            if (tries > 10)
                name = (free(name),
                        xasprintf("%s_%s%u", adjectives[r % 15], nouns[(r / 15) % 15], r % 1000));
        }
        _cleanup_free_ char *link = xasprintf("%s/%s", dir, name);
        if (symlink(id, link) == 0) {
            *out = steal_ptr(&name);
            return 0;
        }
        if (errno != EEXIST)
            return herr_sys(e, "claim container name %s", name);
        if (want) {
            char other[128] = "";
            ssize_t n = readlink(link, other, sizeof(other) - 1);
            other[n > 0 ? n : 0] = '\0';
            return herr_set(e, 0,
                            "Conflict. The container name \"/%s\" is already in use by "
                            "container \"%s\". You have to remove (or rename) that container "
                            "to be able to reuse that name.",
                            name, other);
        }
    }
    return herr_set(e, 0, "could not find a free container name");
}

static char *now_rfc3339(void)
{
    struct timespec ts;
    struct tm tm;
    char base[32];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    return xasprintf("%s.%09ldZ", base, ts.tv_nsec);
}

/* Only sysctls of a namespace the container has to itself (runtime.h); a key no
 * namespace holds gets docker's own words. */
static int check_sysctls(const struct ctr_opts *o, struct herr *e)
{
    unsigned long own = 0;
    if (!o->network || strcmp(o->network, "host") != 0)
        own |= CLONE_NEWNET;
    if (!o->ipc || strcmp(o->ipc, "host") != 0)
        own |= CLONE_NEWIPC;
    if (!o->uts || strcmp(o->uts, "host") != 0)
        own |= CLONE_NEWUTS;
    for (char **kv = o->sysctls; kv && *kv; kv++) {
        if (rt_sysctl_check(*kv, ~0UL, NULL) < 0)
            return herr_plain(e, EINVAL, "sysctl '%s' is not allowed", *kv);
        if (rt_sysctl_check(*kv, own, e) < 0)
            return -1;
    }
    return 0;
}

static int validate(const struct ctr_opts *o, char ***warnings, struct herr *e)
{
    char pol[32];
    int max;
    if (o->restart && ctr_parse_restart(o->restart, pol, sizeof(pol), &max, e) < 0)
        return -1;
    if (o->rm && o->restart && strcmp(pol, "no") != 0)
        return herr_set(e, 0, "conflicting options: cannot specify both --restart and --rm");
    if (o->stop_signal && ctr_parse_signal(o->stop_signal) < 0)
        return herr_set(e, 0, "invalid stop signal \"%s\"", o->stop_signal);
    if (o->name && !valid_name(o->name[0] == '/' ? o->name + 1 : o->name))
        return herr_set(e, 0,
                        "invalid container name \"%s\", only [a-zA-Z0-9][a-zA-Z0-9_.-] "
                        "are allowed",
                        o->name);
    if (check_sysctls(o, e) < 0)
        return -1;
    if (o->memory && o->memory < 6 * 1024 * 1024)
        return herr_set(e, 0, "minimum memory limit allowed is 6MB");
    if (o->memory_swap > 0 && o->memory_swap < o->memory)
        return herr_set(e, 0, "minimum memoryswap limit should be larger than memory limit");
    if (o->memory_swap && !o->memory)
        return herr_set(e, 0,
                        "you should always set the memory limit when using the "
                        "memoryswap limit");
    _cleanup_json_ json_t *hc = NULL;
    if (ctr_health_record(&o->health, NULL, &hc, e) < 0 || ctr_host_validate(o, warnings, e) < 0)
        return -1;
    return check_security_opts(o->security_opt, warnings, e);
}

int ctr_check(const struct ctr_opts *o, char ***warnings, struct herr *e)
{
    return validate(o, warnings, e);
}

static json_t *host_config(const struct ctr_ctx *c, const struct ctr_opts *o, struct herr *e)
{
    char pol[32] = "no";
    int max = 0;
    if (o->restart)
        ctr_parse_restart(o->restart, pol, sizeof(pol), &max, NULL);
    json_t *add = caps_json(o->cap_add, e);
    json_t *drop = add ? caps_json(o->cap_drop, e) : NULL;
    json_t *ul = drop ? parse_ulimits(o->ulimits, e) : NULL;
    json_t *sys = ul ? kv_object(o->sysctls, "sysctl", e) : NULL;
    if (!sys) {
        json_decref(add);
        json_decref(drop);
        json_decref(ul);
        return NULL;
    }
    long long swap = o->memory_swap;
    if (o->memory && !swap)
        swap = 2 * o->memory;
    json_t *hc = json_pack("{s:s,s:{s:s,s:i},s:b,s:o,s:o,s:b,s:b,s:o,s:o,s:o,s:I,s:I,s:I,s:I,s:I}",
                           "NetworkMode", o->network ? o->network : "none", "RestartPolicy", "Name",
                           pol, "MaximumRetryCount", max, "AutoRemove", o->rm, "CapAdd", add,
                           "CapDrop", drop, "Privileged", o->privileged, "ReadonlyRootfs",
                           o->read_only, "SecurityOpt", hj_from_strv(o->security_opt), "Ulimits",
                           ul, "Sysctls", sys, "Memory", (json_int_t)o->memory, "MemorySwap",
                           (json_int_t)swap, "NanoCpus", (json_int_t)o->nano_cpus, "CpuShares",
                           (json_int_t)o->cpu_shares, "PidsLimit", (json_int_t)o->pids_limit);
    if (ctr_host_record(c, o, hc, e) < 0)
        hc = (json_decref(hc), NULL);
    return hc;
}

static char **build_env(const struct ctr_opts *o, const json_t *icfg, const char *hostname)
{
    char **env = xcalloc(1, sizeof(char *));
    _cleanup_strv_ char **img = hj_strv(json_object_get(icfg, "Env"));
    if (!env_has(img, "PATH"))
        strv_push(&env,
                  xstrdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
    _cleanup_free_ char *hn = xasprintf("HOSTNAME=%s", hostname);
    env_set(&env, hn);
    if (o->tty)
        env_set(&env, "TERM=xterm");
    for (char **p = img; p && *p; p++)
        env_set(&env, *p);
    for (char **p = o->env; p && *p; p++) {
        if (strchr(*p, '=')) {
            env_set(&env, *p);
        } else if (getenv(*p)) {
            _cleanup_free_ char *kv = xasprintf("%s=%s", *p, getenv(*p));
            env_set(&env, kv);
        }
    }
    return env;
}

/* Entrypoint + Cmd as docker combines them; NULL when nothing is left to run. */
static int command(const struct ctr_opts *o, const json_t *icfg, json_t **ep, json_t **cmd,
                   struct herr *e)
{
    if (o->entrypoint) {
        *ep = json_array();
        if (*o->entrypoint)
            json_array_append_new(*ep, json_string(o->entrypoint));
    } else {
        *ep = json_deep_copy(json_object_get(icfg, "Entrypoint"));
        if (!json_is_array(*ep))
            *ep = (json_decref(*ep), json_array());
    }
    if (o->cmd)
        *cmd = hj_from_strv(o->cmd);
    else if (o->entrypoint)
        *cmd = json_array();
    else
        *cmd = json_deep_copy(json_object_get(icfg, "Cmd"));
    if (!json_is_array(*cmd))
        *cmd = (json_decref(*cmd), json_array());
    if (json_array_size(*ep) + json_array_size(*cmd) == 0) {
        json_decref(*ep);
        json_decref(*cmd);
        return herr_set(e, 0, "no command specified");
    }
    return 0;
}

/* The image's exposed ports plus --expose "PORT[-PORT][/PROTO]", docker's
 * Config.ExposedPorts. */
static int exposed_ports(char *const *expose, const json_t *icfg, json_t *cfg, struct herr *e)
{
    json_t *ports = json_deep_copy(json_object_get(icfg, "ExposedPorts"));
    if (!json_is_object(ports))
        ports = (json_decref(ports), json_object());
    json_object_set_new(cfg, "ExposedPorts", ports);
    for (; expose && *expose; expose++) {
        unsigned lo, hi;
        char proto[8] = "tcp";
        int n = 0;
        if (sscanf(*expose, "%u-%u%n", &lo, &hi, &n) != 2) {
            n = 0;
            if (sscanf(*expose, "%u%n", &lo, &n) != 1)
                return herr_plain(e, 0, "invalid exposed port \"%s\"", *expose);
            hi = lo;
        }
        const char *rest = *expose + n;
        if (*rest == '/')
            snprintf(proto, sizeof(proto), "%s", rest + 1);
        else if (*rest)
            return herr_plain(e, 0, "invalid exposed port \"%s\"", *expose);
        if (!lo || hi > 65535 || lo > hi ||
            (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp")))
            return herr_plain(e, 0, "invalid exposed port \"%s\"", *expose);
        for (unsigned p = lo; p <= hi; p++) {
            char key[24];
            snprintf(key, sizeof(key), "%u/%s", p, proto);
            json_object_set_new(ports, key, json_object());
        }
    }
    return 0;
}

static char *lowerdir(const struct image *img)
{
    size_t n = strv_len(img->layers), len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(img->layers[i]) + 1;
    char *s = xcalloc(1, len), *p = s;
    for (size_t i = n; i-- > 0;)
        p += sprintf(p, "%s%s", p == s ? "" : ":", img->layers[i]);
    return s;
}

struct made {
    char *dir, *name_link;
    const struct ctr_ctx *c;
    const char *id;
    bool mounted;
    json_t *rec; /* holds the addresses reserved */
    char **vols; /* volumes created */
};

static void undo(struct made *m)
{
    if (m->rec)
        ctr_net_release(m->c, m->rec);
    ctr_vol_undo(m->c, m->vols);
    if (m->mounted)
        ctr_umount_rootfs(m->c, m->id);
    if (m->name_link)
        unlink(m->name_link);
    if (m->dir)
        fs_rm_rf(m->dir, NULL);
    free(m->dir);
    free(m->name_link);
    json_decref(m->rec);
    strv_free(m->vols);
}

static int fill(const struct ctr_ctx *c, const struct ctr_opts *o, struct image *img,
                const char *id, struct made *mk, char ***warnings, struct herr *e)
{
    json_t *icfg = json_object_get(img->config, "config");
    json_t *hc = host_config(c, o, e);
    if (!hc)
        return -1;
    json_t *ep, *cmd;
    if (command(o, icfg, &ep, &cmd, e) < 0) {
        json_decref(hc);
        return -1;
    }
    char host[256] = "";
    bool host_net = o->network && strcmp(o->network, "host") == 0;
    if (host_net)
        gethostname(host, sizeof(host) - 1);
    /* Docker's default hostname: the short id. */
    _cleanup_free_ char *hostname = o->hostname ? xstrdup(o->hostname)
                                    : host_net  ? xstrdup(host)
                                                : xstrndup(id, 12);
    _cleanup_strv_ char **env = build_env(o, icfg, hostname);
    json_t *labels = json_deep_copy(json_object_get(icfg, "Labels"));
    if (!json_is_object(labels))
        labels = (json_decref(labels), json_object());
    json_t *ol = kv_object(o->labels, "label", e);
    if (!ol) {
        json_decref(hc), json_decref(ep), json_decref(cmd), json_decref(labels);
        return -1;
    }
    json_object_update(labels, ol);
    json_decref(ol);
    const char *wd = o->workdir ? o->workdir : hj_str(icfg, "WorkingDir");
    const char *user = o->user ? o->user : hj_str(icfg, "User");
    const char *stopsig = o->stop_signal ? o->stop_signal : hj_str(icfg, "StopSignal");

    _cleanup_free_ char *created = now_rfc3339();
    _cleanup_free_ char *name = NULL;
    if (claim_name(c, o->name, id, &name, e) < 0) {
        json_decref(hc), json_decref(ep), json_decref(cmd), json_decref(labels);
        return -1;
    }
    _cleanup_free_ char *names = ctr_names_dir(c);
    mk->name_link = xasprintf("%s/%s", names, name);
    json_t *args = json_array();
    json_array_extend(args, ep);
    json_array_extend(args, cmd);
    json_t *path = json_incref(json_array_get(args, 0));
    json_array_remove(args, 0);
    _cleanup_free_ char *slash_name = xasprintf("/%s", name);
    _cleanup_free_ char *ld = lowerdir(img);
    _cleanup_free_ char *rundir = ctr_run_dir(c, id);
    _cleanup_free_ char *up = xasprintf("%s/upper", mk->dir), *wk = xasprintf("%s/work", mk->dir);
    _cleanup_free_ char *merged = xasprintf("%s/rootfs", rundir);
    _cleanup_free_ char *logp = xasprintf("%s/ctr.log", mk->dir);
    _cleanup_free_ char *hnp = xasprintf("%s/hostname", mk->dir);
    _cleanup_free_ char *hsp = xasprintf("%s/hosts", mk->dir);
    _cleanup_free_ char *rsp = xasprintf("%s/resolv.conf", mk->dir);
    _cleanup_json_ json_t *rec = json_pack(
        "{s:s,s:s,s:s,s:o,s:o,s:s,"
        "s:{s:s,s:s,s:s,s:o,s:o,s:o,s:s,s:b,s:b,s:b,s:o,s:s*},"
        "s:o,s:{s:s,s:{s:s,s:s,s:s,s:s}},s:s,s:s,s:s,s:s}",
        "Id", id, "Name", slash_name, "Created", created, "Path", path, "Args", args, "Image",
        img->id, "Config", "Hostname", hostname, "User", user ? user : "", "Image", o->image, "Env",
        hj_from_strv(env), "Cmd", cmd, "Entrypoint",
        json_array_size(ep) ? ep : (json_decref(ep), json_null()), "WorkingDir", wd ? wd : "",
        "Tty", o->tty, "OpenStdin", o->interactive, "AttachStdout", true, "Labels", labels,
        "StopSignal", stopsig, "HostConfig", hc, "GraphDriver", "Name", "overlay2", "Data",
        "LowerDir", ld, "UpperDir", up, "WorkDir", wk, "MergedDir", merged, "LogPath", logp,
        "HostnamePath", hnp, "HostsPath", hsp, "ResolvConfPath", rsp);
    if (!rec)
        return herr_set(e, 0, "container %s: cannot build the record", id);
    if (exposed_ports(o->expose, icfg, json_object_get(rec, "Config"), e) < 0)
        return -1;
    if (o->stop_timeout >= 0)
        json_object_set_new(json_object_get(rec, "Config"), "StopTimeout",
                            json_integer(o->stop_timeout));
    json_t *health;
    if (ctr_health_record(&o->health, json_object_get(icfg, "Healthcheck"), &health, e) < 0)
        return -1;
    if (health)
        json_object_set_new(json_object_get(rec, "Config"), "Healthcheck", health);

    if (ctr_net_create(c, o, icfg, rec, warnings, e) < 0)
        return -1;
    mk->rec = json_incref(rec);
    if (fs_mkdir_p(up, 0755, e) < 0 || fs_mkdir_p(wk, 0700, e) < 0 ||
        ctr_net_files(rec, mk->dir, e) < 0)
        return -1;
    if (ctr_mount_rootfs(c, id, ld, e) < 0)
        return -1;
    mk->mounted = true;
    _cleanup_close_ int rootfd = open(merged, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct ctr_user u;
    if (rootfd < 0)
        return herr_sys(e, "open %s", merged);
    if (ctr_user_resolve(rootfd, user, &u, e) < 0 ||
        ctr_host_groups(rootfd, json_object_get(rec, "HostConfig"), &u, e) < 0)
        return -1;
    json_t *jenv = json_object_get(json_object_get(rec, "Config"), "Env");
    if (!env_has(env, "HOME")) {
        _cleanup_free_ char *home = xasprintf("HOME=%s", *u.home ? u.home : "/");
        json_array_append_new(jenv, json_string(home));
    }
    _cleanup_json_ json_t *vmounts = NULL;
    if (ctr_vol_create(c, o, icfg, rootfd, rec, &vmounts, &mk->vols, e) < 0)
        return -1;
    _cleanup_json_ json_t *spec = ctr_spec_build(c, rec, merged, mk->dir, &u, e);
    if (!spec)
        return -1;
    json_array_extend(json_object_get(spec, "mounts"), vmounts);
    _cleanup_free_ char *bundle = xasprintf("%s/bundle", mk->dir);
    if (fs_mkdir_p(bundle, 0700, e) < 0)
        return -1;
    _cleanup_close_ int bfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    _cleanup_close_ int dfd = open(mk->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (bfd < 0 || dfd < 0)
        return herr_sys(e, "open %s", bundle);
    if (hj_write_atomic(bfd, "config.json", spec, false, e) < 0 ||
        hj_write_atomic(dfd, "config.json", rec, false, e) < 0)
        return -1;
    return 0;
}

int ctr_create(const struct ctr_ctx *c, const struct ctr_opts *o, bool will_start, char **id_out,
               char ***warnings, struct herr *e)
{
    if (!*warnings)
        *warnings = xcalloc(1, sizeof(char *));
    if (validate(o, warnings, e) < 0)
        return -1;
    struct image *img = NULL;
    if (image_lookup(c->root, o->image, &img, e) < 0)
        return -1;
    char id[65];
    if (str_random_hex(id, 64) < 0) {
        image_free(img);
        return herr_sys(e, "random id");
    }
    srand((unsigned)(id[0] * 31 + id[1] * 7 + id[2]) ^ (unsigned)getpid());
    struct made mk = {.c = c, .id = id};
    _cleanup_free_ char *base = xasprintf("%s/containers", c->root);
    int r = fs_mkdir_p(base, 0700, e);
    if (r == 0) {
        _cleanup_free_ char *dir = ctr_dir(c, id);
        /* Canonical: the bundle's bind sources (hosts, resolv.conf, hostname) may hold
         * no symbolic link when the runtime opens them (rt_mount.c). */
        if (mkdir(dir, 0700) < 0)
            r = herr_sys(e, "create %s", dir);
        else if (!(mk.dir = realpath(dir, NULL)) && (r = herr_sys(e, "resolve %s", dir)))
            rmdir(dir);
    }
    if (r == 0)
        r = fill(c, o, img, id, &mk, warnings, e);
    image_free(img);
    if (r < 0) {
        undo(&mk);
        return -1;
    }
    if (!will_start)
        ctr_umount_rootfs(c, id);
    free(mk.dir);
    free(mk.name_link);
    json_decref(mk.rec);
    strv_free(mk.vols);
    *id_out = xstrdup(id);
    return 0;
}
