/* The generated seccomp program checked against libseccomp's own compiler: both programs
 * run through a small classic-BPF interpreter on many seccomp_data inputs. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

struct sdata {
    uint32_t nr, arch;
    uint64_t ip;
    uint64_t args[6];
};

static uint32_t bpf_run(const struct sock_filter *f, size_t len, const struct sdata *d)
{
    uint32_t a = 0;
    for (size_t pc = 0; pc < len; pc++) {
        const struct sock_filter *i = &f[pc];
        switch (i->code) {
        case BPF_LD | BPF_W | BPF_ABS:
            assert_true(i->k + 4 <= sizeof(*d) && i->k % 4 == 0);
            memcpy(&a, (const char *)d + i->k, 4);
            break;
        case BPF_ALU | BPF_AND | BPF_K:
            a &= i->k;
            break;
        case BPF_JMP | BPF_JA:
            pc += i->k;
            break;
        case BPF_JMP | BPF_JEQ | BPF_K:
            pc += a == i->k ? i->jt : i->jf;
            break;
        case BPF_JMP | BPF_JGT | BPF_K:
            pc += a > i->k ? i->jt : i->jf;
            break;
        case BPF_JMP | BPF_JGE | BPF_K:
            pc += a >= i->k ? i->jt : i->jf;
            break;
        case BPF_JMP | BPF_JSET | BPF_K:
            pc += (a & i->k) ? i->jt : i->jf;
            break;
        case BPF_RET | BPF_K:
            return i->k;
        default:
            fail_msg("BPF opcode %#x at %zu is not interpreted", i->code, pc);
        }
    }
    fail_msg("BPF program ran off its end");
    return 0;
}

static uint32_t act_of(json_t *r, const char *k_action, const char *k_errno)
{
    const char *a = hj_str(r, k_action);
    uint32_t e = (uint32_t)hj_int(r, k_errno, EPERM);
    if (strcmp(a, "SCMP_ACT_ALLOW") == 0)
        return SCMP_ACT_ALLOW;
    if (strcmp(a, "SCMP_ACT_ERRNO") == 0)
        return SCMP_ACT_ERRNO(e);
    if (strcmp(a, "SCMP_ACT_KILL_PROCESS") == 0)
        return SCMP_ACT_KILL_PROCESS;
    if (strcmp(a, "SCMP_ACT_LOG") == 0)
        return SCMP_ACT_LOG;
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

/* The reference: the section compiled by libseccomp the way runc does it. */
static struct sock_filter *libseccomp_bpf(json_t *sec, size_t *len)
{
    scmp_filter_ctx ctx = seccomp_init(act_of(sec, "defaultAction", "defaultErrnoRet"));
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
    json_array_foreach(json_object_get(sec, "syscalls"), i, r)
    {
        uint32_t act = act_of(r, "action", "errnoRet");
        json_t *args = json_object_get(r, "args");
        struct scmp_arg_cmp cmps[6];
        size_t n = json_array_size(args);
        json_array_foreach(args, k, it)
        {
            cmps[k] = (struct scmp_arg_cmp){
                (unsigned)hj_int(it, "index", 0), op_of(hj_str(it, "op")),
                (uint64_t)hj_int(it, "value", 0), (uint64_t)hj_int(it, "valueTwo", 0)};
        }
        json_array_foreach(json_object_get(r, "names"), k, it)
        {
            int nr = seccomp_syscall_resolve_name(json_string_value(it));
            if (nr == __NR_SCMP_ERROR)
                continue;
            assert_int_equal(seccomp_rule_add_array(ctx, act, nr, (unsigned)n, cmps), 0);
        }
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

struct seccomp_prog {
    struct sock_fprog fprog;
    unsigned int flags;
};

static void differential(json_t *sec, const uint64_t *vals, size_t nvals)
{
    struct herr e = {0};
    struct seccomp_prog *ours = NULL;
    if (seccomp_prepare(sec, &ours, &e) < 0)
        fail_msg("prepare: %s", e.msg);
    size_t rlen;
    struct sock_filter *ref = libseccomp_bpf(sec, &rlen);
    const uint32_t arches[] = {AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64};
    uint32_t nrs[1400];
    size_t nnr = 0;
    for (uint32_t n = 0; n < 640; n++) {
        nrs[nnr++] = n;
        nrs[nnr++] = 0x40000000u + n;
    }
    nrs[nnr++] = 0x3fffffff;
    nrs[nnr++] = 0x7fffffff;
    nrs[nnr++] = 0xffffffff;
    size_t checked = 0;
    for (size_t a = 0; a < 3; a++)
        for (size_t n = 0; n < nnr; n++)
            for (size_t v = 0; v <= 2 * nvals; v++) {
                struct sdata d = {.nr = nrs[n], .arch = arches[a]};
                if (v > 0 && v <= nvals)
                    d.args[0] = vals[v - 1];
                else if (v > nvals)
                    d.args[1] = vals[v - nvals - 1];
                uint32_t want = bpf_run(ref, rlen, &d);
                uint32_t got = bpf_run(ours->fprog.filter, ours->fprog.len, &d);
                if (want != got)
                    fail_msg("arch %#x nr %#x args %#llx %#llx: libseccomp %#x, hoist %#x",
                             arches[a], nrs[n], (unsigned long long)d.args[0],
                             (unsigned long long)d.args[1], want, got);
                checked++;
            }
    assert_true(checked > 100000);
    free(ref);
    seccomp_prog_free(ours);
}

static const uint64_t probe_values[] = {
    0,
    1,
    2,
    8,
    37,
    38,
    39,
    40,
    41,
    0x20000,
    0x20008,
    0x7fffffff,
    0x80000000,
    0xfffffffe,
    0xffffffff,
    0x7E020000,
    0x7E020011,
    0x00020000,
    0x04000000,
    0x40000000,
    0x11,
    987654,
    987655,
    0x100000000ULL,
    0x1000000ffULL,
    0xffffffff00000000ULL,
    0xffffffffffffffffULL,
};

static void test_differential_default(void **state)
{
    (void)state;
    char *admin[] = {"CAP_SYS_ADMIN", "CAP_SYS_PTRACE", NULL};
    _cleanup_json_ json_t *d = seccomp_default_oci(rt_docker_caps);
    differential(d, probe_values, sizeof(probe_values) / sizeof(probe_values[0]));
    _cleanup_json_ json_t *a = seccomp_default_oci(admin);
    differential(a, probe_values, sizeof(probe_values) / sizeof(probe_values[0]));
}

static void test_differential_ops(void **state)
{
    (void)state;
    /* Every operator, 64-bit values, several conditions ANDed, on x86_64 alone and with
     * its 32-bit ABIs (where only the low word is compared). */
    const char *ops[] = {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",
                         "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT"};
    const char *names[] = {"getpid", "read", "write", "close", "dup", "fcntl"};
    const uint64_t vals[] = {40, 0xffffffff, 0x100000000ULL, 0x1000000ffULL};
    for (int multi = 0; multi < 2; multi++)
        for (size_t v = 0; v < 4; v++) {
            if (multi && vals[v] > 0xffffffff)
                continue;
            json_t *sys = json_array();
            for (size_t o = 0; o < 6; o++)
                json_array_append_new(sys,
                                      json_pack("{s[s]sss[{sisIss}]}", "names", names[o], "action",
                                                "SCMP_ACT_ALLOW", "args", "index", (int)(o % 2),
                                                "value", (json_int_t)vals[v], "op", ops[o]));
            json_array_append_new(sys,
                                  json_pack("{s[s]sssis[{sisIsIss}{sisIss}]}", "names", "getuid",
                                            "action", "SCMP_ACT_ERRNO", "errnoRet", 13, "args",
                                            "index", 0, "value", (json_int_t)0xff0000ff, "valueTwo",
                                            (json_int_t)0x11, "op", "SCMP_CMP_MASKED_EQ", "index",
                                            1, "value", (json_int_t)vals[v], "op", "SCMP_CMP_LT"));
            json_array_append_new(
                sys, json_pack("{s[ss]ss}", "names", "gettid", "uname", "action", "SCMP_ACT_LOG"));
            _cleanup_json_ json_t *sec =
                json_pack("{sssisos[s]}", "defaultAction", "SCMP_ACT_ERRNO", "defaultErrnoRet", 1,
                          "syscalls", sys, "architectures", "SCMP_ARCH_X86_64");
            if (multi)
                json_object_set_new(
                    sec, "architectures",
                    json_pack("[sss]", "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"));
            uint64_t probes[] = {0,
                                 1,
                                 vals[v] - 1,
                                 vals[v],
                                 vals[v] + 1,
                                 0x11,
                                 0xff0000ff,
                                 0x12345611,
                                 0xffffffff,
                                 0x100000000ULL,
                                 0x1000000feULL,
                                 0x1000000ffULL,
                                 0x100000100ULL,
                                 0xffffffff00000011ULL};
            differential(sec, probes, sizeof(probes) / sizeof(probes[0]));
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_differential_default),
        cmocka_unit_test(test_differential_ops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
