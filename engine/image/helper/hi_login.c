/* hoist login / logout: credentials checked against the registry (GET /v2/ answering its
 * challenge), then kept where docker keeps them, so both tools share one login. */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/base64.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/image/helper/hi.h"
#include "engine/image/helper/hi_load.h"
#include "engine/image/helper/hi_reg.h"

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
    _cleanup_free_ char *userpass = xasprintf("%s:%s", user, pass);
    size_t ul = strlen(userpass);
    _cleanup_free_ char *b64 = xcalloc(1, BASE64_ENCODE_RAW_LENGTH(ul) + 1);
    base64_encode_raw(b64, ul, (const uint8_t *)userpass);
    struct hi_registries conf;
    if (hi_registries_load(&conf, e) < 0)
        return -1;
    bool insecure = hi_registry_insecure(&conf, domain);
    hi_registries_clear(&conf);
    struct hi_reg R;
    if (hi_reg_open(&R, domain, NULL, NULL, insecure, e) < 0) {
        hi_reg_close(&R);
        return -1;
    }
    R.basic = xstrdup(b64);
    struct hi_sink s;
    hi_sink_init(&s, -1, NULL);
    s.max = 1 << 20;
    struct hi_resp r = {0};
    int rc = hi_reg_get(&R, "/v2/", NULL, NULL, &s, &r, e);
    if (rc == 0 && r.status == 401)
        rc = herr_set(e, 0, "login to %s: unauthorized: incorrect username or password", domain);
    else if (rc == 0 && r.status != 200)
        rc = herr_set(e, 0, "login to %s: HTTP %ld", domain, r.status);
    else if (rc < 0)
        herr_wrap(e, "login to %s", domain);
    free(s.buf);
    hi_resp_clear(&r);
    hi_reg_close(&R);
    if (rc < 0)
        return -1;
    _cleanup_free_ char *path = hi_docker_config_path();
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
    /* With a credential helper the secret goes to it; auths keeps an empty entry, as
     * docker leaves one, so the registry still shows as logged in. */
    const char *helper = hi_creds_helper(cfg, domain);
    if (helper && hi_creds_helper_store(helper, key, user, pass, e) < 0)
        return herr_wrap(e, "login to %s", domain);
    json_object_set_new(auths, key, helper ? json_object() : json_pack("{s:s}", "auth", b64));
    if (save_auths(path, cfg, e) < 0)
        return -1;
    printf("Login Succeeded\n");
    return 0;
}

static int logout(const char *registry, struct herr *e)
{
    _cleanup_free_ char *key = auth_key(registry);
    const char *domain = str_has_prefix(key, "https://index.docker.io") ? "docker.io" : key;
    _cleanup_free_ char *path = hi_docker_config_path();
    struct herr ignore = {0};
    _cleanup_json_ json_t *cfg = hj_load_file(AT_FDCWD, path, &ignore);
    json_t *auths = json_object_get(cfg, "auths");
    const char *helper = hi_creds_helper(cfg, domain);
    if (!json_object_get(auths, key) && !helper) {
        printf("Not logged in to %s\n", key);
        return 0;
    }
    printf("Removing login credentials for %s\n", key);
    /* As docker: a helper that cannot erase is a warning, the auths entry still goes. */
    if (helper && hi_creds_helper_erase(helper, key, &ignore) < 0) {
        char buf[HERR_MSG_MAX + 128];
        fprintf(stderr, "WARNING: could not erase credentials: %s\n",
                herr_str(&ignore, buf, sizeof(buf)));
    }
    if (json_object_get(auths, key)) {
        json_object_del(auths, key);
        if (save_auths(path, cfg, e) < 0)
            return -1;
    }
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
            fprintf(stderr, "hoist: login: no password on stdin\n");
            return 1;
        }
        line[strcspn(line, "\r\n")] = '\0';
        pass = line;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct herr e = {0};
    int r = out ? logout(argv[optind], &e) : login(argv[optind], user, pass, &e);
    curl_global_cleanup();
    return hi_exit(r, &e);
}
