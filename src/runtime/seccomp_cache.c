/* seccomp_cache.c - compiled seccomp filters kept between runs (see
 * seccomp_cache.h). */
#include "runtime/seccomp_cache.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/config.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define MAGIC "tote-seccomp 1\n"

/* The key is every field the filter is made from, one line each, written
 * to a memory stream (appending to a string copy by copy was quadratic:
 * a millisecond for docker's 350 syscall names). */
char *seccomp_cache_key(const struct rt_seccomp *s) {
  const struct scmp_version *v = seccomp_version();
  char *k = NULL;
  size_t len = 0;
  FILE *f = xmemstream(&k, &len);
  fprintf(f, "libseccomp %u.%u.%u native %u\n", v->major, v->minor, v->micro,
          seccomp_arch_native());
  fprintf(f, "default %d %u\n", (int)s->default_action, s->default_errno);
  for (size_t i = 0; i < s->n_arches; i++)
    fprintf(f, "arch %u\n", s->arches[i]);
  for (size_t i = 0; i < s->n_rules; i++) {
    const struct rt_seccomp_rule *r = &s->rules[i];
    fprintf(f, "rule %d %u", (int)r->action, r->errno_ret);
    for (char **n = r->names; *n; n++)
      fprintf(f, " %s", *n);
    for (size_t a = 0; a < r->n_args; a++)
      fprintf(f, " [%u %d %llu %llu]", r->args[a].index, r->args[a].op,
              (unsigned long long)r->args[a].value, (unsigned long long)r->args[a].value_two);
    fputc('\n', f);
  }
  return xmemstream_done(f, &k);
}

/* FNV-1a, 64 bits: a file name; the key itself is checked on read. */
static char *file_of(const char *key) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const unsigned char *p = (const unsigned char *)key; *p; p++)
    h = (h ^ *p) * 0x100000001b3ULL;
  return xasprintf("%s/%016llx", SECCOMP_CACHE_DIR, (unsigned long long)h);
}

int seccomp_cache_get(const char *key, struct sock_filter **insns, unsigned short *len) {
  if (geteuid() != 0)
    return -1;
  _cleanup_free_ char *path = file_of(key);
  _cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  /* root's own file, which nobody else may have written */
  if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
      (st.st_mode & 022))
    return -1;
  size_t n;
  _cleanup_free_ char *text = read_all_fd(fd, &n);
  size_t head = strlen(MAGIC), klen = strlen(key);
  if (text == NULL || n < head + klen + 1 || memcmp(text, MAGIC, head) != 0 ||
      memcmp(text + head, key, klen) != 0 || text[head + klen] != '\0')
    return -1;
  size_t bytes = n - head - klen - 1;
  if (bytes == 0 || bytes % sizeof(struct sock_filter) || bytes / sizeof(struct sock_filter) > BPF_MAXINSNS)
    return -1;
  *insns = xmalloc(bytes);
  memcpy(*insns, text + head + klen + 1, bytes);
  *len = (unsigned short)(bytes / sizeof(struct sock_filter));
  return 0;
}

void seccomp_cache_put(const char *key, const struct sock_filter *insns, unsigned short len) {
  if (geteuid() != 0 || (mkdir(SECCOMP_CACHE_DIR, 0700) < 0 && errno != EEXIST))
    return;
  struct stat st;
  if (lstat(SECCOMP_CACHE_DIR, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 ||
      (st.st_mode & 022))
    return;
  _cleanup_free_ char *path = file_of(key);
  _cleanup_free_ char *tmp = xasprintf("%s.%d", path, (int)getpid());
  _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return;
  if (write_all_fd(fd, MAGIC, strlen(MAGIC)) < 0 || write_all_fd(fd, key, strlen(key) + 1) < 0 ||
      write_all_fd(fd, insns, len * sizeof *insns) < 0 || rename(tmp, path) < 0)
    unlink(tmp);
}
