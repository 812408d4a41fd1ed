/* selfclone.h - run from a copy of our own binary that nothing can write.
 *
 * While tote-oci (or tote's monitor, or tote exec) puts a process into a
 * container, that process is visible inside it and /proc/PID/exe (and
 * /proc/self/exe of anything the container executes through it) points at
 * our binary.  A container that could open that for writing could replace
 * the binary on the host (CVE-2019-5736).  Before such commands we
 * re-execute ourselves from the binary seen through a read-only overlay that
 * is mounted nowhere (no copy, no memory), or, where no overlay can be made
 * (rootless), from a sealed memfd copy. */
#ifndef TOTE_RUNTIME_SELFCLONE_H
#define TOTE_RUNTIME_SELFCLONE_H

struct tote_err;

/* Returns 0 if already running from a protected copy; otherwise does not
 * return on success (fexecve), and returns -1 with *err on failure.  name
 * names the memfd ("tote-oci", "tote"). */
int selfclone_ensure(char **argv, const char *name, struct tote_err **err);

/* The environment variable that tells the copy where the binary it was
 * made from lives (its siblings, such as tote-init, are there). */
#define SELFCLONE_ENV "TOTE_SELF_EXE"

#endif
