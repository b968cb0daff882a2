/* jansson helpers: typed getters that tolerate absent keys, and atomic record files. */
#ifndef HOIST_COMMON_JSON_H
#define HOIST_COMMON_JSON_H

#include <jansson.h>
#include <stdbool.h>

struct herr;

static inline void cleanup_jsonp(json_t **j)
{
    json_decref(*j);
}
#define _cleanup_json_ __attribute__((cleanup(cleanup_jsonp)))

json_t *hj_load_file(int dirfd, const char *path, struct herr *e);
json_t *hj_load_str(const char *text, const char *what, struct herr *e);
int hj_write_atomic(int dirfd, const char *path, const json_t *j, bool sync, struct herr *e);

/* Absent or wrong-typed keys give the fallback. */
const char *hj_str(const json_t *obj, const char *key);
long long hj_int(const json_t *obj, const char *key, long long fallback);
bool hj_bool(const json_t *obj, const char *key, bool fallback);
/* Walk "a.b.c" through nested objects; NULL when any step is missing. */
json_t *hj_path(const json_t *obj, const char *dotted);
/* A JSON array of strings as an owned strv (NULL entries skipped); NULL if not an array. */
char **hj_strv(const json_t *arr);
json_t *hj_from_strv(char *const *v);

#endif
