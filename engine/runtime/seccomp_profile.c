/* Docker's default seccomp profile as data (moby profiles/seccomp/default.json, v0.2.3),
 * and the resolution of Docker-format profiles into an OCI linux.seccomp section: rules
 * are kept or dropped by the container's capabilities, the host architecture and the
 * kernel version, as moby does when it generates a container's config. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "engine/runtime/seccomp.h"

/* The host as moby names it: the Go-derived arch name used in includes/excludes, and the
 * libseccomp arch whose archMap entry gives the architectures. */
#if defined(__x86_64__) && !defined(__ILP32__)
#define HOST_ARCH "amd64"
#define HOST_SCMP_ARCH "SCMP_ARCH_X86_64"
#elif defined(__i386__)
#define HOST_ARCH "x86"
#define HOST_SCMP_ARCH "SCMP_ARCH_X86"
#elif defined(__aarch64__)
#define HOST_ARCH "arm64"
#define HOST_SCMP_ARCH "SCMP_ARCH_AARCH64"
#elif defined(__arm__)
#define HOST_ARCH "arm"
#define HOST_SCMP_ARCH "SCMP_ARCH_ARM"
#elif defined(__s390x__)
#define HOST_ARCH "s390x"
#define HOST_SCMP_ARCH "SCMP_ARCH_S390X"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_ARCH "ppc64le"
#define HOST_SCMP_ARCH "SCMP_ARCH_PPC64LE"
#elif defined(__riscv) && __riscv_xlen == 64
#define HOST_ARCH "riscv64"
#define HOST_SCMP_ARCH "SCMP_ARCH_RISCV64"
#elif defined(__loongarch64)
#define HOST_ARCH "loongarch64"
#define HOST_SCMP_ARCH "SCMP_ARCH_LOONGARCH64"
#else
#define HOST_ARCH ""
#define HOST_SCMP_ARCH ""
#endif

#define LIST(...) ((const char *const[]){__VA_ARGS__, NULL})

/* One name per line would make this list 360 lines long. */
// clang-format off
static const char *const base_allowed[] = {
    "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "cachestat", "capget",
    "capset", "chdir", "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64",
    "clock_getres", "clock_getres_time64", "clock_gettime", "clock_gettime64",
    "clock_nanosleep", "clock_nanosleep_time64", "close", "close_range", "connect",
    "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create", "epoll_create1",
    "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait", "epoll_wait_old",
    "eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group", "faccessat",
    "faccessat2", "fadvise64", "fadvise64_64", "fallocate", "fanotify_mark", "fchdir", "fchmod",
    "fchmodat", "fchmodat2", "fchown", "fchown32", "fchownat", "fcntl", "fcntl64", "fdatasync",
    "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr", "fstat", "fstat64",
    "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex",
    "futex_requeue", "futex_time64", "futex_wait", "futex_waitv", "futex_wake", "futimesat",
    "getcpu", "getcwd", "getdents", "getdents64", "getegid", "getegid32", "geteuid",
    "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32", "getitimer", "getpeername",
    "getpgid", "getpgrp", "getpid", "getppid", "getpriority", "getrandom", "getresgid",
    "getresgid32", "getresuid", "getresuid32", "getrlimit", "get_robust_list", "getrusage",
    "getsid", "getsockname", "getsockopt", "get_thread_area", "gettid", "gettimeofday",
    "getuid", "getuid32", "getxattr", "getxattrat", "inotify_add_watch", "inotify_init",
    "inotify_init1", "inotify_rm_watch", "io_cancel", "ioctl", "io_destroy", "io_getevents",
    "io_pgetevents", "io_pgetevents_time64", "ioprio_get", "ioprio_set", "io_setup",
    "io_submit", "ipc", "kill", "landlock_add_rule", "landlock_create_ruleset",
    "landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link", "linkat", "listen",
    "listmount", "listxattr", "listxattrat", "llistxattr", "_llseek", "lremovexattr", "lseek",
    "lsetxattr", "lstat", "lstat64", "madvise", "map_shadow_stack", "membarrier",
    "memfd_create", "memfd_secret", "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock",
    "mlock2", "mlockall", "mmap", "mmap2", "mprotect", "mq_getsetattr", "mq_notify", "mq_open",
    "mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64",
    "mq_unlink", "mremap", "mseal", "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock",
    "munlockall", "munmap", "name_to_handle_at", "nanosleep", "newfstatat", "_newselect",
    "open", "openat", "openat2", "pause", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2",
    "pkey_alloc", "pkey_free", "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl",
    "pread64", "preadv", "preadv2", "prlimit64", "process_mrelease", "pselect6",
    "pselect6_time64", "pwrite64", "pwritev", "pwritev2", "read", "readahead", "readlink",
    "readlinkat", "readv", "recv", "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg",
    "remap_file_pages", "removexattr", "removexattrat", "rename", "renameat", "renameat2",
    "restart_syscall", "riscv_hwprobe", "rmdir", "rseq", "rt_sigaction", "rt_sigpending",
    "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
    "rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_getaffinity", "sched_getattr",
    "sched_getparam", "sched_get_priority_max", "sched_get_priority_min", "sched_getscheduler",
    "sched_rr_get_interval", "sched_rr_get_interval_time64", "sched_setaffinity",
    "sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield", "seccomp", "select",
    "semctl", "semget", "semop", "semtimedop", "semtimedop_time64", "send", "sendfile",
    "sendfile64", "sendmmsg", "sendmsg", "sendto", "setfsgid", "setfsgid32", "setfsuid",
    "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32", "setitimer", "setpgid",
    "setpriority", "setregid", "setregid32", "setresgid", "setresgid32", "setresuid",
    "setresuid32", "setreuid", "setreuid32", "setrlimit", "set_robust_list", "setsid",
    "setsockopt", "set_thread_area", "set_tid_address", "setuid", "setuid32", "setxattr",
    "setxattrat", "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack", "signalfd",
    "signalfd4", "sigprocmask", "sigreturn", "socketcall", "socketpair", "splice", "stat",
    "stat64", "statfs", "statfs64", "statmount", "statx", "symlink", "symlinkat", "sync",
    "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create",
    "timer_delete", "timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime",
    "timer_settime64", "timerfd_create", "timerfd_gettime", "timerfd_gettime64",
    "timerfd_settime", "timerfd_settime64", "times", "tkill", "truncate", "truncate64",
    "ugetrlimit", "umask", "uname", "unlink", "unlinkat", "uretprobe", "utime", "utimensat",
    "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4", "waitid", "waitpid", "write",
    "writev",
    NULL,
};
// clang-format on

/* The default profile's archMap, host entry only: the other entries can never apply. */
#if defined(__x86_64__) && !defined(__ILP32__)
#define DEFAULT_ARCHES LIST("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32")
#elif defined(__aarch64__)
#define DEFAULT_ARCHES LIST("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM")
#elif defined(__s390x__)
#define DEFAULT_ARCHES LIST("SCMP_ARCH_S390X", "SCMP_ARCH_S390")
#elif defined(__riscv) && __riscv_xlen == 64
#define DEFAULT_ARCHES LIST("SCMP_ARCH_RISCV64")
#elif defined(__loongarch64)
#define DEFAULT_ARCHES LIST("SCMP_ARCH_LOONGARCH64")
#else
#define DEFAULT_ARCHES LIST(NULL)
#endif

struct dflt_rule {
    const char *const *names;
    const char *action; /* NULL: SCMP_ACT_ALLOW */
    int errno_ret;      /* 0: none */
    bool has_arg;
    unsigned arg_index;
    uint64_t arg_value;
    const char *arg_op;
    const char *inc_cap, *exc_cap;
    const char *const *inc_arches, *const *exc_arches;
    int min_kernel[2];
};

#define ARG(i, v, o) .has_arg = true, .arg_index = (i), .arg_value = (v), .arg_op = "SCMP_CMP_" #o
/* clone flags that create namespaces: CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET */
#define CLONE_NS_MASK 2114060288ULL

static const struct dflt_rule dflt_rules[] = {
    {LIST("process_vm_readv", "process_vm_writev", "ptrace"), .min_kernel = {4, 8}},
    /* AF_ALG (38) and AF_VSOCK (40) are denied. */
    {LIST("socket"), ARG(0, 38, LT)},
    {LIST("socket"), ARG(0, 39, EQ)},
    {LIST("socket"), ARG(0, 40, GT)},
    /* PER_LINUX, UNAME26, PER_LINUX32, UNAME26|PER_LINUX32, and the query value. */
    {LIST("personality"), ARG(0, 0x0, EQ)},
    {LIST("personality"), ARG(0, 0x8, EQ)},
    {LIST("personality"), ARG(0, 0x20000, EQ)},
    {LIST("personality"), ARG(0, 0x20008, EQ)},
    {LIST("personality"), ARG(0, 0xffffffff, EQ)},
    {LIST("sync_file_range2", "swapcontext"), .inc_arches = LIST("ppc64le")},
    {LIST("arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint", "cacheflush",
          "set_tls"),
     .inc_arches = LIST("arm", "arm64")},
    {LIST("arch_prctl"), .inc_arches = LIST("amd64", "x32")},
    {LIST("modify_ldt"), .inc_arches = LIST("amd64", "x32", "x86")},
    {LIST("s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"),
     .inc_arches = LIST("s390", "s390x")},
    {LIST("riscv_flush_icache"), .inc_arches = LIST("riscv64")},
    {LIST("open_by_handle_at"), .inc_cap = "CAP_DAC_READ_SEARCH"},
    {LIST("bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick",
          "lookup_dcookie", "lsm_get_self_attr", "lsm_list_modules", "lsm_set_self_attr", "mount",
          "mount_setattr", "move_mount", "open_tree", "perf_event_open", "quotactl", "quotactl_fd",
          "setdomainname", "sethostname", "setns", "syslog", "umount", "umount2", "unshare"),
     .inc_cap = "CAP_SYS_ADMIN"},
    {LIST("clone"), ARG(0, CLONE_NS_MASK, MASKED_EQ), .exc_cap = "CAP_SYS_ADMIN",
     .exc_arches = LIST("s390", "s390x")},
    /* s390 passes the clone flags as the second argument. */
    {LIST("clone"), ARG(1, CLONE_NS_MASK, MASKED_EQ), .exc_cap = "CAP_SYS_ADMIN",
     .inc_arches = LIST("s390", "s390x")},
    /* ENOSYS, so that libcs fall back to clone, which the rule above can inspect. */
    {LIST("clone3"), .action = "SCMP_ACT_ERRNO", .errno_ret = 38, .exc_cap = "CAP_SYS_ADMIN"},
    {LIST("reboot"), .inc_cap = "CAP_SYS_BOOT"},
    {LIST("chroot"), .inc_cap = "CAP_SYS_CHROOT"},
    {LIST("delete_module", "init_module", "finit_module"), .inc_cap = "CAP_SYS_MODULE"},
    {LIST("acct"), .inc_cap = "CAP_SYS_PACCT"},
    {LIST("kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev",
          "ptrace"),
     .inc_cap = "CAP_SYS_PTRACE"},
    {LIST("iopl", "ioperm"), .inc_cap = "CAP_SYS_RAWIO"},
    {LIST("settimeofday", "stime", "clock_settime", "clock_settime64"), .inc_cap = "CAP_SYS_TIME"},
    {LIST("vhangup"), .inc_cap = "CAP_SYS_TTY_CONFIG"},
    {LIST("get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"),
     .inc_cap = "CAP_SYS_NICE"},
    {LIST("syslog"), .inc_cap = "CAP_SYSLOG"},
    {LIST("bpf"), .inc_cap = "CAP_BPF"},
    {LIST("perf_event_open"), .inc_cap = "CAP_PERFMON"},
};

/* Kernel version as major * 1000 + minor, read once per process. */
static bool kernel_at_least(int major, int minor)
{
    static int cached = -1;
    if (cached < 0) {
        struct utsname u;
        int ma = 0, mi = 0;
        if (uname(&u) == 0 && sscanf(u.release, "%d.%d", &ma, &mi) != 2)
            ma = mi = 0;
        cached = ma * 1000 + mi;
    }
    return cached >= major * 1000 + minor;
}

static bool strv_has(char *const *v, const char *s)
{
    for (; v && *v; v++)
        if (strcmp(*v, s) == 0)
            return true;
    return false;
}

static bool list_has(const char *const *v, const char *s)
{
    return strv_has((char *const *)v, s);
}

static bool dflt_applies(const struct dflt_rule *r, char *const *caps)
{
    if (r->inc_cap && !strv_has(caps, r->inc_cap))
        return false;
    if (r->exc_cap && strv_has(caps, r->exc_cap))
        return false;
    if (r->inc_arches && !list_has(r->inc_arches, HOST_ARCH))
        return false;
    if (r->exc_arches && list_has(r->exc_arches, HOST_ARCH))
        return false;
    if (r->min_kernel[0] && !kernel_at_least(r->min_kernel[0], r->min_kernel[1]))
        return false;
    return true;
}

static json_t *oci_arg(json_int_t index, json_int_t value, json_int_t value_two, const char *op)
{
    return json_pack("{sIsIsIss}", "index", index, "value", value, "valueTwo", value_two, "op", op);
}

static json_t *oci_rule(json_t *names, const char *action, json_t *errno_ret, json_t *args)
{
    json_t *r = json_object();
    json_object_set_new(r, "names", names);
    json_object_set_new(r, "action", json_string(action));
    if (errno_ret)
        json_object_set_new(r, "errnoRet", errno_ret);
    if (args)
        json_object_set_new(r, "args", args);
    return r;
}

static json_t *string_array(const char *const *v)
{
    json_t *a = json_array();
    for (; *v; v++)
        json_array_append_new(a, json_string_nocheck(*v));
    return a;
}

json_t *seccomp_default_oci(char *const *caps)
{
    json_t *allowed = string_array(base_allowed);
    json_t *syscalls = json_array();
    json_array_append_new(syscalls, oci_rule(allowed, "SCMP_ACT_ALLOW", NULL, NULL));
    /* Capability groups repeat a few names (syslog, bpf, ptrace, ...); the base list
     * shares none with them, so only names merged from groups need the check. */
    const char *merged[64];
    size_t nmerged = 0;
    for (size_t i = 0; i < sizeof(dflt_rules) / sizeof(dflt_rules[0]); i++) {
        const struct dflt_rule *r = &dflt_rules[i];
        if (!dflt_applies(r, caps))
            continue;
        if (!r->has_arg && !r->action) {
            for (const char *const *n = r->names; *n; n++) {
                bool dup = false;
                for (size_t k = 0; k < nmerged && !dup; k++)
                    dup = strcmp(merged[k], *n) == 0;
                if (dup)
                    continue;
                if (nmerged < sizeof(merged) / sizeof(merged[0]))
                    merged[nmerged++] = *n;
                json_array_append_new(allowed, json_string_nocheck(*n));
            }
            continue;
        }
        json_t *args = NULL;
        if (r->has_arg) {
            args = json_array();
            json_array_append_new(args,
                                  oci_arg(r->arg_index, (json_int_t)r->arg_value, 0, r->arg_op));
        }
        json_array_append_new(
            syscalls, oci_rule(string_array(r->names), r->action ? r->action : "SCMP_ACT_ALLOW",
                               r->errno_ret ? json_integer(r->errno_ret) : NULL, args));
    }
    return json_pack("{sssisoso}", "defaultAction", "SCMP_ACT_ERRNO", "defaultErrnoRet", EPERM,
                     "architectures", string_array(DEFAULT_ARCHES), "syscalls", syscalls);
}

/* Docker-format profiles. Every field is checked before the host decides whether a rule
 * applies, so a profile that is wrong fails on every machine alike. */

#define PERR(e, ...) herr_set((e), 0, "seccomp profile: " __VA_ARGS__)

static int check_strings(const json_t *a, const char *field, size_t i, struct herr *e)
{
    if (!a || json_is_null(a))
        return 0;
    if (!json_is_array(a))
        return PERR(e, "syscalls[%zu].%s: not an array of strings", i, field);
    size_t k;
    json_t *it;
    json_array_foreach(a, k, it)
    {
        if (!json_is_string(it))
            return PERR(e, "syscalls[%zu].%s[%zu]: not a string", i, field, k);
    }
    return 0;
}

static bool json_strs_have(const json_t *a, const char *s)
{
    size_t k;
    json_t *it;
    json_array_foreach(a, k, it)
    {
        if (strcmp(json_string_value(it), s) == 0)
            return true;
    }
    return false;
}

/* One includes/excludes object. Sets *match to whether it holds for this container; for
 * includes every condition must hold, for excludes any one suffices. */
static int eval_filter(const json_t *f, const char *field, size_t i, bool is_include,
                       char *const *caps, bool *match, struct herr *e)
{
    *match = is_include;
    if (!f || json_is_null(f))
        return 0;
    if (!json_is_object(f))
        return PERR(e, "syscalls[%zu].%s: not an object", i, field);
    char sub[32];
    json_t *fcaps = json_object_get(f, "caps"), *arches = json_object_get(f, "arches");
    json_t *mk = json_object_get(f, "minKernel");
    snprintf(sub, sizeof(sub), "%s.caps", field);
    if (check_strings(fcaps, sub, i, e) < 0)
        return -1;
    snprintf(sub, sizeof(sub), "%s.arches", field);
    if (check_strings(arches, sub, i, e) < 0)
        return -1;
    int kmaj = 0, kmin = 0;
    if (mk && !json_is_null(mk) && !(json_is_string(mk) && json_string_length(mk) == 0)) {
        char tail;
        const char *s = json_string_value(mk);
        if (!s || sscanf(s, "%d.%d%c", &kmaj, &kmin, &tail) != 2 || kmaj < 0 || kmin < 0 ||
            kmaj + kmin == 0)
            return PERR(e, "syscalls[%zu].%s.minKernel: expected \"<kernel>.<major>\"", i, field);
    }

    bool arch_hit = json_array_size(arches) > 0 && json_strs_have(arches, HOST_ARCH);
    bool kernel_ok = kmaj > 0 || kmin > 0 ? kernel_at_least(kmaj, kmin) : is_include;
    if (is_include) {
        bool ok = json_array_size(arches) == 0 || arch_hit;
        size_t k;
        json_t *it;
        json_array_foreach(fcaps, k, it)
        {
            ok = ok && strv_has(caps, json_string_value(it));
        }
        *match = ok && kernel_ok;
    } else {
        bool hit = arch_hit || ((kmaj > 0 || kmin > 0) && kernel_ok);
        size_t k;
        json_t *it;
        json_array_foreach(fcaps, k, it)
        {
            hit = hit || strv_has(caps, json_string_value(it));
        }
        *match = hit;
    }
    return 0;
}

static int check_errno(const json_t *v, const char *field, struct herr *e)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 4095)
        return PERR(e, "%s: must be an errno number between 0 and 4095", field);
    return 0;
}

static json_t *convert_args(const json_t *args, size_t i, struct herr *e)
{
    if (!json_is_array(args)) {
        PERR(e, "syscalls[%zu].args: not an array", i);
        return NULL;
    }
    _cleanup_json_ json_t *out = json_array();
    size_t k;
    json_t *a;
    json_array_foreach(args, k, a)
    {
        if (!json_is_object(a)) {
            PERR(e, "syscalls[%zu].args[%zu]: not an object", i, k);
            return NULL;
        }
        json_t *idx = json_object_get(a, "index"), *val = json_object_get(a, "value");
        json_t *val2 = json_object_get(a, "valueTwo");
        const char *op = hj_str(a, "op");
        if (!json_is_integer(idx) || json_integer_value(idx) < 0 || json_integer_value(idx) > 5) {
            PERR(e, "syscalls[%zu].args[%zu].index: must be an integer from 0 to 5", i, k);
            return NULL;
        }
        if ((val && !json_is_integer(val)) || json_integer_value(val) < 0 ||
            (val2 && !json_is_integer(val2)) || json_integer_value(val2) < 0) {
            PERR(e, "syscalls[%zu].args[%zu]: value and valueTwo must be non-negative integers", i,
                 k);
            return NULL;
        }
        if (!op || !seccomp_op_known(op)) {
            PERR(e, "syscalls[%zu].args[%zu].op: unknown operator \"%s\"", i, k, op ? op : "");
            return NULL;
        }
        json_array_append_new(out, oci_arg(json_integer_value(idx), json_integer_value(val),
                                           json_integer_value(val2), op));
    }
    return steal_ptr(&out);
}

/* Appends the OCI form of syscalls[i] to out when its conditions hold. */
static int convert_syscall(const json_t *sc, size_t i, char *const *caps, json_t *out,
                           struct herr *e)
{
    if (!json_is_object(sc))
        return PERR(e, "syscalls[%zu]: not an object", i);
    json_t *name = json_object_get(sc, "name"), *names = json_object_get(sc, "names");
    if (name && names && json_array_size(names) > 0)
        return PERR(e, "syscalls[%zu]: both name and names are given, use one", i);
    _cleanup_json_ json_t *onames = NULL;
    if (name) {
        if (!json_is_string(name) || json_string_length(name) == 0)
            return PERR(e, "syscalls[%zu].name: not a syscall name", i);
        onames = json_pack("[O]", name);
    } else {
        if (!names || json_array_size(names) == 0)
            return PERR(e, "syscalls[%zu]: names is missing or empty", i);
        if (check_strings(names, "names", i, e) < 0)
            return -1;
        onames = json_deep_copy(names);
    }
    const char *action = hj_str(sc, "action");
    if (!action)
        return PERR(e, "syscalls[%zu].action: missing or not a string", i);
    if (!seccomp_action_known(action))
        return PERR(e, "syscalls[%zu].action: unknown or unsupported action \"%s\"", i, action);
    json_t *errno_ret = json_object_get(sc, "errnoRet");
    if (errno_ret && !json_is_null(errno_ret)) {
        char field[48];
        snprintf(field, sizeof(field), "syscalls[%zu].errnoRet", i);
        if (check_errno(errno_ret, field, e) < 0)
            return -1;
    } else {
        errno_ret = NULL;
    }
    json_t *args = json_object_get(sc, "args");
    _cleanup_json_ json_t *oargs = NULL;
    if (args && !json_is_null(args) && !(oargs = convert_args(args, i, e)))
        return -1;
    bool inc, exc;
    if (eval_filter(json_object_get(sc, "includes"), "includes", i, true, caps, &inc, e) < 0 ||
        eval_filter(json_object_get(sc, "excludes"), "excludes", i, false, caps, &exc, e) < 0)
        return -1;
    if (!inc || exc)
        return 0;
    if (oargs && json_array_size(oargs) == 0)
        json_decref(steal_ptr(&oargs));
    json_array_append_new(out,
                          oci_rule(steal_ptr(&onames), action,
                                   errno_ret ? json_incref(errno_ret) : NULL, steal_ptr(&oargs)));
    return 0;
}

static int convert_arches(const json_t *p, json_t *out, struct herr *e)
{
    json_t *arches = json_object_get(p, "architectures"), *map = json_object_get(p, "archMap");
    if (json_array_size(arches) > 0 && json_array_size(map) > 0)
        return PERR(e, "both architectures and archMap are given, use one");
    if (arches && !json_is_null(arches)) {
        size_t k;
        json_t *it;
        if (!json_is_array(arches))
            return PERR(e, "architectures: not an array");
        json_array_foreach(arches, k, it)
        {
            if (!json_is_string(it) || strncmp(json_string_value(it), "SCMP_ARCH_", 10) != 0)
                return PERR(e, "architectures[%zu]: not an SCMP_ARCH_* name", k);
        }
        json_object_set_new(out, "architectures", json_deep_copy(arches));
        return 0;
    }
    if (!map || json_is_null(map))
        return 0;
    if (!json_is_array(map))
        return PERR(e, "archMap: not an array");
    size_t k;
    json_t *ent;
    json_array_foreach(map, k, ent)
    {
        const char *arch = hj_str(ent, "architecture");
        json_t *subs = json_object_get(ent, "subArchitectures");
        if (!arch || strncmp(arch, "SCMP_ARCH_", 10) != 0)
            return PERR(e, "archMap[%zu].architecture: not an SCMP_ARCH_* name", k);
        size_t s;
        json_t *sub;
        if (subs && !json_is_null(subs) && !json_is_array(subs))
            return PERR(e, "archMap[%zu].subArchitectures: not an array", k);
        json_array_foreach(subs, s, sub)
        {
            if (!json_is_string(sub) || strncmp(json_string_value(sub), "SCMP_ARCH_", 10) != 0)
                return PERR(e, "archMap[%zu].subArchitectures[%zu]: not an SCMP_ARCH_* name", k, s);
        }
        if (strcmp(arch, HOST_SCMP_ARCH) != 0 || json_object_get(out, "architectures"))
            continue;
        json_t *list = json_pack("[s]", arch);
        json_array_extend(list, subs);
        json_object_set_new(out, "architectures", list);
    }
    return 0;
}

json_t *seccomp_docker_to_oci(const char *profile_text, char *const *caps, struct herr *e)
{
    json_error_t je;
    _cleanup_json_ json_t *p = json_loads(profile_text, 0, &je);
    if (!p) {
        PERR(e, "not valid JSON: line %d column %d: %s", je.line, je.column, je.text);
        return NULL;
    }
    if (!json_is_object(p)) {
        PERR(e, "not a JSON object");
        return NULL;
    }
    const char *dflt = hj_str(p, "defaultAction");
    if (!dflt) {
        PERR(e, "defaultAction: missing or not a string");
        return NULL;
    }
    if (!seccomp_action_known(dflt)) {
        PERR(e, "defaultAction: unknown or unsupported action \"%s\"", dflt);
        return NULL;
    }
    _cleanup_json_ json_t *out = json_pack("{ss}", "defaultAction", dflt);
    json_t *v = json_object_get(p, "defaultErrnoRet");
    if (v && !json_is_null(v)) {
        if (check_errno(v, "defaultErrnoRet", e) < 0)
            return NULL;
        json_object_set(out, "defaultErrnoRet", v);
    }
    if (convert_arches(p, out, e) < 0)
        return NULL;
    v = json_object_get(p, "flags");
    if (v && !json_is_null(v)) {
        size_t k;
        json_t *it;
        if (!json_is_array(v)) {
            PERR(e, "flags: not an array");
            return NULL;
        }
        json_array_foreach(v, k, it)
        {
            if (!json_is_string(it) || !seccomp_flag_known(json_string_value(it))) {
                PERR(e, "flags[%zu]: unknown or unsupported flag", k);
                return NULL;
            }
        }
        json_object_set(out, "flags", v);
    }
    v = json_object_get(p, "syscalls");
    json_t *syscalls = json_array();
    json_object_set_new(out, "syscalls", syscalls);
    if (v && !json_is_null(v) && !json_is_array(v)) {
        PERR(e, "syscalls: not an array");
        return NULL;
    }
    size_t i;
    json_t *sc;
    json_array_foreach(v, i, sc)
    {
        if (convert_syscall(sc, i, caps, syscalls, e) < 0)
            return NULL;
    }
    return steal_ptr(&out);
}
