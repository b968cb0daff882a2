/* `container logs`: the json-file log, with --tail, --since, -t and -f. */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli_container_int.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"

/* --since: RFC3339 time, unix seconds, or a duration like 10s/5m/2h before now. */
static int parse_since(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end != s &&
        (!*end || strcmp(end, "s") == 0 || strcmp(end, "m") == 0 || strcmp(end, "h") == 0)) {
        if (!*end) {
            *out = v;
            return 0;
        }
        double mul = *end == 's' ? 1 : *end == 'm' ? 60 : 3600;
        *out = (double)time(NULL) - v * mul;
        return 0;
    }
    struct tm tm = {0};
    const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!rest)
        return -1;
    *out = (double)timegm(&tm);
    if (*rest == '.')
        *out += strtod(rest, NULL);
    return 0;
}

static double line_time(const char *t)
{
    struct tm tm = {0};
    const char *rest = t ? strptime(t, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    if (!rest)
        return 0;
    return (double)timegm(&tm) + (*rest == '.' ? strtod(rest, NULL) : 0);
}

struct logopts {
    bool ts;
    bool since_set;
    double since;
};

static void print_line(const char *line, const struct logopts *lo)
{
    _cleanup_json_ json_t *j = json_loads(line, 0, NULL);
    if (!j)
        return;
    const char *t = hj_str(j, "time");
    if (lo->since_set && line_time(t) < lo->since)
        return;
    FILE *f =
        strcmp(hj_str(j, "stream") ? hj_str(j, "stream") : "", "stderr") == 0 ? stderr : stdout;
    if (lo->ts)
        fprintf(f, "%s ", t ? t : "");
    json_t *l = json_object_get(j, "log");
    fwrite(json_string_value(l), 1, json_string_length(l), f);
    fflush(f);
}

/* Print complete lines from buf; returns how many bytes were consumed. */
static size_t print_lines(char *buf, size_t len, const struct logopts *lo)
{
    size_t off = 0;
    char *nl;
    while ((nl = memchr(buf + off, '\n', len - off))) {
        *nl = '\0';
        print_line(buf + off, lo);
        off = (size_t)(nl - buf) + 1;
    }
    return off;
}

int cli_ctr_logs(const struct ctr_ctx *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"follow", no_argument, NULL, 'f'},
        {"tail", required_argument, NULL, 'n'},
        {"timestamps", no_argument, NULL, 't'},
        {"since", required_argument, NULL, 's'},
        {0},
    };
    struct logopts lo = {0};
    bool follow = false;
    long long tail = -1;
    int ch;
    optind = 0;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "ftn:", opts, NULL)) != -1) {
        switch (ch) {
        case 'f':
            follow = true;
            break;
        case 't':
            lo.ts = true;
            break;
        case 'n':
            if (strcmp(optarg, "all") != 0 && str_parse_ll(optarg, &tail) < 0)
                return cli_usage_error("logs", "invalid --tail value \"%s\"", optarg);
            break;
        case 's':
            if (parse_since(optarg, &lo.since) < 0)
                return cli_usage_error("logs", "invalid --since value \"%s\"", optarg);
            lo.since_set = true;
            break;
        default:
            return cli_usage_error("logs", "unknown flag \"%s\"", argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("logs", "requires exactly 1 argument");
    struct herr e = {0};
    _cleanup_free_ char *id = NULL;
    if (ctr_resolve(c, argv[optind], &id, &e) < 0)
        return cli_report(&e, 1);
    _cleanup_free_ char *dir = ctr_dir(c, id);
    _cleanup_free_ char *path = xasprintf("%s/ctr.log", dir);
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t cap = 65536, len = 0;
    _cleanup_free_ char *buf = xmalloc(cap);
    ssize_t n;
    while (fd >= 0 && (n = read(fd, buf + len, cap - len)) > 0) {
        len += (size_t)n;
        if (len == cap)
            buf = xrealloc(buf, cap *= 2);
    }
    size_t start = 0;
    if (tail >= 0) {
        /* Walk back over tail complete lines. */
        size_t end = len, count = 0;
        while (end > 0 && buf[end - 1] != '\n')
            end--;
        start = end;
        while (start > 0 && count < (size_t)tail) {
            start--;
            while (start > 0 && buf[start - 1] != '\n')
                start--;
            count++;
        }
        if (tail == 0)
            start = end;
    }
    size_t used = start + print_lines(buf + start, len - start, &lo);
    if (!follow)
        return 0;
    memmove(buf, buf + used, len - used);
    len -= used;
    for (;;) {
        _cleanup_json_ json_t *rec = ctr_inspect(c, id, NULL);
        const char *st = rec ? ctr_status(rec) : "exited";
        bool active = strcmp(st, "running") == 0 || strcmp(st, "restarting") == 0;
        bool got = false;
        if (fd < 0)
            fd = open(path, O_RDONLY | O_CLOEXEC);
        while (fd >= 0 && (n = read(fd, buf + len, cap - len)) > 0) {
            got = true;
            len += (size_t)n;
            if (len == cap)
                buf = xrealloc(buf, cap *= 2);
        }
        used = print_lines(buf, len, &lo);
        memmove(buf, buf + used, len - used);
        len -= used;
        if (!active && !got)
            return 0;
        usleep(50000);
    }
}
