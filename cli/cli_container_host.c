/* The run/create options of what a container shares with the host or other
 * containers: namespaces, devices, groups, /dev/shm, cgroup parent, OOM killer. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli_container_int.h"
#include "common/str.h"

int cli_ctr_host_opt(const char *cmd, int c, const char *arg, struct ctr_opts *o)
{
    long long v;
    switch (c) {
    case CLI_OPT_PID:
        o->pid = arg;
        return 0;
    case CLI_OPT_IPC:
        o->ipc = arg;
        return 0;
    case CLI_OPT_UTS:
        o->uts = arg;
        return 0;
    case CLI_OPT_SHM_SIZE:
        if (str_parse_size(arg, &v) < 0 || v <= 0)
            return cli_usage_error(cmd, "invalid size \"%s\" for --shm-size", arg);
        o->shm_size = v;
        return 0;
    case CLI_OPT_DEVICE:
        strv_push(&o->devices, xstrdup(arg));
        return 0;
    case CLI_OPT_DEVICE_RULE:
        strv_push(&o->device_cgroup_rules, xstrdup(arg));
        return 0;
    case CLI_OPT_GROUP_ADD:
        strv_push(&o->group_add, xstrdup(arg));
        return 0;
    case CLI_OPT_CGROUP_PARENT:
        o->cgroup_parent = arg;
        return 0;
    case CLI_OPT_OOM_KILL_DISABLE:
        o->oom_kill_disable = true;
        return 0;
    case CLI_OPT_OOM_SCORE_ADJ: {
        char *end;
        long n = strtol(arg, &end, 10);
        if (!*arg || *end || n < -1000 || n > 1000)
            return cli_usage_error(cmd, "invalid value \"%s\" for --oom-score-adj (-1000..1000)",
                                   arg);
        o->oom_score_adj = (int)n;
        return 0;
    }
    default:
        return cli_usage_error(cmd, "unknown flag");
    }
}

void cli_ctr_host_free(struct ctr_opts *o)
{
    strv_free(o->devices), strv_free(o->device_cgroup_rules), strv_free(o->group_add);
}
