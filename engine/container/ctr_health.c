/* Healthchecks on the engine side: docker's Config.Healthcheck in the record (options
 * merged over the image's), the monitor's arguments for it, and reading the state the
 * monitor writes. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/container/container.h"
#include "engine/container/ctr_internal.h"
#include "engine/image/image.h"
#include "engine/monitor/monitor.h"

#define SEC 1000000000LL

int ctr_parse_duration(const char *s, long long *ns, struct herr *e)
{
    return image_parse_duration(s, ns, e);
}

/* Docker's defaults for the fields left at 0. */
#define DEFAULT_INTERVAL (30 * SEC)
#define DEFAULT_TIMEOUT (30 * SEC)
#define DEFAULT_START_INTERVAL (5 * SEC)
#define DEFAULT_RETRIES 3

static int check_duration(const char *what, long long ns, struct herr *e)
{
    if (ns < 0)
        return herr_set(e, 0, "healthcheck %s cannot be negative", what);
    if (ns > 0 && ns < 1000000)
        return herr_set(e, 0, "healthcheck %s cannot be less than 1ms", what);
    return 0;
}

static int check_test(char *const *t, struct herr *e)
{
    size_t n = strv_len(t);
    if (strcmp(t[0], "NONE") == 0) {
        if (n != 1)
            return herr_set(e, 0, "healthcheck test [\"NONE\"] takes no arguments");
        return 0;
    }
    if (strcmp(t[0], "CMD") == 0) {
        if (n < 2)
            return herr_set(e, 0, "healthcheck test [\"CMD\", ...] needs a command");
        return 0;
    }
    if (strcmp(t[0], "CMD-SHELL") == 0) {
        if (n != 2 || !*t[1])
            return herr_set(e, 0, "healthcheck test [\"CMD-SHELL\", ...] needs one command string");
        return 0;
    }
    return herr_set(e, 0, "healthcheck test must start with NONE, CMD or CMD-SHELL, not \"%s\"",
                    t[0]);
}

int ctr_health_record(const struct ctr_health *h, const json_t *image_hc, json_t **out,
                      struct herr *e)
{
    *out = NULL;
    bool have_test = h->test && h->test[0];
    if (have_test && check_test(h->test, e) < 0)
        return -1;
    if (check_duration("interval", h->interval, e) < 0 ||
        check_duration("timeout", h->timeout, e) < 0 ||
        check_duration("start period", h->start_period, e) < 0 ||
        check_duration("start interval", h->start_interval, e) < 0)
        return -1;
    if (h->retries < 0)
        return herr_set(e, 0, "healthcheck retries cannot be negative");
    /* Like docker, fields not given keep the image's values. */
    json_t *hc = json_is_object(image_hc) ? json_deep_copy(image_hc) : json_object();
    if (have_test)
        json_object_set_new(hc, "Test", hj_from_strv(h->test));
    static const char *const keys[] = {"Interval", "Timeout", "StartPeriod", "StartInterval"};
    const long long vals[] = {h->interval, h->timeout, h->start_period, h->start_interval};
    for (size_t i = 0; i < 4; i++) {
        if (vals[i])
            json_object_set_new(hc, keys[i], json_integer(vals[i]));
    }
    if (h->retries)
        json_object_set_new(hc, "Retries", json_integer(h->retries));
    if (json_object_size(hc) == 0) {
        json_decref(hc);
        return 0;
    }
    *out = hc;
    return 0;
}

/* The test of a record's healthcheck when checks are to run, else NULL. */
static const json_t *active_test(const json_t *rec)
{
    const json_t *t = json_object_get(hj_path(rec, "Config.Healthcheck"), "Test");
    const char *kind = json_string_value(json_array_get(t, 0));
    if (!kind || json_array_size(t) < 2)
        return NULL;
    return strcmp(kind, "CMD") == 0 || strcmp(kind, "CMD-SHELL") == 0 ? t : NULL;
}

void ctr_health_monitor_args(const json_t *rec, char ***argv)
{
    const json_t *t = active_test(rec);
    if (!t)
        return;
    const json_t *hc = hj_path(rec, "Config.Healthcheck");
    if (strcmp(json_string_value(json_array_get(t, 0)), "CMD-SHELL") == 0) {
        strv_push(argv, xstrdup("--health-cmd=/bin/sh"));
        strv_push(argv, xstrdup("--health-cmd=-c"));
        strv_push(argv, xasprintf("--health-cmd=%s", json_string_value(json_array_get(t, 1))));
    } else {
        for (size_t i = 1; i < json_array_size(t); i++) {
            const char *a = json_string_value(json_array_get(t, i));
            strv_push(argv, xasprintf("--health-cmd=%s", a ? a : ""));
        }
    }
    long long iv = hj_int(hc, "Interval", 0), to = hj_int(hc, "Timeout", 0);
    long long si = hj_int(hc, "StartInterval", 0), re = hj_int(hc, "Retries", 0);
    strv_push(argv, xasprintf("--health-interval=%lld", iv > 0 ? iv : DEFAULT_INTERVAL));
    strv_push(argv, xasprintf("--health-timeout=%lld", to > 0 ? to : DEFAULT_TIMEOUT));
    strv_push(argv, xasprintf("--health-start-period=%lld", hj_int(hc, "StartPeriod", 0)));
    strv_push(argv,
              xasprintf("--health-start-interval=%lld", si > 0 ? si : DEFAULT_START_INTERVAL));
    strv_push(argv, xasprintf("--health-retries=%lld", re > 0 ? re : DEFAULT_RETRIES));
}

void ctr_health_inspect(int ctr_dfd, const json_t *rec, json_t *state)
{
    if (!active_test(rec))
        return;
    json_t *h = hj_load_file(ctr_dfd, MONITOR_HEALTH_FILE, NULL);
    if (h)
        json_object_set_new(state, "Health", h);
}

int ctr_health(const struct ctr_ctx *c, const char *id, char *status, size_t len, struct herr *e)
{
    _cleanup_free_ char *dir = ctr_dir(c, id);
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return herr_sys(e, "container %s", id);
    /* The monitor only writes the file for a container whose checks run. */
    _cleanup_json_ json_t *h = hj_load_file(dfd, MONITOR_HEALTH_FILE, NULL);
    const char *st = hj_str(h, "Status");
    if (st) {
        snprintf(status, len, "%s", st);
        return 0;
    }
    _cleanup_json_ json_t *rec = hj_load_file(dfd, "config.json", e);
    if (!rec)
        return herr_wrap(e, "container %s", id);
    snprintf(status, len, "%s", active_test(rec) ? "starting" : "");
    return 0;
}
