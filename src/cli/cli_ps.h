/* cli_ps.h - the table of `tote-oci ps` and `tote top`: ps(1)'s own
 * output for the container's pids (ps -p), as runc and docker show it;
 * argv are ps options (default -f). */
#ifndef TOTE_CLI_PS_H
#define TOTE_CLI_PS_H

#include <stddef.h>
#include <sys/types.h>

struct tote_err;

int cli_ps_table(pid_t *pids, size_t n, int argc, char **argv, struct tote_err **err);

#endif
