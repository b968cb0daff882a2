/* Command-line front end: the only layer that prints. */
#ifndef HOIST_CLI_H
#define HOIST_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

struct herr;
struct cli_compose;

struct cli_globals {
    const char *root;          /* persistent state (--root, HOIST_ROOT) */
    const char *runroot;       /* runtime state (--runroot, HOIST_RUNROOT) */
    const char *cgroup_parent; /* parent cgroup of containers (--cgroup-parent) */
    const char *self;          /* absolute path of the hoist executable */
    char **argv;               /* the whole command line, for the runtime's sealed re-exec */
    const struct cli_compose *compose; /* compose options given before the verb */
    bool version;                      /* --version */
};

struct cli_spec;
/* The option tables of each group's commands, for the registry (cli_groups). */
extern const struct cli_spec *const cli_container_specs[];
extern const struct cli_spec *const cli_up_specs[], *const cli_create_specs[];
extern const struct cli_spec *const cli_down_specs[], *const cli_run_specs[];
extern const struct cli_spec *const cli_config_specs[];
/* `hoist __complete bash|zsh` (also `completion`), `hoist __man DIR`. */
int cli_doc_main(const struct cli_globals *g, int argc, char **argv);

/* Group entry points: argv[0] is the group name, argv[1] the subcommand. They return
 * the process exit status. Options are parsed with getopt_long; set optind = 0 first. */
int cli_image_main(const struct cli_globals *g, int argc, char **argv);
int cli_container_main(const struct cli_globals *g, int argc, char **argv);
int cli_runtime_main(const struct cli_globals *g, int argc, char **argv);
int cli_volume_main(const struct cli_globals *g, int argc, char **argv);
int cli_network_main(const struct cli_globals *g, int argc, char **argv);
int cli_config_main(const struct cli_globals *g, int argc, char **argv);
/* login and logout (argv[0] tells which) */
int cli_login_main(const struct cli_globals *g, int argc, char **argv);

/* A subcommand of a group; its handler gets argv[0] = the subcommand. */
struct cli_cmd {
    const char *name, *alias;
    int (*fn)(const struct cli_globals *g, int argc, char **argv);
};
/* Run the subcommand argv[1] of a group. No subcommand prints usage to stderr (125);
 * --help / -h prints it to stdout (0); an unknown one is a usage error. */
int cli_dispatch(const struct cli_globals *g, const char *group, const struct cli_cmd *cmds,
                 size_t n, void (*usage)(FILE *f), int argc, char **argv);

/* True (after printing text to stdout) when --help or -h comes before any "--". */
bool cli_help_asked(int argc, char **argv, const char *text);
/* `GROUP rm [-f] OBJECT...`: remove each object with fn, printing its name; -f only
 * ignores objects that do not exist. what names the operand in usage errors. */
int cli_rm_each(const struct cli_globals *g, const char *cmd, const char *help, const char *what,
                int (*fn)(const char *root, const char *ref, struct herr *e), int argc,
                char **argv);

/* The options of `GROUP inspect`: -f/--format TEMPLATE (tmpl.h; "json" is the default
 * array). Returns -1 to go on with the objects from argv[*first], else the exit status
 * (0 after --help). */
int cli_inspect_opts(const char *cmd, const char *help, const char *what, int argc, char **argv,
                     const char **format, int *first);
/* The inspected objects: a JSON array dumped with json_flags, or without a NULL format
 * each object through the template, one per line. 0, or the status of a template error. */
int cli_inspect_print(json_t *all, const char *format, size_t json_flags);
/* `GROUP inspect [-f FORMAT] OBJECT...`: fn's objects through cli_inspect_print; objects
 * that fail are reported and make the exit status 1. */
int cli_inspect_each(const struct cli_globals *g, const char *cmd, const char *help,
                     const char *what,
                     json_t *(*fn)(const char *root, const char *ref, struct herr *e),
                     size_t json_flags, int argc, char **argv);

/* A --format value of the ls-like commands: *json set for "json", false for "table";
 * anything else is a usage error of cmd, whose status is returned (0 when accepted). */
int cli_format_arg(const char *cmd, const char *arg, bool *json);
/* Labels as docker's JSON lines write them: "k1=v1,k2=v2" (newly allocated). */
char *cli_labels_text(const json_t *labels);

/* Print "hoist: <message>" to stderr; returns the exit status to use (e->exit or def). */
int cli_report(const struct herr *e, int def);
/* Print a usage error naming the command and return 125 when engine-level, else 1. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
