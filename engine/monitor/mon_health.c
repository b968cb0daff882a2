/* Healthchecks in the monitor: probes run through the runtime's exec, one at a time,
 * each in its own process group so a probe that outlives its timeout is killed with
 * everything it started. Results go to health.json beside the state file. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/monitor/mon_health_rules.h"
#include "engine/monitor/mon_internal.h"
#include "engine/monitor/monitor.h"

#define OUTPUT_MAX 4096
#define LOG_MAX 5

struct result {
    char start[40], end[40];
    int code;
    size_t len;
    char out[OUTPUT_MAX];
};

static struct {
    const struct mon_config *cfg;
    char **argv;
    struct mon_health_rules rules;
    struct mon_health_state st;
    struct timespec started, due;
    int probes;

    pid_t pid; /* running probe, also its process group */
    int fd;
    struct timespec probe_mono;
    char probe_start[40];
    char out[OUTPUT_MAX];
    size_t outlen;

    struct result log[LOG_MAX]; /* ring, oldest at first */
    int first, nlog;
} h = {.fd = -1};

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static long long ts_ns(const struct timespec *t)
{
    return t->tv_sec * 1000000000LL + t->tv_nsec;
}

static void ns_ts(long long ns, struct timespec *t)
{
    t->tv_sec = ns / 1000000000LL;
    t->tv_nsec = ns % 1000000000LL;
}

bool mon_health_enabled(void)
{
    return h.argv != NULL;
}

void mon_health_init(const struct mon_config *cfg)
{
    if (cfg->nhealth_cmd == 0)
        return;
    h.cfg = cfg;
    h.rules = (struct mon_health_rules){
        .interval = cfg->health_interval,
        .timeout = cfg->health_timeout,
        .start_period = cfg->health_start_period,
        .start_interval = cfg->health_start_interval,
        .retries = cfg->health_retries,
    };
    int n = 0;
    h.argv = calloc((size_t)(cfg->nrt + cfg->nhealth_cmd + 3), sizeof(char *));
    if (!h.argv)
        return;
    for (int i = 0; i < cfg->nrt; i++)
        h.argv[n++] = cfg->rt[i];
    h.argv[n++] = "exec";
    h.argv[n++] = (char *)cfg->id;
    for (int i = 0; i < cfg->nhealth_cmd; i++)
        h.argv[n++] = cfg->health_cmd[i];
}

static void write_out(int fd, const char *s)
{
    mon_write_all(fd, s, strlen(s));
}

/* Written in pieces from fixed buffers: the monitor's memory is paid per container. */
static void write_file(void)
{
    static char esc[6 * OUTPUT_MAX + 8];
    char path[4096], tmp[4200], head[256];
    snprintf(path, sizeof(path), "%s/%s", h.cfg->ctr_dir, MONITOR_HEALTH_FILE);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    snprintf(head, sizeof(head), "{\"Status\":\"%s\",\"FailingStreak\":%d,\"Log\":[",
             mon_health_status_name(h.st.status), h.st.streak);
    write_out(fd, head);
    for (int i = 0; i < h.nlog; i++) {
        const struct result *r = &h.log[(h.first + i) % LOG_MAX];
        snprintf(head, sizeof(head),
                 "%s{\"Start\":\"%s\",\"End\":\"%s\",\"ExitCode\":%d,\"Output\":\"", i ? "," : "",
                 r->start, r->end, r->code);
        write_out(fd, head);
        mon_json_escape(r->out, r->len, esc, sizeof(esc));
        write_out(fd, esc);
        write_out(fd, "\"}");
    }
    write_out(fd, "]}\n");
    close(fd);
    rename(tmp, path);
}

static void schedule(void)
{
    long long since = now_ns() - ts_ns(&h.started);
    ns_ts(now_ns() + mon_health_next_delay(&h.st, &h.rules, since, h.probes), &h.due);
}

void mon_health_begin(void)
{
    if (!mon_health_enabled())
        return;
    h.st = (struct mon_health_state){.status = MON_HEALTH_STARTING};
    h.probes = 0;
    clock_gettime(CLOCK_MONOTONIC, &h.started);
    schedule();
    write_file();
}

/* Keep the last OUTPUT_MAX bytes. */
static void keep(const char *buf, size_t n)
{
    if (n >= OUTPUT_MAX) {
        memcpy(h.out, buf + n - OUTPUT_MAX, OUTPUT_MAX);
        h.outlen = OUTPUT_MAX;
        return;
    }
    if (h.outlen + n > OUTPUT_MAX) {
        size_t drop = h.outlen + n - OUTPUT_MAX;
        memmove(h.out, h.out + drop, h.outlen - drop);
        h.outlen -= drop;
    }
    memcpy(h.out + h.outlen, buf, n);
    h.outlen += n;
}

void mon_health_read(void)
{
    char buf[4096];
    for (;;) {
        ssize_t n = read(h.fd, buf, sizeof(buf));
        if (n > 0) {
            keep(buf, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        /* EOF: the probe may still be running; its exit status decides. */
        if (n == 0) {
            close(h.fd);
            h.fd = -1;
        }
        return;
    }
}

static void record(int code, const char *msg)
{
    if (h.fd >= 0) {
        mon_health_read();
        if (h.fd >= 0)
            close(h.fd);
        h.fd = -1;
    }
    struct result *r;
    if (h.nlog < LOG_MAX) {
        r = &h.log[(h.first + h.nlog++) % LOG_MAX];
    } else {
        r = &h.log[h.first];
        h.first = (h.first + 1) % LOG_MAX;
    }
    memcpy(r->start, h.probe_start, sizeof(r->start));
    mon_now_rfc3339(r->end, sizeof(r->end));
    r->code = code;
    if (msg) {
        r->len = strlen(msg) < OUTPUT_MAX ? strlen(msg) : OUTPUT_MAX;
        memcpy(r->out, msg, r->len);
    } else {
        r->len = h.outlen;
        memcpy(r->out, h.out, h.outlen);
    }
    h.outlen = 0;
    h.pid = 0;
    h.probes++;
    mon_health_apply(&h.st, &h.rules, code == 0 ? 0 : 1, ts_ns(&h.probe_mono) - ts_ns(&h.started));
    schedule();
    write_file();
}

static void spawn(void)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        record(-1, "monitor: cannot create a pipe for the health check");
        return;
    }
    clock_gettime(CLOCK_MONOTONIC, &h.probe_mono);
    mon_now_rfc3339(h.probe_start, sizeof(h.probe_start));
    h.outlen = 0;
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        int null = open("/dev/null", O_RDONLY);
        dup2(null, 0);
        dup2(p[1], 1);
        dup2(p[1], 2);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        /* The monitor ignores SIGPIPE; the probe's programs must not inherit that. */
        signal(SIGPIPE, SIG_DFL);
        mon_exec_runtime(h.argv, h.cfg->run_dir);
        dprintf(2, "exec %s: %s", h.argv[0], strerror(errno));
        _exit(127);
    }
    close(p[1]);
    if (pid < 0) {
        close(p[0]);
        record(-1, "monitor: cannot fork the health check");
        return;
    }
    /* Also here: the timeout may strike before the child has run at all. */
    setpgid(pid, pid);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    h.pid = pid;
    h.fd = p[0];
}

static void kill_probe(void)
{
    kill(-h.pid, SIGKILL);
    kill(h.pid, SIGKILL);
    while (waitpid(h.pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

int mon_health_fd(void)
{
    return h.fd;
}

int mon_health_timeout_ms(void)
{
    if (!mon_health_enabled())
        return -1;
    long long at = h.pid > 0 ? ts_ns(&h.probe_mono) + h.rules.timeout : ts_ns(&h.due);
    long long ms = (at - now_ns() + 999999) / 1000000;
    return ms < 0 ? 0 : ms > 1000000000 ? 1000000000 : (int)ms;
}

void mon_health_tick(void)
{
    if (!mon_health_enabled())
        return;
    long long now = now_ns();
    if (h.pid > 0 && now >= ts_ns(&h.probe_mono) + h.rules.timeout) {
        kill_probe();
        char d[64], msg[128];
        mon_health_format_duration(h.rules.timeout, d, sizeof(d));
        snprintf(msg, sizeof(msg), "Health check exceeded timeout (%s)", d);
        record(-1, msg);
    } else if (h.pid <= 0 && now >= ts_ns(&h.due)) {
        spawn();
    }
}

bool mon_health_reaped(pid_t pid, int status)
{
    if (h.pid <= 0 || pid != h.pid)
        return false;
    record(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), NULL);
    return true;
}

void mon_health_stop(void)
{
    if (!mon_health_enabled())
        return;
    if (h.pid > 0)
        kill_probe();
    if (h.fd >= 0)
        close(h.fd);
    h.fd = -1;
    h.pid = 0;
    h.outlen = 0;
    h.st.status = MON_HEALTH_UNHEALTHY;
    write_file();
}
