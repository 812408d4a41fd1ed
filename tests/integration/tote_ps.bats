#!/usr/bin/env bats
# tote ps --filter and --format json, tote rename, tote container prune.

load tote_helpers

setup_file() {
	rootfs_tarball
}

setup() {
	store_setup
	tote run -d --name web -l tier=front t/bb:1 sleep 100 >/dev/null
	tote run -d --name db -l tier=back t/bb:1 sleep 100 >/dev/null
	tote run --name done -l tier=back t/bb:1 true
}

teardown() {
	tote unpause db >/dev/null 2>&1 || true
	store_teardown
}

names() { tote ps "$@" --format json | jq -r .Names | sort | tr '\n' ' '; }

@test "ps --filter: status (which looks at every container), name, id, label; same keys any, different keys all" {
	[ "$(names)" = "db web " ]
	[ "$(names -f status=exited)" = "done " ]
	[ "$(names -f status=running)" = "db web " ]
	[ "$(names -a -f name=d)" = "db done " ]
	[ "$(names -a -f label=tier=back)" = "db done " ]
	[ "$(names -a -f label=tier)" = "db done web " ]
	[ "$(names -a -f label=tier=back -f status=running)" = "db " ]
	[ "$(names -f status=exited -f status=running)" = "db done web " ]
	local id
	id=$(tote inspect web | jq -r '.[0].Id')
	[ "$(names -f id="${id:0:6}")" = "web " ]
	tote pause db >/dev/null
	[ "$(names -f status=paused)" = "db " ]
	run -0 tote ps -f status=paused
	assert_line --index 1 --regexp ' Up .* \(Paused\) +db$'
	run -0 tote ps -q -f name=web
	[ "$output" = "${id:0:12}" ]
}

@test "ps --format json: one object per line with docker's keys" {
	run -0 tote ps -a --format json
	[ "${#lines[@]}" -eq 3 ]
	local web
	web=$(grep '"Names":"web"' <<<"$output")
	[ "$(jq -c '[.Image, .Command, .State, .Labels]' <<<"$web")" = '["docker.io/t/bb:1","\"sleep 100\"","running","tier=front"]' ]
	[[ "$(jq -r .Status <<<"$web")" == Up* ]]
	[[ "$(jq -r .ID <<<"$web")" =~ ^[0-9a-f]{64}$ ]]
	[ "$(grep '"Names":"done"' <<<"$output" | jq -r .State)" = exited ]
}

@test "ps: bad filters and formats are refused" {
	run -125 --separate-stderr tote ps -f color=red
	[[ "$stderr" == *'--filter "color=red": KEY=VALUE with KEY status, name, id or label'* ]]
	run -125 --separate-stderr tote ps -f status=up
	run -125 --separate-stderr tote ps --format yaml
}

@test "rename: a new name, used everywhere; names in use or malformed refused" {
	run -0 tote rename web front
	[ -z "$output" ]
	[ "$(names)" = "db front " ]
	run -0 tote exec front true
	run -125 --separate-stderr tote rename front db
	[[ "$stderr" == *'the name "db" is in use by container'* ]]
	run -125 --separate-stderr tote rename front 'a b'
	[[ "$stderr" == *'invalid container name "a b"'* ]]
	run -125 --separate-stderr tote rename nope x1
	[ "$stderr" = "tote: no container nope (see tote ps -a)" ]
}

@test "container prune: every container that does not run goes, named; running ones stay" {
	tote run --name done2 -v /home t/bb:1 true
	run -0 tote container prune
	assert_line --index 0 "Deleted Containers:"
	[ "${#lines[@]}" -eq 3 ]
	[ "$(names -a)" = "db web " ]
	# not their volumes (tote volume prune takes those)
	[ "$(tote volume ls -q | wc -l)" -eq 1 ]
	run -0 tote container prune -f
	[ -z "$output" ]
}

@test "names: of 8 runs started at once with one name, exactly one gets it" {
	local i pids=()
	for i in $(seq 8); do
		(rc=0; tote run -d --name same t/bb:1 sleep 600 >/dev/null 2>&1 || rc=$?; echo "$rc" >"$BATS_TEST_TMPDIR/rc.$i") &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i"
	done
	[ "$(cat "$BATS_TEST_TMPDIR"/rc.* | sort | uniq -c | tr -s ' ' | tr '\n' ';')" = " 1 0; 7 125;" ]
	[ "$(names -f name=same)" = "same " ]
	[ "$(ls "$STORE/containers" | wc -l)" -eq 4 ] # web, db, done and same: the others left nothing
}
