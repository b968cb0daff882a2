/* An OCI linux.seccomp section is compiled in the parent, before fork, into a classic BPF
 * program; the container child loads it with one seccomp(2) call, so nothing is allocated
 * or computed between fork and exec, and errors are reported while nothing exists yet.
 *
 * libseccomp provides the syscall tables and architecture names, but the program is
 * generated here: libseccomp's own generator needs about 16 ms for Docker's profile on
 * three architectures, which would be most of a container's start-up time. The program
 * dispatches on the architecture, then binary-searches the syscall number over ranges
 * that share one action, then tests argument conditions where a syscall has them. */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/runtime/seccomp.h"

struct seccomp_prog {
    struct sock_fprog fprog;
    unsigned int flags;
};

static const struct {
    const char *name;
    uint32_t act;
    bool takes_errno;
} actions[] = {
    {"SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD, false},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP, false},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true},
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG, false},
};

static const struct {
    const char *name;
    enum scmp_compare op;
} ops[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

/* WAIT_KILLABLE_RECV and NEW_LISTENER only make sense with SCMP_ACT_NOTIFY. */
static const struct {
    const char *name;
    unsigned int flag;
} flags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
};

#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))

static int find_action(const char *name)
{
    for (size_t i = 0; name && i < N_ELEM(actions); i++)
        if (strcmp(actions[i].name, name) == 0)
            return (int)i;
    return -1;
}

static int find_op(const char *name)
{
    for (size_t i = 0; name && i < N_ELEM(ops); i++)
        if (strcmp(ops[i].name, name) == 0)
            return (int)i;
    return -1;
}

static int find_flag(const char *name)
{
    for (size_t i = 0; name && i < N_ELEM(flags); i++)
        if (strcmp(flags[i].name, name) == 0)
            return (int)i;
    return -1;
}

bool seccomp_action_known(const char *name)
{
    return find_action(name) >= 0;
}

bool seccomp_op_known(const char *name)
{
    return find_op(name) >= 0;
}

bool seccomp_flag_known(const char *name)
{
    return find_flag(name) >= 0;
}

static int parse_action(const char *name, const json_t *errno_ret, const char *field, uint32_t *out,
                        struct herr *e)
{
    int i = find_action(name);
    if (i < 0)
        return herr_set(e, 0, "%s: unknown or unsupported action \"%s\"", field, name ? name : "");
    *out = actions[i].act;
    if (errno_ret && !json_is_null(errno_ret)) {
        if (!actions[i].takes_errno)
            return herr_set(e, 0,
                            "%s: an errno is only valid with SCMP_ACT_ERRNO and "
                            "SCMP_ACT_TRACE, not %s",
                            field, name);
        if (!json_is_integer(errno_ret) || json_integer_value(errno_ret) < 0 ||
            json_integer_value(errno_ret) > 4095)
            return herr_set(e, 0, "%s: errno must be a number between 0 and 4095", field);
        *out |= (uint32_t)json_integer_value(errno_ret);
    } else if (actions[i].takes_errno) {
        *out |= EPERM;
    }
    return 0;
}

/* One argument condition; a rule ANDs up to six of them (one per argument). */
struct cond {
    unsigned int arg;
    enum scmp_compare op;
    uint64_t a, b;
};

struct rule {
    uint32_t action;
    unsigned int ncond;
    struct cond cond[6];
};

/* A syscall name and the rules [r0, r1) it is subject to. */
struct binding {
    const char *name;
    size_t r0, r1;
};

struct policy {
    uint32_t dflt;
    uint32_t arches[16];
    size_t narches;
    struct rule *rules;
    size_t nrules;
    struct binding *binds;
    size_t nbinds;
};

struct item {
    uint32_t nr;
    size_t rule;
};

/* A range of syscall numbers with one outcome: action, after the conditional rules
 * items[0..nitems) of its single syscall when there are any. */
struct ival {
    uint32_t lo, hi;
    uint32_t action;
    const struct item *items;
    size_t nitems;
    bool wide; /* arguments are compared as 64 bits */
};

/* The program is written backwards, from its last instruction, so every jump target is
 * already placed when the jump is written. */
struct gen {
    struct sock_filter buf[BPF_MAXINSNS];
    int pos;
    bool full;
};

static void policy_free(struct policy *p)
{
    free(p->rules);
    free(p->binds);
}

/* On x86, libseccomp names socket and SysV IPC calls by their socketcall/ipc multiplexer;
 * the direct syscalls (kernel 4.3 and later) are numbered here. */
static const struct {
    const char *name;
    int nr;
} x86_direct[] = {
    {"socket", 359},      {"socketpair", 360},  {"bind", 361},       {"connect", 362},
    {"listen", 363},      {"accept4", 364},     {"getsockopt", 365}, {"setsockopt", 366},
    {"getsockname", 367}, {"getpeername", 368}, {"sendto", 369},     {"sendmsg", 370},
    {"recvfrom", 371},    {"recvmsg", 372},     {"shutdown", 373},   {"recvmmsg", 337},
    {"sendmmsg", 345},    {"semget", 393},      {"semctl", 394},     {"shmget", 395},
    {"shmctl", 396},      {"shmat", 397},       {"shmdt", 398},      {"msgget", 399},
    {"msgsnd", 400},      {"msgrcv", 401},      {"msgctl", 402},
};

static int resolve(uint32_t arch, const char *name)
{
    int nr = seccomp_syscall_resolve_name_arch(arch, name);
    if (nr < 0 && arch == SCMP_ARCH_X86)
        for (size_t i = 0; i < N_ELEM(x86_direct); i++)
            if (strcmp(x86_direct[i].name, name) == 0)
                return x86_direct[i].nr;
    return nr;
}

static int cmp_item(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    if (x->nr != y->nr)
        return x->nr < y->nr ? -1 : 1;
    return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/* Every syscall known on arch with its rules, sorted by number then profile order. Names
 * this arch (or libseccomp) does not know are skipped, as runc does, so one profile
 * serves hosts and library versions of different ages. */
static struct item *arch_items(const struct policy *p, uint32_t arch, size_t *n)
{
    size_t cap = 0, len = 0;
    for (size_t b = 0; b < p->nbinds; b++)
        cap += p->binds[b].r1 - p->binds[b].r0;
    struct item *items = xcalloc(cap + 1, sizeof(*items));
    for (size_t b = 0; b < p->nbinds; b++) {
        int nr = resolve(arch, p->binds[b].name);
        if (nr < 0)
            continue;
        for (size_t r = p->binds[b].r0; r < p->binds[b].r1; r++)
            items[len++] = (struct item){.nr = (uint32_t)nr, .rule = r};
    }
    qsort(items, len, sizeof(*items), cmp_item);
    *n = len;
    return items;
}

static void add_ival(struct ival *iv, size_t *n, uint32_t lo, uint32_t hi, uint32_t action,
                     const struct item *items, size_t nitems, bool wide)
{
    struct ival *prev = *n ? &iv[*n - 1] : NULL;
    if (!nitems && prev && !prev->nitems && prev->action == action && prev->hi + 1 == lo) {
        prev->hi = hi;
        return;
    }
    iv[(*n)++] = (struct ival){lo, hi, action, items, nitems, wide};
}

/* Cover [lo, hi] with ranges: a syscall's unconditional rule gives its action (the first
 * one wins), conditional rules are tried before it, and unnamed numbers get the
 * default action. */
static void domain_ivals(const struct policy *p, const struct item *items, size_t n, uint32_t lo,
                         uint32_t hi, bool wide, struct ival *iv, size_t *niv)
{
    uint64_t cur = lo;
    for (size_t k = 0, j; k < n; k = j) {
        uint32_t nr = items[k].nr;
        for (j = k; j < n && items[j].nr == nr; j++)
            ;
        if (nr < lo || nr > hi)
            continue;
        if (nr > cur)
            add_ival(iv, niv, (uint32_t)cur, nr - 1, p->dflt, NULL, 0, wide);
        uint32_t action = p->dflt;
        bool uncond = false, conds = false;
        for (size_t m = k; m < j; m++) {
            const struct rule *r = &p->rules[items[m].rule];
            if (r->ncond)
                conds = true;
            else if (!uncond) {
                uncond = true;
                action = r->action;
            }
        }
        add_ival(iv, niv, nr, nr, action, conds ? &items[k] : NULL, conds ? j - k : 0, wide);
        cur = (uint64_t)nr + 1;
    }
    if (cur <= hi)
        add_ival(iv, niv, (uint32_t)cur, hi, p->dflt, NULL, 0, wide);
}

static void emit(struct gen *g, uint16_t code, uint32_t k, uint8_t jt, uint8_t jf)
{
    if (g->pos == 0) {
        g->full = true;
        return;
    }
    g->buf[--g->pos] = (struct sock_filter){code, jt, jf, k};
}

/* A conditional jump to absolute positions; targets beyond the 8-bit offsets are reached
 * through ja trampolines. */
static void emit_jump(struct gen *g, uint16_t op, uint32_t k, int t_true, int t_false)
{
    while (!g->full && (t_true - g->pos > 255 || t_false - g->pos > 255)) {
        int *t = t_true - g->pos > 255 ? &t_true : &t_false;
        emit(g, BPF_JMP | BPF_JA, (uint32_t)(*t - g->pos), 0, 0);
        *t = g->pos;
    }
    emit(g, BPF_JMP | op | BPF_K, k, (uint8_t)(t_true - g->pos), (uint8_t)(t_false - g->pos));
}

static void emit_load(struct gen *g, uint32_t off)
{
    emit(g, BPF_LD | BPF_W | BPF_ABS, off, 0, 0);
}

/* Falls through when the condition holds, jumps to fail otherwise. 64-bit arguments are
 * compared as high word, then low word; on 32-bit ABIs only the low word exists. */
static void emit_cond(struct gen *g, const struct cond *c, bool wide, bool big_endian, int fail)
{
    int pass = g->pos;
    uint32_t base = 16 + 8 * c->arg;
    uint32_t alo = (uint32_t)c->a, ahi = (uint32_t)(c->a >> 32);
    uint32_t blo = (uint32_t)c->b, bhi = (uint32_t)(c->b >> 32);
    switch (c->op) {
    case SCMP_CMP_NE:
        emit_jump(g, BPF_JEQ, alo, fail, pass);
        break;
    case SCMP_CMP_LT:
        emit_jump(g, BPF_JGE, alo, fail, pass);
        break;
    case SCMP_CMP_LE:
        emit_jump(g, BPF_JGT, alo, fail, pass);
        break;
    case SCMP_CMP_GT:
        emit_jump(g, BPF_JGT, alo, pass, fail);
        break;
    case SCMP_CMP_GE:
        emit_jump(g, BPF_JGE, alo, pass, fail);
        break;
    case SCMP_CMP_MASKED_EQ:
        emit_jump(g, BPF_JEQ, blo, pass, fail);
        emit(g, BPF_ALU | BPF_AND | BPF_K, alo, 0, 0);
        break;
    default:
        emit_jump(g, BPF_JEQ, alo, pass, fail);
        break;
    }
    emit_load(g, base + (big_endian ? 4 : 0));
    if (!wide)
        return;
    int low = g->pos, next;
    switch (c->op) {
    case SCMP_CMP_NE:
        emit_jump(g, BPF_JEQ, ahi, low, pass);
        break;
    case SCMP_CMP_LT:
    case SCMP_CMP_LE:
        emit_jump(g, BPF_JEQ, ahi, low, pass);
        next = g->pos;
        emit_jump(g, BPF_JGT, ahi, fail, next);
        break;
    case SCMP_CMP_GT:
    case SCMP_CMP_GE:
        emit_jump(g, BPF_JEQ, ahi, low, fail);
        next = g->pos;
        emit_jump(g, BPF_JGT, ahi, pass, next);
        break;
    case SCMP_CMP_MASKED_EQ:
        emit_jump(g, BPF_JEQ, bhi, low, fail);
        emit(g, BPF_ALU | BPF_AND | BPF_K, ahi, 0, 0);
        break;
    default:
        emit_jump(g, BPF_JEQ, ahi, low, fail);
        break;
    }
    emit_load(g, base + (big_endian ? 0 : 4));
}

static void emit_leaf(struct gen *g, const struct policy *p, const struct ival *iv, bool big_endian)
{
    emit(g, BPF_RET | BPF_K, iv->action, 0, 0);
    for (size_t m = iv->nitems; m-- > 0;) {
        const struct rule *r = &p->rules[iv->items[m].rule];
        if (!r->ncond)
            continue;
        int fail = g->pos;
        emit(g, BPF_RET | BPF_K, r->action, 0, 0);
        for (unsigned int c = r->ncond; c-- > 0;)
            emit_cond(g, &r->cond[c], iv->wide, big_endian, fail);
    }
}

/* Binary search over ranges; the accumulator holds the syscall number. */
static void emit_tree(struct gen *g, const struct policy *p, const struct ival *iv, size_t lo,
                      size_t hi, bool big_endian)
{
    if (lo == hi) {
        emit_leaf(g, p, &iv[lo], big_endian);
        return;
    }
    size_t mid = lo + (hi - lo + 1) / 2;
    emit_tree(g, p, iv, mid, hi, big_endian);
    int right = g->pos;
    emit_tree(g, p, iv, lo, mid - 1, big_endian);
    emit_jump(g, BPF_JGE, iv[mid].lo, right, g->pos);
}

static bool policy_has_arch(const struct policy *p, uint32_t arch)
{
    for (size_t i = 0; i < p->narches; i++)
        if (p->arches[i] == arch)
            return true;
    return false;
}

/* The syscall numbers [lo, hi] of one ABI; an ABI absent from the policy is a bad arch,
 * except for syscall -1, which tracers use to skip a call. */
static void abi_ivals(const struct policy *p, uint32_t abi, uint32_t lo, uint32_t hi,
                      struct item **items, struct ival *iv, size_t *niv)
{
    /* x32 arguments are compared on their low word, as libseccomp does. */
    bool wide = (abi & 0x80000000u) != 0;
    if (!policy_has_arch(p, abi)) {
        add_ival(iv, niv, lo, hi == UINT32_MAX ? hi - 1 : hi, SCMP_ACT_KILL_THREAD, NULL, 0, wide);
        if (hi == UINT32_MAX)
            add_ival(iv, niv, hi, hi, p->dflt, NULL, 0, wide);
        return;
    }
    size_t n;
    *items = arch_items(p, abi, &n);
    domain_ivals(p, *items, n, lo, hi, wide, iv, niv);
}

/* The code for one audit architecture value. x86_64 and x32 share one: x32 syscall
 * numbers carry bit 30. */
static void emit_arch(struct gen *g, const struct policy *p, uint32_t arch)
{
    size_t niv = 0, cap = 8;
    for (size_t b = 0; b < p->nbinds; b++)
        cap += 4 * (p->binds[b].r1 - p->binds[b].r0);
    _cleanup_free_ struct ival *iv = xcalloc(cap, sizeof(*iv));
    _cleanup_free_ struct item *low = NULL;
    _cleanup_free_ struct item *high = NULL;
    if (arch == SCMP_ARCH_X86_64) {
        abi_ivals(p, SCMP_ARCH_X86_64, 0, 0x3fffffff, &low, iv, &niv);
        abi_ivals(p, SCMP_ARCH_X32, 0x40000000, UINT32_MAX, &high, iv, &niv);
    } else {
        abi_ivals(p, arch, 0, UINT32_MAX, &low, iv, &niv);
    }
    emit_tree(g, p, iv, 0, niv - 1, (arch & 0x40000000u) == 0);
    emit_load(g, offsetof(struct seccomp_data, nr));
}

/* Architectures as audit values, in policy order; x32 shares x86_64's. */
static size_t audit_arches(const struct policy *p, uint32_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < p->narches; i++) {
        uint32_t a = p->arches[i] == SCMP_ARCH_X32 ? SCMP_ARCH_X86_64 : p->arches[i];
        bool seen = false;
        for (size_t k = 0; k < n && !seen; k++)
            seen = out[k] == a;
        if (!seen)
            out[n++] = a;
    }
    return n;
}

static int generate(const struct policy *p, struct seccomp_prog *prog, struct herr *e)
{
    _cleanup_free_ struct gen *g = xmalloc(sizeof(*g));
    g->pos = BPF_MAXINSNS;
    g->full = false;
    uint32_t audits[N_ELEM(p->arches)];
    int starts[N_ELEM(p->arches)];
    size_t n = audit_arches(p, audits);
    for (size_t i = n; i-- > 0;) {
        emit_arch(g, p, audits[i]);
        starts[i] = g->pos;
    }
    /* libseccomp's default for an architecture the filter does not list */
    emit(g, BPF_RET | BPF_K, SCMP_ACT_KILL_THREAD, 0, 0);
    for (size_t i = n; i-- > 0;)
        emit_jump(g, BPF_JEQ, audits[i], starts[i], g->pos);
    emit_load(g, offsetof(struct seccomp_data, arch));
    if (g->full)
        return herr_set(e, E2BIG, "linux.seccomp: the filter exceeds the kernel's %d instructions",
                        BPF_MAXINSNS);
    size_t len = (size_t)(BPF_MAXINSNS - g->pos);
    prog->fprog.filter = xmalloc(len * sizeof(struct sock_filter));
    memcpy(prog->fprog.filter, g->buf + g->pos, len * sizeof(struct sock_filter));
    prog->fprog.len = (unsigned short)len;
    return 0;
}

static int parse_flags(const json_t *fl, unsigned int *out, struct herr *e)
{
    *out = 0;
    if (!fl || json_is_null(fl))
        return 0;
    if (!json_is_array(fl))
        return herr_set(e, 0, "linux.seccomp.flags: not an array");
    size_t i;
    json_t *it;
    json_array_foreach(fl, i, it)
    {
        int k = find_flag(json_string_value(it));
        if (k < 0)
            return herr_set(e, 0, "linux.seccomp.flags[%zu]: unknown or unsupported flag \"%s\"", i,
                            json_is_string(it) ? json_string_value(it) : "");
        *out |= flags[k].flag;
    }
    return 0;
}

static int parse_arches(const json_t *arches, struct policy *p, struct herr *e)
{
    p->arches[p->narches++] = seccomp_arch_native();
    if (!arches || json_is_null(arches))
        return 0;
    if (!json_is_array(arches))
        return herr_set(e, 0, "linux.seccomp.architectures: not an array");
    size_t i;
    json_t *it;
    json_array_foreach(arches, i, it)
    {
        const char *name = json_string_value(it);
        char lower[32];
        size_t n = 0;
        if (name && str_has_prefix(name, "SCMP_ARCH_"))
            for (const char *c = name + 10; *c && n + 1 < sizeof(lower); c++)
                lower[n++] = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
        lower[n] = '\0';
        uint32_t token = n ? seccomp_arch_resolve_name(lower) : 0;
        if (!token)
            return herr_set(e, 0, "linux.seccomp.architectures[%zu]: unknown architecture \"%s\"",
                            i, name ? name : "");
        if (policy_has_arch(p, token))
            continue;
        if (p->narches == N_ELEM(p->arches))
            return herr_set(e, 0, "linux.seccomp.architectures: more than %zu", N_ELEM(p->arches));
        p->arches[p->narches++] = token;
    }
    return 0;
}

static int parse_cond(const json_t *a, size_t i, size_t k, struct cond *c, struct herr *e)
{
    json_t *idx = json_object_get(a, "index"), *v = json_object_get(a, "value");
    json_t *v2 = json_object_get(a, "valueTwo");
    int op = find_op(hj_str(a, "op"));
    if (!json_is_integer(idx) || json_integer_value(idx) < 0 || json_integer_value(idx) > 5)
        return herr_set(e, 0, "linux.seccomp.syscalls[%zu].args[%zu].index: must be 0 to 5", i, k);
    if ((v && !json_is_integer(v)) || (v2 && !json_is_integer(v2)))
        return herr_set(e, 0,
                        "linux.seccomp.syscalls[%zu].args[%zu]: value and valueTwo must be "
                        "integers",
                        i, k);
    if (op < 0)
        return herr_set(e, 0, "linux.seccomp.syscalls[%zu].args[%zu].op: unknown operator \"%s\"",
                        i, k, hj_str(a, "op") ? hj_str(a, "op") : "");
    *c = (struct cond){.arg = (unsigned int)json_integer_value(idx),
                       .op = ops[op].op,
                       .a = (uint64_t)json_integer_value(v),
                       .b = (uint64_t)json_integer_value(v2)};
    return 0;
}

static int parse_syscall(const json_t *sc, size_t i, struct policy *p, struct herr *e)
{
    char field[64];
    snprintf(field, sizeof(field), "linux.seccomp.syscalls[%zu].action", i);
    if (!json_is_object(sc))
        return herr_set(e, 0, "linux.seccomp.syscalls[%zu]: not an object", i);
    json_t *names = json_object_get(sc, "names");
    if (!json_is_array(names))
        return herr_set(e, 0, "linux.seccomp.syscalls[%zu].names: not an array", i);
    uint32_t act;
    if (parse_action(hj_str(sc, "action"), json_object_get(sc, "errnoRet"), field, &act, e) < 0)
        return -1;
    json_t *args = json_object_get(sc, "args");
    if (args && !json_is_null(args) && !json_is_array(args))
        return herr_set(e, 0, "linux.seccomp.syscalls[%zu].args: not an array", i);
    size_t nargs = json_array_size(args);
    if (nargs > 64)
        return herr_set(e, 0, "linux.seccomp.syscalls[%zu].args: %zu conditions, at most 64", i,
                        nargs);
    struct cond conds[64];
    bool seen[6] = {false}, same_index = false;
    for (size_t k = 0; k < nargs; k++) {
        if (parse_cond(json_array_get(args, k), i, k, &conds[k], e) < 0)
            return -1;
        same_index = same_index || seen[conds[k].arg];
        seen[conds[k].arg] = true;
    }
    /* Conditions on one argument would rarely hold together, so, as runc does, each then
     * becomes its own rule (ORed) instead of one ANDed rule. */
    size_t nrules = same_index ? nargs : 1;
    size_t r0 = p->nrules;
    p->rules = xrealloc(p->rules, (p->nrules + nrules) * sizeof(*p->rules));
    for (size_t r = 0; r < nrules; r++) {
        struct rule *rule = &p->rules[p->nrules++];
        *rule = (struct rule){.action = act};
        if (same_index) {
            rule->ncond = 1;
            rule->cond[0] = conds[r];
        } else {
            rule->ncond = (unsigned int)nargs;
            memcpy(rule->cond, conds, nargs * sizeof(*conds));
        }
    }
    size_t k;
    json_t *it;
    p->binds = xrealloc(p->binds, (p->nbinds + json_array_size(names)) * sizeof(*p->binds));
    json_array_foreach(names, k, it)
    {
        if (!json_is_string(it))
            return herr_set(e, 0, "linux.seccomp.syscalls[%zu].names[%zu]: not a string", i, k);
        p->binds[p->nbinds++] = (struct binding){json_string_value(it), r0, p->nrules};
    }
    return 0;
}

int seccomp_prepare(const json_t *ls, struct seccomp_prog **out, struct herr *e)
{
    *out = NULL;
    if (!ls || json_is_null(ls))
        return 0;
    if (!json_is_object(ls))
        return herr_set(e, 0, "linux.seccomp: not an object");
    __attribute__((cleanup(policy_free))) struct policy p = {0};
    if (parse_action(hj_str(ls, "defaultAction"), json_object_get(ls, "defaultErrnoRet"),
                     "linux.seccomp.defaultAction", &p.dflt, e) < 0)
        return -1;
    _cleanup_free_ struct seccomp_prog *prog = xcalloc(1, sizeof(*prog));
    if (parse_arches(json_object_get(ls, "architectures"), &p, e) < 0 ||
        parse_flags(json_object_get(ls, "flags"), &prog->flags, e) < 0)
        return -1;
    json_t *syscalls = json_object_get(ls, "syscalls");
    if (syscalls && !json_is_null(syscalls) && !json_is_array(syscalls))
        return herr_set(e, 0, "linux.seccomp.syscalls: not an array");
    size_t i;
    json_t *sc;
    json_array_foreach(syscalls, i, sc)
    {
        if (parse_syscall(sc, i, &p, e) < 0)
            return -1;
    }
    if (generate(&p, prog, e) < 0)
        return -1;
    *out = steal_ptr(&prog);
    return 0;
}

int seccomp_install(struct seccomp_prog *prog, struct herr *e)
{
    if (!prog)
        return 0;
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, prog->flags, &prog->fprog) != 0) {
        if (errno == EACCES)
            return herr_sys(e, "installing the seccomp filter: it needs no_new_privs or "
                               "CAP_SYS_ADMIN");
        return herr_sys(e, "installing the seccomp filter");
    }
    return 0;
}

void seccomp_prog_free(struct seccomp_prog *prog)
{
    if (!prog)
        return;
    free(prog->fprog.filter);
    free(prog);
}
