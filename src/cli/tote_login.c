/* tote_login.c - `tote login` and `tote logout`: registry credentials in
 * the auth file podman and docker read (image/auth.h). */
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/tote.h"
#include "image/auth.h"
#include "image/registry.h"
#include "image/regconf.h"
#include "util/err.h"
#include "util/xalloc.h"

static const char *login_user, *login_pass, *login_tls = "true";
static bool login_stdin;

static const struct cli_opt login_opts[] = {
    {"username", 'u', OPT_STRING, &login_user, "the user name", "USER"},
    {"password", 'p', OPT_STRING, &login_pass, "the password (visible to ps: prefer --password-stdin)",
     "PASS"},
    {"password-stdin", 0, OPT_BOOL, &login_stdin, "read the password from stdin", NULL},
    {"tls-verify", 0, OPT_STRING, &login_tls, "true (default) or false", "BOOL"},
    {NULL},
};

/* A line from stdin without its newline; echo off on a terminal. */
static char *read_line(const char *prompt, bool secret) {
  bool tty = isatty(STDIN_FILENO);
  struct termios old, quiet;
  if (tty) {
    fputs(prompt, stderr);
    if (secret && tcgetattr(STDIN_FILENO, &old) == 0) {
      quiet = old;
      quiet.c_lflag &= (tcflag_t)~ECHO;
      tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    } else {
      secret = false;
    }
  }
  char *line = NULL;
  size_t cap = 0;
  ssize_t n = getline(&line, &cap, stdin);
  if (tty && secret) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fputc('\n', stderr);
  }
  if (n < 0) {
    free(line);
    return NULL;
  }
  line[strcspn(line, "\r\n")] = '\0';
  return line;
}

/* "https://index.docker.io/v1/" or "docker.io" -> the host to talk to. */
static char *host_of(const char *arg) {
  const char *p = strstr(arg, "://");
  p = p ? p + 3 : arg;
  char *h = xstrndup(p, strcspn(p, "/"));
  if (strcmp(h, "docker.io") == 0 || strcmp(h, "index.docker.io") == 0) {
    free(h);
    h = xstrdup("registry-1.docker.io");
  }
  return h;
}

static int do_login(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  (void)ctx;
  int i = tote_parse(&tote_login_cmd, argc, argv, 0, err);
  if (i < 0)
    return -1;
  if (argc - i > 1)
    return err_set(err, 0, "tote login takes one registry, not %d", argc - i);
  const char *registry = argc > i ? argv[i] : "docker.io";
  if (login_pass && login_stdin)
    return err_set(err, 0, "--password and --password-stdin: give one");
  _cleanup_free_ char *user = login_user ? xstrdup(login_user) : NULL;
  _cleanup_free_ char *pass = login_pass ? xstrdup(login_pass) : NULL;
  if (user == NULL && (login_stdin || !isatty(STDIN_FILENO)))
    return err_set(err, 0, "tote login needs --username (-u) when the password comes from stdin");
  if (user == NULL && (user = read_line("Username: ", false)) == NULL)
    return err_set(err, 0, "tote login: no user name given");
  if (pass == NULL && (login_stdin || isatty(STDIN_FILENO)) &&
      (pass = read_line(login_stdin ? "" : "Password: ", true)) == NULL)
    return err_set(err, 0, "tote login: no password given");
  if (pass == NULL)
    return err_set(err, 0, "tote login needs --password, --password-stdin or a terminal");
  struct reg_opts o = {.tls_verify = strcmp(login_tls, "false") != 0, .user = user, .pass = pass};
  if (strcmp(login_tls, "true") != 0 && strcmp(login_tls, "false") != 0)
    return err_set(err, 0, "--tls-verify takes true or false, not \"%s\"", login_tls);
  _cleanup_free_ char *host = host_of(registry);
  int insecure = img_registry_insecure(host, err);
  if (insecure < 0)
    return -1;
  if (insecure)
    o.tls_verify = false;
  struct reg_client *c = reg_client_new(host, "", &o);
  int r = reg_ping(c, err);
  reg_client_free(c);
  if (r < 0)
    return err_wrap(err, "logging in to %s", registry);
  if (img_auth_store(registry, user, pass, err) < 0)
    return -1;
  printf("Login Succeeded!\n");
  return TOTE_EXIT_OK;
}

const struct tote_cmd tote_login_cmd = {
    "login", "[flags] [REGISTRY]",
    "check credentials with a registry and store them for pulls (docker.io when none is given)",
    do_login, login_opts};

static bool logout_all;
static const struct cli_opt logout_opts[] = {
    {"all", 'a', OPT_BOOL, &logout_all, "remove the credentials of every registry", NULL},
    {NULL},
};

static int do_logout(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  (void)ctx;
  int i = tote_parse(&tote_logout_cmd, argc, argv, 0, err);
  if (i < 0)
    return -1;
  if (argc - i > 1 || (logout_all && argc > i))
    return err_set(err, 0, "tote logout takes one registry, or --all");
  const char *registry = argc > i ? argv[i] : "docker.io";
  int r = img_auth_remove(registry, logout_all, err);
  if (r < 0)
    return -1;
  _cleanup_free_ char *file = img_auth_file();
  if (r == 1)
    return err_set(err, 0, "not logged in to %s (no entry in %s)",
                   logout_all ? "any registry" : registry, file);
  printf("Removed login credentials for %s\n", logout_all ? "all registries" : registry);
  return TOTE_EXIT_OK;
}

const struct tote_cmd tote_logout_cmd = {"logout", "[--all] [REGISTRY]",
                                         "remove stored registry credentials", do_logout,
                                         logout_opts};
