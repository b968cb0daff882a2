/* The error object: filled by fallible functions, printed once by cli/. */
#ifndef HOIST_COMMON_ERR_H
#define HOIST_COMMON_ERR_H

#include <errno.h>
#include <stddef.h>

#define HERR_MSG_MAX 1024

struct herr {
    int errnum; /* errno of the failing call, 0 when the cause is not a system error */
    int exit;   /* exit status cli/ should use; 0 means "the default for the command" */
    int plain;  /* the message says all errnum would: herr_str adds no strerror */
    char msg[HERR_MSG_MAX];
};

/* Every setter returns -1 so callers can write `return herr_set(e, ...)`. A NULL
 * error object is accepted and ignored, for callers that only want the code. The -1 is
 * written at the call, not returned from err.c, so the compiler sees which paths are
 * errors: otherwise an optimizing build cannot tell that a caller's output is set on
 * every path that returns success, and warns that it "may be used uninitialized". */
void herr_set_msg(struct herr *e, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define herr_set(e, ...)                                                                           \
    ({                                                                                             \
        herr_set_msg((e), __VA_ARGS__);                                                            \
        -1;                                                                                        \
    })
/* An error whose message says all (ENOENT "No such image: x", EINVAL "invalid reference
 * format: ..."): callers still test errnum, users read the message without strerror. */
void herr_plain_msg(struct herr *e, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define herr_plain(e, ...)                                                                         \
    ({                                                                                             \
        herr_plain_msg((e), __VA_ARGS__);                                                          \
        -1;                                                                                        \
    })
/* Same, with errno captured at the call. */
#define herr_sys(e, ...) herr_set((e), errno, __VA_ARGS__)
/* Prefix the existing message with context: "container abc: <old message>". */
int herr_wrap(struct herr *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void herr_clear(struct herr *e);
/* "message: strerror(errnum)", written into buf. */
const char *herr_str(const struct herr *e, char *buf, size_t len);

#endif
