/* `hoist image` commands shared between cli_image.c and cli_image_archive.c. */
#ifndef HOIST_CLI_IMAGE_H
#define HOIST_CLI_IMAGE_H

struct cli_globals;

/* "5 seconds ago" for an RFC 3339 time, as docker's units.HumanDuration. */
char *cli_image_since(const char *created);
/* Decimal units with 3 significant digits: "4.26MB". */
char *cli_image_size(long long n);

int cli_image_load(const struct cli_globals *g, int argc, char **argv);
int cli_image_save(const struct cli_globals *g, int argc, char **argv);
int cli_image_history(const struct cli_globals *g, int argc, char **argv);
int cli_image_prune(const struct cli_globals *g, int argc, char **argv);

#endif
