/* compose_load: discovery, project directory and name, .env, per-file interpolation
 * and path resolution, include, merge, extends, typing, profiles and validation. */
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"
#include "compose/loader/loader.h"
#include "compose/loader/loader_internal.h"

extern char **environ;

struct loaded {
    char *path; /* absolute */
    struct cnode *doc;
};

struct loader {
    struct cctx c;
    struct arena a;
    const struct compose_opts *o;
    struct cenv osenv;
    char *workdir;
    char **include_stack;
    struct loaded *cache; /* files loaded for extends, by absolute path */
    size_t ncache;
};

static char *dir_of(const char *path)
{
    _cleanup_free_ char *tmp = xstrdup(path);
    return xstrdup(dirname(tmp));
}

static int read_text(struct loader *L, const char *path, char **text, size_t *len)
{
    if (strcmp(path, "-"))
        return fs_read_all(AT_FDCWD, path, text, len, L->c.e);
    size_t cap = 65536, n = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (n + 1 >= cap)
            buf = xrealloc(buf, cap *= 2);
        ssize_t r = read(STDIN_FILENO, buf + n, cap - n - 1);
        if (r < 0) {
            free(buf);
            return herr_sys(L->c.e, "reading the compose file from stdin");
        }
        if (r == 0)
            break;
        n += r;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return 0;
}

static int load_file(struct loader *L, const char *path, const char *display, const char *base,
                     const struct cenv *env, struct cnode **out);

/* Environment of a project directory: its .env files, then the process environment. */
static int project_env(struct loader *L, char **env_files, const char *dir, struct cenv *out)
{
    struct cenv dot = {0};
    if (env_files) {
        for (char **f = env_files; *f; f++) {
            if (cenv_parse_file(&L->c, *f, &L->osenv, &dot) < 0) {
                cenv_free(&dot);
                return -1;
            }
        }
    } else {
        _cleanup_free_ char *p = path_join(dir, ".env");
        if (access(p, F_OK) == 0 && cenv_parse_file(&L->c, p, &L->osenv, &dot) < 0) {
            cenv_free(&dot);
            return -1;
        }
    }
    for (size_t i = 0; i < dot.n; i++)
        cenv_put(out, dot.names[i], dot.values[i]);
    for (size_t i = 0; i < L->osenv.n; i++)
        cenv_put(out, L->osenv.names[i], L->osenv.values[i]);
    cenv_free(&dot);
    return 0;
}

static int resolve_extends(struct loader *L, struct cnode *doc, const char *file, char ***stack);

static int strs_of(struct cctx *c, const struct cnode *n, const char *path, char ***out)
{
    if (n->kind == CN_SCALAR) {
        strv_push(out, xstrdup(n->str));
        return 0;
    }
    if (n->kind != CN_SEQ)
        return cerr(c, n, path, "must be a string or a list of strings, not %s", cn_kind_name(n));
    for (size_t i = 0; i < n->n; i++) {
        if (n->v[i]->kind != CN_SCALAR)
            return cerr(c, n->v[i], path, "must be a string, not %s", cn_kind_name(n->v[i]));
        strv_push(out, xstrdup(n->v[i]->str));
    }
    return 0;
}

/* One `include` entry: its own project directory and environment, merged in; a
 * service defined on both sides is a conflict. */
static int load_include(struct loader *L, struct cnode *doc, const struct cnode *item,
                        const char *base, const char *path)
{
    struct cctx *c = &L->c;
    _cleanup_strv_ char **paths = NULL, **envfiles = NULL;
    _cleanup_free_ char *projdir = NULL;
    if (item->kind == CN_SCALAR) {
        strv_push(&paths, xstrdup(item->str));
    } else if (item->kind == CN_MAP) {
        for (size_t i = 0; i < item->n; i++) {
            const char *k = item->k[i]->str;
            const struct cnode *v = item->v[i];
            if (!strcmp(k, "path")) {
                if (strs_of(c, v, path, &paths) < 0)
                    return -1;
            } else if (!strcmp(k, "env_file")) {
                if (strs_of(c, v, path, &envfiles) < 0)
                    return -1;
            } else if (!strcmp(k, "project_directory")) {
                if (v->kind != CN_SCALAR)
                    return cerr(c, v, path, "project_directory must be a string");
                projdir = path_resolve(base, v->str, &L->osenv);
            } else {
                return cerr(c, item->k[i], path,
                            "unknown key \"%s\" (path, env_file, "
                            "project_directory)",
                            k);
            }
        }
        if (!paths)
            return cerr(c, item, path, "missing required key \"path\"");
    } else {
        return cerr(c, item, path, "must be a path or a mapping, not %s", cn_kind_name(item));
    }
    for (char **p = paths; *p; p++) {
        char *abs = path_resolve(base, *p, &L->osenv);
        free(*p);
        *p = abs;
    }
    for (char **p = envfiles; p && *p; p++) {
        char *abs = path_resolve(base, *p, &L->osenv);
        free(*p);
        *p = abs;
    }
    if (!projdir)
        projdir = dir_of(paths[0]);
    struct cenv env = {0};
    int r = project_env(L, envfiles, projdir, &env);
    struct cnode *inc = cn_new(c, CN_MAP, item->file, item->line, item->col);
    for (char **p = paths; r == 0 && *p; p++) {
        char real[PATH_MAX];
        if (!realpath(*p, real)) {
            r = cerr(c, item, path, "included file %s: %s", *p, strerror(errno));
            break;
        }
        for (char **s = L->include_stack; s && *s; s++) {
            if (!strcmp(*s, real)) {
                r = cerr(c, item, path, "include cycle: %s is already being included", *p);
                break;
            }
        }
        if (r < 0)
            break;
        strv_push(&L->include_stack, xstrdup(real));
        struct cnode *d;
        r = load_file(L, *p, *p, projdir, &env, &d);
        if (r == 0)
            r = merge_docs(c, inc, d);
        size_t n = strv_len(L->include_stack);
        free(L->include_stack[n - 1]);
        L->include_stack[n - 1] = NULL;
    }
    char **stack = NULL;
    if (r == 0)
        r = resolve_extends(L, inc, paths[0], &stack);
    strv_free(stack);
    cenv_free(&env);
    if (r < 0)
        return -1;
    static const char *const tops[] = {"services", "networks", "volumes", "secrets", "configs"};
    for (size_t t = 0; t < 5; t++) {
        const struct cnode *from = cn_get(inc, tops[t]);
        if (!from || from->kind != CN_MAP)
            continue;
        struct cnode *to = cn_get(doc, tops[t]);
        if (!to || to->kind != CN_MAP) {
            to = cn_new(c, CN_MAP, from->file, from->line, from->col);
            cn_set(c, doc, tops[t], to);
        }
        for (size_t i = 0; i < from->n; i++) {
            int j = cn_index(to, from->k[i]->str);
            if (j >= 0 && t == 0)
                return cerr(c, to->k[j], NULL,
                            "services.%s conflicts with the service of that name imported from %s",
                            from->k[i]->str, from->file);
            if (j < 0)
                cn_push(c, to, from->k[i], from->v[i]);
        }
    }
    return 0;
}

static int load_file(struct loader *L, const char *path, const char *display, const char *base,
                     const struct cenv *env, struct cnode **out)
{
    struct cctx *c = &L->c;
    _cleanup_free_ char *text = NULL;
    size_t len;
    if (read_text(L, path, &text, &len) < 0)
        return herr_wrap(c->e, "compose file %s", display);
    struct cnode **docs;
    const char *file = arena_strdup(c->a, display);
    if (cn_parse(c, file, text, len, &docs) < 0)
        return -1;
    if (!docs[0])
        return herr_set(c->e, 0, "%s: empty compose file", display);
    /* The first document is kept as is: merging would consume its !reset and !override
     * tags, which must reach the merge with earlier files. */
    struct cnode *doc = NULL;
    for (struct cnode **d = docs; *d; d++) {
        if ((*d)->kind == CN_NULL)
            continue;
        if ((*d)->kind != CN_MAP)
            return cerr(c, *d, NULL, "top-level object must be a mapping, not %s",
                        cn_kind_name(*d));
        if (!doc)
            doc = *d;
        else if (merge_docs(c, doc, *d) < 0)
            return -1;
    }
    if (!doc)
        doc = cn_new(c, CN_MAP, file, 1, 1);
    if (cn_get(doc, "version"))
        cwarn(c, "%s: the attribute `version` is obsolete, it will be ignored", display);
    if (!L->o->no_interpolate && interp_tree(c, env, doc) < 0)
        return -1;
    paths_resolve(c, doc, base, env);
    const struct cnode *inc = cn_get(doc, "include");
    if (inc && inc->kind != CN_NULL) {
        if (inc->kind != CN_SEQ)
            return cerr(c, inc, "include", "must be a list, not %s", cn_kind_name(inc));
        for (size_t i = 0; i < inc->n; i++) {
            char p[64];
            if (load_include(L, doc, inc->v[i], base, sc_ipath(p, sizeof(p), "include", i)) < 0)
                return -1;
        }
        cn_del(doc, "include");
    }
    *out = doc;
    return 0;
}

/* A file named by extends.file, loaded once, in its own directory. */
static int extends_file(struct loader *L, const char *path, struct cnode **doc)
{
    for (size_t i = 0; i < L->ncache; i++) {
        if (!strcmp(L->cache[i].path, path)) {
            *doc = L->cache[i].doc;
            return 0;
        }
    }
    _cleanup_free_ char *dir = dir_of(path);
    struct cenv env = {0};
    for (size_t i = 0; i < L->osenv.n; i++)
        cenv_put(&env, L->osenv.names[i], L->osenv.values[i]);
    int r = load_file(L, path, path, dir, &env, doc);
    cenv_free(&env);
    if (r < 0)
        return -1;
    L->cache = xrealloc(L->cache, (L->ncache + 1) * sizeof(*L->cache));
    L->cache[L->ncache].path = xstrdup(path);
    L->cache[L->ncache++].doc = *doc;
    return 0;
}

static int extend_one(struct loader *L, struct cnode *doc, const char *file, size_t idx,
                      char ***stack)
{
    struct cctx *c = &L->c;
    struct cnode *svcs = cn_get(doc, "services");
    struct cnode *svc = svcs->v[idx];
    const char *name = svcs->k[idx]->str;
    const struct cnode *ext = cn_get(svc, "extends");
    if (!ext)
        return 0;
    char path[512];
    snprintf(path, sizeof(path), "services.%s.extends", name);
    const char *target = NULL, *other = NULL;
    if (ext->kind == CN_SCALAR) {
        target = ext->str;
    } else if (ext->kind == CN_MAP) {
        for (size_t i = 0; i < ext->n; i++) {
            const char *k = ext->k[i]->str;
            if (strcmp(k, "service") && strcmp(k, "file"))
                return cerr(c, ext->k[i], path, "unknown key \"%s\" (service, file)", k);
            if (ext->v[i]->kind != CN_SCALAR)
                return cerr(c, ext->v[i], path, "%s must be a string", k);
        }
        target = cn_is_str(cn_get(ext, "service")) ? cn_get(ext, "service")->str : NULL;
        other = cn_is_str(cn_get(ext, "file")) ? cn_get(ext, "file")->str : NULL;
        if (!target)
            return cerr(c, ext, path, "missing required key \"service\"");
    } else {
        return cerr(c, ext, path, "must be a service name or a mapping, not %s", cn_kind_name(ext));
    }
    _cleanup_free_ char *key = xasprintf("%s:%s", file, name);
    for (char **s = *stack; s && *s; s++) {
        if (strcmp(*s, key))
            continue;
        char chain[512] = "";
        for (char **t = s; *t; t++) {
            size_t l = strlen(chain);
            snprintf(chain + l, sizeof(chain) - l, "%s -> ", strrchr(*t, ':') + 1);
        }
        size_t l = strlen(chain);
        snprintf(chain + l, sizeof(chain) - l, "%s", name);
        return cerr(c, ext, path, "extends cycle: %s", chain);
    }
    struct cnode *from = doc;
    const char *fromfile = file;
    if (other) {
        if (extends_file(L, other, &from) < 0)
            return herr_wrap(c->e, "%s:%d:%d: %s", ext->file, ext->line, ext->col, path);
        fromfile = other;
    }
    struct cnode *fsvcs = cn_get(from, "services");
    int bi = cn_index(fsvcs, target);
    if (bi < 0)
        return cerr(c, ext, path, "service \"%s\" not found%s%s", target, other ? " in " : "",
                    other ? other : "");
    if (fsvcs->v[bi]->kind != CN_MAP)
        return cerr(c, fsvcs->v[bi], NULL, "services.%s must be a mapping", target);
    strv_push(stack, xstrdup(key));
    int r = extend_one(L, from, fromfile, bi, stack);
    size_t n = strv_len(*stack);
    free((*stack)[n - 1]);
    (*stack)[n - 1] = NULL;
    if (r < 0)
        return -1;
    struct cnode *base = cn_copy(c, fsvcs->v[bi]);
    struct cnode *self = cn_copy(c, svc);
    cn_del(self, "extends");
    if (merge_service(c, base, self) < 0)
        return -1;
    svcs->v[idx] = base;
    return 0;
}

static int resolve_extends(struct loader *L, struct cnode *doc, const char *file, char ***stack)
{
    struct cnode *svcs = cn_get(doc, "services");
    for (size_t i = 0; svcs && svcs->kind == CN_MAP && i < svcs->n; i++) {
        if (svcs->v[i]->kind == CN_MAP && extend_one(L, doc, file, i, stack) < 0)
            return -1;
    }
    return 0;
}

static const char *const discover_names[] = {"compose.yaml", "compose.yml", "docker-compose.yml",
                                             "docker-compose.yaml"};

/* The first directory, from dir upwards, holding a compose file; plus its override. */
static int discover(struct loader *L, const char *dir, char ***files)
{
    _cleanup_free_ char *d = xstrdup(dir);
    for (;;) {
        for (size_t i = 0; i < 4; i++) {
            _cleanup_free_ char *p = path_join(d, discover_names[i]);
            if (access(p, F_OK) != 0)
                continue;
            for (size_t j = i + 1; j < 4; j++) {
                _cleanup_free_ char *q = path_join(d, discover_names[j]);
                if (access(q, F_OK) == 0)
                    cwarn(&L->c,
                          "Found multiple config files with supported names: %s, %s; "
                          "using %s",
                          p, q, p);
            }
            strv_push(files, xstrdup(p));
            const char *stem = i < 2 ? "compose.override" : "docker-compose.override";
            static const char *const exts[] = {"yaml", "yml"};
            for (size_t k = 0; k < 2; k++) {
                _cleanup_free_ char *o = xasprintf("%s/%s.%s", d, stem, exts[k]);
                if (access(o, F_OK) == 0) {
                    strv_push(files, xstrdup(o));
                    break;
                }
            }
            return 0;
        }
        if (!strcmp(d, "/"))
            break;
        char *up = dir_of(d);
        free(d);
        d = up;
    }
    return herr_set(L->c.e, ENOENT,
                    "no configuration file provided: no compose.yaml, compose.yml, "
                    "docker-compose.yml or docker-compose.yaml in %s or its parents",
                    dir);
}

char *compose_normalize_name(const char *s)
{
    char *out = xmalloc(strlen(s) + 1), *o = out;
    for (; *s; s++) {
        char ch = *s >= 'A' && *s <= 'Z' ? *s + 32 : *s;
        if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            ((ch == '_' || ch == '-') && o != out))
            *o++ = ch;
    }
    *o = '\0';
    return out;
}

bool compose_valid_name(const char *s)
{
    if (!*s || !((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
        return false;
    for (; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
            return false;
    }
    return true;
}

static int project_name(struct loader *L, const struct cnode *doc, const struct cenv *env,
                        const char *projdir, char **out)
{
    const char *p = L->o->project_name;
    const char *from = "-p";
    if (!p || !*p) {
        p = cenv_get(env, "COMPOSE_PROJECT_NAME");
        from = "COMPOSE_PROJECT_NAME";
    }
    if (p && *p) {
        if (!compose_valid_name(p))
            return herr_set(L->c.e, 0,
                            "invalid project name \"%s\" (%s): must consist only of lowercase "
                            "alphanumeric characters, hyphens, and underscores as well as start "
                            "with a letter or number",
                            p, from);
        *out = xstrdup(p);
        return 0;
    }
    const struct cnode *n = cn_get(doc, "name");
    if (n && n->kind != CN_NULL) {
        if (n->kind != CN_SCALAR)
            return cerr(&L->c, n, "name", "must be a string, not %s", cn_kind_name(n));
        *out = compose_normalize_name(n->str);
        if (!**out) {
            free(*out);
            return cerr(&L->c, n, "name", "invalid project name \"%s\"", n->str);
        }
        return 0;
    }
    _cleanup_free_ char *tmp = xstrdup(projdir);
    *out = compose_normalize_name(basename(tmp));
    if (!**out) {
        free(*out);
        return herr_set(L->c.e, 0,
                        "cannot derive a project name from directory %s: use -p or `name:`",
                        projdir);
    }
    return 0;
}

static char **split(const char *s, const char *sep)
{
    char **v = NULL;
    _cleanup_free_ char *tmp = xstrdup(s);
    for (char *p = tmp, *tok; (tok = strsep(&p, sep));) {
        if (*tok)
            strv_push(&v, xstrdup(tok));
    }
    return v;
}

static char *display_name(const char *workdir, const char *path)
{
    size_t l = strlen(workdir);
    if (!strncmp(path, workdir, l) && path[l] == '/')
        return xstrdup(path + l + 1);
    return xstrdup(path);
}

static int build_project(struct loader *L, struct compose_project *p, json_t *model)
{
    p->model = model;
    json_t *svcs = json_object_get(model, "services");
    _cleanup_free_ char *cycle = NULL;
    _cleanup_strv_ char **order = NULL;
    if (graph_order(svcs, &order, &cycle) < 0)
        return herr_set(L->c.e, 0, "dependency cycle detected: %s", cycle);
    p->nservices = strv_len(order);
    p->services = xcalloc(p->nservices + 1, sizeof(*p->services));
    for (size_t i = 0; i < p->nservices; i++) {
        void *it = json_object_iter_at(svcs, order[i]);
        json_t *v = json_object_iter_value(it);
        p->services[i].name = json_object_iter_key(it);
        p->services[i].cfg = v;
        const char *d;
        json_t *dv;
        json_object_foreach(json_object_get(v, "depends_on"), d, dv)
            strv_push(&p->services[i].depends_on, xstrdup(d));
    }
    return 0;
}

static int cmp_strp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void collect_profiles(struct compose_project *p, const struct cnode *doc)
{
    const struct cnode *svcs = cn_get(doc, "services");
    for (size_t i = 0; svcs && svcs->kind == CN_MAP && i < svcs->n; i++) {
        const struct cnode *ps = cn_get(svcs->v[i], "profiles");
        for (size_t j = 0; ps && ps->kind == CN_SEQ && j < ps->n; j++) {
            bool dup = false;
            for (char **q = p->profiles; q && *q && !dup; q++)
                dup = !strcmp(*q, ps->v[j]->str);
            if (!dup && ps->v[j]->kind == CN_SCALAR)
                strv_push(&p->profiles, xstrdup(ps->v[j]->str));
        }
    }
    size_t n = strv_len(p->profiles);
    if (n)
        qsort(p->profiles, n, sizeof(char *), cmp_strp);
}

static int load(struct loader *L, struct compose_project *p)
{
    const struct compose_opts *o = L->o;
    struct cctx *c = &L->c;
    _cleanup_strv_ char **files = NULL;
    if (o->files) {
        for (char **f = o->files; *f; f++)
            strv_push(&files, strcmp(*f, "-") ? path_join(L->workdir, *f) : xstrdup("-"));
    } else {
        const char *cf = cenv_get(&L->osenv, "COMPOSE_FILE");
        if (cf && *cf) {
            const char *sep = cenv_get(&L->osenv, "COMPOSE_PATH_SEPARATOR");
            _cleanup_strv_ char **parts = split(cf, sep && *sep ? sep : ":");
            for (char **f = parts; f && *f; f++)
                strv_push(&files, path_join(L->workdir, *f));
        }
        if (!files && discover(L, o->project_dir ? o->project_dir : L->workdir, &files) < 0)
            return -1;
    }
    if (!files)
        return herr_set(c->e, 0, "no compose file given");
    p->workdir = o->project_dir          ? path_join(L->workdir, o->project_dir)
                 : strcmp(files[0], "-") ? dir_of(files[0])
                                         : xstrdup(L->workdir);
    _cleanup_strv_ char **envfiles = NULL;
    for (char **f = o->env_files; f && *f; f++)
        strv_push(&envfiles, path_join(L->workdir, *f));
    struct cenv env = {0};
    int r = project_env(L, o->env_files ? envfiles : NULL, p->workdir, &env);
    struct cnode *doc = NULL;
    for (char **f = files; r == 0 && *f; f++) {
        _cleanup_free_ char *disp = strcmp(*f, "-") ? display_name(L->workdir, *f) : xstrdup("-");
        struct cnode *d;
        char real[PATH_MAX];
        strv_free(L->include_stack);
        L->include_stack = NULL;
        if (strcmp(*f, "-") && realpath(*f, real))
            strv_push(&L->include_stack, xstrdup(real));
        r = load_file(L, *f, disp, p->workdir, &env, &d);
        if (r == 0 && !doc)
            doc = d;
        else if (r == 0)
            r = merge_docs(c, doc, d);
        strv_push(&p->files, xstrdup(*f));
    }
    char **stack = NULL;
    if (r == 0)
        r = resolve_extends(L, doc, files[0], &stack);
    strv_free(stack);
    if (r == 0)
        r = project_name(L, doc, &env, p->workdir, &p->name);
    json_t *model = NULL;
    if (r == 0)
        r = schema_project(c, doc, p->name, p->workdir, &env, &model);
    _cleanup_strv_ char **profiles = NULL;
    if (o->profiles) {
        profiles = strv_dup(o->profiles);
    } else {
        const char *cp = cenv_get(&env, "COMPOSE_PROFILES");
        profiles = cp ? split(cp, ",") : NULL;
    }
    if (r == 0)
        collect_profiles(p, doc);
    if (r == 0)
        r = validate_project(c, model, doc, profiles, o->services);
    if (r == 0)
        r = build_project(L, p, model);
    else
        json_decref(model);
    p->environment = json_object();
    for (size_t i = 0; i < env.n; i++)
        json_object_set_new(p->environment, env.names[i], json_string(env.values[i]));
    cenv_free(&env);
    return r;
}

int compose_load(const struct compose_opts *opts, struct compose_project **out, struct herr *e)
{
    struct loader L = {.o = opts};
    L.c.a = &L.a;
    L.c.e = e;
    L.c.vars = json_object();
    L.c.raw = opts->no_interpolate;
    cenv_from_environ(&L.osenv, opts->environ ? opts->environ : environ);
    char cwd[PATH_MAX];
    if (opts->workdir) {
        L.workdir = xstrdup(opts->workdir);
    } else {
        if (!getcwd(cwd, sizeof(cwd)))
            return herr_sys(e, "getcwd");
        L.workdir = xstrdup(cwd);
    }
    struct compose_project *p = xcalloc(1, sizeof(*p));
    int r = load(&L, p);
    p->warnings = steal_ptr(&L.c.warnings);
    p->variables = L.c.vars;
    arena_free(&L.a);
    cenv_free(&L.osenv);
    free(L.workdir);
    strv_free(L.include_stack);
    for (size_t i = 0; i < L.ncache; i++)
        free(L.cache[i].path);
    free(L.cache);
    if (r < 0) {
        compose_project_free(p);
        return -1;
    }
    *out = p;
    return 0;
}

void compose_project_free(struct compose_project *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nservices; i++)
        strv_free(p->services[i].depends_on);
    free(p->services);
    free(p->name);
    free(p->workdir);
    strv_free(p->files);
    strv_free(p->profiles);
    strv_free(p->warnings);
    json_decref(p->model);
    json_decref(p->variables);
    json_decref(p->environment);
    free(p);
}

const struct compose_service *compose_service_get(const struct compose_project *p, const char *name)
{
    for (size_t i = 0; i < p->nservices; i++) {
        if (!strcmp(p->services[i].name, name))
            return &p->services[i];
    }
    return NULL;
}

char *compose_network_name(const struct compose_project *p, const char *key)
{
    const char *n = hj_str(json_object_get(json_object_get(p->model, "networks"), key), "name");
    return n ? xstrdup(n) : xasprintf("%s_%s", p->name, key);
}

char *compose_volume_name(const struct compose_project *p, const char *key)
{
    const char *n = hj_str(json_object_get(json_object_get(p->model, "volumes"), key), "name");
    return n ? xstrdup(n) : xasprintf("%s_%s", p->name, key);
}
