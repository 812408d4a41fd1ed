#!/usr/bin/env bats
# Invalid bundles and requests fail cleanly: non-zero exit, a useful message,
# and nothing created (runtime.md "Errors").

load helpers

# Nothing was created: no state, an empty list, an empty root dir.
assert_nothing_created() {
	run rt state "$1"
	assert_failure
	run rt list -q
	assert_success
	assert_output ""
	[ -z "$(ls -A "$ROOT_DIR")" ] || fail "root dir not empty: $(ls -A "$ROOT_DIR")"
}

write_config() { cat >"$BUNDLE/config.json"; }

@test "malformed config.json fails and creates nothing" {
	head -c 200 "$TEMPLATE" | write_config
	create_container "$ID"
	assert_failure
	assert_nothing_created "$ID"
}

@test "malformed config.json: the error mentions config.json" {
	skip_if_runc "runc 1.1 prints only the decoder's message (e.g. 'unexpected EOF')"
	head -c 200 "$TEMPLATE" | write_config
	create_container "$ID"
	assert_failure
	assert_output --partial config.json
}

@test "malformed config.json: the error names the line and column" {
	skip_unless_tote "only tote promises the position of a syntax error"
	write_config <<-'EOF'
	{
		"ociVersion": "1.0.2",
		"process": {
			"args": ["sh",, "x"],
			"cwd": "/"
		},
		"root": {"path": "rootfs"}
	}
	EOF
	create_container "$ID"
	assert_failure
	assert_output --partial config.json
	assert_output --regexp '(line 4[^0-9].*col(umn)? [0-9]+|config\.json:4:[0-9]+)'
}

@test "a config.json value of the wrong type fails" {
	update_config '.process.args = "sh"'
	create_container "$ID"
	assert_failure
	assert_nothing_created "$ID"
}

@test "a missing config.json fails and the error mentions config.json" {
	rm "$BUNDLE/config.json"
	create_container "$ID"
	assert_failure
	assert_output --partial config.json
	assert_nothing_created "$ID"
}

@test "a missing rootfs fails" {
	rm -rf "$BUNDLE/rootfs"
	create_container "$ID"
	assert_failure
	assert_nothing_created "$ID"
}

@test "a root.path that does not exist fails" {
	update_config '.root.path = "no-such-rootfs"'
	create_container "$ID"
	assert_failure
	assert_nothing_created "$ID"
}

@test "args[0] not found: run fails and names it" {
	set_args no-such-program
	run run_foreground "$ID"
	assert_failure
	assert_output --partial no-such-program
}

@test "args[0] not found: the container never runs" {
	set_args no-such-program
	create_container "$ID"
	if [ "$status" -eq 0 ]; then
		run rt start "$ID"
		assert_failure
		[ "$(container_status "$ID")" != running ]
	fi
}

@test "args[0] not executable fails" {
	set_args /etc/passwd
	run run_foreground "$ID"
	assert_failure
}

@test "empty process.args fails" {
	update_config '.process.args = []'
	run run_foreground "$ID"
	assert_failure
}

@test "no process at all fails (start needs process)" {
	update_config 'del(.process)'
	run run_foreground "$ID"
	assert_failure
}

@test "a relative process.cwd fails" {
	update_config '.process.cwd = "relative/dir"'
	set_args true
	run run_foreground "$ID"
	assert_failure
}

@test "duplicate id: the second create fails, the first is untouched" {
	set_args sleep 1000
	create_container "$ID"
	assert_success
	pid=$(container_pid "$ID")

	make_bundle "$TEST_DIR/bundle2"
	BUNDLE="$TEST_DIR/bundle2" create_container "$ID"
	assert_failure
	[ "$(container_status "$ID")" = created ]
	[ "$(container_pid "$ID")" = "$pid" ]
	[ "$(rt state "$ID" | jq -r .bundle)" = "$(realpath "$BUNDLE")" ]
	[ -d "/proc/$pid" ]
}

@test "invalid container ids are refused" {
	set_args true
	for id in "../escape" "a/b" "" "."; do
		status=0
		rt create --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>&1 || status=$?
		if [ "$status" -eq 0 ]; then
			# teardown only knows well-formed ids: remove this one here
			rt delete --force "$id" >/dev/null 2>&1
			fail "id '$id' was accepted"
		fi
	done
	[ ! -e "$TEST_DIR/escape" ]
	[ -z "$(ls -A "$ROOT_DIR")" ]
}

@test "an unknown namespace type fails" {
	update_config '.linux.namespaces += [{type: "bogus"}]'
	set_args true
	create_container "$ID"
	assert_failure
	assert_nothing_created "$ID"
}

@test "a namespace type listed twice fails" {
	update_config '.linux.namespaces += [{type: "pid"}]'
	set_args true
	create_container "$ID"
	assert_failure
	assert_nothing_created "$ID"
}

@test "an unknown rlimit type fails" {
	update_config '.process.rlimits += [{type: "RLIMIT_BOGUS", soft: 1, hard: 1}]'
	set_args true
	run run_foreground "$ID"
	assert_failure
}

@test "an rlimit type listed twice fails" {
	skip_if_runc "runc 1.1 accepts duplicated rlimits"
	update_config '.process.rlimits += [{type: "RLIMIT_NOFILE", soft: 100, hard: 100}]'
	set_args true
	run run_foreground "$ID"
	assert_failure
}

@test "a device path where a different file exists fails" {
	skip_if_runc "runc 1.1 mounts the device over the existing file"
	update_config '.linux.devices = [{path: "/etc/passwd", type: "c", major: 1, minor: 3}]'
	set_args true
	run run_foreground "$ID"
	assert_failure
	grep -q '^tote:' "$BUNDLE/rootfs/etc/passwd"
}

@test "a mount of an unknown filesystem type fails" {
	update_config '.mounts += [{destination: "/x", type: "no-such-fs", source: "x"}]'
	set_args true
	create_container "$ID"
	assert_failure
	assert_nothing_created "$ID"
}

@test "unknown properties are ignored" {
	update_config '.xUnknown = {a: 1} | .process.xUnknown = 1 | .linux.xUnknown = [] | .root.xUnknown = true'
	set_args sh -c 'echo fine'
	run run_foreground "$ID"
	assert_success
	assert_output fine
}

@test "linux.intelRdt is reported as not supported" {
	skip_unless_tote "tote does not support Intel RDT and says so"
	update_config '.linux.intelRdt = {closID: "tote-test"}'
	set_args true
	create_container "$ID"
	assert_failure
	assert_output --partial "not supported"
	assert_nothing_created "$ID"
}

@test "create without an id fails" {
	run rt create --bundle "$BUNDLE" </dev/null
	assert_failure
	[ -z "$(ls -A "$ROOT_DIR")" ]
}

@test "a bundle that does not exist fails" {
	run rt create --bundle "$TEST_DIR/no-such-bundle" "$ID" </dev/null
	assert_failure
	[ -z "$(ls -A "$ROOT_DIR")" ]
}

@test "--systemd-cgroup: create where systemd is not running fails saying so, leaving nothing" {
	[ ! -d /run/systemd/system ] || skip "systemd is running here (the VM's systemd boot tests it)"
	skip_if_runc "runc's message differs"
	set_args true
	run rt --systemd-cgroup create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_output --partial "--systemd-cgroup: systemd is not running on this host"
	[ ! -e "$ROOT_DIR/$ID" ]
	[ -z "$(our_cgroup_dirs "$ID")" ] || fail "cgroup left: $(our_cgroup_dirs "$ID")"
	# the other commands take the flag and go by the state
	create_container "$ID"
	assert_success
	run rt --systemd-cgroup state "$ID"
	assert_success
	run rt --systemd-cgroup delete --force "$ID"
	assert_success
}
