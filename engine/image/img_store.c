/* The hot-path side of the store: naming, lookup, listing, inspect and tag. Nothing
 * here reads or hashes layer content. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/lock.h"
#include "common/str.h"
#include "engine/image/image.h"
#include "engine/image/img_internal.h"

char *img_path(const char *root, const char *sub)
{
    return sub ? xasprintf("%s/images/%s", root, sub) : xasprintf("%s/images", root);
}

int img_store_init(const char *root, struct herr *e)
{
    static const char *const subs[] = {"blobs/sha256", "layers", "imagedb", "tmp", NULL};
    for (const char *const *s = subs; *s; s++) {
        _cleanup_free_ char *p = img_path(root, *s);
        if (fs_mkdir_p(p, 0700, e) < 0)
            return -1;
    }
    return 0;
}

int img_store_lock(const char *root, struct herr *e)
{
    _cleanup_free_ char *dir = img_path(root, NULL);
    if (fs_mkdir_p(dir, 0700, e) < 0)
        return -1;
    _cleanup_free_ char *p = img_path(root, "lock");
    return lock_take(p, e);
}

json_t *img_repos_load(const char *root, struct herr *e)
{
    _cleanup_free_ char *p = img_path(root, "repositories.json");
    _cleanup_free_ char *text = NULL;
    struct herr tmp = {0};
    if (fs_read_all(AT_FDCWD, p, &text, NULL, &tmp) < 0) {
        if (tmp.errnum == ENOENT)
            return json_object();
        *e = tmp;
        return NULL;
    }
    json_t *j = hj_load_str(text, p, e);
    if (j && !json_is_object(j)) {
        json_decref(j);
        herr_set(e, EINVAL, "%s: not a JSON object", p);
        return NULL;
    }
    return j;
}

int img_repos_save(const char *root, json_t *repos, struct herr *e)
{
    _cleanup_free_ char *p = img_path(root, "repositories.json");
    _cleanup_free_ char *text = json_dumps(repos, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (!text)
        return herr_set(e, ENOMEM, "serialize %s", p);
    return fs_write_atomic(AT_FDCWD, p, text, strlen(text), 0600, true, e);
}

bool img_is_hex64(const char *s)
{
    return strlen(s) == IMG_ID_HEX && strspn(s, "0123456789abcdef") == IMG_ID_HEX;
}

const char *img_id_hex(const char *id)
{
    return id && str_has_prefix(id, "sha256:") ? id + 7 : NULL;
}

char *img_now_rfc3339(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char buf[40];
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
    return xasprintf("%s.%09ldZ", buf, ts.tv_nsec);
}

json_t *img_db_load(const char *root, const char *id, struct herr *e)
{
    _cleanup_free_ char *p = xasprintf("%s/images/imagedb/%s.json", root, img_id_hex(id));
    json_t *j = hj_load_file(AT_FDCWD, p, e);
    if (j && !json_is_array(json_object_get(j, "layers"))) {
        json_decref(j);
        herr_set(e, EINVAL, "image record %s: no layer list", p);
        return NULL;
    }
    return j;
}

int img_db_save(const char *root, const char *id, json_t *rec, struct herr *e)
{
    _cleanup_free_ char *p = xasprintf("%s/images/imagedb/%s.json", root, img_id_hex(id));
    return hj_write_atomic(AT_FDCWD, p, rec, true, e);
}

/* Ids of all images whose hex starts with prefix. */
static int match_prefix(const char *root, const char *prefix, char ***out, struct herr *e)
{
    _cleanup_free_ char *dir = img_path(root, "imagedb");
    _cleanup_dir_ DIR *d = opendir(dir);
    *out = xcalloc(1, sizeof(char *));
    if (!d)
        return errno == ENOENT ? 0 : herr_sys(e, "open %s", dir);
    struct dirent *de;
    size_t plen = strlen(prefix);
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n != IMG_ID_HEX + 5 || !str_has_suffix(de->d_name, ".json"))
            continue;
        if (strncmp(de->d_name, prefix, plen) == 0)
            strv_push(out, xasprintf("sha256:%.*s", IMG_ID_HEX, de->d_name));
    }
    return 0;
}

int img_resolve(const char *root, const json_t *repos, const char *ref, char **id, char **ref_out,
                struct herr *e)
{
    const char *hex = str_has_prefix(ref, "sha256:") ? ref + 7 : NULL;
    if (!hex) {
        struct image_ref r;
        struct herr perr = {0};
        if (image_ref_parse(ref, &r, &perr) == 0) {
            _cleanup_free_ char *norm = image_ref_string(&r);
            image_ref_clear(&r);
            const char *v = json_string_value(json_object_get(repos, norm));
            if (v) {
                *id = xstrdup(v);
                if (ref_out)
                    *ref_out = steal_ptr(&norm);
                return 0;
            }
        }
        if (*ref && strspn(ref, "0123456789abcdef") == strlen(ref))
            hex = ref;
        else if (perr.msg[0])
            return herr_set(e, perr.errnum, "%s", perr.msg);
    }
    if (!hex || !*hex || strspn(hex, "0123456789abcdef") != strlen(hex) || strlen(hex) > IMG_ID_HEX)
        return herr_plain(e, ENOENT, "No such image: %s", ref);
    _cleanup_strv_ char **ids = NULL;
    if (match_prefix(root, hex, &ids, e) < 0)
        return -1;
    size_t n = strv_len(ids);
    if (n == 0)
        return herr_plain(e, ENOENT, "No such image: %s", ref);
    if (n > 1)
        return herr_set(e, EINVAL, "image id prefix \"%s\" is ambiguous (%zu images match)", hex,
                        n);
    *id = xstrdup(ids[0]);
    if (ref_out)
        *ref_out = NULL;
    return 0;
}

static json_t *load_config(const char *root, const char *id, struct herr *e)
{
    _cleanup_free_ char *p = xasprintf("%s/images/blobs/sha256/%s", root, img_id_hex(id));
    json_t *j = hj_load_file(AT_FDCWD, p, e);
    if (j && !json_is_object(j)) {
        json_decref(j);
        herr_set(e, EINVAL, "image config %s: not a JSON object", p);
        return NULL;
    }
    return j;
}

int image_lookup(const char *root, const char *ref, struct image **out, struct herr *e)
{
    _cleanup_json_ json_t *repos = img_repos_load(root, e);
    if (!repos)
        return -1;
    _cleanup_free_ char *id = NULL, *name = NULL;
    if (img_resolve(root, repos, ref, &id, &name, e) < 0)
        return -1;
    _cleanup_json_ json_t *rec = img_db_load(root, id, e);
    if (!rec)
        return herr_wrap(e, "image %s", ref);
    json_t *config = load_config(root, id, e);
    if (!config)
        return herr_wrap(e, "image %s", ref);
    struct image *img = xcalloc(1, sizeof(*img));
    img->id = steal_ptr(&id);
    img->ref = steal_ptr(&name);
    img->config = config;
    img->layers = xcalloc(1, sizeof(char *));
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(rec, "layers"), i, it)
    {
        const char *chain = json_string_value(it);
        if (!chain || !img_is_hex64(chain)) {
            image_free(img);
            return herr_set(e, EINVAL, "image %s: corrupt layer list", ref);
        }
        strv_push(&img->layers, xasprintf("%s/images/layers/%s/diff", root, chain));
    }
    *out = img;
    return 0;
}

void image_free(struct image *img)
{
    if (!img)
        return;
    free(img->id);
    free(img->ref);
    json_decref(img->config);
    strv_free(img->layers);
    free(img);
}

static char **refs_of(const json_t *repos, const char *id)
{
    char **v = xcalloc(1, sizeof(char *));
    const char *k;
    json_t *val;
    json_object_foreach((json_t *)repos, k, val)
    {
        if (strcmp(json_string_value(val) ? json_string_value(val) : "", id) == 0)
            strv_push(&v, xstrdup(k));
    }
    return v;
}

static int by_created_desc(const void *a, const void *b)
{
    const struct image_summary *x = a, *y = b;
    return strcmp(y->created, x->created);
}

int image_list(const char *root, struct image_summary **out, size_t *n, struct herr *e)
{
    _cleanup_json_ json_t *repos = img_repos_load(root, e);
    if (!repos)
        return -1;
    _cleanup_strv_ char **ids = NULL;
    if (match_prefix(root, "", &ids, e) < 0)
        return -1;
    size_t count = strv_len(ids), k = 0;
    struct image_summary *v = xcalloc(count + 1, sizeof(*v));
    for (size_t i = 0; i < count; i++) {
        struct herr skip = {0};
        _cleanup_json_ json_t *rec = img_db_load(root, ids[i], &skip);
        _cleanup_json_ json_t *cfg = rec ? load_config(root, ids[i], &skip) : NULL;
        if (!cfg)
            continue; /* being created or removed right now */
        v[k].id = xstrdup(ids[i]);
        v[k].refs = refs_of(repos, ids[i]);
        v[k].created = xstrdup(hj_str(cfg, "created") ? hj_str(cfg, "created") : "");
        v[k].size = hj_int(rec, "size", 0);
        k++;
    }
    qsort(v, k, sizeof(*v), by_created_desc);
    *out = v;
    *n = k;
    return 0;
}

void image_list_free(struct image_summary *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].id);
        strv_free(v[i].refs);
        free(v[i].created);
    }
    free(v);
}

int image_inspect(const char *root, const char *ref, json_t **out, struct herr *e)
{
    _cleanup_json_ json_t *repos = img_repos_load(root, e);
    if (!repos)
        return -1;
    _cleanup_free_ char *id = NULL;
    if (img_resolve(root, repos, ref, &id, NULL, e) < 0)
        return -1;
    _cleanup_json_ json_t *rec = img_db_load(root, id, e);
    _cleanup_json_ json_t *cfg = rec ? load_config(root, id, e) : NULL;
    if (!cfg)
        return herr_wrap(e, "image %s", ref);
    _cleanup_strv_ char **refs = refs_of(repos, id);
    json_t *tags = json_array(), *digests = json_array();
    for (char **r = refs; *r; r++) {
        _cleanup_free_ char *d = image_ref_display(*r);
        json_array_append_new(strchr(*r, '@') ? digests : tags, json_string(d));
    }
    json_t *hist = json_object_get(cfg, "history");
    json_t *last = json_array_get(hist, json_array_size(hist) ? json_array_size(hist) - 1 : 0);
    const char *comment = hj_str(last, "comment");
    json_t *lower = json_array();
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(rec, "layers"), i, it)
    {
        _cleanup_free_ char *p = xasprintf("%s/images/layers/%s/diff", root, json_string_value(it));
        json_array_insert_new(lower, 0, json_string(p));
    }
    json_t *diff_ids = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
    *out = json_pack(
        "{s:s, s:o, s:o, s:s, s:s, s:s, s:s, s:O, s:s, s:s, s:I, s:{s:s, s:O}, s:{s:s, s:{s:o}}}",
        "Id", id, "RepoTags", tags, "RepoDigests", digests, "Parent", "", "Comment",
        comment ? comment : "", "Created", hj_str(cfg, "created") ? hj_str(cfg, "created") : "",
        "Author", hj_str(cfg, "author") ? hj_str(cfg, "author") : "", "Config",
        json_object_get(cfg, "config") ? json_object_get(cfg, "config") : json_null(),
        "Architecture", hj_str(cfg, "architecture") ? hj_str(cfg, "architecture") : "", "Os",
        hj_str(cfg, "os") ? hj_str(cfg, "os") : "", "Size", (json_int_t)hj_int(rec, "size", 0),
        "RootFS", "Type", "layers", "Layers", diff_ids ? diff_ids : json_null(), "GraphDriver",
        "Name", "overlay", "Data", "LowerDirs", lower);
    if (!*out)
        return herr_set(e, ENOMEM, "image %s: build inspect output", ref);
    return 0;
}

int image_tag(const char *root, const char *src, const char *dst, struct herr *e)
{
    struct image_ref r;
    if (image_ref_parse(dst, &r, e) < 0)
        return -1;
    _cleanup_free_ char *norm = image_ref_string(&r);
    image_ref_clear(&r);
    _cleanup_close_ int lock = img_store_lock(root, e);
    if (lock < 0)
        return -1;
    _cleanup_json_ json_t *repos = img_repos_load(root, e);
    if (!repos)
        return -1;
    _cleanup_free_ char *id = NULL;
    if (img_resolve(root, repos, src, &id, NULL, e) < 0)
        return -1;
    json_object_set_new(repos, norm, json_string(id));
    return img_repos_save(root, repos, e);
}

int image_pulled_at(const char *root, const char *ref, long long *secs, struct herr *e)
{
    _cleanup_json_ json_t *repos = img_repos_load(root, e);
    _cleanup_free_ char *id = NULL, *name = NULL;
    if (!repos || img_resolve(root, repos, ref, &id, &name, e) < 0)
        return -1;
    _cleanup_free_ char *p = img_path(root, "pulled.json");
    struct herr ignore = {0};
    _cleanup_json_ json_t *pulled = hj_load_file(AT_FDCWD, p, &ignore);
    const json_t *t = name ? json_object_get(pulled, name) : NULL;
    if (json_is_integer(t)) {
        *secs = json_integer_value(t);
        return 0;
    }
    /* Never pulled under this name (loaded, imported, committed): when it was stored. */
    _cleanup_free_ char *db = xasprintf("%s/images/imagedb/%s.json", root, img_id_hex(id));
    struct stat st;
    if (stat(db, &st) < 0)
        return herr_sys(e, "stat %s", db);
    *secs = st.st_mtime;
    return 0;
}

int img_pulled_record(const char *root, const char *name, struct herr *e)
{
    _cleanup_close_ int lock = img_store_lock(root, e);
    if (lock < 0)
        return -1;
    _cleanup_free_ char *p = img_path(root, "pulled.json");
    struct herr ignore = {0};
    _cleanup_json_ json_t *pulled = hj_load_file(AT_FDCWD, p, &ignore);
    if (!json_is_object(pulled)) {
        json_decref(pulled);
        pulled = json_object();
    }
    json_object_set_new(pulled, name, json_integer((json_int_t)time(NULL)));
    return hj_write_atomic(AT_FDCWD, p, pulled, false, e);
}

const char *img_layer_blob(const json_t *meta)
{
    const char *blob = hj_str(meta, "blob");
    return blob ? blob : hj_str(meta, "diff_id");
}
