/* libFuzzer target: arbitrary bytes as a compose file through the whole loader. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/err.h"
#include "compose/loader/loader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The loader reads files; a memfd is a file without touching the disk. */
    int fd = memfd_create("compose.yaml", 0);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    char *files[] = {path, NULL};
    char *env[] = {"HOME=/nonexistent", "SET=value", NULL};
    struct compose_opts o = {
        .files = files, .environ = env, .workdir = "/nonexistent", .project_name = "fuzz"};
    struct compose_project *p = NULL;
    struct herr e = {0};
    if (compose_load(&o, &p, &e) == 0) {
        char *y = compose_render(p, COMPOSE_YAML, &e);
        free(y);
        char h[65];
        for (size_t i = 0; i < p->nservices; i++)
            compose_service_hash(p, p->services[i].name, h, &e);
        compose_project_free(p);
    }
    close(fd);
    return 0;
}
