# tote_helpers.bash — what the suites of the `tote` command share (they do
# not load helpers.bash, whose setup makes a runtime bundle per test).

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
bats_require_minimum_version 1.5.0

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
TOTE="$REPO/build/tote"
ROOTFS_SRC="$REPO/build/rootfs"

# rootfs_tarball — build/rootfs made once for all parallel workers (the same
# lock as helpers.bash), and $TARBALL: a gzip'd tar of it for tote import.
rootfs_tarball() {
	mkdir -p "$REPO/build"
	(
		flock 9
		if [ ! -x "$ROOTFS_SRC/usr/bin/probe" ]; then
			"$REPO/tests/image/mkrootfs.sh" "$ROOTFS_SRC" >&2 || exit 1
		fi
	) 9>"$REPO/build/.rootfs.lock"
	export TARBALL="$BATS_FILE_TMPDIR/rootfs.tar.gz"
	tar -C "$ROOTFS_SRC" -czf "$TARBALL" .
}
