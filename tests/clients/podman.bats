#!/usr/bin/env bats
# podman drives the runtime under test (podman --runtime PATH), as users of
# podman would: run attached, -d, -it, exec, logs, stop, kill, rm, ps,
# inspect.  podman keeps everything of these tests (images, containers,
# conmon state) under a temporary --root/--runroot, removed at the end.
# podman hands the runtime its default seccomp profile (containers-common's)
# unless told otherwise; the ulimits are needed on hosts whose hard nofile
# limit is below podman's default.

load ../integration/helpers

setup_file() {
	common_setup_file
	command -v podman >/dev/null || skip "podman is not installed"
	export PODMAN_DIR="$BATS_RUN_TMPDIR/podman"
	mkdir -p "$PODMAN_DIR"
	tar -C "$ROOTFS_SRC" -c . | podman_cmd import -q - localhost/tote-busybox >/dev/null
}

teardown_file() {
	podman_cmd rm -af -t 0 >/dev/null 2>&1 || true
	podman_cmd system reset -f >/dev/null 2>&1 || true
	rm -rf "$PODMAN_DIR" 2>/dev/null || true
}

podman_cmd() {
	timeout 120 podman --root "$PODMAN_DIR/root" --runroot "$PODMAN_DIR/runroot" \
		--runtime "$RUNTIME" --cgroup-manager cgroupfs --events-backend file "$@"
}

OPTS=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

setup() { :; }
teardown() { podman_cmd rm -af -t 0 >/dev/null 2>&1 || true; }

@test "podman run (attached) relays output and the exit code" {
	run podman_cmd run --rm "${OPTS[@]}" localhost/tote-busybox sh -c 'echo hello from podman; exit 3'
	[ "$status" -eq 3 ]
	[[ "$output" == *"hello from podman"* ]]
}

@test "podman run -d, ps, exec, logs, stop, inspect, rm" {
	run podman_cmd run -d "${OPTS[@]}" --name web localhost/tote-busybox \
		sh -c 'echo started; trap "echo got term; exit 7" TERM; while true; do sleep 0.1; done'
	assert_success
	run podman_cmd ps --format '{{.Names}} {{.Status}}'
	assert_output --partial "web Up"
	run podman_cmd exec web sh -c 'echo in exec; cat /proc/1/cmdline | tr "\0" " "'
	assert_success
	assert_output --partial "in exec"
	assert_output --partial "sh -c echo started"
	run podman_cmd exec web sh -c 'exit 4'
	[ "$status" -eq 4 ]
	run podman_cmd logs web
	assert_output --partial started
	run podman_cmd stop -t 10 web
	assert_success
	run podman_cmd logs web
	assert_output --partial "got term"
	run podman_cmd inspect web --format '{{.State.Status}} {{.State.ExitCode}}'
	assert_output "exited 7"
	run podman_cmd rm web
	assert_success
	run podman_cmd ps -a --format '{{.Names}}'
	refute_output --partial web
}

@test "podman kill delivers the signal" {
	run podman_cmd run -d "${OPTS[@]}" --name k localhost/tote-busybox \
		sh -c 'trap "exit 9" USR1; while true; do sleep 0.1; done'
	assert_success
	run podman_cmd kill -s USR1 k
	assert_success
	run podman_cmd wait k
	assert_output 9
}

# The sleeps after tty: podman may miss the last output of a container that
# exits at once after writing it (it happens with runc too, about 1 in 5
# runs here); the terminal is what these tests check, not that race.
@test "podman run -it gives a terminal" {
	command -v script >/dev/null || skip "script (util-linux) is missing"
	run timeout 60 script -qec "podman --root $PODMAN_DIR/root --runroot $PODMAN_DIR/runroot --runtime $RUNTIME --cgroup-manager cgroupfs --events-backend file run --rm -it ${OPTS[*]} localhost/tote-busybox sh -c 'tty; sleep 0.5; exit 5'" /dev/null
	[ "$status" -eq 5 ]
	assert_output --partial /dev/pts/0
}

@test "podman exec -it gives a terminal" {
	command -v script >/dev/null || skip "script (util-linux) is missing"
	run podman_cmd run -d "${OPTS[@]}" --name t localhost/tote-busybox sleep 100
	assert_success
	run timeout 60 script -qec "podman --root $PODMAN_DIR/root --runroot $PODMAN_DIR/runroot --runtime $RUNTIME --cgroup-manager cgroupfs --events-backend file exec -it t sh -c 'tty; sleep 0.5; exit 6'" /dev/null
	[ "$status" -eq 6 ]
	assert_output --partial /dev/pts/
}

@test "podman's seccomp profiles reach the container: default, unconfined, custom" {
	run podman_cmd run --rm "${OPTS[@]}" localhost/tote-busybox grep Seccomp: /proc/self/status
	assert_success
	assert_output --partial "$(printf 'Seccomp:\t2')"
	run podman_cmd run --rm "${OPTS[@]}" --security-opt seccomp=unconfined localhost/tote-busybox \
		grep Seccomp: /proc/self/status
	assert_output --partial "$(printf 'Seccomp:\t0')"
	# a profile of our own (podman's format) that refuses mkdir with EACCES
	cat >"$PODMAN_DIR/nomkdir.json" <<-'EOF'
	{"defaultAction": "SCMP_ACT_ALLOW",
	 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}
	EOF
	run podman_cmd run --rm "${OPTS[@]}" --security-opt seccomp="$PODMAN_DIR/nomkdir.json" \
		localhost/tote-busybox sh -c 'mkdir /tmp/d; echo "mkdir=$?"; touch /tmp/f && echo touched'
	assert_output --partial "Permission denied"
	assert_output --partial "mkdir=1"
	assert_output --partial touched
}
