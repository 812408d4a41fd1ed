#!/usr/bin/env bats
# tote cp between the host and a container, running (through its root:
# its volumes seen) or not (its overlay mounted for the copy), with docker
# cp's rules for files, directories, DIR/. and the owners (-a).

load tote_helpers

setup_file() {
	rootfs_tarball
}

setup() {
	store_setup
	HOST="$BATS_TEST_TMPDIR/host"
	mkdir -p "$HOST/d/sub"
	echo f1 >"$HOST/d/a"
	echo f2 >"$HOST/d/sub/b"
	chown -R 1234:1234 "$HOST/d"
	tote run -d --name box -v /vol t/bb:1 sleep 600 >/dev/null
}

teardown() { store_teardown; }

@test "cp host -> container: a directory, a file into a directory, DIR/. contents; owners root unless -a" {
	run -0 tote cp "$HOST/d" box:/tmp
	run -0 tote cp "$HOST/d/a" box:/tmp/renamed
	run -0 tote cp -a "$HOST/d/." box:/home/tote
	run -0 tote exec box sh -c 'stat -c "%u %n" /tmp/d/a /tmp/d/sub/b /tmp/renamed /home/tote/a /home/tote/sub/b; cat /tmp/d/sub/b /tmp/renamed'
	[ "$output" = $'0 /tmp/d/a\n0 /tmp/d/sub/b\n0 /tmp/renamed\n1234 /home/tote/a\n1234 /home/tote/sub/b\nf2\nf1' ]
	# a file over a file is replaced; a directory merges
	echo new >"$HOST/d/a"
	run -0 tote cp "$HOST/d" box:/tmp
	run -0 tote exec box cat /tmp/d/a
	[ "$output" = new ]
}

@test "cp container -> host: a directory made, a file into a directory" {
	tote exec box sh -c 'mkdir -p /out/in && echo o >/out/in/x && ln -s /etc/passwd /out/link'
	run -0 tote cp box:/out "$HOST/got"
	[ "$(cat "$HOST/got/in/x")" = o ]
	# a symlink is copied as a link, not followed
	[ "$(readlink "$HOST/got/link")" = /etc/passwd ]
	mkdir "$HOST/into"
	run -0 tote cp box:/etc/hostname "$HOST/into"
	[ -f "$HOST/into/hostname" ]
}

@test "cp sees the running container's mounts: a volume" {
	run -0 tote cp "$HOST/d/a" box:/vol/
	local src
	src=$(tote inspect box | jq -r '.[0].Id')
	run -0 tote exec box cat /vol/a
	[ "$output" = f1 ]
	# the file is in the volume, not in the container's own layer
	[ ! -e "$STORE/containers/$src/upper/vol/a" ]
}

@test "cp into and out of a container that does not run: its overlay, unmounted again" {
	tote stop -t 0 box >/dev/null
	run -0 tote cp "$HOST/d/a" box:/stopped
	local id
	id=$(tote inspect box | jq -r '.[0].Id')
	[ "$(cat "$STORE/containers/$id/upper/stopped")" = f1 ]
	! grep -q " $STORE/containers/$id/rootfs " /proc/mounts
	run -0 tote cp box:/etc/passwd "$HOST/passwd"
	grep -q '^tote:' "$HOST/passwd"
	tote start box >/dev/null
	run -0 tote exec box cat /stopped
	[ "$output" = f1 ]
}

@test "cp: a symlink in the container cannot lead the copy onto the host" {
	tote exec box ln -s / /escape
	tote exec box ln -s /etc /etc-link
	run -0 tote cp "$HOST/d/a" box:/escape/tmp/escaped
	[ ! -e /tmp/escaped ]
	run -0 tote exec box cat /tmp/escaped
	[ "$output" = f1 ]
}

@test "cp: clear errors for what cannot be copied" {
	run -1 --separate-stderr tote cp box:/nope "$HOST/x"
	[[ "$stderr" == *"tote cp box:/nope $HOST/x: /nope: No such file or directory"* ]]
	run -1 --separate-stderr tote cp "$HOST/d" box:/etc/passwd
	[[ "$stderr" == *"cannot copy the directory"*"onto the file /etc/passwd"* ]]
	run -1 --separate-stderr tote cp "$HOST/d/a" box:/nodir/
	[[ "$stderr" == *"the destination directory /nodir/ does not exist"* ]]
	run -125 --separate-stderr tote cp "$HOST/a" "$HOST/b"
	[[ "$stderr" == *"give one of SRC and DEST as CONTAINER:PATH"* ]]
	run -125 --separate-stderr tote cp nope:/x "$HOST/b"
	[ "$stderr" = "tote: no container nope (see tote ps -a)" ]
}

@test "export: the container's filesystem as a tar (its changes, not its volumes), which import takes back" {
	tote exec box sh -c 'echo changed >/etc/motd2; rm /bin/ls; echo in-volume >/vol/v'
	run -0 tote export -o "$HOST/box.tar" box
	run -0 tar -tf "$HOST/box.tar"
	assert_line etc/motd2
	refute_line bin/ls
	refute_line vol/v
	assert_line home/tote/
	[ "$(tar --numeric-owner -tvf "$HOST/box.tar" | awk '$6 == "home/tote/" { print $2 }')" = 1000/1000 ]
	run -0 tote import "$HOST/box.tar" t/exported:1
	run -0 tote run --rm t/exported:1 sh -c 'cat /etc/motd2; test -e /bin/ls || echo no-ls'
	[ "$output" = $'changed\nno-ls' ]
	# a container that does not run: its overlay, mounted for the export
	tote stop -t 0 box >/dev/null
	run -0 bash -c "$TOTE --root $STORE export box | tar -t | grep -c '^etc/motd2\$'"
	[ "$output" = 1 ]
	! grep -q " $STORE/containers/.*/rootfs " /proc/mounts
	# not to a terminal
	run -125 --separate-stderr script -qec "$TOTE --root $STORE export box" /dev/null
}
