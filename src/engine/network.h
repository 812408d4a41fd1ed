/* network.h - the store's networks: ROOT/networks/<name>.json each, as
 * `tote network create` made them, plus the default network "tote" (also
 * called "bridge", docker's name) on bridge tote0, written on first use
 * with the first of tote's candidate subnets (netaddr.h: 10.77.0.0/16
 * first) that neither a route of the host nor another network of the store
 * has.
 *
 *   {"name", "id", "driver": "bridge", "bridge", "subnet", "gateway",
 *    "internal", "labels", "created"}
 *
 * A network's bridge is made when its first container starts and deleted
 * when its last one stops (netattach.h), as netavark does. */
#ifndef TOTE_ENGINE_NETWORK_H
#define TOTE_ENGINE_NETWORK_H

#include <jansson.h>
#include <stdbool.h>

#include "engine/netaddr.h"

struct tote_err;

#define ENG_NET_DEFAULT "tote"
#define ENG_NET_DEFAULT_BRIDGE "tote0"

struct eng_net_create_opts {
  const char *name;
  const char *subnet;  /* NULL: a free one chosen */
  const char *gateway; /* NULL: the subnet's first address */
  bool internal;       /* no route out, no masquerade */
  json_t *labels;      /* borrowed; NULL for none */
};

/* The network called name ("bridge" and "tote": the default one, made on
 * first use); NULL with err naming it and `tote network ls` when there is
 * none. */
json_t *eng_network_get(const char *root, const char *name, struct tote_err **err);
/* A new network; -1 with err for a taken name, a bad or overlapping
 * subnet (with a route of the host or another network), a gateway
 * outside it.  *out: its config (a new reference) when out is given. */
int eng_network_create(const char *root, const struct eng_net_create_opts *o, json_t **out,
                       struct tote_err **err);
/* Every network of the store, the default one first (made if missing). */
json_t *eng_network_list(const char *root, struct tote_err **err);
/* Remove a user network no container of the store names (any state);
 * the default one is refused. */
int eng_network_remove(const char *root, const char *name, struct tote_err **err);
/* The names of the store's containers that name the network. */
json_t *eng_network_users(const char *root, const char *name);
/* The network's subnet and gateway out of its config. */
int eng_network_addrs(json_t *net, struct eng_subnet *sn, uint32_t *gw, struct tote_err **err);
/* Whether name is the default network's. */
bool eng_network_is_default(const char *name);

#endif
