#!/usr/bin/env bats
# Robustness of the engine's state: 20 runs at once, tote killed with
# SIGKILL at points of a run, the runtime's state in /run lost (as after a
# reboot), and store files broken by hand.

load tote_helpers

setup_file() {
	rootfs_tarball
}

setup() { store_setup; }
teardown() { store_teardown; }

# nothing of the store's containers stays on the host: mounts, runtime
# state, network namespaces
nothing_left() {
	! grep -q " $STORE/" /proc/mounts
	local id
	for id in "$@"; do
		[ ! -e "/run/tote/$id" ]
		[ ! -e "/run/tote-net/netns/$id" ]
	done
}

@test "20 tote run -d at once: all run, with their names; tote ps during the storm never fails" {
	local i pids=()
	for i in $(seq 20); do
		tote run -d --network none --name "c$i" t/bb:1 sleep 600 >/dev/null &
		pids+=($!)
	done
	# ps while they come: never an error, never a half-written container
	for i in $(seq 15); do
		run -0 --separate-stderr tote ps -a --format json
		[ -z "$stderr" ]
		[ -z "$output" ] || jq -e -s 'all(.[]; .ID != null and .Names != null)' <<<"$output" >/dev/null
	done
	for i in "${pids[@]}"; do
		wait "$i"
	done
	[ "$(tote ps -q | wc -l)" -eq 20 ]
	[ "$(tote ps --format json | jq -r .Names | sort -u | wc -l)" -eq 20 ]
}

@test "tote killed with SIGKILL during run: ps -a stays consistent, rm -f removes everything" {
	local delay pid
	for delay in 0.02 0.1 0.3 0.6; do
		tote run --name "k${delay#0.}" t/bb:1 sleep 600 >/dev/null 2>&1 &
		pid=$!
		sleep "$delay"
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	run -0 tote ps -a --format json
	local ids
	ids=$(tote ps -a -q --no-trunc)
	# whatever was made is a container ps shows, and rm -f takes it all
	if [ -n "$ids" ]; then
		run -0 tote rm -f -v $ids
	fi
	[ -z "$(tote ps -a -q)" ]
	[ -z "$(ls "$STORE/containers")" ]
	nothing_left $ids
}

@test "the runtime's state in /run lost (a reboot): the container shows Exited, and starts again" {
	local id init mon
	id=$(tote run -d --name r t/bb:1 sh -c 'echo up; sleep 600')
	init=$(tote inspect r | jq '.[0].State.Pid')
	mon=$(jq .monitor_pid "$STORE/containers/$id/container.json")
	# what a reboot takes: the processes, the mounts, /run
	kill -KILL "$mon" "$init"
	sleep 0.3
	umount "$STORE/containers/$id/rootfs"
	rm -rf "/run/tote/$id"
	if [ -e "/run/tote-net/netns/$id" ]; then
		umount "/run/tote-net/netns/$id" 2>/dev/null || true
		rm -f "/run/tote-net/netns/$id"
	fi
	run -0 tote ps -a --format json
	[ "$(jq -r .State <<<"$output")" = exited ]
	run -0 tote start r
	[ "$(tote inspect r | jq -r .[0].State.Status)" = running ]
	run -0 tote exec r true
	[ "$(tote logs r | grep -c up)" -ge 2 ]
}

@test "store files broken by hand: one clear error naming the file, never a crash; rm -f still cleans up" {
	local id
	id=$(tote run -d --name b t/bb:1 sleep 600)
	printf '{"id":' >"$STORE/containers/$id/container.json"
	run -0 --separate-stderr tote ps -a
	[[ "$stderr" == *"containers/$id has no readable container.json"*"tote rm $id"* ]]
	run -0 tote rm -f "$id"
	[ -z "$(ls "$STORE/containers")" ]
	nothing_left "$id"
	# the image index
	cp "$STORE/images/index.json" "$BATS_TEST_TMPDIR/index.json"
	echo '{bad' >"$STORE/images/index.json"
	run -125 --separate-stderr tote images
	[[ "$stderr" == *"$STORE/images/index.json is not an OCI index"* ]]
	run -125 --separate-stderr tote run --rm t/bb:1 true
	[[ "$stderr" == *"index.json"* ]]
	cp "$BATS_TEST_TMPDIR/index.json" "$STORE/images/index.json"
	# a volume's record
	tote volume create v1 >/dev/null
	echo nope >"$STORE/volumes/v1/volume.json"
	run -125 --separate-stderr tote volume inspect v1
	[ "$stderr" = "tote: no such volume: v1 (see tote volume ls)" ]
}
