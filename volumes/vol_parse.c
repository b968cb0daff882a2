/* Parsers for docker's -v, --mount and --tmpfs values. Pure: no file system access,
 * relative host paths are resolved lexically against the directory given. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/str.h"
#include "volumes/volumes.h"

void vol_mount_clear(struct vol_mount *m)
{
    free(m->source);
    free(m->target);
    free(m->subpath);
    free(m->propagation);
    free(m->host_path);
    *m = (struct vol_mount){.tmpfs_mode = -1};
}

/* Lexical clean of an absolute path: no ".", "..", empty or trailing components. */
static char *clean_abs(const char *path)
{
    size_t n = strlen(path);
    char *out = xmalloc(n + 2);
    size_t o = 0;
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        const char *s = p;
        while (*p && *p != '/')
            p++;
        size_t l = (size_t)(p - s);
        if (l == 0 || (l == 1 && s[0] == '.'))
            continue;
        if (l == 2 && s[0] == '.' && s[1] == '.') {
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
            continue;
        }
        out[o++] = '/';
        memcpy(out + o, s, l);
        o += l;
    }
    if (o == 0)
        out[o++] = '/';
    out[o] = '\0';
    return out;
}

static bool is_propagation(const char *s)
{
    static const char *const modes[] = {"private", "rprivate", "shared",
                                        "rshared", "slave",    "rslave"};
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
        if (strcmp(s, modes[i]) == 0)
            return true;
    return false;
}

static int check_target(const char *t, struct vol_mount *m, struct herr *e)
{
    if (!t || !*t)
        return herr_set(e, EINVAL, "the mount target (container path) is missing");
    if (t[0] != '/')
        return herr_set(e, EINVAL, "mount target \"%s\" is not an absolute path", t);
    m->target = clean_abs(t);
    if (strcmp(m->target, "/") == 0)
        return herr_set(e, EINVAL, "mount target \"%s\": the container root cannot be a mount", t);
    return 0;
}

/* Host path forms: "/abs", "./rel" or "../rel" (from basedir), "~" or "~/x" (home). */
static bool is_host_path(const char *s)
{
    return s[0] == '/' || s[0] == '~' || strcmp(s, ".") == 0 || strcmp(s, "..") == 0 ||
           str_has_prefix(s, "./") || str_has_prefix(s, "../");
}

static int host_path(const char *s, const char *basedir, const char *home, char **out,
                     struct herr *e)
{
    _cleanup_free_ char *joined = NULL;
    if (s[0] == '/') {
        joined = xstrdup(s);
    } else if (s[0] == '~') {
        if (s[1] && s[1] != '/')
            return herr_set(e, EINVAL, "host path \"%s\": only ~ and ~/ are supported", s);
        if (!home || home[0] != '/')
            return herr_set(e, EINVAL, "host path \"%s\": no home directory to expand ~", s);
        joined = xasprintf("%s/%s", home, s + 1);
    } else {
        if (!basedir || basedir[0] != '/')
            return herr_set(e, EINVAL,
                            "host path \"%s\" is relative and no base directory is known", s);
        joined = xasprintf("%s/%s", basedir, s);
    }
    *out = clean_abs(joined);
    return 0;
}

static int parse_short(const char *spec, const char *basedir, const char *home, struct vol_mount *m,
                       struct herr *e)
{
    _cleanup_strv_ char **parts = xcalloc(1, sizeof(char *));
    for (const char *p = spec;;) {
        const char *c = strchr(p, ':');
        strv_push(&parts, c ? xstrndup(p, (size_t)(c - p)) : xstrdup(p));
        if (!c)
            break;
        p = c + 1;
    }
    size_t n = strv_len(parts);
    if (n > 3) {
        return herr_set(e, EINVAL, "invalid volume specification \"%s\": too many colons", spec);
    }
    for (size_t i = 0; i < n; i++) {
        if (!*parts[i]) {
            return herr_set(e, EINVAL, "invalid volume specification \"%s\": empty field", spec);
        }
    }
    m->type = VOL_VOLUME;
    if (n == 1) {
        return check_target(parts[0], m, e);
    }
    if (check_target(parts[1], m, e) < 0)
        return -1;
    const char *src = parts[0];
    if (is_host_path(src)) {
        m->type = VOL_BIND;
        m->create_host_path = true;
        if (host_path(src, basedir, home, &m->source, e) < 0)
            return -1;
    } else if (strchr(src, '/')) {
        return herr_set(
            e, EINVAL,
            "invalid volume specification \"%s\": a relative host path must start with ./ "
            "or ../",
            spec);
    } else {
        if (vol_name_check(src, e) < 0)
            return -1;
        m->source = xstrdup(src);
    }
    if (n == 3) {
        _cleanup_free_ char *modes = xstrdup(parts[2]);
        char *save = NULL;
        bool rw_seen = false;
        for (char *t = strtok_r(modes, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            if (strcmp(t, "ro") == 0 || strcmp(t, "rw") == 0) {
                if (rw_seen) {
                    return herr_set(e, EINVAL, "invalid mode \"%s\" in \"%s\": ro/rw given twice",
                                    parts[2], spec);
                }
                rw_seen = true;
                m->readonly = t[1] == 'o';
            } else if (strcmp(t, "nocopy") == 0) {
                if (m->type != VOL_VOLUME) {
                    return herr_set(e, EINVAL,
                                    "invalid mode \"%s\" in \"%s\": nocopy is only for volumes", t,
                                    spec);
                }
                m->nocopy = true;
            } else if (is_propagation(t)) {
                if (m->type != VOL_BIND) {
                    return herr_set(
                        e, EINVAL,
                        "invalid mode \"%s\" in \"%s\": propagation is only for bind mounts", t,
                        spec);
                }
                if (m->propagation) {
                    return herr_set(e, EINVAL,
                                    "invalid mode \"%s\" in \"%s\": propagation given twice",
                                    parts[2], spec);
                }
                m->propagation = xstrdup(t);
            } else if (strcmp(t, "z") != 0 && strcmp(t, "Z") != 0 && strcmp(t, "consistent") != 0 &&
                       strcmp(t, "cached") != 0 && strcmp(t, "delegated") != 0) {
                /* z/Z relabel for SELinux, which hoist does not use; the consistency
                 * modes only matter on macOS: both are accepted as no-ops, as docker. */
                return herr_set(e, EINVAL, "invalid mode \"%s\" in \"%s\"", t, spec);
            }
        }
    }
    return 0;
}

int vol_parse_short(const char *spec, const char *basedir, const char *home, struct vol_mount *m,
                    struct herr *e)
{
    vol_mount_clear(m);
    if (parse_short(spec, basedir, home, m, e) < 0) {
        vol_mount_clear(m);
        return -1;
    }
    return 0;
}

/* One CSV field of --mount (docker reads the value as a CSV record). */
static char *csv_field(const char **pp, struct herr *e)
{
    const char *p = *pp;
    if (*p != '"') {
        const char *c = strchr(p, ',');
        size_t l = c ? (size_t)(c - p) : strlen(p);
        *pp = p + l + (c ? 1 : 0);
        return xstrndup(p, l);
    }
    char *out = xmalloc(strlen(p) + 1);
    size_t o = 0;
    for (p++;; p++) {
        if (!*p) {
            free(out);
            herr_set(e, EINVAL, "unterminated quote");
            return NULL;
        }
        if (*p == '"') {
            if (p[1] == '"') {
                out[o++] = '"';
                p++;
                continue;
            }
            p++;
            break;
        }
        out[o++] = *p;
    }
    out[o] = '\0';
    if (*p && *p != ',') {
        free(out);
        herr_set(e, EINVAL, "text after a closing quote");
        return NULL;
    }
    *pp = *p ? p + 1 : p;
    return out;
}

static int parse_bool(const char *key, const char *v, bool *out, struct herr *e)
{
    if (!v || !strcmp(v, "1") || !strcasecmp(v, "true") || !strcmp(v, "t") || !strcmp(v, "T")) {
        *out = true;
        return 0;
    }
    if (!strcmp(v, "0") || !strcasecmp(v, "false") || !strcmp(v, "f") || !strcmp(v, "F")) {
        *out = false;
        return 0;
    }
    return herr_set(e, EINVAL, "invalid value \"%s\" for %s: want true or false", v, key);
}

static int parse_mode(const char *s, int *out)
{
    if (!*s || strlen(s) > 4)
        return -1;
    int v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '7')
            return -1;
        v = v * 8 + (*p - '0');
    }
    *out = v;
    return 0;
}

enum opt_class { FOR_ANY, FOR_BIND, FOR_VOLUME, FOR_TMPFS };

static int long_field(const char *key, const char *val, struct vol_mount *m, char **type,
                      char **src, char **dst, enum opt_class *cls, struct herr *e)
{
    *cls = FOR_ANY;
    bool b;
    if (!strcmp(key, "type")) {
        free(*type);
        *type = xstrdup(val ? val : "");
    } else if (!strcmp(key, "source") || !strcmp(key, "src")) {
        free(*src);
        *src = xstrdup(val ? val : "");
    } else if (!strcmp(key, "target") || !strcmp(key, "destination") || !strcmp(key, "dst")) {
        free(*dst);
        *dst = xstrdup(val ? val : "");
    } else if (!strcmp(key, "readonly") || !strcmp(key, "ro")) {
        if (parse_bool(key, val, &m->readonly, e) < 0)
            return -1;
    } else if (!strcmp(key, "consistency")) {
        if (!val || (strcmp(val, "default") && strcmp(val, "consistent") && strcmp(val, "cached") &&
                     strcmp(val, "delegated")))
            return herr_set(e, EINVAL, "invalid consistency \"%s\"", val ? val : "");
    } else if (!strcmp(key, "volume-nocopy")) {
        *cls = FOR_VOLUME;
        if (parse_bool(key, val, &m->nocopy, e) < 0)
            return -1;
    } else if (!strcmp(key, "volume-subpath")) {
        *cls = FOR_VOLUME;
        if (!val || !*val)
            return herr_set(e, EINVAL, "volume-subpath needs a value");
        free(m->subpath);
        m->subpath = xstrdup(val);
    } else if (!strcmp(key, "volume-driver")) {
        *cls = FOR_VOLUME;
        if (!val || strcmp(val, "local") != 0)
            return herr_set(e, EINVAL, "volume driver \"%s\" is not supported (only local)",
                            val ? val : "");
    } else if (!strcmp(key, "bind-propagation")) {
        *cls = FOR_BIND;
        if (!val || !is_propagation(val))
            return herr_set(e, EINVAL,
                            "invalid bind-propagation \"%s\": want private, rprivate, shared, "
                            "rshared, slave or rslave",
                            val ? val : "");
        free(m->propagation);
        m->propagation = xstrdup(val);
    } else if (!strcmp(key, "bind-create-src")) {
        *cls = FOR_BIND;
        if (parse_bool(key, val, &b, e) < 0)
            return -1;
        m->create_host_path = b;
    } else if (!strcmp(key, "tmpfs-size")) {
        *cls = FOR_TMPFS;
        if (!val || str_parse_size(val, &m->tmpfs_size) < 0 || m->tmpfs_size <= 0)
            return herr_set(e, EINVAL, "invalid tmpfs-size \"%s\": want a size such as 64m",
                            val ? val : "");
    } else if (!strcmp(key, "tmpfs-mode")) {
        *cls = FOR_TMPFS;
        if (!val || parse_mode(val, &m->tmpfs_mode) < 0)
            return herr_set(e, EINVAL, "invalid tmpfs-mode \"%s\": want octal such as 1777",
                            val ? val : "");
    } else {
        return herr_set(e, EINVAL, "unknown option \"%s\"", key);
    }
    return 0;
}

static const char *class_type(enum opt_class c)
{
    return c == FOR_BIND ? "bind" : c == FOR_VOLUME ? "volume" : "tmpfs";
}

/* Whether a ".." ever climbs above the start (even if later components come back). */
static bool subpath_climbs(const char *p)
{
    int depth = 0;
    while (*p) {
        const char *s = p;
        while (*p && *p != '/')
            p++;
        size_t l = (size_t)(p - s);
        if (l == 2 && s[0] == '.' && s[1] == '.')
            depth--;
        else if (l > 0 && !(l == 1 && s[0] == '.'))
            depth++;
        if (depth < 0)
            return true;
        while (*p == '/')
            p++;
    }
    return false;
}

static int parse_long(const char *spec, const char *basedir, const char *home, struct vol_mount *m,
                      struct herr *e)
{
    _cleanup_free_ char *type = NULL, *src = NULL, *dst = NULL;
    _cleanup_free_ char *foreign = NULL; /* first option that needs a type */
    enum opt_class need = FOR_ANY;
    if (!*spec)
        return herr_set(e, EINVAL, "empty mount specification");
    for (const char *p = spec; *p;) {
        _cleanup_free_ char *f = csv_field(&p, e);
        if (!f)
            return -1;
        char *eq = strchr(f, '=');
        if (eq)
            *eq = '\0';
        enum opt_class cls;
        if (long_field(f, eq ? eq + 1 : NULL, m, &type, &src, &dst, &cls, e) < 0)
            return -1;
        if (cls != FOR_ANY && !foreign) {
            foreign = xstrdup(f);
            need = cls;
        } else if (cls != FOR_ANY && cls != need) {
            return herr_set(e, EINVAL, "options \"%s\" and \"%s\" are for different mount types",
                            foreign, f);
        }
    }
    const char *t = type ? type : "volume";
    if (!strcmp(t, "bind"))
        m->type = VOL_BIND;
    else if (!strcmp(t, "volume"))
        m->type = VOL_VOLUME;
    else if (!strcmp(t, "tmpfs"))
        m->type = VOL_TMPFS;
    else
        return herr_set(e, EINVAL, "invalid type \"%s\": want bind, volume or tmpfs", t);
    enum opt_class have = m->type == VOL_BIND     ? FOR_BIND
                          : m->type == VOL_VOLUME ? FOR_VOLUME
                                                  : FOR_TMPFS;
    if (need != FOR_ANY && need != have)
        return herr_set(e, EINVAL, "option \"%s\" is only valid with type=%s", foreign,
                        class_type(need));
    if (check_target(dst, m, e) < 0)
        return -1;
    switch (m->type) {
    case VOL_BIND:
        if (!src || !*src)
            return herr_set(e, EINVAL, "a bind mount needs a source");
        if (!is_host_path(src))
            return herr_set(e, EINVAL,
                            "bind source \"%s\" must be an absolute path or start with ./, ../ "
                            "or ~",
                            src);
        return host_path(src, basedir, home, &m->source, e);
    case VOL_VOLUME:
        if (src && *src) {
            if (vol_name_check(src, e) < 0)
                return -1;
            m->source = xstrdup(src);
        }
        if (m->subpath) {
            if (m->subpath[0] == '/')
                return herr_set(e, EINVAL, "volume-subpath \"%s\" must be relative", m->subpath);
            if (subpath_climbs(m->subpath))
                return herr_set(e, EINVAL, "volume-subpath \"%s\" leaves the volume", m->subpath);
            _cleanup_free_ char *tmp = xasprintf("/%s", m->subpath);
            _cleanup_free_ char *c = clean_abs(tmp);
            if (strcmp(c, "/") == 0)
                return herr_set(e, EINVAL, "volume-subpath \"%s\" names the volume itself",
                                m->subpath);
            free(m->subpath);
            m->subpath = xstrdup(c + 1);
        }
        return 0;
    case VOL_TMPFS:
        if (src && *src)
            return herr_set(e, EINVAL, "a tmpfs mount takes no source (got \"%s\")", src);
        return 0;
    }
    return 0;
}

int vol_parse_long(const char *spec, const char *basedir, const char *home, struct vol_mount *m,
                   struct herr *e)
{
    vol_mount_clear(m);
    if (parse_long(spec, basedir, home, m, e) < 0) {
        vol_mount_clear(m);
        return herr_wrap(e, "invalid mount \"%s\"", spec);
    }
    return 0;
}

static int parse_tmpfs(const char *spec, struct vol_mount *m, struct herr *e)
{
    m->type = VOL_TMPFS;
    const char *colon = strchr(spec, ':');
    _cleanup_free_ char *dst = colon ? xstrndup(spec, (size_t)(colon - spec)) : xstrdup(spec);
    if (check_target(dst, m, e) < 0)
        return -1;
    _cleanup_free_ char *opts = xstrdup(colon ? colon + 1 : "");
    char *save = NULL;
    for (char *t = strtok_r(opts, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (!strcmp(t, "ro") || !strcmp(t, "rw")) {
            m->readonly = t[1] == 'o';
        } else if (str_has_prefix(t, "size=")) {
            if (str_parse_size(t + 5, &m->tmpfs_size) < 0 || m->tmpfs_size <= 0)
                return herr_set(e, EINVAL, "invalid size \"%s\"", t + 5);
        } else if (str_has_prefix(t, "mode=")) {
            if (parse_mode(t + 5, &m->tmpfs_mode) < 0)
                return herr_set(e, EINVAL, "invalid mode \"%s\": want octal", t + 5);
        } else {
            return herr_set(e, EINVAL, "unsupported tmpfs option \"%s\" (size, mode, ro, rw)", t);
        }
    }
    return 0;
}

int vol_parse_tmpfs(const char *spec, struct vol_mount *m, struct herr *e)
{
    vol_mount_clear(m);
    if (parse_tmpfs(spec, m, e) < 0) {
        vol_mount_clear(m);
        return herr_wrap(e, "invalid tmpfs \"%s\"", spec);
    }
    return 0;
}
