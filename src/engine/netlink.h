/* netlink.h - the links, addresses and routes of the engine's networks,
 * through rtnetlink (libmnl): no `ip` command is run.
 *
 * A struct eng_nl is one rtnetlink socket, opened in the caller's network
 * namespace or in another one (given by an fd): requests made on it act
 * in that namespace. */
#ifndef TOTE_ENGINE_NETLINK_H
#define TOTE_ENGINE_NETLINK_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/netaddr.h"

struct tote_err;
struct mnl_socket;

struct eng_nl {
  struct mnl_socket *sock;
  uint32_t seq;
};

/* netns_fd -1: our own namespace.  -1 with err. */
int eng_nl_open(struct eng_nl *nl, int netns_fd, struct tote_err **err);
void eng_nl_close(struct eng_nl *nl);

/* The index of the link called name (0 when there is none) and its MTU. */
int eng_nl_link(struct eng_nl *nl, const char *name, int *index, int *mtu,
                struct tote_err **err);
/* A new bridge; EEXIST is no error (*made says whether it is new). */
int eng_nl_bridge_add(struct eng_nl *nl, const char *name, bool *made, struct tote_err **err);
/* Delete the link called name; a missing one is no error. */
int eng_nl_link_del(struct eng_nl *nl, const char *name, struct tote_err **err);
int eng_nl_link_up(struct eng_nl *nl, int index, struct tote_err **err);
/* ip/prefix on the link. */
int eng_nl_addr_add(struct eng_nl *nl, int index, uint32_t ip, int prefix,
                    struct tote_err **err);
/* A veth pair: host_name on our side, a port of the bridge master (its
 * index), and peer_name in the namespace netns_fd with mac, both of mtu. */
int eng_nl_veth_add(struct eng_nl *nl, const char *host_name, int master, int mtu,
                    const char *peer_name, int netns_fd, const uint8_t mac[6],
                    struct tote_err **err);
/* The bridge port index in hairpin mode: a frame may leave by the port it
 * came in (a container reaching its own published port when br_netfilter
 * bridges the DNAT'd frame instead of routing it). */
int eng_nl_port_hairpin(struct eng_nl *nl, int index, struct tote_err **err);
/* The default route via gw on link index. */
int eng_nl_default_route(struct eng_nl *nl, int index, uint32_t gw, struct tote_err **err);
/* The IPv4 routes of the main table with a destination (not the default
 * route), and not through the link skip_index: the subnets the host
 * reaches already.  A new array of *n (free it). */
struct eng_subnet *eng_nl_routes(struct eng_nl *nl, int skip_index, size_t *n,
                                 struct tote_err **err);

#endif
