/* A command's options described once, as a table: the parser (getopt_long), --help, the
 * flag errors, and the completions and man pages (cli_doc.c) are all derived from it. */
#ifndef HOIST_CLI_OPT_H
#define HOIST_CLI_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Where an option's value lands, at base + off of the struct given to the parser. */
enum cli_opt_kind {
    CLI_OPT_FLAG,   /* bool, set */
    CLI_OPT_CLEAR,  /* bool, cleared (--no-color) */
    CLI_OPT_STRING, /* const char *, the last one wins (points into argv) */
    CLI_OPT_LIST,   /* char ** (strv), each one appended */
    CLI_OPT_NUMBER, /* int, 0 to 1000000 */
    CLI_OPT_CALL,   /* fn(cmd, base + off, arg) */
    CLI_OPT_IGNORE, /* accepted for docker's sake, no effect */
};

struct cli_opt {
    const char *name; /* long name, without "--" */
    char shrt;        /* short letter, or 0 */
    const char *arg;  /* the value's placeholder in help ("SECONDS"); NULL: takes none */
    const char *help; /* NULL: an alias, left out of help and man pages */
    enum cli_opt_kind kind;
    size_t off;
    /* CLI_OPT_CALL: 0, or the exit status after printing a usage error */
    int (*fn)(const char *cmd, const struct cli_opt *o, void *field, const char *arg);
    const char *values; /* the values completions offer, space separated */
};

#define CLI_OPT_END                                                                                \
    {                                                                                              \
        0                                                                                          \
    }

/* Options of a command that cannot be used together: any of a with any of b (space
 * separated long names) is refused with msg. */
struct cli_conflict {
    const char *a, *b, *msg;
};

enum cli_style {
    CLI_STYLE_DOCKER,  /* docker's: flag errors exit 125, "See 'hoist CMD --help'." */
    CLI_STYLE_COMPOSE, /* docker compose's: flag errors exit 16 */
};

struct cli_spec {
    const char *cmd;   /* as typed after "hoist": "container run", "up" */
    const char *usage; /* operands: "[OPTIONS] IMAGE [COMMAND] [ARG...]" */
    const char *what;  /* one line */
    const struct cli_opt *opts;
    /* a second table (the compose options): its base is the parser's more; an option
     * whose long name or letter opts already has is left out */
    const struct cli_opt *more;
    const struct cli_conflict *conflicts;
    enum cli_style style;
    bool interspersed;     /* options may follow operands (otherwise the first operand ends
                            * them, as for a command run in a container) */
    bool hidden;           /* left out of completions and man pages */
    void (*help)(FILE *f); /* more --help after the options (a group's commands) */
};

/* Parse argv[1..] into base (opts) and more (spec->more). Returns -1 with optind at the
 * operands, 0 after printing --help, else the exit status after a usage error. */
int cli_opt_parse(const struct cli_spec *s, void *base, void *more, int argc, char **argv);
/* The spec's --help text. */
void cli_opt_help(const struct cli_spec *s, FILE *f);
/* A usage error in the spec's style: "hoist CMD: MESSAGE"; returns 125 (docker) or 16
 * (a compose flag error, syntax true) or 125 (compose, a bad value). */
int cli_opt_error(const struct cli_spec *s, bool syntax, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Free the CLI_OPT_LIST vectors of base (and of more) that a parse filled. */
void cli_opt_free(const struct cli_spec *s, void *base, void *more);

struct cli_globals;

/* Every command word after "hoist": the dispatch table, and the registry the completions
 * and man pages are made from. A name of NULL ends it. */
struct cli_group {
    const char *name, *what;
    int (*fn)(const struct cli_globals *g, int argc, char **argv);
    bool compose; /* a compose verb: `hoist compose NAME` too */
    /* NULL-terminated: a compose verb's spec, or a group's subcommands' specs */
    const struct cli_spec *const *specs;
};
extern const struct cli_group cli_groups[];
/* The options before the command word (--root, ... and the compose ones). */
extern const struct cli_spec cli_main_spec;

#endif
