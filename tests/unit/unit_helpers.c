#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/str.h"
#include "compose/loader/loader.h"
#include "tests/unit/unit_helpers.h"

char unit_tmpdir[64];

int unit_tmpdir_setup(void **state)
{
    (void)state;
    /* Named after the program, so a directory left behind says which test left it. */
    snprintf(unit_tmpdir, sizeof(unit_tmpdir), "/tmp/hoist-%s.XXXXXX",
             program_invocation_short_name);
    return mkdtemp(unit_tmpdir) ? 0 : -1;
}

int unit_tmpdir_teardown(void **state)
{
    (void)state;
    struct herr e = {0};
    return fs_rm_rf(unit_tmpdir, &e);
}

int unit_compose_load(const char *yaml, struct compose_project **p, struct herr *e)
{
    _cleanup_free_ char *path = xasprintf("%s/compose.yaml", unit_tmpdir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(yaml, f);
    fclose(f);
    char *env[] = {"HOME=/home/tester", NULL};
    struct compose_opts o = {.workdir = unit_tmpdir, .environ = env};
    return compose_load(&o, p, e);
}

struct compose_project *unit_compose_loaded(const char *yaml)
{
    struct compose_project *p = NULL;
    struct herr e = {0};
    if (unit_compose_load(yaml, &p, &e) < 0)
        fail_msg("load: %s", e.msg);
    return p;
}
