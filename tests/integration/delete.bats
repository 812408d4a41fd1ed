#!/usr/bin/env bats
# delete: refuses non-stopped containers unless --force; cleans up fully.

load helpers

# The pids-controller cgroup directory of a process, as a host path (empty
# if the pids controller is not mounted as a v1 hierarchy).
pids_cgroup_dir() {
	local rel
	rel=$(awk -F: '$2 == "pids" {print $3}' "/proc/$1/cgroup")
	[ -n "$rel" ] && [ -d /sys/fs/cgroup/pids ] && echo "/sys/fs/cgroup/pids$rel"
	return 0
}

@test "delete refuses a running container without --force" {
	set_args sleep 1000
	run_detached "$ID"
	assert_success
	pid=$(container_pid "$ID")

	run rt delete "$ID"
	assert_failure
	[ "$(container_status "$ID")" = running ]
	[ -d "/proc/$pid" ]
}

@test "delete of a created container kills its init and removes it (as runc)" {
	# runtime.md asks for an error on any container that is not stopped;
	# runc (and so its clients) delete a created one, and tote follows runc.
	set_args sleep 1000
	create_container "$ID"
	assert_success
	pid=$(container_pid "$ID")
	run rt delete "$ID"
	assert_success
	wait_pid_gone "$pid"
	run rt state "$ID"
	assert_failure
}

@test "delete --force kills and removes a running container" {
	set_args sleep 1000
	run_detached "$ID"
	assert_success
	pid=$(container_pid "$ID")

	run rt delete --force "$ID"
	assert_success
	wait_pid_gone "$pid"
	run rt state "$ID"
	assert_failure
	# nothing left in the state root
	[ -z "$(ls -A "$ROOT_DIR")" ]
}

@test "delete --force removes a created container" {
	set_args sleep 1000
	create_container "$ID"
	assert_success
	pid=$(container_pid "$ID")

	run rt delete --force "$ID"
	assert_success
	wait_pid_gone "$pid"
	run rt state "$ID"
	assert_failure
	[ -z "$(ls -A "$ROOT_DIR")" ]
}

@test "delete of a stopped container leaves nothing in the root dir" {
	set_args true
	run_detached "$ID"
	assert_success
	wait_status "$ID" stopped

	run rt delete "$ID"
	assert_success
	[ -z "$(ls -A "$ROOT_DIR")" ]
	run rt list -q
	assert_success
	[ -z "$output" ]
}

@test "delete removes the container's cgroup" {
	[ -d /sys/fs/cgroup/pids ] || skip "no cgroup v1 pids hierarchy"
	set_args sleep 1000
	run_detached "$ID"
	assert_success
	pid=$(container_pid "$ID")
	dir=$(pids_cgroup_dir "$pid")
	[ -n "$dir" ]
	[ "$dir" != /sys/fs/cgroup/pids/ ]
	[ -d "$dir" ]

	rt kill "$ID" KILL
	wait_status "$ID" stopped
	run rt delete "$ID"
	assert_success
	[ ! -d "$dir" ]
}

@test "delete of an unknown container fails" {
	run rt delete nosuchcontainer
	assert_failure
}

@test "the id can be reused after delete" {
	set_args sh -c 'echo first'
	run run_foreground "$ID"
	assert_success
	assert_output first

	set_args sh -c 'echo second'
	create_container "$ID"
	assert_success
	rt start "$ID"
	wait_status "$ID" stopped
	[ "$(container_stdout "$ID")" = second ]
	run rt delete "$ID"
	assert_success
}

@test "delete of one container leaves the others alone" {
	set_args sleep 1000
	run_detached "$ID-a"
	assert_success
	run_detached "$ID-b"
	assert_success

	run rt delete --force "$ID-a"
	assert_success
	[ "$(container_status "$ID-b")" = running ]
	run rt list -q
	assert_output "$ID-b"
}

@test "delete --force of a container whose state.json is unreadable removes its state and says so" {
	skip_if_runc "tote-specific recovery"
	set_args sleep 1000
	create_container "$ID"
	assert_success
	pid=$(container_pid "$ID")
	track_pid "$pid"
	echo garbage >"$ROOT_DIR/$ID/state.json"
	run rt state "$ID"
	assert_failure
	assert_output --partial "delete --force $ID"
	run rt delete --force "$ID"
	assert_success
	assert_output --partial "state.json is unreadable"
	[ ! -e "$ROOT_DIR/$ID" ]
	# its processes are not known to tote any more: the test's teardown
	# kills the init it tracked and removes the cgroup
}

@test "create SIGKILLed half way: delete --force removes its state, cgroup and processes" {
	skip_if_runc "runc 1.1 leaves the cgroups of a create it did not finish"
	# a createRuntime hook holds create after the cgroup and the init exist
	update_config '.hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c", "echo $$ >" + $d + "/hook.pid; exec sleep 30"]}]' -- \
		--arg d "$TEST_DIR"
	set_args true
	track_id "$ID"
	rt create --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 &
	local create=$!
	wait_for_file "$TEST_DIR/hook.pid"
	track_pid "$(cat "$TEST_DIR/hook.pid")"
	[ -n "$(our_cgroup_dirs "$ID")" ] || fail "no cgroup made yet"
	# timeout(1) runs the runtime as its child: kill both
	pkill -9 -P "$create" 2>/dev/null || true
	kill -9 "$create" 2>/dev/null || true
	wait "$create" 2>/dev/null || true
	run rt delete --force "$ID"
	assert_success
	[ ! -e "$ROOT_DIR/$ID" ] || fail "state left: $(ls "$ROOT_DIR/$ID")"
	[ -z "$(our_cgroup_dirs "$ID")" ] || fail "cgroup left: $(our_cgroup_dirs "$ID")"
	local p
	for p in /proc/[0-9]*; do
		[ "$p/root" -ef "$BUNDLE/rootfs" ] && fail "process ${p#/proc/} is still in the rootfs"
	done
	true
}
