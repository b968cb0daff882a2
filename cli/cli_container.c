#include "cli/cli.h"

int cli_container_main(const struct cli_globals *g, int argc, char **argv)
{
    (void)g;
    return cli_usage_error("container", "unknown command \"%s\"", argc > 1 ? argv[1] : "");
}
