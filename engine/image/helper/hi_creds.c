/* Registry credentials as docker keeps them: "auths" entries of config.json, or a
 * credential helper (credHelpers for the registry, else credsStore) run as
 * `docker-credential-NAME get` with the server on stdin, as docker does; login and logout
 * store and erase through the same helper. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nettle/base64.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/image/helper/hi_reg.h"

#define HELPER_OUT_MAX (64 * 1024)
#define HELPER_TIMEOUT_MS 10000

extern char **environ;

char *hi_docker_config_path(void)
{
    const char *dir = getenv("DOCKER_CONFIG");
    const char *home = getenv("HOME");
    return dir ? xasprintf("%s/config.json", dir)
               : xasprintf("%s/.docker/config.json", home ? home : "/root");
}

static char *basic_of(const char *user, const char *secret)
{
    _cleanup_free_ char *up = xasprintf("%s:%s", user, secret);
    size_t n = strlen(up);
    char *b64 = xcalloc(1, BASE64_ENCODE_RAW_LENGTH(n) + 1);
    base64_encode_raw(b64, n, (const uint8_t *)up);
    return b64;
}

/* Runs `docker-credential-NAME VERB` with input on stdin, within a bounded time and
 * output size; *out gets what it printed. Its exit status, or -1 when it did not run. */
static int run_helper(const char *name, const char *verb, const char *input, char **out)
{
    *out = NULL;
    if (!*name ||
        strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") !=
            strlen(name))
        return -1;
    _cleanup_free_ char *prog = xasprintf("docker-credential-%s", name);
    int in[2], outp[2];
    if (pipe2(in, O_CLOEXEC) < 0)
        return -1;
    if (pipe2(outp, O_CLOEXEC) < 0) {
        close(in[0]);
        close(in[1]);
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&fa, outp[1], STDOUT_FILENO);
    char *argv[] = {prog, (char *)verb, NULL};
    pid_t pid;
    int err = posix_spawnp(&pid, prog, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(outp[1]);
    int rc = -1;
    if (err == 0) {
        size_t len = 0, il = strlen(input);
        bool ok = write(in[1], input, il) == (ssize_t)il;
        close(in[1]);
        in[1] = -1;
        char *buf = xcalloc(1, HELPER_OUT_MAX + 1);
        struct pollfd p = {.fd = outp[0], .events = POLLIN};
        bool eof = false;
        while (ok && !eof && len < HELPER_OUT_MAX && poll(&p, 1, HELPER_TIMEOUT_MS) > 0) {
            ssize_t n = read(outp[0], buf + len, HELPER_OUT_MAX - len);
            eof = n <= 0;
            len += n > 0 ? (size_t)n : 0;
        }
        /* A helper that hangs or floods is stopped; one that is done is waited for. */
        int status = 0;
        if (!eof)
            kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        while (len > 0 && strchr(" \t\r\n", buf[len - 1]))
            buf[--len] = '\0';
        *out = buf;
    }
    if (in[1] >= 0)
        close(in[1]);
    close(outp[0]);
    return rc;
}

const char *hi_creds_helper(const json_t *cfg, const char *domain)
{
    const char *name = hj_str(json_object_get(cfg, "credHelpers"), domain);
    if (!name && strcmp(domain, "docker.io") == 0)
        name = hj_str(json_object_get(cfg, "credHelpers"), "index.docker.io");
    return name ? name : hj_str(cfg, "credsStore");
}

/* A helper's verb that answers nothing but success or a message (store, erase). */
static int helper_do(const char *helper, const char *verb, const char *what, const char *in,
                     struct herr *e)
{
    _cleanup_free_ char *out = NULL;
    int rc = run_helper(helper, verb, in, &out);
    if (rc != 0)
        return herr_set(e, 0, "%s credentials with docker-credential-%s: %s", what, helper,
                        rc < 0 && (!out || !*out) ? "it did not run" : out);
    return 0;
}

int hi_creds_helper_store(const char *helper, const char *server, const char *user,
                          const char *secret, struct herr *e)
{
    _cleanup_json_ json_t *j =
        json_pack("{s:s,s:s,s:s}", "ServerURL", server, "Username", user, "Secret", secret);
    _cleanup_free_ char *in = json_dumps(j, JSON_COMPACT);
    return helper_do(helper, "store", "storing", in, e);
}

int hi_creds_helper_erase(const char *helper, const char *server, struct herr *e)
{
    return helper_do(helper, "erase", "erasing", server, e);
}

/* The helper's credentials: Basic, or an identity token (user "<token>"), which is a
 * refresh token for the registry's OAuth token endpoint. */
static void from_helper(const json_t *cfg, const char *domain, struct hi_creds *c)
{
    const char *name = hi_creds_helper(cfg, domain);
    if (!name)
        return;
    bool hub = strcmp(domain, "docker.io") == 0;
    _cleanup_free_ char *text = NULL;
    if (run_helper(name, "get", hub ? "https://index.docker.io/v1/" : domain, &text) != 0)
        return;
    struct herr ignore = {0};
    _cleanup_json_ json_t *j = hj_load_str(text, name, &ignore);
    const char *user = hj_str(j, "Username"), *secret = hj_str(j, "Secret");
    if (!user || !secret || !*secret)
        return;
    if (strcmp(user, "<token>") == 0)
        c->identity = xstrdup(secret);
    else
        c->basic = basic_of(user, secret);
}

void hi_creds_get(const char *domain, struct hi_creds *c)
{
    *c = (struct hi_creds){0};
    _cleanup_free_ char *path = hi_docker_config_path();
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
        if (!match)
            continue;
        const char *auth = hj_str(v, "auth"), *id = hj_str(v, "identitytoken");
        if (id && *id) {
            c->identity = xstrdup(id);
            return;
        }
        if (auth && *auth) {
            c->basic = xstrdup(auth);
            return;
        }
    }
    from_helper(j, domain, c);
}
