/* The runtime's own executable, made unwritable before anything enters a container.
 *
 * A process that joins a container's pid namespace is visible there as /proc/PID, and
 * until its execve its /proc/PID/exe is the host's hoist binary: a root process in the
 * container could open it and, once it no longer runs (ETXTBSY ends), write to the host
 * binary (runc's CVE-2019-5736). So `runtime create|run|exec` runs only from a copy no
 * path can write (common/exe_seal.c); the monitor execs it that way already, and any
 * other caller's runtime re-executes itself so. */
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/exe_seal.h"
#include "common/fs.h"
#include "engine/runtime/runtime.h"

int rt_exe_seal(const char *scratch, char **argv, struct herr *e)
{
    _cleanup_close_ int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (self < 0)
        return herr_sys(e, "open /proc/self/exe");
    bool guard = getenv(EXE_SEAL_ENV) != NULL;
    if (exe_seal_check(self)) {
        /* Read by fs_self_exe already; nothing the runtime starts should inherit it. */
        unsetenv(EXE_SEAL_ENV);
        return 0;
    }
    if (guard)
        return herr_set(e, 0, "the runtime's executable is still writable after sealing it");
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return herr_sys(e, "readlink /proc/self/exe");
    exe[n] = '\0';
    if (fs_mkdir_p(scratch, 0711, e) < 0)
        return -1;
    exe_seal_exec(exe, scratch, argv);
    return herr_sys(e, "re-execute the runtime from a sealed copy of %s", exe);
}
