# rootfs.bash — build/rootfs (the built-in busybox image with the probe),
# made once for all parallel bats workers under one lock, and again when
# its sources are newer.  Loaded by helpers.bash and by the suites of the
# `tote` command; REPO must be set.

ROOTFS_SRC="$REPO/build/rootfs"

rootfs_is_stale() {
	[ ! -x "$ROOTFS_SRC/usr/bin/probe" ] && return 0
	[ "$REPO/tests/image/probe.c" -nt "$ROOTFS_SRC/usr/bin/probe" ] && return 0
	[ "$REPO/tests/image/mkrootfs.sh" -nt "$ROOTFS_SRC/usr/bin/probe" ] && return 0
	return 1
}

# ensure_rootfs — build/rootfs made if missing or stale.
ensure_rootfs() {
	mkdir -p "$REPO/build"
	(
		flock 9
		if rootfs_is_stale; then
			"$REPO/tests/image/mkrootfs.sh" "$ROOTFS_SRC" >&2 || exit 1
		fi
	) 9>"$REPO/build/.rootfs.lock"
}
