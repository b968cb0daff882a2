/* Starting and stopping a network's DNS responder (hoist-dns, net/dns/). Callers hold
 * the networks lock, so concurrent attaches start one responder. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/str.h"
#include "net/dns/dns.h"
#include "net/net.h"

#define STOP_WAIT_MS 2000

extern char **environ;

static char *pid_path(const char *root, const char *network)
{
    return xasprintf("%s/networks/%s.dns.pid", root, network);
}

/* Absolute: the responder runs in "/", and finds its record (and is found, by the path
 * on its command line) whatever the working directory of the hoist that started it. */
static char *record_path(const char *root, const char *network)
{
    _cleanup_free_ char *abs = realpath(root, NULL);
    return xasprintf("%s/networks/%s.json", abs ? abs : root, network);
}

/* The recorded pid, when it still is this network's responder: argv[0] is hoist-dns and
 * its --record is this record (a stale file after a reboot names some other process). */
static pid_t running_pid(const char *root, const char *network)
{
    _cleanup_free_ char *pidf = pid_path(root, network), *text = NULL;
    if (fs_read_all(AT_FDCWD, pidf, &text, NULL, NULL) < 0)
        return 0;
    long pid = strtol(text, NULL, 10);
    if (pid <= 0)
        return 0;
    char path[64];
    snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
    _cleanup_free_ char *cmd = NULL;
    size_t len;
    if (fs_read_all(AT_FDCWD, path, &cmd, &len, NULL) < 0)
        return 0;
    _cleanup_free_ char *rec = record_path(root, network);
    const char *end = cmd + len, *arg0 = cmd, *slash = strrchr(arg0, '/');
    if (strcmp(slash ? slash + 1 : arg0, DNS_EXE) != 0)
        return 0;
    for (const char *a = cmd; a < end; a += strlen(a) + 1) {
        const char *next = a + strlen(a) + 1;
        if (strcmp(a, "--record") == 0 && next < end && strcmp(next, rec) == 0)
            return (pid_t)pid;
    }
    return 0;
}

static char *exe_path(struct herr *e)
{
    char dir[4096];
    if (fs_self_dir(dir, sizeof(dir), e) < 0)
        return NULL;
    return fs_helper_path(dir, DNS_EXE, e);
}

static int bound_socket(int type, uint32_t gateway, struct herr *e)
{
    _cleanup_close_ int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return herr_sys(e, "socket");
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(53)};
    a.sin_addr.s_addr = htonl(gateway);
    char ip[16];
    net_addr_fmt(gateway, ip);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
        return herr_sys(e, "bind %s port 53/%s", ip, type == SOCK_DGRAM ? "udp" : "tcp");
    if (type == SOCK_STREAM && listen(fd, 64) < 0)
        return herr_sys(e, "listen on %s port 53/tcp", ip);
    return steal_fd(&fd);
}

/* In the grandchild, between fork and exec: async-signal-safe calls only. */
static void exec_responder(int udp, int tcp, const char *exe, char **argv)
{
    int u = fcntl(udp, F_DUPFD, 10), t = fcntl(tcp, F_DUPFD, 10);
    int null = open("/dev/null", O_RDWR);
    if (u < 0 || t < 0 || null < 0 || dup2(u, DNS_UDP_FD) < 0 || dup2(t, DNS_TCP_FD) < 0 ||
        dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
        _exit(127);
    /* Nothing of the caller's (its lock on the networks, a terminal, pipes of a test
     * runner) may stay open for the responder's lifetime. Closed by the exec, not
     * before: the caller's pipe then reads its end only once the responder is what
     * /proc shows, so a concurrent start never finds a pid that is not yet hoist-dns. */
    if (syscall(SYS_close_range, DNS_TCP_FD + 1, ~0u, CLOSE_RANGE_CLOEXEC) < 0)
        syscall(SYS_close_range, DNS_TCP_FD + 1, ~0u, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    if (chdir("/") < 0)
        _exit(127);
    execve(exe, argv, environ);
    _exit(127);
}

int net_dns_start(const char *root, const char *network, uint32_t gateway,
                  const struct net_prefix *subnet, bool internal, struct herr *e)
{
    if (running_pid(root, network) > 0)
        return 0;
    _cleanup_free_ char *exe = exe_path(e);
    if (!exe)
        return herr_wrap(e, "DNS responder");
    _cleanup_close_ int udp = bound_socket(SOCK_DGRAM, gateway, e);
    if (udp < 0)
        return herr_wrap(e, "DNS responder");
    _cleanup_close_ int tcp = bound_socket(SOCK_STREAM, gateway, e);
    if (tcp < 0)
        return herr_wrap(e, "DNS responder");
    _cleanup_free_ char *rec = record_path(root, network);
    char sub[20];
    net_prefix_fmt(subnet, sub);
    char *argv[10] = {DNS_EXE, "--record", rec, "--network", (char *)network, "--subnet", sub};
    int argc = 7;
    /* docker resolves no container names on its default network. */
    if (strcmp(network, NET_DEFAULT_NAME) == 0)
        argv[argc++] = "--no-names";
    if (internal)
        argv[argc++] = "--no-forward";

    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0)
        return herr_sys(e, "DNS responder: pipe");
    _cleanup_close_ int rd = pfd[0];
    pid_t mid = fork();
    if (mid < 0) {
        close(pfd[1]);
        return herr_sys(e, "DNS responder: fork");
    }
    if (mid == 0) {
        /* Its own session, and orphaned at once: it outlives the caller and takes no
         * signal meant for the caller's process group or terminal. */
        setsid();
        pid_t pid = fork();
        if (pid == 0)
            exec_responder(udp, tcp, exe, argv);
        _exit(write(pfd[1], &pid, sizeof(pid)) == sizeof(pid) && pid > 0 ? 0 : 1);
    }
    close(pfd[1]);
    pid_t pid = -1;
    ssize_t n = read(rd, &pid, sizeof(pid));
    int st;
    while (waitpid(mid, &st, 0) < 0 && errno == EINTR)
        ;
    char end;
    ssize_t m;
    while (n == sizeof(pid) && ((m = read(rd, &end, 1)) > 0 || (m < 0 && errno == EINTR)))
        ;
    if (n != sizeof(pid) || pid <= 0)
        return herr_set(e, 0, "DNS responder: could not start %s", exe);
    _cleanup_free_ char *pidf = pid_path(root, network);
    char text[24];
    int len = snprintf(text, sizeof(text), "%d\n", (int)pid);
    if (fs_write_atomic(AT_FDCWD, pidf, text, (size_t)len, 0644, false, e) < 0) {
        kill(pid, SIGKILL);
        return herr_wrap(e, "DNS responder");
    }
    return 0;
}

int net_dns_stop(const char *root, const char *network, struct herr *e)
{
    _cleanup_free_ char *pidf = pid_path(root, network);
    pid_t pid = running_pid(root, network);
    if (pid > 0) {
        /* The pidfd pins the process, checked again once pinned; its exit makes the
         * pidfd readable. */
        _cleanup_close_ int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (pfd < 0 && errno != ESRCH)
            return herr_sys(e, "DNS responder %d", (int)pid);
        if (pfd >= 0 && running_pid(root, network) == pid &&
            syscall(SYS_pidfd_send_signal, pfd, SIGTERM, NULL, 0) == 0) {
            struct pollfd p = {.fd = pfd, .events = POLLIN};
            if (poll(&p, 1, STOP_WAIT_MS) <= 0) {
                syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0);
                poll(&p, 1, STOP_WAIT_MS);
            }
        }
    }
    if (unlink(pidf) < 0 && errno != ENOENT)
        return herr_sys(e, "remove %s", pidf);
    return 0;
}
