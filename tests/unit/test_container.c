#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/container/container.h"
#include "engine/container/ctr_internal.h"

static void test_signals(void **state)
{
    (void)state;
    assert_int_equal(ctr_parse_signal("TERM"), SIGTERM);
    assert_int_equal(ctr_parse_signal("SIGKILL"), SIGKILL);
    assert_int_equal(ctr_parse_signal("sigusr1"), SIGUSR1);
    assert_int_equal(ctr_parse_signal("9"), 9);
    assert_int_equal(ctr_parse_signal("0"), -1);
    assert_int_equal(ctr_parse_signal("65"), -1);
    assert_int_equal(ctr_parse_signal("NOPE"), -1);
    assert_int_equal(ctr_parse_signal(""), -1);
}

static void test_restart(void **state)
{
    (void)state;
    char name[32];
    int max;
    struct herr e = {0};
    assert_int_equal(ctr_parse_restart("no", name, sizeof(name), &max, &e), 0);
    assert_string_equal(name, "no");
    assert_int_equal(ctr_parse_restart("on-failure:3", name, sizeof(name), &max, &e), 0);
    assert_string_equal(name, "on-failure");
    assert_int_equal(max, 3);
    assert_int_equal(ctr_parse_restart("unless-stopped", name, sizeof(name), &max, &e), 0);
    assert_int_equal(ctr_parse_restart("always:2", name, sizeof(name), &max, &e), -1);
    assert_non_null(strstr(e.msg, "on-failure only"));
    assert_int_equal(ctr_parse_restart("on-failure:x", name, sizeof(name), &max, &e), -1);
    assert_int_equal(ctr_parse_restart("sometimes", name, sizeof(name), &max, &e), -1);
    assert_non_null(strstr(e.msg, "sometimes"));
}

static void test_caps(void **state)
{
    (void)state;
    char buf[64];
    assert_string_equal(ctr_cap_normalize("chown", buf, sizeof(buf)), "CAP_CHOWN");
    assert_string_equal(ctr_cap_normalize("CAP_SYS_ADMIN", buf, sizeof(buf)), "CAP_SYS_ADMIN");
    assert_string_equal(ctr_cap_normalize("all", buf, sizeof(buf)), "ALL");
    assert_null(ctr_cap_normalize("CAP_NOPE", buf, sizeof(buf)));
}

static char *make_root(void)
{
    char *dir = xstrdup("/tmp/test_container.XXXXXX");
    assert_non_null(mkdtemp(dir));
    _cleanup_free_ char *etc = xasprintf("%s/etc", dir);
    assert_int_equal(mkdir(etc, 0755), 0);
    _cleanup_close_ int fd = open(etc, O_RDONLY | O_DIRECTORY);
    const char *pw = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n"
                     "broken line\n";
    const char *gr = "root:x:0:\nwheel:x:10:app,root\nstaff:x:50:app\napp:x:1000:\n";
    assert_int_equal(fs_write_atomic(fd, "passwd", pw, strlen(pw), 0644, false, NULL), 0);
    assert_int_equal(fs_write_atomic(fd, "group", gr, strlen(gr), 0644, false, NULL), 0);
    return dir;
}

static void test_user(void **state)
{
    (void)state;
    _cleanup_free_ char *dir = make_root();
    _cleanup_close_ int rfd = open(dir, O_RDONLY | O_DIRECTORY);
    struct ctr_user u;
    struct herr e = {0};
    assert_int_equal(ctr_user_resolve(rfd, "app", &u, &e), 0);
    assert_int_equal(u.uid, 1000);
    assert_int_equal(u.gid, 1000);
    assert_string_equal(u.home, "/home/app");
    assert_int_equal(u.ngroups, 2);
    assert_int_equal(u.groups[0], 10);
    assert_int_equal(u.groups[1], 50);
    assert_int_equal(ctr_user_resolve(rfd, "", &u, &e), 0);
    assert_int_equal(u.uid, 0);
    assert_int_equal(ctr_user_resolve(rfd, "app:staff", &u, &e), 0);
    assert_int_equal(u.gid, 50);
    assert_int_equal(u.ngroups, 0);
    assert_int_equal(ctr_user_resolve(rfd, "4242:4343", &u, &e), 0);
    assert_int_equal(u.uid, 4242);
    assert_int_equal(u.gid, 4343);
    assert_int_equal(ctr_user_resolve(rfd, "ghost", &u, &e), -1);
    assert_non_null(strstr(e.msg, "unable to find user ghost"));
    assert_int_equal(ctr_user_resolve(rfd, "app:nogroup", &u, &e), -1);
    assert_non_null(strstr(e.msg, "unable to find group nogroup"));
    fs_rm_rf(dir, NULL);
}

/* An image whose /etc is a symlink to the host's /etc must not read the host's files. */
static void test_user_symlink_stays_inside(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_container.XXXXXX";
    assert_non_null(mkdtemp(dir));
    _cleanup_free_ char *etc = xasprintf("%s/etc", dir);
    assert_int_equal(symlink("/etc", etc), 0);
    _cleanup_close_ int rfd = open(dir, O_RDONLY | O_DIRECTORY);
    struct ctr_user u;
    struct herr e = {0};
    /* The host has a "root" user; the container root has no passwd file. */
    assert_int_equal(ctr_user_resolve(rfd, "root", &u, &e), -1);
    assert_int_equal(ctr_user_resolve(rfd, "0", &u, &e), 0);
    assert_int_equal(u.ngroups, 0);
    fs_rm_rf(dir, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signals),
        cmocka_unit_test(test_restart),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_user),
        cmocka_unit_test(test_user_symlink_stays_inside),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
