/* Helpers of hoist-monitor (libc only). */
#ifndef HOIST_ENGINE_MON_INTERNAL_H
#define HOIST_ENGINE_MON_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define MON_ZERO_TIME "0001-01-01T00:00:00Z"

enum mon_restart {
    MON_RESTART_NO,
    MON_RESTART_ALWAYS,
    MON_RESTART_ON_FAILURE,
    MON_RESTART_UNLESS_STOPPED
};

struct mon_config {
    const char *id, *ctr_dir, *run_dir, *name_link, *cgroup;
    char **rt; /* runtime argv prefix */
    int nrt;
    enum mon_restart restart;
    int max_retries;
    bool tty, stdin_open, autorm, attach;
    int sync_fd;
    /* Healthcheck: the probe's argv inside the container (none: no checks), in ns. */
    char **health_cmd;
    int nhealth_cmd;
    long long health_interval, health_timeout, health_start_period, health_start_interval;
    int health_retries;
};

/* Fills c (sync_fd must start at -1); -1 on a bad command line. */
int mon_parse_args(int argc, char **argv, struct mon_config *c);

/* One partial output line per stream, completed by later reads. */
struct mon_linebuf {
    char buf[16384];
    size_t len;
};

int mon_write_all(int fd, const void *buf, size_t len);
/* Escape for a JSON string body; always NUL-terminates, truncating when out is full. */
void mon_json_escape(const char *s, size_t len, char *out, size_t outlen);
void mon_now_rfc3339(char *buf, size_t len);
/* Append output of stream 0 (stdout) or 1 (stderr) to the json-file log, line by line. */
void mon_linebuf_feed(struct mon_linebuf *lb, int log_fd, int stream, const char *buf, size_t len);
void mon_linebuf_flush(struct mon_linebuf *lb, int log_fd, int stream);
int mon_listen(const char *path, int type);
/* recvmsg with up to maxfds SCM_RIGHTS descriptors (close-on-exec). */
ssize_t mon_recv_fds(int sock, char *buf, size_t len, int *fds, int maxfds, int *nfds);
void mon_rm_rf(const char *path);
/* Exec the runtime; hoist's own from a sealed copy (scratch: a directory of ours), so
 * it need not re-execute itself before entering the container (rt_seal.c). Returns
 * only on failure. */
void mon_exec_runtime(char *const argv[], const char *scratch);
/* The kernel's OOM-kill count of a container cgroup ("/parent/id") is non-zero. */
bool mon_oom_killed(const char *cgroup);

/* Healthchecks (mon_health.c), driven from the supervise loop. */
void mon_health_init(const struct mon_config *cfg);
bool mon_health_enabled(void);
/* The container (re)started: status "starting", first probe scheduled. */
void mon_health_begin(void);
/* The probe's output pipe to poll, or -1. */
int mon_health_fd(void);
void mon_health_read(void);
/* Milliseconds until mon_health_tick has work (-1: never). */
int mon_health_timeout_ms(void);
/* Start a due probe, kill one past its timeout. */
void mon_health_tick(void);
/* True when pid was the running probe (its result is recorded). */
bool mon_health_reaped(pid_t pid, int status);
/* The container stopped: kill a running probe, status "unhealthy". */
void mon_health_stop(void);

#endif
