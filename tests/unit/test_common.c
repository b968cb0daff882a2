#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/lock.h"
#include "common/str.h"

static void test_parse_size(void **state)
{
    (void)state;
    long long v;
    assert_int_equal(str_parse_size("4096", &v), 0);
    assert_int_equal(v, 4096);
    assert_int_equal(str_parse_size("64m", &v), 0);
    assert_int_equal(v, 64LL << 20);
    assert_int_equal(str_parse_size("1g", &v), 0);
    assert_int_equal(v, 1LL << 30);
    assert_int_equal(str_parse_size("1.5k", &v), 0);
    assert_int_equal(v, 1536);
    assert_int_equal(str_parse_size("512MB", &v), 0);
    assert_int_equal(v, 512LL << 20);
    assert_int_equal(str_parse_size("", &v), -1);
    assert_int_equal(str_parse_size("-1", &v), -1);
    assert_int_equal(str_parse_size("12x", &v), -1);
    assert_int_equal(str_parse_size("1mx", &v), -1);
}

static void test_parse_ll(void **state)
{
    (void)state;
    long long v;
    assert_int_equal(str_parse_ll("42", &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(str_parse_ll("42a", &v), -1);
    assert_int_equal(str_parse_ll("-3", &v), -1);
    assert_int_equal(str_parse_ll("99999999999999999999999", &v), -1);
}

static void test_strv_and_hex(void **state)
{
    (void)state;
    _cleanup_strv_ char **v = NULL;
    strv_push(&v, xstrdup("a"));
    strv_push(&v, xstrdup("b"));
    assert_int_equal(strv_len(v), 2);
    _cleanup_strv_ char **d = strv_dup(v);
    assert_string_equal(d[1], "b");
    assert_null(d[2]);
    char hex[65];
    assert_int_equal(str_random_hex(hex, 64), 0);
    assert_int_equal(strlen(hex), 64);
    assert_int_equal(strspn(hex, "0123456789abcdef"), 64);
    assert_true(str_has_prefix("sha256:ab", "sha256:"));
    assert_true(str_has_suffix("a.tar", ".tar"));
    assert_false(str_has_suffix("r", ".tar"));
}

static void test_err(void **state)
{
    (void)state;
    struct herr e = {0};
    char buf[HERR_MSG_MAX + 64];
    assert_int_equal(herr_set(&e, ENOENT, "open %s", "x"), -1);
    assert_int_equal(herr_wrap(&e, "container %s", "c1"), -1);
    assert_string_equal(herr_str(&e, buf, sizeof(buf)),
                        "container c1: open x: No such file or directory");
    herr_clear(&e);
    assert_int_equal(herr_set(NULL, 0, "ignored"), -1);
    /* A missing name keeps ENOENT for callers but prints without strerror, also wrapped;
     * the next herr_set prints strerror again. */
    assert_int_equal(herr_plain(&e, ENOENT, "No such image: %s", "x"), -1);
    assert_int_equal(e.errnum, ENOENT);
    assert_int_equal(herr_wrap(&e, "pull"), -1);
    assert_string_equal(herr_str(&e, buf, sizeof(buf)), "pull: No such image: x");
    herr_set(&e, ENOENT, "open y");
    assert_string_equal(herr_str(&e, buf, sizeof(buf)), "open y: No such file or directory");
    assert_int_equal(herr_plain(NULL, ENOENT, "ignored"), -1);
}

static char *mktempdir(void)
{
    char *t = xstrdup("/tmp/hoist-unit.XXXXXX");
    assert_non_null(mkdtemp(t));
    return t;
}

static void test_fs_atomic_and_rm(void **state)
{
    (void)state;
    struct herr e = {0};
    _cleanup_free_ char *dir = mktempdir();
    _cleanup_free_ char *deep = xasprintf("%s/a/b/c", dir);
    assert_int_equal(fs_mkdir_p(deep, 0755, &e), 0);
    _cleanup_close_ int dfd = open(deep, O_RDONLY | O_DIRECTORY);
    assert_true(dfd >= 0);
    assert_int_equal(
        fs_write_atomic(dfd, "f.json", "{\"a\":{\"b\":[\"x\",1,\"y\"]}}", 23, 0600, true, &e), 0);
    _cleanup_json_ json_t *j = hj_load_file(dfd, "f.json", &e);
    assert_non_null(j);
    _cleanup_strv_ char **v = hj_strv(hj_path(j, "a.b"));
    assert_int_equal(strv_len(v), 2);
    assert_string_equal(v[1], "y");
    assert_null(hj_path(j, "a.c"));
    assert_int_equal(hj_int(j, "nope", 7), 7);
    _cleanup_json_ json_t *bad = hj_load_str("{bad", "x.json", &e);
    assert_null(bad);
    assert_non_null(strstr(e.msg, "x.json:1:"));
    /* A symlink inside the tree must be removed, never followed. */
    _cleanup_free_ char *outside = mktempdir();
    _cleanup_free_ char *canary = xasprintf("%s/canary", outside);
    assert_int_equal(fs_write_atomic(AT_FDCWD, canary, "x", 1, 0600, false, &e), 0);
    assert_int_equal(symlinkat(outside, dfd, "link"), 0);
    assert_int_equal(fs_rm_rf(dir, &e), 0);
    assert_false(fs_exists(dir));
    assert_true(fs_exists(canary));
    assert_int_equal(fs_rm_rf(outside, &e), 0);
    assert_int_equal(fs_rm_rf("/tmp/hoist-unit-does-not-exist", &e), 0);
}

static void test_lock(void **state)
{
    (void)state;
    struct herr e = {0};
    _cleanup_free_ char *dir = mktempdir();
    _cleanup_free_ char *path = xasprintf("%s/lock", dir);
    {
        _cleanup_close_ int fd = lock_take(path, &e);
        assert_true(fd >= 0);
        /* A second, independent open must not get the lock while the first holds it. */
        int fd2 = open(path, O_RDWR);
        assert_int_equal(flock(fd2, LOCK_EX | LOCK_NB), -1);
        close(fd2);
    }
    _cleanup_close_ int fd3 = lock_take_shared(path, &e);
    assert_true(fd3 >= 0);
    assert_int_equal(lock_take("/nonexistent-dir/lock", &e), -1);
    assert_int_equal(e.errnum, ENOENT);
    fs_rm_rf(dir, &e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_size),       cmocka_unit_test(test_parse_ll),
        cmocka_unit_test(test_strv_and_hex),     cmocka_unit_test(test_err),
        cmocka_unit_test(test_fs_atomic_and_rm), cmocka_unit_test(test_lock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
