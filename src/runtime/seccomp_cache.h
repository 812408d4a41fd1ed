/* seccomp_cache.h - compiled seccomp filters kept between runs.
 *
 * libseccomp takes most of a short container's start to turn a long
 * profile (docker's: 350 syscalls, three architectures) into BPF, and the
 * same profile comes back run after run.  The program is kept, as root
 * only, in SECCOMP_CACHE_DIR (on /run: gone at a reboot) under a name
 * hashed from the profile; the file holds the whole description the
 * program was made from, and is used only when that matches byte for byte
 * (a hash collision cannot give a container another filter). */
#ifndef TOTE_RUNTIME_SECCOMP_CACHE_H
#define TOTE_RUNTIME_SECCOMP_CACHE_H

#include <stddef.h>

struct rt_seccomp;
struct sock_filter;

#define SECCOMP_CACHE_DIR "/run/tote-seccomp"

/* What the program depends on, as text: the profile's actions, arches and
 * rules, libseccomp's version and the native architecture.  A new string. */
char *seccomp_cache_key(const struct rt_seccomp *s);
/* The program kept for key: 0 and a new *insns of *len, or -1 when there
 * is none (or not as root, or anything is off). */
int seccomp_cache_get(const char *key, struct sock_filter **insns, unsigned short *len);
/* Keep it (best effort: a failure only costs the next run the compile). */
void seccomp_cache_put(const char *key, const struct sock_filter *insns, unsigned short len);

#endif
