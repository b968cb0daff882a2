/* Progress output of compose commands, as docker compose prints it: on a terminal a
 * block of lines redrawn in place (" ✔ Container demo-web-1  Started  0.3s"), plain
 * lines when piped ("Container demo-web-1  Started"), JSON Lines, or nothing.
 *
 * Safe to call from several threads (the scheduler starts services in parallel).
 * Output goes to stderr, as docker compose's does, so stdout stays for data. */
#ifndef HOIST_CLI_PROGRESS_H
#define HOIST_CLI_PROGRESS_H

#include <stdbool.h>

enum cli_progress_mode {
    CLI_PROGRESS_AUTO, /* tty when stderr is a terminal, else plain */
    CLI_PROGRESS_TTY,
    CLI_PROGRESS_PLAIN,
    CLI_PROGRESS_QUIET,
    CLI_PROGRESS_JSON,
};

/* The state an event leaves its object in, which picks the mark drawn before it. */
enum cli_progress_state {
    CLI_PROGRESS_WORKING, /* "Creating", "Starting", "Waiting", "Stopping", ... */
    CLI_PROGRESS_DONE,    /* "Created", "Started", "Healthy", "Removed", ... */
    CLI_PROGRESS_WARNING, /* done, but worth a look ("Orphan", "Skipped") */
    CLI_PROGRESS_ERROR,   /* "Error"; the detail says why */
};

struct cli_progress;

/* Parse --progress / COMPOSE_PROGRESS ("auto|tty|plain|quiet|json"); false when bad. */
bool cli_progress_parse(const char *s, enum cli_progress_mode *out);

/* Begin a progress block; title is docker compose's verb ("Running", "Stopping"...),
 * shown as "[+] Running 3/4" on a terminal. */
struct cli_progress *cli_progress_new(enum cli_progress_mode mode, const char *title);

/* Report one event about an object: kind is "Network", "Volume", "Container",
 * "Image", ...; name its name; status the word to show ("Started"); detail optional
 * text (an error message) shown after it. Events for the same kind+name update one
 * line; its timer runs from the first event. */
void cli_progress_event(struct cli_progress *p, const char *kind, const char *name,
                        enum cli_progress_state state, const char *status, const char *detail);

/* Finish the block (final redraw on a terminal) and free it; NULL is a no-op. Call it
 * before printing anything else (such as attached logs) to stderr or stdout. */
void cli_progress_end(struct cli_progress *p);

#endif
