/* hoist-monitor: holds one container for its whole life (see monitor.h). It runs the OCI
 * runtime detached, becomes the parent of the container's init as child subreaper,
 * copies output to ctr.log and attached clients, records the state, applies the restart
 * policy and cleans up on the final exit. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/monitor/monitor.h"
#include "engine/monitor/mon_internal.h"

#define MAX_CLIENTS 16
#define REAPED_MAX 32

struct client {
    int sock;
    int in, out, err; /* attached stdio, -1 when not attached */
};

static struct {
    struct mon_config cfg;

    int sig_fd, listen_fd, log_fd, run_fd;
    int out_fd, err_fd, in_fd, master_fd, console_fd;
    struct client clients[MAX_CLIENTS];
    struct winsize ws;
    bool ws_set;

    pid_t ctr_pid;
    bool exited;
    int exit_code;
    bool stopping;
    struct timespec kill_deadline;
    bool kill_armed;
    int restart_count;
    bool oom;
    struct mon_linebuf lines[2];
    struct {
        pid_t pid;
        int status;
    } reaped[REAPED_MAX];
    int nreaped;
} m = {
    .sig_fd = -1,
    .run_fd = -1,
    .listen_fd = -1,
    .log_fd = -1,
    .out_fd = -1,
    .err_fd = -1,
    .in_fd = -1,
    .master_fd = -1,
    .console_fd = -1,
};

static char started_at[40] = MON_ZERO_TIME, finished_at[40] = MON_ZERO_TIME;

static void xclose(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static char *run_path(const char *name)
{
    static char buf[4][4096];
    static int i;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof(buf[i]), "%s/%s", m.cfg.run_dir, name);
    return buf[i];
}

/* Socket paths under the run dir can exceed sun_path (108 bytes): reach them through
 * the monitor's fd of the directory, from this process or from the runtime. */
static char *sock_path(const char *name, bool for_runtime)
{
    static char buf[2][128];
    char *b = buf[for_runtime];
    if (for_runtime)
        snprintf(b, sizeof(buf[0]), "/proc/%d/fd/%d/%s", (int)getpid(), m.run_fd, name);
    else
        snprintf(b, sizeof(buf[0]), "/proc/self/fd/%d/%s", m.run_fd, name);
    return b;
}

static void write_state(const char *status, const char *error)
{
    char esc[1024] = "";
    if (error)
        mon_json_escape(error, strlen(error), esc, sizeof(esc));
    char buf[2048];
    int n = snprintf(buf, sizeof(buf),
                     "{\"Status\":\"%s\",\"Running\":%s,\"Pid\":%d,\"ExitCode\":%d,"
                     "\"OOMKilled\":%s,\"StartedAt\":\"%s\",\"FinishedAt\":\"%s\","
                     "\"RestartCount\":%d,\"MonitorPid\":%d,\"Error\":\"%s\"}\n",
                     status, strcmp(status, "running") == 0 ? "true" : "false",
                     strcmp(status, "running") == 0 ? (int)m.ctr_pid : 0, m.exit_code,
                     m.oom ? "true" : "false", started_at, finished_at, m.restart_count,
                     (int)getpid(), esc);
    char path[4096], tmp[4200];
    snprintf(path, sizeof(path), "%s/%s", m.cfg.ctr_dir, MONITOR_STATE_FILE);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    bool ok = mon_write_all(fd, buf, (size_t)n) == 0;
    close(fd);
    if (ok)
        rename(tmp, path);
}

static void client_drop(struct client *c)
{
    xclose(&c->sock);
    xclose(&c->in);
    xclose(&c->out);
    xclose(&c->err);
}

static void client_send(struct client *c, const char *msg)
{
    if (c->sock >= 0 && send(c->sock, msg, strlen(msg), MSG_NOSIGNAL) < 0)
        client_drop(c);
}

static struct client *client_add(int sock)
{
    for (int i = 0; i < MAX_CLIENTS; i++) {
        if (m.clients[i].sock < 0) {
            m.clients[i] = (struct client){.sock = sock, .in = -1, .out = -1, .err = -1};
            return &m.clients[i];
        }
    }
    close(sock);
    return NULL;
}

/* Output goes to the log line by line and raw to every attached client. */
static void emit(int stream, const char *buf, size_t len)
{
    mon_linebuf_feed(&m.lines[stream], m.log_fd, stream, buf, len);
    for (int i = 0; i < MAX_CLIENTS; i++) {
        struct client *c = &m.clients[i];
        int fd = stream ? c->err : c->out;
        if (c->sock >= 0 && fd >= 0 && mon_write_all(fd, buf, len) < 0)
            xclose(stream ? &c->err : &c->out);
    }
}

/* Returns false at end of stream. */
static bool pump(int *fd, int stream)
{
    char buf[16384];
    ssize_t n = read(*fd, buf, sizeof(buf));
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    if (n <= 0) {
        xclose(fd);
        mon_linebuf_flush(&m.lines[stream], m.log_fd, stream);
        return false;
    }
    emit(stream, buf, (size_t)n);
    return true;
}

static void apply_winsize(void)
{
    if (m.master_fd >= 0 && m.ws_set)
        ioctl(m.master_fd, TIOCSWINSZ, &m.ws);
}

static void deliver_signal(int sig)
{
    if (m.ctr_pid > 0 && !m.exited)
        kill(m.ctr_pid, sig);
}

static void handle_message(struct client *c)
{
    char buf[MONITOR_MSG_MAX];
    int fds[3];
    int nfds = 0;
    ssize_t n = mon_recv_fds(c->sock, buf, sizeof(buf) - 1, fds, 3, &nfds);
    if (n <= 0) {
        /* A vanished client that was only waiting is simply forgotten. */
        client_drop(c);
        return;
    }
    buf[n] = '\0';
    int a = 0, b = 0;
    if (sscanf(buf, "signal %d", &a) == 1) {
        deliver_signal(a);
    } else if (sscanf(buf, "kill %d", &a) == 1) {
        m.stopping = true;
        deliver_signal(a);
    } else if (sscanf(buf, "stop %d %d", &a, &b) == 2) {
        m.stopping = true;
        deliver_signal(a);
        clock_gettime(CLOCK_MONOTONIC, &m.kill_deadline);
        m.kill_deadline.tv_sec += b < 0 ? 0 : b;
        m.kill_armed = true;
    } else if (sscanf(buf, "resize %d %d", &a, &b) == 2) {
        m.ws = (struct winsize){.ws_row = (unsigned short)a, .ws_col = (unsigned short)b};
        m.ws_set = true;
        apply_winsize();
    } else if (sscanf(buf, "attach %d", &a) == 1 && nfds == (a ? 3 : 2)) {
        int k = 0;
        c->in = a ? fds[k++] : -1;
        c->out = fds[k++];
        c->err = fds[k++];
        return;
    }
    for (int i = 0; i < nfds; i++)
        close(fds[i]);
}

static void accept_client(void)
{
    int s = accept4(m.listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (s >= 0)
        client_add(s);
}

static void note_reaped(pid_t pid, int status)
{
    if (mon_health_reaped(pid, status))
        return;
    if (m.ctr_pid > 0 && pid == m.ctr_pid) {
        m.exited = true;
        m.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return;
    }
    m.reaped[m.nreaped % REAPED_MAX].pid = pid;
    m.reaped[m.nreaped % REAPED_MAX].status = status;
    m.nreaped++;
}

/* Reap everything; returns the status of `want` through *status when it was reaped. */
static bool reap(pid_t want, int *status)
{
    struct signalfd_siginfo si;
    while (read(m.sig_fd, &si, sizeof(si)) == sizeof(si)) {
        if (si.ssi_signo != SIGCHLD)
            deliver_signal((int)si.ssi_signo);
    }
    bool got = false;
    int st;
    pid_t pid;
    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
        if (want > 0 && pid == want) {
            *status = st;
            got = true;
        } else {
            note_reaped(pid, st);
        }
    }
    return got;
}

static int client_pollfds(struct pollfd *p, int n, int idx[])
{
    for (int i = 0; i < MAX_CLIENTS; i++) {
        if (m.clients[i].sock >= 0) {
            idx[n] = i;
            p[n++] = (struct pollfd){.fd = m.clients[i].sock, .events = POLLIN};
        }
        if (m.clients[i].in >= 0 && (m.in_fd >= 0 || m.master_fd >= 0)) {
            idx[n] = MAX_CLIENTS + i;
            p[n++] = (struct pollfd){.fd = m.clients[i].in, .events = POLLIN};
        }
    }
    return n;
}

static void forward_stdin(struct client *c)
{
    char buf[4096];
    ssize_t n = read(c->in, buf, sizeof(buf));
    int target = m.master_fd >= 0 ? m.master_fd : m.in_fd;
    if (n <= 0) {
        xclose(&c->in);
        if (m.master_fd < 0)
            xclose(&m.in_fd); /* EOF on stdin reaches the container */
        return;
    }
    if (target >= 0 && mon_write_all(target, buf, (size_t)n) < 0 && target == m.in_fd)
        xclose(&m.in_fd);
}

static void handle_clients(struct pollfd *p, int from, int n, const int idx[])
{
    for (int i = from; i < n; i++) {
        if (!p[i].revents)
            continue;
        if (idx[i] >= MAX_CLIENTS) {
            struct client *c = &m.clients[idx[i] - MAX_CLIENTS];
            if (c->in == p[i].fd)
                forward_stdin(c);
        } else if (m.clients[idx[i]].sock == p[i].fd) {
            handle_message(&m.clients[idx[i]]);
        }
    }
}

static pid_t spawn_cmd(char **argv)
{
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

static int wait_cmd(pid_t pid)
{
    if (pid < 0)
        return -1;
    int status = 0;
    while (!reap(pid, &status)) {
        struct pollfd p = {.fd = m.sig_fd, .events = POLLIN};
        poll(&p, 1, -1);
    }
    return status;
}

static char **rt_argv(const char *const *tail)
{
    static char *argv[64];
    int n = 0;
    for (int i = 0; i < m.cfg.nrt && n < 40; i++)
        argv[n++] = m.cfg.rt[i];
    for (int i = 0; tail[i] && n < 63; i++)
        argv[n++] = (char *)tail[i];
    argv[n] = NULL;
    return argv;
}

/* Started without waiting: the caller overlaps its own cleanup with it. */
static pid_t runtime_delete(void)
{
    const char *tail[] = {"delete", "--force", m.cfg.id, NULL};
    return spawn_cmd(rt_argv(tail));
}

/* Start the container through the runtime. On failure *err holds the runtime's
 * message and the return value is the exit code for the CLI (125/126/127). */
static int start_once(char *err, size_t errlen)
{
    int outp[2] = {-1, -1}, errp[2] = {-1, -1}, inp[2] = {-1, -1};
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    bool ok = pipe2(errp, O_CLOEXEC) == 0;
    if (!m.cfg.tty)
        ok = ok && pipe2(outp, O_CLOEXEC) == 0;
    if (m.cfg.stdin_open && !m.cfg.tty)
        ok = ok && pipe2(inp, O_CLOEXEC) == 0;
    if (m.cfg.tty) {
        unlink(run_path(MONITOR_CONSOLE_SOCK));
        m.console_fd = mon_listen(sock_path(MONITOR_CONSOLE_SOCK, false), SOCK_STREAM);
        ok = ok && m.console_fd >= 0;
    }
    unlink(run_path(MONITOR_PID_FILE));
    if (!ok) {
        snprintf(err, errlen, "monitor: cannot create pipes: %s", strerror(errno));
        return 125;
    }
    char bundle[4096];
    snprintf(bundle, sizeof(bundle), "%s/bundle", m.cfg.ctr_dir);
    const char *tail[12] = {"run",  "--detach",   "--bundle",
                            bundle, "--pid-file", run_path(MONITOR_PID_FILE)};
    int nt = 6;
    if (m.cfg.tty) {
        tail[nt++] = "--console-socket";
        tail[nt++] = sock_path(MONITOR_CONSOLE_SOCK, true);
    }
    tail[nt++] = m.cfg.id;
    tail[nt] = NULL;
    char **argv = rt_argv(tail);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(inp[0] >= 0 ? inp[0] : null, 0);
        dup2(outp[1] >= 0 ? outp[1] : null, 1);
        dup2(errp[1], 2);
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        mon_exec_runtime(argv, m.cfg.run_dir);
        dprintf(2, "exec %s: %s", argv[0], strerror(errno));
        _exit(127);
    }
    close(null);
    xclose(&outp[1]);
    xclose(&errp[1]);
    xclose(&inp[0]);
    if (pid < 0) {
        snprintf(err, errlen, "monitor: fork: %s", strerror(errno));
        return 125;
    }
    m.out_fd = outp[0];
    m.err_fd = errp[0];
    m.in_fd = inp[1];

    /* Until the runtime exits, stderr may carry its error: hold everything back. */
    char held[2][8192];
    size_t nheld[2] = {0, 0};
    int status = 0;
    bool done = false;
    while (!done) {
        struct pollfd p[4];
        int n = 0;
        p[n++] = (struct pollfd){.fd = m.sig_fd, .events = POLLIN};
        p[n++] = (struct pollfd){.fd = m.out_fd, .events = POLLIN};
        p[n++] = (struct pollfd){.fd = m.err_fd, .events = POLLIN};
        p[n++] = (struct pollfd){.fd = m.console_fd, .events = POLLIN};
        if (poll(p, n, -1) < 0 && errno != EINTR)
            break;
        for (int s = 0; s < 2; s++) {
            int fd = s ? m.err_fd : m.out_fd;
            if (fd >= 0 && p[1 + s].revents && nheld[s] < sizeof(held[s])) {
                ssize_t r = read(fd, held[s] + nheld[s], sizeof(held[s]) - nheld[s]);
                if (r > 0)
                    nheld[s] += (size_t)r;
            }
        }
        if (m.console_fd >= 0 && p[3].revents) {
            int c = accept4(m.console_fd, NULL, NULL, SOCK_CLOEXEC);
            if (c >= 0) {
                char tmp[256];
                int nf = 0, fd = -1;
                if (mon_recv_fds(c, tmp, sizeof(tmp), &fd, 1, &nf) >= 0 && nf == 1)
                    m.master_fd = fd;
                close(c);
                apply_winsize();
            }
        }
        if (p[0].revents)
            done = reap(pid, &status);
    }
    xclose(&m.console_fd);
    if (m.cfg.tty)
        unlink(run_path(MONITOR_CONSOLE_SOCK));
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (code != 0) {
        size_t len = nheld[1];
        while (len && (held[1][len - 1] == '\n' || held[1][len - 1] == ' '))
            len--;
        if (len == 0)
            snprintf(err, errlen, "runtime exited with status %d", code);
        else
            snprintf(err, errlen, "%.*s", (int)len, held[1]);
        xclose(&m.out_fd);
        xclose(&m.err_fd);
        xclose(&m.in_fd);
        xclose(&m.master_fd);
        return code == 126 || code == 127 ? code : 125;
    }
    char pidbuf[32] = "";
    int pfd = open(run_path(MONITOR_PID_FILE), O_RDONLY | O_CLOEXEC);
    if (pfd >= 0) {
        ssize_t r = read(pfd, pidbuf, sizeof(pidbuf) - 1);
        pidbuf[r > 0 ? r : 0] = '\0';
        close(pfd);
    }
    m.ctr_pid = (pid_t)atoi(pidbuf);
    if (m.ctr_pid <= 0) {
        snprintf(err, errlen, "runtime wrote no container pid");
        return 125;
    }
    m.exited = false;
    for (int i = 0; i < REAPED_MAX && i < m.nreaped; i++) {
        if (m.reaped[i].pid == m.ctr_pid)
            note_reaped(m.ctr_pid, m.reaped[i].status);
    }
    m.nreaped = 0;
    mon_now_rfc3339(started_at, sizeof(started_at));
    for (int s = 0; s < 2; s++) {
        if (nheld[s])
            emit(s, held[s], nheld[s]);
    }
    return 0;
}

static double elapsed_ms(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - since->tv_sec) * 1e3 +
           (double)(now.tv_nsec - since->tv_nsec) / 1e6;
}

/* Serve the running container until it has exited and its output is drained. */
static void supervise(void)
{
    struct timespec exit_seen = {0};
    for (;;) {
        bool streams_open = m.out_fd >= 0 || m.err_fd >= 0 || m.master_fd >= 0;
        if (m.exited && !streams_open)
            break;
        /* Processes outside the pid namespace may hold the pipes: stop waiting soon. */
        if (m.exited && exit_seen.tv_sec && elapsed_ms(&exit_seen) > 2000)
            break;
        struct pollfd p[8 + 2 * MAX_CLIENTS];
        int idx[8 + 2 * MAX_CLIENTS];
        int n = 0;
        p[n++] = (struct pollfd){.fd = m.sig_fd, .events = POLLIN};
        p[n++] = (struct pollfd){.fd = m.listen_fd, .events = POLLIN};
        p[n++] = (struct pollfd){.fd = m.out_fd, .events = POLLIN};
        p[n++] = (struct pollfd){.fd = m.err_fd, .events = POLLIN};
        p[n++] = (struct pollfd){.fd = m.master_fd, .events = POLLIN};
        p[n++] = (struct pollfd){.fd = mon_health_fd(), .events = POLLIN};
        int fixed = n;
        n = client_pollfds(p, n, idx);
        int timeout = m.exited ? -1 : mon_health_timeout_ms();
        if (m.kill_armed && !m.exited) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            long long ms = (m.kill_deadline.tv_sec - now.tv_sec) * 1000LL +
                           (m.kill_deadline.tv_nsec - now.tv_nsec) / 1000000LL;
            if (ms <= 0) {
                deliver_signal(SIGKILL);
                m.kill_armed = false;
            } else if (timeout < 0 || ms < timeout) {
                timeout = (int)ms;
            }
        }
        if (m.exited)
            timeout = 100;
        if (poll(p, n, timeout) < 0 && errno != EINTR)
            break;
        if (p[0].revents) {
            reap(0, NULL);
            if (m.exited && !exit_seen.tv_sec)
                clock_gettime(CLOCK_MONOTONIC, &exit_seen);
        }
        if (p[1].revents)
            accept_client();
        if (p[2].revents)
            pump(&m.out_fd, 0);
        if (p[3].revents)
            pump(&m.err_fd, 1);
        if (p[4].revents && !pump(&m.master_fd, 0))
            xclose(&m.master_fd);
        if (p[5].revents)
            mon_health_read();
        if (!m.exited)
            mon_health_tick();
        handle_clients(p, fixed, n, idx);
    }
    xclose(&m.out_fd);
    xclose(&m.err_fd);
    xclose(&m.in_fd);
    xclose(&m.master_fd);
    mon_linebuf_flush(&m.lines[0], m.log_fd, 0);
    mon_linebuf_flush(&m.lines[1], m.log_fd, 1);
}

/* Sleep for the restart backoff while still answering clients; false when a client
 * asked to stop meanwhile. */
static bool backoff(int ms)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    double left;
    while (!m.stopping && (left = ms - elapsed_ms(&start)) > 0) {
        struct pollfd p[2 + 2 * MAX_CLIENTS];
        int idx[2 + 2 * MAX_CLIENTS];
        int n = 0;
        p[n++] = (struct pollfd){.fd = m.sig_fd, .events = POLLIN};
        p[n++] = (struct pollfd){.fd = m.listen_fd, .events = POLLIN};
        n = client_pollfds(p, n, idx);
        if (poll(p, n, (int)left + 1) < 0 && errno != EINTR)
            break;
        if (p[0].revents)
            reap(0, NULL);
        if (p[1].revents)
            accept_client();
        handle_clients(p, 2, n, idx);
    }
    return !m.stopping;
}

static bool should_restart(void)
{
    if (m.stopping)
        return false;
    switch (m.cfg.restart) {
    case MON_RESTART_ALWAYS:
    case MON_RESTART_UNLESS_STOPPED:
        return true;
    case MON_RESTART_ON_FAILURE:
        return m.exit_code != 0 && (m.cfg.max_retries <= 0 || m.restart_count < m.cfg.max_retries);
    default:
        return false;
    }
}

/* The runtime's delete (deleter) runs meanwhile; the rootfs and the overlay dirs are
 * not its business, but the bundle is (it may run poststop hooks from it), so the
 * container directory goes only after it is done. */
__attribute__((noreturn)) static void finish(int code, pid_t deleter)
{
    char path[4096];
    /* rootfs, and the tmpfs of a shareable /dev/shm (ctr_host.c). */
    static const char *const mounts[] = {"rootfs", "shm"};
    for (size_t i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", m.cfg.run_dir, mounts[i]);
        umount2(path, MNT_DETACH);
        rmdir(path);
    }
    unlink(run_path(MONITOR_PID_FILE));
    unlink(run_path(MONITOR_SOCK));
    rmdir(m.cfg.run_dir);
    if (m.cfg.autorm) {
        if (m.cfg.name_link)
            unlink(m.cfg.name_link);
        static const char *const heavy[] = {"upper", "work"};
        for (size_t i = 0; i < sizeof(heavy) / sizeof(heavy[0]); i++) {
            snprintf(path, sizeof(path), "%s/%s", m.cfg.ctr_dir, heavy[i]);
            mon_rm_rf(path);
        }
    }
    wait_cmd(deleter);
    if (m.cfg.autorm)
        mon_rm_rf(m.cfg.ctr_dir);
    char msg[32];
    snprintf(msg, sizeof(msg), "exit %d", code);
    /* Clients see their sockets close when this process is gone: after that nothing
     * of the container remains. */
    for (int i = 0; i < MAX_CLIENTS; i++)
        client_send(&m.clients[i], msg);
    exit(0);
}

int main(int argc, char **argv)
{
    for (int i = 0; i < MAX_CLIENTS; i++)
        m.clients[i] = (struct client){.sock = -1, .in = -1, .out = -1, .err = -1};
    m.cfg.sync_fd = -1;
    if (mon_parse_args(argc, argv, &m.cfg) < 0) {
        fprintf(stderr, "hoist-monitor: invalid arguments (started by hoist only)\n");
        return 2;
    }
    mon_health_init(&m.cfg);
    fcntl(m.cfg.sync_fd, F_SETFD, FD_CLOEXEC);
    signal(SIGPIPE, SIG_IGN);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    /* A foreground CLI's signals are proxied by the CLI itself; these only come from
     * users who signal the monitor, and are passed on like docker's sig-proxy does. */
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGQUIT);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, NULL);
    m.sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    /* The CLI's working directory must not stay busy for the container's lifetime. */
    if (chdir("/") < 0)
        return 1;

    char path[4096];
    snprintf(path, sizeof(path), "%s/ctr.log", m.cfg.ctr_dir);
    m.log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    unlink(run_path(MONITOR_SOCK));
    m.run_fd = open(m.cfg.run_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    m.listen_fd = m.run_fd < 0 ? -1 : mon_listen(sock_path(MONITOR_SOCK, false), SOCK_SEQPACKET);
    if (m.sig_fd < 0 || m.log_fd < 0 || m.listen_fd < 0) {
        char msg[512];
        snprintf(msg, sizeof(msg), "error 125 monitor setup for %s: %s", m.cfg.id, strerror(errno));
        send(m.cfg.sync_fd, msg, strlen(msg), MSG_NOSIGNAL);
        finish(125, -1);
    }
    struct client *fg = client_add(m.cfg.sync_fd);
    if (m.cfg.attach && fg) {
        fg->in = m.cfg.stdin_open ? fcntl(0, F_DUPFD_CLOEXEC, 3) : -1;
        fg->out = fcntl(1, F_DUPFD_CLOEXEC, 3);
        fg->err = fcntl(2, F_DUPFD_CLOEXEC, 3);
    }
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    if (null > 2)
        close(null);

    int delay = 100;
    bool first = true;
    for (;;) {
        char err[1024] = "";
        int code = start_once(err, sizeof(err));
        if (code != 0) {
            pid_t deleter = runtime_delete();
            m.exit_code = code;
            mon_now_rfc3339(finished_at, sizeof(finished_at));
            if (first && !m.cfg.autorm) {
                /* A container that never started stays "created", as docker's does. */
                write_state("created", err);
            } else if (!m.cfg.autorm) {
                write_state("exited", err);
            }
            if (first) {
                char msg[1200];
                snprintf(msg, sizeof(msg), "error %d %s", code, err);
                /* The CLI waits for the close that follows the cleanup. */
                client_send(fg, msg);
            }
            finish(code, deleter);
        }
        mon_health_begin();
        write_state("running", NULL);
        if (first) {
            char msg[64];
            snprintf(msg, sizeof(msg), "started %d", (int)m.ctr_pid);
            client_send(fg, msg);
            if (!m.cfg.attach)
                client_drop(fg);
            first = false;
        }
        struct timespec run_start;
        clock_gettime(CLOCK_MONOTONIC, &run_start);
        supervise();
        mon_health_stop();
        if (m.cfg.cgroup)
            m.oom = mon_oom_killed(m.cfg.cgroup);
        pid_t deleter = runtime_delete();
        mon_now_rfc3339(finished_at, sizeof(finished_at));
        m.kill_armed = false;
        if (!should_restart()) {
            if (!m.cfg.autorm)
                write_state("exited", NULL);
            finish(m.exit_code, deleter);
        }
        wait_cmd(deleter);
        if (elapsed_ms(&run_start) > 10000)
            delay = 100;
        write_state("restarting", NULL);
        if (!backoff(delay))
            break;
        delay = delay < 60000 ? delay * 2 : delay;
        m.restart_count++;
        m.ctr_pid = 0;
    }
    if (!m.cfg.autorm)
        write_state("exited", NULL);
    /* Stopped during a restart backoff: the last delete has been waited for. */
    finish(m.exit_code, -1);
}
