/* Shared between the container engine's files. */
#ifndef HOIST_ENGINE_CTR_INTERNAL_H
#define HOIST_ENGINE_CTR_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

struct herr;
struct ctr_ctx;
struct ctr_user;
struct ctr_opts;

/* The OCI runtime config for a record (config.json contents) at rootfs path. */
json_t *ctr_spec_build(const struct ctr_ctx *c, const json_t *rec, const char *rootfs,
                       const char *ctrdir, const struct ctr_user *u, struct herr *e);

/* Every capability name the kernel knows ("CAP_CHOWN", ...), NULL-terminated. */
extern const char *const ctr_all_caps[];
/* "chown", "CAP_CHOWN" or "ALL" normalized to "CAP_CHOWN" / "ALL"; NULL if unknown. */
const char *ctr_cap_normalize(const char *name, char *buf, size_t len);

int ctr_mount_rootfs(const struct ctr_ctx *c, const char *id, const char *lowerdir, struct herr *e);
void ctr_umount_rootfs(const struct ctr_ctx *c, const char *id);

char *ctr_names_dir(const struct ctr_ctx *c);
/* The bundle's config.json of container id in *spec, and the bundle directory open
 * (returned) to write the changed spec back through before start; -1 on failure. */
int ctr_bundle_load(const struct ctr_ctx *c, const char *id, json_t **spec, struct herr *e);

/* Networks (ctr_net.c, ctr_net_wire.c). */
/* Resolve the network mode, reserve an address on each network joined (all released
 * again on failure) and record NetworkMode, PortBindings, DNS options, ExtraHosts and
 * NetworkSettings in rec, whose Id, Name and Config.Hostname are set. */
int ctr_net_create(const struct ctr_ctx *c, const struct ctr_opts *o, const json_t *icfg,
                   json_t *rec, char ***warnings, struct herr *e);
/* Reserve an address on net (and wire it into nsfd unless -1), recording the endpoint
 * in rec's NetworkSettings.Networks. */
int ctr_net_join(const struct ctr_ctx *c, json_t *rec, const char *net, char **user_aliases,
                 const char *ip, const char *ifname, char **publish, int nsfd, struct herr *e);
/* Names the DNS responder answers: user aliases, container name, hostname, short id. */
char **ctr_net_dns_names(char *const *user, const char *name, const char *hostname, const char *id);
int ctr_net_check_aliases(char *const *v, struct herr *e);
/* Write hostname, hosts and resolv.conf for rec into ctrdir (not for container:ID). */
int ctr_net_files(const json_t *rec, const char *ctrdir, struct herr *e);
/* Release every address the record holds. */
void ctr_net_release(const struct ctr_ctx *c, const json_t *rec);
/* Remove the veth pairs of the record's networks, releasing the addresses too. */
void ctr_net_unwire(const struct ctr_ctx *c, const json_t *rec, bool release);
/* The OCI "hooks" that wire and unwire the container; NULL when it needs none. */
json_t *ctr_net_hooks(const struct ctr_ctx *c, const json_t *rec);
/* Network mode container:ID: point the bundle at that container's current netns. */
int ctr_net_before_start(const struct ctr_ctx *c, const json_t *rec, struct herr *e);

/* Volumes (ctr_vol.c). */
/* Parse and prepare every mount of the options and the image's VOLUMEs (copy-up from
 * rootfd), record Mounts, Binds and VolumesFrom in rec; *oci gets the OCI mounts and
 * *created the names of volumes made here (for ctr_vol_undo). */
int ctr_vol_create(const struct ctr_ctx *c, const struct ctr_opts *o, const json_t *icfg,
                   int rootfd, json_t *rec, json_t **oci, char ***created, struct herr *e);
void ctr_vol_undo(const struct ctr_ctx *c, char **created);
/* Mount the driver-backed volumes of rec. */
int ctr_vol_start(const struct ctr_ctx *c, const json_t *rec, struct herr *e);
/* Unmount rec's driver-backed volumes that no other running container uses. */
void ctr_vol_stopped(const struct ctr_ctx *c, const json_t *rec);
/* Names of rec's anonymous volumes. */
char **ctr_vol_anonymous(const struct ctr_ctx *c, const json_t *rec);
/* Remove rec's anonymous volumes, as docker does for --rm containers, first from the
 * record when it still exists. */
void ctr_vol_remove_anonymous(const struct ctr_ctx *c, const json_t *rec);

/* Pause marks (ctr_pause.c): thaw rec's container when it is paused; set State.Status
 * "paused" and State.Paused in a running container's state while the mark holds. */
int ctr_thaw(const struct ctr_ctx *c, const char *id, const json_t *rec, struct herr *e);
void ctr_pause_inspect(const struct ctr_ctx *c, const char *id, json_t *state);

/* Namespaces shared, devices, groups, /dev/shm, cgroup and OOM options (ctr_host.c). */
/* Check them before anything exists (host devices must be device nodes). */
int ctr_host_validate(const struct ctr_opts *o, char ***warnings, struct herr *e);
/* Record them in HostConfig under docker's names (container refs resolved to ids). */
int ctr_host_record(const struct ctr_ctx *c, const struct ctr_opts *o, json_t *hc, struct herr *e);
/* Add HostConfig.GroupAdd, looked up in the image, to u's supplementary groups. */
int ctr_host_groups(int rootfd, const json_t *hc, struct ctr_user *u, struct herr *e);
/* Whether the container has a namespace of its own of type "pid", "ipc" or "uts". */
bool ctr_host_ns_own(const json_t *hc, const char *type);
/* The /dev/shm mount of the OCI config; NULL for IpcMode none. */
json_t *ctr_host_shm_mount(const struct ctr_ctx *c, const json_t *rec);
/* Devices, device rules and OOM settings into the OCI config. */
int ctr_host_spec(const json_t *rec, json_t *spec, struct herr *e);
/* Before each start: a shareable /dev/shm mounted, the pid/ipc namespace paths of the
 * containers joined written into the bundle. */
int ctr_host_before_start(const struct ctr_ctx *c, const json_t *rec, struct herr *e);
void ctr_host_umount(const struct ctr_ctx *c, const char *id);

struct ctr_health;
/* Validate h and merge it over the image's Healthcheck into docker's Config.Healthcheck
 * shape; *out is NULL when neither gives one. */
int ctr_health_record(const struct ctr_health *h, const json_t *image_hc, json_t **out,
                      struct herr *e);
/* Append the monitor's --health-* options for a record whose checks are to run. */
void ctr_health_monitor_args(const json_t *rec, char ***argv);
/* Set State.Health from the monitor's file in the container directory, when checks run. */
void ctr_health_inspect(int ctr_dfd, const json_t *rec, json_t *state);

#endif
