#!/usr/bin/env bats
# linux.resources: every field tote applies is read back from the
# container's own cgroup, and the limits a process can feel (pids, cpu
# quota, memory) are measured.  The tests read and write only inside the
# container's cgroup; delete removes it.

load helpers

# set_resources JSON — linux.resources = JSON.
set_resources() {
	update_config '.linux.resources = $r' -- --argjson r "$1"
}

# create_sleeper RESOURCES — create $ID (sleep 1000) with RESOURCES and set
# $PID to its init.
create_sleeper() {
	set_args sleep 1000
	set_resources "$1"
	create_container "$ID"
	assert_success
	PID=$(container_pid "$ID")
	[ -n "$PID" ] && [ "$PID" != 0 ]
}


has_memsw() { [ -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ]; }

@test "memory: limit, reservation, swap, swappiness and disableOOMKiller are applied" {
	need_v1 memory
	local swap=null
	has_memsw && swap=134217728
	create_sleeper "{\"memory\": {\"limit\": 67108864, \"reservation\": 33554432,
		\"swap\": $swap, \"swappiness\": 20, \"disableOOMKiller\": true}}"
	[ "$(read_cg memory memory.limit_in_bytes)" = 67108864 ]
	[ "$(read_cg memory memory.soft_limit_in_bytes)" = 33554432 ]
	[ "$(read_cg memory memory.swappiness)" = 20 ]
	read_cg memory memory.oom_control | grep -qx 'oom_kill_disable 1'
	if has_memsw; then
		[ "$(read_cg memory memory.memsw.limit_in_bytes)" = 134217728 ]
	fi
}

@test "memory: swap equal to the limit, and -1 (unlimited) swap" {
	need_v1 memory
	has_memsw || skip "no swap accounting (memory.memsw.limit_in_bytes)"
	create_sleeper '{"memory": {"limit": 33554432, "swap": 33554432}}'
	[ "$(read_cg memory memory.limit_in_bytes)" = 33554432 ]
	[ "$(read_cg memory memory.memsw.limit_in_bytes)" = 33554432 ]
	rt delete --force "$ID"

	create_sleeper '{"memory": {"limit": 33554432, "swap": -1}}'
	[ "$(read_cg memory memory.limit_in_bytes)" = 33554432 ]
	# -1 reads back as the kernel's "unlimited", far above the limit
	[ "$(read_cg memory memory.memsw.limit_in_bytes)" -gt 1000000000000 ]
}

@test "memory: swap below the limit is refused and leaves no cgroup" {
	need_v1 memory
	set_args true
	set_resources '{"memory": {"limit": 67108864, "swap": 33554432}}'
	create_container "$ID"
	assert_failure
	if ! is_runc; then
		assert_output --partial "linux.resources.memory.swap"
		assert_output --partial "at least memory.limit"
	fi
	[ -z "$(our_cgroup_dirs "$ID")" ] || fail "cgroup left: $(our_cgroup_dirs "$ID")"
}

@test "memory: swappiness above 100 is refused" {
	set_args true
	set_resources '{"memory": {"swappiness": 101}}'
	create_container "$ID"
	assert_failure
	if ! is_runc; then
		assert_output --partial "linux.resources.memory.swappiness must be between 0 and 100"
	fi
}

@test "cpu: shares, quota, period, cpus, mems and realtimePeriod are applied" {
	need_v1 cpu cpuset
	[ -e /sys/fs/cgroup/cpu/cpu.rt_period_us ] || skip "no real-time group scheduling"
	create_sleeper '{"cpu": {"shares": 512, "quota": 50000, "period": 200000,
		"cpus": "0", "mems": "0", "realtimePeriod": 500000}}'
	[ "$(read_cg cpu cpu.shares)" = 512 ]
	[ "$(read_cg cpu cpu.cfs_quota_us)" = 50000 ]
	[ "$(read_cg cpu cpu.cfs_period_us)" = 200000 ]
	[ "$(read_cg cpu cpu.rt_period_us)" = 500000 ]
	[ "$(read_cg cpuset cpuset.cpus)" = 0 ]
	[ "$(read_cg cpuset cpuset.mems)" = 0 ]
	# the container really runs on cpu 0 only
	grep -q '^Cpus_allowed_list:[[:space:]]*0$' "/proc/$PID/status"
}

@test "cpu: without cpus and mems the cpuset cgroup inherits its parent's" {
	need_v1 cpuset
	create_sleeper '{}'
	local dir
	dir=$(cg_dir cpuset "$PID")
	[ -n "$(cat "$dir/cpuset.cpus")" ]
	[ "$(cat "$dir/cpuset.cpus")" = "$(cat "$dir/../cpuset.cpus")" ]
	[ "$(cat "$dir/cpuset.mems")" = "$(cat "$dir/../cpuset.mems")" ]
}

@test "cpu: burst is applied" {
	need_v1 cpu
	[ -e /sys/fs/cgroup/cpu/cpu.cfs_burst_us ] || skip "no cpu.cfs_burst_us (kernel < 5.14)"
	skip_if_runc "runc 1.1 does not know cpu.burst and ignores it"
	create_sleeper '{"cpu": {"quota": 50000, "period": 100000, "burst": 20000}}'
	[ "$(read_cg cpu cpu.cfs_burst_us)" = 20000 ]
}

@test "cpu: idle is applied" {
	need_v1 cpu
	[ -e /sys/fs/cgroup/cpu/cpu.idle ] || skip "no cpu.idle (kernel < 5.15)"
	skip_if_runc "runc 1.1 writes cpu.idle only on cgroup v2 and ignores it on v1"
	create_sleeper '{"cpu": {"shares": 256, "idle": 1}}'
	[ "$(read_cg cpu cpu.idle)" = 1 ]
}

@test "cpu: realtimeRuntime beyond the parent's real-time budget fails clearly" {
	need_v1 cpu
	[ -e /sys/fs/cgroup/cpu/cpu.rt_runtime_us ] || skip "no real-time group scheduling"
	set_args true
	set_resources '{"cpu": {"realtimePeriod": 1000000, "realtimeRuntime": 2000000}}'
	create_container "$ID"
	assert_failure
	if ! is_runc; then
		assert_output --partial "linux.resources.cpu.realtimeRuntime"
		assert_output --partial "more than the period"
	fi
	[ -z "$(our_cgroup_dirs "$ID")" ] || fail "cgroup left: $(our_cgroup_dirs "$ID")"
}

@test "cpu: a bad cpus list is refused" {
	set_args true
	set_resources '{"cpu": {"cpus": "zero"}}'
	create_container "$ID"
	assert_failure
	if ! is_runc; then
		assert_output --partial 'linux.resources.cpu.cpus "zero"'
	fi
}

@test "memory: kernelTCP and useHierarchy are applied" {
	need_v1 memory
	[ -e /sys/fs/cgroup/memory/memory.kmem.tcp.limit_in_bytes ] || skip "no memory.kmem.tcp"
	skip_if_runc "runc 1.1 does not apply kernelTCP"
	create_sleeper '{"memory": {"kernelTCP": 2097152, "useHierarchy": true}}'
	[ "$(read_cg memory memory.kmem.tcp.limit_in_bytes)" = 2097152 ]
	[ "$(read_cg memory memory.use_hierarchy)" = 1 ]
	# update changes it, and the flag runc has for it too
	run rt update --kernel-memory-tcp 4m "$ID"
	assert_success
	[ "$(read_cg memory memory.kmem.tcp.limit_in_bytes)" = 4194304 ]
}

@test "memory: useHierarchy false, which this kernel cannot do, fails by name and leaves nothing" {
	need_v1 memory
	skip_if_runc "runc 1.1 does not apply useHierarchy"
	set_args true
	set_resources '{"memory": {"useHierarchy": false}}'
	create_container "$ID"
	assert_failure
	assert_output --partial "linux.resources.memory.useHierarchy"
	assert_output --partial "keeps every memory cgroup hierarchical"
	[ -z "$(our_cgroup_dirs "$ID")" ] || fail "cgroup left: $(our_cgroup_dirs "$ID")"
}

@test "memory: kernel, a limit Linux no longer enforces, is refused by name" {
	skip_if_runc "runc ignores it"
	set_args true
	set_resources '{"memory": {"kernel": 1048576}}'
	create_container "$ID"
	assert_failure
	assert_output --partial "linux.resources.memory.kernel is not supported: Linux no longer enforces"
	# nor can update set it
	create_sleeper '{}'
	run rt update --kernel-memory 4m "$ID"
	assert_failure
	assert_output --partial "linux.resources.memory.kernel is not supported"
}

@test "rdma: a limit on a device this host does not have fails by name and leaves nothing" {
	has_controller rdma || skip "no rdma controller"
	[ -z "$(ls /sys/class/infiniband 2>/dev/null)" ] || skip "this host has RDMA devices"
	skip_if_runc "runc's message differs"
	set_args true
	set_resources '{"rdma": {"tote_nodev": {"hcaHandles": 2}}}'
	create_container "$ID"
	assert_failure
	assert_output --partial 'linux.resources.rdma["tote_nodev"]'
	assert_output --partial 'no RDMA device "tote_nodev"'
	[ -z "$(our_cgroup_dirs "$ID")" ] || fail "cgroup left: $(our_cgroup_dirs "$ID")"
}

@test "rdma: refused by name where no hierarchy has the rdma controller" {
	! has_controller rdma || skip "this host has the rdma controller"
	skip_if_runc "runc ignores it"
	set_args true
	set_resources '{"rdma": {"mlx5_0": {"hcaHandles": 2}}}'
	create_container "$ID"
	assert_failure
	assert_output --partial "linux.resources.rdma: no cgroup hierarchy has the rdma controller"
}

# whole_disk — "MAJOR:MINOR" of a whole block device (not loop, ram or zram).
whole_disk() {
	local d
	for d in /sys/block/*; do
		case ${d##*/} in loop* | ram* | zram*) continue ;; esac
		[ -e "$d/dev" ] && cat "$d/dev" && return 0
	done
	return 1
}

@test "blockIO: read and write throttles, bytes and IOPS, are applied" {
	need_v1 blkio
	local dev maj min
	dev=$(whole_disk) || skip "no whole block device"
	maj=${dev%:*} min=${dev#*:}
	create_sleeper "{\"blockIO\": {
		\"throttleReadBpsDevice\": [{\"major\": $maj, \"minor\": $min, \"rate\": 1048576}],
		\"throttleWriteBpsDevice\": [{\"major\": $maj, \"minor\": $min, \"rate\": 2097152}],
		\"throttleReadIOPSDevice\": [{\"major\": $maj, \"minor\": $min, \"rate\": 300}],
		\"throttleWriteIOPSDevice\": [{\"major\": $maj, \"minor\": $min, \"rate\": 200}]}}"
	[ "$(read_cg blkio blkio.throttle.read_bps_device)" = "$dev 1048576" ]
	[ "$(read_cg blkio blkio.throttle.write_bps_device)" = "$dev 2097152" ]
	[ "$(read_cg blkio blkio.throttle.read_iops_device)" = "$dev 300" ]
	[ "$(read_cg blkio blkio.throttle.write_iops_device)" = "$dev 200" ]
}

@test "blockIO: weight is applied where the cgroup has a weight file" {
	need_v1 blkio
	create_sleeper '{"blockIO": {"weight": 300}}'
	local dir
	dir=$(cg_dir blkio "$PID")
	if [ -e "$dir/blkio.weight" ]; then
		[ "$(cat "$dir/blkio.weight")" = 300 ]
	else
		[ -e "$dir/blkio.bfq.weight" ] || fail "create succeeded without a weight file"
		# blkio.bfq.weight reads "default 300" on some kernels, "300" on others
		[[ "$(cat "$dir/blkio.bfq.weight")" =~ (^|[[:space:]])300$ ]]
	fi
}

@test "blockIO: a throttle on a device that is not a whole disk fails and leaves nothing" {
	need_v1 blkio
	set_args true
	set_resources '{"blockIO": {"throttleReadBpsDevice": [{"major": 7, "minor": 250, "rate": 5}]}}'
	create_container "$ID"
	assert_failure
	if ! is_runc; then
		assert_output --partial "linux.resources.blockIO.throttleReadBpsDevice"
	fi
	run rt state "$ID"
	assert_failure
	[ -z "$(our_cgroup_dirs "$ID")" ] || fail "cgroup left: $(our_cgroup_dirs "$ID")"
}

@test "blockIO: leafWeight, gone with CFQ, is refused by name" {
	skip_if_runc "runc ignores a leafWeight it cannot write"
	need_v1 blkio
	[ ! -e /sys/fs/cgroup/blkio/blkio.leaf_weight ] || skip "this kernel has leaf weights"
	set_args true
	set_resources '{"blockIO": {"leafWeight": 300}}'
	create_container "$ID"
	assert_failure
	assert_output --partial "linux.resources.blockIO.leafWeight is not supported"
}

@test "pids.limit 10 stops a fork loop, and delete removes the processes" {
	need_v1 pids
	# a duration of its own, so that pgrep below finds only this test's sleeps
	local secs=$((3000 + RANDOM % 1000))
	set_args sh -c "i=0; while [ \$i -lt 20 ]; do sleep $secs & i=\$((i + 1)); echo \"\$i\"; done"
	set_resources '{"pids": {"limit": 10}}'
	run run_foreground "$ID"
	assert_failure
	assert_output --regexp "can't fork|Resource temporarily unavailable"
	# pid 1 (sh) and at most 9 sleeps: the tenth fork fails
	local last
	last=$(grep -E '^[0-9]+$' <<<"$output" | tail -n 1)
	[ "${last:-0}" -le 9 ]
	# run deleted the container: its cgroup, and the sleeps, are gone
	[ -z "$(our_cgroup_dirs "$ID")" ] || fail "cgroup left: $(our_cgroup_dirs "$ID")"
	run pgrep -f "^sleep $secs\$"
	assert_failure
}

@test "cpu quota 20000/100000 holds a busy loop to about a fifth of a CPU" {
	need_v1 cpuacct
	set_args sh -c 'while :; do :; done'
	set_resources '{"cpu": {"quota": 20000, "period": 100000}}'
	run_detached "$ID"
	assert_success
	PID=$(container_pid "$ID")
	local dir u0 u1 t0 t1
	dir=$(cg_dir cpuacct "$PID")
	t0=$(date +%s%N)
	u0=$(cat "$dir/cpuacct.usage")
	sleep 2
	u1=$(cat "$dir/cpuacct.usage")
	t1=$(date +%s%N)
	local used=$((u1 - u0)) wall=$((t1 - t0))
	echo "cpu $used ns in $wall ns" >&2
	# 0.2 expected; generous bounds for a loaded machine
	[ $((used * 100 / wall)) -lt 50 ]
	[ $((used * 100 / wall)) -gt 5 ]
}

@test "a process growing past memory.limit 32 MiB is OOM-killed (137)" {
	need_v1 memory
	local swap=null
	has_memsw && swap=33554432
	# $(...) keeps the whole 100 MB in the shell's memory
	set_args sh -c 'x=$(head -c 100000000 /dev/zero | tr "\0" a); echo survived ${#x}'
	set_resources "{\"memory\": {\"limit\": 33554432, \"swap\": $swap}}"
	run run_foreground "$ID"
	[ "$status" -eq 137 ] || fail "status $status, output: $output"
	refute_output --partial survived
	# 137 alone does not say why: run does
	is_runc || assert_output --partial "was killed by the kernel's OOM killer: linux.resources.memory.limit (33554432 bytes) is too low"	# run deleted the OOM-killed container: nothing of it is left
	[ -z "$(our_cgroup_dirs "$ID")" ] || fail "cgroup left: $(our_cgroup_dirs "$ID")"
	[ ! -e "$ROOT_DIR/$ID" ]
}

@test "state of a stopped container says oomKilled after an OOM kill, and only then" {
	need_v1 memory
	skip_if_runc "tote reports it in state"
	set_args sh -c 'x=$(head -c 100000000 /dev/zero | tr "\0" a); echo survived ${#x}'
	set_resources '{"memory": {"limit": 33554432}}'
	create_container "$ID"
	assert_success
	run rt state "$ID"
	assert_success
	[ "$(jq -r .oomKilled <<<"$output")" = null ]
	run rt start "$ID"
	assert_success
	wait_status "$ID" stopped
	run rt state "$ID"
	assert_success
	[ "$(jq -r .oomKilled <<<"$output")" = true ] || fail "state: $output"
	rt delete "$ID"

	set_args true
	set_resources '{"memory": {"limit": 33554432}}'
	create_container "$ID"
	assert_success
	run rt start "$ID"
	wait_status "$ID" stopped
	run rt state "$ID"
	[ "$(jq -r .oomKilled <<<"$output")" = null ] || fail "state: $output"
}

@test "a container killed by SIGKILL without an OOM kill gets no OOM message" {
	skip_if_runc "tote-specific message"
	# (pid 1 ignores a SIGKILL from inside its namespace: a child takes it)
	set_args sh -c 'sleep 100 & kill -9 $!; wait $!; exit $?'
	set_resources '{"memory": {"limit": 67108864}}'
	run run_foreground "$ID"
	[ "$status" -eq 137 ] || fail "status $status, output: $output"
	refute_output --partial "OOM"
}

@test "unified: v2 interface files are written in the container's cgroup2 cgroup" {
	skip_if_runc "runc 1.1 refuses unified on a hybrid host"
	local mnt
	mnt=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	[ -n "$mnt" ] || skip "no cgroup2 mount"
	# cgroup.max.* are core files: every cgroup2 cgroup has them
	create_sleeper '{"unified": {"cgroup.max.depth": "3", "cgroup.max.descendants": "7"}}'
	local rel
	rel=$(awk -F: '$1 == "0" { print $3 }' "/proc/$PID/cgroup")
	[ "$(cat "$mnt$rel/cgroup.max.depth")" = 3 ]
	[ "$(cat "$mnt$rel/cgroup.max.descendants")" = 7 ]
}

@test "unified: a file of a controller the cgroup lacks, or cgroup.procs, is refused by name" {
	skip_if_runc "runc's wording differs"
	set_args true
	set_resources '{"unified": {"cgroup.procs": "1"}}'
	create_container "$ID"
	assert_failure
	assert_output --partial 'linux.resources.unified: cgroup.procs is not a resource'
	grep -q -w io /sys/fs/cgroup/unified/cgroup.subtree_control 2>/dev/null && skip "io is enabled here"
	set_resources '{"unified": {"io.weight": "default 100"}}'
	create_container "$ID"
	assert_failure
	assert_output --partial 'linux.resources.unified["io.weight"]'
	[ -z "$(our_cgroup_dirs "$ID")" ] || fail "cgroup left: $(our_cgroup_dirs "$ID")"
}

@test "hugepageLimits and network: applied where their controller is, else refused by name" {
	local r
	for r in '{"hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}]}' \
		'{"network": {"classID": 1048577, "priorities": [{"name": "lo", "priority": 5}]}}'; do
		set_args sleep 1000
		set_resources "$r"
		create_container "$ID"
		if [ "$status" -eq 0 ]; then
			PID=$(container_pid "$ID")
			case $r in
			*hugepage*) [ "$(read_cg hugetlb hugetlb.2MB.limit_in_bytes 2>/dev/null ||
				cat "$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)$(awk -F: '$1 == "0" { print $3 }' "/proc/$PID/cgroup")/hugetlb.2MB.max")" = 4194304 ] ;;
			*) [ "$(read_cg net_cls net_cls.classid)" = 1048577 ]
			   read_cg net_prio net_prio.ifpriomap | grep -qx 'lo 5' ;;
			esac
			rt delete --force "$ID"
		else
			is_runc && continue
			case $r in
			*hugepage*) assert_output --partial "linux.resources.hugepageLimits" ;;
			*) assert_output --partial "linux.resources.network" ;;
			esac
			[ -z "$(our_cgroup_dirs "$ID")" ] || fail "cgroup left: $(our_cgroup_dirs "$ID")"
		fi
	done
}

@test "the init is in every hierarchy's cgroup of the container, entered without a move" {
	skip_if_runc "tote-specific: how the init enters its cgroup"
	set_args sleep 1000
	track_id "$ID"
	# (stdio to files: the init keeps what it was given open)
	status=0
	rt --debug create --bundle "$BUNDLE" "$ID" </dev/null >"$OUT_DIR/$ID.out" 2>"$OUT_DIR/$ID.err" || status=$?
	output=$(cat "$OUT_DIR/$ID.err")
	assert_success
	# a cgroup2 hierarchy here: the init was cloned into it (no move of a
	# whole process, whose lock waits for an RCU grace period)
	if grep -q " - cgroup2 " /proc/self/mountinfo; then
		assert_output --partial "starts in its cgroup (clone3 CLONE_INTO_CGROUP)"
	fi
	refute_output --partial "moves the init instead"
	PID=$(container_pid "$ID")
	local line want
	while IFS= read -r line; do
		want=/tote/$ID
		[ "${line##*:}" = "$want" ] || fail "$line: not in $want"
	done <"/proc/$PID/cgroup"
}
