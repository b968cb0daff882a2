/* Allocation and string helpers. Allocation failure aborts: there is no useful
 * recovery from OOM in a short-lived CLI, and it keeps every caller simple. */
#ifndef HOIST_COMMON_STR_H
#define HOIST_COMMON_STR_H

#include <stdbool.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

bool str_has_prefix(const char *s, const char *prefix);
bool str_has_suffix(const char *s, const char *suffix);

/* NULL-terminated vectors of owned strings (free with _cleanup_strv_ or strv_free). */
size_t strv_len(char *const *v);
void strv_push(char ***v, char *owned);
char **strv_dup(char *const *v);
void strv_free(char **v);

/* n random lowercase hex characters plus NUL into buf (buf holds n + 1). */
int str_random_hex(char *buf, size_t n);

/* Parse a size such as "512m", "1g", "100k", "4096" (binary units, as docker). */
int str_parse_size(const char *s, long long *out);
/* Parse a non-negative decimal integer that must fill the whole string. */
int str_parse_ll(const char *s, long long *out);

#endif
