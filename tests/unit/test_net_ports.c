/* Published ports: -p parsing (docker's rules and messages), host port reservation
 * against the records of a root and against the host's own sockets, the getter. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"
#include "net/net.h"

static size_t parse1(const char *spec, struct net_port **v)
{
    char *specs[] = {(char *)spec, NULL};
    size_t n = 0;
    struct herr e = {0};
    if (net_ports_parse(specs, v, &n, &e) < 0)
        fail_msg("%s: %s", spec, e.msg);
    return n;
}

static void test_parse(void **state)
{
    (void)state;
    struct net_port *v = NULL;
    assert_int_equal(parse1("80", &v), 1);
    assert_int_equal(v[0].ctr_port, 80);
    assert_int_equal(v[0].host_first, 0);
    assert_int_equal(v[0].host_last, 0);
    assert_int_equal(v[0].host_ip, 0);
    assert_false(v[0].udp);
    free(v);

    assert_int_equal(parse1("8080:80/udp", &v), 1);
    assert_int_equal(v[0].host_first, 8080);
    assert_int_equal(v[0].host_last, 8080);
    assert_true(v[0].udp);
    free(v);

    assert_int_equal(parse1("127.0.0.1::53/UDP", &v), 1);
    assert_int_equal(v[0].host_ip, 0x7f000001);
    assert_int_equal(v[0].host_first, 0);
    assert_true(v[0].udp);
    free(v);

    assert_int_equal(parse1("10.1.2.3:8080:80/tcp", &v), 1);
    assert_int_equal(v[0].host_ip, 0x0a010203);
    assert_int_equal(v[0].host_first, 8080);
    free(v);

    assert_int_equal(parse1(":8080:80", &v), 1);
    assert_int_equal(v[0].host_ip, 0);
    free(v);

    assert_int_equal(parse1("0:80", &v), 1);
    assert_int_equal(v[0].host_first, 0);
    free(v);

    assert_int_equal(parse1("8000-8002:80-82", &v), 3);
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(v[i].ctr_port, 80 + i);
        assert_int_equal(v[i].host_first, 8000 + i);
        assert_int_equal(v[i].host_last, 8000 + i);
    }
    free(v);

    /* A host range for one container port: the range to pick from. */
    assert_int_equal(parse1("8000-8010:80", &v), 1);
    assert_int_equal(v[0].host_first, 8000);
    assert_int_equal(v[0].host_last, 8010);
    free(v);

    assert_int_equal(parse1("80-82", &v), 3);
    assert_int_equal(v[2].ctr_port, 82);
    assert_int_equal(v[2].host_first, 0);
    free(v);

    char *several[] = {"80", "53/udp", "9000-9001:90-91", NULL};
    size_t n = 0;
    assert_int_equal(net_ports_parse(several, &v, &n, NULL), 0);
    assert_int_equal(n, 4);
    free(v);
    assert_int_equal(net_ports_parse(NULL, &v, &n, NULL), 0);
    assert_int_equal(n, 0);
    free(v);
}

static void test_parse_errors(void **state)
{
    (void)state;
    static const struct {
        const char *spec, *msg;
    } bad[] = {
        {"", "no port specified: <empty>"},
        {"8080:", "no port specified: 8080:<empty>"},
        {"8080:/udp", "no port specified: 8080:/udp<empty>"},
        {"x", "invalid containerPort: x"},
        {"0", "invalid containerPort: 0"},
        {"70000", "invalid containerPort: 70000"},
        {"80-70", "invalid containerPort: 80-70"},
        {"-80", "invalid containerPort: -80"},
        {"a:80", "invalid hostPort: a"},
        {"8080-:80", "invalid hostPort: 8080-"},
        {"0-5:80", "invalid hostPort: 0-5"},
        {"8000-8001:80-83", "invalid ranges specified for container and host Ports: 80-83 and "
                            "8000-8001"},
        {"80/sctp", "protocol sctp is not supported"},
        {"80/xyz", "invalid proto: xyz"},
        {"1.2.3:80:80", "invalid IP address: 1.2.3"},
        {"300.1.1.1:80:80", "invalid IP address: 300.1.1.1"},
        {"[::1]:80:80", "IPv6 host address [::1] is not supported"},
        {"::1:80:80", "IPv6 host address ::1 is not supported"},
        {"[nope]:80:80", "invalid IP address: [nope]"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *specs[] = {"80", (char *)bad[i].spec, NULL};
        struct net_port *v = NULL;
        size_t n = 0;
        struct herr e = {0};
        if (net_ports_parse(specs, &v, &n, &e) == 0)
            fail_msg("\"%s\" was accepted", bad[i].spec);
        if (!strstr(e.msg, bad[i].msg))
            fail_msg("\"%s\": got \"%s\", want \"%s\"", bad[i].spec, e.msg, bad[i].msg);
        assert_null(v);
    }
}

struct fixture {
    char dir[64];
    char root[80];
};

static const char *ctr_other = "aaaa";
static const char *ctr_me = "bbbb";

/* A root with network "a" where ctr_other holds 0.0.0.0:held/tcp, and network "b"
 * (the one reserving). */
static json_t *make_root(struct fixture *f, unsigned held)
{
    snprintf(f->dir, sizeof(f->dir), "/tmp/hoist-unit-ports.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->root, sizeof(f->root), "%s/root", f->dir);
    char *nets = xasprintf("%s/networks", f->root);
    assert_int_equal(fs_mkdir_p(nets, 0700, NULL), 0);
    char hp[8];
    snprintf(hp, sizeof(hp), "%u", held);
    json_t *a = json_pack("{s:s,s:{s:{s:s,s:{s:[{s:s,s:s}]}}}}", "Name", "a", "Containers",
                          ctr_other, "IPv4Address", "10.1.0.2/24", "Ports", "80/tcp", "HostIp",
                          "0.0.0.0", "HostPort", hp);
    char *path = xasprintf("%s/a.json", nets);
    assert_int_equal(hj_write_atomic(AT_FDCWD, path, a, false, NULL), 0);
    json_decref(a);
    free(path);
    json_t *b = json_pack("{s:s,s:{s:{s:s}}}", "Name", "b", "Containers", ctr_me, "IPv4Address",
                          "10.2.0.2/24");
    path = xasprintf("%s/b.json", nets);
    assert_int_equal(hj_write_atomic(AT_FDCWD, path, b, false, NULL), 0);
    free(path);
    free(nets);
    return b;
}

static void drop_root(struct fixture *f)
{
    assert_int_equal(fs_rm_rf(f->dir, NULL), 0);
}

/* A port no socket of the host uses right now. */
static unsigned free_port(int type)
{
    int fd = socket(AF_INET, type, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

static json_t *reserve(struct fixture *f, const json_t *rec, const char *spec, struct herr *e)
{
    char *specs[] = {(char *)spec, NULL};
    herr_clear(e);
    return net_ports_reserve(f->root, "b", rec, ctr_me, specs, e);
}

static const char *host_port(const json_t *ports, const char *key, size_t i)
{
    return hj_str(json_array_get(json_object_get(ports, key), i), "HostPort");
}

static void test_reserve(void **state)
{
    (void)state;
    struct fixture f;
    unsigned held = free_port(SOCK_STREAM);
    json_t *rec = make_root(&f, held);
    struct herr e = {0};
    char *spec;

    /* Held by another container, whichever address either names. */
    spec = xasprintf("%u:80", held);
    assert_null(reserve(&f, rec, spec, &e));
    char *want = xasprintf("Bind for 0.0.0.0:%u failed: port is already allocated", held);
    assert_string_equal(e.msg, want);
    free(want);
    free(spec);
    spec = xasprintf("127.0.0.1:%u:80", held);
    assert_null(reserve(&f, rec, spec, &e));
    assert_non_null(strstr(e.msg, "port is already allocated"));
    free(spec);

    /* The other protocol is free. */
    spec = xasprintf("%u:80/udp", held);
    json_t *p = reserve(&f, rec, spec, &e);
    assert_non_null(p);
    char *hp = xasprintf("%u", held);
    assert_string_equal(host_port(p, "80/udp", 0), hp);
    assert_string_equal(hj_str(json_array_get(json_object_get(p, "80/udp"), 0), "HostIp"),
                        "0.0.0.0");
    free(hp);
    json_decref(p);
    free(spec);

    /* The same port twice in one request. */
    char *twice[] = {xasprintf("%u:80", held + 1), xasprintf("%u:81", held + 1), NULL};
    herr_clear(&e);
    assert_null(net_ports_reserve(f.root, "b", rec, ctr_me, twice, &e));
    assert_non_null(strstr(e.msg, "port is already allocated"));
    free(twice[0]);
    free(twice[1]);

    /* A range skips the held port; random ports come from the ephemeral range. */
    spec = xasprintf("%u-%u:80", held, held + 2);
    p = reserve(&f, rec, spec, &e);
    assert_non_null(p);
    long long got = 0;
    assert_int_equal(str_parse_ll(host_port(p, "80/tcp", 0), &got), 0);
    assert_true(got > held && got <= held + 2);
    json_decref(p);
    free(spec);

    char *many[] = {"80", "81/udp", "127.0.0.1::82", NULL};
    herr_clear(&e);
    p = net_ports_reserve(f.root, "b", rec, ctr_me, many, &e);
    assert_non_null(p);
    assert_int_equal(json_object_size(p), 3);
    unsigned lo = 32768, hi = 60999;
    FILE *r = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
    if (r) {
        assert_int_equal(fscanf(r, "%u %u", &lo, &hi), 2);
        fclose(r);
    }
    assert_int_equal(str_parse_ll(host_port(p, "82/tcp", 0), &got), 0);
    assert_true(got >= lo && got <= hi);
    assert_string_equal(hj_str(json_array_get(json_object_get(p, "82/tcp"), 0), "HostIp"),
                        "127.0.0.1");
    json_decref(p);

    /* A bad spec: nothing chosen. */
    assert_null(reserve(&f, rec, "80/xyz", &e));
    assert_string_equal(e.msg, "invalid proto: xyz");

    json_decref(rec);
    drop_root(&f);
}

static void test_reserve_host_socket(void **state)
{
    (void)state;
    struct fixture f;
    json_t *rec = make_root(&f, 1);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 1), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    unsigned port = ntohs(sa.sin_port);
    struct herr e = {0};
    char *spec = xasprintf("%u:80", port);
    assert_null(reserve(&f, rec, spec, &e));
    char *want = xasprintf("Bind for 0.0.0.0:%u failed", port);
    assert_string_equal(e.msg, want);
    assert_int_equal(e.errnum, EADDRINUSE);
    free(want);
    free(spec);
    /* An address the host does not have. */
    spec = xasprintf("192.0.2.1:%u:80", port);
    assert_null(reserve(&f, rec, spec, &e));
    assert_int_equal(e.errnum, EADDRNOTAVAIL);
    free(spec);
    close(fd);
    json_decref(rec);
    drop_root(&f);
}

static void test_getter(void **state)
{
    (void)state;
    struct fixture f;
    json_t *rec = make_root(&f, 4242);
    struct herr e = {0};
    json_t *p = net_endpoint_ports(f.root, "a", ctr_other, &e);
    assert_non_null(p);
    assert_string_equal(host_port(p, "80/tcp", 0), "4242");
    json_decref(p);
    p = net_endpoint_ports(f.root, "b", ctr_me, &e);
    assert_non_null(p);
    assert_int_equal(json_object_size(p), 0);
    json_decref(p);
    assert_null(net_endpoint_ports(f.root, "b", "cccc", &e));
    assert_int_equal(e.errnum, ENOENT);
    assert_null(net_endpoint_ports(f.root, "nope", ctr_me, &e));
    json_decref(rec);
    drop_root(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),   cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_reserve), cmocka_unit_test(test_reserve_host_socket),
        cmocka_unit_test(test_getter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
