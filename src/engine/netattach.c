/* netattach.c - a container's network, from the flags to the links (see
 * netattach.h). */
#include "engine/netattach.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/container.h"
#include "engine/ipam.h"
#include "engine/netaddr.h"
#include "engine/netfiles.h"
#include "engine/netlink.h"
#include "engine/netns.h"
#include "engine/network.h"
#include "engine/nft.h"
#include "engine/ports.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"

static const char *str(json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

/* ---- at create ---- */

/* -p and -P as the record's port list; -1 with err. */
static json_t *requested_ports(const struct eng_net_request *rq, json_t *icfg, tote_err **err) {
  struct eng_port *v = NULL;
  size_t n = 0;
  for (int i = 0; i < rq->publish.n; i++)
    if (eng_parse_publish(rq->publish.v[i], &v, &n, err) < 0) {
      free(v);
      return NULL;
    }
  const char *key;
  json_t *unused;
  json_object_foreach(rq->publish_all ? json_object_get(icfg, "ExposedPorts") : NULL, key,
                      unused) {
    struct eng_port p;
    bool given = false;
    if (eng_parse_exposed(key, &p) < 0)
      continue;
    for (size_t k = 0; k < n; k++)
      given |= v[k].ctr_port == p.ctr_port && strcmp(v[k].proto, p.proto) == 0;
    if (!given) {
      v = xrealloc(v, (n + 1) * sizeof *v);
      v[n++] = p;
    }
  }
  json_t *out = json_array();
  for (size_t i = 0; i < n; i++) {
    for (size_t k = 0; k < i; k++)
      if (v[i].host_port && v[k].host_port == v[i].host_port &&
          strcmp(v[k].proto, v[i].proto) == 0 &&
          (!v[k].host_ip || !v[i].host_ip || v[k].host_ip == v[i].host_ip)) {
        err_set(err, 0, "-p: host port %u/%s is published twice: give each one once",
                v[i].host_port, v[i].proto);
        free(v);
        json_decref(out);
        return NULL;
      }
    json_array_append_new(out, eng_port_to_json(&v[i]));
  }
  free(v);
  return out;
}

/* --network container:NAME: the namespace of that container (or none:
 * "host" when it has the host's). */
static int joined(const struct eng_net_ctx *ctx, const char *name, json_t *req, tote_err **err) {
  tote_err *e = NULL;
  json_t *other = eng_find(ctx->cdir, name, &e);
  if (other == NULL) {
    err_free(&e);
    return err_set(err, 0, "--network container:%s: no such container: see tote ps -a", name);
  }
  json_t *on = json_object_get(other, "network");
  const char *mode = str(on, "mode");
  json_object_set(req, "container", json_object_get(other, "id"));
  if (mode && strcmp(mode, "host") == 0)
    json_object_set_new(req, "host", json_true());
  else
    json_object_set_new(req, "netns", json_string(str(on, "netns") ?: ""));
  json_decref(other);
  return 0;
}

/* The request's "mode" and "name"; for bridge networks the config's
 * subnet checks --ip. */
static int mode_of(const struct eng_net_ctx *ctx, const struct eng_net_request *rq, json_t *req,
                   tote_err **err) {
  const char *n = rq->network ? rq->network : ENG_NET_DEFAULT;
  if (strcmp(n, "none") == 0 || strcmp(n, "host") == 0) {
    json_object_set_new(req, "mode", json_string(n));
  } else if (strncmp(n, "container:", 10) == 0) {
    json_object_set_new(req, "mode", json_string("container"));
    if (joined(ctx, n + 10, req, err) < 0)
      return -1;
  } else {
    json_t *net = eng_network_get(ctx->root, n, err);
    if (net == NULL)
      return err_wrap(err, "--network %s", n);
    json_object_set_new(req, "mode", json_string("bridge"));
    json_object_set(req, "name", json_object_get(net, "name"));
    struct eng_subnet sn;
    uint32_t gw, ip;
    int r = eng_network_addrs(net, &sn, &gw, err);
    if (r == 0 && rq->ip) {
      _cleanup_free_ char *s = eng_subnet_format(&sn);
      if (eng_ip_parse(rq->ip, &ip) < 0)
        r = err_set(err, 0, "--ip \"%s\" is no IPv4 address: give one of network %s's subnet %s",
                    rq->ip, str(net, "name"), s);
      else if (!eng_ip_assignable(&sn, gw, ip))
        r = err_set(err, 0, "--ip %s is not in network %s's subnet %s (or is its gateway): "
                    "choose an address inside it", rq->ip, str(net, "name"), s);
      else
        json_object_set_new(req, "ip", json_string(rq->ip));
    }
    json_decref(net);
    if (r < 0)
      return -1;
  }
  const char *mode = str(req, "mode");
  if (strcmp(mode, "bridge") != 0 && rq->ip)
    return err_set(err, 0, "--ip needs a bridge network, not --network %s", n);
  if (strcmp(mode, "bridge") != 0 && (rq->publish.n || rq->publish_all))
    return err_set(err, 0, "-p and -P need a bridge network: with --network %s there is no "
                   "port to publish", n);
  return 0;
}

/* linux.namespaces: the network entry given a path, or dropped (host). */
static void point_spec(json_t *spec, json_t *req) {
  json_t *nss = json_object_get(json_object_get(spec, "linux"), "namespaces");
  bool host = strcmp(str(req, "mode"), "host") == 0 || json_is_true(json_object_get(req, "host"));
  size_t i;
  json_t *ns;
  json_array_foreach(nss, i, ns) {
    if (strcmp(str(ns, "type") ?: "", "network") != 0)
      continue;
    if (host)
      json_array_remove(nss, i);
    else
      json_object_set(ns, "path", json_object_get(req, "netns"));
    return;
  }
}

/* resolv.conf in the container's directory, bound on /etc/resolv.conf
 * (unless a mount of the user's is there). */
static int resolv_conf(const struct eng_net_ctx *ctx, const struct eng_net_request *rq,
                       bool host, json_t *spec, tote_err **err) {
  _cleanup_free_ char *hosts = read_file_at(AT_FDCWD, "/etc/resolv.conf", NULL, NULL);
  _cleanup_free_ char *text =
      eng_resolv_conf(hosts, &rq->dns, &rq->dns_search, &rq->dns_options, host);
  if (write_file_at(ctx->dfd, "resolv.conf", text, strlen(text), 0644, err) < 0)
    return -1;
  json_t *mounts = json_object_get(spec, "mounts");
  size_t i;
  json_t *m;
  json_array_foreach(mounts, i, m) {
    if (strcmp(str(m, "destination") ?: "", "/etc/resolv.conf") == 0)
      return 0;
  }
  json_array_append_new(mounts, json_pack("{s:s, s:s, s:o, s:[s, s]}", "destination",
                                          "/etc/resolv.conf", "type", "bind", "source",
                                          json_sprintf("%s/resolv.conf", ctx->dfd_path),
                                          "options", "rbind", "rprivate"));
  return 0;
}

int eng_net_prepare(const struct eng_net_ctx *ctx, const struct eng_net_request *rq,
                    json_t *spec, json_t *c, tote_err **err) {
  for (int i = 0; i < rq->dns.n; i++) {
    uint32_t ip;
    if (eng_ip_parse(rq->dns.v[i], &ip) < 0 && strchr(rq->dns.v[i], ':') == NULL)
      return err_set(err, 0, "--dns \"%s\": an IP address of a name server", rq->dns.v[i]);
  }
  json_t *req = json_pack("{s:s}", "state_root", ctx->state_root);
  json_object_set_new(c, "network", req);
  if (mode_of(ctx, rq, req, err) < 0)
    return -1;
  const char *mode = str(req, "mode");
  if (strcmp(mode, "none") == 0 || strcmp(mode, "bridge") == 0)
    json_object_set_new(req, "netns", json_sprintf("%s-net/netns/%s", ctx->state_root, str(c, "id")));
  json_t *ports = strcmp(mode, "bridge") == 0 ? requested_ports(rq, ctx->image_config, err)
                                              : json_array();
  if (ports == NULL)
    return -1;
  json_object_set_new(req, "ports", ports);
  point_spec(spec, req);
  bool host = strcmp(mode, "host") == 0 || json_is_true(json_object_get(req, "host"));
  return resolv_conf(ctx, rq, host, spec, err);
}

/* ---- at start ---- */

/* One sysctl of the host written ("1"), when it is not so already. */
static int sysctl_on(const char *path, tote_err **err) {
  char buf[8] = "";
  _cleanup_close_ int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0)
    return err_sys(err, "opening %s", path);
  if (read(fd, buf, sizeof buf - 1) > 0 && buf[0] == '1')
    return 0;
  if (pwrite(fd, "1\n", 2, 0) != 2)
    return err_sys(err, "writing 1 into %s", path);
  return 0;
}

/* The network's bridge up with its gateway address: made, its subnet
 * checked against the host's routes, and tote's table and the subnet's
 * entry in it, when it is the first container on it. */
static int bridge_up(struct eng_nl *nl, json_t *net, const struct eng_subnet *sn, uint32_t gw,
                     bool first, int *index, int *mtu, tote_err **err) {
  const char *br = str(net, "bridge");
  bool internal = json_is_true(json_object_get(net, "internal"));
  if (eng_nl_link(nl, br, index, mtu, err) < 0)
    return -1;
  if (*index && !first)
    return 0;
  size_t n = 0;
  _cleanup_free_ struct eng_subnet *routes = eng_nl_routes(nl, *index, &n, err);
  if (routes == NULL)
    return -1;
  for (size_t i = 0; i < n; i++)
    if (eng_subnet_overlap(sn, &routes[i])) {
      _cleanup_free_ char *a = eng_subnet_format(sn), *b = eng_subnet_format(&routes[i]);
      return err_set(err, 0, "network %s's subnet %s overlaps the host's route to %s: remove "
                     "the network and make one with another --subnet", str(net, "name"), a, b);
    }
  bool made;
  _cleanup_free_ char *localnet = xasprintf("/proc/sys/net/ipv4/conf/%s/route_localnet", br);
  if (eng_nl_bridge_add(nl, br, &made, err) < 0 || eng_nl_link(nl, br, index, mtu, err) < 0 ||
      eng_nl_addr_add(nl, *index, gw, sn->prefix, err) < 0 ||
      /* 127.0.0.1:PORT of the host reaches the containers (dnat'd in output) */
      sysctl_on(localnet, err) < 0 || eng_nl_link_up(nl, *index, err) < 0)
    return -1;
  if (!internal && sysctl_on("/proc/sys/net/ipv4/ip_forward", err) < 0)
    return -1;
  if (eng_nft_table(err) < 0 || eng_nft_subnet(true, sn, internal, err) < 0)
    return -1;
  return 0;
}

/* The last container of a bridge has gone: the bridge, its subnet's
 * entry and, with no bridge left, tote's table. */
static void bridge_down(struct eng_nl *nl, json_t *st, const char *br) {
  json_t *b = json_object_get(json_object_get(st, "bridges"), br);
  struct eng_subnet sn;
  tote_err *err = NULL;
  if (b && eng_subnet_parse(str(b, "subnet") ?: "", "subnet", &sn, &err) == 0 &&
      eng_nft_subnet(false, &sn, json_is_true(json_object_get(b, "internal")), &err) < 0)
    log_debug("%s", err->msg);
  err_free(&err);
  if (eng_nl_link_del(nl, br, &err) < 0) {
    log_warn("%s", err->msg);
    err_free(&err);
  }
  json_object_del(json_object_get(st, "bridges"), br);
  if (json_object_size(json_object_get(st, "bridges")) == 0)
    eng_nft_table_delete();
}

/* The names of a container in the hosts files: its name, and its host
 * name when that differs. */
static char *names_of(json_t *c) {
  const char *name = str(c, "name") ?: "";
  const char *hn = str(json_object_get(c, "config"), "Hostname");
  return hn && *hn && strcmp(hn, name) != 0 ? xasprintf("%s %s", name, hn) : xstrdup(name);
}

/* Each container of the store on bridge br gets in its /etc/hosts its own
 * address and, on a user network, the others'. */
static void refresh_hosts(const char *root, int cdir, json_t *st, const char *br) {
  json_t *b = json_object_get(json_object_get(st, "bridges"), br);
  bool user = !eng_network_is_default(str(b, "network") ?: ENG_NET_DEFAULT);
  json_t *addrs = json_object_get(b, "addrs");
  size_t n = json_object_size(addrs), k = 0;
  struct eng_hosts_entry *e = xcalloc_array(n + 1, sizeof *e);
  char **ids = xcalloc_array(n + 1, sizeof *ids);
  const char *ip;
  json_t *a;
  json_object_foreach(addrs, ip, a) {
    if (strcmp(str(a, "root") ?: "", root) != 0)
      continue;
    json_t *c = eng_load(cdir, str(a, "id") ?: "");
    if (c == NULL)
      continue;
    e[k] = (struct eng_hosts_entry){ip, names_of(c)};
    ids[k++] = xstrdup(str(c, "id"));
    json_decref(c);
  }
  for (size_t i = 0; i < k; i++) {
    _cleanup_free_ char *path = xasprintf("%s/hosts", ids[i]);
    _cleanup_free_ char *base = read_file_at(cdir, path, NULL, NULL);
    if (base == NULL)
      continue;
    /* in place: the file is bound into the container (a rename would not be seen) */
    _cleanup_free_ char *text = user ? eng_hosts_text(base, e, k) : eng_hosts_text(base, &e[i], 1);
    tote_err *err = NULL;
    if (write_file_at(cdir, path, text, strlen(text), 0644, &err) < 0) {
      log_warn("%s", err->msg);
      err_free(&err);
    }
  }
  for (size_t i = 0; i < k; i++) {
    free((char *)e[i].names);
    free(ids[i]);
  }
  free(e);
  free(ids);
}

/* The host ports: chosen for -P, checked free, taken in the IPAM. */
static json_t *take_ports(json_t *st, json_t *wanted, const char *id, const char *root,
                          tote_err **err) {
  json_t *out = json_array();
  size_t i;
  json_t *pj;
  json_array_foreach(wanted, i, pj) {
    struct eng_port p;
    if (eng_port_from_json(pj, &p) < 0) {
      json_decref(out);
      err_set(err, 0, "container %.12s: a broken port in its record", id);
      return NULL;
    }
    int r = 0;
    if (p.host_port == 0) {
      for (int tries = 0; r == 0 && tries < 100; tries++) {
        if ((r = eng_port_choose(&p, err)) == 0 && !eng_ipam_port_taken(st, &p))
          break;
      }
    } else if (eng_ipam_port_taken(st, &p)) {
      r = eng_ipam_take_port(st, &p, id, root, err); /* its error */
    } else {
      r = eng_port_check_free(&p, err);
    }
    if (r == 0)
      r = eng_ipam_take_port(st, &p, id, root, err);
    if (r < 0) {
      json_decref(out);
      return NULL;
    }
    json_array_append_new(out, eng_port_to_json(&p));
  }
  return out;
}

static void mac_of(uint32_t ip, uint8_t mac[6]) {
  mac[0] = 0x02; /* locally administered, unicast */
  mac[1] = 0x74;
  for (int i = 0; i < 4; i++)
    mac[2 + i] = (uint8_t)(ip >> (24 - 8 * i));
}

/* Inside the namespace: lo up; on a bridge eth0's address, up, and the
 * default route. */
static int inside(int nsfd, json_t *live, tote_err **err) {
  struct eng_nl nl;
  if (eng_nl_open(&nl, nsfd, err) < 0)
    return -1;
  int lo, eth = 0, r = eng_nl_link(&nl, "lo", &lo, NULL, err);
  if (r == 0 && lo)
    r = eng_nl_link_up(&nl, lo, err);
  const char *ip_s = str(live, "ip");
  uint32_t ip, gw;
  if (r == 0 && ip_s && eng_ip_parse(ip_s, &ip) == 0 &&
      eng_ip_parse(str(live, "gateway") ?: "", &gw) == 0) {
    int prefix = (int)json_integer_value(json_object_get(live, "prefix"));
    r = eng_nl_link(&nl, "eth0", &eth, NULL, err);
    if (r == 0 && eth == 0)
      r = err_set(err, 0, "eth0 did not reach the container's namespace");
    if (r == 0)
      r = eng_nl_addr_add(&nl, eth, ip, prefix, err);
    if (r == 0)
      r = eng_nl_link_up(&nl, eth, err);
    if (r == 0 && !json_is_true(json_object_get(live, "internal")))
      r = eng_nl_default_route(&nl, eth, gw, err);
  }
  eng_nl_close(&nl);
  return r;
}

/* The bridge part, under the IPAM lock: address and ports taken (and
 * saved, with the record's "net", before any link is made: a crash leaves
 * what eng_net_down finds), the bridge up, the veth pair. */
static int attach(const char *root, int cdir, json_t *c, json_t *live, int nsfd, tote_err **err) {
  json_t *req = json_object_get(c, "network");
  const char *id = str(c, "id"), *state_root = str(req, "state_root");
  json_t *net = eng_network_get(root, str(req, "name"), err);
  if (net == NULL)
    return -1;
  struct eng_subnet sn;
  uint32_t gw, want = 0, ip;
  const char *br = str(net, "bridge");
  bool internal = json_is_true(json_object_get(net, "internal"));
  json_t *st = NULL, *ports = NULL;
  int r = eng_network_addrs(net, &sn, &gw, err);
  if (r == 0 && str(req, "ip"))
    eng_ip_parse(str(req, "ip"), &want);
  if (r == 0 && (st = eng_ipam_load(state_root, err)) == NULL)
    r = -1;
  json_t *b = NULL;
  bool first = false;
  if (r == 0) {
    eng_ipam_sweep(st);
    first = eng_ipam_bridge_users(st, br) == 0;
    if ((b = eng_ipam_bridge(st, br, str(net, "name"), &sn, gw, internal, err)) == NULL)
      r = -1;
  }
  if (r == 0)
    r = eng_ipam_take(b, &sn, gw, want, id, root, &ip, err);
  if (r == 0 && (ports = take_ports(st, json_object_get(req, "ports"), id, root, err)) == NULL)
    r = -1;
  char ips[ENG_IP_LEN], veth[16];
  snprintf(veth, sizeof veth, "veth%.11s", id);
  if (r == 0) {
    eng_ip_format(ip, ips);
    uint8_t mac[6];
    mac_of(ip, mac);
    json_object_set_new(live, "bridge", json_string(br));
    json_object_set_new(live, "network", json_string(str(net, "name")));
    json_object_set_new(live, "veth", json_string(veth));
    json_object_set_new(live, "ip", json_string(ips));
    json_object_set_new(live, "prefix", json_integer(sn.prefix));
    json_object_set(live, "gateway", json_object_get(net, "gateway"));
    json_object_set_new(live, "internal", json_boolean(internal));
    json_object_set_new(live, "mac", json_sprintf("%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
                                                  mac[2], mac[3], mac[4], mac[5]));
    json_object_set_new(live, "ports", ports);
    ports = NULL;
    r = eng_ipam_save(state_root, st, err);
    if (r == 0)
      r = eng_save(cdir, c, err);
  }
  struct eng_nl nl = {0};
  int index = 0, mtu = 0;
  if (r == 0)
    r = eng_nl_open(&nl, -1, err);
  if (r == 0)
    r = bridge_up(&nl, net, &sn, gw, first, &index, &mtu, err);
  if (r == 0) {
    uint8_t mac[6];
    mac_of(ip, mac);
    eng_nl_link_del(&nl, veth, NULL); /* what a crashed run may have left */
    r = eng_nl_veth_add(&nl, veth, index, mtu, "eth0", nsfd, mac, err);
    int vi = 0;
    if (r == 0)
      r = eng_nl_link(&nl, veth, &vi, NULL, err);
    if (r == 0)
      r = eng_nl_port_hairpin(&nl, vi, err);
    if (r == 0)
      r = eng_nl_link_up(&nl, vi, err);
  }
  if (nl.sock)
    eng_nl_close(&nl);
  if (r == 0)
    r = inside(nsfd, live, err);
  if (r == 0) {
    json_t *pj;
    size_t i, n = json_array_size(json_object_get(live, "ports"));
    struct eng_port *pv = xcalloc_array(n + 1, sizeof *pv);
    json_array_foreach(json_object_get(live, "ports"), i, pj) eng_port_from_json(pj, &pv[i]);
    r = eng_nft_ports(true, ip, pv, n, err);
    free(pv);
  }
  if (r == 0)
    refresh_hosts(root, cdir, st, br);
  json_decref(ports);
  json_decref(st);
  json_decref(net);
  return r;
}

int eng_net_up(const char *root, int cdir, json_t *c, tote_err **err) {
  json_t *req = json_object_get(c, "network");
  const char *mode = str(req, "mode");
  if (mode == NULL || strcmp(mode, "host") == 0)
    return 0; /* an older record, or the host's network */
  if (strcmp(mode, "container") == 0) {
    if (!json_is_true(json_object_get(req, "host")) && !eng_netns_exists(str(req, "netns") ?: ""))
      return err_set(err, 0, "--network container:%.12s: that container does not run: start it "
                     "first", str(req, "container"));
    return 0;
  }
  const char *state_root = str(req, "state_root"), *path = str(req, "netns");
  if (state_root == NULL || path == NULL)
    return err_set(err, 0, "container %.12s: its network request is broken", str(c, "id"));
  json_t *live = json_pack("{s:s}", "netns", path);
  json_object_set_new(c, "net", live);
  _cleanup_close_ int lock = eng_ipam_lock(state_root, err);
  if (lock < 0)
    return -1;
  _cleanup_close_ int nsfd = eng_netns_make(path, err);
  int r = nsfd < 0 ? -1 : strcmp(mode, "bridge") == 0 ? attach(root, cdir, c, live, nsfd, err)
                                                      : inside(nsfd, live, err);
  if (r == 0)
    r = eng_save(cdir, c, err);
  if (r < 0) {
    close(lock);
    lock = -1;
    eng_net_down(root, c);
  }
  return r;
}

void eng_net_down(const char *root, json_t *c) {
  json_t *live = json_object_get(c, "net");
  const char *state_root = str(json_object_get(c, "network"), "state_root");
  if (live == NULL || state_root == NULL)
    return;
  tote_err *err = NULL;
  _cleanup_close_ int lock = eng_ipam_lock(state_root, &err);
  if (lock < 0) {
    log_warn("%s", err->msg);
    err_free(&err);
  }
  const char *br = str(live, "bridge"), *veth = str(live, "veth"), *id = str(c, "id");
  uint32_t ip = 0;
  if (str(live, "ip"))
    eng_ip_parse(str(live, "ip"), &ip);
  json_t *pj;
  size_t i, n = json_array_size(json_object_get(live, "ports"));
  struct eng_port *pv = xcalloc_array(n + 1, sizeof *pv);
  json_array_foreach(json_object_get(live, "ports"), i, pj) eng_port_from_json(pj, &pv[i]);
  if (eng_nft_ports(false, ip, pv, n, &err) < 0)
    err_free(&err);
  free(pv);
  struct eng_nl nl = {0};
  if (br && eng_nl_open(&nl, -1, &err) < 0) {
    log_warn("%s", err->msg);
    err_free(&err);
  }
  if (nl.sock && veth && eng_nl_link_del(&nl, veth, &err) < 0) {
    log_warn("%s", err->msg);
    err_free(&err);
  }
  if (str(live, "netns"))
    eng_netns_remove(str(live, "netns"));
  json_t *st = br ? eng_ipam_load(state_root, &err) : NULL;
  if (br && st == NULL) {
    log_warn("%s", err->msg);
    err_free(&err);
  }
  if (st) {
    eng_ipam_release(st, id);
    eng_ipam_sweep(st);
    if (eng_ipam_bridge_users(st, br) == 0 && nl.sock)
      bridge_down(&nl, st, br);
    if (eng_ipam_save(state_root, st, &err) < 0) {
      log_warn("%s", err->msg);
      err_free(&err);
    }
    tote_err *ignored = NULL;
    _cleanup_close_ int cdir = eng_containers_dir(root, &ignored);
    err_free(&ignored);
    if (cdir >= 0 && json_object_get(json_object_get(st, "bridges"), br))
      refresh_hosts(root, cdir, st, br);
    json_decref(st);
  }
  if (nl.sock)
    eng_nl_close(&nl);
  json_object_del(c, "net");
}

/* ---- what it looks like ---- */

json_t *eng_net_port_lines(json_t *c) {
  json_t *out = json_array(), *pj;
  size_t i;
  json_array_foreach(json_object_get(json_object_get(c, "net"), "ports"), i, pj) {
    struct eng_port p;
    if (eng_port_from_json(pj, &p) < 0)
      continue;
    _cleanup_free_ char *line = eng_port_line(&p);
    json_array_append_new(out, json_string(line));
  }
  return out;
}

json_t *eng_net_settings(json_t *c) {
  json_t *live = json_object_get(c, "net"), *req = json_object_get(c, "network");
  const char *ip = str(live, "ip") ?: "", *gw = str(live, "gateway") ?: "",
             *mac = str(live, "mac") ?: "";
  int prefix = (int)json_integer_value(json_object_get(live, "prefix"));
  json_t *ports = json_object(), *pj;
  size_t i;
  json_array_foreach(json_object_get(live, "ports"), i, pj) {
    struct eng_port p;
    if (eng_port_from_json(pj, &p) < 0)
      continue;
    char key[16], hip[ENG_IP_LEN], hport[8];
    snprintf(key, sizeof key, "%u/%s", p.ctr_port, p.proto);
    eng_ip_format(p.host_ip, hip);
    snprintf(hport, sizeof hport, "%u", p.host_port);
    json_t *list = json_object_get(ports, key);
    if (list == NULL)
      json_object_set_new(ports, key, list = json_array());
    json_array_append_new(list, json_pack("{s:s, s:s}", "HostIp", hip, "HostPort", hport));
  }
  json_t *nets = json_object();
  const char *mode = str(req, "mode") ?: "none";
  const char *name = strcmp(mode, "bridge") == 0 ? str(req, "name") : mode;
  if (strcmp(mode, "container") != 0)
    json_object_set_new(nets, name ?: mode,
                        json_pack("{s:s, s:s, s:i, s:s, s:s}", "NetworkID", "", "IPAddress", ip,
                                  "IPPrefixLen", prefix, "Gateway", gw, "MacAddress", mac));
  return json_pack("{s:s, s:s, s:i, s:s, s:o, s:o, s:s}", "IPAddress", ip, "Gateway", gw,
                   "IPPrefixLen", prefix, "MacAddress", mac, "Ports", ports, "Networks", nets,
                   "SandboxKey", str(live, "netns") ?: "");
}

void eng_net_forget(const char *state_root, const char *id) {
  tote_err *err = NULL;
  _cleanup_close_ int lock = eng_ipam_lock(state_root, &err);
  err_free(&err);
  /* the namespace gone, its end of the veth pair goes, and the host's end with it */
  _cleanup_free_ char *ns = xasprintf("%s-net/netns/%s", state_root, id);
  eng_netns_remove(ns);
  json_t *st = eng_ipam_load(state_root, &err);
  err_free(&err);
  if (st) {
    eng_ipam_release(st, id);
    if (eng_ipam_save(state_root, st, &err) < 0) {
      log_warn("%s", err->msg);
      err_free(&err);
    }
    json_decref(st);
  }
}
