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

# The suites that run containers (run, run_flags, volume, tote_lifecycle,
# top_stats) give each test its own store, $STORE, with the busybox image
# imported as t/bb:1 (rootfs_tarball in setup_file first); the runtime's
# state is /run/tote, as tote run's.  A hang guard for each call, never an
# assertion: a hung command fails the test with 124.
tote() { timeout 60 "$TOTE" --root "$STORE" "$@"; }

store_setup() {
	STORE="$BATS_TEST_TMPDIR/store"
	tote import "$TARBALL" t/bb:1 >/dev/null
}

# every container the test made is removed (rm -f -v), and what a failed
# test left mounted is unmounted (so that bats can remove its tmp dir) and
# reported
store_teardown() {
	local ids
	ids=$(tote ps -a -q --no-trunc 2>/dev/null) || true
	[ -z "$ids" ] || tote rm -f -v $ids >/dev/null 2>&1 || true
	if grep -q " $STORE/" /proc/mounts 2>/dev/null; then
		grep " $STORE/" /proc/mounts | awk '{ print $2 }' | xargs -r -n1 umount -l
		echo "# a mount was left under the store" >&3
	fi
}
