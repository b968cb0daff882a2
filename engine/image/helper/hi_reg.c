/* The registry v2 client of hoist-image (libcurl): GETs with the registry's auth
 * (anonymous, Basic, or the Bearer token flow), manifests checked against their digest,
 * blobs checked against digest and size while they stream, resumed with Range and
 * retried with backoff; and the registries configuration. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/image/helper/hi.h"
#include "engine/image/helper/hi_load.h"
#include "engine/image/helper/hi_reg.h"
#include "engine/image/helper/hi_stream.h"

#define ACCEPT_ALL                                                                                 \
    "Accept: " HI_MT_OCI_INDEX ", " HI_MT_DOCKER_LIST ", " HI_MT_OCI_MANIFEST                      \
    ", " HI_MT_DOCKER_MANIFEST
#define MANIFEST_MAX (4 << 20)
#define ATTEMPTS 4
#define REGISTRIES_CONFIG "/etc/hoist/registries.json"

void hi_sink_init(struct hi_sink *s, int fd, struct hi_stream *stream)
{
    *s = (struct hi_sink){.fd = fd, .stream = stream};
    sha256_init(&s->sha);
}

/* The bytes of a response into the sink: a buffer (error page or manifest), a file, or
 * a layer stream; *took says how many the sink accepted before a full stream. 0, EAGAIN
 * (the stream is full and the transfer may pause) or an errno. */
static int sink_put(struct hi_sink *s, const char *p, size_t len, size_t *took)
{
    *took = len;
    if (s->stream) {
        *took = hi_stream_write(s->stream, p, len, !s->may_pause);
        return *took < len ? EAGAIN : 0;
    }
    for (size_t off = 0; off < len;) {
        ssize_t w = write(s->fd, p + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return errno;
        off += (size_t)w;
    }
    return 0;
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    struct hi_sink *s = arg;
    size_t len = size * n;
    if (s->fd < 0 && !s->stream) {
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
    if (s->fresh) {
        /* The first bytes of this answer: an error page is not blob content, and a full
         * answer to a Range request repeats what is already written. */
        long status = 0;
        s->fresh = false;
        curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &status);
        s->discard = status != 200 && status != 206;
        s->skip = status == 200 ? s->written : 0;
    }
    if (s->discard)
        return len;
    size_t done = s->redo < len ? s->redo : len;
    s->redo -= done;
    size_t skip = s->skip < len - done ? (size_t)s->skip : len - done;
    s->skip -= skip;
    done += skip;
    if (len > done) {
        size_t took;
        int err = sink_put(s, p + done, len - done, &took);
        if (!s->stream)
            sha256_update(&s->sha, took, (const uint8_t *)p + done);
        s->written += took;
        if (err == EAGAIN) {
            s->redo = done + took;
            s->paused = true;
            return CURL_WRITEFUNC_PAUSE;
        }
        if (err) {
            s->err = err;
            return 0;
        }
    }
    return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
    struct hi_resp *r = arg;
    size_t len = size * n;
    static const struct {
        const char *name;
        size_t off;
    } keep[] = {{"www-authenticate:", offsetof(struct hi_resp, www_auth)},
                {"content-type:", offsetof(struct hi_resp, content_type)}};
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

void hi_resp_clear(struct hi_resp *r)
{
    free(r->www_auth);
    free(r->content_type);
    *r = (struct hi_resp){0};
}

/* Redirects are followed (blobs are often served from storage elsewhere); curl does not
 * send a custom Authorization header to another host on a redirect, so the registry's
 * token never leaves it. */
struct curl_slist *hi_reg_setup(struct hi_reg *R, CURL *c, const char *url, const char *accept,
                                const char *range, const char *auth, struct hi_sink *s,
                                struct hi_resp *r)
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
    /* Larger reads from the socket: fewer calls into the layer's stream. */
    curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 256L * 1024);
    if (R->insecure) {
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    s->h = c;
    s->fresh = true;
    s->discard = false;
    s->skip = 0;
    s->redo = 0;
    s->paused = false;
    return h;
}

/* A GET, or a form POST when form is given (the OAuth token grant). */
static int request(struct hi_reg *R, const char *url, const char *accept, const char *range,
                   const char *auth, const char *form, struct hi_sink *s, struct hi_resp *r,
                   struct herr *e)
{
    CURL *c = R->curl;
    struct curl_slist *h = hi_reg_setup(R, c, url, accept, range, auth, s, r);
    if (form)
        curl_easy_setopt(c, CURLOPT_COPYPOSTFIELDS, form);
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(h);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    if (rc != CURLE_OK) {
        if (s->err)
            return herr_set(e, s->err, "GET %s", url);
        /* Most often a plain-HTTP registry that nobody listed as insecure. */
        if (rc == CURLE_SSL_CONNECT_ERROR && !R->insecure)
            return herr_set(e, EIO,
                            "GET %s: %s (for a registry without TLS, list it in "
                            "insecure-registries of /etc/hoist/registries.json)",
                            url, curl_easy_strerror(rc));
        /* The socket's own errno ("Connection refused") says more than a generic EIO;
         * without one, curl's words say all there is. */
        long oserr = 0;
        curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &oserr);
        if (oserr <= 0)
            return herr_plain(e, EIO, "%s %s: %s", form ? "POST" : "GET", url,
                              curl_easy_strerror(rc));
        return herr_set(e, (int)oserr, "%s %s: %s", form ? "POST" : "GET", url,
                        curl_easy_strerror(rc));
    }
    return 0;
}

static int get(struct hi_reg *R, const char *url, const char *accept, const char *range,
               const char *auth, struct hi_sink *s, struct hi_resp *r, struct herr *e)
{
    return request(R, url, accept, range, auth, NULL, s, r, e);
}

static long long mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
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
 * have them; with an identity token, the OAuth refresh-token grant POSTed to the realm,
 * as docker does. The answer's "token" or "access_token". */
static int fetch_token(struct hi_reg *R, const char *challenge, struct herr *e)
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
    _cleanup_free_ char *query =
        xasprintf("%s%s%s%s", scp ? "scope=" : "", scp ? scp : "",
                  svc ? (scp ? "&service=" : "service=") : "", svc ? svc : "");
    curl_free(svc);
    curl_free(scp);
    _cleanup_free_ char *url = NULL, *form = NULL, *basic = NULL;
    if (R->identity) {
        char *rt = curl_easy_escape(R->curl, R->identity, 0);
        url = xstrdup(realm);
        form = xasprintf("grant_type=refresh_token&client_id=hoist&refresh_token=%s%s%s", rt,
                         *query ? "&" : "", query);
        curl_free(rt);
    } else {
        url = xasprintf("%s%s%s", realm, strchr(realm, '?') ? "&" : "?", query);
        basic = R->basic ? xasprintf("Authorization: Basic %s", R->basic) : NULL;
    }
    struct hi_sink s;
    hi_sink_init(&s, -1, NULL);
    s.max = 1 << 20;
    struct hi_resp r = {0};
    long long t0 = mono_ns();
    int rc = request(R, url, NULL, NULL, basic, form, &s, &r, e);
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
            /* The token server may rotate the refresh token: the next grant uses the new. */
            const char *next = hj_str(j, "refresh_token");
            if (R->identity && next && *next) {
                free(R->identity);
                R->identity = xstrdup(next);
            }
            /* The spec's default lifetime is 60 s; it is renewed a tenth early (at most
             * 5 s), as the clock started before the token server issued it. */
            long long ttl = hj_int(j, "expires_in", 60);
            if (ttl <= 0)
                ttl = 60;
            if (ttl > 86400)
                ttl = 86400;
            long long early = ttl * 100000000LL < 5000000000LL ? ttl * 100000000LL : 5000000000LL;
            R->token_until = t0 + ttl * 1000000000LL - early;
            if (R->challenge != challenge) {
                free(R->challenge);
                R->challenge = xstrdup(challenge);
            }
        }
    }
    free(s.buf);
    hi_resp_clear(&r);
    return rc;
}

int hi_reg_auth_fresh(struct hi_reg *R, struct herr *e)
{
    if (!R->token_until || !R->challenge || mono_ns() < R->token_until)
        return 0;
    return fetch_token(R, R->challenge, e);
}

int hi_reg_get(struct hi_reg *R, const char *path, const char *accept, const char *range,
               struct hi_sink *s, struct hi_resp *r, struct herr *e)
{
    _cleanup_free_ char *url = xasprintf("%s%s", R->base, path);
    if (hi_reg_auth_fresh(R, e) < 0)
        return -1;
    for (int round = 0;; round++) {
        hi_resp_clear(r);
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
            R->token_until = 0;
        } else {
            return 0;
        }
        /* Start the body over. */
        free(s->buf);
        s->buf = NULL;
        s->len = 0;
    }
}

const char *hi_status_text(long status)
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

int hi_reg_manifest(struct hi_reg *R, const char *ref, json_t **out, char **mt, char digest[72],
                    struct herr *e)
{
    _cleanup_free_ char *path = xasprintf("/v2/%s/manifests/%s", R->repo, ref);
    struct hi_sink s;
    hi_sink_init(&s, -1, NULL);
    s.max = MANIFEST_MAX;
    struct hi_resp r = {0};
    int rc = -1;
    for (int i = 0; i < ATTEMPTS; i++) {
        if (i)
            usleep(200000u << i);
        free(s.buf);
        hi_sink_init(&s, -1, NULL);
        s.max = MANIFEST_MAX;
        struct herr te = {0};
        if (hi_reg_get(R, path, ACCEPT_ALL, NULL, &s, &r, &te) == 0 && r.status < 500) {
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
                      hi_status_text(r.status), r.status);
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
    hi_resp_clear(&r);
    return rc;
}

int hi_digest_check(const char *want, const char *got, struct herr *e)
{
    if (strcmp(got, want) != 0)
        return herr_set(e, EINVAL, "blob %s: content digest is %s: refusing it", want, got);
    return 0;
}

int hi_sink_verify(struct hi_sink *s, const char *digest, long long size, struct herr *e)
{
    char got[72];
    hi_sha_hex(&s->sha, got);
    if (!s->stream && hi_digest_check(digest, got, e) < 0)
        return -1;
    if (size >= 0 && (long long)s->written != size)
        return herr_set(e, EINVAL, "blob %s: %llu bytes, the manifest says %lld", digest,
                        s->written, size);
    return 0;
}

int hi_reg_blob(struct hi_reg *R, const char *digest, long long size, struct hi_sink *s,
                struct herr *e)
{
    _cleanup_free_ char *url = xasprintf("/v2/%s/blobs/%s", R->repo, digest);
    struct hi_resp r = {0};
    int rc = -1;
    for (int i = 0; i < ATTEMPTS && !hi_interrupted; i++) {
        if (i)
            usleep(200000u << i);
        _cleanup_free_ char *range =
            s->written ? xasprintf("Range: bytes=%llu-", s->written) : NULL;
        struct herr te = {0};
        int g = hi_reg_get(R, url, NULL, range, s, &r, &te);
        if (g == 0 && (r.status == 200 || r.status == 206)) {
            rc = 0;
            break;
        }
        if (g == 0 && r.status < 500 && r.status != 429) {
            rc = herr_set(e, 0, "blob %s: %s (HTTP %ld)", digest, hi_status_text(r.status),
                          r.status);
            break;
        }
        if (e)
            *e = te;
        if (g == 0)
            herr_set(e, EIO, "blob %s: HTTP %ld", digest, r.status);
    }
    hi_resp_clear(&r);
    if (rc < 0)
        return hi_interrupted ? herr_set(e, EINTR, "interrupted") : -1;
    return hi_sink_verify(s, digest, size, e);
}

static char **json_strv(const json_t *a)
{
    char **v = xcalloc(json_array_size(a) + 1, sizeof(char *));
    size_t i, n = 0;
    const json_t *it;
    json_array_foreach(a, i, it)
    {
        if (json_is_string(it))
            v[n++] = xstrdup(json_string_value(it));
    }
    return v;
}

int hi_registries_load(struct hi_registries *c, struct herr *e)
{
    const char *path = getenv("HOIST_REGISTRIES_CONFIG");
    if (!path)
        path = REGISTRIES_CONFIG;
    *c = (struct hi_registries){0};
    json_error_t je;
    _cleanup_json_ json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!j && errno == ENOENT && access(path, F_OK) < 0) {
        c->insecure = xcalloc(1, sizeof(char *));
        c->mirrors = xcalloc(1, sizeof(char *));
        return 0;
    }
    if (!j)
        return herr_set(e, EINVAL, "%s:%d:%d: %s", path, je.line, je.column, je.text);
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        bool known = !strcmp(key, "insecure-registries") || !strcmp(key, "registry-mirrors");
        if (!known)
            return herr_set(e, EINVAL,
                            "%s: unknown key \"%s\" (insecure-registries, "
                            "registry-mirrors)",
                            path, key);
        size_t i;
        json_t *it;
        if (!json_is_array(v))
            return herr_set(e, EINVAL, "%s: \"%s\" must be a list of strings", path, key);
        json_array_foreach(v, i, it)
        {
            const char *s = json_string_value(it);
            if (!s || !*s)
                return herr_set(e, EINVAL, "%s: \"%s\" entry %zu is not a string", path, key,
                                i + 1);
            if (strcmp(key, "registry-mirrors") == 0 && !str_has_prefix(s, "http://") &&
                !str_has_prefix(s, "https://"))
                return herr_set(e, EINVAL, "%s: mirror \"%s\" must start with http:// or https://",
                                path, s);
        }
    }
    c->insecure = json_strv(json_object_get(j, "insecure-registries"));
    c->mirrors = json_strv(json_object_get(j, "registry-mirrors"));
    return 0;
}

void hi_registries_clear(struct hi_registries *c)
{
    strv_free(c->insecure);
    strv_free(c->mirrors);
    *c = (struct hi_registries){0};
}

/* An IPv4 host (the domain without its port) inside "a.b.c.d/n". */
static bool in_cidr(const char *domain, const char *cidr)
{
    const char *slash = strchr(cidr, '/');
    if (!slash)
        return false;
    _cleanup_free_ char *net = xstrndup(cidr, (size_t)(slash - cidr));
    _cleanup_free_ char *host = xstrndup(domain, strcspn(domain, ":"));
    char *end;
    long bits = strtol(slash + 1, &end, 10);
    struct in_addr a, n;
    if (*end || bits < 0 || bits > 32 || inet_pton(AF_INET, net, &n) != 1 ||
        inet_pton(AF_INET, host, &a) != 1)
        return false;
    uint32_t mask = bits ? htonl(~0u << (32 - bits)) : 0;
    return (a.s_addr & mask) == (n.s_addr & mask);
}

bool hi_registry_insecure(const struct hi_registries *c, const char *domain)
{
    size_t hl = strcspn(domain, ":");
    if ((hl == 9 && strncmp(domain, "localhost", 9) == 0) || str_has_prefix(domain, "127.") ||
        str_has_prefix(domain, "[::1]"))
        return true;
    for (char **t = c ? c->insecure : NULL; t && *t; t++) {
        if (strcmp(*t, domain) == 0 || in_cidr(domain, *t))
            return true;
    }
    const char *list = getenv("HOIST_INSECURE_REGISTRIES");
    _cleanup_free_ char *copy = xstrdup(list ? list : "");
    char *save = NULL;
    for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        if (strcmp(t, domain) == 0 || in_cidr(domain, t))
            return true;
    }
    return false;
}

/* Does the registry answer over TLS at all (any HTTP status counts)? */
static bool speaks_tls(struct hi_reg *R, const char *host)
{
    _cleanup_free_ char *url = xasprintf("https://%s/v2/", host);
    struct hi_sink s;
    hi_sink_init(&s, -1, NULL);
    s.max = 1 << 16;
    struct hi_resp r = {0};
    struct curl_slist *h = hi_reg_setup(R, R->curl, url, NULL, NULL, NULL, &s, &r);
    curl_easy_setopt(R->curl, CURLOPT_CONNECTTIMEOUT, 5L);
    CURLcode rc = curl_easy_perform(R->curl);
    curl_slist_free_all(h);
    free(s.buf);
    hi_resp_clear(&r);
    return rc == CURLE_OK;
}

int hi_reg_open(struct hi_reg *R, const char *domain, const char *repo, const char *base,
                bool insecure, struct herr *e)
{
    const char *host = strcmp(domain, "docker.io") == 0 ? "registry-1.docker.io" : domain;
    *R = (struct hi_reg){.curl = curl_easy_init(),
                         .repo = repo ? xstrdup(repo) : NULL,
                         .domain = xstrdup(domain),
                         .insecure = insecure};
    if (!R->curl)
        return herr_set(e, ENOMEM, "curl");
    if (base)
        R->base = xstrdup(base);
    else if (insecure && !speaks_tls(R, host))
        R->base = xasprintf("http://%s", host);
    else
        R->base = xasprintf("https://%s", host);
    return 0;
}

void hi_reg_close(struct hi_reg *R)
{
    if (R->curl)
        curl_easy_cleanup(R->curl);
    free(R->base);
    free(R->repo);
    free(R->auth);
    free(R->basic);
    free(R->identity);
    free(R->domain);
    free(R->challenge);
    *R = (struct hi_reg){0};
}
