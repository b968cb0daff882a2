/* A classic-BPF interpreter for the instructions seccomp programs use, shared by the
 * unit test and the fuzz target that compare hoist's programs with libseccomp's. */
#ifndef HOIST_TESTS_SECCOMP_INTERP_H
#define HOIST_TESTS_SECCOMP_INTERP_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The kernel's struct seccomp_data, with nr unsigned so that out-of-range numbers can be
 * tried as they are written. */
struct seccomp_interp_data {
    uint32_t nr, arch;
    uint64_t ip;
    uint64_t args[6];
};

/* Runs the program on d: true with *ret its return value, or false with why saying what
 * it could not run (each caller fails in its own way). *args_read, unless args_read is
 * NULL, is set when the path taken loaded an argument: if neither program did, the
 * decision for that architecture and number cannot depend on the arguments. */
bool seccomp_interp_run(const struct sock_filter *f, size_t len,
                        const struct seccomp_interp_data *d, uint32_t *ret, bool *args_read,
                        char *why, size_t whylen);

#endif
