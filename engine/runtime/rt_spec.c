/* The default config.json (`hoist runtime spec`): what Docker gives a container by
 * default, so a bundle made from it behaves as `docker run` would. */
#include <string.h>

#include "common/json.h"
#include "common/str.h"
#include "engine/runtime/runtime.h"
#include "engine/runtime/seccomp.h"

char *const rt_docker_caps[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
    NULL,
};

char *const rt_docker_masked_paths[] = {
    "/proc/asound",
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
    NULL,
};

char *const rt_docker_readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

/* Everything is denied but mknod of any node and use of the basic character devices
 * (null, zero, full, tty, random, urandom, ptmx, pts, tun), as moby and runc give. */
json_t *rt_docker_device_rules(void)
{
    static const int chr[][2] = {{1, 3}, {1, 5}, {1, 7},    {1, 8},   {1, 9},
                                 {5, 0}, {5, 2}, {136, -1}, {10, 200}};
    json_t *a =
        json_pack("[{s:b,s:s},{s:b,s:s,s:s},{s:b,s:s,s:s}]", "allow", 0, "access", "rwm", "allow",
                  1, "type", "c", "access", "m", "allow", 1, "type", "b", "access", "m");
    for (size_t i = 0; i < sizeof(chr) / sizeof(chr[0]); i++) {
        json_t *r = json_pack("{s:b,s:s,s:i,s:s}", "allow", 1, "type", "c", "major", chr[i][0],
                              "access", "rwm");
        if (chr[i][1] >= 0)
            json_object_set_new(r, "minor", json_integer(chr[i][1]));
        json_array_append_new(a, r);
    }
    return a;
}

static const char spec_template[] =
    "{\"ociVersion\":\"1.0.2\","
    "\"process\":{\"terminal\":false,\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],"
    "\"env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\","
    "\"TERM=xterm\"],\"cwd\":\"/\","
    "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}],"
    "\"noNewPrivileges\":false},"
    "\"root\":{\"path\":\"rootfs\",\"readonly\":false},"
    "\"hostname\":\"hoist\","
    "\"mounts\":["
    "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\","
    "\"options\":[\"nosuid\",\"noexec\",\"nodev\"]},"
    "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
    "\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
    "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
    "\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\","
    "\"gid=5\"]},"
    "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
    "\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]},"
    "{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\","
    "\"options\":[\"ro\",\"nosuid\",\"noexec\",\"nodev\"]},"
    "{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\","
    "\"options\":[\"nosuid\",\"noexec\",\"nodev\"]},"
    "{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\","
    "\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"mode=1777\",\"size=67108864\"]}],"
    "\"linux\":{"
    "\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},"
    "{\"type\":\"uts\"},{\"type\":\"mount\"}]"
    "}}";

json_t *rt_spec_default(char *const *args, bool terminal)
{
    json_t *spec = json_loads(spec_template, 0, NULL);
    json_t *proc = json_object_get(spec, "process");
    if (args && args[0])
        json_object_set_new(proc, "args", hj_from_strv(args));
    json_object_set_new(proc, "terminal", json_boolean(terminal));
    json_object_set_new(proc, "capabilities",
                        json_pack("{s:o, s:o, s:o}", "bounding", hj_from_strv(rt_docker_caps),
                                  "effective", hj_from_strv(rt_docker_caps), "permitted",
                                  hj_from_strv(rt_docker_caps)));
    json_t *lx = json_object_get(spec, "linux");
    json_object_set_new(lx, "resources", json_pack("{s:o}", "devices", rt_docker_device_rules()));
    json_object_set_new(lx, "maskedPaths", hj_from_strv(rt_docker_masked_paths));
    json_object_set_new(lx, "readonlyPaths", hj_from_strv(rt_docker_readonly_paths));
    json_t *sc = seccomp_default_oci(rt_docker_caps);
    if (sc)
        json_object_set_new(lx, "seccomp", sc);
    return spec;
}
