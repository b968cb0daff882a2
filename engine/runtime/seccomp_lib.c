/* The reference compiler: libseccomp builds the program from the policy, with the rules
 * added as runc adds them, so hoist installs the filter runc would. It costs about 16 ms
 * for Docker's profile and is used only for profiles seccomp_gen cannot prove it
 * compiles the same way. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/str.h"
#include "engine/runtime/seccomp_internal.h"

static void ctx_releasep(scmp_filter_ctx *ctx)
{
    if (*ctx)
        seccomp_release(*ctx);
}

static int export_bpf(scmp_filter_ctx ctx, struct seccomp_prog *prog, struct herr *e)
{
    _cleanup_close_ int fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
    if (fd < 0)
        return herr_sys(e, "linux.seccomp: memfd_create");
    int rc = seccomp_export_bpf(ctx, fd);
    if (rc < 0)
        return herr_set(e, -rc, "linux.seccomp: libseccomp could not export the filter");
    off_t size = lseek(fd, 0, SEEK_END);
    if (size <= 0 || size % (off_t)sizeof(struct sock_filter) != 0 ||
        size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS)
        return herr_set(e, E2BIG, "linux.seccomp: libseccomp's filter has %lld bytes",
                        (long long)size);
    _cleanup_free_ struct sock_filter *f = xmalloc((size_t)size);
    if (pread(fd, f, (size_t)size, 0) != (ssize_t)size)
        return herr_sys(e, "linux.seccomp: reading libseccomp's filter");
    prog->fprog.filter = steal_ptr(&f);
    prog->fprog.len = (unsigned short)((size_t)size / sizeof(struct sock_filter));
    prog->generated = false;
    return 0;
}

int seccomp_lib_compile(const struct seccomp_policy *p, struct seccomp_prog *prog, struct herr *e)
{
    __attribute__((cleanup(ctx_releasep))) scmp_filter_ctx ctx = seccomp_init(p->dflt);
    if (!ctx)
        return herr_set(e, EINVAL, "linux.seccomp: libseccomp refuses the default action");
    for (size_t i = 1; i < p->narches; i++) {
        int rc = seccomp_arch_add(ctx, p->arches[i]);
        if (rc < 0 && rc != -EEXIST)
            return herr_set(e, -rc, "linux.seccomp: libseccomp refuses architecture %#x",
                            p->arches[i]);
    }
    for (size_t b = 0; b < p->nbinds; b++) {
        const struct seccomp_binding *bd = &p->binds[b];
        /* Resolved on the native architecture, as runc does; libseccomp translates the
         * number for the others. */
        int nr = seccomp_syscall_resolve_name(bd->name);
        if (nr == __NR_SCMP_ERROR)
            continue;
        for (size_t r = bd->r0; r < bd->r1; r++) {
            const struct seccomp_rule *rule = &p->rules[r];
            /* libseccomp refuses a rule with the default action; runc leaves it out. */
            if (rule->action == p->dflt)
                continue;
            struct scmp_arg_cmp cmp[6];
            for (unsigned int c = 0; c < rule->ncond; c++)
                cmp[c] = (struct scmp_arg_cmp){rule->cond[c].arg, rule->cond[c].op, rule->cond[c].a,
                                               rule->cond[c].b};
            int rc = seccomp_rule_add_array(ctx, rule->action, nr, rule->ncond, cmp);
            if (rc < 0)
                return herr_set(e, -rc, "linux.seccomp: libseccomp refuses a rule for %s",
                                bd->name);
        }
    }
    return export_bpf(ctx, prog, e);
}
