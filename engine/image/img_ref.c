/* Image references, normalized the way docker's distribution/reference does for the
 * common forms: [domain[:port]/]path[:tag][@sha256:hex]. */
#include <ctype.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/str.h"
#include "engine/image/image.h"
#include "engine/image/img_internal.h"

#define DEFAULT_DOMAIN "docker.io"
#define OFFICIAL_PREFIX "library/"
#define NAME_MAX_TOTAL 255
#define TAG_MAX 128

static bool is_alnum_lower(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* One path component: [a-z0-9]+ joined by ".", "_", "__" or any run of "-". */
static bool valid_component(const char *s, size_t n)
{
    if (n == 0 || !is_alnum_lower(s[0]) || !is_alnum_lower(s[n - 1]))
        return false;
    for (size_t i = 0; i < n;) {
        if (is_alnum_lower(s[i])) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && !is_alnum_lower(s[j]))
            j++;
        size_t run = j - i;
        const char *sep = s + i;
        bool ok = (run == 1 && (*sep == '.' || *sep == '_')) ||
                  (run == 2 && sep[0] == '_' && sep[1] == '_') || strspn(sep, "-") >= run;
        if (!ok)
            return false;
        i = j;
    }
    return true;
}

static bool valid_path(const char *p)
{
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (!valid_component(p, n))
            return false;
        if (!slash)
            return true;
        p = slash + 1;
    }
}

/* host[:port] with host made of dot-separated labels (letters, digits, inner dashes). */
static bool valid_domain(const char *d)
{
    const char *colon = strchr(d, ':');
    size_t hn = colon ? (size_t)(colon - d) : strlen(d);
    if (hn == 0)
        return false;
    size_t label = 0;
    for (size_t i = 0; i < hn; i++) {
        char c = d[i];
        if (c == '.') {
            if (label == 0 || d[i - 1] == '-')
                return false;
            label = 0;
        } else if (isalnum((unsigned char)c) || (c == '-' && label > 0)) {
            label++;
        } else {
            return false;
        }
    }
    if (label == 0 || d[hn - 1] == '-')
        return false;
    if (colon) {
        const char *port = colon + 1;
        if (!*port || strspn(port, "0123456789") != strlen(port) || strlen(port) > 5)
            return false;
    }
    return true;
}

static bool valid_tag(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n > TAG_MAX || !(isalnum((unsigned char)t[0]) || t[0] == '_'))
        return false;
    for (size_t i = 1; i < n; i++) {
        unsigned char c = (unsigned char)t[i];
        if (!isalnum(c) && c != '_' && c != '.' && c != '-')
            return false;
    }
    return true;
}

void image_ref_clear(struct image_ref *r)
{
    free(r->domain);
    free(r->path);
    free(r->tag);
    free(r->digest);
    memset(r, 0, sizeof(*r));
}

int image_ref_parse(const char *s, struct image_ref *out, struct herr *e)
{
    memset(out, 0, sizeof(*out));
    if (!*s)
        return herr_plain(e, EINVAL, "invalid reference format: empty name");
    _cleanup_free_ char *buf = xstrdup(s);
    char *at = strchr(buf, '@');
    if (at) {
        *at = '\0';
        const char *dg = at + 1;
        if (!str_has_prefix(dg, "sha256:") || !img_is_hex64(dg + 7))
            return herr_plain(e, EINVAL, "invalid reference format: bad digest in \"%s\"", s);
        out->digest = xstrdup(dg);
    }
    char *last_slash = strrchr(buf, '/');
    char *colon = strrchr(last_slash ? last_slash : buf, ':');
    if (colon) {
        *colon = '\0';
        if (!valid_tag(colon + 1)) {
            image_ref_clear(out);
            return herr_plain(e, EINVAL, "invalid reference format: bad tag \"%s\" in \"%s\"",
                              colon + 1, s);
        }
        out->tag = xstrdup(colon + 1);
    }
    char *name = buf, *first_slash = strchr(buf, '/');
    if (first_slash) {
        *first_slash = '\0';
        if (strchr(buf, '.') || strchr(buf, ':') || strcmp(buf, "localhost") == 0 ||
            strpbrk(buf, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")) {
            if (!valid_domain(buf)) {
                image_ref_clear(out);
                return herr_plain(
                    e, EINVAL, "invalid reference format: bad registry \"%s\" in \"%s\"", buf, s);
            }
            out->domain = xstrdup(buf);
            name = first_slash + 1;
        } else {
            *first_slash = '/';
        }
    }
    if (!out->domain)
        out->domain = xstrdup(DEFAULT_DOMAIN);
    if (strpbrk(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")) {
        image_ref_clear(out);
        return herr_plain(
            e, EINVAL, "invalid reference format: repository name \"%s\" must be lowercase", name);
    }
    if (!valid_path(name)) {
        image_ref_clear(out);
        return herr_plain(e, EINVAL, "invalid reference format: bad repository name \"%s\"", s);
    }
    if (img_is_hex64(name) && !strchr(name, '/')) {
        image_ref_clear(out);
        return herr_plain(e, EINVAL,
                          "invalid repository name \"%s\": 64-character hexadecimal names are "
                          "reserved for image ids",
                          name);
    }
    if (strcmp(out->domain, DEFAULT_DOMAIN) == 0 && !strchr(name, '/'))
        out->path = xasprintf(OFFICIAL_PREFIX "%s", name);
    else
        out->path = xstrdup(name);
    if (strlen(out->domain) + 1 + strlen(out->path) > NAME_MAX_TOTAL) {
        image_ref_clear(out);
        return herr_plain(e, EINVAL, "invalid reference format: repository name longer than %d",
                          NAME_MAX_TOTAL);
    }
    if (!out->tag && !out->digest)
        out->tag = xstrdup("latest");
    return 0;
}

char *image_ref_string(const struct image_ref *r)
{
    return xasprintf("%s/%s%s%s%s%s", r->domain, r->path, r->tag ? ":" : "", r->tag ? r->tag : "",
                     r->digest ? "@" : "", r->digest ? r->digest : "");
}

char *image_ref_display(const char *n)
{
    if (str_has_prefix(n, DEFAULT_DOMAIN "/" OFFICIAL_PREFIX))
        return xstrdup(n + strlen(DEFAULT_DOMAIN "/" OFFICIAL_PREFIX));
    if (str_has_prefix(n, DEFAULT_DOMAIN "/"))
        return xstrdup(n + strlen(DEFAULT_DOMAIN "/"));
    return xstrdup(n);
}

void image_ref_split_display(const char *normalized, char **repo, char **tag)
{
    _cleanup_free_ char *d = image_ref_display(normalized);
    char *at = strchr(d, '@');
    if (at) {
        *tag = xstrdup(at + 1);
        *repo = xstrndup(d, (size_t)(at - d));
        return;
    }
    char *slash = strrchr(d, '/');
    char *colon = strrchr(slash ? slash : d, ':');
    if (colon) {
        *tag = xstrdup(colon + 1);
        *repo = xstrndup(d, (size_t)(colon - d));
    } else {
        *tag = xstrdup("<none>");
        *repo = xstrdup(d);
    }
}
