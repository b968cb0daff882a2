/* seccomp internals shared by seccomp*.c and their unit tests: a parsed linux.seccomp
 * section and its two compilers, hoist's generator and libseccomp's. */
#ifndef HOIST_ENGINE_SECCOMP_INTERNAL_H
#define HOIST_ENGINE_SECCOMP_INTERNAL_H

#include <linux/filter.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct herr;

struct seccomp_prog {
    struct sock_fprog fprog;
    unsigned int flags;
    bool generated; /* by seccomp_gen, not by libseccomp */
};

/* One argument condition; a rule ANDs up to six of them (one per argument). */
struct seccomp_cond {
    unsigned int arg;
    enum scmp_compare op;
    uint64_t a, b;
};

struct seccomp_rule {
    uint32_t action;
    unsigned int ncond;
    struct seccomp_cond cond[6];
};

/* A syscall name and the rules [r0, r1) it is subject to, in the order runc gives them
 * to libseccomp: profile entry, then name, then rule. */
struct seccomp_binding {
    const char *name;
    size_t r0, r1;
};

struct seccomp_policy {
    uint32_t dflt;
    uint32_t arches[16]; /* libseccomp tokens, the native one first */
    size_t narches;
    struct seccomp_rule *rules;
    size_t nrules;
    struct seccomp_binding *binds;
    size_t nbinds;
};

/* hoist's generator. Returns 1 when it cannot show that its program decides every input
 * as libseccomp's would (the caller then uses seccomp_lib_compile), 0 on success. */
int seccomp_gen(const struct seccomp_policy *p, struct seccomp_prog *prog, struct herr *e);
/* libseccomp's compiler, fed as runc feeds it. */
int seccomp_lib_compile(const struct seccomp_policy *p, struct seccomp_prog *prog, struct herr *e);
/* Either of them: the generator when it can, libseccomp otherwise. */
int seccomp_compile(const struct seccomp_policy *p, struct seccomp_prog *prog, struct herr *e);

#endif
