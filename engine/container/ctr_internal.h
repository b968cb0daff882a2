/* Shared between the container engine's files. */
#ifndef HOIST_ENGINE_CTR_INTERNAL_H
#define HOIST_ENGINE_CTR_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

struct herr;
struct ctr_ctx;
struct ctr_user;

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
