/* A pulled layer is decompressed, hashed and unpacked while it downloads: the fetch
 * copies the compressed bytes into a ring buffer, and a thread per layer hashes them,
 * keeps them in the blob file the store will hold, runs them through libarchive's
 * decompressors, hashes the tar for the diff id and unpacks it, all in one pass. The
 * uncompressed tar is never written, the fetching thread does no disk I/O, and the
 * unpacking of one layer overlaps the download of the others. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/str.h"
#include "engine/image/helper/hi.h"
#include "engine/image/helper/hi_load.h"
#include "engine/image/helper/hi_stream.h"

/* Larger decompressed blocks: ~5 % off a pull of large layers. */
#define STREAM_BUF (512 * 1024)
/* How far the fetch may run ahead of a layer's unpacking. */
#define RING_SIZE (1 << 20)
#define FLUSH_EVERY (8ULL << 20)

struct tee {
    struct hi_stream *s;
    struct archive *in;     /* the decompressor */
    EVP_MD_CTX *sha, *zsha; /* of the tar, of the compressed bytes */
    unsigned long long bytes, limit;
    char *buf;
    const char *zbuf; /* compressed bytes, in place in the ring */
    int blob_fd;
    unsigned long long kept, flushed;
};

/* The stream hashes every byte twice (compressed and tar): libcrypto's SHA-256, already
 * loaded with libcurl, is about 8 % faster here than nettle's. */
static void evp_hex(EVP_MD_CTX *c, char out[72])
{
    unsigned char d[32];
    unsigned n = 0;
    EVP_DigestFinal_ex(c, d, &n);
    memcpy(out, "sha256:", 7);
    for (int i = 0; i < 32; i++)
        snprintf(out + 7 + 2 * i, 3, "%02x", d[i]);
}

static EVP_MD_CTX *evp_new(void)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (!c || !EVP_DigestInit_ex(c, EVP_sha256(), NULL))
        abort();
    return c;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR && !hi_interrupted)
            continue;
        if (w < 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Compressed bytes into the blob file; its writeback starts as it grows, so the
 * store's sync before the move-in finds little left to do. */
static int keep(struct tee *t, const char *p, size_t n)
{
    if (write_all(t->blob_fd, p, n) < 0)
        return -1;
    t->kept += n;
    if (t->kept - t->flushed >= FLUSH_EVERY) {
        (void)sync_file_range(t->blob_fd, (off_t)t->flushed, (off_t)(t->kept - t->flushed),
                              SYNC_FILE_RANGE_WRITE);
        t->flushed = t->kept;
    }
    return 0;
}

/* The next compressed bytes, in place in the ring, hashed; 0 at the end. The bytes taken
 * before are released first: the caller is done with them. */
static size_t take(struct tee *t)
{
    struct hi_stream *s = t->s;
    pthread_mutex_lock(&s->mu);
    if (s->held) {
        s->head = (s->head + s->held) % s->cap;
        s->used -= s->held;
        s->held = 0;
        pthread_cond_signal(&s->room);
        if (s->writer_waits) {
            s->writer_waits = false;
            (void)eventfd_write(s->room_fd, 1);
        }
    }
    while (s->used == 0 && !s->eof)
        pthread_cond_wait(&s->data, &s->mu);
    size_t n = s->used < s->cap - s->head ? s->used : s->cap - s->head;
    s->held = n;
    t->zbuf = s->ring + s->head;
    pthread_mutex_unlock(&s->mu);
    if (n > 0)
        EVP_DigestUpdate(t->zsha, t->zbuf, n);
    return n;
}

/* Read callback of the decompressor: the ring, kept on the way. */
static la_ssize_t ring_read(struct archive *in, void *arg, const void **out)
{
    struct tee *t = arg;
    size_t n = take(t);
    if (n > 0 && keep(t, t->zbuf, n) < 0) {
        archive_set_error(in, errno, "write %s", t->s->blob);
        return -1;
    }
    *out = t->zbuf;
    return (la_ssize_t)n;
}

/* Read callback of the tar reader: the next decompressed block, kept and hashed. */
static la_ssize_t tee_read(struct archive *tar, void *arg, const void **out)
{
    struct tee *t = arg;
    la_ssize_t n = archive_read_data(t->in, t->buf, STREAM_BUF);
    if (n < 0) {
        archive_set_error(tar, hi_la_errno(t->in), "decompress: %s", archive_error_string(t->in));
        return -1;
    }
    t->bytes += (unsigned long long)n;
    if (t->bytes > t->limit) {
        archive_set_error(tar, EFBIG, "decompressed layer exceeds %llu bytes", t->limit);
        return -1;
    }
    EVP_DigestUpdate(t->sha, t->buf, (size_t)n);
    *out = t->buf;
    return n;
}

static int run(struct hi_stream *s, struct tee *t, struct herr *e)
{
    struct statvfs vs;
    if (fstatvfs(t->blob_fd, &vs) < 0)
        return herr_sys(e, "statvfs %s", s->blob);
    t->limit = (unsigned long long)vs.f_bavail * vs.f_frsize;
    if (t->limit > HI_MAX_TOTAL_SIZE)
        t->limit = HI_MAX_TOTAL_SIZE;
    struct archive_entry *ent;
    archive_read_support_filter_all(t->in);
    archive_read_support_format_raw(t->in);
    if (archive_read_open2(t->in, t, NULL, ring_read, NULL, NULL) != ARCHIVE_OK ||
        archive_read_next_header(t->in, &ent) != ARCHIVE_OK)
        return herr_set(e, hi_la_errno(t->in), "decompress layer: %s", archive_error_string(t->in));
    _cleanup_free_ char *ddir = xasprintf("%s/diff", s->dir);
    if (mkdir(s->dir, 0700) < 0 || mkdir(ddir, 0755) < 0)
        return herr_sys(e, "create %s", ddir);
    _cleanup_close_ int dfd = open(ddir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return herr_sys(e, "open %s", ddir);
    struct archive *tar = archive_read_new();
    archive_read_support_format_tar(tar);
    int rc = archive_read_open2(tar, t, NULL, tee_read, NULL, NULL) != ARCHIVE_OK
                 ? herr_set(e, hi_la_errno(tar), "%s", archive_error_string(tar))
                 : hi_unpack_archive(tar, dfd, &s->size, e);
    /* The diff id covers the whole stream, also what follows the tar's end marker. */
    const void *ignored;
    while (rc == 0) {
        la_ssize_t n = tee_read(tar, t, &ignored);
        if (n < 0)
            rc = herr_set(e, hi_la_errno(tar), "%s", archive_error_string(tar));
        if (n <= 0)
            break;
    }
    archive_read_free(tar);
    if (rc < 0)
        return rc;
    evp_hex(t->sha, s->diff);
    return 0;
}

static void *thread_main(void *arg)
{
    struct hi_stream *s = arg;
    struct tee t = {.s = s, .in = archive_read_new(), .buf = xmalloc(STREAM_BUF)};
    t.sha = evp_new();
    t.zsha = evp_new();
    t.blob_fd = open(s->blob, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    s->rc = t.blob_fd < 0 ? herr_sys(&s->e, "create %s", s->blob) : run(s, &t, &s->e);
    /* A good layer keeps what the registry sends after the compressed stream ends, so
     * the blob is whole; a failed one still hashes the rest, for the digest check. */
    size_t n;
    while ((n = take(&t)) != 0) {
        if (s->rc == 0 && keep(&t, t.zbuf, n) < 0)
            s->rc = herr_sys(&s->e, "keep %s", s->blob);
    }
    evp_hex(t.zsha, s->digest);
    EVP_MD_CTX_free(t.sha);
    EVP_MD_CTX_free(t.zsha);
    if (t.blob_fd >= 0)
        close(t.blob_fd);
    archive_read_free(t.in);
    free(t.buf);
    return NULL;
}

int hi_stream_start(struct hi_stream *s, const char *stage, size_t idx, struct herr *e)
{
    *s = (struct hi_stream){.cap = RING_SIZE, .room_fd = -1};
    s->room_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (s->room_fd < 0)
        return herr_sys(e, "eventfd");
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->data, NULL);
    pthread_cond_init(&s->room, NULL);
    /* Pages are touched only as bytes pass: a small layer costs little of it. */
    s->ring = xmalloc(s->cap);
    s->dir = xasprintf("%s/s%zu", stage, idx);
    s->blob = xasprintf("%s/s%zu.blob", stage, idx);
    int err = pthread_create(&s->th, NULL, thread_main, s);
    if (err)
        return herr_set(e, err, "start layer thread");
    s->started = true;
    return 0;
}

size_t hi_stream_write(struct hi_stream *s, const void *p, size_t n, bool wait)
{
    size_t off = 0;
    pthread_mutex_lock(&s->mu);
    while (off < n) {
        size_t room = s->cap - s->used;
        if (room == 0) {
            if (!wait) {
                s->writer_waits = true;
                break;
            }
            pthread_cond_wait(&s->room, &s->mu);
            continue;
        }
        size_t tail = (s->head + s->used) % s->cap;
        size_t k = n - off;
        if (k > room)
            k = room;
        if (k > s->cap - tail)
            k = s->cap - tail;
        /* The thread reads only [head, head + held), which is outside the free space. */
        memcpy(s->ring + tail, (const char *)p + off, k);
        s->used += k;
        off += k;
        pthread_cond_signal(&s->data);
    }
    pthread_mutex_unlock(&s->mu);
    return off;
}

bool hi_stream_room(struct hi_stream *s)
{
    eventfd_t v;
    (void)eventfd_read(s->room_fd, &v);
    pthread_mutex_lock(&s->mu);
    bool room = s->used < s->cap;
    pthread_mutex_unlock(&s->mu);
    return room;
}

void hi_stream_end(struct hi_stream *s)
{
    if (!s->started)
        return;
    pthread_mutex_lock(&s->mu);
    s->eof = true;
    pthread_cond_signal(&s->data);
    pthread_mutex_unlock(&s->mu);
}

int hi_stream_finish(struct hi_stream *s, struct herr *e)
{
    hi_stream_end(s);
    if (!s->started)
        return herr_set(e, EINVAL, "layer was not started");
    pthread_join(s->th, NULL);
    s->started = false;
    if (s->rc < 0 && e)
        *e = s->e;
    return s->rc;
}

void hi_stream_clear(struct hi_stream *s)
{
    struct herr ignore = {0};
    if (s->started)
        hi_stream_finish(s, &ignore);
    if (s->ring) {
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->data);
        pthread_cond_destroy(&s->room);
        close(s->room_fd);
        free(s->ring);
    }
    free(s->dir);
    free(s->blob);
    s->ring = s->dir = s->blob = NULL;
}
