/* `hoist pull [SERVICE...]`: the services' images from their registries. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli_compose_cmds.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"
#include "engine/image/image.h"

struct pull_flags {
    bool quiet, ignore_failures;
};

const struct cli_spec cli_compose_pull_spec = {
    .cmd = "pull",
    .usage = "[OPTIONS] [SERVICE...]",
    .what = "Pull service images",
    .opts =
        (const struct cli_opt[]){
            {"quiet", 'q', NULL, "Pull without printing progress information", CLI_OPT_FLAG,
             offsetof(struct pull_flags, quiet), NULL, NULL},
            {"ignore-pull-failures", 0, NULL,
             "Pull what it can and ignores images with pull "
             "failures",
             CLI_OPT_FLAG, offsetof(struct pull_flags, ignore_failures), NULL, NULL},
            CLI_OPT_END,
        },
    .more = cli_compose_opts,
    .style = CLI_STYLE_COMPOSE,
    .interspersed = true,
};

static bool listed(char *const *v, const char *s)
{
    for (; v && *v; v++) {
        if (strcmp(*v, s) == 0)
            return true;
    }
    return false;
}

/* Each image once, in the services' order; the exit status. */
static int pull_all(const struct cli_globals *g, const struct cmds *x, const struct pull_flags *fl)
{
    _cleanup_free_ char *dir = xstrdup(g->self);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    _cleanup_strv_ char **done = xcalloc(1, sizeof(char *));
    for (size_t i = 0; i < x->p->nservices; i++) {
        const struct compose_service *svc = &x->p->services[i];
        const char *ref = hj_str(svc->cfg, "image");
        const char *policy = hj_str(svc->cfg, "pull_policy");
        if ((x->services && !listed(x->services, svc->name)) || !ref ||
            (policy && strcmp(policy, "never") == 0) || listed(done, ref))
            continue;
        strv_push(&done, xstrdup(ref));
        struct image_pull_opts o = {.platform = hj_str(svc->cfg, "platform"), .quiet = fl->quiet};
        struct herr e = {0};
        if (image_pull(dir, g->root, ref, &o, &e) == 0)
            continue;
        if (!fl->ignore_failures)
            return e.errnum || fl->quiet ? cli_report(&e, 1) : 1;
        char buf[HERR_MSG_MAX + 64];
        fprintf(stderr, "WARNING: service %s: %s\n", svc->name, herr_str(&e, buf, sizeof(buf)));
    }
    return 0;
}

int cli_compose_pull(const struct cli_globals *g, int argc, char **argv)
{
    struct cmds x = {0};
    struct pull_flags fl = {0};
    int status = cmds_parse(g, &cli_compose_pull_spec, &fl, &x, argc, argv);
    if (status < 0 && (status = cmds_open(g, &x, argv + optind, true, false)) == 0) {
        if (x.cc.dry_run) {
            struct cli_progress *p = cli_progress_new(cli_compose_progress(&x.cc), "Pulling");
            cli_compose_dry_pull(x.p, x.services, p);
            cli_progress_end(p);
        } else {
            status = pull_all(g, &x, &fl);
        }
    }
    cmds_close(&x);
    return status;
}
