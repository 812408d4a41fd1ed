/* selfclone.h - run from a sealed in-memory copy of our own binary.
 *
 * While tote-oci sets up a container, its process is visible inside it and
 * /proc/PID/exe (and /proc/self/exe of anything the container executes
 * through it) points at our binary.  A container that could open that for
 * writing could replace the runtime on the host (CVE-2019-5736).  Before
 * create, run and exec we re-execute ourselves from a sealed memfd, so that
 * what the container could reach is an unwritable copy. */
#ifndef TOTE_RUNTIME_SELFCLONE_H
#define TOTE_RUNTIME_SELFCLONE_H

struct tote_err;

/* Returns 0 if already running from a sealed copy; otherwise does not
 * return on success (fexecve), and returns -1 with *err on failure. */
int selfclone_ensure(char **argv, struct tote_err **err);

#endif
