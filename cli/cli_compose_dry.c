/* --dry-run: what a compose verb would do, in docker compose's words ("DRY-RUN MODE -
 * Container demo-web-1  Created"), with nothing created, changed or removed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_compose.h"
#include "cli/cli_progress.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/json.h"
#include "common/str.h"
#include "compose/scheduler/scheduler.h"

#define DRY "DRY-RUN MODE - "

static void dry_event(struct cli_progress *pr, const char *kind, const char *name,
                      const char *working, const char *done)
{
    _cleanup_free_ char *k = xasprintf(DRY " %s", kind);
    cli_progress_event(pr, k, name, CLI_PROGRESS_WORKING, working, NULL);
    cli_progress_event(pr, k, name, CLI_PROGRESS_DONE, done, NULL);
}

/* The project's own networks or volumes (not the external ones) with fn's names. */
static void resources(struct cli_progress *pr, const struct compose_project *p, const char *what,
                      const char *kind, char *(*fn)(const struct compose_project *, const char *),
                      const char *working, const char *done)
{
    const char *key;
    json_t *v;
    json_object_foreach(json_object_get(p->model, what), key, v)
    {
        if (hj_bool(v, "external", false))
            continue;
        _cleanup_free_ char *name = fn(p, key);
        dry_event(pr, kind, name, working, done);
    }
}

static bool wanted(char **services, const char *name)
{
    for (char **s = services; s && *s; s++) {
        if (!strcmp(*s, name))
            return true;
    }
    return !services;
}

void cli_compose_dry_up(const struct ctr_ctx *c, const struct compose_project *p, char **services,
                        bool start, struct cli_progress *pr)
{
    (void)c;
    resources(pr, p, "networks", "Network", compose_network_name, "Creating", "Created");
    resources(pr, p, "volumes", "Volume", compose_volume_name, "Creating", "Created");
    for (size_t i = 0; i < p->nservices; i++) {
        const struct compose_service *s = &p->services[i];
        if (!wanted(services, s->name))
            continue;
        int n = (int)hj_int(s->cfg, "scale", hj_int(hj_path(s->cfg, "deploy"), "replicas", 1));
        for (int k = 1; k <= n; k++) {
            _cleanup_free_ char *name = compose_container_name(p, s->name, k);
            dry_event(pr, "Container", name, "Creating", "Created");
            if (start)
                dry_event(pr, "Container", name, "Starting", "Started");
        }
    }
}

int cli_compose_dry_down(const struct ctr_ctx *c, const struct compose_project *p, bool volumes,
                         struct cli_progress *pr)
{
    struct compose_ctr *v = NULL;
    size_t n = 0;
    struct herr e = {0};
    if (compose_containers(c, p->name, true, &v, &n, &e) < 0)
        return cli_report(&e, 1);
    for (size_t i = 0; i < n; i++) {
        dry_event(pr, "Container", v[i].name, "Stopping", "Stopped");
        dry_event(pr, "Container", v[i].name, "Removing", "Removed");
    }
    compose_ctrs_free(v, n);
    if (volumes)
        resources(pr, p, "volumes", "Volume", compose_volume_name, "Removing", "Removed");
    resources(pr, p, "networks", "Network", compose_network_name, "Removing", "Removed");
    return 0;
}

void cli_compose_dry_each(const struct compose_ctr *v, size_t n, const char *working,
                          const char *done, struct cli_progress *pr)
{
    for (size_t i = 0; i < n; i++)
        dry_event(pr, "Container", v[i].name, working, done);
}

void cli_compose_dry_pull(const struct compose_project *p, char **services, struct cli_progress *pr)
{
    for (size_t i = 0; i < p->nservices; i++) {
        const char *ref = hj_str(p->services[i].cfg, "image");
        if (ref && wanted(services, p->services[i].name))
            dry_event(pr, "Image", ref, "Pulling", "Pulled");
    }
}
