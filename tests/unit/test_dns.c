/* The DNS responder's pure parts: names and queries from untrusted bytes, replies, the
 * name table read from a network record, lookups. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "net/dns/dns.h"

static uint32_t A(const char *s)
{
    uint32_t a;
    assert_int_equal(inet_pton(AF_INET, s, &a), 1);
    return a;
}

/* A query for name/type with id 0x1234 and RD set; returns its length. */
static size_t mkquery(uint8_t *buf, const char *name, uint16_t type)
{
    uint8_t hdr[DNS_HDR] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
    memcpy(buf, hdr, DNS_HDR);
    int n = dns_name_write(buf + DNS_HDR, 300, name);
    assert_true(n > 0);
    uint8_t *p = buf + DNS_HDR + n;
    p[0] = (uint8_t)(type >> 8);
    p[1] = (uint8_t)type;
    p[2] = 0;
    p[3] = 1;
    return DNS_HDR + (size_t)n + 4;
}

static int read_name(const uint8_t *pkt, size_t len, size_t off, char *out, size_t *end)
{
    size_t o = off;
    int r = dns_name_read(pkt, len, &o, out);
    if (end)
        *end = o;
    return r;
}

static void test_name_read(void **state)
{
    (void)state;
    char out[DNS_NAME_MAX];
    size_t end;
    /* www.Example.com at 12, then "mail" + pointer to "Example.com" at 16. */
    const uint8_t pkt[] = {0, 0,   0,   0,   0, 0,   0,   0,   0,   0,   0,    0,
                           3, 'w', 'w', 'w', 7, 'E', 'x', 'a', 'm', 'p', 'l',  'e',
                           3, 'c', 'o', 'm', 0, 4,   'm', 'a', 'i', 'l', 0xc0, 16};
    assert_int_equal(read_name(pkt, sizeof(pkt), 12, out, &end), 0);
    assert_string_equal(out, "www.Example.com");
    assert_int_equal(end, 29);
    assert_int_equal(read_name(pkt, sizeof(pkt), 29, out, &end), 0);
    assert_string_equal(out, "mail.Example.com");
    assert_int_equal(end, sizeof(pkt));
    /* The root name. */
    const uint8_t root[] = {0};
    assert_int_equal(read_name(root, 1, 0, out, &end), 0);
    assert_string_equal(out, "");
    assert_int_equal(end, 1);

    /* Truncated: inside a label, before the terminator, half a pointer. */
    for (size_t cut = 12; cut < 29; cut++)
        assert_int_equal(read_name(pkt, cut, 12, out, NULL), -1);
    assert_int_equal(read_name(pkt, sizeof(pkt) - 1, 29, out, NULL), -1);
    /* A pointer to itself, forwards, and a loop of two. */
    const uint8_t self[] = {0xc0, 0};
    assert_int_equal(read_name(self, 2, 0, out, NULL), -1);
    const uint8_t fwd[] = {0xc0, 2, 1, 'a', 0};
    assert_int_equal(read_name(fwd, sizeof(fwd), 0, out, NULL), -1);
    const uint8_t loop[] = {1, 'a', 0xc0, 4, 1, 'b', 0xc0, 0};
    assert_int_equal(read_name(loop, sizeof(loop), 4, out, NULL), -1);
    /* A label that reads forward again into the pointer that led to it. */
    const uint8_t back[] = {1, 'a', 0xc0, 0};
    assert_int_equal(read_name(back, sizeof(back), 2, out, NULL), -1);
    /* Reserved label types, a dot or NUL inside a label. */
    const uint8_t ext[] = {0x40, 0};
    assert_int_equal(read_name(ext, 2, 0, out, NULL), -1);
    const uint8_t dot[] = {3, 'a', '.', 'b', 0};
    assert_int_equal(read_name(dot, sizeof(dot), 0, out, NULL), -1);
    const uint8_t nul[] = {3, 'a', 0, 'b', 0};
    assert_int_equal(read_name(nul, sizeof(nul), 0, out, NULL), -1);

    /* 255 bytes on the wire is the most: four labels of 63 and one of 0..1. */
    uint8_t big[400];
    size_t o = 0;
    for (int i = 0; i < 4; i++) {
        big[o++] = 63;
        memset(big + o, 'x', 63);
        o += 63;
    }
    big[o] = 0;
    /* 4*64 + 1 = 257 bytes: too long. */
    assert_int_equal(read_name(big, o + 1, 0, out, NULL), -1);
    big[3 * 64] = 61;
    big[3 * 64 + 62] = 0;
    /* 3*64 + 62 + 1 = 255: the longest name, 253 characters. */
    assert_int_equal(read_name(big, sizeof(big), 0, out, &end), 0);
    assert_int_equal(strlen(out), 253);
    assert_int_equal(end, 255);
}

static void test_name_write(void **state)
{
    (void)state;
    uint8_t buf[300];
    assert_int_equal(dns_name_write(buf, sizeof(buf), "a.bc"), 6);
    assert_memory_equal(buf, "\1a\2bc", 6);
    assert_int_equal(dns_name_write(buf, sizeof(buf), "a.bc."), 6);
    assert_int_equal(dns_name_write(buf, sizeof(buf), ""), 1);
    assert_int_equal(dns_name_write(buf, sizeof(buf), "."), 1);
    assert_int_equal(buf[0], 0);
    const char *bad[] = {"..", "a..b", ".a", "a..", "a.b.."};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
        assert_int_equal(dns_name_write(buf, sizeof(buf), bad[i]), -1);
    char label[70];
    memset(label, 'x', 64);
    label[64] = '\0';
    assert_int_equal(dns_name_write(buf, sizeof(buf), label), -1);
    label[63] = '\0';
    assert_int_equal(dns_name_write(buf, sizeof(buf), label), 65);
    /* Does not fit the buffer. */
    assert_int_equal(dns_name_write(buf, 5, "abcd"), -1);
    assert_int_equal(dns_name_write(buf, 6, "abcd"), 6);
    /* 254 characters is one too many. */
    char name[300];
    memset(name, 'y', 254);
    for (int i = 63; i < 254; i += 64)
        name[i] = '.';
    name[254] = '\0';
    assert_int_equal(dns_name_write(buf, sizeof(buf), name), -1);
    name[253] = '\0';
    assert_int_equal(dns_name_write(buf, sizeof(buf), name), 255);
    /* Round trip. */
    char out[DNS_NAME_MAX];
    size_t off = 0;
    assert_int_equal(dns_name_read(buf, 255, &off, out), 0);
    assert_string_equal(out, name);
}

static void test_parse_query(void **state)
{
    (void)state;
    uint8_t buf[512];
    struct dns_query q;
    size_t len = mkquery(buf, "Web.front", DNS_T_A);
    assert_int_equal(dns_parse_query(buf, len, &q), 0);
    assert_int_equal(q.id, 0x1234);
    assert_int_equal(q.flags, 0x0100);
    assert_int_equal(q.qtype, DNS_T_A);
    assert_int_equal(q.qclass, 1);
    assert_int_equal(q.qend, len);
    assert_string_equal(q.name, "Web.front");
    /* Every truncation is refused. */
    for (size_t cut = 0; cut < len; cut++)
        assert_int_equal(dns_parse_query(buf, cut, &q), -1);
    /* No question, two questions. */
    buf[5] = 0;
    assert_int_equal(dns_parse_query(buf, len, &q), -1);
    buf[5] = 2;
    assert_int_equal(dns_parse_query(buf, len, &q), -1);
}

/* The A addresses of a reply, after checking its header and question. */
static size_t reply_addrs(const uint8_t *r, size_t len, unsigned *rcode, bool *tc, uint32_t *out)
{
    assert_true(len >= DNS_HDR);
    assert_int_equal(r[0], 0x12);
    assert_int_equal(r[1], 0x34);
    assert_true(r[2] & 0x80); /* QR */
    assert_true(r[2] & 0x01); /* RD copied */
    *rcode = r[3] & 0xf;
    *tc = r[2] & 0x02;
    size_t an = (size_t)r[6] << 8 | r[7], off = DNS_HDR, n = 0;
    char name[DNS_NAME_MAX];
    if (r[5] == 1) {
        assert_int_equal(dns_name_read(r, len, &off, name), 0);
        off += 4;
    }
    for (size_t i = 0; i < an; i++) {
        assert_int_equal(dns_name_read(r, len, &off, name), 0);
        assert_true(off + 10 <= len);
        unsigned type = (unsigned)r[off] << 8 | r[off + 1];
        unsigned rdlen = (unsigned)r[off + 8] << 8 | r[off + 9];
        assert_int_equal(r[off + 4] | r[off + 5] | r[off + 6] | r[off + 7], DNS_TTL);
        off += 10;
        assert_true(off + rdlen <= len);
        if (type == DNS_T_A) {
            assert_int_equal(rdlen, 4);
            memcpy(&out[n++], r + off, 4);
        }
        off += rdlen;
    }
    assert_int_equal(off, len);
    return n;
}

static void test_reply(void **state)
{
    (void)state;
    uint8_t req[512], out[512];
    struct dns_query q;
    size_t len = mkquery(req, "web", DNS_T_A);
    assert_int_equal(dns_parse_query(req, len, &q), 0);
    uint32_t addrs[40], got[40];
    for (int i = 0; i < 40; i++)
        addrs[i] = htonl(0x0a000002 + (uint32_t)i);
    unsigned rcode;
    bool tc;
    size_t n = dns_reply(&q, DNS_R_OK, addrs, 2, NULL, out, sizeof(out));
    assert_int_equal(reply_addrs(out, n, &rcode, &tc, got), 2);
    assert_int_equal(rcode, 0);
    assert_false(tc);
    assert_memory_equal(got, addrs, 8);
    /* 40 answers do not fit in 512 bytes: whole records only, and TC. */
    n = dns_reply(&q, DNS_R_OK, addrs, 40, NULL, out, DNS_UDP_MAX);
    assert_true(n <= DNS_UDP_MAX);
    size_t fit = reply_addrs(out, n, &rcode, &tc, got);
    assert_true(fit > 20 && fit < 40);
    assert_true(tc);
    /* No room for the question. */
    assert_int_equal(dns_reply(&q, DNS_R_OK, addrs, 1, NULL, out, DNS_HDR + 3), 0);
    /* NXDOMAIN and an empty NOERROR. */
    n = dns_reply(&q, DNS_R_NXDOMAIN, NULL, 0, NULL, out, sizeof(out));
    assert_int_equal(reply_addrs(out, n, &rcode, &tc, got), 0);
    assert_int_equal(rcode, DNS_R_NXDOMAIN);
    /* PTR. */
    len = mkquery(req, "3.0.77.10.in-addr.arpa", DNS_T_PTR);
    assert_int_equal(dns_parse_query(req, len, &q), 0);
    n = dns_reply(&q, DNS_R_OK, NULL, 0, "db.front", out, sizeof(out));
    assert_int_equal(reply_addrs(out, n, &rcode, &tc, got), 0);
    assert_int_equal(out[7], 1);
    assert_memory_equal(out + n - 10, "\2db\5front\0", 10);

    /* Errors for what does not parse: header only, the id kept. */
    n = dns_reply_error(req, len, DNS_R_FORMERR, out, sizeof(out));
    assert_int_equal(n, DNS_HDR);
    assert_int_equal(reply_addrs(out, n, &rcode, &tc, got), 0);
    assert_int_equal(rcode, DNS_R_FORMERR);
    assert_int_equal(dns_reply_error(req, DNS_HDR - 1, DNS_R_FORMERR, out, sizeof(out)), 0);
    req[2] |= 0x80;
    assert_int_equal(dns_reply_error(req, len, DNS_R_FORMERR, out, sizeof(out)), 0);
}

static void test_ptr_addr(void **state)
{
    (void)state;
    uint32_t a;
    assert_true(dns_ptr_addr("3.0.77.10.in-addr.arpa", &a));
    assert_int_equal(a, A("10.77.0.3"));
    assert_true(dns_ptr_addr("255.255.0.1.IN-ADDR.ARPA.", &a));
    assert_int_equal(a, A("1.0.255.255"));
    const char *bad[] = {"3.0.77.in-addr.arpa",       "256.0.77.10.in-addr.arpa",
                         "3.0.77.10.in-addr.org",     "3.0.77.10",
                         "1000.0.77.10.in-addr.arpa", "a.0.77.10.in-addr.arpa",
                         "3..77.10.in-addr.arpa",     "3.0.77.10.0.in-addr.arpa"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
        assert_false(dns_ptr_addr(bad[i], &a));
}

static const char RECORD[] =
    "{\"Name\": \"front\", \"Id\": \"abc\", \"IPAM\": {\"Config\": [{\"Subnet\": "
    "\"10.77.0.0/24\"}]},"
    " \"Labels\": {\"x\": [1, 2.5e3, true, null, {\"y\": \"\\\"z\\u0041\"}]},"
    " \"Containers\": {"
    "  \"c1\": {\"Name\": \"Web\", \"EndpointID\": \"e1\", \"IPv4Address\": \"10.77.0.2/24\","
    "          \"Aliases\": [\"www\", \"web-1\", \"\\u0061pi\"], \"Ports\": {\"80/tcp\": []}},"
    "  \"c2\": {\"Aliases\": [\"www\", \"db\"], \"Name\": \"db\", \"IPv4Address\": "
    "\"10.77.0.3/24\"},"
    "  \"c3\": {\"Name\": \"noaddr\", \"Aliases\": [\"www\"], \"IPv4Address\": \"\"},"
    "  \"c4\": {\"Name\": \"\", \"Aliases\": [\"anon\"], \"IPv4Address\": \"10.77.0.9/24\"}"
    " },"
    " \"Options\": {}}";

static void test_table(void **state)
{
    (void)state;
    struct dns_table t;
    assert_int_equal(dns_table_parse(RECORD, strlen(RECORD), &t), 0);
    const char *doms[] = {"front", "corp.example.", NULL};
    uint32_t out[8];
    bool known;
    assert_int_equal(dns_table_lookup(&t, "web", doms, out, 8, &known), 1);
    assert_true(known);
    assert_int_equal(out[0], A("10.77.0.2"));
    const char *same[] = {"WEB", "web.", "Web.Front", "web.front.", "web.corp.example",
                          "api", "web-1"};
    for (size_t i = 0; i < sizeof(same) / sizeof(*same); i++) {
        assert_int_equal(dns_table_lookup(&t, same[i], doms, out, 8, &known), 1);
        assert_int_equal(out[0], A("10.77.0.2"));
    }
    /* A shared alias answers every holder once; the endpoint without address is out. */
    assert_int_equal(dns_table_lookup(&t, "www", doms, out, 8, &known), 2);
    assert_int_equal(out[0], A("10.77.0.2"));
    assert_int_equal(out[1], A("10.77.0.3"));
    assert_int_equal(dns_table_lookup(&t, "www", doms, out, 1, &known), 1);
    assert_int_equal(dns_table_lookup(&t, "db", doms, out, 8, &known), 1);
    assert_int_equal(out[0], A("10.77.0.3"));
    const char *unknown[] = {"noaddr",       "we",    "webb", "web.other", "web.front.x", "x.web",
                             "corp.example", "front", "",     "c1",        "e1"};
    for (size_t i = 0; i < sizeof(unknown) / sizeof(*unknown); i++) {
        assert_int_equal(dns_table_lookup(&t, unknown[i], doms, out, 8, &known), 0);
        assert_false(known);
    }
    assert_int_equal(dns_table_lookup(&t, "web.front", NULL, out, 8, &known), 0);
    assert_string_equal(dns_table_ptr(&t, A("10.77.0.2")), "web");
    assert_string_equal(dns_table_ptr(&t, A("10.77.0.3")), "db");
    assert_string_equal(dns_table_ptr(&t, A("10.77.0.9")), "anon");
    assert_null(dns_table_ptr(&t, A("10.77.0.4")));
    dns_table_free(&t);

    /* Records without endpoints. */
    const char *empty[] = {"{}", "{\"Containers\": {}}", "{\"Containers\": null}", " { } \n"};
    for (size_t i = 0; i < sizeof(empty) / sizeof(*empty); i++) {
        assert_int_equal(dns_table_parse(empty[i], strlen(empty[i]), &t), 0);
        assert_int_equal(t.n, 0);
        dns_table_free(&t);
    }
    /* Not JSON: refused, the table left empty. */
    const char *bad[] = {"",
                         "[]",
                         "{",
                         "{\"Containers\": {\"c\": {\"Name\": \"a\"}}",
                         "{\"a\": \"\\x\"}",
                         "{\"a\": \"\\u00g0\"}",
                         "{\"a\": 1,}",
                         "{\"a\" 1}",
                         "{\"a\": \"b\"} x",
                         "{\"a\": \"\x01\"}",
                         "{\"Containers\": {\"c\": {\"Aliases\": [\"a\",]}}}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        assert_int_equal(dns_table_parse(bad[i], strlen(bad[i]), &t), -1);
        assert_int_equal(t.n, 0);
        assert_null(t.v);
    }
    /* Nesting deeper than any record is refused rather than recursed into. */
    char deep[400];
    size_t o = 0;
    o += (size_t)sprintf(deep, "{\"a\": ");
    for (int i = 0; i < 150; i++)
        deep[o++] = '[';
    for (int i = 0; i < 150; i++)
        deep[o++] = ']';
    deep[o++] = '}';
    assert_int_equal(dns_table_parse(deep, o, &t), -1);
}

static uint32_t rnd_state = 12345;

static uint32_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 17;
    rnd_state ^= rnd_state << 5;
    return rnd_state;
}

/* Random and mutated packets and records: no crash, no read beyond the input (run under
 * HOIST_SANITIZE to have the latter checked), names always NUL-terminated and bounded. */
/* IPv6 networks: AAAA answers come from the endpoints' IPv6Address, whole records. */
static void test_ipv6(void **state)
{
    (void)state;
    static const char rec[] =
        "{\"Containers\":{"
        "\"a\":{\"Name\":\"p-web-1\",\"IPv4Address\":\"10.9.0.2/24\","
        "\"IPv6Address\":\"fd00:9::2/64\",\"Aliases\":[\"web\"]},"
        "\"b\":{\"Name\":\"p-web-2\",\"IPv4Address\":\"10.9.0.3/24\","
        "\"IPv6Address\":\"fd00:9::3/64\",\"Aliases\":[\"web\"]},"
        "\"c\":{\"Name\":\"p-db-1\",\"IPv4Address\":\"10.9.0.4/24\",\"IPv6Address\":\"\"}}}";
    struct dns_table t;
    assert_int_equal(dns_table_parse(rec, strlen(rec), &t), 0);
    uint8_t out[8][16], want[16];
    assert_int_equal(dns_table_lookup6(&t, "WEB", NULL, out, 8), 2);
    inet_pton(AF_INET6, "fd00:9::2", want);
    assert_memory_equal(out[0], want, 16);
    inet_pton(AF_INET6, "fd00:9::3", want);
    assert_memory_equal(out[1], want, 16);
    assert_int_equal(dns_table_lookup6(&t, "p-web-2", NULL, out, 8), 1);
    assert_memory_equal(out[0], want, 16);
    /* An endpoint without IPv6 and an unknown name give none. */
    assert_int_equal(dns_table_lookup6(&t, "p-db-1", NULL, out, 8), 0);
    assert_int_equal(dns_table_lookup6(&t, "nobody", NULL, out, 8), 0);
    assert_int_equal(dns_table_lookup6(&t, "web", NULL, out, 1), 1);

    uint8_t req[512], reply[512];
    struct dns_query q;
    size_t len = mkquery(req, "web", DNS_T_AAAA);
    assert_int_equal(dns_parse_query(req, len, &q), 0);
    size_t n6 = dns_table_lookup6(&t, "web", NULL, out, 8);
    size_t n = dns_reply6(&q, (const uint8_t(*)[16])out, n6, reply, sizeof(reply));
    /* Header, question (5 + 4), two answers of 12 + 16 bytes. */
    assert_int_equal(n, DNS_HDR + 9 + 2 * 28);
    assert_int_equal(reply[7], 2);
    assert_int_equal(reply[DNS_HDR + 9 + 3], DNS_T_AAAA);
    assert_memory_equal(reply + n - 16, want, 16);
    /* Too small for the second answer: cut at a whole record, TC set. */
    n = dns_reply6(&q, (const uint8_t(*)[16])out, n6, reply, DNS_HDR + 9 + 28 + 20);
    assert_int_equal(n, DNS_HDR + 9 + 28);
    assert_true(reply[2] & 0x02); /* TC */
    dns_table_free(&t);
}

static void test_fuzz(void **state)
{
    (void)state;
    uint8_t base[512], pkt[512], out[512];
    size_t blen = mkquery(base, "a.bb.ccc.front", DNS_T_A);
    /* A second copy of the name, compressed, in the additional section. */
    base[11] = 1;
    memcpy(base + blen, "\3xyz\xc0\x0e\0\1\0\1\0\0\0\0\0\0", 16);
    blen += 16;
    struct dns_query q;
    for (int iter = 0; iter < 200000; iter++) {
        size_t len;
        if (iter % 4 == 0) {
            len = rnd() % sizeof(pkt);
            for (size_t i = 0; i < len; i++)
                pkt[i] = (uint8_t)rnd();
            pkt[4] = 0;
            pkt[5] = 1;
        } else {
            len = blen - rnd() % 8;
            memcpy(pkt, base, blen);
            for (int k = 0, m = 1 + (int)(rnd() % 4); k < m; k++)
                pkt[rnd() % len] = (uint8_t)(rnd() % 4 == 0 ? 0xc0 | rnd() % 64 : rnd());
        }
        uint8_t *copy = malloc(len ? len : 1);
        memcpy(copy, pkt, len);
        if (dns_parse_query(copy, len, &q) == 0) {
            assert_true(strlen(q.name) < DNS_NAME_MAX);
            assert_true(q.qend <= len);
            dns_reply(&q, DNS_R_OK, NULL, 0, NULL, out, sizeof(out));
        }
        size_t off = DNS_HDR + (rnd() % 40);
        char name[DNS_NAME_MAX];
        if (dns_name_read(copy, len, &off, name) == 0) {
            assert_true(strlen(name) < DNS_NAME_MAX);
            assert_true(off <= len);
        }
        dns_reply_error(copy, len, DNS_R_FORMERR, out, sizeof(out));
        free(copy);
    }
    size_t rlen = strlen(RECORD);
    for (int iter = 0; iter < 20000; iter++) {
        char *rec = malloc(rlen);
        memcpy(rec, RECORD, rlen);
        size_t len = rlen - (iter % 3 == 0 ? rnd() % rlen : 0);
        for (int k = 0, m = (int)(rnd() % 3); k < m; k++)
            rec[rnd() % len] = "{}[]\",:\\u0 a"[rnd() % 12];
        struct dns_table t;
        if (dns_table_parse(rec, len, &t) == 0) {
            for (size_t i = 0; i < t.n; i++)
                assert_true(strlen(t.v[i].name) < DNS_NAME_MAX);
            dns_table_free(&t);
        }
        free(rec);
    }
}

/* The seccomp filters, installed in forked children: a call outside the list kills the
 * child with SIGSYS, the calls of the loop do not. The child reports through its exit
 * status only (no cmocka in it), and is not dumpable, so no core is written. */
static int in_child(void (*fn)(int), int arg)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        fn(arg);
        _exit(0);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return st;
}

static bool killed_by_sigsys(int st)
{
    return WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS;
}

static void responder_filter(int call)
{
    if (dns_seccomp_responder() < 0)
        _exit(10);
    switch (call) {
    case 0: {
        /* What the loop does, all allowed. */
        struct timespec ts;
        if (close(-1) != -1 || errno != EBADF || clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
            _exit(11);
        int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || close(fd) < 0)
            _exit(12);
        void *m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED || munmap(m, 1 << 20) < 0)
            _exit(13);
        return;
    }
    case 1:
        syscall(SYS_getppid);
        break;
    case 2:
        /* The responder opens nothing once set up: the reader does. */
        syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY);
        break;
    case 3:
        syscall(SYS_socket, AF_UNIX, SOCK_DGRAM, 0);
        break;
    case 4:
        syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        break;
    case 5:
        syscall(SYS_execve, "/bin/true", NULL, NULL);
        break;
#ifdef __x86_64__
    case 6: {
        /* getpid through the i386 entry point: another architecture. */
        long r = 20;
        __asm__ volatile("int $0x80" : "+a"(r) : : "memory");
        break;
    }
    case 7:
        /* getpid as an x32 call: the x86_64 arch, with the x32 bit. */
        syscall(0x40000000 | SYS_getpid);
        break;
#endif
    }
    _exit(20);
}

static void test_seccomp_responder(void **state)
{
    (void)state;
    int st = in_child(responder_filter, 0);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
#ifdef __x86_64__
    int ncalls = 8;
#else
    int ncalls = 6;
#endif
    for (int call = 1; call < ncalls; call++) {
        st = in_child(responder_filter, call);
        if (!killed_by_sigsys(st))
            fail_msg("call %d: status %#x, expected SIGSYS", call, st);
    }
}

static int reader_dir = -1;

static void reader_filter(int call)
{
    if (dns_seccomp_reader(reader_dir) < 0)
        _exit(10);
    int fd;
    switch (call) {
    case 0:
        fd = (int)syscall(SYS_openat, reader_dir, ".", DNS_READER_OPEN);
        if (fd < 0 || close(fd) < 0)
            _exit(11);
        return;
    case 1:
        syscall(SYS_openat, reader_dir, ".", O_RDWR | O_CLOEXEC);
        break;
    case 2:
        syscall(SYS_openat, AT_FDCWD, "/", DNS_READER_OPEN);
        break;
    case 3:
        syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0);
        break;
    }
    _exit(20);
}

static void test_seccomp_reader(void **state)
{
    (void)state;
    reader_dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_true(reader_dir >= 0);
    int st = in_child(reader_filter, 0);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    for (int call = 1; call < 4; call++) {
        st = in_child(reader_filter, call);
        if (!killed_by_sigsys(st))
            fail_msg("call %d: status %#x, expected SIGSYS", call, st);
    }
    close(reader_dir);
}

static void drop(int keep)
{
    if (dns_drop_privileges(keep ? 1ull << CAP_DAC_READ_SEARCH : 0) < 0)
        _exit(10);
    uid_t r, e, s;
    gid_t rg, eg, sg;
    if (getresuid(&r, &e, &s) < 0 || r != DNS_UID || e != DNS_UID || s != DNS_UID ||
        getresgid(&rg, &eg, &sg) < 0 || rg != DNS_GID || eg != DNS_GID || sg != DNS_GID ||
        getgroups(0, NULL) != 0)
        _exit(11);
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
    struct __user_cap_data_struct d[2];
    uint32_t want = keep ? 1u << CAP_DAC_READ_SEARCH : 0;
    if (syscall(SYS_capget, &hdr, d) < 0 || d[0].effective != want || d[0].permitted != want ||
        d[0].inheritable || d[1].effective || d[1].permitted || d[1].inheritable)
        _exit(12);
    for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
        if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 0 ||
            prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) != 0)
            _exit(13);
    if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1 || prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
        _exit(14);
}

static void test_drop_privileges(void **state)
{
    (void)state;
    if (geteuid() != 0)
        skip();
    for (int keep = 0; keep < 2; keep++) {
        int st = in_child(drop, keep);
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_read),
        cmocka_unit_test(test_name_write),
        cmocka_unit_test(test_parse_query),
        cmocka_unit_test(test_reply),
        cmocka_unit_test(test_ptr_addr),
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_fuzz),
        cmocka_unit_test(test_seccomp_responder),
        cmocka_unit_test(test_seccomp_reader),
        cmocka_unit_test(test_drop_privileges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
