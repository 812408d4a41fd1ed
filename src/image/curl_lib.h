/* curl_lib.h - libcurl, loaded the first time a command talks to a
 * registry rather than at every start: with its dependencies (Kerberos,
 * LDAP, GnuTLS...) it took about 4.5 ms of each tote command's 8 ms of
 * dynamic linking, for the many commands that never touch the network.
 * The same functions as libcurl's, called through curl_lib()->. */
#ifndef TOTE_IMAGE_CURL_LIB_H
#define TOTE_IMAGE_CURL_LIB_H

/* the calls go through pointers: curl.h's type-checking macros do not apply */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

struct curl_lib {
  CURLcode (*global_init)(long flags);
  CURL *(*easy_init)(void);
  void (*easy_cleanup)(CURL *h);
  void (*easy_reset)(CURL *h);
  CURLcode (*easy_setopt)(CURL *h, CURLoption opt, ...);
  CURLcode (*easy_perform)(CURL *h);
  CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
  const char *(*easy_strerror)(CURLcode code);
  char *(*easy_escape)(CURL *h, const char *s, int len);
  void (*free)(void *p);
  struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
  void (*slist_free_all)(struct curl_slist *l);
};

/* libcurl, loaded (and curl_global_init'ed) once, from any thread.  A
 * machine without it ends the command: one line naming the package, 125. */
const struct curl_lib *curl_lib(void);

#endif
