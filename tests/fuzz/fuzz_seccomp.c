/* libFuzzer target: the input builds a seccomp policy (default action, architectures,
 * rules with names, actions and conditions) and then the syscalls to try. When hoist's
 * generator accepts the policy, its program and libseccomp's must decide every tried
 * syscall alike; any disagreement aborts. */
#include <errno.h>
#include <linux/audit.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/err.h"
#include "engine/runtime/seccomp.h"
#include "engine/runtime/seccomp_internal.h"
#include "tests/seccomp_interp.h"

struct input {
    const uint8_t *p;
    size_t n;
};

static uint64_t take(struct input *in, size_t bytes)
{
    uint64_t v = 0;
    for (size_t i = 0; i < bytes && in->n; i++, in->p++, in->n--)
        v |= (uint64_t)*in->p << (8 * i);
    return v;
}

/* A program the interpreter cannot run is a finding like a disagreement. */
static uint32_t bpf_run(const struct sock_filter *f, size_t len,
                        const struct seccomp_interp_data *d)
{
    uint32_t ret;
    char why[80];
    if (!seccomp_interp_run(f, len, d, &ret, NULL, why, sizeof(why))) {
        fprintf(stderr, "%s\n", why);
        abort();
    }
    return ret;
}

/* Names that have no syscall number of their own on one of the filter's architectures
 * are left out: send, recv, socketcall and ipc on x86_64; accept, semop and semtimedop
 * on i386, which only the multiplexers carry there. libseccomp 2.5.4 writes their pseudo
 * numbers into its program, which then misdecides (when one sorts first it omits loading
 * the syscall number; a semop rule on i386 left ipc(SEMOP) at the default action,
 * against libseccomp's own pseudo-code). The generator follows the rules instead. The
 * multiplexers stay covered by the socket and IPC calls that also have direct numbers. */
static const char *const names[] = {
    "read",    "write", "personality", "getpid",     "socket",
    "connect", "bind",  "recvmmsg",    "shmget",     "msgget",
    "shmat",   "clone", "arch_prctl",  "newfstatat", "no_such_syscall_name",
};

static const uint32_t actions[] = {
    SCMP_ACT_ALLOW,        SCMP_ACT_ERRNO(1), SCMP_ACT_ERRNO(2), SCMP_ACT_KILL_THREAD,
    SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP,     SCMP_ACT_LOG,      SCMP_ACT_TRACE(1),
};

static const uint64_t edges[] = {
    0,
    1,
    2,
    3,
    0x7fffffff,
    0x80000000,
    0xffffffff,
    0x100000000ULL,
    0x1ffffffffULL,
    0xffffffff00000000ULL,
    0x8000000000000000ULL,
    UINT64_MAX,
    0xff00ff00ff00ff00ULL,
};

/* Values near those the conditions use, so both sides of each are tried. */
static uint64_t pick_value(struct input *in, const uint64_t *pool, size_t npool)
{
    uint8_t how = (uint8_t)take(in, 1);
    uint64_t v = npool ? pool[take(in, 1) % npool] : 0;
    switch (how % 8) {
    case 0:
        return v - 1;
    case 1:
        return v + 1;
    case 2:
        return v ^ 0x100000000ULL;
    case 3:
        return edges[take(in, 1) % (sizeof(edges) / sizeof(edges[0]))];
    case 4:
        return take(in, 8);
    default:
        return v;
    }
}

/* libseccomp 2.5.4 spins for minutes in seccomp_rule_add_array on some small rule
 * sets: its compile runs in a child given LIB_SECONDS, and a policy it does not finish
 * in time is skipped and counted in slow. */
#define LIB_SECONDS 2
static unsigned long runs, generated, compared, slow;

static void report(void)
{
    fprintf(stderr,
            "fuzz_seccomp: %lu policies, %lu through the generator, %lu cases compared, "
            "0 disagreements (%lu policies libseccomp did not compile in %d s)\n",
            runs, generated, compared, slow, LIB_SECONDS);
}

/* libFuzzer's timer interrupts reads (EINTR). */
static bool read_full(int fd, void *buf, size_t n)
{
    for (size_t got = 0; got < n;) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        got += (size_t)r;
    }
    return true;
}

/* libseccomp's compile of p in a child (see LIB_SECONDS): 0 with its program in ref,
 * -1 when it refuses p (e filled), 1 when it did not finish in time. */
static int lib_compile_bounded(const struct seccomp_policy *p, struct seccomp_prog *ref,
                               struct herr *e)
{
    int fds[2];
    if (pipe(fds) < 0)
        abort();
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        /* libFuzzer's own SIGALRM handler would report a timeout of the fuzz target. */
        signal(SIGALRM, SIG_DFL);
        alarm(LIB_SECONDS);
        struct seccomp_prog prog = {0};
        int rc = seccomp_lib_compile(p, &prog, e);
        uint32_t len = rc < 0 ? 0 : prog.fprog.len;
        if (write(fds[1], &len, sizeof(len)) != sizeof(len) ||
            (rc < 0 && write(fds[1], e->msg, sizeof(e->msg)) != sizeof(e->msg)) ||
            (len && write(fds[1], prog.fprog.filter, len * sizeof(struct sock_filter)) !=
                        (ssize_t)(len * sizeof(struct sock_filter))))
            _exit(1);
        _exit(0);
    }
    close(fds[1]);
    uint32_t len = 0;
    int rc = 1;
    if (read_full(fds[0], &len, sizeof(len))) {
        if (len == 0) {
            rc = read_full(fds[0], e->msg, sizeof(e->msg)) ? -1 : 1;
        } else {
            ref->fprog.filter = calloc(len, sizeof(struct sock_filter));
            ref->fprog.len = (unsigned short)len;
            rc = ref->fprog.filter &&
                         read_full(fds[0], ref->fprog.filter, len * sizeof(struct sock_filter))
                     ? 0
                     : 1;
        }
    }
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (rc > 0 && !(WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)) {
        fprintf(stderr, "libseccomp's compile in a child ended with status %#x\n", status);
        abort();
    }
    return rc;
}

/* The policy of a failing input, for the report. */
static void dump(const struct seccomp_policy *p)
{
    fprintf(stderr, "default %#x, %zu arches:", p->dflt, p->narches);
    for (size_t a = 0; a < p->narches; a++)
        fprintf(stderr, " %#x", p->arches[a]);
    fprintf(stderr, "\n");
    for (size_t b = 0; b < p->nbinds; b++) {
        const struct seccomp_rule *r = &p->rules[p->binds[b].r0];
        fprintf(stderr, "  %s: %#x", p->binds[b].name, r->action);
        for (unsigned int c = 0; c < r->ncond; c++)
            fprintf(stderr, " [arg%u op%d %#llx %#llx]", r->cond[c].arg, (int)r->cond[c].op,
                    (unsigned long long)r->cond[c].a, (unsigned long long)r->cond[c].b);
        fprintf(stderr, "\n");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (runs == 0)
        atexit(report);
    struct input in = {data, size};
    const size_t nact = sizeof(actions) / sizeof(actions[0]);
    struct seccomp_rule rules[24];
    struct seccomp_binding binds[48];
    uint64_t pool[24 * 6 * 2];
    size_t npool = 0, nbinds = 0, nrules = (size_t)take(&in, 1) % 16;
    struct seccomp_policy p = {
        .dflt = actions[take(&in, 1) % nact], .rules = rules, .binds = binds, .nrules = nrules};
    p.arches[p.narches++] = seccomp_arch_native();
    uint8_t arch_bits = (uint8_t)take(&in, 1);
    if (arch_bits & 1)
        p.arches[p.narches++] = SCMP_ARCH_X86;
    if (arch_bits & 2)
        p.arches[p.narches++] = SCMP_ARCH_X32;
    for (size_t r = 0; r < nrules; r++) {
        struct seccomp_rule *rule = &rules[r];
        *rule = (struct seccomp_rule){.action = actions[take(&in, 1) % nact]};
        unsigned int used = 0, n = (unsigned int)take(&in, 1) % 4;
        for (unsigned int c = 0; c < n; c++) {
            unsigned int arg = (unsigned int)take(&in, 1) % 6;
            if (used & (1u << arg))
                continue;
            used |= 1u << arg;
            struct seccomp_cond *cond = &rule->cond[rule->ncond++];
            cond->arg = arg;
            cond->op = (enum scmp_compare)(1 + take(&in, 1) % 7);
            cond->a = take(&in, 1) & 1 ? edges[take(&in, 1) % 13] : take(&in, 8);
            cond->b = take(&in, 1) & 1 ? cond->a : take(&in, 8);
            /* libseccomp 2.5.4 merges ordered comparisons of values above 32 bits wrongly
             * (rules arg1 <= 0x100000000 and arg1 <= 0x80000000 let 0xffffffff through;
             * fixed in 2.6): such values are compared one rule at a time, in
             * tests/unit/test_seccomp_bpf.c. */
            if (cond->op != SCMP_CMP_EQ && cond->op != SCMP_CMP_NE &&
                cond->op != SCMP_CMP_MASKED_EQ)
                cond->a = (uint32_t)cond->a, cond->b = (uint32_t)cond->b;
            pool[npool++] = cond->a;
            pool[npool++] = cond->b;
        }
        /* A rule reaches one or two names, and a name may follow from an earlier one. */
        for (size_t k = 0, nn = 1 + take(&in, 1) % 2; k < nn && nbinds < 48; k++)
            binds[nbinds++] = (struct seccomp_binding){
                names[take(&in, 1) % (sizeof(names) / sizeof(names[0]))], r, r + 1};
    }
    p.nbinds = nbinds;

    struct herr e = {0};
    struct seccomp_prog ours = {0}, ref = {0};
    runs++;
    if (seccomp_gen(&p, &ours, &e) != 0)
        return 0;
    generated++;
    int lib = lib_compile_bounded(&p, &ref, &e);
    if (lib > 0) {
        slow++;
        free(ours.fprog.filter);
        return 0;
    }
    if (lib < 0) {
        fprintf(stderr, "libseccomp refuses a policy hoist's generator accepts: %s\n", e.msg);
        dump(&p);
        abort();
    }
    uint32_t nrs[160];
    size_t nnr = 0;
    const uint32_t abis[] = {SCMP_ARCH_X86_64, SCMP_ARCH_X32, SCMP_ARCH_X86};
    for (size_t b = 0; b < nbinds; b++)
        for (size_t a = 0; a < 3 && nnr < 150; a++) {
            int nr = seccomp_syscall_resolve_name_arch(abis[a], binds[b].name);
            if (nr >= 0)
                nrs[nnr++] = (uint32_t)nr;
        }
    nrs[nnr++] = 102;
    nrs[nnr++] = 117;
    for (int i = 0; i < 256 && (i < 32 || in.n); i++) {
        struct seccomp_interp_data d = {.arch =
                                            take(&in, 1) & 1 ? AUDIT_ARCH_I386 : AUDIT_ARCH_X86_64};
        uint8_t pick = (uint8_t)take(&in, 1);
        d.nr = pick < 240 ? nrs[pick % nnr] : (uint32_t)take(&in, 4);
        for (int a = 0; a < 6; a++)
            d.args[a] = pick_value(&in, pool, npool);
        uint32_t want = bpf_run(ref.fprog.filter, ref.fprog.len, &d);
        uint32_t got = bpf_run(ours.fprog.filter, ours.fprog.len, &d);
        compared++;
        if (want != got) {
            fprintf(stderr, "arch %#x nr %#x args", d.arch, d.nr);
            for (int a = 0; a < 6; a++)
                fprintf(stderr, " %#llx", (unsigned long long)d.args[a]);
            fprintf(stderr, ": libseccomp %#x, hoist %#x\n", want, got);
            dump(&p);
            abort();
        }
    }
    free(ours.fprog.filter);
    free(ref.fprog.filter);
    if ((runs & (runs - 1)) == 0)
        report();
    return 0;
}
