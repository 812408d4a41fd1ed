/* netattach.h - a container's network: what `tote run`'s flags ask for,
 * checked when the container is made, and made real when it starts.
 *
 * Every container but --network host has a network namespace the engine
 * makes (netns.h) and keeps bind-mounted on STATE/netns/<id>; config.json
 * names that path (linux.namespaces' {"type": "network", "path": ...}),
 * and the runtime joins it as any namespace given by path.  The engine
 * configures it completely before the runtime creates the container:
 *
 *   none       lo up, nothing else
 *   bridge     (the default network, or a user network) a veth pair: the
 *              host end veth<11 digits of the id> a port of the network's
 *              bridge (made on first use, network.h), the other end eth0
 *              in the namespace with the bridge's MTU, an address from the
 *              IPAM (ipam.h; --ip asks for one), the default route via the
 *              gateway; the published ports (-p, -P) as entries of tote's
 *              nftables maps (nft.h)
 *   container  the namespace of another container: its path, which exists
 *              while that one runs
 *   host       no namespace: the host's
 *
 * The namespace lasts from the container's start until it stops for good,
 * so a --restart re-create by the monitor keeps it (and its address).
 * eng_net_down undoes all of it and is the one function every end calls:
 * the monitor's finish and its failures, a dead monitor's clean-up
 * (eng_sync), rm and rm -f and --rm (eng_discard), a failed create. */
#ifndef TOTE_ENGINE_NETATTACH_H
#define TOTE_ENGINE_NETATTACH_H

#include <jansson.h>
#include <stdbool.h>

#include "engine/hostconfig.h"

struct tote_err;

struct eng_net_request {
  const char *network;   /* --network: NULL for the default */
  const char *ip;        /* --ip, or NULL */
  struct eng_list publish; /* -p */
  bool publish_all;      /* -P: each of the image's ExposedPorts */
  struct eng_list dns, dns_search, dns_options;
};

/* Where the container is being made. */
struct eng_net_ctx {
  const char *root, *state_root;
  int cdir;              /* ROOT/containers */
  int dfd;               /* ROOT/containers/<id> */
  const char *dfd_path;
  json_t *image_config;  /* its ExposedPorts for -P */
};

/* Check the request (the network exists, --ip is in its subnet, -p
 * parses, container:NAME names a container), record it in c
 * ("network"), point spec at the namespace (or, for host, drop the
 * network namespace) and write resolv.conf in the container's directory,
 * bound on /etc/resolv.conf. */
int eng_net_prepare(const struct eng_net_ctx *ctx, const struct eng_net_request *rq,
                    json_t *spec, json_t *c, struct tote_err **err);
/* Make the container's network as c's "network" asks, and record what was
 * made in c ("net", saved in cdir).  On failure what was made is undone. */
int eng_net_up(const char *root, int cdir, json_t *c, struct tote_err **err);
/* Undo what eng_net_up made (each step tolerant of what is gone already)
 * and drop c's "net" (the caller saves c). */
void eng_net_down(const char *root, json_t *c);
/* tote network connect: container id (of the store whose ROOT/containers
 * is cdir) joins network name as well (ip: the address asked for, or
 * NULL): at once when it runs (eth1, eth2... in its namespace, an address
 * on the network's bridge, the hosts files of both sides), and at each
 * start after (c's "network" "extra" keeps the request).  Under the IPAM
 * lock; c is saved.  Only a container on a bridge network can. */
int eng_net_connect(const char *root, int cdir, const char *id, const char *name, const char *ip,
                    struct tote_err **err);
/* tote network disconnect: the reverse, for a network connect added. */
int eng_net_disconnect(const char *root, int cdir, const char *id, const char *name,
                       struct tote_err **err);
/* The container's published ports as docker's tote port prints them: an
 * array of strings ("80/tcp -> 0.0.0.0:8080"), empty when it does not
 * run. */
json_t *eng_net_port_lines(json_t *c);
/* docker's NetworkSettings for tote inspect. */
json_t *eng_net_settings(json_t *c);

/* For a container whose record is gone or unreadable: what its id alone
 * tells (its namespace, so its veth pair too, and its address).  Its
 * published ports stay in tote's nft table until the table is remade. */
void eng_net_forget(const char *state_root, const char *id);

#endif
