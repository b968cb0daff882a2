/* Every service key the loader accepts is handled by the scheduler: mapped onto
 * container options (and shown to change them), compose's own, or refused naming the
 * service and the key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/str.h"
#include "compose/loader/loader.h"
#include "compose/scheduler/scheduler.h"
#include "engine/container/container.h"
#include "tests/unit/unit_helpers.h"

static void add_strv(json_t *o, const char *k, char **v)
{
    json_t *a = json_array();
    for (; v && *v; v++)
        json_array_append_new(a, json_string(*v));
    json_object_set_new(o, k, a);
}

#define S(f) json_object_set_new(j, #f, o->f ? json_string(o->f) : json_null())
#define I(f) json_object_set_new(j, #f, json_integer((json_int_t)o->f))
#define V(f) add_strv(j, #f, o->f)

/* Every field of the options as text: a key that changes none of them maps nothing. */
static char *dump_opts(const struct ctr_opts *o)
{
    json_t *j = json_object();
    S(image), S(name), S(workdir), S(user), S(hostname), S(entrypoint), S(restart), S(network);
    S(ip), S(domainname), S(basedir), S(stop_signal), S(pid), S(ipc), S(uts), S(cgroup_parent);
    I(rm), I(interactive), I(tty), I(memory), I(memory_swap), I(cpu_shares), I(pids_limit);
    I(nano_cpus), I(privileged), I(read_only), I(publish_all), I(stop_timeout), I(shm_size);
    I(oom_kill_disable), I(oom_score_adj), I(nnetworks);
    V(cmd), V(env), V(cap_add), V(cap_drop), V(security_opt), V(ulimits), V(sysctls);
    V(labels), V(network_aliases), V(publish), V(dns), V(dns_search), V(dns_opt);
    V(extra_hosts), V(volumes), V(mounts), V(tmpfs), V(volumes_from), V(devices);
    V(device_cgroup_rules), V(group_add), V(expose), add_strv(j, "health", o->health.test);
    for (size_t i = 0; i < o->nnetworks; i++) {
        json_object_set_new(j, o->networks[i].name,
                            json_string(o->networks[i].ip ? o->networks[i].ip : ""));
        add_strv(j, "aliases", o->networks[i].aliases);
    }
    json_object_set_new(j, "health_t", json_integer(o->health.interval + o->health.retries));
    char *s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(j);
    return s;
}

/* One service "web" with extra lines, plus top-level extra: its options as text. */
static int spec_of(const char *svc_lines, const char *top, char **dump, struct herr *e)
{
    _cleanup_free_ char *yaml =
        xasprintf("name: demo\n"
                  "services:\n"
                  "  web:\n"
                  "%s"
                  "%s"
                  "  db:\n"
                  "    image: busybox\n"
                  "%s",
                  strstr(svc_lines, "image:") ? "" : "    image: busybox\n", svc_lines, top);
    struct compose_project *p = NULL;
    if (unit_compose_load(yaml, &p, e) < 0)
        return -1;
    struct compose_spec *s = NULL;
    int r = compose_service_spec(p, "web", 1, false, &s, e);
    if (r == 0) {
        /* The config hash label differs with any key: leave it out. */
        struct ctr_opts *o = compose_spec_opts(s);
        char **keep = NULL;
        for (char **l = o->labels; l && *l; l++) {
            if (!str_has_prefix(*l, COMPOSE_LABEL_HASH))
                strv_push(&keep, xstrdup(*l));
        }
        char **orig = o->labels;
        o->labels = keep;
        *dump = dump_opts(o);
        o->labels = orig;
        strv_free(keep);
    }
    compose_spec_free(s);
    compose_project_free(p);
    return r;
}

/* A non-default value of every mapped key, and what it needs at the top level. */
static const struct {
    const char *key, *lines, *top;
} mapped[] = {
    {"cap_add", "    cap_add: [NET_ADMIN]\n", ""},
    {"cap_drop", "    cap_drop: [CHOWN]\n", ""},
    {"cgroup_parent", "    cgroup_parent: custom\n", ""},
    {"command", "    command: [echo, hi]\n", ""},
    {"configs", "    configs: [c]\n", "configs: {c: {file: /etc/hostname}}\n"},
    {"container_name", "    container_name: fixed\n", ""},
    {"cpu_shares", "    cpu_shares: 512\n", ""},
    {"cpus", "    cpus: 0.5\n", ""},
    {"deploy", "    deploy: {resources: {limits: {memory: 64m}}}\n", ""},
    {"device_cgroup_rules", "    device_cgroup_rules: ['c 1:3 rwm']\n", ""},
    {"devices", "    devices: ['/dev/null:/dev/mynull']\n", ""},
    {"dns", "    dns: [1.1.1.1]\n", ""},
    {"dns_opt", "    dns_opt: [ndots:2]\n", ""},
    {"dns_search", "    dns_search: [example.com]\n", ""},
    {"domainname", "    domainname: example.com\n", ""},
    {"entrypoint", "    entrypoint: [sh]\n", ""},
    {"environment", "    environment: {A: b}\n", ""},
    {"expose", "    expose: ['80']\n", ""},
    {"extra_hosts", "    extra_hosts: ['h=1.2.3.4']\n", ""},
    {"group_add", "    group_add: ['1234']\n", ""},
    {"healthcheck", "    healthcheck: {test: [CMD, 'true'], retries: 2}\n", ""},
    {"hostname", "    hostname: h\n", ""},
    {"image", "    image: alpine\n", ""},
    {"ipc", "    ipc: host\n", ""},
    {"labels", "    labels: {a: b}\n", ""},
    {"mem_limit", "    mem_limit: 64m\n", ""},
    {"memswap_limit", "    mem_limit: 64m\n    memswap_limit: 128m\n", ""},
    {"network_mode", "    network_mode: host\n", ""},
    {"networks", "    networks: [front]\n", "networks: {front: {}}\n"},
    {"oom_kill_disable", "    oom_kill_disable: true\n", ""},
    {"oom_score_adj", "    oom_score_adj: 100\n", ""},
    {"pid", "    pid: host\n", ""},
    {"pids_limit", "    pids_limit: 10\n", ""},
    {"ports", "    ports: ['8080:80']\n", ""},
    {"privileged", "    privileged: true\n", ""},
    {"read_only", "    read_only: true\n", ""},
    {"restart", "    restart: always\n", ""},
    {"secrets", "    secrets: [s]\n", "secrets: {s: {file: /etc/hostname}}\n"},
    {"security_opt", "    security_opt: [no-new-privileges]\n", ""},
    {"shm_size", "    shm_size: 128m\n", ""},
    {"stdin_open", "    stdin_open: true\n", ""},
    {"stop_grace_period", "    stop_grace_period: 3s\n", ""},
    {"stop_signal", "    stop_signal: SIGINT\n", ""},
    {"sysctls", "    sysctls: {net.core.somaxconn: '1024'}\n", ""},
    {"tmpfs", "    tmpfs: [/t]\n", ""},
    {"tty", "    tty: true\n", ""},
    {"ulimits", "    ulimits: {nofile: 10}\n", ""},
    {"user", "    user: nobody\n", ""},
    {"uts", "    uts: host\n", ""},
    {"volumes", "    volumes: ['/tmp:/t']\n", ""},
    {"volumes_from", "    volumes_from: [db]\n", ""},
    {"working_dir", "    working_dir: /w\n", ""},
};

/* A value of every refused key that hoist cannot honour. */
static const struct {
    const char *key, *lines;
} refused[] = {
    {"annotations", "    annotations: {a: b}\n"},
    {"attach", "    attach: false\n"},
    {"blkio_config", "    blkio_config: {weight: 300}\n"},
    {"cgroup", "    cgroup: host\n"},
    {"cpu_count", "    cpu_count: 2\n"},
    {"cpu_percent", "    cpu_percent: 50\n"},
    {"cpu_period", "    cpu_period: 100000\n"},
    {"cpu_quota", "    cpu_quota: 50000\n"},
    {"cpu_rt_period", "    cpu_rt_period: 1000\n"},
    {"cpu_rt_runtime", "    cpu_rt_runtime: 100\n"},
    {"cpuset", "    cpuset: '0'\n"},
    {"credential_spec", "    credential_spec: {file: x}\n"},
    {"external_links", "    external_links: [other]\n"},
    {"gpus", "    gpus: all\n"},
    {"init", "    init: true\n"},
    {"isolation", "    isolation: hyperv\n"},
    {"logging", "    logging: {driver: syslog}\n"},
    {"mac_address", "    mac_address: 02:42:ac:11:00:02\n"},
    {"mem_reservation", "    mem_reservation: 32m\n"},
    {"mem_swappiness", "    mem_swappiness: 10\n"},
    {"models", "    models: [m]\n"},
    {"post_start", "    post_start: [{command: [echo]}]\n"},
    {"pre_stop", "    pre_stop: [{command: [echo]}]\n"},
    {"provider", "    provider: {type: x}\n"},
    {"pull_refresh_after", "    pull_refresh_after: 1h\n"},
    {"runtime", "    runtime: runsc\n"},
    {"storage_opt", "    storage_opt: {size: 1G}\n"},
    {"use_api_socket", "    use_api_socket: true\n"},
    {"userns_mode", "    userns_mode: keep-id\n"},
};

static void test_every_key_handled(void **state)
{
    (void)state;
    struct compose_key k;
    size_t n = 0;
    for (size_t i = 0; compose_service_key(i, &k); i++, n++) {
        if (k.use == COMPOSE_KEY_UNHANDLED)
            fail_msg("service key %s has no handling", k.name);
        if (k.use == COMPOSE_KEY_REFUSED && (!k.why || !*k.why))
            fail_msg("refused key %s says not why", k.name);
        if (k.accept) {
            json_t *a = json_loads(k.accept, 0, NULL);
            if (!json_is_array(a))
                fail_msg("accept of %s is not a JSON array: %s", k.name, k.accept);
            json_decref(a);
        }
    }
    assert_true(n > 80);
    assert_int_equal(compose_service_key_use("pid", NULL), COMPOSE_KEY_MAPPED);
    assert_int_equal(compose_service_key_use("userns_mode", NULL), COMPOSE_KEY_REFUSED);
    assert_int_equal(compose_service_key_use("depends_on", NULL), COMPOSE_KEY_COMPOSE);
    assert_int_equal(compose_service_key_use("no_such_key", NULL), COMPOSE_KEY_UNHANDLED);
}

/* Each mapped key has a sample here and the sample changes the container options. */
static void test_mapped_keys_change_options(void **state)
{
    (void)state;
    struct herr e = {0};
    _cleanup_free_ char *base = NULL;
    if (spec_of("", "", &base, &e) < 0)
        fail_msg("base: %s", e.msg);
    struct compose_key k;
    for (size_t i = 0; compose_service_key(i, &k); i++) {
        if (k.use != COMPOSE_KEY_MAPPED)
            continue;
        size_t j = 0;
        while (j < sizeof(mapped) / sizeof(mapped[0]) && strcmp(mapped[j].key, k.name))
            j++;
        if (j == sizeof(mapped) / sizeof(mapped[0]))
            fail_msg("mapped key %s has no sample in this test", k.name);
        _cleanup_free_ char *with = NULL;
        if (spec_of(mapped[j].lines, mapped[j].top, &with, &e) < 0)
            fail_msg("%s: %s", k.name, e.msg);
        if (!strcmp(base, with))
            fail_msg("mapped key %s changes no container option", k.name);
    }
}

static void test_refused_keys_name_service_and_key(void **state)
{
    (void)state;
    struct compose_key k;
    for (size_t i = 0; compose_service_key(i, &k); i++) {
        if (k.use != COMPOSE_KEY_REFUSED)
            continue;
        size_t j = 0;
        while (j < sizeof(refused) / sizeof(refused[0]) && strcmp(refused[j].key, k.name))
            j++;
        if (j == sizeof(refused) / sizeof(refused[0]))
            fail_msg("refused key %s has no sample in this test", k.name);
        struct herr e = {0};
        _cleanup_free_ char *dump = NULL;
        if (spec_of(refused[j].lines, "", &dump, &e) == 0)
            fail_msg("refused key %s was accepted", k.name);
        _cleanup_free_ char *want = xasprintf("service \"web\": %s", k.name);
        if (!strstr(e.msg, want) || !strstr(e.msg, "not supported"))
            fail_msg("%s: message \"%s\" does not name the service and key", k.name, e.msg);
    }
    /* The values hoist does honour pass. */
    struct herr e = {0};
    _cleanup_free_ char *dump = NULL;
    if (spec_of("    userns_mode: host\n    init: false\n    attach: true\n"
                "    logging: {driver: json-file}\n    isolation: default\n"
                "    annotations: {}\n",
                "", &dump, &e) < 0)
        fail_msg("defaults refused: %s", e.msg);
}

static void test_host_keys_mapping(void **state)
{
    (void)state;
    struct compose_project *p = unit_compose_loaded(
        "name: demo\n"
        "services:\n"
        "  db: {image: busybox, ipc: shareable}\n"
        "  web:\n"
        "    image: busybox\n"
        "    pid: 'service:db'\n"
        "    ipc: 'service:db'\n"
        "    devices: ['/dev/null:/dev/mynull:rw', {source: /dev/zero, target: /dev/z}]\n"
        "    group_add: [daemon, '1234']\n"
        "    shm_size: 128m\n"
        "    cgroup_parent: /custom\n"
        "    oom_kill_disable: true\n"
        "    userns_mode: host\n"
        "    secrets: [s, {source: s, target: /etc/s.txt}]\n"
        "secrets: {s: {file: ./s.txt}}\n");
    struct herr e = {0};
    struct compose_spec *s = NULL;
    assert_int_equal(compose_service_spec(p, "web", 1, false, &s, &e), 0);
    struct ctr_opts *o = compose_spec_opts(s);
    assert_string_equal(o->pid, "container:demo-db-1");
    assert_string_equal(o->ipc, "container:demo-db-1");
    assert_string_equal(o->devices[0], "/dev/null:/dev/mynull:rw");
    assert_string_equal(o->devices[1], "/dev/zero:/dev/z:rwm");
    assert_string_equal(o->group_add[0], "daemon");
    assert_string_equal(o->group_add[1], "1234");
    assert_int_equal(o->shm_size, 128LL << 20);
    assert_string_equal(o->cgroup_parent, "/custom");
    assert_true(o->oom_kill_disable);
    _cleanup_free_ char *m0 =
        xasprintf("type=bind,source=%s/s.txt,target=/run/secrets/s,readonly=true", unit_tmpdir);
    _cleanup_free_ char *m1 =
        xasprintf("type=bind,source=%s/s.txt,target=/etc/s.txt,readonly=true", unit_tmpdir);
    assert_string_equal(o->mounts[0], m0);
    assert_string_equal(o->mounts[1], m1);
    compose_spec_free(s);
    /* pid/ipc service:x make the service depend on x. */
    const struct compose_service *web = compose_service_get(p, "web");
    assert_string_equal(web->depends_on[0], "db");
    compose_project_free(p);
}

static void test_nested_and_link_refusals(void **state)
{
    (void)state;
    static const struct {
        const char *lines, *top, *want;
    } cases[] = {
        {"    networks: {front: {ipv6_address: 'fd00::5'}}\n", "networks: {front: {}}\n",
         "service \"web\": networks.front.ipv6_address is not supported"},
        {"    links: ['db:database']\n", "",
         "service \"web\": links \"db:database\": link aliases are not supported"},
        {"    deploy: {resources: {reservations: {memory: 1g}}}\n", "",
         "service \"web\": deploy.resources.reservations is not supported"},
        {"    secrets: [s]\n", "secrets: {s: {environment: HOME}}\n",
         "service \"web\": secrets \"s\": only file sources are supported"},
        {"    userns_mode: remap\n", "",
         "service \"web\": userns_mode \"remap\" is not supported: hoist runs containers "
         "without user namespaces"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct herr e = {0};
        _cleanup_free_ char *dump = NULL;
        assert_int_equal(spec_of(cases[i].lines, cases[i].top, &dump, &e), -1);
        if (!strstr(e.msg, cases[i].want))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, e.msg, cases[i].want);
    }
    struct herr e = {0};
    _cleanup_free_ char *dump = NULL;
    assert_int_equal(spec_of("    links: [db, 'db:db']\n", "", &dump, &e), 0);
}

/* compose_check_services refuses what ctr_create would, before anything exists. */
static void test_check_services(void **state)
{
    (void)state;
    struct compose_project *p =
        unit_compose_loaded("name: demo\n"
                            "services:\n"
                            "  ok: {image: busybox, devices: [/dev/null]}\n"
                            "  bad: {image: busybox, devices: ['/dev/hoist-no-such-device']}\n"
                            "  cdi: {image: busybox, devices: ['vendor.com/gpu=all']}\n");
    struct herr e = {0};
    char *ok[] = {"ok", NULL}, *bad[] = {"bad", NULL}, *cdi[] = {"cdi", NULL};
    assert_int_equal(compose_check_services(p, ok, &e), 0);
    assert_int_equal(compose_check_services(p, bad, &e), -1);
    assert_non_null(strstr(e.msg, "service \"bad\": "));
    assert_non_null(strstr(e.msg, "/dev/hoist-no-such-device"));
    assert_int_equal(compose_check_services(p, cdi, &e), -1);
    assert_non_null(strstr(e.msg, "CDI devices are not supported"));
    compose_project_free(p);
}

static void test_label_file(void **state)
{
    (void)state;
    _cleanup_free_ char *lf = xasprintf("%s/labels.env", unit_tmpdir);
    FILE *f = fopen(lf, "w");
    assert_non_null(f);
    fputs("a=from-file\nb=file\n", f);
    fclose(f);
    struct herr e = {0};
    _cleanup_free_ char *dump = NULL;
    if (spec_of("    label_file: ./labels.env\n    labels: {a: own}\n", "", &dump, &e) < 0)
        fail_msg("%s", e.msg);
    assert_non_null(strstr(dump, "\"a=own\""));
    assert_non_null(strstr(dump, "\"b=file\""));
    assert_int_equal(spec_of("    label_file: ./missing.env\n", "", &dump, &e), -1);
    assert_non_null(strstr(e.msg, "label file"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_key_handled),
        cmocka_unit_test(test_mapped_keys_change_options),
        cmocka_unit_test(test_refused_keys_name_service_and_key),
        cmocka_unit_test(test_host_keys_mapping),
        cmocka_unit_test(test_nested_and_link_refusals),
        cmocka_unit_test(test_check_services),
        cmocka_unit_test(test_label_file),
    };
    return cmocka_run_group_tests(tests, unit_tmpdir_setup, unit_tmpdir_teardown);
}
