/* tote_progress.h - how `tote pull` shows its progress: on a terminal, one
 * line per blob redrawn in place with a bar and bytes done / total, as
 * docker does; otherwise plain lines, one per finished step
 * ("Copying blob sha256:0123456789ab done"). */
#ifndef TOTE_CLI_PROGRESS_H
#define TOTE_CLI_PROGRESS_H

#include <stdio.h>

#include "image/pull.h"

/* A reporter writing to out (a terminal or not); free with
 * tote_progress_free, which ends the drawing. */
struct img_progress *tote_progress_new(FILE *out);
void tote_progress_free(struct img_progress *p);

#endif
