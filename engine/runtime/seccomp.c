/* An OCI linux.seccomp section is compiled by libseccomp in the parent, before fork, into
 * a plain BPF program. The container child then loads it with one seccomp(2) call: no
 * allocation and no libseccomp work between fork and exec, and errors in the section are
 * reported while nothing exists yet. */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
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

static void release_ctx(scmp_filter_ctx *ctx)
{
    if (*ctx)
        seccomp_release(*ctx);
}

static int add_arches(scmp_filter_ctx ctx, const json_t *arches, struct herr *e)
{
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
            for (const char *p = name + 10; *p && n + 1 < sizeof(lower); p++)
                lower[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
        lower[n] = '\0';
        uint32_t token = n ? seccomp_arch_resolve_name(lower) : 0;
        if (!token)
            return herr_set(e, 0, "linux.seccomp.architectures[%zu]: unknown architecture \"%s\"",
                            i, name ? name : "");
        int rc = seccomp_arch_add(ctx, token);
        if (rc < 0 && rc != -EEXIST)
            return herr_set(e, -rc, "linux.seccomp.architectures[%zu]: adding %s", i, name);
    }
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

static int parse_args(const json_t *args, size_t i, struct scmp_arg_cmp **out, size_t *n,
                      bool *same_index, struct herr *e)
{
    *out = NULL;
    *n = 0;
    *same_index = false;
    if (!args || json_is_null(args))
        return 0;
    if (!json_is_array(args))
        return herr_set(e, 0, "linux.seccomp.syscalls[%zu].args: not an array", i);
    _cleanup_free_ struct scmp_arg_cmp *cmps =
        xcalloc(json_array_size(args) + 1, sizeof(struct scmp_arg_cmp));
    bool seen[6] = {false};
    size_t k;
    json_t *a;
    json_array_foreach(args, k, a)
    {
        json_t *idx = json_object_get(a, "index"), *v = json_object_get(a, "value");
        json_t *v2 = json_object_get(a, "valueTwo");
        int op = find_op(hj_str(a, "op"));
        if (!json_is_integer(idx) || json_integer_value(idx) < 0 || json_integer_value(idx) > 5)
            return herr_set(e, 0, "linux.seccomp.syscalls[%zu].args[%zu].index: must be 0 to 5", i,
                            k);
        if ((v && !json_is_integer(v)) || (v2 && !json_is_integer(v2)))
            return herr_set(e, 0,
                            "linux.seccomp.syscalls[%zu].args[%zu]: value and valueTwo must "
                            "be integers",
                            i, k);
        if (op < 0)
            return herr_set(e, 0,
                            "linux.seccomp.syscalls[%zu].args[%zu].op: unknown operator \"%s\"", i,
                            k, hj_str(a, "op") ? hj_str(a, "op") : "");
        unsigned int index = (unsigned int)json_integer_value(idx);
        if (seen[index])
            *same_index = true;
        seen[index] = true;
        cmps[k] = (struct scmp_arg_cmp){.arg = index,
                                        .op = ops[op].op,
                                        .datum_a = (scmp_datum_t)json_integer_value(v),
                                        .datum_b = (scmp_datum_t)json_integer_value(v2)};
    }
    *n = json_array_size(args);
    *out = steal_ptr(&cmps);
    return 0;
}

static int add_syscall_rules(scmp_filter_ctx ctx, uint32_t dflt, const json_t *sc, size_t i,
                             struct herr *e)
{
    char field[64];
    snprintf(field, sizeof(field), "linux.seccomp.syscalls[%zu].action", i);
    json_t *names = json_object_get(sc, "names");
    if (!json_is_array(names))
        return herr_set(e, 0, "linux.seccomp.syscalls[%zu].names: not an array", i);
    uint32_t act;
    if (parse_action(hj_str(sc, "action"), json_object_get(sc, "errnoRet"), field, &act, e) < 0)
        return -1;
    _cleanup_free_ struct scmp_arg_cmp *cmps = NULL;
    size_t n;
    bool same_index;
    if (parse_args(json_object_get(sc, "args"), i, &cmps, &n, &same_index, e) < 0)
        return -1;
    size_t k;
    json_t *it;
    json_array_foreach(names, k, it)
    {
        const char *name = json_string_value(it);
        if (!name)
            return herr_set(e, 0, "linux.seccomp.syscalls[%zu].names[%zu]: not a string", i, k);
        /* libseccomp refuses rules that repeat the default action; they change nothing. */
        if (act == dflt)
            continue;
        /* Names this libseccomp does not know for any architecture are skipped, as runc
         * does, so one profile serves hosts and libraries of different ages. */
        int nr = seccomp_syscall_resolve_name(name);
        if (nr == __NR_SCMP_ERROR)
            continue;
        int rc = 0;
        /* Conditions on one argument cannot all hold at once, so, as runc does, each
         * becomes its own rule (ORed) instead of one ANDed rule. */
        if (same_index)
            for (size_t c = 0; c < n && rc == 0; c++)
                rc = seccomp_rule_add_array(ctx, act, nr, 1, &cmps[c]);
        else
            rc = seccomp_rule_add_array(ctx, act, nr, (unsigned int)n, cmps);
        if (rc < 0)
            return herr_set(e, -rc, "linux.seccomp.syscalls[%zu]: adding a rule for %s", i, name);
    }
    return 0;
}

static int export_bpf(scmp_filter_ctx ctx, struct seccomp_prog *prog, struct herr *e)
{
    _cleanup_close_ int fd = memfd_create("hoist-seccomp", MFD_CLOEXEC);
    if (fd < 0)
        return herr_sys(e, "seccomp: memfd_create");
    int rc = seccomp_export_bpf(ctx, fd);
    if (rc < 0)
        return herr_set(e, -rc, "seccomp: generating the BPF program");
    off_t size = lseek(fd, 0, SEEK_CUR);
    if (size <= 0 || size % (off_t)sizeof(struct sock_filter) != 0)
        return herr_set(e, EINVAL, "seccomp: libseccomp produced a BPF program of %lld bytes",
                        (long long)size);
    size_t len = (size_t)size / sizeof(struct sock_filter);
    if (len > BPF_MAXINSNS)
        return herr_set(e, E2BIG, "seccomp: the filter has %zu instructions, the kernel takes %d",
                        len, BPF_MAXINSNS);
    _cleanup_free_ struct sock_filter *insns = xmalloc((size_t)size);
    for (size_t done = 0; done < (size_t)size;) {
        ssize_t r = pread(fd, (char *)insns + done, (size_t)size - done, (off_t)done);
        if (r <= 0)
            return herr_set(e, r < 0 ? errno : EIO, "seccomp: reading the BPF program");
        done += (size_t)r;
    }
    prog->fprog.len = (unsigned short)len;
    prog->fprog.filter = steal_ptr(&insns);
    return 0;
}

int seccomp_prepare(const json_t *ls, struct seccomp_prog **out, struct herr *e)
{
    *out = NULL;
    if (!ls || json_is_null(ls))
        return 0;
    if (!json_is_object(ls))
        return herr_set(e, 0, "linux.seccomp: not an object");
    uint32_t dflt;
    if (parse_action(hj_str(ls, "defaultAction"), json_object_get(ls, "defaultErrnoRet"),
                     "linux.seccomp.defaultAction", &dflt, e) < 0)
        return -1;
    __attribute__((cleanup(release_ctx))) scmp_filter_ctx ctx = seccomp_init(dflt);
    if (!ctx)
        return herr_set(e, EINVAL, "linux.seccomp: libseccomp cannot start a filter");
    /* A binary search over syscall numbers instead of a linear chain: ~400 allowed
     * names make the linear form cost every syscall dozens of comparisons. */
    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
    _cleanup_free_ struct seccomp_prog *prog = xcalloc(1, sizeof(*prog));
    if (add_arches(ctx, json_object_get(ls, "architectures"), e) < 0 ||
        parse_flags(json_object_get(ls, "flags"), &prog->flags, e) < 0)
        return -1;
    json_t *syscalls = json_object_get(ls, "syscalls");
    if (syscalls && !json_is_null(syscalls) && !json_is_array(syscalls))
        return herr_set(e, 0, "linux.seccomp.syscalls: not an array");
    size_t i;
    json_t *sc;
    json_array_foreach(syscalls, i, sc)
    {
        if (!json_is_object(sc))
            return herr_set(e, 0, "linux.seccomp.syscalls[%zu]: not an object", i);
        if (add_syscall_rules(ctx, dflt, sc, i, e) < 0)
            return -1;
    }
    if (export_bpf(ctx, prog, e) < 0)
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
