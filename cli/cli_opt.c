#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_opt.h"
#include "common/cleanup.h"
#include "common/str.h"

/* docker compose's exit status for a command line it cannot parse (CommandSyntaxFailure). */
#define CLI_COMPOSE_SYNTAX_EXIT 16

int cli_opt_error(const struct cli_spec *s, bool syntax, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "hoist%s%s: ", *s->cmd ? " " : "", s->cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nSee 'hoist%s%s --help'.\n", *s->cmd ? " " : "", s->cmd);
    return s->style == CLI_STYLE_COMPOSE && syntax ? CLI_COMPOSE_SYNTAX_EXIT : 125;
}

/* One option as the parser sees it: the table entry, the base it writes into and its
 * letter (dropped where the command's own table uses it: `rm -f` is --force, the
 * compose file then --file). */
struct slot {
    const struct cli_opt *o;
    void *base;
    char shrt;
};

static const struct cli_opt *own_opt(const struct cli_opt *own, const char *name, char shrt)
{
    for (; own && own->name; own++) {
        if ((name && !strcmp(own->name, name)) || (shrt && own->shrt == shrt))
            return own;
    }
    return NULL;
}

/* The options of s, its own first; *n is set to their number. */
static struct slot *slots(const struct cli_spec *s, void *base, void *more, size_t *n)
{
    size_t cap = 1;
    for (const struct cli_opt *o = s->opts; o && o->name; o++)
        cap++;
    for (const struct cli_opt *o = s->more; o && o->name; o++)
        cap++;
    struct slot *v = xcalloc(cap, sizeof(*v));
    *n = 0;
    for (const struct cli_opt *o = s->opts; o && o->name; o++)
        v[(*n)++] = (struct slot){o, base, o->shrt};
    for (const struct cli_opt *o = s->more; o && o->name; o++) {
        if (!own_opt(s->opts, o->name, 0))
            v[(*n)++] = (struct slot){o, more, own_opt(s->opts, NULL, o->shrt) ? 0 : o->shrt};
    }
    return v;
}

static bool has_short(const struct slot *v, size_t n, char c)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i].shrt == c)
            return true;
    }
    return false;
}

static int store(const struct cli_spec *s, const struct slot *sl, const char *arg)
{
    const struct cli_opt *o = sl->o;
    void *field = (char *)sl->base + o->off;
    long long v;
    switch (o->kind) {
    case CLI_OPT_FLAG:
        *(bool *)field = true;
        return 0;
    case CLI_OPT_CLEAR:
        *(bool *)field = false;
        return 0;
    case CLI_OPT_STRING:
        *(const char **)field = arg;
        return 0;
    case CLI_OPT_LIST:
        strv_push((char ***)field, xstrdup(arg));
        return 0;
    case CLI_OPT_NUMBER:
        if (str_parse_ll(arg, &v) < 0 || v > 1000000)
            return cli_opt_error(
                s, false, "invalid argument \"%s\" for \"--%s\" flag: want a number", arg, o->name);
        *(int *)field = (int)v;
        return 0;
    case CLI_OPT_CALL:
        return o->fn(s->cmd, o, field, arg);
    case CLI_OPT_IGNORE:
        return 0;
    }
    return 0;
}

static bool in_list(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; (p = strstr(p, name)); p += n) {
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
            return true;
    }
    return false;
}

static int conflicts(const struct cli_spec *s, const struct slot *v, const bool *seen, size_t n)
{
    for (const struct cli_conflict *c = s->conflicts; c && c->a; c++) {
        bool a = false, b = false;
        for (size_t i = 0; i < n; i++) {
            a |= seen[i] && in_list(c->a, v[i].o->name);
            b |= seen[i] && in_list(c->b, v[i].o->name);
        }
        if (a && b)
            return cli_opt_error(s, false, "%s", c->msg);
    }
    return -1;
}

/* getopt's '?' or ':' in cobra's words. */
static int flag_error(const struct cli_spec *s, int c, const char *word)
{
    bool missing = c == ':';
    if (word[1] == '-') {
        size_t len = strcspn(word, "=");
        return cli_opt_error(s, true, "%s: %.*s",
                             missing ? "flag needs an argument" : "unknown flag", (int)len, word);
    }
    return cli_opt_error(s, true, "%s: '%c' in %s",
                         missing ? "flag needs an argument" : "unknown shorthand flag", optopt,
                         word);
}

int cli_opt_parse(const struct cli_spec *s, void *base, void *more, int argc, char **argv)
{
    size_t n;
    _cleanup_free_ struct slot *v = slots(s, base, more, &n);
    _cleanup_free_ struct option *lo = xcalloc(n + 2, sizeof(*lo));
    _cleanup_free_ char *so = xcalloc(2 * n + 4, 1);
    _cleanup_free_ bool *seen = xcalloc(n + 1, sizeof(bool));
    char *p = so;
    *p++ = s->interspersed ? ':' : '+';
    if (!s->interspersed)
        *p++ = ':';
    bool short_help = !has_short(v, n, 'h');
    for (size_t i = 0; i < n; i++) {
        lo[i] = (struct option){v[i].o->name, v[i].o->arg ? required_argument : no_argument, NULL,
                                256 + (int)i};
        if (v[i].shrt) {
            *p++ = v[i].shrt;
            if (v[i].o->arg)
                *p++ = ':';
        }
    }
    lo[n] = (struct option){"help", no_argument, NULL, 'h' + 0x10000};
    if (short_help)
        *p++ = 'h';
    int c, idx;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, so, lo, &idx)) != -1) {
        if (c == 'h' + 0x10000 || (c == 'h' && short_help)) {
            cli_opt_help(s, stdout);
            return 0;
        }
        if (c == '?' || c == ':')
            return flag_error(s, c, argv[optind - 1]);
        size_t i = 0;
        if (c >= 256)
            i = (size_t)(c - 256);
        else
            while (i < n && v[i].shrt != c)
                i++;
        seen[i] = true;
        int r = store(s, &v[i], optarg);
        if (r)
            return r;
    }
    return conflicts(s, v, seen, n);
}

static void opt_head(const struct slot *sl, char *buf, size_t len)
{
    const struct cli_opt *o = sl->o;
    snprintf(buf, len, "%c%c%c --%s%s%s", sl->shrt ? '-' : ' ', sl->shrt ? sl->shrt : ' ',
             sl->shrt ? ',' : ' ', o->name, o->arg ? " " : "", o->arg ? o->arg : "");
}

void cli_opt_help(const struct cli_spec *s, FILE *f)
{
    size_t n;
    _cleanup_free_ struct slot *v = slots(s, NULL, NULL, &n);
    fprintf(f, "Usage: hoist%s%s %s\n\n%s\n", *s->cmd ? " " : "", s->cmd, s->usage, s->what);
    int width = 0;
    char head[128];
    for (size_t i = 0; i < n; i++) {
        opt_head(&v[i], head, sizeof(head));
        if (v[i].o->help && (int)strlen(head) > width)
            width = (int)strlen(head);
    }
    if (n)
        fprintf(f, "\nOptions:\n");
    for (size_t i = 0; i < n; i++) {
        if (!v[i].o->help)
            continue;
        opt_head(&v[i], head, sizeof(head));
        fprintf(f, "  %-*s  %s\n", width, head, v[i].o->help);
    }
    if (s->help)
        s->help(f);
}

void cli_opt_free(const struct cli_spec *s, void *base, void *more)
{
    size_t n;
    _cleanup_free_ struct slot *v = slots(s, base, more, &n);
    for (size_t i = 0; i < n; i++) {
        char ***field = (char ***)((char *)v[i].base + v[i].o->off);
        if (v[i].o->kind == CLI_OPT_LIST && v[i].base) {
            strv_free(*field);
            *field = NULL;
        }
    }
}
