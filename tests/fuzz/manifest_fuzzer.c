/* manifest_fuzzer.c - libFuzzer entry point for the image store's JSON: the
 * manifests and configs img_list() (images.c) reads back from the blobs.
 *
 * pull.c's manifest handling is static; what is public and parses registry
 * JSON at rest is the listing.  One store is made at start (on /dev/shm when
 * it can be: the store fsyncs every blob and index.json, which tmpfs makes
 * free), holding a base image whose config is BASE_CONFIG below (the config
 * of tests/image/mkoci.sh's busybox image, so the seed manifests made by
 * mkoci.sh find it).  Each input is then
 *   A. stored as a blob and named in index.json as a manifest, then listed:
 *      the input is parsed as a manifest (and, when it names the base
 *      config, the config is read and the layers summed);
 *   B. named through a made-up manifest whose config and layer are the
 *      input: the input is parsed as a config;
 * and the store is cleaned (img_index_remove + img_gc) so it does not grow.
 * Besides ASan/UBSan/LeakSanitizer findings, it aborts when img_list breaks
 * images.h: an error iff failure; on success one well-formed object per
 * index entry (the input's naming the digest it was given).
 *
 * Every input goes everywhere: img_gc runs while the input is named (and
 * must keep the blobs named).  Three bugs were found here and fixed in
 * images.c (a leaked history array, an overflowing size sum, digests not
 * checked before img_gc used them); TOTE_FUZZ_ORACLES=0 in the
 * environment steps around inputs that hit them, as before the fix.
 *
 * Build: make fuzz.  Run: tests/fuzz/run.sh [SECONDS]. */
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/digest.h"
#include "image/images.h"
#include "image/store.h"
#include "util/err.h"
#include "util/fs.h"

#define FUZZER "manifest_fuzzer"
#include "report.h"

#define MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_LAYER "application/vnd.oci.image.layer.v1.tar+gzip"
#define BASE_NAME "fuzz.invalid/base:latest"
#define FUZZ_NAME "fuzz.invalid/input:latest"
#define BASE_CONFIG_DIGEST "sha256:6613941e48e61f982714534c8153dd7859524f376dfba8eda4d5e430d6938adc"
#define BASE_CONFIG                                                                                \
  "{\"created\":\"1970-01-01T00:00:00Z\",\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{" \
  "\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\"Cmd\":["     \
  "\"sh\"],\"WorkingDir\":\"/\",\"Labels\":{\"org.tote.test\":\"busybox\"}},\"rootfs\":{\"type\":" \
  "\"layers\",\"diff_ids\":[\"sha256:a7e46a3feff9165f6905acf00a9e1d618c1ed5c7d441dd8e07a45b91e88e" \
  "7652\",\"sha256:f7cf776ed3023a43bbbfb9ffa093e6a912e168ae8e98cfe1ed1fa5aaa01beece\"]},\"history\"" \
  ":[{\"created\":\"1970-01-01T00:00:00Z\",\"created_by\":\"tests/image/mkoci.sh: busybox layer 1\"" \
  "},{\"created\":\"1970-01-01T00:00:00Z\",\"created_by\":\"tests/image/mkoci.sh: busybox layer 2\"" \
  "}]}\n"

static bool oracles;
static struct img_store store;
static char root[4096];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void cleanup(void) {
  img_store_close(&store);
  if (root[0] != '\0')
    remove_tree_at(AT_FDCWD, root);
}

/* Name digest (a manifest of len bytes) name in index.json. */
static void name_manifest(const char *name, const char *digest, size_t len) {
  json_t *desc = json_pack("{s:s, s:s, s:I}", "mediaType", MT_MANIFEST, "digest", digest, "size",
                           (json_int_t)len);
  tote_err *err = NULL;
  if (img_index_set(&store, name, desc, &err) < 0)
    broken("img_index_set: %s", err->msg);
  json_decref(desc);
}

/* A manifest of the config cfg, its one layer being the config too. */
static void put_manifest(const char *cfg, size_t cfg_len, char out[IMG_DIGEST_LEN + 1],
                         size_t *len) {
  json_t *m = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:[{s:s, s:s, s:I}]}", "schemaVersion", 2,
                        "mediaType", MT_MANIFEST, "config", "mediaType", MT_CONFIG, "digest", cfg,
                        "size", (json_int_t)cfg_len, "layers", "mediaType", MT_LAYER, "digest",
                        cfg, "size", (json_int_t)cfg_len);
  char *text = json_dumps(m, JSON_COMPACT);
  json_decref(m);
  tote_err *err = NULL;
  *len = strlen(text);
  if (img_blob_put(&store, text, *len, out, &err) < 0)
    broken("img_blob_put: %s", err->msg);
  free(text);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  report_init();
  const char *o = getenv("TOTE_FUZZ_ORACLES");
  oracles = o == NULL || strcmp(o, "0") != 0;

  const char *tmp = getenv("TMPDIR");
  struct stat st;
  if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0)
    tmp = "/dev/shm";
  snprintf(root, sizeof root, "%s/tote-manifest-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (mkdtemp(root) == NULL) {
    dprintf(report_fd, "manifest_fuzzer: mkdtemp %s failed\n", root);
    exit(1);
  }
  tote_err *err = NULL;
  if (img_store_open(root, &store, &err) < 0)
    broken("img_store_open: %s", err->msg);
  atexit(cleanup);

  char cfg[IMG_DIGEST_LEN + 1], man[IMG_DIGEST_LEN + 1];
  size_t len;
  if (img_blob_put(&store, BASE_CONFIG, strlen(BASE_CONFIG), cfg, &err) < 0)
    broken("img_blob_put: %s", err->msg);
  if (strcmp(cfg, BASE_CONFIG_DIGEST) != 0)
    broken("BASE_CONFIG hashes to %s, not to mkoci.sh's %s", cfg, BASE_CONFIG_DIGEST);
  put_manifest(cfg, strlen(BASE_CONFIG), man, &len);
  name_manifest(BASE_NAME, man, len);
  return 0;
}

/* img_list's answer: an error iff NULL; one object per entry otherwise,
 * FUZZ_NAME's naming manifest. */
static void check_list(json_t *list, tote_err *err, const char *manifest, const char *what) {
  if ((list == NULL) != (err != NULL) || (err != NULL && err->msg == NULL))
    broken("%s: img_list returned %p with error %p", what, (void *)list, (void *)err);
  if (list == NULL)
    return;
  if (!json_is_array(list) || json_array_size(list) != 2)
    broken("%s: img_list gave %zu objects for 2 entries", what, json_array_size(list));
  size_t i;
  json_t *o;
  json_array_foreach(list, i, o) {
    const char *name = json_string_value(json_object_get(o, "name"));
    const char *digest = json_string_value(json_object_get(o, "digest"));
    const char *id = json_string_value(json_object_get(o, "id"));
    if (name == NULL || !img_digest_valid(digest) || !img_digest_valid(id) ||
        !json_is_string(json_object_get(o, "created")) ||
        !json_is_integer(json_object_get(o, "size")) ||
        !json_is_array(json_object_get(o, "layers")))
      broken("%s: img_list object %zu is malformed", what, i);
    if (strcmp(name, FUZZ_NAME) == 0 && strcmp(digest, manifest) != 0)
      broken("%s: %s lists digest %s, not %s", what, name, digest, manifest);
  }
}

static void list(const char *manifest, const char *config, const char *what) {
  tote_err *err = NULL;
  json_t *l = img_list(&store, &err);
  check_list(l, err, manifest, what);
  json_decref(l);
  err_free(&err);
  if (!oracles)
    return;
  /* gc with the input named must keep what the entry needs */
  if (img_gc(&store, &err) < 0)
    err_free(&err);
  if (!img_blob_exists(&store, manifest) || (config && !img_blob_exists(&store, config)))
    broken("%s: img_gc deleted a blob index.json names", what);
}

/* Which of A and B would hit a known bug (see the top): A a sum that
 * overflows or a config without history (another stored blob than the base
 * config: the base manifest), B a config without history. */
static void known_bugs(const uint8_t *data, size_t size, bool *skip_a, bool *skip_b) {
  json_t *j = json_loadb((const char *)data, size, 0, NULL);
  json_int_t sum = 0;
  size_t i;
  json_t *l;
  json_array_foreach(json_object_get(j, "layers"), i, l) {
    if (__builtin_add_overflow(sum, json_integer_value(json_object_get(l, "size")), &sum))
      *skip_a = true;
  }
  const char *cd = json_string_value(json_object_get(json_object_get(j, "config"), "digest"));
  if (cd && strcmp(cd, BASE_CONFIG_DIGEST) != 0 && img_blob_exists(&store, cd))
    *skip_a = true;
  *skip_b = !json_is_array(json_object_get(j, "history"));
  json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tote_err *err = NULL;
  char in[IMG_DIGEST_LEN + 1], man[IMG_DIGEST_LEN + 1];
  bool skip_a = false, skip_b = false;
  if (!oracles)
    known_bugs(data, size, &skip_a, &skip_b);
  if (img_blob_put(&store, data, size, in, &err) < 0)
    broken("img_blob_put: %s", err->msg);

  /* A: the input as a manifest */
  if (!skip_a) {
    name_manifest(FUZZ_NAME, in, size);
    list(in, NULL, "as a manifest");
  }

  /* B: the input as the config (and layer) of a manifest */
  if (!skip_b) {
    size_t len;
    put_manifest(in, size, man, &len);
    name_manifest(FUZZ_NAME, man, len);
    list(man, in, "as a config");
  }

  if (img_index_remove(&store, FUZZ_NAME, &err) < 0)
    broken("img_index_remove: %s", err->msg);
  if (img_gc(&store, &err) < 0)
    broken("img_gc after removing the input: %s", err->msg);
  return 0;
}
