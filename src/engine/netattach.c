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
#include "engine/run.h"
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
  if (eng_nft_table(err) < 0 || eng_nft_subnet(true, sn, internal, err) < 0 ||
      eng_nft_bridge(true, br, err) < 0)
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
  if (eng_nft_bridge(false, br, &err) < 0)
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

/* The names of container id in the hosts files, cached in names (id ->
 * names); NULL when its record cannot be read. */
static const char *names_for(int cdir, json_t *names, const char *id) {
  json_t *have = json_object_get(names, id);
  if (have)
    return json_string_value(have);
  json_t *c = eng_load(cdir, id);
  if (c == NULL)
    return NULL;
  _cleanup_free_ char *n = names_of(c);
  json_decref(c);
  json_object_set_new(names, id, json_string(n));
  return json_string_value(json_object_get(names, id));
}

/* Whether id (of the store at root) has an address in addrs. */
static bool has_addr(json_t *addrs, const char *root, const char *id) {
  const char *ip;
  json_t *a;
  json_object_foreach(addrs, ip, a) {
    if (strcmp(str(a, "id") ?: "", id) == 0 && strcmp(str(a, "root") ?: "", root) == 0)
      return true;
  }
  return false;
}

/* The /etc/hosts of container id: on each bridge it has an address on, its
 * own entry and, on a user network, the other containers' of the store;
 * each address once. */
static void write_hosts(const char *root, int cdir, json_t *st, json_t *names, const char *id) {
  size_t n = 0, cap = 0;
  struct eng_hosts_entry *e = NULL;
  const char *br, *ip;
  json_t *b, *a;
  json_object_foreach(json_object_get(st, "bridges"), br, b) {
    json_t *addrs = json_object_get(b, "addrs");
    if (!has_addr(addrs, root, id))
      continue;
    bool user = !eng_network_is_default(str(b, "network") ?: ENG_NET_DEFAULT);
    json_object_foreach(addrs, ip, a) {
      const char *aid = str(a, "id") ?: "";
      if (strcmp(str(a, "root") ?: "", root) != 0 || (!user && strcmp(aid, id) != 0))
        continue;
      bool seen = false;
      for (size_t i = 0; i < n; i++)
        seen = seen || strcmp(e[i].ip, ip) == 0;
      const char *nm = seen ? NULL : names_for(cdir, names, aid);
      if (nm == NULL)
        continue;
      if (n == cap)
        e = xrealloc(e, (cap = cap ? 2 * cap : 8) * sizeof *e);
      e[n++] = (struct eng_hosts_entry){ip, nm};
    }
  }
  _cleanup_free_ char *path = xasprintf("%s/hosts", id);
  _cleanup_free_ char *base = read_file_at(cdir, path, NULL, NULL);
  if (base) {
    /* in place: the file is bound into the container (a rename would not be seen) */
    _cleanup_free_ char *text = eng_hosts_text(base, e, n);
    tote_err *err = NULL;
    if (write_file_at(cdir, path, text, strlen(text), 0644, &err) < 0) {
      log_warn("%s", err->msg);
      err_free(&err);
    }
  }
  free(e);
}

/* Each container of the store on bridge br gets its /etc/hosts written
 * again (write_hosts). */
static void refresh_hosts(const char *root, int cdir, json_t *st, const char *br) {
  json_t *addrs = json_object_get(json_object_get(json_object_get(st, "bridges"), br), "addrs");
  json_t *names = json_object();
  const char *ip;
  json_t *a;
  json_object_foreach(addrs, ip, a) {
    if (strcmp(str(a, "root") ?: "", root) == 0)
      write_hosts(root, cdir, st, names, str(a, "id") ?: "");
  }
  json_decref(names);
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

/* Inside the namespace: lo up; on a bridge, link's address on ifname,
 * up, and (route: the first network's) the default route. */
static int inside(int nsfd, json_t *link, const char *ifname, bool route, tote_err **err) {
  struct eng_nl nl;
  if (eng_nl_open(&nl, nsfd, err) < 0)
    return -1;
  int lo, eth = 0, r = eng_nl_link(&nl, "lo", &lo, NULL, err);
  if (r == 0 && lo)
    r = eng_nl_link_up(&nl, lo, err);
  const char *ip_s = str(link, "ip");
  uint32_t ip, gw;
  if (r == 0 && ip_s && eng_ip_parse(ip_s, &ip) == 0 &&
      eng_ip_parse(str(link, "gateway") ?: "", &gw) == 0) {
    int prefix = (int)json_integer_value(json_object_get(link, "prefix"));
    r = eng_nl_link(&nl, ifname, &eth, NULL, err);
    if (r == 0 && eth == 0)
      r = err_set(err, 0, "%s did not reach the container's namespace", ifname);
    if (r == 0)
      r = eng_nl_addr_add(&nl, eth, ip, prefix, err);
    if (r == 0)
      r = eng_nl_link_up(&nl, eth, err);
    if (r == 0 && route && !json_is_true(json_object_get(link, "internal")))
      r = eng_nl_default_route(&nl, eth, gw, err);
  }
  eng_nl_close(&nl);
  return r;
}

/* On the host: net's bridge up (first: the first container on it) and a
 * veth pair, veth a port of it, ifname in the namespace nsfd. */
static int plug(json_t *net, const struct eng_subnet *sn, uint32_t gw, bool first,
                const char *veth, const char *ifname, uint32_t ip, int nsfd, tote_err **err) {
  struct eng_nl nl = {0};
  int index = 0, mtu = 0;
  int r = eng_nl_open(&nl, -1, err);
  if (r == 0)
    r = bridge_up(&nl, net, sn, gw, first, &index, &mtu, err);
  if (r == 0) {
    uint8_t mac[6];
    mac_of(ip, mac);
    eng_nl_link_del(&nl, veth, NULL); /* what a crashed run may have left */
    r = eng_nl_veth_add(&nl, veth, index, mtu, ifname, nsfd, mac, err);
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
  return r;
}

/* What a link on net records: its bridge, address and the rest. */
static void describe(json_t *link, json_t *net, const char *veth, const char *ifname,
                     uint32_t ip, int prefix) {
  char ips[ENG_IP_LEN];
  eng_ip_format(ip, ips);
  uint8_t mac[6];
  mac_of(ip, mac);
  json_object_set_new(link, "bridge", json_string(str(net, "bridge")));
  json_object_set_new(link, "network", json_string(str(net, "name")));
  json_object_set_new(link, "veth", json_string(veth));
  json_object_set_new(link, "ifname", json_string(ifname));
  json_object_set_new(link, "ip", json_string(ips));
  json_object_set_new(link, "prefix", json_integer(prefix));
  json_object_set(link, "gateway", json_object_get(net, "gateway"));
  json_object_set_new(link, "internal", json_boolean(json_is_true(json_object_get(net, "internal"))));
  json_object_set_new(link, "mac", json_sprintf("%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
                                                mac[2], mac[3], mac[4], mac[5]));
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
  char veth[16];
  snprintf(veth, sizeof veth, "veth%.11s", id);
  if (r == 0) {
    describe(live, net, veth, "eth0", ip, sn.prefix);
    json_object_set_new(live, "ports", ports);
    ports = NULL;
    r = eng_ipam_save(state_root, st, err);
    if (r == 0)
      r = eng_save(cdir, c, err);
  }
  if (r == 0)
    r = plug(net, &sn, gw, first, veth, "eth0", ip, nsfd, err);
  if (r == 0)
    r = inside(nsfd, live, "eth0", true, err);
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

/* Whether one of links is eth<k>. */
static bool ifname_taken(json_t *links, size_t k) {
  char want[8];
  snprintf(want, sizeof want, "eth%zu", k);
  size_t i;
  json_t *l;
  json_array_foreach(links, i, l) {
    if (strcmp(str(l, "ifname") ?: "", want) == 0)
      return true;
  }
  return false;
}

/* The container (running: c's "net" says where its namespace is, nsfd)
 * joins one more network, name, under the IPAM lock the caller holds: an
 * address on its bridge (ip: asked for, or NULL), eth1, eth2... in the
 * namespace, recorded in c's "net" "extra" (saved before the links are
 * made, as attach does); no published port, and no default route unless
 * route (the container has no first network left). */
static int connect_live(const char *root, int cdir, json_t *c, const char *name, const char *ip_s,
                        bool route, int nsfd, tote_err **err) {
  json_t *live = json_object_get(c, "net");
  const char *id = str(c, "id"), *state_root = str(json_object_get(c, "network"), "state_root");
  json_t *extra = json_object_get(live, "extra");
  if (extra == NULL)
    json_object_set_new(live, "extra", extra = json_array());
  size_t k = 1; /* eth<k>: the first one no link has */
  while (k <= 9 && ifname_taken(extra, k))
    k++;
  if (k > 9)
    return err_set(err, 0, "container %.12s is on 10 networks: disconnect one first", id);
  json_t *net = eng_network_get(root, name, err);
  if (net == NULL)
    return -1;
  struct eng_subnet sn;
  uint32_t gw, want = 0, ip = 0;
  const char *br = str(net, "bridge");
  json_t *st = NULL, *b = NULL;
  bool first = false;
  int r = eng_network_addrs(net, &sn, &gw, err);
  if (r == 0 && ip_s && eng_ip_parse(ip_s, &want) < 0)
    r = err_set(err, 0, "--ip \"%s\": an IPv4 address", ip_s);
  if (r == 0 && (st = eng_ipam_load(state_root, err)) == NULL)
    r = -1;
  if (r == 0) {
    eng_ipam_sweep(st);
    if (has_addr(json_object_get(json_object_get(json_object_get(st, "bridges"), br), "addrs"),
                 root, id))
      r = err_set(err, 0, "container %.12s is on network %s already", id, name);
  }
  if (r == 0) {
    first = eng_ipam_bridge_users(st, br) == 0;
    if ((b = eng_ipam_bridge(st, br, name, &sn, gw, json_is_true(json_object_get(net, "internal")),
                             err)) == NULL)
      r = -1;
  }
  if (r == 0)
    r = eng_ipam_take(b, &sn, gw, want, id, root, &ip, err);
  char veth[16], ifname[8];
  snprintf(veth, sizeof veth, "vx%zu%.11s", k, id);
  snprintf(ifname, sizeof ifname, "eth%zu", k);
  json_t *link = json_object();
  if (r == 0) {
    describe(link, net, veth, ifname, ip, sn.prefix);
    json_array_append(extra, link);
    r = eng_ipam_save(state_root, st, err);
    if (r == 0)
      r = eng_save(cdir, c, err);
  }
  if (r == 0)
    r = plug(net, &sn, gw, first, veth, ifname, ip, nsfd, err);
  if (r == 0)
    r = inside(nsfd, link, ifname, route, err);
  if (r == 0)
    refresh_hosts(root, cdir, st, br);
  json_decref(link);
  json_decref(st);
  json_decref(net);
  return r;
}

/* Undo one link of connect_live (or of what is left of it): the veth pair
 * (its end in the namespace goes with it), the address, the bridge when
 * it has no one left, the hosts files of who is still there. */
static void unplug(const char *root, int cdir, json_t *st, json_t *link, const char *id) {
  const char *br = str(link, "bridge"), *veth = str(link, "veth");
  tote_err *err = NULL;
  struct eng_nl nl = {0};
  if (eng_nl_open(&nl, -1, &err) < 0) {
    log_warn("%s", err->msg);
    err_free(&err);
  }
  if (nl.sock && veth && eng_nl_link_del(&nl, veth, &err) < 0) {
    log_warn("%s", err->msg);
    err_free(&err);
  }
  if (br) {
    eng_ipam_release_on(st, br, id);
    eng_ipam_sweep(st);
    if (eng_ipam_bridge_users(st, br) == 0 && nl.sock)
      bridge_down(&nl, st, br);
    else if (cdir >= 0)
      refresh_hosts(root, cdir, st, br);
  }
  if (nl.sock)
    eng_nl_close(&nl);
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
  /* a bridge container whose first network was disconnected has none */
  bool first = strcmp(mode, "bridge") == 0 && str(req, "name");
  int r = nsfd < 0 ? -1
          : first  ? attach(root, cdir, c, live, nsfd, err)
                   : inside(nsfd, live, "eth0", true, err);
  /* the networks tote network connect added (the first of them has the
   * default route when there is no first network) */
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(req, "extra"), i, x) {
    if (r == 0)
      r = connect_live(root, cdir, c, str(x, "name") ?: "", str(x, "ip"), !first && i == 0, nsfd,
                       err);
  }
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
  bool extras = json_array_size(json_object_get(live, "extra")) > 0;
  json_t *st = br || extras ? eng_ipam_load(state_root, &err) : NULL;
  if ((br || extras) && st == NULL) {
    log_warn("%s", err->msg);
    err_free(&err);
  }
  if (st) {
    tote_err *ignored = NULL;
    _cleanup_close_ int cdir = eng_containers_dir(root, &ignored);
    err_free(&ignored);
    /* the networks tote network connect added */
    json_t *x;
    json_array_foreach(json_object_get(live, "extra"), i, x) unplug(root, cdir, st, x, id);
    eng_ipam_release(st, id);
    eng_ipam_sweep(st);
    if (br && eng_ipam_bridge_users(st, br) == 0 && nl.sock)
      bridge_down(&nl, st, br);
    if (eng_ipam_save(state_root, st, &err) < 0) {
      log_warn("%s", err->msg);
      err_free(&err);
    }
    if (br && cdir >= 0 && json_object_get(json_object_get(st, "bridges"), br))
      refresh_hosts(root, cdir, st, br);
    json_decref(st);
  }
  if (nl.sock)
    eng_nl_close(&nl);
  json_object_del(c, "net");
}

/* ---- network connect, disconnect ---- */

/* c's link to network name (from connect_live) undone and dropped from
 * c's "net"; its own hosts file written again without that network. */
static void drop_link(const char *root, int cdir, json_t *c, const char *name) {
  json_t *links = json_object_get(json_object_get(c, "net"), "extra");
  const char *state_root = str(json_object_get(c, "network"), "state_root") ?: ENG_STATE_ROOT;
  const char *id = str(c, "id");
  size_t i;
  json_t *x;
  json_array_foreach(links, i, x) {
    if (strcmp(str(x, "network") ?: "", name) != 0)
      continue;
    tote_err *err = NULL;
    json_t *st = eng_ipam_load(state_root, &err);
    if (st == NULL) {
      log_warn("%s", err->msg);
      err_free(&err);
    } else {
      unplug(root, cdir, st, x, id);
      json_t *names = json_object();
      write_hosts(root, cdir, st, names, id);
      json_decref(names);
      if (eng_ipam_save(state_root, st, &err) < 0) {
        log_warn("%s", err->msg);
        err_free(&err);
      }
      json_decref(st);
    }
    json_array_remove(links, i);
    return;
  }
}

/* c's first network (the one it was run with) undone while it runs: its
 * published ports, address, veth pair, the hosts files; its "net" keeps
 * the namespace and the other links, the first of which (not internal)
 * gets the default route, as docker moves the gateway. */
static void drop_primary(const char *root, int cdir, json_t *c) {
  json_t *live = json_object_get(c, "net");
  const char *state_root = str(json_object_get(c, "network"), "state_root") ?: ENG_STATE_ROOT;
  const char *id = str(c, "id"), *br = str(live, "bridge");
  if (br == NULL)
    return;
  uint32_t ip = 0;
  eng_ip_parse(str(live, "ip") ?: "", &ip);
  json_t *pj;
  size_t i, n = json_array_size(json_object_get(live, "ports"));
  struct eng_port *pv = xcalloc_array(n + 1, sizeof *pv);
  json_array_foreach(json_object_get(live, "ports"), i, pj) eng_port_from_json(pj, &pv[i]);
  tote_err *err = NULL;
  if (eng_nft_ports(false, ip, pv, n, &err) < 0)
    err_free(&err);
  free(pv);
  json_t *st = eng_ipam_load(state_root, &err);
  if (st == NULL) {
    log_warn("%s", err->msg);
    err_free(&err);
  } else {
    eng_ipam_release_ports(st, id);
    unplug(root, cdir, st, live, id);
    if (eng_ipam_save(state_root, st, &err) < 0) {
      log_warn("%s", err->msg);
      err_free(&err);
    }
  }
  const char *keys[] = {"bridge", "network", "veth", "ifname", "ip", "prefix",
                        "gateway", "internal", "mac", "ports"};
  for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
    json_object_del(live, keys[i]);
  if (st) {
    json_t *names = json_object();
    write_hosts(root, cdir, st, names, id);
    json_decref(names);
    json_decref(st);
  }
  /* the default route went with eth0: through the next network's gateway */
  json_t *next = json_array_get(json_object_get(live, "extra"), 0);
  uint32_t gw;
  if (next && !json_is_true(json_object_get(next, "internal")) &&
      eng_ip_parse(str(next, "gateway") ?: "", &gw) == 0) {
    _cleanup_close_ int nsfd = open(str(live, "netns") ?: "", O_RDONLY | O_CLOEXEC);
    struct eng_nl nl;
    int index = 0;
    if (nsfd >= 0 && eng_nl_open(&nl, nsfd, &err) == 0) {
      if (eng_nl_link(&nl, str(next, "ifname") ?: "", &index, NULL, &err) < 0 || index == 0 ||
          eng_nl_default_route(&nl, index, gw, &err) < 0)
        log_warn("the default route through %s: %s", str(next, "ifname"),
                 err ? err->msg : "no such link");
      eng_nl_close(&nl);
    }
    err_free(&err);
  }
}

/* The index of name in the "extra" list of req (what connect added), or -1. */
static int extra_index(json_t *req, const char *name) {
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(req, "extra"), i, x) {
    if (strcmp(str(x, "name") ?: "", name) == 0)
      return (int)i;
  }
  return -1;
}

int eng_net_connect(const char *root, int cdir, const char *id, const char *name, const char *ip,
                    tote_err **err) {
  json_t *c = eng_load(cdir, id);
  if (c == NULL)
    return err_set(err, 0, "containers/%s/container.json cannot be read", id);
  json_t *req = json_object_get(c, "network");
  const char *mode = str(req, "mode") ?: "none";
  int r = 0;
  uint32_t a;
  json_t *net = NULL;
  if (strcmp(mode, "bridge") != 0)
    r = err_set(err, 0, "container %.12s runs with --network %s: only a container on a bridge "
                "network can join another", id, mode);
  else if (strcmp(str(req, "name") ?: "", name) == 0 || extra_index(req, name) >= 0)
    r = err_set(err, 0, "container %.12s is on network %s already", id, name);
  else if (ip && eng_ip_parse(ip, &a) < 0)
    r = err_set(err, 0, "--ip \"%s\": an IPv4 address", ip);
  else if ((net = eng_network_get(root, name, err)) == NULL)
    r = -1;
  json_decref(net);
  _cleanup_free_ char *sr = xstrdup(str(req, "state_root") ?: ENG_STATE_ROOT);
  json_decref(c);
  if (r < 0)
    return -1;
  /* again under the lock: the monitor writes the record as the container
   * comes and goes */
  _cleanup_close_ int lock = eng_ipam_lock(sr, err);
  if (lock < 0 || (c = eng_load(cdir, id)) == NULL)
    return lock < 0 ? -1 : err_set(err, 0, "container %.12s is gone", id);
  req = json_object_get(c, "network");
  json_t *extra = json_object_get(req, "extra");
  if (extra == NULL)
    json_object_set_new(req, "extra", extra = json_array());
  json_t *x = json_pack("{s:s}", "name", name);
  if (ip)
    json_object_set_new(x, "ip", json_string(ip));
  json_array_append_new(extra, x);
  json_t *live = json_object_get(c, "net");
  const char *ns = str(live, "netns");
  if (live && ns && eng_netns_exists(ns)) {
    _cleanup_close_ int nsfd = open(ns, O_RDONLY | O_CLOEXEC);
    bool route = str(req, "name") == NULL && json_array_size(extra) == 1;
    r = nsfd < 0 ? err_sys(err, "opening %s", ns)
                 : connect_live(root, cdir, c, name, ip, route, nsfd, err);
    if (r < 0) { /* what was made of it goes, and the request with it */
      drop_link(root, cdir, c, name);
      json_array_remove(extra, json_array_size(extra) - 1);
      tote_err *e2 = NULL;
      if (eng_save(cdir, c, &e2) < 0) {
        log_warn("%s", e2->msg);
        err_free(&e2);
      }
    }
  }
  if (r == 0)
    r = eng_save(cdir, c, err);
  json_decref(c);
  return r;
}

int eng_net_disconnect(const char *root, int cdir, const char *id, const char *name,
                       tote_err **err) {
  json_t *c = eng_load(cdir, id);
  if (c == NULL)
    return err_set(err, 0, "containers/%s/container.json cannot be read", id);
  const char *state_root = str(json_object_get(c, "network"), "state_root") ?: ENG_STATE_ROOT;
  _cleanup_free_ char *sr = xstrdup(state_root);
  json_decref(c);
  _cleanup_close_ int lock = eng_ipam_lock(sr, err);
  if (lock < 0)
    return -1;
  if ((c = eng_load(cdir, id)) == NULL)
    return err_set(err, 0, "container %.12s is gone", id);
  json_t *req = json_object_get(c, "network");
  int k = extra_index(req, name), r = 0;
  if (strcmp(str(req, "name") ?: "", name) == 0) {
    /* the network it was run with: gone, with its published ports */
    if (json_object_get(c, "net"))
      drop_primary(root, cdir, c);
    json_object_del(req, "name");
    json_object_del(req, "ip");
    json_object_set_new(req, "ports", json_array());
    r = eng_save(cdir, c, err);
  } else if (k < 0) {
    r = err_set(err, 0, "container %.12s is not on network %s", id, name);
  } else {
    drop_link(root, cdir, c, name);
    json_array_remove(json_object_get(req, "extra"), (size_t)k);
    r = eng_save(cdir, c, err);
  }
  json_decref(c);
  return r;
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
  if (strcmp(mode, "container") != 0 && !(strcmp(mode, "bridge") == 0 && name == NULL))
    json_object_set_new(nets, name ?: mode,
                        json_pack("{s:s, s:s, s:i, s:s, s:s}", "NetworkID", "", "IPAddress", ip,
                                  "IPPrefixLen", prefix, "Gateway", gw, "MacAddress", mac));
  /* what tote network connect added: addressed while it runs */
  json_t *x;
  json_array_foreach(json_object_get(req, "extra"), i, x) {
    json_t *link = NULL, *l;
    size_t j;
    json_array_foreach(json_object_get(live, "extra"), j, l) {
      if (strcmp(str(l, "network") ?: "", str(x, "name") ?: "") == 0)
        link = l;
    }
    json_object_set_new(
        nets, str(x, "name") ?: "",
        json_pack("{s:s, s:s, s:I, s:s, s:s}", "NetworkID", "", "IPAddress", str(link, "ip") ?: "",
                  "IPPrefixLen", json_integer_value(json_object_get(link, "prefix")), "Gateway",
                  str(link, "gateway") ?: "", "MacAddress", str(link, "mac") ?: ""));
  }
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
