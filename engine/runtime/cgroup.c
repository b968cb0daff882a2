/* cgroup hierarchies found from /proc/self/mountinfo, and the container cgroup's life:
 * create with limits, enter, signal, list, OOM status, destroy. */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/str.h"
#include "engine/runtime/cgroup.h"
#include "engine/runtime/cgroup_internal.h"

#define MAX_HIER 32

struct hier {
    char *mnt;
    char *ctrls; /* v1: comma-separated controllers of the mount, "name=x" for named ones */
    bool v2;
};

struct layout {
    enum cg_mode mode;
    struct hier h[MAX_HIER];
    size_t n;
    int v2; /* index of the cgroup2 hierarchy, or -1 */
};

static void layout_free(struct layout *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->h[i].mnt);
        free(l->h[i].ctrls);
    }
    l->n = 0;
}
#define _cleanup_layout_ __attribute__((cleanup(layout_free)))

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
            r[3] >= '0' && r[3] <= '7') {
            *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
            r += 3;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

/* The controllers named in a v1 mount's super options; other options are dropped. */
static char *v1_controllers(const char *superopts)
{
    static const char *const known[] = {"cpu",     "cpuacct", "cpuset",   "memory", "devices",
                                        "freezer", "net_cls", "net_prio", "blkio",  "perf_event",
                                        "hugetlb", "pids",    "rdma",     "misc",   NULL};
    _cleanup_free_ char *copy = xstrdup(superopts);
    char *out = xstrdup(""), *save = NULL;
    for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
        bool keep = str_has_prefix(o, "name=");
        for (size_t i = 0; !keep && known[i]; i++)
            keep = strcmp(o, known[i]) == 0;
        if (keep) {
            char *n = xasprintf("%s%s%s", out, *out ? "," : "", o);
            free(out);
            out = n;
        }
    }
    return out;
}

static void drop_mount(struct layout *l, const char *mnt)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->h[i].mnt, mnt) == 0) {
            free(l->h[i].mnt);
            free(l->h[i].ctrls);
            l->h[i] = l->h[--l->n];
            return;
        }
}

static int detect(const char *fsroot, struct layout *l, struct herr *e)
{
    _cleanup_free_ char *root = xstrdup(fsroot);
    size_t rlen = strlen(root);
    while (rlen > 1 && root[rlen - 1] == '/')
        root[--rlen] = '\0';
    _cleanup_file_ FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return herr_sys(e, "open /proc/self/mountinfo");
    _cleanup_free_ char *line = NULL;
    size_t cap = 0;
    bool root_v2 = false;
    l->n = 0;
    while (getline(&line, &cap, f) > 0) {
        char *fields[6], *save = NULL, *tok = strtok_r(line, " \n", &save);
        size_t nf = 0;
        for (; tok && nf < 6; tok = strtok_r(NULL, " \n", &save))
            fields[nf++] = tok;
        /* Optional fields run up to "-"; fstype, source and super options follow. */
        while (tok && strcmp(tok, "-") != 0)
            tok = strtok_r(NULL, " \n", &save);
        char *fstype = strtok_r(NULL, " \n", &save);
        char *source = strtok_r(NULL, " \n", &save);
        char *superopts = strtok_r(NULL, " \n", &save);
        if (nf < 6 || !fstype || !source || !superopts)
            continue;
        char *mnt = fields[4];
        unescape(mnt);
        bool is_v1 = strcmp(fstype, "cgroup") == 0, is_v2 = strcmp(fstype, "cgroup2") == 0;
        if (strcmp(mnt, root) == 0) {
            /* A mount on fsroot itself hides everything mounted below it before. */
            layout_free(l);
            root_v2 = is_v2;
        } else {
            char *slash = strrchr(mnt, '/');
            if (!slash || (size_t)(slash - mnt) != (rlen == 1 ? 0 : rlen) ||
                strncmp(mnt, root, rlen) != 0)
                continue;
            drop_mount(l, mnt);
        }
        if ((!is_v1 && !is_v2) || l->n == MAX_HIER)
            continue;
        l->h[l->n++] = (struct hier){
            .mnt = xstrdup(mnt), .ctrls = is_v1 ? v1_controllers(superopts) : NULL, .v2 = is_v2};
    }
    l->v2 = -1;
    size_t nv1 = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (l->h[i].v2 && (l->v2 < 0 || strcmp(l->h[i].mnt, root) == 0))
            l->v2 = (int)i;
        nv1 += !l->h[i].v2;
    }
    if (l->n == 0)
        return herr_set(e, 0, "no cgroup hierarchy is mounted at or under %s", root);
    l->mode = root_v2 || nv1 == 0 ? CG_MODE_V2 : l->v2 >= 0 ? CG_MODE_HYBRID : CG_MODE_V1;
    return 0;
}

int cg_detect(const char *fsroot, enum cg_mode *mode, struct herr *e)
{
    _cleanup_layout_ struct layout l = {0};
    if (detect(fsroot, &l, e) < 0)
        return -1;
    *mode = l.mode;
    return 0;
}

static bool has_ctrl(const struct hier *h, const char *ctrl)
{
    if (h->v2 || !*ctrl)
        return false;
    size_t n = strlen(ctrl);
    for (const char *c = h->ctrls; c && *c;) {
        size_t len = strcspn(c, ",");
        if (len == n && strncmp(c, ctrl, n) == 0)
            return true;
        c += len + (c[len] == ',');
    }
    return false;
}

static int find_v1(const struct layout *l, const char *ctrl)
{
    for (size_t i = 0; i < l->n; i++)
        if (has_ctrl(&l->h[i], ctrl))
            return (int)i;
    return -1;
}

/* The hierarchy whose cgroup.procs lists the container's processes. */
static int tracking(const struct layout *l)
{
    if (l->v2 >= 0)
        return l->v2;
    int i = find_v1(l, "pids");
    if (i < 0)
        i = find_v1(l, "freezer");
    return i >= 0 ? i : 0;
}

static char *leaf(const struct hier *h, const char *rel)
{
    return xasprintf("%s/%s", h->mnt, rel);
}

static int write_file(const char *dir, const char *file, const char *value, const char *rel,
                      struct herr *e)
{
    _cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
    _cleanup_close_ int fd = open(p, O_WRONLY | O_CLOEXEC);
    size_t len = strlen(value);
    if (fd < 0 || write(fd, value, len) != (ssize_t)len)
        return herr_sys(e, "cgroup \"/%s\": write \"%s\" = \"%s\"", rel, file, value);
    return 0;
}

static int read_file(const char *dir, const char *file, char *buf, size_t size)
{
    _cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
    _cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, size - 1);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return 0;
}

/* A new v1 cpuset cgroup starts with no cpus and no mems, and no task can join it. */
static int cpuset_init(const char *dir, const char *rel, struct herr *e)
{
    _cleanup_free_ char *parent = xstrdup(dir);
    *strrchr(parent, '/') = '\0';
    static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
    for (size_t i = 0; i < 2; i++) {
        char cur[4096], up[4096];
        if (read_file(dir, files[i], cur, sizeof(cur)) < 0 ||
            read_file(parent, files[i], up, sizeof(up)) < 0)
            return herr_sys(e, "cgroup \"/%s\": read \"%s\"", rel, files[i]);
        if (cur[0] == '\n' || cur[0] == '\0')
            if (write_file(dir, files[i], up, rel, e) < 0)
                return -1;
    }
    return 0;
}

/* mkdir each missing component of rel; *made is how many trailing components were new. */
static int make_dirs(const struct hier *h, const char *rel, bool cpuset, size_t *made,
                     struct herr *e)
{
    _cleanup_free_ char *path = leaf(h, rel);
    size_t base = strlen(h->mnt) + 1, depth = 0, total = 1;
    for (const char *c = rel; *c; c++)
        total += *c == '/';
    *made = 0;
    for (char *c = path + base;; c++) {
        if (*c != '/' && *c != '\0')
            continue;
        char saved = *c;
        *c = '\0';
        depth++;
        if (mkdir(path, 0755) == 0) {
            if (*made == 0)
                *made = total - depth + 1;
        } else if (errno != EEXIST) {
            return herr_sys(e, "cgroup \"/%s\": create %s", rel, path);
        }
        /* Also when it exists: a concurrent creator may not have filled it in yet. */
        if (cpuset && cpuset_init(path, rel, e) < 0)
            return -1;
        *c = saved;
        if (!saved)
            return 0;
    }
}

/* The v2 files of a controller only appear once every ancestor delegates it. */
static int enable_v2(const struct hier *h, const char *rel, const char *ctrl, struct herr *e)
{
    _cleanup_free_ char *path = xstrdup(h->mnt);
    const char *c = rel;
    for (;;) {
        char cur[1024];
        if (read_file(path, "cgroup.subtree_control", cur, sizeof(cur)) < 0)
            return herr_sys(e, "cgroup \"/%s\": read %s/cgroup.subtree_control", rel, path);
        bool on = false;
        size_t n = strlen(ctrl);
        for (char *t = cur; (t = strstr(t, ctrl)) && !on; t += n)
            on = (t == cur || t[-1] == ' ') && (t[n] == ' ' || t[n] == '\n' || !t[n]);
        if (!on) {
            _cleanup_free_ char *plus = xasprintf("+%s", ctrl);
            if (write_file(path, "cgroup.subtree_control", plus, rel, NULL) < 0) {
                if (errno == ENOENT)
                    return herr_set(e, 0,
                                    "cgroup \"/%s\": controller \"%s\" is not available in %s", rel,
                                    ctrl, path);
                return herr_sys(e, "cgroup \"/%s\": enable controller \"%s\" in %s", rel, ctrl,
                                path);
            }
        }
        size_t len = strcspn(c, "/");
        if (!c[len])
            return 0;
        char *next = xasprintf("%s/%.*s", path, (int)len, c);
        free(path);
        path = next;
        c += len + 1;
    }
}

static void remove_made(const struct hier *h, const char *rel, size_t made)
{
    _cleanup_free_ char *path = leaf(h, rel);
    for (size_t i = 0; i < made; i++) {
        rmdir(path);
        *strrchr(path, '/') = '\0';
    }
}

/* The checked relative path of a container cgroup, with the host's hierarchies in *l. */
static char *open_cg(const char *fsroot, const char *path, struct layout *l, struct herr *e)
{
    char *rel = cg_rel_path(path, e);
    if (rel && detect(fsroot, l, e) < 0) {
        free(rel);
        return NULL;
    }
    return rel;
}

int cg_create(const char *fsroot, const char *path, const json_t *resources, pid_t pid,
              struct herr *e)
{
    _cleanup_layout_ struct layout l = {0};
    _cleanup_free_ char *rel = open_cg(fsroot, path, &l, e);
    if (!rel)
        return -1;
    struct cg_writes w = {0};
    if (cg_resources(resources, l.mode == CG_MODE_V2 ? CG_FMT_V2 : CG_FMT_V1, &w, e) < 0)
        return -1;
    _cleanup_free_ struct cg_dev_rule *rules = NULL;
    size_t nrules = 0;
    _cleanup_free_ int *route = xcalloc(w.n + 1, sizeof(int));
    size_t made[MAX_HIER] = {0}, moved = 0;
    bool bpf = false;
    int r = -1;

    /* Route every write to a hierarchy before creating anything. */
    for (size_t i = 0; i < w.n; i++) {
        struct cg_write *x = &w.v[i];
        if (l.mode == CG_MODE_V2 || x->unified) {
            if (l.v2 < 0) {
                herr_set(e, 0, "linux.resources.unified: \"%s\" needs a cgroup v2 hierarchy",
                         x->file);
                goto out;
            }
            route[i] = l.v2;
            continue;
        }
        route[i] = find_v1(&l, x->ctrl);
        if (route[i] >= 0)
            continue;
        /* Hybrid hosts may give a controller to the v2 side only (hugetlb here). */
        if (l.v2 >= 0 && strcmp(x->ctrl, "hugetlb") == 0) {
            char *v2name = xasprintf("%.*s.max", (int)(strrchr(x->file, '.') - x->file), x->file);
            free(x->file);
            x->file = v2name;
            route[i] = l.v2;
            continue;
        }
        if (l.v2 >= 0 && strcmp(x->ctrl, "devices") == 0) {
            bpf = true;
            route[i] = -1;
            continue;
        }
        herr_set(e, 0, "cgroup \"/%s\": controller \"%s\" (for %s) is not mounted under %s", rel,
                 x->ctrl, x->file, fsroot);
        goto out;
    }
    if (l.mode == CG_MODE_V2 || bpf) {
        if (cg_dev_parse(json_object_get(resources, "devices"), &rules, &nrules, e) < 0)
            goto out;
        bpf = nrules > 0;
    }

    for (size_t i = 0; i < l.n; i++)
        if (make_dirs(&l.h[i], rel, has_ctrl(&l.h[i], "cpuset"), &made[i], e) < 0)
            goto out;
    for (size_t i = 0; i < w.n; i++)
        if (route[i] >= 0 && route[i] == l.v2 && w.v[i].ctrl[0] &&
            enable_v2(&l.h[l.v2], rel, w.v[i].ctrl, e) < 0)
            goto out;
    for (size_t i = 0; i < w.n; i++) {
        if (route[i] < 0)
            continue;
        _cleanup_free_ char *dir = leaf(&l.h[route[i]], rel);
        if (write_file(dir, w.v[i].file, w.v[i].value, rel, e) < 0)
            goto out;
    }
    if (bpf) {
        _cleanup_free_ char *dir = leaf(&l.h[l.v2], rel);
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
            herr_sys(e, "cgroup \"/%s\": open %s", rel, dir);
            goto out;
        }
        if (cg_dev_attach(fd, rules, nrules, e) < 0) {
            herr_wrap(e, "cgroup \"/%s\"", rel);
            goto out;
        }
    }
    if (pid > 0) {
        char spid[24];
        snprintf(spid, sizeof(spid), "%d", (int)pid);
        for (; moved < l.n; moved++) {
            _cleanup_free_ char *dir = leaf(&l.h[moved], rel);
            if (write_file(dir, "cgroup.procs", spid, rel, e) < 0)
                goto out;
        }
    }
    r = 0;
out:
    if (r < 0) {
        /* Hand the process back to the roots so the new directories can go. */
        char spid[24];
        snprintf(spid, sizeof(spid), "%d", (int)pid);
        for (size_t i = 0; i < moved; i++)
            write_file(l.h[i].mnt, "cgroup.procs", spid, rel, NULL);
        for (size_t i = 0; i < l.n; i++)
            remove_made(&l.h[i], rel, made[i]);
    }
    cg_writes_free(&w);
    return r;
}

int cg_enter(const char *fsroot, const char *path, pid_t pid, struct herr *e)
{
    _cleanup_layout_ struct layout l = {0};
    _cleanup_free_ char *rel = open_cg(fsroot, path, &l, e);
    if (!rel)
        return -1;
    char spid[24];
    snprintf(spid, sizeof(spid), "%d", (int)pid);
    for (size_t i = 0; i < l.n; i++) {
        _cleanup_free_ char *dir = leaf(&l.h[i], rel);
        if (write_file(dir, "cgroup.procs", spid, rel, e) < 0)
            return -1;
    }
    return 0;
}

static void push_pid(pid_t **pids, size_t *n, pid_t p)
{
    *pids = xrealloc(*pids, (*n + 1) * sizeof(**pids));
    (*pids)[(*n)++] = p;
}

/* Processes of dir and of every cgroup below it (a container may nest its own). */
static int collect(const char *dir, pid_t **pids, size_t *n)
{
    _cleanup_free_ char *procs = xasprintf("%s/cgroup.procs", dir);
    _cleanup_file_ FILE *f = fopen(procs, "re");
    if (!f)
        return -1;
    long long v;
    while (fscanf(f, "%lld", &v) == 1)
        push_pid(pids, n, (pid_t)v);
    _cleanup_dir_ DIR *d = opendir(dir);
    if (!d)
        return -1;
    for (struct dirent *de; (de = readdir(d));) {
        if (de->d_type != DT_DIR || de->d_name[0] == '.')
            continue;
        _cleanup_free_ char *sub = xasprintf("%s/%s", dir, de->d_name);
        if (collect(sub, pids, n) < 0 && errno != ENOENT)
            return -1;
    }
    return 0;
}

int cg_pids(const char *fsroot, const char *path, pid_t **pids, size_t *n, struct herr *e)
{
    *pids = NULL;
    *n = 0;
    _cleanup_layout_ struct layout l = {0};
    _cleanup_free_ char *rel = open_cg(fsroot, path, &l, e);
    if (!rel)
        return -1;
    _cleanup_free_ char *dir = leaf(&l.h[tracking(&l)], rel);
    if (collect(dir, pids, n) < 0) {
        int saved = errno;
        free(*pids);
        *pids = NULL;
        *n = 0;
        return herr_set(e, saved, "cgroup \"/%s\": list processes in %s", rel, dir);
    }
    return 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Freeze so no process forks between listing and signalling; give up after ~100 ms, which
 * only makes the kill racy, not wrong. Returns whether the cgroup is to be thawed. */
static bool freeze(const struct layout *l, const char *rel, char **dir, bool *v2)
{
    int i = l->v2 >= 0 ? l->v2 : find_v1(l, "freezer");
    if (i < 0)
        return false;
    *dir = leaf(&l->h[i], rel);
    *v2 = l->h[i].v2;
    if (write_file(*dir, *v2 ? "cgroup.freeze" : "freezer.state", *v2 ? "1" : "FROZEN", rel, NULL) <
        0)
        return false;
    for (int t = 0; t < 100; t++) {
        char buf[512];
        if (read_file(*dir, *v2 ? "cgroup.events" : "freezer.state", buf, sizeof(buf)) < 0)
            break;
        if (*v2 ? strstr(buf, "frozen 1") != NULL : str_has_prefix(buf, "FROZEN"))
            break;
        sleep_ms(1);
    }
    return true;
}

int cg_kill(const char *fsroot, const char *path, int sig, struct herr *e)
{
    _cleanup_layout_ struct layout l = {0};
    _cleanup_free_ char *rel = open_cg(fsroot, path, &l, e);
    if (!rel)
        return -1;
    _cleanup_free_ char *dir = leaf(&l.h[tracking(&l)], rel);
    struct stat st;
    if (stat(dir, &st) < 0 && errno == ENOENT)
        return 0;
    if (sig == SIGKILL && l.v2 >= 0) {
        _cleanup_free_ char *kill_file = xasprintf("%s/cgroup.kill", dir);
        if (access(kill_file, F_OK) == 0)
            return write_file(dir, "cgroup.kill", "1", rel, e);
    }
    _cleanup_free_ char *frozen = NULL;
    bool v2 = false, thaw = sig == SIGKILL && freeze(&l, rel, &frozen, &v2);
    _cleanup_free_ pid_t *pids = NULL;
    size_t n = 0;
    int r = 0;
    if (collect(dir, &pids, &n) < 0)
        r = herr_sys(e, "cgroup \"/%s\": list processes in %s", rel, dir);
    for (size_t i = 0; i < n; i++)
        if (kill(pids[i], sig) < 0 && errno != ESRCH && r == 0)
            r = herr_sys(e, "cgroup \"/%s\": signal %d to pid %d", rel, sig, (int)pids[i]);
    if (thaw)
        write_file(frozen, v2 ? "cgroup.freeze" : "freezer.state", v2 ? "0" : "THAWED", rel, NULL);
    return r;
}

int cg_freeze(const char *fsroot, const char *path, bool frozen, struct herr *e)
{
    _cleanup_layout_ struct layout l = {0};
    _cleanup_free_ char *rel = open_cg(fsroot, path, &l, e);
    if (!rel)
        return -1;
    int i = l.v2 >= 0 ? l.v2 : find_v1(&l, "freezer");
    if (i < 0)
        return herr_set(e, ENOTSUP, "cgroup \"/%s\": no freezer on this host", rel);
    bool v2 = l.h[i].v2;
    _cleanup_free_ char *dir = leaf(&l.h[i], rel);
    const char *file = v2 ? "cgroup.freeze" : "freezer.state";
    if (write_file(dir, file, v2 ? (frozen ? "1" : "0") : (frozen ? "FROZEN" : "THAWED"), rel, e) <
        0)
        return -1;
    if (!frozen)
        return 0;
    /* A task in an uninterruptible sleep delays the freeze; v1 reports FREEZING meanwhile. */
    for (int t = 0; t < 2000; t++) {
        char buf[512];
        if (read_file(dir, v2 ? "cgroup.events" : "freezer.state", buf, sizeof(buf)) < 0)
            return herr_sys(e, "cgroup \"/%s\": read freezer state", rel);
        if (v2 ? strstr(buf, "frozen 1") != NULL : str_has_prefix(buf, "FROZEN"))
            return 0;
        sleep_ms(1);
    }
    write_file(dir, file, v2 ? "0" : "THAWED", rel, NULL);
    return herr_set(e, EBUSY, "cgroup \"/%s\": processes did not freeze within 2 s", rel);
}

bool cg_oom_killed(const char *fsroot, const char *path)
{
    _cleanup_free_ char *rel = cg_rel_path(path, NULL);
    _cleanup_layout_ struct layout l = {0};
    if (!rel || detect(fsroot, &l, NULL) < 0)
        return false;
    int i = l.mode == CG_MODE_V2 ? l.v2 : find_v1(&l, "memory");
    if (i < 0)
        return false;
    _cleanup_free_ char *dir = leaf(&l.h[i], rel);
    char buf[1024];
    if (read_file(dir, l.h[i].v2 ? "memory.events" : "memory.oom_control", buf, sizeof(buf)) < 0)
        return false;
    for (char *s = buf; s && *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL) {
        long long v;
        if ((sscanf(s, "oom_kill %lld", &v) == 1 || sscanf(s, "under_oom %lld", &v) == 1) && v > 0)
            return true;
    }
    return false;
}

/* rmdir dir after the cgroups below it; the last processes may still be exiting. */
static int remove_tree(const char *dir, const struct timespec *deadline)
{
    _cleanup_dir_ DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : -1;
    for (struct dirent *de; (de = readdir(d));) {
        if (de->d_type != DT_DIR || de->d_name[0] == '.')
            continue;
        _cleanup_free_ char *sub = xasprintf("%s/%s", dir, de->d_name);
        if (remove_tree(sub, deadline) < 0)
            return -1;
    }
    for (;;) {
        if (rmdir(dir) == 0 || errno == ENOENT)
            return 0;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (errno != EBUSY || now.tv_sec > deadline->tv_sec ||
            (now.tv_sec == deadline->tv_sec && now.tv_nsec > deadline->tv_nsec))
            return -1;
        sleep_ms(5);
    }
}

int cg_destroy(const char *fsroot, const char *path, struct herr *e)
{
    _cleanup_layout_ struct layout l = {0};
    _cleanup_free_ char *rel = open_cg(fsroot, path, &l, e);
    if (!rel)
        return -1;
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += 2;
    int r = 0;
    for (size_t i = 0; i < l.n; i++) {
        _cleanup_free_ char *dir = leaf(&l.h[i], rel);
        if (remove_tree(dir, &deadline) < 0 && r == 0)
            r = herr_sys(e, "cgroup \"/%s\": remove %s", rel, dir);
    }
    return r;
}
