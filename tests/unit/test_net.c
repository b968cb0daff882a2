/* IPAM: prefix parsing, overlap, pools, address picking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"
#include "net/net.h"

static struct net_prefix P(const char *s) {
    struct net_prefix p;
    struct herr e = {0};
    assert_int_equal(net_prefix_parse(s, &p, &e), 0);
    return p;
}

static uint32_t
A(const char *s)
{
    uint32_t a;
    assert_int_equal(net_addr_parse(s, &a, NULL), 0);
    return a;
}

static void test_prefix_parse(void **state)
{
    (void)state;
    struct net_prefix p = P("10.89.3.0/24");
    assert_int_equal(p.addr, 0x0a590300);
    assert_int_equal(p.len, 24);
    char buf[20];
    net_prefix_fmt(&p, buf);
    assert_string_equal(buf, "10.89.3.0/24");
    p = P("0.0.0.0/0");
    assert_int_equal(p.len, 0);

    struct herr e = {0};
    assert_int_equal(net_prefix_parse("10.89.3.1/24", &p, &e), -1);
    assert_non_null(strstr(e.msg, "did you mean 10.89.3.0/24"));
    const char *bad[] = {"10.89.3.0",    "10.89.3.0/33", "10.89.3.0/", "10.89.3/24",  "x/8",
                         "10.89.3.0/2x", "256.1.1.0/24", "",           "10.89.3.0/-1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        herr_clear(&e);
        assert_int_equal(net_prefix_parse(bad[i], &p, &e), -1);
        assert_int_equal(e.errnum, EINVAL);
        assert_non_null(strstr(e.msg, "invalid subnet"));
    }
    uint32_t a;
    assert_int_equal(net_addr_parse("10.1.2.300", &a, &e), -1);
    assert_int_equal(net_addr_parse(NULL, &a, &e), -1);
}

static void test_overlap(void **state)
{
    (void)state;
    struct net_prefix a = P("10.89.0.0/16"), b = P("10.89.4.0/24"), c = P("10.90.0.0/24");
    assert_true(net_prefix_overlap(&a, &b));
    assert_true(net_prefix_overlap(&b, &a));
    assert_false(net_prefix_overlap(&a, &c));
    struct net_prefix all = P("0.0.0.0/0");
    assert_true(net_prefix_overlap(&all, &c));
    assert_true(net_prefix_contains(&b, A("10.89.4.255")));
    assert_false(net_prefix_contains(&b, A("10.89.5.0")));
    char buf[18];
    net_mac_fmt(A("10.89.0.2"), buf);
    assert_string_equal(buf, "02:42:0a:59:00:02");
}

static void test_pools_parse(void **state)
{
    (void)state;
    struct net_pool *pools = NULL;
    size_t n = 0;
    struct herr e = {0};
    assert_int_equal(net_pools_parse(NET_DEFAULT_POOLS, &pools, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_int_equal(pools[0].size, 24);
    free(pools);
    assert_int_equal(
        net_pools_parse(" base=10.89.0.0/16,size=24\n base=172.30.0.0/16,size=20 ", &pools, &n, &e),
        0);
    assert_int_equal(n, 2);
    assert_int_equal(pools[1].size, 20);
    free(pools);
    const char *bad[] = {"",
                         "base=10.89.0.0/16",
                         "size=24",
                         "base=10.89.0.0/16,size=8",
                         "base=10.89.0.0/16,size=31",
                         "base=10.89.0.1/16,size=24",
                         "base=10.89.0.0/16,size=24,x=1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        pools = NULL;
        herr_clear(&e);
        assert_int_equal(net_pools_parse(bad[i], &pools, &n, &e), -1);
        assert_int_not_equal(e.msg[0], '\0');
        assert_null(pools);
    }
}

static void test_pool_pick(void **state)
{
    (void)state;
    struct net_pool pool = {P("10.89.0.0/16"), 24};
    struct net_prefix out;
    struct herr e = {0};
    assert_int_equal(net_pool_pick(&pool, 1, NULL, 0, &out, &e), 0);
    assert_int_equal(out.addr, A("10.89.0.0"));
    assert_int_equal(out.len, 24);

    /* Used subnets and host routes, larger and smaller than a candidate. */
    struct net_prefix used[] = {P("10.89.0.0/24"), P("10.89.1.128/25"), P("10.89.2.0/23"),
                                P("10.89.5.0/24")};
    assert_int_equal(net_pool_pick(&pool, 1, used, 4, &out, &e), 0);
    assert_int_equal(out.addr, A("10.89.4.0"));

    /* A route covering the whole first pool moves on to the second. */
    struct net_pool two[] = {{P("10.89.0.0/16"), 24}, {P("172.30.0.0/16"), 20}};
    struct net_prefix wide = P("10.0.0.0/8");
    assert_int_equal(net_pool_pick(two, 2, &wide, 1, &out, &e), 0);
    assert_int_equal(out.addr, A("172.30.0.0"));
    assert_int_equal(out.len, 20);

    struct net_prefix all = P("0.0.0.0/0");
    assert_int_equal(net_pool_pick(two, 2, &all, 1, &out, &e), -1);
    assert_int_equal(e.errnum, ENOSPC);

    /* The last subnet of a pool that ends at 255.255.255.255 does not wrap around. */
    struct net_pool top = {P("255.255.255.0/24"), 25};
    struct net_prefix low = P("255.255.255.0/25");
    assert_int_equal(net_pool_pick(&top, 1, &low, 1, &out, &e), 0);
    assert_int_equal(out.addr, A("255.255.255.128"));
    struct net_prefix both[] = {low, P("255.255.255.128/25")};
    assert_int_equal(net_pool_pick(&top, 1, both, 2, &out, &e), -1);
}

static void test_ip_pick(void **state)
{
    (void)state;
    struct net_prefix sub = P("10.89.0.0/24");
    uint32_t gw = A("10.89.0.1"), ip;
    struct herr e = {0};
    assert_int_equal(net_ip_pick(&sub, NULL, gw, NULL, 0, &ip, &e), 0);
    assert_int_equal(ip, A("10.89.0.2"));
    uint32_t taken[] = {A("10.89.0.2"), A("10.89.0.3"), A("10.89.0.5")};
    assert_int_equal(net_ip_pick(&sub, NULL, gw, taken, 3, &ip, &e), 0);
    assert_int_equal(ip, A("10.89.0.4"));

    /* A gateway in the middle is skipped, the range bounds the choice. */
    struct net_prefix range = P("10.89.0.128/30");
    assert_int_equal(net_ip_pick(&sub, &range, A("10.89.0.128"), NULL, 0, &ip, &e), 0);
    assert_int_equal(ip, A("10.89.0.129"));
    uint32_t full[] = {A("10.89.0.129"), A("10.89.0.130"), A("10.89.0.131")};
    assert_int_equal(net_ip_pick(&sub, &range, A("10.89.0.128"), full, 3, &ip, &e), -1);
    assert_int_equal(e.errnum, ENOSPC);
    assert_non_null(strstr(e.msg, "10.89.0.128/30"));

    /* A /30 has exactly one address beside the gateway; broadcast is never handed out. */
    struct net_prefix small = P("10.89.9.0/30");
    assert_int_equal(net_ip_pick(&small, NULL, A("10.89.9.1"), NULL, 0, &ip, &e), 0);
    assert_int_equal(ip, A("10.89.9.2"));
    uint32_t one = ip;
    assert_int_equal(net_ip_pick(&small, NULL, A("10.89.9.1"), &one, 1, &ip, &e), -1);
}

static void test_name_check(void **state)
{
    (void)state;
    struct herr e = {0};
    assert_int_equal(net_name_check("front_end.v-2", &e), 0);
    assert_int_equal(net_name_check("a", &e), 0);
    const char *bad[] = {"", "-x", ".x", "a/b", "a b", "a:b"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        herr_clear(&e);
        assert_int_equal(net_name_check(bad[i], &e), -1);
        assert_int_equal(e.errnum, EINVAL);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prefix_parse), cmocka_unit_test(test_overlap),
        cmocka_unit_test(test_pools_parse),  cmocka_unit_test(test_pool_pick),
        cmocka_unit_test(test_ip_pick),      cmocka_unit_test(test_name_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
