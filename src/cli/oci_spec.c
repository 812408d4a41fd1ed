/* oci_spec.c - `spec`: write a default config.json that runs `sh` in
 * ./rootfs, like runc's, with Docker's default capabilities
 * (runtime/spec.c). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cli/oci.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

static bool rootless;
static const char *bundle = ".";
static const struct cli_opt spec_opts[] = {
    {"rootless", 0, OPT_BOOL, &rootless, "a config for a user without root", NULL},
    {"bundle", 'b', OPT_STRING, &bundle, "write config.json into DIR", "DIR"},
    {NULL}};

static int do_spec(const struct rt_context *ctx, int argc, char **argv, tote_err **err) {
  (void)ctx;
  int i = oci_parse(&oci_spec_cmd, argc, argv, 0, err);
  if (i < 0)
    return i;
  _cleanup_close_ int dir = open(bundle, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (dir < 0)
    return err_sys(err, "bundle %s", bundle);
  if (faccessat(dir, "config.json", F_OK, 0) == 0)
    return err_set(err, EEXIST, "%s/config.json already exists: remove it first", bundle);
  json_t *spec = rt_default_spec(rootless);
  char *text = json_dumps(spec, JSON_INDENT(2));
  json_decref(spec);
  _cleanup_free_ char *with_nl = xasprintf("%s\n", text);
  free(text);
  return write_file_at(dir, "config.json", with_nl, strlen(with_nl), 0644, err);
}

const struct oci_cmd oci_spec_cmd = {"spec", "[flags]",
                                     "write a default config.json into the bundle", do_spec,
                                     spec_opts, false};
