#!/usr/bin/env bats
# create / start / state / delete and run, as in runtime.md "Lifecycle".

load helpers

# A container whose process marks that it started, then waits until the
# host creates /tmp/go in its rootfs, then exits with 3.
gated_process() {
	set_args sh -c 'touch /tmp/started; while [ ! -e /tmp/go ]; do sleep 0.05; done; exit 3'
}

@test "create: state is created, pid set, user process not run yet" {
	gated_process
	create_container "$ID"
	assert_success

	run rt state "$ID"
	assert_success
	[ "$(jq -r .status <<<"$output")" = created ]
	[ "$(jq -r .id <<<"$output")" = "$ID" ]
	pid=$(jq -r .pid <<<"$output")
	[ "$pid" -gt 0 ]
	[ -d "/proc/$pid" ]
	# process.args must not be applied before start
	[ ! -e "$BUNDLE/rootfs/tmp/started" ]
}

@test "start: created -> running, then the process exits -> stopped" {
	gated_process
	create_container "$ID"
	assert_success
	pid=$(container_pid "$ID")

	run rt start "$ID"
	assert_success
	wait_for_file "$BUNDLE/rootfs/tmp/started"
	[ "$(container_status "$ID")" = running ]
	# the pid reported at create is the container process after start
	[ "$(container_pid "$ID")" = "$pid" ]

	touch "$BUNDLE/rootfs/tmp/go"
	wait_status "$ID" stopped
}

@test "delete: a stopped container is gone afterwards" {
	set_args true
	create_container "$ID"
	assert_success
	run rt start "$ID"
	assert_success
	wait_status "$ID" stopped

	run rt delete "$ID"
	assert_success
	run rt state "$ID"
	assert_failure
	run rt list -q
	assert_success
	refute_listed "$ID" "$output"
}

@test "start on a running container fails and leaves it running" {
	gated_process
	create_container "$ID"
	assert_success
	run rt start "$ID"
	assert_success
	wait_for_file "$BUNDLE/rootfs/tmp/started"
	rm "$BUNDLE/rootfs/tmp/started"

	run rt start "$ID"
	assert_failure
	[ "$(container_status "$ID")" = running ]
	# the process was not started a second time
	[ ! -e "$BUNDLE/rootfs/tmp/started" ]
}

@test "start on a stopped container fails" {
	set_args true
	create_container "$ID"
	assert_success
	run rt start "$ID"
	assert_success
	wait_status "$ID" stopped

	run rt start "$ID"
	assert_failure
	[ "$(container_status "$ID")" = stopped ]
}

@test "start, state, delete of an unknown container fail" {
	run rt start nosuchcontainer
	assert_failure
	run rt state nosuchcontainer
	assert_failure
	run rt delete nosuchcontainer
	assert_failure
}

@test "config.json changes after create do not affect the container" {
	set_args sh -c 'echo original'
	create_container "$ID"
	assert_success
	set_args sh -c 'echo changed'
	update_config '.hostname = "changed"'

	run rt start "$ID"
	assert_success
	wait_status "$ID" stopped
	[ "$(container_stdout "$ID")" = original ]
}

@test "run: foreground returns the container's exit code" {
	set_args sh -c 'exit 42'
	run run_foreground "$ID"
	[ "$status" -eq 42 ]

	make_bundle "$BUNDLE"
	set_args true
	run run_foreground "$ID-b"
	assert_success
}

@test "run: foreground relays stdout and stderr" {
	set_args sh -c 'echo to-out; echo to-err >&2'
	run --separate-stderr run_foreground "$ID"
	assert_success
	[ "$output" = to-out ]
	[ "$stderr" = to-err ]
}

@test "run: the container is deleted after a foreground run" {
	set_args true
	run run_foreground "$ID"
	assert_success
	run rt state "$ID"
	assert_failure
}

@test "run --detach: returns while the container keeps running" {
	gated_process
	run_detached "$ID"
	assert_success
	wait_for_file "$BUNDLE/rootfs/tmp/started"
	[ "$(container_status "$ID")" = running ]
	touch "$BUNDLE/rootfs/tmp/go"
	wait_status "$ID" stopped
}

@test "create --pid-file writes the container pid" {
	set_args sleep 100
	create_container --pid-file "$TEST_DIR/pidfile" "$ID"
	assert_success
	[ -s "$TEST_DIR/pidfile" ]
	[ "$(cat "$TEST_DIR/pidfile")" = "$(container_pid "$ID")" ]
}

@test "state: JSON has the spec fields and runc's extras" {
	update_config '.annotations = {"org.example.key": "value", "other": "x y"}'
	set_args sleep 100
	create_container "$ID"
	assert_success

	run rt state "$ID"
	assert_success
	state=$output
	for key in ociVersion id status pid bundle annotations created owner rootfs; do
		jq -e --arg k "$key" 'has($k)' <<<"$state" >/dev/null || fail "state lacks $key: $state"
	done
	[ "$(jq -r .id <<<"$state")" = "$ID" ]
	[ "$(jq -r .status <<<"$state")" = created ]
	[ "$(jq -r .bundle <<<"$state")" = "$(realpath "$BUNDLE")" ]
	[ "$(jq -r .rootfs <<<"$state")" = "$(realpath "$BUNDLE/rootfs")" ]
	jq -e '.ociVersion | test("^[0-9]+\\.[0-9]+\\.[0-9]+")' <<<"$state" >/dev/null
	# created: RFC 3339 timestamp
	jq -e '.created | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}")' <<<"$state" >/dev/null
	[ "$(jq -c .annotations <<<"$state")" = '{"org.example.key":"value","other":"x y"}' ]
	# the pid is the container's process, in the container's pid namespace
	pid=$(jq -r .pid <<<"$state")
	[ "$(readlink /proc/$pid/ns/pid)" != "$(readlink /proc/self/ns/pid)" ]
}

@test "state: a relative --bundle is reported as an absolute path" {
	set_args sleep 100
	track_id "$ID"
	cd "$TEST_DIR"
	rt create --bundle bundle "$ID" </dev/null >/dev/null 2>&1
	cd /
	[ "$(container_status "$ID")" = created ]
	[ "$(rt state "$ID" | jq -r .bundle)" = "$(realpath "$BUNDLE")" ]
}

@test "create with the bundle as the current directory (no --bundle)" {
	set_args sh -c 'echo from-cwd-bundle'
	track_id "$ID"
	(cd "$BUNDLE" && rt create "$ID" </dev/null >"$OUT_DIR/$ID.out" 2>&1)
	run rt start "$ID"
	assert_success
	wait_status "$ID" stopped
	[ "$(container_stdout "$ID")" = from-cwd-bundle ]
}
