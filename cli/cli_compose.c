#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_compose.h"
#include "common/err.h"
#include "common/str.h"

bool cli_compose_opt(struct cli_compose *cc, int c, const char *arg)
{
    switch (c) {
    case 'f':
        strv_push(&cc->o.files, xstrdup(arg));
        return true;
    case 'p':
        cc->o.project_name = arg;
        return true;
    case 0x1001:
        strv_push(&cc->o.profiles, xstrdup(arg));
        return true;
    case 0x1002:
        strv_push(&cc->o.env_files, xstrdup(arg));
        return true;
    case 0x1003:
        cc->o.project_dir = arg;
        return true;
    default:
        return false;
    }
}

struct compose_project *cli_compose_load(struct cli_compose *cc, int *status)
{
    struct herr e = {0};
    struct compose_project *p = NULL;
    if (compose_load(&cc->o, &p, &e) < 0) {
        *status = cli_report(&e, 1);
        return NULL;
    }
    for (char **w = p->warnings; w && *w; w++)
        fprintf(stderr, "hoist: warning: %s\n", *w);
    return p;
}

void cli_compose_free(struct cli_compose *cc)
{
    strv_free(cc->o.files);
    strv_free(cc->o.profiles);
    strv_free(cc->o.env_files);
    strv_free(cc->o.services);
    memset(cc, 0, sizeof(*cc));
}
