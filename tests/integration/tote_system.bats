#!/usr/bin/env bats
# tote system df and tote system prune: what the store takes and what
# nothing uses.

load tote_helpers

setup_file() {
	rootfs_tarball
}

setup() { store_setup; }
teardown() { store_teardown; }

row() { tote system df | awk -v t="$1" '$0 ~ "^" t { print }'; }

@test "system df: images, containers and volumes, active and reclaimable" {
	run -0 tote system df
	assert_line --index 0 --regexp '^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE$'
	assert_line --regexp '^Images +1 +0 +2\.[0-9]+MB +2\.[0-9]+MB \(100%\)$'
	assert_line --regexp '^Containers +0 +0 +0B +0B \(0%\)$'
	tote run -d --name busy -v data:/data t/bb:1 sh -c 'head -c 100000 /dev/zero >/big; head -c 5000 /dev/zero >/data/f; sleep 600' >/dev/null
	tote run --name done t/bb:1 sh -c 'head -c 3000 /dev/zero >/small'
	local i
	for i in $(seq 50); do
		[[ "$(row Containers)" == *100kB* || "$(row Containers)" == *103kB* ]] && break
		sleep 0.1
	done
	# the image is held by the containers: nothing of it reclaimable
	[[ "$(row Images)" =~ ^Images\ +1\ +1\ +2\.[0-9]+MB\ +0B\ \(0%\)$ ]]
	# 100 kB + 3 kB of their own layers, the 3 kB of the one that exited reclaimable
	[[ "$(row Containers)" =~ ^Containers\ +2\ +1\ +103kB\ +3kB\ \(2%\)$ ]]
	[[ "$(row 'Local Volumes')" =~ ^Local\ Volumes\ +1\ +1\ +5kB\ +0B\ \(0%\)$ ]]
}

@test "system prune: containers that do not run and what no image needs; -a images no container uses; --volumes anonymous ones" {
	tote run -d --name busy t/bb:1 sleep 600 >/dev/null
	tote run --name done -v /anon t/bb:1 true
	tote tag t/bb:1 t/other:1
	tote volume create named >/dev/null
	run -0 tote system prune
	assert_line --index 0 "Deleted Containers:"
	[ "${#lines[@]}" -eq 2 ]
	[ "$(tote ps -a --format json | jq -r .Names)" = busy ]
	# the anonymous volume stays without --volumes
	[ "$(tote volume ls -q | wc -l)" -eq 2 ]
	run -0 tote system prune --volumes
	[ "$(tote volume ls -q)" = named ]
	# -a: no image is unused (busy holds t/bb's id, under both names)
	run -0 tote system prune -a
	[ "$(tote images --format json | jq length)" -eq 2 ]
	tote rm -f busy >/dev/null
	run -0 tote system prune -a -f
	assert_line "Deleted Images:"
	assert_line "untagged: docker.io/t/bb:1"
	assert_line "untagged: docker.io/t/other:1"
	[ -z "$(tote images -q)" ]
	[ -z "$(ls "$STORE/layers")" ]
	[ "$(tote volume ls -q)" = named ]
	run -125 --separate-stderr tote system nope
}
