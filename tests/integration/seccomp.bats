#!/usr/bin/env bats
# linux.seccomp (config-linux.md "Seccomp"): each action, argument
# conditions, profiles the runtime must refuse, when the filter is installed
# (noNewPrivileges, another user), exec, a real-world profile
# (containers-common's), and a seccomp agent (SCMP_ACT_NOTIFY, listenerPath,
# "The Container Process State").
#
# Most tests take a profile that allows everything but one syscall, mkdir
# (busybox's mkdir calls mkdir(2); mkdirat is listed too for other libcs),
# so the container always runs and only that one call changes.

load helpers

# set_seccomp JSON — linux.seccomp = JSON.
set_seccomp() { update_config '.linux.seccomp = $s' -- --argjson s "$1"; }

# block_mkdir ACTION [FIELDS] — a profile that allows everything but
# mkdir/mkdirat, which get ACTION; FIELDS (a JSON object) is merged into the
# rule (e.g. '{"errnoRet": 13}').
block_mkdir() {
	update_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mkdir", "mkdirat"], action: $a} + $f]}' \
		-- --arg a "$1" --argjson f "${2:-null}"
}

# chmod_rule OP VALUE [VALUE_TWO] — a profile that refuses (EPERM) chmod(2)
# and its relatives when the mode argument compares OP to VALUE.  The mode
# is argument 1 of chmod and fchmod, 2 of fchmodat and fchmodat2 (busybox's
# chmod calls chmod(2); a libseccomp that does not know fchmodat2 skips it).
chmod_rule() {
	update_config '{index: 0, value: $v, valueTwo: $v2, op: $op} as $c
		| .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [
			{names: ["chmod", "fchmod"], action: "SCMP_ACT_ERRNO", args: [$c | .index = 1]},
			{names: ["fchmodat", "fchmodat2"], action: "SCMP_ACT_ERRNO", args: [$c | .index = 2]}]}' \
		-- --arg op "$1" --argjson v "$2" --argjson v2 "${3:-0}"
}

# The script for the mkdir tests: try mkdir, report its exit status, check
# that another file operation works and whether the directory exists.
MKDIR_SH='mkdir /tmp/d; echo "mkdir=$?"; touch /tmp/f && echo touched; if [ -d /tmp/d ]; then echo "dir exists"; else echo "no dir"; fi'
# The same, and the process's view of itself.
STATUS_SH="$MKDIR_SH"'; echo "uid=$(id -u)"; grep -E "^(Seccomp|NoNewPrivs|CapEff):" /proc/self/status'

# try_chmod MODE... — a container that tries chmod MODE on a file for each
# MODE in turn and prints "MODE=STATUS" for each.  Sets $output.  (One jq
# call instead of set_args: it runs in a loop.)
try_chmod() {
	update_config '.process.args = ["sh", "-c", $s, "sh"] + ($m | split(" "))' \
		-- --arg s 'touch /tmp/f; for m in "$@"; do chmod "$m" /tmp/f 2>/dev/null; echo "$m=$?"; done' --arg m "$*"
	run run_foreground "$ID"
	assert_success
}

# All x86_64 syscall names from the kernel headers in $ALL_SYSCALLS (one per
# line); skips the test without the headers.
load_all_syscalls() {
	local h=/usr/include/x86_64-linux-gnu/asm/unistd_64.h
	[ "$(uname -m)" = x86_64 ] || skip "the syscall list is for x86_64"
	[ -f "$h" ] || h=/usr/include/asm/unistd_64.h
	[ -f "$h" ] || skip "no asm/unistd_64.h (apt-get install linux-libc-dev)"
	ALL_SYSCALLS=$(sed -n 's/^#define __NR_\([a-z0-9_]*\) [0-9]*$/\1/p' "$h")
	[ "$(wc -l <<<"$ALL_SYSCALLS")" -gt 300 ] || fail "too few syscalls in $h"
}

# Nothing was created: no state, an empty list, an empty root dir, no
# cgroup named after the container (errors.bats checks the same).
assert_nothing_created() {
	run rt state "$1"
	assert_failure
	run rt list -q
	assert_success
	assert_output ""
	[ -z "$(ls -A "$ROOT_DIR")" ] || fail "root dir not empty: $(ls -A "$ROOT_DIR")"
	[ -z "$(our_cgroup_dirs "$1")" ] || fail "cgroup left: $(our_cgroup_dirs "$1")"
}

# refused_profile JSON — create with linux.seccomp = JSON fails; $output
# is the runtime's error.  The container would have made /tmp/ran.
refused_profile() {
	set_seccomp "$1"
	set_args touch /tmp/ran
	create_container "$ID"
	assert_failure
	[ ! -e "$BUNDLE/rootfs/tmp/ran" ]
}

# start_agent [AGENT_OPTIONS...] — start the seccomp agent on
# $TEST_DIR/agent.sock; it saves the container process state it gets in
# $TEST_DIR/agent.json (the path after the socket) and prints one line per
# notification to $TEST_DIR/agent.out.  Sets $AGENT_PID.
start_agent() {
	AGENT_SOCK="$TEST_DIR/agent.sock"
	background "$HELPERS_BIN/seccomp_agent" --timeout 30 "$@" "$AGENT_SOCK" "$TEST_DIR/agent.json" \
		>"$TEST_DIR/agent.out" 2>"$TEST_DIR/agent.err" </dev/null
	AGENT_PID=$BG_PID
	wait_for_file "$AGENT_SOCK"
}

# notify_mkdir [FIELDS] — block_mkdir SCMP_ACT_NOTIFY with the agent's
# socket as listenerPath; FIELDS is merged into the profile.
notify_mkdir() { notify_mkdir_at "$AGENT_SOCK" "$@"; }

# notify_mkdir_at SOCKET [FIELDS] — the same with listenerPath SOCKET.
notify_mkdir_at() {
	update_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", listenerPath: $p,
		syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY"}]} + $f' \
		-- --arg p "$1" --argjson f "${2:-null}"
}

# need_flags FLAG... — skip unless the kernel takes these filter flags
# (features' supportedFlags).
need_flags() {
	local f fl
	f=$(rt features) || fail "features failed"
	for fl in "$@"; do
		[ "$(jq --arg x "$fl" '.linux.seccomp.supportedFlags | index($x) != null' <<<"$f")" = true ] ||
			skip "this kernel does not take $fl"
	done
}

# wait_agent — the agent exits once no process uses the filter any more
# (its fd hangs up): a runtime that kept a copy of the fd open would stall
# it.  Fails unless it exited 0.
wait_agent() {
	wait_pid_gone "$AGENT_PID" || fail "the seccomp agent did not see the fd hang up: $(cat "$TEST_DIR/agent.err")"
	local rc=0
	wait "$AGENT_PID" || rc=$?
	[ "$rc" -eq 0 ] || fail "seccomp agent exited $rc: $(cat "$TEST_DIR/agent.err")"
}

# ---------------------------------------------------------------------------

@test "without linux.seccomp there is no filter and mkdir works" {
	set_args probe
	run_probe
	[ "$(pj .seccomp)" = 0 ]
	set_args sh -c "$MKDIR_SH"
	run run_foreground "$ID-b"
	assert_success
	assert_line "mkdir=0"
	assert_line "dir exists"
}

@test "the container process runs in seccomp filter mode" {
	block_mkdir SCMP_ACT_ERRNO
	set_args probe
	run_probe
	[ "$(pj .seccomp)" = 2 ]
}

@test "SCMP_ACT_ERRNO: the syscall fails with EPERM, the others work" {
	block_mkdir SCMP_ACT_ERRNO
	set_args sh -c "$MKDIR_SH"
	run run_foreground "$ID"
	assert_success
	assert_line --partial "Operation not permitted"
	assert_line "mkdir=1"
	assert_line touched
	assert_line "no dir"
	[ ! -e "$BUNDLE/rootfs/tmp/d" ]
	[ -f "$BUNDLE/rootfs/tmp/f" ]
}

@test "SCMP_ACT_ERRNO with errnoRet: the syscall fails with that errno" {
	block_mkdir SCMP_ACT_ERRNO '{"errnoRet": 13}'
	set_args sh -c "$MKDIR_SH"
	run run_foreground "$ID"
	assert_success
	assert_line --partial "Permission denied"
	assert_line "mkdir=1"
	assert_line touched
	assert_line "no dir"
}

@test "defaultAction SCMP_ACT_ERRNO: what is not allowed fails with EPERM, or defaultErrnoRet" {
	load_all_syscalls
	# allow every syscall but mkdir/mkdirat, which fall to the default
	allow=$(grep -vxE 'mkdir|mkdirat' <<<"$ALL_SYSCALLS" | jq -R . | jq -cs .)
	profile=$(jq -cn --argjson n "$allow" '{defaultAction: "SCMP_ACT_ERRNO", syscalls: [{names: $n, action: "SCMP_ACT_ALLOW"}]}')
	set_seccomp "$profile"
	set_args sh -c "$MKDIR_SH"
	run run_foreground "$ID"
	assert_success
	assert_line --partial "Operation not permitted"
	assert_line "mkdir=1"
	assert_line touched

	set_seccomp "$(jq -c '.defaultErrnoRet = 38' <<<"$profile")"
	set_args sh -c "$MKDIR_SH"
	run run_foreground "$ID-b"
	assert_success
	assert_line --partial "Function not implemented"
	assert_line "mkdir=1"
	assert_line touched
	assert_line "no dir"
}

@test "SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_KILL: killed by SIGSYS" {
	kills="SCMP_ACT_KILL_PROCESS SCMP_ACT_KILL_THREAD SCMP_ACT_KILL"
	# the container process itself: run exits 128 + SIGSYS (31)
	set_args mkdir /tmp/x
	for a in $kills; do
		block_mkdir "$a"
		run run_foreground "$ID-$a-1"
		[ "$status" -eq 159 ] || fail "$a: run exited $status, not 159: $output"
	done
	# a child of sh: sh sees it die of SIGSYS and goes on
	set_args sh -c 'mkdir /tmp/x; echo "rc=$?"'
	for a in $kills; do
		block_mkdir "$a"
		run run_foreground "$ID-$a-2"
		assert_success
		assert_line "rc=159"
	done
	[ ! -e "$BUNDLE/rootfs/tmp/x" ]
}

@test "SCMP_ACT_KILL_PROCESS cannot be caught" {
	# sh's own umask(2), with a handler for SIGSYS: sh dies all the same
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["umask"], "action": "SCMP_ACT_KILL_PROCESS"}]}'
	set_args sh -c 'trap "echo caught" SYS; umask 077; echo "after umask"'
	run run_foreground "$ID"
	[ "$status" -eq 159 ] || fail "run exited $status, not 159: $output"
	# neither the handler nor the rest of the script ran
	assert_output ""
}

@test "SCMP_ACT_TRAP: the process gets SIGSYS" {
	block_mkdir SCMP_ACT_TRAP
	# busybox's mkdir has no handler: SIGSYS kills it
	set_args sh -c 'mkdir /tmp/x; echo "rc=$?"'
	run run_foreground "$ID"
	assert_success
	assert_line "rc=159"
	[ ! -e "$BUNDLE/rootfs/tmp/x" ]

	# a handler catches it and the process goes on (unlike KILL)
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["umask"], "action": "SCMP_ACT_TRAP"}]}'
	set_args sh -c 'trap "echo caught" SYS; umask 077; echo "after umask"'
	run run_foreground "$ID-b"
	assert_success
	assert_line caught
	assert_line "after umask"
}

@test "SCMP_ACT_TRACE without a tracer: the syscall fails with ENOSYS" {
	block_mkdir SCMP_ACT_TRACE '{"errnoRet": 7}'
	set_args sh -c "$MKDIR_SH"
	run run_foreground "$ID"
	assert_success
	assert_line --partial "Function not implemented"
	assert_line "mkdir=1"
	assert_line touched
	assert_line "no dir"
}

@test "SCMP_ACT_LOG: the syscall is allowed" {
	# LOG on mkdir, ERRNO on rmdir: the filter is there, mkdir still works
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_LOG"},
		{"names": ["rmdir"], "action": "SCMP_ACT_ERRNO"}]}'
	set_args sh -c 'mkdir /tmp/d && echo made; rmdir /tmp/d 2>/dev/null; echo "rmdir=$?"'
	run run_foreground "$ID"
	assert_success
	assert_line made
	assert_line "rmdir=1"
	[ -d "$BUNDLE/rootfs/tmp/d" ]
}

@test "SCMP_ACT_ALLOW rules in a default-deny profile" {
	load_all_syscalls
	# default KILL_PROCESS: the process lives only because each syscall it
	# makes is allowed; mkdir is not listed
	allow=$(grep -vxE 'mkdir|mkdirat' <<<"$ALL_SYSCALLS" | jq -R . | jq -cs .)
	set_seccomp "$(jq -cn --argjson n "$allow" '{defaultAction: "SCMP_ACT_KILL_PROCESS", syscalls: [{names: $n, action: "SCMP_ACT_ALLOW"}]}')"
	set_args sh -c 'touch /tmp/f && echo touched; mkdir /tmp/x; echo "rc=$?"'
	run run_foreground "$ID"
	assert_success
	assert_line touched
	assert_line "rc=159"
}

@test "args SCMP_CMP_EQ: only the matching call is refused" {
	chmod_rule SCMP_CMP_EQ 511 # 0777
	set_args sh -c 'touch /tmp/f; chmod 644 /tmp/f && echo "644 ok"; chmod 777 /tmp/f; echo "777=$?"; stat -c %a /tmp/f'
	run run_foreground "$ID"
	assert_success
	assert_line "644 ok"
	assert_line --partial "Operation not permitted"
	assert_line "777=1"
	assert_line 644
}

@test "args: every operator" {
	# OP VALUE VALUE_TWO REFUSED_MODE ALLOWED_MODE (values in decimal)
	while read -r op v v2 no yes; do
		chmod_rule "$op" "$v" "$v2"
		try_chmod "$no" "$yes"
		[ "${lines[0]}" = "$no=1" ] || fail "$op $v $v2: chmod $no was not refused: $output"
		[ "${lines[1]}" = "$yes=0" ] || fail "$op $v $v2: chmod $yes was refused: $output"
	done <<-'EOF'
	SCMP_CMP_EQ 511 0 777 776
	SCMP_CMP_NE 420 0 600 644
	SCMP_CMP_LT 384 0 400 600
	SCMP_CMP_LE 384 0 600 640
	SCMP_CMP_GT 448 0 701 700
	SCMP_CMP_GE 448 0 700 644
	SCMP_CMP_MASKED_EQ 2 2 646 664
	SCMP_CMP_MASKED_EQ 2 0 664 646
	EOF
}

@test "args: several conditions on the same argument are alternatives" {
	# mode == 0777 or mode == 0666
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["chmod", "fchmod"], "action": "SCMP_ACT_ERRNO",
		"args": [{"index": 1, "value": 511, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 438, "op": "SCMP_CMP_EQ"}]}]}'
	try_chmod 777 666 644
	assert_output "$(printf '%s\n' 777=1 666=1 644=0)"
}

@test "args: conditions on different arguments must all hold" {
	# kill(pid == 1 and sig == 0) is refused; kill(other pid, 0) is not,
	# which it would be if the two conditions were alternatives
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ERRNO",
		"args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 0, "op": "SCMP_CMP_EQ"}]}]}'
	set_args sh -c 'kill -0 1 2>/dev/null; echo "pid1=$?"; sleep 30 & kill -0 $!; echo "child=$?"; kill $!; wait $!; echo "term=$?"'
	run run_foreground "$ID"
	assert_success
	assert_line pid1=1
	assert_line child=0
	assert_line term=143
}

@test "syscall names libseccomp does not know are skipped" {
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["no_such_syscall", "mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"},
		{"names": ["no_such_syscall_either"], "action": "SCMP_ACT_KILL_PROCESS"}]}'
	set_args sh -c "$MKDIR_SH"
	run run_foreground "$ID"
	assert_success
	assert_line "mkdir=1"
	assert_line touched
	assert_line "no dir"
}

@test "a rule with the default action changes nothing" {
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["touch", "utimensat", "openat", "open"], "action": "SCMP_ACT_ALLOW"},
		{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
	set_args sh -c "$MKDIR_SH"
	run run_foreground "$ID"
	assert_success
	assert_line "mkdir=1"
	assert_line touched
}

@test "architectures: the native ones" {
	block_mkdir SCMP_ACT_ERRNO
	update_config '.linux.seccomp.architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]'
	set_args sh -c "$MKDIR_SH"
	run run_foreground "$ID"
	assert_success
	assert_line "mkdir=1"
	assert_line touched
}

@test "flags: SECCOMP_FILTER_FLAG_TSYNC, _LOG and _SPEC_ALLOW" {
	skip_if_runc "runc 1.1 does not support linux.seccomp.flags (added in runc 1.2)"
	need_flags SECCOMP_FILTER_FLAG_TSYNC SECCOMP_FILTER_FLAG_LOG SECCOMP_FILTER_FLAG_SPEC_ALLOW
	block_mkdir SCMP_ACT_ERRNO
	update_config '.linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"]'
	set_args sh -c "$MKDIR_SH"
	run run_foreground "$ID"
	assert_success
	assert_line "mkdir=1"
	assert_line touched
}

# ---------------------------------------------------------------------------
# profiles that must be refused: create fails, nothing is left behind

@test "refused: an unknown action" {
	refused_profile '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_FOO"}]}'
	is_runc || assert_output --partial 'linux.seccomp.syscalls[0].action'
	assert_output --partial SCMP_ACT_FOO
	assert_nothing_created "$ID"
}

@test "refused: an unknown defaultAction" {
	refused_profile '{"defaultAction": "SCMP_ACT_FOO"}'
	is_runc || assert_output --partial 'linux.seccomp.defaultAction'
	assert_output --partial SCMP_ACT_FOO
	assert_nothing_created "$ID"
}

@test "refused: no defaultAction" {
	refused_profile '{"syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]}'
	is_runc || assert_output --partial 'linux.seccomp.defaultAction'
	assert_nothing_created "$ID"
}

@test "refused: an unknown architecture" {
	refused_profile '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_FOO"]}'
	is_runc || assert_output --partial 'linux.seccomp.architectures'
	assert_output --partial SCMP_ARCH_FOO
	assert_nothing_created "$ID"
}

@test "refused: an unknown operator" {
	refused_profile '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["chmod"], "action": "SCMP_ACT_ERRNO",
		"args": [{"index": 1, "value": 511, "op": "SCMP_CMP_FOO"}]}]}'
	is_runc || assert_output --partial 'linux.seccomp.syscalls[0].args[0].op'
	assert_output --partial SCMP_CMP_FOO
	assert_nothing_created "$ID"
}

@test "refused: an argument index past the sixth" {
	refused_profile '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["chmod"], "action": "SCMP_ACT_ERRNO",
		"args": [{"index": 6, "value": 511, "op": "SCMP_CMP_EQ"}]}]}'
	is_runc || assert_output --partial 'linux.seccomp.syscalls[0].args[0].index'
	assert_nothing_created "$ID"
}

@test "refused: an unknown flag" {
	skip_if_runc "runc 1.1 does not support linux.seccomp.flags (added in runc 1.2)"
	refused_profile '{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_FOO"]}'
	assert_output --partial 'linux.seccomp.flags'
	assert_output --partial SECCOMP_FILTER_FLAG_FOO
	assert_nothing_created "$ID"
}

@test "refused: errnoRet on an action other than SCMP_ACT_ERRNO and SCMP_ACT_TRACE" {
	skip_if_runc "runc 1.1 ignores errnoRet on other actions"
	refused_profile '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_KILL_PROCESS", "errnoRet": 1}]}'
	assert_output --partial 'linux.seccomp.syscalls[0].errnoRet'
	assert_nothing_created "$ID"

	refused_profile '{"defaultAction": "SCMP_ACT_ALLOW", "defaultErrnoRet": 1}'
	assert_output --partial 'linux.seccomp.defaultErrnoRet'
	assert_nothing_created "$ID"
}

@test "refused: SCMP_ACT_NOTIFY without listenerPath" {
	refused_profile '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}'
	is_runc || assert_output --partial 'listenerPath'
	assert_nothing_created "$ID"
}

@test "refused: defaultAction SCMP_ACT_NOTIFY" {
	# an agent listens: only the profile can be at fault
	start_agent
	refused_profile "$(jq -cn --arg p "$AGENT_SOCK" '{defaultAction: "SCMP_ACT_NOTIFY", listenerPath: $p}')"
	is_runc || assert_output --partial 'linux.seccomp.defaultAction'
	assert_nothing_created "$ID"
}

@test "refused: SCMP_ACT_NOTIFY for sendmsg" {
	skip_if_runc "runc 1.1 sends the fd from outside the container and accepts it (it refuses NOTIFY for write)"
	start_agent
	refused_profile "$(jq -cn --arg p "$AGENT_SOCK" '{defaultAction: "SCMP_ACT_ALLOW", listenerPath: $p,
		syscalls: [{names: ["sendmsg"], action: "SCMP_ACT_NOTIFY"}]}')"
	assert_output --partial 'linux.seccomp.syscalls[0]'
	assert_output --partial sendmsg
	assert_nothing_created "$ID"
}

@test "refused: listenerMetadata without listenerPath" {
	skip_if_runc "runc 1.1 ignores listenerMetadata without listenerPath"
	refused_profile '{"defaultAction": "SCMP_ACT_ALLOW", "listenerMetadata": "x", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]}'
	assert_output --partial 'linux.seccomp.listenerMetadata'
	assert_nothing_created "$ID"
}

# ---------------------------------------------------------------------------
# when the filter is installed

@test "noNewPrivileges true and false: the filter applies" {
	block_mkdir SCMP_ACT_ERRNO
	set_args sh -c "$STATUS_SH"
	for nnp in 1 0; do
		update_config '.process.noNewPrivileges = ($n == "1")' -- --arg n "$nnp"
		run run_foreground "$ID-$nnp"
		assert_success
		assert_line "$(printf 'Seccomp:\t2')"
		assert_line "$(printf 'NoNewPrivs:\t%s' "$nnp")"
		assert_line "mkdir=1"
		assert_line touched
	done
}

@test "a non-root user without capabilities: the filter applies" {
	# without no_new_privs, loading a filter needs CAP_SYS_ADMIN: the
	# runtime must load it before the process drops to uid 1000 and no caps;
	# errno 38 (ENOSYS) tells seccomp apart from a permission error
	block_mkdir SCMP_ACT_ERRNO '{"errnoRet": 38}'
	update_config '.process.user = {uid: 1000, gid: 1000}
		| .process.capabilities = {bounding: [], effective: [], permitted: [], inheritable: [], ambient: []}'
	set_args sh -c "$STATUS_SH"
	for nnp in 0 1; do
		update_config '.process.noNewPrivileges = ($n == "1")' -- --arg n "$nnp"
		run run_foreground "$ID-$nnp"
		assert_success
		assert_line uid=1000
		assert_line "$(printf 'CapEff:\t0000000000000000')"
		assert_line "$(printf 'NoNewPrivs:\t%s' "$nnp")"
		assert_line "$(printf 'Seccomp:\t2')"
		assert_line --partial "Function not implemented"
		assert_line "mkdir=1"
		assert_line touched
	done
}

@test "a non-root user without capabilities may mkdir in /tmp without the filter" {
	# the control for the test above
	update_config '.process.user = {uid: 1000, gid: 1000}
		| .process.capabilities = {bounding: [], effective: [], permitted: [], inheritable: [], ambient: []}
		| .process.noNewPrivileges = false'
	set_args sh -c "$STATUS_SH"
	run run_foreground "$ID"
	assert_success
	assert_line uid=1000
	assert_line "$(printf 'Seccomp:\t0')"
	assert_line "mkdir=0"
	assert_line "dir exists"
}

# ---------------------------------------------------------------------------
# exec

@test "exec: the container's filter applies to the exec'd process" {
	block_mkdir SCMP_ACT_ERRNO
	# without no_new_privs: the filter goes on before the switch to --user
	update_config '.process.noNewPrivileges = false'
	set_args sleep 100
	run_detached "$ID"
	assert_success
	run rt exec "$ID" mkdir /tmp/z </dev/null
	assert_failure
	assert_output --partial "Operation not permitted"
	[ ! -e "$BUNDLE/rootfs/tmp/z" ]
	run rt exec "$ID" cat /proc/self/status </dev/null
	assert_success
	assert_line "$(printf 'Seccomp:\t2')"
	run rt exec --user 1000:1000 "$ID" sh -c "$STATUS_SH" </dev/null
	assert_success
	assert_line uid=1000
	assert_line "$(printf 'NoNewPrivs:\t0')"
	assert_line "$(printf 'Seccomp:\t2')"
	assert_line "mkdir=1"
	assert_line touched
}

@test "exec: the filter is the one the container was created with" {
	block_mkdir SCMP_ACT_ERRNO
	set_args sleep 100
	run_detached "$ID"
	assert_success
	# a later change to the bundle's config.json changes nothing
	update_config 'del(.linux.seccomp)'
	run rt exec "$ID" sh -c "$MKDIR_SH" </dev/null
	assert_success
	assert_line "mkdir=1"
	assert_line "no dir"
}

@test "exec: no filter when the container has none" {
	set_args sleep 100
	run_detached "$ID"
	assert_success
	run rt exec "$ID" cat /proc/self/status </dev/null
	assert_success
	assert_line "$(printf 'Seccomp:\t0')"
}

# ---------------------------------------------------------------------------
# a real-world profile

@test "containers-common's default profile (moby format, converted)" {
	f=/usr/share/containers/seccomp.json
	[ -f "$f" ] || skip "no $f (containers-common / golang-github-containers-common)"
	profile=$(moby_seccomp_to_oci "$f")
	[ "$(jq '.syscalls | length' <<<"$profile")" -gt 10 ]
	# the control: in a user namespace of its own the container may set the
	# hostname of a UTS namespace of its own
	set_args unshare -Uru sh -c 'hostname inner && hostname'
	run run_foreground "$ID-a"
	[ "$status" -eq 0 ] && [ "$output" = inner ] || skip "no user namespaces in the container here: $output"

	set_seccomp "$profile"
	set_args probe
	run_probe "$ID-b"
	[ "$(pj .seccomp)" = 2 ]

	# the profile allows sethostname only with CAP_SYS_ADMIN in the
	# container's capability set, whatever the namespace
	set_seccomp "$profile"
	set_args unshare -Uru sh -c 'hostname inner; echo "rc=$?"; mkdir /tmp/d && echo made'
	run run_foreground "$ID-c"
	assert_success
	assert_line --partial "Operation not permitted"
	assert_line "rc=1"
	assert_line made
}

# ---------------------------------------------------------------------------
# SCMP_ACT_NOTIFY and the seccomp agent

# check_agent_state STATUS — the container process state the agent got.
check_agent_state() {
	local s
	s=$(cat "$TEST_DIR/agent.json")
	jq -e . >/dev/null <<<"$s" || fail "the agent got no JSON: $s"
	[ "$(jq -c .fds <<<"$s")" = '["seccompFd"]' ] || fail "fds: $s"
	[ "$(jq -r .state.id <<<"$s")" = "$ID" ] || fail "state.id: $s"
	[ "$(jq -r .state.status <<<"$s")" = "$1" ] || fail "state.status: $s"
	[ "$(jq -r .state.bundle <<<"$s")" = "$(realpath "$BUNDLE")" ] || fail "state.bundle: $s"
	[ "$(jq -r .ociVersion <<<"$s")" != null ] || fail "ociVersion: $s"
	[ "$(jq -r '.pid | type' <<<"$s")" = number ] && [ "$(jq .pid <<<"$s")" -gt 0 ] || fail "pid: $s"
	AGENT_STATE=$s
}

@test "SCMP_ACT_NOTIFY: the agent at listenerPath gets the fd and the state, and answers" {
	start_agent
	notify_mkdir '{"listenerMetadata": "hello agent; x=1"}'
	set_args sh -c 'mkdir /tmp/n && echo made; if [ -d /tmp/n ]; then echo "dir exists"; else echo "no dir"; fi'
	create_container "$ID"
	assert_success
	# the state was sent before create returned
	wait_for_file "$TEST_DIR/agent.json"
	check_agent_state creating
	[ "$(jq -r .metadata <<<"$AGENT_STATE")" = "hello agent; x=1" ]
	[ "$(jq .pid <<<"$AGENT_STATE")" = "$(container_pid "$ID")" ]
	[ "$(jq .state.pid <<<"$AGENT_STATE")" = "$(container_pid "$ID")" ]
	run rt start "$ID"
	assert_success
	wait_status "$ID" stopped
	# the agent answered success for mkdir(2) (83) or mkdirat(2) (258),
	# without making the directory
	run container_stdout "$ID"
	assert_line made
	assert_line "no dir"
	[ ! -e "$BUNDLE/rootfs/tmp/n" ]
	wait_agent
	grep -qxE 'syscall (83|258)' "$TEST_DIR/agent.out" || fail "agent: $(cat "$TEST_DIR/agent.out")"
}

@test "SCMP_ACT_NOTIFY: the agent's errno reaches the process (run, non-root, noNewPrivileges false)" {
	start_agent --errno 13
	notify_mkdir
	update_config '.process.user = {uid: 1000, gid: 1000}
		| .process.capabilities = {bounding: [], effective: [], permitted: [], inheritable: [], ambient: []}
		| .process.noNewPrivileges = false'
	set_args sh -c "$MKDIR_SH"
	run run_foreground "$ID"
	assert_success
	assert_line --partial "Permission denied"
	assert_line "mkdir=1"
	assert_line touched
	wait_agent
	check_agent_state creating
	[ "$(jq 'has("metadata")' <<<"$AGENT_STATE")" = false ] || [ "$(jq -r .metadata <<<"$AGENT_STATE")" = "" ]
	grep -qxE 'syscall (83|258)' "$TEST_DIR/agent.out" || fail "agent: $(cat "$TEST_DIR/agent.out")"
}

@test "SCMP_ACT_NOTIFY: exec hands its own fd to the agent" {
	start_agent
	notify_mkdir
	set_args sleep 100
	run_detached "$ID"
	assert_success
	wait_for_file "$TEST_DIR/agent.json"
	check_agent_state creating
	[ "$(jq .pid <<<"$AGENT_STATE")" = "$(container_pid "$ID")" ]
	first=$AGENT_PID
	rm "$TEST_DIR/agent.json"

	# a second agent on the same path, which refuses with EACCES
	start_agent --errno 13
	run rt exec "$ID" sh -c "$MKDIR_SH" </dev/null
	assert_success
	assert_line --partial "Permission denied"
	assert_line "mkdir=1"
	assert_line touched
	# the exec'd process is gone: its agent sees the hang-up
	wait_agent
	check_agent_state running
	[ "$(jq .pid <<<"$AGENT_STATE")" != "$(container_pid "$ID")" ]
	grep -qxE 'syscall (83|258)' "$TEST_DIR/agent.out" || fail "agent: $(cat "$TEST_DIR/agent.out")"
	# the first agent still serves the container's own process
	[ -d "/proc/$first" ]
}

@test "SCMP_ACT_NOTIFY: exec fails, and its process never runs, when no agent takes the fd" {
	start_agent
	notify_mkdir
	set_args sleep 100
	run_detached "$ID"
	assert_success
	# the one-shot agent took the init's fd: nobody listens any more
	wait_for_file "$TEST_DIR/agent.json"
	local i
	for i in 1 2 3; do
		run rt exec "$ID" touch "/tmp/ran$i" </dev/null
		assert_failure
		[ ! -e "$BUNDLE/rootfs/tmp/ran$i" ] || fail "exec $i ran without its agent"
	done
}

@test "noNewPrivileges false: a profile refusing close_range still starts the container" {
	# the filter goes in before the runtime's last close-on-exec sweep;
	# close_range refused, the sweep goes fd by fd
	update_config '.process.noNewPrivileges = false'
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["close_range"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}'
	set_args probe
	run_probe
	[ "$(pj .seccomp)" = 2 ]
	# nothing past stdio reached the process
	[ "$(pj '[.fds[] | select(.fd > 2)] | length')" = 0 ] || fail "fds: $(pj -c .fds)"
}

@test "SCMP_ACT_NOTIFY: the listener fd does not stay in the container" {
	# a process holding its own listener could answer its own notifications
	start_agent
	notify_mkdir
	set_args sleep 100
	run_detached "$ID"
	assert_success
	# exec has its own listener, for an agent of its own
	wait_for_file "$TEST_DIR/agent.json"
	start_agent
	run --separate-stderr rt exec "$ID" probe </dev/null
	assert_success
	PROBE=$output
	[ "$(pj -c '[.fds[].fd] | sort')" = '[0,1,2]' ] || fail "exec'd process: $(pj -c .fds)"
	pid=$(container_pid "$ID")
	fds=$(ls "/proc/$pid/fd" | sort -n | tr '\n' ' ')
	[ "$fds" = "0 1 2 " ] || fail "container process fds: $fds: $(ls -l "/proc/$pid/fd")"
}

@test "listenerPath without SCMP_ACT_NOTIFY: the agent gets nothing" {
	start_agent
	block_mkdir SCMP_ACT_ERRNO
	update_config '.linux.seccomp.listenerPath = $p' -- --arg p "$AGENT_SOCK"
	set_args sh -c "$MKDIR_SH"
	run run_foreground "$ID"
	assert_success
	assert_line "mkdir=1"
	assert_line touched
	# still listening: nobody connected
	[ -e "$AGENT_SOCK" ] && [ ! -e "$TEST_DIR/agent.json" ] && [ -d "/proc/$AGENT_PID" ]
}

@test "SCMP_ACT_NOTIFY with no agent at listenerPath: create fails, nothing is left" {
	notify_mkdir_at "$TEST_DIR/no-agent.sock"
	set_args touch /tmp/ran
	create_container "$ID"
	assert_failure
	is_runc || assert_output --partial "$TEST_DIR/no-agent.sock"
	assert_nothing_created "$ID"
	[ ! -e "$BUNDLE/rootfs/tmp/ran" ]
}

@test "flags with SCMP_ACT_NOTIFY: SECCOMP_FILTER_FLAG_TSYNC and _WAIT_KILLABLE_RECV" {
	skip_if_runc "runc 1.1 does not support linux.seccomp.flags (added in runc 1.2)"
	need_flags SECCOMP_FILTER_FLAG_TSYNC SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
	start_agent
	notify_mkdir '{"flags": ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]}'
	set_args sh -c "$MKDIR_SH"
	run run_foreground "$ID"
	assert_success
	assert_line "mkdir=0"
	assert_line touched
	assert_line "no dir"
	wait_agent
	check_agent_state creating
}

# ---------------------------------------------------------------------------

@test "features: linux.seccomp" {
	run rt features
	assert_success
	f=$output
	[ "$(jq .linux.seccomp.enabled <<<"$f")" = true ]
	for a in SCMP_ACT_KILL SCMP_ACT_KILL_PROCESS SCMP_ACT_KILL_THREAD SCMP_ACT_TRAP SCMP_ACT_ERRNO \
		SCMP_ACT_TRACE SCMP_ACT_ALLOW SCMP_ACT_LOG SCMP_ACT_NOTIFY; do
		[ "$(jq --arg a "$a" '.linux.seccomp.actions | index($a) != null' <<<"$f")" = true ] || fail "action $a missing"
	done
	for o in SCMP_CMP_NE SCMP_CMP_LT SCMP_CMP_LE SCMP_CMP_EQ SCMP_CMP_GE SCMP_CMP_GT SCMP_CMP_MASKED_EQ; do
		[ "$(jq --arg o "$o" '.linux.seccomp.operators | index($o) != null' <<<"$f")" = true ] || fail "operator $o missing"
	done
	[ "$(jq '.linux.seccomp.archs | index("SCMP_ARCH_X86_64") != null' <<<"$f")" = true ]
}

@test "features: linux.seccomp flags" {
	skip_if_runc "runc 1.1 lists no knownFlags / supportedFlags (it supports no flags)"
	run rt features
	assert_success
	f=$output
	for fl in SECCOMP_FILTER_FLAG_TSYNC SECCOMP_FILTER_FLAG_LOG SECCOMP_FILTER_FLAG_SPEC_ALLOW SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV; do
		[ "$(jq --arg x "$fl" '.linux.seccomp.knownFlags | index($x) != null' <<<"$f")" = true ] || fail "flag $fl missing"
	done
	# what the kernel supports is a subset of what tote knows
	[ "$(jq '.linux.seccomp | (.supportedFlags - .knownFlags) | length' <<<"$f")" = 0 ]
}

@test "a compiled filter is kept and used again only for the same profile; a kept file that does not match is not used" {
	is_runc && skip "tote-oci's own cache of compiled filters"
	block_mkdir SCMP_ACT_ERRNO
	set_args sh -c "$MKDIR_SH"
	run run_foreground "$ID"
	assert_line --partial "Operation not permitted"
	# the profile's file: root's alone, naming what it was made from
	local f
	f=$(grep -la '^rule [0-9]* [0-9]* mkdir mkdirat$' /run/tote-seccomp/* | head -1)
	[ -n "$f" ]
	[ "$(stat -c '%u %a' "$f")" = "0 600" ]
	# a profile that blocks something else gets a program of its own: mkdir works there
	update_config '.linux.seccomp.syscalls[0].names = ["chdir"]'
	run run_foreground "$ID"
	refute_line --partial "Operation not permitted"
	assert_line "mkdir=0"
	local g
	g=$(grep -la '^rule [0-9]* [0-9]* chdir$' /run/tote-seccomp/* | head -1)
	[ -n "$g" ] && [ "$g" != "$f" ]
	# a kept file whose description is not the profile's is not used: the
	# mkdir profile's file overwritten by the chdir one's, mkdir is still refused
	cp "$f" "$BATS_TEST_TMPDIR/kept"
	cp "$g" "$f"
	update_config '.linux.seccomp.syscalls[0].names = ["mkdir", "mkdirat"]'
	run run_foreground "$ID"
	assert_line --partial "Operation not permitted"
	cp "$BATS_TEST_TMPDIR/kept" "$f"
}
