#!/usr/bin/env bats
# process: args, env, cwd, user, capabilities, rlimits, oomScoreAdj,
# noNewPrivileges, terminal, and the newer Linux process properties.

load helpers

# cap_mask NAME... — the capability set as /proc/PID/status prints it.
cap_mask() {
	local -A num=(
		[CAP_CHOWN]=0 [CAP_DAC_OVERRIDE]=1 [CAP_DAC_READ_SEARCH]=2 [CAP_FOWNER]=3
		[CAP_FSETID]=4 [CAP_KILL]=5 [CAP_SETGID]=6 [CAP_SETUID]=7 [CAP_SETPCAP]=8
		[CAP_LINUX_IMMUTABLE]=9 [CAP_NET_BIND_SERVICE]=10 [CAP_NET_BROADCAST]=11
		[CAP_NET_ADMIN]=12 [CAP_NET_RAW]=13 [CAP_IPC_LOCK]=14 [CAP_IPC_OWNER]=15
		[CAP_SYS_MODULE]=16 [CAP_SYS_RAWIO]=17 [CAP_SYS_CHROOT]=18 [CAP_SYS_PTRACE]=19
		[CAP_SYS_PACCT]=20 [CAP_SYS_ADMIN]=21 [CAP_SYS_BOOT]=22 [CAP_SYS_NICE]=23
		[CAP_SYS_RESOURCE]=24 [CAP_SYS_TIME]=25 [CAP_SYS_TTY_CONFIG]=26 [CAP_MKNOD]=27
		[CAP_LEASE]=28 [CAP_AUDIT_WRITE]=29 [CAP_AUDIT_CONTROL]=30 [CAP_SETFCAP]=31
		[CAP_MAC_OVERRIDE]=32 [CAP_MAC_ADMIN]=33 [CAP_SYSLOG]=34 [CAP_WAKE_ALARM]=35
		[CAP_BLOCK_SUSPEND]=36 [CAP_AUDIT_READ]=37 [CAP_PERFMON]=38 [CAP_BPF]=39
		[CAP_CHECKPOINT_RESTORE]=40
	)
	local m=0 c
	for c in "$@"; do m=$((m | (1 << ${num[$c]}))); done
	printf '%016x\n' "$m"
}

@test "args are passed exactly, args[0] resolved through PATH" {
	set_args probe json 'with space' '' 'quote"s' 'new
line' 'ünïcödé'
	run_probe
	[ "$(pj -c .argv)" = "$(json_array probe json 'with space' '' 'quote"s' 'new
line' 'ünïcödé')" ]
}

@test "args[0] is looked up in process.env's PATH, not the host's" {
	mkdir -p "$BUNDLE/rootfs/opt/tools"
	cp "$BUNDLE/rootfs/usr/bin/probe" "$BUNDLE/rootfs/opt/tools/myprobe"
	update_config '.process.env = ["PATH=/opt/tools:/bin", "HOME=/root"]'
	set_args myprobe
	run_probe
	[ "$(pj -r '.argv[0]')" = myprobe ]
}

@test "env is exactly process.env" {
	update_config '.process.env = ["PATH=/usr/bin:/bin", "FOO=bar baz", "EMPTY=", "HOME=/home/x", "EQ=a=b"]'
	set_args probe
	run_probe
	[ "$(pj -c '.env | sort')" = '["EMPTY=","EQ=a=b","FOO=bar baz","HOME=/home/x","PATH=/usr/bin:/bin"]' ]
}

@test "cwd is process.cwd" {
	mkdir -p "$BUNDLE/rootfs/srv/app"
	update_config '.process.cwd = "/srv/app"'
	set_args probe
	run_probe
	[ "$(pj -r .cwd)" = /srv/app ]
	[ "$(pj -r .cwd_link)" = /srv/app ]
}

@test "user: uid, gid, additionalGids, umask" {
	update_config '.process.user = {uid: 1000, gid: 1000, additionalGids: [50, 65534], umask: 63}'
	set_args probe
	run_probe
	[ "$(pj .uid)" = 1000 ]
	[ "$(pj .euid)" = 1000 ]
	[ "$(pj .gid)" = 1000 ]
	[ "$(pj .egid)" = 1000 ]
	[ "$(pj -c '.groups | sort')" = '[50,65534]' ]
	[ "$(pj .umask)" = 63 ]
}

@test "user: no host supplementary groups leak in" {
	update_config '.process.user = {uid: 1000, gid: 1000}'
	set_args probe
	run_probe
	[ "$(pj -c '[.groups[] | select(. != 1000)]')" = '[]' ]
}

@test "user: umask 0 is applied (not taken as unset)" {
	update_config '.process.user.umask = 0'
	set_args sh -c 'umask'
	# the caller's umask must not leak in
	with_umask_077() { umask 077; run_foreground "$@"; }
	run with_umask_077 "$ID"
	assert_success
	assert_output 0000
}

@test "capabilities: the five sets are applied independently" {
	# For root the kernel makes effective = permitted at execve, so those
	# two are equal here; the other sets all differ.
	update_config '.process.capabilities = {
		bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW", "CAP_SETUID"],
		effective: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"],
		permitted: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"],
		inheritable: ["CAP_KILL", "CAP_NET_RAW"],
		ambient: ["CAP_KILL"]}'
	set_args probe
	run_probe
	[ "$(pj -r .capabilities.CapBnd)" = "$(cap_mask CAP_CHOWN CAP_KILL CAP_NET_RAW CAP_SETUID)" ]
	[ "$(pj -r .capabilities.CapEff)" = "$(cap_mask CAP_CHOWN CAP_KILL CAP_NET_RAW)" ]
	[ "$(pj -r .capabilities.CapPrm)" = "$(cap_mask CAP_CHOWN CAP_KILL CAP_NET_RAW)" ]
	[ "$(pj -r .capabilities.CapInh)" = "$(cap_mask CAP_KILL CAP_NET_RAW)" ]
	[ "$(pj -r .capabilities.CapAmb)" = "$(cap_mask CAP_KILL)" ]
}

@test "capabilities: the template's Docker default set" {
	set_args probe
	run_probe
	want=$(cap_mask $(jq -r '.process.capabilities.bounding[]' "$TEMPLATE"))
	[ "$want" = 00000000a80425fb ]
	for s in CapBnd CapEff CapPrm CapInh CapAmb; do
		[ "$(pj -r ".capabilities.$s")" = "$want" ] || fail "$s: $(pj -r ".capabilities.$s") != $want"
	done
}

@test "capabilities: none at all" {
	update_config '.process.capabilities = {bounding: [], effective: [], permitted: [], inheritable: [], ambient: []}'
	set_args probe
	run_probe
	for s in CapBnd CapEff CapPrm CapInh CapAmb; do
		[ "$(pj -r ".capabilities.$s")" = 0000000000000000 ]
	done
}

@test "capabilities: a dropped capability is enforced (no CAP_CHOWN)" {
	update_config '.process.capabilities |= map_values(map(select(. != "CAP_CHOWN")))'
	set_args sh -c 'touch /tmp/f; chown 1000 /tmp/f 2>/dev/null && echo chowned || echo refused'
	run run_foreground "$ID"
	assert_success
	assert_output refused
}

@test "capabilities for a non-root user (kept through execve by ambient)" {
	# A non-root process keeps across execve only its ambient capabilities.
	update_config '.process.user = {uid: 1000, gid: 1000}
		| .process.capabilities = {bounding: ["CAP_CHOWN", "CAP_KILL"], effective: ["CAP_KILL"],
		  permitted: ["CAP_KILL"], inheritable: ["CAP_KILL"], ambient: ["CAP_KILL"]}'
	set_args probe
	run_probe
	[ "$(pj .uid)" = 1000 ]
	[ "$(pj -r .capabilities.CapEff)" = "$(cap_mask CAP_KILL)" ]
	[ "$(pj -r .capabilities.CapPrm)" = "$(cap_mask CAP_KILL)" ]
	[ "$(pj -r .capabilities.CapAmb)" = "$(cap_mask CAP_KILL)" ]
	[ "$(pj -r .capabilities.CapBnd)" = "$(cap_mask CAP_CHOWN CAP_KILL)" ]
}

@test "rlimits are applied exactly" {
	update_config '.process.rlimits = [
		{type: "RLIMIT_NOFILE", soft: 512, hard: 1000},
		{type: "RLIMIT_CORE", soft: 1024, hard: 2048},
		{type: "RLIMIT_NPROC", soft: 300, hard: 400},
		{type: "RLIMIT_MSGQUEUE", soft: 8192, hard: 16384}]'
	set_args probe
	run_probe
	[ "$(pj -c '.rlimits.RLIMIT_NOFILE')" = '{"soft":512,"hard":1000}' ]
	[ "$(pj -c '.rlimits.RLIMIT_CORE')" = '{"soft":1024,"hard":2048}' ]
	[ "$(pj -c '.rlimits.RLIMIT_NPROC')" = '{"soft":300,"hard":400}' ]
	[ "$(pj -c '.rlimits.RLIMIT_MSGQUEUE')" = '{"soft":8192,"hard":16384}' ]
}

@test "rlimits: raising a hard limit without CAP_SYS_RESOURCE is an error" {
	hard=$(ulimit -Hn)
	[ "$hard" != unlimited ] || skip "hard nofile limit is unlimited here"
	eff=$(awk '/^CapEff:/ {print $2}' /proc/self/status)
	if (((0x$eff >> 24) & 1)); then
		skip "CAP_SYS_RESOURCE is available here, so raising is allowed"
	fi
	update_config '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 1024, hard: $h}]' -- --argjson h "$((hard + 1000))"
	set_args true
	run run_foreground "$ID"
	assert_failure
}

@test "oomScoreAdj" {
	update_config '.process.oomScoreAdj = 123'
	set_args probe
	run_probe
	[ "$(pj .oom_score_adj)" = 123 ]
}

@test "noNewPrivileges true and false" {
	update_config '.process.noNewPrivileges = true'
	set_args probe
	run_probe
	[ "$(pj .no_new_privs)" = 1 ]

	update_config '.process.noNewPrivileges = false'
	run_probe "$ID-b"
	[ "$(pj .no_new_privs)" = 0 ]
}

@test "terminal false: stdio is not a tty" {
	set_args probe
	run_probe
	[ "$(pj '.tty["0"] or .tty["1"] or .tty["2"]')" = false ]
}

@test "terminal true with create --console-socket (recvtty)" {
	update_config '.process.terminal = true'
	set_args probe
	background "$HELPERS_BIN/recvtty" --no-stdin --timeout 30 --name-file "$TEST_DIR/ptyname" \
		"$TEST_DIR/tty.sock" >"$TEST_DIR/tty.out"
	wait_for_file "$TEST_DIR/tty.sock"
	create_container --console-socket "$TEST_DIR/tty.sock" "$ID"
	assert_success
	run rt start "$ID"
	assert_success
	wait "$BG_PID"
	PROBE=$(tr -d '\r' <"$TEST_DIR/tty.out")
	jq -e . >/dev/null <<<"$PROBE" || fail "not JSON: $PROBE"
	[ "$(pj '.tty["0"] and .tty["1"] and .tty["2"]')" = true ]
	[[ "$(pj -r .tty.name)" == /dev/pts/* ]]
	# the process is a session leader with the pty as controlling terminal
	[ "$(pj .sid)" = "$(pj .pid)" ]
}

@test "terminal: input sent to the pty master reaches the process" {
	update_config '.process.terminal = true'
	set_args sh -c 'read line; echo "got:$line"'
	echo hello >"$TEST_DIR/in"
	# recvtty writes the input to the pty master as soon as it has it; the
	# line discipline keeps it until the process reads
	background "$HELPERS_BIN/recvtty" --timeout 30 "$TEST_DIR/tty.sock" <"$TEST_DIR/in" >"$TEST_DIR/tty.out"
	wait_for_file "$TEST_DIR/tty.sock"
	create_container --console-socket "$TEST_DIR/tty.sock" "$ID"
	assert_success
	run rt start "$ID"
	assert_success
	wait "$BG_PID"
	grep -q 'got:hello' "$TEST_DIR/tty.out" || fail "output: $(cat "$TEST_DIR/tty.out")"
}

@test "terminal true without --console-socket fails for create" {
	update_config '.process.terminal = true'
	set_args true
	create_container "$ID"
	assert_failure
}

@test "consoleSize sets the terminal size" {
	update_config '.process.terminal = true | .process.consoleSize = {height: 33, width: 111}'
	set_args stty size
	background "$HELPERS_BIN/recvtty" --no-stdin --timeout 30 "$TEST_DIR/tty.sock" >"$TEST_DIR/tty.out"
	wait_for_file "$TEST_DIR/tty.sock"
	create_container --console-socket "$TEST_DIR/tty.sock" "$ID"
	assert_success
	rt start "$ID"
	wait "$BG_PID"
	[ "$(tr -d '\r' <"$TEST_DIR/tty.out")" = "33 111" ]
}

@test "ioPriority" {
	skip_if_runc "runc 1.1 does not support process.ioPriority"
	update_config '.process.ioPriority = {class: "IOPRIO_CLASS_BE", priority: 3}'
	set_args probe
	run_probe
	[ "$(pj .ioprio_class)" = 2 ]
	[ "$(pj .ioprio_level)" = 3 ]
}

@test "scheduler policy" {
	skip_if_runc "runc 1.1 does not support process.scheduler"
	update_config '.process.scheduler = {policy: "SCHED_BATCH", nice: 5}'
	set_args probe
	run_probe
	[ "$(pj .sched_policy)" = 3 ]
	[ "$(pj .nice)" = 5 ]
}

@test "linux.personality LINUX32" {
	skip_if_runc "runc 1.1 does not support linux.personality"
	update_config '.linux.personality = {domain: "LINUX32"}'
	set_args probe
	run_probe
	[ "$(pj .personality)" = 8 ]
}

@test "the container's pid 1 is the process, with no parent visible" {
	set_args probe
	run_probe
	[ "$(pj .pid)" = 1 ]
	[ "$(pj .ppid)" = 0 ]
}
