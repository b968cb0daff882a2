#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/exe_seal.h"
#include "engine/monitor/mon_internal.h"

int mon_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

void mon_json_escape(const char *s, size_t len, char *out, size_t outlen)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < len && o + 7 < outlen; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c == '\n') {
            out[o++] = '\\';
            out[o++] = 'n';
        } else if (c == '\r') {
            out[o++] = '\\';
            out[o++] = 'r';
        } else if (c == '\t') {
            out[o++] = '\\';
            out[o++] = 't';
        } else if (c < 0x20 || c == 0x7f) {
            memcpy(out + o, "\\u00", 4);
            out[o + 4] = hex[c >> 4];
            out[o + 5] = hex[c & 15];
            o += 6;
        } else {
            out[o++] = (char)c;
        }
    }
    if (outlen)
        out[o < outlen ? o : outlen - 1] = '\0';
}

void mon_now_rfc3339(char *buf, size_t len)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    char base[32];
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    /* "%.20s" and an unsigned in range let gcc see the result fits 40 bytes. */
    snprintf(buf, len, "%.20s.%09uZ", base, (unsigned)(ts.tv_nsec % 1000000000L));
}

static void log_line(int log_fd, int stream, const char *s, size_t len)
{
    /* Worst case every byte becomes \u00XX: six times the input plus the frame. */
    static char esc[6 * sizeof(((struct mon_linebuf *)0)->buf) + 8];
    char now[40], head[128];
    mon_json_escape(s, len, esc, sizeof(esc));
    mon_now_rfc3339(now, sizeof(now));
    int h = snprintf(head, sizeof(head), "\",\"stream\":\"%s\",\"time\":\"%s\"}\n",
                     stream ? "stderr" : "stdout", now);
    /* One write per line keeps lines whole for concurrent readers. */
    size_t elen = strlen(esc);
    char *line = malloc(elen + (size_t)h + 16);
    if (!line)
        return;
    memcpy(line, "{\"log\":\"", 8);
    memcpy(line + 8, esc, elen);
    memcpy(line + 8 + elen, head, (size_t)h);
    mon_write_all(log_fd, line, 8 + elen + (size_t)h);
    free(line);
}

void mon_linebuf_feed(struct mon_linebuf *lb, int log_fd, int stream, const char *buf, size_t len)
{
    while (len) {
        const char *nl = memchr(buf, '\n', len);
        size_t take = nl ? (size_t)(nl - buf) + 1 : len;
        if (lb->len + take > sizeof(lb->buf)) {
            /* A line longer than the buffer is logged in pieces, as docker does. */
            size_t room = sizeof(lb->buf) - lb->len;
            memcpy(lb->buf + lb->len, buf, room);
            log_line(log_fd, stream, lb->buf, sizeof(lb->buf));
            lb->len = 0;
            buf += room;
            len -= room;
            continue;
        }
        memcpy(lb->buf + lb->len, buf, take);
        lb->len += take;
        buf += take;
        len -= take;
        if (nl) {
            log_line(log_fd, stream, lb->buf, lb->len);
            lb->len = 0;
        }
    }
}

void mon_linebuf_flush(struct mon_linebuf *lb, int log_fd, int stream)
{
    if (lb->len)
        log_line(log_fd, stream, lb->buf, lb->len);
    lb->len = 0;
}

int mon_listen(const char *path, int type)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(sa.sun_path, path);
    int s = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -1;
    if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 16) < 0) {
        int saved = errno;
        close(s);
        errno = saved;
        return -1;
    }
    return s;
}

ssize_t mon_recv_fds(int sock, char *buf, size_t len, int *fds, int maxfds, int *nfds)
{
    union {
        char buf[CMSG_SPACE(sizeof(int) * 4)];
        struct cmsghdr align;
    } u;
    struct iovec iov = {.iov_base = buf, .iov_len = len};
    struct msghdr msg = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = u.buf,
        .msg_controllen = sizeof(u.buf),
    };
    ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    *nfds = 0;
    if (n < 0)
        return n;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        int cnt = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        int *got = (int *)CMSG_DATA(c);
        for (int i = 0; i < cnt; i++) {
            if (*nfds < maxfds)
                fds[(*nfds)++] = got[i];
            else
                close(got[i]);
        }
    }
    return n;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

void mon_rm_rf(const char *path)
{
    nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

static long long count_after(const char *path, const char *key)
{
    char buf[4096];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    char *p = strstr(buf, key);
    return p ? atoll(p + strlen(key)) : -1;
}

bool mon_oom_killed(const char *cgroup)
{
    char path[4096];
    snprintf(path, sizeof(path), "/sys/fs/cgroup/memory%s/memory.oom_control", cgroup);
    if (count_after(path, "oom_kill ") > 0)
        return true;
    snprintf(path, sizeof(path), "/sys/fs/cgroup%s/memory.events", cgroup);
    return count_after(path, "oom_kill ") > 0;
}

void mon_exec_runtime(char *const argv[], const char *scratch)
{
    const char *slash = strrchr(argv[0], '/');
    if (strcmp(slash ? slash + 1 : argv[0], "hoist") == 0)
        exe_seal_exec(argv[0], scratch, argv);
    execv(argv[0], argv);
}
