/* Shared internals of the compose loader: the positioned YAML node tree, the arena
 * that owns it, environments, and the helpers every stage uses to report errors. */
#ifndef HOIST_COMPOSE_LOADER_INTERNAL_H
#define HOIST_COMPOSE_LOADER_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "compose/loader/loader.h"

struct compose_project;

/* Bump allocator: the whole node tree of a load is released at once. */
struct arena {
    struct achunk *head;
};
void *arena_alloc(struct arena *a, size_t n);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
void arena_free(struct arena *a);

enum cnode_kind { CN_NULL, CN_SCALAR, CN_MAP, CN_SEQ };
enum {
    CNF_QUOTED = 1,   /* a quoted or block scalar: never null, bool or number */
    CNF_RESET = 2,    /* !reset: drop the value inherited from earlier files */
    CNF_OVERRIDE = 4, /* !override: replace instead of merging */
};

struct cnode {
    uint8_t kind, flags;
    int line, col; /* 1-based */
    const char *file;
    const char *str; /* scalar text; also the raw text of a null */
    size_t n, cap;
    struct cnode **k; /* map keys (scalars) */
    struct cnode **v; /* map values or sequence items */
};

/* Every loader stage shares one context. */
struct cctx {
    struct arena *a;
    struct herr *e;
    size_t nodes;    /* total created, bounded against alias bombs */
    char **warnings; /* owned strv, handed to the project */
    json_t *vars;    /* variables seen by interpolation: name -> {required, default, alt} */
    bool raw;        /* --no-interpolate: values holding $ stay untyped strings */
};

#define CN_MAX_NODES 4000000
#define CN_MAX_DEPTH 256

struct cnode *cn_new(struct cctx *c, int kind, const char *file, int line, int col);
struct cnode *cn_scalar(struct cctx *c, const char *s, const struct cnode *pos);
void cn_push(struct cctx *c, struct cnode *parent, struct cnode *key, struct cnode *val);
struct cnode *cn_get(const struct cnode *map, const char *key);
int cn_index(const struct cnode *map, const char *key);
void cn_del(struct cnode *map, const char *key);
void cn_set(struct cctx *c, struct cnode *map, const char *key, struct cnode *val);
struct cnode *cn_copy(struct cctx *c, const struct cnode *n);
const char *cn_kind_name(const struct cnode *n);
bool cn_is_str(const struct cnode *n); /* a scalar, null excluded */

/* Parse YAML text into one node per document (NULL-terminated, arena-owned). */
int cn_parse(struct cctx *c, const char *file, const char *text, size_t len, struct cnode ***docs);

/* "FILE:LINE:COL: PATH: message"; returns -1, at the call for the reason given in
 * common/err.h. */
void cerr_msg(struct cctx *c, const struct cnode *n, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#define cerr(c, ...)                                                                               \
    ({                                                                                             \
        cerr_msg((c), __VA_ARGS__);                                                                \
        -1;                                                                                        \
    })
void cwarn(struct cctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Environment: ordered name=value list; later puts replace. */
struct cenv {
    char **names, **values;
    size_t n, cap;
};
void cenv_put(struct cenv *env, const char *name, const char *value);
const char *cenv_get(const struct cenv *env, const char *name);
void cenv_free(struct cenv *env);
void cenv_from_environ(struct cenv *env, char **envp);
/* Parse a .env file; entries are added to out. lookup resolves ${VAR} in values
 * (the process environment first, then what the file defined so far). */
int cenv_parse_file(struct cctx *c, const char *path, const struct cenv *lookup, struct cenv *out);
int cenv_parse_text(struct cctx *c, const char *file, const char *text, const struct cenv *lookup,
                    struct cenv *out);

/* Interpolate one string; *out is malloc'd. path names the value in messages. */
int interp_string(struct cctx *c, const struct cenv *env, const char *s, const struct cnode *pos,
                  const char *path, char **out);
/* Interpolate every scalar value (never keys) of a tree in place. */
int interp_tree(struct cctx *c, const struct cenv *env, struct cnode *root);

/* Merge src over dst (both top-level compose documents), compose override rules. */
int merge_docs(struct cctx *c, struct cnode *dst, const struct cnode *src);
/* Merge one service mapping over another (used by extends as well). */
int merge_service(struct cctx *c, struct cnode *dst, const struct cnode *src);

/* Split a command line like a POSIX shell would (quotes, backslashes), no expansion. */
int shell_split(const char *s, char ***out);

/* Make relative paths of one file's document absolute against base. */
void paths_resolve(struct cctx *c, struct cnode *doc, const char *base, const struct cenv *env);

/* Typed casting of a whole (merged, path-resolved) document into the canonical model. */
int schema_project(struct cctx *c, const struct cnode *doc, const char *project,
                   const char *workdir, const struct cenv *env, json_t **out);
int schema_service(struct cctx *c, const char *name, const struct cnode *svc, const char *workdir,
                   const struct cenv *env, json_t **out);

/* The typed schema layer: one handler per kind of value, tables of fields per object. */
struct sctx {
    struct cctx *c;
    const char *svc;        /* service being cast, or NULL */
    const char *workdir;    /* project directory */
    const struct cenv *env; /* interpolation environment (env_file lookups) */
};
typedef int (*sc_fn)(struct sctx *s, const struct cnode *n, const char *path, json_t **out);
/* A key of an object. The service table also says how the scheduler treats each key
 * (loader.h's compose_key_use); other tables leave those fields zero. */
struct sfield {
    const char *name;
    sc_fn fn;
    enum compose_key_use use;
    const char *accept; /* COMPOSE_KEY_REFUSED: JSON array of the values hoist honours */
    const char *why;    /* COMPOSE_KEY_REFUSED: the reason told with the refusal */
};
/* A key of any other table; SF(NULL, NULL) ends a table. */
#define SF(name, fn)                                                                               \
    {                                                                                              \
        name, fn, COMPOSE_KEY_UNHANDLED, NULL, NULL                                                \
    }
int sc_object(struct sctx *s, const struct cnode *n, const char *path, const struct sfield *fields,
              json_t **out);
int sc_unknown_key(struct sctx *s, const struct cnode *key, const char *path,
                   const struct sfield *fields);
int sc_str(struct sctx *s, const struct cnode *n, const char *path, json_t **out);
int sc_bool(struct sctx *s, const struct cnode *n, const char *path, json_t **out);
int sc_int(struct sctx *s, const struct cnode *n, const char *path, json_t **out);
int sc_uint(struct sctx *s, const struct cnode *n, const char *path, json_t **out);
int sc_mode(struct sctx *s, const struct cnode *n, const char *path, json_t **out);
int sc_real(struct sctx *s, const struct cnode *n, const char *path, json_t **out);
int sc_size(struct sctx *s, const struct cnode *n, const char *path, json_t **out);
int sc_dur(struct sctx *s, const struct cnode *n, const char *path, json_t **out);
int sc_strs(struct sctx *s, const struct cnode *n, const char *path, json_t **out);
int sc_str_or_strs(struct sctx *s, const struct cnode *n, const char *path, json_t **out);
int sc_kv(struct sctx *s, const struct cnode *n, const char *path, json_t **out);
int sc_any(struct sctx *s, const struct cnode *n, const char *path, json_t **out);
int sc_cmd(struct sctx *s, const struct cnode *n, const char *path, json_t **out);
int sc_ports(struct sctx *s, const struct cnode *n, const char *path, json_t **out);
int sc_expose(struct sctx *s, const struct cnode *n, const char *path, json_t **out);
int sc_volumes(struct sctx *s, const struct cnode *n, const char *path, json_t **out);
int sc_need(struct sctx *s, const struct cnode *n, const char *path, int kind);
/* Under --no-interpolate a scalar with a variable cannot be typed: kept as a string. */
bool sc_raw(struct sctx *s, const struct cnode *n, json_t **out);
/* "base.key" / "base[i]" into buf. */
const char *sc_path(char *buf, size_t len, const char *base, const char *key);
const char *sc_ipath(char *buf, size_t len, const char *base, size_t i);

/* Checks of references between objects, profiles (disabled services are removed), the
 * implicit dependencies and default network, and dependency cycles. */
int validate_project(struct cctx *c, json_t *model, const struct cnode *doc, char **profiles,
                     char **named);
/* Depth-first order over services.*.depends_on; on a cycle *cycle names it (malloc'd). */
int graph_order(json_t *services, char ***order, char **cycle);

/* Small parsers shared by stages. */
int parse_duration(const char *s, long long *ns);
char *format_duration(long long ns);
bool parse_bool_str(const char *s, bool *out);
const char *home_dir(const struct cenv *env);
char *path_join(const char *dir, const char *rel);
/* Resolve ~ and relative paths against base; result malloc'd. */
char *path_resolve(const char *base, const char *p, const struct cenv *env);
/* The closest candidate by edit distance, or NULL when none is close. */
const char *closest_word(const char *w, const char *const *cands);

#endif
