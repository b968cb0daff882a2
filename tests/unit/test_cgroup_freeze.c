/* cg_freeze against real hierarchies, as root: a cgroup2 mount of the test's own
 * (cgroup.freeze), a v1 freezer mounted on a private tmpfs (freezer.state), and the host
 * (hybrid here: the v2 side freezes). A child counting in shared memory shows whether it
 * runs. Every cgroup and mount made here is removed again. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
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
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/str.h"
#include "engine/runtime/cgroup.h"

static char parent[64];
static volatile uint64_t *counter;

static pid_t spawn_counter(void)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        for (;;)
            (*counter)++;
    }
    return pid;
}

/* The child counts on: it is seen to, however loaded the machine (a minute's
 * deadline only bounds how long a broken run takes to fail). */
static bool counts_on(void)
{
    uint64_t a = *counter;
    for (int i = 0; i < 60000; i++) {
        if (*counter != a)
            return true;
        usleep(1000);
    }
    return false;
}

/* The child is frozen: cg_freeze returns once the cgroup reads frozen, so its count
 * must not move, however long we look. */
static bool stays_put(void)
{
    uint64_t a = *counter;
    usleep(50000);
    return *counter == a;
}

static void remove_parent(const char *mnt)
{
    _cleanup_free_ char *p = xasprintf("%s/%s", mnt, parent);
    rmdir(p);
}

/* Freeze and thaw the counting child through the hierarchies under fsroot. */
static void freeze_cycle(const char *fsroot)
{
    struct herr e = {0};
    _cleanup_free_ char *path = xasprintf("/%s/c", parent);
    pid_t pid = spawn_counter();
    if (cg_create(fsroot, path, NULL, pid, &e) < 0)
        fail_msg("cg_create: %s", e.msg);
    assert_true(counts_on());
    if (cg_freeze(fsroot, path, true, &e) < 0)
        fail_msg("cg_freeze: %s", e.msg);
    assert_true(stays_put());
    /* Freezing twice is harmless. */
    assert_int_equal(cg_freeze(fsroot, path, true, &e), 0);
    assert_int_equal(cg_freeze(fsroot, path, false, &e), 0);
    assert_true(counts_on());
    /* A frozen cgroup is still killed. */
    assert_int_equal(cg_freeze(fsroot, path, true, &e), 0);
    assert_int_equal(cg_kill(fsroot, path, SIGKILL, &e), 0);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    if (cg_destroy(fsroot, path, &e) < 0)
        fail_msg("cg_destroy: %s", e.msg);
}

static char *scratch_mount(const char *type, const char *opts)
{
    char tmpl[] = "/tmp/hoist-cgfreeze.XXXXXX";
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

static void test_v2(void **state)
{
    (void)state;
    char *mnt = scratch_mount("cgroup2", NULL);
    freeze_cycle(mnt);
    remove_parent(mnt);
    drop_mount(mnt);
}

static void test_v1(void **state)
{
    (void)state;
    char *root = scratch_mount("tmpfs", "mode=755");
    _cleanup_free_ char *fz = xasprintf("%s/freezer", root);
    assert_int_equal(mkdir(fz, 0755), 0);
    if (mount("cgroup", fz, "cgroup", 0, "freezer") < 0)
        fail_msg("mount the v1 freezer: %s", strerror(errno));
    freeze_cycle(root);
    remove_parent(fz);
    assert_int_equal(umount2(fz, 0), 0);
    drop_mount(root);
}

static void test_host(void **state)
{
    (void)state;
    freeze_cycle("/sys/fs/cgroup");
    char *dirs[] = {"/sys/fs/cgroup/unified", "/sys/fs/cgroup/freezer", "/sys/fs/cgroup/pids",
                    "/sys/fs/cgroup/cpu",     "/sys/fs/cgroup/cpuacct", "/sys/fs/cgroup/cpuset",
                    "/sys/fs/cgroup/memory",  "/sys/fs/cgroup/devices", "/sys/fs/cgroup/blkio",
                    "/sys/fs/cgroup/systemd", "/sys/fs/cgroup"};
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
        remove_parent(dirs[i]);
}

static void test_errors(void **state)
{
    (void)state;
    struct herr e = {0};
    char *root = scratch_mount("tmpfs", "mode=755");
    _cleanup_free_ char *pids = xasprintf("%s/pids", root);
    assert_int_equal(mkdir(pids, 0755), 0);
    if (mount("cgroup", pids, "cgroup", 0, "pids") < 0)
        fail_msg("mount the v1 pids hierarchy: %s", strerror(errno));
    /* No freezer hierarchy and no v2: pausing is impossible, and says so. */
    assert_int_equal(cg_freeze(root, "/x/y", true, &e), -1);
    assert_non_null(strstr(e.msg, "no freezer"));
    assert_int_equal(umount2(pids, 0), 0);
    drop_mount(root);
    /* A cgroup that does not exist cannot be frozen. */
    _cleanup_free_ char *missing = xasprintf("/%s/missing", parent);
    assert_int_equal(cg_freeze("/sys/fs/cgroup", missing, true, &e), -1);
    assert_non_null(strstr(e.msg, "cgroup.freeze"));
}

int main(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "test_cgroup_freeze needs root: it creates cgroups and mounts\n");
        return 1;
    }
    counter =
        mmap(NULL, sizeof(*counter), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (counter == MAP_FAILED)
        return 1;
    snprintf(parent, sizeof(parent), "hoist-cgfreeze-%d", (int)getpid());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v2),
        cmocka_unit_test(test_v1),
        cmocka_unit_test(test_host),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
