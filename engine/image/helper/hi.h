/* hoist-image internals: packing (archive or directory -> normalized tar blob, hashed)
 * and unpacking (blob -> layer directory). */
#ifndef HOIST_IMAGE_HELPER_H
#define HOIST_IMAGE_HELPER_H

#include <jansson.h>
#include <signal.h>
#include <stdint.h>

#include <nettle/sha2.h>

struct herr;
struct archive;
struct archive_entry;

/* Bounds on what one layer may hold, so a hostile archive cannot exhaust the disk or
 * memory before anything is checked. */
#define HI_MAX_ENTRIES 2000000ULL
#define HI_MAX_FILE_SIZE (64ULL << 30)
#define HI_MAX_TOTAL_SIZE (256ULL << 30)
#define HI_MAX_XATTR_BYTES (1U << 20)

/* Set by SIGINT/SIGTERM/SIGHUP: long loops stop and clean up. */
extern volatile sig_atomic_t hi_interrupted;

/* A command's exit status from its result r: on failure the error goes to stderr under
 * hoist's name (users run hoist, never the helper) and the status is 1, or 130 after a
 * signal; on success, 1 only when stdout could not be flushed. */
int hi_exit(int r, const struct herr *e);

struct hi_blob {
    int fd;
    struct archive *aw;
    struct sha256_ctx sha;
    json_t *seen; /* member paths written so far (hard link targets) */
    unsigned long long entries, content_size;
    int write_errno;
};

int hi_blob_open(struct hi_blob *b, int fd, struct herr *e);
/* Finish the tar and return the digest "sha256:<hex>" of its bytes. */
int hi_blob_close(struct hi_blob *b, char digest[72], struct herr *e);
void hi_blob_abort(struct hi_blob *b);

/* Copy an input tar (path, or "-" for stdin; any compression libarchive detects). */
int hi_pack_archive(struct hi_blob *b, const char *file, struct herr *e);
/* Turn an overlay upper dir into OCI layer entries (whiteouts -> .wh. names). */
int hi_pack_upper(struct hi_blob *b, const char *dir, struct herr *e);

/* Unpack a tar into the empty directory dirfd (overlay whiteout format); size gets the
 * bytes of its regular files. */
int hi_unpack(const char *tar, int dirfd, unsigned long long *size, struct herr *e);
/* The same from an archive opened for reading with the tar format. */
int hi_unpack_archive(struct archive *a, int dirfd, unsigned long long *size, struct herr *e);

/* libarchive's errno for an error, unless it only encodes "bad format" or "misuse",
 * which its message already says. */
int hi_la_errno(struct archive *a);

/* A new staging dir <root>/images/tmp/<pid>-<random> (mode 0700). */
int hi_stage_create(const char *root, char **out, struct herr *e);
/* Remove staging dirs left by processes that no longer exist. */
void hi_clean_stale(const char *root);

/* "sha256:<hex>" of data. */
void hi_digest(const void *data, size_t len, char out[72]);

#endif
