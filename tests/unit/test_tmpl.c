/* The inspect --format template subset against Go's text/template output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"
#include "common/json.h"
#include "common/tmpl.h"

static const char doc[] =
    "{\"Id\":\"abc\",\"Name\":\"web\",\"State\":{\"Running\":true,\"Pid\":42,\"Err\":null},"
    "\"Config\":{\"Env\":[\"A=1\",\"B=2\"],\"Labels\":{\"c\":\"d\",\"a\":\"b\","
    "\"com.x\":\"v\"}},\"F\":1.5,\"Big\":1e21}";

static void expect(const char *tmpl, const char *want)
{
    struct herr e = {0};
    json_t *v = hj_load_str(doc, "doc", &e);
    assert_non_null(v);
    char *out = NULL;
    if (tmpl_render(tmpl, v, &out, &e) < 0)
        fail_msg("%s: %s", tmpl, e.msg);
    if (strcmp(out, want) != 0)
        fail_msg("%s: got \"%s\", want \"%s\"", tmpl, out, want);
    free(out);
    json_decref(v);
}

static void expect_error(const char *tmpl, const char *want)
{
    struct herr e = {0};
    json_t *v = hj_load_str(doc, "doc", &e);
    char *out = NULL;
    assert_int_equal(tmpl_render(tmpl, v, &out, &e), -1);
    assert_null(out);
    if (!strstr(e.msg, want))
        fail_msg("%s: error \"%s\" lacks \"%s\"", tmpl, e.msg, want);
    assert_int_equal(e.errnum, EINVAL);
    json_decref(v);
}

static void test_fields(void **state)
{
    (void)state;
    expect("{{.Id}}", "abc");
    expect("id={{.Id}} name={{ .Name }}", "id=abc name=web");
    expect("{{.State.Running}} {{.State.Pid}} {{.State.Err}}", "true 42 <nil>");
    expect("{{.Missing}} {{.Missing.Deeper}}", "<no value> <no value>");
    expect("{{.Config.Env}}", "[A=1 B=2]");
    expect("{{.Config.Labels}}", "map[a:b c:d com.x:v]");
    expect("{{.F}} {{.Big}}", "1.5 1e+21");
    expect("plain text", "plain text");
    expect("", "");
}

static void test_functions(void **state)
{
    (void)state;
    expect("{{json .Config.Env}}", "[\"A=1\",\"B=2\"]");
    expect("{{json .Id}}", "\"abc\"");
    expect("{{json .Missing}}", "null");
    expect("{{index .Config.Labels \"com.x\"}}", "v");
    expect("{{index .Config.Labels `a`}}", "b");
    expect("{{index .Config.Env 1}}", "B=2");
    expect("{{index .Config.Labels \"none\"}}", "<no value>");
    expect("{{upper .Name}} {{.Name | upper}} {{lower \"MiX\"}}", "WEB WEB mix");
    expect("{{join .Config.Env \",\"}}", "A=1,B=2");
    expect("{{len .Config.Env}} {{len .Config.Labels}} {{len .Name}}", "2 3 3");
    expect("{{println .Id .Name}}", "abc web\n");
    expect("{{.}}", "map[Big:1e+21 Config:map[Env:[A=1 B=2] Labels:map[a:b c:d com.x:v]] F:1.5 "
                    "Id:abc Name:web State:map[Err:<nil> Pid:42 Running:true]]");
}

static void test_trim_and_comments(void **state)
{
    (void)state;
    expect("a {{- .Id -}} b", "aabcb");
    expect("a {{.Id -}}\n  b", "a abcb");
    expect("{{/* a comment */}}x", "x");
    expect("{{\"}}\"}}", "}}");
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("{{range .Config.Env}}{{.}}{{end}}", "\"range\" actions are not supported");
    expect_error("{{if .Id}}x{{end}}", "not supported");
    expect_error("{{nosuch .Id}}", "function \"nosuch\" not defined");
    expect_error("{{.Id", "col 1: unclosed action");
    expect_error("x {{ }}", "col 3: empty action");
    expect_error("{{.Id.Sub}}", "can't evaluate field Sub");
    expect_error("{{index .Id 1}}", "cannot index");
    expect_error("{{json}}", "wrong number or type of arguments for json");
    expect_error("{{len .State.Pid}}", "wrong number or type of arguments for len");
    expect_error("{{.Id .Name}}", "cannot take arguments");
    expect_error("{{| upper}}", "missing command");
    expect_error("{{index .Config.Labels 12x}}", "bad number");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_functions),
        cmocka_unit_test(test_trim_and_comments),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
