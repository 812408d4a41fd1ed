/* cgroup_devbpf.c - device rules on cgroup v2: an eBPF program of type
 * BPF_PROG_TYPE_CGROUP_DEVICE, generated from the same rules v1 writes to
 * devices.allow/deny, and attached to the container's cgroup.
 *
 * The kernel runs the program on every open and mknod of a device node
 * with the device's type, major, minor and the access asked for; 1 lets it
 * through.  The program reads the rules last to first and the first that
 * matches decides, which is what v1 does with "deny a" followed by the
 * rules in order: an allow rule matches when it grants every access asked
 * for, a deny rule when it takes any of them away.  Nothing matched: deny. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/cgroup_internal.h"
#include "util/err.h"
#include "util/xalloc.h"

#define ANY (-1)

/* "c 10:229 rw", "b *:* m", "a" (everything) */
static int parse_rule(const struct cg_dev_rule *r, struct cg_dev_match *m, tote_err **err) {
  m->allow = r->allow;
  if (strcmp(r->text, "a") == 0) {
    *m = (struct cg_dev_match){.allow = r->allow, .type = 0, .major = ANY, .minor = ANY,
                               .access = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ |
                                         BPF_DEVCG_ACC_WRITE};
    return 0;
  }
  char type, maj[16], min[16], acc[8];
  if (sscanf(r->text, "%c %15[^:]:%15s %7s", &type, maj, min, acc) != 4 ||
      (type != 'c' && type != 'b'))
    return err_set(err, EINVAL, "device rule \"%s\" is malformed", r->text);
  m->type = type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK;
  m->major = strcmp(maj, "*") == 0 ? ANY : strtoll(maj, NULL, 10);
  m->minor = strcmp(min, "*") == 0 ? ANY : strtoll(min, NULL, 10);
  m->access = 0;
  for (const char *a = acc; *a; a++)
    m->access |= *a == 'r' ? BPF_DEVCG_ACC_READ : *a == 'w' ? BPF_DEVCG_ACC_WRITE
                                                           : BPF_DEVCG_ACC_MKNOD;
  return 0;
}

/* ---- instructions ---- */

#define INSN(c, d, s, o, i) ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), \
                                               .off = (o), .imm = (i)})
#define LDX_W(dst, src, off) INSN(BPF_LDX | BPF_W | BPF_MEM, dst, src, off, 0)
#define MOV32_REG(dst, src) INSN(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0)
#define AND32_IMM(dst, imm) INSN(BPF_ALU | BPF_AND | BPF_K, dst, 0, 0, imm)
#define RSH32_IMM(dst, imm) INSN(BPF_ALU | BPF_RSH | BPF_K, dst, 0, 0, imm)
#define JNE32_IMM(dst, imm, off) INSN(BPF_JMP32 | BPF_JNE | BPF_K, dst, 0, off, imm)
#define JEQ32_IMM(dst, imm, off) INSN(BPF_JMP32 | BPF_JEQ | BPF_K, dst, 0, off, imm)
#define MOV64_IMM(dst, imm) INSN(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* Registers: r2 device type, r3 access asked for, r4 major, r5 minor, r6 scratch. */
enum { R0, R1, R2, R3, R4, R5, R6 };
#define NEXT INT16_MAX /* a jump to the next rule's block, fixed up below */

static size_t rule_block(const struct cg_dev_match *m, struct bpf_insn *b) {
  size_t n = 0;
  const int all = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;
  if (m->type)
    b[n++] = JNE32_IMM(R2, m->type, NEXT);
  if (m->allow && m->access != all) { /* asks for something the rule does not grant */
    b[n++] = MOV32_REG(R6, R3);
    b[n++] = AND32_IMM(R6, ~m->access & all);
    b[n++] = JNE32_IMM(R6, 0, NEXT);
  } else if (!m->allow && m->access != all) { /* asks for nothing the rule takes away */
    b[n++] = MOV32_REG(R6, R3);
    b[n++] = AND32_IMM(R6, m->access);
    b[n++] = JEQ32_IMM(R6, 0, NEXT);
  }
  if (m->major != ANY)
    b[n++] = JNE32_IMM(R4, (int32_t)(uint32_t)m->major, NEXT);
  if (m->minor != ANY)
    b[n++] = JNE32_IMM(R5, (int32_t)(uint32_t)m->minor, NEXT);
  b[n++] = MOV64_IMM(R0, m->allow ? 1 : 0);
  b[n++] = EXIT();
  for (size_t i = 0; i < n; i++)
    if (b[i].off == NEXT)
      b[i].off = (int16_t)(n - i - 1);
  return n;
}

#define BLOCK_MAX 10

int cg_devbpf_program(const struct cg_dev_rule *rules, size_t n, struct bpf_insn **out,
                      size_t *len, tote_err **err) {
  struct bpf_insn *p = xcalloc_array(6 + n * BLOCK_MAX + 2, sizeof *p);
  size_t k = 0;
  /* struct bpf_cgroup_dev_ctx { u32 access_type (access << 16 | type); u32 major, minor; } */
  p[k++] = LDX_W(R2, R1, 0);
  p[k++] = MOV32_REG(R3, R2);
  p[k++] = AND32_IMM(R2, 0xffff);
  p[k++] = RSH32_IMM(R3, 16);
  p[k++] = LDX_W(R4, R1, 4);
  p[k++] = LDX_W(R5, R1, 8);
  bool decided = false;
  for (size_t i = n; i-- > 0 && !decided;) {
    struct cg_dev_match m = {0};
    if (parse_rule(&rules[i], &m, err) < 0) {
      free(p);
      return -1;
    }
    size_t b = rule_block(&m, p + k);
    k += b;
    /* a rule without conditions decides everything; the verifier refuses
     * the unreachable code that would follow it */
    decided = b == 2;
  }
  if (!decided) {
    p[k++] = MOV64_IMM(R0, 0);
    p[k++] = EXIT();
  }
  *out = p;
  *len = k;
  return 0;
}

static long bpf(int cmd, union bpf_attr *attr) {
  return syscall(SYS_bpf, cmd, attr, sizeof *attr);
}

static int load(const struct bpf_insn *insns, size_t len, tote_err **err) {
  static char log[4096];
  union bpf_attr a;
  memset(&a, 0, sizeof a);
  a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  a.insns = (uintptr_t)insns;
  a.insn_cnt = (uint32_t)len;
  a.license = (uintptr_t) "GPL";
  int fd = (int)bpf(BPF_PROG_LOAD, &a);
  if (fd >= 0)
    return fd;
  int e = errno;
  if (e == EPERM)
    return err_set(err, e, "loading the device program needs CAP_BPF or CAP_SYS_ADMIN");
  a.log_buf = (uintptr_t)log; /* again, for the verifier's reason */
  a.log_size = sizeof log;
  a.log_level = 1;
  log[0] = '\0';
  if (bpf(BPF_PROG_LOAD, &a) >= 0)
    return err_set(err, e, "loading the device program failed once: %s", strerror(e));
  char *nl = strrchr(log, '\n');
  while (nl && nl > log && nl[1] == '\0') { /* the last non-empty line */
    *nl = '\0';
    nl = strrchr(log, '\n');
  }
  return err_set(err, e, "the kernel refused the device program: %s (%s)", strerror(e),
                 nl ? nl + 1 : log);
}

int cg_devbpf_attach(const char *dir, const struct cg_dev_rule *rules, size_t n, tote_err **err) {
  _cleanup_free_ struct bpf_insn *insns = NULL;
  size_t len;
  if (cg_devbpf_program(rules, n, &insns, &len, err) < 0)
    return err_wrap(err, "linux.resources.devices");
  _cleanup_close_ int prog = load(insns, len, err);
  if (prog < 0)
    return err_wrap(err, "linux.resources.devices");
  _cleanup_close_ int cg = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (cg < 0)
    return err_sys(err, "linux.resources.devices: opening %s", dir);
  union bpf_attr a;
  memset(&a, 0, sizeof a);
  a.target_fd = (uint32_t)cg;
  a.attach_bpf_fd = (uint32_t)prog;
  a.attach_type = BPF_CGROUP_DEVICE;
  a.attach_flags = BPF_F_ALLOW_MULTI;
  /* The attachment holds the program: our fd may close. */
  if (bpf(BPF_PROG_ATTACH, &a) < 0)
    return err_sys(err, "linux.resources.devices: attaching the device program to %s", dir);
  return 0;
}
