#!/usr/bin/env bats
# tote pull, images, rmi and image ls|rm|prune|inspect against a real
# registry: the offline fixtures of tests/image (mkoci.sh layouts pushed to
# a private docker-registry by registry.sh), driven through build/tote.
#
# helpers.bash is not loaded: its setup needs the runtime and makes a bundle
# per test, and nothing here runs a container.  As in registry.bats, one
# registry serves the whole file: setup_file builds the layouts, starts it
# and pushes test/busybox, test/multi and test/shared once; teardown_file
# stops it (bats runs teardown_file even when setup_file fails).
#
# Every test pulls into its own fresh store ($STORE, under
# $BATS_TEST_TMPDIR), so tests do not depend on each other.  What a test
# starts besides (an overlay mount, a second registry, background pulls) is
# recorded in $BATS_TEST_TMPDIR and undone by teardown, also when the test
# fails half-way.  No fixed port or global path is used: tests/run.sh runs
# .bats files side by side.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
bats_require_minimum_version 1.5.0

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
MKOCI="$REPO/tests/image/mkoci.sh"
REGISTRY_SH="$REPO/tests/image/registry.sh"
load rootfs
# TOTE_BIN: the tote to test (default: build/tote of this tree)
TOTE=${TOTE_BIN:-$REPO/build/tote}
# A hang guard for each tote call, never an assertion: a hung pull fails
# the test with 124 instead of stalling the whole run.
TOTE_TIMEOUT=${TOTE_TIMEOUT:-60}

# ---------------------------------------------------------------------------
# fixtures: layouts, digests, the file's registry
# ---------------------------------------------------------------------------

# layout_digest LAYOUT — the digest tag latest points at in an OCI layout.
layout_digest() {
	jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "latest") | .digest' \
		"$1/index.json"
}

# blob LAYOUT DIGEST — path of a blob in an OCI layout (the store's too).
blob() { echo "$1/blobs/sha256/${2#sha256:}"; }

# hex DIGEST — the digest without "sha256:".
hex() { echo "${1#sha256:}"; }

# short DIGEST — how progress lines show a digest: sha256: and 12 hex digits.
short() { echo "${1:0:19}"; }

# Progress lines (stderr, not a terminal) name a blob by short DIGEST:
#   Copying config|blob sha256:<12 hex> <how much, when downloaded>
#   Copying config|blob sha256:<12 hex> skipped: already exists
#   Unpacking layer sha256:<12 hex>
# What follows a downloaded blob's digest (its size) is not checked.

# copies TEXT KIND DIGEST — how many lines of TEXT say KIND (config, blob)
# DIGEST was downloaded.
copies() {
	grep -E "^Copying $2 $(short "$3")( |\$)" <<<"$1" | grep -vc 'skipped: already exists' || true
}

# skipped TEXT KIND DIGEST — TEXT says KIND DIGEST was in the store already.
skipped() { grep -qxF "Copying $2 $(short "$3") skipped: already exists" <<<"$1"; }

# unpacks TEXT DIGEST — how many lines of TEXT say layer DIGEST was unpacked.
unpacks() { grep -cxF "Unpacking layer $(short "$2")" <<<"$1" || true; }

# chain_id PARENT_CHAIN DIFF_ID — the OCI chain id, as "sha256:<hex>";
# the first layer's is its diff id (PARENT_CHAIN empty).
chain_id() {
	if [ -z "$1" ]; then
		echo "$2"
	else
		echo "sha256:$(printf '%s %s' "$1" "$2" | sha256sum | cut -d' ' -f1)"
	fi
}

setup_file() {
	# Nothing here runs when build/tote is missing: say so once, clearly.
	[ -x "$TOTE" ] || {
		echo "$TOTE is not built (run make)" >&2
		return 1
	}
	ensure_rootfs
	# The registry log is read by line offsets (log_mark/log_since): tests of
	# this file must not run side by side if bats is started with --jobs.
	export BATS_NO_PARALLELIZE_WITHIN_FILE=true

	export OCI="$BATS_FILE_TMPDIR/oci"
	"$MKOCI" "$OCI"
	export REG_DIR="$BATS_FILE_TMPDIR/registry"
	PORT=$("$REGISTRY_SH" start "$REG_DIR")
	export PORT REG="127.0.0.1:$PORT"
	local name
	for name in busybox multi shared; do
		"$REGISTRY_SH" push "$REG_DIR" "$OCI/$name:latest" "test/$name:latest"
	done

	# What the pushed images are made of, from the layouts themselves (the
	# registry serves them byte for byte: --preserve-digests).
	local m cfg
	export BB_MANIFEST BB_CONFIG BB_L1 BB_L2 BB_DIFF1 BB_DIFF2 BB_CHAIN1 BB_CHAIN2
	BB_MANIFEST=$(layout_digest "$OCI/busybox")
	m=$(blob "$OCI/busybox" "$BB_MANIFEST")
	BB_CONFIG=$(jq -r .config.digest "$m")
	BB_L1=$(jq -r '.layers[0].digest' "$m")
	BB_L2=$(jq -r '.layers[1].digest' "$m")
	cfg=$(blob "$OCI/busybox" "$BB_CONFIG")
	BB_DIFF1=$(jq -r '.rootfs.diff_ids[0]' "$cfg")
	BB_DIFF2=$(jq -r '.rootfs.diff_ids[1]' "$cfg")
	BB_CHAIN1=$(chain_id "" "$BB_DIFF1")
	BB_CHAIN2=$(chain_id "$BB_CHAIN1" "$BB_DIFF2")

	export SH_MANIFEST SH_CONFIG SH_L2 SH_CHAIN2
	SH_MANIFEST=$(layout_digest "$OCI/shared")
	m=$(blob "$OCI/shared" "$SH_MANIFEST")
	SH_CONFIG=$(jq -r .config.digest "$m")
	SH_L2=$(jq -r '.layers[1].digest' "$m")
	cfg=$(blob "$OCI/shared" "$SH_CONFIG")
	SH_CHAIN2=$(chain_id "$(chain_id "" "$(jq -r '.rootfs.diff_ids[0]' "$cfg")")" \
		"$(jq -r '.rootfs.diff_ids[1]' "$cfg")")

	# multi: an index whose linux/arm64 entry is a one-layer image
	export ARM_MANIFEST ARM_CONFIG ARM_DIFF
	m=$(blob "$OCI/multi" "$(layout_digest "$OCI/multi")")
	ARM_MANIFEST=$(jq -r '.manifests[] | select(.platform.architecture == "arm64") | .digest' "$m")
	m=$(blob "$OCI/multi" "$ARM_MANIFEST")
	ARM_CONFIG=$(jq -r .config.digest "$m")
	ARM_DIFF=$(jq -r '.rootfs.diff_ids[0]' "$(blob "$OCI/multi" "$ARM_CONFIG")")
}

teardown_file() {
	if [ -n "${REG_DIR:-}" ] && [ -e "$REG_DIR" ]; then
		"$REGISTRY_SH" stop "$REG_DIR"
	fi
}

# ---------------------------------------------------------------------------
# per test: a fresh store, and teardown of what the test started
# ---------------------------------------------------------------------------

setup() {
	STORE="$BATS_TEST_TMPDIR/store"
	# what teardown undoes, one path or pid a line
	MOUNTS="$BATS_TEST_TMPDIR/.mounts"
	REGISTRIES="$BATS_TEST_TMPDIR/.registries"
	PIDS="$BATS_TEST_TMPDIR/.pids"
	TOTE_HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$TOTE_HOME/run"
}

teardown() {
	local m d p
	# overlay mounts first: bats removes $BATS_TEST_TMPDIR after this, and
	# must not walk into a mounted layer
	if [ -f "$MOUNTS" ]; then
		while read -r m; do
			if mountpoint -q "$m"; then
				umount "$m" || umount -l "$m"
			fi
		done <"$MOUNTS"
	fi
	# background pulls still running (a test that failed before its wait)
	if [ -f "$PIDS" ]; then
		while read -r p; do
			kill -TERM "$p" 2>/dev/null || true
			wait "$p" 2>/dev/null || true
		done <"$PIDS"
	fi
	if [ -f "$REGISTRIES" ]; then
		while read -r d; do
			[ -e "$d" ] && "$REGISTRY_SH" stop "$d"
		done <"$REGISTRIES"
	fi
	# a rootless test's home, outside bats's tmp dir (which nobody cannot enter)
	[ -z "${ROOTLESS_HOME:-}" ] || rm -rf "$ROOTLESS_HOME"
	# a rootless test's user and its subordinate ranges
	if [ -n "${RL_USER:-}" ]; then
		sed -i "/^$RL_USER:/d" /etc/subuid /etc/subgid
		pkill -KILL -u "$RL_USER" 2>/dev/null || true
		userdel -r "$RL_USER" >/dev/null 2>&1 || true
	fi
	return 0
}

# tote_at ROOT ARGS... — build/tote on the store ROOT.  A pull reads
# registry credentials (auth.json, ~/.docker/config.json): each test has its
# own empty HOME, XDG_RUNTIME_DIR and REGISTRY_AUTH_FILE, so the host's
# files are neither read nor written.
tote_at() {
	local root=$1
	shift
	HOME="$TOTE_HOME" XDG_RUNTIME_DIR="$TOTE_HOME/run" REGISTRY_AUTH_FILE="$TOTE_HOME/auth.json" \
		timeout "$TOTE_TIMEOUT" "$TOTE" --root "$root" "$@"
}

# tote ARGS... — build/tote on the test's store.
tote() { tote_at "$STORE" "$@"; }

# pull_ok REF [FLAGS...] — pull into $STORE, which must succeed; quiet.
pull_ok() {
	local ref=$1
	shift
	tote pull -q "$@" "$ref" >/dev/null
}

# entries DIR — how many entries DIR holds (hidden ones too).
entries() { find "$1" -mindepth 1 -maxdepth 1 | wc -l; }

# index_names [ROOT] — the names of the store's index.json entries, one a line.
index_names() {
	jq -r '.manifests[].annotations["org.opencontainers.image.ref.name"]' \
		"${1:-$STORE}/images/index.json"
}

# stored_manifest NAME — path of the manifest blob the store's NAME points at.
stored_manifest() {
	local d
	d=$(jq -r --arg n "$1" \
		'.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $n) | .digest' \
		"$STORE/images/index.json")
	[ -n "$d" ] || return 1
	blob "$STORE/images" "$d"
}

# stored_config NAME — path of the config blob of the store's NAME.
stored_config() {
	local m
	m=$(stored_manifest "$1") || return 1
	blob "$STORE/images" "$(jq -r .config.digest "$m")"
}

# assert_one_error_line — $stderr (run --separate-stderr) is one "tote: " line.
assert_one_error_line() {
	[ "${#stderr_lines[@]}" -eq 1 ] || {
		echo "want one line on stderr, got: $stderr" >&2
		return 1
	}
	[[ "$stderr" == "tote: "* ]] || {
		echo "stderr does not start with \"tote: \": $stderr" >&2
		return 1
	}
}

# assert_store_untouched [ROOT] — a store a failed pull left: no image, no
# blob, no layer, nothing in tmp.
assert_store_untouched() {
	local root=${1:-$STORE}
	if [ -e "$root/images/index.json" ]; then
		[ "$(jq '.manifests | length' "$root/images/index.json")" -eq 0 ]
	fi
	local d
	for d in images/blobs/sha256 layers tmp; do
		if [ -e "$root/$d" ]; then
			[ "$(entries "$root/$d")" -eq 0 ] || {
				echo "$root/$d is not empty:" >&2
				ls -la "$root/$d" >&2
				return 1
			}
		fi
	done
}

# snapshot — every path under $STORE with its type, size, inode and mtime:
# two equal snapshots mean nothing was added, removed or rewritten.
snapshot() {
	find "$STORE" -printf '%P %y %s %i %T@\n' | sort
}

# The registry's access log (registry.sh sends docker-registry's stdout
# there): one line per request, with the user agent.  log_mark remembers
# its length, log_since prints what came after.
log_mark() { wc -l <"$REG_DIR/registry.log"; }
log_since() { tail -n "+$(($1 + 1))" "$REG_DIR/registry.log"; }

# tote_gets LOG_TEXT DIGEST — how many GETs of blob DIGEST tote made.
tote_gets() {
	grep -F "/blobs/$2 " <<<"$1" | grep -F '"GET ' | grep -cF '"tote/' || true
}

# mount_overlay MNT LOWER... — an overlay of the lower dirs (first on top)
# at MNT, upper and work dirs beside it; teardown unmounts it.
mount_overlay() {
	local mnt=$1 lower
	shift
	lower=$(
		IFS=:
		echo "$*"
	)
	mkdir -p "$mnt" "$mnt.upper" "$mnt.work"
	echo "$mnt" >>"$MOUNTS"
	mount -t overlay overlay -o "lowerdir=$lower,upperdir=$mnt.upper,workdir=$mnt.work" "$mnt"
}

# build_shim NAME — compile the C on stdin into an LD_PRELOAD library,
# $BATS_TEST_TMPDIR/NAME.so, and print its path.  The shims only widen a
# race window (a pause at one point of tote's own calls); tote's behaviour
# must not depend on how long that pause is.
build_shim() {
	cat >"$BATS_TEST_TMPDIR/$1.c"
	gcc -shared -fPIC -o "$BATS_TEST_TMPDIR/$1.so" "$BATS_TEST_TMPDIR/$1.c" -ldl
	echo "$BATS_TEST_TMPDIR/$1.so"
}

# free_port — a 127.0.0.1 port nothing listens on (bound, then let go).
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---------------------------------------------------------------------------
# 1. pull by tag, and what images shows
# ---------------------------------------------------------------------------

@test "pull by tag: prints the image id, and images lists it" {
	run --separate-stderr tote pull "$REG/test/busybox"
	assert_success
	# stdout is the id alone: the config digest's hex
	assert_output "$(hex "$BB_CONFIG")"
	# progress went to stderr, one line per blob and per layer
	[ "$(copies "$stderr" config "$BB_CONFIG")" -eq 1 ]
	[ "$(copies "$stderr" blob "$BB_L1")" -eq 1 ]
	[ "$(copies "$stderr" blob "$BB_L2")" -eq 1 ]
	[ "$(unpacks "$stderr" "$BB_L1")" -eq 1 ]
	[ "$(unpacks "$stderr" "$BB_L2")" -eq 1 ]
	[ "${#stderr_lines[@]}" -eq 5 ]

	run tote images
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == REPOSITORY*TAG*"IMAGE ID"*CREATED*SIZE ]]
	read -r repo tag id _ <<<"${lines[1]}"
	[ "$repo" = "$REG/test/busybox" ]
	[ "$tag" = latest ]
	[ "$id" = "$(hex "$BB_CONFIG" | cut -c1-12)" ]

	run tote images -q
	assert_success
	assert_output "$(hex "$BB_CONFIG" | cut -c1-12)"

	run tote images -q --no-trunc
	assert_success
	assert_output "$(hex "$BB_CONFIG")"

	run tote images --format json
	assert_success
	[ "$(jq length <<<"$output")" -eq 1 ]
	[ "$(jq -r '.[0].name' <<<"$output")" = "$REG/test/busybox:latest" ]
	[ "$(jq -r '.[0].id' <<<"$output")" = "$BB_CONFIG" ]
	[ "$(jq -r '.[0].digest' <<<"$output")" = "$BB_MANIFEST" ]
	[ "$(jq -c '.[0].layers' <<<"$output")" = "[\"$BB_L1\",\"$BB_L2\"]" ]
	[ "$(jq -c '.[0].diff_ids' <<<"$output")" = "[\"$BB_DIFF1\",\"$BB_DIFF2\"]" ]

	# nothing is left behind in tmp
	[ "$(entries "$STORE/tmp")" -eq 0 ]
}

@test "pull -q: the id on stdout and nothing on stderr" {
	run --separate-stderr tote pull -q "$REG/test/busybox"
	assert_success
	assert_output "$(hex "$BB_CONFIG")"
	[ -z "$stderr" ]
	[ "$(index_names)" = "$REG/test/busybox:latest" ]
}

# ---------------------------------------------------------------------------
# 2. the store is an OCI layout that skopeo and umoci read
# ---------------------------------------------------------------------------

@test "store: an OCI layout skopeo and umoci read, blobs named by their digest" {
	pull_ok "$REG/test/busybox"
	local name="$REG/test/busybox:latest"

	# skopeo finds the image by its ref.name (oci:PATH:NAME splits at the
	# first ':', so the name may hold the port's ':')
	run skopeo inspect "oci:$STORE/images:$name"
	assert_success
	[ "$(jq -r .Digest <<<"$output")" = "$BB_MANIFEST" ]
	[ "$(jq -c .Layers <<<"$output")" = "[\"$BB_L1\",\"$BB_L2\"]" ]
	[ "$(jq -r '.Labels["org.tote.test"]' <<<"$output")" = busybox ]

	run umoci ls --layout "$STORE/images"
	assert_success
	assert_output "$name"

	# every blob's content hashes to its name; and exactly the image's four
	[ "$(entries "$STORE/images/blobs/sha256")" -eq 4 ]
	local f
	for f in "$STORE/images/blobs/sha256"/*; do
		[ "$(sha256sum "$f" | cut -d' ' -f1)" = "$(basename "$f")" ]
	done
	for f in "$BB_MANIFEST" "$BB_CONFIG" "$BB_L1" "$BB_L2"; do
		[ -f "$(blob "$STORE/images" "$f")" ]
	done
	[ "$(jq -r .imageLayoutVersion "$STORE/images/oci-layout")" = 1.0.0 ]
}

# ---------------------------------------------------------------------------
# 3. layers unpacked once per chain id, stackable as overlay lowerdirs
# ---------------------------------------------------------------------------

@test "layers: one dir per chain id, overlay whiteouts, and they stack as an overlay" {
	pull_ok "$REG/test/busybox"
	local l1="$STORE/layers/$(hex "$BB_CHAIN1")/fs" l2="$STORE/layers/$(hex "$BB_CHAIN2")/fs"
	[ "$(entries "$STORE/layers")" -eq 2 ]
	[ -d "$l1" ]
	[ -d "$l2" ]

	# each dir holds only its own layer's files
	[ -x "$l1/bin/busybox" ]
	[ "$(cat "$l1/etc/motd")" = motd ]
	[ "$(cat "$l1/opt/data/old")" = old ]
	[ ! -e "$l1/usr/bin/probe" ]
	[ -x "$l2/usr/bin/probe" ]
	[ "$(cat "$l2/etc/tote-layer2")" = 2 ]
	[ "$(cat "$l2/opt/data/new")" = new ]
	[ ! -e "$l2/bin/busybox" ]
	# .wh.motd became overlayfs's whiteout, a 0:0 character device, and
	# .wh..wh..opq the opaque xattr on its directory; neither marker is kept
	[ "$(stat -c '%F %t:%T' "$l2/etc/motd")" = "character special file 0:0" ]
	[ ! -e "$l2/etc/.wh.motd" ]
	run python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "trusted.overlay.opaque"))' "$l2/opt/data"
	assert_success
	assert_output "b'y'"
	[ ! -e "$l2/opt/data/.wh..wh..opq" ]
	[ "$(entries "$l2/opt/data")" -eq 1 ]

	# stacked, they are the image: probe there, motd deleted, opt/data
	# replaced by the opaque dir, layer 2's own file
	local mnt="$BATS_TEST_TMPDIR/rootfs"
	mount_overlay "$mnt" "$l2" "$l1"
	[ -x "$mnt/usr/bin/probe" ]
	[ -x "$mnt/bin/busybox" ]
	[ ! -e "$mnt/etc/motd" ]
	[ "$(ls -A "$mnt/opt/data")" = new ]
	[ "$(cat "$mnt/etc/tote-layer2")" = 2 ]
	umount "$mnt"
}

# ---------------------------------------------------------------------------
# 4. pulling again
# ---------------------------------------------------------------------------

@test "pull again: succeeds, downloads nothing, same id, layers untouched" {
	pull_ok "$REG/test/busybox"
	local before mark
	before=$(stat -c '%i %Y' "$STORE/layers"/*)
	mark=$(log_mark)

	run --separate-stderr tote pull "$REG/test/busybox"
	assert_success
	assert_output "$(hex "$BB_CONFIG")"
	skipped "$stderr" config "$BB_CONFIG"
	skipped "$stderr" blob "$BB_L1"
	skipped "$stderr" blob "$BB_L2"
	# and nothing else: no download, no unpacking
	[ "${#stderr_lines[@]}" -eq 3 ]

	# the registry saw no blob GET this time (the manifest is asked again)
	run log_since "$mark"
	refute_output --partial '/blobs/'
	# the same two layer dirs, not unpacked again
	[ "$(entries "$STORE/layers")" -eq 2 ]
	[ "$(stat -c '%i %Y' "$STORE/layers"/*)" = "$before" ]
	[ "$(index_names)" = "$REG/test/busybox:latest" ]
	[ "$(entries "$STORE/tmp")" -eq 0 ]
}

# ---------------------------------------------------------------------------
# 5. pull by digest
# ---------------------------------------------------------------------------

@test "pull by digest: REPO@DIGEST and REPO:TAG@DIGEST are stored under that name" {
	run --separate-stderr tote pull "$REG/test/busybox@$BB_MANIFEST"
	assert_success
	assert_output "$(hex "$BB_CONFIG")"
	run index_names
	assert_output "$REG/test/busybox@$BB_MANIFEST"
	[ "$(jq -r '.manifests[0].digest' "$STORE/images/index.json")" = "$BB_MANIFEST" ]

	run --separate-stderr tote pull "$REG/test/busybox:latest@$BB_MANIFEST"
	assert_success
	assert_output "$(hex "$BB_CONFIG")"
	run index_names
	assert_line --index 0 "$REG/test/busybox@$BB_MANIFEST"
	assert_line --index 1 "$REG/test/busybox:latest@$BB_MANIFEST"
	[ "${#lines[@]}" -eq 2 ]

	# pinned by digest alone: no tag to show
	run tote images
	assert_success
	read -r repo tag _ <<<"${lines[1]}"
	[ "$repo" = "$REG/test/busybox" ]
	[ "$tag" = "<none>" ]
	[ "$(entries "$STORE/tmp")" -eq 0 ]
}

@test "pull by digest: a digest the registry does not have fails, storing nothing" {
	local bad
	bad="sha256:$(printf nothing | sha256sum | cut -d' ' -f1)"
	run -125 --separate-stderr tote pull "$REG/test/busybox@$bad"
	assert_one_error_line
	[[ "$stderr" == *"$bad"* ]]
	[[ "$stderr" == *"not found"* ]]
	[ -z "$output" ]
	assert_store_untouched
}

# ---------------------------------------------------------------------------
# 6. an index: platforms
# ---------------------------------------------------------------------------

@test "multi: the default platform is linux/amd64, the busybox image" {
	[ "$(uname -m)" = x86_64 ] || skip "the default platform is this machine's, and the fixtures expect amd64"
	run --separate-stderr tote pull "$REG/test/multi"
	assert_success
	assert_output "$(hex "$BB_CONFIG")"
	# the index entry points at the platform's manifest, not at the index
	[ "$(jq -r '.manifests[0].digest' "$STORE/images/index.json")" = "$BB_MANIFEST" ]
	[ "$(jq -r .architecture "$(stored_config "$REG/test/multi:latest")")" = amd64 ]
	[ -d "$STORE/layers/$(hex "$BB_CHAIN2")/fs" ]
}

@test "multi: --platform linux/arm64 gives the arm64 image" {
	run --separate-stderr tote pull --platform linux/arm64 "$REG/test/multi"
	assert_success
	assert_output "$(hex "$ARM_CONFIG")"
	[ "$(jq -r '.manifests[0].digest' "$STORE/images/index.json")" = "$ARM_MANIFEST" ]
	[ "$(jq -r .architecture "$(stored_config "$REG/test/multi:latest")")" = arm64 ]
	# its one layer is /arch, nothing of busybox
	[ "$(entries "$STORE/layers")" -eq 1 ]
	[ "$(cat "$STORE/layers/$(hex "$ARM_DIFF")/fs/arch")" = arm64 ]
	[ "$(ls -A "$STORE/layers/$(hex "$ARM_DIFF")/fs")" = arch ]
}

@test "multi: a platform the index lacks fails listing those it offers" {
	pull_ok "$REG/test/multi" --platform linux/arm64
	local before
	before=$(snapshot)
	run -125 --separate-stderr tote pull --platform linux/s390x "$REG/test/multi"
	assert_one_error_line
	[[ "$stderr" == *linux/s390x* ]]
	[[ "$stderr" == *linux/amd64* ]]
	[[ "$stderr" == *linux/arm64* ]]
	[ -z "$output" ]
	# the store is as it was: the arm64 entry, nothing new
	[ "$(snapshot)" = "$before" ]
	[ "$(index_names)" = "$REG/test/multi:latest" ]

	# into an empty store: nothing stored either
	run -125 --separate-stderr tote_at "$BATS_TEST_TMPDIR/empty" pull --platform linux/s390x "$REG/test/multi"
	assert_one_error_line
	assert_store_untouched "$BATS_TEST_TMPDIR/empty"
}

@test "multi: --platform that is not os/arch is a usage error" {
	run -125 --separate-stderr tote pull --platform bogus "$REG/test/multi"
	assert_one_error_line
	[[ "$stderr" == *bogus* ]]
	[[ "$stderr" == *os/arch* ]]
	# refused before the store is made
	[ ! -e "$STORE" ]
	for p in / linux/ /amd64 linux//amd64 a/b/c/d; do
		run -125 --separate-stderr tote pull --platform "$p" "$REG/test/multi"
		[[ "$stderr" == *os/arch* ]]
	done
}

@test "single-platform image: --platform naming another platform fails, naming both" {
	run -125 --separate-stderr tote pull -q --platform linux/arm64 "$REG/test/busybox"
	assert_one_error_line
	[[ "$stderr" == *"is an image for linux/amd64, not linux/arm64"* ]]
	run index_names
	[ -z "$output" ]
	run -0 tote pull -q --platform linux/amd64 "$REG/test/busybox"
}

# ---------------------------------------------------------------------------
# 7. shared layers
# ---------------------------------------------------------------------------

@test "shared layers: a blob two images share is downloaded and unpacked once" {
	local mark
	mark=$(log_mark)
	pull_ok "$REG/test/busybox"
	local l1_inode
	l1_inode=$(stat -c %i "$STORE/layers/$(hex "$BB_CHAIN1")")

	run --separate-stderr tote pull "$REG/test/shared"
	assert_success
	assert_output "$(hex "$SH_CONFIG")"
	skipped "$stderr" blob "$BB_L1"
	[ "$(copies "$stderr" blob "$BB_L1")" -eq 0 ]
	[ "$(copies "$stderr" blob "$SH_L2")" -eq 1 ]
	[ "$(unpacks "$stderr" "$BB_L1")" -eq 0 ]
	[ "$(unpacks "$stderr" "$SH_L2")" -eq 1 ]

	# busybox's two chains and shared's second: 3 dirs, layer 1 not redone
	[ "$(entries "$STORE/layers")" -eq 3 ]
	[ -d "$STORE/layers/$(hex "$SH_CHAIN2")/fs" ]
	[ "$(cat "$STORE/layers/$(hex "$SH_CHAIN2")/fs/etc/tote-shared")" = shared ]
	[ "$(stat -c %i "$STORE/layers/$(hex "$BB_CHAIN1")")" = "$l1_inode" ]

	# the registry's access log: tote fetched layer 1 once over both pulls
	local log
	log=$(log_since "$mark")
	[ "$(tote_gets "$log" "$BB_L1")" -eq 1 ]
	[ "$(tote_gets "$log" "$SH_L2")" -eq 1 ]
	[ "$(tote_gets "$log" "$BB_L2")" -eq 1 ]
}

# ---------------------------------------------------------------------------
# 8. concurrent pulls
# ---------------------------------------------------------------------------

# pull_both — `tote pull busybox & tote pull shared & wait` into the empty
# $STORE; outputs in $BATS_TEST_TMPDIR/{bb,sh}.{out,err}, exit codes in
# RC_BB and RC_SH.
pull_both() {
	local d=$BATS_TEST_TMPDIR p1 p2
	# timeout itself in the background (not a subshell), so that the pid
	# teardown signals is the one that passes SIGTERM on to tote
	HOME="$TOTE_HOME" XDG_RUNTIME_DIR="$TOTE_HOME/run" REGISTRY_AUTH_FILE="$TOTE_HOME/auth.json" \
		timeout "$TOTE_TIMEOUT" "$TOTE" --root "$STORE" pull "$REG/test/busybox" \
		>"$d/bb.out" 2>"$d/bb.err" &
	p1=$!
	echo "$p1" >>"$PIDS"
	HOME="$TOTE_HOME" XDG_RUNTIME_DIR="$TOTE_HOME/run" REGISTRY_AUTH_FILE="$TOTE_HOME/auth.json" \
		timeout "$TOTE_TIMEOUT" "$TOTE" --root "$STORE" pull "$REG/test/shared" \
		>"$d/sh.out" 2>"$d/sh.err" &
	p2=$!
	echo "$p2" >>"$PIDS"
	RC_BB=0 RC_SH=0
	wait "$p1" || RC_BB=$?
	wait "$p2" || RC_SH=$?
}

@test "concurrent pulls into one empty store: both succeed, layers made once" {
	local mark
	mark=$(log_mark)
	pull_both
	if [ "$RC_BB" -ne 0 ] || [ "$RC_SH" -ne 0 ]; then
		cat "$BATS_TEST_TMPDIR"/*.err >&2
	fi
	[ "$RC_BB" -eq 0 ]
	[ "$RC_SH" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/bb.out")" = "$(hex "$BB_CONFIG")" ]
	[ "$(cat "$BATS_TEST_TMPDIR/sh.out")" = "$(hex "$SH_CONFIG")" ]

	# both are in the store: neither pull's index entry was lost
	run index_names
	assert_line "$REG/test/busybox:latest"
	assert_line "$REG/test/shared:latest"
	[ "${#lines[@]}" -eq 2 ]
	[ "$(entries "$STORE/layers")" -eq 3 ]
	[ -d "$STORE/layers/$(hex "$BB_CHAIN1")/fs" ]
	[ -d "$STORE/layers/$(hex "$BB_CHAIN2")/fs" ]
	[ -d "$STORE/layers/$(hex "$SH_CHAIN2")/fs" ]
	[ "$(entries "$STORE/tmp")" -eq 0 ]
	# the shared blob was downloaded by one of them only
	local err
	err=$(cat "$BATS_TEST_TMPDIR"/*.err)
	[ "$(copies "$err" blob "$BB_L1")" -eq 1 ]
	[ "$(tote_gets "$(log_since "$mark")" "$BB_L1")" -eq 1 ]
	# ... and unpacked by one of them only ("Unpacking" is said only for a
	# layer not there yet)
	[ "$(unpacks "$err" "$BB_L1")" -eq 1 ]
}

@test "concurrent pulls into a new store: neither pull's index entry is lost" {
	command -v gcc >/dev/null 2>&1 || skip "gcc is needed for the LD_PRELOAD shim"
	# Pull B pauses right after it found no index.json (the shim waits for
	# $go); pull A runs start to end meanwhile; then B goes on.  Without the
	# pause the window is a few microseconds, but it is there.
	local shim waiting="$BATS_TEST_TMPDIR/waiting" go="$BATS_TEST_TMPDIR/go" pb rb=0 i
	shim=$(build_shim pause_index <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int faccessat(int dirfd, const char *path, int mode, int flags) {
  static int (*real)(int, const char *, int, int);
  if (!real)
    real = (int (*)(int, const char *, int, int))dlsym(RTLD_NEXT, "faccessat");
  int r = real(dirfd, path, mode, flags), e = errno;
  const char *go = getenv("SHIM_GO"), *waiting = getenv("SHIM_WAITING");
  if (r < 0 && e == ENOENT && strcmp(path, "index.json") == 0 && go && waiting) {
    close(open(waiting, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    for (int i = 0; i < 2000 && access(go, F_OK) != 0; i++)
      usleep(10000);
  }
  errno = e;
  return r;
}
EOF
	)
	LD_PRELOAD="$shim" SHIM_WAITING="$waiting" SHIM_GO="$go" \
		HOME="$TOTE_HOME" XDG_RUNTIME_DIR="$TOTE_HOME/run" REGISTRY_AUTH_FILE="$TOTE_HOME/auth.json" \
		timeout "$TOTE_TIMEOUT" "$TOTE" --root "$STORE" pull -q "$REG/test/shared" \
		>"$BATS_TEST_TMPDIR/b.out" 2>"$BATS_TEST_TMPDIR/b.err" &
	pb=$!
	echo "$pb" >>"$PIDS"
	for ((i = 0; i < 1000; i++)); do
		[ -e "$waiting" ] && break
		sleep 0.01
	done
	[ -e "$waiting" ]
	pull_ok "$REG/test/busybox"
	touch "$go"
	wait "$pb" || rb=$?
	[ "$rb" -eq 0 ]
	run index_names
	assert_line "$REG/test/busybox:latest"
	assert_line "$REG/test/shared:latest"
}

@test "pull: progress lines of downloads running side by side stay whole lines" {
	# (found while writing this file: progress() wrote a line's text and its
	# newline as two writes from the download threads, fixed by 711ec42)
	command -v gcc >/dev/null 2>&1 || skip "gcc is needed for the LD_PRELOAD shim"
	# The shim pauses before each newline tote writes to stderr, as a
	# preempted thread would; the other download's line must not slip in.
	local shim line
	shim=$(build_shim slow_newline <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <unistd.h>
int fputc(int c, FILE *f) {
  static int (*real)(int, FILE *);
  if (!real)
    real = (int (*)(int, FILE *))dlsym(RTLD_NEXT, "fputc");
  if (c == '\n' && f == stderr)
    usleep(200000);
  return real(c, f);
}
EOF
	)
	run --separate-stderr --keep-empty-lines env LD_PRELOAD="$shim" \
		HOME="$TOTE_HOME" XDG_RUNTIME_DIR="$TOTE_HOME/run" REGISTRY_AUTH_FILE="$TOTE_HOME/auth.json" \
		timeout "$TOTE_TIMEOUT" "$TOTE" --root "$STORE" pull "$REG/test/busybox"
	assert_success
	# five lines, each one step: no line holds two, none is empty
	local re='^(Copying (config|blob) sha256:[0-9a-f]{12} [^ ].*|Unpacking layer sha256:[0-9a-f]{12})$'
	for line in "${stderr_lines[@]}"; do
		if ! [[ "$line" =~ $re ]] || [ "$(grep -o 'sha256:' <<<"$line" | wc -l)" -ne 1 ]; then
			echo "not a whole progress line: '$line'" >&2
			return 1
		fi
	done
	[ "${#stderr_lines[@]}" -eq 5 ]
	[ "$(copies "$stderr" blob "$BB_L1")" -eq 1 ]
	[ "$(copies "$stderr" blob "$BB_L2")" -eq 1 ]
}

# ---------------------------------------------------------------------------
# 9. rmi and image prune
# ---------------------------------------------------------------------------

@test "rmi: by name keeps what other images use, by id empties the store" {
	pull_ok "$REG/test/busybox"
	pull_ok "$REG/test/shared"
	[ "$(entries "$STORE/images/blobs/sha256")" -eq 7 ]

	# busybox by name (the tag implied): its own layer 2 goes, layer 1 stays
	run --separate-stderr tote rmi "$REG/test/busybox"
	assert_success
	assert_output "Untagged: $REG/test/busybox"
	run index_names
	assert_output "$REG/test/shared:latest"
	run tote images -q
	assert_output "$(hex "$SH_CONFIG" | cut -c1-12)"
	[ ! -e "$(blob "$STORE/images" "$BB_L2")" ]
	[ ! -e "$(blob "$STORE/images" "$BB_MANIFEST")" ]
	[ ! -e "$(blob "$STORE/images" "$BB_CONFIG")" ]
	[ ! -e "$STORE/layers/$(hex "$BB_CHAIN2")" ]
	# shared's blobs and layers are all still there
	[ -f "$(blob "$STORE/images" "$BB_L1")" ]
	[ -f "$(blob "$STORE/images" "$SH_L2")" ]
	[ -f "$(blob "$STORE/images" "$SH_CONFIG")" ]
	[ -f "$(blob "$STORE/images" "$SH_MANIFEST")" ]
	[ "$(entries "$STORE/images/blobs/sha256")" -eq 4 ]
	[ -d "$STORE/layers/$(hex "$BB_CHAIN1")/fs" ]
	[ -d "$STORE/layers/$(hex "$SH_CHAIN2")/fs" ]
	[ "$(entries "$STORE/layers")" -eq 2 ]
	run skopeo inspect "oci:$STORE/images:$REG/test/shared:latest"
	assert_success

	# shared by its 12-digit id: nothing is left
	local id12
	id12=$(hex "$SH_CONFIG" | cut -c1-12)
	run --separate-stderr tote rmi "$id12"
	assert_success
	assert_output "Untagged: $id12"
	run tote images -q
	assert_success
	assert_output ''
	[ "$(jq '.manifests | length' "$STORE/images/index.json")" -eq 0 ]
	[ "$(entries "$STORE/images/blobs/sha256")" -eq 0 ]
	[ "$(entries "$STORE/layers")" -eq 0 ]
	[ "$(entries "$STORE/tmp")" -eq 0 ]
}

@test "rmi: an unknown name fails naming it and changes nothing" {
	pull_ok "$REG/test/busybox"
	local before
	before=$(snapshot)
	run -125 --separate-stderr tote rmi "$REG/test/nothere"
	assert_one_error_line
	[[ "$stderr" == *"$REG/test/nothere"* ]]
	[ "$(snapshot)" = "$before" ]

	# one unknown among known ones: still nothing removed
	run -125 --separate-stderr tote rmi "$REG/test/busybox" "$REG/test/nothere"
	assert_one_error_line
	[[ "$stderr" == *"$REG/test/nothere"* ]]
	[ "$(snapshot)" = "$before" ]
	[ "$(index_names)" = "$REG/test/busybox:latest" ]
}

@test "image rm and image ls: the same as rmi and images" {
	pull_ok "$REG/test/busybox"
	run tote image ls -q
	assert_success
	assert_output "$(hex "$BB_CONFIG" | cut -c1-12)"
	run tote image rm "$REG/test/busybox:latest"
	assert_success
	run tote image ls -q
	assert_success
	assert_output ''
	[ "$(entries "$STORE/images/blobs/sha256")" -eq 0 ]
	[ "$(entries "$STORE/layers")" -eq 0 ]
}

@test "image prune: removes unreferenced blobs and layers, and what a killed pull left in tmp" {
	pull_ok "$REG/test/busybox"
	local junk
	junk=$(printf junk | sha256sum | cut -d' ' -f1)
	printf junk >"$STORE/images/blobs/sha256/$junk"
	mkdir -p "$STORE/layers/$junk/fs/etc"
	mkdir -p "$STORE/tmp/layer-stale/fs/usr/bin"
	echo x >"$STORE/tmp/layer-stale/fs/usr/bin/x"
	echo x >"$STORE/tmp/blob-stale"

	run --separate-stderr tote image prune
	assert_success
	[ ! -e "$STORE/images/blobs/sha256/$junk" ]
	[ ! -e "$STORE/layers/$junk" ]
	[ "$(entries "$STORE/tmp")" -eq 0 ]
	# the image and everything it uses stay
	[ "$(entries "$STORE/images/blobs/sha256")" -eq 4 ]
	[ "$(entries "$STORE/layers")" -eq 2 ]
	run tote images -q
	assert_output "$(hex "$BB_CONFIG" | cut -c1-12)"
	run skopeo inspect "oci:$STORE/images:$REG/test/busybox:latest"
	assert_success
}

@test "image inspect: by name (the tag implied or not) and by id prefix" {
	pull_ok "$REG/test/busybox"
	run --separate-stderr tote image inspect "$REG/test/busybox:latest"
	assert_success
	[ "$(jq -r '.[0].id' <<<"$output")" = "$BB_CONFIG" ]
	[ "$(jq -r '.[0].config.Labels["org.tote.test"]' <<<"$output")" = busybox ]
	run --separate-stderr tote image inspect "$(hex "$BB_CONFIG" | cut -c1-12)"
	assert_success
	[ "$(jq -r '.[0].name' <<<"$output")" = "$REG/test/busybox:latest" ]
	# a name without a tag means :latest, as for pull and rmi
	run --separate-stderr tote image inspect "$REG/test/busybox"
	assert_success
	[ "$(jq -r '.[0].name' <<<"$output")" = "$REG/test/busybox:latest" ]
	run -125 --separate-stderr tote image inspect "$REG/test/nothere:latest"
	assert_one_error_line
	[[ "$stderr" == *"$REG/test/nothere"* ]]
}

@test "images: a name with tag and digest shows the bare repository" {
	pull_ok "$REG/test/busybox:latest@$BB_MANIFEST"
	run tote images
	assert_success
	read -r repo tag _ <<<"${lines[1]}"
	[ "$repo" = "$REG/test/busybox" ]
	[ "$tag" = latest ] || [ "$tag" = "<none>" ]
}

# ---------------------------------------------------------------------------
# 10. errors
# ---------------------------------------------------------------------------

@test "errors: a bad reference is refused before the store is made" {
	local ref
	for ref in "Foo/Bar" "a//b" ""; do
		rm -rf "$STORE"
		run -125 --separate-stderr tote pull "$ref"
		assert_one_error_line
		[[ "$stderr" == *"invalid image reference \"$ref\""* ]]
		[ -z "$output" ]
		[ ! -e "$STORE" ]
	done
}

@test "errors: an unknown tag fails naming it, storing nothing" {
	run -125 --separate-stderr tote pull "$REG/test/busybox:nope"
	assert_one_error_line
	[[ "$stderr" == *"$REG/test/busybox:nope"* ]]
	[[ "$stderr" == *"not found"* ]]
	[ -z "$output" ]
	assert_store_untouched
}

@test "errors: an unknown repository fails naming it, storing nothing" {
	run -125 --separate-stderr tote pull "$REG/test/nothere"
	assert_one_error_line
	[[ "$stderr" == *"$REG/test/nothere"* ]]
	[[ "$stderr" == *"not found"* ]]
	[ -z "$output" ]
	assert_store_untouched
}

@test "errors: a registry port where nothing listens: the message names the registry" {
	local port
	port=$(free_port)
	run -125 --separate-stderr tote pull "127.0.0.1:$port/test/busybox"
	assert_one_error_line
	[[ "$stderr" == *"127.0.0.1:$port"* ]]
	[[ "$stderr" == *[Cc]onnect* ]]
	[ -z "$output" ]
	assert_store_untouched
}

@test "errors: an unknown flag, a missing or extra argument are usage errors" {
	run -125 --separate-stderr tote pull --bogus "$REG/test/busybox"
	assert_one_error_line
	[[ "$stderr" == *--bogus* ]]
	[ ! -e "$STORE" ]

	run -125 --separate-stderr tote pull
	assert_one_error_line
	[[ "$stderr" == *"tote pull"* ]]
	[ ! -e "$STORE" ]

	run -125 --separate-stderr tote pull "$REG/test/busybox" "$REG/test/shared"
	assert_one_error_line
	[ ! -e "$STORE" ]

	run -125 --separate-stderr tote pull --tls-verify=maybe "$REG/test/busybox"
	assert_one_error_line
	[[ "$stderr" == *maybe* ]]
	[ ! -e "$STORE" ]

	run -125 --separate-stderr tote rmi
	assert_one_error_line
	[ ! -e "$STORE" ]

	run -125 --separate-stderr tote images --format yaml
	assert_one_error_line
	[[ "$stderr" == *yaml* ]]
	[ ! -e "$STORE" ]

	run -125 --separate-stderr tote image frob
	assert_one_error_line
	[[ "$stderr" == *frob* ]]
	[ ! -e "$STORE" ]
}

# ---------------------------------------------------------------------------
# 11. a corrupt blob
# ---------------------------------------------------------------------------

@test "a blob the registry serves corrupt fails verification and is not kept" {
	# Registry storage is shared between repositories: corrupting a blob
	# in the file's registry would break every other test, so this one
	# starts its own (stopped by teardown).
	local dir="$BATS_TEST_TMPDIR/reg" port data before
	echo "$dir" >>"$REGISTRIES"
	port=$("$REGISTRY_SH" start "$dir")
	"$REGISTRY_SH" push "$dir" "$OCI/busybox:latest" test/corrupt:latest
	data="$dir/storage/docker/registry/v2/blobs/sha256/$(hex "$BB_L2" | cut -c1-2)/$(hex "$BB_L2")/data"
	[ -f "$data" ]
	# same size, other bytes: only the digest can tell
	before=$(stat -c %s "$data")
	printf 'XXXXXXXXXXXXXXXX' | dd of="$data" bs=1 seek=1000 conv=notrunc status=none
	[ "$(stat -c %s "$data")" = "$before" ]
	[ "sha256:$(sha256sum "$data" | cut -d' ' -f1)" != "$BB_L2" ]

	run -125 --separate-stderr tote pull "127.0.0.1:$port/test/corrupt"
	[ -z "$output" ]
	# the last stderr line is the error (progress comes before it)
	local last=${stderr_lines[${#stderr_lines[@]} - 1]}
	[[ "$last" == "tote: "* ]]
	[[ "$last" == *"$BB_L2"* ]]
	[[ "$last" == *"failed verification"* ]]
	[ "$(grep -c '^tote: ' <<<"$stderr")" -eq 1 ]
	[ ! -e "$(blob "$STORE/images" "$BB_L2")" ]
	[ "$(entries "$STORE/tmp")" -eq 0 ]
	[ "$(jq '.manifests | length' "$STORE/images/index.json")" -eq 0 ]
	[ ! -e "$STORE/layers/$(hex "$BB_CHAIN2")" ]
}

# ---------------------------------------------------------------------------
# 12. a Docker schema2 image
# ---------------------------------------------------------------------------

@test "a Docker schema2 image is stored as its OCI equivalent, the source digest kept" {
	local name="$REG/test/v2s2:latest" src m
	skopeo copy --quiet --format v2s2 --dest-tls-verify=false \
		"oci:$OCI/busybox:latest" "docker://$name"
	skopeo inspect --raw --tls-verify=false "docker://$name" >"$BATS_TEST_TMPDIR/raw"
	[ "$(jq -r .mediaType "$BATS_TEST_TMPDIR/raw")" = application/vnd.docker.distribution.manifest.v2+json ]
	src="sha256:$(sha256sum <"$BATS_TEST_TMPDIR/raw" | cut -d' ' -f1)"

	run --separate-stderr tote pull "$name"
	assert_success
	assert_output "$(hex "$BB_CONFIG")"

	m=$(stored_manifest "$name")
	[ "$(jq -r .mediaType "$m")" = application/vnd.oci.image.manifest.v1+json ]
	[ "$(jq -r .config.mediaType "$m")" = application/vnd.oci.image.config.v1+json ]
	[ "$(jq -r .config.digest "$m")" = "$BB_CONFIG" ]
	[ "$(jq -c '[.layers[].mediaType] | unique' "$m")" = '["application/vnd.oci.image.layer.v1.tar+gzip"]' ]
	[ "$(jq -c '[.layers[].digest]' "$m")" = "[\"$BB_L1\",\"$BB_L2\"]" ]
	# stored under its own digest, with the registry's in an annotation
	[ "$(sha256sum "$m" | cut -d' ' -f1)" = "$(basename "$m")" ]
	run jq -r --arg n "$name" \
		'.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $n) | .annotations["io.tote.image.source-digest"]' \
		"$STORE/images/index.json"
	assert_output "$src"
	run jq -r --arg n "$name" \
		'.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $n) | .mediaType' \
		"$STORE/images/index.json"
	assert_output application/vnd.oci.image.manifest.v1+json

	run skopeo inspect "oci:$STORE/images:$name"
	assert_success
	[ "$(jq -c .Layers <<<"$output")" = "[\"$BB_L1\",\"$BB_L2\"]" ]
	[ "$(jq -r '.Labels["org.tote.test"]' <<<"$output")" = busybox ]
	[ "$(entries "$STORE/layers")" -eq 2 ]
}

# ---------------------------------------------------------------------------
# rootless
# ---------------------------------------------------------------------------

@test "rootless: a user pulls into \$XDG_DATA_HOME/tote; whiteouts and opaque dirs in overlay's userxattr form, and they stack" {
	command -v setpriv >/dev/null || skip "no setpriv (util-linux)"
	ROOTLESS_HOME=$(mktemp -d /tmp/tote-rootless.XXXXXX)
	chown 65534:65534 "$ROOTLESS_HOME"
	as_nobody() {
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			env -i HOME="$ROOTLESS_HOME" PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
	}
	run -0 --separate-stderr as_nobody "$TOTE" pull -q "$REG/test/busybox"
	[ "$output" = "$(hex "$BB_CONFIG")" ]
	local store="$ROOTLESS_HOME/.local/share/tote" l1 l2
	l1="$store/layers/$(hex "$BB_CHAIN1")/fs"
	l2="$store/layers/$(hex "$BB_CHAIN2")/fs"
	[ -d "$l1" ] && [ -d "$l2" ]
	# the user's files; the whiteout a 0:0 device, the opaque dir the user xattr
	[ "$(stat -c %u "$l1/bin/busybox")" = 65534 ]
	[ "$(stat -c '%F %t:%T' "$l2/etc/motd")" = "character special file 0:0" ]
	[ "$(python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "user.overlay.opaque").decode())' "$l2/opt/data")" = y ]
	run -0 as_nobody "$TOTE" images -q
	[ "$output" = "$(hex "$BB_CONFIG" | cut -c1-12)" ]
	# in the user's own namespace the layers stack as an overlay (userxattr)
	run as_nobody unshare -Urm sh -c "mkdir -p '$ROOTLESS_HOME/m' && mount -t overlay overlay -o userxattr,lowerdir='$l2:$l1' '$ROOTLESS_HOME/m' && ls '$ROOTLESS_HOME/m/opt/data' && ls '$ROOTLESS_HOME/m/etc'"
	if [ "$status" -ne 0 ] && [[ "$output" == *"Operation not permitted"* ]]; then
		skip "this kernel does not let a user mount overlay in its namespace: $output"
	fi
	assert_success
	assert_line new
	refute_line old
	refute_line motd
	assert_line tote-layer2
}

# rl_user COUNT — a user made for the test (removed by teardown) whose only
# subordinate uid and gid range is 1600000:COUNT (useradd's own ranges are
# dropped); RL_HOME is its home, outside bats's tmp dir.
rl_user() {
	command -v newuidmap >/dev/null || skip "newuidmap (package uidmap) is missing"
	RL_USER=tote-rl-pull
	userdel -r "$RL_USER" >/dev/null 2>&1 || true
	ROOTLESS_HOME=$(mktemp -d /tmp/tote-rootless.XXXXXX)
	useradd -M -d "$ROOTLESS_HOME" -s /bin/sh "$RL_USER"
	chown "$RL_USER:" "$ROOTLESS_HOME"
	sed -i "/^$RL_USER:/d" /etc/subuid /etc/subgid
	echo "$RL_USER:1600000:$1" >>/etc/subuid
	echo "$RL_USER:1600000:$1" >>/etc/subgid
	RL_UID=$(id -u "$RL_USER")
	RL_GID=$(id -g "$RL_USER")
}

as_rl() {
	setpriv --reuid="$RL_USER" --regid="$RL_USER" --init-groups \
		env -i HOME="$ROOTLESS_HOME" PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

@test "rootless with subordinate ids: the owners are kept, shifted into the user's range; tote unshare shows the image's; rmi removes them" {
	rl_user 65536
	run -0 --separate-stderr as_rl "$TOTE" pull -q "$REG/test/busybox"
	[ "$output" = "$(hex "$BB_CONFIG")" ]
	[ -z "$stderr" ] # no note: nothing was let go
	local store="$ROOTLESS_HOME/.local/share/tote" l1 l2
	l1="$store/layers/$(hex "$BB_CHAIN1")/fs"
	l2="$store/layers/$(hex "$BB_CHAIN2")/fs"
	# on disk: root's files are the user's, uid 1000's are 1600000 + 999
	[ "$(stat -c %u:%g "$l1/bin/busybox")" = "$RL_UID:$RL_GID" ]
	[ "$(stat -c %u:%g "$l1/home/tote")" = 1600999:1600999 ]
	# the whiteout and the opaque dir as without ranges
	[ "$(stat -c '%F %t:%T' "$l2/etc/motd")" = "character special file 0:0" ]
	[ "$(python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "user.overlay.opaque").decode())' "$l2/opt/data")" = y ]
	# in the user's namespace they are the image's owners
	run -0 as_rl "$TOTE" unshare stat -c %u:%g "$l1/home/tote" "$l1/bin/busybox"
	[ "$output" = $'1000:1000\n0:0' ]
	run -0 as_rl "$TOTE" unshare sh -c 'id -u; cat /proc/self/uid_map'
	assert_line --index 0 0
	assert_line --regexp "^ +0 +$RL_UID +1\$"
	assert_line --regexp "^ +1 +1600000 +65536\$"
	# files of ids that are not the user's go too
	run -0 as_rl "$TOTE" rmi "$REG/test/busybox"
	[ -z "$(ls -A "$store/layers")" ]
	[ "$(jq '.manifests | length' "$store/images/index.json")" = 0 ]
}

@test "rootless: an owner past the user's subordinate range fails the pull, naming the file and the fix, and no layer stays" {
	rl_user 500
	run -125 --separate-stderr as_rl "$TOTE" pull -q "$REG/test/busybox"
	[[ "$stderr" == *'the owner 1000:1000 of "home/tote" is past the ids mapped for you'*'/etc/subuid'* ]]
	local store="$ROOTLESS_HOME/.local/share/tote"
	[ -z "$(ls -A "$store/layers" 2>/dev/null)" ]
	run -0 as_rl "$TOTE" images -q
	[ -z "$output" ]
}

@test "tote unshare: refused as root, and for a user without subordinate ids" {
	run -125 --separate-stderr "$TOTE" unshare true
	[[ "$stderr" == *"tote unshare is for users without root"* ]]
	command -v setpriv >/dev/null || skip "no setpriv (util-linux)"
	ROOTLESS_HOME=$(mktemp -d /tmp/tote-rootless.XXXXXX)
	chown 65534:65534 "$ROOTLESS_HOME"
	run -125 --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
		env -i HOME="$ROOTLESS_HOME" PATH=/usr/bin:/bin "$TOTE" unshare true
	[[ "$stderr" == *"no subordinate ids"*"/etc/subuid"* ]]
}
