/* Shared between the volumes/ sources; not part of the public API. */
#ifndef HOIST_VOLUMES_INTERNAL_H
#define HOIST_VOLUMES_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>

struct herr;

/* Private key of meta.json: copy-up has run (hidden from inspect). */
#define VOL_META_COPIED "HoistCopiedUp"

/* <root>/volumes */
char *vol_store_dir(const char *root);
/* Exclusive lock over the volume store (create, remove, mount, copy-up). */
int vol_lock(const char *root, struct herr *e);
json_t *vol_meta_load(const char *root, const char *name, struct herr *e);
int vol_meta_save(const char *root, const char *name, const json_t *meta, struct herr *e);
/* Whether path is the root of a mount (not following a final symlink). */
bool vol_is_mountpoint(const char *path);

#endif
