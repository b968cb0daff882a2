/* Docker's healthcheck state machine and timing (see mon_health_rules.h). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "engine/monitor/mon_health_rules.h"

#define MS 1000000LL
#define SEC 1000000000LL

const char *mon_health_status_name(enum mon_health_status s)
{
    switch (s) {
    case MON_HEALTH_HEALTHY:
        return "healthy";
    case MON_HEALTH_UNHEALTHY:
        return "unhealthy";
    default:
        return "starting";
    }
}

void mon_health_apply(struct mon_health_state *s, const struct mon_health_rules *r, int exit_code,
                      long long since_start)
{
    if (exit_code == 0) {
        s->streak = 0;
        s->status = MON_HEALTH_HEALTHY;
        return;
    }
    /* Until the first success, failures inside the start period are forgiven. */
    if (s->status == MON_HEALTH_STARTING && since_start < r->start_period)
        return;
    s->streak++;
    if (s->streak >= r->retries)
        s->status = MON_HEALTH_UNHEALTHY;
}

long long mon_health_next_delay(const struct mon_health_state *s, const struct mon_health_rules *r,
                                long long since_start, int probes_done)
{
    bool in_start = since_start < r->start_period && s->status == MON_HEALTH_STARTING;
    /* Docker waits a whole interval for the first probe; within a start period, where a
     * failure costs nothing, probing at once lets a stack gated on health go on sooner. */
    if (in_start && probes_done == 0)
        return 0;
    return in_start ? r->start_interval : r->interval;
}

void mon_health_format_duration(long long ns, char *buf, size_t len)
{
    if (ns <= 0) {
        snprintf(buf, len, "0s");
        return;
    }
    if (ns < SEC) {
        if (ns % MS == 0)
            snprintf(buf, len, "%lldms", ns / MS);
        else if (ns % 1000 == 0)
            snprintf(buf, len, "%lldµs", ns / 1000);
        else
            snprintf(buf, len, "%lldns", ns);
        return;
    }
    long long h = ns / (3600 * SEC), m = ns / (60 * SEC) % 60, s = ns / SEC % 60;
    long long frac = ns % SEC;
    char secs[40];
    if (frac) {
        int n = snprintf(secs, sizeof(secs), "%lld.%09lld", s, frac);
        while (n > 0 && secs[n - 1] == '0')
            secs[--n] = '\0';
    } else {
        snprintf(secs, sizeof(secs), "%lld", s);
    }
    if (h)
        snprintf(buf, len, "%lldh%lldm%ss", h, m, secs);
    else if (m)
        snprintf(buf, len, "%lldm%ss", m, secs);
    else
        snprintf(buf, len, "%ss", secs);
}
