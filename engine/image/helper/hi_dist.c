/* hoist-image pull: the registry v2 protocol over libcurl. Manifests are negotiated
 * (OCI index, Docker manifest list, OCI manifest, Docker schema2), the host's platform is
 * picked from an index, every blob is checked against its digest and size while it
 * streams into the stage, and the image is stored by the same verified, all-or-nothing
 * path as `load` (hi_load_store), so a failed or killed pull leaves nothing behind. */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <nettle/base64.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/image/helper/hi.h"
#include "engine/image/helper/hi_load.h"
#include "engine/image/image.h"
#include "engine/image/img_internal.h"

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define ACCEPT_ALL                                                                                 \
    "Accept: " MT_OCI_INDEX ", " MT_DOCKER_LIST ", " MT_OCI_MANIFEST ", " MT_DOCKER_MANIFEST
#define MANIFEST_MAX (4 << 20)
#define ATTEMPTS 4

struct reg {
    CURL *curl;
    char *base;   /* "https://host[:port]" */
    char *repo;   /* "library/busybox" */
    char *auth;   /* "Authorization: ..." for this registry, NULL: none yet */
    char *basic;  /* base64 user:pass from ~/.docker/config.json, NULL: none */
    char *domain; /* as written in the reference, for credentials */
};

/* Where a response goes: memory (up to a bound) or a file, hashed on the way. */
struct sink {
    char *buf;
    size_t len, max;
    int fd;
    struct sha256_ctx sha;
    unsigned long long written;
    int err;
};

struct resp {
    long status;
    char *www_auth;
    char *content_type;
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    struct sink *s = arg;
    size_t len = size * n;
    if (s->fd >= 0) {
        for (size_t off = 0; off < len;) {
            ssize_t w = write(s->fd, p + off, len - off);
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                s->err = errno;
                return 0;
            }
            off += (size_t)w;
        }
        sha256_update(&s->sha, len, (const uint8_t *)p);
        s->written += len;
        return len;
    }
    if (s->len + len > s->max) {
        s->err = EFBIG;
        return 0;
    }
    s->buf = xrealloc(s->buf, s->len + len + 1);
    memcpy(s->buf + s->len, p, len);
    s->len += len;
    s->buf[s->len] = '\0';
    return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
    struct resp *r = arg;
    size_t len = size * n;
    static const struct {
        const char *name;
        size_t off;
    } keep[] = {{"www-authenticate:", offsetof(struct resp, www_auth)},
                {"content-type:", offsetof(struct resp, content_type)}};
    for (size_t i = 0; i < 2; i++) {
        size_t kl = strlen(keep[i].name);
        if (len > kl && strncasecmp(p, keep[i].name, kl) == 0) {
            char **slot = (char **)((char *)r + keep[i].off);
            const char *v = p + kl;
            size_t vl = len - kl;
            while (vl && isspace((unsigned char)*v))
                v++, vl--;
            while (vl && isspace((unsigned char)v[vl - 1]))
                vl--;
            free(*slot);
            *slot = xstrndup(v, vl);
        }
    }
    return len;
}

static void resp_clear(struct resp *r)
{
    free(r->www_auth);
    free(r->content_type);
    *r = (struct resp){0};
}

/* One GET. Redirects are followed (blobs are often served from storage elsewhere); curl
 * does not send a custom Authorization header to another host on a redirect, so the
 * registry's token never leaves it. */
static struct curl_slist *setup(CURL *c, const char *url, const char *accept, const char *range,
                                const char *auth, struct sink *s, struct resp *r)
{
    struct curl_slist *h = NULL;
    if (accept)
        h = curl_slist_append(h, accept);
    if (auth)
        h = curl_slist_append(h, auth);
    if (range)
        h = curl_slist_append(h, range);
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
    /* A stalled transfer (under 1 byte/s for 30 s) is an error and is retried. */
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 30L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "hoist");
    return h;
}

static int get(struct reg *R, const char *url, const char *accept, const char *range,
               const char *auth, struct sink *s, struct resp *r, struct herr *e)
{
    CURL *c = R->curl;
    struct curl_slist *h = setup(c, url, accept, range, auth, s, r);
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(h);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    if (rc != CURLE_OK) {
        if (s->err)
            return herr_set(e, s->err, "GET %s", url);
        return herr_set(e, EIO, "GET %s: %s", url, curl_easy_strerror(rc));
    }
    return 0;
}

/* key="value" from a WWW-Authenticate challenge. */
static char *challenge_param(const char *ch, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = ch; (p = strstr(p, key)); p += kl) {
        if ((p != ch && isalnum((unsigned char)p[-1])) || p[kl] != '=' || p[kl + 1] != '"')
            continue;
        const char *v = p + kl + 2, *end = strchr(v, '"');
        return end ? xstrndup(v, (size_t)(end - v)) : NULL;
    }
    return NULL;
}

/* The Bearer token flow: GET realm?service=..&scope=.., with Basic credentials when we
 * have them; the answer's "token" or "access_token". */
static int fetch_token(struct reg *R, const char *challenge, struct herr *e)
{
    _cleanup_free_ char *realm = challenge_param(challenge, "realm");
    _cleanup_free_ char *service = challenge_param(challenge, "service");
    _cleanup_free_ char *scope = challenge_param(challenge, "scope");
    if (!realm)
        return herr_set(e, EACCES, "registry %s: bearer challenge without a realm", R->base);
    char *svc = service ? curl_easy_escape(R->curl, service, 0) : NULL;
    /* A login asks for a token without scope: only the credentials are checked. */
    _cleanup_free_ char *dflt = R->repo ? xasprintf("repository:%s:pull", R->repo) : NULL;
    char *scp = scope || dflt ? curl_easy_escape(R->curl, scope ? scope : dflt, 0) : NULL;
    _cleanup_free_ char *url =
        xasprintf("%s%s%s%s%s%s", realm, strchr(realm, '?') ? "&" : "?", scp ? "scope=" : "",
                  scp ? scp : "", svc ? (scp ? "&service=" : "service=") : "", svc ? svc : "");
    curl_free(svc);
    curl_free(scp);
    _cleanup_free_ char *basic = R->basic ? xasprintf("Authorization: Basic %s", R->basic) : NULL;
    struct sink s = {.fd = -1, .max = 1 << 20};
    struct resp r = {0};
    int rc = get(R, url, NULL, NULL, basic, &s, &r, e);
    _cleanup_json_ json_t *j = NULL;
    if (rc == 0 && r.status != 200)
        rc = herr_set(e, 0, "token from %s: HTTP %ld", realm, r.status);
    if (rc == 0) {
        j = json_loads(s.buf ? s.buf : "", 0, NULL);
        const char *tok = hj_str(j, "token") ? hj_str(j, "token") : hj_str(j, "access_token");
        if (!tok || !*tok)
            rc = herr_set(e, EACCES, "token from %s: no token in the answer", realm);
        else {
            free(R->auth);
            R->auth = xasprintf("Authorization: Bearer %s", tok);
        }
    }
    free(s.buf);
    resp_clear(&r);
    return rc;
}

/* GET with the registry's auth: a 401 answers its challenge (Bearer or Basic) once. */
static int reg_get(struct reg *R, const char *path, const char *accept, const char *range,
                   struct sink *s, struct resp *r, struct herr *e)
{
    _cleanup_free_ char *url = xasprintf("%s%s", R->base, path);
    for (int round = 0;; round++) {
        resp_clear(r);
        if (get(R, url, accept, range, R->auth, s, r, e) < 0)
            return -1;
        if (r->status != 401 || round > 0)
            return 0;
        const char *ch = r->www_auth ? r->www_auth : "";
        if (strncasecmp(ch, "Bearer", 6) == 0) {
            _cleanup_free_ char *c = xstrdup(ch);
            if (fetch_token(R, c, e) < 0)
                return -1;
        } else if (strncasecmp(ch, "Basic", 5) == 0 && R->basic) {
            free(R->auth);
            R->auth = xasprintf("Authorization: Basic %s", R->basic);
        } else {
            return 0;
        }
        /* Start the body over. */
        free(s->buf);
        s->buf = NULL;
        s->len = 0;
    }
}

static const char *status_text(long status)
{
    switch (status) {
    case 401:
        return "unauthorized: authentication required";
    case 403:
        return "denied: requested access to the resource is denied";
    case 404:
        return "not found";
    case 429:
        return "too many requests";
    default:
        return status >= 500 ? "registry error" : "unexpected response";
    }
}

static int manifest_get(struct reg *R, const char *ref, json_t **out, char **mt, char digest[72],
                        struct herr *e)
{
    _cleanup_free_ char *path = xasprintf("/v2/%s/manifests/%s", R->repo, ref);
    struct sink s = {.fd = -1, .max = MANIFEST_MAX};
    struct resp r = {0};
    int rc = -1;
    for (int i = 0; i < ATTEMPTS; i++) {
        if (i)
            usleep(200000u << i);
        free(s.buf);
        s = (struct sink){.fd = -1, .max = MANIFEST_MAX};
        struct herr te = {0};
        if (reg_get(R, path, ACCEPT_ALL, NULL, &s, &r, &te) == 0 && r.status < 500) {
            rc = 0;
            break;
        }
        if (e)
            *e = te;
        if (te.errnum == 0 && r.status >= 500)
            herr_set(e, EIO, "manifest %s: HTTP %ld", ref, r.status);
    }
    if (rc == 0 && r.status != 200)
        rc = herr_set(e, 0, "manifest for %s:%s: %s (HTTP %ld)", R->repo, ref,
                      status_text(r.status), r.status);
    if (rc == 0) {
        hi_digest(s.buf ? s.buf : "", s.len, digest);
        if (str_has_prefix(ref, "sha256:") && strcmp(ref, digest) != 0)
            rc = herr_set(e, EINVAL, "manifest %s: its content has digest %s", ref, digest);
    }
    if (rc == 0) {
        *out = json_loadb(s.buf ? s.buf : "", s.len, 0, NULL);
        if (!json_is_object(*out))
            rc = herr_set(e, EINVAL, "manifest for %s:%s is not JSON", R->repo, ref);
        const char *m = hj_str(*out, "mediaType");
        if (!m && r.content_type)
            m = r.content_type;
        *mt = xstrndup(m ? m : "", m ? strcspn(m, ";") : 0);
    }
    free(s.buf);
    resp_clear(&r);
    return rc;
}

static void host_platform(char *os_arch, size_t len)
{
    struct utsname u;
    const char *arch = "amd64";
    if (uname(&u) == 0) {
        if (strcmp(u.machine, "aarch64") == 0)
            arch = "arm64";
        else if (strcmp(u.machine, "x86_64") != 0)
            arch = u.machine;
    }
    snprintf(os_arch, len, "linux/%.40s", arch);
}

/* The entry of an index for os/arch[/variant]; unknown media types are skipped. */
static const char *pick_platform(const json_t *index, const char *want, struct herr *e)
{
    size_t i;
    const json_t *m;
    json_array_foreach(json_object_get(index, "manifests"), i, m)
    {
        const char *mt = hj_str(m, "mediaType");
        if (mt && strcmp(mt, MT_OCI_MANIFEST) && strcmp(mt, MT_DOCKER_MANIFEST))
            continue;
        const json_t *p = json_object_get(m, "platform");
        const char *os = hj_str(p, "os"), *arch = hj_str(p, "architecture");
        const char *variant = hj_str(p, "variant");
        if (!os || !arch)
            continue;
        _cleanup_free_ char *full =
            xasprintf("%s/%s%s%s", os, arch, variant ? "/" : "", variant ? variant : "");
        _cleanup_free_ char *base = xasprintf("%s/%s", os, arch);
        if (strcmp(full, want) == 0 || strcmp(base, want) == 0)
            return hj_str(m, "digest");
    }
    herr_set(e, ENOENT, "no matching manifest for %s in the manifest list entries", want);
    return NULL;
}

/* A blob into path, verified against digest and size; a cut transfer resumes with Range
 * where it stopped, a failing one is retried with backoff. */
static int blob_get(struct reg *R, const char *digest, long long size, const char *path,
                    bool resume, struct herr *e)
{
    _cleanup_free_ char *url = xasprintf("/v2/%s/blobs/%s", R->repo, digest);
    _cleanup_close_ int fd =
        open(path, O_RDWR | O_CREAT | (resume ? 0 : O_TRUNC) | O_CLOEXEC, 0600);
    if (fd < 0)
        return herr_sys(e, "create %s", path);
    struct sink s = {.fd = fd};
    sha256_init(&s.sha);
    /* What an earlier, cut transfer left is kept: hashed again, and continued with Range. */
    uint8_t buf[65536];
    ssize_t nread;
    while (resume && (nread = read(fd, buf, sizeof(buf))) > 0) {
        sha256_update(&s.sha, (size_t)nread, buf);
        s.written += (unsigned long long)nread;
    }
    struct resp r = {0};
    int rc = -1;
    for (int i = 0; i < ATTEMPTS && !hi_interrupted; i++) {
        if (i)
            usleep(200000u << i);
        _cleanup_free_ char *range = s.written ? xasprintf("Range: bytes=%llu-", s.written) : NULL;
        unsigned long long before = s.written;
        struct herr te = {0};
        int g = reg_get(R, url, NULL, range, &s, &r, &te);
        if (g == 0 && range && r.status == 200 && s.written > before) {
            /* The registry ignored the range and sent everything again: start over. */
            if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
                return herr_sys(e, "rewind %s", path);
            s.written = 0;
            sha256_init(&s.sha);
            continue;
        }
        if (g == 0 && (r.status == 200 || r.status == 206)) {
            rc = 0;
            break;
        }
        if (g == 0 && r.status < 500 && r.status != 429) {
            rc = herr_set(e, 0, "blob %s: %s (HTTP %ld)", digest, status_text(r.status), r.status);
            break;
        }
        if (e)
            *e = te;
        if (g == 0)
            herr_set(e, EIO, "blob %s: HTTP %ld", digest, r.status);
    }
    resp_clear(&r);
    if (rc < 0)
        return hi_interrupted ? herr_set(e, EINTR, "interrupted") : -1;
    char got[72];
    hi_sha_hex(&s.sha, got);
    if (strcmp(got, digest) != 0)
        return herr_set(e, EINVAL, "blob %s: content digest is %s: refusing it", digest, got);
    if (size >= 0 && (long long)s.written != size)
        return herr_set(e, EINVAL, "blob %s: %llu bytes, the manifest says %lld", digest, s.written,
                        size);
    return 0;
}

/* docker's credentials file: $DOCKER_CONFIG/config.json or ~/.docker/config.json. */
static char *docker_config_path(void)
{
    const char *dir = getenv("DOCKER_CONFIG");
    const char *home = getenv("HOME");
    return dir ? xasprintf("%s/config.json", dir)
               : xasprintf("%s/.docker/config.json", home ? home : "/root");
}

/* Credentials of docker login for the registry, from $DOCKER_CONFIG or ~/.docker. */
static char *docker_basic(const char *domain)
{
    _cleanup_free_ char *path = docker_config_path();
    struct herr ignore = {0};
    _cleanup_json_ json_t *j = hj_load_file(AT_FDCWD, path, &ignore);
    const json_t *auths = json_object_get(j, "auths");
    bool hub = strcmp(domain, "docker.io") == 0;
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)auths, key, v)
    {
        const char *k = key;
        if (str_has_prefix(k, "https://"))
            k += 8;
        else if (str_has_prefix(k, "http://"))
            k += 7;
        size_t kl = strcspn(k, "/");
        bool match = (strlen(domain) == kl && strncmp(k, domain, kl) == 0) ||
                     (hub && strncmp(k, "index.docker.io", kl) == 0 && kl == 15);
        if (match && hj_str(v, "auth"))
            return xstrdup(hj_str(v, "auth"));
    }
    return NULL;
}

static bool insecure(const char *domain)
{
    size_t hl = strcspn(domain, ":");
    if ((hl == 9 && strncmp(domain, "localhost", 9) == 0) || str_has_prefix(domain, "127."))
        return true;
    const char *list = getenv("HOIST_INSECURE_REGISTRIES");
    _cleanup_free_ char *copy = xstrdup(list ? list : "");
    char *save = NULL;
    for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        if (strcmp(t, domain) == 0)
            return true;
    }
    return false;
}

struct pull {
    const char *root, *platform;
    bool quiet;
};

/* One layer blob fetched in parallel with the others. */
struct xfer {
    CURL *h;
    struct curl_slist *hdr;
    struct sink s;
    struct resp r;
    const char *digest;
    long long size;
    char *path;
    bool ok, resume; /* resume: cut during a 200 answer, the bytes so far are good */
};

/* Fetch the blobs at once over one multi handle (the registry's token is already known
 * from the manifest). Whatever fails here is left !ok, for blob_get's retries. */
static void fetch_parallel(struct reg *R, struct xfer *x, size_t n, bool quiet)
{
    CURLM *m = curl_multi_init();
    if (!m)
        return;
    curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, 6L);
    for (size_t i = 0; i < n; i++) {
        int fd = open(x[i].path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        x[i].h = fd >= 0 ? curl_easy_init() : NULL;
        if (!x[i].h) {
            if (fd >= 0)
                close(fd);
            continue;
        }
        x[i].s = (struct sink){.fd = fd};
        sha256_init(&x[i].s.sha);
        _cleanup_free_ char *url = xasprintf("%s/v2/%s/blobs/%s", R->base, R->repo, x[i].digest);
        x[i].hdr = setup(x[i].h, url, NULL, NULL, R->auth, &x[i].s, &x[i].r);
        curl_easy_setopt(x[i].h, CURLOPT_PRIVATE, &x[i]);
        curl_multi_add_handle(m, x[i].h);
    }
    int running = 1;
    while (running && !hi_interrupted) {
        if (curl_multi_perform(m, &running) != CURLM_OK ||
            (running && curl_multi_poll(m, NULL, 0, 1000, NULL) != CURLM_OK))
            break;
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            struct xfer *t = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
            curl_easy_getinfo(t->h, CURLINFO_RESPONSE_CODE, &t->r.status);
            char got[72];
            hi_sha_hex(&t->s.sha, got);
            t->resume = msg->data.result != CURLE_OK && t->r.status == 200;
            t->ok = msg->data.result == CURLE_OK && t->r.status == 200 &&
                    strcmp(got, t->digest) == 0 &&
                    (t->size < 0 || (long long)t->s.written == t->size);
            if (t->ok && !quiet) {
                printf("%.12s: Pull complete\n", t->digest + 7);
                fflush(stdout);
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (!x[i].h)
            continue;
        curl_multi_remove_handle(m, x[i].h);
        curl_easy_cleanup(x[i].h);
        curl_slist_free_all(x[i].hdr);
        close(x[i].s.fd);
        resp_clear(&x[i].r);
        x[i].h = NULL;
    }
    curl_multi_cleanup(m);
}

/* Members for hi_load_store: each layer staged, or taken from the store when its layer is
 * already unpacked there (nothing is fetched for it). Layers are fetched in parallel;
 * one that fails is fetched again on its own, with retries and resumption. */
static int fetch_layers(struct reg *R, const struct pull *o, const char *stage,
                        const json_t *manifest, const json_t *config, json_t *layers,
                        struct herr *e)
{
    const json_t *descs = json_object_get(manifest, "layers");
    const json_t *diffs = hj_path(config, "rootfs.diff_ids");
    if (json_array_size(descs) != json_array_size(diffs))
        return herr_set(e, EINVAL, "manifest has %zu layers, the config %zu diff ids",
                        json_array_size(descs), json_array_size(diffs));
    char chain[72] = "";
    size_t n = json_array_size(descs), nx = 0;
    struct xfer *x = xcalloc(n + 1, sizeof(*x));
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const json_t *d = json_array_get(descs, i);
        const char *digest = hj_str(d, "digest"),
                   *diff = json_string_value(json_array_get(diffs, i));
        if (!digest || !str_has_prefix(digest, "sha256:") || !img_is_hex64(digest + 7) || !diff ||
            !str_has_prefix(diff, "sha256:") || !img_is_hex64(diff + 7)) {
            rc = herr_set(e, EINVAL, "layer %zu: not a sha256 digest", i + 1);
            break;
        }
        if (i == 0) {
            snprintf(chain, sizeof(chain), "%s", diff);
        } else {
            _cleanup_free_ char *s = xasprintf("%s %s", chain, diff);
            hi_digest(s, strlen(s), chain);
        }
        _cleanup_free_ char *have = xasprintf("%s/images/layers/%s", o->root, chain + 7);
        _cleanup_free_ char *tar = xasprintf("%s/images/blobs/sha256/%s", o->root, diff + 7);
        if (fs_exists(have) && fs_exists(tar)) {
            json_array_append_new(layers, json_pack("{s:s,s:s}", "f", tar, "d", diff));
            if (!o->quiet)
                printf("%.12s: Already exists\n", digest + 7);
            continue;
        }
        /* A layer listed twice is fetched once. */
        char *path = NULL;
        for (size_t k = 0; k < nx && !path; k++) {
            if (strcmp(x[k].digest, digest) == 0)
                path = x[k].path;
        }
        if (!path) {
            path = xasprintf("%s/l%zu", stage, i);
            x[nx++] = (struct xfer){.digest = digest, .size = hj_int(d, "size", -1), .path = path};
        }
        json_array_append_new(layers, json_pack("{s:s,s:s}", "f", path, "d", digest));
    }
    if (rc == 0)
        fetch_parallel(R, x, nx, o->quiet);
    for (size_t k = 0; k < nx && rc == 0; k++) {
        if (x[k].ok)
            continue;
        if (blob_get(R, x[k].digest, x[k].size, x[k].path, x[k].resume, e) < 0)
            rc = herr_wrap(e, "layer %.19s", x[k].digest);
        else if (!o->quiet)
            printf("%.12s: Pull complete\n", x[k].digest + 7);
    }
    for (size_t k = 0; k < nx; k++)
        free(x[k].path);
    free(x);
    return rc;
}

static int pull(const struct pull *o, const char *refstr, struct herr *e)
{
    struct image_ref ref = {0};
    if (image_ref_parse(refstr, &ref, e) < 0)
        return -1;
    _cleanup_free_ char *name = image_ref_string(&ref);
    _cleanup_free_ char *display = image_ref_display(name);
    const char *host = strcmp(ref.domain, "docker.io") == 0 ? "registry-1.docker.io" : ref.domain;
    struct reg R = {.curl = curl_easy_init(),
                    .base = xasprintf("%s://%s", insecure(ref.domain) ? "http" : "https", host),
                    .repo = xstrdup(ref.path),
                    .domain = xstrdup(ref.domain),
                    .basic = docker_basic(ref.domain)};
    const char *tag = ref.digest ? ref.digest : ref.tag;
    char want[64];
    if (!o->platform)
        host_platform(want, sizeof(want));
    else
        snprintf(want, sizeof(want), "%s", o->platform);
    _cleanup_free_ char *stage = NULL;
    _cleanup_json_ json_t *top = NULL, *manifest = NULL, *config = NULL;
    _cleanup_free_ char *mt = NULL, *mt2 = NULL, *cfg_path = NULL;
    _cleanup_json_ json_t *repos = NULL;
    char top_digest[72], digest[72];
    struct hi_load_image img = {0};
    int rc = -1;
    if (!R.curl) {
        herr_set(e, ENOMEM, "curl");
        goto out;
    }
    if (!o->quiet)
        printf("%s: Pulling from %s\n", ref.tag ? ref.tag : ref.digest, ref.path);
    if (manifest_get(&R, tag, &top, &mt, top_digest, e) < 0)
        goto out;
    snprintf(digest, sizeof(digest), "%s", top_digest);
    if (strcmp(mt, MT_OCI_INDEX) == 0 || strcmp(mt, MT_DOCKER_LIST) == 0) {
        const char *pick = pick_platform(top, want, e);
        if (!pick || manifest_get(&R, pick, &manifest, &mt2, digest, e) < 0)
            goto out;
    } else if (strcmp(mt, MT_OCI_MANIFEST) == 0 || strcmp(mt, MT_DOCKER_MANIFEST) == 0) {
        manifest = json_incref(top);
    } else {
        herr_set(e, EINVAL, "manifest of media type \"%s\" is not supported", mt);
        goto out;
    }
    const char *cfg_digest = hj_str(json_object_get(manifest, "config"), "digest");
    if (!cfg_digest || !str_has_prefix(cfg_digest, "sha256:") || !img_is_hex64(cfg_digest + 7)) {
        herr_set(e, EINVAL, "manifest %s has no sha256 config digest", digest);
        goto out;
    }
    if (img_store_init(o->root, e) < 0)
        goto out;
    hi_clean_stale(o->root);
    if (hi_stage_create(o->root, &stage, e) < 0)
        goto out;
    cfg_path = xasprintf("%s/config", stage);
    if (blob_get(&R, cfg_digest, hj_int(json_object_get(manifest, "config"), "size", -1), cfg_path,
                 false, e) < 0)
        goto out;
    config = hj_load_file(AT_FDCWD, cfg_path, e);
    if (!config)
        goto out;
    /* Up to date: the same image under the same name. */
    struct herr ignore = {0};
    repos = img_repos_load(o->root, &ignore);
    if (hj_str(repos, name) && strcmp(hj_str(repos, name), cfg_digest) == 0) {
        if (o->quiet)
            printf("%s\n", name);
        else
            printf("Digest: %s\nStatus: Image is up to date for %s\n", top_digest, display);
        rc = 0;
        goto out;
    }
    img = (struct hi_load_image){.id = xstrdup(cfg_digest),
                                 .config = json_incref(config),
                                 .cfg_mem = json_pack("{s:s,s:s}", "f", cfg_path, "d", cfg_digest),
                                 .layers = json_array(),
                                 .tags = xcalloc(2, sizeof(char *))};
    img.tags[0] = xstrdup(name);
    if (fetch_layers(&R, o, stage, manifest, config, img.layers, e) < 0 ||
        hi_load_store(o->root, stage, &img, 1, false, false, e) < 0)
        goto out;
    if (o->quiet)
        printf("%s\n", name);
    else
        printf("Digest: %s\nStatus: Downloaded newer image for %s\n", top_digest, display);
    rc = 0;
out:
    if (rc < 0)
        herr_wrap(e, "pull %s", display);
    if (stage) {
        struct herr ig = {0};
        fs_rm_rf(stage, &ig);
    }
    free(img.id);
    json_decref(img.config);
    json_decref(img.cfg_mem);
    json_decref(img.layers);
    strv_free(img.tags);
    if (R.curl)
        curl_easy_cleanup(R.curl);
    free(R.base);
    free(R.repo);
    free(R.auth);
    free(R.basic);
    free(R.domain);
    image_ref_clear(&ref);
    return rc;
}

int hi_pull_main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"root", required_argument, NULL, 'r'},
        {"quiet", no_argument, NULL, 'q'},
        {"platform", required_argument, NULL, 'p'},
        {0},
    };
    struct pull o = {0};
    int c;
    optind = 2;
    while ((c = getopt_long(argc, argv, "+q", lo, NULL)) != -1) {
        if (c == 'r')
            o.root = optarg;
        else if (c == 'q')
            o.quiet = true;
        else if (c == 'p')
            o.platform = optarg;
        else
            return 2;
    }
    if (!o.root || optind + 1 != argc) {
        fprintf(stderr, "usage: hoist-image pull --root R [-q] [--platform OS/ARCH] REF\n");
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct herr e = {0};
    int r = pull(&o, argv[optind], &e);
    curl_global_cleanup();
    if (r < 0) {
        char buf[HERR_MSG_MAX + 128];
        fflush(stdout);
        fprintf(stderr, "hoist-image: %s\n", herr_str(&e, buf, sizeof(buf)));
        return hi_interrupted ? 130 : 1;
    }
    return fflush(stdout) == 0 ? 0 : 1;
}

/* The key docker uses in "auths" for a registry. */
static char *auth_key(const char *registry)
{
    const char *r = registry;
    if (str_has_prefix(r, "https://"))
        r += 8;
    else if (str_has_prefix(r, "http://"))
        r += 7;
    size_t n = strcspn(r, "/");
    if ((n == 9 && strncmp(r, "docker.io", 9) == 0) ||
        (n == 15 && !strncmp(r, "index.docker.io", 15)))
        return xstrdup("https://index.docker.io/v1/");
    return xstrndup(r, n);
}

static int save_auths(const char *path, json_t *cfg, struct herr *e)
{
    _cleanup_free_ char *dir = xstrdup(path);
    *strrchr(dir, '/') = '\0';
    _cleanup_free_ char *text = json_dumps(cfg, JSON_INDENT(1) | JSON_SORT_KEYS);
    if (fs_mkdir_p(dir, 0700, e) < 0 ||
        fs_write_atomic(AT_FDCWD, path, text, strlen(text), 0600, true, e) < 0)
        return -1;
    return 0;
}

/* Check the credentials against the registry (GET /v2/ answering its challenge), then
 * store them where docker keeps them, so both tools share one login. */
static int login(const char *registry, const char *user, const char *pass, struct herr *e)
{
    _cleanup_free_ char *key = auth_key(registry);
    const char *domain = str_has_prefix(key, "https://index.docker.io") ? "docker.io" : key;
    const char *host = strcmp(domain, "docker.io") == 0 ? "registry-1.docker.io" : domain;
    _cleanup_free_ char *userpass = xasprintf("%s:%s", user, pass);
    size_t ul = strlen(userpass);
    _cleanup_free_ char *b64 = xcalloc(1, BASE64_ENCODE_RAW_LENGTH(ul) + 1);
    base64_encode_raw(b64, ul, (const uint8_t *)userpass);
    struct reg R = {.curl = curl_easy_init(),
                    .base = xasprintf("%s://%s", insecure(domain) ? "http" : "https", host),
                    .basic = xstrdup(b64)};
    struct sink s = {.fd = -1, .max = 1 << 20};
    struct resp r = {0};
    int rc = R.curl ? reg_get(&R, "/v2/", NULL, NULL, &s, &r, e) : herr_set(e, ENOMEM, "curl");
    if (rc == 0 && r.status == 401)
        rc = herr_set(e, 0, "login to %s: unauthorized: incorrect username or password", domain);
    else if (rc == 0 && r.status != 200)
        rc = herr_set(e, 0, "login to %s: HTTP %ld", domain, r.status);
    else if (rc < 0)
        herr_wrap(e, "login to %s", domain);
    free(s.buf);
    resp_clear(&r);
    if (R.curl)
        curl_easy_cleanup(R.curl);
    free(R.base);
    free(R.auth);
    free(R.basic);
    if (rc < 0)
        return -1;
    _cleanup_free_ char *path = docker_config_path();
    struct herr ignore = {0};
    _cleanup_json_ json_t *cfg = hj_load_file(AT_FDCWD, path, &ignore);
    if (!json_is_object(cfg)) {
        json_decref(cfg);
        cfg = json_object();
    }
    json_t *auths = json_object_get(cfg, "auths");
    if (!json_is_object(auths)) {
        auths = json_object();
        json_object_set_new(cfg, "auths", auths);
    }
    json_object_set_new(auths, key, json_pack("{s:s}", "auth", b64));
    if (save_auths(path, cfg, e) < 0)
        return -1;
    printf("Login Succeeded\n");
    return 0;
}

static int logout(const char *registry, struct herr *e)
{
    _cleanup_free_ char *key = auth_key(registry);
    _cleanup_free_ char *path = docker_config_path();
    struct herr ignore = {0};
    _cleanup_json_ json_t *cfg = hj_load_file(AT_FDCWD, path, &ignore);
    json_t *auths = json_object_get(cfg, "auths");
    if (!json_object_get(auths, key)) {
        printf("Not logged in to %s\n", key);
        return 0;
    }
    json_object_del(auths, key);
    if (save_auths(path, cfg, e) < 0)
        return -1;
    printf("Removing login credentials for %s\n", key);
    return 0;
}

int hi_login_main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"root", required_argument, NULL, 'r'},
        {"username", required_argument, NULL, 'u'},
        {"password", required_argument, NULL, 'p'},
        {"password-stdin", no_argument, NULL, 'S'},
        {0},
    };
    bool out = strcmp(argv[1], "logout") == 0, from_stdin = false;
    const char *user = NULL, *pass = NULL;
    int c;
    optind = 2;
    while ((c = getopt_long(argc, argv, "+u:p:", lo, NULL)) != -1) {
        if (c == 'u')
            user = optarg;
        else if (c == 'p')
            pass = optarg;
        else if (c == 'S')
            from_stdin = true;
        else if (c != 'r')
            return 2;
    }
    if (optind + 1 != argc || (!out && (!user || (!pass && !from_stdin) || (pass && from_stdin)))) {
        fprintf(stderr, "usage: hoist-image login -u USER (-p PASS | --password-stdin) REGISTRY\n"
                        "       hoist-image logout REGISTRY\n");
        return 2;
    }
    _cleanup_free_ char *line = NULL;
    if (from_stdin) {
        size_t cap = 0;
        ssize_t n = getline(&line, &cap, stdin);
        if (n <= 0) {
            fprintf(stderr, "hoist-image: login: no password on stdin\n");
            return 1;
        }
        line[strcspn(line, "\r\n")] = '\0';
        pass = line;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct herr e = {0};
    int r = out ? logout(argv[optind], &e) : login(argv[optind], user, pass, &e);
    curl_global_cleanup();
    if (r < 0) {
        char buf[HERR_MSG_MAX + 128];
        fprintf(stderr, "hoist-image: %s\n", herr_str(&e, buf, sizeof(buf)));
        return 1;
    }
    return 0;
}
