/* The one order in which a process enters a container, for the init (rt_create.c) and
 * for exec (rt_ops.c) alike; the callers add only what differs (the init builds the
 * root, exec forks into the pid namespace and opens a terminal).
 *
 *   1. rt_entry_hide, in the runtime before the fork or clone: non-dumpable, inherited,
 *      so /proc/PID (exe, root, cwd, fd, environ, mem) of the new process is closed to
 *      the container's processes until its execve (runc's CVE-2019-5736 class);
 *   2. rt_entry_join, first thing in the child: every fd of the host closed but the
 *      ones it must keep (CVE-2016-9962, CVE-2024-21626), then the namespaces given by
 *      fd joined, their fds closed;
 *   3. rt_entry_exec, last: rlimits, umask, seccomp, capabilities, user, cwd (resolved
 *      in the container's root), the executable's lookup, then the caller's hand-off
 *      (the init's exec.fifo and startContainer hooks), then execve. */
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "engine/runtime/rt_internal.h"

int rt_entry_hide(struct herr *e)
{
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        return herr_sys(e, "prctl(PR_SET_DUMPABLE)");
    return 0;
}

static void close_fds_except(const int *keep, size_t n)
{
    unsigned int from = 3;
    for (;;) {
        unsigned int next = ~0U;
        for (size_t i = 0; i < n; i++) {
            if (keep[i] >= (int)from && (unsigned int)keep[i] < next)
                next = (unsigned int)keep[i];
        }
        if (next > from)
            close_range(from, next == ~0U ? ~0U : next - 1, 0);
        if (next == ~0U)
            return;
        from = next + 1;
    }
}

int rt_entry_join(struct rt_entry *en, struct herr *e)
{
    int keep[RT_NS_MAX + 3] = {en->sync_fd, en->keep[0], en->keep[1]};
    for (size_t i = 0; i < en->ns->n; i++)
        keep[i + 3] = en->ns->ns[i].fd;
    close_fds_except(keep, en->ns->n + 3);
    for (size_t i = 0; i < en->ns->n; i++) {
        const struct rt_ns *ns = &en->ns->ns[i];
        /* The pid namespace applies to children: the init is cloned into it already,
         * exec's first child forks into it. */
        if (ns->fd >= 0 && (ns->flag != CLONE_NEWPID || en->join_pid) &&
            setns(ns->fd, ns->flag) < 0)
            return herr_sys(e, "join %s namespace", rt_ns_name(ns->flag));
    }
    rt_ns_close(en->ns);
    return 0;
}

void rt_entry_exec(struct rt_entry *en, int (*handoff)(void *arg, struct herr *e),
                   void (*fail)(void *arg, struct herr *e), void *arg)
{
    struct herr e = {0};
    char *exe = NULL;
    if (rt_proc_setup(en->proc, en->seccomp, &exe, &e) < 0 || (handoff && handoff(arg, &e) < 0) ||
        rt_proc_exec(en->proc, en->seccomp, exe, &e) < 0)
        fail(arg, &e);
    _exit(1);
}
