/* volumes/: the -v, --mount and --tmpfs parsers and the OCI / record JSON they lead to. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"
#include "common/json.h"
#include "volumes/volumes.h"

#define BASE "/proj"
#define HOME "/home/u"

static struct vol_mount M = {.tmpfs_mode = -1};

static int teardown(void **state)
{
    (void)state;
    vol_mount_clear(&M);
    return 0;
}

static void short_ok(const char *spec)
{
    struct herr e = {0};
    int r = vol_parse_short(spec, BASE, HOME, &M, &e);
    if (r != 0)
        fail_msg("%s: %s", spec, e.msg);
}

static void short_bad(const char *spec, const char *needle)
{
    struct herr e = {0};
    assert_int_equal(vol_parse_short(spec, BASE, HOME, &M, &e), -1);
    if (!strstr(e.msg, needle))
        fail_msg("%s: message \"%s\" lacks \"%s\"", spec, e.msg, needle);
    assert_null(M.target);
    assert_null(M.source);
}

static void long_ok(const char *spec)
{
    struct herr e = {0};
    int r = vol_parse_long(spec, BASE, HOME, &M, &e);
    if (r != 0)
        fail_msg("%s: %s", spec, e.msg);
}

static void long_bad(const char *spec, const char *needle)
{
    struct herr e = {0};
    assert_int_equal(vol_parse_long(spec, BASE, HOME, &M, &e), -1);
    if (!strstr(e.msg, needle))
        fail_msg("%s: message \"%s\" lacks \"%s\"", spec, e.msg, needle);
    assert_null(M.target);
}

static void test_short_anonymous(void **state)
{
    (void)state;
    short_ok("/data");
    assert_int_equal(M.type, VOL_VOLUME);
    assert_null(M.source);
    assert_string_equal(M.target, "/data");
    short_ok("/data/./x//y/");
    assert_string_equal(M.target, "/data/x/y");
}

static void test_short_named(void **state)
{
    (void)state;
    short_ok("db:/var/lib/db");
    assert_int_equal(M.type, VOL_VOLUME);
    assert_string_equal(M.source, "db");
    assert_string_equal(M.target, "/var/lib/db");
    assert_false(M.readonly);
    assert_false(M.nocopy);
    short_ok("my.vol_1-x:/d:ro,nocopy");
    assert_string_equal(M.source, "my.vol_1-x");
    assert_true(M.readonly);
    assert_true(M.nocopy);
    short_ok("db:/d:rw,z");
    assert_false(M.readonly);
    short_ok("db:/d:Z,cached");
}

static void test_short_bind(void **state)
{
    (void)state;
    short_ok("/srv/www:/usr/share/www");
    assert_int_equal(M.type, VOL_BIND);
    assert_string_equal(M.source, "/srv/www");
    assert_true(M.create_host_path);
    short_ok("./site:/www:ro");
    assert_string_equal(M.source, "/proj/site");
    assert_true(M.readonly);
    short_ok("../other/./x:/www");
    assert_string_equal(M.source, "/other/x");
    short_ok(".:/src");
    assert_string_equal(M.source, "/proj");
    short_ok("~/conf:/etc/app:rshared");
    assert_string_equal(M.source, "/home/u/conf");
    assert_string_equal(M.propagation, "rshared");
    short_ok("~:/h");
    assert_string_equal(M.source, "/home/u");
    short_ok("/a:/b:ro,rslave,z");
    assert_string_equal(M.propagation, "rslave");
}

static void test_short_errors(void **state)
{
    (void)state;
    short_bad("", "empty field");
    short_bad("data", "not an absolute path");
    short_bad("db:data", "not an absolute path");
    short_bad("db:/", "container root");
    short_bad("/a/..:/x/..", "container root");
    short_bad("db:/d:ro:x", "too many colons");
    short_bad("db::/d", "empty field");
    short_bad("db:/d:", "empty field");
    short_bad("/d:ro", "not an absolute path");
    short_bad("-db:/d", "invalid volume name");
    short_bad("d:/d", "invalid volume name");
    short_bad("d$b:/d", "invalid volume name");
    short_bad("foo/bar:/d", "must start with ./ or ../");
    short_bad("db:/d:rx", "invalid mode \"rx\"");
    short_bad("db:/d:ro,rw", "twice");
    short_bad("/a:/d:nocopy", "nocopy is only for volumes");
    short_bad("db:/d:rshared", "only for bind mounts");
    short_bad("/a:/d:shared,slave", "propagation given twice");
    short_bad("~bob/x:/d", "only ~ and ~/");
    struct herr e = {0};
    assert_int_equal(vol_parse_short("./x:/d", NULL, HOME, &M, &e), -1);
    assert_non_null(strstr(e.msg, "no base directory"));
    assert_int_equal(vol_parse_short("~/x:/d", BASE, NULL, &M, &e), -1);
    assert_non_null(strstr(e.msg, "no home directory"));
}

static void test_long_forms(void **state)
{
    (void)state;
    long_ok("type=bind,source=/srv,target=/www,readonly");
    assert_int_equal(M.type, VOL_BIND);
    assert_string_equal(M.source, "/srv");
    assert_string_equal(M.target, "/www");
    assert_true(M.readonly);
    assert_false(M.create_host_path);
    long_ok("type=bind,src=./rel,dst=/w,bind-propagation=rslave,bind-create-src");
    assert_string_equal(M.source, "/proj/rel");
    assert_string_equal(M.propagation, "rslave");
    assert_true(M.create_host_path);
    long_ok("src=db,target=/d,volume-nocopy=true,ro=false");
    assert_int_equal(M.type, VOL_VOLUME);
    assert_string_equal(M.source, "db");
    assert_true(M.nocopy);
    assert_false(M.readonly);
    long_ok("type=volume,target=/d");
    assert_null(M.source);
    long_ok("type=volume,source=db,destination=/d,volume-subpath=a/./b/,volume-driver=local");
    assert_string_equal(M.subpath, "a/b");
    long_ok("type=volume,source=db,destination=/d,volume-subpath=a/../b");
    assert_string_equal(M.subpath, "b");
    long_ok("type=tmpfs,target=/t,tmpfs-size=64m,tmpfs-mode=1770");
    assert_int_equal(M.type, VOL_TMPFS);
    assert_int_equal(M.tmpfs_size, 64LL << 20);
    assert_int_equal(M.tmpfs_mode, 01770);
    long_ok("\"type=bind\",\"source=/a,b\",target=/x,consistency=cached");
    assert_string_equal(M.source, "/a,b");
}

static void test_long_errors(void **state)
{
    (void)state;
    long_bad("", "empty mount specification");
    long_bad("type=bind,target=/x", "needs a source");
    long_bad("type=bind,source=rel,target=/x", "must be an absolute path");
    long_bad("type=volume,source=db", "target (container path) is missing");
    long_bad("type=volume,source=db,target=rel", "not an absolute path");
    long_bad("type=volume,source=db,target=/", "container root");
    long_bad("type=nfs,target=/x", "invalid type \"nfs\"");
    long_bad("type=volume,source=x,target=/x", "invalid volume name");
    long_bad("type=volume,source=db,target=/x,colour=red", "unknown option \"colour\"");
    long_bad("type=volume,source=db,target=/x,readonly=maybe", "want true or false");
    long_bad("type=volume,source=db,target=/x,volume-driver=nfs", "only local");
    long_bad("type=volume,source=db,target=/x,volume-subpath=/abs", "must be relative");
    long_bad("type=volume,source=db,target=/x,volume-subpath=../up", "leaves the volume");
    long_bad("type=volume,source=db,target=/x,volume-subpath=a/../../db/x", "leaves the volume");
    long_bad("type=volume,source=db,target=/x,volume-subpath=a/..", "volume itself");
    long_bad("type=volume,source=db,target=/x,volume-subpath=", "needs a value");
    long_bad("type=bind,source=/a,target=/x,volume-nocopy", "only valid with type=volume");
    long_bad("source=db,target=/x,bind-propagation=shared", "only valid with type=bind");
    long_bad("type=tmpfs,target=/x,volume-nocopy", "only valid with type=volume");
    long_bad("type=volume,target=/x,volume-nocopy,tmpfs-size=1m", "different mount types");
    long_bad("type=bind,source=/a,target=/x,bind-propagation=sideways", "invalid bind-propagation");
    long_bad("type=tmpfs,target=/x,tmpfs-size=lots", "invalid tmpfs-size");
    long_bad("type=tmpfs,target=/x,tmpfs-size=0", "invalid tmpfs-size");
    long_bad("type=tmpfs,target=/x,tmpfs-mode=999", "invalid tmpfs-mode");
    long_bad("type=tmpfs,source=x,target=/x", "takes no source");
    long_bad("type=bind,\"source=/a,target=/x", "unterminated quote");
    long_bad("\"type=bind\"x,source=/a,target=/x", "after a closing quote");
    long_bad("type=volume,target=/x,consistency=sometimes", "invalid consistency");
}

static void test_tmpfs(void **state)
{
    (void)state;
    struct herr e = {0};
    assert_int_equal(vol_parse_tmpfs("/run", &M, &e), 0);
    assert_int_equal(M.type, VOL_TMPFS);
    assert_string_equal(M.target, "/run");
    assert_int_equal(M.tmpfs_size, 0);
    assert_int_equal(M.tmpfs_mode, -1);
    assert_int_equal(vol_parse_tmpfs("/run:size=1g,mode=755,ro", &M, &e), 0);
    assert_int_equal(M.tmpfs_size, 1LL << 30);
    assert_int_equal(M.tmpfs_mode, 0755);
    assert_true(M.readonly);
    assert_int_equal(vol_parse_tmpfs("run", &M, &e), -1);
    assert_non_null(strstr(e.msg, "not an absolute path"));
    assert_int_equal(vol_parse_tmpfs("/run:size=x", &M, &e), -1);
    assert_non_null(strstr(e.msg, "invalid size"));
    assert_int_equal(vol_parse_tmpfs("/run:mode=8", &M, &e), -1);
    assert_non_null(strstr(e.msg, "invalid mode"));
    assert_int_equal(vol_parse_tmpfs("/run:uid=5", &M, &e), -1);
    assert_non_null(strstr(e.msg, "unsupported tmpfs option"));
    assert_null(M.target);
}

static void test_names(void **state)
{
    (void)state;
    assert_int_equal(vol_name_check("ab", NULL), 0);
    assert_int_equal(vol_name_check("A1.b_c-d", NULL), 0);
    assert_int_equal(vol_name_check("a", NULL), -1);
    assert_int_equal(vol_name_check(".ab", NULL), -1);
    assert_int_equal(vol_name_check("_ab", NULL), -1);
    assert_int_equal(vol_name_check("a/b", NULL), -1);
    assert_int_equal(vol_name_check("a b", NULL), -1);
    assert_int_equal(vol_name_check("", NULL), -1);
    char longname[300];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_int_equal(vol_name_check(longname, NULL), -1);
}

static void expect_json(json_t *got, const char *want)
{
    json_error_t je;
    json_t *w = json_loads(want, 0, &je);
    assert_non_null(w);
    if (!json_equal(got, w)) {
        char *g = json_dumps(got, JSON_COMPACT);
        fail_msg("got %s\nwant %s", g, want);
    }
    json_decref(w);
    json_decref(got);
}

static void test_oci(void **state)
{
    (void)state;
    struct vol_mount m[3] = {
        {.type = VOL_BIND, .readonly = true, .tmpfs_mode = -1},
        {.type = VOL_VOLUME, .tmpfs_mode = -1},
        {.type = VOL_TMPFS, .tmpfs_size = 1024, .tmpfs_mode = 01777},
    };
    struct herr e = {0};
    assert_int_equal(vol_parse_short("/h:/b:ro,rshared", BASE, HOME, &m[0], &e), 0);
    m[0].host_path = strdup("/h");
    assert_int_equal(vol_parse_short("db:/v", BASE, HOME, &m[1], &e), 0);
    m[1].host_path = strdup("/root/volumes/db/_data");
    assert_int_equal(vol_parse_tmpfs("/t:size=1k,mode=1777", &m[2], &e), 0);
    expect_json(vol_oci_mounts(m, 3),
                "[{\"destination\":\"/b\",\"type\":\"bind\",\"source\":\"/h\","
                "\"options\":[\"rbind\",\"rshared\",\"ro\"]},"
                "{\"destination\":\"/v\",\"type\":\"bind\",\"source\":\"/root/volumes/db/_data\","
                "\"options\":[\"rbind\",\"rprivate\"]},"
                "{\"destination\":\"/t\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
                "\"options\":[\"nosuid\",\"nodev\",\"noexec\",\"size=1024\",\"mode=1777\"]}]");
    expect_json(vol_record_mounts(m, 3),
                "[{\"Type\":\"bind\",\"Source\":\"/h\",\"Destination\":\"/b\",\"Mode\":\"ro\","
                "\"RW\":false,\"Propagation\":\"rshared\"},"
                "{\"Type\":\"volume\",\"Name\":\"db\",\"Source\":\"/root/volumes/db/_data\","
                "\"Destination\":\"/v\",\"Driver\":\"local\",\"Mode\":\"\",\"RW\":true,"
                "\"Propagation\":\"\"},"
                "{\"Type\":\"tmpfs\",\"Source\":\"\",\"Destination\":\"/t\",\"Mode\":\"\","
                "\"RW\":true,\"Propagation\":\"\"}]");
    for (int i = 0; i < 3; i++)
        vol_mount_clear(&m[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_short_anonymous, teardown),
        cmocka_unit_test_teardown(test_short_named, teardown),
        cmocka_unit_test_teardown(test_short_bind, teardown),
        cmocka_unit_test_teardown(test_short_errors, teardown),
        cmocka_unit_test_teardown(test_long_forms, teardown),
        cmocka_unit_test_teardown(test_long_errors, teardown),
        cmocka_unit_test_teardown(test_tmpfs, teardown),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_oci),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
