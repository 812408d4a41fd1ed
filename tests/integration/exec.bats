#!/usr/bin/env bats
# exec: run another process in an existing container.

load helpers

setup() {
	common_setup
	set_args sleep 1000
}

start_container() {
	run_detached "$ID"
	assert_success
	INIT_PID=$(container_pid "$ID")
}

# rt_exec ARGS... — exec with stdin from /dev/null (use with bats' run).
rt_exec() { rt exec "$@" </dev/null; }

@test "exec runs a command and relays its output" {
	start_container
	run --separate-stderr rt_exec "$ID" sh -c 'echo hello; echo oops >&2'
	assert_success
	[ "$output" = hello ]
	[ "$stderr" = oops ]
}

@test "exec relays the exit code" {
	start_container
	run rt_exec "$ID" sh -c 'exit 7'
	[ "$status" -eq 7 ]
	run rt_exec "$ID" false
	[ "$status" -eq 1 ]
}

@test "exec joins all of the container's namespaces" {
	start_container
	run --separate-stderr rt_exec "$ID" probe
	assert_success
	PROBE=$output
	for ns in $(pj '.namespaces | keys[]'); do
		want=$(stat -L -c %i "/proc/$INIT_PID/ns/$ns")
		got=$(pj --arg n "$ns" '.namespaces[$n]')
		[ "$got" = "$want" ] || fail "namespace $ns: exec has $got, init has $want"
	done
	# it really is in a new pid namespace: not pid 1, parent not visible
	[ "$(pj .pid)" -ne 1 ]
	[ "$(pj .hostname)" = tote ]
}

@test "exec sees the container's rootfs and mounts" {
	start_container
	echo marker >"$BUNDLE/rootfs/marker"
	run rt_exec "$ID" cat /marker
	assert_success
	assert_output marker
	run --separate-stderr rt_exec "$ID" probe
	PROBE=$output
	[ "$(pj '[.mounts[] | select(.target == "/proc")] | length')" -ge 1 ]
	[ "$(pj '[.mounts[] | select(.target == "/dev/pts" and .fstype == "devpts")] | length')" -eq 1 ]
}

@test "exec --process FILE" {
	start_container
	cat >"$TEST_DIR/process.json" <<-'EOF'
	{
		"terminal": false,
		"user": { "uid": 1000, "gid": 1000 },
		"args": ["probe", "json", "from-process-file"],
		"env": ["PATH=/usr/bin:/bin", "FROM_FILE=yes"],
		"cwd": "/tmp"
	}
	EOF
	run --separate-stderr rt_exec --process "$TEST_DIR/process.json" "$ID"
	assert_success
	PROBE=$output
	[ "$(pj -c .argv)" = '["probe","json","from-process-file"]' ]
	[ "$(pj .uid)" = 1000 ]
	[ "$(pj .gid)" = 1000 ]
	[ "$(pj .cwd)" = /tmp ]
	[ "$(pj '.env | index("FROM_FILE=yes") != null')" = true ]
}

@test "exec -e sets environment variables" {
	start_container
	run --separate-stderr rt_exec -e FOO=bar -e 'SPACED=a b' "$ID" probe
	assert_success
	PROBE=$output
	[ "$(pj '.env | index("FOO=bar") != null')" = true ]
	[ "$(pj '.env | index("SPACED=a b") != null')" = true ]
	# the process.env of the config is kept
	[ "$(pj '[.env[] | select(startswith("PATH="))] | length')" = 1 ]
}

@test "exec --cwd sets the working directory" {
	start_container
	mkdir -p "$BUNDLE/rootfs/srv/work"
	run --separate-stderr rt_exec --cwd /srv/work "$ID" probe
	assert_success
	PROBE=$output
	[ "$(pj .cwd)" = /srv/work ]
}

@test "exec -u uid:gid" {
	start_container
	run --separate-stderr rt_exec -u 1000:1000 "$ID" probe
	assert_success
	PROBE=$output
	[ "$(pj .uid)" = 1000 ]
	[ "$(pj .euid)" = 1000 ]
	[ "$(pj .gid)" = 1000 ]
	[ "$(pj .egid)" = 1000 ]
	[ "$(pj -c .groups)" = '[]' ]
}

@test "exec --detach --pid-file" {
	start_container
	rt exec --detach --pid-file "$TEST_DIR/exec.pid" "$ID" sleep 1000 </dev/null >/dev/null 2>"$TEST_DIR/exec.err" ||
		fail "exec --detach failed: $(cat "$TEST_DIR/exec.err")"
	[ -s "$TEST_DIR/exec.pid" ]
	epid=$(cat "$TEST_DIR/exec.pid")
	track_pid "$epid"
	[ -d "/proc/$epid" ]
	[ "$(cat "/proc/$epid/cmdline" | tr '\0' ' ')" = "sleep 1000 " ]
	[ "$(readlink "/proc/$epid/ns/pid")" = "$(readlink "/proc/$INIT_PID/ns/pid")" ]
	[ "$(readlink "/proc/$epid/ns/mnt")" = "$(readlink "/proc/$INIT_PID/ns/mnt")" ]
	# the container's ps lists it
	run rt ps --format json "$ID"
	[ "$(jq --argjson p "$epid" 'index($p) != null' <<<"$output")" = true ]
}

@test "exec into a stopped container fails" {
	set_args true
	run_detached "$ID"
	assert_success
	wait_status "$ID" stopped
	run rt_exec "$ID" true
	assert_failure
}

@test "exec of an unknown container fails" {
	run rt_exec nosuchcontainer true
	assert_failure
}

@test "exec of a missing executable fails" {
	start_container
	run rt_exec "$ID" /no/such/binary
	assert_failure
	[ "$(container_status "$ID")" = running ]
}

@test "exec gets the process capabilities of the config" {
	start_container
	run --separate-stderr rt_exec "$ID" probe
	assert_success
	PROBE=$output
	[ "$(pj .capabilities.CapBnd)" = "$(grep CapBnd "/proc/$INIT_PID/status" | awk '{print $2}')" ]
	[ "$(pj .capabilities.CapEff)" = "$(grep CapEff "/proc/$INIT_PID/status" | awk '{print $2}')" ]
}

@test "exec -t --detach --console-socket gives the process a terminal" {
	start_container
	background "$HELPERS_BIN/recvtty" --no-stdin --timeout 30 "$TEST_DIR/tty.sock" >"$TEST_DIR/tty.out"
	wait_for_file "$TEST_DIR/tty.sock"
	run rt exec -t --detach --console-socket "$TEST_DIR/tty.sock" "$ID" probe </dev/null
	assert_success
	wait "$BG_PID"
	PROBE=$(tr -d '\r' <"$TEST_DIR/tty.out")
	[ "$(pj .tty.\"0\")" = true ]
	[ "$(pj .tty.\"1\")" = true ]
	[ "$(pj .tty.\"2\")" = true ]
	[[ "$(pj .tty.name)" == /dev/pts/* ]]
}
