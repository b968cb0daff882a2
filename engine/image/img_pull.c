/* image_pull: the registry client lives in the hoist-image helper (it alone links
 * libcurl); this runs it. */
#include <stddef.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/str.h"
#include "engine/image/image.h"

int image_pull(const char *self_dir, const char *root, const char *ref,
               const struct image_pull_opts *o, struct herr *e)
{
    _cleanup_strv_ char **args = xcalloc(1, sizeof(char *));
    strv_push(&args, xstrdup("pull"));
    if (o && o->quiet)
        strv_push(&args, xstrdup("-q"));
    if (o && o->insecure)
        strv_push(&args, xstrdup("--insecure"));
    if (o && o->platform) {
        strv_push(&args, xstrdup("--platform"));
        strv_push(&args, xstrdup(o->platform));
    }
    strv_push(&args, xstrdup("--"));
    strv_push(&args, xstrdup(ref));
    if (o && o->quiet) {
        /* Quiet callers (compose) get the helper's error as theirs, and no output. */
        _cleanup_free_ char *out = NULL;
        return image_helper_run(self_dir, root, args, &out, e);
    }
    int code = image_helper_run(self_dir, root, args, NULL, e);
    if (code < 0)
        return -1;
    if (code != 0)
        return herr_set(e, 0, "pull of %s failed", ref);
    return 0;
}
