#!/usr/bin/env bats
# --restart policies carried out by the monitor, tote restart, and
# --stop-signal / --stop-timeout as tote stop uses them.

load tote_helpers

setup_file() {
	rootfs_tarball
}

setup() { store_setup; }
teardown() { store_teardown; }

# wait_exited NAME — until ps says it exited (at most 10 s)
wait_exited() {
	local i
	for i in $(seq 100); do
		[ "$(tote inspect "$1" | jq -r '.[0].State.Status')" = exited ] && return 0
		sleep 0.1
	done
	return 1
}

@test "--restart on-failure:N: run again after each failure, N times at most; the count and policy in inspect" {
	run -0 tote run -d --name f --restart on-failure:2 t/bb:1 sh -c 'echo run; exit 3'
	wait_exited f
	run -0 tote logs f
	[ "$output" = $'run\nrun\nrun' ]
	run -0 tote inspect f
	[ "$(jq -c '.[0] | [.RestartCount, .State.ExitCode, .HostConfig.RestartPolicy]' <<<"$output")" = \
		'[2,3,{"Name":"on-failure","MaximumRetryCount":2}]' ]
}

@test "--restart on-failure: a clean exit is not restarted" {
	run -0 tote run -d --name ok --restart on-failure t/bb:1 sh -c 'echo once'
	wait_exited ok
	sleep 0.5
	[ "$(tote logs ok)" = once ]
	[ "$(tote inspect ok | jq '.[0].RestartCount')" = 0 ]
}

@test "--restart always: runs again after a clean exit, until tote stop (which it obeys at once)" {
	run -0 tote run -d --name a --restart always t/bb:1 sh -c 'echo up; sleep 0.1'
	local i
	for i in $(seq 150); do
		[ "$(tote inspect a | jq '.[0].RestartCount')" -ge 2 ] && break
		sleep 0.1
	done
	[ "$(tote inspect a | jq '.[0].RestartCount')" -ge 2 ]
	run -0 tote stop -t 5 a
	[ "$(tote inspect a | jq -r '.[0].State.Status')" = exited ]
	local count
	count=$(tote inspect a | jq '.[0].RestartCount')
	sleep 1
	# stopped by the user: no more restarts
	[ "$(tote inspect a | jq '.[0].RestartCount')" = "$count" ]
	[ "$(tote inspect a | jq -r '.[0].State.Status')" = exited ]
	# a start makes the policy hold again
	run -0 tote start a
	for i in $(seq 150); do
		[ "$(tote inspect a | jq '.[0].RestartCount')" -gt "$count" ] && break
		sleep 0.1
	done
	[ "$(tote inspect a | jq '.[0].RestartCount')" -gt "$count" ]
}

@test "--restart with tote kill: killed by a user, not run again" {
	run -0 tote run -d --name k --restart always t/bb:1 sleep 100
	run -0 tote kill k
	wait_exited k
	sleep 0.5
	[ "$(tote inspect k | jq -r '.[0].State | [.Status, .ExitCode] | @tsv')" = $'exited\t137' ]
	[ "$(tote inspect k | jq '.[0].RestartCount')" = 0 ]
}

@test "--restart: bad policies and --rm are refused" {
	run -125 --separate-stderr tote run --restart sometimes t/bb:1 true
	[[ "$stderr" == *"--restart sometimes: no, always, unless-stopped, on-failure or on-failure:N"* ]]
	run -125 --separate-stderr tote run --restart on-failure:0 t/bb:1 true
	run -125 --separate-stderr tote run --rm --restart always t/bb:1 true
	[[ "$stderr" == *"--restart always and --rm conflict"* ]]
	[ -z "$(tote ps -a -q)" ]
}

@test "tote restart: stops (as tote stop) and starts again; a stopped one is started" {
	run -0 tote run -d --name r t/bb:1 sh -c 'echo "start $$"; trap "exit 0" TERM; sleep 100 & wait'
	local first
	first=$(tote inspect r | jq '.[0].State.Pid')
	run -0 tote restart -t 5 r
	[ "$output" = r ]
	[ "$(tote inspect r | jq -r '.[0].State.Status')" = running ]
	[ "$(tote inspect r | jq '.[0].State.Pid')" != "$first" ]
	[ "$(tote logs r | grep -c '^start 1$')" = 2 ]
	tote stop -t 0 r >/dev/null
	run -0 tote restart r
	[ "$(tote inspect r | jq -r '.[0].State.Status')" = running ]
	run -1 --separate-stderr tote restart nope
	[ "$stderr" = "tote: no container nope (see tote ps -a)" ]
}

@test "--stop-signal and --stop-timeout: what tote stop sends, and how long it waits before SIGKILL" {
	run -0 tote run -d --name s --stop-signal USR1 --stop-timeout 1 t/bb:1 \
		sh -c 'trap "echo got-usr1" USR1; while true; do sleep 0.1; done'
	local t0 t1
	t0=$(date +%s%N)
	run -0 tote stop s
	t1=$(date +%s%N)
	# USR1 was handled (not an exit), so SIGKILL after the container's own 1 s
	[ "$(tote logs s)" = got-usr1 ]
	[ "$(tote inspect s | jq '.[0].State.ExitCode')" = 137 ]
	[ $(((t1 - t0) / 1000000)) -ge 900 ]
	[ $(((t1 - t0) / 1000000)) -lt 5000 ]
	[ "$(tote inspect s | jq -c '.[0].Config | [.StopSignal, .StopTimeout]')" = '["USR1",1]' ]
	run -125 --separate-stderr tote run --stop-signal NOPE t/bb:1 true
	[[ "$stderr" == *"--stop-signal NOPE: no such signal"* ]]
	run -125 --separate-stderr tote run --stop-timeout -5 t/bb:1 true
}
