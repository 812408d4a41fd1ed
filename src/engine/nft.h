/* nft.h - the engine's NAT and published ports in nftables (through
 * libnftables), all in one table of tote's own, `table ip tote`, that
 * nothing else touches and that goes when the last network goes down:
 *
 *   set nets       the subnets of the bridge networks that are up (but
 *                  --internal ones): masqueraded on their way out
 *   set internal   the --internal ones: never forwarded
 *   set bridges    the bridges that are up, and map frombridge: bridge ->
 *                  its chain from-<bridge>, which drops what goes to
 *                  another one (networks apart, as docker's) unless it is
 *                  for a published port
 *   map ports      proto . host port -> container ip . port, for ports
 *                  published on every host address
 *   map hostports  host ip . proto . host port -> container ip . port,
 *                  for ports published on one host address
 *   chains         prerouting and output (dnat through the maps, output
 *                  for connections the host itself makes, on 127.0.0.1
 *                  too), postrouting (masquerade: the nets going out; a
 *                  dnat'd connection from a container, for hairpin; from
 *                  127.0.0.0/8), forward (drop for internal, and between
 *                  bridges but for dnat'd connections)
 *
 * A container's ports and a network's subnet are elements: added and
 * deleted by value, so removing one never needs a rule handle. */
#ifndef TOTE_ENGINE_NFT_H
#define TOTE_ENGINE_NFT_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/netaddr.h"
#include "engine/ports.h"

struct tote_err;

#define ENG_NFT_TABLE "tote"

/* Run nft commands (one transaction: all or none); -1 with nft's error. */
int eng_nft_run(const char *cmds, struct tote_err **err);
/* The table, its sets, maps, chains and rules, as above (again: the same). */
int eng_nft_table(struct tote_err **err);
/* The table gone (no error when it is not there). */
void eng_nft_table_delete(void);
/* A subnet into (or out of) nets, or internal. */
int eng_nft_subnet(bool add, const struct eng_subnet *s, bool internal, struct tote_err **err);
/* A bridge into (or out of) bridges. */
int eng_nft_bridge(bool add, const char *bridge, struct tote_err **err);
/* The published ports of a container at ip: their map entries. */
int eng_nft_ports(bool add, uint32_t ip, const struct eng_port *p, size_t n,
                  struct tote_err **err);

#endif
