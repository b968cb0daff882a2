/* Docker's healthcheck rules as pure functions (libc only; unit-tested). */
#ifndef HOIST_ENGINE_MON_HEALTH_RULES_H
#define HOIST_ENGINE_MON_HEALTH_RULES_H

#include <stddef.h>

/* All in nanoseconds; the engine has filled in docker's defaults. */
struct mon_health_rules {
    long long interval, timeout, start_period, start_interval;
    int retries;
};

enum mon_health_status { MON_HEALTH_STARTING, MON_HEALTH_HEALTHY, MON_HEALTH_UNHEALTHY };

struct mon_health_state {
    enum mon_health_status status;
    int streak; /* consecutive failures that counted */
};

const char *mon_health_status_name(enum mon_health_status s);
/* One probe result; since_start is when the probe began, from the container's start. */
void mon_health_apply(struct mon_health_state *s, const struct mon_health_rules *r, int exit_code,
                      long long since_start);
/* Delay before the next probe, decided at since_start (the first one: at 0). */
long long mon_health_next_delay(const struct mon_health_state *s, const struct mon_health_rules *r,
                                long long since_start, int probes_done);
/* A duration as Go prints it ("30s", "1m30s", "500ms"). */
void mon_health_format_duration(long long ns, char *buf, size_t len);

#endif
