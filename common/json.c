#include <fcntl.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"

json_t *hj_load_str(const char *text, const char *what, struct herr *e)
{
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    if (!j)
        herr_set(e, 0, "%s:%d:%d: invalid JSON: %s", what, je.line, je.column, je.text);
    return j;
}

json_t *hj_load_file(int dirfd, const char *path, struct herr *e)
{
    _cleanup_free_ char *text = NULL;
    if (fs_read_all(dirfd, path, &text, NULL, e) < 0)
        return NULL;
    return hj_load_str(text, path, e);
}

int hj_write_atomic(int dirfd, const char *path, const json_t *j, bool sync, struct herr *e)
{
    _cleanup_free_ char *text = json_dumps(j, JSON_COMPACT);
    if (!text)
        return herr_set(e, ENOMEM, "serialize %s", path);
    return fs_write_atomic(dirfd, path, text, strlen(text), 0644, sync, e);
}

const char *hj_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

long long hj_int(const json_t *obj, const char *key, long long fallback)
{
    json_t *v = json_object_get(obj, key);
    return json_is_integer(v) ? json_integer_value(v) : fallback;
}

bool hj_bool(const json_t *obj, const char *key, bool fallback)
{
    json_t *v = json_object_get(obj, key);
    return json_is_boolean(v) ? json_is_true(v) : fallback;
}

json_t *hj_path(const json_t *obj, const char *dotted)
{
    char key[256];
    const char *p = dotted;
    json_t *cur = (json_t *)obj;
    while (cur && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n >= sizeof(key))
            return NULL;
        memcpy(key, p, n);
        key[n] = '\0';
        cur = json_object_get(cur, key);
        p = dot ? dot + 1 : p + n;
    }
    return cur;
}

char **hj_strv(const json_t *arr)
{
    if (!json_is_array(arr))
        return NULL;
    char **v = xcalloc(json_array_size(arr) + 1, sizeof(char *));
    size_t i, n = 0;
    json_t *it;
    json_array_foreach(arr, i, it)
    {
        if (json_is_string(it))
            v[n++] = xstrdup(json_string_value(it));
    }
    return v;
}

json_t *hj_from_strv(char *const *v)
{
    json_t *arr = json_array();
    for (size_t i = 0; v && v[i]; i++)
        json_array_append_new(arr, json_string(v[i]));
    return arr;
}
