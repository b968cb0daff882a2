/* json-file log reading shared by `container logs` and compose `logs`. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_logs.h"
#include "cli/cli_opt.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/str.h"

/* Go-style durations made of number+unit parts ("1h30m", "500ms", "10s"), in seconds. */
static int parse_duration(const char *s, double *out)
{
    double total = 0;
    if (!*s)
        return -1;
    while (*s) {
        char *end;
        double v = strtod(s, &end);
        if (end == s || v < 0)
            return -1;
        s = end;
        double mul;
        if (str_has_prefix(s, "ms"))
            mul = 0.001, s += 2;
        else if (*s == 's')
            mul = 1, s++;
        else if (*s == 'm')
            mul = 60, s++;
        else if (*s == 'h')
            mul = 3600, s++;
        else
            return -1;
        total += v * mul;
    }
    *out = total;
    return 0;
}

int cli_log_parse_time(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end != s && !*end && v >= 0) {
        *out = v;
        return 0;
    }
    double d;
    if (parse_duration(s, &d) == 0) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        *out = (double)now.tv_sec + now.tv_nsec / 1e9 - d;
        return 0;
    }
    struct tm tm = {0};
    const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!rest)
        rest = strptime(s, "%Y-%m-%d", &tm);
    if (!rest)
        return -1;
    *out = (double)timegm(&tm);
    if (*rest == '.')
        *out += strtod(rest, (char **)&rest);
    if (*rest == 'Z')
        rest++;
    return *rest ? -1 : 0;
}

static double entry_time(const char *t)
{
    struct tm tm = {0};
    const char *rest = t ? strptime(t, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    if (!rest)
        return 0;
    return (double)timegm(&tm) + (*rest == '.' ? strtod(rest, NULL) : 0);
}

static void print_entry(const struct cli_log *l, const struct cli_log_opts *o, const char *line)
{
    static const int colors[] = {36, 33, 32, 35, 34, 96, 93, 92, 95, 94};
    _cleanup_json_ json_t *j = json_loads(line, 0, NULL);
    const json_t *log = json_object_get(j, "log");
    if (!json_is_string(log))
        return;
    const char *t = hj_str(j, "time");
    if ((o->since > 0 && entry_time(t) < o->since) || (o->until > 0 && entry_time(t) >= o->until))
        return;
    const char *stream = hj_str(j, "stream");
    FILE *f = stream && strcmp(stream, "stderr") == 0 ? stderr : stdout;
    if (l->prefix && o->color)
        fprintf(f, "\033[%dm%-*s |\033[0m ", colors[l->color % 10], o->width, l->prefix);
    else if (l->prefix)
        fprintf(f, "%-*s | ", o->width, l->prefix);
    if (o->timestamps)
        fprintf(f, "%s ", t ? t : "");
    const char *text = json_string_value(log);
    size_t len = json_string_length(log);
    /* With a prefix every entry is one line, as docker compose prints it. */
    if (l->prefix && len && text[len - 1] == '\n')
        len--;
    fwrite(text, 1, len, f);
    if (l->prefix)
        fputc('\n', f);
    fflush(f);
}

static bool fill(struct cli_log *l)
{
    bool got = false;
    if (l->fd < 0)
        l->fd = open(l->path, O_RDONLY | O_CLOEXEC);
    for (ssize_t n; l->fd >= 0;) {
        if (l->cap - l->len < 4096)
            l->buf = xrealloc(l->buf, l->cap = l->cap * 2 + 65536);
        n = read(l->fd, l->buf + l->len, l->cap - l->len);
        if (n <= 0)
            break;
        l->len += (size_t)n;
        got = true;
    }
    return got;
}

void cli_log_open(struct cli_log *l, const char *path, long long tail, const char *prefix,
                  int color)
{
    *l = (struct cli_log){.fd = -1, .path = xstrdup(path), .prefix = prefix, .color = color};
    fill(l);
    if (tail < 0)
        return;
    /* Keep the last tail complete lines (and any partial one after them). */
    size_t end = l->len, start, count = 0;
    while (end > 0 && l->buf[end - 1] != '\n')
        end--;
    start = end;
    while (start > 0 && count < (size_t)tail) {
        start--;
        while (start > 0 && l->buf[start - 1] != '\n')
            start--;
        count++;
    }
    memmove(l->buf, l->buf + start, l->len - start);
    l->len -= start;
}

bool cli_log_pump(struct cli_log *l, const struct cli_log_opts *o)
{
    bool got = fill(l);
    size_t off = 0;
    char *nl;
    /* A container that never ran has no log yet: nothing buffered. */
    if (!l->buf)
        return got;
    while ((nl = memchr(l->buf + off, '\n', l->len - off))) {
        *nl = '\0';
        print_entry(l, o, l->buf + off);
        off = (size_t)(nl - l->buf) + 1;
    }
    memmove(l->buf, l->buf + off, l->len - off);
    l->len -= off;
    return got;
}

void cli_log_close(struct cli_log *l)
{
    if (l->fd >= 0)
        close(l->fd);
    free(l->path);
    free(l->buf);
    *l = (struct cli_log){.fd = -1};
}

int cli_log_tail_opt(const char *cmd, const struct cli_opt *o, void *field, const char *arg)
{
    (void)o;
    if (strcmp(arg, "all") && str_parse_ll(arg, (long long *)field) < 0)
        return cli_usage_error(cmd, "invalid --tail \"%s\": a number or \"all\"", arg);
    return 0;
}

int cli_log_time_opt(const char *cmd, const struct cli_opt *o, void *field, const char *arg)
{
    if (cli_log_parse_time(arg, field) < 0)
        return cli_usage_error(cmd,
                               "invalid --%s \"%s\": a timestamp (2013-01-02T13:23:37Z), "
                               "unix seconds or a duration (42m)",
                               o->name, arg);
    return 0;
}
