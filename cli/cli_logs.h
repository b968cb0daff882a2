/* Reading container logs (json-file lines {"log","stream","time"} in ctr.log), shared by
 * `container logs` and compose's `logs`: tail, time windows, timestamps and docker
 * compose's coloured "web-1  | " prefixes. */
#ifndef HOIST_CLI_LOGS_H
#define HOIST_CLI_LOGS_H

#include <stdbool.h>
#include <stddef.h>

struct cli_opt;

struct cli_log_opts {
    bool timestamps;
    bool color;
    int width;           /* prefix column width (names padded to it) */
    double since, until; /* unix seconds; 0: unbounded */
};

/* One log being read. prefix NULL prints lines bare. */
struct cli_log {
    int fd;
    char *path;
    char *buf;
    size_t len, cap;
    const char *prefix;
    int color; /* index into the prefix colours */
};

/* --since / --until: RFC3339 time, unix seconds, or a duration ("10s", "5m", "2h",
 * "1h30m") before now; -1 when malformed. */
int cli_log_parse_time(const char *s, double *out);
/* Option handlers (cli_opt.h) of the logs verbs: --tail N|all (long long, -1 for all)
 * and --since/--until (double, by cli_log_parse_time). */
int cli_log_tail_opt(const char *cmd, const struct cli_opt *o, void *field, const char *arg);
int cli_log_time_opt(const char *cmd, const struct cli_opt *o, void *field, const char *arg);

/* Open the log at path, positioned so the next pump prints its last tail entries (tail < 0:
 * all of them). A log not written yet reads as empty until it appears. */
void cli_log_open(struct cli_log *l, const char *path, long long tail, const char *prefix,
                  int color);
/* Print the complete entries available now (stderr entries to stderr); true when
 * anything was read. */
bool cli_log_pump(struct cli_log *l, const struct cli_log_opts *o);
void cli_log_close(struct cli_log *l);

#endif
