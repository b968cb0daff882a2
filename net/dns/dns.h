/* hoist-dns, the DNS responder of one network: the pure parts (packets, the name table
 * read from the network record), shared by the responder and the unit tests. Libc only:
 * the responder is a static executable that lives as long as its network is in use. */
#ifndef HOIST_NET_DNS_H
#define HOIST_NET_DNS_H

#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The executable, found next to hoist (or in its libexec directory). */
#define DNS_EXE "hoist-dns"
/* The resolv.conf whose nameservers and search domains the responder uses, instead of
 * /etc/resolv.conf (tests point it at a fake upstream). */
#define DNS_RESOLV_ENV "HOIST_DNS_RESOLV_CONF"
#define DNS_RESOLV_DEFAULT "/etc/resolv.conf"
/* The caller binds the listening sockets (so that errors reach it) and hands them over
 * as these descriptors. */
#define DNS_UDP_FD 3
#define DNS_TCP_FD 4

/* What hoist-dns runs as once its sockets are bound: nobody/nogroup by number, so it
 * needs no passwd entry (and no NSS in a static executable). */
#define DNS_UID 65534
#define DNS_GID 65534
/* The flags of the reader's one open call, pinned by its filter. */
#define DNS_READER_OPEN (O_RDONLY | O_CLOEXEC | O_NOFOLLOW)

/* Removed containers must vanish from caches at once. */
#define DNS_TTL 0
/* Replies over UDP to clients that did not ask for more (RFC 1035). */
#define DNS_UDP_MAX 512
#define DNS_HDR 12

enum {
    DNS_T_A = 1,
    DNS_T_PTR = 12,
    DNS_T_AAAA = 28,
    DNS_T_ANY = 255,
};

enum {
    DNS_R_OK = 0,
    DNS_R_FORMERR = 1,
    DNS_R_SERVFAIL = 2,
    DNS_R_NXDOMAIN = 3,
    DNS_R_NOTIMP = 4,
    DNS_R_REFUSED = 5,
};

/* Longest name in text form: 253 characters, plus the NUL. */
#define DNS_NAME_MAX 254

struct dns_query {
    uint16_t id;
    uint16_t flags;
    uint16_t qtype;
    uint16_t qclass;
    char name[DNS_NAME_MAX]; /* dotted, no trailing dot, case as sent; "" for the root */
    size_t qend;             /* offset just past the (first) question */
};

/* Decode the name at *off (compression pointers followed, each strictly backwards, so a
 * loop cannot exist) into out as dotted text; *off moves past the name as stored.
 * -1 on anything malformed: truncation, bad label type, too long, a dot or NUL inside
 * a label. */
int dns_name_read(const uint8_t *pkt, size_t len, size_t *off, char out[DNS_NAME_MAX]);
/* Encode dotted text (trailing dot optional) without compression; bytes written, or -1
 * when it does not fit or is not a valid name. */
int dns_name_write(uint8_t *buf, size_t cap, const char *name);
/* A standard query with one question; -1 when malformed (the caller answers FORMERR
 * when at least the header is there, see dns_reply_error). Responses, other opcodes and
 * question counts are left to the caller: they parse as long as the question does. */
int dns_parse_query(const uint8_t *pkt, size_t len, struct dns_query *q);

/* Reply to q with rcode and naddrs A records (addresses in network byte order) and, when
 * ptr is not NULL, a PTR record naming ptr. The question is written again from q, not
 * copied. When the answers do not fit in cap the reply is cut at a whole record with
 * TC set. Returns its length (0 when cap cannot hold even the question). */
size_t dns_reply(const struct dns_query *q, unsigned rcode, const uint32_t *addrs, size_t naddrs,
                 const char *ptr, uint8_t *out, size_t cap);
/* A reply without question or answers (for packets whose question does not parse);
 * 0 when req is shorter than a header or is itself a response. */
size_t dns_reply_error(const uint8_t *req, size_t len, unsigned rcode, uint8_t *out, size_t cap);

/* "d.c.b.a.in-addr.arpa" (any case) → a.b.c.d in network byte order. */
bool dns_ptr_addr(const char *name, uint32_t *addr);

/* The names of a network: every endpoint's Name and Aliases with its IPv4 address. */
struct dns_entry {
    const char *name; /* lower case */
    uint32_t addr;    /* network byte order */
    bool primary;     /* the endpoint's Name (what PTR answers) */
    bool has6;        /* the endpoint has an IPv6Address too */
    uint8_t addr6[16];
};

struct dns_table {
    struct dns_entry *v;
    size_t n;
    char *strings;
};

/* Read the "Containers" map of a network record (docker-inspect shaped JSON). Endpoints
 * without a parsable IPv4Address are left out; anything that is not JSON is an error
 * (-1), and t is then empty. */
int dns_table_parse(const char *json, size_t len, struct dns_table *t);
void dns_table_free(struct dns_table *t);
/* Addresses of name (case-insensitive; a trailing dot and one trailing domain of
 * domains[] are ignored) into out[0..max), duplicates removed. *known tells whether any
 * endpoint holds the name at all (so AAAA gets NOERROR rather than NXDOMAIN). */
size_t dns_table_lookup(const struct dns_table *t, const char *name, const char *const *domains,
                        uint32_t *out, size_t max, bool *known);
/* The IPv6 addresses of the endpoints holding name (those of an IPv6 network). */
size_t dns_table_lookup6(const struct dns_table *t, const char *name, const char *const *domains,
                         uint8_t (*out)[16], size_t max);
/* Reply to q with naddrs AAAA records; the rest as dns_reply. */
size_t dns_reply6(const struct dns_query *q, const uint8_t (*addrs)[16], size_t naddrs,
                  uint8_t *out, size_t cap);
/* The Name of the endpoint holding addr (network byte order), NULL when none. */
const char *dns_table_ptr(const struct dns_table *t, uint32_t addr);

/* Confinement (dns_sandbox.c). Each returns -1 with errno on failure.
 * Switch to DNS_UID/DNS_GID without supplementary groups, keeping only the capabilities
 * in the bit mask keep (effective and permitted; 0 for none); empty the inheritable,
 * ambient and bounding sets; no new privileges; not dumpable. The caller must be root. */
int dns_drop_privileges(uint64_t keep);
/* Install the responder's seccomp filter (after which only its loop's calls are
 * allowed), or the reader's, whose one open call must name dirfd. Sets no-new-privs
 * itself. Without a filter for the architecture built for, these do nothing. */
int dns_seccomp_responder(void);
int dns_seccomp_reader(int dirfd);
/* The reader, hoist-dns's second process, forked while root: drops to DNS_UID keeping
 * CAP_DAC_READ_SEARCH alone, installs its filter, then answers each byte read from sock
 * with an open descriptor of name in dirfd (SCM_RIGHTS) beside 0, or with the errno of
 * the failed open. Exits when sock is closed. */
_Noreturn void dns_reader_run(int sock, int dirfd, const char *name);
/* Ask the reader over sock: *fd is the record, or -1 with *err. -1 when the reader is
 * gone. */
int dns_reader_ask(int sock, int *fd, int *err);

#endif
