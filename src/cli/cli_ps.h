/* cli_ps.h - the table of `tote-oci ps` and `tote top`: ps(1) run with
 * the user's options (default -ef), and of its output the header and the
 * lines whose PID column is one of the container's pids, as runc and
 * docker show it. */
#ifndef TOTE_CLI_PS_H
#define TOTE_CLI_PS_H

#include <stddef.h>
#include <sys/types.h>

struct tote_err;

int cli_ps_table(pid_t *pids, size_t n, int argc, char **argv, struct tote_err **err);

#endif
