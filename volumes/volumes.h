/* Volumes: named and anonymous volumes under <root>/volumes/<name>/ (data in _data, the
 * record in meta.json, docker-inspect shaped), the -v / --mount / --tmpfs parsers, the
 * OCI "mounts" entries built from parsed mounts, and copy-up of image content.
 *
 * How the container engine uses it, for each container:
 *   1. vol_parse_short / vol_parse_long / vol_parse_tmpfs for every -v, --mount, --tmpfs
 *      (compose fills struct vol_mount itself from its long syntax);
 *   2. vol_prepare(root, m, image rootfs fd) for each: creates named and anonymous
 *      volumes, mounts driver-backed ones, copies image content into new volumes,
 *      resolves subpaths, creates missing bind sources for the short syntax, and fills
 *      m->host_path;
 *   3. vol_oci_mounts(mounts, n) appended to the OCI config's "mounts";
 *   4. vol_record_mounts(mounts, n) stored as "Mounts" at the top level of the container
 *      record (<root>/containers/<id>/config.json), as docker inspect shows it: that key
 *      is how vol_users / `volume rm` find the volumes a container holds;
 *   5. when no running container uses a driver-backed volume any more, vol_unmount. */
#ifndef HOIST_VOLUMES_H
#define HOIST_VOLUMES_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

struct herr;

#define VOL_ANON_LABEL "com.docker.volume.anonymous"

/* ---- the store ---- */

struct vol_create_opts {
    const char *driver; /* NULL or "local" */
    char **labels;      /* K=V (K alone: empty value) */
    char **options;     /* driver options K=V: type, o, device */
};

/* Docker's rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+ (so at least two characters). */
int vol_name_check(const char *name, struct herr *e);

/* Create a volume, or return the existing one of that name when no options are given or
 * they agree (docker's idempotent create; labels of the existing volume are kept). name NULL
 * makes an anonymous volume: 64 hex characters, labelled VOL_ANON_LABEL. *name_out
 * (optional) receives the name, *created (optional) whether it is new. Nothing is left
 * behind on failure. */
int vol_create(const char *root, const char *name, const struct vol_create_opts *o, char **name_out,
               bool *created, struct herr *e);

/* The record as `docker volume inspect` prints one element (owned). ENOENT when absent. */
json_t *vol_inspect(const char *root, const char *name, struct herr *e);
/* All volume names, sorted. */
int vol_list(const char *root, char ***names, struct herr *e);
/* Ids of containers whose record names the volume in "Mounts" (sorted). */
int vol_users(const char *root, const char *name, char ***ids, struct herr *e);
/* Remove a volume and its data; EBUSY (naming the containers) when one uses it, ENOENT
 * when absent. A driver-backed volume is unmounted first. */
int vol_remove(const char *root, const char *name, struct herr *e);

/* Bytes used by the volume's files (apparent sizes, hard links once, not crossing into
 * other mounts), for prune's "reclaimed space". */
int vol_size(const char *root, const char *name, long long *bytes, struct herr *e);

/* Host directory holding the volume's data (<root>/volumes/<name>/_data). */
char *vol_data_dir(const char *root, const char *name);
/* Make the data directory usable: for a volume with driver options (tmpfs, o=bind,
 * a device) mount it there unless it already is. No-op for plain volumes. */
int vol_mount(const char *root, const char *name, struct herr *e);
/* Undo vol_mount (no-op when not mounted). */
int vol_unmount(const char *root, const char *name, struct herr *e);

/* Fill a new volume with the content of `path` inside the image root (ownership,
 * modes, timestamps, symlinks as symlinks, xattrs, device nodes), both sides accessed
 * fd-relative without leaving either root. Runs once per volume (meta.json records it)
 * and only into an empty volume; a path absent from the image copies nothing. */
int vol_copy_up(const char *root, const char *name, int rootfd, const char *path, struct herr *e);

/* ---- mount specifications ---- */

enum vol_type { VOL_BIND, VOL_VOLUME, VOL_TMPFS };

struct vol_mount {
    enum vol_type type;
    char *source; /* bind: absolute host path; volume: name, NULL = anonymous */
    char *target; /* absolute path in the container */
    bool readonly;
    bool nocopy;           /* volume: no copy-up */
    bool create_host_path; /* bind: make a missing source directory */
    char *subpath;         /* volume: relative path inside the volume */
    char *propagation;     /* bind: private, rprivate, shared, rshared, slave, rslave */
    long long tmpfs_size;  /* tmpfs: bytes, 0 = kernel default */
    int tmpfs_mode;        /* tmpfs: permission bits, -1 = default */
    char *host_path;       /* filled by vol_prepare */
    /* bind: nonzero when containers can write dir (canonical), so a symbolic link in
     * it may have been planted by one and is not followed; NULL: only the volume
     * store counts. Set by the engine, not owned. */
    int (*shared_dir)(const char *dir, void *arg);
    void *shared_arg;
};

void vol_mount_clear(struct vol_mount *m);

/* -v/--volume: "/ctr" (anonymous), "name:/ctr", "/host:/ctr", "./rel:/ctr" (relative to
 * basedir), "~/x:/ctr" (home), each with an optional ":opt,opt" of ro, rw, z, Z, nocopy,
 * a propagation mode, consistent, cached, delegated. */
int vol_parse_short(const char *spec, const char *basedir, const char *home, struct vol_mount *m,
                    struct herr *e);
/* --mount: type=bind|volume|tmpfs, source|src, target|destination|dst, readonly|ro[=bool],
 * volume-nocopy[=bool], volume-subpath, volume-driver=local, tmpfs-size, tmpfs-mode,
 * bind-propagation, bind-create-src[=bool], consistency. */
int vol_parse_long(const char *spec, const char *basedir, const char *home, struct vol_mount *m,
                   struct herr *e);
/* --tmpfs "/ctr[:size=N,mode=OCTAL,ro|rw]". */
int vol_parse_tmpfs(const char *spec, struct vol_mount *m, struct herr *e);

/* Make everything a parsed mount needs exist (see the top of this file) and set
 * m->host_path. rootfd is the image rootfs for copy-up (-1: none). */
int vol_prepare(const char *root, struct vol_mount *m, int rootfd, struct herr *e);

/* OCI runtime-spec "mounts" entries for prepared mounts, in order. */
json_t *vol_oci_mounts(const struct vol_mount *m, size_t n);
/* docker-inspect "Mounts" entries for prepared mounts (Type, Name, Source, Destination,
 * Driver, Mode, RW, Propagation). */
json_t *vol_record_mounts(const struct vol_mount *m, size_t n);

#endif
