#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"

static int set_v(struct herr *e, int errnum, int plain, const char *fmt, va_list ap)
{
    if (!e)
        return -1;
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    e->errnum = errnum;
    e->plain = plain;
    return -1;
}

void herr_set_msg(struct herr *e, int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_v(e, errnum, 0, fmt, ap);
    va_end(ap);
}

void herr_plain_msg(struct herr *e, int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_v(e, errnum, 1, fmt, ap);
    va_end(ap);
}

int herr_wrap(struct herr *e, const char *fmt, ...)
{
    if (!e)
        return -1;
    char prefix[HERR_MSG_MAX], old[HERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof(old));
    /* Truncation keeps the start of both parts; assembled by hand because snprintf's
     * truncation warnings cannot be silenced per call. */
    size_t n = strnlen(prefix, sizeof(e->msg) - 1);
    memcpy(e->msg, prefix, n);
    if (n + 2 < sizeof(e->msg)) {
        memcpy(e->msg + n, ": ", 2);
        n += 2;
    }
    size_t m = strnlen(old, sizeof(e->msg) - 1 - n);
    memcpy(e->msg + n, old, m);
    e->msg[n + m] = '\0';
    return -1;
}

void herr_clear(struct herr *e)
{
    if (e) {
        e->errnum = 0;
        e->exit = 0;
        e->plain = 0;
        e->msg[0] = '\0';
    }
}

const char *herr_str(const struct herr *e, char *buf, size_t len)
{
    if (e->errnum && !e->plain)
        snprintf(buf, len, "%s: %s", e->msg, strerror(e->errnum));
    else
        snprintf(buf, len, "%s", e->msg);
    return buf;
}
