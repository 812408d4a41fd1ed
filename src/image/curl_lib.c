/* curl_lib.c - libcurl loaded on first use (see curl_lib.h). */
#include "image/curl_lib.h"

#include <pthread.h>

#include "util/dlib.h"

static struct curl_lib lib;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) {
  const struct dlib_sym syms[] = {
      {"curl_global_init", &lib.global_init},
      {"curl_easy_init", &lib.easy_init},
      {"curl_easy_cleanup", &lib.easy_cleanup},
      {"curl_easy_reset", &lib.easy_reset},
      {"curl_easy_setopt", &lib.easy_setopt},
      {"curl_easy_perform", &lib.easy_perform},
      {"curl_easy_getinfo", &lib.easy_getinfo},
      {"curl_easy_strerror", &lib.easy_strerror},
      {"curl_easy_escape", &lib.easy_escape},
      {"curl_free", &lib.free},
      {"curl_slist_append", &lib.slist_append},
      {"curl_slist_free_all", &lib.slist_free_all},
  };
  dlib_load("libcurl.so.4", "libcurl4", syms, sizeof syms / sizeof syms[0]);
  lib.global_init(CURL_GLOBAL_DEFAULT);
}

const struct curl_lib *curl_lib(void) {
  pthread_once(&once, load);
  return &lib;
}
