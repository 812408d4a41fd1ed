/* curl_lib.c - libcurl loaded on first use (see curl_lib.h). */
#include "image/curl_lib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct curl_lib lib;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* The symbol name, into the pointer it goes to; false when missing. */
static bool sym(void *h, const char *name, void *slot) {
  void *p = dlsym(h, name);
  memcpy(slot, &p, sizeof p);
  return p != NULL;
}

static void load(void) {
  void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  bool ok = h && sym(h, "curl_global_init", &lib.global_init) &&
            sym(h, "curl_easy_init", &lib.easy_init) &&
            sym(h, "curl_easy_cleanup", &lib.easy_cleanup) &&
            sym(h, "curl_easy_reset", &lib.easy_reset) &&
            sym(h, "curl_easy_setopt", &lib.easy_setopt) &&
            sym(h, "curl_easy_perform", &lib.easy_perform) &&
            sym(h, "curl_easy_getinfo", &lib.easy_getinfo) &&
            sym(h, "curl_easy_strerror", &lib.easy_strerror) &&
            sym(h, "curl_easy_escape", &lib.easy_escape) && sym(h, "curl_free", &lib.free) &&
            sym(h, "curl_slist_append", &lib.slist_append) &&
            sym(h, "curl_slist_free_all", &lib.slist_free_all);
  if (!ok) {
    fprintf(stderr, "tote: libcurl cannot be loaded (%s): install it (apt-get install libcurl4)\n",
            dlerror());
    exit(125);
  }
  lib.global_init(CURL_GLOBAL_DEFAULT);
}

const struct curl_lib *curl_lib(void) {
  pthread_once(&once, load);
  return &lib;
}
