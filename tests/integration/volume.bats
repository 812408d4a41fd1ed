#!/usr/bin/env bats
# Volumes: tote volume create/ls/inspect/rm/prune, and containers that
# mount them: -v NAME:/PATH (a new volume filled from the image's directory,
# owners and modes kept, as docker does), nocopy, ro, anonymous volumes
# (-v /PATH, --mount type=volume, the image's Volumes) removed with --rm,
# and a volume in use that cannot be removed.
#
# Each test has its own store with the busybox image imported (its
# /home/tote belongs to 1000:1000); the runtime's state is /run/tote.

load tote_helpers

setup_file() {
	rootfs_tarball
	# an image that declares a volume, as a Dockerfile's VOLUME does
	export LAYOUT="$BATS_FILE_TMPDIR/oci"
	"$REPO/tests/image/mkoci.sh" "$LAYOUT"
	umoci config --image "$LAYOUT/busybox:latest" --tag withvol --config.volume /home/tote
}

setup() { store_setup; }
teardown() { store_teardown; }

volumes() { tote volume ls -q | tr '\n' ' '; }

@test "volume create, ls, inspect, rm; create of an existing name gives it back; bad names refused" {
	run -0 tote volume create --label team=db --label flag data
	[ "$output" = data ]
	run -0 tote volume create data
	[ "$output" = data ]
	run -0 tote volume create
	[[ "$output" =~ ^[0-9a-f]{64}$ ]]
	local anon=$output
	run -0 tote volume ls
	assert_line --index 0 --regexp '^DRIVER +VOLUME NAME$'
	assert_line --regexp '^local +data$'
	assert_line --regexp "^local +$anon\$"
	run -0 tote volume inspect data
	[ "$(jq -c '.[0] | [.Name, .Driver, .Scope, .Labels, .Mountpoint, .Anonymous]' <<<"$output")" = \
		"[\"data\",\"local\",\"local\",{\"team\":\"db\",\"flag\":\"\"},\"$STORE/volumes/data/_data\",false]" ]
	[ -d "$STORE/volumes/data/_data" ]
	run -0 tote volume ls --format json
	[ "$(jq -r '.[].Name' <<<"$output" | sort | tr '\n' ' ')" = "$(printf '%s\n' "$anon" data | sort | tr '\n' ' ')" ]
	run -0 tote volume rm data "$anon"
	[ "$output" = $'data\n'"$anon" ]
	[ -z "$(volumes)" ]
	run -125 --separate-stderr tote volume create -x
	run -125 --separate-stderr tote volume create 'bad/name'
	[[ "$stderr" == *'"bad/name" is not a volume name'* ]]
	run -125 --separate-stderr tote volume create a
	run -125 --separate-stderr tote volume inspect nope
	[ "$stderr" = "tote: no such volume: nope (see tote volume ls)" ]
	run -1 --separate-stderr tote volume rm nope
	run -0 tote volume rm -f nope
}

@test "-v NAME:/PATH: a new volume is filled from the image, owners and modes kept; it outlives the container and is not filled again" {
	run -0 tote run --rm -v home:/home t/bb:1 sh -c 'stat -c "%u:%g %a %n" /home/tote; echo kept >/home/tote/note; rm -r /home/tote/.profile 2>/dev/null; true'
	assert_output "1000:1000 755 /home/tote"
	[ "$(stat -c %u:%g "$STORE/volumes/home/_data/tote")" = 1000:1000 ]
	# the next container sees what the last one left, not the image again
	run -0 tote run --rm -v home:/home t/bb:1 cat /home/tote/note
	[ "$output" = kept ]
	# the image's own directory was not changed
	run -0 tote run --rm t/bb:1 ls /home/tote
	refute_output --partial note
	[ "$(volumes)" = "home " ]
}

@test "-v NAME:/PATH:nocopy stays empty; :ro is read-only" {
	run -0 tote run --rm -v empty:/home:nocopy t/bb:1 ls -A /home
	[ -z "$output" ]
	run -0 tote run --rm -v empty:/home:ro t/bb:1 sh -c 'touch /home/x 2>&1; true'
	assert_output --partial "Read-only file system"
	run -0 tote run --rm --mount type=volume,source=empty,target=/m,readonly t/bb:1 sh -c 'touch /m/x 2>&1; true'
	assert_output --partial "Read-only file system"
}

@test "anonymous volumes (-v /PATH, --mount type=volume): made per container, removed with --rm, kept without it until volume prune" {
	run -0 tote run --rm -v /home --mount type=volume,target=/data t/bb:1 sh -c 'ls /home; grep -c -E " /(home|data) " /proc/mounts'
	assert_line tote
	assert_line 2
	[ -z "$(volumes)" ]
	run -0 tote run --name kept -v /home t/bb:1 true
	run -0 tote volume ls -q
	[ "${#lines[@]}" -eq 1 ]
	local anon=${lines[0]}
	[ "$(tote volume inspect "$anon" | jq '.[0].Anonymous')" = true ]
	# in use by the stopped container: neither rm nor prune removes it
	run -1 --separate-stderr tote volume rm "$anon"
	[[ "$stderr" == *"is in use by container"*"tote rm"* ]]
	run -0 tote volume prune
	[ -z "$output" ]
	[ "$(volumes)" = "$anon " ]
	run -0 tote rm kept
	run -0 tote volume prune
	[ "$output" = $'Deleted Volumes:\n'"$anon" ]
	[ -z "$(volumes)" ]
	# rm -v takes them with the container; a named one stays
	run -0 tote run --name kept2 -v /home -v named:/data t/bb:1 true
	[ "$(tote volume ls -q | wc -l)" -eq 2 ]
	run -0 tote rm -v kept2
	[ "$(volumes)" = "named " ]
}

@test "-d --rm: the anonymous volumes go when the container exits" {
	run -0 tote run -d --rm -v /home t/bb:1 sleep 2
	[ -n "$(volumes)" ]
	# gone with the container (wait may find it removed already: exit 1)
	tote wait "$output" >/dev/null 2>&1 || true
	[ -z "$(tote ps -a -q)" ]
	[ -z "$(volumes)" ]
}

@test "volume prune removes anonymous volumes only, unless --all" {
	tote volume create named >/dev/null
	local anon
	anon=$(tote volume create)
	run -0 tote volume prune
	[ "$output" = $'Deleted Volumes:\n'"$anon" ]
	[ "$(volumes)" = "named " ]
	run -0 tote volume prune --all -f
	[ "$output" = $'Deleted Volumes:\nnamed' ]
}

@test "an image's Volumes become anonymous volumes, filled from the image" {
	skopeo copy -q "oci:$LAYOUT/busybox:withvol" "oci:$STORE/images:docker.io/t/withvol:1"
	run -0 tote run --name v t/withvol:1 sh -c 'grep -c " /home/tote " /proc/mounts; stat -c %u /home/tote'
	[ "$output" = $'1\n1000' ]
	run -0 tote volume ls -q
	[ "${#lines[@]}" -eq 1 ]
	# a named volume on that path takes its place
	run -0 tote run --rm -v mine:/home/tote t/withvol:1 true
	run -0 tote volume ls -q
	[ "${#lines[@]}" -eq 2 ]
	tote rm v
}

@test "bad volume options are refused, and nothing is made" {
	run -125 --separate-stderr tote run --rm -v 'x/y:/d' t/bb:1 true
	[[ "$stderr" == *'-v "x/y:/d": "x/y" is not a volume name'* ]]
	run -125 --separate-stderr tote run --rm -v 'vol:/d:rshared' t/bb:1 true
	[[ "$stderr" == *'unknown option "rshared"'* ]]
	run -125 --separate-stderr tote run --rm --mount type=volume,source=vol,target=/d,tmpfs-size=1m t/bb:1 true
	[[ "$stderr" == *"a volume takes source=NAME"* ]]
	[ -z "$(volumes)" ]
	[ -z "$(ls "$STORE/containers")" ]
}

@test "inspect: Mounts lists the volumes, binds and tmpfs mounts, as docker's" {
	mkdir -p "$BATS_TEST_TMPDIR/h"
	tote run --name m -v vv:/data -v "$BATS_TEST_TMPDIR/h:/h:ro" --tmpfs /t --init t/bb:1 true
	run -0 tote inspect m
	[ "$(jq -c '.[0].Mounts' <<<"$output")" = "[{\"Type\":\"volume\",\"Source\":\"$STORE/volumes/vv/_data\",\"Destination\":\"/data\",\"Mode\":\"\",\"RW\":true,\"Propagation\":\"\",\"Name\":\"vv\",\"Driver\":\"local\"},{\"Type\":\"bind\",\"Source\":\"$BATS_TEST_TMPDIR/h\",\"Destination\":\"/h\",\"Mode\":\"ro\",\"RW\":false,\"Propagation\":\"rprivate\"},{\"Type\":\"tmpfs\",\"Source\":\"\",\"Destination\":\"/t\",\"Mode\":\"\",\"RW\":true,\"Propagation\":\"\"}]" ]
}
