/* Healthchecks: duration parsing, the record built from options and the image, the
 * reader the scheduler polls, and the monitor's status rules. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/container/container.h"
#include "engine/container/ctr_internal.h"
/* The monitor is an executable, not a library: its pure rules are compiled in here. */
#include "engine/monitor/mon_health_rules.c"

#define SEC 1000000000LL

static long long dur(const char *s)
{
    long long ns = 12345;
    struct herr e = {0};
    if (ctr_parse_duration(s, &ns, &e) < 0) {
        assert_non_null(strstr(e.msg, "invalid duration"));
        return -12345;
    }
    return ns;
}

static void test_durations(void **state)
{
    (void)state;
    assert_true(dur("1m30s") == 90 * SEC);
    assert_true(dur("500ms") == SEC / 2);
    assert_true(dur("1.5h") == 5400 * SEC);
    assert_true(dur("1h2m3.25s") == 3723 * SEC + SEC / 4);
    assert_true(dur("0") == 0);
    assert_true(dur("-1s") == -SEC);
    assert_true(dur("+2s") == 2 * SEC);
    assert_true(dur(".5s") == SEC / 2);
    assert_true(dur("1.s") == SEC);
    assert_true(dur("2us") == 2000);
    assert_true(dur("3\xc2\xb5s") == 3000);
    assert_true(dur("7ns") == 7);
    assert_true(dur("1.0000000001s") == SEC);
    assert_true(dur("2562047h") == 2562047LL * 3600 * SEC);
    static const char *const bad[] = {"",   "s",           "1",        "10",   "abc",
                                      "1x", "1sm",         ".s",       "1s ",  " 1s",
                                      "-",  "9999999999h", "2562048h", "1e3s", NULL};
    for (const char *const *b = bad; *b; b++) {
        if (dur(*b) != -12345)
            fail_msg("\"%s\" was accepted", *b);
    }
}

static json_t *record(const struct ctr_health *h, const char *image_json, struct herr *e)
{
    _cleanup_json_ json_t *img = image_json ? json_loads(image_json, 0, NULL) : NULL;
    json_t *out = (json_t *)1;
    if (ctr_health_record(h, img, &out, e) < 0) {
        assert_ptr_equal(out, NULL);
        return NULL;
    }
    return out ? out : json_null();
}

static void assert_json(json_t *j, const char *want)
{
    _cleanup_free_ char *got = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
    assert_string_equal(got, want);
    json_decref(j);
}

static void test_record(void **state)
{
    (void)state;
    struct herr e = {0};
    char *shell[] = {"CMD-SHELL", "curl -f localhost", NULL};
    char *none[] = {"NONE", NULL};
    char *empty[] = {NULL};

    assert_json(record(&(struct ctr_health){0}, NULL, &e), "null");
    assert_json(record(&(struct ctr_health){.test = empty}, NULL, &e), "null");
    assert_json(
        record(&(struct ctr_health){.test = shell, .interval = 2 * SEC, .retries = 5}, NULL, &e),
        "{\"Interval\":2000000000,\"Retries\":5,\"Test\":[\"CMD-SHELL\",\"curl -f "
        "localhost\"]}");
    /* Options replace the image's fields one by one; the rest is the image's. */
    const char *img = "{\"Test\":[\"CMD\",\"check\"],\"Interval\":100,\"Timeout\":7000000000}";
    assert_json(record(&(struct ctr_health){0}, img, &e),
                "{\"Interval\":100,\"Test\":[\"CMD\",\"check\"],\"Timeout\":7000000000}");
    assert_json(record(&(struct ctr_health){.timeout = SEC, .start_interval = SEC}, img, &e),
                "{\"Interval\":100,\"StartInterval\":1000000000,\"Test\":[\"CMD\",\"check\"],"
                "\"Timeout\":1000000000}");
    assert_json(record(&(struct ctr_health){.test = none}, img, &e),
                "{\"Interval\":100,\"Test\":[\"NONE\"],\"Timeout\":7000000000}");

    const struct {
        struct ctr_health h;
        const char *msg;
    } bad[] = {
        {{.test = (char *[]){"BOGUS", "x", NULL}}, "must start with NONE, CMD or CMD-SHELL"},
        {{.test = (char *[]){"CMD", NULL}}, "needs a command"},
        {{.test = (char *[]){"CMD-SHELL", "a", "b", NULL}}, "needs one command string"},
        {{.test = (char *[]){"CMD-SHELL", "", NULL}}, "needs one command string"},
        {{.test = (char *[]){"NONE", "x", NULL}}, "takes no arguments"},
        {{.interval = -1}, "interval cannot be negative"},
        {{.timeout = 999999}, "timeout cannot be less than 1ms"},
        {{.start_period = -SEC}, "start period cannot be negative"},
        {{.start_interval = 5}, "start interval cannot be less than 1ms"},
        {{.retries = -1}, "retries cannot be negative"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        herr_clear(&e);
        assert_null(record(&bad[i].h, img, &e));
        if (!strstr(e.msg, bad[i].msg))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, e.msg, bad[i].msg);
    }
}

static void write_json(const char *dir, const char *name, const char *text)
{
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct herr e = {0};
    assert_int_equal(fs_write_atomic(dfd, name, text, strlen(text), 0644, false, &e), 0);
}

static void test_reader(void **state)
{
    (void)state;
    char root[] = "/tmp/hoist-test-health.XXXXXX";
    assert_non_null(mkdtemp(root));
    struct ctr_ctx c = {.root = root, .runroot = root};
    struct herr e = {0};
    const char *id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    _cleanup_free_ char *dir = ctr_dir(&c, id);
    assert_int_equal(fs_mkdir_p(dir, 0700, &e), 0);
    char st[32] = "x";

    write_json(dir, "config.json", "{\"Config\":{}}");
    assert_int_equal(ctr_health(&c, id, st, sizeof(st), &e), 0);
    assert_string_equal(st, "");
    write_json(dir, "config.json", "{\"Config\":{\"Healthcheck\":{\"Test\":[\"NONE\"]}}}");
    assert_int_equal(ctr_health(&c, id, st, sizeof(st), &e), 0);
    assert_string_equal(st, "");
    write_json(dir, "config.json",
               "{\"Config\":{\"Healthcheck\":{\"Test\":[\"CMD-SHELL\",\"true\"]}}}");
    assert_int_equal(ctr_health(&c, id, st, sizeof(st), &e), 0);
    assert_string_equal(st, "starting");
    write_json(dir, "health.json", "{\"Status\":\"unhealthy\",\"FailingStreak\":3,\"Log\":[]}");
    assert_int_equal(ctr_health(&c, id, st, sizeof(st), &e), 0);
    assert_string_equal(st, "unhealthy");

    /* The monitor's arguments carry docker's defaults for unset fields. */
    _cleanup_json_ json_t *rec = json_loads(
        "{\"Config\":{\"Healthcheck\":{\"Test\":[\"CMD\",\"a b\",\"c\"],\"Retries\":1}}}", 0, NULL);
    _cleanup_strv_ char **argv = xcalloc(1, sizeof(char *));
    ctr_health_monitor_args(rec, &argv);
    char joined[512] = "";
    for (char **p = argv; *p; p++)
        snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s%s",
                 p == argv ? "" : "|", *p);
    assert_string_equal(joined, "--health-cmd=a b|--health-cmd=c|--health-interval=30000000000|"
                                "--health-timeout=30000000000|--health-start-period=0|"
                                "--health-start-interval=5000000000|--health-retries=1");

    assert_int_equal(ctr_health(&c,
                                "f000000000000000000000000000000000000000000000000000000000000000",
                                st, sizeof(st), &e),
                     -1);
    fs_rm_rf(root, &e);
}

static void test_rules(void **state)
{
    (void)state;
    struct mon_health_rules r = {.interval = 10 * SEC,
                                 .timeout = SEC,
                                 .start_period = 60 * SEC,
                                 .start_interval = 2 * SEC,
                                 .retries = 2};
    struct mon_health_state s = {MON_HEALTH_STARTING, 0};
    /* Start period: probe at once, then every start interval; failures are free. */
    assert_true(mon_health_next_delay(&s, &r, 0, 0) == 0);
    mon_health_apply(&s, &r, 1, 0);
    mon_health_apply(&s, &r, 1, 5 * SEC);
    assert_int_equal(s.status, MON_HEALTH_STARTING);
    assert_int_equal(s.streak, 0);
    assert_true(mon_health_next_delay(&s, &r, 5 * SEC, 2) == 2 * SEC);
    /* Past the start period, failures count up to retries. */
    mon_health_apply(&s, &r, 1, 61 * SEC);
    assert_int_equal(s.status, MON_HEALTH_STARTING);
    assert_int_equal(s.streak, 1);
    assert_true(mon_health_next_delay(&s, &r, 61 * SEC, 3) == 10 * SEC);
    mon_health_apply(&s, &r, 1, 71 * SEC);
    assert_int_equal(s.status, MON_HEALTH_UNHEALTHY);
    assert_string_equal(mon_health_status_name(s.status), "unhealthy");
    /* One success recovers. */
    mon_health_apply(&s, &r, 0, 81 * SEC);
    assert_int_equal(s.status, MON_HEALTH_HEALTHY);
    assert_int_equal(s.streak, 0);

    /* After a success inside the start period failures count at once, at the interval. */
    s = (struct mon_health_state){MON_HEALTH_STARTING, 0};
    mon_health_apply(&s, &r, 0, SEC);
    assert_true(mon_health_next_delay(&s, &r, SEC, 1) == 10 * SEC);
    mon_health_apply(&s, &r, 1, 11 * SEC);
    assert_int_equal(s.streak, 1);
    assert_int_equal(s.status, MON_HEALTH_HEALTHY);

    /* Without a start period, docker's timing: the first probe after one interval. */
    r.start_period = 0;
    s = (struct mon_health_state){MON_HEALTH_STARTING, 0};
    assert_true(mon_health_next_delay(&s, &r, 0, 0) == 10 * SEC);
    r.retries = 1;
    mon_health_apply(&s, &r, 1, 10 * SEC);
    assert_int_equal(s.status, MON_HEALTH_UNHEALTHY);
}

static void test_format(void **state)
{
    (void)state;
    char b[64];
    static const struct {
        long long ns;
        const char *want;
    } cases[] = {
        {30 * SEC, "30s"},
        {300000000, "300ms"},
        {90 * SEC, "1m30s"},
        {3600 * SEC, "1h0m0s"},
        {SEC + SEC / 2, "1.5s"},
        {1500, "1500ns"},
        {2000, "2\xc2\xb5s"},
        {0, "0s"},
        {61 * SEC + 1, "1m1.000000001s"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        mon_health_format_duration(cases[i].ns, b, sizeof(b));
        assert_string_equal(b, cases[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_durations), cmocka_unit_test(test_record),
        cmocka_unit_test(test_reader),    cmocka_unit_test(test_rules),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
