/* The image store: content-addressed blobs, unpacked layers shared by ChainID, and
 * repositories.json naming images. This header is the hot-path API (no libarchive,
 * no libcurl): everything that unpacks or fetches lives in the hoist-image helper. */
#ifndef HOIST_ENGINE_IMAGE_H
#define HOIST_ENGINE_IMAGE_H

#include <jansson.h>
#include <stddef.h>

struct herr;

struct image {
    char *id;       /* "sha256:<hex>" of the config blob */
    char *ref;      /* the normalized reference it was found by, NULL when looked up by id */
    json_t *config; /* the OCI image config (config.Env, Cmd, Entrypoint, WorkingDir, ...) */
    char **layers;  /* absolute paths of the unpacked layer dirs, bottom layer first */
};

/* Find an image by reference (name[:tag], defaulting to :latest), full id or unique id
 * prefix. root is hoist's --root. */
int image_lookup(const char *root, const char *ref, struct image **out, struct herr *e);
void image_free(struct image *img);

#endif
