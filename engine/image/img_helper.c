/* Running the hoist-image helper, which holds libarchive and nettle so that hoist
 * itself never loads them. */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/str.h"
#include "engine/image/image.h"

#define HELPER_NAME "hoist-image"

static char *read_memfd(int fd)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return xstrdup("");
    char *buf = xmalloc((size_t)st.st_size + 1);
    ssize_t n = pread(fd, buf, (size_t)st.st_size, 0);
    buf[n > 0 ? n : 0] = '\0';
    return buf;
}

int image_helper_run(const char *self_dir, const char *root, char *const *args, char **out,
                     struct herr *e)
{
    _cleanup_free_ char *path = fs_helper_path(self_dir, HELPER_NAME, e);
    if (!path)
        return -1;
    size_t n = strv_len(args);
    if (n == 0)
        return herr_set(e, EINVAL, "image helper: no subcommand");
    const char **argv = xcalloc(n + 4, sizeof(char *));
    argv[0] = path;
    argv[1] = args[0];
    argv[2] = "--root";
    argv[3] = root;
    for (size_t i = 1; i < n; i++)
        argv[i + 3] = args[i];
    _cleanup_close_ int ofd = -1, efd = -1;
    if (out) {
        ofd = memfd_create("hoist-image-out", MFD_CLOEXEC);
        efd = memfd_create("hoist-image-err", MFD_CLOEXEC);
        if (ofd < 0 || efd < 0) {
            free(argv);
            return herr_sys(e, "image helper: memfd_create");
        }
    }
    pid_t pid = fork();
    if (pid < 0) {
        free(argv);
        return herr_sys(e, "image helper: fork");
    }
    if (pid == 0) {
        if (out && (dup2(ofd, STDOUT_FILENO) < 0 || dup2(efd, STDERR_FILENO) < 0))
            _exit(125);
        execv(path, (char *const *)argv);
        fprintf(stderr, "hoist: exec %s: %s\n", path, strerror(errno));
        _exit(126);
    }
    free(argv);
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return herr_sys(e, "image helper: wait");
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (!out)
        return code;
    if (code != 0) {
        _cleanup_free_ char *msg = read_memfd(efd);
        size_t len = strlen(msg);
        while (len > 0 && msg[len - 1] == '\n')
            msg[--len] = '\0';
        char *last = strrchr(msg, '\n');
        const char *m = last ? last + 1 : msg;
        if (str_has_prefix(m, HELPER_NAME ": "))
            m += strlen(HELPER_NAME ": ");
        return herr_set(e, 0, "%s", *m ? m : "image helper failed");
    }
    *out = read_memfd(ofd);
    return 0;
}
