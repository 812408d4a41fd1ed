#!/usr/bin/env bats
# update: each of runc's flags and --resources is written to the container's
# own cgroup (read back from the v1 files here) and recorded, so that a
# later update and events --stats see it; bad input fails with one line.

load helpers

# start_sleeper [RESOURCES] — run $ID (sleep 1000) detached, with
# linux.resources = RESOURCES (default {}), and set $PID to its init.
start_sleeper() {
	set_args sleep 1000
	update_config '.linux.resources = $r' -- --argjson r "${1:-{\}}"
	run_detached "$ID"
	assert_success
	PID=$(container_pid "$ID")
	[ -n "$PID" ] && [ "$PID" != 0 ]
}


has_memsw() { [ -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ]; }

@test "update: --memory, --memory-reservation and --memory-swap, with sizes like 64m" {
	need_v1 memory
	start_sleeper
	run rt update --memory 64m --memory-reservation 32m "$ID"
	assert_success
	[ "$(read_cg memory memory.limit_in_bytes)" = 67108864 ]
	[ "$(read_cg memory memory.soft_limit_in_bytes)" = 33554432 ]
	run rt update --memory 1g "$ID"
	assert_success
	[ "$(read_cg memory memory.limit_in_bytes)" = 1073741824 ]
	run rt update --memory 33554432 "$ID"
	assert_success
	[ "$(read_cg memory memory.limit_in_bytes)" = 33554432 ]
	run rt update --memory 64M "$ID"
	assert_success
	[ "$(read_cg memory memory.limit_in_bytes)" = 67108864 ]
	if has_memsw; then
		# the swap alone: the limit comes from what update recorded
		run rt update --memory-swap 128m "$ID"
		assert_success
		[ "$(read_cg memory memory.memsw.limit_in_bytes)" = 134217728 ]
		[ "$(read_cg memory memory.limit_in_bytes)" = 67108864 ]
	fi
}

@test "update: --cpu-share, --cpu-period, --cpu-quota, --cpuset-cpus and --cpuset-mems" {
	need_v1 cpu cpuset
	start_sleeper
	run rt update --cpu-share 512 --cpu-period 200000 --cpu-quota 50000 \
		--cpuset-cpus 0 --cpuset-mems 0 "$ID"
	assert_success
	[ "$(read_cg cpu cpu.shares)" = 512 ]
	[ "$(read_cg cpu cpu.cfs_period_us)" = 200000 ]
	[ "$(read_cg cpu cpu.cfs_quota_us)" = 50000 ]
	[ "$(read_cg cpuset cpuset.cpus)" = 0 ]
	[ "$(read_cg cpuset cpuset.mems)" = 0 ]
	# the quota alone keeps the recorded period
	run rt update --cpu-quota 30000 "$ID"
	assert_success
	[ "$(read_cg cpu cpu.cfs_quota_us)" = 30000 ]
	[ "$(read_cg cpu cpu.cfs_period_us)" = 200000 ]
	run rt update --cpu-quota -1 "$ID"
	assert_success
	[ "$(read_cg cpu cpu.cfs_quota_us)" = -1 ]
}

@test "update: --cpu-shares is the same as --cpu-share" {
	skip_if_runc "runc 1.1 has only --cpu-share"
	need_v1 cpu
	start_sleeper
	run rt update --cpu-shares 256 "$ID"
	assert_success
	[ "$(read_cg cpu cpu.shares)" = 256 ]
}

@test "update: --cpu-rt-period and --cpu-rt-runtime" {
	need_v1 cpu
	[ -e /sys/fs/cgroup/cpu/cpu.rt_period_us ] || skip "no real-time group scheduling"
	start_sleeper
	run rt update --cpu-rt-period 500000 "$ID"
	assert_success
	[ "$(read_cg cpu cpu.rt_period_us)" = 500000 ]
	# the parent grants no real-time budget here unless it has one
	local dir budget
	dir=$(cg_dir cpu "$PID")
	budget=$(cat "$(dirname "$dir")/cpu.rt_runtime_us")
	[ "$budget" -gt 0 ] 2>/dev/null || skip "the parent cgroup has no real-time budget"
	run rt update --cpu-rt-runtime 1000 "$ID"
	assert_success
	[ "$(read_cg cpu cpu.rt_runtime_us)" = 1000 ]
}

@test "update: --pids-limit, and -1 for no limit" {
	need_v1 pids
	start_sleeper '{"pids": {"limit": 100}}'
	run rt update --pids-limit 50 "$ID"
	assert_success
	[ "$(read_cg pids pids.max)" = 50 ]
	run rt update --pids-limit -1 "$ID"
	assert_success
	[ "$(read_cg pids pids.max)" = max ]
}

@test "update: --resources FILE and --resources - (stdin)" {
	need_v1 memory pids cpu
	start_sleeper
	echo '{"memory": {"limit": 50331648}, "cpu": {"shares": 300}, "pids": {"limit": 42}}' \
		>"$TEST_DIR/res.json"
	run rt update --resources "$TEST_DIR/res.json" "$ID"
	assert_success
	[ "$(read_cg memory memory.limit_in_bytes)" = 50331648 ]
	[ "$(read_cg cpu cpu.shares)" = 300 ]
	[ "$(read_cg pids pids.max)" = 42 ]
	run rt update -r - "$ID" <<<'{"pids": {"limit": 43}}'
	assert_success
	[ "$(read_cg pids pids.max)" = 43 ]
	# the rest is unchanged
	[ "$(read_cg memory memory.limit_in_bytes)" = 50331648 ]
}

@test "update: events --stats sees the recorded limits" {
	need_v1 memory pids
	start_sleeper
	run rt update --memory 48m --pids-limit 33 "$ID"
	assert_success
	run --separate-stderr rt events --stats "$ID"
	assert_success
	[ "$(jq -r .data.pids.limit <<<"$output")" = 33 ]
	[ "$(jq -r .data.memory.usage.limit <<<"$output")" = 50331648 ]
}

@test "update: a memory limit below the usage fails and leaves the old limit" {
	need_v1 memory
	start_sleeper '{"memory": {"limit": 67108864}}'
	# 24 MiB in the container's tmpfs /dev/shm, charged to its cgroup
	run rt exec "$ID" dd if=/dev/zero of=/dev/shm/fill bs=1M count=24
	assert_success
	run rt update --memory 8m "$ID"
	assert_failure
	if ! is_runc; then
		assert_output --partial "container $ID"
		assert_output --partial "memory.limit: below what the cgroup already uses"
		[ "${#lines[@]}" -eq 1 ]
	fi
	[ "$(read_cg memory memory.limit_in_bytes)" = 67108864 ]
}

@test "update: a write that fails part way puts back what the update had changed" {
	skip_if_runc "runc 1.1 leaves the earlier writes in place"
	need_v1 memory pids
	start_sleeper '{"memory": {"limit": 67108864}, "pids": {"limit": 100}}'
	run rt exec "$ID" dd if=/dev/zero of=/dev/shm/fill bs=1M count=24
	assert_success
	# pids is written before memory; memory fails: pids.max goes back to 100
	run rt update --pids-limit 7 --memory 8m "$ID"
	assert_failure
	assert_output --partial "below what the cgroup already uses"
	[ "$(read_cg pids pids.max)" = 100 ]
	[ "$(read_cg memory memory.limit_in_bytes)" = 67108864 ]
}

@test "update: --blkio-weight is applied or refused naming blockIO" {
	start_sleeper
	run rt update --blkio-weight 500 "$ID"
	if [ "$status" -ne 0 ] && ! is_runc; then
		assert_output --partial "blockIO"
	fi
}

@test "update: --l3-cache-schema and --mem-bw-schema are refused (no Intel RDT)" {
	start_sleeper
	run rt update --l3-cache-schema "L3:0=f" "$ID"
	assert_failure
	run rt update --mem-bw-schema "MB:0=50" "$ID"
	assert_failure
	if ! is_runc; then
		assert_output --partial "Intel RDT"
	fi
}

@test "update: an unknown flag is a usage error" {
	start_sleeper
	run rt update --memroy 64m "$ID"
	assert_failure
	assert_output --partial "memroy"
	if ! is_runc; then
		[ "$status" -eq 2 ]
	fi
}

@test "update: a bad size is refused, naming the flag" {
	start_sleeper
	run rt update --memory 64x "$ID"
	assert_failure
	assert_output --partial "memory"
}

@test "update: a malformed or missing --resources file fails, naming it" {
	start_sleeper
	echo '{"memory": {' >"$TEST_DIR/bad.json"
	run rt update --resources "$TEST_DIR/bad.json" "$ID"
	assert_failure
	if ! is_runc; then
		assert_output --partial "$TEST_DIR/bad.json"
		[ "${#lines[@]}" -eq 1 ]
	fi
	run rt update --resources "$TEST_DIR/none.json" "$ID"
	assert_failure
	assert_output --partial "none.json"
}

@test "update: a stopped container cannot be updated" {
	set_args true
	run_detached "$ID"
	assert_success
	wait_status "$ID" stopped
	run rt update --pids-limit 10 "$ID"
	assert_failure
	if ! is_runc; then
		assert_output --partial "container $ID"
		assert_output --partial "stopped"
		[ "${#lines[@]}" -eq 1 ]
	fi
}

@test "update: an unknown container fails, naming it" {
	run rt update --pids-limit 10 nosuch-container
	assert_failure
	if ! is_runc; then
		assert_output --partial "nosuch-container does not exist"
	fi
}
