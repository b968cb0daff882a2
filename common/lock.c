#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/err.h"
#include "common/lock.h"

static int take(const char *path, int op, struct herr *e)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return herr_sys(e, "open lock %s", path);
    while (flock(fd, op) < 0) {
        if (errno == EINTR)
            continue;
        herr_sys(e, "lock %s", path);
        close(fd);
        return -1;
    }
    return fd;
}

int lock_take(const char *path, struct herr *e)
{
    return take(path, LOCK_EX, e);
}

int lock_take_shared(const char *path, struct herr *e)
{
    return take(path, LOCK_SH, e);
}
