/* The pure half of the cgroup module: path checks, v1/v2 conversions, the writes made for
 * OCI linux.resources, and the device eBPF program run through a small interpreter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/runtime/cgroup_internal.h"

static void test_rel_path(void **state)
{
    (void)state;
    struct herr e = {0};
    _cleanup_free_ char *a = cg_rel_path("/hoist/abc", &e);
    _cleanup_free_ char *b = cg_rel_path("hoist/abc/", &e);
    assert_string_equal(a, "hoist/abc");
    assert_string_equal(b, "hoist/abc");
    const char *bad[] = {"", "/", "//", "/hoist/../x", "/hoist//x", "/./x", "/hoist/.."};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        herr_clear(&e);
        assert_null(cg_rel_path(bad[i], &e));
        assert_true(strstr(e.msg, "cgroup path") != NULL);
    }
}

static void test_cpu_weight(void **state)
{
    (void)state;
    assert_int_equal(cg_cpu_weight(0), 0);
    assert_int_equal(cg_cpu_weight(2), 1);
    assert_int_equal(cg_cpu_weight(1024), 39);
    assert_int_equal(cg_cpu_weight(512), 20);
    assert_int_equal(cg_cpu_weight(262144), 10000);
    /* Out-of-range shares are clamped as the kernel clamps them on v1. */
    assert_int_equal(cg_cpu_weight(1), 1);
    assert_int_equal(cg_cpu_weight(1000000), 10000);
}

static void test_swap_v2(void **state)
{
    (void)state;
    struct herr e = {0};
    int64_t out;
    assert_int_equal(cg_swap_v2(200, 100, &out, &e), 0);
    assert_int_equal(out, 100);
    assert_int_equal(cg_swap_v2(100, 100, &out, &e), 0);
    assert_int_equal(out, 0);
    assert_int_equal(cg_swap_v2(-1, 100, &out, &e), 0);
    assert_int_equal(out, -1);
    assert_int_equal(cg_swap_v2(0, -1, &out, &e), 0);
    assert_int_equal(out, -1);
    assert_int_equal(cg_swap_v2(0, 100, &out, &e), 0);
    assert_int_equal(out, 0);
    assert_int_equal(cg_swap_v2(50, 100, &out, &e), -1);
    assert_true(strstr(e.msg, "below memory.limit") != NULL);
    assert_int_equal(cg_swap_v2(50, 0, &out, &e), -1);
    assert_true(strstr(e.msg, "needs a memory.limit") != NULL);
    assert_int_equal(cg_swap_v2(-5, 100, &out, &e), -1);
}

static json_t *parse(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &je);
    if (!j)
        fail_msg("bad test JSON: %s", je.text);
    return j;
}

/* The writes as "ctrl:file=value" lines, in order, so a test states all of them at once. */
static char *render(const struct cg_writes *w)
{
    char *out = xstrdup("");
    for (size_t i = 0; i < w->n; i++) {
        char *n = xasprintf("%s%s%s:%s=%s\n", out, w->v[i].unified ? "u:" : "", w->v[i].ctrl,
                            w->v[i].file, w->v[i].value);
        free(out);
        out = n;
    }
    return out;
}

static const char *full_resources =
    "{\"memory\": {\"limit\": 67108864, \"reservation\": 33554432, \"swap\": 134217728,"
    "  \"swappiness\": 10, \"disableOOMKiller\": true},"
    " \"cpu\": {\"shares\": 512, \"quota\": 50000, \"period\": 100000, \"cpus\": \"0\","
    "  \"mems\": \"0\", \"idle\": 1},"
    " \"pids\": {\"limit\": 5},"
    " \"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 4194304}],"
    " \"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
    "  {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3, \"access\": \"rw\"},"
    "  {\"allow\": true, \"type\": \"c\", \"major\": 136, \"access\": \"rwm\"}],"
    " \"unified\": {\"memory.high\": \"50000000\"}}";

static void test_resources_v1(void **state)
{
    (void)state;
    struct herr e = {0};
    _cleanup_json_ json_t *res = parse(full_resources);
    struct cg_writes w;
    assert_int_equal(cg_resources(res, CG_FMT_V1, &w, &e), 0);
    _cleanup_free_ char *got = render(&w);
    assert_string_equal(got, "memory:memory.limit_in_bytes=67108864\n"
                             "memory:memory.memsw.limit_in_bytes=134217728\n"
                             "memory:memory.soft_limit_in_bytes=33554432\n"
                             "memory:memory.swappiness=10\n"
                             "memory:memory.oom_control=1\n"
                             "cpuset:cpuset.cpus=0\n"
                             "cpuset:cpuset.mems=0\n"
                             "cpu:cpu.shares=512\n"
                             "cpu:cpu.cfs_period_us=100000\n"
                             "cpu:cpu.cfs_quota_us=50000\n"
                             "cpu:cpu.idle=1\n"
                             "pids:pids.max=5\n"
                             "hugetlb:hugetlb.2MB.limit_in_bytes=4194304\n"
                             "u:memory:memory.high=50000000\n"
                             "devices:devices.deny=a *:* rwm\n"
                             "devices:devices.allow=c 1:3 rw\n"
                             "devices:devices.allow=c 136:* rwm\n");
    cg_writes_free(&w);
}

static void test_resources_v2(void **state)
{
    (void)state;
    struct herr e = {0};
    _cleanup_json_ json_t *res = parse(full_resources);
    struct cg_writes w;
    assert_int_equal(cg_resources(res, CG_FMT_V2, &w, &e), 0);
    _cleanup_free_ char *got = render(&w);
    assert_string_equal(got, "memory:memory.max=67108864\n"
                             "memory:memory.swap.max=67108864\n"
                             "memory:memory.low=33554432\n"
                             "cpuset:cpuset.cpus=0\n"
                             "cpuset:cpuset.mems=0\n"
                             "cpu:cpu.weight=20\n"
                             "cpu:cpu.max=50000 100000\n"
                             "cpu:cpu.idle=1\n"
                             "pids:pids.max=5\n"
                             "hugetlb:hugetlb.2MB.max=4194304\n"
                             "u:memory:memory.high=50000000\n");
    cg_writes_free(&w);
}

static void expect_writes(const char *json, enum cg_fmt fmt, const char *want)
{
    struct herr e = {0};
    _cleanup_json_ json_t *res = parse(json);
    struct cg_writes w;
    if (cg_resources(res, fmt, &w, &e) < 0)
        fail_msg("%s: %s", json, e.msg);
    _cleanup_free_ char *got = render(&w);
    cg_writes_free(&w);
    assert_string_equal(got, want);
}

static void test_resources_unlimited(void **state)
{
    (void)state;
    const char *j = "{\"memory\": {\"limit\": -1, \"swap\": -1}, \"cpu\": {\"quota\": -1},"
                    " \"pids\": {\"limit\": -1}, \"unified\": {\"cgroup.max.depth\": \"3\"}}";
    expect_writes(j, CG_FMT_V2,
                  "memory:memory.max=max\nmemory:memory.swap.max=max\ncpu:cpu.max=max 100000\n"
                  "pids:pids.max=max\nu::cgroup.max.depth=3\n");
    expect_writes(j, CG_FMT_V1,
                  "memory:memory.limit_in_bytes=-1\nmemory:memory.memsw.limit_in_bytes=-1\n"
                  "cpu:cpu.cfs_quota_us=-1\npids:pids.max=max\nu::cgroup.max.depth=3\n");
    /* Unset (absent, 0 or null) members write nothing; a period alone means no quota. */
    expect_writes("{\"memory\": {\"limit\": 0, \"swap\": null}, \"cpu\": {\"period\": 20000},"
                  " \"pids\": {\"limit\": 0}}",
                  CG_FMT_V2, "cpu:cpu.max=max 20000\npids:pids.max=max\n");
    expect_writes("{\"memory\": {\"limit\": -1}}", CG_FMT_V2,
                  "memory:memory.max=max\nmemory:memory.swap.max=max\n");
    expect_writes("{}", CG_FMT_V2, "");
    expect_writes("null", CG_FMT_V1, "");
}

static void expect_error(const char *json, enum cg_fmt fmt, const char *msg)
{
    struct herr e = {0};
    _cleanup_json_ json_t *res = parse(json);
    struct cg_writes w = {0};
    assert_int_equal(cg_resources(res, fmt, &w, &e), -1);
    assert_int_equal(w.n, 0);
    if (!strstr(e.msg, msg))
        fail_msg("%s: got \"%s\", want \"%s\"", json, e.msg, msg);
}

static void test_resources_errors(void **state)
{
    (void)state;
    expect_error("[]", CG_FMT_V1, "linux.resources: expected an object");
    expect_error("{\"memory\": 5}", CG_FMT_V1, "linux.resources.memory: expected an object");
    expect_error("{\"memory\": {\"limit\": \"1g\"}}", CG_FMT_V1,
                 "linux.resources.memory.limit: expected an integer");
    expect_error("{\"memory\": {\"swappiness\": 200}}", CG_FMT_V1,
                 "memory.swappiness: 200 is out of range 0-100");
    expect_error("{\"memory\": {\"swappiness\": -3}}", CG_FMT_V2,
                 "memory.swappiness: -3 is negative");
    expect_error("{\"memory\": {\"disableOOMKiller\": 1}}", CG_FMT_V1,
                 "disableOOMKiller: expected a boolean");
    expect_error("{\"memory\": {\"limit\": 100, \"swap\": 50}}", CG_FMT_V2,
                 "linux.resources: memory.swap 50 is below memory.limit 100");
    expect_error("{\"cpu\": {\"shares\": -2}}", CG_FMT_V2, "cpu.shares: -2 is negative");
    expect_error("{\"cpu\": {\"cpus\": 3}}", CG_FMT_V2, "cpu.cpus: expected a string");
    expect_error("{\"cpu\": {\"idle\": 4}}", CG_FMT_V2, "cpu.idle: 4 is not 0 or 1");
    expect_error("{\"cpu\": {\"realtimeRuntime\": 1000}}", CG_FMT_V2,
                 "realtime limits need cgroup v1");
    expect_error("{\"pids\": {\"limit\": true}}", CG_FMT_V1, "pids.limit: expected an integer");
    expect_error("{\"hugepageLimits\": [{\"pageSize\": \"2M\", \"limit\": 1}]}", CG_FMT_V1,
                 "pageSize \"2M\" is not like \"2MB\"");
    expect_error("{\"hugepageLimits\": [{\"pageSize\": \"2MB\"}]}", CG_FMT_V1, "limit is missing");
    expect_error("{\"hugepageLimits\": {}}", CG_FMT_V1, "hugepageLimits: expected an array");
    expect_error("{\"unified\": {\"../memory.max\": \"1\"}}", CG_FMT_V2,
                 "\"../memory.max\" is not a cgroup file name");
    expect_error("{\"unified\": {\"memory\": \"1\"}}", CG_FMT_V2, "is not a cgroup file name");
    expect_error("{\"unified\": {\"memory.max\": 1}}", CG_FMT_V2,
                 "unified.memory.max: expected a string");
    expect_error("{\"devices\": [{\"access\": \"rwm\"}]}", CG_FMT_V1,
                 "devices[0].allow: expected a boolean");
    expect_error("{\"devices\": [{\"allow\": true, \"type\": \"x\"}]}", CG_FMT_V1,
                 "devices[0].type: \"x\" is not a, b or c");
    expect_error("{\"devices\": [{\"allow\": true}, {\"allow\": true, \"access\": \"rwx\"}]}",
                 CG_FMT_V2, "devices[1].access: \"rwx\" is not a combination of r, w and m");
    expect_error("{\"devices\": [{\"allow\": true, \"major\": -7}]}", CG_FMT_V1,
                 "devices[0].major: -7 is out of range");
}

static void test_dev_v1_entry(void **state)
{
    (void)state;
    struct cg_dev_rule r = {
        .allow = true, .type = 'b', .major = 8, .minor = -1, .access = CG_ACC_MKNOD | CG_ACC_READ};
    _cleanup_free_ char *s = cg_dev_v1_entry(&r);
    assert_string_equal(s, "b 8:* rm");
}

/* Runs the subset of eBPF that cg_dev_prog emits; anything else fails the test. */
static int run_prog(const struct bpf_insn *p, size_t len, unsigned type, unsigned access,
                    uint32_t major, uint32_t minor)
{
    uint32_t ctx[3] = {(access << 16) | type, major, minor};
    uint64_t reg[11] = {0};
    reg[1] = (uintptr_t)ctx;
    for (size_t pc = 0; pc < len; pc++) {
        const struct bpf_insn *i = &p[pc];
        uint64_t *d = &reg[i->dst_reg];
        switch (i->code) {
        case BPF_LDX | BPF_MEM | BPF_W:
            *d = *(uint32_t *)(uintptr_t)(reg[i->src_reg] + (uint64_t)(int64_t)i->off);
            break;
        case BPF_ALU | BPF_MOV | BPF_X:
            *d = (uint32_t)reg[i->src_reg];
            break;
        case BPF_ALU | BPF_AND | BPF_K:
            *d = (uint32_t)*d & (uint32_t)i->imm;
            break;
        case BPF_ALU | BPF_RSH | BPF_K:
            *d = (uint32_t)*d >> i->imm;
            break;
        case BPF_ALU64 | BPF_MOV | BPF_K:
            *d = (uint64_t)(int64_t)i->imm;
            break;
        case BPF_JMP32 | BPF_JNE | BPF_K:
            if ((uint32_t)*d != (uint32_t)i->imm)
                pc += (size_t)i->off;
            break;
        case BPF_JMP32 | BPF_JEQ | BPF_K:
            if ((uint32_t)*d == (uint32_t)i->imm)
                pc += (size_t)i->off;
            break;
        case BPF_JMP | BPF_EXIT:
            return (int)reg[0];
        default:
            fail_msg("unexpected opcode 0x%x at %zu", i->code, pc);
        }
        if (pc >= len)
            fail_msg("jump out of the program at %zu", pc);
    }
    fail_msg("program ran off its end");
    return -1;
}

#define CHR BPF_DEVCG_DEV_CHAR
#define BLK BPF_DEVCG_DEV_BLOCK
#define R CG_ACC_READ
#define W CG_ACC_WRITE
#define M CG_ACC_MKNOD

static int decide(const char *devices, unsigned type, unsigned access, uint32_t major,
                  uint32_t minor)
{
    struct herr e = {0};
    _cleanup_json_ json_t *d = parse(devices);
    _cleanup_free_ struct cg_dev_rule *rules = NULL;
    size_t n;
    if (cg_dev_parse(d, &rules, &n, &e) < 0)
        fail_msg("%s", e.msg);
    _cleanup_free_ struct bpf_insn *p = xcalloc(cg_dev_prog_max(n), sizeof(*p));
    size_t len = cg_dev_prog(rules, n, p);
    assert_true(len <= cg_dev_prog_max(n));
    return run_prog(p, len, type, access, major, minor);
}

static void test_dev_prog(void **state)
{
    (void)state;
    /* Docker's default list: deny all, then mknod of anything, then the usual nodes. */
    const char *docker = "[{\"allow\": false, \"access\": \"rwm\"},"
                         " {\"allow\": true, \"type\": \"c\", \"access\": \"m\"},"
                         " {\"allow\": true, \"type\": \"b\", \"access\": \"m\"},"
                         " {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3,"
                         "  \"access\": \"rwm\"},"
                         " {\"allow\": true, \"type\": \"c\", \"major\": 136, \"access\": \"rw\"}]";
    assert_int_equal(decide(docker, CHR, R, 1, 3), 1);
    assert_int_equal(decide(docker, CHR, R | W, 1, 3), 1);
    assert_int_equal(decide(docker, CHR, R, 1, 5), 0);
    assert_int_equal(decide(docker, BLK, R, 1, 3), 0);
    assert_int_equal(decide(docker, CHR, W, 136, 7), 1);
    assert_int_equal(decide(docker, CHR, M, 136, 7), 1);
    assert_int_equal(decide(docker, CHR, M, 99, 1), 1);
    assert_int_equal(decide(docker, BLK, M, 8, 0), 1);
    assert_int_equal(decide(docker, BLK, R, 8, 0), 0);
    /* A later deny overrides an earlier allow for the access it names, and only that. */
    const char *deny_w = "[{\"allow\": true, \"access\": \"rwm\"},"
                         " {\"allow\": false, \"type\": \"c\", \"major\": 1, \"minor\": 3,"
                         "  \"access\": \"w\"}]";
    assert_int_equal(decide(deny_w, CHR, R, 1, 3), 1);
    assert_int_equal(decide(deny_w, CHR, W, 1, 3), 0);
    assert_int_equal(decide(deny_w, CHR, R | W, 1, 3), 0);
    assert_int_equal(decide(deny_w, CHR, W, 1, 4), 1);
    /* An allow that grants only part of a request does not cover it. */
    const char *ro = "[{\"allow\": false}, {\"allow\": true, \"type\": \"c\", \"major\": 1,"
                     " \"minor\": 3, \"access\": \"r\"}]";
    assert_int_equal(decide(ro, CHR, R, 1, 3), 1);
    assert_int_equal(decide(ro, CHR, R | W, 1, 3), 0);
    /* Rules before a blanket rule are void; with no blanket rule the default is allow. */
    const char *reset = "[{\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3},"
                        " {\"allow\": false}]";
    assert_int_equal(decide(reset, CHR, R, 1, 3), 0);
    assert_int_equal(decide("[{\"allow\": false, \"type\": \"c\", \"major\": 1}]", CHR, R, 2, 0),
                     1);
    assert_int_equal(decide("[{\"allow\": false, \"type\": \"c\", \"major\": 1}]", CHR, R, 1, 9),
                     0);
    assert_int_equal(decide("[]", CHR, R, 1, 3), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rel_path),         cmocka_unit_test(test_cpu_weight),
        cmocka_unit_test(test_swap_v2),          cmocka_unit_test(test_resources_v1),
        cmocka_unit_test(test_resources_v2),     cmocka_unit_test(test_resources_unlimited),
        cmocka_unit_test(test_resources_errors), cmocka_unit_test(test_dev_v1_entry),
        cmocka_unit_test(test_dev_prog),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
