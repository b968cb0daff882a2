#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"
#include "engine/runtime/rt_internal.h"

static int parse(const char *text, const json_t **out, struct herr *e)
{
    json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
    assert_non_null(j);
    int r = rt_hooks_parse(j, out, e);
    /* When *out is set it is j itself, and the caller frees it. */
    if (r < 0 || !*out)
        json_decref(j);
    return r;
}

static void test_hooks_accepted(void **state)
{
    (void)state;
    struct herr e = {0};
    const json_t *h = (const json_t *)1;
    assert_int_equal(rt_hooks_parse(NULL, &h, &e), 0);
    assert_null(h);
    assert_int_equal(parse("{}", &h, &e), 0);
    assert_null(h);
    assert_int_equal(parse("{\"poststop\": [], \"unknownKind\": 3}", &h, &e), 0);
    assert_null(h);
    assert_int_equal(parse("{\"createRuntime\": [{\"path\": \"/bin/true\", \"args\": [\"true\"], "
                           "\"env\": [\"A=1\"], \"timeout\": 5}], \"poststart\": null}",
                           &h, &e),
                     0);
    assert_non_null(h);
    assert_true(rt_hooks_has(h, "createRuntime"));
    assert_false(rt_hooks_has(h, "poststart"));
    assert_false(rt_hooks_has(NULL, "poststart"));
    json_decref((json_t *)h);
}

static void test_hooks_refused(void **state)
{
    (void)state;
    static const struct {
        const char *json, *msg;
    } bad[] = {
        {"[]", "hooks must be an object"},
        {"{\"prestart\": {}}", "hooks.prestart must be an array"},
        {"{\"prestart\": [3]}", "hooks.prestart[0] must be an object"},
        {"{\"poststop\": [{\"args\": []}]}", "hooks.poststop[0].path must be an absolute path"},
        {"{\"poststop\": [{\"path\": \"x/y\"}]}", "hooks.poststop[0].path must be an absolute"},
        {"{\"poststart\": [{\"path\": \"/a\"}, {\"path\": \"/b\", \"timeout\": 0}]}",
         "hooks.poststart[1].timeout must be a positive integer"},
        {"{\"poststart\": [{\"path\": \"/a\", \"timeout\": 1.5}]}", "timeout must be a positive"},
        {"{\"createContainer\": [{\"path\": \"/a\", \"args\": \"x\"}]}",
         "hooks.createContainer[0].args must be an array of strings"},
        {"{\"startContainer\": [{\"path\": \"/a\", \"env\": [\"A=1\", 2]}]}",
         "hooks.startContainer[0].env[1] must be a string"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct herr e = {0};
        const json_t *h = NULL;
        assert_int_equal(parse(bad[i].json, &h, &e), -1);
        assert_null(h);
        if (!strstr(e.msg, bad[i].msg))
            fail_msg("%s: got \"%s\", want \"%s\"", bad[i].json, e.msg, bad[i].msg);
    }
}

static void test_hook_state(void **state)
{
    (void)state;
    json_t *ann = json_pack("{s:s}", "k", "v");
    char *s = rt_hook_state("c1", "creating", 42, "/b", ann);
    json_t *j = json_loads(s, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "id")), "c1");
    assert_string_equal(json_string_value(json_object_get(j, "status")), "creating");
    assert_int_equal(json_integer_value(json_object_get(j, "pid")), 42);
    assert_string_equal(json_string_value(json_object_get(j, "bundle")), "/b");
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "annotations"), "k")),
                        "v");
    assert_non_null(json_string_value(json_object_get(j, "ociVersion")));
    json_decref(j);
    free(s);
    s = rt_hook_state("c1", "stopped", 0, "/b", NULL);
    j = json_loads(s, 0, NULL);
    assert_true(json_is_object(json_object_get(j, "annotations")));
    assert_int_equal(json_object_size(json_object_get(j, "annotations")), 0);
    json_decref(j);
    free(s);
    json_decref(ann);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hooks_accepted),
        cmocka_unit_test(test_hooks_refused),
        cmocka_unit_test(test_hook_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
