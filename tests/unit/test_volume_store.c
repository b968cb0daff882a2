/* volumes/: the store, driver-backed mounts, copy-up and vol_prepare, on a temporary
 * root. Needs root (chown, mknod, mount), as the integration tests do. */
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/str.h"
#include "volumes/volumes.h"

static char tmp[PATH_MAX];
static char root[PATH_MAX + 16];

static int setup(void **state)
{
    (void)state;
    if (geteuid() != 0) {
        fprintf(stderr, "test_volume_store must run as root\n");
        return -1;
    }
    strcpy(tmp, "/tmp/hoist-voltest.XXXXXX");
    if (!mkdtemp(tmp))
        return -1;
    snprintf(root, sizeof(root), "%s/root", tmp);
    return mkdir(root, 0700);
}

static int teardown(void **state)
{
    (void)state;
    _cleanup_strv_ char **names = NULL;
    vol_list(root, &names, NULL);
    for (char **n = names; n && *n; n++)
        vol_unmount(root, *n, NULL);
    return fs_rm_rf(tmp, NULL);
}

static void ok(int r, const struct herr *e)
{
    if (r < 0)
        fail_msg("unexpected error: %s", e->msg);
}

static void bad(int r, const struct herr *e, int errnum, const char *needle)
{
    assert_int_equal(r, -1);
    if (!strstr(e->msg, needle))
        fail_msg("message \"%s\" lacks \"%s\"", e->msg, needle);
    if (errnum)
        assert_int_equal(e->errnum, errnum);
}

static char *path(const char *fmt, const char *a)
{
    return xasprintf(fmt, root, a);
}

static void test_create_idempotent(void **state)
{
    (void)state;
    struct herr e = {0};
    char *labels[] = {"a=b", "flag", NULL};
    struct vol_create_opts o = {.labels = labels};
    bool created;
    _cleanup_free_ char *name = NULL;
    ok(vol_create(root, "data", &o, &name, &created, &e), &e);
    assert_string_equal(name, "data");
    assert_true(created);
    _cleanup_free_ char *f = path("%s/volumes/%s/_data/keep", "data");
    assert_int_equal(fs_write_atomic(AT_FDCWD, f, "x", 1, 0644, false, &e), 0);

    struct vol_create_opts none = {0};
    ok(vol_create(root, "data", &none, NULL, &created, &e), &e);
    assert_false(created);
    assert_true(fs_exists(f));

    _cleanup_json_ json_t *j = vol_inspect(root, "data", &e);
    assert_non_null(j);
    assert_string_equal(hj_str(j, "Name"), "data");
    assert_string_equal(hj_str(j, "Driver"), "local");
    assert_string_equal(hj_str(j, "Scope"), "local");
    assert_string_equal(hj_str(hj_path(j, "Labels"), "a"), "b");
    assert_string_equal(hj_str(hj_path(j, "Labels"), "flag"), "");
    assert_true(str_has_suffix(hj_str(j, "Mountpoint"), "/volumes/data/_data"));
    assert_int_equal(hj_str(j, "Mountpoint")[0], '/');
    assert_non_null(hj_str(j, "CreatedAt"));

    char *opts[] = {"type=tmpfs", "device=tmpfs", NULL};
    struct vol_create_opts other = {.options = opts};
    bad(vol_create(root, "data", &other, NULL, NULL, &e), &e, EEXIST, "different options");
}

static void test_create_errors(void **state)
{
    (void)state;
    struct herr e = {0};
    struct vol_create_opts none = {0};
    bad(vol_create(root, "x", &none, NULL, NULL, &e), &e, EINVAL, "invalid volume name");
    bad(vol_create(root, "../up", &none, NULL, NULL, &e), &e, EINVAL, "invalid volume name");
    struct vol_create_opts drv = {.driver = "nfs"};
    bad(vol_create(root, "ab", &drv, NULL, NULL, &e), &e, EINVAL, "not supported");
    char *l1[] = {"=v", NULL};
    struct vol_create_opts badlabel = {.labels = l1};
    bad(vol_create(root, "ab", &badlabel, NULL, NULL, &e), &e, EINVAL, "the key is empty");
    const char *cases[][3] = {
        {"size=1", NULL, "invalid option \"size\""}, {"type=", NULL, "empty value"},
        {"o=size=1m", NULL, "need type="},           {"type=ext4", NULL, "need device="},
        {"o=bind", "device=rel", "absolute path"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *o[] = {(char *)cases[i][0], (char *)cases[i][1], NULL};
        struct vol_create_opts c = {.options = o};
        bad(vol_create(root, "ab", &c, NULL, NULL, &e), &e, EINVAL, cases[i][2]);
    }
    _cleanup_strv_ char **names = NULL;
    ok(vol_list(root, &names, &e), &e);
    assert_null(names[0]);
    /* Nothing half-made is left in the store either. */
    _cleanup_free_ char *dir = xasprintf("%s/volumes", root);
    _cleanup_dir_ DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && strcmp(de->d_name, ".lock"))
            fail_msg("left behind: %s", de->d_name);
}

static void test_anonymous_list_remove(void **state)
{
    (void)state;
    struct herr e = {0};
    struct vol_create_opts none = {0};
    _cleanup_free_ char *anon = NULL;
    ok(vol_create(root, NULL, &none, &anon, NULL, &e), &e);
    assert_int_equal(strlen(anon), 64);
    assert_int_equal(strspn(anon, "0123456789abcdef"), 64);
    _cleanup_json_ json_t *j = vol_inspect(root, anon, &e);
    assert_non_null(json_object_get(json_object_get(j, "Labels"), VOL_ANON_LABEL));
    ok(vol_create(root, "zz", &none, NULL, NULL, &e), &e);
    ok(vol_create(root, "aa", &none, NULL, NULL, &e), &e);
    _cleanup_strv_ char **names = NULL;
    ok(vol_list(root, &names, &e), &e);
    assert_int_equal(strv_len(names), 3);
    assert_true(strcmp(names[0], names[1]) < 0 && strcmp(names[1], names[2]) < 0);

    /* A container record naming the volume in Mounts holds it. */
    _cleanup_free_ char *cdir = path("%s/containers/%s", "c0ffee");
    assert_int_equal(fs_mkdir_p(cdir, 0700, &e), 0);
    _cleanup_free_ char *rec = xasprintf("%s/config.json", cdir);
    const char *txt = "{\"Mounts\":[{\"Type\":\"bind\",\"Name\":\"aa\"},"
                      "{\"Type\":\"volume\",\"Name\":\"zz\"}]}";
    assert_int_equal(fs_write_atomic(AT_FDCWD, rec, txt, strlen(txt), 0644, false, &e), 0);
    _cleanup_strv_ char **users = NULL;
    ok(vol_users(root, "zz", &users, &e), &e);
    assert_int_equal(strv_len(users), 1);
    assert_string_equal(users[0], "c0ffee");
    bad(vol_remove(root, "zz", &e), &e, EBUSY, "volume is in use - [c0ffee]");
    ok(vol_remove(root, "aa", &e), &e);
    bad(vol_remove(root, "aa", &e), &e, ENOENT, "no such volume: aa");
    bad(vol_remove(root, "a/b", &e), &e, EINVAL, "invalid volume name");
    assert_null(vol_inspect(root, "aa", &e));
    assert_int_equal(e.errnum, ENOENT);
    unlink(rec);
    ok(vol_remove(root, "zz", &e), &e);
    ok(vol_remove(root, anon, &e), &e);
}

static bool mounted(const char *p)
{
    char real[PATH_MAX];
    if (!realpath(p, real))
        return false;
    _cleanup_file_ FILE *f = fopen("/proc/self/mountinfo", "r");
    char line[4096];
    while (f && fgets(line, sizeof(line), f)) {
        char mp[PATH_MAX];
        if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 && strcmp(mp, real) == 0)
            return true;
    }
    return false;
}

static void test_tmpfs_volume(void **state)
{
    (void)state;
    struct herr e = {0};
    char *opts[] = {"type=tmpfs", "device=tmpfs", "o=size=1m,mode=0770,nosuid", NULL};
    struct vol_create_opts o = {.options = opts};
    ok(vol_create(root, "tv", &o, NULL, NULL, &e), &e);
    struct vol_create_opts none = {0};
    ok(vol_create(root, "tv", &none, NULL, NULL, &e), &e); /* a plain reference */
    ok(vol_create(root, "tv", &o, NULL, NULL, &e), &e);    /* the same options */
    _cleanup_free_ char *data = vol_data_dir(root, "tv");
    assert_false(mounted(data));
    ok(vol_mount(root, "tv", &e), &e);
    assert_true(mounted(data));
    ok(vol_mount(root, "tv", &e), &e); /* once only */
    struct stat st;
    assert_int_equal(stat(data, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0770);
    ok(vol_unmount(root, "tv", &e), &e);
    assert_false(mounted(data));
    ok(vol_mount(root, "tv", &e), &e);
    /* rm unmounts before deleting, and never deletes through a mount. */
    ok(vol_remove(root, "tv", &e), &e);
    assert_false(mounted(data));
    assert_false(fs_exists(data));

    char *badopts[] = {"type=tmpfs", "o=size=lots", NULL};
    struct vol_create_opts b = {.options = badopts};
    ok(vol_create(root, "tb", &b, NULL, NULL, &e), &e);
    bad(vol_mount(root, "tb", &e), &e, EINVAL, "volume tb: mount tmpfs");
    assert_false(mounted(data));
}

static void test_bind_volume(void **state)
{
    (void)state;
    struct herr e = {0};
    _cleanup_free_ char *src = xasprintf("%s/backing", tmp);
    assert_int_equal(mkdir(src, 0755), 0);
    _cleanup_free_ char *dev = xasprintf("device=%s", src);
    char *opts[] = {"type=none", "o=bind,ro", dev, NULL};
    struct vol_create_opts o = {.options = opts};
    ok(vol_create(root, "bv", &o, NULL, NULL, &e), &e);
    ok(vol_mount(root, "bv", &e), &e);
    _cleanup_free_ char *f = xasprintf("%s/f", src);
    assert_int_equal(fs_write_atomic(AT_FDCWD, f, "y", 1, 0644, false, &e), 0);
    _cleanup_free_ char *seen = path("%s/volumes/%s/_data/f", "bv");
    assert_true(fs_exists(seen));
    _cleanup_free_ char *w = path("%s/volumes/%s/_data/new", "bv");
    assert_int_equal(open(w, O_CREAT | O_WRONLY, 0644), -1);
    assert_int_equal(errno, EROFS);
    ok(vol_remove(root, "bv", &e), &e);
    assert_true(fs_exists(f)); /* the backing directory is not the volume's to delete */
}

static int mkfile(int dfd, const char *name, const char *text, mode_t mode, uid_t uid, gid_t gid)
{
    int fd = openat(dfd, name, O_CREAT | O_WRONLY | O_EXCL, mode);
    if (fd < 0)
        return -1;
    int r = (write(fd, text, strlen(text)) == (ssize_t)strlen(text) && fchown(fd, uid, gid) == 0 &&
             fchmod(fd, mode) == 0)
                ? 0
                : -1;
    close(fd);
    return r;
}

/* An image tree: owners, modes, a setuid file, a symlink pointing out of the root,
 * a hard link, a fifo, a device node, an xattr, a nested directory. */
static int build_image(const char *img)
{
    if (fs_mkdir_p(img, 0755, NULL) < 0)
        return -1;
    _cleanup_close_ int r = open(img, O_RDONLY | O_DIRECTORY);
    if (mkdirat(r, "etc", 0755) || mkdirat(r, "srv", 0750) || fchownat(r, "srv", 1000, 1000, 0))
        return -1;
    _cleanup_close_ int s = openat(r, "srv", O_RDONLY | O_DIRECTORY);
    if (mkfile(s, "app.conf", "port=80\n", 0640, 1000, 100) ||
        mkfile(s, "tool", "#!/bin/sh\n", 04755, 0, 0) || symlinkat("/etc/shadow", s, "escape") ||
        symlinkat("../../../..", s, "up") || linkat(s, "app.conf", s, "hard", 0) ||
        mkfifoat(s, "pipe", 0620) || mknodat(s, "null", S_IFCHR | 0666, makedev(1, 3)) ||
        mkdirat(s, "sub", 0700) || fchownat(s, "sub", 1000, 1000, 0) ||
        fchmodat(s, "pipe", 0620, 0) || fchmodat(s, "null", 0666, 0))
        return -1;
    _cleanup_free_ char *conf = xasprintf("%s/srv/app.conf", img);
    if (fchownat(s, "escape", 1000, 1000, AT_SYMLINK_NOFOLLOW) ||
        fsetxattr(s, "user.kind", "conf", 4, 0) || setxattr(conf, "user.owner", "app", 3, 0))
        return -1;
    _cleanup_close_ int sub = openat(s, "sub", O_RDONLY | O_DIRECTORY);
    struct timespec old[2] = {{1000000, 0}, {1000000, 0}};
    if (mkfile(sub, "deep", "d", 0600, 1000, 1000) || futimens(sub, old))
        return -1;
    /* The image root's /etc must not be reachable through "escape". */
    return mkfile(r, "etc/shadow", "secret", 0600, 0, 0);
}

static void expect_stat(int dfd, const char *name, mode_t mode, uid_t uid, gid_t gid)
{
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        fail_msg("%s missing from the copy", name);
    if ((st.st_mode & (S_IFMT | 07777)) != mode || st.st_uid != uid || st.st_gid != gid)
        fail_msg("%s: mode %o uid %u gid %u, want %o %u %u", name, st.st_mode, st.st_uid, st.st_gid,
                 mode, uid, gid);
}

static void test_copy_up(void **state)
{
    (void)state;
    struct herr e = {0};
    _cleanup_free_ char *img = xasprintf("%s/image", tmp);
    assert_int_equal(build_image(img), 0);
    _cleanup_close_ int rootfd = open(img, O_RDONLY | O_DIRECTORY);
    struct vol_create_opts none = {0};
    ok(vol_create(root, "cu", &none, NULL, NULL, &e), &e);
    /* A path that leaves the image root through ".." stays inside it. */
    ok(vol_copy_up(root, "cu", rootfd, "/../../srv", &e), &e);
    _cleanup_free_ char *data = vol_data_dir(root, "cu");
    _cleanup_close_ int d = open(data, O_RDONLY | O_DIRECTORY);
    expect_stat(d, ".", S_IFDIR | 0750, 1000, 1000);
    expect_stat(d, "app.conf", S_IFREG | 0640, 1000, 100);
    expect_stat(d, "tool", S_IFREG | 04755, 0, 0);
    expect_stat(d, "escape", S_IFLNK | 0777, 1000, 1000);
    expect_stat(d, "pipe", S_IFIFO | 0620, 0, 0);
    expect_stat(d, "null", S_IFCHR | 0666, 0, 0);
    expect_stat(d, "sub", S_IFDIR | 0700, 1000, 1000);
    expect_stat(d, "sub/deep", S_IFREG | 0600, 1000, 1000);
    char link[64] = "";
    assert_int_equal(readlinkat(d, "escape", link, sizeof(link)), 11);
    assert_string_equal(link, "/etc/shadow");
    struct stat a, b;
    assert_int_equal(fstatat(d, "app.conf", &a, 0), 0);
    assert_int_equal(fstatat(d, "hard", &b, 0), 0);
    assert_int_equal(a.st_ino, b.st_ino);
    assert_int_equal(fstatat(d, "sub", &a, 0), 0);
    assert_int_equal(a.st_mtim.tv_sec, 1000000);
    char v[16] = "";
    assert_int_equal(getxattr(data, "user.kind", v, sizeof(v)), 4);
    assert_memory_equal(v, "conf", 4);
    _cleanup_free_ char *conf = xasprintf("%s/app.conf", data);
    assert_int_equal(getxattr(conf, "user.owner", v, sizeof(v)), 3);
    _cleanup_free_ char *text = NULL;
    assert_int_equal(fs_read_all(d, "app.conf", &text, NULL, &e), 0);
    assert_string_equal(text, "port=80\n");

    /* Once only: the marker stops a second copy even into an emptied volume. */
    assert_int_equal(fs_rm_rf_at(d, "sub", &e), 0);
    ok(vol_copy_up(root, "cu", rootfd, "/srv", &e), &e);
    assert_int_equal(faccessat(d, "sub", F_OK, 0), -1);
    _cleanup_json_ json_t *j = vol_inspect(root, "cu", &e);
    assert_null(json_object_get(j, "HoistCopiedUp"));

    /* Not into a volume that already has data; nothing for a path the image lacks. */
    ok(vol_create(root, "full", &none, NULL, NULL, &e), &e);
    _cleanup_free_ char *mine = path("%s/volumes/%s/_data/mine", "full");
    assert_int_equal(fs_write_atomic(AT_FDCWD, mine, "m", 1, 0644, false, &e), 0);
    ok(vol_copy_up(root, "full", rootfd, "/srv", &e), &e);
    _cleanup_free_ char *absent = path("%s/volumes/%s/_data/app.conf", "full");
    assert_false(fs_exists(absent));
    ok(vol_create(root, "none", &none, NULL, NULL, &e), &e);
    ok(vol_copy_up(root, "none", rootfd, "/no/such", &e), &e);
    bad(vol_copy_up(root, "gone", rootfd, "/srv", &e), &e, ENOENT, "no such volume");
}

static void test_prepare(void **state)
{
    (void)state;
    struct herr e = {0};
    _cleanup_free_ char *img = xasprintf("%s/image", tmp);
    assert_int_equal(build_image(img), 0);
    _cleanup_close_ int rootfd = open(img, O_RDONLY | O_DIRECTORY);
    struct vol_mount m = {.tmpfs_mode = -1};

    /* Short syntax creates a missing bind source; long syntax refuses it. */
    ok(vol_parse_short("./made/here:/x", tmp, NULL, &m, &e), &e);
    ok(vol_prepare(root, &m, rootfd, &e), &e);
    _cleanup_free_ char *made = xasprintf("%s/made/here", tmp);
    assert_string_equal(m.host_path, made);
    assert_true(fs_exists(made));
    ok(vol_parse_long("type=bind,src=./missing,dst=/x", tmp, NULL, &m, &e), &e);
    bad(vol_prepare(root, &m, rootfd, &e), &e, ENOENT, "bind source path does not exist");
    assert_null(m.host_path);

    /* Named volume: created on use, filled from the image, nocopy honoured. */
    ok(vol_parse_short("web:/srv", NULL, NULL, &m, &e), &e);
    ok(vol_prepare(root, &m, rootfd, &e), &e);
    _cleanup_free_ char *webdata = vol_data_dir(root, "web");
    assert_string_equal(m.host_path, webdata);
    _cleanup_free_ char *copied = xasprintf("%s/app.conf", webdata);
    assert_true(fs_exists(copied));
    ok(vol_parse_short("bare:/srv:nocopy", NULL, NULL, &m, &e), &e);
    ok(vol_prepare(root, &m, rootfd, &e), &e);
    _cleanup_free_ char *notcopied = path("%s/volumes/%s/_data/app.conf", "bare");
    assert_false(fs_exists(notcopied));

    /* Anonymous: gets its name. */
    ok(vol_parse_short("/srv", NULL, NULL, &m, &e), &e);
    ok(vol_prepare(root, &m, rootfd, &e), &e);
    assert_int_equal(strlen(m.source), 64);

    /* Subpath: inside only, a symlink that points out resolves inside the volume. */
    _cleanup_free_ char *sub = xasprintf("%s/sub", webdata);
    ok(vol_parse_long("src=web,dst=/d,volume-subpath=sub", NULL, NULL, &m, &e), &e);
    ok(vol_prepare(root, &m, rootfd, &e), &e);
    assert_string_equal(m.host_path, sub);
    ok(vol_parse_long("src=web,dst=/d,volume-subpath=up", NULL, NULL, &m, &e), &e);
    ok(vol_prepare(root, &m, rootfd, &e), &e);
    assert_string_equal(m.host_path, webdata);
    ok(vol_parse_long("src=web,dst=/d,volume-subpath=nothere", NULL, NULL, &m, &e), &e);
    bad(vol_prepare(root, &m, rootfd, &e), &e, ENOENT, "volume subpath \"nothere\"");
    ok(vol_parse_long("src=fresh,dst=/d,volume-subpath=nothere", NULL, NULL, &m, &e), &e);
    bad(vol_prepare(root, &m, rootfd, &e), &e, ENOENT, "volume subpath");
    _cleanup_json_ json_t *fresh = vol_inspect(root, "fresh", NULL);
    assert_null(fresh); /* made for the failed mount, so removed again */

    /* A driver-backed volume is mounted when a mount uses it. */
    char *opts[] = {"type=tmpfs", NULL};
    struct vol_create_opts t = {.options = opts};
    ok(vol_create(root, "tmpv", &t, NULL, NULL, &e), &e);
    ok(vol_parse_short("tmpv:/srv", NULL, NULL, &m, &e), &e);
    ok(vol_prepare(root, &m, rootfd, &e), &e);
    assert_true(mounted(m.host_path));
    _cleanup_free_ char *oncopy = xasprintf("%s/app.conf", m.host_path);
    assert_true(fs_exists(oncopy));
    ok(vol_remove(root, "tmpv", &e), &e);

    ok(vol_parse_tmpfs("/t", &m, &e), &e);
    ok(vol_prepare(root, &m, rootfd, &e), &e);
    assert_null(m.host_path);
    vol_mount_clear(&m);
}

static int shared_in(const char *dir, void *arg)
{
    return fs_path_under(dir, arg);
}

/* A bind source is resolved from directory fds; a symbolic link is followed only where
 * no container can write (the volume store, or a directory the engine says is shared). */
static void test_bind_links(void **state)
{
    (void)state;
    struct herr e = {0};
    struct vol_mount m = {.tmpfs_mode = -1};
    _cleanup_free_ char *real = xasprintf("%s/real", tmp), *shared = xasprintf("%s/shared", tmp);
    assert_int_equal(mkdir(real, 0755), 0);
    assert_int_equal(mkdir(shared, 0755), 0);
    _cleanup_free_ char *l1 = xasprintf("%s/link", tmp), *l2 = xasprintf("%s/shared/sub", tmp);
    assert_int_equal(symlink("real", l1), 0);
    assert_int_equal(symlink("/", l2), 0);

    ok(vol_parse_short("./link:/x", tmp, NULL, &m, &e), &e);
    ok(vol_prepare(root, &m, -1, &e), &e);
    assert_string_equal(m.host_path, real);

    ok(vol_parse_short("./shared/sub:/x", tmp, NULL, &m, &e), &e);
    ok(vol_prepare(root, &m, -1, &e), &e);
    assert_string_equal(m.host_path, "/");
    ok(vol_parse_short("./shared/sub:/x", tmp, NULL, &m, &e), &e);
    m.shared_dir = shared_in;
    m.shared_arg = shared;
    bad(vol_prepare(root, &m, -1, &e), &e, EPERM, "is a symbolic link in a directory containers");
    assert_null(m.host_path);

    /* In the volume store, whatever the engine says; a missing path is not made
     * through the link either. */
    ok(vol_parse_short("planted:/srv", NULL, NULL, &m, &e), &e);
    ok(vol_prepare(root, &m, -1, &e), &e);
    _cleanup_free_ char *data = vol_data_dir(root, "planted");
    _cleanup_free_ char *out = xasprintf("%s/out", data);
    _cleanup_free_ char *target = xasprintf("%s/made-outside", tmp);
    assert_int_equal(symlink(tmp, out), 0);
    _cleanup_free_ char *spec = xasprintf("%s/out/made-outside:/x", data);
    ok(vol_parse_short(spec, NULL, NULL, &m, &e), &e);
    bad(vol_prepare(root, &m, -1, &e), &e, EPERM, "is a symbolic link in a directory containers");
    assert_false(fs_exists(target));
    vol_mount_clear(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_anonymous_list_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tmpfs_volume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bind_volume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prepare, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bind_links, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
