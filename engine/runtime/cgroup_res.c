/* OCI linux.resources to cgroup file writes, for v1 and v2 file names and units. Pure:
 * nothing here touches the file system, so all of it is unit-tested. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/str.h"
#include "engine/runtime/cgroup_internal.h"

void cg_writes_free(struct cg_writes *w)
{
    for (size_t i = 0; i < w->n; i++) {
        free(w->v[i].file);
        free(w->v[i].value);
    }
    free(w->v);
    w->v = NULL;
    w->n = 0;
}

static void push(struct cg_writes *w, const char *ctrl, char *file, char *value, bool unified)
{
    w->v = xrealloc(w->v, (w->n + 1) * sizeof(*w->v));
    struct cg_write *x = &w->v[w->n++];
    snprintf(x->ctrl, sizeof(x->ctrl), "%s", ctrl);
    x->file = file;
    x->value = value;
    x->unified = unified;
}

char *cg_rel_path(const char *path, struct herr *e)
{
    if (!path || !*path)
        return herr_set(e, 0, "cgroup path is empty"), NULL;
    const char *start = path;
    while (*start == '/')
        start++;
    _cleanup_free_ char *rel = xstrdup(start);
    size_t len = strlen(rel);
    while (len > 0 && rel[len - 1] == '/')
        rel[--len] = '\0';
    if (len == 0)
        return herr_set(e, 0, "cgroup path \"%s\" names the root cgroup", path), NULL;
    for (const char *c = rel; *c;) {
        size_t n = strcspn(c, "/");
        if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
            return herr_set(e, 0, "cgroup path \"%s\": invalid component", path), NULL;
        c += n;
        if (*c == '/')
            c++;
    }
    return steal_ptr(&rel);
}

uint64_t cg_cpu_weight(uint64_t shares)
{
    if (shares == 0)
        return 0;
    if (shares < 2)
        shares = 2;
    if (shares > 262144)
        shares = 262144;
    return 1 + ((shares - 2) * 9999) / 262142;
}

int cg_swap_v2(int64_t swap, int64_t limit, int64_t *out, struct herr *e)
{
    /* Unlimited memory with no swap setting means unlimited swap too, as on v1. */
    if (limit == -1 && swap == 0) {
        *out = -1;
        return 0;
    }
    if (swap == -1 || swap == 0) {
        *out = swap;
        return 0;
    }
    if (swap < 0)
        return herr_set(e, 0, "memory.swap %" PRId64 " is invalid", swap);
    if (limit <= 0)
        return herr_set(e, 0, "memory.swap %" PRId64 " needs a memory.limit", swap);
    if (swap < limit)
        return herr_set(e, 0,
                        "memory.swap %" PRId64 " is below memory.limit %" PRId64
                        " (swap counts memory plus swap)",
                        swap, limit);
    *out = swap - limit;
    return 0;
}

/* Typed optional members of a resources section; `where` names it in errors. */
static int get_int(const json_t *obj, const char *where, const char *key, bool *set, int64_t *out,
                   struct herr *e)
{
    json_t *v = json_object_get(obj, key);
    *set = false;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v))
        return herr_set(e, 0, "linux.resources.%s.%s: expected an integer", where, key);
    *out = json_integer_value(v);
    *set = true;
    return 0;
}

static int get_uint(const json_t *obj, const char *where, const char *key, bool *set, int64_t *out,
                    struct herr *e)
{
    if (get_int(obj, where, key, set, out, e) < 0)
        return -1;
    if (*set && *out < 0)
        return herr_set(e, 0, "linux.resources.%s.%s: %" PRId64 " is negative", where, key, *out);
    return 0;
}

static int get_str(const json_t *obj, const char *where, const char *key, const char **out,
                   struct herr *e)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return herr_set(e, 0, "linux.resources.%s.%s: expected a string", where, key);
    *out = json_string_value(v);
    return 0;
}

static int get_section(const json_t *res, const char *key, const json_t **out, bool array,
                       struct herr *e)
{
    json_t *v = json_object_get(res, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (array ? !json_is_array(v) : !json_is_object(v))
        return herr_set(e, 0, "linux.resources.%s: expected an %s", key,
                        array ? "array" : "object");
    *out = v;
    return 0;
}

/* -1 is "unlimited" in OCI; v1 files take -1 themselves, v2 files take "max". */
static char *limit_value(int64_t v, enum cg_fmt fmt)
{
    if (v < 0)
        return xstrdup(fmt == CG_FMT_V1 ? "-1" : "max");
    return xasprintf("%" PRId64, v);
}

static int memory(const json_t *mem, enum cg_fmt fmt, struct cg_writes *w, struct herr *e)
{
    int64_t limit = 0, swap = 0, resv = 0, swappiness = 0;
    bool has_limit, has_swap, has_resv, has_swappiness;
    if (get_int(mem, "memory", "limit", &has_limit, &limit, e) < 0 ||
        get_int(mem, "memory", "swap", &has_swap, &swap, e) < 0 ||
        get_int(mem, "memory", "reservation", &has_resv, &resv, e) < 0 ||
        get_uint(mem, "memory", "swappiness", &has_swappiness, &swappiness, e) < 0)
        return -1;
    json_t *oom = json_object_get(mem, "disableOOMKiller");
    if (oom && !json_is_boolean(oom))
        return herr_set(e, 0, "linux.resources.memory.disableOOMKiller: expected a boolean");
    /* 0 means "not set", as runc reads these fields. */
    has_limit = has_limit && limit != 0;
    has_swap = has_swap && swap != 0;
    has_resv = has_resv && resv != 0;
    if (fmt == CG_FMT_V1) {
        if (has_limit)
            push(w, "memory", xstrdup("memory.limit_in_bytes"), limit_value(limit, fmt), false);
        if (has_swap)
            push(w, "memory", xstrdup("memory.memsw.limit_in_bytes"), limit_value(swap, fmt),
                 false);
        if (has_resv)
            push(w, "memory", xstrdup("memory.soft_limit_in_bytes"), limit_value(resv, fmt), false);
        if (has_swappiness) {
            if (swappiness > 100)
                return herr_set(
                    e, 0, "linux.resources.memory.swappiness: %" PRId64 " is out of range 0-100",
                    swappiness);
            push(w, "memory", xstrdup("memory.swappiness"), xasprintf("%" PRId64, swappiness),
                 false);
        }
        if (oom && json_is_true(oom))
            push(w, "memory", xstrdup("memory.oom_control"), xstrdup("1"), false);
        return 0;
    }
    /* v2 has no swappiness or OOM-killer switch; like runc, those two are not applied. */
    if (has_limit)
        push(w, "memory", xstrdup("memory.max"), limit_value(limit, fmt), false);
    int64_t swap2;
    if (cg_swap_v2(swap, has_limit ? limit : 0, &swap2, e) < 0)
        return herr_wrap(e, "linux.resources");
    if (swap2 != 0)
        push(w, "memory", xstrdup("memory.swap.max"), limit_value(swap2, fmt), false);
    if (has_resv)
        push(w, "memory", xstrdup("memory.low"), limit_value(resv, fmt), false);
    return 0;
}

static int cpu(const json_t *c, enum cg_fmt fmt, struct cg_writes *w, struct herr *e)
{
    int64_t shares = 0, quota = 0, period = 0, rt_runtime = 0, rt_period = 0, idle = 0;
    bool has_shares, has_quota, has_period, has_rt_runtime, has_rt_period, has_idle;
    const char *cpus, *mems;
    if (get_uint(c, "cpu", "shares", &has_shares, &shares, e) < 0 ||
        get_int(c, "cpu", "quota", &has_quota, &quota, e) < 0 ||
        get_uint(c, "cpu", "period", &has_period, &period, e) < 0 ||
        get_int(c, "cpu", "realtimeRuntime", &has_rt_runtime, &rt_runtime, e) < 0 ||
        get_uint(c, "cpu", "realtimePeriod", &has_rt_period, &rt_period, e) < 0 ||
        get_int(c, "cpu", "idle", &has_idle, &idle, e) < 0 ||
        get_str(c, "cpu", "cpus", &cpus, e) < 0 || get_str(c, "cpu", "mems", &mems, e) < 0)
        return -1;
    has_shares = has_shares && shares != 0;
    has_quota = has_quota && quota != 0;
    has_period = has_period && period != 0;
    has_rt_runtime = has_rt_runtime && rt_runtime != 0;
    has_rt_period = has_rt_period && rt_period != 0;
    if (has_idle && idle != 0 && idle != 1)
        return herr_set(e, 0, "linux.resources.cpu.idle: %" PRId64 " is not 0 or 1", idle);
    if (cpus && *cpus)
        push(w, "cpuset", xstrdup("cpuset.cpus"), xstrdup(cpus), false);
    if (mems && *mems)
        push(w, "cpuset", xstrdup("cpuset.mems"), xstrdup(mems), false);
    if (fmt == CG_FMT_V1) {
        if (has_shares)
            push(w, "cpu", xstrdup("cpu.shares"), xasprintf("%" PRId64, shares), false);
        /* The period first: the kernel checks the quota against the current period. */
        if (has_period)
            push(w, "cpu", xstrdup("cpu.cfs_period_us"), xasprintf("%" PRId64, period), false);
        if (has_quota)
            push(w, "cpu", xstrdup("cpu.cfs_quota_us"), limit_value(quota, fmt), false);
        if (has_rt_period)
            push(w, "cpu", xstrdup("cpu.rt_period_us"), xasprintf("%" PRId64, rt_period), false);
        if (has_rt_runtime)
            push(w, "cpu", xstrdup("cpu.rt_runtime_us"), xasprintf("%" PRId64, rt_runtime), false);
    } else {
        if (has_rt_runtime || has_rt_period)
            return herr_set(e, 0, "linux.resources.cpu: realtime limits need cgroup v1");
        if (has_shares)
            push(w, "cpu", xstrdup("cpu.weight"),
                 xasprintf("%" PRIu64, cg_cpu_weight((uint64_t)shares)), false);
        if (has_quota || has_period) {
            int64_t p = has_period ? period : 100000;
            push(w, "cpu", xstrdup("cpu.max"),
                 quota > 0 ? xasprintf("%" PRId64 " %" PRId64, quota, p)
                           : xasprintf("max %" PRId64, p),
                 false);
        }
    }
    if (has_idle)
        push(w, "cpu", xstrdup("cpu.idle"), xasprintf("%" PRId64, idle), false);
    return 0;
}

static int pids(const json_t *p, struct cg_writes *w, struct herr *e)
{
    int64_t limit = 0;
    bool has;
    if (get_int(p, "pids", "limit", &has, &limit, e) < 0)
        return -1;
    if (has)
        push(w, "pids", xstrdup("pids.max"),
             limit > 0 ? xasprintf("%" PRId64, limit) : xstrdup("max"), false);
    return 0;
}

/* "2MB", "1GB", "64KB": what the kernel names its hugetlb.<size>.* files. */
static bool page_size_ok(const char *s)
{
    size_t d = strspn(s, "0123456789");
    return d > 0 && d < 8 && strchr("KMG", s[d]) && s[d] && s[d + 1] == 'B' && !s[d + 2];
}

static int hugetlb(const json_t *arr, enum cg_fmt fmt, struct cg_writes *w, struct herr *e)
{
    size_t i;
    json_t *h;
    json_array_foreach(arr, i, h)
    {
        const char *size;
        int64_t limit = 0;
        bool has;
        if (!json_is_object(h))
            return herr_set(e, 0, "linux.resources.hugepageLimits[%zu]: expected an object", i);
        if (get_str(h, "hugepageLimits", "pageSize", &size, e) < 0 ||
            get_uint(h, "hugepageLimits", "limit", &has, &limit, e) < 0)
            return -1;
        if (!size || !page_size_ok(size))
            return herr_set(e, 0,
                            "linux.resources.hugepageLimits[%zu]: pageSize \"%s\" is not "
                            "like \"2MB\"",
                            i, size ? size : "");
        if (!has)
            return herr_set(e, 0, "linux.resources.hugepageLimits[%zu]: limit is missing", i);
        push(w, "hugetlb",
             xasprintf("hugetlb.%s.%s", size, fmt == CG_FMT_V1 ? "limit_in_bytes" : "max"),
             xasprintf("%" PRId64, limit), false);
    }
    return 0;
}

static int unified(const json_t *u, struct cg_writes *w, struct herr *e)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)u, key, v)
    {
        const char *dot = strchr(key, '.');
        if (!dot || dot == key || strchr(key, '/') || !dot[1])
            return herr_set(e, 0, "linux.resources.unified: \"%s\" is not a cgroup file name", key);
        if (!json_is_string(v))
            return herr_set(e, 0, "linux.resources.unified.%s: expected a string", key);
        size_t n = (size_t)(dot - key);
        _cleanup_free_ char *ctrl = xstrndup(key, n);
        push(w, strcmp(ctrl, "cgroup") == 0 ? "" : ctrl, xstrdup(key),
             xstrdup(json_string_value(v)), true);
    }
    return 0;
}

int cg_dev_parse(const json_t *devices, struct cg_dev_rule **rules, size_t *n, struct herr *e)
{
    *rules = NULL;
    *n = 0;
    if (!devices || json_is_null(devices))
        return 0;
    if (!json_is_array(devices))
        return herr_set(e, 0, "linux.resources.devices: expected an array");
    size_t count = json_array_size(devices), i;
    _cleanup_free_ struct cg_dev_rule *r = xcalloc(count ? count : 1, sizeof(*r));
    json_t *d;
    json_array_foreach(devices, i, d)
    {
        if (!json_is_object(d))
            return herr_set(e, 0, "linux.resources.devices[%zu]: expected an object", i);
        json_t *allow = json_object_get(d, "allow");
        if (!json_is_boolean(allow))
            return herr_set(e, 0, "linux.resources.devices[%zu].allow: expected a boolean", i);
        r[i].allow = json_is_true(allow);
        const char *type = NULL, *access = NULL;
        if (get_str(d, "devices", "type", &type, e) < 0 ||
            get_str(d, "devices", "access", &access, e) < 0)
            return -1;
        if (!type || !*type)
            type = "a";
        if (strlen(type) != 1 || !strchr("abc", type[0]))
            return herr_set(e, 0, "linux.resources.devices[%zu].type: \"%s\" is not a, b or c", i,
                            type);
        r[i].type = type[0];
        const char *names[2] = {"major", "minor"};
        int64_t *vals[2] = {&r[i].major, &r[i].minor};
        for (int k = 0; k < 2; k++) {
            bool has;
            if (get_int(d, "devices", names[k], &has, vals[k], e) < 0)
                return -1;
            if (!has)
                *vals[k] = -1;
            if (*vals[k] < -1 || *vals[k] > UINT32_MAX)
                return herr_set(e, 0,
                                "linux.resources.devices[%zu].%s: %" PRId64 " is out of range", i,
                                names[k], *vals[k]);
        }
        if (!access || !*access)
            access = "rwm";
        for (const char *c = access; *c; c++) {
            unsigned bit = *c == 'r'   ? CG_ACC_READ
                           : *c == 'w' ? CG_ACC_WRITE
                           : *c == 'm' ? CG_ACC_MKNOD
                                       : 0;
            if (!bit)
                return herr_set(e, 0,
                                "linux.resources.devices[%zu].access: \"%s\" is not a "
                                "combination of r, w and m",
                                i, access);
            r[i].access |= bit;
        }
    }
    *rules = steal_ptr(&r);
    *n = count;
    return 0;
}

char *cg_dev_v1_entry(const struct cg_dev_rule *r)
{
    char major[24] = "*", minor[24] = "*", acc[4];
    size_t k = 0;
    if (r->major >= 0)
        snprintf(major, sizeof(major), "%" PRId64, r->major);
    if (r->minor >= 0)
        snprintf(minor, sizeof(minor), "%" PRId64, r->minor);
    if (r->access & CG_ACC_READ)
        acc[k++] = 'r';
    if (r->access & CG_ACC_WRITE)
        acc[k++] = 'w';
    if (r->access & CG_ACC_MKNOD)
        acc[k++] = 'm';
    acc[k] = '\0';
    return xasprintf("%c %s:%s %s", r->type, major, minor, acc);
}

int cg_resources(const json_t *res, enum cg_fmt fmt, struct cg_writes *out, struct herr *e)
{
    struct cg_writes w = {0};
    out->v = NULL;
    out->n = 0;
    if (!res || json_is_null(res))
        return 0;
    if (!json_is_object(res))
        return herr_set(e, 0, "linux.resources: expected an object");
    const json_t *mem, *c, *p, *huge, *uni, *devs;
    if (get_section(res, "memory", &mem, false, e) < 0 ||
        get_section(res, "cpu", &c, false, e) < 0 || get_section(res, "pids", &p, false, e) < 0 ||
        get_section(res, "hugepageLimits", &huge, true, e) < 0 ||
        get_section(res, "unified", &uni, false, e) < 0 ||
        get_section(res, "devices", &devs, true, e) < 0)
        return -1;
    _cleanup_free_ struct cg_dev_rule *rules = NULL;
    size_t nrules = 0;
    if ((mem && memory(mem, fmt, &w, e) < 0) || (c && cpu(c, fmt, &w, e) < 0) ||
        (p && pids(p, &w, e) < 0) || (huge && hugetlb(huge, fmt, &w, e) < 0) ||
        cg_dev_parse(devs, &rules, &nrules, e) < 0 || (uni && unified(uni, &w, e) < 0)) {
        cg_writes_free(&w);
        return -1;
    }
    if (fmt == CG_FMT_V1)
        for (size_t i = 0; i < nrules; i++)
            push(&w, "devices", xstrdup(rules[i].allow ? "devices.allow" : "devices.deny"),
                 cg_dev_v1_entry(&rules[i]), false);
    *out = w;
    return 0;
}
