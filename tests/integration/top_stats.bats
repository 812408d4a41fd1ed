#!/usr/bin/env bats
# tote top, stats, pause and unpause on a running container (tote run -d,
# removed by teardown with rm -f).

load tote_helpers

setup_file() {
	rootfs_tarball
}

setup() { store_setup; }

teardown() {
	tote unpause bg >/dev/null 2>&1 || true
	store_teardown
}

# start_bg ARGS... — tote run -d --name bg ARGS, running $BG_CMD (default:
# a shell that sleeps)
start_bg() {
	tote run -d --name bg "$@" t/bb:1 sh -c "${BG_CMD:-trap 'exit 0' TERM; sleep 600 & wait}" >/dev/null
}

@test "top: the container's processes as ps shows them, with ps options" {
	start_bg
	run -0 tote top bg
	assert_line --index 0 --regexp '^UID +PID +PPID +C +STIME +TTY +TIME +CMD$'
	assert_line --regexp "sh -c trap 'exit 0' TERM; sleep 600 & wait\$"
	assert_line --regexp ' sleep 600$'
	[ "${#lines[@]}" -eq 3 ]
	run -0 tote top bg -o pid,comm
	assert_line --index 0 --regexp '^ *PID COMMAND$'
	assert_line --regexp '^ *[0-9]+ sleep$'
	# options that select processes themselves (aux: all of the host's)
	# still show only the container's: ps's lines are filtered by PID
	run -0 tote top bg aux
	assert_line --index 0 --regexp '^USER +PID '
	[ "${#lines[@]}" -eq 3 ]
	# no PID column: nothing to filter by (docker refuses it too)
	run -125 tote top bg -o comm
	assert_output --partial "no PID column"
	# the pids are the container's, as the host sees them
	local pid
	pid=$(tote top bg -o pid | sed -n 2p | tr -d ' ')
	[ "$(cat "/proc/$pid/cgroup" | grep -c "$(tote ps -q --no-trunc | head -1)")" -ge 1 ]
}

@test "stats --no-stream: docker's columns, the memory limit, the processes" {
	start_bg -m 64m
	run -0 tote stats --no-stream
	assert_line --index 0 --regexp '^CONTAINER ID +NAME +CPU % +MEM USAGE / LIMIT +MEM % +NET I/O +BLOCK I/O +PIDS$'
	assert_line --index 1 --regexp '^[0-9a-f]{12} +bg +[0-9.]+% +[0-9.]+[KMG]?i?B / 64MiB +[0-9.]+% +[0-9.]+[kMG]?B / [0-9.]+[kMG]?B +[0-9.]+[kMG]?B / [0-9.]+[kMG]?B +2$'
	[ "${#lines[@]}" -eq 2 ]
	run -0 tote stats --no-stream --no-trunc bg
	assert_line --index 1 --regexp '^[0-9a-f]{64} +bg '
}

@test "stats streams until interrupted; a busy container shows its CPU, held by --cpus" {
	BG_CMD='yes >/dev/null' start_bg --cpus 0.5
	run timeout -s INT 6 "$TOTE" --root "$STORE" stats bg
	[ "$(grep -c '^CONTAINER ID' <<<"$output")" -ge 2 ]
	# busy, and the cgroup holds it to half a CPU (how busy depends on the
	# machine's load: only the cap is asserted)
	local cpu
	cpu=$(grep ' bg ' <<<"$output" | tail -1 | awk '{ print $3 }' | tr -d %)
	awk -v c="$cpu" 'BEGIN { exit !(c > 0 && c < 70) }'
}

@test "pause and unpause: the processes are frozen and thawed; both print the name" {
	start_bg
	run -0 tote pause bg
	[ "$output" = bg ]
	run -0 tote top bg -o pid,stat
	refute_line --regexp '^ *[0-9]+ +[RS]'
	run -0 tote unpause bg
	[ "$output" = bg ]
	run -0 tote top bg -o pid,stat
	refute_line --regexp '^ *[0-9]+ +D'
}

@test "top, stats, pause of an unknown or stopped container: clear errors" {
	tote run --name done t/bb:1 true
	run -125 --separate-stderr tote top nope
	[ "$stderr" = "tote: no container nope (see tote ps -a)" ]
	run -125 --separate-stderr tote top done
	[ "$stderr" = "tote: container done is not running" ]
	run -1 --separate-stderr tote pause done
	[ "$stderr" = "tote: container done is not running" ]
	run -125 --separate-stderr tote stats --no-stream nope
	run -0 tote stats --no-stream
	[ "${#lines[@]}" -eq 1 ]
}

@test "a paused container: inspect says paused; stop (SIGKILL after -t) and rm -f reach it, as docker's" {
	start_bg
	run -0 tote pause bg
	run -0 tote inspect bg
	[ "$(jq -c '.[0].State | [.Status, .Running, .Paused]' <<<"$output")" = '["paused",true,true]' ]
	run -0 tote stop -t 1 bg
	run -0 tote inspect bg
	[ "$(jq -c '.[0].State | [.Status, .Paused, .ExitCode]' <<<"$output")" = '["exited",false,137]' ]
	tote start bg >/dev/null
	run -0 tote pause bg
	run -0 tote rm -f bg
	run -0 tote ps -a -q
	[ -z "$output" ]
}
