#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "engine/runtime/runtime.h"
#include "engine/runtime/seccomp.h"

/* Names the default profile adds on this host's architecture, and its archMap entry. */
#if defined(__x86_64__)
#define ARCH_EXTRA 2 /* arch_prctl, modify_ldt */
#define N_ARCHES 3
#elif defined(__aarch64__)
#define ARCH_EXTRA 6 /* arm_fadvise64_64, arm_sync_file_range, ... */
#define N_ARCHES 2
#else
#error "expected default-profile counts are only known for x86_64 and aarch64"
#endif
#define BASE_NAMES 361
#define PTRACE_48 3 /* process_vm_readv/writev and ptrace, kernel >= 4.8 */

static json_t *allowed_names(json_t *prof)
{
    json_t *first = json_array_get(json_object_get(prof, "syscalls"), 0);
    assert_string_equal(hj_str(first, "action"), "SCMP_ACT_ALLOW");
    assert_null(json_object_get(first, "args"));
    return json_object_get(first, "names");
}

static int count_name(json_t *names, const char *name)
{
    int n = 0;
    size_t i;
    json_t *it;
    json_array_foreach(names, i, it)
    {
        n += strcmp(json_string_value(it), name) == 0;
    }
    return n;
}

/* Entries (other than the merged allow list) that name syscall. */
static int rules_for(json_t *prof, const char *name)
{
    int n = 0;
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(prof, "syscalls"), i, r)
    {
        if (i > 0)
            n += count_name(json_object_get(r, "names"), name);
    }
    return n;
}

static json_t *rule_for(json_t *prof, const char *name, int nth)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(prof, "syscalls"), i, r)
    {
        if (i > 0 && count_name(json_object_get(r, "names"), name) && nth-- == 0)
            return r;
    }
    return NULL;
}

static void test_default_profile(void **state)
{
    (void)state;
    _cleanup_json_ json_t *p = seccomp_default_oci(rt_docker_caps);
    assert_string_equal(hj_str(p, "defaultAction"), "SCMP_ACT_ERRNO");
    assert_int_equal(hj_int(p, "defaultErrnoRet", 0), EPERM);
    json_t *arches = json_object_get(p, "architectures");
    assert_int_equal(json_array_size(arches), N_ARCHES);
#if defined(__x86_64__)
    assert_string_equal(json_string_value(json_array_get(arches, 0)), "SCMP_ARCH_X86_64");
    assert_string_equal(json_string_value(json_array_get(arches, 1)), "SCMP_ARCH_X86");
    assert_string_equal(json_string_value(json_array_get(arches, 2)), "SCMP_ARCH_X32");
#endif
    json_t *names = allowed_names(p);
    /* + chroot, which CAP_SYS_CHROOT in Docker's default set brings. */
    assert_int_equal(json_array_size(names), BASE_NAMES + PTRACE_48 + ARCH_EXTRA + 1);
    assert_int_equal(count_name(names, "read"), 1);
    assert_int_equal(count_name(names, "ptrace"), 1);
    assert_int_equal(count_name(names, "chroot"), 1);
    assert_int_equal(count_name(names, "socketcall"), 1);
    const char *denied[] = {
        "mount",           "unshare", "setns",  "keyctl",       "add_key",
        "reboot",          "bpf",     "clone",  "clone3",       "kcmp",
        "init_module",     "acct",    "syslog", "settimeofday", "open_by_handle_at",
        "perf_event_open", NULL};
    for (const char **d = denied; *d; d++)
        assert_int_equal(count_name(names, *d), 0);
    /* allow list + 3 socket + 5 personality + masked clone + clone3 ENOSYS */
    assert_int_equal(json_array_size(json_object_get(p, "syscalls")), 11);
    assert_int_equal(rules_for(p, "socket"), 3);
    assert_int_equal(rules_for(p, "personality"), 5);
    json_t *pers = rule_for(p, "personality", 4);
    json_t *arg = json_array_get(json_object_get(pers, "args"), 0);
    assert_int_equal(hj_int(arg, "value", 0), 0xffffffffLL);
    assert_string_equal(hj_str(arg, "op"), "SCMP_CMP_EQ");
    json_t *clone = rule_for(p, "clone", 0);
    arg = json_array_get(json_object_get(clone, "args"), 0);
    assert_int_equal(hj_int(arg, "index", -1), 0);
    assert_int_equal(hj_int(arg, "value", 0), 0x7E020000);
    assert_int_equal(hj_int(arg, "valueTwo", -1), 0);
    assert_string_equal(hj_str(arg, "op"), "SCMP_CMP_MASKED_EQ");
    json_t *clone3 = rule_for(p, "clone3", 0);
    assert_string_equal(hj_str(clone3, "action"), "SCMP_ACT_ERRNO");
    assert_int_equal(hj_int(clone3, "errnoRet", 0), ENOSYS);
    json_t *vsock = rule_for(p, "socket", 2);
    arg = json_array_get(json_object_get(vsock, "args"), 0);
    assert_int_equal(hj_int(arg, "value", 0), 40);
    assert_string_equal(hj_str(arg, "op"), "SCMP_CMP_GT");
}

static void test_default_caps(void **state)
{
    (void)state;
    char *admin[] = {"CAP_SYS_ADMIN", NULL};
    _cleanup_json_ json_t *p = seccomp_default_oci(admin);
    json_t *names = allowed_names(p);
    /* no chroot (CAP_SYS_CHROOT absent), + 26 CAP_SYS_ADMIN names */
    assert_int_equal(json_array_size(names), BASE_NAMES + PTRACE_48 + ARCH_EXTRA + 26);
    const char *added[] = {"mount", "umount2", "unshare",     "setns",  "clone",     "clone3",
                           "bpf",   "syslog",  "sethostname", "fsopen", "open_tree", NULL};
    for (const char **a = added; *a; a++)
        assert_int_equal(count_name(names, *a), 1);
    assert_int_equal(count_name(names, "chroot"), 0);
    assert_int_equal(rules_for(p, "clone"), 0);
    assert_int_equal(rules_for(p, "clone3"), 0);
    assert_int_equal(json_array_size(json_object_get(p, "syscalls")), 9);

    char *ptrace[] = {"CAP_SYS_PTRACE", "CAP_SYSLOG", "CAP_BPF", "CAP_SYS_ADMIN", NULL};
    _cleanup_json_ json_t *q = seccomp_default_oci(ptrace);
    names = allowed_names(q);
    /* kcmp, pidfd_getfd, process_madvise are new; the rest repeat and stay single. */
    assert_int_equal(json_array_size(names), BASE_NAMES + PTRACE_48 + ARCH_EXTRA + 26 + 3);
    assert_int_equal(count_name(names, "ptrace"), 1);
    assert_int_equal(count_name(names, "kcmp"), 1);
    assert_int_equal(count_name(names, "syslog"), 1);
    assert_int_equal(count_name(names, "bpf"), 1);

    _cleanup_json_ json_t *none = seccomp_default_oci(NULL);
    assert_int_equal(json_array_size(allowed_names(none)), BASE_NAMES + PTRACE_48 + ARCH_EXTRA);
}

static const char docker_profile[] =
    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1,"
    " \"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\","
    "   \"subArchitectures\": [\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"]},"
    "  {\"architecture\": \"SCMP_ARCH_AARCH64\", \"subArchitectures\": [\"SCMP_ARCH_ARM\"]},"
    "  {\"architecture\": \"SCMP_ARCH_RISCV64\", \"subArchitectures\": null}],"
    " \"syscalls\": ["
    "  {\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\", \"comment\": \"x\"},"
    "  {\"name\": \"getpid\", \"action\": \"SCMP_ACT_ALLOW\"},"
    "  {\"names\": [\"mount\"], \"action\": \"SCMP_ACT_ALLOW\","
    "   \"includes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}},"
    "  {\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ALLOW\","
    "   \"args\": [{\"index\": 0, \"value\": 2114060288, \"op\": \"SCMP_CMP_MASKED_EQ\"}],"
    "   \"excludes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}},"
    "  {\"names\": [\"amd64only\"], \"action\": \"SCMP_ACT_ALLOW\","
    "   \"includes\": {\"arches\": [\"amd64\"]}},"
    "  {\"names\": [\"notamd64\"], \"action\": \"SCMP_ACT_ALLOW\","
    "   \"excludes\": {\"arches\": [\"amd64\"]}},"
    "  {\"names\": [\"oldkernel\"], \"action\": \"SCMP_ACT_ALLOW\","
    "   \"includes\": {\"minKernel\": \"4.8\"}},"
    "  {\"names\": [\"futurekernel\"], \"action\": \"SCMP_ACT_ALLOW\","
    "   \"includes\": {\"minKernel\": \"99.0\"}},"
    "  {\"names\": [\"twocaps\"], \"action\": \"SCMP_ACT_ALLOW\","
    "   \"includes\": {\"caps\": [\"CAP_SYS_ADMIN\", \"CAP_BPF\"]}},"
    "  {\"names\": [\"clone3\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38}"
    "]}";

static json_t *names_of(json_t *prof)
{
    json_t *all = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(prof, "syscalls"), i, r)
    {
        json_array_extend(all, json_object_get(r, "names"));
    }
    return all;
}

static void test_docker_format(void **state)
{
    (void)state;
    struct herr e = {0};
    _cleanup_json_ json_t *p = seccomp_docker_to_oci(docker_profile, rt_docker_caps, &e);
    assert_non_null(p);
    assert_string_equal(hj_str(p, "defaultAction"), "SCMP_ACT_ERRNO");
    assert_int_equal(hj_int(p, "defaultErrnoRet", 0), 1);
    assert_int_equal(json_array_size(json_object_get(p, "architectures")), N_ARCHES);
    _cleanup_json_ json_t *n = names_of(p);
    assert_int_equal(count_name(n, "getpid"), 1);
    assert_int_equal(count_name(n, "mount"), 0);
    assert_int_equal(count_name(n, "clone"), 1);
    assert_int_equal(count_name(n, "oldkernel"), 1);
    assert_int_equal(count_name(n, "futurekernel"), 0);
    assert_int_equal(count_name(n, "twocaps"), 0);
#if defined(__x86_64__)
    assert_int_equal(count_name(n, "amd64only"), 1);
    assert_int_equal(count_name(n, "notamd64"), 0);
#endif
    json_t *clone3 = rule_for(p, "clone3", 0);
    assert_int_equal(hj_int(clone3, "errnoRet", 0), 38);
    json_t *arg = json_array_get(json_object_get(rule_for(p, "clone", 0), "args"), 0);
    assert_int_equal(hj_int(arg, "value", 0), 2114060288);
    assert_int_equal(hj_int(arg, "valueTwo", -1), 0);
    assert_null(json_object_get(rule_for(p, "getpid", 0), "comment"));

    char *more[] = {"CAP_SYS_ADMIN", "CAP_BPF", NULL};
    _cleanup_json_ json_t *q = seccomp_docker_to_oci(docker_profile, more, &e);
    assert_non_null(q);
    _cleanup_json_ json_t *m = names_of(q);
    assert_int_equal(count_name(m, "mount"), 1);
    assert_int_equal(count_name(m, "clone"), 0);
    assert_int_equal(count_name(m, "twocaps"), 1);

    /* The converted profile compiles. */
    struct seccomp_prog *prog = NULL;
    assert_int_equal(seccomp_prepare(p, &prog, &e), 0);
    assert_non_null(prog);
    seccomp_prog_free(prog);

    _cleanup_json_ json_t *plain = seccomp_docker_to_oci(
        "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\"],"
        "\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"]}",
        NULL, &e);
    assert_non_null(plain);
    assert_int_equal(json_array_size(json_object_get(plain, "architectures")), 1);
    assert_int_equal(json_array_size(json_object_get(plain, "flags")), 1);
    assert_int_equal(json_array_size(json_object_get(plain, "syscalls")), 0);
}

static void expect_docker_error(const char *text, const char *needle)
{
    struct herr e = {0};
    json_t *p = seccomp_docker_to_oci(text, NULL, &e);
    if (p || !strstr(e.msg, needle))
        fail_msg("profile %s: expected error containing \"%s\", got \"%s\"", text, needle,
                 p ? "(success)" : e.msg);
}

static void test_docker_errors(void **state)
{
    (void)state;
    expect_docker_error("{\"defaultAction\": ", "not valid JSON");
    expect_docker_error("[]", "not a JSON object");
    expect_docker_error("{}", "defaultAction: missing");
    expect_docker_error("{\"defaultAction\":\"SCMP_ACT_NOPE\"}", "defaultAction: unknown");
    expect_docker_error("{\"defaultAction\":\"SCMP_ACT_NOTIFY\"}", "unsupported action");
    expect_docker_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":\"x\"}",
                        "defaultErrnoRet");
    expect_docker_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"X\"],"
                        "\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86\"}]}",
                        "both architectures and archMap");
    expect_docker_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"x86\"]}",
                        "architectures[0]");
    expect_docker_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"flags\":[\"BOGUS\"]}", "flags[0]");
    expect_docker_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":{}}",
                        "syscalls: not an array");
    expect_docker_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
                        "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_FOO\"}]}",
                        "syscalls[0].action: unknown");
    expect_docker_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
                        "{\"names\":[\"read\"]}]}",
                        "syscalls[0].action: missing");
    expect_docker_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
                        "{\"name\":\"read\",\"names\":[\"write\"],\"action\":\"SCMP_ACT_ALLOW\"}]}",
                        "both name and names");
    expect_docker_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
                        "{\"action\":\"SCMP_ACT_ALLOW\"}]}",
                        "names is missing");
    expect_docker_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
                        "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":"
                        "[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_FOO\"}]}]}",
                        "syscalls[0].args[0].op: unknown operator \"SCMP_CMP_FOO\"");
    expect_docker_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
                        "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":"
                        "[{\"index\":6,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}",
                        "args[0].index");
    expect_docker_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
                        "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\","
                        "\"includes\":{\"minKernel\":\"4\"}}]}",
                        "syscalls[0].includes.minKernel");
    expect_docker_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
                        "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\","
                        "\"excludes\":{\"caps\":\"CAP_SYS_ADMIN\"}}]}",
                        "syscalls[0].excludes.caps");
    expect_docker_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
                        "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":99999}]}",
                        "syscalls[0].errnoRet");
}

static void expect_prepare_error(const char *text, const char *needle)
{
    struct herr e = {0};
    _cleanup_json_ json_t *j = json_loads(text, 0, NULL);
    assert_non_null(j);
    struct seccomp_prog *prog = NULL;
    int rc = seccomp_prepare(j, &prog, &e);
    if (rc == 0 || prog || !strstr(e.msg, needle))
        fail_msg("section %s: expected error containing \"%s\", got \"%s\"", text, needle,
                 rc == 0 ? "(success)" : e.msg);
}

static void test_prepare_errors(void **state)
{
    (void)state;
    expect_prepare_error("[]", "linux.seccomp: not an object");
    expect_prepare_error("{}", "defaultAction: unknown");
    expect_prepare_error("{\"defaultAction\":\"SCMP_ACT_NOTIFY\"}", "unsupported action");
    expect_prepare_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"defaultErrnoRet\":1}",
                         "only valid with SCMP_ACT_ERRNO");
    expect_prepare_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\","
                         "\"architectures\":[\"SCMP_ARCH_VAX\"]}",
                         "architectures[0]: unknown architecture \"SCMP_ARCH_VAX\"");
    expect_prepare_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\","
                         "\"flags\":[\"SECCOMP_FILTER_FLAG_NEW_LISTENER\"]}",
                         "flags[0]");
    expect_prepare_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":7}",
                         "syscalls: not an array");
    expect_prepare_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
                         "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}",
                         "syscalls[0].action: unknown or unsupported");
    expect_prepare_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
                         "{\"names\":\"read\",\"action\":\"SCMP_ACT_ERRNO\"}]}",
                         "syscalls[0].names: not an array");
    expect_prepare_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
                         "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\","
                         "\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_XX\"}]}]}",
                         "syscalls[0].args[0].op");
    expect_prepare_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
                         "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\","
                         "\"args\":[{\"index\":9,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}",
                         "syscalls[0].args[0].index");
    expect_prepare_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
                         "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_KILL\",\"errnoRet\":1}]}",
                         "syscalls[0].action: an errno is only valid");

    json_t *many = json_array();
    for (int k = 0; k < 65; k++)
        json_array_append_new(many,
                              json_pack("{sisiss}", "index", 0, "value", k, "op", "SCMP_CMP_EQ"));
    _cleanup_json_ json_t *sec =
        json_pack("{sss[{s[s]ssso}]}", "defaultAction", "SCMP_ACT_ALLOW", "syscalls", "names",
                  "read", "action", "SCMP_ACT_ERRNO", "args", many);
    _cleanup_free_ char *text = json_dumps(sec, 0);
    expect_prepare_error(text, "syscalls[0].args: 65 conditions, at most 64");

    struct herr e = {0};
    struct seccomp_prog *prog = (struct seccomp_prog *)&e;
    assert_int_equal(seccomp_prepare(NULL, &prog, &e), 0);
    assert_null(prog);
    assert_int_equal(seccomp_install(NULL, &e), 0);
}

/* Each check in a child that has loaded a filter; failures come back through a pipe. */
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            dprintf(fd, __VA_ARGS__);                                                              \
            dprintf(fd, " (errno %d)\n", errno);                                                   \
            bad = 1;                                                                               \
        }                                                                                          \
    } while (0)

static int seccomp_mode(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    int mode = -1;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "Seccomp: %d", &mode) == 1)
            break;
    if (f)
        fclose(f);
    return mode;
}

typedef int (*child_checks)(int fd);

/* Loads the section in a forked child and runs checks there; returns the child's wait
 * status, failing the test with the child's messages if a check failed. */
static int run_in_child(const char *section_text, json_t *section, child_checks checks)
{
    struct herr e = {0};
    _cleanup_json_ json_t *owned = section_text ? json_loads(section_text, 0, NULL) : NULL;
    struct seccomp_prog *prog = NULL;
    if (seccomp_prepare(section ? section : owned, &prog, &e) < 0)
        fail_msg("prepare: %s", e.msg);
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(pfd[0]);
        /* cmocka catches SIGSYS; SCMP_ACT_TRAP must be seen as the kernel delivers it. */
        signal(SIGSYS, SIG_DFL);
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || seccomp_install(prog, &e) < 0) {
            dprintf(pfd[1], "install: %s (errno %d)\n", e.msg, e.errnum);
            _exit(1);
        }
        _exit(checks(pfd[1]));
    }
    close(pfd[1]);
    seccomp_prog_free(prog);
    char msg[4096] = "";
    size_t len = 0;
    ssize_t r;
    while ((r = read(pfd[0], msg + len, sizeof(msg) - 1 - len)) > 0)
        len += (size_t)r;
    msg[len] = '\0';
    close(pfd[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (len)
        fail_msg("in the filtered child:\n%s", msg);
    return status;
}

static int default_checks(int fd)
{
    int bad = 0;
    CHECK(seccomp_mode() == 2, "Seccomp is not 2");
    CHECK(getpid() > 0, "getpid");
    errno = 0;
    CHECK(mount("none", "/tmp", "tmpfs", 0, NULL) < 0 && errno == EPERM, "mount not EPERM");
    errno = 0;
    CHECK(unshare(CLONE_NEWNS) < 0 && errno == EPERM, "unshare not EPERM");
    errno = 0;
    CHECK(syscall(SYS_keyctl, 0, 0, 0, 0, 0) < 0 && errno == EPERM, "keyctl not EPERM");
    errno = 0;
    CHECK(syscall(SYS_add_key, "user", "x", "y", 1, 0) < 0 && errno == EPERM, "add_key not EPERM");
    /* Invalid magic numbers: even unfiltered, the kernel would refuse with EINVAL. */
    errno = 0;
    CHECK(syscall(SYS_reboot, 0, 0, 0, NULL) < 0 && errno == EPERM, "reboot not EPERM");
    errno = 0;
    CHECK(syscall(SYS_clone3, NULL, 0) < 0 && errno == ENOSYS, "clone3 not ENOSYS");
    errno = 0;
    CHECK(socket(40 /* AF_VSOCK */, SOCK_STREAM, 0) < 0 && errno == EPERM,
          "socket(AF_VSOCK) not EPERM");
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(s >= 0, "socket(AF_UNIX) denied");
    if (s >= 0)
        close(s);
    CHECK(personality(0xffffffff) >= 0, "personality(0xffffffff) denied");
    errno = 0;
    long c = syscall(SYS_clone, CLONE_NEWUTS | SIGCHLD, 0, 0, 0, 0);
    if (c == 0)
        _exit(0);
    CHECK(c < 0 && errno == EPERM, "clone(CLONE_NEWUTS) not EPERM");
    pid_t child = fork();
    if (child == 0)
        _exit(7);
    int st = 0;
    CHECK(child > 0 && waitpid(child, &st, 0) == child && WEXITSTATUS(st) == 7,
          "plain fork failed");
    return bad;
}

static void test_filter_default(void **state)
{
    (void)state;
    _cleanup_json_ json_t *p = seccomp_default_oci(rt_docker_caps);
    int status = run_in_child(NULL, p, default_checks);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static int admin_checks(int fd)
{
    int bad = 0;
    CHECK(unshare(CLONE_NEWUTS) == 0, "unshare(CLONE_NEWUTS) with CAP_SYS_ADMIN profile");
    errno = 0;
    CHECK(syscall(SYS_clone3, NULL, 0) < 0 && errno == EINVAL, "clone3 not reaching kernel");
    return bad;
}

static void test_filter_admin(void **state)
{
    (void)state;
    char *admin[] = {"CAP_SYS_ADMIN", NULL};
    _cleanup_json_ json_t *p = seccomp_default_oci(admin);
    int status = run_in_child(NULL, p, admin_checks);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static int args_checks(int fd)
{
    int bad = 0;
    errno = 0;
    CHECK(getpriority(PRIO_PROCESS, 987654) < 0 && errno == EACCES, "ANDed args did not match");
    errno = 0;
    CHECK(getpriority(PRIO_PROCESS, 0) >= -20 && errno == 0, "ANDed args matched too much");
    errno = 0;
    CHECK(getpriority(PRIO_PGRP, 987654) == -1 && errno == ESRCH, "ANDed args matched PGRP");
    errno = 0;
    CHECK(getpgid(987654) < 0 && errno == EXDEV, "same-index rule 1 did not match");
    errno = 0;
    CHECK(getpgid(987655) < 0 && errno == EXDEV, "same-index rule 2 did not match");
    errno = 0;
    CHECK(getpgid(0) >= 0, "same-index rules matched getpgid(0)");
    errno = 0;
    CHECK(syscall(SYS_getppid) < 0 && errno == EPERM, "errnoRet default EPERM");
    return bad;
}

static void test_filter_args(void **state)
{
    (void)state;
    int status = run_in_child(
        "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\","
        "\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"],\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\","
        "\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\",\"SECCOMP_FILTER_FLAG_TSYNC\"],\"syscalls\":["
        "{\"names\":[\"getpriority\",\"no_such_syscall_xyz\"],\"action\":\"SCMP_ACT_ERRNO\","
        "\"errnoRet\":13,\"args\":[{\"index\":0,\"value\":0,\"op\":\"SCMP_CMP_EQ\"},"
        "{\"index\":1,\"value\":987654,\"op\":\"SCMP_CMP_EQ\"}]},"
        "{\"names\":[\"getpgid\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":18,\"args\":["
        "{\"index\":0,\"value\":987654,\"op\":\"SCMP_CMP_EQ\"},"
        "{\"index\":0,\"value\":987655,\"op\":\"SCMP_CMP_EQ\"}]},"
        "{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_ERRNO\"},"
        "{\"names\":[\"getuid\"],\"action\":\"SCMP_ACT_ALLOW\"}]}",
        NULL, args_checks);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static int kill_checks(int fd)
{
    (void)fd;
    syscall(SYS_getppid);
    return 0;
}

static void test_filter_kill(void **state)
{
    (void)state;
    const char *actions[] = {"SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD",
                             "SCMP_ACT_TRAP"};
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
        char text[256];
        snprintf(text, sizeof(text),
                 "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
                 "{\"names\":[\"getppid\"],\"action\":\"%s\"}]}",
                 actions[i]);
        int status = run_in_child(text, NULL, kill_checks);
        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS)
            fail_msg("%s: child status %#x, expected death by SIGSYS", actions[i], status);
    }
    /* LOG and TRACE compile; TRACE without a tracer fails the call with ENOSYS. */
    struct herr e = {0};
    struct seccomp_prog *prog = NULL;
    _cleanup_json_ json_t *j =
        json_loads("{\"defaultAction\":\"SCMP_ACT_LOG\",\"syscalls\":[{\"names\":[\"getppid\"],"
                   "\"action\":\"SCMP_ACT_TRACE\",\"errnoRet\":5},{\"names\":[\"read\"],"
                   "\"action\":\"SCMP_ACT_ALLOW\"}]}",
                   0, NULL);
    assert_int_equal(seccomp_prepare(j, &prog, &e), 0);
    seccomp_prog_free(prog);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_profile), cmocka_unit_test(test_default_caps),
        cmocka_unit_test(test_docker_format),   cmocka_unit_test(test_docker_errors),
        cmocka_unit_test(test_prepare_errors),  cmocka_unit_test(test_filter_default),
        cmocka_unit_test(test_filter_admin),    cmocka_unit_test(test_filter_args),
        cmocka_unit_test(test_filter_kill),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
