/* DNS messages (RFC 1035): reading names and queries from untrusted bytes, writing the
 * few replies the responder builds itself. */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "net/dns/dns.h"

#define DNS_F_QR 0x8000u
#define DNS_F_OPCODE 0x7800u
#define DNS_F_TC 0x0200u
#define DNS_F_RD 0x0100u
#define DNS_F_RA 0x0080u
#define DNS_CLASS_IN 1
/* A name takes at most 255 bytes on the wire (RFC 1035 2.3.4). */
#define DNS_WIRE_MAX 255

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint8_t *put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
    return p + 2;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
    p = put16(p, v >> 16);
    return put16(p, v & 0xffff);
}

int dns_name_read(const uint8_t *pkt, size_t len, size_t *off, char out[DNS_NAME_MAX])
{
    size_t pos = *off, o = 0, wire = 1, after = 0;
    /* Every pointer must go below the start of the run it was found in, so the runs
     * strictly descend and a loop is impossible. */
    size_t run_start = pos;
    bool jumped = false;
    for (;;) {
        if (pos >= len)
            return -1;
        uint8_t l = pkt[pos];
        if ((l & 0xc0) == 0xc0) {
            if (pos + 1 >= len)
                return -1;
            size_t target = (size_t)(l & 0x3f) << 8 | pkt[pos + 1];
            if (target >= run_start)
                return -1;
            if (!jumped)
                after = pos + 2;
            jumped = true;
            pos = run_start = target;
            continue;
        }
        if (l & 0xc0)
            return -1;
        if (l == 0)
            break;
        wire += (size_t)l + 1;
        if (wire > DNS_WIRE_MAX || pos + 1 + l > len)
            return -1;
        if (o)
            out[o++] = '.';
        for (size_t i = 0; i < l; i++) {
            char c = (char)pkt[pos + 1 + i];
            if (c == '.' || c == '\0')
                return -1;
            out[o++] = c;
        }
        pos += 1 + (size_t)l;
    }
    out[o] = '\0';
    *off = jumped ? after : pos + 1;
    return 0;
}

int dns_name_write(uint8_t *buf, size_t cap, const char *name)
{
    size_t n = strlen(name), o = 0;
    if (n && name[n - 1] == '.')
        n--;
    for (size_t i = 0; i < n;) {
        size_t l = 0;
        while (i + l < n && name[i + l] != '.')
            l++;
        /* An empty label ("a..b", "a.." or ".a") has no encoding. */
        if (l == 0 || l > 63 || i + l + 1 == n || o + l + 2 > cap || o + l + 2 > DNS_WIRE_MAX)
            return -1;
        buf[o++] = (uint8_t)l;
        memcpy(buf + o, name + i, l);
        o += l;
        i += l + 1;
    }
    if (o + 1 > cap)
        return -1;
    buf[o++] = 0;
    return (int)o;
}

int dns_parse_query(const uint8_t *pkt, size_t len, struct dns_query *q)
{
    if (len < DNS_HDR)
        return -1;
    q->id = get16(pkt);
    q->flags = get16(pkt + 2);
    if (get16(pkt + 4) != 1)
        return -1;
    size_t off = DNS_HDR;
    if (dns_name_read(pkt, len, &off, q->name) < 0 || off + 4 > len)
        return -1;
    q->qtype = get16(pkt + off);
    q->qclass = get16(pkt + off + 2);
    q->qend = off + 4;
    return 0;
}

static uint8_t *put_header(uint8_t *p, uint16_t id, uint16_t req_flags, unsigned rcode, unsigned qd,
                           unsigned an)
{
    unsigned flags = DNS_F_QR | (req_flags & (DNS_F_OPCODE | DNS_F_RD)) | DNS_F_RA | (rcode & 0xf);
    p = put16(p, id);
    p = put16(p, flags);
    p = put16(p, qd);
    p = put16(p, an);
    p = put16(p, 0);
    return put16(p, 0);
}

/* The reply with naddrs address records of alen bytes each (A: 4, AAAA: 16). */
static size_t reply(const struct dns_query *q, unsigned rcode, const uint8_t *addrs, size_t naddrs,
                    unsigned alen, const char *ptr, uint8_t *out, size_t cap)
{
    uint8_t qname[DNS_WIRE_MAX + 1];
    int qn = dns_name_write(qname, sizeof(qname), q->name);
    if (qn < 0 || (size_t)qn + DNS_HDR + 4 > cap)
        return 0;
    uint8_t *p = out + DNS_HDR;
    memcpy(p, qname, (size_t)qn);
    p = put16(p + qn, q->qtype);
    p = put16(p, q->qclass);
    uint8_t *end = out + cap;
    unsigned an = 0;
    bool cut = false;
    /* Answer owner names point back at the question's name, at offset 12. */
    if (ptr) {
        uint8_t target[DNS_WIRE_MAX + 1];
        int tn = dns_name_write(target, sizeof(target), ptr);
        if (tn > 0 && (size_t)(end - p) >= 12 + (size_t)tn) {
            p = put16(p, 0xc000 | DNS_HDR);
            p = put16(p, DNS_T_PTR);
            p = put16(p, DNS_CLASS_IN);
            p = put32(p, DNS_TTL);
            p = put16(p, (unsigned)tn);
            memcpy(p, target, (size_t)tn);
            p += tn;
            an++;
        } else {
            cut = tn > 0;
        }
    }
    for (size_t i = 0; i < naddrs; i++) {
        if (end - p < 12 + (ptrdiff_t)alen) {
            cut = true;
            break;
        }
        p = put16(p, 0xc000 | DNS_HDR);
        p = put16(p, alen == 4 ? DNS_T_A : DNS_T_AAAA);
        p = put16(p, DNS_CLASS_IN);
        p = put32(p, DNS_TTL);
        p = put16(p, alen);
        memcpy(p, addrs + i * alen, alen);
        p += alen;
        an++;
    }
    put_header(out, q->id, q->flags, rcode, 1, an);
    if (cut)
        out[2] |= DNS_F_TC >> 8;
    return (size_t)(p - out);
}

size_t dns_reply(const struct dns_query *q, unsigned rcode, const uint32_t *addrs, size_t naddrs,
                 const char *ptr, uint8_t *out, size_t cap)
{
    return reply(q, rcode, (const uint8_t *)addrs, naddrs, 4, ptr, out, cap);
}

size_t dns_reply6(const struct dns_query *q, const uint8_t (*addrs)[16], size_t naddrs,
                  uint8_t *out, size_t cap)
{
    return reply(q, DNS_R_OK, (const uint8_t *)addrs, naddrs, 16, NULL, out, cap);
}

size_t dns_reply_error(const uint8_t *req, size_t len, unsigned rcode, uint8_t *out, size_t cap)
{
    if (len < DNS_HDR || cap < DNS_HDR || (get16(req + 2) & DNS_F_QR))
        return 0;
    put_header(out, get16(req), get16(req + 2), rcode, 0, 0);
    return DNS_HDR;
}

bool dns_ptr_addr(const char *name, uint32_t *addr)
{
    uint8_t b[4];
    const char *p = name;
    for (int i = 3; i >= 0; i--) {
        unsigned v = 0, digits = 0;
        while (*p >= '0' && *p <= '9' && digits < 4) {
            v = v * 10 + (unsigned)(*p++ - '0');
            digits++;
        }
        if (digits == 0 || digits > 3 || v > 255 || *p++ != '.')
            return false;
        b[i] = (uint8_t)v;
    }
    if (strcasecmp(p, "in-addr.arpa") != 0 && strcasecmp(p, "in-addr.arpa.") != 0)
        return false;
    memcpy(addr, b, 4);
    return true;
}
