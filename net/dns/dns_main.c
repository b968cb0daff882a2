/* hoist-dns: the DNS responder of one network (see net/README.md). Started by net_attach
 * with its UDP and TCP sockets already bound to the gateway's port 53 (descriptors 3 and
 * 4), it answers the names of the network's endpoints from the network record, re-read
 * when it changes, and relays every other query to the nameservers of the host's
 * resolv.conf. One thread, one poll loop, fixed tables: nothing is allocated per query.
 *
 *   hoist-dns --record PATH --network NAME --subnet A.B.C.D/N [--no-names] [--no-forward]
 *
 * --no-names: answer no endpoint names (docker's default network); --no-forward: relay
 * nothing (internal networks). It exits when the record is gone.
 *
 * Once set up it runs as nobody without capabilities, under a seccomp filter
 * (dns_sandbox.c); a reader process opens the record for it (see sandbox()). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net/dns/dns.h"

#define MAX_SERVERS 3
#define MAX_DOMAINS 7
#define MAX_CONNS 16
#define MAX_FWD 32
#define MAX_ADDRS 64
/* Queries are small; anything larger than this is refused rather than buffered. */
#define QUERY_MAX 1500
/* Upstream answers are relayed as they come, EDNS-sized ones included. */
#define RELAY_MAX 4096
#define SERVER_TIMEOUT_MS 2000
#define CONN_IDLE_MS 10000
/* How often the responder asks for its record even without an inotify event: it exits
 * once the record is gone, and a missed event costs no more than this. */
#define IDLE_CHECK_MS 5000
#define CONN_UDP (-1)
#define CONN_GONE (-2)
/* The reader's name in ps and /proc/PID/comm, so it is told from the responder. */
#define READER_COMM "hoist-dns-read"
/* Renames onto the record (how hoist writes it), its removal, and the directory's own
 * end; events without a name (the directory's, an overflowed queue) count as changes. */
#define WATCH_MASK                                                                                 \
    (IN_MOVED_TO | IN_MOVED_FROM | IN_CLOSE_WRITE | IN_DELETE | IN_ATTRIB | IN_DELETE_SELF |       \
     IN_MOVE_SELF | IN_ONLYDIR)

struct conn {
    int fd;
    size_t have;
    int64_t deadline;
    struct sockaddr_in peer;
    uint8_t buf[2 + QUERY_MAX];
};

/* A query relayed upstream, through a socket of its own connected to the server: the
 * kernel then only delivers that server's answers, and refusals surface as errors.
 * Queries that came over TCP go over TCP (their answers may be larger than UDP's). */
struct fwd {
    int fd;
    unsigned serial; /* of fd: a slot renewed during a poll round ignores that round */
    int conn;        /* as in struct client */
    int server;
    int64_t deadline;
    struct sockaddr_in client;
    uint16_t id;
    size_t qlen;
    bool tcp;
    bool connecting;
    size_t have;     /* TCP: bytes of the answer read, its 2-byte length included */
    uint8_t lenb[2]; /* TCP: the answer's length */
    uint8_t *answer; /* TCP: the one buffer of the answer, once its length is known */
    uint8_t q[QUERY_MAX];
};

static struct {
    const char *record, *network;
    const char *record_name; /* its last component, what the reader opens */
    int reader;              /* socket to the reader */
    pid_t reader_pid;
    int watch;             /* inotify on the record's directory */
    uint32_t subnet, mask; /* network byte order */
    bool names, forward;
    struct sockaddr_storage servers[MAX_SERVERS];
    socklen_t server_len[MAX_SERVERS];
    int nservers;
    char domain_buf[MAX_DOMAINS][DNS_NAME_MAX];
    const char *domains[MAX_DOMAINS + 2]; /* the network's name, the search list, NULL */
    struct dns_table table;
    struct timespec mtime;
    ino_t ino;
    struct conn conns[MAX_CONNS];
    struct fwd fwds[MAX_FWD];
    uint8_t reply[RELAY_MAX];
} g;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Nameservers and search domains, read once at start like a libc resolver does. */
static void read_resolv_conf(void)
{
    const char *path = getenv(DNS_RESOLV_ENV);
    FILE *f = fopen(path && *path ? path : DNS_RESOLV_DEFAULT, "re");
    int ndom = 0;
    g.domains[0] = g.network;
    if (f) {
        char line[1024];
        while (fgets(line, sizeof(line), f)) {
            char *save = NULL, *key = strtok_r(line, " \t\r\n", &save);
            if (!key || key[0] == '#' || key[0] == ';')
                continue;
            char *val;
            if (strcmp(key, "nameserver") == 0 && (val = strtok_r(NULL, " \t\r\n", &save)) &&
                g.nservers < MAX_SERVERS) {
                struct sockaddr_in *a = (struct sockaddr_in *)&g.servers[g.nservers];
                struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&g.servers[g.nservers];
                if (inet_pton(AF_INET, val, &a->sin_addr) == 1) {
                    a->sin_family = AF_INET;
                    a->sin_port = htons(53);
                    g.server_len[g.nservers++] = sizeof(*a);
                } else if (inet_pton(AF_INET6, val, &a6->sin6_addr) == 1) {
                    a6->sin6_family = AF_INET6;
                    a6->sin6_port = htons(53);
                    g.server_len[g.nservers++] = sizeof(*a6);
                }
            } else if (strcmp(key, "search") == 0 || strcmp(key, "domain") == 0) {
                /* The last search or domain line wins, as in glibc. */
                ndom = 0;
                while ((val = strtok_r(NULL, " \t\r\n", &save)) && ndom < MAX_DOMAINS)
                    snprintf(g.domain_buf[ndom++], DNS_NAME_MAX, "%s", val);
            }
        }
        fclose(f);
    }
    for (int i = 0; i < ndom; i++)
        g.domains[1 + i] = g.domain_buf[i];
    g.domains[1 + ndom] = NULL;
}

/* The reader goes first, so that nothing of hoist-dns outlives the responder (net_dns_stop
 * waits for this process only). _exit: once sandboxed nothing may run at exit (the
 * sanitizers' leak check stops the world with ptrace, which neither the filter nor
 * non-dumpable permits). */
static _Noreturn void quit(int code)
{
    if (g.reader >= 0)
        close(g.reader);
    while (g.reader_pid > 0 && waitpid(g.reader_pid, NULL, 0) < 0 && errno == EINTR)
        ;
    _exit(code);
}

static void on_term(int sig)
{
    (void)sig;
    quit(0);
}

/* Re-read the record when it was replaced or touched; false when it is gone (or the
 * reader is, and it can never be read again). */
static bool refresh(void)
{
    int fd, err = 0;
    if (dns_reader_ask(g.reader, &fd, &err) < 0)
        return false;
    if (fd < 0)
        return err != ENOENT;
    struct stat st;
    if (fstat(fd, &st) < 0 || !g.names ||
        (st.st_ino == g.ino && st.st_mtim.tv_sec == g.mtime.tv_sec &&
         st.st_mtim.tv_nsec == g.mtime.tv_nsec)) {
        close(fd);
        return true;
    }
    char *buf = malloc((size_t)st.st_size + 1);
    size_t have = 0;
    ssize_t n = 0;
    while (buf && have < (size_t)st.st_size &&
           ((n = read(fd, buf + have, (size_t)st.st_size - have)) > 0 || (n < 0 && errno == EINTR)))
        have += n > 0 ? (size_t)n : 0;
    close(fd);
    struct dns_table t;
    /* A record that does not parse keeps the last good table. */
    if (buf && dns_table_parse(buf, have, &t) == 0) {
        dns_table_free(&g.table);
        g.table = t;
        g.ino = st.st_ino;
        g.mtime = st.st_mtim;
    }
    free(buf);
    return true;
}

/* Whether the queued inotify events say the record may have changed. */
static bool record_events(void)
{
    _Alignas(struct inotify_event) char buf[4096];
    bool hit = false;
    ssize_t n;
    while ((n = read(g.watch, buf, sizeof(buf))) > 0) {
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            if (ev->len == 0 || strcmp(ev->name, g.record_name) == 0)
                hit = true;
            p += sizeof(*ev) + ev->len;
        }
    }
    return hit;
}

/* The record lives under hoist's --root, which only root may search, and may itself be
 * readable by root only: once nobody, the responder cannot open it. A reader process,
 * forked while root, keeps a descriptor of the record's directory and of all privileges
 * CAP_DAC_READ_SEARCH alone, and hands the responder an open descriptor of the record
 * on request; it never sees a packet. Records are replaced by rename, so a descriptor of
 * the record itself would go stale; an inotify watch on the directory, set while root,
 * tells the responder when to ask. */
static int sandbox(void)
{
    char dir[4096] = ".";
    const char *slash = strrchr(g.record, '/');
    g.record_name = slash ? slash + 1 : g.record;
    if (slash)
        snprintf(dir, sizeof(dir), "%.*s", slash == g.record ? 1 : (int)(slash - g.record),
                 g.record);
    int sv[2];
    g.watch = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (g.watch < 0 || inotify_add_watch(g.watch, dir, WATCH_MASK) < 0 ||
        socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return -1;
    g.reader = sv[0];
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0)
        return -1;
    g.reader_pid = fork();
    if (g.reader_pid < 0)
        return -1;
    if (g.reader_pid == 0) {
        close(sv[0]);
        close(g.watch);
        close(DNS_UDP_FD);
        close(DNS_TCP_FD);
        prctl(PR_SET_NAME, READER_COMM, 0, 0, 0);
        dns_reader_run(sv[1], dirfd, g.record_name);
    }
    close(sv[1]);
    close(dirfd);
    struct sigaction sa = {.sa_handler = on_term};
    if (sigaction(SIGTERM, &sa, NULL) < 0)
        return -1;
    return dns_drop_privileges(0) < 0 || dns_seccomp_responder() < 0 ? -1 : 0;
}

/* Queries of the connection still upstream are answered nowhere: the slot may be reused
 * by another client before the answer comes. */
static void close_conn(int ci)
{
    close_fd(&g.conns[ci].fd);
    for (int i = 0; i < MAX_FWD; i++)
        if (g.fwds[i].fd >= 0 && g.fwds[i].conn == ci)
            g.fwds[i].conn = CONN_GONE;
}

static void send_conn(int ci, const uint8_t *msg, size_t len)
{
    struct conn *c = &g.conns[ci];
    uint8_t lenb[2] = {(uint8_t)(len >> 8), (uint8_t)len};
    struct iovec iov[2] = {{lenb, 2}, {(void *)msg, len}};
    struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
    if (sendmsg(c->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)(len + 2))
        close_conn(ci);
}

/* Where a reply goes: a UDP client's address, or a TCP connection. */
struct client {
    int conn; /* index into g.conns, CONN_UDP or CONN_GONE */
    const struct sockaddr_in *addr;
};

static void send_to(const struct client *cl, const uint8_t *msg, size_t len)
{
    if (len == 0 || cl->conn == CONN_GONE)
        return;
    if (cl->conn >= 0) {
        send_conn(cl->conn, msg, len);
        return;
    }
    sendto(DNS_UDP_FD, msg, len, MSG_DONTWAIT, (const struct sockaddr *)cl->addr,
           sizeof(*cl->addr));
}

/* SERVFAIL with the question: resolvers match answers to queries by it. */
static void servfail(const uint8_t *pkt, size_t len, const struct client *cl)
{
    struct dns_query q;
    size_t max = cl->conn == CONN_UDP ? DNS_UDP_MAX : RELAY_MAX;
    send_to(cl, g.reply,
            dns_parse_query(pkt, len, &q) == 0
                ? dns_reply(&q, DNS_R_SERVFAIL, NULL, 0, NULL, g.reply, max)
                : dns_reply_error(pkt, len, DNS_R_SERVFAIL, g.reply, max));
}

static void fwd_done(struct fwd *f)
{
    close_fd(&f->fd);
    free(f->answer);
    f->answer = NULL;
}

static void fwd_fail(struct fwd *f)
{
    struct client cl = {f->conn, &f->client};
    servfail(f->q, f->qlen, &cl);
    fwd_done(f);
}

static bool tcp_send_query(struct fwd *f)
{
    uint8_t lenb[2] = {(uint8_t)(f->qlen >> 8), (uint8_t)f->qlen};
    struct iovec iov[2] = {{lenb, 2}, {f->q, f->qlen}};
    struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
    f->connecting = false;
    return sendmsg(f->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)(f->qlen + 2);
}

/* Send f's query to its next server; false when none is left or reachable. */
static bool fwd_next(struct fwd *f)
{
    for (f->server++; f->server < g.nservers; f->server++) {
        fwd_done(f);
        f->have = 0;
        const struct sockaddr *sa = (const struct sockaddr *)&g.servers[f->server];
        int type = f->tcp ? SOCK_STREAM : SOCK_DGRAM;
        f->fd = socket(sa->sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        f->serial++;
        if (f->fd < 0)
            continue;
        int c = connect(f->fd, sa, g.server_len[f->server]);
        bool ok;
        if (!f->tcp)
            ok = c == 0 && send(f->fd, f->q, f->qlen, MSG_NOSIGNAL) == (ssize_t)f->qlen;
        else if (c < 0 && errno == EINPROGRESS)
            ok = f->connecting = true;
        else
            ok = c == 0 && tcp_send_query(f);
        if (ok) {
            f->deadline = now_ms() + SERVER_TIMEOUT_MS;
            return true;
        }
    }
    fwd_done(f);
    return false;
}

static void forward(const uint8_t *pkt, size_t len, const struct client *cl)
{
    struct fwd *f = NULL;
    for (int i = 0; i < MAX_FWD && !f; i++)
        if (g.fwds[i].fd < 0)
            f = &g.fwds[i];
    if (!g.forward || !f || len > QUERY_MAX) {
        servfail(pkt, len, cl);
        return;
    }
    memcpy(f->q, pkt, len);
    f->qlen = len;
    f->id = (uint16_t)(pkt[0] << 8 | pkt[1]);
    f->conn = cl->conn;
    f->tcp = cl->conn >= 0;
    if (cl->addr)
        f->client = *cl->addr;
    f->server = -1;
    if (!fwd_next(f))
        fwd_fail(f);
}

static void fwd_readable(struct fwd *f)
{
    ssize_t n = recv(f->fd, g.reply, sizeof(g.reply), MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    /* A refusal (ICMP unreachable) moves on to the next server. */
    if (n < 0) {
        if (!fwd_next(f))
            fwd_fail(f);
        return;
    }
    if (n < DNS_HDR || (uint16_t)(g.reply[0] << 8 | g.reply[1]) != f->id)
        return;
    struct client cl = {f->conn, &f->client};
    send_to(&cl, g.reply, (size_t)n);
    fwd_done(f);
}

static void fwd_tcp_readable(struct fwd *f)
{
    size_t alen = (size_t)f->lenb[0] << 8 | f->lenb[1];
    uint8_t *dst = f->have < 2 ? f->lenb + f->have : f->answer + f->have - 2;
    size_t want = f->have < 2 ? 2 - f->have : alen + 2 - f->have;
    ssize_t n = recv(f->fd, dst, want, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0)
        goto next;
    f->have += (size_t)n;
    if (f->have < 2)
        return;
    alen = (size_t)f->lenb[0] << 8 | f->lenb[1];
    if (!f->answer && (alen < DNS_HDR || !(f->answer = malloc(alen))))
        goto next;
    if (f->have < alen + 2)
        return;
    if ((uint16_t)(f->answer[0] << 8 | f->answer[1]) != f->id)
        goto next;
    struct client cl = {f->conn, &f->client};
    send_to(&cl, f->answer, alen);
    fwd_done(f);
    return;
next:
    if (!fwd_next(f))
        fwd_fail(f);
}

static void fwd_event(struct fwd *f)
{
    if (f->connecting) {
        int err = 0;
        socklen_t l = sizeof(err);
        if (getsockopt(f->fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0 || err || !tcp_send_query(f))
            if (!fwd_next(f))
                fwd_fail(f);
        return;
    }
    if (f->tcp)
        fwd_tcp_readable(f);
    else
        fwd_readable(f);
}

/* The network's endpoints and the host itself may learn its names. The host's own
 * queries can come from any of its addresses (masquerading of the networks' subnets
 * also rewrites those that go through lo): an address the host can bind is the host's. */
static bool may_see_names(const struct sockaddr_in *a)
{
    if ((a->sin_addr.s_addr & g.mask) == g.subnet)
        return true;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in local = {.sin_family = AF_INET, .sin_addr = a->sin_addr};
    bool ok = fd >= 0 && bind(fd, (struct sockaddr *)&local, sizeof(local)) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

static void handle(const uint8_t *pkt, size_t len, const struct client *cl, size_t reply_max)
{
    struct dns_query q;
    if (len < DNS_HDR || (pkt[2] & 0x80))
        return;
    if (dns_parse_query(pkt, len, &q) < 0) {
        send_to(cl, g.reply, dns_reply_error(pkt, len, DNS_R_FORMERR, g.reply, reply_max));
        return;
    }
    if (q.flags & 0x7800) {
        send_to(cl, g.reply, dns_reply(&q, DNS_R_NOTIMP, NULL, 0, NULL, g.reply, reply_max));
        return;
    }
    /* A container of another network asking this gateway gets the relay only. */
    if (g.names && q.qclass == 1 && may_see_names(cl->addr)) {
        uint32_t addrs[MAX_ADDRS], ptr_addr;
        bool known;
        if (q.qtype == DNS_T_PTR && dns_ptr_addr(q.name, &ptr_addr) &&
            (ptr_addr & g.mask) == g.subnet) {
            const char *name = dns_table_ptr(&g.table, ptr_addr);
            char fqdn[DNS_NAME_MAX];
            if (name)
                snprintf(fqdn, sizeof(fqdn), "%s.%s", name, g.network);
            send_to(cl, g.reply,
                    dns_reply(&q, name ? DNS_R_OK : DNS_R_NXDOMAIN, NULL, 0, name ? fqdn : NULL,
                              g.reply, reply_max));
            return;
        }
        size_t n = dns_table_lookup(&g.table, q.name, g.domains, addrs, MAX_ADDRS, &known);
        if (known && q.qtype == DNS_T_AAAA) {
            uint8_t addrs6[MAX_ADDRS][16];
            size_t n6 = dns_table_lookup6(&g.table, q.name, g.domains, addrs6, MAX_ADDRS);
            send_to(cl, g.reply,
                    dns_reply6(&q, (const uint8_t(*)[16])addrs6, n6, g.reply, reply_max));
            return;
        }
        if (known) {
            bool a = q.qtype == DNS_T_A || q.qtype == DNS_T_ANY;
            send_to(cl, g.reply,
                    dns_reply(&q, DNS_R_OK, addrs, a ? n : 0, NULL, g.reply, reply_max));
            return;
        }
    }
    forward(pkt, len, cl);
}

static void udp_readable(void)
{
    uint8_t pkt[QUERY_MAX];
    for (int i = 0; i < 64; i++) {
        struct sockaddr_in from;
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(DNS_UDP_FD, pkt, sizeof(pkt), MSG_DONTWAIT | MSG_TRUNC,
                             (struct sockaddr *)&from, &fl);
        if (n < 0)
            return;
        if ((size_t)n > sizeof(pkt) || from.sin_family != AF_INET)
            continue;
        struct client cl = {CONN_UDP, &from};
        handle(pkt, (size_t)n, &cl, DNS_UDP_MAX);
    }
}

static void tcp_accept(void)
{
    struct sockaddr_in peer;
    socklen_t pl = sizeof(peer);
    int fd = accept4(DNS_TCP_FD, (struct sockaddr *)&peer, &pl, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    for (int i = 0; i < MAX_CONNS; i++) {
        if (g.conns[i].fd < 0) {
            g.conns[i] = (struct conn){.fd = fd, .peer = peer, .deadline = now_ms() + CONN_IDLE_MS};
            return;
        }
    }
    close(fd);
}

static void conn_readable(int ci)
{
    struct conn *c = &g.conns[ci];
    ssize_t n = read(c->fd, c->buf + c->have, sizeof(c->buf) - c->have);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        close_conn(ci);
        return;
    }
    c->have += (size_t)n;
    c->deadline = now_ms() + CONN_IDLE_MS;
    while (c->fd >= 0 && c->have >= 2) {
        size_t len = (size_t)c->buf[0] << 8 | c->buf[1];
        if (len > QUERY_MAX) {
            close_conn(ci);
            return;
        }
        if (c->have < 2 + len)
            return;
        struct client cl = {ci, &c->peer};
        handle(c->buf + 2, len, &cl, RELAY_MAX);
        memmove(c->buf, c->buf + 2 + len, c->have - 2 - len);
        c->have -= 2 + len;
    }
}

static int usage(void)
{
    fprintf(stderr, "hoist-dns: invalid arguments (started by hoist only)\n");
    return 2;
}

static int parse_args(int argc, char **argv)
{
    g.names = g.forward = true;
    const char *subnet = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--no-names") == 0) {
            g.names = false;
        } else if (strcmp(a, "--no-forward") == 0) {
            g.forward = false;
        } else if (v && strcmp(a, "--record") == 0) {
            g.record = v, i++;
        } else if (v && strcmp(a, "--network") == 0) {
            g.network = v, i++;
        } else if (v && strcmp(a, "--subnet") == 0) {
            subnet = v, i++;
        } else {
            return -1;
        }
    }
    if (!g.record || !g.network || !subnet)
        return -1;
    char addr[16];
    unsigned len;
    int used = 0;
    if (sscanf(subnet, "%15[0-9.]/%u%n", addr, &len, &used) != 2 || subnet[used] || len > 32 ||
        inet_pton(AF_INET, addr, &g.subnet) != 1)
        return -1;
    g.mask = htonl(len ? ~0u << (32 - len) : 0);
    g.subnet &= g.mask;
    return 0;
}

int main(int argc, char **argv)
{
    if (parse_args(argc, argv) < 0)
        return usage();
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    read_resolv_conf();
    for (int i = 0; i < MAX_CONNS; i++)
        g.conns[i].fd = -1;
    for (int i = 0; i < MAX_FWD; i++)
        g.fwds[i].fd = -1;
    g.reader = -1;
    if (sandbox() < 0)
        quit(1);
    if (!refresh())
        quit(0);

    struct pollfd p[3 + MAX_CONNS + MAX_FWD];
    int idx[3 + MAX_CONNS + MAX_FWD];
    unsigned serial[3 + MAX_CONNS + MAX_FWD];
    int64_t last_check = now_ms();
    for (;;) {
        int n = 0;
        int64_t now = now_ms(), wake = last_check + IDLE_CHECK_MS;
        p[n++] = (struct pollfd){.fd = DNS_UDP_FD, .events = POLLIN};
        p[n++] = (struct pollfd){.fd = DNS_TCP_FD, .events = POLLIN};
        p[n++] = (struct pollfd){.fd = g.watch, .events = POLLIN};
        for (int i = 0; i < MAX_CONNS; i++) {
            struct conn *c = &g.conns[i];
            if (c->fd >= 0 && c->deadline <= now)
                close_conn(i);
            if (c->fd < 0)
                continue;
            wake = c->deadline < wake ? c->deadline : wake;
            idx[n] = i;
            p[n++] = (struct pollfd){.fd = c->fd, .events = POLLIN};
        }
        for (int i = 0; i < MAX_FWD; i++) {
            struct fwd *f = &g.fwds[i];
            if (f->fd >= 0 && f->deadline <= now && !fwd_next(f))
                fwd_fail(f);
            if (f->fd < 0)
                continue;
            wake = f->deadline < wake ? f->deadline : wake;
            idx[n] = MAX_CONNS + i;
            serial[n] = f->serial;
            p[n++] = (struct pollfd){.fd = f->fd, .events = f->connecting ? POLLOUT : POLLIN};
        }
        int r = poll(p, (nfds_t)n, wake > now ? (int)(wake - now) : 0);
        if (r < 0 && errno != EINTR)
            quit(1);
        now = now_ms();
        /* Lookups see the record as it is now: its writer renamed it before it told
         * anyone of the change, so the event is here before any query that follows.
         * Every few seconds the responder also checks that it is still wanted. */
        if ((r > 0 && p[2].revents && record_events()) || now - last_check >= IDLE_CHECK_MS) {
            last_check = now;
            if (!refresh())
                quit(0);
        }
        if (r <= 0)
            continue;
        for (int i = 3; i < n; i++) {
            if (!p[i].revents)
                continue;
            if (idx[i] < MAX_CONNS)
                conn_readable(idx[i]);
            else if (g.fwds[idx[i] - MAX_CONNS].fd >= 0 &&
                     g.fwds[idx[i] - MAX_CONNS].serial == serial[i])
                fwd_event(&g.fwds[idx[i] - MAX_CONNS]);
        }
        if (p[0].revents)
            udp_readable();
        if (p[1].revents)
            tcp_accept();
    }
}
