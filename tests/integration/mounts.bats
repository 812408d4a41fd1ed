#!/usr/bin/env bats
# mounts, maskedPaths, readonlyPaths, root.readonly, propagation, and mount
# destinations that try to escape the rootfs through symlinks.

load helpers

# add_mount DESTINATION TYPE SOURCE OPTION...
add_mount() {
	local dest=$1 type=$2 src=$3 opts
	shift 3
	opts=$(json_array "$@")
	update_config '.mounts += [{destination: $d, type: $t, source: $s, options: $o}]' -- \
		--arg d "$dest" --arg t "$type" --arg s "$src" --argjson o "$opts"
}

# The probe's entry for a mount target (the last one, i.e. the top mount).
mount_of() { pj -c --arg t "$1" '[.mounts[] | select(.target == $t)] | last'; }
mount_opts() { pj -r --arg t "$1" '[.mounts[] | select(.target == $t)] | last | .options'; }
has_opt() { [[ ",$1," == *",$2,"* ]]; }

setup() {
	common_setup
	SRC="$TEST_DIR/src"
	mkdir -p "$SRC"
	echo hello >"$SRC/hello"
}

@test "default mounts: proc, dev, devpts, shm, mqueue, sysfs" {
	set_args probe
	run_probe
	[ "$(pj -r '[.mounts[] | select(.target == "/proc")][0].fstype')" = proc ]
	[ "$(pj -r '[.mounts[] | select(.target == "/dev")][0].fstype')" = tmpfs ]
	[ "$(pj -r '[.mounts[] | select(.target == "/dev/pts")][0].fstype')" = devpts ]
	[ "$(pj -r '[.mounts[] | select(.target == "/dev/shm")][0].fstype')" = tmpfs ]
	[ "$(pj -r '[.mounts[] | select(.target == "/dev/mqueue")][0].fstype')" = mqueue ]
	[ "$(pj -r '[.mounts[] | select(.target == "/sys")][0].fstype')" = sysfs ]
	has_opt "$(mount_opts /sys)" ro
	has_opt "$(mount_opts /dev/shm)" noexec
	has_opt "$(mount_opts /dev/shm)" nodev
	has_opt "$(mount_opts /dev/shm)" nosuid
	# mode and size options reach the filesystem
	[[ "$(pj -r '[.mounts[] | select(.target == "/dev")][0].super_options')" == *mode=755* ]]
	[[ "$(pj -r '[.mounts[] | select(.target == "/dev/pts")][0].super_options')" == *ptmxmode=666* ]]
}

@test "bind mount read-only" {
	add_mount /data bind "$SRC" bind ro
	set_args sh -c 'cat /data/hello; touch /data/new && echo WROTE; true'
	run run_foreground "$ID"
	assert_success
	assert_line --index 0 hello
	refute_line WROTE
	[ ! -e "$SRC/new" ]
	set_args probe
	run_probe "$ID-p"
	has_opt "$(mount_opts /data)" ro
}

@test "bind mount read-write" {
	add_mount /data bind "$SRC" bind rw
	set_args sh -c 'cat /data/hello && echo written >/data/new'
	run run_foreground "$ID"
	assert_success
	assert_output hello
	[ "$(cat "$SRC/new")" = written ]
}

@test "bind mount with type none and rbind" {
	add_mount /data none "$SRC" rbind
	set_args cat /data/hello
	run run_foreground "$ID"
	assert_success
	assert_output hello
}

@test "bind mount of a single file" {
	echo injected >"$TEST_DIR/file"
	add_mount /etc/injected bind "$TEST_DIR/file" bind ro
	set_args cat /etc/injected
	run run_foreground "$ID"
	assert_success
	assert_output injected
}

@test "rbind carries submounts, bind does not" {
	mkdir -p "$SRC/sub"
	mount -t tmpfs -o size=1m tote-test "$SRC/sub"
	echo in-submount >"$SRC/sub/f"

	add_mount /recursive bind "$SRC" rbind
	add_mount /single bind "$SRC" bind
	set_args sh -c 'cat /recursive/sub/f; ls -A /single/sub | wc -l'
	run run_foreground "$ID"
	assert_success
	assert_output "in-submount
0"
}

@test "tmpfs with size, mode, nosuid, nodev, noexec" {
	add_mount /scratch tmpfs tmpfs size=1m mode=0700 nosuid nodev noexec
	set_args probe
	run_probe
	[ "$(pj -r '[.mounts[] | select(.target == "/scratch")][0].fstype')" = tmpfs ]
	o=$(mount_opts /scratch)
	has_opt "$o" nosuid
	has_opt "$o" nodev
	has_opt "$o" noexec
	so=$(pj -r '[.mounts[] | select(.target == "/scratch")][0].super_options')
	has_opt "$so" size=1024k
	has_opt "$so" mode=700
}

@test "tmpfs noexec is enforced and mode applied" {
	add_mount /scratch tmpfs tmpfs size=8m mode=0700 noexec
	set_args sh -c 'stat -c %a /scratch; cp /bin/busybox /scratch/bb; { /scratch/bb true; } 2>/dev/null; echo "exec=$?"'
	run run_foreground "$ID"
	assert_success
	assert_line --index 0 700
	assert_line --index 1 --regexp '^exec=(126|127)$'
}

@test "bind mount with nosuid, nodev, noexec is visible in mountinfo" {
	add_mount /data bind "$SRC" rbind nosuid nodev noexec ro
	set_args probe
	run_probe
	o=$(mount_opts /data)
	for f in nosuid nodev noexec ro; do has_opt "$o" "$f" || fail "/data lacks $f: $o"; done
}

@test "mount destinations are created, also deep ones" {
	add_mount /new/deep/dir tmpfs tmpfs size=1m
	set_args probe
	run_probe
	[ "$(pj -r '[.mounts[] | select(.target == "/new/deep/dir")][0].fstype')" = tmpfs ]
}

@test "mounts are made in order (a later mount covers an earlier one)" {
	mkdir -p "$SRC/inner"
	echo visible >"$SRC/inner/f"
	# tmpfs on /a first, then the bind under it: visible
	add_mount /a tmpfs tmpfs size=1m
	add_mount /a/b bind "$SRC/inner" bind
	# bind on /c/d first, then tmpfs on /c: hidden
	add_mount /c/d bind "$SRC/inner" bind
	add_mount /c tmpfs tmpfs size=1m
	set_args sh -c 'cat /a/b/f; test -e /c/d/f && echo not-hidden; true'
	run run_foreground "$ID"
	assert_success
	assert_output visible
}

@test "bind mount of a missing source fails" {
	add_mount /data bind "$TEST_DIR/does-not-exist" bind
	set_args true
	run run_foreground "$ID"
	assert_failure
}

@test "propagation rslave: host mounts appear in the container" {
	mkdir -p "$SRC/late"
	mount --bind "$SRC" "$SRC"
	mount --make-shared "$SRC"
	add_mount /prop bind "$SRC" rbind rslave
	set_args sleep 1000
	run_detached "$ID"
	assert_success

	mount -t tmpfs -o size=1m tote-late "$SRC/late"
	echo late >"$SRC/late/f"
	run rt exec "$ID" cat /prop/late/f </dev/null
	assert_success
	assert_output late
}

@test "propagation rprivate: host mounts do not appear in the container" {
	mkdir -p "$SRC/late"
	mount --bind "$SRC" "$SRC"
	mount --make-shared "$SRC"
	add_mount /prop bind "$SRC" rbind rprivate
	set_args sleep 1000
	run_detached "$ID"
	assert_success

	mount -t tmpfs -o size=1m tote-late "$SRC/late"
	echo late >"$SRC/late/f"
	run rt exec "$ID" ls -A /prop/late </dev/null
	assert_success
	assert_output ""
}

@test "propagation flags show in mountinfo (shared, slave, private)" {
	mount --bind "$SRC" "$SRC"
	mount --make-shared "$SRC"
	add_mount /slave bind "$SRC" rbind rslave
	add_mount /private bind "$SRC" rbind rprivate
	add_mount /shared bind "$SRC" rbind rshared
	set_args probe
	run_probe
	[ "$(pj -c '[.mounts[] | select(.target == "/slave")][0].optional | map(startswith("master:")) | any')" = true ]
	[ "$(pj -c '[.mounts[] | select(.target == "/slave")][0].optional | map(startswith("shared:")) | any')" = false ]
	[ "$(pj -c '[.mounts[] | select(.target == "/private")][0].optional')" = '[]' ]
	[ "$(pj -c '[.mounts[] | select(.target == "/shared")][0].optional | map(startswith("shared:")) | any')" = true ]
}

@test "maskedPaths: files read empty, directories list empty" {
	echo secret >"$BUNDLE/rootfs/etc/secret"
	mkdir -p "$BUNDLE/rootfs/srv/private"
	echo secret >"$BUNDLE/rootfs/srv/private/f"
	update_config '.linux.maskedPaths += ["/etc/secret", "/srv/private", "/no/such/path"]'
	set_args sh -c 'echo "[$(cat /etc/secret)]"; echo "[$(ls -A /srv/private)]"; cat /srv/private/f 2>/dev/null; true'
	run run_foreground "$ID"
	assert_success
	assert_output "[]
[]"
}

@test "readonlyPaths are read-only, the rest stays writable" {
	mkdir -p "$BUNDLE/rootfs/srv/ro"
	update_config '.linux.readonlyPaths += ["/srv/ro"]'
	set_args sh -c 'touch /srv/ro/x 2>/dev/null && echo ro-writable; touch /srv/x && echo rest-writable; { echo 1 >/proc/sys/net/ipv4/ip_forward; } 2>/dev/null && echo procsys-writable; true'
	run run_foreground "$ID"
	assert_success
	assert_output rest-writable
	[ ! -e "$BUNDLE/rootfs/srv/ro/x" ]
}

@test "root.readonly makes / read-only but not the other mounts" {
	update_config '.root.readonly = true'
	set_args sh -c 'touch /x 2>/dev/null && echo root-writable; touch /dev/shm/x && echo shm-writable; true'
	run run_foreground "$ID"
	assert_success
	assert_output shm-writable
	[ ! -e "$BUNDLE/rootfs/x" ]

	set_args probe
	run_probe "$ID-p"
	has_opt "$(mount_opts /)" ro
}

@test "root.readonly false leaves / writable" {
	set_args sh -c 'touch /x && echo root-writable'
	run run_foreground "$ID"
	assert_success
	assert_output root-writable
	[ -e "$BUNDLE/rootfs/x" ]
}

@test "a symlink to an absolute path as mount destination stays in the rootfs" {
	name="tote-escape-$ID"
	ln -s "/etc/$name" "$BUNDLE/rootfs/evil"
	add_mount /evil tmpfs tmpfs size=1m
	set_args probe
	run run_foreground "$ID"
	# creating the mount may be refused; it must never land on the host
	[ ! -e "/etc/$name" ] || { rmdir "/etc/$name" 2>/dev/null; fail "created /etc/$name on the host"; }
	if [ "$status" -eq 0 ]; then
		PROBE=$output
		# the symlink was resolved inside the rootfs
		[ "$(pj -r --arg t "/etc/$name" '[.mounts[] | select(.target == $t)][0].fstype')" = tmpfs ]
		[ -d "$BUNDLE/rootfs/etc/$name" ]
	fi
}

@test "a symlink to ../../.. as mount destination stays in the rootfs" {
	name="tote-escape-$ID"
	ln -s "../../../../../../../../../../../tmp/$name" "$BUNDLE/rootfs/evil"
	add_mount /evil tmpfs tmpfs size=1m
	set_args probe
	run --separate-stderr run_foreground "$ID"
	[ ! -e "/tmp/$name" ] || { rmdir "/tmp/$name" 2>/dev/null; fail "created /tmp/$name on the host"; }
	if [ "$status" -eq 0 ]; then
		PROBE=$output
		[ "$(pj -r --arg t "/tmp/$name" '[.mounts[] | select(.target == $t)][0].fstype')" = tmpfs ]
		[ -d "$BUNDLE/rootfs/tmp/$name" ]
	fi
}

@test "a bind mount through a symlinked parent stays in the rootfs" {
	name="tote-escape-$ID"
	ln -s /etc "$BUNDLE/rootfs/evildir"
	add_mount "/evildir/$name" bind "$SRC" bind
	set_args cat "/etc/$name/hello"
	run run_foreground "$ID"
	[ ! -e "/etc/$name" ] || { rmdir "/etc/$name" 2>/dev/null; fail "created /etc/$name on the host"; }
	if [ "$status" -eq 0 ]; then
		assert_output hello
		[ -d "$BUNDLE/rootfs/etc/$name" ]
	fi
}
