/* What the unit tests of the compose loader and scheduler share: a scratch directory
 * per test program and loading an inline compose file from it. */
#ifndef HOIST_TESTS_UNIT_HELPERS_H
#define HOIST_TESTS_UNIT_HELPERS_H

struct compose_project;
struct herr;

/* The scratch directory, made by unit_tmpdir_setup. */
extern char unit_tmpdir[64];

/* cmocka group setup and teardown: unit_tmpdir made, then removed with all in it. */
int unit_tmpdir_setup(void **state);
int unit_tmpdir_teardown(void **state);

/* yaml written as unit_tmpdir/compose.yaml and loaded from there, with HOME the only
 * variable of the environment so the caller's cannot change the model. */
int unit_compose_load(const char *yaml, struct compose_project **p, struct herr *e);
/* The same for yaml that must load: the test fails, saying why, when it does not. */
struct compose_project *unit_compose_loaded(const char *yaml);

#endif
