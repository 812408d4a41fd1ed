/* tote_network.c - `tote network create|ls|inspect|rm|prune` (the store's
 * networks, engine/network.h), `tote network connect|disconnect` and `tote
 * port` (a container's networks and published ports, engine/netattach.h). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/tote.h"
#include "engine/container.h"
#include "engine/lifecycle.h"
#include "engine/netattach.h"
#include "engine/network.h"
#include "util/err.h"
#include "util/xalloc.h"

static void print_json(json_t *j) {
  char *text = json_dumps(j, JSON_INDENT(2));
  puts(text);
  free(text);
}

static const char *str(json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

/* ---- create ---- */

static const char *create_subnet, *create_gateway, *create_driver;
static bool create_internal;
static struct strlist create_labels;
static const struct cli_opt create_opts[] = {
    {"subnet", 0, OPT_STRING, &create_subnet, "the network's IPv4 subnet (default: a free one)",
     "CIDR"},
    {"gateway", 0, OPT_STRING, &create_gateway, "the bridge's address (default: the first one)",
     "IP"},
    {"internal", 0, OPT_BOOL, &create_internal, "no traffic in or out of the network", NULL},
    {"label", 'l', OPT_STRING_LIST, &create_labels, "KEY[=VALUE] on the network (repeatable)",
     "LABEL"},
    {"driver", 'd', OPT_STRING, &create_driver, "bridge (the only one)", "DRIVER"},
    {NULL},
};
static const struct tote_cmd network_create = {
    "network create", "[--subnet CIDR] [--gateway IP] [--internal] [--label K=V]... NAME", "",
    NULL, create_opts};

static int create(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  int i = tote_parse(&network_create, argc, argv, 1, err);
  if (i < 0)
    return -1;
  if (argc - i != 1)
    return err_set(err, 0, "tote network create takes one NAME");
  if (create_driver && strcmp(create_driver, "bridge") != 0)
    return err_set(err, 0, "--driver %s: tote's networks are bridge networks", create_driver);
  json_t *labels = tote_labels(&create_labels, err);
  if (labels == NULL)
    return -1;
  struct eng_net_create_opts o = {.name = argv[i], .subnet = create_subnet,
                                  .gateway = create_gateway, .internal = create_internal,
                                  .labels = labels};
  json_t *n = NULL;
  int r = eng_network_create(ctx->root, &o, &n, err);
  json_decref(labels);
  if (r < 0)
    return -1;
  puts(str(n, "id"));
  json_decref(n);
  return TOTE_EXIT_OK;
}

/* ---- ls ---- */

static bool ls_quiet;
static const char *ls_format = "table";
static const struct cli_opt ls_opts[] = {
    {"quiet", 'q', OPT_BOOL, &ls_quiet, "print only the names", NULL},
    {"format", 0, OPT_STRING, &ls_format, "table or json", "FORMAT"},
    {NULL},
};
static const struct tote_cmd network_ls = {"network ls", "[-q] [--format table|json]", "", NULL,
                                           ls_opts};

static int list(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  if (tote_parse(&network_ls, argc, argv, 0, err) < 0)
    return -1;
  if (strcmp(ls_format, "table") != 0 && strcmp(ls_format, "json") != 0)
    return err_set(err, 0, "--format takes table or json, not \"%s\"", ls_format);
  json_t *all = eng_network_list(ctx->root, err);
  if (all == NULL)
    return -1;
  if (strcmp(ls_format, "json") == 0) {
    print_json(all);
    json_decref(all);
    return TOTE_EXIT_OK;
  }
  if (!ls_quiet)
    printf("%-14s%-20s%-10s%-20s%s\n", "NETWORK ID", "NAME", "DRIVER", "SUBNET", "BRIDGE");
  size_t i;
  json_t *n;
  json_array_foreach(all, i, n) {
    if (ls_quiet)
      puts(str(n, "name"));
    else
      printf("%-14.12s%-20s%-10s%-20s%s\n", str(n, "id"), str(n, "name"), "bridge",
             str(n, "subnet"), str(n, "bridge"));
  }
  json_decref(all);
  return TOTE_EXIT_OK;
}

/* ---- inspect ---- */

static const struct tote_cmd network_inspect = {"network inspect", "NAME...", "", NULL, NULL};

/* The containers of the store that run on the network. */
static json_t *attached(const struct tote_ctx *ctx, const char *name) {
  json_t *out = json_object();
  struct eng_ctx e;
  tote_err *ignored = NULL;
  int dir = tote_engine(ctx, &e, &ignored);
  err_free(&ignored);
  if (dir < 0)
    return out;
  json_t *list = eng_list(dir);
  size_t i;
  json_t *c;
  json_array_foreach(list, i, c) {
    if (!eng_running(c))
      continue;
    /* the network it runs with, or one tote network connect added */
    json_t *live = json_object_get(c, "net"), *link = NULL, *x;
    size_t k;
    if (strcmp(str(live, "network") ?: "", name) == 0)
      link = live;
    json_array_foreach(json_object_get(live, "extra"), k, x) {
      if (strcmp(str(x, "network") ?: "", name) == 0)
        link = x;
    }
    if (link == NULL)
      continue;
    json_object_set_new(out, str(c, "id"),
                        json_pack("{s:s, s:s, s:o}", "Name", str(c, "name"), "MacAddress",
                                  str(link, "mac") ?: "", "IPv4Address",
                                  json_sprintf("%s/%d", str(link, "ip") ?: "",
                                               (int)json_integer_value(
                                                   json_object_get(link, "prefix")))));
  }
  json_decref(list);
  close(dir);
  return out;
}

static json_t *docker_view(const struct tote_ctx *ctx, json_t *n) {
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:[{s:s, s:s}]}, s:b, s:O, s:{s:s}, s:o}",
                   "Name", str(n, "name"), "Id", str(n, "id"), "Created", str(n, "created") ?: "",
                   "Scope", "local", "Driver", "bridge", "IPAM", "Driver", "default", "Config",
                   "Subnet", str(n, "subnet"), "Gateway", str(n, "gateway"), "Internal",
                   json_is_true(json_object_get(n, "internal")), "Labels",
                   json_object_get(n, "labels") ?: json_object(), "Options",
                   "com.docker.network.bridge.name", str(n, "bridge"), "Containers",
                   attached(ctx, str(n, "name")));
}

static int inspect(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  int i = tote_parse(&network_inspect, argc, argv, 1, err);
  if (i < 0)
    return -1;
  json_t *out = json_array();
  for (; i < argc; i++) {
    json_t *n = eng_network_get(ctx->root, argv[i], err);
    if (n == NULL) {
      json_decref(out);
      return -1;
    }
    json_array_append_new(out, docker_view(ctx, n));
    json_decref(n);
  }
  print_json(out);
  json_decref(out);
  return TOTE_EXIT_OK;
}

/* ---- rm, prune ---- */

static const struct tote_cmd network_rm = {"network rm", "NAME...", "", NULL, NULL};

static int remove_networks(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  int i = tote_parse(&network_rm, argc, argv, 1, err);
  if (i < 0)
    return -1;
  for (; i < argc; i++) {
    if (eng_network_remove(ctx->root, argv[i], err) < 0)
      return -1;
    puts(argv[i]);
  }
  return TOTE_EXIT_OK;
}

static bool prune_force;
static const struct cli_opt prune_opts[] = {
    {"force", 'f', OPT_BOOL, &prune_force, "(no prompt is asked: accepted as docker's)", NULL},
    {NULL},
};
static const struct tote_cmd network_prune = {"network prune", "[-f]", "", NULL, prune_opts};

static int prune(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  if (tote_parse(&network_prune, argc, argv, 0, err) < 0)
    return -1;
  return tote_prune_networks(ctx, err) < 0 ? -1 : TOTE_EXIT_OK;
}

int tote_prune_networks(const struct tote_ctx *ctx, tote_err **err) {
  json_t *all = eng_network_list(ctx->root, err);
  if (all == NULL)
    return -1;
  size_t i;
  json_t *n;
  bool said = false;
  json_array_foreach(all, i, n) {
    const char *name = str(n, "name");
    if (eng_network_is_default(name) || eng_network_remove(ctx->root, name, NULL) < 0)
      continue;
    if (!said)
      puts("Deleted Networks:");
    said = true;
    puts(name);
  }
  json_decref(all);
  return 0;
}

/* ---- connect, disconnect ---- */

static const char *connect_ip;
static const struct cli_opt connect_opts[] = {
    {"ip", 0, OPT_STRING, &connect_ip, "the container's address on that network", "IP"},
    {NULL},
};
static const struct tote_cmd network_connect = {"network connect", "[--ip IP] NETWORK CONTAINER",
                                                "", NULL, connect_opts};
static bool disconnect_force;
static const struct cli_opt disconnect_opts[] = {
    {"force", 'f', OPT_BOOL, &disconnect_force, "(accepted as docker's: the same)", NULL},
    {NULL},
};
static const struct tote_cmd network_disconnect = {
    "network disconnect", "[-f] NETWORK CONTAINER", "", NULL, disconnect_opts};

static int connect_or_not(const struct tote_ctx *ctx, bool on, int argc, char **argv,
                          tote_err **err) {
  const struct tote_cmd *cmd = on ? &network_connect : &network_disconnect;
  int i = tote_parse(cmd, argc, argv, 2, err);
  if (i < 0)
    return -1;
  if (argc - i != 2)
    return err_set(err, 0, "tote %s takes NETWORK and CONTAINER", cmd->name);
  struct eng_ctx e;
  _cleanup_close_ int dir = tote_engine(ctx, &e, err);
  json_t *c = dir < 0 ? NULL : eng_find_synced(&e, argv[i + 1], err);
  if (c == NULL)
    return -1;
  _cleanup_free_ char *id = xstrdup(str(c, "id"));
  json_decref(c);
  int r = on ? eng_net_connect(ctx->root, dir, id, argv[i], connect_ip, err)
             : eng_net_disconnect(ctx->root, dir, id, argv[i], err);
  return r < 0 ? -1 : TOTE_EXIT_OK;
}

static int do_network(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  if (argc < 2)
    return err_set(err, 0, "tote network needs a subcommand: create, ls, inspect, rm, prune, "
                   "connect or disconnect");
  const char *sub = argv[1];
  if (strcmp(sub, "create") == 0)
    return create(ctx, argc - 1, argv + 1, err);
  if (strcmp(sub, "ls") == 0 || strcmp(sub, "list") == 0)
    return list(ctx, argc - 1, argv + 1, err);
  if (strcmp(sub, "inspect") == 0)
    return inspect(ctx, argc - 1, argv + 1, err);
  if (strcmp(sub, "rm") == 0 || strcmp(sub, "remove") == 0)
    return remove_networks(ctx, argc - 1, argv + 1, err);
  if (strcmp(sub, "prune") == 0)
    return prune(ctx, argc - 1, argv + 1, err);
  if (strcmp(sub, "connect") == 0 || strcmp(sub, "disconnect") == 0)
    return connect_or_not(ctx, sub[0] == 'c', argc - 1, argv + 1, err);
  return err_set(err, 0, "unknown subcommand \"network %s\" (create, ls, inspect, rm, prune, "
                 "connect, disconnect)", sub);
}

const struct tote_cmd tote_network_cmd = {
    "network", "create|ls|inspect|rm|prune|connect|disconnect [args]",
    "manage networks: bridges the containers on them share, with NAT and their names",
    do_network, NULL};

/* ---- port ---- */

static const struct tote_cmd port_cmd = {"port", "CONTAINER [PORT[/PROTO]]", "", NULL, NULL};

static int do_port(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  int i = tote_parse(&port_cmd, argc, argv, 1, err);
  if (i < 0)
    return -1;
  struct eng_ctx e;
  json_t *c = tote_find(ctx, &e, argv[i], err);
  if (c == NULL)
    return -1;
  json_t *lines = eng_net_port_lines(c);
  json_decref(c);
  const char *want = i + 1 < argc ? argv[i + 1] : NULL;
  _cleanup_free_ char *prefix = want ? xasprintf("%s%s ", want, strchr(want, '/') ? "" : "/tcp")
                                     : NULL;
  size_t k;
  json_t *l;
  bool found = false;
  json_array_foreach(lines, k, l) {
    const char *s = json_string_value(l);
    if (prefix && strncmp(s, prefix, strlen(prefix)) != 0)
      continue;
    found = true;
    puts(prefix ? strstr(s, "-> ") + 3 : s);
  }
  json_decref(lines);
  if (want && !found)
    return err_set(err, 0, "no public port %s published for container %s", want, argv[i]);
  return TOTE_EXIT_OK;
}

const struct tote_cmd tote_port_cmd = {"port", "CONTAINER [PORT[/PROTO]]",
                                       "list a container's published ports (or the host side "
                                       "of one)", do_port, NULL};
