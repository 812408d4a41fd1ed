/* rootless.h - whether this process works for a user without root: it is
 * not root, or it is root only inside the user namespace tote made for the
 * user (engine/userns.h), which it marks in the environment so that what
 * runs in it (`tote unshare CMD`, a nested tote) knows it too. */
#ifndef TOTE_UTIL_ROOTLESS_H
#define TOTE_UTIL_ROOTLESS_H

#include <stdbool.h>
#include <sys/types.h>

/* The environment variable that marks tote's user namespace: the user's
 * uid outside it. */
#define ROOTLESS_ENV "TOTE_USERNS_UID"

/* Not root, or root in tote's user namespace (the mark is set and this
 * process is in a user namespace other than the initial one). */
bool rootless(void);
/* The user's uid outside any user namespace tote made: getuid(), or the
 * mark's value inside tote's namespace. */
uid_t rootless_uid(void);

#endif
