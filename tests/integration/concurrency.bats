#!/usr/bin/env bats
# Several runtime invocations at once on one state root.

load helpers

@test "20 containers created and started in parallel all run" {
	set_args sleep 1000
	local pids=() i n=20
	for ((i = 0; i < n; i++)); do
		track_id "$ID-$i"
		(
			rt create --bundle "$BUNDLE" "$ID-$i" </dev/null >"$OUT_DIR/$i.log" 2>&1 &&
				rt start "$ID-$i" >>"$OUT_DIR/$i.log" 2>&1
		) &
		pids+=($!)
	done
	failed=0
	for ((i = 0; i < n; i++)); do
		wait "${pids[$i]}" || { failed=$((failed + 1)); echo "container $i: $(cat "$OUT_DIR/$i.log")" >&2; }
	done
	[ "$failed" -eq 0 ]

	run rt list --format json
	assert_success
	[ "$(jq '[.[] | select(.status == "running")] | length' <<<"$output")" -eq "$n" ]
	[ "$(jq '[.[].id] | unique | length' <<<"$output")" -eq "$n" ]
	[ "$(jq '[.[].pid] | unique | length' <<<"$output")" -eq "$n" ]
}

@test "two creates with the same id at once: exactly one succeeds" {
	skip_if_runc "runc 1.1 races here: the losing create can tear down the winner (both fail, or the winner's state vanishes and its init is orphaned)"
	set_args sleep 1000
	local round
	for round in 1 2 3; do
		id="$ID-$round"
		track_id "$id"
		rt create --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>&1 &
		a=$!
		rt create --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>&1 &
		b=$!
		ok=0
		wait "$a" && ok=$((ok + 1))
		wait "$b" && ok=$((ok + 1))
		[ "$ok" -eq 1 ] || fail "round $round: $ok creates succeeded"
		st=$(container_status "$id")
		[ "$st" = created ] || fail "round $round: the winner is '$st': $(rt state "$id" 2>&1)"
		# exactly one container process for the id
		[ -d "/proc/$(container_pid "$id")" ]
	done
	run rt list -q
	[ "${#lines[@]}" -eq 3 ]
}

@test "parallel execs into one container each get their own result" {
	set_args sleep 1000
	run_detached "$ID"
	assert_success
	local pids=() i n=8
	for ((i = 0; i < n; i++)); do
		rt exec "$ID" sh -c "echo out-$i; exit $i" </dev/null >"$OUT_DIR/exec.$i" 2>&1 &
		pids+=($!)
	done
	for ((i = 0; i < n; i++)); do
		st=0
		wait "${pids[$i]}" || st=$?
		[ "$st" -eq "$i" ] || fail "exec $i exited $st"
		[ "$(cat "$OUT_DIR/exec.$i")" = "out-$i" ]
	done
}

@test "parallel deletes of running containers all succeed" {
	set_args sleep 1000
	local pids=() i n=8
	for ((i = 0; i < n; i++)); do
		run_detached "$ID-$i"
		assert_success
	done
	for ((i = 0; i < n; i++)); do
		rt delete --force "$ID-$i" >/dev/null 2>&1 &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	run rt list -q
	assert_output ""
	[ -z "$(ls -A "$ROOT_DIR")" ]
}
