/* The loader's closed sets of values against docker compose's: what the compose schema
 * (compose-go's compose-spec.json) and compose-go's checks leave open loads, what they
 * close is refused naming FILE:LINE:COL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "compose/loader/loader.h"
#include "compose/scheduler/scheduler.h"
#include "tests/unit/unit_helpers.h"

static const json_t *web(const struct compose_project *p)
{
    return json_object_get(json_object_get(p->model, "services"), "web");
}

/* Any string is a restart policy condition or restart to compose: the engine judges. */
static void test_restart_open(void **state)
{
    (void)state;
    static const char *const conditions[] = {"unless-stopped", "always", "no", "whenever", NULL};
    for (size_t i = 0; conditions[i]; i++) {
        char yaml[256];
        snprintf(yaml, sizeof(yaml),
                 "services:\n  web:\n    image: x\n    deploy:\n      restart_policy:\n"
                 "        condition: %s\n",
                 conditions[i]);
        struct compose_project *p = unit_compose_loaded(yaml);
        assert_string_equal(hj_str(hj_path(web(p), "deploy.restart_policy"), "condition"),
                            conditions[i]);
        compose_project_free(p);
    }
    struct compose_project *p =
        unit_compose_loaded("services:\n  web:\n    image: x\n    restart: sometimes\n");
    assert_string_equal(hj_str(web(p), "restart"), "sometimes");
    compose_project_free(p);
}

/* A long-syntax port's mode and protocol are plain strings in the schema; the short
 * syntax's protocol is checked by compose-go's parser. */
static void test_port_fields_open(void **state)
{
    (void)state;
    struct compose_project *p = unit_compose_loaded(
        "services:\n  web:\n    image: x\n    ports:\n      - {target: 80, mode: overlay, "
        "protocol: quic}\n");
    const json_t *port = json_array_get(json_object_get(web(p), "ports"), 0);
    assert_string_equal(hj_str(port, "mode"), "overlay");
    assert_string_equal(hj_str(port, "protocol"), "quic");
    compose_project_free(p);
}

/* compose-go ignores an unknown option of a short volume; hoist says so. */
static void test_volume_option_ignored(void **state)
{
    (void)state;
    struct compose_project *p =
        unit_compose_loaded("services:\n  web:\n    image: x\n    volumes: [\"/a:/b:ro,rx\"]\n");
    const json_t *v = json_array_get(json_object_get(web(p), "volumes"), 0);
    assert_true(hj_bool(v, "read_only", false));
    assert_non_null(p->warnings);
    assert_string_equal(p->warnings[0],
                        "services.web.volumes[0]: volume \"/a:/b:ro,rx\": option \"rx\" ignored");
    compose_project_free(p);
}

/* pull_policy: the schema's pattern, every_ with days and weeks included. */
static void test_pull_policy(void **state)
{
    (void)state;
    static const char *const ok[] = {"refresh",     "if_not_present", "every_2d", "every_1w",
                                     "every_1h30m", "daily",          NULL};
    for (size_t i = 0; ok[i]; i++) {
        char yaml[128];
        snprintf(yaml, sizeof(yaml), "services:\n  web:\n    image: x\n    pull_policy: %s\n",
                 ok[i]);
        struct compose_project *p = unit_compose_loaded(yaml);
        assert_string_equal(hj_str(web(p), "pull_policy"), ok[i]);
        compose_project_free(p);
    }
}

/* What the schema closes stays refused, where it is. */
static void test_still_refused(void **state)
{
    (void)state;
    static const struct {
        const char *yaml, *error;
    } cases[] = {
        {"services:\n  web:\n    image: x\n    pull_policy: sometimes\n",
         "compose.yaml:4:18: services.web.pull_policy: invalid pull policy \"sometimes\""},
        {"services:\n  web:\n    image: x\n    pull_policy: every_soon\n",
         "compose.yaml:4:18: services.web.pull_policy: invalid pull policy \"every_soon\""},
        {"services:\n  web:\n    image: x\n    depends_on:\n      db: {condition: started}\n"
         "  db:\n    image: x\n",
         "compose.yaml:5:23: services.web.depends_on.db: invalid condition \"started\""},
        {"services:\n  web:\n    image: x\n    volumes:\n      - {type: disk, target: /x}\n",
         "compose.yaml:5:16: services.web.volumes[0].type: invalid volume type \"disk\""},
        {"services:\n  web:\n    image: x\n    ports: [\"80/quic\"]\n",
         "compose.yaml:4:13: services.web.ports[0]: invalid port \"80/quic\""},
        {"services:\n  web:\n    image: x\n    ports:\n      - {target: 80, host_ip: nowhere}\n",
         "compose.yaml:5:31: services.web.ports[0].host_ip: invalid IP address \"nowhere\""},
        {"services:\n  web:\n    image: x\n    healthcheck: {test: [RUN, x]}\n",
         "compose.yaml:4:25: services.web.healthcheck.test: must start with \"CMD\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct compose_project *p = NULL;
        struct herr e = {0};
        if (unit_compose_load(cases[i].yaml, &p, &e) == 0)
            fail_msg("case %zu loaded", i);
        if (!strstr(e.msg, cases[i].error))
            fail_msg("case %zu: %s\nwant: %s", i, e.msg, cases[i].error);
    }
}

/* What loads but the engine cannot do is refused by up's check, before anything is
 * made, as the docker engine refuses it at create. */
static void test_refused_at_up(void **state)
{
    (void)state;
    static const struct {
        const char *yaml, *error;
    } cases[] = {
        {"services:\n  web:\n    image: x\n    restart: sometimes\n",
         "service \"web\": invalid restart policy \"sometimes\""},
        {"services:\n  web:\n    image: x\n    deploy: {restart_policy: {condition: whenever}}\n",
         "service \"web\": invalid restart policy \"whenever\""},
        {"services:\n  web:\n    image: x\n    ports: [{target: 80, protocol: quic}]\n",
         "service \"web\": ports[0]: invalid protocol \"quic\" (tcp, udp or sctp)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct compose_project *p = unit_compose_loaded(cases[i].yaml);
        struct herr e = {0};
        assert_int_equal(compose_check_services(p, NULL, &e), -1);
        assert_non_null(strstr(e.msg, cases[i].error));
        compose_project_free(p);
    }
    struct compose_project *p = unit_compose_loaded(
        "services:\n  web:\n    image: x\n    deploy: {restart_policy: {condition: "
        "unless-stopped}}\n    ports: [{target: 80, mode: host}]\n");
    struct herr e = {0};
    assert_int_equal(compose_check_services(p, NULL, &e), 0);
    compose_project_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_restart_open),          cmocka_unit_test(test_port_fields_open),
        cmocka_unit_test(test_volume_option_ignored), cmocka_unit_test(test_pull_policy),
        cmocka_unit_test(test_still_refused),         cmocka_unit_test(test_refused_at_up),
    };
    return cmocka_run_group_tests(tests, unit_tmpdir_setup, unit_tmpdir_teardown);
}
