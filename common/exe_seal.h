/* Running hoist from a copy of its executable that nothing can write (see
 * engine/runtime/rt_seal.c for why). libc only: the monitor links it too. */
#ifndef HOIST_COMMON_EXE_SEAL_H
#define HOIST_COMMON_EXE_SEAL_H

#include <stdbool.h>

/* Set for the sealed process: the executable's real path (fs_self_exe reads it). */
#define EXE_SEAL_ENV "HOIST_SEALED_FROM"

/* fd (of /proc/self/exe, say) is a sealed memfd or a file on a read-only overlayfs. */
bool exe_seal_check(int fd);
/* An fd to execute exe from: the file through a private read-only overlayfs mount
 * whose second, empty layer is made under scratch, or a sealed memfd copy where
 * overlayfs cannot be used. -1 with errno on failure. */
int exe_seal_open(const char *exe, const char *scratch);
/* execveat of exe's sealed copy with EXE_SEAL_ENV set; returns -1 (errno) on failure. */
int exe_seal_exec(const char *exe, const char *scratch, char *const argv[]);

#endif
