/* File helpers. Paths relative to a directory fd never follow a symlink out of it
 * when the caller uses the *_at forms with a dirfd of a container root. */
#ifndef HOIST_COMMON_FS_H
#define HOIST_COMMON_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct herr;

/* Write via temp file + fsync (when sync) + rename, so readers never see a torn file. */
int fs_write_atomic(int dirfd, const char *path, const void *buf, size_t len, mode_t mode,
                    bool sync, struct herr *e);
/* Read a whole file; *out is NUL-terminated and owned by the caller. */
int fs_read_all(int dirfd, const char *path, char **out, size_t *len, struct herr *e);
int fs_mkdir_p(const char *path, mode_t mode, struct herr *e);
/* Remove a tree without following symlinks and without crossing into other mounts. */
int fs_rm_rf(const char *path, struct herr *e);
int fs_rm_rf_at(int dirfd, const char *name, struct herr *e);
bool fs_exists(const char *path);
/* Directory that holds the running executable (for sibling helper binaries). */
/* The hoist executable's path (also when running from the runtime's sealed copy);
 * NULL when /proc/self/exe cannot be read. */
const char *fs_self_exe(void);
/* path is dir or lies under it (both canonical, no trailing slash but "/"). */
bool fs_path_under(const char *path, const char *dir);
int fs_self_dir(char *buf, size_t len, struct herr *e);
/* The helper executable name (hoist-image, hoist-monitor, hoist-dns) for a hoist
 * running from self_dir: beside it in the build tree; in libexec/hoist beside bin/
 * when installed, under whatever prefix the tree was installed or unpacked to; else in
 * the libexec directory configured at build time. */
char *fs_helper_path(const char *self_dir, const char *name, struct herr *e);

#endif
