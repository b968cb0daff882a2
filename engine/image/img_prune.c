/* image prune: remove dangling images (no name), or with all every image no container
 * uses, reporting what went and how many bytes of layers that freed. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/image/image.h"
#include "engine/image/img_internal.h"

/* Ids of the images container records refer to. */
static json_t *images_in_use(const char *root)
{
    json_t *used = json_object();
    _cleanup_free_ char *dir = xasprintf("%s/containers", root);
    _cleanup_dir_ DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        _cleanup_free_ char *p = xasprintf("%s/%s/config.json", dir, de->d_name);
        struct herr ignore = {0};
        _cleanup_json_ json_t *rec = hj_load_file(AT_FDCWD, p, &ignore);
        if (hj_str(rec, "Image"))
            json_object_set_new(used, hj_str(rec, "Image"), json_true());
    }
    return used;
}

/* chain hex -> size of the layers of one image, read before they are deleted. */
static json_t *layer_sizes(const char *root, const char *id)
{
    json_t *m = json_object();
    struct herr ignore = {0};
    _cleanup_json_ json_t *rec = img_db_load(root, id, &ignore);
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(rec, "layers"), i, it)
    {
        const char *c = json_string_value(it);
        if (!c)
            continue;
        _cleanup_free_ char *p = xasprintf("%s/images/layers/%s/meta.json", root, c);
        _cleanup_json_ json_t *meta = hj_load_file(AT_FDCWD, p, &ignore);
        json_object_set_new(m, c, json_integer(hj_int(meta, "size", 0)));
    }
    return m;
}

int image_prune(const char *root, bool all, char ***report, long long *reclaimed, struct herr *e)
{
    if (!*report)
        *report = xcalloc(1, sizeof(char *));
    *reclaimed = 0;
    struct image_summary *imgs = NULL;
    size_t n = 0;
    if (image_list(root, &imgs, &n, e) < 0)
        return -1;
    _cleanup_json_ json_t *used = images_in_use(root);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (json_object_get(used, imgs[i].id) || (!all && imgs[i].refs[0]))
            continue;
        _cleanup_json_ json_t *sizes = layer_sizes(root, imgs[i].id);
        _cleanup_strv_ char **lines = NULL;
        rc = image_remove(root, imgs[i].id, true, &lines, e);
        for (char **l = lines; l && *l; l++) {
            if (str_has_prefix(*l, "Untagged: ")) {
                strv_push(report, xasprintf("untagged: %s", *l + strlen("Untagged: ")));
            } else if (str_has_prefix(*l, "Deleted: ")) {
                const char *what = *l + strlen("Deleted: ");
                strv_push(report, xasprintf("deleted: %s", what));
                *reclaimed += hj_int(sizes, img_id_hex(what) ? img_id_hex(what) : "", 0);
            }
        }
    }
    image_list_free(imgs, n);
    return rc;
}
