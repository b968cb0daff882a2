/* cgroup internals shared by cgroup*.c and their unit tests: the translation of OCI
 * linux.resources into file writes, device rules and the eBPF device program. */
#ifndef HOIST_ENGINE_CGROUP_INTERNAL_H
#define HOIST_ENGINE_CGROUP_INTERNAL_H

#include <jansson.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct herr;

enum cg_fmt { CG_FMT_V1, CG_FMT_V2 };

/* One value to write into a file of the container's cgroup. ctrl names the v1 hierarchy
 * (or, on v2, the controller to enable in the parents); "" for core v2 files. Writes
 * from linux.resources.unified carry `unified`: they only go to a v2 hierarchy. */
struct cg_write {
    char ctrl[32];
    char *file;
    char *value;
    bool unified;
};

struct cg_writes {
    struct cg_write *v;
    size_t n;
};

void cg_writes_free(struct cg_writes *w);

/* Access bits, equal to the kernel's BPF_DEVCG_ACC_* values. */
#define CG_ACC_MKNOD 1u
#define CG_ACC_READ 2u
#define CG_ACC_WRITE 4u
#define CG_ACC_ALL 7u

/* A linux.resources.devices entry; -1 is the wildcard for major and minor. */
struct cg_dev_rule {
    bool allow;
    char type; /* 'a', 'b' or 'c' */
    int64_t major, minor;
    unsigned access;
};

/* The cgroup path, checked (non-empty, no "." or ".." component) and without its
 * leading and trailing slashes; owned by the caller. */
char *cg_rel_path(const char *path, struct herr *e);

/* shares (v1, 2..262144) to cpu.weight (v2, 1..10000), as runc and crun convert it. */
uint64_t cg_cpu_weight(uint64_t shares);
/* OCI memory.swap (memory + swap) to memory.swap.max (swap alone); -1 means "max". */
int cg_swap_v2(int64_t swap, int64_t limit, int64_t *out, struct herr *e);

/* Parse linux.resources.devices (NULL or an array). */
int cg_dev_parse(const json_t *devices, struct cg_dev_rule **rules, size_t *n, struct herr *e);
/* "c 1:3 rwm" as devices.allow / devices.deny take it; owned by the caller. */
char *cg_dev_v1_entry(const struct cg_dev_rule *r);

/* The writes that apply linux.resources in the given format, in the order they must be
 * made. v1 includes the device rules; v2 leaves them to the eBPF program. */
int cg_resources(const json_t *res, enum cg_fmt fmt, struct cg_writes *out, struct herr *e);

/* Build the BPF_PROG_TYPE_CGROUP_DEVICE program for rules (the last matching rule
 * decides, as writing them in order to v1 devices.allow/deny would). Returns the number
 * of instructions; out holds at least cg_dev_prog_max(n). */
size_t cg_dev_prog_max(size_t n);
size_t cg_dev_prog(const struct cg_dev_rule *rules, size_t n, struct bpf_insn *out);
/* Load the program for rules and attach it to the cgroup directory cgfd. */
int cg_dev_attach(int cgfd, const struct cg_dev_rule *rules, size_t n, struct herr *e);

#endif
