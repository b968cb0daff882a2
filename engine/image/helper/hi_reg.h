/* hoist-image: the registry v2 client shared by pull and login (libcurl), and the
 * registries configuration (/etc/hoist/registries.json). */
#ifndef HOIST_IMAGE_HELPER_REG_H
#define HOIST_IMAGE_HELPER_REG_H

#include <curl/curl.h>
#include <jansson.h>
#include <stdbool.h>

#include <nettle/sha2.h>

#include "common/err.h"

#define HI_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define HI_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define HI_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define HI_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"

struct hi_stream;

struct hi_reg {
    CURL *curl;
    char *base;     /* "https://host[:port]" */
    char *repo;     /* "library/busybox"; NULL for login */
    char *auth;     /* "Authorization: ..." for this registry, NULL: none yet */
    char *basic;    /* base64 user:pass from docker's config.json, NULL: none */
    char *identity; /* or an identity token, for the token server's OAuth grant */
    char *domain;   /* as written in the reference, for credentials */
    bool insecure;
    char *challenge;       /* the Bearer challenge auth's token answered, for renewal */
    long long token_until; /* CLOCK_MONOTONIC ns when that token is to be renewed; 0: never */
};

/* Where a response body goes: memory (up to max), a file or a layer stream. Bodies of
 * error answers are not written to a file or stream; bytes a server sends again after
 * ignoring a Range request are skipped. The sha256 covers what was written, except for
 * a stream: its thread hashes, off the fetching thread. */
struct hi_sink {
    char *buf;
    size_t len, max;
    int fd;
    struct hi_stream *stream;
    struct sha256_ctx sha;
    unsigned long long written;
    int err;
    /* per response */
    CURL *h;
    bool fresh, discard;
    unsigned long long skip;
    /* On a multi handle a full layer stream pauses its transfer instead of blocking the
     * others: paused is set, and redo counts the bytes of the held chunk already taken,
     * which curl delivers again when the transfer resumes. */
    bool may_pause, paused;
    size_t redo;
};

struct hi_resp {
    long status;
    char *www_auth;
    char *content_type;
};

struct hi_registries {
    char **insecure; /* "host[:port]" or IPv4 CIDR */
    char **mirrors;  /* docker.io mirrors, "https://host[:port]" */
};

/* $HOIST_REGISTRIES_CONFIG or /etc/hoist/registries.json; a missing file is empty. */
int hi_registries_load(struct hi_registries *c, struct herr *e);
void hi_registries_clear(struct hi_registries *c);
/* Plain HTTP (or HTTPS without verification) is allowed for the registry: localhost,
 * 127/8, ::1, the config's list and $HOIST_INSECURE_REGISTRIES. */
bool hi_registry_insecure(const struct hi_registries *c, const char *domain);

/* A client for domain (docker.io goes to registry-1.docker.io, or base when given: a
 * mirror), without credentials: the caller sets basic or identity (hi_creds_get, or
 * login's). An insecure
 * registry is asked over HTTPS first and, if that cannot connect, over HTTP, as docker does. */
int hi_reg_open(struct hi_reg *R, const char *domain, const char *repo, const char *base,
                bool insecure, struct herr *e);
void hi_reg_close(struct hi_reg *R);

void hi_sink_init(struct hi_sink *s, int fd, struct hi_stream *stream);
void hi_resp_clear(struct hi_resp *r);
/* A curl handle set up for one GET into s and r (for a multi handle). */
struct curl_slist *hi_reg_setup(struct hi_reg *R, CURL *c, const char *url, const char *accept,
                                const char *range, const char *auth, struct hi_sink *s,
                                struct hi_resp *r);
/* A Bearer token near the end of its expires_in is renewed before it is sent again. */
int hi_reg_auth_fresh(struct hi_reg *R, struct herr *e);
/* GET base+path with the registry's auth, answering one 401 challenge (Bearer or Basic). */
int hi_reg_get(struct hi_reg *R, const char *path, const char *accept, const char *range,
               struct hi_sink *s, struct hi_resp *r, struct herr *e);
/* A manifest by tag or digest, checked against the digest when asked by one; mt gets its
 * media type, digest the digest of its bytes. */
int hi_reg_manifest(struct hi_reg *R, const char *ref, json_t **out, char **mt, char digest[72],
                    struct herr *e);
/* A blob into s (which may hold the bytes of an earlier, cut transfer: they are kept and
 * the rest asked for with Range), verified against digest and size; retried with backoff. */
int hi_reg_blob(struct hi_reg *R, const char *digest, long long size, struct hi_sink *s,
                struct herr *e);
/* Digest and size of what s received match; a stream's digest is checked once its
 * thread is done (hi_digest_check). */
int hi_sink_verify(struct hi_sink *s, const char *digest, long long size, struct herr *e);
int hi_digest_check(const char *want, const char *got, struct herr *e);
const char *hi_status_text(long status);

/* docker's credentials file: $DOCKER_CONFIG/config.json or ~/.docker/config.json. */
char *hi_docker_config_path(void);
/* What docker keeps for a registry: base64 "user:password", or an identity token (a
 * refresh token for the token server's OAuth grant); both NULL: none. */
struct hi_creds {
    char *basic;
    char *identity;
};
/* The registry's "auths" entry in config.json (its identitytoken, else its auth), else
 * what the credential helper config.json names gives (credHelpers, credsStore). */
void hi_creds_get(const char *domain, struct hi_creds *c);
/* The credential helper config.json names for the registry: credHelpers, else credsStore. */
const char *hi_creds_helper(const json_t *cfg, const char *domain);
/* `docker-credential-HELPER store` / `erase` for server (docker's key for the registry). */
int hi_creds_helper_store(const char *helper, const char *server, const char *user,
                          const char *secret, struct herr *e);
int hi_creds_helper_erase(const char *helper, const char *server, struct herr *e);

#endif
