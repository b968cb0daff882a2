#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include <cmocka.h>

#include "common/err.h"
#include "engine/runtime/runtime.h"

static void test_signals(void **state)
{
    (void)state;
    struct herr e = {0};
    int s = 0;
    assert_int_equal(rt_parse_signal("KILL", &s, &e), 0);
    assert_int_equal(s, SIGKILL);
    assert_int_equal(rt_parse_signal("SIGTERM", &s, &e), 0);
    assert_int_equal(s, SIGTERM);
    assert_int_equal(rt_parse_signal("sigusr1", &s, &e), 0);
    assert_int_equal(s, SIGUSR1);
    assert_int_equal(rt_parse_signal("9", &s, &e), 0);
    assert_int_equal(s, 9);
    assert_int_equal(rt_parse_signal("RTMIN+2", &s, &e), 0);
    assert_int_equal(s, SIGRTMIN + 2);
    assert_int_equal(rt_parse_signal("SIGRTMAX", &s, &e), 0);
    assert_int_equal(s, SIGRTMAX);
    assert_int_equal(rt_parse_signal("0", &s, &e), -1);
    assert_int_equal(rt_parse_signal("999", &s, &e), -1);
    assert_int_equal(rt_parse_signal("NOPE", &s, &e), -1);
    assert_string_equal(e.msg, "unknown signal \"NOPE\"");
    assert_int_equal(rt_parse_signal("RTMIN-1", &s, &e), -1);
    assert_int_equal(rt_parse_signal("", &s, &e), -1);
    assert_int_equal(rt_parse_signal("9x", &s, &e), -1);
}

static void test_rlimits(void **state)
{
    (void)state;
    struct herr e = {0};
    int r = -1;
    assert_int_equal(rt_parse_rlimit("RLIMIT_NOFILE", &r, &e), 0);
    assert_int_equal(r, RLIMIT_NOFILE);
    assert_int_equal(rt_parse_rlimit("RLIMIT_NPROC", &r, &e), 0);
    assert_int_equal(r, RLIMIT_NPROC);
    assert_int_equal(rt_parse_rlimit("NOFILE", &r, &e), -1);
    assert_string_equal(e.msg, "unknown rlimit \"NOFILE\"");
    assert_int_equal(rt_parse_rlimit(NULL, &r, &e), -1);
}

static void test_mount_options(void **state)
{
    (void)state;
    struct herr e = {0};
    struct rt_mount_opts o;
    json_t *opts =
        json_pack("[s,s,s,s,s,s]", "nosuid", "ro", "mode=755", "rbind", "rslave", "size=64k");
    assert_int_equal(rt_parse_mount_options(opts, &o, &e), 0);
    assert_true(o.bind && o.recursive);
    assert_int_equal(o.flags, MS_NOSUID | MS_RDONLY);
    assert_int_equal(o.propagate, MS_SLAVE | MS_REC);
    assert_string_equal(o.data, "mode=755,size=64k");
    free(o.data);
    json_decref(opts);

    opts = json_pack("[s,s,s,s]", "ro", "rw", "nodev", "dev");
    assert_int_equal(rt_parse_mount_options(opts, &o, &e), 0);
    assert_int_equal(o.flags, 0);
    assert_false(o.bind);
    assert_null(o.data);
    json_decref(opts);

    opts = json_pack("[s]", "private");
    assert_int_equal(rt_parse_mount_options(opts, &o, &e), 0);
    assert_int_equal(o.propagate, MS_PRIVATE);
    json_decref(opts);

    opts = json_pack("[s,i]", "ro", 3);
    assert_int_equal(rt_parse_mount_options(opts, &o, &e), -1);
    assert_null(o.data);
    json_decref(opts);

    opts = json_string("ro");
    assert_int_equal(rt_parse_mount_options(opts, &o, &e), -1);
    json_decref(opts);
    assert_int_equal(rt_parse_mount_options(NULL, &o, &e), 0);
}

static void test_user(void **state)
{
    (void)state;
    struct herr e = {0};
    uid_t u = 7;
    gid_t g = 7;
    bool has_gid = true;
    assert_int_equal(rt_parse_user("1000", &u, &g, &has_gid, &e), 0);
    assert_int_equal(u, 1000);
    assert_false(has_gid);
    assert_int_equal(rt_parse_user("0:44", &u, &g, &has_gid, &e), 0);
    assert_int_equal(u, 0);
    assert_int_equal(g, 44);
    assert_true(has_gid);
    assert_int_equal(rt_parse_user("app", &u, &g, &has_gid, &e), -1);
    assert_string_equal(e.msg, "invalid user \"app\": want UID[:GID]");
    assert_int_equal(rt_parse_user("1:", &u, &g, &has_gid, &e), -1);
    assert_int_equal(rt_parse_user(":1", &u, &g, &has_gid, &e), -1);
    assert_int_equal(rt_parse_user("-1", &u, &g, &has_gid, &e), -1);
    assert_int_equal(rt_parse_user("4294967295", &u, &g, &has_gid, &e), -1);
    assert_int_equal(rt_parse_user("", &u, &g, &has_gid, &e), -1);
}

static void test_caps_and_ids(void **state)
{
    (void)state;
    struct herr e = {0};
    int c = -1;
    assert_int_equal(rt_parse_cap("CAP_NET_ADMIN", &c, &e), 0);
    assert_int_equal(c, 12);
    assert_int_equal(rt_parse_cap("chown", &c, &e), 0);
    assert_int_equal(c, 0);
    assert_int_equal(rt_parse_cap("CAP_BOGUS", &c, &e), -1);
    assert_string_equal(e.msg, "unknown capability \"CAP_BOGUS\"");
    assert_int_equal(rt_parse_cap("CAP_3", &c, &e), -1);
    assert_true(rt_id_valid("abc-1_2.3"));
    assert_false(rt_id_valid(""));
    assert_false(rt_id_valid("../x"));
    assert_false(rt_id_valid("a/b"));
    assert_false(rt_id_valid(".hidden"));
    assert_false(rt_id_valid(NULL));
}

static void test_spec_default(void **state)
{
    (void)state;
    char *args[] = {"echo", "hi", NULL};
    json_t *s = rt_spec_default(args, false);
    assert_non_null(s);
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(json_object_get(s, "process"), "args"), 1)),
                        "hi");
    json_t *caps =
        json_object_get(json_object_get(json_object_get(s, "process"), "capabilities"), "bounding");
    assert_int_equal(json_array_size(caps), 14);
    assert_int_equal(json_array_size(json_object_get(s, "mounts")), 7);
    assert_non_null(json_object_get(json_object_get(s, "linux"), "seccomp"));
    json_decref(s);
}

static void test_sysctl(void **state)
{
    (void)state;
    struct herr e = {0};
    const unsigned long all = CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS;
    static const char *const ok[] = {
        "net.ipv4.ip_forward", "net/ipv4/ip_unprivileged_port_start",
        "kernel.shmmax",       "kernel.msgmnb",
        "kernel.sem",          "kernel.shm_rmid_forced",
        "fs.mqueue.msg_max",   "kernel.domainname",
        "kernel.hostname",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        assert_int_equal(rt_sysctl_check(ok[i], all, &e), 0);
    assert_int_equal(rt_sysctl_check("net.ipv4.ip_forward=1", all, &e), 0);
    assert_int_equal(rt_sysctl_check("vm.swappiness=61", all, &e), -1);
    assert_non_null(strstr(e.msg, "sysctl \"vm.swappiness\" is not"));
    static const char *const host[] = {
        "vm.swappiness",
        "kernel.core_pattern",
        "kernel.modprobe",
        "fs.file-max",
        "kernel.shm_next_id_x",
        "kernel.msg",
        "net",
        "fs.mqueue",
        "kernel.randomize_va_space",
    };
    for (size_t i = 0; i < sizeof(host) / sizeof(host[0]); i++) {
        assert_int_equal(rt_sysctl_check(host[i], all, &e), -1);
        assert_non_null(strstr(e.msg, "is not in a separate kernel namespace"));
    }
    static const struct {
        const char *key, *ns;
        unsigned long own;
    } shared[] = {
        {"net.ipv4.ip_forward", "host network namespace", CLONE_NEWIPC | CLONE_NEWUTS},
        {"kernel.shmmax", "hosts ipc namespace", CLONE_NEWNET | CLONE_NEWUTS},
        {"fs.mqueue.queues_max", "hosts ipc namespace", CLONE_NEWNET},
        {"kernel.domainname", "hosts uts namespace", CLONE_NEWNET | CLONE_NEWIPC},
    };
    for (size_t i = 0; i < sizeof(shared) / sizeof(shared[0]); i++) {
        assert_int_equal(rt_sysctl_check(shared[i].key, shared[i].own, &e), -1);
        assert_non_null(strstr(e.msg, shared[i].ns));
    }
    static const char *const bad[] = {"",        ".net.x", "net..x", "net.x.", "net/../kernel/x",
                                      "net.a b", "/net.x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(rt_sysctl_check(bad[i], all, &e), -1);
        assert_non_null(strstr(e.msg, "invalid sysctl key"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signals),       cmocka_unit_test(test_rlimits),
        cmocka_unit_test(test_mount_options), cmocka_unit_test(test_user),
        cmocka_unit_test(test_caps_and_ids),  cmocka_unit_test(test_spec_default),
        cmocka_unit_test(test_sysctl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
