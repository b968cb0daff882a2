/* cgroups on v1, hybrid (v1 controllers plus a v2 mount) and unified v2 hosts. */
#ifndef HOIST_ENGINE_CGROUP_H
#define HOIST_ENGINE_CGROUP_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

struct herr;

enum cg_mode { CG_MODE_V1, CG_MODE_HYBRID, CG_MODE_V2 };

/* fsroot is normally "/sys/fs/cgroup"; tests pass a cgroup2 mount of their own. */
int cg_detect(const char *fsroot, enum cg_mode *mode, struct herr *e);
/* Create the cgroup `path` (OCI linux.cgroupsPath, e.g. "/hoist/<id>") in every
 * hierarchy, apply OCI linux.resources (memory, cpu, pids, devices, ...) and move pid
 * into it. Partial creation is undone on failure. */
int cg_create(const char *fsroot, const char *path, const json_t *resources, pid_t pid,
              struct herr *e);
/* Move another process (an exec'd one) into an existing container cgroup. */
int cg_enter(const char *fsroot, const char *path, pid_t pid, struct herr *e);
/* Signal every process in the cgroup. */
int cg_kill(const char *fsroot, const char *path, int sig, struct herr *e);
/* Pids in the cgroup; *pids is owned by the caller. */
int cg_pids(const char *fsroot, const char *path, pid_t **pids, size_t *n, struct herr *e);
/* Whether the kernel OOM-killed a process of this cgroup. */
bool cg_oom_killed(const char *fsroot, const char *path);
/* Remove the cgroup everywhere (processes must be gone); missing is not an error. */
int cg_destroy(const char *fsroot, const char *path, struct herr *e);

#endif
