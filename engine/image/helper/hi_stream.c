/* A pulled layer is decompressed, hashed and unpacked while it downloads: the fetch
 * writes the compressed bytes into a pipe, and a thread per layer reads them through
 * libarchive's decompressors, keeps the uncompressed tar (the store's blob), hashes it
 * for the diff id and unpacks it in the same pass. Nothing compressed touches the disk,
 * and the unpacking of one layer overlaps the download of the others. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/str.h"
#include "engine/image/helper/hi.h"
#include "engine/image/helper/hi_load.h"
#include "engine/image/helper/hi_stream.h"

#define STREAM_BUF (128 * 1024)
#define PIPE_SIZE (1 << 20)
#define FLUSH_EVERY (8ULL << 20)

struct tee {
    struct hi_stream *s;
    struct archive *in; /* the decompressor */
    int tar_fd;
    struct sha256_ctx sha;
    unsigned long long bytes, limit, flushed;
    char *buf;
};

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
        archive_set_error(tar, EFBIG, "decompressed layer exceeds %llu bytes (the free space)",
                          t->limit);
        return -1;
    }
    sha256_update(&t->sha, (size_t)n, (const uint8_t *)t->buf);
    if (n > 0 && write_all(t->tar_fd, t->buf, (size_t)n) < 0) {
        archive_set_error(tar, errno, "write %s", t->s->tar);
        return -1;
    }
    /* Writeback starts as the tar grows, so the store's sync finds little left to do. */
    if (t->bytes - t->flushed >= FLUSH_EVERY || (n == 0 && t->bytes > t->flushed)) {
        (void)sync_file_range(t->tar_fd, (off_t)t->flushed, (off_t)(t->bytes - t->flushed),
                              SYNC_FILE_RANGE_WRITE);
        t->flushed = t->bytes;
    }
    *out = t->buf;
    return n;
}

static int run(struct hi_stream *s, struct tee *t, struct herr *e)
{
    struct statvfs vs;
    if (fstatvfs(t->tar_fd, &vs) < 0)
        return herr_sys(e, "statvfs %s", s->tar);
    t->limit = (unsigned long long)vs.f_bavail * vs.f_frsize;
    if (t->limit > HI_MAX_TOTAL_SIZE)
        t->limit = HI_MAX_TOTAL_SIZE;
    struct archive_entry *ent;
    archive_read_support_filter_all(t->in);
    archive_read_support_format_raw(t->in);
    if (archive_read_open_fd(t->in, s->rfd, STREAM_BUF) != ARCHIVE_OK ||
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
    hi_sha_hex(&t->sha, s->diff);
    return 0;
}

static void *thread_main(void *arg)
{
    struct hi_stream *s = arg;
    struct tee t = {.s = s, .in = archive_read_new(), .buf = xmalloc(STREAM_BUF)};
    sha256_init(&t.sha);
    t.tar_fd = open(s->tar, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    s->rc = t.tar_fd < 0 ? herr_sys(&s->e, "create %s", s->tar) : run(s, &t, &s->e);
    /* A failed layer stops its download (the writer gets EPIPE); a good one drains what
     * the registry sends after the compressed stream, so the writer never blocks. */
    if (s->rc == 0) {
        while (read(s->rfd, t.buf, STREAM_BUF) > 0)
            ;
    }
    close(s->rfd);
    s->rfd = -1;
    if (t.tar_fd >= 0)
        close(t.tar_fd);
    archive_read_free(t.in);
    free(t.buf);
    return NULL;
}

int hi_stream_start(struct hi_stream *s, const char *stage, size_t idx, struct herr *e)
{
    int p[2];
    *s = (struct hi_stream){.rfd = -1, .wfd = -1};
    if (pipe2(p, O_CLOEXEC) < 0)
        return herr_sys(e, "pipe");
    /* A larger pipe lets the fetch run ahead of a layer's unpacking. */
    (void)fcntl(p[1], F_SETPIPE_SZ, PIPE_SIZE);
    s->rfd = p[0];
    s->wfd = p[1];
    s->dir = xasprintf("%s/s%zu", stage, idx);
    s->tar = xasprintf("%s/s%zu.tar", stage, idx);
    int err = pthread_create(&s->th, NULL, thread_main, s);
    if (err) {
        close(p[0]);
        close(p[1]);
        s->rfd = s->wfd = -1;
        return herr_set(e, err, "start layer thread");
    }
    s->started = true;
    return 0;
}

int hi_stream_write(struct hi_stream *s, const void *p, size_t n)
{
    return write_all(s->wfd, p, n) < 0 ? -errno : 0;
}

int hi_stream_finish(struct hi_stream *s, struct herr *e)
{
    if (s->wfd >= 0)
        close(s->wfd);
    s->wfd = -1;
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
    free(s->dir);
    free(s->tar);
    s->dir = s->tar = NULL;
}
