/* pause and resume: the container's cgroup frozen or thawed. A "paused" file beside
 * state.json records it, so `state` reports "paused" without probing the cgroup. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/str.h"
#include "engine/runtime/cgroup.h"
#include "engine/runtime/rt_internal.h"
#include "engine/runtime/runtime.h"

static int set_paused(const char *root, const char *id, bool pause, struct herr *e)
{
    struct rt_state st;
    if (rt_state_read(root, id, &st, e) < 0)
        return -1;
    int ret = -1;
    const char *status = rt_state_status(root, &st);
    _cleanup_free_ char *mark = xasprintf("%s/%s/paused", root, id);
    if (pause && strcmp(status, "running") != 0) {
        herr_set(e, 0, "container \"%s\" is %s, not running", id, status);
        goto out;
    }
    if (!pause && strcmp(status, "paused") != 0) {
        herr_set(e, 0, "container \"%s\" is %s, not paused", id, status);
        goto out;
    }
    if (cg_freeze(RT_CGROUP_FSROOT, st.cgroup_path, pause, e) < 0) {
        herr_wrap(e, "container \"%s\"", id);
        goto out;
    }
    if (pause) {
        _cleanup_close_ int fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0) {
            herr_sys(e, "container \"%s\": record the pause", id);
            cg_freeze(RT_CGROUP_FSROOT, st.cgroup_path, false, NULL);
            goto out;
        }
    } else if (unlink(mark) < 0) {
        herr_sys(e, "container \"%s\": forget the pause", id);
        goto out;
    }
    ret = 0;
out:
    rt_state_free(&st);
    return ret;
}

int rt_pause(const char *root, const char *id, struct herr *e)
{
    return set_paused(root, id, true, e);
}

int rt_resume(const char *root, const char *id, struct herr *e)
{
    return set_paused(root, id, false, e);
}
