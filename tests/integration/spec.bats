#!/usr/bin/env bats
# spec: writes a config.json that run can use.

load helpers

# validate_config FILE — FILE against the OCI config schema (see validate_json).
validate_config() { validate_json config-schema.json "$1"; }

@test "spec writes config.json in the current directory" {
	mkdir "$TEST_DIR/spec"
	cd "$TEST_DIR/spec"
	run rt spec
	assert_success
	[ -f config.json ]
	jq -e . config.json >/dev/null
	jq -e '.ociVersion and .process and .root.path == "rootfs"' config.json >/dev/null
}

@test "spec --bundle writes config.json in the bundle" {
	mkdir "$TEST_DIR/spec"
	run rt spec --bundle "$TEST_DIR/spec"
	assert_success
	[ -f "$TEST_DIR/spec/config.json" ]
	jq -e .ociVersion "$TEST_DIR/spec/config.json" >/dev/null
}

@test "spec refuses to overwrite an existing config.json" {
	mkdir "$TEST_DIR/spec"
	echo '{"keep": "me"}' >"$TEST_DIR/spec/config.json"
	run rt spec --bundle "$TEST_DIR/spec"
	assert_failure
	[ "$(jq -c . "$TEST_DIR/spec/config.json")" = '{"keep":"me"}' ]
}

@test "spec output is valid against the OCI config schema" {
	mkdir "$TEST_DIR/spec"
	rt spec --bundle "$TEST_DIR/spec"
	validate_config "$TEST_DIR/spec/config.json"
}

@test "the test template is valid against the OCI config schema" {
	validate_config "$TEMPLATE"
}

@test "run works with the spec config with only args changed" {
	command -v script >/dev/null || skip "script(1) not installed"
	mkdir "$TEST_DIR/spec"
	rt spec --bundle "$TEST_DIR/spec"
	cp -a "$ROOTFS_SRC" "$TEST_DIR/spec/rootfs"
	BUNDLE="$TEST_DIR/spec"
	set_args probe
	track_id "$ID"
	# the default spec asks for a terminal: give the runtime one via script(1)
	cmd="$(printf '%q ' "$RUNTIME" --root "$ROOT_DIR" run --bundle "$BUNDLE" "$ID")"
	run timeout 60 script -qec "$cmd" /dev/null </dev/null
	assert_success
	# the probe's one line of JSON, without the carriage returns and what
	# the pty echoed around it (script(1) may send an EOF byte that the
	# container's terminal echoes as ^@)
	PROBE=$(tr -d '\r' <<<"$output" | grep -ao '{"argv".*}' | head -1)
	jq -e . >/dev/null <<<"$PROBE" || fail "not JSON: $PROBE"
	[ "$(pj .pid)" = 1 ]
	[ "$(pj .tty.\"0\")" = true ]
	[ "$(pj .no_new_privs)" = 1 ]
	[ "$(pj '[.mounts[] | select(.target == "/") | .options | split(",") | index("ro") != null] | .[0]')" = true ]
}

@test "spec --rootless maps the current user and adds a user namespace" {
	mkdir "$TEST_DIR/spec"
	run rt spec --rootless --bundle "$TEST_DIR/spec"
	assert_success
	c="$TEST_DIR/spec/config.json"
	[ "$(jq '[.linux.namespaces[] | select(.type == "user")] | length' "$c")" = 1 ]
	[ "$(jq '[.linux.namespaces[] | select(.type == "network")] | length' "$c")" = 0 ]
	[ "$(jq -c '.linux.uidMappings' "$c")" = "[{\"containerID\":0,\"hostID\":$(id -u),\"size\":1}]" ]
	[ "$(jq -c '.linux.gidMappings' "$c")" = "[{\"containerID\":0,\"hostID\":$(id -g),\"size\":1}]" ]
	[ "$(jq '.linux.resources // {} | length' "$c")" = 0 ]
}
