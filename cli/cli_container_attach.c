/* Foreground containers: terminal mode, window size and signal proxying for `run`
 * and `start -a`, and `exec`. */
#include <fcntl.h>
#include <stddef.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli_container_int.h"
#include "cli/cli_opt.h"
#include "common/cleanup.h"
#include "common/exe_seal.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"

static int sig_pipe = -1;

static void on_signal(int sig)
{
    char b = (char)sig;
    int saved = errno;
    if (write(sig_pipe, &b, 1) < 0)
        errno = saved;
    errno = saved;
}

static const int proxied[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

static void send_winsize(int sock)
{
    struct winsize ws;
    if (ioctl(0, TIOCGWINSZ, &ws) == 0) {
        char msg[64];
        snprintf(msg, sizeof(msg), "resize %d %d", ws.ws_row, ws.ws_col);
        ctr_send(sock, msg, NULL);
    }
}

int cli_ctr_attach_loop(int sock, bool tty, struct herr *e)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
        return herr_sys(e, "pipe");
    sig_pipe = p[1];
    struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
    for (size_t i = 0; i < sizeof(proxied) / sizeof(proxied[0]); i++)
        sigaction(proxied[i], &sa, NULL);
    struct termios saved;
    bool raw = tty && isatty(0) && tcgetattr(0, &saved) == 0;
    if (raw) {
        struct termios t = saved;
        cfmakeraw(&t);
        tcsetattr(0, TCSANOW, &t);
    }
    if (tty)
        send_winsize(sock);
    int code = -1;
    for (;;) {
        struct pollfd pf[2] = {{.fd = sock, .events = POLLIN}, {.fd = p[0], .events = POLLIN}};
        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            herr_sys(e, "poll");
            break;
        }
        char sig;
        while (pf[1].revents && read(p[0], &sig, 1) == 1) {
            if (sig == SIGWINCH) {
                if (tty)
                    send_winsize(sock);
            } else {
                char msg[32];
                snprintf(msg, sizeof(msg), "signal %d", sig);
                ctr_send(sock, msg, NULL);
            }
        }
        if (pf[0].revents) {
            code = ctr_wait_exit(sock, e);
            break;
        }
    }
    if (raw)
        tcsetattr(0, TCSANOW, &saved);
    close(p[0]);
    close(p[1]);
    return code;
}

static int wait_status(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR)
            return 125;
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int recv_master(int lsock, pid_t child)
{
    for (;;) {
        struct pollfd p = {.fd = lsock, .events = POLLIN};
        int r = poll(&p, 1, 100);
        if (r > 0)
            break;
        if (waitpid(child, NULL, WNOHANG) == child)
            return -1;
    }
    _cleanup_close_ int s = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
    char buf[256];
    union {
        char b[CMSG_SPACE(sizeof(int))];
        struct cmsghdr a;
    } u;
    struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof(u.b)};
    if (s < 0 || recvmsg(s, &msg, MSG_CMSG_CLOEXEC) < 0)
        return -1;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (!c || c->cmsg_type != SCM_RIGHTS)
        return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof(fd));
    return fd;
}

/* Copy terminal <-> pty master until the process side closes. */
static void pty_loop(int master)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
        return;
    sig_pipe = p[1];
    struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
    sigaction(SIGWINCH, &sa, NULL);
    struct winsize ws;
    if (ioctl(0, TIOCGWINSZ, &ws) == 0)
        ioctl(master, TIOCSWINSZ, &ws);
    struct termios saved;
    bool raw = isatty(0) && tcgetattr(0, &saved) == 0;
    if (raw) {
        struct termios t = saved;
        cfmakeraw(&t);
        tcsetattr(0, TCSANOW, &t);
    }
    bool in_open = true;
    char buf[8192];
    for (;;) {
        struct pollfd pf[3] = {{.fd = master, .events = POLLIN},
                               {.fd = in_open ? 0 : -1, .events = POLLIN},
                               {.fd = p[0], .events = POLLIN}};
        if (poll(pf, 3, -1) < 0 && errno != EINTR)
            break;
        if (pf[2].revents) {
            char s;
            while (read(p[0], &s, 1) == 1)
                ;
            if (ioctl(0, TIOCGWINSZ, &ws) == 0)
                ioctl(master, TIOCSWINSZ, &ws);
        }
        if (pf[1].revents) {
            ssize_t n = read(0, buf, sizeof(buf));
            if (n <= 0)
                in_open = false;
            else if (write(master, buf, (size_t)n) < 0)
                break;
        }
        if (pf[0].revents) {
            ssize_t n = read(master, buf, sizeof(buf));
            if (n <= 0 || write(1, buf, (size_t)n) < 0)
                break;
        }
    }
    if (raw)
        tcsetattr(0, TCSANOW, &saved);
    close(p[0]);
    close(p[1]);
}

static json_t *exec_process(const struct ctr_ctx *c, const char *id, char **args, char **env,
                            const char *user, const char *cwd, bool tty, struct herr *e)
{
    _cleanup_free_ char *dir = ctr_dir(c, id);
    _cleanup_free_ char *bundle = xasprintf("%s/bundle", dir);
    _cleanup_close_ int bfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (bfd < 0) {
        herr_sys(e, "container %s: open bundle", id);
        return NULL;
    }
    _cleanup_json_ json_t *spec = hj_load_file(bfd, "config.json", e);
    if (!spec)
        return NULL;
    json_t *proc = json_deep_copy(json_object_get(spec, "process"));
    json_object_set_new(proc, "args", hj_from_strv(args));
    json_object_set_new(proc, "terminal", json_boolean(tty));
    if (cwd)
        json_object_set_new(proc, "cwd", json_string(cwd));
    json_t *jenv = json_object_get(proc, "env");
    for (char **p = env; p && *p; p++) {
        size_t klen = strcspn(*p, "=");
        size_t i;
        json_t *v;
        bool replaced = false;
        json_array_foreach(jenv, i, v)
        {
            const char *s = json_string_value(v);
            if (strncmp(s, *p, klen) == 0 && s[klen] == '=') {
                json_array_set_new(jenv, i, json_string(*p));
                replaced = true;
                break;
            }
        }
        if (!replaced)
            json_array_append_new(jenv, json_string(*p));
    }
    if (user) {
        _cleanup_free_ char *run = ctr_run_dir(c, id);
        _cleanup_free_ char *rootfs = xasprintf("%s/rootfs", run);
        _cleanup_close_ int rfd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct ctr_user u;
        if (rfd < 0 || ctr_user_resolve(rfd, user, &u, e) < 0) {
            if (rfd < 0)
                herr_sys(e, "open %s", rootfs);
            json_decref(proc);
            return NULL;
        }
        json_t *g = json_array();
        for (int i = 0; i < u.ngroups; i++)
            json_array_append_new(g, json_integer(u.groups[i]));
        json_object_set_new(
            proc, "user",
            json_pack("{s:i,s:i,s:o}", "uid", (int)u.uid, "gid", (int)u.gid, "additionalGids", g));
    }
    return proc;
}

struct exec_args {
    bool detach, interactive, tty;
    const char *user, *cwd;
    char **env;
};

/* -e KEY=VALUE, or -e KEY passing this process's value through (none: left out). */
static int env_opt(const char *cmd, const struct cli_opt *o, void *field, const char *arg)
{
    (void)cmd, (void)o;
    if (strchr(arg, '='))
        strv_push((char ***)field, xstrdup(arg));
    else if (getenv(arg))
        strv_push((char ***)field, xasprintf("%s=%s", arg, getenv(arg)));
    return 0;
}

#define EA(f) offsetof(struct exec_args, f)

const struct cli_spec cli_ctr_exec_spec = {
    .cmd = "container exec",
    .usage = "[OPTIONS] CONTAINER COMMAND [ARG...]",
    .what = "Execute a command in a running container",
    .opts =
        (const struct cli_opt[]){
            {"detach", 'd', NULL, "Detached mode: run command in the background", CLI_OPT_FLAG,
             EA(detach), NULL, NULL},
            {"interactive", 'i', NULL, "Keep STDIN open even if not attached", CLI_OPT_FLAG,
             EA(interactive), NULL, NULL},
            {"tty", 't', NULL, "Allocate a pseudo-TTY", CLI_OPT_FLAG, EA(tty), NULL, NULL},
            {"env", 'e', "KEY=VALUE", "Set environment variables", CLI_OPT_CALL, EA(env), env_opt,
             NULL},
            {"user", 'u', "USER", "Username or UID (format: \"<name|uid>[:<group|gid>]\")",
             CLI_OPT_STRING, EA(user), NULL, NULL},
            {"workdir", 'w', "DIR", "Working directory inside the container", CLI_OPT_STRING,
             EA(cwd), NULL, NULL},
            CLI_OPT_END,
        },
};

/* The runtime's exec of the process file ppath: argv, then the child. */
static pid_t exec_spawn(const struct ctr_ctx *c, const char *id, const char *run, const char *ppath,
                        const char *rt_spath, const struct exec_args *ea)
{
    _cleanup_strv_ char **rt = ctr_runtime_argv(c);
    strv_push(&rt, xstrdup("exec"));
    strv_push(&rt, xstrdup("--process"));
    strv_push(&rt, xstrdup(ppath));
    if (ea->detach)
        strv_push(&rt, xstrdup("--detach"));
    if (ea->tty) {
        strv_push(&rt, xstrdup("--tty"));
        strv_push(&rt, xstrdup("--console-socket"));
        strv_push(&rt, xstrdup(rt_spath));
    }
    strv_push(&rt, xstrdup(id));
    pid_t pid = fork();
    if (pid == 0) {
        if (!ea->interactive || ea->tty) {
            int null = open("/dev/null", O_RDONLY);
            dup2(null, 0);
        }
        /* Sealed here, or the runtime would re-execute itself so (rt_seal.c). */
        if (c->self && strcmp(rt[0], c->self) == 0)
            exe_seal_exec(rt[0], run, rt);
        execv(rt[0], rt);
        fprintf(stderr, "hoist: exec %s: %s\n", rt[0], strerror(errno));
        _exit(127);
    }
    return pid;
}

int cli_ctr_exec(const struct ctr_ctx *c, int argc, char **argv)
{
    struct exec_args ea = {.env = xcalloc(1, sizeof(char *))};
    int r = cli_opt_parse(&cli_ctr_exec_spec, &ea, NULL, argc, argv);
    _cleanup_strv_ char **env = ea.env;
    if (r >= 0)
        return r;
    bool detach = ea.detach, tty = ea.tty;
    const char *user = ea.user, *cwd = ea.cwd;
    if (argc - optind < 2)
        return cli_usage_error("container exec",
                               "requires at least 2 arguments (CONTAINER COMMAND)");
    struct herr e = {0};
    _cleanup_free_ char *id = NULL;
    if (ctr_resolve(c, argv[optind], &id, &e) < 0)
        return cli_report(&e, 1);
    _cleanup_json_ json_t *rec = ctr_inspect(c, id, &e);
    if (!rec)
        return cli_report(&e, 1);
    if (strcmp(ctr_status(rec), "running") != 0) {
        herr_set(&e, 0, "container %s is not running", argv[optind]);
        return cli_report(&e, 1);
    }
    _cleanup_strv_ char **args = xcalloc(1, sizeof(char *));
    for (int i = optind + 1; i < argc; i++)
        strv_push(&args, xstrdup(argv[i]));
    _cleanup_json_ json_t *proc = exec_process(c, id, args, env, user, cwd, tty, &e);
    if (!proc)
        return cli_report(&e, 126);
    _cleanup_free_ char *run = ctr_run_dir(c, id);
    char rnd[17];
    str_random_hex(rnd, 16);
    _cleanup_free_ char *pname = xasprintf("exec-%s.json", rnd);
    _cleanup_free_ char *ppath = xasprintf("%s/%s", run, pname);
    _cleanup_free_ char *spath = xasprintf("%s/exec-%s.sock", run, rnd);
    _cleanup_close_ int rfd = open(run, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rfd < 0 || hj_write_atomic(rfd, pname, proc, false, &e) < 0)
        return rfd < 0 ? (herr_sys(&e, "open %s", run), cli_report(&e, 126)) : cli_report(&e, 126);
    _cleanup_close_ int lsock = -1;
    _cleanup_free_ char *rt_spath = NULL;
    if (tty) {
        /* Through our fd of the run dir: the full path may not fit in sun_path. */
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/exec-%s.sock", rfd, rnd);
        rt_spath = xasprintf("/proc/%d/fd/%d/exec-%s.sock", (int)getpid(), rfd, rnd);
        lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (lsock < 0 || bind(lsock, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
            listen(lsock, 1) < 0) {
            unlink(ppath);
            herr_sys(&e, "console socket %s", spath);
            return cli_report(&e, 126);
        }
    }
    pid_t pid = exec_spawn(c, id, run, ppath, rt_spath, &ea);
    int master = pid > 0 && tty ? recv_master(lsock, pid) : -1;
    if (master >= 0 && !detach) {
        pty_loop(master);
        close(master);
    } else if (master >= 0) {
        close(master);
    }
    int code = pid > 0 ? wait_status(pid) : 125;
    unlink(ppath);
    if (tty)
        unlink(spath);
    return code;
}
