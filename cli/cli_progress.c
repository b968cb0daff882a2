/* Progress lines like docker compose's: a block redrawn in place on a terminal, one line
 * per event otherwise. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli_progress.h"
#include "common/str.h"

struct pline {
    char *id; /* "Container demo-web-1" */
    char *status, *detail;
    enum cli_progress_state state;
    double start, end;
};

struct cli_progress {
    enum cli_progress_mode mode;
    char *title;
    pthread_mutex_t mu;
    struct pline *lines;
    size_t n;
    int drawn; /* lines on screen from the last redraw */
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool cli_progress_parse(const char *s, enum cli_progress_mode *out)
{
    static const char *const names[] = {"auto", "tty", "plain", "quiet", "json"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!strcmp(s, names[i])) {
            *out = (enum cli_progress_mode)i;
            return true;
        }
    }
    return false;
}

struct cli_progress *cli_progress_new(enum cli_progress_mode mode, const char *title)
{
    struct cli_progress *p = xcalloc(1, sizeof(*p));
    if (mode == CLI_PROGRESS_AUTO) {
        const char *env = getenv("COMPOSE_PROGRESS");
        if (!env || !cli_progress_parse(env, &mode) || mode == CLI_PROGRESS_AUTO)
            mode = isatty(STDERR_FILENO) ? CLI_PROGRESS_TTY : CLI_PROGRESS_PLAIN;
    }
    p->mode = mode;
    p->title = xstrdup(title);
    pthread_mutex_init(&p->mu, NULL);
    return p;
}

static const char *mark(enum cli_progress_state s, double t)
{
    static const char *const spin[] = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};
    switch (s) {
    case CLI_PROGRESS_WORKING:
        return spin[(long)(t * 10) % 10];
    case CLI_PROGRESS_DONE:
        return "\033[32m✔\033[0m";
    case CLI_PROGRESS_WARNING:
        return "\033[33m!\033[0m";
    default:
        return "\033[31m✘\033[0m";
    }
}

static void redraw(struct cli_progress *p)
{
    double t = now();
    size_t done = 0, width = 0, swidth = 0;
    for (size_t i = 0; i < p->n; i++) {
        done += p->lines[i].state != CLI_PROGRESS_WORKING;
        width = strlen(p->lines[i].id) > width ? strlen(p->lines[i].id) : width;
        swidth = strlen(p->lines[i].status) > swidth ? strlen(p->lines[i].status) : swidth;
    }
    if (p->drawn)
        fprintf(stderr, "\033[%dA", p->drawn);
    fprintf(stderr, "\r\033[K[+] %s %zu/%zu\n", p->title, done, p->n);
    for (size_t i = 0; i < p->n; i++) {
        const struct pline *l = &p->lines[i];
        double secs = (l->state == CLI_PROGRESS_WORKING ? t : l->end) - l->start;
        fprintf(stderr, "\033[K %s %-*s  %-*s %s%s%5.1fs\n", mark(l->state, t), (int)width, l->id,
                (int)swidth, l->status, l->detail ? l->detail : "", l->detail ? " " : "", secs);
    }
    p->drawn = (int)p->n + 1;
    fflush(stderr);
}

void cli_progress_event(struct cli_progress *p, const char *kind, const char *name,
                        enum cli_progress_state state, const char *status, const char *detail)
{
    if (!p || p->mode == CLI_PROGRESS_QUIET)
        return;
    char *id = xasprintf("%s %s", kind, name);
    pthread_mutex_lock(&p->mu);
    if (p->mode == CLI_PROGRESS_PLAIN) {
        fprintf(stderr, "%s%s  %s%s%s\n",
                state == CLI_PROGRESS_ERROR     ? "Error: "
                : state == CLI_PROGRESS_WARNING ? "Warning: "
                                                : " ",
                id, status, detail ? ": " : "", detail ? detail : "");
        fflush(stderr);
    } else if (p->mode == CLI_PROGRESS_JSON) {
        json_t *j = json_pack("{s:s, s:s, s:b, s:b}", "id", id, "status", status, "error",
                              state == CLI_PROGRESS_ERROR, "done", state != CLI_PROGRESS_WORKING);
        if (detail)
            json_object_set_new(j, "details", json_string(detail));
        char *s = json_dumps(j, JSON_COMPACT);
        fprintf(stderr, "%s\n", s);
        fflush(stderr);
        free(s);
        json_decref(j);
    } else {
        struct pline *l = NULL;
        for (size_t i = 0; i < p->n && !l; i++) {
            if (!strcmp(p->lines[i].id, id))
                l = &p->lines[i];
        }
        if (!l) {
            p->lines = xrealloc(p->lines, (p->n + 1) * sizeof(*p->lines));
            l = &p->lines[p->n++];
            *l = (struct pline){.id = id, .start = now()};
            id = NULL;
        }
        free(l->status);
        free(l->detail);
        l->status = xstrdup(status);
        l->detail = detail ? xstrdup(detail) : NULL;
        l->state = state;
        l->end = now();
        redraw(p);
    }
    pthread_mutex_unlock(&p->mu);
    free(id);
}

void cli_progress_end(struct cli_progress *p)
{
    if (!p)
        return;
    if (p->mode == CLI_PROGRESS_TTY && p->n)
        redraw(p);
    for (size_t i = 0; i < p->n; i++) {
        free(p->lines[i].id);
        free(p->lines[i].status);
        free(p->lines[i].detail);
    }
    free(p->lines);
    free(p->title);
    pthread_mutex_destroy(&p->mu);
    free(p);
}
