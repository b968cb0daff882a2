/* An OCI linux.seccomp section is compiled in the parent, before fork, into a classic BPF
 * program; the container child loads it with one seccomp(2) call, so nothing is allocated
 * or computed between fork and exec, and errors are reported while nothing exists yet.
 * This file parses the section; seccomp_gen.c and seccomp_lib.c compile it. */
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
#include "engine/runtime/seccomp_internal.h"

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

static bool policy_has_arch(const struct seccomp_policy *p, uint32_t arch)
{
    for (size_t i = 0; i < p->narches; i++)
        if (p->arches[i] == arch)
            return true;
    return false;
}

static void policy_free(struct seccomp_policy *p)
{
    free(p->rules);
    free(p->binds);
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

static int parse_arches(const json_t *arches, struct seccomp_policy *p, struct herr *e)
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

static int parse_cond(const json_t *a, size_t i, size_t k, struct seccomp_cond *c, struct herr *e)
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
    *c = (struct seccomp_cond){.arg = (unsigned int)json_integer_value(idx),
                               .op = ops[op].op,
                               .a = (uint64_t)json_integer_value(v),
                               .b = (uint64_t)json_integer_value(v2)};
    return 0;
}

static int parse_syscall(const json_t *sc, size_t i, struct seccomp_policy *p, struct herr *e)
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
    struct seccomp_cond conds[64];
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
        struct seccomp_rule *rule = &p->rules[p->nrules++];
        *rule = (struct seccomp_rule){.action = act};
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
        p->binds[p->nbinds++] = (struct seccomp_binding){json_string_value(it), r0, p->nrules};
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
    __attribute__((cleanup(policy_free))) struct seccomp_policy p = {0};
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
    if (seccomp_compile(&p, prog, e) < 0)
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
