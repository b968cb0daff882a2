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

#endif
