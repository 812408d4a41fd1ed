# tote_helpers.bash — what the suites of the `tote` command share (they do
# not load helpers.bash, whose setup makes a runtime bundle per test).

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
bats_require_minimum_version 1.5.0

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
TOTE="$REPO/build/tote"
load rootfs

# rootfs_tarball — build/rootfs (rootfs.bash), and $TARBALL: a gzip'd tar
# of it for tote import.
rootfs_tarball() {
	ensure_rootfs
	export TARBALL="$BATS_FILE_TMPDIR/rootfs.tar.gz"
	tar -C "$ROOTFS_SRC" -czf "$TARBALL" .
}
