/* ipam.h - the host's network state: which bridges tote has up, the
 * addresses given on each, and the host ports published.  One file,
 * STATE/networks/ipam.json (STATE: the runtime's state root, /run/tote:
 * it lasts across commands and, like the links it describes, not across
 * a reboot), changed only under an exclusive flock of STATE/networks/lock,
 * which orders every network change of every tote command and monitor:
 *
 *   {"bridges": {"tote0": {"network": "tote", "subnet": "10.77.0.0/16",
 *                          "gateway": "10.77.0.1", "internal": false,
 *                          "addrs": {"10.77.0.2": {"id": ID, "root": ROOT}}}},
 *    "ports": {"tcp/0.0.0.0/8080": {"id": ID, "root": ROOT}}}
 *
 * The functions on the json are pure (the unit tests drive them). */
#ifndef TOTE_ENGINE_IPAM_H
#define TOTE_ENGINE_IPAM_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/netaddr.h"
#include "engine/ports.h"

struct tote_err;

/* STATE/networks made, its lock taken: an fd to close (which unlocks). */
int eng_ipam_lock(const char *state_root, struct tote_err **err);
/* The state (an empty one when there is none yet); a broken file is an
 * error naming it. */
json_t *eng_ipam_load(const char *state_root, struct tote_err **err);
int eng_ipam_save(const char *state_root, json_t *st, struct tote_err **err);

/* The bridge's entry, made (with no addrs) when missing; NULL with err
 * when it is up with another subnet (another store's network). */
json_t *eng_ipam_bridge(json_t *st, const char *bridge, const char *network,
                        const struct eng_subnet *sn, uint32_t gw, bool internal,
                        struct tote_err **err);
/* An address of the bridge's subnet for id: want (0: the lowest free
 * one) when it is free.  -1 with err: taken, outside, or the subnet full. */
int eng_ipam_take(json_t *bridge, const struct eng_subnet *sn, uint32_t gw, uint32_t want,
                  const char *id, const char *root, uint32_t *ip, struct tote_err **err);
/* The host port of p for id; -1 with err when another container has it. */
int eng_ipam_take_port(json_t *st, const struct eng_port *p, const char *id, const char *root,
                       struct tote_err **err);
/* Whether a container published p's host port already. */
bool eng_ipam_port_taken(json_t *st, const struct eng_port *p);
/* Everything id holds, given back. */
void eng_ipam_release(json_t *st, const char *id);
/* Release id's address on one bridge (network disconnect). */
void eng_ipam_release_on(json_t *st, const char *bridge, const char *id);
/* Release id's host ports (its first network disconnected). */
void eng_ipam_release_ports(json_t *st, const char *id);
/* Entries of containers whose directory ROOT/containers/ID is gone. */
void eng_ipam_sweep(json_t *st);
/* How many addresses the bridge's entry holds (0 also when it has none). */
size_t eng_ipam_bridge_users(json_t *st, const char *bridge);

#endif
