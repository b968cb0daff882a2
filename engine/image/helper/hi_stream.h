/* hoist-image: a layer decompressed, hashed and unpacked while it downloads. */
#ifndef HOIST_IMAGE_HELPER_STREAM_H
#define HOIST_IMAGE_HELPER_STREAM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

struct hi_stream {
    int rfd, wfd;
    pthread_t th;
    bool started;
    char *dir;  /* <stage>/s<idx>: diff/ is the unpacked layer */
    char *blob; /* <stage>/s<idx>.blob: the compressed bytes, as fetched */
    char diff[72];
    unsigned long long size; /* bytes of the layer's regular files */
    struct herr e;
    int rc;
};

/* Start the layer's thread; it waits for compressed bytes from hi_stream_write. */
int hi_stream_start(struct hi_stream *s, const char *stage, size_t idx, struct herr *e);
/* Feed compressed bytes; blocks while the thread is behind. -errno when the thread has
 * stopped (EPIPE: it failed; hi_stream_finish tells why). */
int hi_stream_write(struct hi_stream *s, const void *p, size_t n);
/* End of input: wait for the thread. 0 with diff and size filled, or its error. */
int hi_stream_finish(struct hi_stream *s, struct herr *e);
/* Stop the thread when running (its input ends short, so it fails) and free. */
void hi_stream_clear(struct hi_stream *s);

#endif
