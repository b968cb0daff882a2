/* hoist's seccomp BPF generator. libseccomp's own needs about 16 ms for Docker's profile
 * on three architectures, which would be most of a container's start-up time; this one
 * needs about 0.2 ms. The program dispatches on the architecture, then binary-searches
 * the syscall number over ranges that share one action, then tests argument conditions
 * where a syscall has them.
 *
 * The program must decide every input as libseccomp's (fed as runc feeds it) would, so
 * the generator follows libseccomp 2.5's rule database where it is simple, and gives up
 * (seccomp_compile then asks libseccomp) where it is not:
 *  - rules with the default action are left out (libseccomp refuses them);
 *  - a syscall with an unconditional rule takes the action of the first one, and its
 *    conditional rules are dropped;
 *  - on x86, a socket or SysV IPC rule also applies to socketcall/ipc with argument 0
 *    equal to the call's number (replacing any condition on argument 0);
 *  - conditions are truncated to 32 bits on 32-bit ABIs, a MASKED_EQ value is masked,
 *    and a MASKED_EQ with a zero mask is no condition at all;
 *  - conditional rules are handled only when libseccomp's merged decision tree is
 *    known to mean "any rule matches": one rule, or rules of one action with one
 *    condition each. Other mixes depend on libseccomp's tree merging (and its
 *    precedence between actions), which is not reproduced here. */
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/str.h"
#include "engine/runtime/seccomp_internal.h"

#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))

/* One rule as it applies to one syscall number of one ABI; seq is the order in which
 * libseccomp would have been given it. */
struct item {
    uint32_t nr;
    size_t seq;
    struct seccomp_rule r;
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
    bool unprovable;
};

/* libseccomp names x86's socket and SysV IPC calls by pseudo numbers, which stand for
 * the socketcall/ipc multiplexer; the direct syscalls (kernel 4.3 and 5.1) that also
 * exist are numbered here. */
#define X86_SOCKETCALL 102
#define X86_IPC 117
static const struct {
    const char *name;
    uint32_t nr;
} x86_direct[] = {
    {"socket", 359},      {"socketpair", 360},  {"bind", 361},       {"connect", 362},
    {"listen", 363},      {"accept4", 364},     {"getsockopt", 365}, {"setsockopt", 366},
    {"getsockname", 367}, {"getpeername", 368}, {"sendto", 369},     {"sendmsg", 370},
    {"recvfrom", 371},    {"recvmsg", 372},     {"shutdown", 373},   {"recvmmsg", 337},
    {"sendmmsg", 345},    {"semget", 393},      {"semctl", 394},     {"shmget", 395},
    {"shmctl", 396},      {"shmat", 397},       {"shmdt", 398},      {"msgget", 399},
    {"msgsnd", 400},      {"msgrcv", 401},      {"msgctl", 402},
};

/* libseccomp's form of a condition on an ABI; false when it drops the condition as
 * always true. */
static bool norm_cond(struct seccomp_cond *c, bool wide)
{
    if (!wide) {
        c->a = (uint32_t)c->a;
        c->b = (uint32_t)c->b;
    }
    if (c->op != SCMP_CMP_MASKED_EQ)
        return true;
    c->b &= c->a;
    return c->a != 0;
}

static void add_item(struct item *items, size_t *len, uint32_t nr, size_t seq,
                     const struct seccomp_rule *r, bool wide)
{
    struct item *it = &items[(*len)++];
    *it = (struct item){.nr = nr, .seq = seq, .r = {.action = r->action}};
    for (unsigned int c = 0; c < r->ncond; c++) {
        struct seccomp_cond cond = r->cond[c];
        if (norm_cond(&cond, wide))
            it->r.cond[it->r.ncond++] = cond;
    }
}

/* The multiplexed form of a rule: argument 0 selects the call. */
static void add_mux_item(struct item *items, size_t *len, uint32_t mux, uint32_t call, size_t seq,
                         const struct seccomp_rule *r)
{
    struct seccomp_rule m = {.action = r->action, .ncond = 1};
    m.cond[0] = (struct seccomp_cond){.arg = 0, .op = SCMP_CMP_EQ, .a = call};
    for (unsigned int c = 0; c < r->ncond; c++)
        if (r->cond[c].arg != 0)
            m.cond[m.ncond++] = r->cond[c];
    add_item(items, len, mux, seq, &m, false);
}

static int cmp_item(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    if (x->nr != y->nr)
        return x->nr < y->nr ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Every rule that applies on abi, sorted by syscall number then libseccomp's order.
 * Names libseccomp does not know, or that do not exist on abi, are skipped, as runc
 * does, so one profile serves hosts and library versions of different ages. */
static struct item *arch_items(const struct seccomp_policy *p, uint32_t abi, bool wide, size_t *n)
{
    size_t cap = 0, len = 0, seq = 0;
    for (size_t b = 0; b < p->nbinds; b++)
        cap += 2 * (p->binds[b].r1 - p->binds[b].r0);
    struct item *items = xcalloc(cap + 1, sizeof(*items));
    for (size_t b = 0; b < p->nbinds; b++) {
        const struct seccomp_binding *bd = &p->binds[b];
        int nr = seccomp_syscall_resolve_name_arch(abi, bd->name);
        bool sock = nr <= -100 && nr >= -120, ipc = nr <= -200 && nr >= -224;
        if (nr < 0 && !(abi == SCMP_ARCH_X86 && (sock || ipc)))
            continue;
        int direct = nr;
        if (nr < 0) {
            direct = -1;
            for (size_t i = 0; i < N_ELEM(x86_direct); i++)
                if (strcmp(x86_direct[i].name, bd->name) == 0)
                    direct = (int)x86_direct[i].nr;
        }
        for (size_t r = bd->r0; r < bd->r1; r++, seq++) {
            if (p->rules[r].action == p->dflt)
                continue;
            if (sock || ipc)
                add_mux_item(items, &len, sock ? X86_SOCKETCALL : X86_IPC,
                             (uint32_t)(sock ? -nr % 100 : -nr % 200), seq, &p->rules[r]);
            if (direct >= 0)
                add_item(items, &len, (uint32_t)direct, seq, &p->rules[r], wide);
        }
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

/* The rules items[0..n) of one syscall as libseccomp merges them: the first
 * unconditional rule decides alone; otherwise the conditional rules, when their merge is
 * known (see the top of the file). Conditional rules of different actions before an
 * unconditional one may already make libseccomp refuse the profile. */
static bool syscall_outcome(const struct item *items, size_t n, uint32_t *action, bool *conds)
{
    bool one_action = true, single = true;
    for (size_t m = 0; m < n; m++) {
        if (!items[m].r.ncond) {
            *action = items[m].r.action;
            *conds = false;
            return one_action;
        }
        one_action = one_action && items[m].r.action == items[0].r.action;
        single = single && items[m].r.ncond == 1;
    }
    *conds = true;
    return n == 1 || (one_action && single);
}

/* Cover [lo, hi] with ranges; numbers without rules get the default action. */
static bool domain_ivals(const struct seccomp_policy *p, const struct item *items, size_t n,
                         uint32_t lo, uint32_t hi, bool wide, struct ival *iv, size_t *niv)
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
        bool conds;
        if (!syscall_outcome(&items[k], j - k, &action, &conds))
            return false;
        add_ival(iv, niv, nr, nr, action, conds ? &items[k] : NULL, conds ? j - k : 0, wide);
        cur = (uint64_t)nr + 1;
    }
    if (cur <= hi)
        add_ival(iv, niv, (uint32_t)cur, hi, p->dflt, NULL, 0, wide);
    return true;
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
static void emit_cond(struct gen *g, const struct seccomp_cond *c, bool wide, bool big_endian,
                      int fail)
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

static void emit_leaf(struct gen *g, const struct ival *iv, bool big_endian)
{
    emit(g, BPF_RET | BPF_K, iv->action, 0, 0);
    for (size_t m = iv->nitems; m-- > 0;) {
        const struct seccomp_rule *r = &iv->items[m].r;
        int fail = g->pos;
        emit(g, BPF_RET | BPF_K, r->action, 0, 0);
        for (unsigned int c = r->ncond; c-- > 0;)
            emit_cond(g, &r->cond[c], iv->wide, big_endian, fail);
    }
}

/* Binary search over ranges; the accumulator holds the syscall number. */
static void emit_tree(struct gen *g, const struct ival *iv, size_t lo, size_t hi, bool big_endian)
{
    if (lo == hi) {
        emit_leaf(g, &iv[lo], big_endian);
        return;
    }
    size_t mid = lo + (hi - lo + 1) / 2;
    emit_tree(g, iv, mid, hi, big_endian);
    int right = g->pos;
    emit_tree(g, iv, lo, mid - 1, big_endian);
    emit_jump(g, BPF_JGE, iv[mid].lo, right, g->pos);
}

static bool policy_has_arch(const struct seccomp_policy *p, uint32_t arch)
{
    for (size_t i = 0; i < p->narches; i++)
        if (p->arches[i] == arch)
            return true;
    return false;
}

/* The syscall numbers [lo, hi] of one ABI; an ABI absent from the policy is a bad arch,
 * except for syscall -1, which tracers use to skip a call. */
static bool abi_ivals(const struct seccomp_policy *p, uint32_t abi, uint32_t lo, uint32_t hi,
                      struct item **items, struct ival *iv, size_t *niv)
{
    /* x32 arguments are compared on their low word, as libseccomp does. */
    bool wide = (abi & 0x80000000u) != 0;
    if (!policy_has_arch(p, abi)) {
        add_ival(iv, niv, lo, hi == UINT32_MAX ? hi - 1 : hi, SCMP_ACT_KILL_THREAD, NULL, 0, wide);
        if (hi == UINT32_MAX)
            add_ival(iv, niv, hi, hi, p->dflt, NULL, 0, wide);
        return true;
    }
    size_t n;
    *items = arch_items(p, abi, wide, &n);
    return domain_ivals(p, *items, n, lo, hi, wide, iv, niv);
}

/* The code for one audit architecture value. x86_64 and x32 share one: x32 syscall
 * numbers carry bit 30. */
static void emit_arch(struct gen *g, const struct seccomp_policy *p, uint32_t arch)
{
    size_t niv = 0, cap = 8;
    for (size_t b = 0; b < p->nbinds; b++)
        cap += 8 * (p->binds[b].r1 - p->binds[b].r0);
    _cleanup_free_ struct ival *iv = xcalloc(cap, sizeof(*iv));
    _cleanup_free_ struct item *low = NULL;
    _cleanup_free_ struct item *high = NULL;
    bool ok;
    if (arch == SCMP_ARCH_X86_64)
        ok = abi_ivals(p, SCMP_ARCH_X86_64, 0, 0x3fffffff, &low, iv, &niv) &&
             abi_ivals(p, SCMP_ARCH_X32, 0x40000000, UINT32_MAX, &high, iv, &niv);
    else
        ok = abi_ivals(p, arch, 0, UINT32_MAX, &low, iv, &niv);
    if (!ok) {
        g->unprovable = true;
        return;
    }
    emit_tree(g, iv, 0, niv - 1, (arch & 0x40000000u) == 0);
    emit_load(g, offsetof(struct seccomp_data, nr));
}

/* Architectures as audit values, in policy order; x32 shares x86_64's. */
static size_t audit_arches(const struct seccomp_policy *p, uint32_t *out)
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

int seccomp_gen(const struct seccomp_policy *p, struct seccomp_prog *prog, struct herr *e)
{
    /* Other architectures with socketcall/ipc multiplexers (ppc, s390, mips o32) are
     * left to libseccomp. */
    for (size_t i = 0; i < p->narches; i++)
        if (p->arches[i] != SCMP_ARCH_X86 &&
            seccomp_syscall_resolve_name_arch(p->arches[i], "socketcall") >= 0)
            return 1;
    _cleanup_free_ struct gen *g = xmalloc(sizeof(*g));
    g->pos = BPF_MAXINSNS;
    g->full = false;
    g->unprovable = false;
    uint32_t audits[N_ELEM(p->arches)];
    int starts[N_ELEM(p->arches)];
    size_t n = audit_arches(p, audits);
    for (size_t i = n; i-- > 0 && !g->unprovable;) {
        emit_arch(g, p, audits[i]);
        starts[i] = g->pos;
    }
    if (g->unprovable)
        return 1;
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
    prog->generated = true;
    return 0;
}

int seccomp_compile(const struct seccomp_policy *p, struct seccomp_prog *prog, struct herr *e)
{
    int rc = seccomp_gen(p, prog, e);
    return rc == 1 ? seccomp_lib_compile(p, prog, e) : rc;
}
