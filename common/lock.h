/* flock-based mutual exclusion for changes that allocate names, addresses or ports. */
#ifndef HOIST_COMMON_LOCK_H
#define HOIST_COMMON_LOCK_H

struct herr;

/* Open (creating) path and take an exclusive flock. Returns the fd; closing it
 * releases the lock, so pair with _cleanup_close_. */
int lock_take(const char *path, struct herr *e);
/* Shared lock, for readers that must not see a half-applied multi-file change. */
int lock_take_shared(const char *path, struct herr *e);

#endif
