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
/* Create the cgroup `path` (OCI linux.cgroupsPath, e.g. "/hoist/<id>"; relative paths are
 * taken from the hierarchy roots too) in every hierarchy, missing parents included, apply
 * OCI linux.resources (memory, cpu, pids, devices, hugepageLimits, unified; NULL for none)
 * and move pid into it (pid <= 0: no move). An existing cgroup is reused. Partial creation
 * is undone on failure. On hybrid hosts the v1 controllers take the limits and the v2
 * hierarchy gets the cgroup too, for cgroup.kill and process tracking. */
int cg_create(const char *fsroot, const char *path, const json_t *resources, pid_t pid,
              struct herr *e);
/* Move another process (an exec'd one) into an existing container cgroup. */
int cg_enter(const char *fsroot, const char *path, pid_t pid, struct herr *e);
/* Signal every process in the cgroup and below it (SIGKILL through cgroup.kill when the
 * kernel has it); a cgroup that does not exist has nothing to signal. */
int cg_kill(const char *fsroot, const char *path, int sig, struct herr *e);
/* Freeze (pause) or thaw every process of the cgroup: cgroup.freeze where a v2 hierarchy
 * holds it (v2 and hybrid hosts), else the v1 freezer's freezer.state. Freezing returns
 * once the kernel reports the cgroup frozen. */
int cg_freeze(const char *fsroot, const char *path, bool frozen, struct herr *e);
/* Pids in the cgroup and below it; *pids is owned by the caller. */
int cg_pids(const char *fsroot, const char *path, pid_t **pids, size_t *n, struct herr *e);
/* Whether the kernel OOM-killed a process of this cgroup; ask before cg_destroy. */
bool cg_oom_killed(const char *fsroot, const char *path);
/* Remove the cgroup and any below it everywhere, waiting up to 2 s for exiting processes
 * to leave; missing is not an error. Parents are left for other containers. */
int cg_destroy(const char *fsroot, const char *path, struct herr *e);

#endif
