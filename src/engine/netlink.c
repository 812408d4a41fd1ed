/* netlink.c - rtnetlink requests through libmnl (see netlink.h). */
#include "engine/netlink.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "util/err.h"
#include "util/xalloc.h"

int eng_nl_open(struct eng_nl *nl, int netns_fd, tote_err **err) {
  *nl = (struct eng_nl){0};
  _cleanup_close_ int own = -1;
  if (netns_fd >= 0) {
    own = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (own < 0 || setns(netns_fd, CLONE_NEWNET) < 0)
      return err_sys(err, "entering the container's network namespace");
  }
  nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  int e = errno;
  if (netns_fd >= 0 && setns(own, CLONE_NEWNET) < 0)
    abort(); /* in the wrong namespace, nothing we do after is safe */
  errno = e;
  if (nl->sock == NULL || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
    e = errno;
    if (nl->sock)
      mnl_socket_close(nl->sock);
    nl->sock = NULL;
    errno = e;
    return err_sys(err, "opening a netlink socket");
  }
  nl->seq = (uint32_t)getpid() << 8;
  return 0;
}

void eng_nl_close(struct eng_nl *nl) {
  if (nl->sock)
    mnl_socket_close(nl->sock);
  nl->sock = NULL;
}

static struct nlmsghdr *start(char *buf, struct eng_nl *nl, uint16_t type, uint16_t flags) {
  struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
  h->nlmsg_type = type;
  h->nlmsg_flags = NLM_F_REQUEST | flags;
  h->nlmsg_seq = ++nl->seq;
  return h;
}

/* Send h and read the answers until the ack (or the dump's end), each
 * message given to cb; the kernel's error as -errno. */
static int talk(struct eng_nl *nl, struct nlmsghdr *h, mnl_cb_t cb, void *data) {
  if (mnl_socket_sendto(nl->sock, h, h->nlmsg_len) < 0)
    return -errno;
  char buf[MNL_SOCKET_BUFFER_SIZE];
  unsigned pid = mnl_socket_get_portid(nl->sock);
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof buf);
    if (n < 0)
      return -errno;
    int r = mnl_cb_run(buf, (size_t)n, h->nlmsg_seq, pid, cb, data);
    if (r < 0)
      return -errno;
    if (r == MNL_CB_STOP)
      return 0;
  }
}

static int acked(struct eng_nl *nl, struct nlmsghdr *h) {
  h->nlmsg_flags |= NLM_F_ACK;
  return talk(nl, h, NULL, NULL);
}

struct link_info {
  int index, mtu;
};

static int link_cb(const struct nlmsghdr *h, void *data) {
  struct link_info *li = data;
  struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);
  li->index = ifi->ifi_index;
  struct nlattr *a;
  mnl_attr_for_each(a, h, sizeof *ifi) if (mnl_attr_get_type(a) == IFLA_MTU)
      li->mtu = (int)mnl_attr_get_u32(a);
  return MNL_CB_OK;
}

int eng_nl_link(struct eng_nl *nl, const char *name, int *index, int *mtu, tote_err **err) {
  char buf[MNL_SOCKET_BUFFER_SIZE];
  struct nlmsghdr *h = start(buf, nl, RTM_GETLINK, NLM_F_ACK); /* the answer, then the ack */
  struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof *ifi);
  ifi->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(h, IFLA_IFNAME, name);
  struct link_info li = {0, 0};
  int r = talk(nl, h, link_cb, &li);
  if (r == -ENODEV) {
    *index = 0;
    return 0;
  }
  if (r < 0) {
    errno = -r;
    return err_sys(err, "looking up link %s", name);
  }
  *index = li.index;
  if (mtu)
    *mtu = li.mtu;
  return 0;
}

int eng_nl_bridge_add(struct eng_nl *nl, const char *name, bool *made, tote_err **err) {
  char buf[MNL_SOCKET_BUFFER_SIZE];
  struct nlmsghdr *h = start(buf, nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof *ifi);
  ifi->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(h, IFLA_IFNAME, name);
  struct nlattr *info = mnl_attr_nest_start(h, IFLA_LINKINFO);
  mnl_attr_put_strz(h, IFLA_INFO_KIND, "bridge");
  mnl_attr_nest_end(h, info);
  int r = acked(nl, h);
  *made = r == 0;
  if (r < 0 && r != -EEXIST) {
    errno = -r;
    return err_sys(err, "creating bridge %s", name);
  }
  return 0;
}

int eng_nl_link_del(struct eng_nl *nl, const char *name, tote_err **err) {
  char buf[MNL_SOCKET_BUFFER_SIZE];
  struct nlmsghdr *h = start(buf, nl, RTM_DELLINK, 0);
  struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof *ifi);
  ifi->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(h, IFLA_IFNAME, name);
  int r = acked(nl, h);
  if (r < 0 && r != -ENODEV) {
    errno = -r;
    return err_sys(err, "deleting link %s", name);
  }
  return 0;
}

int eng_nl_link_up(struct eng_nl *nl, int index, tote_err **err) {
  char buf[MNL_SOCKET_BUFFER_SIZE];
  struct nlmsghdr *h = start(buf, nl, RTM_NEWLINK, 0);
  struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof *ifi);
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  int r = acked(nl, h);
  if (r < 0) {
    errno = -r;
    return err_sys(err, "setting link %d up", index);
  }
  return 0;
}

int eng_nl_addr_add(struct eng_nl *nl, int index, uint32_t ip, int prefix, tote_err **err) {
  char buf[MNL_SOCKET_BUFFER_SIZE];
  struct nlmsghdr *h = start(buf, nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
  struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof *ifa);
  ifa->ifa_family = AF_INET;
  ifa->ifa_prefixlen = (unsigned char)prefix;
  ifa->ifa_index = (unsigned)index;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  uint32_t be = htonl(ip), bcast = htonl(ip | ~eng_prefix_mask(prefix));
  mnl_attr_put_u32(h, IFA_LOCAL, be);
  mnl_attr_put_u32(h, IFA_ADDRESS, be);
  mnl_attr_put_u32(h, IFA_BROADCAST, bcast);
  int r = acked(nl, h);
  if (r < 0) {
    char s[ENG_IP_LEN];
    eng_ip_format(ip, s);
    errno = -r;
    return err_sys(err, "adding address %s/%d", s, prefix);
  }
  return 0;
}

int eng_nl_veth_add(struct eng_nl *nl, const char *host_name, int master, int mtu,
                    const char *peer_name, int netns_fd, const uint8_t mac[6], tote_err **err) {
  char buf[MNL_SOCKET_BUFFER_SIZE];
  struct nlmsghdr *h = start(buf, nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof *ifi);
  ifi->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(h, IFLA_IFNAME, host_name);
  if (mtu > 0)
    mnl_attr_put_u32(h, IFLA_MTU, (uint32_t)mtu);
  mnl_attr_put_u32(h, IFLA_MASTER, (uint32_t)master);
  struct nlattr *info = mnl_attr_nest_start(h, IFLA_LINKINFO);
  mnl_attr_put_strz(h, IFLA_INFO_KIND, "veth");
  struct nlattr *data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
  struct nlattr *peer = mnl_attr_nest_start(h, VETH_INFO_PEER);
  /* the peer's own ifinfomsg, then its attributes */
  struct ifinfomsg *pifi = (struct ifinfomsg *)((char *)h + h->nlmsg_len);
  h->nlmsg_len += MNL_ALIGN(sizeof *pifi);
  memset(pifi, 0, sizeof *pifi);
  pifi->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(h, IFLA_IFNAME, peer_name);
  mnl_attr_put_u32(h, IFLA_NET_NS_FD, (uint32_t)netns_fd);
  if (mtu > 0)
    mnl_attr_put_u32(h, IFLA_MTU, (uint32_t)mtu);
  mnl_attr_put(h, IFLA_ADDRESS, 6, mac);
  mnl_attr_nest_end(h, peer);
  mnl_attr_nest_end(h, data);
  mnl_attr_nest_end(h, info);
  int r = acked(nl, h);
  if (r < 0) {
    errno = -r;
    return err_sys(err, "creating veth pair %s", host_name);
  }
  return 0;
}

int eng_nl_port_hairpin(struct eng_nl *nl, int index, tote_err **err) {
  char buf[MNL_SOCKET_BUFFER_SIZE];
  struct nlmsghdr *h = start(buf, nl, RTM_SETLINK, 0);
  struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof *ifi);
  ifi->ifi_family = AF_BRIDGE;
  ifi->ifi_index = index;
  struct nlattr *pi = mnl_attr_nest_start(h, IFLA_PROTINFO);
  mnl_attr_put_u8(h, IFLA_BRPORT_MODE, 1);
  mnl_attr_nest_end(h, pi);
  int r = acked(nl, h);
  if (r < 0) {
    errno = -r;
    return err_sys(err, "setting hairpin mode on bridge port %d", index);
  }
  return 0;
}

int eng_nl_default_route(struct eng_nl *nl, int index, uint32_t gw, tote_err **err) {
  char buf[MNL_SOCKET_BUFFER_SIZE];
  struct nlmsghdr *h = start(buf, nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
  struct rtmsg *rt = mnl_nlmsg_put_extra_header(h, sizeof *rt);
  rt->rtm_family = AF_INET;
  rt->rtm_dst_len = 0;
  rt->rtm_table = RT_TABLE_MAIN;
  rt->rtm_protocol = RTPROT_BOOT;
  rt->rtm_scope = RT_SCOPE_UNIVERSE;
  rt->rtm_type = RTN_UNICAST;
  mnl_attr_put_u32(h, RTA_GATEWAY, htonl(gw));
  mnl_attr_put_u32(h, RTA_OIF, (uint32_t)index);
  int r = acked(nl, h);
  if (r < 0) {
    errno = -r;
    return err_sys(err, "adding the default route");
  }
  return 0;
}

struct routes {
  struct eng_subnet *v;
  size_t n;
  int skip;
};

static int route_cb(const struct nlmsghdr *h, void *data) {
  struct routes *rs = data;
  struct rtmsg *rt = mnl_nlmsg_get_payload(h);
  if (rt->rtm_family != AF_INET || rt->rtm_table != RT_TABLE_MAIN || rt->rtm_dst_len == 0)
    return MNL_CB_OK;
  uint32_t dst = 0;
  int oif = 0;
  struct nlattr *a;
  mnl_attr_for_each(a, h, sizeof *rt) {
    if (mnl_attr_get_type(a) == RTA_DST)
      dst = ntohl(mnl_attr_get_u32(a));
    else if (mnl_attr_get_type(a) == RTA_OIF)
      oif = (int)mnl_attr_get_u32(a);
  }
  if (rs->skip && oif == rs->skip)
    return MNL_CB_OK;
  rs->v = xrealloc(rs->v, (rs->n + 1) * sizeof *rs->v);
  rs->v[rs->n++] = (struct eng_subnet){dst & eng_prefix_mask(rt->rtm_dst_len), rt->rtm_dst_len};
  return MNL_CB_OK;
}

struct eng_subnet *eng_nl_routes(struct eng_nl *nl, int skip_index, size_t *n, tote_err **err) {
  char buf[MNL_SOCKET_BUFFER_SIZE];
  struct nlmsghdr *h = start(buf, nl, RTM_GETROUTE, NLM_F_DUMP);
  struct rtmsg *rt = mnl_nlmsg_put_extra_header(h, sizeof *rt);
  rt->rtm_family = AF_INET;
  struct routes rs = {xmalloc(1), 0, skip_index};
  int r = talk(nl, h, route_cb, &rs);
  if (r < 0) {
    free(rs.v);
    errno = -r;
    err_sys(err, "listing the host's routes");
    return NULL;
  }
  *n = rs.n;
  return rs.v;
}
