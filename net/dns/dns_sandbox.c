/* hoist-dns's confinement: the identity it drops to, the seccomp filters of its two
 * processes, and the reader that opens the network record for the responder. Filters
 * are written by hand (hoist-dns links nothing but libc). The filters allow what
 * strace shows each process calling once set up, on the architecture it was built for
 * only; anything else kills the whole process: a responder that calls something new has
 * been subverted or has a bug, and a dead responder is restarted by the next attach,
 * whereas an error code would let an attacker probe the kernel at leisure. */
#include <errno.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "net/dns/dns.h"

#if defined(__x86_64__)
#define FILTER_ARCH AUDIT_ARCH_X86_64
/* x32 calls carry the x86_64 audit arch and this bit in their number. */
#define FILTER_X32_BIT 0x40000000u
#elif defined(__aarch64__)
#define FILTER_ARCH AUDIT_ARCH_AARCH64
#endif
/* On any other architecture hoist-dns is built without a filter (it still drops its
 * identity and capabilities): the lists below are only right for the calls glibc makes
 * on these two, and a wrong list kills the responder on its first query. */

/* AddressSanitizer (HOIST_SANITIZE builds) calls __asan_handle_no_return before every
 * noreturn call (_exit, and quit from the SIGTERM handler), and that asks the kernel for
 * the alternate signal stack. Its other needs on the way out are met by leaving through
 * _exit; its reports would be cut short, but hoist-dns's stderr is /dev/null anyway. */
#if defined(__SANITIZE_ADDRESS__)
#define FILTER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FILTER_ASAN 1
#endif
#endif

#define ARG_LO(i) ((uint32_t)(offsetof(struct seccomp_data, args) + 8 * (i)))
#define PROG_MAX 160

struct prog {
    struct sock_filter f[PROG_MAX];
    unsigned short n;
};

static void emit(struct prog *p, uint16_t code, uint32_t k, uint8_t jt, uint8_t jf)
{
    if (p->n < PROG_MAX)
        p->f[p->n] = (struct sock_filter)BPF_JUMP(code, k, jt, jf);
    p->n++;
}

static void ret(struct prog *p, uint32_t action)
{
    emit(p, BPF_RET | BPF_K, action, 0, 0);
}

/* The accumulator holds the syscall number on entry to each of these and, when the number
 * does not match, still does on leaving: a block that loads an argument returns on every
 * path. */
static void allow(struct prog *p, long nr)
{
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 1);
    ret(p, SECCOMP_RET_ALLOW);
}

/* nr only when (the low 32 bits of) argument arg is one of vals; every argument checked
 * here is an int or flags the kernel reads from those bits only. */
static void allow_arg_in(struct prog *p, long nr, unsigned arg, const uint32_t *vals, unsigned n)
{
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, (uint8_t)(n + 3));
    emit(p, BPF_LD | BPF_W | BPF_ABS, ARG_LO(arg), 0, 0);
    for (unsigned i = 0; i < n; i++)
        emit(p, BPF_JMP | BPF_JEQ | BPF_K, vals[i], (uint8_t)(n - i), 0);
    ret(p, SECCOMP_RET_KILL_PROCESS);
    ret(p, SECCOMP_RET_ALLOW);
}

/* nr only when argument arg has none of the bits of mask. */
static void allow_arg_without(struct prog *p, long nr, unsigned arg, uint32_t mask)
{
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 4);
    emit(p, BPF_LD | BPF_W | BPF_ABS, ARG_LO(arg), 0, 0);
    emit(p, BPF_JMP | BPF_JSET | BPF_K, mask, 0, 1);
    ret(p, SECCOMP_RET_KILL_PROCESS);
    ret(p, SECCOMP_RET_ALLOW);
}

static void prologue(struct prog *p)
{
#ifdef FILTER_ARCH
    emit(p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch), 0, 0);
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, FILTER_ARCH, 1, 0);
    ret(p, SECCOMP_RET_KILL_PROCESS);
    emit(p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0, 0);
#ifdef FILTER_X32_BIT
    emit(p, BPF_JMP | BPF_JGE | BPF_K, FILTER_X32_BIT, 0, 1);
    ret(p, SECCOMP_RET_KILL_PROCESS);
#endif
#else
    (void)p;
#endif
}

/* What every process of hoist-dns needs: leaving, and the kernel's own resumption of a
 * call interrupted by a stop (SIGSTOP/SIGCONT during poll) or a signal handler. */
static void allow_common(struct prog *p)
{
    allow(p, SYS_exit_group);
    allow(p, SYS_exit);
    allow(p, SYS_restart_syscall);
    allow(p, SYS_rt_sigreturn);
    allow(p, SYS_read);
    allow(p, SYS_close);
#ifdef FILTER_ASAN
    allow(p, SYS_sigaltstack);
#endif
}

static int install(struct prog *p)
{
#ifdef FILTER_ARCH
    ret(p, SECCOMP_RET_KILL_PROCESS);
    if (p->n > PROG_MAX) {
        errno = E2BIG;
        return -1;
    }
    struct sock_fprog fprog = {.len = p->n, .filter = p->f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return -1;
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog);
#else
    (void)p;
    return 0;
#endif
}

int dns_seccomp_responder(void)
{
    struct prog p = {.n = 0};
    prologue(&p);
    allow_common(&p);
    /* The loop: queries, clients and upstream servers. */
#ifdef SYS_poll
    allow(&p, SYS_poll);
#endif
    allow(&p, SYS_ppoll);
    allow(&p, SYS_recvfrom);
    allow(&p, SYS_recvmsg);
    allow(&p, SYS_sendto);
    allow(&p, SYS_sendmsg);
    allow(&p, SYS_accept4);
    allow(&p, SYS_connect);
    allow(&p, SYS_bind);
    allow(&p, SYS_getsockopt);
    /* Upstream servers and the host-address check of may_see_names; no other family
     * (netlink, packet, unix) is ever opened. */
    const uint32_t families[] = {AF_INET, AF_INET6};
    allow_arg_in(&p, SYS_socket, 0, families, 2);
    allow(&p, SYS_clock_gettime);
    /* malloc (the record's text and table, TCP answers); never executable memory. */
    allow(&p, SYS_brk);
    allow_arg_without(&p, SYS_mmap, 2, PROT_EXEC);
    allow(&p, SYS_munmap);
    allow(&p, SYS_mremap);
    allow(&p, SYS_madvise);
    /* The record the reader opened for it. */
#ifdef SYS_fstat
    allow(&p, SYS_fstat);
#endif
    allow(&p, SYS_newfstatat);
    /* Reaping the reader on the way out. */
    allow(&p, SYS_wait4);
    return install(&p);
}

int dns_seccomp_reader(int dirfd)
{
    struct prog p = {.n = 0};
    prologue(&p);
    allow_common(&p);
    allow(&p, SYS_sendmsg);
    /* Only ever its one directory, and only ever reading (see DNS_READER_OPEN). */
    const uint32_t dir = (uint32_t)dirfd, flags = DNS_READER_OPEN;
    emit(&p, BPF_JMP | BPF_JEQ | BPF_K, SYS_openat, 0, 6);
    emit(&p, BPF_LD | BPF_W | BPF_ABS, ARG_LO(0), 0, 0);
    emit(&p, BPF_JMP | BPF_JEQ | BPF_K, dir, 0, 2);
    emit(&p, BPF_LD | BPF_W | BPF_ABS, ARG_LO(2), 0, 0);
    emit(&p, BPF_JMP | BPF_JEQ | BPF_K, flags, 1, 0);
    ret(&p, SECCOMP_RET_KILL_PROCESS);
    ret(&p, SECCOMP_RET_ALLOW);
    return install(&p);
}

/* Raw capset: libcap is not linked. Two 32-bit words per set (version 3). */
static int set_caps(uint64_t keep)
{
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
    struct __user_cap_data_struct data[2] = {
        {.effective = (uint32_t)keep, .permitted = (uint32_t)keep},
        {.effective = (uint32_t)(keep >> 32), .permitted = (uint32_t)(keep >> 32)},
    };
    return (int)syscall(SYS_capset, &hdr, data);
}

int dns_drop_privileges(uint64_t keep)
{
    /* Dropping from the bounding set needs CAP_SETPCAP, so before the switch of user.
     * Capabilities past the kernel's last one answer EINVAL. */
    for (int cap = 0; cap < 64; cap++)
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
            return -1;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return -1;
    if (keep && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        return -1;
    if (setgroups(0, NULL) < 0 || setresgid(DNS_GID, DNS_GID, DNS_GID) < 0 ||
        setresuid(DNS_UID, DNS_UID, DNS_UID) < 0)
        return -1;
    /* The switch of user empties the effective and permitted sets (but for keep), never
     * the inheritable one: set all three. */
    if (set_caps(keep) < 0)
        return -1;
    if (keep && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
        return -1;
    /* No way back to root: a second switch must fail. */
    if (setresuid(0, 0, 0) == 0) {
        errno = EPERM;
        return -1;
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        return -1;
    return 0;
}

int dns_reader_ask(int sock, int *fd, int *err)
{
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } c;
    struct iovec iov = {err, sizeof(*err)};
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf, .msg_controllen = sizeof(c.buf)};
    *fd = -1;
    if (send(sock, "r", 1, MSG_NOSIGNAL) != 1)
        return -1;
    ssize_t n;
    while ((n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
        ;
    if (n != sizeof(*err))
        return -1;
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
        cm->cmsg_len == CMSG_LEN(sizeof(int)))
        memcpy(fd, CMSG_DATA(cm), sizeof(*fd));
    return 0;
}

/* Its only input is that a request came: it parses nothing. */
_Noreturn void dns_reader_run(int sock, int dirfd, const char *name)
{
    if (dns_drop_privileges(1ull << CAP_DAC_READ_SEARCH) < 0 || dns_seccomp_reader(dirfd) < 0)
        _exit(1);
    for (;;) {
        char req;
        ssize_t n = read(sock, &req, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            _exit(0);
        /* The raw call: its flags are exactly those the filter pins. */
        int fd = (int)syscall(SYS_openat, dirfd, name, DNS_READER_OPEN);
        int err = fd < 0 ? errno : 0;
        union {
            struct cmsghdr h;
            char buf[CMSG_SPACE(sizeof(int))];
        } c;
        struct iovec iov = {&err, sizeof(err)};
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
        if (fd >= 0) {
            mh.msg_control = c.buf;
            mh.msg_controllen = sizeof(c.buf);
            struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
            cm->cmsg_level = SOL_SOCKET;
            cm->cmsg_type = SCM_RIGHTS;
            cm->cmsg_len = CMSG_LEN(sizeof(int));
            memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
        }
        if (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0)
            _exit(1);
        if (fd >= 0)
            close(fd);
    }
}
