#!/usr/bin/env bats
# tote run, in the foreground: an image's container made, run under its
# monitor through the runtime library and cleaned up; the image config applied as docker does
# (Env, Entrypoint, Cmd, WorkingDir, User) and the flags that change it;
# docker's exit codes; tote ps and tote rm.  The images come from the
# busybox rootfs: one imported (tote import), one made with umoci (its
# config set with umoci config) and copied into tote's store by skopeo,
# which tote unpacks when it first runs it.
#
# helpers.bash is not loaded (it makes a runtime bundle per test).  Each
# test has its own store; the runtime's state is /run/tote, as tote run's.

load tote_helpers

setup_file() {
	rootfs_tarball
	# an image whose config says what to run, as a Dockerfile would
	export LAYOUT="$BATS_FILE_TMPDIR/oci"
	"$REPO/tests/image/mkoci.sh" "$LAYOUT"
	umoci config --image "$LAYOUT/busybox:latest" --tag configured \
		--config.entrypoint sh --config.entrypoint -c \
		--config.cmd 'echo "cmd $FOO in $(pwd) as $(id -un)"' \
		--config.env FOO=from-image --config.env BAR=kept \
		--config.workingdir /home/tote --config.user tote
}

setup() { store_setup; }
teardown() { store_teardown; }

# the configured image, copied into the store by skopeo
configured() {
	skopeo copy -q "oci:$LAYOUT/busybox:configured" "oci:$STORE/images:docker.io/t/configured:1"
}

@test "run --rm: the command's output and exit status; nothing of the container stays" {
	run -3 --separate-stderr tote run --rm t/bb:1 sh -c 'echo out; echo err >&2; exit 3'
	[ "$output" = out ]
	[ "$stderr" = err ]
	[ -z "$(ls "$STORE/containers")" ]
	! grep -q " $STORE/" /proc/mounts
	run -0 tote ps -a -q
	[ -z "$output" ]
}

@test "run --rm: the writable layer is a volatile overlay (never synced: it goes with the container); without --rm it is not" {
	id=$(tote run -d --rm --network none t/bb:1 sleep 600)
	run -0 grep " $STORE/containers/$id/rootfs overlay " /proc/mounts
	[[ "$output" == *volatile* ]] # (shown as "fsync=volatile" by newer kernels)
	tote rm -f "$id" >/dev/null
	id=$(tote run -d --network none t/bb:1 sleep 600)
	run -0 grep " $STORE/containers/$id/rootfs overlay " /proc/mounts
	[[ "$output" != *volatile* ]]
}

@test "run: the rootfs is the image's, copy-on-write: the image's layer is not changed" {
	run -0 tote run --rm t/bb:1 sh -c 'echo changed >/etc/motd-new; rm /bin/cat; ls /etc/motd-new'
	local layer
	layer=$(ls -d "$STORE"/layers/*/fs)
	[ ! -e "$layer/etc/motd-new" ]
	[ -e "$layer/bin/cat" ]
}

@test "run: the image's Entrypoint, Cmd, Env, WorkingDir and User (an image skopeo copied in)" {
	configured
	run -0 --separate-stderr tote run --rm t/configured:1
	[ "$output" = "cmd from-image in /home/tote as tote" ]
}

@test "run: arguments replace Cmd, -e, -w and -u override the image, -e KEY takes tote's own" {
	configured
	run -0 tote run --rm t/configured:1 'echo "$FOO $BAR $BAZ $(pwd) $(id -u):$(id -g)"'
	[ "$output" = "from-image kept  /home/tote 1000:1000" ]
	BAZ=from-host run -0 tote run --rm -e FOO=flag -e BAZ -w /tmp -u 0:5 t/configured:1 \
		'echo "$FOO $BAR $BAZ $(pwd) $(id -u):$(id -g)"'
	[ "$output" = "flag kept from-host /tmp 0:5" ]
	run -0 tote run --rm -u root t/configured:1 'id -un'
	[ "$output" = root ]
}

@test "run: --entrypoint replaces the Entrypoint and drops the Cmd; an empty one runs the arguments" {
	configured
	run -0 tote run --rm --entrypoint echo t/configured:1 hi
	[ "$output" = hi ]
	# --entrypoint alone: no Cmd of the image
	run -0 tote run --rm --entrypoint pwd t/configured:1
	[ "$output" = /home/tote ]
	run -0 tote run --rm --entrypoint "" t/configured:1 echo direct
	[ "$output" = direct ]
}

@test "run: docker's exit codes: 127 command not found, 126 not executable, 125 tote's own errors" {
	run -127 --separate-stderr tote run --rm t/bb:1 no-such-command
	[[ "$stderr" == *no-such-command* ]]
	run -126 --separate-stderr tote run --rm t/bb:1 /etc/passwd
	# a directory is no command either: execve's EACCES, as docker's 126
	run -126 --separate-stderr tote run --rm t/bb:1 /etc
	[[ "$stderr" == *"/etc is not an executable file"* ]]
	run -125 --separate-stderr tote run --rm -w /etc/passwd t/bb:1 true
	[[ "$stderr" == *"working directory /etc/passwd"* ]]
	run -125 --separate-stderr tote run --bogus t/bb:1 true
	[[ "$stderr" == *bogus* ]]
	run -125 --separate-stderr tote run --restart sometimes t/bb:1 true
	[[ "$stderr" == *"--restart sometimes"* ]]
	run -125 --separate-stderr tote run --rm no/such-image:1 true
	run -125 --separate-stderr tote run --rm -u nobody-here t/bb:1 true
	[[ "$stderr" == *'user "nobody-here": no such user'* ]]
	[ -z "$(ls "$STORE/containers")" ]
	! grep -q " $STORE/" /proc/mounts
}

@test "run -w: a working directory the image lacks is made (root's, 0755), as docker does" {
	run -0 tote run --rm --network none -u tote -w /new/dir t/bb:1 sh -c 'pwd; stat -c "%u %a" /new/dir /new'
	[ "$output" = $'/new/dir\n0 755\n0 755' ]
}

@test "run: the image's command runs as pid 1 in new namespaces, with docker's capabilities" {
	run -0 tote run --rm t/bb:1 sh -c 'echo $$; hostname; grep ^CapEff /proc/self/status'
	assert_line --index 0 1
	assert_line --index 1 --regexp '^[0-9a-f]{12}$'
	# docker's 14: 0xa80425fb
	assert_line --index 2 --regexp 'CapEff:[[:space:]]+00000000a80425fb'
	run -0 tote run --rm --hostname box t/bb:1 hostname
	[ "$output" = box ]
}

@test "run: docker's default seccomp profile (containers-common's), for the container's capabilities" {
	run -0 tote run --name sc t/bb:1 grep ^Seccomp: /proc/self/status
	assert_output --regexp 'Seccomp:[[:space:]]+2'
	local id
	id=$(tote ps -a -q --no-trunc)
	run -0 jq -r '.linux.seccomp | .defaultAction, (.syscalls | length > 10), (.architectures | index("SCMP_ARCH_X86_64") != null)' \
		"$STORE/containers/$id/config.json"
	assert_output "$(printf 'SCMP_ACT_ERRNO\ntrue\ntrue')"
	tote rm sc
}

@test "ps -a and rm: a container kept after it exits, by name or id; a name in use is refused" {
	run -0 tote run --name keeper t/bb:1 sh -c 'exit 4' || true
	run -0 tote ps -a
	assert_line --regexp 'docker.io/t/bb:1 +"sh -c exit 4" +Exited \(4\) .* ago +keeper$'
	run -0 tote ps -q
	[ -z "$output" ]
	run -125 --separate-stderr tote run --name keeper t/bb:1 true
	[[ "$stderr" == *'the name "keeper" is in use by container'* ]]
	local id
	id=$(tote ps -a -q --no-trunc)
	[[ $id =~ ^[0-9a-f]{64}$ ]]
	[ -d "$STORE/containers/$id/upper" ]
	run -0 tote rm keeper
	[ ! -e "$STORE/containers/$id" ]
	run -1 tote rm keeper
	assert_output --partial "no container keeper"
}

@test "rmi: an image a container uses is refused, rmi -f untags it and the container keeps its layers until rm" {
	run -0 tote run --name user t/bb:1 true
	run -125 --separate-stderr tote rmi t/bb:1
	[[ "$stderr" == *"image t/bb:1 is used by 1 container(s)"* ]]
	run -0 tote images -q
	[ -n "$output" ]
	run -0 tote rmi -f t/bb:1
	run -0 tote images -q
	[ -z "$output" ]
	# the layers stay for the container, also through a prune
	run -0 tote image prune
	[ -n "$(ls "$STORE/layers")" ]
	run -0 tote rm user
	run -0 tote image prune
	[ -z "$(ls "$STORE/layers")" ]
	[ "$(find "$STORE/images/blobs/sha256" -type f | wc -l)" = 0 ]
	[ -z "$(ls "$STORE/holds")" ]
}

@test "run --rootfs: a directory is the root as it is; an archive is unpacked and goes with the container" {
	local dir="$BATS_TEST_TMPDIR/rootfs"
	cp -a "$ROOTFS_SRC" "$dir"
	run -0 tote run --rm --rootfs "$dir" sh -c 'echo in-dir; touch /made-inside'
	[ "$output" = in-dir ]
	[ -e "$dir/made-inside" ]
	run -3 tote run --rm --rootfs "$TARBALL" sh -c 'id -un; exit 3'
	[ "$output" = root ]
	run -0 tote run --name fromtar --rootfs "$TARBALL" true
	run -0 tote ps -a
	assert_line --regexp "^[0-9a-f]{12} +$TARBALL +\"true\" +Exited \(0\) .* ago +fromtar$"
	run -0 tote rm fromtar
	[ -z "$(ls "$STORE/containers")" ]
	# errors: tote's own (125), not the command's
	run -125 --separate-stderr tote run --rm --rootfs "$BATS_TEST_TMPDIR/nope" sh
	[[ "$stderr" == *"--rootfs $BATS_TEST_TMPDIR/nope"* ]]
	run -125 --separate-stderr tote run --rm --rootfs "$dir"
	[[ "$stderr" == *"needs"* ]]
	echo "not an archive" >"$BATS_TEST_TMPDIR/bad.tar"
	run -125 --separate-stderr tote run --rm --rootfs "$BATS_TEST_TMPDIR/bad.tar" true
	[[ "$stderr" == *"--rootfs $BATS_TEST_TMPDIR/bad.tar"* ]]
	[ -z "$(ls "$STORE/containers")" ]
	! grep -q " $STORE/" /proc/mounts
}
