/* The image store: content-addressed blobs, unpacked layers shared by ChainID, and
 * repositories.json naming images. This header is the hot-path API (no libarchive,
 * no libcurl): everything that unpacks or fetches lives in the hoist-image helper.
 *
 * Layout under <root>/images:
 *   blobs/sha256/<hex>        layer tars (uncompressed) and image configs
 *   layers/<chainid>/diff/    unpacked layer; layers/<chainid>/meta.json
 *   imagedb/<id-hex>.json     one per image: {"layers": [chainid...], "size": N};
 *                             lets lookup find layer dirs without hashing anything
 *   repositories.json         {"docker.io/library/busybox:latest": "sha256:<id>"}
 *   tmp/                      staging for imports; entries are <pid>-<random>
 *   lock                      flock held by every writer */
#ifndef HOIST_ENGINE_IMAGE_H
#define HOIST_ENGINE_IMAGE_H

#include <jansson.h>
#include <stdbool.h>
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

/* A parsed reference: domain "docker.io", path "library/busybox", tag "latest" (or a
 * digest "sha256:..." with tag NULL). */
struct image_ref {
    char *domain;
    char *path;
    char *tag;
    char *digest;
};

/* Parse and normalize as docker does; a missing tag becomes "latest" unless a digest
 * is given. */
int image_ref_parse(const char *s, struct image_ref *out, struct herr *e);
void image_ref_clear(struct image_ref *r);
/* "docker.io/library/busybox:latest" */
char *image_ref_string(const struct image_ref *r);
/* The short form docker shows: "busybox:latest", "host:5000/a/b:t". */
char *image_ref_display(const char *normalized);
/* Split a display form into repository and tag (or digest) for `image ls`. */
void image_ref_split_display(const char *normalized, char **repo, char **tag);

/* Apply one Dockerfile instruction (CMD, ENTRYPOINT, ENV, WORKDIR, USER, EXPOSE, LABEL,
 * VOLUME, STOPSIGNAL, HEALTHCHECK) to the "config" object of an image config. */
int image_change_apply(json_t *config, const char *instr, struct herr *e);
/* Go duration as Dockerfiles and docker's flags take it ("1m30s", "500ms", "0") to
 * nanoseconds; -1 when malformed. */
int image_parse_duration(const char *s, long long *ns, struct herr *e);

/* Make an archive member name relative and clean: "/a//./b/" -> "a/b". Rejects ".."
 * components and empty results other than the root itself ("" is returned for "./"). */
int image_path_clean(const char *name, char **out, struct herr *e);

struct image_summary {
    char *id;      /* sha256:<hex> */
    char **refs;   /* normalized names, may be empty */
    char *created; /* RFC 3339 from the config */
    long long size;
};

/* All images, newest first. */
int image_list(const char *root, struct image_summary **out, size_t *n, struct herr *e);
void image_list_free(struct image_summary *v, size_t n);

/* A docker-like inspect object. */
int image_inspect(const char *root, const char *ref, json_t **out, struct herr *e);

/* Name an existing image. */
int image_tag(const char *root, const char *src, const char *dst, struct herr *e);

/* Untag ref (a name) or remove the image (an id); the image and the layers only it
 * used are deleted once no name and no container refers to it. force removes every
 * name of an image given by id even when containers still use it (the data is kept
 * for them). Reports each "Untagged: name" / "Deleted: id" line through *report. */
int image_remove(const char *root, const char *ref, bool force, char ***report, struct herr *e);

/* The history of an image, newest first, as docker shows it: objects with Id (the
 * image id on the top entry, "<missing>" below), Created (RFC 3339), CreatedBy, Size
 * (bytes of the layer the step made, 0 for empty layers), Comment and Tags. */
int image_history(const char *root, const char *ref, json_t **out, struct herr *e);

/* Remove images no container uses: untagged ones only, or every one with all. Appends
 * docker's "untagged: NAME" / "deleted: ID" lines to *report; *reclaimed gets the bytes
 * of the layers deleted. */
int image_prune(const char *root, bool all, char ***report, long long *reclaimed, struct herr *e);

/* Mount an overlay of lowerdir (colon-separated, top layer first) with upper and work
 * dirs on target, however many layers there are. linkdir is a directory the mount may
 * fill with short symlinks to the layers (on kernels without fsconfig "lowerdir+"). */
int image_mount_overlay(const char *target, const char *lowerdir, const char *upper,
                        const char *work, const char *linkdir, struct herr *e);

/* Run the hoist-image helper (found from self_dir by fs_helper_path) with args
 * (args[0] is the subcommand, e.g. "import"; --root root is inserted after it).
 * With out == NULL the helper shares our stdio and its exit status is returned.
 * With out != NULL its stdout is captured into *out, a non-zero exit becomes an error
 * carrying the helper's message, and 0 is returned on success. */
int image_helper_run(const char *self_dir, const char *root, char *const *args, char **out,
                     struct herr *e);

struct image_pull_opts {
    const char *platform; /* "os/arch[/variant]"; NULL: the host's */
    bool quiet;           /* no progress output */
    bool insecure;        /* plain HTTP or unverified TLS for this registry */
};

/* When ref was last pulled or found up to date by a pull (seconds since the epoch); for
 * an image never pulled under that name, when it was stored. For pull_policy daily,
 * weekly and every_<duration>. */
int image_pulled_at(const char *root, const char *ref, long long *secs, struct herr *e);

/* Fetch ref from its registry into the store (through the hoist-image helper, which
 * prints progress on stderr unless quiet). */
int image_pull(const char *self_dir, const char *root, const char *ref,
               const struct image_pull_opts *o, struct herr *e);

#endif
