#!/usr/bin/env bats
# CVE-2019-5736 against the engine: every process tote puts into a
# container is a fork of the monitor (run, start, restart) or of tote exec,
# so their /proc/PID/exe must be a copy of tote that cannot be written, not
# the installed binary.  The tests run a throwaway copy of tote and, as the
# attack does, hold /proc/PID/exe open (O_PATH), let the process go, then
# reopen it for writing: refused, and the copy unchanged.

load tote_helpers

setup_file() {
	rootfs_tarball
}

setup() {
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	cp "$REPO/build/tote" "$REPO/build/tote-init" "$BATS_TEST_TMPDIR/bin/"
	TOTE="$BATS_TEST_TMPDIR/bin/tote"
	SUM=$(sha256sum <"$TOTE")
	PROBE="$ROOTFS_SRC/usr/bin/probe"
	store_setup
}

teardown() { store_teardown; }

# errno values that mean "refused": EPERM EACCES ETXTBSY EROFS
refused_errno() { [[ "$1" =~ ^(1|13|26|30)$ ]]; }

# hold_exe PID — the probe (run on the host) holds /proc/PID/exe; its
# report goes to $BATS_TEST_TMPDIR/hold.out once $BATS_TEST_TMPDIR/flag is made
hold_exe() {
	"$PROBE" hold-exe "$1" "$BATS_TEST_TMPDIR/flag" >"$BATS_TEST_TMPDIR/hold.out" 2>&1 &
	HOLDER=$!
	for _ in $(seq 200); do [ -e "$BATS_TEST_TMPDIR/flag.held" ] && return 0; sleep 0.1; done
	fail "the probe did not hold /proc/$1/exe"
}

# reopen_refused — after the held process has gone: the write was refused
# and the copy of tote is what it was
reopen_refused() {
	touch "$BATS_TEST_TMPDIR/flag"
	wait "$HOLDER"
	out=$(cat "$BATS_TEST_TMPDIR/hold.out")
	jq -e . >/dev/null <<<"$out" || fail "holder output: $out"
	[ "$(jq -r .target <<<"$out")" != "$TOTE" ] || fail "the process ran the binary itself: $out"
	refused_errno "$(jq -r .errno <<<"$out")" || refused_errno "$(jq -r .write_errno <<<"$out")" ||
		fail "tote's binary was written: $out"
	[ "$(sha256sum <"$TOTE")" = "$SUM" ] || fail "tote's binary changed: $out"
}

@test "the monitor (parent of the container's processes) runs from a copy no one can write" {
	tote run -d --name c --network none t/bb:1 sleep 600 >/dev/null
	pid=$(tote inspect c | jq -r '.[0].State.Pid')
	mon=$(awk '{ print $4 }' "/proc/$pid/stat")
	[ "$(cat "/proc/$mon/comm")" = tote-monitor ]
	hold_exe "$mon"
	tote rm -f c >/dev/null
	for _ in $(seq 200); do [ -e "/proc/$mon" ] || break; sleep 0.1; done
	[ ! -e "/proc/$mon" ]
	reopen_refused
}

@test "tote exec runs from a copy no one can write" {
	tote run -d --name c --network none t/bb:1 sleep 600 >/dev/null
	# tote itself in the background (not the tote() wrapper): $! is its pid
	"$TOTE" --root "$STORE" exec c sleep 600 &
	ex=$!
	# up when its child (the command, in the container) is
	for _ in $(seq 200); do child=$(pgrep -P "$ex" -x sleep) && break; sleep 0.1; done
	[ -n "$child" ]
	hold_exe "$ex"
	kill -KILL "$child"
	wait "$ex" || true
	reopen_refused
}

@test "--init: tote-init is found beside the binary tote was started from" {
	run -0 tote run --rm --init --network none t/bb:1 cat /proc/1/cmdline
	[[ "$output" == /dev/init* ]]
}
