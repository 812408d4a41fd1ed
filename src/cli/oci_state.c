/* oci_state.c - `state` and `list`. */
#include <stdio.h>
#include <string.h>

#include "cli/oci.h"
#include "util/err.h"

static int do_state(const struct rt_context *ctx, int argc, char **argv, tote_err **err) {
  int i = oci_parse(&oci_state_cmd, argc, argv, 1, err);
  if (i < 0)
    return i;
  json_t *s = rt_state(ctx, argv[i], err);
  if (s == NULL)
    return -1;
  int r = oci_print_json(s, err);
  json_decref(s);
  return r;
}

static const char *list_format = "table";
static bool list_quiet;
static const struct cli_opt list_opts[] = {
    {"format", 'f', OPT_STRING, &list_format, "table or json", "FORMAT"},
    {"quiet", 'q', OPT_BOOL, &list_quiet, "print only the ids", NULL},
    {NULL}};

static void print_table(json_t *list) {
  printf("%-20s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
  size_t i;
  json_t *c;
  json_array_foreach(list, i, c) {
    printf("%-20s %-8lld %-10s %-40s %-30s %s\n", json_string_value(json_object_get(c, "id")),
           json_integer_value(json_object_get(c, "pid")),
           json_string_value(json_object_get(c, "status")),
           json_string_value(json_object_get(c, "bundle")),
           json_string_value(json_object_get(c, "created")),
           json_string_value(json_object_get(c, "owner")));
  }
}

static int do_list(const struct rt_context *ctx, int argc, char **argv, tote_err **err) {
  int i = oci_parse(&oci_list_cmd, argc, argv, 0, err);
  if (i < 0)
    return i;
  if (strcmp(list_format, "table") != 0 && strcmp(list_format, "json") != 0) {
    err_set(err, 0, "--format takes table or json, not %s", list_format);
    return OCI_USAGE_ERROR;
  }
  json_t *list = rt_list(ctx, err);
  if (list == NULL)
    return -1;
  int r = 0;
  size_t k;
  json_t *c;
  if (list_quiet)
    json_array_foreach(list, k, c) puts(json_string_value(json_object_get(c, "id")));
  else if (strcmp(list_format, "json") == 0)
    r = oci_print_json(list, err);
  else
    print_table(list);
  json_decref(list);
  return r;
}

const struct oci_cmd oci_state_cmd = {"state", "ID", "print the state of a container as JSON",
                                      do_state, (const struct cli_opt[]){{NULL}}, false};
const struct oci_cmd oci_list_cmd = {"list", "[flags]", "list the containers", do_list, list_opts,
                                     false};
