/* nft.c - tote's nftables table (see nft.h). */
#include "engine/nft.h"

#include <nftables/libnftables.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/dlib.h"
#include "util/err.h"
#include "util/log.h"
#include "util/xalloc.h"

#define T "ip " ENG_NFT_TABLE

/* libnftables, opened on first use (util/dlib.h): only containers on a
 * network need it */
static struct {
  __typeof__(nft_ctx_new) *ctx_new;
  __typeof__(nft_ctx_free) *ctx_free;
  __typeof__(nft_ctx_buffer_output) *buffer_output;
  __typeof__(nft_ctx_buffer_error) *buffer_error;
  __typeof__(nft_ctx_get_error_buffer) *get_error_buffer;
  __typeof__(nft_run_cmd_from_buffer) *run_cmd_from_buffer;
} nft;
static pthread_once_t nft_once = PTHREAD_ONCE_INIT;

static void nft_load(void) {
  const struct dlib_sym syms[] = {
      {"nft_ctx_new", &nft.ctx_new},
      {"nft_ctx_free", &nft.ctx_free},
      {"nft_ctx_buffer_output", &nft.buffer_output},
      {"nft_ctx_buffer_error", &nft.buffer_error},
      {"nft_ctx_get_error_buffer", &nft.get_error_buffer},
      {"nft_run_cmd_from_buffer", &nft.run_cmd_from_buffer},
  };
  dlib_load("libnftables.so.1", "libnftables1", syms, sizeof syms / sizeof syms[0]);
}

int eng_nft_run(const char *cmds, tote_err **err) {
  pthread_once(&nft_once, nft_load);
  struct nft_ctx *ctx = nft.ctx_new(NFT_CTX_DEFAULT);
  if (ctx == NULL)
    return err_set(err, 0, "nftables: cannot make a context");
  nft.buffer_output(ctx);
  nft.buffer_error(ctx);
  int r = nft.run_cmd_from_buffer(ctx, cmds);
  if (r != 0) {
    const char *e = nft.get_error_buffer(ctx);
    size_t len = e ? strcspn(e, "\n") : 0;
    err_set(err, 0, "nftables: %.*s", (int)len, len ? e : "the commands failed");
    log_debug("nft commands that failed:\n%s", cmds);
  }
  nft.ctx_free(ctx);
  return r != 0 ? -1 : 0;
}

int eng_nft_table(tote_err **err) {
  static const char table[] =
      "add table " T "\n"
      "add set " T " nets { type ipv4_addr; flags interval; }\n"
      "add set " T " internal { type ipv4_addr; flags interval; }\n"
      "add set " T " bridges { type ifname; }\n"
      "add map " T " frombridge { type ifname : verdict; }\n"
      "add map " T " ports { type inet_proto . inet_service : ipv4_addr . inet_service; }\n"
      "add map " T " hostports { type ipv4_addr . inet_proto . inet_service : "
      "ipv4_addr . inet_service; }\n"
      "add chain " T " prerouting { type nat hook prerouting priority dstnat; policy accept; }\n"
      "add chain " T " output { type nat hook output priority -100; policy accept; }\n"
      "add chain " T " postrouting { type nat hook postrouting priority srcnat; policy accept; }\n"
      "add chain " T " forward { type filter hook forward priority filter; policy accept; }\n"
      "flush chain " T " prerouting\n"
      "flush chain " T " output\n"
      "flush chain " T " postrouting\n"
      "flush chain " T " forward\n"
      "add rule " T " prerouting dnat ip to ip daddr . meta l4proto . th dport map @hostports\n"
      "add rule " T " prerouting fib daddr type local dnat ip to meta l4proto . th dport map @ports\n"
      "add rule " T " output dnat ip to ip daddr . meta l4proto . th dport map @hostports\n"
      "add rule " T " output fib daddr type local dnat ip to meta l4proto . th dport map @ports\n"
      "add rule " T " postrouting ip saddr @nets ip daddr != @nets masquerade\n"
      "add rule " T " postrouting ct status dnat ip saddr @nets masquerade\n"
      "add rule " T " postrouting ct status dnat ip saddr 127.0.0.0/8 masquerade\n"
      "add rule " T " forward ip saddr @internal drop\n"
      "add rule " T " forward ip daddr @internal drop\n"
      /* networks apart, as docker's: nothing from one bridge to another
       * (each bridge's chain), but to a published port (DNAT'd: through
       * the host's address).  Not a rule on the bridges alone: where
       * br_netfilter is loaded, what a bridge switches between two of its
       * ports comes here too, from and to that bridge. */
      "add rule " T " forward iifname @bridges oifname @bridges ct status dnat accept\n"
      "add rule " T " forward iifname vmap @frombridge\n";
  return eng_nft_run(table, err);
}

void eng_nft_table_delete(void) {
  tote_err *err = NULL;
  if (eng_nft_run("delete table " T "\n", &err) < 0)
    err_free(&err); /* not there */
}

int eng_nft_subnet(bool add, const struct eng_subnet *s, bool internal, tote_err **err) {
  _cleanup_free_ char *sn = eng_subnet_format(s);
  _cleanup_free_ char *cmd = xasprintf("%s element " T " %s { %s }\n", add ? "add" : "delete",
                                       internal ? "internal" : "nets", sn);
  return eng_nft_run(cmd, err);
}

int eng_nft_bridge(bool add, const char *br, tote_err **err) {
  if (add) {
    _cleanup_free_ char *cmd = xasprintf(
        "add element " T " bridges { \"%s\" }\n"
        "add chain " T " from-%s\n"
        "flush chain " T " from-%s\n"
        "add rule " T " from-%s oifname != \"%s\" oifname @bridges drop\n"
        "add element " T " frombridge { \"%s\" : jump from-%s }\n",
        br, br, br, br, br, br, br);
    return eng_nft_run(cmd, err);
  }
  /* one by one: what is gone already fails only its own step */
  char *steps[] = {
      xasprintf("delete element " T " frombridge { \"%s\" }\n", br),
      xasprintf("delete element " T " bridges { \"%s\" }\n", br),
      xasprintf("flush chain " T " from-%s\ndelete chain " T " from-%s\n", br, br),
  };
  int r = 0;
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
    tote_err *e = NULL;
    if (eng_nft_run(steps[i], &e) < 0) {
      if (r == 0 && err)
        *err = e;
      else
        err_free(&e);
      r = -1;
    }
    free(steps[i]);
  }
  return r;
}

static char *element(bool add, uint32_t ip, const struct eng_port *p) {
  char hip[ENG_IP_LEN], cip[ENG_IP_LEN];
  eng_ip_format(p->host_ip, hip);
  eng_ip_format(ip, cip);
  _cleanup_free_ char *key = p->host_ip ? xasprintf("%s . %s . %u", hip, p->proto, p->host_port)
                                        : xasprintf("%s . %u", p->proto, p->host_port);
  _cleanup_free_ char *value = add ? xasprintf(" : %s . %u", cip, p->ctr_port) : xstrdup("");
  return xasprintf("%s element " T " %s { %s%s }\n", add ? "add" : "delete",
                   p->host_ip ? "hostports" : "ports", key, value);
}

int eng_nft_ports(bool add, uint32_t ip, const struct eng_port *p, size_t n, tote_err **err) {
  if (n == 0)
    return 0;
  char *cmds = xstrdup("");
  for (size_t i = 0; i < n; i++) {
    _cleanup_free_ char *e = element(add, ip, &p[i]);
    char *next = xasprintf("%s%s", cmds, e);
    free(cmds);
    cmds = next;
  }
  int r = eng_nft_run(cmds, err);
  free(cmds);
  if (r == 0 || add)
    return r;
  /* a delete of what is gone fails the whole transaction: one by one */
  err_free(err);
  for (size_t i = 0; i < n; i++) {
    _cleanup_free_ char *e = element(false, ip, &p[i]);
    tote_err *ignored = NULL;
    if (eng_nft_run(e, &ignored) < 0)
      err_free(&ignored);
  }
  return 0;
}
