/* envfile.h - docker's --env-file: one KEY=VALUE per line (the value as it
 * is, quotes and spaces kept), or KEY alone for tote's own value; lines
 * starting with # and blank lines skipped; a KEY with whitespace refused. */
#ifndef TOTE_ENGINE_ENVFILE_H
#define TOTE_ENGINE_ENVFILE_H

#include <stddef.h>

struct tote_err;

/* The entries of text (the file at path, named in errors), appended to
 * *v (a NULL-terminated array of *n strings, grown). */
int eng_env_text(const char *text, const char *path, char ***v, size_t *n, struct tote_err **err);
/* The same, read from path. */
int eng_env_file(const char *path, char ***v, size_t *n, struct tote_err **err);

#endif
