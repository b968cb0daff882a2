#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "engine/image/image.h"

static void expect_ref(const char *in, const char *norm, const char *display)
{
    struct image_ref r;
    struct herr e = {0};
    if (image_ref_parse(in, &r, &e) < 0)
        fail_msg("%s: %s", in, e.msg);
    _cleanup_free_ char *s = image_ref_string(&r);
    assert_string_equal(s, norm);
    _cleanup_free_ char *d = image_ref_display(s);
    assert_string_equal(d, display);
    image_ref_clear(&r);
}

static void expect_bad_ref(const char *in, const char *msg_part)
{
    struct image_ref r;
    struct herr e = {0};
    if (image_ref_parse(in, &r, &e) == 0) {
        image_ref_clear(&r);
        fail_msg("%s: accepted", in);
    }
    if (!strstr(e.msg, msg_part))
        fail_msg("%s: message \"%s\" lacks \"%s\"", in, e.msg, msg_part);
}

static void test_ref_normalize(void **state)
{
    (void)state;
    expect_ref("busybox", "docker.io/library/busybox:latest", "busybox:latest");
    expect_ref("busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36");
    expect_ref("library/busybox", "docker.io/library/busybox:latest", "busybox:latest");
    expect_ref("docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest");
    expect_ref("user/app:v1", "docker.io/user/app:v1", "user/app:v1");
    expect_ref("host:5000/a/b:t", "host:5000/a/b:t", "host:5000/a/b:t");
    expect_ref("localhost/app", "localhost/app:latest", "localhost/app:latest");
    expect_ref("quay.io/x/y_z.w-v__u", "quay.io/x/y_z.w-v__u:latest",
               "quay.io/x/y_z.w-v__u:latest");
    expect_ref("a--b:Tag_1.x-2", "docker.io/library/a--b:Tag_1.x-2", "a--b:Tag_1.x-2");
    expect_ref("app@sha256:"
               "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
               "docker.io/library/app@sha256:"
               "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
               "app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
}

static void test_ref_reject(void **state)
{
    (void)state;
    expect_bad_ref("", "empty");
    expect_bad_ref("Busybox", "lowercase");
    expect_bad_ref("a:b:c", "invalid reference format");
    expect_bad_ref("x:", "bad tag");
    expect_bad_ref("x:-a", "bad tag");
    expect_bad_ref("a//b", "bad repository name");
    expect_bad_ref("-a", "bad repository name");
    expect_bad_ref("a_", "bad repository name");
    expect_bad_ref("a._b", "bad repository name");
    expect_bad_ref("a b", "bad repository name");
    expect_bad_ref("host-:5000/a", "bad registry");
    expect_bad_ref("host:50x0/a", "bad registry");
    expect_bad_ref("app@sha256:12", "bad digest");
    expect_bad_ref("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                   "reserved for image ids");
    char tag[200] = "x:";
    memset(tag + 2, 'a', 129);
    expect_bad_ref(tag, "bad tag");
    char name[300];
    memset(name, 'a', 299);
    name[299] = '\0';
    expect_bad_ref(name, "longer than");
}

static void test_ref_split(void **state)
{
    (void)state;
    char *repo, *tag;
    image_ref_split_display("host:5000/a/b:t", &repo, &tag);
    assert_string_equal(repo, "host:5000/a/b");
    assert_string_equal(tag, "t");
    free(repo);
    free(tag);
    image_ref_split_display("docker.io/library/busybox:latest", &repo, &tag);
    assert_string_equal(repo, "busybox");
    assert_string_equal(tag, "latest");
    free(repo);
    free(tag);
}

static json_t *apply(const char *const *instrs)
{
    json_t *c = json_object();
    for (; *instrs; instrs++) {
        struct herr e = {0};
        if (image_change_apply(c, *instrs, &e) < 0)
            fail_msg("%s: %s", *instrs, e.msg);
    }
    return c;
}

static void expect_json(json_t *c, const char *key, const char *want)
{
    _cleanup_free_ char *got =
        json_dumps(json_object_get(c, key), JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (!got || strcmp(got, want) != 0)
        fail_msg("%s: got %s, want %s", key, got ? got : "(null)", want);
}

static void test_change_apply(void **state)
{
    (void)state;
    const char *const instrs[] = {"CMD [\"/bin/echo\", \"a b\"]",
                                  "entrypoint /bin/run --flag",
                                  "ENV A=1 B=\"two words\" C='x y' D=a\\ b",
                                  "ENV LEGACY some value here",
                                  "ENV A=replaced",
                                  "WORKDIR /srv",
                                  "WORKDIR app",
                                  "USER 1000:1000",
                                  "EXPOSE 80 53/UDP 8000-8001",
                                  "LABEL k=v \"with space\"=yes",
                                  "VOLUME [\"/a\", \"/b\"]",
                                  "VOLUME /c /d",
                                  "STOPSIGNAL SIGRTMIN+3",
                                  NULL};
    _cleanup_json_ json_t *c = apply(instrs);
    expect_json(c, "Cmd", "[\"/bin/echo\",\"a b\"]");
    expect_json(c, "Entrypoint", "[\"/bin/sh\",\"-c\",\"/bin/run --flag\"]");
    expect_json(c, "Env",
                "[\"A=replaced\",\"B=two words\",\"C=x y\",\"D=a b\",\"LEGACY=some value here\"]");
    expect_json(c, "WorkingDir", "\"/srv/app\"");
    expect_json(c, "User", "\"1000:1000\"");
    expect_json(c, "ExposedPorts", "{\"53/udp\":{},\"80/tcp\":{},\"8000/tcp\":{},\"8001/tcp\":{}}");
    expect_json(c, "Labels", "{\"k\":\"v\",\"with space\":\"yes\"}");
    expect_json(c, "Volumes", "{\"/a\":{},\"/b\":{},\"/c\":{},\"/d\":{}}");
    expect_json(c, "StopSignal", "\"SIGRTMIN+3\"");
    const char *const more[] = {"CMD [not json", "STOPSIGNAL 9", "STOPSIGNAL term", NULL};
    _cleanup_json_ json_t *m = apply(more);
    expect_json(m, "Cmd", "[\"/bin/sh\",\"-c\",\"[not json\"]");
    expect_json(m, "StopSignal", "\"term\"");
}

static void test_change_reject(void **state)
{
    (void)state;
    static const char *const bad[][2] = {
        {"RUN echo", "RUN is not supported"},
        {"", "empty"},
        {"CMD", "CMD requires an argument"},
        {"ENV", "ENV requires an argument"},
        {"ENV KEY", "missing value"},
        {"ENV =v", "not KEY=VALUE"},
        {"LABEL nokey", "not KEY=VALUE"},
        {"ENV A=\"open", "unterminated quote"},
        {"EXPOSE 0", "out of range"},
        {"EXPOSE 65536", "out of range"},
        {"EXPOSE 90-80", "out of range"},
        {"EXPOSE http", "invalid port"},
        {"EXPOSE 80/icmp", "invalid protocol"},
        {"VOLUME relative", "not an absolute path"},
        {"STOPSIGNAL SIGFOO", "invalid signal"},
        {"STOPSIGNAL 0", "invalid signal"},
        {"USER a b", "USER takes one"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        _cleanup_json_ json_t *c = json_object();
        struct herr e = {0};
        if (image_change_apply(c, bad[i][0], &e) == 0)
            fail_msg("\"%s\": accepted", bad[i][0]);
        if (!strstr(e.msg, bad[i][1]))
            fail_msg("\"%s\": message \"%s\" lacks \"%s\"", bad[i][0], e.msg, bad[i][1]);
    }
}

static void expect_path(const char *in, const char *want)
{
    _cleanup_free_ char *out = NULL;
    struct herr e = {0};
    if (image_path_clean(in, &out, &e) < 0)
        fail_msg("%s: %s", in, e.msg);
    assert_string_equal(out, want);
}

static void expect_bad_path(const char *in)
{
    _cleanup_free_ char *out = NULL;
    struct herr e = {0};
    if (image_path_clean(in, &out, &e) == 0)
        fail_msg("%s: accepted as %s", in, out);
    assert_non_null(strstr(e.msg, "\"..\"") ? e.msg : strstr(e.msg, "longer"));
}

static void test_path_clean(void **state)
{
    (void)state;
    expect_path("a/b", "a/b");
    expect_path("./a/b/", "a/b");
    expect_path("/etc/passwd", "etc/passwd");
    expect_path("//a//./b/.", "a/b");
    expect_path("./", "");
    expect_path("/", "");
    expect_path("a/..b/c..", "a/..b/c..");
    expect_path("...", "...");
    expect_bad_path("..");
    expect_bad_path("../x");
    expect_bad_path("a/../../x");
    expect_bad_path("a/..");
    expect_bad_path("/..//etc");
    char *long_name = malloc(5000);
    memset(long_name, 'a', 4999);
    long_name[4999] = '\0';
    expect_bad_path(long_name);
    free(long_name);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ref_normalize), cmocka_unit_test(test_ref_reject),
        cmocka_unit_test(test_ref_split),     cmocka_unit_test(test_change_apply),
        cmocka_unit_test(test_change_reject), cmocka_unit_test(test_path_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
