/* hoist-image: a layer decompressed, hashed and unpacked while it downloads. */
#ifndef HOIST_IMAGE_HELPER_STREAM_H
#define HOIST_IMAGE_HELPER_STREAM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

/* The compressed bytes go from the fetching thread to the layer's thread through a ring
 * buffer: one copy in, and the thread decompresses, hashes and keeps them in place. */
struct hi_stream {
    pthread_mutex_t mu;
    pthread_cond_t data, room;
    char *ring;
    size_t cap, head, used;
    size_t held; /* bytes at head the thread is reading in place; freed at its next take */
    bool eof;
    bool writer_waits; /* a short write paused the transfer: wake it when room is made */
    int room_fd;       /* eventfd the thread signals then, for the fetcher's poll */
    pthread_t th;
    bool started;
    char *dir;  /* <stage>/s<idx>: diff/ is the unpacked layer */
    char *blob; /* <stage>/s<idx>.blob: the compressed bytes, as fetched */
    char diff[72];
    char digest[72];         /* of the compressed bytes, all that came through the stream */
    unsigned long long size; /* bytes of the layer's regular files */
    struct herr e;
    int rc;
};

/* Start the layer's thread; it waits for compressed bytes from hi_stream_write. */
int hi_stream_start(struct hi_stream *s, const char *stage, size_t idx, struct herr *e);
/* Feed compressed bytes: how many the stream took, all of them when wait is set (it
 * waits while the thread is behind), else perhaps fewer: then room_fd becomes readable
 * once the thread has made room. A thread that failed still takes and hashes the rest,
 * so a digest mismatch can be the error told. */
size_t hi_stream_write(struct hi_stream *s, const void *p, size_t n, bool wait);
/* After room_fd was readable: clear it; true when the stream has room again. */
bool hi_stream_room(struct hi_stream *s);
/* End of input: the thread can finish the layer while the others still download. */
void hi_stream_end(struct hi_stream *s);
/* End of input, and wait for the thread: digest is filled, and 0 with diff and size, or
 * its error. */
int hi_stream_finish(struct hi_stream *s, struct herr *e);
/* Stop the thread when running (its input ends short, so it fails) and free. */
void hi_stream_clear(struct hi_stream *s);

#endif
