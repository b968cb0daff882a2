/* Compose loader: inline tables of rules and errors, and the fixture directories under
 * tests/compose/ (cases with an expected error or an expected model). */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
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
#include "compose/loader/loader.h"
#include "compose/loader/loader_internal.h"
#include "tests/unit/unit_helpers.h"

static char *srcdir(void)
{
    /* __FILE__ is absolute in CMake builds: <src>/tests/unit/test_compose.c */
    char *d = xstrdup(__FILE__);
    *strrchr(d, '/') = '\0';
    *strrchr(d, '/') = '\0';
    return d;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    _cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
    _cleanup_free_ char *parent = xstrdup(p);
    *strrchr(parent, '/') = '\0';
    struct herr e = {0};
    assert_int_equal(fs_mkdir_p(parent, 0755, &e), 0);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *default_env[] = {"HOME=/home/tester", NULL};

/* Load an inline compose.yaml (plus optional extra files) from a fresh directory. */
static int load_inline(const char *yaml, char **env, struct compose_project **p, struct herr *e)
{
    char dir[128];
    snprintf(dir, sizeof(dir), "%s/proj", unit_tmpdir);
    struct herr ee = {0};
    fs_rm_rf(dir, &ee);
    write_file(dir, "compose.yaml", yaml);
    struct compose_opts o = {.workdir = dir, .environ = env ? env : default_env};
    return compose_load(&o, p, e);
}

static json_t *svc_of(struct compose_project *p, const char *name)
{
    return json_object_get(json_object_get(p->model, "services"), name);
}

/* ---- errors: every bad input gets a precise message ---- */

static const struct {
    const char *yaml, *error;
} error_cases[] = {
    {"services:\n  web:\n    image: x\n    ports:\n      - \"80:abc\"\n",
     "compose.yaml:5:9: services.web.ports[0]: invalid port \"80:abc\""},
    {"services:\n  web:\n    imgae: x\n",
     "compose.yaml:3:5: services.web: unknown key \"imgae\" (did you mean \"image\"?)"},
    {"servics:\n  web:\n    image: x\n",
     "compose.yaml:1:1: unknown key \"servics\" (did you mean \"services\"?)"},
    {"services:\n  web:\n    image: [x\n",
     "compose.yaml:4:1: YAML syntax error: did not find expected ',' or ']' while parsing a flow "
     "sequence"},
    {"services:\n  web:\n    build: .\n    image: x\n    ports: [\"70000:80\"]\n",
     "compose.yaml:5:13: services.web.ports[0]: invalid port \"70000:80\""},
    {"services:\n  web:\n    image: x\n    ports: [\"1.2.3:80:80\"]\n",
     "compose.yaml:4:13: services.web.ports[0]: invalid port \"1.2.3:80:80\""},
    {"services:\n  web:\n    image: x\n    ports: [\"80/xtp\"]\n",
     "compose.yaml:4:13: services.web.ports[0]: invalid port \"80/xtp\""},
    {"services:\n  web:\n    image: x\n    ports:\n      - published: 80\n",
     "compose.yaml:5:9: services.web.ports[0]: missing required key \"target\""},
    {"services:\n  web:\n    image: x\n    privileged: maybe\n",
     "compose.yaml:4:17: services.web.privileged: must be a boolean (true or false), not "
     "\"maybe\""},
    {"services:\n  web:\n    image: x\n    pids_limit: lots\n",
     "compose.yaml:4:17: services.web.pids_limit: must be an integer, not \"lots\""},
    {"services:\n  web:\n    image: x\n    shm_size: 12q\n",
     "compose.yaml:4:15: services.web.shm_size: invalid size \"12q\" (use bytes or a unit: 512m, "
     "1g)"},
    {"services:\n  web:\n    image: x\n    stop_grace_period: 10\n",
     "compose.yaml:4:24: services.web.stop_grace_period: invalid duration \"10\" (use units: 30s, "
     "1m30s, 500ms)"},
    {"services:\n  web:\n    image: x\n    healthcheck:\n      test: [\"RUN\", \"x\"]\n",
     "compose.yaml:5:13: services.web.healthcheck.test: must start with \"CMD\", \"CMD-SHELL\" or "
     "\"NONE\""},
    {"services:\n  web:\n    image: x\n    volumes: [\"data:relative\"]\n",
     "compose.yaml:4:15: services.web.volumes[0]: invalid volume \"data:relative\": target "
     "\"relative\" is not an absolute path"},
    {"services:\n  web:\n    image: x\n    volumes: [\"data:/d\"]\n",
     "compose.yaml:4:15: services.web.volumes[0]: volume \"data\" is not defined in the top-level "
     "volumes"},
    {"services:\n  web:\n    image: x\n    volumes:\n      - type: bind\n        target: /x\n",
     "compose.yaml:5:9: services.web.volumes[0]: a bind mount needs a \"source\""},
    {"services:\n  web:\n    image: x\n    volumes:\n      - type: disk\n        target: /x\n",
     "compose.yaml:5:15: services.web.volumes[0].type: invalid volume type \"disk\" (bind, volume, "
     "tmpfs, image, npipe, cluster)"},
    {"services:\n  web:\n    image: x\n    networks: [back]\n",
     "compose.yaml:4:16: services.web.networks: network \"back\" is not defined in the top-level "
     "networks"},
    {"services:\n  web:\n    image: x\n    secrets: [key]\n",
     "compose.yaml:4:15: services.web.secrets[0]: secret \"key\" is not defined in the top-level "
     "secrets"},
    {"services:\n  web:\n    image: x\n    depends_on: [db]\n",
     "compose.yaml:4:18: services.web.depends_on: depends on undefined service \"db\""},
    {"services:\n  web:\n    environment: [A=1]\n",
     "compose.yaml:3:5: services.web: service has neither an image nor a build context "
     "specified"},
    {"services:\n  web:\n    image: x\n    container_name: w\n    scale: 2\n",
     "compose.yaml:4:21: services.web: container_name \"w\" cannot be used with scale 2: names "
     "must be unique"},
    {"services:\n  web:\n    image: x\n    network_mode: host\n    networks: [default]\n",
     "compose.yaml:4:19: services.web: \"network_mode\" and \"networks\" cannot be combined"},
    {"services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: "
     "[a]\n",
     "compose.yaml:4:17: dependency cycle detected: a -> b -> a"},
    {"services:\n  a:\n    image: x\n    depends_on: [a]\n",
     "compose.yaml:4:18: services.a.depends_on: service \"a\" depends on itself"},
    {"services:\n  web:\n    image: x\n    mem_limit: 1g\n    deploy:\n      resources:\n        "
     "limits:\n          memory: 2g\n",
     "compose.yaml:4:16: services.web.mem_limit: conflicts with deploy.resources.limits.memory"},
    {"services:\n  web:\n    image: ${IMG:?set IMG first}\n",
     "compose.yaml:3:12: services.web.image: required variable IMG is missing a value: set IMG "
     "first"},
    {"services:\n  web:\n    image: ${IMG\n",
     "compose.yaml:3:12: services.web.image: invalid interpolation format \"${IMG\" (write $$ for "
     "a literal $)"},
    {"services:\n  web:\n    image: \"${1x}\"\n",
     "compose.yaml:3:12: services.web.image: invalid interpolation format \"${1x}\" (write $$ for "
     "a literal $)"},
    {"services:\n  web:\n    image: x\n  web:\n    image: y\n",
     "compose.yaml:4:3: duplicate key \"web\""},
    {"services:\n  web:\n    <<: *nope\n", "compose.yaml:3:9: unknown anchor \"nope\""},
    {"- a\n- b\n", "compose.yaml:1:1: top-level object must be a mapping, not a sequence"},
    {"", "compose.yaml: empty compose file"},
    {"services:\n  web:\n    image: x\n    command: \"echo 'unterminated\"\n",
     "compose.yaml:4:14: services.web.command: invalid command line \"echo 'unterminated\": "
     "unterminated quote or escape"},
    {"services:\n  web:\n    image: x\n    depends_on:\n      db:\n        condition: "
     "service_ready\n  db:\n    image: x\n",
     "compose.yaml:6:20: services.web.depends_on.db: invalid condition \"service_ready\" "
     "(service_started, service_healthy, service_completed_successfully)"},
    {"services:\n  web:\n    image: x\n    extends: base\n",
     "compose.yaml:4:14: services.web.extends: service \"base\" not found"},
    {"services:\n  a:\n    image: x\n    extends: b\n  b:\n    extends: a\n",
     "compose.yaml:4:14: services.a.extends: extends cycle: a -> b -> a"},
    {"services:\n  web:\n    image: x\n    ulimits:\n      nofile:\n        soft: 10\n        "
     "hard: 5\n",
     "compose.yaml:6:9: services.web.ulimits.nofile: soft limit is greater than the hard limit"},
    {"services:\n  web:\n    image: x\nnetworks:\n  n:\n    ipam:\n      config:\n        - "
     "subnet: 10.0.0.0/33\n",
     "compose.yaml:8:19: networks.n.ipam.config[0].subnet: invalid CIDR \"10.0.0.0/33\""},
    {"services:\n  web:\n    image: x\nnetworks:\n  n:\n    external: true\n    driver: bridge\n",
     "compose.yaml:6:5: networks.n: \"external\" conflicts with \"driver\""},
    {"services:\n  web:\n    image: x\nsecrets:\n  s: {}\n",
     "compose.yaml:5:6: secrets.s: needs exactly one of \"file\", \"environment\", \"content\" or "
     "\"external\""},
    {"services:\n  web:\n    image: x\n    extra_hosts: [\"nohost\"]\n",
     "compose.yaml:4:19: services.web.extra_hosts[0]: invalid extra host \"nohost\" (use "
     "\"HOST=IP\")"},
    {"services:\n  web:\n    image: x\n    env_file: missing.env\n",
     "compose.yaml:4:15: services.web.env_file: env file /tmp/X/proj/missing.env not found"},
    {"services:\n  web:\n    image: x\n    environment:\n      A: [1]\n",
     "compose.yaml:5:10: services.web.environment.A: must be a string, number, boolean or null, "
     "not a sequence"},
    {"services:\n  web: !custom\n    image: x\n", "compose.yaml:2:8: unsupported YAML tag !custom"},
    {"services:\n  web:\n    image: x\n    cap_add: NET_ADMIN\n",
     "compose.yaml:4:14: services.web.cap_add: must be a list, not a scalar"},
};

static void test_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
        struct herr e = {0};
        struct compose_project *p = NULL;
        int r = load_inline(error_cases[i].yaml, NULL, &p, &e);
        /* Paths of the temp dir vary: compare with it written as /tmp/X. */
        _cleanup_free_ char *want = NULL;
        const char *x = strstr(error_cases[i].error, "/tmp/X");
        if (x)
            want = xasprintf("%.*s%s%s", (int)(x - error_cases[i].error), error_cases[i].error,
                             unit_tmpdir, x + 6);
        else
            want = xstrdup(error_cases[i].error);
        if (r == 0 || strcmp(e.msg, want)) {
            fprintf(stderr, "case %zu:\n%s\nwant: %s\ngot:  %s\n", i, error_cases[i].yaml, want,
                    r == 0 ? "(loaded)" : e.msg);
            compose_project_free(p);
            fail();
        }
    }
}

/* ---- rules ---- */

static void test_ports(void **state)
{
    (void)state;
    struct herr e = {0};
    struct compose_project *p;
    assert_int_equal(load_inline("services:\n  web:\n    image: x\n    ports:\n      - 80\n"
                                 "      - 8080:80\n      - 127.0.0.1:8081:81/udp\n"
                                 "      - \"[::1]:8082:82\"\n      - 9000-9001:90-91\n"
                                 "      - 127.0.0.1::99\n      - target: 100\n        published: "
                                 "\"1100\"\n        mode: host\n",
                                 NULL, &p, &e),
                     0);
    _cleanup_free_ char *s =
        json_dumps(json_object_get(svc_of(p, "web"), "ports"), JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(
        s, "[{\"mode\":\"ingress\",\"protocol\":\"tcp\",\"target\":80},"
           "{\"mode\":\"ingress\",\"protocol\":\"tcp\",\"published\":\"8080\",\"target\":80},"
           "{\"host_ip\":\"127.0.0.1\",\"mode\":\"ingress\",\"protocol\":\"udp\",\"published\":"
           "\"8081\",\"target\":81},"
           "{\"host_ip\":\"::1\",\"mode\":\"ingress\",\"protocol\":\"tcp\",\"published\":\"8082\","
           "\"target\":82},"
           "{\"mode\":\"ingress\",\"protocol\":\"tcp\",\"published\":\"9000\",\"target\":90},"
           "{\"mode\":\"ingress\",\"protocol\":\"tcp\",\"published\":\"9001\",\"target\":91},"
           "{\"host_ip\":\"127.0.0.1\",\"mode\":\"ingress\",\"protocol\":\"tcp\",\"target\":99},"
           "{\"mode\":\"host\",\"protocol\":\"tcp\",\"published\":\"1100\",\"target\":100}]");
    compose_project_free(p);
}

static void test_interpolation(void **state)
{
    (void)state;
    char *env[] = {"HOME=/h", "SET=val", "EMPTY=", NULL};
    struct herr e = {0};
    struct compose_project *p;
    assert_int_equal(load_inline("services:\n  web:\n    image: x\n    labels:\n"
                                 "      a: $SET\n      b: ${SET}\n      c: ${UNSET:-def}\n"
                                 "      d: ${EMPTY:-def}\n      e: ${EMPTY-def}\n"
                                 "      f: ${SET:+alt}\n      g: ${EMPTY:+alt}\n"
                                 "      h: ${EMPTY+alt}\n      i: ${UNSET:-${SET}-x}\n"
                                 "      j: $$SET\n      k: ${UNSET}\n      l: pre$SET.post\n"
                                 "      m: ${UNSET:-a{b}c}\n      $SET: keys-stay\n",
                                 env, &p, &e),
                     0);
    _cleanup_free_ char *s =
        json_dumps(json_object_get(svc_of(p, "web"), "labels"), JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s, "{\"$SET\":\"keys-stay\",\"a\":\"val\",\"b\":\"val\",\"c\":\"def\","
                           "\"d\":\"def\",\"e\":\"\",\"f\":\"alt\",\"g\":\"\",\"h\":\"alt\","
                           "\"i\":\"val-x\",\"j\":\"$SET\",\"k\":\"\",\"l\":\"preval.post\","
                           "\"m\":\"a{bc}\"}");
    assert_non_null(p->warnings);
    assert_string_equal(p->warnings[0],
                        "The \"UNSET\" variable is not set. Defaulting to a blank string.");
    compose_project_free(p);
}

static void test_no_interpolate(void **state)
{
    (void)state;
    char dir[128];
    snprintf(dir, sizeof(dir), "%s/raw", unit_tmpdir);
    write_file(dir, "compose.yaml",
               "services:\n  web:\n    image: nginx:${TAG}\n    ports: [\"${P:-80}:80\"]\n"
               "    privileged: ${PRIV:-false}\n    volumes: [\"${D}:/d\"]\n");
    struct compose_opts o = {.workdir = dir, .environ = default_env, .no_interpolate = true};
    struct herr e = {0};
    struct compose_project *p;
    assert_int_equal(compose_load(&o, &p, &e), 0);
    json_t *web = svc_of(p, "web");
    assert_string_equal(hj_str(web, "image"), "nginx:${TAG}");
    assert_string_equal(hj_str(web, "privileged"), "${PRIV:-false}");
    assert_string_equal(json_string_value(json_array_get(json_object_get(web, "ports"), 0)),
                        "${P:-80}:80");
    assert_null(p->warnings);
    compose_project_free(p);
}

static void test_dotenv(void **state)
{
    (void)state;
    struct herr e = {0};
    struct arena a = {0};
    struct cctx c = {.a = &a, .e = &e};
    struct cenv look = {0}, out = {0};
    cenv_put(&look, "FROMENV", "os");
    cenv_put(&look, "BARE", "bare-os");
    const char *text = "# comment\n"
                       "A=plain value # inline comment\n"
                       "export B=exported\n"
                       "C='single $A #not comment'\n"
                       "D=\"double\\n$A\\$A\"\n"
                       "E=\"multi\nline\"\n"
                       "F=${FROMENV}-${A}\n"
                       "BARE\n"
                       "G=a#b\n"
                       "H=\n"
                       "I: colon\n";
    assert_int_equal(cenv_parse_text(&c, ".env", text, &look, &out), 0);
    assert_string_equal(cenv_get(&out, "A"), "plain value");
    assert_string_equal(cenv_get(&out, "B"), "exported");
    assert_string_equal(cenv_get(&out, "C"), "single $A #not comment");
    assert_string_equal(cenv_get(&out, "D"), "double\nplain value$A");
    assert_string_equal(cenv_get(&out, "E"), "multi\nline");
    assert_string_equal(cenv_get(&out, "F"), "os-plain value");
    assert_string_equal(cenv_get(&out, "BARE"), "bare-os");
    assert_string_equal(cenv_get(&out, "G"), "a#b");
    assert_string_equal(cenv_get(&out, "H"), "");
    assert_string_equal(cenv_get(&out, "I"), "colon");
    struct cenv bad = {0};
    assert_int_equal(cenv_parse_text(&c, ".env", "OK=1\nX=\"open\n", &look, &bad), -1);
    assert_string_equal(e.msg, ".env:2: unterminated double-quoted value");
    assert_int_equal(cenv_parse_text(&c, ".env", "1X=2\n", &look, &bad), -1);
    assert_string_equal(e.msg, ".env:1: invalid variable name starting at \"1X=2\"");
    assert_int_equal(cenv_parse_text(&c, ".env", "A B=2\n", &look, &bad), -1);
    assert_string_equal(e.msg, ".env:1: unexpected character \"B\" after variable name \"A\"");
    cenv_free(&look);
    cenv_free(&out);
    cenv_free(&bad);
    arena_free(&a);
    strv_free(c.warnings);
}

static void test_durations(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {{"90s", "1m30s"},        {"1h", "1h0m0s"},     {"500ms", "500ms"},
                 {"1.5s", "1.5s"},        {"0", "0s"},          {"2m0s", "2m0s"},
                 {"10us", "10\xc2\xb5s"}, {"1h2m3s", "1h2m3s"}, {"1500ms", "1.5s"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        long long ns;
        assert_int_equal(parse_duration(cases[i].in, &ns), 0);
        _cleanup_free_ char *s = format_duration(ns);
        assert_string_equal(s, cases[i].out);
    }
    long long ns;
    assert_int_equal(parse_duration("10", &ns), -1);
    assert_int_equal(parse_duration("1x", &ns), -1);
    assert_int_equal(parse_duration("", &ns), -1);
}

static void test_shell_split(void **state)
{
    (void)state;
    char **v;
    assert_int_equal(shell_split("echo 'a b' \"c \\\"d\\\"\" e\\ f", &v), 0);
    assert_int_equal(strv_len(v), 4);
    assert_string_equal(v[1], "a b");
    assert_string_equal(v[2], "c \"d\"");
    assert_string_equal(v[3], "e f");
    strv_free(v);
    assert_int_equal(shell_split("x \"open", &v), -1);
}

static void test_project_name(void **state)
{
    (void)state;
    _cleanup_free_ char *a = compose_normalize_name("My App.v2");
    assert_string_equal(a, "myappv2");
    _cleanup_free_ char *b = compose_normalize_name("_x-Y");
    assert_string_equal(b, "x-y");
    assert_true(compose_valid_name("a_b-1"));
    assert_false(compose_valid_name("-a"));
    assert_false(compose_valid_name("A"));
    assert_false(compose_valid_name(""));

    struct herr e = {0};
    struct compose_project *p;
    char dir[128];
    snprintf(dir, sizeof(dir), "%s/My Proj", unit_tmpdir);
    write_file(dir, "compose.yaml", "services:\n  s:\n    image: x\n");
    struct compose_opts o = {.workdir = dir, .environ = default_env};
    assert_int_equal(compose_load(&o, &p, &e), 0);
    assert_string_equal(p->name, "myproj");
    assert_string_equal(
        hj_str(json_object_get(json_object_get(p->model, "networks"), "default"), "name"),
        "myproj_default");
    compose_project_free(p);
    char *env[] = {"COMPOSE_PROJECT_NAME=fromenv", NULL};
    o.environ = env;
    assert_int_equal(compose_load(&o, &p, &e), 0);
    assert_string_equal(p->name, "fromenv");
    compose_project_free(p);
    o.project_name = "Bad!";
    assert_int_equal(compose_load(&o, &p, &e), -1);
    assert_string_equal(e.msg, "invalid project name \"Bad!\" (-p): must consist only of lowercase "
                               "alphanumeric characters, hyphens, and underscores as well as "
                               "start with a letter or number");
    o.project_name = NULL;
    o.environ = default_env;
    write_file(dir, "compose.yaml", "name: Named_Proj\nservices:\n  s:\n    image: x\n");
    assert_int_equal(compose_load(&o, &p, &e), 0);
    assert_string_equal(p->name, "named_proj");
    compose_project_free(p);
}

static void test_discovery(void **state)
{
    (void)state;
    char dir[160];
    snprintf(dir, sizeof(dir), "%s/disc", unit_tmpdir);
    write_file(dir, "docker-compose.yml", "services:\n  s:\n    image: base\n");
    write_file(dir, "docker-compose.override.yml", "services:\n  s:\n    image: over\n");
    write_file(dir, ".env", "TAG=fromdotenv\n");
    write_file(dir, "sub/deeper/.keep", "");
    snprintf(dir, sizeof(dir), "%s/disc/sub/deeper", unit_tmpdir);
    struct herr e = {0};
    struct compose_project *p;
    struct compose_opts o = {.workdir = dir, .environ = default_env};
    assert_int_equal(compose_load(&o, &p, &e), 0);
    assert_string_equal(p->name, "disc");
    assert_int_equal(strv_len(p->files), 2);
    assert_string_equal(hj_str(svc_of(p, "s"), "image"), "over");
    assert_string_equal(json_string_value(json_object_get(p->environment, "TAG")), "fromdotenv");
    compose_project_free(p);
    o.workdir = "/";
    assert_int_equal(compose_load(&o, &p, &e), -1);
    assert_true(str_has_prefix(e.msg, "no configuration file provided"));
}

static void test_profiles(void **state)
{
    (void)state;
    const char *yaml = "services:\n  web:\n    image: x\n  dbg:\n    image: x\n    profiles: "
                       "[debug]\n  tool:\n    image: x\n    profiles: [tools, debug]\n";
    struct herr e = {0};
    struct compose_project *p;
    assert_int_equal(load_inline(yaml, NULL, &p, &e), 0);
    assert_int_equal(p->nservices, 1);
    assert_int_equal(strv_len(p->profiles), 2);
    assert_string_equal(p->profiles[0], "debug");
    compose_project_free(p);
    char *env[] = {"COMPOSE_PROFILES=tools", NULL};
    assert_int_equal(load_inline(yaml, env, &p, &e), 0);
    assert_int_equal(p->nservices, 2);
    compose_project_free(p);
    char *all[] = {"COMPOSE_PROFILES=*", NULL};
    assert_int_equal(load_inline(yaml, all, &p, &e), 0);
    assert_int_equal(p->nservices, 3);
    compose_project_free(p);
    assert_int_equal(load_inline("services:\n  web:\n    image: x\n    depends_on: [dbg]\n  "
                                 "dbg:\n    image: x\n    profiles: [debug]\n",
                                 NULL, &p, &e),
                     -1);
    assert_string_equal(e.msg, "compose.yaml:4:18: services.web.depends_on: depends on service "
                               "\"dbg\", which is disabled (enable one of its profiles "
                               "[\"debug\"])");
}

static void test_graph_order(void **state)
{
    (void)state;
    struct herr e = {0};
    struct compose_project *p;
    assert_int_equal(load_inline("services:\n  web:\n    image: x\n    depends_on: [api]\n"
                                 "  api:\n    image: x\n    links: [db]\n"
                                 "  db:\n    image: x\n  side:\n    image: x\n"
                                 "    network_mode: service:web\n",
                                 NULL, &p, &e),
                     0);
    const char *want[] = {"db", "api", "side", "web"};
    (void)want;
    char **order;
    assert_int_equal(compose_graph_order(p, &order, &e), 0);
    /* Dependencies come before their dependents. */
    size_t pos[4];
    const char *names[] = {"db", "api", "web", "side"};
    for (size_t i = 0; i < 4; i++)
        for (size_t j = 0; order[j]; j++)
            if (!strcmp(order[j], names[i]))
                pos[i] = j;
    assert_true(pos[0] < pos[1] && pos[1] < pos[2] && pos[2] < pos[3]);
    strv_free(order);
    assert_string_equal(p->services[0].name, "db");
    compose_project_free(p);
}

static void test_hash(void **state)
{
    (void)state;
    struct herr e = {0};
    struct compose_project *p, *q;
    assert_int_equal(load_inline("services:\n  web:\n    image: x\n    scale: 2\n", NULL, &p, &e),
                     0);
    assert_int_equal(load_inline("services:\n  web:\n    image: x\n    scale: 3\n", NULL, &q, &e),
                     0);
    char h1[65], h2[65];
    assert_int_equal(compose_service_hash(p, "web", h1, &e), 0);
    assert_int_equal(compose_service_hash(q, "web", h2, &e), 0);
    assert_string_equal(h1, h2);
    assert_int_equal(strlen(h1), 64);
    compose_project_free(q);
    assert_int_equal(load_inline("services:\n  web:\n    image: y\n", NULL, &q, &e), 0);
    assert_int_equal(compose_service_hash(q, "web", h2, &e), 0);
    assert_string_not_equal(h1, h2);
    assert_int_equal(compose_service_hash(q, "nope", h2, &e), -1);
    compose_project_free(p);
    compose_project_free(q);
}

/* ---- fixture directories ---- */

/* "$DIR" in expected output stands for the fixture directory. */
static char *subst_dir(const char *text, const char *dir)
{
    size_t n = 0, count = 0;
    for (const char *s = text; (s = strstr(s, "$DIR")); s += 4)
        count++;
    size_t cap = strlen(text) + count * strlen(dir) + 1;
    char *out = xmalloc(cap);
    for (const char *s = text; *s;) {
        if (!strncmp(s, "$DIR", 4)) {
            n += snprintf(out + n, cap - n, "%s", dir);
            s += 4;
        } else {
            out[n++] = *s++;
        }
    }
    out[n] = '\0';
    return out;
}

static json_t *load_expected(const char *path, const char *dir)
{
    _cleanup_free_ char *text = NULL;
    size_t len;
    struct herr e = {0};
    if (fs_read_all(AT_FDCWD, path, &text, &len, &e) < 0)
        return NULL;
    _cleanup_free_ char *out = subst_dir(text, dir);
    return hj_load_str(out, path, &e);
}

/* args: one option per line: "-f FILE", "-p NAME", "--profile P", "--env-file F",
 * "--project-directory D", "env K=V", "service S", "cwd SUBDIR". */
static void run_fixture(const char *dir, const char *name)
{
    _cleanup_free_ char *argsp = xasprintf("%s/args", dir);
    _cleanup_strv_ char **files = NULL, **profiles = NULL, **envfiles = NULL, **env = NULL,
                        **services = NULL;
    _cleanup_free_ char *pname = NULL, *pdir = NULL, *cwd = xstrdup(dir);
    strv_push(&env, xstrdup("HOME=/home/tester"));
    FILE *f = fopen(argsp, "r");
    char line[512];
    while (f && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        char *sp = strchr(line, ' ');
        if (!sp)
            continue;
        *sp++ = '\0';
        if (!strcmp(line, "-f"))
            strv_push(&files, xstrdup(sp));
        else if (!strcmp(line, "-p"))
            pname = xstrdup(sp);
        else if (!strcmp(line, "--profile"))
            strv_push(&profiles, xstrdup(sp));
        else if (!strcmp(line, "--env-file"))
            strv_push(&envfiles, xstrdup(sp));
        else if (!strcmp(line, "--project-directory"))
            pdir = xstrdup(sp);
        else if (!strcmp(line, "env"))
            strv_push(&env, xstrdup(sp));
        else if (!strcmp(line, "service"))
            strv_push(&services, xstrdup(sp));
        else if (!strcmp(line, "cwd")) {
            free(cwd);
            cwd = xasprintf("%s/%s", dir, sp);
        }
    }
    if (f)
        fclose(f);
    struct compose_opts o = {.files = files,
                             .profiles = profiles,
                             .env_files = envfiles,
                             .environ = env,
                             .services = services,
                             .project_name = pname,
                             .project_dir = pdir,
                             .workdir = cwd};
    struct herr e = {0};
    struct compose_project *p = NULL;
    int r = compose_load(&o, &p, &e);
    _cleanup_free_ char *errp = xasprintf("%s/error", dir);
    _cleanup_free_ char *jsonp = xasprintf("%s/expected.json", dir);
    if (access(errp, F_OK) == 0) {
        _cleanup_free_ char *raw = NULL, *want = NULL;
        size_t len;
        assert_int_equal(fs_read_all(AT_FDCWD, errp, &raw, &len, &e), 0);
        raw[strcspn(raw, "\n")] = '\0';
        want = subst_dir(raw, dir);
        if (r == 0 || strcmp(e.msg, want)) {
            fprintf(stderr, "fixture %s:\nwant: %s\ngot:  %s\n", name, want,
                    r == 0 ? "(loaded)" : e.msg);
            compose_project_free(p);
            fail();
        }
        return;
    }
    if (r < 0) {
        fprintf(stderr, "fixture %s: %s\n", name, e.msg);
        fail();
    }
    _cleanup_json_ json_t *want = load_expected(jsonp, dir);
    if (!want) {
        fprintf(stderr, "fixture %s: no error or expected.json\n", name);
        fail();
    }
    if (!json_equal(want, p->model)) {
        _cleanup_free_ char *got = json_dumps(p->model, JSON_INDENT(2) | JSON_SORT_KEYS);
        fprintf(stderr, "fixture %s: model differs; got:\n%s\n", name, got);
        compose_project_free(p);
        fail();
    }
    compose_project_free(p);
}

static void run_fixture_dir(const char *sub)
{
    _cleanup_free_ char *src = srcdir();
    _cleanup_free_ char *base = xasprintf("%s/compose/%s", src, sub);
    struct dirent **ents;
    int n = scandir(base, &ents, NULL, alphasort);
    assert_true(n > 2);
    int ran = 0;
    for (int i = 0; i < n; i++) {
        if (ents[i]->d_name[0] != '.') {
            _cleanup_free_ char *d = xasprintf("%s/%s", base, ents[i]->d_name);
            run_fixture(d, ents[i]->d_name);
            ran++;
        }
        free(ents[i]);
    }
    free(ents);
    assert_true(ran > 0);
}

static void test_fixture_cases(void **state)
{
    (void)state;
    run_fixture_dir("cases");
}

static void test_golden(void **state)
{
    (void)state;
    run_fixture_dir("golden");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errors),         cmocka_unit_test(test_ports),
        cmocka_unit_test(test_interpolation),  cmocka_unit_test(test_dotenv),
        cmocka_unit_test(test_no_interpolate), cmocka_unit_test(test_durations),
        cmocka_unit_test(test_shell_split),    cmocka_unit_test(test_project_name),
        cmocka_unit_test(test_discovery),      cmocka_unit_test(test_profiles),
        cmocka_unit_test(test_graph_order),    cmocka_unit_test(test_hash),
        cmocka_unit_test(test_fixture_cases),  cmocka_unit_test(test_golden),
    };
    return cmocka_run_group_tests(tests, unit_tmpdir_setup, unit_tmpdir_teardown);
}
