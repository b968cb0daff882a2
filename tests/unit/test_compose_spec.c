/* compose_service_spec: a service of the model mapped onto container options. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/str.h"
#include "compose/loader/loader.h"
#include "compose/scheduler/scheduler.h"
#include "engine/container/container.h"
#include "tests/unit/unit_helpers.h"

static bool has(char **v, const char *s)
{
    for (; v && *v; v++) {
        if (!strcmp(*v, s))
            return true;
    }
    return false;
}

static void test_full_service(void **state)
{
    (void)state;
    struct compose_project *p = unit_compose_loaded(
        "name: demo\n"
        "services:\n"
        "  web:\n"
        "    image: busybox\n"
        "    entrypoint: [sh, -c]\n"
        "    command: [echo hi]\n"
        "    environment: {A: '1'}\n"
        "    labels: {team: x}\n"
        "    stop_grace_period: 1m30s\n"
        "    restart: on-failure:3\n"
        "    ports: ['127.0.0.1:8080:80', '9000:90/udp']\n"
        "    volumes: ['data:/data:ro', './src:/src', {type: tmpfs, target: /t, tmpfs: {size: "
        "1000}}]\n"
        "    networks: {front: {aliases: [w], ipv4_address: 10.5.0.5}}\n"
        "    ulimits: {nofile: {soft: 10, hard: 20}}\n"
        "    cpus: 0.5\n"
        "    mem_limit: 64m\n"
        "    healthcheck: {test: [CMD, 'true'], interval: 2s, start_period: 500ms, retries: 4}\n"
        "    depends_on: {db: {condition: service_healthy, restart: true}}\n"
        "  db:\n"
        "    image: busybox\n"
        "    network_mode: host\n"
        "networks: {front: {}}\n"
        "volumes: {data: {}}\n");
    struct compose_spec *s = NULL;
    struct herr e = {0};
    assert_int_equal(compose_service_spec(p, "web", 2, false, &s, &e), 0);
    struct ctr_opts *o = compose_spec_opts(s);
    assert_string_equal(o->name, "demo-web-2");
    assert_string_equal(o->entrypoint, "sh");
    assert_string_equal(o->cmd[0], "-c");
    assert_string_equal(o->cmd[1], "echo hi");
    assert_null(o->cmd[2]);
    assert_true(has(o->env, "A=1"));
    assert_true(has(o->labels, "team=x"));
    assert_true(has(o->labels, "com.docker.compose.project=demo"));
    assert_true(has(o->labels, "com.docker.compose.service=web"));
    assert_true(has(o->labels, "com.docker.compose.container-number=2"));
    assert_true(has(o->labels, "com.docker.compose.oneoff=False"));
    assert_true(has(o->labels, "com.docker.compose.depends_on=db:service_healthy:true"));
    assert_int_equal(o->stop_timeout, 90);
    assert_string_equal(o->restart, "on-failure:3");
    assert_true(has(o->publish, "127.0.0.1:8080:80/tcp"));
    assert_true(has(o->publish, "9000:90/udp"));
    assert_true(has(o->mounts, "type=volume,source=demo_data,target=/data,readonly=true"));
    _cleanup_free_ char *bind =
        xasprintf("type=bind,source=%s/src,target=/src,bind-create-src=true", unit_tmpdir);
    assert_true(has(o->mounts, bind));
    assert_true(has(o->mounts, "type=tmpfs,target=/t,tmpfs-size=1000"));
    assert_int_equal(o->nnetworks, 1);
    assert_string_equal(o->networks[0].name, "demo_front");
    assert_string_equal(o->networks[0].ip, "10.5.0.5");
    assert_true(has(o->networks[0].aliases, "web"));
    assert_true(has(o->networks[0].aliases, "w"));
    assert_true(has(o->ulimits, "nofile=10:20"));
    assert_int_equal(o->nano_cpus, 500000000LL);
    assert_int_equal(o->memory, 64LL << 20);
    assert_string_equal(o->health.test[0], "CMD");
    assert_int_equal(o->health.interval, 2000000000LL);
    assert_int_equal(o->health.start_period, 500000000LL);
    assert_int_equal(o->health.retries, 4);
    compose_spec_free(s);

    assert_int_equal(compose_service_spec(p, "db", 1, true, &s, &e), 0);
    o = compose_spec_opts(s);
    assert_string_equal(o->network, "host");
    assert_true(str_has_prefix(o->name, "demo-db-run-"));
    assert_int_equal(strlen(o->name), strlen("demo-db-run-") + 12);
    assert_true(has(o->labels, "com.docker.compose.oneoff=True"));
    compose_spec_free(s);

    assert_int_equal(compose_service_spec(p, "nosuch", 1, false, &s, &e), -1);
    assert_non_null(strstr(e.msg, "nosuch"));
    compose_project_free(p);
}

static void test_network_modes_and_names(void **state)
{
    (void)state;
    struct compose_project *p =
        unit_compose_loaded("name: demo\n"
                            "services:\n"
                            "  a: {image: busybox, container_name: fixed}\n"
                            "  b: {image: busybox, network_mode: 'service:a',\n"
                            "      volumes_from: ['a:ro', 'container:other']}\n"
                            "  c: {image: busybox, network_mode: none, entrypoint: []}\n");
    struct compose_spec *s = NULL;
    struct herr e = {0};
    assert_int_equal(compose_service_spec(p, "a", 1, false, &s, &e), 0);
    assert_string_equal(compose_spec_opts(s)->name, "fixed");
    assert_int_equal(compose_spec_opts(s)->nnetworks, 1);
    assert_string_equal(compose_spec_opts(s)->networks[0].name, "demo_default");
    compose_spec_free(s);
    assert_int_equal(compose_service_spec(p, "b", 1, false, &s, &e), 0);
    struct ctr_opts *o = compose_spec_opts(s);
    assert_string_equal(o->network, "container:fixed");
    assert_true(has(o->volumes_from, "fixed:ro"));
    assert_true(has(o->volumes_from, "other"));
    compose_spec_free(s);
    assert_int_equal(compose_service_spec(p, "c", 1, false, &s, &e), 0);
    o = compose_spec_opts(s);
    assert_string_equal(o->network, "none");
    assert_string_equal(o->entrypoint, "");
    compose_spec_free(s);
    compose_project_free(p);
}

static void test_deps_of(void **state)
{
    (void)state;
    struct compose_project *p = unit_compose_loaded("name: demo\n"
                                                    "services:\n"
                                                    "  a: {image: busybox}\n"
                                                    "  b: {image: busybox, depends_on: [a]}\n"
                                                    "  c: {image: busybox, depends_on: [b]}\n"
                                                    "  d: {image: busybox}\n");
    char *only[] = {"c", NULL};
    _cleanup_strv_ char **deps = compose_deps_of(p, only);
    assert_int_equal(strv_len(deps), 2);
    assert_string_equal(deps[0], "a");
    assert_string_equal(deps[1], "b");
    char *none[] = {"d", NULL};
    _cleanup_strv_ char **nodeps = compose_deps_of(p, none);
    assert_int_equal(strv_len(nodeps), 0);
    compose_project_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_service),
        cmocka_unit_test(test_network_modes_and_names),
        cmocka_unit_test(test_deps_of),
    };
    return cmocka_run_group_tests(tests, unit_tmpdir_setup, unit_tmpdir_teardown);
}
