/* hooks.h - running the hooks of config.md with the state on stdin. */
#ifndef TOTE_RUNTIME_HOOKS_H
#define TOTE_RUNTIME_HOOKS_H

#include "runtime/config.h"

struct tote_err;

const char *hook_kind_name(enum rt_hook_kind kind);
/* Run every hook of `kind` in order, each with `state_json` on its stdin.
 * For poststart and poststop a failure is a warning and the next hook runs
 * (config.md); for the others the first failure (non-zero exit, signal,
 * timeout) stops the run and is returned. */
int hooks_run(const struct rt_hooks *hooks, enum rt_hook_kind kind, const char *state_json,
              struct tote_err **err);

struct rt_state;
/* The hooks of `kind` of a container from its stored config.json, given the
 * state with `status` (poststart, poststop: failures are warnings). */
void hooks_run_stored(const struct rt_state *st, enum rt_hook_kind kind, int status);

#endif
