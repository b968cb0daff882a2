/* image history: the config's history entries matched to the layers they made. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/image/image.h"
#include "engine/image/img_internal.h"

static long long layer_size(const char *root, const char *chain)
{
    _cleanup_free_ char *p = xasprintf("%s/images/layers/%s/meta.json", root, chain);
    struct herr ignore = {0};
    _cleanup_json_ json_t *meta = hj_load_file(AT_FDCWD, p, &ignore);
    return hj_int(meta, "size", 0);
}

static json_t *entry(const char *created, const char *by, long long size, const char *comment)
{
    return json_pack("{s:s, s:s, s:s, s:I, s:s, s:[]}", "Id", "<missing>", "Created",
                     created ? created : "", "CreatedBy", by ? by : "", "Size", (json_int_t)size,
                     "Comment", comment ? comment : "", "Tags");
}

int image_history(const char *root, const char *ref, json_t **out, struct herr *e)
{
    _cleanup_json_ json_t *info = NULL;
    if (image_inspect(root, ref, &info, e) < 0)
        return -1;
    const char *id = hj_str(info, "Id");
    _cleanup_json_ json_t *rec = img_db_load(root, id, e);
    _cleanup_free_ char *cpath = xasprintf("%s/images/blobs/sha256/%s", root, img_id_hex(id));
    _cleanup_json_ json_t *cfg = rec ? hj_load_file(AT_FDCWD, cpath, e) : NULL;
    if (!cfg)
        return herr_wrap(e, "image %s", ref);
    json_t *layers = json_object_get(rec, "layers");
    json_t *hist = json_object_get(cfg, "history");
    json_t *v = json_array();
    size_t k = 0, i;
    json_t *h;
    json_array_foreach(hist, i, h)
    {
        long long size = 0;
        if (!hj_bool(h, "empty_layer", false) && k < json_array_size(layers))
            size = layer_size(root, json_string_value(json_array_get(layers, k++)));
        json_array_insert_new(
            v, 0, entry(hj_str(h, "created"), hj_str(h, "created_by"), size, hj_str(h, "comment")));
    }
    /* Layers the history does not describe (or no history at all) still show. */
    for (; k < json_array_size(layers); k++)
        json_array_insert_new(v, 0,
                              entry(hj_str(cfg, "created"), "",
                                    layer_size(root, json_string_value(json_array_get(layers, k))),
                                    NULL));
    json_t *top = json_array_get(v, 0);
    if (top) {
        json_object_set_new(top, "Id", json_string(id));
        json_object_set(top, "Tags", json_object_get(info, "RepoTags"));
    }
    *out = v;
    return 0;
}
