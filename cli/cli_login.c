/* `hoist login` / `hoist logout`: credentials in docker's config.json (through the
 * hoist-image helper, which alone speaks to registries). */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/str.h"
#include "engine/image/image.h"

int cli_login_main(const struct cli_globals *g, int argc, char **argv)
{
    bool out = strcmp(argv[0], "logout") == 0;
    static const char login_help[] =
        "Usage: hoist login [OPTIONS] [SERVER]\n\n"
        "Log in to a registry (default: docker.io). The credentials are checked, then stored\n"
        "in docker's config.json ($DOCKER_CONFIG or ~/.docker), shared with docker.\n\n"
        "Options:\n"
        "  -u, --username USER   user name\n"
        "  -p, --password PASS   password (visible to other users: prefer --password-stdin)\n"
        "      --password-stdin  read the password from stdin\n";
    static const char logout_help[] = "Usage: hoist logout [SERVER]\n\n"
                                      "Log out from a registry (default: docker.io).\n";
    if (cli_help_asked(argc, argv, out ? logout_help : login_help))
        return 0;
    _cleanup_strv_ char **args = xcalloc(1, sizeof(char *));
    strv_push(&args, xstrdup(argv[0]));
    bool server = false;
    for (int i = 1; i < argc; i++) {
        strv_push(&args, xstrdup(argv[i]));
        if (argv[i][0] != '-' && strcmp(argv[i - 1], "-u") && strcmp(argv[i - 1], "-p") &&
            strcmp(argv[i - 1], "--username") && strcmp(argv[i - 1], "--password"))
            server = true;
    }
    if (!server)
        strv_push(&args, xstrdup("docker.io"));
    _cleanup_free_ char *dir = xstrdup(g->self);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    struct herr e = {0};
    int code = image_helper_run(dir, g->root, args, NULL, &e);
    if (code < 0)
        return cli_report(&e, 1);
    return code;
}
