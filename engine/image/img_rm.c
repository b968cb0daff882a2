/* image rm: untag, then delete the image and whatever layers no other image uses. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/image/image.h"
#include "engine/image/img_internal.h"

/* Name of a container whose record refers to image id, or NULL. */
static char *container_using(const char *root, const char *id)
{
    _cleanup_free_ char *dir = xasprintf("%s/containers", root);
    _cleanup_dir_ DIR *d = opendir(dir);
    if (!d)
        return NULL;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        _cleanup_free_ char *p = xasprintf("%s/%s/config.json", dir, de->d_name);
        struct herr ignore = {0};
        _cleanup_json_ json_t *rec = hj_load_file(AT_FDCWD, p, &ignore);
        const char *img = hj_str(rec, "Image");
        if (img && strcmp(img, id) == 0)
            return xstrndup(de->d_name, 12);
    }
    return NULL;
}

/* The names of id: how many are tags (not repo@digest), and how many repositories
 * they span (docker refuses an rm by id only across repositories). */
struct refs_count {
    size_t names, tags, repos;
};

static struct refs_count count_refs(const json_t *repos, const char *id)
{
    struct refs_count c = {0};
    _cleanup_json_ json_t *seen = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)repos, k, v)
    {
        if (!json_string_value(v) || strcmp(json_string_value(v), id) != 0)
            continue;
        c.names++;
        c.tags += strchr(k, '@') == NULL;
        _cleanup_free_ char *repo = NULL, *tag = NULL;
        image_ref_split_display(k, &repo, &tag);
        if (!json_object_get(seen, repo)) {
            json_object_set_new(seen, repo, json_true());
            c.repos++;
        }
    }
    return c;
}

static void untag_all(json_t *repos, const char *id, char ***report)
{
    const char *k;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(repos, tmp, k, v)
    {
        if (json_string_value(v) && strcmp(json_string_value(v), id) == 0) {
            _cleanup_free_ char *d = image_ref_display(k);
            strv_push(report, xasprintf("Untagged: %s", d));
            json_object_del(repos, k);
        }
    }
}

/* Chain ids (and their layers' blobs) used by every image other than skip. */
static int layers_in_use(const char *root, const char *skip, json_t *chains, json_t *diffs,
                         struct herr *e)
{
    _cleanup_free_ char *dir = img_path(root, "imagedb");
    _cleanup_dir_ DIR *d = opendir(dir);
    if (!d)
        return herr_sys(e, "open %s", dir);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!str_has_suffix(de->d_name, ".json") || strlen(de->d_name) != IMG_ID_HEX + 5 ||
            strncmp(de->d_name, img_id_hex(skip), IMG_ID_HEX) == 0)
            continue;
        _cleanup_free_ char *p = xasprintf("%s/%s", dir, de->d_name);
        _cleanup_json_ json_t *rec = hj_load_file(AT_FDCWD, p, e);
        if (!rec)
            return -1;
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(rec, "layers"), i, it)
        {
            const char *c = json_string_value(it);
            if (!c || json_object_get(chains, c))
                continue;
            json_object_set_new(chains, c, json_true());
            _cleanup_free_ char *mp = xasprintf("%s/images/layers/%s/meta.json", root, c);
            struct herr ignore = {0};
            _cleanup_json_ json_t *meta = hj_load_file(AT_FDCWD, mp, &ignore);
            const char *blob = img_layer_blob(meta);
            if (blob)
                json_object_set_new(diffs, blob, json_true());
        }
    }
    return 0;
}

/* Renamed away first so a half-deleted layer is never taken for a present one. */
static int remove_layer(const char *root, const char *chain, struct herr *e)
{
    _cleanup_free_ char *from = xasprintf("%s/images/layers/%s", root, chain);
    _cleanup_free_ char *to = xasprintf("%s/images/tmp/%d-rm-%s", root, (int)getpid(), chain);
    if (rename(from, to) < 0)
        return errno == ENOENT ? 0 : herr_sys(e, "remove layer %s", from);
    return fs_rm_rf(to, e);
}

static int delete_image(const char *root, const char *id, json_t *rec, char ***report,
                        struct herr *e)
{
    _cleanup_json_ json_t *chains = json_object(), *diffs = json_object();
    if (layers_in_use(root, id, chains, diffs, e) < 0)
        return -1;
    _cleanup_free_ char *dbp = xasprintf("%s/images/imagedb/%s.json", root, img_id_hex(id));
    if (unlink(dbp) < 0 && errno != ENOENT)
        return herr_sys(e, "remove %s", dbp);
    _cleanup_free_ char *cfg = xasprintf("%s/images/blobs/sha256/%s", root, img_id_hex(id));
    if (unlink(cfg) < 0 && errno != ENOENT)
        return herr_sys(e, "remove %s", cfg);
    strv_push(report, xasprintf("Deleted: %s", id));
    json_t *layers = json_object_get(rec, "layers");
    for (size_t i = json_array_size(layers); i-- > 0;) {
        const char *c = json_string_value(json_array_get(layers, i));
        if (!c || !img_is_hex64(c) || json_object_get(chains, c))
            continue;
        _cleanup_free_ char *mp = xasprintf("%s/images/layers/%s/meta.json", root, c);
        struct herr ignore = {0};
        _cleanup_json_ json_t *meta = hj_load_file(AT_FDCWD, mp, &ignore);
        const char *blob = img_id_hex(img_layer_blob(meta));
        if (remove_layer(root, c, e) < 0)
            return -1;
        strv_push(report, xasprintf("Deleted: sha256:%s", c));
        if (blob && img_is_hex64(blob) && !json_object_get(diffs, img_layer_blob(meta))) {
            _cleanup_free_ char *bp = xasprintf("%s/images/blobs/sha256/%s", root, blob);
            if (unlink(bp) < 0 && errno != ENOENT)
                return herr_sys(e, "remove %s", bp);
        }
    }
    return 0;
}

int image_remove(const char *root, const char *ref, bool force, char ***report, struct herr *e)
{
    if (!*report)
        *report = xcalloc(1, sizeof(char *));
    _cleanup_close_ int lock = img_store_lock(root, e);
    if (lock < 0)
        return -1;
    _cleanup_json_ json_t *repos = img_repos_load(root, e);
    if (!repos)
        return -1;
    _cleanup_free_ char *id = NULL, *name = NULL;
    if (img_resolve(root, repos, ref, &id, &name, e) < 0)
        return -1;
    _cleanup_json_ json_t *rec = img_db_load(root, id, e);
    if (!rec)
        return herr_wrap(e, "image %s", ref);
    _cleanup_free_ char *user = container_using(root, id);
    struct refs_count nrefs = count_refs(repos, id);
    char shortid[13];
    snprintf(shortid, sizeof(shortid), "%s", img_id_hex(id));

    /* One name goes while another tag stays (a digest name alone keeps nothing: the
     * image goes with its last tag, as docker's does), or a digest name while any name
     * stays. */
    bool is_digest = name && strchr(name, '@');
    bool others = is_digest ? nrefs.names > 1 : nrefs.tags > 1;
    if (name && (others || (user && force))) {
        _cleanup_free_ char *d = image_ref_display(name);
        json_object_del(repos, name);
        strv_push(report, xasprintf("Untagged: %s", d));
        return img_repos_save(root, repos, e);
    }
    if (user && !force)
        return herr_set(e, EBUSY,
                        "unable to remove image %s (must be forced): image is being used by "
                        "container %s",
                        name ? ref : shortid, user);
    if (!name && nrefs.repos > 1 && !force)
        return herr_set(e, EBUSY,
                        "unable to delete %s (must be forced): image is referenced in multiple "
                        "repositories",
                        shortid);
    untag_all(repos, id, report);
    if (img_repos_save(root, repos, e) < 0)
        return -1;
    if (user)
        return 0;
    return delete_image(root, id, rec, report, e);
}
