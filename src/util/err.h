/* err.h - one error value that travels up the stack.
 *
 * A function that can fail returns a negative int (or NULL) and fills
 * `struct tote_err **err`.  Callers add context with err_wrap() as the error
 * rises; the CLI prints it once, in main.  Out of memory is not an error path:
 * see xalloc.h. */
#ifndef TOTE_UTIL_ERR_H
#define TOTE_UTIL_ERR_H

#include <stdarg.h>

struct tote_err {
  int errnum; /* errno of the root cause, 0 if none */
  char *msg;  /* full message, context first */
};

typedef struct tote_err tote_err;

/* Set *err to a new error; appends strerror(errnum) when errnum != 0.
 * Always returns -1 so that `return err_set(...)` reads naturally. */
int err_set(tote_err **err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Same, with errno taken from the current errno. */
int err_sys(tote_err **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefix context ("mounting /proc: " + old message).  Returns -1. */
int err_wrap(tote_err **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int err_vset(tote_err **err, int errnum, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
void err_free(tote_err **err);

#endif
