/* Scope-bound release of memory, fds and streams, so early returns stay clean. */
#ifndef HOIST_COMMON_CLEANUP_H
#define HOIST_COMMON_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void cleanup_freep(void *p)
{
    free(*(void **)p);
}

static inline void cleanup_closep(int *fd)
{
    if (*fd >= 0) {
        int saved = errno;
        close(*fd);
        errno = saved;
    }
}

static inline void cleanup_dirp(DIR **d)
{
    if (*d)
        closedir(*d);
}

static inline void cleanup_filep(FILE **f)
{
    if (*f)
        fclose(*f);
}

/* NULL-terminated string vectors own their strings. */
static inline void cleanup_strvp(char ***v)
{
    if (*v) {
        for (char **p = *v; *p; p++)
            free(*p);
        free(*v);
    }
}

#define _cleanup_free_ __attribute__((cleanup(cleanup_freep)))
#define _cleanup_close_ __attribute__((cleanup(cleanup_closep)))
#define _cleanup_dir_ __attribute__((cleanup(cleanup_dirp)))
#define _cleanup_file_ __attribute__((cleanup(cleanup_filep)))
#define _cleanup_strv_ __attribute__((cleanup(cleanup_strvp)))

/* Hand ownership out of a cleanup-managed variable. */
static inline int steal_fd(int *fd)
{
    int r = *fd;
    *fd = -1;
    return r;
}

#define steal_ptr(pp)                                                                              \
    ({                                                                                             \
        __typeof__(*(pp)) _p = *(pp);                                                              \
        *(pp) = NULL;                                                                              \
        _p;                                                                                        \
    })

#endif
