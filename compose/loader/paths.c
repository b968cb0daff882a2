/* Relative paths in a compose file are resolved against the directory that file
 * belongs to (the project directory, or the directory of an extended or included
 * file) before files merge, so the merged model holds only absolute paths. */
#include <string.h>

#include "common/cleanup.h"
#include "common/str.h"
#include "compose/loader/loader_internal.h"

static bool is_remote(const char *s)
{
    return strstr(s, "://") || str_has_prefix(s, "git@") || str_has_prefix(s, "github.com/");
}

static bool is_local_source(const char *s)
{
    return *s == '.' || *s == '/' || *s == '~';
}

static void set_path(struct cctx *c, struct cnode *n, const char *base, const struct cenv *env)
{
    _cleanup_free_ char *p = path_resolve(base, n->str, env);
    n->str = arena_strdup(c->a, p);
}

static void resolve_volume(struct cctx *c, struct cnode *v, const char *base,
                           const struct cenv *env)
{
    if (v->kind == CN_MAP) {
        struct cnode *type = cn_get(v, "type"), *src = cn_get(v, "source");
        if (cn_is_str(type) && !strcmp(type->str, "bind") && cn_is_str(src))
            set_path(c, src, base, env);
        return;
    }
    if (v->kind != CN_SCALAR || !is_local_source(v->str))
        return;
    const char *colon = strchr(v->str, ':');
    if (!colon)
        return; /* a lone path is an anonymous volume's target */
    _cleanup_free_ char *src = xstrndup(v->str, colon - v->str);
    _cleanup_free_ char *abs = path_resolve(base, src, env);
    _cleanup_free_ char *s = xasprintf("%s%s", abs, colon);
    v->str = arena_strdup(c->a, s);
}

static void resolve_service(struct cctx *c, struct cnode *svc, const char *base,
                            const struct cenv *env)
{
    struct cnode *b = cn_get(svc, "build");
    if (b && b->kind == CN_SCALAR && !is_remote(b->str))
        set_path(c, b, base, env);
    if (b && b->kind == CN_MAP) {
        struct cnode *ctxn = cn_get(b, "context");
        if (cn_is_str(ctxn) && !is_remote(ctxn->str))
            set_path(c, ctxn, base, env);
    }
    struct cnode *ef = cn_get(svc, "env_file");
    if (ef && ef->kind == CN_SCALAR)
        set_path(c, ef, base, env);
    for (size_t i = 0; ef && ef->kind == CN_SEQ && i < ef->n; i++) {
        struct cnode *it = ef->v[i];
        if (it->kind == CN_SCALAR)
            set_path(c, it, base, env);
        else if (cn_is_str(cn_get(it, "path")))
            set_path(c, cn_get(it, "path"), base, env);
    }
    struct cnode *lf = cn_get(svc, "label_file");
    if (lf && lf->kind == CN_SCALAR)
        set_path(c, lf, base, env);
    for (size_t i = 0; lf && lf->kind == CN_SEQ && i < lf->n; i++) {
        if (lf->v[i]->kind == CN_SCALAR)
            set_path(c, lf->v[i], base, env);
    }
    struct cnode *vols = cn_get(svc, "volumes");
    for (size_t i = 0; vols && vols->kind == CN_SEQ && i < vols->n; i++)
        resolve_volume(c, vols->v[i], base, env);
    struct cnode *ext = cn_get(svc, "extends");
    if (ext && ext->kind == CN_MAP && cn_is_str(cn_get(ext, "file")))
        set_path(c, cn_get(ext, "file"), base, env);
}

void paths_resolve(struct cctx *c, struct cnode *doc, const char *base, const struct cenv *env)
{
    struct cnode *svcs = cn_get(doc, "services");
    for (size_t i = 0; svcs && svcs->kind == CN_MAP && i < svcs->n; i++) {
        if (svcs->v[i]->kind == CN_MAP)
            resolve_service(c, svcs->v[i], base, env);
    }
    static const char *const tops[] = {"secrets", "configs"};
    for (size_t t = 0; t < 2; t++) {
        struct cnode *m = cn_get(doc, tops[t]);
        for (size_t i = 0; m && m->kind == CN_MAP && i < m->n; i++) {
            struct cnode *f = cn_get(m->v[i], "file");
            if (cn_is_str(f))
                set_path(c, f, base, env);
        }
    }
}
