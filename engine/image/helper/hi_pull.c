/* hoist-image pull: manifests are negotiated (OCI index, Docker manifest list, OCI
 * manifest, Docker schema2) and the host's platform picked from an index; layers are
 * fetched in parallel over one curl multi handle and each is decompressed, hashed and
 * unpacked while it arrives (hi_stream.c). The image is then stored by the same
 * verified, all-or-nothing path as `load` (hi_load_store), so a failed or killed pull
 * leaves nothing behind. */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/image/helper/hi.h"
#include "engine/image/helper/hi_load.h"
#include "engine/image/helper/hi_reg.h"
#include "engine/image/helper/hi_stream.h"
#include "engine/image/image.h"
#include "engine/image/img_internal.h"

#define BAR_WIDTH 50
#define REDRAW_NS 100000000LL

struct pull {
    const char *root, *platform;
    bool quiet, insecure;
};

enum xstate { X_WAITING, X_DOWNLOADING, X_DOWNLOADED, X_COMPLETE };

/* One layer blob, fetched in parallel with the others and unpacked as it arrives. */
struct xfer {
    CURL *h;
    struct curl_slist *hdr;
    struct hi_sink s;
    struct hi_resp r;
    struct hi_stream st;
    const char *digest;
    long long size;
    json_t *mem; /* the member handed to hi_load_store, once the layer is unpacked */
    enum xstate state;
    long long t0;          /* when its first bytes were seen */
    unsigned long long w0; /* how many */
    bool bad;              /* complete, but not the blob asked for */
    struct herr err;
};

/* What the user sees: one line per layer; on a terminal the lines are redrawn in place
 * with a bar, bytes and speed, otherwise each change of state is printed once. */
struct view {
    struct xfer *x;
    size_t n;
    bool tty, quiet, drawn;
    long long last;
};

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void human(double b, char *out, size_t len)
{
    if (b >= 1e9)
        snprintf(out, len, "%.2fGB", b / 1e9);
    else if (b >= 1e6)
        snprintf(out, len, "%.1fMB", b / 1e6);
    else if (b >= 1e3)
        snprintf(out, len, "%.1fkB", b / 1e3);
    else
        snprintf(out, len, "%.0fB", b);
}

static void line_of(const struct xfer *t, long long now, char *out, size_t len)
{
    static const char *const words[] = {"Waiting", "Downloading", "Extracting", "Pull complete"};
    if (t->state != X_DOWNLOADING || t->size <= 0) {
        snprintf(out, len, "%.12s: %s", t->digest + 7, words[t->state]);
        return;
    }
    char have[16], total[16], speed[24] = "";
    double secs = (double)(now - t->t0) / 1e9;
    human((double)t->s.written, have, sizeof(have));
    human((double)t->size, total, sizeof(total));
    if (secs > 0.2) {
        human((double)(t->s.written - t->w0) / secs, speed, sizeof(speed) - 2);
        strcat(speed, "/s");
    }
    int fill = (int)((double)t->s.written * BAR_WIDTH / (double)t->size);
    char bar[BAR_WIDTH + 1];
    for (int i = 0; i < BAR_WIDTH; i++)
        bar[i] = i < fill ? '=' : i == fill ? '>' : ' ';
    bar[BAR_WIDTH] = '\0';
    snprintf(out, len, "%.12s: Downloading [%s] %8s/%s %10s", t->digest + 7, bar, have, total,
             speed);
}

static void view_draw(struct view *v, bool force)
{
    long long now = now_ns();
    if (v->quiet || !v->tty || (!force && now - v->last < REDRAW_NS))
        return;
    v->last = now;
    if (v->drawn)
        printf("\033[%zuA", v->n);
    for (size_t i = 0; i < v->n; i++) {
        char line[256];
        line_of(&v->x[i], now, line, sizeof(line));
        printf("\r\033[2K%s\n", line);
    }
    v->drawn = true;
    fflush(stdout);
}

static void view_set(struct view *v, struct xfer *t, enum xstate st)
{
    if (t->state == st)
        return;
    t->state = st;
    if (v->quiet)
        return;
    if (v->tty) {
        view_draw(v, true);
        return;
    }
    static const char *const plain[] = {"Waiting", NULL, "Download complete", "Pull complete"};
    if (plain[st])
        printf("%.12s: %s\n", t->digest + 7, plain[st]);
    fflush(stdout);
}

/* Fetch the blobs at once over one multi handle (the registry's token is already known
 * from the manifest). Each answer streams into its layer's thread. Whatever fails here is
 * left in X_DOWNLOADING, for hi_reg_blob's retries, which resume from what arrived. */
static void fetch_parallel(struct hi_reg *R, struct view *v)
{
    /* A token about to expire is renewed first; a failure shows as the transfers' 401. */
    struct herr ignore = {0};
    (void)hi_reg_auth_fresh(R, &ignore);
    CURLM *m = curl_multi_init();
    if (!m)
        return;
    curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, 6L);
    for (size_t i = 0; i < v->n; i++) {
        struct xfer *t = &v->x[i];
        if (t->state != X_WAITING || !(t->h = curl_easy_init()))
            continue;
        _cleanup_free_ char *url = xasprintf("%s/v2/%s/blobs/%s", R->base, R->repo, t->digest);
        t->hdr = hi_reg_setup(R, t->h, url, NULL, NULL, R->auth, &t->s, &t->r);
        t->s.may_pause = true;
        curl_easy_setopt(t->h, CURLOPT_PRIVATE, t);
        curl_multi_add_handle(m, t->h);
    }
    struct curl_waitfd *wait = xcalloc(v->n + 1, sizeof(*wait));
    struct xfer **waiting = xcalloc(v->n + 1, sizeof(*waiting));
    int running = 1;
    while (running && !hi_interrupted) {
        if (curl_multi_perform(m, &running) != CURLM_OK)
            break;
        /* A transfer paused on its layer's full stream resumes once the stream has room. */
        unsigned nw = 0;
        for (size_t i = 0; i < v->n; i++) {
            if (v->x[i].h && v->x[i].s.paused) {
                waiting[nw] = &v->x[i];
                wait[nw++] =
                    (struct curl_waitfd){.fd = v->x[i].st.room_fd, .events = CURL_WAIT_POLLIN};
            }
        }
        if (running && curl_multi_poll(m, wait, nw, 100, NULL) != CURLM_OK)
            break;
        for (unsigned k = 0; k < nw; k++) {
            if (wait[k].revents && hi_stream_room(&waiting[k]->st)) {
                waiting[k]->s.paused = false;
                curl_easy_pause(waiting[k]->h, CURLPAUSE_CONT);
            }
        }
        for (size_t i = 0; i < v->n; i++) {
            struct xfer *t = &v->x[i];
            if (t->h && t->s.written && !t->t0) {
                t->t0 = now_ns();
                t->w0 = t->s.written;
            }
            if (t->h && t->s.written && t->state == X_WAITING)
                view_set(v, t, X_DOWNLOADING);
        }
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            struct xfer *t = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
            curl_easy_getinfo(t->h, CURLINFO_RESPONSE_CODE, &t->r.status);
            t->state = X_DOWNLOADING;
            /* A complete answer with the wrong content is final; anything else is retried. */
            if (msg->data.result == CURLE_OK && t->r.status == 200) {
                t->bad = hi_sink_verify(&t->s, t->digest, t->size, &t->err) < 0;
                hi_stream_end(&t->st);
                if (!t->bad)
                    view_set(v, t, X_DOWNLOADED);
            }
        }
        view_draw(v, false);
    }
    free(wait);
    free(waiting);
    for (size_t i = 0; i < v->n; i++) {
        struct xfer *t = &v->x[i];
        t->s.may_pause = false;
        if (!t->h)
            continue;
        curl_multi_remove_handle(m, t->h);
        curl_easy_cleanup(t->h);
        curl_slist_free_all(t->hdr);
        hi_resp_clear(&t->r);
        t->h = NULL;
    }
    curl_multi_cleanup(m);
}

/* The layers the store lacks, each fetched once even when listed twice, and unpacked
 * while they download; members for hi_load_store, in the manifest's order. */
static int fetch_layers(struct hi_reg *R, const struct pull *o, const char *stage,
                        const json_t *manifest, const json_t *config, json_t *layers,
                        struct herr *e)
{
    const json_t *descs = json_object_get(manifest, "layers");
    const json_t *diffs = hj_path(config, "rootfs.diff_ids");
    size_t n = json_array_size(descs), nx = 0;
    if (n != json_array_size(diffs))
        return herr_set(e, EINVAL, "manifest has %zu layers, the config %zu diff ids", n,
                        json_array_size(diffs));
    char chain[72] = "";
    struct xfer *x = xcalloc(n + 1, sizeof(*x));
    struct view v = {.x = x, .tty = isatty(STDOUT_FILENO), .quiet = o->quiet};
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
        if (fs_exists(have)) {
            json_array_append_new(layers, json_pack("{s:s,s:b}", "d", diff, "stored", true));
            if (!v.quiet)
                printf("%.12s: Already exists\n", digest + 7);
            continue;
        }
        struct xfer *t = NULL;
        for (size_t k = 0; k < nx && !t; k++) {
            if (strcmp(x[k].digest, digest) == 0)
                t = &x[k];
        }
        if (!t) {
            t = &x[nx++];
            *t = (struct xfer){
                .digest = digest, .size = hj_int(d, "size", -1), .mem = json_object()};
            if (hi_stream_start(&t->st, stage, nx, e) < 0) {
                rc = -1;
                break;
            }
            hi_sink_init(&t->s, -1, &t->st);
        }
        json_array_append(layers, t->mem);
    }
    v.n = nx;
    if (rc == 0 && !v.tty && !v.quiet) {
        for (size_t k = 0; k < nx; k++) {
            if (x[k].state == X_WAITING)
                printf("%.12s: Pulling fs layer\n", x[k].digest + 7);
        }
    }
    if (rc == 0)
        fetch_parallel(R, &v);
    for (size_t k = 0; k < nx && rc == 0; k++) {
        struct xfer *t = &x[k];
        if (t->bad) {
            if (e)
                *e = t->err;
            rc = herr_wrap(e, "layer %.19s", t->digest);
            break;
        }
        if (t->state == X_DOWNLOADING || t->state == X_WAITING) {
            if (hi_reg_blob(R, t->digest, t->size, &t->s, e) < 0) {
                rc = herr_wrap(e, "layer %.19s", t->digest);
                break;
            }
            view_set(&v, t, X_DOWNLOADED);
        }
    }
    for (size_t k = 0; k < nx && rc == 0; k++) {
        struct xfer *t = &x[k];
        /* A digest mismatch is the error to tell, even when the bad bytes also broke the
         * decompressor. */
        struct herr fe = {0};
        int fr = hi_stream_finish(&t->st, &fe);
        int dr = hi_digest_check(t->digest, t->st.digest, e);
        if (dr == 0 && fr < 0 && e)
            *e = fe;
        if (dr < 0 || fr < 0) {
            rc = herr_wrap(e, "layer %.19s", t->digest);
            break;
        }
        json_object_set_new(t->mem, "f", json_string(t->st.blob));
        json_object_set_new(t->mem, "blob", json_string(t->digest));
        json_object_set_new(t->mem, "d", json_string(t->st.diff));
        json_object_set_new(t->mem, "dir", json_string(t->st.dir));
        json_object_set_new(t->mem, "size", json_integer((json_int_t)t->st.size));
        view_set(&v, t, X_COMPLETE);
    }
    for (size_t k = 0; k < nx; k++) {
        hi_stream_clear(&x[k].st);
        json_decref(x[k].mem);
    }
    free(x);
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
        if (mt && strcmp(mt, HI_MT_OCI_MANIFEST) && strcmp(mt, HI_MT_DOCKER_MANIFEST))
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
    herr_plain(e, ENOENT, "no matching manifest for %s in the manifest list entries", want);
    return NULL;
}

/* A client for the registry at base (NULL: the reference's own), with the credentials
 * docker keeps for creds_domain: a mirror gets its own, never docker.io's. */
static int open_at(struct hi_reg *R, const struct image_ref *ref, const char *base,
                   const char *creds_domain, bool insecure, struct herr *e)
{
    if (hi_reg_open(R, ref->domain, ref->path, base, insecure, e) < 0)
        return -1;
    struct hi_creds c;
    hi_creds_get(creds_domain, &c);
    R->basic = c.basic;
    R->identity = c.identity;
    return 0;
}

/* The registry to pull from and the top manifest: for docker.io, the configured mirrors
 * first, in order, then docker.io itself. */
static int open_source(struct hi_reg *R, const struct image_ref *ref, const struct pull *o,
                       const char *tag, json_t **top, char **mt, char digest[72], struct herr *e)
{
    struct hi_registries conf;
    if (hi_registries_load(&conf, e) < 0)
        return -1;
    int rc = -1;
    for (char **m = strcmp(ref->domain, "docker.io") == 0 ? conf.mirrors : NULL; m && *m; m++) {
        const char *scheme_end = strstr(*m, "://") + 3;
        _cleanup_free_ char *host = xstrndup(scheme_end, strcspn(scheme_end, "/"));
        _cleanup_free_ char *base = xasprintf("%.*s%s", (int)(scheme_end - *m), *m, host);
        struct herr ignore = {0};
        if (open_at(R, ref, base, host, o->insecure || hi_registry_insecure(&conf, host),
                    &ignore) == 0 &&
            hi_reg_manifest(R, tag, top, mt, digest, &ignore) == 0) {
            rc = 0;
            goto out;
        }
        hi_reg_close(R);
    }
    if (open_at(R, ref, NULL, ref->domain, o->insecure || hi_registry_insecure(&conf, ref->domain),
                e) == 0)
        rc = hi_reg_manifest(R, tag, top, mt, digest, e);
out:
    hi_registries_clear(&conf);
    return rc;
}

/* The pull time is recorded (for pull_policy), then docker's closing lines. */
static int finish(const struct pull *o, const char *name, const char *digest, const char *display,
                  bool fresh, struct herr *e)
{
    if (img_pulled_record(o->root, name, e) < 0)
        return -1;
    if (o->quiet)
        printf("%s\n", name);
    else
        printf("Digest: %s\nStatus: %s for %s\n", digest,
               fresh ? "Downloaded newer image" : "Image is up to date", display);
    return 0;
}

static int pull(const struct pull *o, const char *refstr, struct herr *e)
{
    struct image_ref ref = {0};
    if (image_ref_parse(refstr, &ref, e) < 0)
        return -1;
    _cleanup_free_ char *name = image_ref_string(&ref);
    _cleanup_free_ char *display = image_ref_display(name);
    const char *tag = ref.digest ? ref.digest : ref.tag;
    char want[64];
    if (!o->platform)
        host_platform(want, sizeof(want));
    else
        snprintf(want, sizeof(want), "%s", o->platform);
    struct hi_reg R = {0};
    _cleanup_free_ char *stage = NULL;
    _cleanup_json_ json_t *top = NULL, *manifest = NULL, *config = NULL;
    _cleanup_free_ char *mt = NULL, *mt2 = NULL, *cfg_path = NULL;
    _cleanup_json_ json_t *repos = NULL;
    char top_digest[72], digest[72];
    struct hi_load_image img = {0};
    int rc = -1;
    if (open_source(&R, &ref, o, tag, &top, &mt, top_digest, e) < 0)
        goto out;
    /* After the manifest, as docker: a name that is not there gets only its error. */
    if (!o->quiet) {
        printf("%s: Pulling from %s\n", ref.tag ? ref.tag : ref.digest, ref.path);
        fflush(stdout);
    }
    snprintf(digest, sizeof(digest), "%s", top_digest);
    if (strcmp(mt, HI_MT_OCI_INDEX) == 0 || strcmp(mt, HI_MT_DOCKER_LIST) == 0) {
        const char *pick = pick_platform(top, want, e);
        if (!pick || hi_reg_manifest(&R, pick, &manifest, &mt2, digest, e) < 0)
            goto out;
    } else if (strcmp(mt, HI_MT_OCI_MANIFEST) == 0 || strcmp(mt, HI_MT_DOCKER_MANIFEST) == 0) {
        manifest = json_incref(top);
    } else {
        herr_set(e, EINVAL, "manifest of media type \"%s\" is not supported", mt);
        goto out;
    }
    const json_t *cdesc = json_object_get(manifest, "config");
    const char *cfg_digest = hj_str(cdesc, "digest");
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
    {
        _cleanup_close_ int fd = open(cfg_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        struct hi_sink s;
        hi_sink_init(&s, fd, NULL);
        if (fd < 0) {
            herr_sys(e, "create %s", cfg_path);
            goto out;
        }
        if (hi_reg_blob(&R, cfg_digest, hj_int(cdesc, "size", -1), &s, e) < 0)
            goto out;
    }
    config = hj_load_file(AT_FDCWD, cfg_path, e);
    if (!config)
        goto out;
    /* Up to date: the same image under the same name. */
    struct herr ignore = {0};
    repos = img_repos_load(o->root, &ignore);
    if (hj_str(repos, name) && strcmp(hj_str(repos, name), cfg_digest) == 0) {
        rc = finish(o, name, top_digest, display, false, e);
        goto out;
    }
    img = (struct hi_load_image){.id = xstrdup(cfg_digest),
                                 .config = json_incref(config),
                                 .cfg_mem = json_pack("{s:s,s:s}", "f", cfg_path, "d", cfg_digest),
                                 .layers = json_array(),
                                 .tags = xcalloc(3, sizeof(char *))};
    img.tags[0] = xstrdup(name);
    /* As docker: the image is also known by the digest it was pulled at (RepoDigests). */
    if (!ref.digest) {
        struct image_ref at = {.domain = ref.domain, .path = ref.path, .digest = top_digest};
        img.tags[1] = image_ref_string(&at);
    }
    if (fetch_layers(&R, o, stage, manifest, config, img.layers, e) < 0 ||
        hi_load_store(o->root, stage, &img, 1, false, false, e) < 0)
        goto out;
    rc = finish(o, name, top_digest, display, true, e);
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
    hi_reg_close(&R);
    image_ref_clear(&ref);
    return rc;
}

int hi_pull_main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"root", required_argument, NULL, 'r'},
        {"quiet", no_argument, NULL, 'q'},
        {"platform", required_argument, NULL, 'p'},
        {"insecure", no_argument, NULL, 'k'},
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
        else if (c == 'k')
            o.insecure = true;
        else
            return 2;
    }
    if (!o.root || optind + 1 != argc) {
        fprintf(stderr,
                "usage: hoist-image pull --root R [-q] [--platform OS/ARCH] [--insecure] REF\n");
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct herr e = {0};
    int r = pull(&o, argv[optind], &e);
    curl_global_cleanup();
    return hi_exit(r, &e);
}
