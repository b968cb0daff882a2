/* The installed seccomp program checked against libseccomp's own compiler fed as runc
 * feeds it: both programs run through a small classic-BPF interpreter on every syscall
 * number 0..1023 (and the x32 range, and out-of-range numbers) of x86_64, x32 and i386,
 * with argument vectors on both sides of every condition of the profile. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <seccomp.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "engine/runtime/runtime.h"
#include "engine/runtime/seccomp.h"
#include "engine/runtime/seccomp_internal.h"
#include "tests/seccomp_interp.h"

static uint32_t bpf_run(const struct sock_filter *f, size_t len,
                        const struct seccomp_interp_data *d, bool *args_read)
{
    uint32_t ret = 0;
    char why[80];
    if (!seccomp_interp_run(f, len, d, &ret, args_read, why, sizeof(why)))
        fail_msg("%s", why);
    return ret;
}

static uint32_t act_of(json_t *r, const char *k_action, const char *k_errno)
{
    static const struct {
        const char *name;
        uint32_t act;
    } acts[] = {
        {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW},      {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0)},
        {"SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD}, {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD},
        {"SCMP_ACT_TRAP", SCMP_ACT_TRAP},        {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS},
        {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0)},   {"SCMP_ACT_LOG", SCMP_ACT_LOG},
    };
    const char *a = hj_str(r, k_action);
    for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++)
        if (strcmp(acts[i].name, a) == 0) {
            if (acts[i].act == SCMP_ACT_ERRNO(0) || acts[i].act == SCMP_ACT_TRACE(0))
                return acts[i].act | (uint32_t)hj_int(r, k_errno, EPERM);
            return acts[i].act;
        }
    fail_msg("action %s not used in differential tests", a);
    return 0;
}

static enum scmp_compare op_of(const char *op)
{
    const char *names[] = {"",
                           "SCMP_CMP_NE",
                           "SCMP_CMP_LT",
                           "SCMP_CMP_LE",
                           "SCMP_CMP_EQ",
                           "SCMP_CMP_GE",
                           "SCMP_CMP_GT",
                           "SCMP_CMP_MASKED_EQ"};
    for (int i = 1; i < 8; i++)
        if (strcmp(names[i], op) == 0)
            return (enum scmp_compare)i;
    fail_msg("op %s", op);
    return SCMP_CMP_EQ;
}

/* The reference: the section compiled by libseccomp the way runc does it (names resolved
 * natively, rules with the default action left out, conditions on one argument split
 * into rules of their own). NULL when libseccomp refuses the profile. */
static struct sock_filter *libseccomp_bpf(json_t *sec, size_t *len)
{
    uint32_t dflt = act_of(sec, "defaultAction", "defaultErrnoRet");
    scmp_filter_ctx ctx = seccomp_init(dflt);
    assert_non_null(ctx);
    size_t i, k;
    json_t *it, *r;
    json_array_foreach(json_object_get(sec, "architectures"), i, it)
    {
        char lower[32] = "";
        const char *n = json_string_value(it) + 10;
        for (k = 0; n[k] && k < 31; k++)
            lower[k] = (char)(n[k] >= 'A' && n[k] <= 'Z' ? n[k] - 'A' + 'a' : n[k]);
        lower[k] = '\0';
        int rc = seccomp_arch_add(ctx, seccomp_arch_resolve_name(lower));
        assert_true(rc == 0 || rc == -EEXIST);
    }
    bool refused = false;
    json_array_foreach(json_object_get(sec, "syscalls"), i, r)
    {
        uint32_t act = act_of(r, "action", "errnoRet");
        if (act == dflt)
            continue;
        json_t *args = json_object_get(r, "args");
        struct scmp_arg_cmp cmps[6];
        size_t n = json_array_size(args);
        bool seen[6] = {false}, split = false;
        json_array_foreach(args, k, it)
        {
            unsigned idx = (unsigned)hj_int(it, "index", 0);
            split = split || seen[idx];
            seen[idx] = true;
        }
        json_t *name;
        size_t m;
        json_array_foreach(json_object_get(r, "names"), m, name)
        {
            int nr = seccomp_syscall_resolve_name(json_string_value(name));
            if (nr == __NR_SCMP_ERROR)
                continue;
            for (size_t s = 0; s < (split ? n : 1); s++) {
                size_t c = 0;
                json_array_foreach(args, k, it)
                {
                    if (split && k != s)
                        continue;
                    cmps[c++] = (struct scmp_arg_cmp){
                        (unsigned)hj_int(it, "index", 0), op_of(hj_str(it, "op")),
                        (uint64_t)hj_int(it, "value", 0), (uint64_t)hj_int(it, "valueTwo", 0)};
                }
                refused = refused || seccomp_rule_add_array(ctx, act, nr, (unsigned)c, cmps) < 0;
            }
        }
    }
    if (refused) {
        seccomp_release(ctx);
        return NULL;
    }
    FILE *f = tmpfile();
    assert_int_equal(seccomp_export_bpf(ctx, fileno(f)), 0);
    seccomp_release(ctx);
    long size = lseek(fileno(f), 0, SEEK_END);
    struct sock_filter *prog = malloc((size_t)size);
    assert_int_equal(pread(fileno(f), prog, (size_t)size, 0), size);
    fclose(f);
    *len = (size_t)size / sizeof(*prog);
    return prog;
}

/* Argument values on both sides of every condition of the profile: each value, its
 * neighbours, the value with its other half changed, masks' complements. */
struct probes {
    uint64_t v[160];
    size_t n;
};

static void probe_add(struct probes *p, uint64_t v)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->v[i] == v)
            return;
    if (p->n < sizeof(p->v) / sizeof(p->v[0]))
        p->v[p->n++] = v;
}

static void probes_of(json_t *sec, struct probes *p)
{
    const uint64_t base[] = {0, 1, 0xffffffff, 0x100000000ULL, 0xffffffff00000000ULL, UINT64_MAX};
    p->n = 0;
    for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++)
        probe_add(p, base[i]);
    size_t i, k;
    json_t *r, *a;
    json_array_foreach(json_object_get(sec, "syscalls"), i, r)
    {
        json_array_foreach(json_object_get(r, "args"), k, a)
        {
            uint64_t v = (uint64_t)hj_int(a, "value", 0), w = (uint64_t)hj_int(a, "valueTwo", 0);
            const uint64_t around[] = {v,
                                       v - 1,
                                       v + 1,
                                       v ^ 0x100000000ULL,
                                       v ^ 0x8000000000000000ULL,
                                       (uint32_t)v,
                                       v | 0xffffffff00000000ULL,
                                       (v << 32) | (v >> 32),
                                       w,
                                       w | ~v,
                                       w ^ (v & -v),
                                       w & v,
                                       (w & v) ^ 0x100000000ULL};
            for (size_t m = 0; m < sizeof(around) / sizeof(around[0]); m++)
                probe_add(p, around[m]);
        }
    }
}

struct tally {
    unsigned long cases, disagreements;
};

/* Both programs on one input; returns whether either read an argument. */
static bool compare_one(const struct sock_filter *ref, size_t rlen, const struct seccomp_prog *ours,
                        const struct seccomp_interp_data *d, struct tally *t)
{
    bool read = false;
    uint32_t want = bpf_run(ref, rlen, d, &read);
    uint32_t got = bpf_run(ours->fprog.filter, ours->fprog.len, d, &read);
    t->cases++;
    if (want != got && t->disagreements++ < 5)
        print_message("arch %#x nr %#x args %#llx %#llx %#llx %#llx %#llx %#llx: libseccomp %#x, "
                      "hoist %#x\n",
                      d->arch, d->nr, (unsigned long long)d->args[0],
                      (unsigned long long)d->args[1], (unsigned long long)d->args[2],
                      (unsigned long long)d->args[3], (unsigned long long)d->args[4],
                      (unsigned long long)d->args[5], want, got);
    return read;
}

/* Every input class of one profile. Returns whether hoist's generator compiled it. */
static bool differential(const char *what, json_t *sec, struct tally *all)
{
    struct herr e = {0};
    struct seccomp_prog *ours = NULL;
    size_t rlen = 0;
    struct sock_filter *ref = libseccomp_bpf(sec, &rlen);
    int rc = seccomp_prepare(sec, &ours, &e);
    if (!ref) {
        assert_int_equal(rc, -1);
        print_message("%-28s libseccomp and hoist both refuse it\n", what);
        return false;
    }
    if (rc < 0)
        fail_msg("%s: prepare: %s", what, e.msg);
    struct probes p;
    probes_of(sec, &p);
    uint32_t nrs[2 * 1024 + 16];
    size_t nnr = 0;
    for (uint32_t n = 0; n < 1024; n++) {
        nrs[nnr++] = n;
        nrs[nnr++] = 0x40000000u + n;
    }
    const uint32_t huge[] = {0x3fffffff, 0x40000400, 0x4fffffff, 0x7fffffff, 0x80000000,
                             0x80000066, 0xc0000000, 0xfffffffe, 0xffffffff};
    for (size_t h = 0; h < sizeof(huge) / sizeof(huge[0]); h++)
        nrs[nnr++] = huge[h];
    const uint32_t arches[] = {AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64};
    struct tally t = {0};
    uint64_t rnd = 0x9e3779b97f4a7c15ULL;
    for (size_t a = 0; a < 3; a++)
        for (size_t n = 0; n < nnr; n++) {
            struct seccomp_interp_data d = {.nr = nrs[n], .arch = arches[a]};
            if (!compare_one(ref, rlen, ours, &d, &t))
                continue;
            /* Each argument alone through every probe value, then all six at once, then
             * pseudo-random mixes. */
            for (size_t arg = 0; arg < 6; arg++)
                for (size_t v = 0; v < p.n; v++) {
                    memset(d.args, 0, sizeof(d.args));
                    d.args[arg] = p.v[v];
                    compare_one(ref, rlen, ours, &d, &t);
                    for (size_t o = 0; o < 6; o++)
                        d.args[o] = p.v[v];
                    compare_one(ref, rlen, ours, &d, &t);
                }
            for (size_t m = 0; m < 64; m++) {
                for (size_t o = 0; o < 6; o++) {
                    rnd = rnd * 6364136223846793005ULL + 1442695040888963407ULL;
                    d.args[o] = p.v[(rnd >> 33) % p.n];
                }
                compare_one(ref, rlen, ours, &d, &t);
            }
        }
    print_message("%-28s %s: %lu cases compared, %lu disagreements\n", what,
                  ours->generated ? "generator" : "libseccomp", t.cases, t.disagreements);
    all->cases += t.cases;
    all->disagreements += t.disagreements;
    bool generated = ours->generated;
    free(ref);
    seccomp_prog_free(ours);
    assert_int_equal(t.disagreements, 0);
    return generated;
}

static json_t *section(const char *dflt, json_t *syscalls, bool x86)
{
    json_t *sec = json_pack("{sssos[s]}", "defaultAction", dflt, "syscalls", syscalls,
                            "architectures", "SCMP_ARCH_X86_64");
    if (strcmp(dflt, "SCMP_ACT_ERRNO") == 0)
        json_object_set_new(sec, "defaultErrnoRet", json_integer(1));
    if (x86)
        json_object_set_new(
            sec, "architectures",
            json_pack("[sss]", "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"));
    return sec;
}

static json_t *cond(int index, const char *op, uint64_t value, uint64_t two)
{
    return json_pack("{sisIsIss}", "index", index, "value", (json_int_t)value, "valueTwo",
                     (json_int_t)two, "op", op);
}

static json_t *rule(const char *name, const char *action, json_t *args)
{
    json_t *r = json_pack("{s[s]ss}", "names", name, "action", action);
    if (args)
        json_object_set_new(r, "args", args);
    return r;
}

static void report(const char *test, const struct tally *t)
{
    print_message("%s: %lu cases compared in all, %lu disagreements\n", test, t->cases,
                  t->disagreements);
}

static void test_differential_default(void **state)
{
    (void)state;
    char *none[] = {NULL};
    char *admin[] = {"CAP_SYS_ADMIN", "CAP_SYS_PTRACE", NULL};
    char *many[] = {
        "CAP_SYS_ADMIN",  "CAP_SYS_BOOT",  "CAP_SYS_CHROOT", "CAP_SYS_MODULE",      "CAP_SYS_PACCT",
        "CAP_SYS_PTRACE", "CAP_SYS_RAWIO", "CAP_SYS_TIME",   "CAP_SYS_TTY_CONFIG",  "CAP_SYS_NICE",
        "CAP_SYSLOG",     "CAP_BPF",       "CAP_PERFMON",    "CAP_DAC_READ_SEARCH", NULL};
    char *const *sets[] = {rt_docker_caps, none, admin, many};
    const char *names[] = {"default, docker caps", "default, no caps", "default, admin+ptrace",
                           "default, many caps"};
    struct tally t = {0};
    for (size_t s = 0; s < 4; s++) {
        _cleanup_json_ json_t *d = seccomp_default_oci(sets[s]);
        /* Docker's profile keeps the fast path. */
        assert_true(differential(names[s], d, &t));
    }
    report("default profile", &t);
}

static void test_differential_ops(void **state)
{
    (void)state;
    /* Every operator, with 64-bit values whose halves differ, several conditions ANDed,
     * on x86_64 alone and with its 32-bit ABIs (where only the low word is compared). */
    const char *ops[] = {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",       "SCMP_CMP_EQ",
                         "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"};
    const char *names[] = {"getpid", "read", "write", "close", "dup", "fcntl", "lseek"};
    const uint64_t vals[] = {40,
                             0xffffffff,
                             0x100000000ULL,
                             0x1000000ffULL,
                             0xfffffffe00000001ULL,
                             0x00000002fffffffeULL};
    struct tally t = {0};
    for (int x86 = 0; x86 < 2; x86++)
        for (size_t v = 0; v < sizeof(vals) / sizeof(vals[0]); v++) {
            json_t *sys = json_array();
            for (size_t o = 0; o < 7; o++)
                json_array_append_new(
                    sys, rule(names[o], "SCMP_ACT_ALLOW",
                              json_pack("[o]", cond((int)(o % 6), ops[o], vals[v], vals[v] >> 1))));
            json_array_append_new(sys, json_pack("{s[s]sssis[oo]}", "names", "getuid", "action",
                                                 "SCMP_ACT_ERRNO", "errnoRet", 13, "args",
                                                 cond(0, "SCMP_CMP_MASKED_EQ", 0xff0000ff, 0x11),
                                                 cond(5, "SCMP_CMP_LT", vals[v], 0)));
            json_array_append_new(sys, rule("gettid", "SCMP_ACT_LOG",
                                            json_pack("[ooo]", cond(1, "SCMP_CMP_GE", vals[v], 0),
                                                      cond(2, "SCMP_CMP_NE", vals[v] + 1, 0),
                                                      cond(4, "SCMP_CMP_LE", vals[v] << 1, 0))));
            json_array_append_new(sys, rule("uname", "SCMP_ACT_TRAP", NULL));
            _cleanup_json_ json_t *sec = section("SCMP_ACT_ERRNO", sys, x86);
            char what[64];
            snprintf(what, sizeof(what), "ops %#llx%s", (unsigned long long)vals[v],
                     x86 ? " +x86" : "");
            assert_true(differential(what, sec, &t));
        }
    report("operators", &t);
}

/* An unconditional and a conditional rule for one syscall, in both orders, with
 * different and equal actions; conditional rules of different actions; rules with the
 * default action; masks that make a condition vanish. */
static void test_differential_mixed(void **state)
{
    (void)state;
    struct tally t = {0};
    for (int x86 = 0; x86 < 2; x86++) {
        for (int order = 0; order < 2; order++) {
            json_t *sys = json_array();
            json_t *kill = rule("personality", "SCMP_ACT_KILL", NULL);
            json_t *allow = rule("personality", "SCMP_ACT_ALLOW",
                                 json_pack("[o]", cond(0, "SCMP_CMP_EQ", 0, 0)));
            json_array_append_new(sys, order ? allow : kill);
            json_array_append_new(sys, order ? kill : allow);
            json_array_append_new(sys, rule("getpid", "SCMP_ACT_ALLOW", NULL));
            _cleanup_json_ json_t *sec = section("SCMP_ACT_ERRNO", sys, x86);
            assert_true(differential(order ? "personality allow, kill" : "personality kill, allow",
                                     sec, &t));
        }
        /* Conditional rules of different actions: libseccomp's precedence decides. */
        json_t *sys = json_array();
        json_array_append_new(
            sys, rule("read", "SCMP_ACT_ALLOW", json_pack("[o]", cond(0, "SCMP_CMP_EQ", 3, 0))));
        json_array_append_new(sys, rule("read", "SCMP_ACT_KILL",
                                        json_pack("[o]", cond(1, "SCMP_CMP_GT", 0x10000, 0))));
        json_array_append_new(sys,
                              rule("read", "SCMP_ACT_ERRNO",
                                   json_pack("[o]", cond(0, "SCMP_CMP_LT", 0x100000000ULL, 0))));
        json_array_append_new(sys, rule("write", "SCMP_ACT_KILL",
                                        json_pack("[oo]", cond(0, "SCMP_CMP_EQ", 1, 0),
                                                  cond(2, "SCMP_CMP_GE", 0x1ffffffffULL, 0))));
        json_array_append_new(
            sys, rule("write", "SCMP_ACT_LOG", json_pack("[o]", cond(0, "SCMP_CMP_NE", 2, 0))));
        _cleanup_json_ json_t *sec = section("SCMP_ACT_ALLOW", sys, x86);
        differential("different conditional actions", sec, &t);
        /* Rules with the default action, same-action ORs on several arguments, masks. */
        sys = json_array();
        json_array_append_new(
            sys, rule("read", "SCMP_ACT_ALLOW", json_pack("[o]", cond(0, "SCMP_CMP_EQ", 3, 0))));
        json_array_append_new(
            sys, rule("read", "SCMP_ACT_ERRNO", json_pack("[o]", cond(1, "SCMP_CMP_EQ", 4, 0))));
        json_array_append_new(
            sys, rule("write", "SCMP_ACT_ALLOW", json_pack("[o]", cond(0, "SCMP_CMP_LT", 5, 0))));
        json_array_append_new(sys,
                              rule("write", "SCMP_ACT_ALLOW",
                                   json_pack("[o]", cond(3, "SCMP_CMP_GT", 0x2ffffffffULL, 0))));
        json_array_append_new(sys, rule("close", "SCMP_ACT_ALLOW",
                                        json_pack("[o]", cond(2, "SCMP_CMP_MASKED_EQ", 0, 7))));
        json_array_append_new(sys, rule("dup", "SCMP_ACT_ALLOW",
                                        json_pack("[o]", cond(2, "SCMP_CMP_MASKED_EQ",
                                                              0xff00000000ULL, 0x1200000034ULL))));
        json_array_append_new(sys,
                              rule("fcntl", "SCMP_ACT_ALLOW",
                                   json_pack("[o]", cond(1, "SCMP_CMP_MASKED_EQ", 0xf0, 0x3f))));
        json_array_append_new(sys, rule("lseek", "SCMP_ACT_ALLOW",
                                        json_pack("[oo]", cond(1, "SCMP_CMP_EQ", 1, 0),
                                                  cond(1, "SCMP_CMP_EQ", 2, 0))));
        _cleanup_json_ json_t *sec2 = section("SCMP_ACT_ERRNO", sys, x86);
        assert_true(differential("default actions, masks", sec2, &t));
    }
    report("mixed rules", &t);
}

/* Deny rules for socket and SysV IPC calls also hold through i386's socketcall and ipc
 * multiplexers, as libseccomp filters them by the call number in argument 0. */
static void test_differential_multiplexers(void **state)
{
    (void)state;
    struct tally t = {0};
    const char *deny[] = {"socket", "connect", "accept", "send",      "recvmmsg",
                          "shmget", "msgget",  "semop",  "semtimedop"};
    json_t *sys = json_array();
    for (size_t i = 0; i < sizeof(deny) / sizeof(deny[0]); i++)
        json_array_append_new(sys, rule(deny[i], "SCMP_ACT_ERRNO", NULL));
    _cleanup_json_ json_t *sec = section("SCMP_ACT_ALLOW", sys, true);
    assert_true(differential("deny socket/ipc calls", sec, &t));

    /* Conditions next to the multiplexer's: of another action, libseccomp decides. */
    sys = json_deep_copy(json_object_get(sec, "syscalls"));
    json_array_append_new(
        sys, rule("bind", "SCMP_ACT_KILL",
                  json_pack("[oo]", cond(0, "SCMP_CMP_EQ", 3, 0), cond(2, "SCMP_CMP_GT", 16, 0))));
    json_array_append_new(sys,
                          rule("shmat", "SCMP_ACT_LOG",
                               json_pack("[o]", cond(2, "SCMP_CMP_MASKED_EQ", 0x1000, 0x1000))));
    _cleanup_json_ json_t *sec1 = section("SCMP_ACT_ALLOW", sys, true);
    differential("deny, conditions", sec1, &t);

    /* The multiplexer named too, before and after the calls it carries. */
    for (int order = 0; order < 2; order++) {
        sys = json_array();
        if (order)
            json_array_append_new(sys, rule("socketcall", "SCMP_ACT_ALLOW", NULL));
        json_array_append_new(sys, rule("socket", "SCMP_ACT_ERRNO", NULL));
        json_array_append_new(sys, rule("msgsnd", "SCMP_ACT_ERRNO", NULL));
        if (!order)
            json_array_append_new(sys, rule("socketcall", "SCMP_ACT_ALLOW", NULL));
        json_array_append_new(
            sys, rule("ipc", "SCMP_ACT_TRAP", json_pack("[o]", cond(0, "SCMP_CMP_EQ", 14, 0))));
        _cleanup_json_ json_t *sec2 = section("SCMP_ACT_KILL_PROCESS", sys, true);
        differential(order ? "socketcall allowed first" : "socketcall allowed last", sec2, &t);
    }
    report("multiplexers", &t);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Compile times, printed only: the generator against libseccomp's compiler on Docker's
 * profile (x86_64, x86, x32 on an x86_64 host). */
static void test_compile_time(void **state)
{
    (void)state;
    _cleanup_json_ json_t *d = seccomp_default_oci(rt_docker_caps);
    const int rounds = 20;
    double t0 = now_ms();
    for (int i = 0; i < rounds; i++) {
        struct herr e = {0};
        struct seccomp_prog *p = NULL;
        assert_int_equal(seccomp_prepare(d, &p, &e), 0);
        assert_true(p->generated);
        seccomp_prog_free(p);
    }
    double t1 = now_ms();
    for (int i = 0; i < rounds; i++) {
        size_t len;
        free(libseccomp_bpf(d, &len));
    }
    double t2 = now_ms();
    print_message("Docker's default profile: hoist's generator %.3f ms, libseccomp %.3f ms per "
                  "compile\n",
                  (t1 - t0) / rounds, (t2 - t1) / rounds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_differential_default),
        cmocka_unit_test(test_differential_ops),
        cmocka_unit_test(test_differential_mixed),
        cmocka_unit_test(test_differential_multiplexers),
        cmocka_unit_test(test_compile_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
