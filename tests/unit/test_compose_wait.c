/* The scheduler's wait rules: a container against a dependency condition, and what
 * `up --wait` waits each service for (docker compose's rule for one-shot services). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"
#include "compose/loader/loader.h"
#include "compose/scheduler/run_internal.h"
#include "tests/unit/unit_helpers.h"

struct met_case {
    enum run_cond cond;
    const char *status, *health;
    long long code;
    int want;
    const char *msg; /* the error told when want is -1 */
};

static void test_cond_met(void **state)
{
    (void)state;
    static const struct met_case cases[] = {
        {RUN_COND_STARTED, "created", NULL, 0, 1, NULL},
        /* one-shot: done once exited 0, failed with its code otherwise */
        {RUN_COND_COMPLETED, "running", NULL, 0, 0, NULL},
        {RUN_COND_COMPLETED, "created", NULL, 0, 0, NULL},
        {RUN_COND_COMPLETED, "restarting", NULL, 0, 0, NULL},
        {RUN_COND_COMPLETED, "exited", NULL, 0, 1, NULL},
        {RUN_COND_COMPLETED, "exited", NULL, 3, -1,
         "service \"migrate\" didn't complete successfully: exit 3"},
        /* up --wait: running (healthy when there is a healthcheck); an exit fails it */
        {RUN_COND_RUNNING_OR_HEALTHY, "running", NULL, 0, 1, NULL},
        {RUN_COND_RUNNING_OR_HEALTHY, "created", NULL, 0, 0, NULL},
        {RUN_COND_RUNNING_OR_HEALTHY, "running", "starting", 0, 0, NULL},
        {RUN_COND_RUNNING_OR_HEALTHY, "running", "healthy", 0, 1, NULL},
        {RUN_COND_RUNNING_OR_HEALTHY, "exited", NULL, 0, -1, "container demo-x-1 exited (0)"},
        {RUN_COND_RUNNING_OR_HEALTHY, "exited", NULL, 4, -1, "container demo-x-1 exited (4)"},
        {RUN_COND_RUNNING_OR_HEALTHY, "running", "unhealthy", 0, -1,
         "dependency failed to start: container demo-x-1 is unhealthy"},
        /* service_healthy: needs a healthcheck */
        {RUN_COND_HEALTHY, "running", "healthy", 0, 1, NULL},
        {RUN_COND_HEALTHY, "running", "starting", 0, 0, NULL},
        {RUN_COND_HEALTHY, "running", NULL, 0, -1,
         "dependency failed to start: container demo-x-1 has no healthcheck configured"},
        {RUN_COND_HEALTHY, "created", NULL, 0, -1, "container demo-x-1 exited (0)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct met_case *c = &cases[i];
        struct herr e = {0};
        const char *name = c->cond == RUN_COND_COMPLETED ? "demo-migrate-1" : "demo-x-1";
        const char *service = c->cond == RUN_COND_COMPLETED ? "migrate" : "x";
        int r = run_cond_met(c->cond, name, service, c->status, c->health, c->code, &e);
        if (r != c->want)
            fail_msg("case %zu: %d, want %d (%s)", i, r, c->want, e.msg);
        if (c->msg)
            assert_string_equal(e.msg, c->msg);
    }
}

static void test_cond_parse(void **state)
{
    (void)state;
    assert_int_equal(run_cond_parse(NULL), RUN_COND_STARTED);
    assert_int_equal(run_cond_parse("service_started"), RUN_COND_STARTED);
    assert_int_equal(run_cond_parse("service_healthy"), RUN_COND_HEALTHY);
    assert_int_equal(run_cond_parse("service_completed_successfully"), RUN_COND_COMPLETED);
}

static void test_wait_cond(void **state)
{
    (void)state;
    struct compose_project *p =
        unit_compose_loaded("name: demo\n"
                            "services:\n"
                            "  migrate: {image: busybox}\n"
                            "  seed: {image: busybox}\n"
                            "  db: {image: busybox}\n"
                            "  app:\n"
                            "    image: busybox\n"
                            "    depends_on:\n"
                            "      migrate: {condition: service_completed_successfully}\n"
                            "      db: {condition: service_healthy}\n"
                            "      seed: {condition: service_started}\n");
    char *all[] = {"migrate", "seed", "db", "app", NULL};
    assert_int_equal(run_wait_cond(p, all, "migrate"), RUN_COND_COMPLETED);
    assert_int_equal(run_wait_cond(p, all, "seed"), RUN_COND_RUNNING_OR_HEALTHY);
    assert_int_equal(run_wait_cond(p, all, "db"), RUN_COND_RUNNING_OR_HEALTHY);
    assert_int_equal(run_wait_cond(p, all, "app"), RUN_COND_RUNNING_OR_HEALTHY);
    /* `up --wait migrate` alone: nothing brought up waits on it, so it must run */
    char *alone[] = {"migrate", NULL};
    assert_int_equal(run_wait_cond(p, alone, "migrate"), RUN_COND_RUNNING_OR_HEALTHY);
    compose_project_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cond_met),
        cmocka_unit_test(test_cond_parse),
        cmocka_unit_test(test_wait_cond),
    };
    return cmocka_run_group_tests(tests, unit_tmpdir_setup, unit_tmpdir_teardown);
}
