/* Shared between the store (hot path) and the hoist-image helper. */
#ifndef HOIST_ENGINE_IMAGE_INTERNAL_H
#define HOIST_ENGINE_IMAGE_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>

struct herr;

#define IMG_ID_HEX 64

/* <root>/images/<sub>, sub may be NULL. */
char *img_path(const char *root, const char *sub);
/* Create the store directories (blobs, layers, imagedb, tmp). */
int img_store_init(const char *root, struct herr *e);
/* Exclusive lock on <root>/images/lock; returns the fd. */
int img_store_lock(const char *root, struct herr *e);

/* repositories.json as an object; an absent file is an empty object. */
json_t *img_repos_load(const char *root, struct herr *e);
int img_repos_save(const char *root, json_t *repos, struct herr *e);

/* true when s is 64 lowercase hex digits. */
bool img_is_hex64(const char *s);
/* The hex part of an id ("sha256:abc" -> "abc"); NULL if not sha256. */
const char *img_id_hex(const char *id);

/* Resolve a reference, id or unique id prefix to "sha256:<hex>" (owned). *ref_out,
 * when given, receives the normalized name if the reference was a name. */
int img_resolve(const char *root, const json_t *repos, const char *ref, char **id, char **ref_out,
                struct herr *e);

/* imagedb/<hex>.json */
json_t *img_db_load(const char *root, const char *id, struct herr *e);
int img_db_save(const char *root, const char *id, json_t *rec, struct herr *e);

/* The digest of the blob the store keeps for a layer, from its meta.json: a pulled
 * layer's compressed blob ("blob"), else the uncompressed tar (its diff id). */
const char *img_layer_blob(const json_t *meta);

/* Note that name was pulled (or found up to date) now: images/pulled.json. */
int img_pulled_record(const char *root, const char *name, struct herr *e);

/* Current time as RFC 3339 with nanoseconds, UTC. */
char *img_now_rfc3339(void);

#endif
