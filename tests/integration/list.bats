#!/usr/bin/env bats
# list: -q, --format table (default) and --format json.

load helpers

start_two() {
	set_args sleep 1000
	run_detached "$ID-a"
	assert_success
	create_container "$ID-b"
	assert_success
}

@test "list -q on an empty root prints nothing" {
	run rt list -q
	assert_success
	assert_output ""
}

@test "list --format json on an empty root is an empty list" {
	run rt list --format json
	assert_success
	# runc prints null, an empty array is as good
	[ "$(jq -c '. // []' <<<"$output")" = '[]' ]
}

@test "list -q prints exactly the ids" {
	start_two
	run rt list -q
	assert_success
	[ "$(sort <<<"$output" | tr '\n' ' ')" = "$ID-a $ID-b " ]
}

@test "list --format json has id, pid, status and bundle for each container" {
	start_two
	run rt list --format json
	assert_success
	list=$output
	[ "$(jq length <<<"$list")" -eq 2 ]
	for c in a b; do
		entry=$(jq -c --arg id "$ID-$c" '.[] | select(.id == $id)' <<<"$list")
		[ -n "$entry" ]
		state=$(rt state "$ID-$c")
		[ "$(jq -r .pid <<<"$entry")" = "$(jq -r .pid <<<"$state")" ]
		[ "$(jq -r .status <<<"$entry")" = "$(jq -r .status <<<"$state")" ]
		[ "$(jq -r .bundle <<<"$entry")" = "$(realpath "$BUNDLE")" ]
		[ "$(jq -r .pid <<<"$entry")" -gt 0 ]
	done
	[ "$(jq -r --arg id "$ID-a" '.[] | select(.id == $id) | .status' <<<"$list")" = running ]
	[ "$(jq -r --arg id "$ID-b" '.[] | select(.id == $id) | .status' <<<"$list")" = created ]
}

@test "list (table) has a header and one row per container" {
	start_two
	run rt list
	assert_success
	read -r -a header <<<"${lines[0]}"
	[ "${header[0]}" = ID ]
	[ "${header[1]}" = PID ]
	[ "${header[2]}" = STATUS ]
	[ "${header[3]}" = BUNDLE ]
	[ "${#lines[@]}" -eq 3 ]
	row=$(printf '%s\n' "${lines[@]}" | awk -v id="$ID-a" '$1 == id')
	read -r -a f <<<"$row"
	[ "${f[1]}" = "$(container_pid "$ID-a")" ]
	[ "${f[2]}" = running ]
	[ "${f[3]}" = "$(realpath "$BUNDLE")" ]
}

@test "list shows stopped containers until they are deleted" {
	set_args true
	run_detached "$ID"
	assert_success
	wait_status "$ID" stopped
	run rt list --format json
	assert_success
	[ "$(jq -r --arg id "$ID" '.[] | select(.id == $id) | .status' <<<"$output")" = stopped ]
	rt delete "$ID"
	run rt list -q
	assert_output ""
}
