/* test_seccomp.c - unit tests of linux.seccomp: the parser
 * (src/runtime/config_seccomp.c), and the filter that seccomp.c builds,
 * installed in forked children to see each action and argument condition
 * act on real syscalls; the container process state sent to an agent. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/config.h"
#include "runtime/seccomp.h"
#include "util/err.h"
#include "util/unixsock.h"
#include "util/xalloc.h"

#define BASE                                                                                    \
  "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"rootfs\"}, \"process\": {\"cwd\": \"/\", " \
  "\"args\": [\"sh\"]}, \"linux\": {\"seccomp\": %s}}"

/* Parse a config whose linux.seccomp is `seccomp`; err gets the error. */
static struct rt_config *parse(const char *seccomp, tote_err **err) {
  _cleanup_free_ char *text = xasprintf(BASE, seccomp);
  return config_parse(text, strlen(text), "config.json", err);
}

static struct rt_config *must_parse(const char *seccomp) {
  tote_err *err = NULL;
  struct rt_config *c = parse(seccomp, &err);
  if (c == NULL) {
    char msg[1024];
    snprintf(msg, sizeof msg, "%s: %s", seccomp, err ? err->msg : "(no error)");
    err_free(&err);
    fail_msg("%s", msg);
  }
  assert_non_null(c->seccomp);
  return c;
}

/* ------------------------------------------------------------ the parser */

static void test_parse_full_profile(void **state) {
  (void)state;
  struct rt_config *c = must_parse(
      "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38,"
      " \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"],"
      " \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\", \"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"],"
      " \"listenerPath\": \"/run/agent.sock\", \"listenerMetadata\": \"md\","
      " \"syscalls\": ["
      "  {\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\"},"
      "  {\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13},"
      "  {\"names\": [\"kill\"], \"action\": \"SCMP_ACT_KILL\"},"
      "  {\"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_TRACE\"},"
      "  {\"names\": [\"mount\"], \"action\": \"SCMP_ACT_NOTIFY\"},"
      "  {\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
      "    {\"index\": 0, \"value\": 18446744073709551615, \"op\": \"SCMP_CMP_EQ\"},"
      "    {\"index\": 1, \"value\": 255, \"valueTwo\": 8, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}]}");
  const struct rt_seccomp *s = c->seccomp;
  assert_int_equal(s->default_action, RT_SCMP_ERRNO);
  assert_int_equal(s->default_errno, 38);
  assert_int_equal(s->n_arches, 3);
  assert_int_equal(s->flags, SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW);
  assert_string_equal(s->listener_path, "/run/agent.sock");
  assert_string_equal(s->listener_metadata, "md");
  assert_int_equal(s->n_rules, 6);
  assert_string_equal(s->rules[0].names[1], "write");
  assert_null(s->rules[0].names[2]);
  assert_int_equal(s->rules[1].action, RT_SCMP_ERRNO);
  assert_int_equal(s->rules[1].errno_ret, 13);
  assert_int_equal(s->rules[2].action, RT_SCMP_KILL_THREAD); /* SCMP_ACT_KILL */
  assert_int_equal(s->rules[3].action, RT_SCMP_TRACE);
  assert_int_equal(s->rules[3].errno_ret, EPERM); /* the default */
  assert_true(s->notify);
  assert_int_equal(s->rules[5].n_args, 2);
  assert_true(s->rules[5].args[0].value == UINT64_MAX);
  assert_int_equal(s->rules[5].args[1].index, 1);
  assert_int_equal(s->rules[5].args[1].op, SCMP_CMP_MASKED_EQ);
  assert_int_equal(s->rules[5].args[1].value, 255);
  assert_int_equal(s->rules[5].args[1].value_two, 8);
  config_free(c);
}

static void test_parse_every_name(void **state) {
  (void)state;
  for (int a = RT_SCMP_KILL_THREAD; a <= RT_SCMP_LOG; a++) {
    _cleanup_free_ char *p = xasprintf("{\"defaultAction\": \"%s\"}",
                                       rt_scmp_action_name((enum rt_scmp_action)a));
    struct rt_config *c = must_parse(p);
    assert_int_equal(c->seccomp->default_action, a);
    config_free(c);
  }
  for (size_t i = 0; rt_scmp_arch_name(i); i++) {
    _cleanup_free_ char *p = xasprintf(
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"%s\"]}",
        rt_scmp_arch_name(i));
    config_free(must_parse(p));
  }
  for (size_t i = 0; rt_scmp_op_name(i); i++) {
    _cleanup_free_ char *p = xasprintf(
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"kill\"], "
        "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 1, \"value\": 9, \"op\": \"%s\"}]}]}",
        rt_scmp_op_name(i));
    config_free(must_parse(p));
  }
  for (size_t i = 0; rt_scmp_flag_name(i); i++) {
    _cleanup_free_ char *p = xasprintf(
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"%s\"]}", rt_scmp_flag_name(i));
    struct rt_config *c = must_parse(p);
    assert_int_equal(c->seccomp->flags, rt_scmp_flag_value(i));
    config_free(c);
  }
}

struct bad_case {
  const char *seccomp, *want;
};

static const struct bad_case bad[] = {
    {"[]", "linux.seccomp must be an object"},
    {"{}", "linux.seccomp.defaultAction is required"},
    {"{\"defaultAction\": 1}", "linux.seccomp.defaultAction must be a string"},
    {"{\"defaultAction\": \"SCMP_ACT_BOGUS\"}", "unknown action SCMP_ACT_BOGUS"},
    {"{\"defaultAction\": \"SCMP_ACT_NOTIFY\"}", "defaultAction cannot be SCMP_ACT_NOTIFY"},
    {"{\"defaultAction\": \"SCMP_ACT_KILL\", \"defaultErrnoRet\": 1}",
     "linux.seccomp.defaultErrnoRet: SCMP_ACT_KILL_THREAD takes no errno"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 70000}", "too large"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": -1}", "defaultErrnoRet"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_LOONGARCH64\"]}",
     "linux.seccomp.architectures: SCMP_ARCH_LOONGARCH64 is not supported"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": \"SCMP_ARCH_X86\"}",
     "linux.seccomp.architectures must be an array"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_X\"]}",
     "linux.seccomp.flags: unknown flag SECCOMP_FILTER_FLAG_X"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": {}}",
     "linux.seccomp.syscalls must be an array"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [1]}",
     "linux.seccomp.syscalls[0] must be an object"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"action\": \"SCMP_ACT_ERRNO\"}]}",
     "linux.seccomp.syscalls[0].names is required"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [],"
     " \"action\": \"SCMP_ACT_ERRNO\"}]}",
     "names must name at least one syscall"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"kill\"]}]}",
     "linux.seccomp.syscalls[0].action is required"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"kill\"],"
     " \"action\": \"SCMP_ACT_ALLOW\", \"errnoRet\": 1}]}",
     "linux.seccomp.syscalls[0].errnoRet: SCMP_ACT_ALLOW takes no errno"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"kill\"],"
     " \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 6, \"value\": 1,"
     " \"op\": \"SCMP_CMP_EQ\"}]}]}",
     "linux.seccomp.syscalls[0].args[0].index: 6 is past the last syscall argument"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"kill\"],"
     " \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1,"
     " \"op\": \"SCMP_CMP_BOGUS\"}]}]}",
     "linux.seccomp.syscalls[0].args[0].op: unknown operator SCMP_CMP_BOGUS"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"kill\"],"
     " \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"op\": \"SCMP_CMP_EQ\"}]}]}",
     "linux.seccomp.syscalls[0].args[0].value is required"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"kill\"],"
     " \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": \"1\","
     " \"op\": \"SCMP_CMP_EQ\"}]}]}",
     "linux.seccomp.syscalls[0].args[0].value must be"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mount\"],"
     " \"action\": \"SCMP_ACT_NOTIFY\"}]}",
     "SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/a\", \"syscalls\": ["
     "{\"names\": [\"sendmsg\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}",
     "SCMP_ACT_NOTIFY cannot be used for sendmsg"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerMetadata\": \"x\"}",
     "listenerMetadata needs linux.seccomp.listenerPath"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"rel.sock\"}",
     "listenerPath must be an absolute path"},
};

static void test_parse_refusals(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    tote_err *err = NULL;
    struct rt_config *c = parse(bad[i].seccomp, &err);
    char msg[1024] = "";
    if (c != NULL)
      snprintf(msg, sizeof msg, "%s: accepted", bad[i].seccomp);
    else if (err == NULL || strstr(err->msg, bad[i].want) == NULL)
      snprintf(msg, sizeof msg, "%s:\n  error: %s\n  wanted: %s", bad[i].seccomp,
               err ? err->msg : "(none)", bad[i].want);
    config_free(c);
    err_free(&err);
    if (msg[0])
      fail_msg("%s", msg);
  }
}

/* -------------------------------------------- the filter, on real syscalls */

/* Build the filter of `seccomp` (parsed as above). */
static void compile(const char *seccomp, struct seccomp_prog *prog) {
  struct rt_config *c = must_parse(seccomp);
  tote_err *err = NULL;
  int r = seccomp_compile(c->seccomp, prog, &err);
  config_free(c);
  if (r < 0) {
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", err ? err->msg : "?");
    err_free(&err);
    fail_msg("compile: %s", msg);
  }
  assert_non_null(prog->insns);
  assert_true(prog->len > 0);
}

/* In a child: install prog, then run fn; the child's exit status is fn's
 * result.  Returns the wait status. */
static int in_child(const struct seccomp_prog *prog, int (*fn)(void)) {
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int fd;
    tote_err *err = NULL;
    setrlimit(RLIMIT_CORE, &(struct rlimit){0, 0}); /* SIGSYS would dump core */
    signal(SIGSYS, SIG_DFL); /* cmocka catches it to report a crash */
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    if (seccomp_install(prog, &fd, &err) < 0)
      _exit(100);
    _exit(fn());
  }
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  return status;
}

#define EXITED_WITH(status, code) (WIFEXITED(status) && WEXITSTATUS(status) == (code))

/* personality(arg) with its errno as the result (0 = success). */
static int personality_errno(unsigned long arg) {
  errno = 0;
  return syscall(SYS_personality, arg, 0UL) < 0 ? errno : 0;
}
static int try_personality_dead(void) { return personality_errno(0xdead); }
static int try_personality_query(void) { return personality_errno(0xffffffff); }
static int try_personality_1(void) { return personality_errno(0x1200); }
static int try_personality_2(void) { return personality_errno(0x1234); }
static int try_personality_3(void) { return personality_errno(0x3400); }
static int try_getppid(void) { return syscall(SYS_getppid) > 0 ? 0 : 1; }

static void test_errno_rule(void **state) {
  (void)state;
  struct seccomp_prog p;
  compile("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"personality\","
          " \"no_such_syscall\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 61,"
          " \"args\": [{\"index\": 0, \"value\": 57005, \"op\": \"SCMP_CMP_EQ\"}]}]}",
          &p);
  assert_false(p.notify);
  assert_true(EXITED_WITH(in_child(&p, try_personality_dead), 61));
  assert_true(EXITED_WITH(in_child(&p, try_personality_query), 0));
  assert_true(EXITED_WITH(in_child(&p, try_getppid), 0));
  seccomp_prog_free(&p);
}

static void test_default_errno(void **state) {
  (void)state;
  struct seccomp_prog p;
  /* everything but what the child needs to run and exit fails with ENOLINK
   * (sigaltstack and the rest: what the sanitizer build calls around syscall()) */
  compile("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 67, \"syscalls\": ["
          "{\"names\": [\"exit\", \"exit_group\", \"personality\", \"sigaltstack\", \"gettid\","
          " \"getpid\", \"mmap\", \"munmap\", \"write\", \"rt_sigprocmask\", \"rt_sigaction\"],"
          " \"action\": \"SCMP_ACT_ALLOW\"}]}",
          &p);
  assert_true(EXITED_WITH(in_child(&p, try_personality_query), 0));
  assert_true(EXITED_WITH(in_child(&p, try_getppid), 1)); /* -1: the default errno */
  seccomp_prog_free(&p);
}

/* A personality rule with conditions `args`: which of 0x1200, 0x1234 and
 * 0x3400 it refuses (EPERM) and which pass (0). */
static void expect_personality(const char *args, int e1, int e2, int e3) {
  struct seccomp_prog p;
  _cleanup_free_ char *prof = xasprintf(
      "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"personality\"],"
      " \"action\": \"SCMP_ACT_ERRNO\", \"args\": %s}]}", args);
  compile(prof, &p);
  assert_true(EXITED_WITH(in_child(&p, try_personality_1), e1));
  assert_true(EXITED_WITH(in_child(&p, try_personality_2), e2));
  assert_true(EXITED_WITH(in_child(&p, try_personality_3), e3));
  seccomp_prog_free(&p);
}

/* Conditions on one argument are alternatives; on different ones, all must hold. */
static void test_args(void **state) {
  (void)state;
  expect_personality("[{\"index\": 0, \"value\": 4608, \"op\": \"SCMP_CMP_EQ\"},"
                     " {\"index\": 0, \"value\": 4660, \"op\": \"SCMP_CMP_EQ\"}]",
                     EPERM, EPERM, 0);
  /* arg0 & 0xff00 == 0x1200 and arg1 < 1 (the callers pass 0) */
  expect_personality("[{\"index\": 0, \"value\": 65280, \"valueTwo\": 4608,"
                     " \"op\": \"SCMP_CMP_MASKED_EQ\"}, {\"index\": 1, \"value\": 1,"
                     " \"op\": \"SCMP_CMP_LT\"}]",
                     EPERM, EPERM, 0);
  /* ... and arg1 > 0, which it is not: nothing is refused */
  expect_personality("[{\"index\": 0, \"value\": 65280, \"valueTwo\": 4608,"
                     " \"op\": \"SCMP_CMP_MASKED_EQ\"}, {\"index\": 1, \"value\": 0,"
                     " \"op\": \"SCMP_CMP_GT\"}]",
                     0, 0, 0);
  expect_personality("[{\"index\": 0, \"value\": 4660, \"op\": \"SCMP_CMP_NE\"}]", EPERM, 0,
                     EPERM);
  expect_personality("[{\"index\": 0, \"value\": 4660, \"op\": \"SCMP_CMP_GE\"}]", 0, EPERM,
                     EPERM);
  expect_personality("[{\"index\": 0, \"value\": 4660, \"op\": \"SCMP_CMP_LE\"}]", EPERM,
                     EPERM, 0);
}

static void test_kill_actions(void **state) {
  (void)state;
  static const char *const kills[] = {"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
                                      "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP"};
  for (size_t i = 0; i < sizeof kills / sizeof kills[0]; i++) {
    struct seccomp_prog p;
    _cleanup_free_ char *prof = xasprintf(
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"personality\"],"
        " \"action\": \"%s\"}]}", kills[i]);
    compile(prof, &p);
    int status = in_child(&p, try_personality_query);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS)
      fail_msg("%s: wait status %#x, wanted death by SIGSYS", kills[i], status);
    assert_true(EXITED_WITH(in_child(&p, try_getppid), 0));
    seccomp_prog_free(&p);
  }
}

static void test_log_and_same_as_default(void **state) {
  (void)state;
  struct seccomp_prog p;
  /* LOG lets the call through; a rule equal to the default is dropped */
  compile("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
          "{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_LOG\"},"
          "{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
          &p);
  assert_true(EXITED_WITH(in_child(&p, try_personality_query), 0));
  assert_true(EXITED_WITH(in_child(&p, try_getppid), 0));
  seccomp_prog_free(&p);
}

static void test_notify_flags(void **state) {
  (void)state;
  struct seccomp_prog p;
  compile("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/x\","
          " \"flags\": [\"SECCOMP_FILTER_FLAG_TSYNC\", \"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"],"
          " \"syscalls\": [{\"names\": [\"mount\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}",
          &p);
  assert_true(p.notify);
  assert_int_equal(p.flags, SECCOMP_FILTER_FLAG_NEW_LISTENER |
                                SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
  assert_int_equal(seccomp_install_point(&p, true), SECCOMP_BEFORE_READY);
  assert_int_equal(seccomp_install_point(&p, false), SECCOMP_BEFORE_IDENTITY);
  /* installing gives a listener fd */
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int fd = -1;
    tote_err *err = NULL;
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    _exit(seccomp_install(&p, &fd, &err) == 0 && fd > 2 ? 0 : 1);
  }
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(EXITED_WITH(status, 0));
  seccomp_prog_free(&p);

  compile("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_TSYNC\","
          " \"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"]}",
          &p);
  assert_false(p.notify);
  assert_int_equal(p.flags, SECCOMP_FILTER_FLAG_TSYNC);
  assert_int_equal(seccomp_install_point(&p, true), SECCOMP_BEFORE_EXEC);
  assert_int_equal(seccomp_install_point(&p, false), SECCOMP_BEFORE_IDENTITY);
  assert_true(EXITED_WITH(in_child(&p, try_getppid), 0));
  seccomp_prog_free(&p);
}

/* ---------------------------------------------- the seccomp agent's side */

/* A listening socket dir/agent.sock, as a seccomp agent has. */
static int listen_agent(char *dir, char **path) {
  assert_non_null(mkdtemp(dir));
  *path = xasprintf("%s/agent.sock", dir);
  int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  snprintf(a.sun_path, sizeof a.sun_path, "%s", *path);
  assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof a), 0);
  assert_int_equal(listen(l, 1), 0);
  return l;
}

static void test_send_to_agent(void **state) {
  (void)state;
  char dir[] = "/tmp/tote-seccomp-XXXXXX";
  _cleanup_free_ char *path = NULL;
  int l = listen_agent(dir, &path);

  _cleanup_free_ char *prof = xasprintf(
      "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"%s\","
      " \"listenerMetadata\": \"MKNOD=/dev/null\","
      " \"syscalls\": [{\"names\": [\"mount\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}", path);
  struct rt_config *c = must_parse(prof);
  int pipefd[2];
  assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
  tote_err *err = NULL;
  /* the socket has a backlog: connect and send complete before accept */
  assert_int_equal(seccomp_send_to_agent(c->seccomp, pipefd[1], 4242,
                                         "{\"ociVersion\":\"1.2.1\",\"id\":\"c1\","
                                         "\"status\":\"creating\",\"pid\":4242,\"bundle\":\"/b\"}",
                                         &err),
                   0);
  int s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
  assert_true(s >= 0);
  int got = -1;
  char buf[4096];
  assert_int_equal(unix_recv_fd(s, &got, &err), 0);
  assert_true(got >= 0);
  /* the fd is the pipe's write end: what goes in comes out of pipefd[0] */
  assert_int_equal(write(got, "z", 1), 1);
  assert_int_equal(read(pipefd[0], buf, 1), 1);
  assert_int_equal(buf[0], 'z');
  close(got);
  close(s);
  close(l);
  close(pipefd[0]);
  close(pipefd[1]);
  config_free(c);
  unlink(path);
  rmdir(dir);
}

/* The payload: read it whole through a second connection. */
static void test_agent_payload(void **state) {
  (void)state;
  char dir[] = "/tmp/tote-seccomp-XXXXXX";
  _cleanup_free_ char *path = NULL;
  int l = listen_agent(dir, &path);
  _cleanup_free_ char *prof = xasprintf(
      "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"%s\","
      " \"listenerMetadata\": \"meta\","
      " \"syscalls\": [{\"names\": [\"mount\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}", path);
  struct rt_config *c = must_parse(prof);
  tote_err *err = NULL;
  assert_int_equal(seccomp_send_to_agent(c->seccomp, 0, 77,
                                         "{\"id\":\"c2\",\"status\":\"running\"}", &err),
                   0);
  int s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
  char buf[4096];
  size_t n = 0;
  ssize_t r;
  while ((r = recv(s, buf + n, sizeof buf - 1 - n, MSG_CMSG_CLOEXEC)) > 0)
    n += (size_t)r;
  buf[n] = '\0';
  json_t *j = json_loads(buf, 0, NULL);
  assert_non_null(j);
  assert_string_equal(json_string_value(json_object_get(j, "ociVersion")), RT_OCI_VERSION);
  assert_string_equal(json_string_value(json_array_get(json_object_get(j, "fds"), 0)),
                      "seccompFd");
  assert_int_equal(json_array_size(json_object_get(j, "fds")), 1);
  assert_int_equal(json_integer_value(json_object_get(j, "pid")), 77);
  assert_string_equal(json_string_value(json_object_get(j, "metadata")), "meta");
  json_t *st = json_object_get(j, "state");
  assert_string_equal(json_string_value(json_object_get(st, "id")), "c2");
  assert_string_equal(json_string_value(json_object_get(st, "status")), "running");
  json_decref(j);
  close(s);
  close(l);
  config_free(c);
  /* an agent that is not there: an error naming listenerPath */
  unlink(path);
  c = must_parse(prof);
  assert_int_equal(seccomp_send_to_agent(c->seccomp, 0, 77, "{}", &err), -1);
  assert_non_null(strstr(err->msg, "linux.seccomp.listenerPath"));
  err_free(&err);
  config_free(c);
  rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_full_profile),
      cmocka_unit_test(test_parse_every_name),
      cmocka_unit_test(test_parse_refusals),
      cmocka_unit_test(test_errno_rule),
      cmocka_unit_test(test_default_errno),
      cmocka_unit_test(test_args),
      cmocka_unit_test(test_kill_actions),
      cmocka_unit_test(test_log_and_same_as_default),
      cmocka_unit_test(test_notify_flags),
      cmocka_unit_test(test_send_to_agent),
      cmocka_unit_test(test_agent_payload),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
