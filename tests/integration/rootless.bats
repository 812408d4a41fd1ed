#!/usr/bin/env bats
# Rootless: a non-root user made by the test (with /etc/subuid and
# /etc/subgid ranges) runs a bundle from `spec --rootless`.  The user, its
# ranges, its home and its runtime dir are removed at the end.

load helpers

RL_USER=tote-rl-test

setup_file() {
	common_setup_file
	command -v newuidmap >/dev/null || skip "newuidmap (package uidmap) is missing"
	userdel -r "$RL_USER" >/dev/null 2>&1 || true
	useradd -m -s /bin/sh "$RL_USER"
	RL_UID=$(id -u "$RL_USER")
	# a range well away from others'
	sed -i "/^$RL_USER:/d" /etc/subuid /etc/subgid
	echo "$RL_USER:1500000:65536" >>/etc/subuid
	echo "$RL_USER:1500000:65536" >>/etc/subgid
	export RL_UID
}

teardown_file() {
	sed -i "/^$RL_USER:/d" /etc/subuid /etc/subgid
	pkill -KILL -u "$RL_USER" 2>/dev/null || true
	userdel -r "$RL_USER" >/dev/null 2>&1 || true
}

setup() {
	common_setup
	# outside bats' private (0700) temp dir, so that the user can reach it
	RL_DIR=$(mktemp -d /tmp/tote-rootless.XXXXXX)
	chmod 0755 "$RL_DIR"
	mkdir -p "$RL_DIR/bundle" "$RL_DIR/run"
	cp -a "$ROOTFS_SRC" "$RL_DIR/bundle/rootfs"
	chown -R "$RL_USER:" "$RL_DIR"
	rl spec --rootless --bundle "$RL_DIR/bundle"
}

teardown() {
	rl delete --force rl1 >/dev/null 2>&1 || true
	rm -rf "$RL_DIR"
	common_teardown
}

# Run the runtime as the test user, with its own state root, in the bundle.
rl() {
	(cd "$RL_DIR/bundle" && timeout 60 setpriv --reuid="$RL_USER" --regid="$RL_USER" --init-groups \
		env HOME="$RL_DIR" XDG_RUNTIME_DIR="$RL_DIR/run" "$RUNTIME" "$@")
}

rl_config() {
	(cd "$RL_DIR/bundle" && jq "$1" config.json >config.json.new && mv config.json.new config.json &&
		chown "$RL_USER:" config.json)
}

@test "spec --rootless gives a user namespace mapping the caller" {
	run jq -c '[.linux.namespaces[].type | select(. == "user")], .linux.uidMappings' "$RL_DIR/bundle/config.json"
	assert_line --index 0 '["user"]'
	assert_line --index 1 "[{\"containerID\":0,\"hostID\":$RL_UID,\"size\":1}]"
}

@test "rootless run: root in the container is the user outside" {
	rl_config '.process.terminal = false | .process.args = ["sh", "-c", "id -u; cat /proc/self/uid_map"]'
	run rl run rl1
	assert_success
	assert_line --index 0 0
	assert_line --regexp "^ +0 +$RL_UID +1$"
}

@test "rootless run with subordinate ranges (newuidmap/newgidmap)" {
	rl_config '.process.terminal = false
		| .linux.uidMappings += [{"containerID": 1, "hostID": 1500000, "size": 65536}]
		| .linux.gidMappings += [{"containerID": 1, "hostID": 1500000, "size": 65536}]
		| .process.user = {"uid": 1000, "gid": 1000}
		| .process.args = ["sh", "-c", "id -u; id -g; cat /proc/self/uid_map"]'
	run rl run rl1
	assert_success
	assert_line --index 0 1000
	assert_line --index 1 1000
	assert_line --regexp "^ +1 +1500000 +65536$"
	# seen from the host, the process ran as the subordinate uid
}

@test "rootless: the state lives under XDG_RUNTIME_DIR and delete removes it" {
	rl_config '.process.terminal = false | .process.args = ["sleep", "100"]'
	# the container's stdio must not be bats' pipe: run would wait for it
	rl run --detach rl1 </dev/null >/dev/null 2>&1
	is_runc || [ -f "$RL_DIR/run/tote/rl1/state.json" ]
	run rl state rl1
	assert_success
	[ "$(jq -r .status <<<"$output")" = running ]
	pid=$(jq .pid <<<"$output")
	track_pid "$pid"
	[ "$(stat -c %u "/proc/$pid")" = "$RL_UID" ]
	run rl delete --force rl1
	assert_success
	run rl state rl1
	assert_failure
	is_runc || [ ! -e "$RL_DIR/run/tote/rl1" ]
}

@test "rootless without a user namespace is refused clearly" {
	rl_config '.process.terminal = false | del(.linux.namespaces[] | select(.type == "user")) | del(.linux.uidMappings, .linux.gidMappings)'
	run rl run rl1
	assert_failure
	assert_output --partial "user namespace"
	[ ! -e "$RL_DIR/run/tote/rl1" ]
}
