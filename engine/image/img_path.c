/* Archive member names made safe to create under a layer directory. */
#include <string.h>

#include "common/err.h"
#include "common/str.h"
#include "engine/image/image.h"

#define PATH_LIMIT 4096

int image_path_clean(const char *name, char **out, struct herr *e)
{
    size_t n = strlen(name);
    if (n > PATH_LIMIT)
        return herr_set(e, ENAMETOOLONG, "archive entry name longer than %d bytes", PATH_LIMIT);
    char *res = xmalloc(n + 1), *w = res;
    const char *p = name;
    while (*p) {
        while (*p == '/')
            p++;
        const char *end = strchrnul(p, '/');
        size_t len = (size_t)(end - p);
        if (len == 0)
            break;
        if (len == 2 && p[0] == '.' && p[1] == '.') {
            free(res);
            return herr_set(e, EINVAL, "archive entry \"%s\": \"..\" component", name);
        }
        if (!(len == 1 && p[0] == '.')) {
            if (w != res)
                *w++ = '/';
            memcpy(w, p, len);
            w += len;
        }
        p = end;
    }
    *w = '\0';
    *out = res;
    return 0;
}
