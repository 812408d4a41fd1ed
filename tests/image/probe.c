/*
 * probe: report what a process inside a container sees, as one JSON object.
 *
 * Built statically by tests/image/mkrootfs.sh and installed in the test
 * rootfs as /usr/bin/probe.  Only libc is used.
 *
 *   probe [json]        the full report (default)
 *   probe write-exe [PATH]
 *                       open PATH (default /proc/self/exe) for writing and
 *                       report {"errno":N,"error":"..."}; errno 0 means the
 *                       open succeeded.  Nothing is ever written.
 *   probe open PATH     open PATH read-only and report {"errno":N,...}
 *   probe hold-exe PID FLAGFILE
 *                       open /proc/PID/exe with O_PATH and create
 *                       FLAGFILE.held; if the open worked, wait until FLAGFILE
 *                       exists (at most 30 s) and then try to reopen the held
 *                       file for writing via /proc/self/fd/N and to append
 *                       one byte (the CVE-2019-5736 attack pattern; the tests
 *                       aim it at a throwaway copy of the runtime).  Reports
 *                       {"stage","target","errno","write_errno"}.
 *   probe udp-echo PORT
 *                       answer each UDP datagram to PORT with "udp-ok "
 *                       and the datagram (busybox's nc here has no -u),
 *                       for ever.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ------------------------------------------------------------------ */
/* JSON output helpers                                                  */
/* ------------------------------------------------------------------ */

static int first_in_scope = 1;

static void sep(void)
{
	if (!first_in_scope)
		putchar(',');
	first_in_scope = 0;
}

/* Length of a valid UTF-8 sequence starting at s, or 0 if invalid. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
	    (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static void json_str(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	if (!str) {
		fputs("null", stdout);
		return;
	}
	putchar('"');
	while (*s) {
		size_t n;

		switch (*s) {
		case '"': fputs("\\\"", stdout); s++; continue;
		case '\\': fputs("\\\\", stdout); s++; continue;
		case '\n': fputs("\\n", stdout); s++; continue;
		case '\t': fputs("\\t", stdout); s++; continue;
		case '\r': fputs("\\r", stdout); s++; continue;
		case '\b': fputs("\\b", stdout); s++; continue;
		case '\f': fputs("\\f", stdout); s++; continue;
		default: break;
		}
		if (*s < 0x20) {
			printf("\\u%04x", *s);
			s++;
			continue;
		}
		n = utf8_len(s);
		if (n == 0) {		/* invalid byte: replacement char */
			fputs("\\ufffd", stdout);
			s++;
			continue;
		}
		fwrite(s, 1, n, stdout);
		s += n;
	}
	putchar('"');
}

static void key(const char *k)
{
	sep();
	json_str(k);
	putchar(':');
}

static void obj_begin(void) { putchar('{'); first_in_scope = 1; }
static void obj_end(void) { putchar('}'); first_in_scope = 0; }
static void arr_begin(void) { putchar('['); first_in_scope = 1; }
static void arr_end(void) { putchar(']'); first_in_scope = 0; }

static void kv_str(const char *k, const char *v) { key(k); json_str(v); }
static void kv_int(const char *k, long long v) { key(k); printf("%lld", v); }
static void kv_bool(const char *k, int v) { key(k); fputs(v ? "true" : "false", stdout); }
static void item_str(const char *v) { sep(); json_str(v); }
static void item_int(long long v) { sep(); printf("%lld", v); }

/* ------------------------------------------------------------------ */
/* small file helpers                                                   */
/* ------------------------------------------------------------------ */

/* Read a whole small file into a malloc'd NUL-terminated buffer. */
static char *read_file(const char *path)
{
	size_t cap = 4096, len = 0;
	char *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	buf = malloc(cap);
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (!buf)
		return NULL;
	buf[len] = '\0';
	return buf;
}

/* Value following "Name:\t" in /proc/self/status, copied into out. */
static int status_field(const char *status, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name);
	const char *p = status;

	while (p && *p) {
		if (strncmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;
			size_t i = 0;

			while (*v == ' ' || *v == '\t')
				v++;
			while (v[i] && v[i] != '\n' && i + 1 < outlen) {
				out[i] = v[i];
				i++;
			}
			out[i] = '\0';
			return 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* report sections                                                      */
/* ------------------------------------------------------------------ */

static void report_ids(void)
{
	gid_t groups[NGROUPS_MAX];
	int n = getgroups(NGROUPS_MAX, groups);
	int i;

	kv_int("uid", getuid());
	kv_int("gid", getgid());
	kv_int("euid", geteuid());
	kv_int("egid", getegid());
	key("groups");
	arr_begin();
	for (i = 0; i < n; i++)
		item_int(groups[i]);
	arr_end();
}

static void report_status(void)
{
	static const char *const caps[] = {
		"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"
	};
	char *status = read_file("/proc/self/status");
	char val[256];
	size_t i;

	key("capabilities");
	obj_begin();
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		if (status && status_field(status, caps[i], val, sizeof(val)) == 0)
			kv_str(caps[i], val);
		else
			kv_str(caps[i], NULL);
	}
	obj_end();

	if (status && status_field(status, "Seccomp", val, sizeof(val)) == 0)
		kv_int("seccomp", atoll(val));
	else
		kv_int("seccomp", -1);
	free(status);
}

static void report_process(void)
{
	char buf[PATH_MAX];
	mode_t m = umask(0);
	ssize_t n;

	umask(m);
	kv_int("no_new_privs", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	kv_int("umask", m);
	kv_str("cwd", getcwd(buf, sizeof(buf)));
	n = readlink("/proc/self/cwd", buf, sizeof(buf) - 1);
	buf[n < 0 ? 0 : n] = '\0';
	kv_str("cwd_link", n < 0 ? NULL : buf);
	n = readlink("/proc/self/root", buf, sizeof(buf) - 1);
	buf[n < 0 ? 0 : n] = '\0';
	kv_str("root_link", n < 0 ? NULL : buf);
	kv_int("pid", getpid());
	kv_int("ppid", getppid());
	kv_int("pgid", getpgid(0));
	kv_int("sid", getsid(0));
	kv_int("personality", personality(0xffffffff));
	kv_int("sched_policy", sched_getscheduler(0));
	kv_int("nice", getpriority(PRIO_PROCESS, 0));
}

static void report_uts(void)
{
	struct utsname u;

	if (uname(&u) != 0) {
		kv_str("hostname", NULL);
		kv_str("domainname", NULL);
		return;
	}
	kv_str("hostname", u.nodename);
	kv_str("domainname", u.domainname);
}

static void report_namespaces(void)
{
	DIR *d = opendir("/proc/self/ns");
	struct dirent *e;

	key("namespaces");
	obj_begin();
	while (d && (e = readdir(d))) {
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, 0) == 0)
			kv_int(e->d_name, (long long)st.st_ino);
	}
	obj_end();
	if (d)
		closedir(d);
}

/* Decode the \ooo escapes used in /proc/self/mountinfo, in place. */
static char *unescape(char *s)
{
	char *r = s, *w = s;

	while (*r) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' &&
		    r[2] >= '0' && r[2] <= '7' && r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return s;
}

static void report_mount_line(char *line)
{
	char *field[64];
	int n = 0, dash = -1, i;
	char *save = NULL, *tok;

	for (tok = strtok_r(line, " ", &save); tok && n < 64; tok = strtok_r(NULL, " ", &save)) {
		if (dash < 0 && n >= 6 && strcmp(tok, "-") == 0)
			dash = n;
		field[n++] = tok;
	}
	if (dash < 0 || n < dash + 4)
		return;

	sep();
	obj_begin();
	kv_int("id", atoll(field[0]));
	kv_int("parent", atoll(field[1]));
	kv_str("root", unescape(field[3]));
	kv_str("target", unescape(field[4]));
	kv_str("options", field[5]);
	key("optional");
	arr_begin();
	for (i = 6; i < dash; i++)
		item_str(field[i]);
	arr_end();
	kv_str("fstype", unescape(field[dash + 1]));
	kv_str("source", unescape(field[dash + 2]));
	kv_str("super_options", unescape(field[dash + 3]));
	obj_end();
}

static void report_mounts(void)
{
	char *info = read_file("/proc/self/mountinfo");
	char *save = NULL, *line;

	key("mounts");
	arr_begin();
	for (line = info ? strtok_r(info, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save))
		report_mount_line(line);
	arr_end();
	free(info);
}

static void report_rlimits(void)
{
	static const struct { const char *name; int res; } lims[] = {
		{ "RLIMIT_CPU", RLIMIT_CPU },
		{ "RLIMIT_FSIZE", RLIMIT_FSIZE },
		{ "RLIMIT_DATA", RLIMIT_DATA },
		{ "RLIMIT_STACK", RLIMIT_STACK },
		{ "RLIMIT_CORE", RLIMIT_CORE },
		{ "RLIMIT_RSS", RLIMIT_RSS },
		{ "RLIMIT_NPROC", RLIMIT_NPROC },
		{ "RLIMIT_NOFILE", RLIMIT_NOFILE },
		{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
		{ "RLIMIT_AS", RLIMIT_AS },
		{ "RLIMIT_LOCKS", RLIMIT_LOCKS },
		{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
		{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
		{ "RLIMIT_NICE", RLIMIT_NICE },
		{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
		{ "RLIMIT_RTTIME", RLIMIT_RTTIME },
	};
	size_t i;

	key("rlimits");
	obj_begin();
	for (i = 0; i < sizeof(lims) / sizeof(lims[0]); i++) {
		struct rlimit rl;

		if (getrlimit(lims[i].res, &rl) != 0)
			continue;
		key(lims[i].name);
		obj_begin();
		kv_int("soft", rl.rlim_cur == RLIM_INFINITY ? -1 : (long long)rl.rlim_cur);
		kv_int("hard", rl.rlim_max == RLIM_INFINITY ? -1 : (long long)rl.rlim_max);
		obj_end();
	}
	obj_end();
}

static void report_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	key("fds");
	arr_begin();
	while (d && (e = readdir(d))) {
		char target[PATH_MAX];
		ssize_t n;
		int fd;

		if (e->d_name[0] == '.')
			continue;
		fd = atoi(e->d_name);
		if (fd == dirfd(d))
			continue;
		n = readlinkat(dirfd(d), e->d_name, target, sizeof(target) - 1);
		target[n < 0 ? 0 : n] = '\0';
		sep();
		obj_begin();
		kv_int("fd", fd);
		kv_str("target", n < 0 ? NULL : target);
		obj_end();
	}
	arr_end();
	if (d)
		closedir(d);
}

static void report_env(void)
{
	char **e;

	key("env");
	arr_begin();
	for (e = environ; e && *e; e++)
		item_str(*e);
	arr_end();
}

static void report_oom(void)
{
	char *s = read_file("/proc/self/oom_score_adj");

	if (s)
		kv_int("oom_score_adj", atoll(s));
	else
		kv_str("oom_score_adj", NULL);
	free(s);
}

static void report_tty(void)
{
	char name[PATH_MAX];
	int fd;

	key("tty");
	obj_begin();
	for (fd = 0; fd <= 2; fd++) {
		char k[4];

		snprintf(k, sizeof(k), "%d", fd);
		kv_bool(k, isatty(fd));
	}
	kv_str("name", ttyname_r(0, name, sizeof(name)) == 0 ? name : NULL);
	obj_end();
}

static void report_cgroup(void)
{
	char *s = read_file("/proc/self/cgroup");
	char *save = NULL, *line;

	key("cgroup");
	arr_begin();
	for (line = s ? strtok_r(s, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save))
		item_str(line);
	arr_end();
	free(s);
}

static void report_ioprio(void)
{
	/* IOPRIO_WHO_PROCESS = 1; value = class << 13 | level */
	long v = syscall(SYS_ioprio_get, 1, 0);

	kv_int("ioprio", v);
	kv_int("ioprio_class", v < 0 ? -1 : v >> 13);
	kv_int("ioprio_level", v < 0 ? -1 : v & 0x1fff);
}

static void report_argv(int argc, char **argv)
{
	int i;

	key("argv");
	arr_begin();
	for (i = 0; i < argc; i++)
		item_str(argv[i]);
	arr_end();
}

static int cmd_json(int argc, char **argv)
{
	obj_begin();
	report_argv(argc, argv);
	report_ids();
	report_status();
	report_process();
	report_uts();
	report_namespaces();
	report_mounts();
	report_rlimits();
	report_fds();
	report_env();
	report_oom();
	report_tty();
	report_cgroup();
	report_ioprio();
	obj_end();
	putchar('\n');
	return 0;
}

/* ------------------------------------------------------------------ */
/* subcommands                                                          */
/* ------------------------------------------------------------------ */

static void report_errno(int err, const char *path)
{
	obj_begin();
	kv_str("path", path);
	kv_int("errno", err);
	kv_str("error", err ? strerror(err) : "");
	obj_end();
	putchar('\n');
}

static int cmd_open(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);
	int err = fd < 0 ? errno : 0;

	if (fd >= 0)
		close(fd);
	report_errno(err, path);
	return 0;
}

static int wait_for_file(const char *path, int tenths)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };

	while (tenths-- > 0) {
		if (access(path, F_OK) == 0)
			return 0;
		nanosleep(&ts, NULL);
	}
	return -1;
}

/* Tell the test the O_PATH open was attempted: create FLAGFILE.held. */
static void mark_held(const char *flag)
{
	char held[PATH_MAX];
	int fd;

	snprintf(held, sizeof(held), "%s.held", flag);
	fd = open(held, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
}

static int cmd_hold_exe(const char *pid, const char *flag)
{
	char path[64], fdpath[64], target[PATH_MAX];
	int held, fd, err;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%s/exe", pid);
	held = open(path, O_PATH | O_CLOEXEC);
	err = held < 0 ? errno : 0;
	mark_held(flag);
	if (held < 0) {
		obj_begin();
		kv_str("stage", "open-path");
		kv_int("errno", err);
		kv_str("error", strerror(err));
		obj_end();
		putchar('\n');
		return 0;
	}
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", held);
	n = readlink(fdpath, target, sizeof(target) - 1);
	target[n < 0 ? 0 : n] = '\0';
	wait_for_file(flag, 300);
	fd = open(fdpath, O_WRONLY | O_CLOEXEC);
	err = fd < 0 ? errno : 0;
	/* An open file is not yet a written one (a sealed memfd opens for
	 * writing and refuses every write): try to append one byte.  The
	 * tests run this against a throwaway copy of the runtime. */
	int werr = -1;
	if (fd >= 0) {
		struct stat st;
		werr = 0;
		if (fstat(fd, &st) < 0 || pwrite(fd, "", 1, st.st_size) != 1)
			werr = errno;
		close(fd);
	}
	obj_begin();
	kv_str("stage", "reopen-write");
	kv_str("target", target);
	kv_int("errno", err);
	kv_str("error", err ? strerror(err) : "");
	kv_int("write_errno", werr);
	obj_end();
	putchar('\n');
	return 0;
}

static int usage(void)
{
	fputs("usage: probe [json | write-exe [PATH] | open PATH | hold-exe PID FLAGFILE]\n",
	      stderr);
	return 2;
}

static int cmd_udp_echo(const char *port)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		perror("udp-echo");
		return 1;
	}
	for (;;) {
		char in[512], out[600];
		struct sockaddr_in from;
		socklen_t len = sizeof from;
		ssize_t n = recvfrom(fd, in, sizeof in, 0, (struct sockaddr *)&from, &len);

		if (n < 0)
			continue;
		int m = snprintf(out, sizeof out, "udp-ok %.*s", (int)n, in);
		sendto(fd, out, (size_t)m, 0, (struct sockaddr *)&from, len);
	}
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "json";

	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (strcmp(cmd, "json") == 0)
		return cmd_json(argc, argv);
	if (strcmp(cmd, "write-exe") == 0)
		return cmd_open(argc > 2 ? argv[2] : "/proc/self/exe", O_WRONLY);
	if (strcmp(cmd, "open") == 0 && argc > 2)
		return cmd_open(argv[2], O_RDONLY);
	if (strcmp(cmd, "hold-exe") == 0 && argc > 3)
		return cmd_hold_exe(argv[2], argv[3]);
	if (strcmp(cmd, "udp-echo") == 0 && argc > 2)
		return cmd_udp_echo(argv[2]);
	return usage();
}
