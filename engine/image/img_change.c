/* Dockerfile instructions applied by `import --change` and `commit --change`. */
#include <ctype.h>
#include <limits.h>
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

#define SEC 1000000000LL

static const struct {
    const char *name;
    long long ns;
} units[] = {
    {"ns", 1},       {"us", 1000}, {"\xc2\xb5s", 1000}, {"\xce\xbcs", 1000},
    {"ms", 1000000}, {"s", SEC},   {"m", 60 * SEC},     {"h", 3600 * SEC},
};

/* The longest unit name matching at s; 0 when none does. */
static long long unit_at(const char *s, size_t *len)
{
    long long best = 0;
    *len = 0;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        size_t n = strlen(units[i].name);
        if (n > *len && strncmp(s, units[i].name, n) == 0) {
            *len = n;
            best = units[i].ns;
        }
    }
    return best;
}

int image_parse_duration(const char *s, long long *ns, struct herr *e)
{
    const char *p = s;
    bool neg = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    if (strcmp(p, "0") == 0) {
        *ns = 0;
        return 0;
    }
    if (!*p)
        return herr_set(e, 0, "invalid duration \"%s\"", s);
    unsigned long long total = 0;
    while (*p) {
        unsigned long long whole = 0, frac = 0, scale = 1;
        bool digits = false;
        for (; *p >= '0' && *p <= '9'; p++, digits = true) {
            if (whole > (ULLONG_MAX - 9) / 10)
                return herr_set(e, 0, "invalid duration \"%s\": out of range", s);
            whole = whole * 10 + (unsigned)(*p - '0');
        }
        if (*p == '.') {
            for (p++; *p >= '0' && *p <= '9'; p++, digits = true) {
                /* Digits past nanosecond precision of the largest unit change nothing. */
                if (scale < 1000000000000000000ULL) {
                    frac = frac * 10 + (unsigned)(*p - '0');
                    scale *= 10;
                }
            }
        }
        size_t ulen;
        long long unit = digits ? unit_at(p, &ulen) : 0;
        if (!unit)
            return herr_set(e, 0, "invalid duration \"%s\"", s);
        p += ulen;
        if (whole > (unsigned long long)LLONG_MAX / (unsigned long long)unit)
            return herr_set(e, 0, "invalid duration \"%s\": out of range", s);
        unsigned long long v =
            whole * (unsigned long long)unit +
            (unsigned long long)((long double)frac * (long double)unit / (long double)scale);
        if (v > (unsigned long long)LLONG_MAX - total)
            return herr_set(e, 0, "invalid duration \"%s\": out of range", s);
        total += v;
    }
    *ns = neg ? -(long long)total : (long long)total;
    return 0;
}

/* HEALTHCHECK [--interval=D] [--timeout=D] [--start-period=D] [--start-interval=D]
 * [--retries=N] CMD command | NONE, recorded as docker does (durations in ns, unset
 * fields left out). */
static int apply_healthcheck(json_t *config, const char *args, struct herr *e)
{
    static const struct {
        const char *opt, *key;
    } durations[] = {{"interval", "Interval"},
                     {"timeout", "Timeout"},
                     {"start-period", "StartPeriod"},
                     {"start-interval", "StartInterval"}};
    _cleanup_json_ json_t *hc = json_object();
    const char *p = args;
    while (strncmp(p, "--", 2) == 0) {
        size_t n = strcspn(p, " \t");
        _cleanup_free_ char *opt = xstrndup(p + 2, n - 2);
        p += n;
        while (isspace((unsigned char)*p))
            p++;
        char *val = strchr(opt, '=');
        if (!val)
            return herr_set(e, EINVAL, "HEALTHCHECK option --%s needs a value (--%s=...)", opt,
                            opt);
        *val++ = '\0';
        long long v;
        if (strcmp(opt, "retries") == 0) {
            if (str_parse_ll(val, &v) < 0 || v > 1000000)
                return herr_set(e, EINVAL, "HEALTHCHECK --retries: invalid count \"%s\"", val);
            json_object_set_new(hc, "Retries", json_integer(v));
            continue;
        }
        size_t i = 0;
        while (i < sizeof(durations) / sizeof(durations[0]) && strcmp(durations[i].opt, opt) != 0)
            i++;
        if (i == sizeof(durations) / sizeof(durations[0]))
            return herr_set(e, EINVAL, "HEALTHCHECK: unknown flag --%s", opt);
        if (image_parse_duration(val, &v, e) < 0)
            return herr_wrap(e, "HEALTHCHECK --%s", opt);
        if (v < 0 || (v > 0 && v < 1000000))
            return herr_set(e, EINVAL, "HEALTHCHECK --%s cannot be negative or less than 1ms", opt);
        if (v)
            json_object_set_new(hc, durations[i].key, json_integer(v));
    }
    size_t kn = strcspn(p, " \t");
    const char *rest = p + kn + strspn(p + kn, " \t");
    if (kn == 4 && strncasecmp(p, "NONE", 4) == 0 && !*rest) {
        if (json_object_size(hc))
            return herr_set(e, EINVAL, "HEALTHCHECK NONE takes no options");
        json_object_set_new(config, "Healthcheck", json_pack("{s:[s]}", "Test", "NONE"));
        return 0;
    }
    if (kn != 3 || strncasecmp(p, "CMD", 3) != 0 || !*rest)
        return herr_set(e, EINVAL, "HEALTHCHECK needs CMD followed by a command, or NONE");
    json_t *test = json_form(rest);
    if (test)
        json_array_insert_new(test, 0, json_string("CMD"));
    else
        test = json_pack("[ss]", "CMD-SHELL", rest);
    json_object_set_new(hc, "Test", test);
    json_object_set_new(config, "Healthcheck", json_incref(hc));
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
    static const char *const known[] = {"CMD",        "ENTRYPOINT",  "ENV",   "WORKDIR",
                                        "USER",       "EXPOSE",      "LABEL", "VOLUME",
                                        "STOPSIGNAL", "HEALTHCHECK", NULL};
    bool ok = false;
    for (const char *const *k = known; *k; k++)
        ok = ok || strcmp(*k, ins) == 0;
    if (!ok)
        return herr_set(e, EINVAL,
                        "--change \"%s\": instruction %s is not supported (use CMD, ENTRYPOINT, "
                        "ENV, WORKDIR, USER, EXPOSE, LABEL, VOLUME, STOPSIGNAL or HEALTHCHECK)",
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
    } else if (strcmp(ins, "HEALTHCHECK") == 0) {
        r = apply_healthcheck(config, args, e);
    } else {
        if (!valid_signal(args))
            return herr_set(e, EINVAL, "--change \"%s\": invalid signal \"%s\"", instr, args);
        json_object_set_new(config, "StopSignal", json_string(args));
    }
    if (r < 0)
        return herr_wrap(e, "--change \"%s\"", instr);
    return 0;
}
