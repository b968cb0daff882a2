/* Dockerfile instructions applied by `import --change` and `commit --change`. */
#include <ctype.h>
#include <signal.h>
#include <string.h>
#include <strings.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/image/image.h"

/* Split on unquoted whitespace; "..." and '...' group, backslash escapes one character
 * (outside single quotes), as the Dockerfile parser does for ENV and LABEL. */
static int split_words(const char *what, const char *s, char ***out, struct herr *e)
{
    _cleanup_strv_ char **v = xcalloc(1, sizeof(char *));
    size_t cap = strlen(s) + 1;
    _cleanup_free_ char *w = xmalloc(cap);
    const char *p = s;
    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        size_t n = 0;
        char quote = 0;
        while (*p && (quote || !isspace((unsigned char)*p))) {
            if (quote && *p == quote) {
                quote = 0;
                p++;
            } else if (!quote && (*p == '"' || *p == '\'')) {
                quote = *p++;
            } else if (*p == '\\' && quote != '\'' && p[1]) {
                w[n++] = p[1];
                p += 2;
            } else {
                w[n++] = *p++;
            }
        }
        if (quote)
            return herr_set(e, EINVAL, "%s: unterminated quote in \"%s\"", what, s);
        strv_push(&v, xstrndup(w, n));
    }
    *out = steal_ptr(&v);
    return 0;
}

/* JSON form ["a","b"] when it parses as an array of strings, else NULL. */
static json_t *json_form(const char *args)
{
    if (args[0] != '[')
        return NULL;
    json_t *j = json_loads(args, JSON_DECODE_ANY, NULL);
    if (!json_is_array(j) || json_array_size(j) == 0)
        goto bad;
    size_t i;
    json_t *it;
    json_array_foreach(j, i, it)
    {
        if (!json_is_string(it))
            goto bad;
    }
    return j;
bad:
    json_decref(j);
    return NULL;
}

static json_t *command_form(const char *args)
{
    json_t *j = json_form(args);
    if (j)
        return j;
    return json_pack("[sss]", "/bin/sh", "-c", args);
}

static json_t *obj_member(json_t *config, const char *key)
{
    json_t *o = json_object_get(config, key);
    if (!json_is_object(o)) {
        o = json_object();
        json_object_set_new(config, key, o);
    }
    return o;
}

static void env_set(json_t *config, const char *key, const char *value)
{
    json_t *env = json_object_get(config, "Env");
    if (!json_is_array(env)) {
        env = json_array();
        json_object_set_new(config, "Env", env);
    }
    size_t klen = strlen(key), i;
    json_t *it;
    char *kv = xasprintf("%s=%s", key, value);
    json_array_foreach(env, i, it)
    {
        const char *s = json_string_value(it);
        if (s && strncmp(s, key, klen) == 0 && s[klen] == '=') {
            json_array_set_new(env, i, json_string(kv));
            free(kv);
            return;
        }
    }
    json_array_append_new(env, json_string(kv));
    free(kv);
}

/* K=V pairs (ENV, LABEL); ENV also has the legacy "K rest of line" form. */
static int apply_pairs(json_t *config, const char *ins, const char *args, bool is_env,
                       struct herr *e)
{
    const char *eq = strchr(args, '=');
    const char *sp = args + strcspn(args, " \t");
    if (is_env && (!eq || sp < eq)) {
        _cleanup_free_ char *key = xstrndup(args, (size_t)(sp - args));
        while (isspace((unsigned char)*sp))
            sp++;
        if (!*sp)
            return herr_set(e, EINVAL, "%s %s: missing value", ins, key);
        env_set(config, key, sp);
        return 0;
    }
    _cleanup_strv_ char **words = NULL;
    if (split_words(ins, args, &words, e) < 0)
        return -1;
    for (char **w = words; *w; w++) {
        char *weq = strchr(*w, '=');
        if (!weq || weq == *w)
            return herr_set(e, EINVAL, "%s: \"%s\" is not KEY=VALUE", ins, *w);
        *weq = '\0';
        if (is_env)
            env_set(config, *w, weq + 1);
        else
            json_object_set_new(obj_member(config, "Labels"), *w, json_string(weq + 1));
    }
    return 0;
}

static int apply_expose(json_t *config, const char *args, struct herr *e)
{
    _cleanup_strv_ char **words = NULL;
    if (split_words("EXPOSE", args, &words, e) < 0)
        return -1;
    json_t *ports = obj_member(config, "ExposedPorts");
    for (char **w = words; *w; w++) {
        char *slash = strchr(*w, '/');
        const char *proto = slash ? slash + 1 : "tcp";
        if (slash)
            *slash = '\0';
        if (strcasecmp(proto, "tcp") != 0 && strcasecmp(proto, "udp") != 0 &&
            strcasecmp(proto, "sctp") != 0)
            return herr_set(e, EINVAL, "EXPOSE: invalid protocol \"%s\"", proto);
        long long lo, hi;
        char *dash = strchr(*w, '-');
        if (dash)
            *dash = '\0';
        if (str_parse_ll(*w, &lo) < 0 || (dash && str_parse_ll(dash + 1, &hi) < 0))
            return herr_set(e, EINVAL, "EXPOSE: invalid port \"%s\"", *w);
        if (!dash)
            hi = lo;
        if (lo < 1 || hi > 65535 || hi < lo)
            return herr_set(e, EINVAL, "EXPOSE: port out of range: %s", *w);
        for (long long p = lo; p <= hi; p++) {
            char key[32];
            snprintf(key, sizeof(key), "%lld/%s", p, proto);
            for (char *k = key; *k; k++)
                *k = (char)tolower((unsigned char)*k);
            json_object_set_new(ports, key, json_object());
        }
    }
    return 0;
}

static int apply_volume(json_t *config, const char *args, struct herr *e)
{
    _cleanup_json_ json_t *arr = json_form(args);
    _cleanup_strv_ char **words = NULL;
    if (arr)
        words = hj_strv(arr);
    else if (split_words("VOLUME", args, &words, e) < 0)
        return -1;
    json_t *vols = obj_member(config, "Volumes");
    for (char **w = words; *w; w++) {
        if ((*w)[0] != '/')
            return herr_set(e, EINVAL, "VOLUME: \"%s\" is not an absolute path", *w);
        json_object_set_new(vols, *w, json_object());
    }
    return 0;
}

static bool valid_signal(const char *s)
{
    long long n;
    if (str_parse_ll(s, &n) == 0)
        return n > 0 && n < NSIG;
    const char *name = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
    if (strncasecmp(name, "RTMIN", 5) == 0 || strncasecmp(name, "RTMAX", 5) == 0) {
        const char *rest = name + 5;
        return !*rest || ((*rest == '+' || *rest == '-') && str_parse_ll(rest + 1, &n) == 0);
    }
    for (int i = 1; i < NSIG; i++) {
        const char *abbr = sigabbrev_np(i);
        if (abbr && strcasecmp(abbr, name) == 0)
            return true;
    }
    return false;
}

static int apply_workdir(json_t *config, const char *args)
{
    const char *cur = hj_str(config, "WorkingDir");
    if (args[0] == '/' || !cur || !*cur) {
        _cleanup_free_ char *abs = xasprintf("%s%s", args[0] == '/' ? "" : "/", args);
        json_object_set_new(config, "WorkingDir", json_string(abs));
        return 0;
    }
    _cleanup_free_ char *joined =
        xasprintf("%s%s%s", cur, str_has_suffix(cur, "/") ? "" : "/", args);
    json_object_set_new(config, "WorkingDir", json_string(joined));
    return 0;
}

int image_change_apply(json_t *config, const char *instr, struct herr *e)
{
    while (isspace((unsigned char)*instr))
        instr++;
    size_t kn = strcspn(instr, " \t");
    _cleanup_free_ char *ins = xstrndup(instr, kn);
    for (char *k = ins; *k; k++)
        *k = (char)toupper((unsigned char)*k);
    const char *a = instr + kn;
    while (isspace((unsigned char)*a))
        a++;
    _cleanup_free_ char *args = xstrdup(a);
    for (size_t n = strlen(args); n > 0 && isspace((unsigned char)args[n - 1]); n--)
        args[n - 1] = '\0';
    if (!*ins)
        return herr_set(e, EINVAL, "empty --change instruction");
    static const char *const known[] = {"CMD",    "ENTRYPOINT", "ENV",    "WORKDIR",    "USER",
                                        "EXPOSE", "LABEL",      "VOLUME", "STOPSIGNAL", NULL};
    bool ok = false;
    for (const char *const *k = known; *k; k++)
        ok = ok || strcmp(*k, ins) == 0;
    if (!ok)
        return herr_set(e, EINVAL,
                        "--change \"%s\": instruction %s is not supported (use CMD, ENTRYPOINT, "
                        "ENV, WORKDIR, USER, EXPOSE, LABEL, VOLUME or STOPSIGNAL)",
                        instr, ins);
    if (!*args)
        return herr_set(e, EINVAL, "--change \"%s\": %s requires an argument", instr, ins);
    int r = 0;
    if (strcmp(ins, "CMD") == 0 || strcmp(ins, "ENTRYPOINT") == 0) {
        json_object_set_new(config, ins[0] == 'C' ? "Cmd" : "Entrypoint", command_form(args));
    } else if (strcmp(ins, "ENV") == 0 || strcmp(ins, "LABEL") == 0) {
        r = apply_pairs(config, ins, args, ins[0] == 'E', e);
    } else if (strcmp(ins, "WORKDIR") == 0) {
        r = apply_workdir(config, args);
    } else if (strcmp(ins, "USER") == 0) {
        if (strpbrk(args, " \t"))
            return herr_set(e, EINVAL, "--change \"%s\": USER takes one user[:group]", instr);
        json_object_set_new(config, "User", json_string(args));
    } else if (strcmp(ins, "EXPOSE") == 0) {
        r = apply_expose(config, args, e);
    } else if (strcmp(ins, "VOLUME") == 0) {
        r = apply_volume(config, args, e);
    } else {
        if (!valid_signal(args))
            return herr_set(e, EINVAL, "--change \"%s\": invalid signal \"%s\"", instr, args);
        json_object_set_new(config, "StopSignal", json_string(args));
    }
    if (r < 0)
        return herr_wrap(e, "--change \"%s\"", instr);
    return 0;
}
