/* Volumes of a container: -v, --mount, --tmpfs, --volumes-from and the image's VOLUMEs
 * prepared at create; driver-backed volumes mounted before each start and unmounted
 * when their last running user stopped; anonymous volumes removed with the container. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/container/container.h"
#include "engine/container/ctr_internal.h"
#include "volumes/volumes.h"

struct mounts {
    struct vol_mount *v;
    size_t n;
};

static void mounts_free(struct mounts *m)
{
    for (size_t i = 0; i < m->n; i++)
        vol_mount_clear(&m->v[i]);
    free(m->v);
}

static struct vol_mount *mounts_add(struct mounts *m)
{
    m->v = xrealloc(m->v, (m->n + 1) * sizeof(*m->v));
    memset(&m->v[m->n], 0, sizeof(*m->v));
    m->v[m->n].tmpfs_mode = -1;
    return &m->v[m->n++];
}

static bool has_target(const struct mounts *m, const char *target)
{
    for (size_t i = 0; i < m->n; i++) {
        if (m->v[i].target && strcmp(m->v[i].target, target) == 0)
            return true;
    }
    return false;
}

/* --volumes-from C[:ro|:rw]: C's volumes and binds, at the same places. */
static int volumes_from(const struct ctr_ctx *c, const char *spec, struct mounts *m, struct herr *e)
{
    _cleanup_free_ char *ref = xstrdup(spec);
    char *colon = strchr(ref, ':');
    int ro = -1;
    if (colon) {
        *colon++ = '\0';
        if (strcmp(colon, "ro") != 0 && strcmp(colon, "rw") != 0)
            return herr_set(e, 0, "invalid --volumes-from \"%s\": the mode must be ro or rw", spec);
        ro = strcmp(colon, "ro") == 0;
    }
    _cleanup_free_ char *id = NULL;
    _cleanup_json_ json_t *rec = NULL;
    if (ctr_resolve(c, ref, &id, e) < 0 || !(rec = ctr_inspect(c, id, e)))
        return herr_wrap(e, "--volumes-from %s", spec);
    size_t i;
    const json_t *x;
    json_array_foreach(json_object_get(rec, "Mounts"), i, x)
    {
        const char *type = hj_str(x, "Type"), *dst = hj_str(x, "Destination");
        bool bind = type && strcmp(type, "bind") == 0;
        if (!dst || has_target(m, dst) || (!bind && (!type || strcmp(type, "volume") != 0)))
            continue;
        const char *src = bind ? hj_str(x, "Source") : hj_str(x, "Name");
        if (!src || !*src)
            continue;
        struct vol_mount *v = mounts_add(m);
        v->type = bind ? VOL_BIND : VOL_VOLUME;
        v->source = xstrdup(src);
        v->target = xstrdup(dst);
        v->readonly = ro >= 0 ? ro : !hj_bool(x, "RW", true);
        v->nocopy = true;
        if (bind && hj_str(x, "Propagation") && *hj_str(x, "Propagation"))
            v->propagation = xstrdup(hj_str(x, "Propagation"));
    }
    return 0;
}

static int parse_all(const struct ctr_ctx *c, const struct ctr_opts *o, const json_t *icfg,
                     struct mounts *m, struct herr *e)
{
    char cwd[PATH_MAX];
    const char *base = o->basedir;
    if (!base)
        base = getcwd(cwd, sizeof(cwd));
    if (!base)
        return herr_sys(e, "current directory");
    const char *home = getenv("HOME");
    for (char **p = o->volumes; p && *p; p++) {
        if (vol_parse_short(*p, base, home, mounts_add(m), e) < 0)
            return -1;
        if (has_target(&(struct mounts){m->v, m->n - 1}, m->v[m->n - 1].target))
            return herr_set(e, 0, "duplicate mount point: %s", m->v[m->n - 1].target);
    }
    for (char **p = o->mounts; p && *p; p++) {
        if (vol_parse_long(*p, base, home, mounts_add(m), e) < 0)
            return -1;
        if (has_target(&(struct mounts){m->v, m->n - 1}, m->v[m->n - 1].target))
            return herr_set(e, 0, "duplicate mount point: %s", m->v[m->n - 1].target);
    }
    for (char **p = o->tmpfs; p && *p; p++) {
        if (vol_parse_tmpfs(*p, mounts_add(m), e) < 0)
            return -1;
        if (has_target(&(struct mounts){m->v, m->n - 1}, m->v[m->n - 1].target))
            return herr_set(e, 0, "duplicate mount point: %s", m->v[m->n - 1].target);
    }
    for (char **p = o->volumes_from; p && *p; p++) {
        if (volumes_from(c, *p, m, e) < 0)
            return -1;
    }
    const char *path;
    const json_t *v;
    json_object_foreach(json_object_get(icfg, "Volumes"), path, v)
    {
        if (path[0] != '/' || has_target(m, path))
            continue;
        struct vol_mount *a = mounts_add(m);
        a->type = VOL_VOLUME;
        a->target = xstrdup(path);
    }
    return 0;
}

void ctr_vol_undo(const struct ctr_ctx *c, char **created)
{
    for (char **p = created; p && *p; p++)
        vol_remove(c->root, *p, NULL);
}

/* The host directories containers can write: every read-write bind source of every
 * container (volumes are known to volumes/). Listed only when a bind source holds a
 * symbolic link, which is rare. */
struct shared_dirs {
    const struct ctr_ctx *c;
    bool listed;
    char **dirs;
};

static void list_shared(struct shared_dirs *s)
{
    s->listed = true;
    s->dirs = xcalloc(1, sizeof(char *));
    _cleanup_strv_ char **ids = NULL;
    if (ctr_list(s->c, &ids, NULL) < 0)
        return;
    for (char **id = ids; id && *id; id++) {
        _cleanup_json_ json_t *rec = ctr_inspect(s->c, *id, NULL);
        size_t i;
        const json_t *x;
        json_array_foreach(json_object_get(rec, "Mounts"), i, x)
        {
            const char *t = hj_str(x, "Type"), *src = hj_str(x, "Source");
            char *real = t && strcmp(t, "bind") == 0 && hj_bool(x, "RW", true) && src
                             ? realpath(src, NULL)
                             : NULL;
            if (real)
                strv_push(&s->dirs, real);
        }
    }
}

static int shared_dir(const char *dir, void *arg)
{
    struct shared_dirs *s = arg;
    if (!s->listed)
        list_shared(s);
    for (char **d = s->dirs; *d; d++) {
        if (fs_path_under(dir, *d))
            return 1;
    }
    return 0;
}

int ctr_vol_create(const struct ctr_ctx *c, const struct ctr_opts *o, const json_t *icfg,
                   int rootfd, json_t *rec, json_t **oci, char ***created, struct herr *e)
{
    *oci = NULL;
    struct mounts m = {0};
    struct shared_dirs sh = {.c = c};
    int r = parse_all(c, o, icfg, &m, e);
    for (size_t i = 0; r == 0 && i < m.n; i++) {
        struct vol_mount *x = &m.v[i];
        x->shared_dir = shared_dir;
        x->shared_arg = &sh;
        bool fresh = false;
        if (x->type == VOL_VOLUME) {
            json_t *old = x->source ? vol_inspect(c->root, x->source, NULL) : NULL;
            fresh = !old;
            json_decref(old);
        }
        r = vol_prepare(c->root, x, rootfd, e);
        if (r == 0 && fresh)
            strv_push(created, xstrdup(x->source));
    }
    if (r == 0) {
        *oci = vol_oci_mounts(m.v, m.n);
        json_object_set_new(rec, "Mounts", vol_record_mounts(m.v, m.n));
        json_t *hc = json_object_get(rec, "HostConfig");
        json_object_set_new(hc, "Binds", hj_from_strv(o->volumes));
        json_object_set_new(hc, "VolumesFrom", hj_from_strv(o->volumes_from));
    }
    mounts_free(&m);
    strv_free(sh.dirs);
    return r;
}

/* The volume a record's Mounts entry names, NULL for binds and tmpfs. */
static const char *volume_of(const json_t *x)
{
    const char *t = hj_str(x, "Type");
    return t && strcmp(t, "volume") == 0 ? hj_str(x, "Name") : NULL;
}

int ctr_vol_start(const struct ctr_ctx *c, const json_t *rec, struct herr *e)
{
    size_t i;
    const json_t *x;
    json_array_foreach(json_object_get(rec, "Mounts"), i, x)
    {
        if (volume_of(x) && vol_mount(c->root, volume_of(x), e) < 0)
            return -1;
    }
    return 0;
}

static bool running_elsewhere(const struct ctr_ctx *c, const char *vol, const char *self)
{
    _cleanup_strv_ char **ids = NULL;
    if (vol_users(c->root, vol, &ids, NULL) < 0)
        return true;
    for (char **p = ids; *p; p++) {
        if (strcmp(*p, self) == 0)
            continue;
        _cleanup_json_ json_t *other = ctr_inspect(c, *p, NULL);
        const char *st = other ? ctr_status(other) : "";
        if (strcmp(st, "running") == 0 || strcmp(st, "restarting") == 0)
            return true;
    }
    return false;
}

void ctr_vol_stopped(const struct ctr_ctx *c, const json_t *rec)
{
    size_t i;
    const json_t *x;
    json_array_foreach(json_object_get(rec, "Mounts"), i, x)
    {
        const char *name = volume_of(x);
        if (!name)
            continue;
        _cleanup_json_ json_t *v = vol_inspect(c->root, name, NULL);
        if (json_object_size(json_object_get(v, "Options")) > 0 &&
            !running_elsewhere(c, name, hj_str(rec, "Id")))
            vol_unmount(c->root, name, NULL);
    }
}

char **ctr_vol_anonymous(const struct ctr_ctx *c, const json_t *rec)
{
    char **out = xcalloc(1, sizeof(char *));
    size_t i;
    const json_t *x;
    json_array_foreach(json_object_get(rec, "Mounts"), i, x)
    {
        const char *name = volume_of(x);
        _cleanup_json_ json_t *v = name ? vol_inspect(c->root, name, NULL) : NULL;
        if (json_object_get(json_object_get(v, "Labels"), VOL_ANON_LABEL))
            strv_push(&out, xstrdup(name));
    }
    return out;
}

void ctr_vol_remove_anonymous(const struct ctr_ctx *c, const json_t *rec)
{
    _cleanup_strv_ char **anon = ctr_vol_anonymous(c, rec);
    if (!*anon)
        return;
    /* The record, while it exists, holds them: it goes without them first. */
    _cleanup_free_ char *dir = ctr_dir(c, hj_str(rec, "Id"));
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    _cleanup_json_ json_t *cur = dfd >= 0 ? hj_load_file(dfd, "config.json", NULL) : NULL;
    if (cur) {
        json_t *kept = json_array();
        size_t i;
        json_t *x;
        json_array_foreach(json_object_get(cur, "Mounts"), i, x)
        {
            const char *name = volume_of(x);
            bool drop = false;
            for (char **p = anon; name && *p; p++)
                drop = drop || strcmp(*p, name) == 0;
            if (!drop)
                json_array_append(kept, x);
        }
        json_object_set_new(cur, "Mounts", kept);
        if (hj_write_atomic(dfd, "config.json", cur, false, NULL) < 0)
            return;
    }
    for (char **p = anon; *p; p++)
        vol_remove(c->root, *p, NULL);
}
