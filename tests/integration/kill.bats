#!/usr/bin/env bats
# kill: signal names with and without SIG, numbers, --all, default SIGTERM.

load helpers

# The container's init records every signal it receives as one line in
# /tmp/signals (trapped signals: TERM USR1 USR2 HUP) and exits on "quit".
signal_recorder() {
	set_args sh -c '
		for s in TERM USR1 USR2 HUP; do trap "echo $s >>/tmp/signals" $s; done
		touch /tmp/ready
		while [ ! -e /tmp/quit ]; do sleep 0.05; done'
	run_detached "$ID"
	assert_success
	wait_for_file "$BUNDLE/rootfs/tmp/ready"
}

# wait_signals N — until /tmp/signals in the container has N lines.
wait_signals() {
	local i lines
	for ((i = 0; i < 200; i++)); do
		lines=()
		[ -f "$BUNDLE/rootfs/tmp/signals" ] && mapfile -t lines <"$BUNDLE/rootfs/tmp/signals"
		[ "${#lines[@]}" -ge "$1" ] && return 0
		nap
	done
	return 1
}

signals_received() { cat "$BUNDLE/rootfs/tmp/signals"; }

@test "kill without a signal sends SIGTERM" {
	signal_recorder
	run rt kill "$ID"
	assert_success
	wait_signals 1
	[ "$(signals_received)" = TERM ]
}

@test "kill accepts names with and without SIG and numbers" {
	signal_recorder
	rt kill "$ID" USR1
	wait_signals 1
	rt kill "$ID" SIGUSR2
	wait_signals 2
	rt kill "$ID" 1 # SIGHUP
	wait_signals 3
	rt kill "$ID" SIGTERM
	wait_signals 4
	[ "$(signals_received | tr '\n' ' ')" = "USR1 USR2 HUP TERM " ]
	[ "$(container_status "$ID")" = running ]
}

@test "kill KILL, SIGKILL and 9 stop the container" {
	local sig
	for sig in KILL SIGKILL 9; do
		set_args sleep 1000
		run_detached "$ID-$sig"
		assert_success
		pid=$(container_pid "$ID-$sig")
		run rt kill "$ID-$sig" "$sig"
		assert_success
		wait_status "$ID-$sig" stopped
		wait_pid_gone "$pid"
	done
}

@test "kill --all reaches every process in the container" {
	signal_recorder
	# a second process that records USR1 in its own file
	rt exec --detach "$ID" sh -c 'trap "echo USR1 >/tmp/second" USR1; touch /tmp/second-ready; while [ ! -e /tmp/quit ]; do sleep 0.05; done' \
		</dev/null >/dev/null 2>&1
	wait_for_file "$BUNDLE/rootfs/tmp/second-ready"

	run rt kill --all "$ID" USR1
	assert_success
	wait_signals 1
	wait_for_file "$BUNDLE/rootfs/tmp/second"
	[ "$(signals_received)" = USR1 ]
	[ "$(cat "$BUNDLE/rootfs/tmp/second")" = USR1 ]
}

@test "kill without --all does not signal other processes" {
	signal_recorder
	rt exec --detach "$ID" sh -c 'trap "echo USR1 >/tmp/second" USR1; touch /tmp/second-ready; while [ ! -e /tmp/quit ]; do sleep 0.05; done' \
		</dev/null >/dev/null 2>&1
	wait_for_file "$BUNDLE/rootfs/tmp/second-ready"

	run rt kill "$ID" USR1
	assert_success
	wait_signals 1
	# init got it; then let init pass a marker through the same path as a
	# second signal, so we know any delivery to the other process is done
	rt kill "$ID" USR2
	wait_signals 2
	[ ! -e "$BUNDLE/rootfs/tmp/second" ]
}

@test "kill --all KILL stops every process" {
	set_args sh -c 'sleep 1000 & sleep 1000 & wait'
	run_detached "$ID"
	assert_success
	run rt ps --format json "$ID"
	pids=$(jq -r '.[]' <<<"$output")
	run rt kill --all "$ID" KILL
	assert_success
	wait_status "$ID" stopped
	for p in $pids; do wait_pid_gone "$p"; done
}

@test "kill of a stopped container fails" {
	set_args true
	run_detached "$ID"
	assert_success
	wait_status "$ID" stopped
	run rt kill "$ID" KILL
	assert_failure
	[ "$(container_status "$ID")" = stopped ]
}

@test "kill with an unknown signal fails and leaves the container running" {
	signal_recorder
	run rt kill "$ID" NOSUCHSIGNAL
	assert_failure
	run rt kill "$ID" SIGNOPE
	assert_failure
	[ "$(container_status "$ID")" = running ]
	[ ! -e "$BUNDLE/rootfs/tmp/signals" ]
}

@test "kill of an unknown container fails" {
	run rt kill nosuchcontainer KILL
	assert_failure
}

@test "kill of a created container is allowed (spec: created or running)" {
	set_args true
	create_container "$ID"
	assert_success
	pid=$(container_pid "$ID")
	run rt kill "$ID" KILL
	assert_success
	wait_pid_gone "$pid"
	wait_status "$ID" stopped
}
