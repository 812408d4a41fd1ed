# shellcheck shell=dash
# tests/vm/tests.sh — tote-oci's cgroup tests on pure cgroup v2, run by the
# VM's /init (tests/vm/init) with busybox sh.  Every result is one TAP line
# on the console prefixed with "TOTEVM: "; tests/vm/run.sh collects them.
#
# Each test is a shell function run in a subshell with `set -e`: a failing
# command fails the test.  Its output is shown (as TAP comments) only when it
# fails; `note` lines are always shown.  After each test every container is
# deleted.  The bundles share the rootfs /vm/rootfs; config.json is
# /vm/config.json (the integration tests' template) with the process args,
# linux.resources and linux.cgroupsPath filled in (see mkbundle).
#
# Each value written to the container's cgroup is read back from
# /sys/fs/cgroup/<the cgroup of the container's init>.

CG=/sys/fs/cgroup
N=0
FAILED=0
LOG=/tmp/test.log
NOTES=/tmp/test.notes
SKIPPED=/tmp/test.skip
mkdir -p /tmp/bundles

# --- helpers -------------------------------------------------------------

tap() { echo "TOTEVM: $*"; }
# a line shown under the test's result whether it passed or not
note() { echo "$*" >>"$NOTES"; }
fail() {
	echo "FAIL: $*"
	return 1
}
# skip REASON — end the test as skipped (it runs in a subshell)
skip() {
	echo "$*" >"$SKIPPED"
	exit 0
}
# eq GOT WANT WHAT
eq() {
	[ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"
}
# rt ARGS... — tote-oci with a hang guard (and $RT_FLAGS: --systemd-cgroup)
RT_FLAGS=
rt() { timeout 60 tote-oci $RT_FLAGS "$@"; }

# json_str STRING — STRING as a JSON string
json_str() {
	printf '%s' "$1" | awk '
		{ gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); gsub(/\t/, "\\t"); s = s (NR > 1 ? "\\n" : "") $0 }
		END { printf "\"%s\"", s }'
}

# mkbundle RESOURCES ARGS... — a bundle in $B for container $ID: /vm/config.json
# with linux.resources = RESOURCES (JSON), process.args = ARGS and, when
# $CGPATH is set, linux.cgroupsPath = $CGPATH.  (No jq here: under TCG it
# takes over half a second to start.)
mkbundle() {
	local res=$1 args="" a tpl
	shift
	for a; do
		args="$args${args:+,}$(json_str "$a")"
	done
	# "resources":RES,"cgroupsPath":"..." (both in linux)
	[ -z "${CGPATH:-}" ] || res="$res,\"cgroupsPath\":$(json_str "$CGPATH")"
	tpl=$(cat /vm/config.json)
	tpl="${tpl%%\"@ARGS@\"*}[$args]${tpl#*\"@ARGS@\"}"
	tpl="${tpl%%\"@RES@\"*}$res${tpl#*\"@RES@\"}"
	B=/tmp/bundles/$ID
	mkdir -p "$B"
	printf '%s\n' "$tpl" >"$B/config.json"
}

# json_get KEY — the value of "KEY" in the JSON on stdin: a number or a
# string without ",{}" in it (the first one)
json_get() {
	tr ',{}' '\n\n\n' | sed -n "s/^[[:space:]]*\"$1\":[[:space:]]*\"\{0,1\}\([^\"]*\)\"\{0,1\}[[:space:]]*\$/\1/p" | head -n 1
}

# create RESOURCES ARGS... — create $ID; set $PID and $DIR (its cgroup)
create() {
	mkbundle "$@"
	rt create --bundle "$B" "$ID" </dev/null
	PID=$(rt state "$ID" | json_get pid)
	[ -n "$PID" ] && [ "$PID" -gt 0 ] || fail "no pid for $ID"
	DIR=$CG$(sed -n 's/^0:://p' "/proc/$PID/cgroup")
	[ "$DIR" != "$CG/" ] && [ -d "$DIR" ] || fail "no cgroup directory for pid $PID ($DIR)"
}

status() { rt state "$ID" | json_get status; }

# wait_for SECONDS 'SHELL TEST' — until the test (evaluated each time) passes
wait_for() {
	local i=0 n=$(($1 * 10))
	while ! eval "$2"; do
		i=$((i + 1))
		[ "$i" -lt "$n" ] || fail "timed out after $1 s waiting for: $2"
		sleep 0.1
	done
}

nprocs() { grep -c . "$1/cgroup.procs" || true; }

cleanup() {
	local id
	for id in $(tote-oci list -q 2>/dev/null); do
		timeout 30 tote-oci delete --force "$id" >/dev/null 2>&1 ||
			echo "TOTEVM: # cleanup: delete --force $id failed"
	done
	rm -rf /tmp/bundles/*
}

uptime_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

# t DESCRIPTION FUNCTION
t() {
	# totevm_only=t_a,t_b on the kernel command line: only those
	case ",${totevm_only:-$2}," in *",$2,"*) ;; *) return 0 ;; esac
	local t0 ms
	t0=$(uptime_ms)
	N=$((N + 1))
	ID=vm$N
	CGPATH=
	: >"$NOTES"
	rm -f "$SKIPPED"
	(
		set -e
		"$2"
	) >"$LOG" 2>&1 </dev/null
	local rc=$?
	cleanup
	ms=$(($(uptime_ms) - t0))
	local what="$1 ($((ms / 1000)).$((ms % 1000 / 100))s)"
	if [ "$rc" -eq 0 ] && [ -e "$SKIPPED" ]; then
		tap "ok $N - $what # skip $(cat "$SKIPPED")"
	elif [ "$rc" -eq 0 ]; then
		tap "ok $N - $what"
	else
		FAILED=$((FAILED + 1))
		tap "not ok $N - $what"
		sed 's/^/TOTEVM: #   /' "$LOG"
	fi
	sed 's/^/TOTEVM: # /' "$NOTES"
}

# --- the environment -------------------------------------------------------------

t_pure_v2() {
	local v1
	v1=$(grep -c ' - cgroup ' /proc/self/mountinfo || true)
	eq "$v1" 0 "cgroup v1 mounts"
	grep -q ' /sys/fs/cgroup .* - cgroup2 ' /proc/self/mountinfo || fail "no cgroup2 at /sys/fs/cgroup"
	eq "$(grep -c ' - cgroup2 ' /proc/self/mountinfo)" 1 "cgroup2 mounts"
	local c
	for c in cpu cpuset memory pids; do
		grep -qw "$c" "$CG/cgroup.subtree_control" || fail "controller $c is not enabled"
	done
	note "kernel $(uname -r); controllers enabled: $(cat "$CG/cgroup.subtree_control")"
	note "$(tote-oci --version | head -n 1)"
}

# --- 1. run and exit status ----------------------------------------------------

t_run_true() {
	mkbundle '{}' true
	rt run --bundle "$B" "$ID"
	[ ! -e "$CG/tote/$ID" ] || fail "run left its cgroup $CG/tote/$ID"
}

t_run_exit3() {
	mkbundle '{}' sh -c 'exit 3'
	local rc=0
	rt run --bundle "$B" "$ID" || rc=$?
	eq "$rc" 3 "exit status"
}

# --- 2. the container's own cgroup -------------------------------------------------

t_own_cgroup() {
	create '{}' sleep 1000
	eq "$(cat "/proc/$PID/cgroup")" "0::/tote/$ID" "/proc/$PID/cgroup"
	grep -qx "$PID" "$CG/tote/$ID/cgroup.procs" || fail "$PID is not in $CG/tote/$ID/cgroup.procs"
	rt delete --force "$ID"
	[ ! -e "$CG/tote/$ID" ] || fail "delete left $CG/tote/$ID"
}

t_clone_into_cgroup() {
	mkbundle '{}' true
	rt --debug run --bundle "$B" "$ID" >/tmp/clone3.log 2>&1 || { cat /tmp/clone3.log; fail "run"; }
	grep -q "starts in its cgroup (clone3 CLONE_INTO_CGROUP)" /tmp/clone3.log ||
		{ cat /tmp/clone3.log; fail "the init was moved, not cloned into its cgroup"; }
}

t_cgroups_path() {
	CGPATH=/vmtest/sub/$ID
	create '{}' sleep 1000
	eq "$(cat "/proc/$PID/cgroup")" "0::/vmtest/sub/$ID" "/proc/$PID/cgroup"
	rt delete --force "$ID"
	[ ! -e "$CG/vmtest" ] || fail "delete left $CG/vmtest (tote created it)"
}

t_shared_parent() {
	local first=$ID
	create '{}' sleep 1000
	ID=${first}b
	create '{}' sleep 1000
	rt delete --force "$first"
	[ ! -e "$CG/tote/$first" ] || fail "delete left $CG/tote/$first"
	[ -d "$DIR" ] || fail "deleting $first removed $DIR"
	grep -qx "$PID" "$DIR/cgroup.procs" || fail "$PID is no longer in $DIR"
	rt delete --force "$ID"
	[ ! -e "$DIR" ] || fail "delete left $DIR"
	# /tote itself stays: the first container made it, the second only found it
}

t_no_delegation() {
	mkdir "$CG/nodeleg"
	CGPATH=/nodeleg/$ID
	mkbundle '{"pids": {"limit": 10}}' true
	if rt create --bundle "$B" "$ID" >/tmp/out 2>&1; then
		rmdir "$CG/nodeleg"
		fail "create succeeded below a parent without +pids in cgroup.subtree_control"
	fi
	cat /tmp/out
	[ ! -e "$CG/nodeleg/$ID" ] || fail "the failed create left $CG/nodeleg/$ID"
	rmdir "$CG/nodeleg"
	grep -q "pids controller is not enabled" /tmp/out || fail "the error does not say the pids controller is missing"
	grep -q "subtree_control" /tmp/out || fail "the error does not point at cgroup.subtree_control"
	note "$(head -n 1 /tmp/out)"
}

t_exec_cgroup() {
	create '{}' sleep 1000
	rt start "$ID"
	eq "$(rt exec "$ID" cat /proc/self/cgroup)" "0::/tote/$ID" "cgroup of an exec'd process"
}

# --- 3. resources, read back from the v2 files -------------------------------

t_pids_max() {
	create '{"pids": {"limit": 42}}' sleep 1000
	eq "$(cat "$DIR/pids.max")" 42 pids.max
}

t_memory_files() {
	create '{"memory": {"limit": 67108864, "reservation": 33554432}}' sleep 1000
	eq "$(cat "$DIR/memory.max")" 67108864 memory.max
	eq "$(cat "$DIR/memory.low")" 33554432 memory.low
}

t_check_before_update() {
	create '{"memory": {"limit": 67108864, "checkBeforeUpdate": true}}' sleep 1000
	# 24 MiB in the container's /dev/shm (tmpfs), charged to its cgroup
	rt exec "$ID" dd if=/dev/zero of=/dev/shm/fill bs=1M count=24 </dev/null
	local out rc=0
	out=$(rt update --memory 8m "$ID" 2>&1) || rc=$?
	[ "$rc" -ne 0 ] || fail "update below the usage was accepted"
	echo "$out" | grep -q "below what the cgroup already uses (checkBeforeUpdate)" || fail "error: $out"
	eq "$(cat "$DIR/memory.max")" 67108864 "memory.max after the refused update"
	rt update --memory 48m "$ID"
	eq "$(cat "$DIR/memory.max")" 50331648 "memory.max after an update above the usage"
}

t_memory_swap() {
	[ -e "$CG/vmswap/memory.swap.max" ] || skip "no memory.swap.max (swap accounting off)"
	create '{"memory": {"limit": 67108864, "swap": 100663296}}' sleep 1000
	eq "$(cat "$DIR/memory.max")" 67108864 memory.max
	# memory+swap 96 MiB - memory 64 MiB = 32 MiB of swap
	eq "$(cat "$DIR/memory.swap.max")" 33554432 memory.swap.max
	rt delete --force "$ID"
	create '{"memory": {"limit": 67108864, "swap": -1}}' sleep 1000
	eq "$(cat "$DIR/memory.swap.max")" max "memory.swap.max for swap -1"
	rt delete --force "$ID"
	create '{"memory": {"limit": 67108864, "swap": 67108864}}' sleep 1000
	eq "$(cat "$DIR/memory.swap.max")" 0 "memory.swap.max for swap = limit"
}

t_unlimited() {
	create '{"pids": {"limit": -1}, "memory": {"limit": -1}}' sleep 1000
	eq "$(cat "$DIR/pids.max")" max "pids.max for -1"
	eq "$(cat "$DIR/memory.max")" max "memory.max for -1"
	if [ -e "$DIR/memory.swap.max" ]; then
		eq "$(cat "$DIR/memory.swap.max")" max "memory.swap.max for limit -1"
	fi
}

t_cpu_files() {
	create '{"cpu": {"shares": 1024, "quota": 20000, "period": 100000, "burst": 10000,
		"cpus": "0", "mems": "0"}}' sleep 1000
	# runc: 1 + ((1024 - 2) * 9999) / 262142 = 39
	eq "$(cat "$DIR/cpu.weight")" 39 cpu.weight
	eq "$(cat "$DIR/cpu.max")" "20000 100000" cpu.max
	eq "$(cat "$DIR/cpu.max.burst")" 10000 cpu.max.burst
	eq "$(cat "$DIR/cpuset.cpus")" 0 cpuset.cpus
	eq "$(cat "$DIR/cpuset.mems")" 0 cpuset.mems
	eq "$(cat "$DIR/cpuset.cpus.effective")" 0 cpuset.cpus.effective
	eq "$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "/proc/$PID/status")" 0 "Cpus_allowed_list of the init"
}

t_cpu_idle() {
	create '{"cpu": {"shares": 512, "idle": 1}}' sleep 1000
	eq "$(cat "$DIR/cpu.idle")" 1 cpu.idle
}

t_cpu_max_unlimited() {
	create '{"cpu": {"quota": -1, "period": 50000}}' sleep 1000
	eq "$(cat "$DIR/cpu.max")" "max 50000" cpu.max
}

t_unified() {
	create '{"unified": {"memory.high": "52428800", "pids.max": "7"}}' sleep 1000
	eq "$(cat "$DIR/memory.high")" 52428800 "memory.high from unified"
	eq "$(cat "$DIR/pids.max")" 7 "pids.max from unified"
}

t_blockio_weight() {
	[ -e "$CG/vmswap/io.weight" ] || skip "no io.weight (no blk-iocost in this kernel)"
	create '{"blockIO": {"weight": 500}}' sleep 1000
	# runc: 1 + (500 - 10) * 9999 / 990 = 1 + 4949 = 4950
	eq "$(cat "$DIR/io.weight")" "default 4950" io.weight
}

t_hugetlb() {
	[ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] || skip "no 2MB huge pages"
	create '{"hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}]}' sleep 1000
	eq "$(cat "$DIR/hugetlb.2MB.max")" 4194304 hugetlb.2MB.max
	if [ -e "$DIR/hugetlb.2MB.rsvd.max" ]; then
		eq "$(cat "$DIR/hugetlb.2MB.rsvd.max")" 4194304 hugetlb.2MB.rsvd.max
	fi
}

t_update() {
	create '{"memory": {"limit": 67108864}, "pids": {"limit": 10}, "cpu": {"shares": 1024}}' sleep 1000
	rt start "$ID"
	rt update --memory 128m --pids-limit 20 --cpu-share 2048 --cpu-quota 30000 \
		--cpu-period 100000 "$ID"
	eq "$(cat "$DIR/memory.max")" 134217728 "memory.max after update --memory 128m"
	eq "$(cat "$DIR/pids.max")" 20 "pids.max after update --pids-limit 20"
	# 1 + (2048 - 2) * 9999 / 262142 = 79
	eq "$(cat "$DIR/cpu.weight")" 79 "cpu.weight after update --cpu-share 2048"
	eq "$(cat "$DIR/cpu.max")" "30000 100000" "cpu.max after update"
	echo '{"pids": {"limit": 30}, "memory": {"limit": 134217728, "swap": 201326592}}' |
		rt update --resources - "$ID"
	eq "$(cat "$DIR/pids.max")" 30 "pids.max after update --resources"
	if [ -e "$DIR/memory.swap.max" ]; then
		eq "$(cat "$DIR/memory.swap.max")" 67108864 "memory.swap.max after update (swap - limit)"
	fi
	eq "$(cat "$DIR/memory.max")" 134217728 "memory.max after update --resources"
	eq "$(status)" running "state after update"
}

t_stats() {
	create '{"memory": {"limit": 67108864}, "pids": {"limit": 50}}' sleep 1000
	rt start "$ID"
	rt events --stats "$ID" >/tmp/out
	cat /tmp/out
	grep -q '"pids":{"current":1' /tmp/out || fail "pids.current of a one-process container"
	grep -q '"memory":{"usage":{"limit":67108864' /tmp/out || fail "memory limit (memory.max)"
	local usage total
	usage=$(sed -n 's/.*"memory":{"usage":{"limit":[0-9]*,"usage":\([0-9]*\).*/\1/p' /tmp/out)
	[ "${usage:-0}" -gt 0 ] || fail "memory usage (memory.current) is ${usage:-missing}"
	total=$(sed -n 's/.*"cpu":{"usage":{"total":\([0-9]*\).*/\1/p' /tmp/out)
	[ "${total:-0}" -gt 0 ] || fail "cpu usage total (cpu.stat usage_usec) is ${total:-missing}"
}

t_events_oom() {
	create '{"memory": {"limit": 16777216, "swap": 16777216}}' sleep 1000
	rt start "$ID"
	# a long interval: the oom event must come from the notification
	rt events --interval 60s "$ID" >/tmp/events 2>&1 &
	local ev=$!
	sleep 0.5
	# it watches memory.events (the process under timeout is tote-oci)
	ls -l /proc/*/fd 2>/dev/null | grep -q 'anon_inode:inotify' || fail "no inotify fd is open"
	rt exec "$ID" tail /dev/zero && fail "tail /dev/zero survived 16 MiB"
	wait_for 10 'grep -q "\"type\":\"oom\",\"id\":\"$ID\"" /tmp/events'
	kill "$ev"
}

# --- 4. limits a process feels -------------------------------------------------

t_pids_fork_loop() {
	mkbundle '{"pids": {"limit": 10}}' \
		sh -c 'i=0; while [ $i -lt 20 ]; do sleep 30 & i=$((i + 1)); echo "$i"; done'
	local rc=0 last
	rt run --bundle "$B" "$ID" >/tmp/out 2>&1 || rc=$?
	cat /tmp/out
	[ "$rc" -ne 0 ] || fail "the fork loop ran to the end (exit 0)"
	grep -qE "can't fork|Resource temporarily unavailable" /tmp/out || fail "no fork failure reported"
	last=$(grep -E '^[0-9]+$' /tmp/out | tail -n 1)
	# sh is pid 1 of the 10: at most 9 sleeps
	[ "${last:-0}" -le 9 ] || fail "$last sleeps started under pids.max 10"
	! pgrep -f '^sleep 30$' >/dev/null || fail "sleeps left after run"
}

# dd's 100 MB buffer is charged as read(2) from /dev/zero fills it
HOG='exec dd if=/dev/zero of=/dev/null bs=100M count=1'

t_memory_oom() {
	mkbundle '{"memory": {"limit": 33554432, "swap": 33554432}}' sh -c "$HOG"
	local rc=0
	rt run --bundle "$B" "$ID" >/tmp/out 2>&1 || rc=$?
	cat /tmp/out
	eq "$rc" 137 "exit status"
	! grep -q "records out" /tmp/out || fail "dd survived"
}

t_memory_events() {
	create '{"memory": {"limit": 33554432, "swap": 33554432}}' sh -c "$HOG"
	rt start "$ID"
	wait_for 30 '[ "$(status)" = stopped ]'
	grep -E '^oom_kill [1-9]' "$DIR/memory.events" || fail "memory.events: $(cat "$DIR/memory.events")"
	rt state "$ID" | grep -q '"oomKilled": *true' || fail "state: $(rt state "$ID")"
}

# --- 5. pause and resume -------------------------------------------------------

t_pause_resume() {
	create '{}' sleep 1000
	rt start "$ID"
	rt pause "$ID"
	eq "$(cat "$DIR/cgroup.freeze")" 1 "cgroup.freeze after pause"
	grep -qx 'frozen 1' "$DIR/cgroup.events" || fail "cgroup.events: $(cat "$DIR/cgroup.events")"
	eq "$(status)" paused "state after pause"
	rt resume "$ID"
	eq "$(cat "$DIR/cgroup.freeze")" 0 "cgroup.freeze after resume"
	grep -qx 'frozen 0' "$DIR/cgroup.events" || fail "cgroup.events: $(cat "$DIR/cgroup.events")"
	eq "$(status)" running "state after resume"
	# a frozen container can be deleted: nothing is left behind
	rt pause "$ID"
	rt delete --force "$ID"
	[ ! -e "$DIR" ] || fail "delete --force of a paused container left $DIR"
	! kill -0 "$PID" 2>/dev/null || fail "the init $PID survived delete --force"
}

# --- 6. what v2 cannot do is refused ---------------------------------------------

# refused RESOURCES FIELD — create fails naming FIELD and leaves no cgroup
refused() {
	mkbundle "$1" true
	if rt create --bundle "$B" "$ID" >/tmp/out 2>&1; then
		fail "create with $1 succeeded"
	fi
	cat /tmp/out
	grep -q "$2" /tmp/out || fail "the error does not name $2"
	[ ! -e "$CG/tote/$ID" ] || fail "the failed create left $CG/tote/$ID"
	note "$(head -n 1 /tmp/out)"
}

t_refuse_swappiness() { refused '{"memory": {"limit": 67108864, "swappiness": 20}}' linux.resources.memory.swappiness; }
t_refuse_realtime() { refused '{"cpu": {"realtimePeriod": 1000000, "realtimeRuntime": 950000}}' linux.resources.cpu.realtime; }
t_refuse_kernel_tcp() { refused '{"memory": {"kernelTCP": 1048576}}' linux.resources.memory.kernelTCP; }
t_refuse_oom_killer() { refused '{"memory": {"disableOOMKiller": true}}' linux.resources.memory.disableOOMKiller; }

# mknod /dev/kmsg (c 1:11, not one of the devices every container gets) and
# write a line to it; /dev/null (a default device) stays writable.
KMSG='mknod /dev/kmsg c 1 11 && { echo totevm >/dev/kmsg && echo kmsg-written || echo kmsg-refused; }
	echo x >/dev/null && echo null-written'

t_devices() {
	local res='{"devices": [{"allow": true, "access": "rwm"},
		{"allow": false, "type": "c", "major": 1, "minor": 11, "access": "rwm"}]}'
	# without rules the write works: a refusal below is the rule's doing
	mkbundle '{}' sh -c "$KMSG"
	rt run --bundle "$B" "$ID" >/tmp/out 2>&1 || { cat /tmp/out; fail "run without device rules"; }
	grep -qx kmsg-written /tmp/out || fail "without rules: $(cat /tmp/out)"
	mkbundle "$res" sh -c "$KMSG"
	if ! rt run --bundle "$B" "$ID" >/tmp/out 2>&1; then
		cat /tmp/out
		grep -q "linux.resources.devices" /tmp/out || fail "the error does not name linux.resources.devices"
		[ ! -e "$CG/tote/$ID" ] || fail "the failed create left $CG/tote/$ID"
		note "devices: refused on v2: $(head -n 1 /tmp/out)"
		return 0
	fi
	cat /tmp/out
	grep -qx kmsg-refused /tmp/out || fail "the deny rule for c 1:11 was not enforced"
	grep -q "Operation not permitted" /tmp/out || fail "no EPERM"
	grep -qx null-written /tmp/out || fail "/dev/null (a default device) is not writable"
	note "devices: applied on v2 (eBPF): write to c 1:11 denied, /dev/null allowed"
}

# --- 7. ps and kill --all list cgroup.procs -----------------------------------------

# the pids `ps --format json` lists, sorted, space-separated
ps_pids() { rt ps --format json "$ID" | tr -d '[] ' | tr ',' '\n' | sort -n | tr '\n' ' '; }

# a container with sh and two sleeps; waits until all three are in its cgroup
three_procs() {
	create '{}' sh -c 'sleep 1000 & sleep 1000 & wait'
	rt start "$ID"
	wait_for 10 '[ "$(nprocs "$DIR")" -eq 3 ]'
}

t_ps() {
	three_procs
	eq "$(ps_pids)" "$(sort -n "$DIR/cgroup.procs" | tr '\n' ' ')" "ps --format json vs cgroup.procs"
	# a process moved into a child cgroup still belongs to the container
	local sleeper
	sleeper=$(grep -vx "$PID" "$DIR/cgroup.procs" | head -n 1)
	mkdir "$DIR/sub"
	echo "$sleeper" >"$DIR/sub/cgroup.procs"
	case " $(ps_pids)" in
	*" $sleeper "*) ;;
	*) fail "ps does not list $sleeper, in $DIR/sub: $(ps_pids)" ;;
	esac
	eq "$(ps_pids | wc -w)" 3 "number of processes"
	rt delete --force "$ID"
	[ ! -e "$DIR" ] || fail "delete left $DIR"
}

t_kill_all_term() {
	three_procs
	# sh (pid 1 of its namespace) ignores TERM; the sleeps die, wait returns
	rt kill --all "$ID" TERM
	wait_for 10 '[ "$(status)" = stopped ]'
	eq "$(nprocs "$DIR")" 0 "processes left in cgroup.procs"
}

# An RDMA device for the rdma controller: the software one (rxe) on a dummy
# link.  Sets $RDMA_DEV, or skips saying what is missing.
rdma_device() {
	[ -f /vm/modules/order ] || skip "no modules for this kernel (TOTE_VM_KERNEL)"
	command -v rdma >/dev/null || skip "no rdma tool on the host (iproute2)"
	grep -qw rdma "$CG/cgroup.controllers" || skip "no rdma controller"
	if [ ! -e /sys/class/infiniband/totevm_rxe ]; then
		local m
		for m in $(cat /vm/modules/order); do
			grep -q "^$m " /proc/modules || insmod "/vm/modules/$m.ko"
		done
		ip link add totevm0 type dummy
		ip link set totevm0 up
		rdma link add totevm_rxe type rxe netdev totevm0
	fi
	RDMA_DEV=totevm_rxe
}

t_rdma() {
	rdma_device
	create "{\"rdma\": {\"$RDMA_DEV\": {\"hcaHandles\": 3, \"hcaObjects\": 1000}}}" sleep 1000
	# the kernel ends the line with a space
	eq "$(grep "^$RDMA_DEV " "$DIR/rdma.max" | sed 's/ *$//')" \
		"$RDMA_DEV hca_handle=3 hca_object=1000" rdma.max
	echo "{\"rdma\": {\"$RDMA_DEV\": {\"hcaHandles\": 5}}}" | rt update --resources - "$ID"
	eq "$(grep "^$RDMA_DEV " "$DIR/rdma.max" | sed 's/ *$//')" "$RDMA_DEV hca_handle=5 hca_object=1000" \
		"rdma.max after update"
}

t_rdma_nodev() {
	rdma_device
	refused '{"rdma": {"nosuchdev": {"hcaHandles": 3}}}' 'no RDMA device "nosuchdev"'
}

t_kill_all_kill() {
	three_procs
	rt kill --all "$ID" KILL
	wait_for 10 '[ "$(status)" = stopped ]'
	eq "$(nprocs "$DIR")" 0 "processes left in cgroup.procs"
	rt delete "$ID"
	[ ! -e "$DIR" ] || fail "delete left $DIR"
}

# --- 6. the systemd cgroup driver (booted with systemd: tests.sh systemd) ------

# The scope of $ID, its cgroup directory, and a property of it.
scope() { echo "tote-$ID.scope"; }
sd_show() { systemctl show -P "$2" "$1"; }

t_sd_scope() {
	RT_FLAGS=--systemd-cgroup
	create '{"memory": {"limit": 67108864}, "pids": {"limit": 42}, "cpu": {"shares": 1024}}' sleep 1000
	eq "$DIR" "$CG/system.slice/$(scope)" "the init's cgroup"
	eq "$(systemctl is-active "$(scope)")" active "the scope"
	eq "$(sd_show "$(scope)" Delegate)" yes "Delegate"
	eq "$(cat "$DIR/memory.max")" 67108864 memory.max
	eq "$(cat "$DIR/pids.max")" 42 pids.max
	eq "$(cat "$DIR/cpu.weight")" 39 cpu.weight
	# systemd knows the limits, so a reload keeps them
	eq "$(sd_show "$(scope)" MemoryMax)" 67108864 "MemoryMax"
	eq "$(sd_show "$(scope)" TasksMax)" 42 "TasksMax"
	systemctl daemon-reload
	eq "$(cat "$DIR/memory.max")" 67108864 "memory.max after daemon-reload"
	eq "$(cat "$DIR/pids.max")" 42 "pids.max after daemon-reload"
	eq "$(cat "$DIR/cpu.weight")" 39 "cpu.weight after daemon-reload"
	rt start "$ID"
	eq "$(status)" running status
	rt delete --force "$ID"
	[ ! -e "$DIR" ] || fail "delete left $DIR"
	! systemctl is-active -q "$(scope)" || fail "the scope is still active"
}

t_sd_update() {
	RT_FLAGS=--systemd-cgroup
	create '{"memory": {"limit": 67108864}, "pids": {"limit": 10}}' sleep 1000
	rt start "$ID"
	rt update --memory 128m --pids-limit 20 --cpu-quota 50000 --cpu-period 100000 "$ID"
	eq "$(cat "$DIR/memory.max")" 134217728 "memory.max after update"
	eq "$(cat "$DIR/cpu.max")" "50000 100000" "cpu.max after update"
	eq "$(sd_show "$(scope)" MemoryMax)" 134217728 "MemoryMax after update"
	eq "$(sd_show "$(scope)" TasksMax)" 20 "TasksMax after update"
	systemctl daemon-reload
	eq "$(cat "$DIR/memory.max")" 134217728 "memory.max after update and daemon-reload"
	eq "$(cat "$DIR/pids.max")" 20 "pids.max after update and daemon-reload"
	eq "$(cat "$DIR/cpu.max")" "50000 100000" "cpu.max after update and daemon-reload"
}

t_sd_cgroups_path() {
	RT_FLAGS=--systemd-cgroup
	CGPATH="machine.slice:vmtest:$ID"
	create '{}' sleep 1000
	eq "$DIR" "$CG/machine.slice/vmtest-$ID.scope" "the init's cgroup"
	eq "$(sd_show "vmtest-$ID.scope" Slice)" machine.slice "Slice"
}

t_sd_exec() {
	RT_FLAGS=--systemd-cgroup
	create '{}' sleep 1000
	rt start "$ID"
	eq "$(rt exec "$ID" cat /proc/self/cgroup)" "0::/system.slice/$(scope)" "cgroup of an exec'd process"
	rt exec -d "$ID" sleep 100
	eq "$(nprocs "$DIR")" 2 "processes in the scope after exec"
}

t_sd_run() {
	RT_FLAGS=--systemd-cgroup
	mkbundle '{"pids": {"limit": 5}}' sh -c 'exit 3'
	local rc=0
	rt run --bundle "$B" "$ID" </dev/null || rc=$?
	eq "$rc" 3 "exit status"
	! systemctl is-active -q "$(scope)" || fail "the scope outlived run"
	[ ! -e "$CG/system.slice/$(scope)" ] || fail "run left the scope's cgroup"
}

t_sd_bad_path() {
	RT_FLAGS=--systemd-cgroup
	CGPATH=/not/a/systemd/path
	mkbundle '{}' true
	if rt create --bundle "$B" "$ID" >/tmp/out 2>&1; then
		fail "create with cgroupsPath $CGPATH succeeded"
	fi
	cat /tmp/out
	grep -q 'must be "slice:prefix:name"' /tmp/out || fail "the error does not show the form"
	[ -z "$(tote-oci list -q)" ] || fail "a container was left"
	note "$(head -n 1 /tmp/out)"
}

t_sd_resources_refused() {
	RT_FLAGS=--systemd-cgroup
	mkbundle '{"memory": {"swappiness": 10}}' true
	if rt create --bundle "$B" "$ID" >/tmp/out 2>&1; then
		fail "create with swappiness succeeded on v2"
	fi
	cat /tmp/out
	grep -q linux.resources.memory.swappiness /tmp/out || fail "the error does not name the field"
	! systemctl is-active -q "$(scope)" || fail "the scope was left"
	[ -z "$(tote-oci list -q)" ] || fail "a container was left"
}

# The same under systemd's hybrid layout (TOTE_VM_HYBRID=1): v1
# controllers, name=systemd, and cgroup2 at /sys/fs/cgroup/unified.

# hcg CONTROLLER — the init's cgroup directory in that v1 hierarchy
hcg() {
	local path
	path=$(awk -F: -v c="$1" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' "/proc/$PID/cgroup")
	echo "$(ls -d "$CG"/*"$1"* | head -n 1)$path"
}

t_sdh_scope() {
	RT_FLAGS=--systemd-cgroup
	mkbundle '{"memory": {"limit": 67108864}, "pids": {"limit": 42}, "cpu": {"shares": 512, "cpus": "0"},
		"devices": [{"allow": false, "access": "rwm"}]}' sleep 1000
	rt create --bundle "$B" "$ID" </dev/null
	PID=$(rt state "$ID" | json_get pid)
	local want="/system.slice/$(scope)" c
	# systemd's hierarchies and tote's (cpuset, devices): the same path
	for c in name=systemd memory pids cpu cpuset devices freezer; do
		eq "$(awk -F: -v c="$c" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' "/proc/$PID/cgroup")" \
			"$want" "the init's $c cgroup"
	done
	eq "$(cat "$(hcg memory)/memory.limit_in_bytes")" 67108864 memory.limit_in_bytes
	eq "$(cat "$(hcg pids)/pids.max")" 42 pids.max
	eq "$(cat "$(hcg cpu)/cpu.shares")" 512 cpu.shares
	eq "$(cat "$(hcg cpuset)/cpuset.cpus")" 0 cpuset.cpus
	! grep -q '^a \*:\* rwm' "$(hcg devices)/devices.list" || fail "the devices cgroup allows every device"
	local devices
	devices=$(cat "$(hcg devices)/devices.list")
	eq "$(sd_show "$(scope)" MemoryLimit)" 67108864 MemoryLimit
	eq "$(sd_show "$(scope)" TasksMax)" 42 TasksMax
	systemctl daemon-reload
	eq "$(cat "$(hcg memory)/memory.limit_in_bytes")" 67108864 "memory.limit_in_bytes after daemon-reload"
	eq "$(cat "$(hcg pids)/pids.max")" 42 "pids.max after daemon-reload"
	eq "$(cat "$(hcg cpu)/cpu.shares")" 512 "cpu.shares after daemon-reload"
	eq "$(cat "$(hcg devices)/devices.list")" "$devices" "devices.list after daemon-reload"
	rt start "$ID"
	rt update --memory 128m "$ID"
	eq "$(cat "$(hcg memory)/memory.limit_in_bytes")" 134217728 "memory.limit_in_bytes after update"
	eq "$(sd_show "$(scope)" MemoryLimit)" 134217728 "MemoryLimit after update"
	rt delete --force "$ID"
	for c in "$CG"/*/; do
		[ ! -e "$c/system.slice/$(scope)" ] || fail "delete left $c/system.slice/$(scope)"
	done
	! systemctl is-active -q "$(scope)" || fail "the scope is still active"
}

# Without systemd's driver on the same host: tote's own cgroups in every
# hierarchy, v1 files, the freezer, and nothing left after delete.
t_v1_fs() {
	mkbundle '{"memory": {"limit": 67108864}, "pids": {"limit": 42}, "cpu": {"shares": 512, "cpus": "0"},
		"devices": [{"allow": false, "access": "rwm"}]}' sleep 1000
	rt create --bundle "$B" "$ID" </dev/null
	PID=$(rt state "$ID" | json_get pid)
	local c
	for c in memory pids cpu cpuset devices freezer; do
		eq "$(awk -F: -v c="$c" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' "/proc/$PID/cgroup")" \
			"/tote/$ID" "the init's $c cgroup"
	done
	eq "$(cat "$(hcg memory)/memory.limit_in_bytes")" 67108864 memory.limit_in_bytes
	eq "$(cat "$(hcg pids)/pids.max")" 42 pids.max
	eq "$(cat "$(hcg cpu)/cpu.shares")" 512 cpu.shares
	eq "$(cat "$(hcg cpuset)/cpuset.cpus")" 0 cpuset.cpus
	! grep -q '^a \*:\* rwm' "$(hcg devices)/devices.list" || fail "the devices cgroup allows every device"
	rt start "$ID"
	rt pause "$ID"
	eq "$(cat "$(hcg freezer)/freezer.state")" FROZEN freezer.state
	rt resume "$ID"
	rt delete --force "$ID"
	for c in "$CG"/*/; do
		[ ! -e "$c/tote/$ID" ] || fail "delete left $c/tote/$ID"
	done
}

t_sdh_run() {
	RT_FLAGS=--systemd-cgroup
	mkbundle '{"pids": {"limit": 5}}' sh -c 'exit 3'
	local rc=0 c
	rt run --bundle "$B" "$ID" </dev/null || rc=$?
	eq "$rc" 3 "exit status"
	for c in "$CG"/*/; do
		[ ! -e "$c/system.slice/$(scope)" ] || fail "run left $c/system.slice/$(scope)"
	done
}

# --- run -----------------------------------------------------------------------

tap "# vm: guest up after $(uptime_ms) ms"
if [ "${1:-}" = systemd ]; then
	# under systemd: the kernel command line is not in the environment
	[ ! -f /vm/only ] || . /vm/only
	if ! grep -q ' cgroup2 ' /proc/mounts; then
		tap "# vm: systemd runs the legacy layout: pure cgroup v1"
		t "pure v1: tote's own cgroups in every hierarchy, the freezer, nothing left" t_v1_fs
		t "systemd pure v1: one path in every hierarchy, limits kept over a reload, update, delete" t_sdh_scope
		t "systemd pure v1: run relays the exit code and leaves no cgroup" t_sdh_run
		tap "1..$N"
		tap "# vm: $FAILED of $N failed"
		tap "# vm: end of tests"
		exit 0
	fi
	if [ -d "$CG/unified" ]; then
		tap "# vm: systemd runs the hybrid layout"
		t "hybrid: tote's own cgroups in every hierarchy, the freezer, nothing left" t_v1_fs
		t "systemd hybrid: one path in every hierarchy, limits kept over a reload, update, delete" t_sdh_scope
		t "systemd hybrid: run relays the exit code and leaves no cgroup" t_sdh_run
		t "systemd hybrid: a cgroupsPath not in the slice:prefix:name form is refused" t_sd_bad_path
		tap "1..$N"
		tap "# vm: $FAILED of $N failed"
		tap "# vm: end of tests"
		exit 0
	fi
	t "systemd: create makes a delegated scope, with the limits as its properties" t_sd_scope
	t "systemd: update rewrites the files and the scope's properties" t_sd_update
	t "systemd: cgroupsPath slice:prefix:name names the slice and the scope" t_sd_cgroups_path
	t "systemd: exec joins the scope" t_sd_exec
	t "systemd: run relays the exit code and the scope goes with the container" t_sd_run
	t "systemd: a cgroupsPath not in the slice:prefix:name form is refused" t_sd_bad_path
	t "systemd: a resource v2 cannot apply fails the create, leaving no scope" t_sd_resources_refused
	tap "1..$N"
	tap "# vm: $FAILED of $N failed"
	tap "# vm: end of tests"
	exit 0
fi
# whether a child cgroup gets memory.swap.max (swap accounting)
mkdir "$CG/vmswap"

t "guest: only cgroup2 is mounted, controllers enabled" t_pure_v2
t "run: true exits 0 and its cgroup is removed" t_run_true
t "run: sh -c 'exit 3' exits 3" t_run_exit3
t "cgroup: the init is in 0::/tote/<id>; delete removes the directory" t_own_cgroup
t "cgroup: the init is cloned straight into its cgroup (no move)" t_clone_into_cgroup
t "cgroup: linux.cgroupsPath /vmtest/sub/<id> is used; delete removes what tote made" t_cgroups_path
t "cgroup: deleting one container leaves another's cgroup under /tote" t_shared_parent
t "cgroup: a parent that does not delegate pids gives an error naming it" t_no_delegation
t "cgroup: exec joins the container's cgroup" t_exec_cgroup
t "resources: pids.limit 42 -> pids.max" t_pids_max
t "resources: memory.limit -> memory.max, reservation -> memory.low" t_memory_files
t "resources: memory.checkBeforeUpdate refuses an update below the usage" t_check_before_update
t "resources: memory.swap -> memory.swap.max = swap - limit" t_memory_swap
t "resources: -1 -> \"max\" in pids.max, memory.max, memory.swap.max" t_unlimited
t "resources: cpu shares 1024 -> cpu.weight 39, quota/period -> cpu.max, burst, cpus, mems" t_cpu_files
t "resources: cpu.idle 1 -> cpu.idle" t_cpu_idle
t "resources: cpu.quota -1 -> cpu.max \"max PERIOD\"" t_cpu_max_unlimited
t "resources: unified memory.high and pids.max are written as given" t_unified
t "resources: blockIO.weight 500 -> io.weight \"default 4950\"" t_blockio_weight
t "resources: hugepageLimits 2MB -> hugetlb.2MB.max" t_hugetlb
t "update: flags and --resources rewrite the v2 files of a running container" t_update
t "events --stats reads the v2 files (pids.current, memory.max/current, cpu.stat)" t_stats
t "events: an OOM kill is an oom event, woken by inotify on memory.events" t_events_oom
t "limits: pids.max 10 stops a fork loop" t_pids_fork_loop
t "limits: memory.max 32 MiB OOM-kills a process growing past it (137)" t_memory_oom
t "limits: the OOM kill is counted in memory.events; state says oomKilled" t_memory_events
t "pause/resume: cgroup.freeze and state follow; delete --force of a paused one" t_pause_resume
t "refused on v2: memory.swappiness" t_refuse_swappiness
t "refused on v2: memory.disableOOMKiller" t_refuse_oom_killer
t "refused on v2: memory.kernelTCP" t_refuse_kernel_tcp
t "refused on v2: cpu.realtimeRuntime and realtimePeriod" t_refuse_realtime
t "devices: a deny rule is applied (eBPF) or refused by name" t_devices
t "ps: lists cgroup.procs, child cgroups included" t_ps
t "kill --all TERM signals every process in cgroup.procs" t_kill_all_term
t "kill --all KILL empties the cgroup" t_kill_all_kill
t "resources: rdma limits of an rxe device -> rdma.max, and update" t_rdma
t "resources: rdma on a device the host lacks fails by name, leaves nothing" t_rdma_nodev

rmdir "$CG/vmswap"
tap "1..$N"
tap "# vm: $FAILED of $N failed"
tap "# vm: end of tests"
