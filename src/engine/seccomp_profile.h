/* seccomp_profile.h - the default seccomp profile of containers: the one
 * containers-common installs for podman (/usr/share/containers/seccomp.json,
 * docker's profile in moby's format), turned into the linux.seccomp of a
 * config.json the way docker and podman turn it: this machine's
 * architectures from archMap, and the syscall rules whose conditions hold
 * for the container (every cap of includes.caps and none of excludes.caps
 * in its capability set, this architecture in includes.arches and not in
 * excludes.arches, this kernel at least includes.minKernel). */
#ifndef TOTE_ENGINE_SECCOMP_PROFILE_H
#define TOTE_ENGINE_SECCOMP_PROFILE_H

#include <jansson.h>

struct tote_err;

#define ENG_SECCOMP_PROFILE "/usr/share/containers/seccomp.json"

/* The profile at path (moby format) for a container whose capabilities are
 * caps (an array of names).  A new reference, or NULL with an error that
 * names the file. */
json_t *eng_seccomp_profile(const char *path, json_t *caps, struct tote_err **err);
/* The same, from the text of a profile (tests). */
json_t *eng_seccomp_convert(json_t *moby, json_t *caps, const char *arch, const char *kernel,
                            struct tote_err **err);

#endif
