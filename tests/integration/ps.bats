#!/usr/bin/env bats
# ps: --format json gives the host pids of the container's processes; the
# table format has a PID column.

load helpers

@test "ps --format json gives the container's pids" {
	set_args sleep 1000
	run_detached "$ID"
	assert_success
	pid=$(container_pid "$ID")

	run rt ps --format json "$ID"
	assert_success
	[ "$(jq -c . <<<"$output")" = "[$pid]" ]

	rt exec --detach --pid-file "$TEST_DIR/exec.pid" "$ID" sleep 1000 </dev/null >/dev/null 2>&1
	epid=$(cat "$TEST_DIR/exec.pid")
	run rt ps --format json "$ID"
	assert_success
	[ "$(jq -c 'sort' <<<"$output")" = "$(jq -cn --argjson a "$pid" --argjson b "$epid" '[$a, $b] | sort')" ]
}

@test "ps (table) has a PID column with the container's processes" {
	set_args sleep 1000
	run_detached "$ID"
	assert_success
	pid=$(container_pid "$ID")

	run rt ps "$ID"
	assert_success
	col=$(awk 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "PID") c = i } NR > 1 && c { print $c }' <<<"$output")
	[ "$col" = "$pid" ]
}

@test "ps passes options to ps(1)" {
	set_args sleep 1000
	run_detached "$ID"
	assert_success
	pid=$(container_pid "$ID")

	run rt ps "$ID" -o pid,comm
	assert_success
	assert_line --index 0 --regexp '^ *PID +COMMAND *$'
	assert_line --index 1 --regexp "^ *$pid +sleep *\$"
	[ "${#lines[@]}" -eq 2 ]
}

@test "ps of an unknown container fails" {
	run rt ps nosuchcontainer
	assert_failure
}
