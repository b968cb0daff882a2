/* hoist-image load and save: docker-archive (as `docker save` writes it, the classic
 * and the OCI-layout-inside forms) and OCI archives. */
#ifndef HOIST_IMAGE_HELPER_LOAD_H
#define HOIST_IMAGE_HELPER_LOAD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include <nettle/sha2.h>

struct herr;

/* One image found in an archive. Members are the archive's files, staged on disk:
 * {"f": staged path, "d": "sha256:<hex>" of its bytes, "s": size}. */
struct hi_load_image {
    char *id;        /* "sha256:<hex>" of the config bytes */
    json_t *config;  /* the parsed config */
    json_t *cfg_mem; /* member holding the config */
    json_t *layers;  /* members holding the layers, bottom first (maybe compressed); a
                      * pulled layer's member is already unpacked: {"f": its tar, "d": diff
                      * id, "dir": stage dir holding diff/, "size": content bytes} */
    char **tags;     /* normalized names */
};

/* Verify, unpack and store the images. Everything is unpacked into stage first; the
 * store only changes under its lock once every layer is ready, so a bad layer leaves
 * nothing behind. With report, prints docker's "Loaded image: ..." lines; with progress one
 * "Loading layer" line per layer on stderr. */
int hi_load_store(const char *root, const char *stage, struct hi_load_image *imgs, size_t n,
                  bool progress, bool report, struct herr *e);

/* "sha256:<hex>" from a finished hash. */
void hi_sha_hex(struct sha256_ctx *c, char out[72]);

int hi_load_main(int argc, char **argv);
int hi_save_main(int argc, char **argv);
/* hoist-image pull (hi_pull.c). */
int hi_pull_main(int argc, char **argv);
/* hoist-image login / logout (hi_login.c): docker's config.json credentials. */
int hi_login_main(int argc, char **argv);

#endif
