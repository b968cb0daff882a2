/* seccomp: Docker's default profile, Docker-format profile files, and loading an OCI
 * linux.seccomp section through libseccomp. */
#ifndef HOIST_ENGINE_SECCOMP_H
#define HOIST_ENGINE_SECCOMP_H

#include <jansson.h>
#include <stdbool.h>

struct herr;
struct seccomp_prog;

/* OCI linux.seccomp equivalent to Docker's default profile for a container whose
 * capability bounding set is caps ("CAP_SYS_ADMIN", ...): the profile's includes and
 * excludes by capability and architecture are resolved here, as moby does. */
json_t *seccomp_default_oci(char *const *caps);
/* The same conversion for a Docker-format JSON profile given as text. */
json_t *seccomp_docker_to_oci(const char *profile_text, char *const *caps, struct herr *e);
/* Names this runtime accepts in an OCI linux.seccomp section: actions (SCMP_ACT_NOTIFY is
 * not supported), argument operators and filter flags. */
bool seccomp_action_known(const char *name);
bool seccomp_op_known(const char *name);
bool seccomp_flag_known(const char *name);
/* Compile an OCI linux.seccomp section. Done before fork so errors are reported
 * while nothing has been created; the result is loaded in the child. A NULL section
 * (no seccomp) gives a NULL program, which installs nothing. */
int seccomp_prepare(const json_t *linux_seccomp, struct seccomp_prog **out, struct herr *e);
/* Install the filter into the calling process (after no_new_privs when requested). */
int seccomp_install(struct seccomp_prog *prog, struct herr *e);
void seccomp_prog_free(struct seccomp_prog *prog);

#endif
