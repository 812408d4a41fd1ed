#!/usr/bin/env bats
# events: --stats prints one stats event in runc's layout; without it, a
# stats event every --interval and an "oom" event when the OOM killer kills
# in the container, until the container stops.

load helpers

# start_container RESOURCES ARGS... — run $ID detached with
# linux.resources = RESOURCES and process.args = ARGS; set $PID.
start_container() {
	local res=$1
	shift
	set_args "$@"
	update_config '.linux.resources = $r' -- --argjson r "$res"
	run_detached "$ID"
	assert_success
	PID=$(container_pid "$ID")
	[ -n "$PID" ] && [ "$PID" != 0 ]
}

# wait_procs N — poll (bounded) until the container has N processes.
wait_procs() {
	local i n
	for ((i = 0; i < 100; i++)); do
		n=$(rt ps --format json "$ID" | jq length)
		[ "$n" = "$1" ] && return 0
		nap 0.1
	done
	echo "container $ID has $n processes, wanted $1" >&2
	return 1
}

# wait_grep PATTERN FILE — poll (bounded, 15 s) until FILE has PATTERN.
wait_grep() {
	local i
	for ((i = 0; i < 150; i++)); do
		grep -q "$1" "$2" 2>/dev/null && return 0
		nap 0.1
	done
	echo "no '$1' in $2: $(cat "$2")" >&2
	return 1
}

@test "events --stats: cpu, memory and pids, under runc's key names" {
	# a busy loop, then three processes: sh and two sleeps
	start_container '{"pids": {"limit": 64}, "memory": {"limit": 134217728}}' \
		sh -c 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; sleep 1000 & sleep 1000 & wait'
	wait_procs 3
	run --separate-stderr rt events --stats "$ID"
	assert_success
	local ev=$output
	[ "${#lines[@]}" -eq 1 ]
	[ "$(jq -r .type <<<"$ev")" = stats ]
	[ "$(jq -r .id <<<"$ev")" = "$ID" ]
	[ "$(jq -r .data.cpu.usage.total <<<"$ev")" -gt 100000000 ] # the loop took > 0.1 s
	jq -e '.data.cpu.usage.percpu | length > 0' <<<"$ev"
	jq -e '.data.cpu.usage | has("kernel") and has("user")' <<<"$ev"
	jq -e '.data.cpu | has("throttling")' <<<"$ev"
	[ "$(jq -r .data.memory.usage.usage <<<"$ev")" -gt 0 ]
	[ "$(jq -r .data.memory.usage.limit <<<"$ev")" = 134217728 ]
	jq -e '.data.memory.usage | has("max") and has("failcnt")' <<<"$ev"
	jq -e '.data.memory | has("swap") and has("kernel") and has("raw")' <<<"$ev"
	jq -e '.data.memory.raw | has("rss") or has("anon")' <<<"$ev"
	[ "$(jq -r .data.pids.current <<<"$ev")" = 3 ]
	[ "$(jq -r .data.pids.limit <<<"$ev")" = 64 ]
	jq -e '.data | has("blkio") and has("hugetlb")' <<<"$ev"
}

@test "events: a stats event every --interval" {
	start_container '{}' sleep 1000
	background rt events --interval 200ms "$ID" >"$TEST_DIR/events" 2>&1
	local bg=$BG_PID
	for ((i = 0; i < 100; i++)); do
		[ "$(grep -c '"type":"stats"' "$TEST_DIR/events")" -ge 3 ] && break
		nap 0.1
	done
	[ "$(grep -c '"type":"stats"' "$TEST_DIR/events")" -ge 3 ]
	jq -e 'select(.type == "stats") | .id == "'"$ID"'" and (.data.pids.current == 1)' \
		"$TEST_DIR/events" >/dev/null
	kill "$bg" 2>/dev/null || true
}

@test "events: an OOM kill in the container is an oom event" {
	[ -e /sys/fs/cgroup/memory/memory.oom_control ] || [ -e /sys/fs/cgroup/memory.events ] ||
		[ -e /sys/fs/cgroup/cgroup.controllers ] || skip "no memory controller"
	start_container '{"memory": {"limit": 16777216}}' sleep 1000
	background rt events --interval 500ms "$ID" >"$TEST_DIR/events" 2>&1
	local bg=$BG_PID
	# let events start watching before the OOM
	wait_grep '"type":"stats"' "$TEST_DIR/events"
	if ! is_runc; then
		# woken by the kernel, not by polling: an eventfd (v1) or inotify (v2)
		local p fds=
		for p in $(pgrep -f -- "events --interval 500ms $ID"); do
			[ "$(cat "/proc/$p/comm")" = tote-oci ] && fds+=$(ls -l "/proc/$p/fd")
		done
		grep -Eq 'anon_inode:(\[eventfd\]|inotify)' <<<"$fds" || fail "no OOM notification fd: $fds"
	fi
	# tail keeps the last "line" of /dev/zero, which never ends: it grows
	# until the OOM killer kills it
	run rt exec "$ID" tail /dev/zero
	assert_failure
	wait_grep '"type":"oom"' "$TEST_DIR/events"
	run jq -c 'select(.type == "oom")' "$TEST_DIR/events"
	assert_output --partial "{\"type\":\"oom\",\"id\":\"$ID\"}"
	kill "$bg" 2>/dev/null || true
}

@test "events: exits 0 when the container stops" {
	skip_if_runc "runc 1.1 events keeps running after the container stops"
	start_container '{}' sleep 1000
	background rt events --interval 200ms "$ID" >"$TEST_DIR/events" 2>&1
	local bg=$BG_PID
	wait_grep '"type":"stats"' "$TEST_DIR/events"
	rt kill "$ID" KILL
	# waited for here, not under `run`: a subshell cannot wait for this
	# shell's job (bash gives 255 while it runs); rt's timeout bounds a hang
	local st=0
	wait "$bg" || st=$?
	[ "$st" -eq 0 ] || fail "events exited $st: $(cat "$TEST_DIR/events")"
}

@test "events: a stopped or unknown container fails, naming it" {
	set_args true
	run_detached "$ID"
	assert_success
	wait_status "$ID" stopped
	run rt events --stats "$ID"
	assert_failure
	if ! is_runc; then
		assert_output --partial "container $ID is not running"
	fi
	run rt events --stats nosuch-container
	assert_failure
	if ! is_runc; then
		assert_output --partial "nosuch-container does not exist"
	fi
}

@test "events: a bad --interval is a usage error" {
	start_container '{}' sleep 1000
	run rt events --interval 5x "$ID"
	assert_failure
	assert_output --partial "interval"
	if ! is_runc; then
		[ "$status" -eq 2 ] # runc exits 1
	fi
}
