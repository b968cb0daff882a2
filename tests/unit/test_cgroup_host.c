/* The cgroup module against real hierarchies, as root: the host's own /sys/fs/cgroup
 * (hybrid on the reference machine), a cgroup2 mount of the test's own (the v2 code path
 * and the device eBPF program), and a v1-only tree mounted on a private tmpfs. Every
 * cgroup and mount made here is removed again. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/runtime/cgroup.h"

#define HOST "/sys/fs/cgroup"

static char parent[64];

/* A child that runs commands sent over a pipe, so the test decides when it acts: after
 * it has been moved into its cgroup. */
struct child {
    pid_t pid;
    int cmd, reply;
};

static void child_loop(int cmd, int reply)
{
    char c;
    while (read(cmd, &c, 1) == 1) {
        int out[2] = {0, 0};
        if (c == 'd') {
            int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
            out[0] = fd < 0 ? errno : 0;
            fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
            out[1] = fd < 0 ? errno : 0;
        } else if (c == 'f') {
            for (int i = 0; i < 10; i++) {
                pid_t p = fork();
                if (p == 0) {
                    pause();
                    _exit(0);
                }
                out[p < 0 && errno == EAGAIN ? 0 : 1]++;
            }
        } else if (c == 'm') {
            size_t size = 256u << 20;
            char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            for (size_t i = 0; p != MAP_FAILED && i < size; i += 4096)
                p[i] = 1;
        }
        if (write(reply, out, sizeof(out)) != sizeof(out))
            _exit(3);
    }
    _exit(0);
}

static struct child spawn(void)
{
    int a[2], b[2];
    assert_int_equal(pipe2(a, O_CLOEXEC), 0);
    assert_int_equal(pipe2(b, O_CLOEXEC), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(a[1]);
        close(b[0]);
        child_loop(a[0], b[1]);
    }
    close(a[0]);
    close(b[1]);
    return (struct child){.pid = pid, .cmd = a[1], .reply = b[0]};
}

static void ask(struct child *c, char cmd, int out[2])
{
    assert_int_equal(write(c->cmd, &cmd, 1), 1);
    assert_int_equal(read(c->reply, out, 2 * sizeof(int)), 2 * sizeof(int));
}

/* Wait for the child, then reap whatever of its own children reparented to us. */
static int reap(struct child *c)
{
    int status = 0;
    assert_int_equal(waitpid(c->pid, &status, 0), c->pid);
    close(c->cmd);
    close(c->reply);
    return status;
}

static char *slurp(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *slurp(const char *fmt, ...)
{
    char path[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    _cleanup_file_ FILE *f = fopen(path, "re");
    if (!f)
        fail_msg("open %s: %s", path, strerror(errno));
    char buf[4096];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    while (n > 0 && buf[n - 1] == '\n')
        buf[--n] = '\0';
    return xstrdup(buf);
}

static void expect_file(const char *want, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void expect_file(const char *want, const char *fmt, ...)
{
    char path[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    _cleanup_free_ char *got = slurp("%s", path);
    if (strcmp(got, want) != 0)
        fail_msg("%s: got \"%s\", want \"%s\"", path, got, want);
}

static void rm_cgroups(const char *dir)
{
    _cleanup_dir_ DIR *d = opendir(dir);
    if (!d)
        return;
    for (struct dirent *de; (de = readdir(d));) {
        if (de->d_type != DT_DIR || de->d_name[0] == '.')
            continue;
        _cleanup_free_ char *sub = xasprintf("%s/%s", dir, de->d_name);
        rm_cgroups(sub);
    }
    rmdir(dir);
}

/* Whether rel exists in any hierarchy under root. */
static bool exists_anywhere(const char *root, const char *rel)
{
    _cleanup_dir_ DIR *d = opendir(root);
    assert_non_null(d);
    struct stat st;
    bool found = false;
    for (struct dirent *de; !found && (de = readdir(d));) {
        if (de->d_name[0] == '.')
            continue;
        _cleanup_free_ char *p = xasprintf("%s/%s/%s", root, de->d_name, rel);
        found = stat(p, &st) == 0;
    }
    return found;
}

static void cleanup_host(void)
{
    _cleanup_dir_ DIR *d = opendir(HOST);
    for (struct dirent *de; d && (de = readdir(d));) {
        if (de->d_name[0] == '.')
            continue;
        _cleanup_free_ char *p = xasprintf(HOST "/%s/%s", de->d_name, parent);
        rm_cgroups(p);
    }
}

static int teardown(void **state)
{
    (void)state;
    /* Children of killed test children were reparented to this subreaper. */
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    cleanup_host();
    return 0;
}

static json_t *parse(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    if (!j)
        fail_msg("bad test JSON: %s", je.text);
    return j;
}

static void expect_pids(const char *fsroot, const char *path, size_t want, pid_t member)
{
    struct herr e = {0};
    _cleanup_free_ pid_t *pids = NULL;
    size_t n = 0;
    if (cg_pids(fsroot, path, &pids, &n, &e) < 0)
        fail_msg("cg_pids: %s", e.msg);
    assert_int_equal(n, want);
    bool found = member == 0;
    for (size_t i = 0; i < n; i++)
        found = found || pids[i] == member;
    assert_true(found);
}

static void test_host_limits(void **state)
{
    (void)state;
    struct herr e = {0};
    enum cg_mode mode;
    assert_int_equal(cg_detect(HOST, &mode, &e), 0);
    _cleanup_free_ char *path = xasprintf("/%s/limits", parent);
    _cleanup_json_ json_t *res = parse(
        "{\"memory\": {\"limit\": 67108864, \"swap\": 100663296},"
        " \"cpu\": {\"shares\": 512, \"quota\": 50000, \"period\": 100000},"
        " \"pids\": {\"limit\": 5},"
        " \"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
        "  {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3, \"access\": \"rwm\"}]}");
    struct child c = spawn();
    if (cg_create(HOST, path, res, c.pid, &e) < 0)
        fail_msg("cg_create: %s", e.msg);
    if (mode == CG_MODE_V2) {
        expect_file("67108864", HOST "%s/memory.max", path);
        expect_file("33554432", HOST "%s/memory.swap.max", path);
        expect_file("20", HOST "%s/cpu.weight", path);
        expect_file("50000 100000", HOST "%s/cpu.max", path);
        expect_file("5", HOST "%s/pids.max", path);
    } else {
        expect_file("67108864", HOST "/memory%s/memory.limit_in_bytes", path);
        expect_file("100663296", HOST "/memory%s/memory.memsw.limit_in_bytes", path);
        expect_file("512", HOST "/cpu%s/cpu.shares", path);
        expect_file("50000", HOST "/cpu%s/cpu.cfs_quota_us", path);
        expect_file("5", HOST "/pids%s/pids.max", path);
        expect_file("c 1:3 rwm", HOST "/devices%s/devices.list", path);
        /* A new v1 cpuset parent was given its parent's cpus, or the move would fail. */
        _cleanup_free_ char *cpus = slurp(HOST "/cpuset/cpuset.cpus");
        expect_file(cpus, HOST "/cpuset/%s/cpuset.cpus", parent);
    }
    /* The child is in the container cgroup in every hierarchy, v2 side included. */
    _cleanup_free_ char *cg = slurp("/proc/%d/cgroup", (int)c.pid);
    for (char *line = cg; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        char *rel = strchr(strchr(line, ':') + 1, ':') + 1;
        if (strcmp(rel, path) != 0)
            fail_msg("/proc/%d/cgroup: \"%s\" is not in %s", (int)c.pid, line, path);
        line = nl ? nl + 1 : NULL;
    }
    int out[2];
    ask(&c, 'd', out);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[1], EPERM);
    /* pids.max 5: the child and four of its forks; the other six get EAGAIN. */
    ask(&c, 'f', out);
    assert_int_equal(out[0], 6);
    assert_int_equal(out[1], 4);
    expect_pids(HOST, path, 5, c.pid);
    assert_false(cg_oom_killed(HOST, path));

    if (cg_kill(HOST, path, SIGKILL, &e) < 0)
        fail_msg("cg_kill: %s", e.msg);
    int status = reap(&c);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    /* Until the killed processes have left the cgroup: a minute at most. */
    for (int i = 0; i < 6000; i++) {
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 1;
        assert_int_equal(cg_pids(HOST, path, &pids, &n, &e), 0);
        if (n == 0)
            break;
        usleep(10000);
    }
    expect_pids(HOST, path, 0, 0);
    if (cg_destroy(HOST, path, &e) < 0)
        fail_msg("cg_destroy: %s", e.msg);
    _cleanup_free_ char *rel = xasprintf("%s/limits", parent);
    assert_false(exists_anywhere(HOST, rel));
    /* Destroying what is gone is not an error. */
    assert_int_equal(cg_destroy(HOST, path, &e), 0);
    assert_false(cg_oom_killed(HOST, path));
}

static void test_host_oom(void **state)
{
    (void)state;
    struct herr e = {0};
    _cleanup_free_ char *path = xasprintf("/%s/oom", parent);
    /* No swap either: the hog must be killed, not swapped out. */
    _cleanup_json_ json_t *res = parse("{\"memory\": {\"limit\": 33554432, \"swap\": 33554432}}");
    struct child c = spawn();
    if (cg_create(HOST, path, res, c.pid, &e) < 0)
        fail_msg("cg_create: %s", e.msg);
    char cmd = 'm';
    assert_int_equal(write(c.cmd, &cmd, 1), 1);
    int status = reap(&c);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    assert_true(cg_oom_killed(HOST, path));
    assert_int_equal(cg_destroy(HOST, path, &e), 0);
}

static void test_host_signal_enter(void **state)
{
    (void)state;
    struct herr e = {0};
    _cleanup_free_ char *path = xasprintf("/%s/sig", parent);
    struct child c = spawn(), d = spawn();
    if (cg_create(HOST, path, NULL, c.pid, &e) < 0)
        fail_msg("cg_create: %s", e.msg);
    if (cg_enter(HOST, path, d.pid, &e) < 0)
        fail_msg("cg_enter: %s", e.msg);
    expect_pids(HOST, path, 2, d.pid);
    if (cg_kill(HOST, path, SIGUSR1, &e) < 0)
        fail_msg("cg_kill: %s", e.msg);
    int s1 = reap(&c), s2 = reap(&d);
    assert_true(WIFSIGNALED(s1) && WTERMSIG(s1) == SIGUSR1);
    assert_true(WIFSIGNALED(s2) && WTERMSIG(s2) == SIGUSR1);
    assert_int_equal(cg_destroy(HOST, path, &e), 0);
    /* Entering or listing a cgroup that is gone names it. */
    assert_int_equal(cg_enter(HOST, path, getpid(), &e), -1);
    assert_non_null(strstr(e.msg, path));
    _cleanup_free_ pid_t *pids = NULL;
    size_t n;
    assert_int_equal(cg_pids(HOST, path, &pids, &n, &e), -1);
    assert_non_null(strstr(e.msg, path));
    assert_int_equal(cg_kill(HOST, path, SIGKILL, &e), 0);
}

static void expect_create_fails(const char *json, pid_t pid, const char *msg, int errnum)
{
    struct herr e = {0};
    _cleanup_free_ char *path = xasprintf("/%s/bad/x", parent);
    _cleanup_json_ json_t *res = json ? parse(json) : NULL;
    assert_int_equal(cg_create(HOST, path, res, pid, &e), -1);
    if (!strstr(e.msg, msg))
        fail_msg("got \"%s\", want \"%s\"", e.msg, msg);
    if (errnum < 0)
        assert_int_not_equal(e.errnum, 0);
    else
        assert_int_equal(e.errnum, errnum);
    /* Nothing of the failed attempt stays, not even the parents it created. */
    assert_false(exists_anywhere(HOST, parent));
}

static void test_host_errors(void **state)
{
    (void)state;
    enum cg_mode mode;
    struct herr e = {0};
    assert_int_equal(cg_detect(HOST, &mode, &e), 0);
    cleanup_host();
    char want[256];
    snprintf(want, sizeof(want), "cgroup \"/%s/bad/x\": write \"cpuset.cpus\" = \"4095\"", parent);
    /* The kernel says EINVAL or ERANGE depending on its version. */
    expect_create_fails("{\"cpu\": {\"cpus\": \"4095\"}}", 0, want, -1);
    snprintf(want, sizeof(want), "cgroup \"/%s/bad/x\": write \"cgroup.procs\" = \"%d\"", parent,
             INT32_MAX - 1);
    expect_create_fails(NULL, INT32_MAX - 1, want, ESRCH);
    /* Undo also hands back a process that was already moved. */
    struct child c = spawn();
    expect_create_fails("{\"pids\": {\"limit\": 3}, \"cpu\": {\"cpus\": \"4095\"}}", c.pid,
                        "cpuset.cpus", -1);
    expect_create_fails("{\"memory\": {\"limit\": \"64m\"}}", c.pid,
                        "linux.resources.memory.limit: expected an integer", 0);
    if (mode == CG_MODE_HYBRID)
        expect_create_fails("{\"unified\": {\"memory.high\": \"1000000\"}}", c.pid,
                            "controller \"memory\" is not available in", 0);
    close(c.cmd);
    reap(&c);
    assert_int_equal(cg_create(HOST, "/x/../y", NULL, 0, &e), -1);
    assert_non_null(strstr(e.msg, "cgroup path \"/x/../y\": invalid component"));
    assert_int_equal(cg_detect("/nonexistent", &mode, &e), -1);
    assert_non_null(strstr(e.msg, "no cgroup hierarchy is mounted at or under /nonexistent"));
}

static char *scratch_mount(const char *type, const char *opts)
{
    char tmpl[] = "/tmp/hoist-cgtest.XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    if (mount("none", tmpl, type, 0, opts) < 0)
        fail_msg("mount %s on %s: %s", type, tmpl, strerror(errno));
    return xstrdup(tmpl);
}

static void drop_mount(char *dir)
{
    assert_int_equal(umount2(dir, MNT_DETACH), 0);
    assert_int_equal(rmdir(dir), 0);
    free(dir);
}

static void test_v2_mount(void **state)
{
    (void)state;
    struct herr e = {0};
    char *mnt = scratch_mount("cgroup2", NULL);
    enum cg_mode mode;
    assert_int_equal(cg_detect(mnt, &mode, &e), 0);
    assert_int_equal(mode, CG_MODE_V2);
    _cleanup_free_ char *before = slurp("%s/cgroup.subtree_control", mnt);
    _cleanup_free_ char *avail = slurp("%s/cgroup.controllers", mnt);
    bool huge = strstr(avail, "hugetlb") != NULL;
    _cleanup_free_ char *path = xasprintf("/%s/v2", parent);
    _cleanup_json_ json_t *res =
        parse(huge ? "{\"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 4194304}],"
                     " \"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
                     "  {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3}]}"
                   : "{\"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
                     "  {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3}]}");
    struct child c = spawn();
    if (cg_create(mnt, path, res, c.pid, &e) < 0)
        fail_msg("cg_create: %s", e.msg);
    char spid[24];
    snprintf(spid, sizeof(spid), "%d", (int)c.pid);
    expect_file(spid, "%s%s/cgroup.procs", mnt, path);
    if (huge)
        expect_file("4194304", "%s%s/hugetlb.2MB.max", mnt, path);
    int out[2];
    ask(&c, 'd', out);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[1], EPERM);
    expect_pids(mnt, path, 1, c.pid);
    if (cg_kill(mnt, path, SIGKILL, &e) < 0)
        fail_msg("cg_kill: %s", e.msg);
    int status = reap(&c);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    if (cg_destroy(mnt, path, &e) < 0)
        fail_msg("cg_destroy: %s", e.msg);
    struct stat st;
    _cleanup_free_ char *gone = xasprintf("%s%s", mnt, path);
    assert_int_equal(stat(gone, &st), -1);
    _cleanup_free_ char *top = xasprintf("%s/%s", mnt, parent);
    rm_cgroups(top);
    if (huge && !strstr(before, "hugetlb")) {
        /* Best effort: a concurrent user of hugetlb below the root keeps it enabled (EBUSY),
         * which is theirs to undo, not a fault of the code under test. */
        _cleanup_free_ char *ctl = xasprintf("%s/cgroup.subtree_control", mnt);
        _cleanup_close_ int fd = open(ctl, O_WRONLY | O_CLOEXEC);
        if (write(fd, "-hugetlb", 8) != 8 && errno != EBUSY)
            fail_msg("restore %s: %s", ctl, strerror(errno));
    }
    drop_mount(mnt);
}

static void test_v1_only_tree(void **state)
{
    (void)state;
    struct herr e = {0};
    char *root = scratch_mount("tmpfs", "mode=755");
    const char *subs[][2] = {
        {"pids", "pids"}, {"freezer", "freezer"}, {"systemd", "none,name=systemd"}};
    for (size_t i = 0; i < 3; i++) {
        _cleanup_free_ char *p = xasprintf("%s/%s", root, subs[i][0]);
        assert_int_equal(mkdir(p, 0755), 0);
        if (mount("cgroup", p, "cgroup", 0, subs[i][1]) < 0)
            fail_msg("mount cgroup %s: %s", subs[i][1], strerror(errno));
    }
    enum cg_mode mode;
    assert_int_equal(cg_detect(root, &mode, &e), 0);
    assert_int_equal(mode, CG_MODE_V1);
    _cleanup_free_ char *path = xasprintf("/%s/v1", parent);
    _cleanup_json_ json_t *res = parse("{\"pids\": {\"limit\": 7}}");
    struct child c = spawn();
    if (cg_create(root, path, res, c.pid, &e) < 0)
        fail_msg("cg_create: %s", e.msg);
    expect_file("7", "%s/pids%s/pids.max", root, path);
    expect_pids(root, path, 1, c.pid);
    /* No memory hierarchy here: asking for a memory limit names what is missing. */
    _cleanup_json_ json_t *mem = parse("{\"memory\": {\"limit\": 1048576}}");
    _cleanup_free_ char *other = xasprintf("/%s/v1b", parent);
    assert_int_equal(cg_create(root, other, mem, 0, &e), -1);
    assert_non_null(strstr(e.msg, "controller \"memory\" (for memory.limit_in_bytes) is not "
                                  "mounted"));
    int out[2];
    ask(&c, 'f', out);
    assert_int_equal(out[0], 4);
    expect_pids(root, path, 7, c.pid);
    /* SIGKILL on v1 has no cgroup.kill: freeze, signal pid by pid, thaw. */
    assert_int_equal(cg_kill(root, path, SIGKILL, &e), 0);
    int status = reap(&c);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    expect_file("THAWED", "%s/freezer%s/freezer.state", root, path);
    /* Until the killed processes have left the cgroup: a minute at most. */
    for (int i = 0; i < 6000; i++) {
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 1;
        assert_int_equal(cg_pids(root, path, &pids, &n, &e), 0);
        if (n == 0)
            break;
        usleep(10000);
    }
    expect_pids(root, path, 0, 0);
    assert_int_equal(cg_destroy(root, path, &e), 0);
    for (size_t i = 0; i < 3; i++) {
        _cleanup_free_ char *p = xasprintf("%s/%s/%s", root, subs[i][0], parent);
        struct stat st;
        assert_int_equal(stat(p, &st), 0);
        rm_cgroups(p);
        _cleanup_free_ char *m = xasprintf("%s/%s", root, subs[i][0]);
        assert_int_equal(umount2(m, 0), 0);
    }
    drop_mount(root);
}

/* A hybrid tree without v1 devices or hugetlb hierarchies: those limits go to the v2
 * side (an eBPF device program, hugetlb.<size>.max), the v1 pids hierarchy takes its own. */
static void test_hybrid_tree(void **state)
{
    (void)state;
    struct herr e = {0};
    char *root = scratch_mount("tmpfs", "mode=755");
    const char *subs[][3] = {{"pids", "cgroup", "pids"}, {"unified", "cgroup2", NULL}};
    for (size_t i = 0; i < 2; i++) {
        _cleanup_free_ char *p = xasprintf("%s/%s", root, subs[i][0]);
        assert_int_equal(mkdir(p, 0755), 0);
        if (mount("cgroup", p, subs[i][1], 0, subs[i][2]) < 0)
            fail_msg("mount %s: %s", subs[i][1], strerror(errno));
    }
    enum cg_mode mode;
    assert_int_equal(cg_detect(root, &mode, &e), 0);
    assert_int_equal(mode, CG_MODE_HYBRID);
    _cleanup_free_ char *v2root = xasprintf("%s/unified", root);
    _cleanup_free_ char *before = slurp("%s/cgroup.subtree_control", v2root);
    _cleanup_free_ char *avail = slurp("%s/cgroup.controllers", v2root);
    bool huge = strstr(avail, "hugetlb") != NULL;
    _cleanup_free_ char *path = xasprintf("/%s/hy", parent);
    _cleanup_json_ json_t *res =
        parse(huge ? "{\"pids\": {\"limit\": 9},"
                     " \"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 2097152}],"
                     " \"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
                     "  {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3}]}"
                   : "{\"pids\": {\"limit\": 9},"
                     " \"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
                     "  {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3}]}");
    struct child c = spawn();
    if (cg_create(root, path, res, c.pid, &e) < 0)
        fail_msg("cg_create: %s", e.msg);
    expect_file("9", "%s/pids%s/pids.max", root, path);
    if (huge)
        expect_file("2097152", "%s%s/hugetlb.2MB.max", v2root, path);
    int out[2];
    ask(&c, 'd', out);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[1], EPERM);
    expect_pids(root, path, 1, c.pid);
    assert_int_equal(cg_kill(root, path, SIGKILL, &e), 0);
    int status = reap(&c);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    assert_int_equal(cg_destroy(root, path, &e), 0);
    for (size_t i = 0; i < 2; i++) {
        _cleanup_free_ char *p = xasprintf("%s/%s/%s", root, subs[i][0], parent);
        rm_cgroups(p);
    }
    if (huge && !strstr(before, "hugetlb")) {
        _cleanup_free_ char *ctl = xasprintf("%s/cgroup.subtree_control", v2root);
        _cleanup_close_ int fd = open(ctl, O_WRONLY | O_CLOEXEC);
        if (write(fd, "-hugetlb", 8) != 8 && errno != EBUSY)
            fail_msg("restore %s: %s", ctl, strerror(errno));
    }
    for (size_t i = 0; i < 2; i++) {
        _cleanup_free_ char *m = xasprintf("%s/%s", root, subs[i][0]);
        assert_int_equal(umount2(m, 0), 0);
    }
    drop_mount(root);
}

int main(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "test_cgroup_host needs root: it creates cgroups and mounts\n");
        return 1;
    }
    /* Grandchildren killed with their cgroup are reaped here. */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    snprintf(parent, sizeof(parent), "hoist-cgtest-%d", (int)getpid());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_host_limits, teardown),
        cmocka_unit_test_teardown(test_host_oom, teardown),
        cmocka_unit_test_teardown(test_host_signal_enter, teardown),
        cmocka_unit_test_teardown(test_host_errors, teardown),
        cmocka_unit_test_teardown(test_v2_mount, teardown),
        cmocka_unit_test_teardown(test_v1_only_tree, teardown),
        cmocka_unit_test_teardown(test_hybrid_tree, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
