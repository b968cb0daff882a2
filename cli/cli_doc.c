/* Completions and man pages, made from the option tables (cli_groups): the hidden
 * `hoist __complete bash|zsh` and `hoist __man DIR`, run at build time. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_opt.h"
#include "common/cleanup.h"
#include "common/str.h"

/* The word after the group's name ("run" of "container run"), or "" for a verb. */
static const char *sub_of(const struct cli_spec *s)
{
    const char *sp = strchr(s->cmd, ' ');
    return sp ? sp + 1 : "";
}

typedef void (*opt_fn)(FILE *f, const struct cli_opt *o, char shrt);

/* Each option of s (and of its more table), with the letter it answers to. */
static void each_opt(FILE *f, const struct cli_spec *s, opt_fn fn)
{
    for (const struct cli_opt *o = s->opts; o && o->name; o++)
        fn(f, o, o->shrt);
    for (const struct cli_opt *o = s->more; o && o->name; o++) {
        bool name_taken = false, letter_taken = false;
        for (const struct cli_opt *m = s->opts; m && m->name; m++) {
            name_taken |= !strcmp(m->name, o->name);
            letter_taken |= o->shrt && m->shrt == o->shrt;
        }
        if (!name_taken)
            fn(f, o, letter_taken ? 0 : o->shrt);
    }
}

/* ---- bash ---- */

static void bash_word(FILE *f, const struct cli_opt *o, char shrt)
{
    fprintf(f, " --%s", o->name);
    if (shrt)
        fprintf(f, " -%c", shrt);
}

static void bash_takes_arg(FILE *f, const struct cli_opt *o, char shrt)
{
    if (!o->arg)
        return;
    fprintf(f, "|--%s", o->name);
    if (shrt)
        fprintf(f, "|-%c", shrt);
}

static void bash_values(FILE *f, const struct cli_opt *o, char shrt)
{
    if (!o->values)
        return;
    fprintf(f, "        --%s%s%c) words=\"%s\" ;;\n", o->name, shrt ? "|-" : "", shrt ? shrt : ' ',
            o->values);
}

static void bash_spec(FILE *f, const struct cli_group *g, const struct cli_spec *s)
{
    fprintf(f, "    %s/%s)\n        opts=\"", g->name, sub_of(s));
    each_opt(f, s, bash_word);
    fprintf(f, " --help\"\n        case \"$prev\" in\n");
    each_opt(f, s, bash_values);
    fprintf(f, "        esac ;;\n");
}

/* The groups that have subcommands, space separated. */
static char *groups_with_subs(void)
{
    char *v = xstrdup("");
    for (const struct cli_group *g = cli_groups; g->name; g++) {
        if (g->specs && *sub_of(g->specs[0])) {
            char *n = xasprintf("%s%s%s", v, *v ? " " : "", g->name);
            free(v);
            v = n;
        }
    }
    return v;
}

static void bash(FILE *f)
{
    _cleanup_free_ char *groups = groups_with_subs();
    fprintf(f,
            "# bash completion for hoist; made by `hoist __complete bash` from its option "
            "tables.\n_hoist() {\n"
            "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
            "    local cmd= sub= opts= words= i w groups=\"%s\"\n"
            "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
            "        w=${COMP_WORDS[i]}\n"
            "        case \"$w\" in\n        --[*]",
            groups);
    each_opt(f, &cli_main_spec, bash_takes_arg);
    fprintf(f, ")\n            [ -z \"$cmd\" ] && ((i++)) ;;\n"
               "        -*) ;;\n"
               "        compose) [ -z \"$cmd\" ] || [ -n \"$sub\" ] || sub=$w ;;\n"
               "        *)\n"
               "            if [ -z \"$cmd\" ]; then cmd=$w\n"
               "            elif [ -z \"$sub\" ] && [[ \" $groups \" == *\" $cmd \"* ]]; then "
               "sub=$w; fi ;;\n"
               "        esac\n    done\n    case \"$cmd/$sub\" in\n    /)\n        opts=\"");
    each_opt(f, &cli_main_spec, bash_word);
    fprintf(f, " --help\"\n        words=\"compose");
    for (const struct cli_group *g = cli_groups; g->name; g++)
        fprintf(f, " %s", g->name);
    fprintf(f, "\"\n        case \"$prev\" in\n");
    each_opt(f, &cli_main_spec, bash_values);
    fprintf(f, "        esac ;;\n");
    for (const struct cli_group *g = cli_groups; g->name; g++) {
        if (!g->specs || !*sub_of(g->specs[0]))
            continue;
        fprintf(f, "    %s/)\n        words=\"", g->name);
        for (const struct cli_spec *const *s = g->specs; *s; s++)
            fprintf(f, "%s%s", s == g->specs ? "" : " ", sub_of(*s));
        fprintf(f, "\" ;;\n");
    }
    for (const struct cli_group *g = cli_groups; g->name; g++) {
        for (const struct cli_spec *const *s = g->specs; s && *s; s++)
            bash_spec(f, g, *s);
    }
    fprintf(f, "    esac\n"
               "    if [[ $cur == -* ]]; then\n"
               "        COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
               "    else\n"
               "        COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
               "    fi\n}\ncomplete -o default -F _hoist hoist\n");
}

/* ---- zsh ---- */

/* Text inside an _arguments spec: no quote, bracket or colon unescaped. */
static void zsh_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '\'')
            fputs("'\\''", f);
        else if (strchr("[]:\\", *s))
            fprintf(f, "\\%c", *s);
        else
            fputc(*s, f);
    }
}

static void zsh_one(FILE *f, const char *word, const struct cli_opt *o)
{
    fprintf(f, " \\\n            '%s%s[", word, o->arg ? "=" : "");
    zsh_text(f, o->help ? o->help : o->name);
    fputc(']', f);
    if (o->arg) {
        fputc(':', f);
        zsh_text(f, o->arg);
        fprintf(f, ":%s%s%s", o->values ? "(" : "", o->values ? o->values : "",
                o->values ? ")" : "");
    }
    fputc('\'', f);
}

static void zsh_opt(FILE *f, const struct cli_opt *o, char shrt)
{
    char word[128];
    snprintf(word, sizeof(word), "--%s", o->name);
    zsh_one(f, word, o);
    if (shrt) {
        snprintf(word, sizeof(word), "-%c", shrt);
        zsh_one(f, word, o);
    }
}

static void zsh(FILE *f)
{
    fprintf(f, "#compdef hoist\n# zsh completion for hoist; made by `hoist __complete zsh` from "
               "its option tables.\n_hoist() {\n"
               "    local cmd= sub= w i\n"
               "    for ((i = 2; i < CURRENT; i++)); do\n"
               "        w=${words[i]}\n"
               "        case $w in\n"
               "        -*) ;;\n"
               "        compose) [[ -z $cmd ]] || { [[ -z $sub ]] && sub=$w } ;;\n"
               "        *) if [[ -z $cmd ]]; then cmd=$w; elif [[ -z $sub ]]; then sub=$w; fi "
               ";;\n"
               "        esac\n    done\n    case $cmd/$sub in\n    /)\n        _arguments");
    each_opt(f, &cli_main_spec, zsh_opt);
    fprintf(f, " \\\n            '1:command:(compose");
    for (const struct cli_group *g = cli_groups; g->name; g++)
        fprintf(f, " %s", g->name);
    fprintf(f, ")' ;;\n");
    for (const struct cli_group *g = cli_groups; g->name; g++) {
        if (!g->specs || !*sub_of(g->specs[0]))
            continue;
        fprintf(f, "    %s/)\n        compadd --", g->name);
        for (const struct cli_spec *const *s = g->specs; *s; s++)
            fprintf(f, " %s", sub_of(*s));
        fprintf(f, " ;;\n");
    }
    for (const struct cli_group *g = cli_groups; g->name; g++) {
        for (const struct cli_spec *const *s = g->specs; s && *s; s++) {
            fprintf(f, "    %s/%s)\n        _arguments", g->name, sub_of(*s));
            each_opt(f, *s, zsh_opt);
            fprintf(f, " \\\n            '*:argument:_files' ;;\n");
        }
    }
    fprintf(f, "    *) _files ;;\n    esac\n}\n_hoist \"$@\"\n");
}

/* ---- man pages ---- */

/* roff text: a leading dot or quote and backslashes escaped. */
static void roff(FILE *f, const char *s)
{
    if (*s == '.' || *s == '\'')
        fputs("\\&", f);
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\e", f);
        else if (*s == '-')
            fputs("\\-", f);
        else
            fputc(*s, f);
    }
}

static void man_opt(FILE *f, const struct cli_opt *o, char shrt)
{
    fprintf(f, ".TP\n");
    if (shrt)
        fprintf(f, "\\fB\\-%c\\fR, ", shrt);
    fprintf(f, "\\fB\\-\\-");
    roff(f, o->name);
    fprintf(f, "\\fR");
    if (o->arg) {
        fprintf(f, " \\fI");
        roff(f, o->arg);
        fprintf(f, "\\fR");
    }
    fputc('\n', f);
    roff(f, o->help ? o->help : "Another spelling of an option above, kept for docker's sake.");
    fputc('\n', f);
}

static void man_spec(FILE *f, const struct cli_spec *s)
{
    if (*sub_of(s)) {
        fprintf(f, ".SH \"");
        roff(f, s->cmd);
        fprintf(f, "\"\n");
    }
    fprintf(f, ".nf\n\\fBhoist %s\\fR ", s->cmd);
    roff(f, s->usage);
    fprintf(f, "\n.fi\n.PP\n");
    roff(f, s->what);
    fprintf(f, "\n");
    if (s->opts || s->more)
        fprintf(f, ".SS OPTIONS\n");
    each_opt(f, s, man_opt);
}

static int man_page(const char *dir, const char *page, const char *what,
                    const struct cli_spec *const *specs)
{
    _cleanup_free_ char *path = xasprintf("%s/%s.1", dir, page);
    _cleanup_file_ FILE *f = fopen(path, "we");
    if (!f) {
        fprintf(stderr, "hoist __man: %s: %s\n", path, strerror(errno));
        return 1;
    }
    fprintf(f,
            ".\\\" Made by `hoist __man` from hoist's option tables.\n"
            ".TH %s 1 \"\" \"hoist %s\" \"hoist manual\"\n.SH NAME\n%s \\- ",
            page, HOIST_VERSION, page);
    roff(f, what);
    fprintf(f, "\n.SH SYNOPSIS\n");
    for (const struct cli_spec *const *s = specs; *s; s++)
        man_spec(f, *s);
    return 0;
}

static int man(const char *dir)
{
    const struct cli_spec *const main_only[] = {&cli_main_spec, NULL};
    int status = man_page(dir, "hoist", "a container engine and compose orchestrator", main_only);
    for (const struct cli_group *g = cli_groups; g->name && !status; g++) {
        if (!g->specs)
            continue;
        _cleanup_free_ char *page = xasprintf("hoist-%s", g->name);
        status = man_page(dir, page, g->what, g->specs);
    }
    return status;
}

/* ---- what the tables hold, for the test that checks the others against it ---- */

static void list_opt(FILE *f, const struct cli_opt *o, char shrt)
{
    fprintf(f, "\t--%s", o->name);
    if (shrt)
        fprintf(f, "\t-%c", shrt);
}

/* "PAGE<TAB>CMD<TAB>--flag<TAB>-f..." a line per command. */
static void list(FILE *f)
{
    fprintf(f, "hoist\t");
    each_opt(f, &cli_main_spec, list_opt);
    fputc('\n', f);
    for (const struct cli_group *g = cli_groups; g->name; g++) {
        for (const struct cli_spec *const *s = g->specs; s && *s; s++) {
            fprintf(f, "hoist-%s\t%s", g->name, (*s)->cmd);
            each_opt(f, *s, list_opt);
            fputc('\n', f);
        }
    }
}

int cli_doc_main(const struct cli_globals *g, int argc, char **argv)
{
    (void)g;
    if (!strcmp(argv[0], "__man") && argc == 2)
        return man(argv[1]);
    if (argc == 2 && !strcmp(argv[1], "bash"))
        bash(stdout);
    else if (argc == 2 && !strcmp(argv[1], "zsh"))
        zsh(stdout);
    else if (argc == 2 && !strcmp(argv[1], "list"))
        list(stdout);
    else
        return cli_usage_error(argv[0], "want bash or zsh");
    return fflush(stdout) == 0 ? 0 : 1;
}
