/* User and group resolution from the image's own /etc/passwd and /etc/group, read
 * through openat2(RESOLVE_IN_ROOT) so symlinks inside the image cannot reach the host. */
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/str.h"
#include "engine/container/container.h"
#include "engine/container/ctr_internal.h"

static FILE *open_in_root(int rootfd, const char *path)
{
    struct open_how how = {
        .flags = O_RDONLY | O_CLOEXEC,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "r");
    if (!f)
        close(fd);
    return f;
}

static bool parse_id(const char *s, long long *out)
{
    return *s && str_parse_ll(s, out) == 0 && *out >= 0 && *out <= 0xfffffffe;
}

/* Split a colon-separated line into at most n fields (in place). */
static int fields(char *line, char **f, int n)
{
    int k = 0;
    line[strcspn(line, "\n")] = '\0';
    f[k++] = line;
    for (char *p = line; *p && k < n; p++) {
        if (*p == ':') {
            *p = '\0';
            f[k++] = p + 1;
        }
    }
    return k;
}

static bool member(char *list, const char *name)
{
    char *save = NULL;
    for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (strcmp(t, name) == 0)
            return true;
    }
    return false;
}

int ctr_user_resolve(int rootfd, const char *spec, struct ctr_user *u, struct herr *e)
{
    *u = (struct ctr_user){0};
    _cleanup_free_ char *copy = xstrdup(spec && *spec ? spec : "0");
    char *grp = strchr(copy, ':');
    if (grp)
        *grp++ = '\0';
    const char *usr = copy;
    long long id;
    bool uid_numeric = parse_id(usr, &id);
    char name[256] = "";
    bool found = false;

    _cleanup_free_ char *line = NULL;
    size_t cap = 0;
    _cleanup_file_ FILE *pw = open_in_root(rootfd, "/etc/passwd");
    while (pw && getline(&line, &cap, pw) > 0) {
        char *f[7];
        long long uid, gid;
        if (fields(line, f, 7) < 7 || !parse_id(f[2], &uid) || !parse_id(f[3], &gid))
            continue;
        if (uid_numeric ? uid != id : strcmp(f[0], usr) != 0)
            continue;
        u->uid = (uid_t)uid;
        u->gid = (gid_t)gid;
        snprintf(name, sizeof(name), "%s", f[0]);
        snprintf(u->home, sizeof(u->home), "%s", f[5]);
        found = true;
        break;
    }
    if (!found) {
        if (!uid_numeric)
            return herr_set(e, 0, "unable to find user %s: no matching entries in passwd file",
                            usr);
        u->uid = (uid_t)id;
        snprintf(u->home, sizeof(u->home), "/");
    }

    bool gid_numeric = grp && parse_id(grp, &id);
    if (gid_numeric)
        u->gid = (gid_t)id;
    bool gid_found = !grp || gid_numeric;
    _cleanup_file_ FILE *gr = open_in_root(rootfd, "/etc/group");
    while (gr && getline(&line, &cap, gr) > 0) {
        char *f[4];
        long long gid;
        if (fields(line, f, 4) < 4 || !parse_id(f[2], &gid))
            continue;
        if (grp && !gid_numeric && strcmp(f[0], grp) == 0) {
            u->gid = (gid_t)gid;
            gid_found = true;
        }
        /* Supplementary groups come from the file only when no group was forced. */
        if (!grp && *name && member(f[3], name) && u->ngroups < 64 && (gid_t)gid != u->gid)
            u->groups[u->ngroups++] = (gid_t)gid;
    }
    if (!gid_found)
        return herr_set(e, 0, "unable to find group %s: no matching entries in group file", grp);
    return 0;
}

int ctr_group_lookup(int rootfd, const char *name, gid_t *gid, struct herr *e)
{
    long long id;
    if (parse_id(name, &id)) {
        *gid = (gid_t)id;
        return 0;
    }
    _cleanup_free_ char *line = NULL;
    size_t cap = 0;
    _cleanup_file_ FILE *gr = open_in_root(rootfd, "/etc/group");
    while (gr && getline(&line, &cap, gr) > 0) {
        char *f[4];
        if (fields(line, f, 4) >= 3 && strcmp(f[0], name) == 0 && parse_id(f[2], &id)) {
            *gid = (gid_t)id;
            return 0;
        }
    }
    return herr_plain(e, 0, "unable to find group %s: no matching entries in group file", name);
}
