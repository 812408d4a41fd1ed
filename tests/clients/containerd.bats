#!/usr/bin/env bats
# containerd 1.6 (runc v2 shim, `ctr run --runc-binary`) drives the runtime
# under test.  The test starts its own containerd with root, state and
# socket in a temporary directory, and stops it and removes everything at
# the end.  The shim adds --root/--log/--log-format json to every call and
# uses `ps --format json` and `kill --all`.

load ../integration/helpers

setup_file() {
	common_setup_file
	command -v containerd >/dev/null || skip "containerd is not installed"
	export CTD_DIR="$BATS_RUN_TMPDIR/containerd"
	mkdir -p "$CTD_DIR"
	cat >"$CTD_DIR/config.toml" <<-TOML
		version = 2
		root = "$CTD_DIR/root"
		state = "$CTD_DIR/state"
		disabled_plugins = ["io.containerd.grpc.v1.cri"]
		[grpc]
		  address = "$CTD_DIR/sock"
		[ttrpc]
		  address = "$CTD_DIR/sock.ttrpc"
	TOML
	containerd --config "$CTD_DIR/config.toml" >"$CTD_DIR/log" 2>&1 &
	echo $! >"$CTD_DIR/pid"
	for _ in $(seq 100); do
		[ -S "$CTD_DIR/sock" ] && break
		sleep 0.1
	done
	"$REPO/tests/helpers/mkociarchive.sh" "$ROOTFS_SRC" "$CTD_DIR/image.tar" \
		docker.io/library/tote-busybox:latest
	ctr_cmd images import "$CTD_DIR/image.tar" >/dev/null
}

teardown_file() {
	for c in $(ctr_cmd tasks ls -q 2>/dev/null); do ctr_cmd tasks kill -s KILL "$c" >/dev/null 2>&1; done
	sleep 0.2
	for c in $(ctr_cmd containers ls -q 2>/dev/null); do
		ctr_cmd tasks delete -f "$c" >/dev/null 2>&1
		ctr_cmd containers delete "$c" >/dev/null 2>&1
	done
	if [ -f "$CTD_DIR/pid" ]; then
		kill "$(cat "$CTD_DIR/pid")" 2>/dev/null
		wait_pid_gone "$(cat "$CTD_DIR/pid")" 2>/dev/null || true
	fi
	grep -E " $CTD_DIR/" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null
	done
	rm -rf "$CTD_DIR"
}

ctr_cmd() { timeout 120 ctr --address "$CTD_DIR/sock" "$@"; }

IMAGE=docker.io/library/tote-busybox:latest

setup() { CID="ct$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')"; }
teardown() {
	ctr_cmd tasks kill -s KILL "$CID" >/dev/null 2>&1
	ctr_cmd tasks delete -f "$CID" >/dev/null 2>&1
	ctr_cmd containers delete "$CID" >/dev/null 2>&1
	true
}

@test "ctr run relays output and the exit code" {
	run ctr_cmd run --runc-binary "$RUNTIME" --rm "$IMAGE" "$CID" sh -c 'echo hello from containerd; exit 3'
	[ "$status" -eq 3 ]
	assert_output --partial "hello from containerd"
}

@test "ctr run -d, tasks ps, exec, kill" {
	run ctr_cmd run -d --runc-binary "$RUNTIME" "$IMAGE" "$CID" sh -c 'trap "exit 7" TERM; while true; do sleep 0.1; done'
	assert_success
	run ctr_cmd tasks ps "$CID"
	assert_success
	[ "$(echo "$output" | tail -n +2 | grep -c .)" -ge 1 ]
	run ctr_cmd tasks exec --exec-id e1 "$CID" sh -c 'echo in exec; exit 4'
	[ "$status" -eq 4 ]
	assert_output --partial "in exec"
	run ctr_cmd tasks kill "$CID"
	assert_success
	for _ in $(seq 100); do
		ctr_cmd tasks ls | grep -q "$CID.*STOPPED" && break
		sleep 0.1
	done
	run ctr_cmd tasks ls
	assert_output --regexp "$CID +[0-9]+ +STOPPED"
	run ctr_cmd tasks delete "$CID"
	assert_success
}

@test "ctr tasks kill --all reaches every process" {
	run ctr_cmd run -d --runc-binary "$RUNTIME" "$IMAGE" "$CID" sh -c 'sleep 100 & sleep 100 & wait'
	assert_success
	run ctr_cmd tasks kill --all -s KILL "$CID"
	assert_success
	for _ in $(seq 100); do
		ctr_cmd tasks ls | grep -q "$CID.*STOPPED" && break
		sleep 0.1
	done
	run ctr_cmd tasks ls
	assert_output --regexp "$CID +[0-9]+ +STOPPED"
}
