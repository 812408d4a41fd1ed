/* dlib.c - a shared library opened on first use (see dlib.h). */
#include "util/dlib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dlib_load(const char *soname, const char *package, const struct dlib_sym *syms, size_t n) {
  void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  const char *missing = NULL;
  for (size_t i = 0; h && i < n && !missing; i++) {
    void *p = dlsym(h, syms[i].name);
    if (p == NULL)
      missing = syms[i].name;
    memcpy(syms[i].slot, &p, sizeof p);
  }
  if (h == NULL || missing) {
    fprintf(stderr, "tote: %s cannot be loaded (%s): install it (apt-get install %s)\n", soname,
            h ? missing : dlerror(), package);
    exit(125);
  }
}
