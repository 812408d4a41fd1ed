#!/usr/bin/env bats
# tote unpacks what umoci unpacks: an image pulled by build/tote, its layer
# directories stacked as a read-only overlay, must be the same tree, path
# for path and attribute for attribute, as `umoci unpack` of the image's
# OCI layout.  Two images: mkoci.sh's busybox (two layers) and mkdebian.sh's
# debian (debootstrap's bookworm, then a layer of set-id files, owners,
# xattrs, a capability, links and a fifo, then a layer of whiteouts and an
# opaque directory), both pushed to a private docker-registry.
#
# helpers.bash is not loaded: its setup needs the runtime and makes a bundle
# per test, and nothing here runs a container.  One registry serves the
# file: setup_file builds the layouts, starts it and pushes test/busybox and
# test/debian; teardown_file stops it (bats runs teardown_file even when
# setup_file fails).
#
# Pulling debian and unpacking it with umoci take seconds, so each image is
# pulled into a fresh store and listed once per file (prepare, in the first
# test that needs it; the tests do not depend on which that is) and the
# tests read the lists.  Overlay mounts live under $BATS_TEST_TMPDIR and are
# recorded there; teardown unmounts them, also when a test fails half-way.
#
# Two things are checked by tests of their own: directory mtimes (excluded
# from the main comparisons: a directory's mtime is only right once every
# entry is in it, which tote does at the end of each layer), and UTF-8
# names and link targets (pax records, as Go's archive/tar writes them).

# shellcheck disable=SC2154 # stderr, stderr_lines: set by bats's run
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
bats_require_minimum_version 1.5.0

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
MKOCI="$REPO/tests/image/mkoci.sh"
MKDEBIAN="$REPO/tests/image/mkdebian.sh"
REGISTRY_SH="$REPO/tests/image/registry.sh"
load rootfs
TOTE="$REPO/build/tote"
# A hang guard for each tote call, never an assertion.
TOTE_TIMEOUT=${TOTE_TIMEOUT:-60}

# Same rule and lock as helpers.bash, so parallel bats workers build the
# rootfs (which mkoci.sh needs) once.
setup_file() {
	[ -x "$TOTE" ] || {
		echo "$TOTE is not built (run make)" >&2
		return 1
	}
	# tote makes whiteouts with mknod and opaque dirs with trusted. xattrs,
	# and mounting the overlay needs root too
	[ "$(id -u)" -eq 0 ] || {
		echo "unpack.bats needs root" >&2
		return 1
	}
	ensure_rootfs
	# The tests share what prepare makes in $BATS_FILE_TMPDIR.
	export BATS_NO_PARALLELIZE_WITHIN_FILE=true

	export OCI="$BATS_FILE_TMPDIR/oci" DEB="$BATS_FILE_TMPDIR/debian-oci"
	"$MKOCI" "$OCI"
	# the debootstrap result is cached in build/cache: a minute the first
	# time, a second after
	"$MKDEBIAN" "$DEB"
	export REG_DIR="$BATS_FILE_TMPDIR/reg"
	PORT=$("$REGISTRY_SH" start "$REG_DIR")
	export PORT REG="127.0.0.1:$PORT"
	"$REGISTRY_SH" push "$REG_DIR" "$OCI/busybox:latest" test/busybox:latest
	"$REGISTRY_SH" push "$REG_DIR" "$DEB/debian:latest" test/debian:latest
}

teardown_file() {
	if [ -n "${REG_DIR:-}" ] && [ -e "$REG_DIR" ]; then
		"$REGISTRY_SH" stop "$REG_DIR"
	fi
}

setup() {
	# overlay mounts of this test, one a line, for teardown
	MOUNTS="$BATS_TEST_TMPDIR/.mounts"
}

teardown() {
	local m
	# before bats removes $BATS_TEST_TMPDIR, which must not walk into a
	# mount (read-only as they are)
	if [ -f "$MOUNTS" ]; then
		while read -r m; do
			if mountpoint -q "$m"; then
				umount "$m" || umount -l "$m"
			fi
		done <"$MOUNTS"
	fi
	return 0
}

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

# layout_of NAME — the OCI layout test/NAME was pushed from.
layout_of() {
	case "$1" in
	busybox) echo "$OCI/busybox" ;;
	debian) echo "$DEB/debian" ;;
	*) return 1 ;;
	esac
}

# blob LAYOUT DIGEST — path of a blob in an OCI layout (the store's too).
blob() { echo "$1/blobs/sha256/${2#sha256:}"; }

# chain_id PARENT_CHAIN DIFF_ID — the OCI chain id, "sha256:<hex>": the
# first layer's is its diff id, then sha256 of "PARENT DIFF_ID".
chain_id() {
	if [ -z "$1" ]; then
		echo "$2"
	else
		echo "sha256:$(printf '%s %s' "$1" "$2" | sha256sum | cut -d' ' -f1)"
	fi
}

# tote_at ROOT ARGS... — build/tote on the store ROOT.
tote_at() {
	local root=$1
	shift
	timeout "$TOTE_TIMEOUT" "$TOTE" --root "$root" "$@"
}

# stored_config STORE NAME — path of the config blob of image NAME (a full
# reference, as the store's index.json names it).
stored_config() {
	local m
	m=$(jq -r --arg n "$2" \
		'.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $n) | .digest' \
		"$1/images/index.json")
	[ -n "$m" ] || {
		echo "$1 has no image $2" >&2
		return 1
	}
	blob "$1/images" "$(jq -r .config.digest "$(blob "$1/images" "$m")")"
}

# layer_dirs STORE NAME — the layer directories of image NAME, top first
# (overlayfs's lowerdir order), from its config's diff ids.
layer_dirs() {
	local cfg chain="" diff dirs=()
	cfg=$(stored_config "$1" "$2") || return 1
	for diff in $(jq -r '.rootfs.diff_ids[]' "$cfg"); do
		chain=$(chain_id "$chain" "$diff")
		[ -d "$1/layers/${chain#sha256:}/fs" ] || {
			echo "no layer directory for chain id $chain (diff id $diff)" >&2
			return 1
		}
		dirs=("$1/layers/${chain#sha256:}/fs" "${dirs[@]}")
	done
	printf '%s\n' "${dirs[@]}"
}

# mount_image STORE NAME MNT — image NAME's layers as a read-only overlay at
# MNT (lower dirs only: nothing can write into the store through it);
# teardown unmounts it.
mount_image() {
	local store=$1 name=$2 mnt=$3 lower
	lower=$(layer_dirs "$store" "$name" | paste -sd:) || return 1
	[ -n "$lower" ] || return 1
	# overlayfs wants two lower dirs when there is no upper: an empty one
	# goes under a single layer
	if [[ "$lower" != *:* ]]; then
		mkdir -p "$BATS_TEST_TMPDIR/.empty"
		lower="$lower:$BATS_TEST_TMPDIR/.empty"
	fi
	mkdir -p "$mnt"
	echo "$mnt" >>"$MOUNTS"
	mount -t overlay overlay -o "ro,lowerdir=$lower" "$mnt"
}

# The tree lister: one line per path and attribute, "PATH TYPE ATTR=VALUE",
# sorted by path, so that diff shows exactly which attribute of which path
# differs.  PATH is relative ("." for the root) with bytes outside printable
# ASCII, spaces and backslashes as \xNN, so awk can split the fields.
#   TYPE   dir reg lnk chr blk fifo sock
#   mode   permission bits with set-id and sticky, octal
#   owner  uid:gid
#   size, sha256           regular files
#   target                 symlinks (escaped like PATH)
#   rdev   major:minor     devices
#   xattr.NAME   the value in hex; every xattr but trusted.overlay.*, which
#                overlayfs keeps for itself (and hides in the merged view)
#   mtime  seconds.nanoseconds
#   hardlink     for a non-directory with other names in the tree: the
#                first of its names (so a pair in both trees prints the
#                same); nlink is not compared, as a lower layer's count
#                includes names an upper layer whites out
# atime and ctime are the unpacker's own; directory sizes and link counts
# are the filesystem's.  /usr/bin/python3: Debian's, whatever pyenv puts
# first on PATH.
TREE_PY=$(
	cat <<'EOF'
import hashlib, os, stat, sys

root = os.fsencode(sys.argv[1])

def esc(b):
    return ''.join('\\x%02x' % c if c <= 0x20 or c >= 0x7f or c == 0x5c else chr(c)
                   for c in b)

TYPES = [(stat.S_ISDIR, 'dir'), (stat.S_ISREG, 'reg'), (stat.S_ISLNK, 'lnk'),
         (stat.S_ISCHR, 'chr'), (stat.S_ISBLK, 'blk'), (stat.S_ISFIFO, 'fifo'),
         (stat.S_ISSOCK, 'sock')]

entries = []
def walk(rel):
    full = os.path.join(root, rel) if rel else root
    st = os.lstat(full)
    entries.append((rel or b'.', full, st))
    if stat.S_ISDIR(st.st_mode):
        for name in sorted(os.listdir(full)):
            walk(os.path.join(rel, name) if rel else name)
walk(b'')

names = {}
for rel, full, st in entries:
    if not stat.S_ISDIR(st.st_mode):
        names.setdefault((st.st_dev, st.st_ino), []).append(rel)

out = sys.stdout
for rel, full, st in entries:
    m = st.st_mode
    t = next(n for f, n in TYPES if f(m))
    head = '%s %s ' % (esc(rel), t)
    def put(k, v):
        out.write('%s%s=%s\n' % (head, k, v))
    put('mode', '%04o' % stat.S_IMODE(m))
    put('owner', '%d:%d' % (st.st_uid, st.st_gid))
    if t == 'reg':
        put('size', st.st_size)
        h = hashlib.sha256()
        with open(full, 'rb') as f:
            for b in iter(lambda: f.read(1 << 20), b''):
                h.update(b)
        put('sha256', h.hexdigest())
    elif t == 'lnk':
        put('target', esc(os.readlink(full)))
    elif t in ('chr', 'blk'):
        put('rdev', '%d:%d' % (os.major(st.st_rdev), os.minor(st.st_rdev)))
    for x in sorted(os.listxattr(full, follow_symlinks=False)):
        if not x.startswith('trusted.overlay.'):
            put('xattr.' + x, os.getxattr(full, x, follow_symlinks=False).hex())
    put('mtime', '%d.%09d' % divmod(st.st_mtime_ns, 10**9))
    if t != 'dir' and len(names[(st.st_dev, st.st_ino)]) > 1:
        put('hardlink', esc(min(names[(st.st_dev, st.st_ino)])))
EOF
)

# tree_list DIR — DIR's tree as TREE_PY lists it.
tree_list() { /usr/bin/python3 -c "$TREE_PY" "$1"; }

# prepare NAME — once per file: pull test/NAME with tote into a fresh store
# ($BATS_FILE_TMPDIR/NAME/store), list its overlay (mounted under
# $BATS_TEST_TMPDIR for the listing only) into tote.list; umoci unpack its
# layout into bundle/ and list bundle/rootfs into umoci.list.  A try that
# failed half-way leaves no .done, and the next starts over.
prepare() {
	local name=$1 dir="$BATS_FILE_TMPDIR/$1" mnt="$BATS_TEST_TMPDIR/$1.tote"
	[ -e "$dir/.done" ] && return 0
	rm -rf "$dir"
	mkdir -p "$dir"
	tote_at "$dir/store" pull -q "$REG/test/$name" >/dev/null || return 1
	mount_image "$dir/store" "$REG/test/$name:latest" "$mnt" || return 1
	tree_list "$mnt" >"$dir/tote.list" || return 1
	umount "$mnt"
	umoci unpack --image "$(layout_of "$name"):latest" "$dir/bundle" >"$dir/umoci.log" 2>&1 || {
		cat "$dir/umoci.log" >&2
		return 1
	}
	tree_list "$dir/bundle/rootfs" >"$dir/umoci.list" || return 1
	touch "$dir/.done"
}

# What compare leaves out (awk conditions on the list lines):
#   the root's mtime: no layer has an entry for "/" (mkoci.sh and
#   mkdebian.sh write none, as docker does not), so its mtime is nobody's:
#   umoci leaves its rootfs at 0, the overlay shows the top layer
#   directory's own.
# shellcheck disable=SC2016 # awk's $1, not the shell's
NOT_FROM_IMAGE='$1 == "." && $3 ~ /^mtime=/'
#   directory mtimes: compared by "directory mtimes ..." below.
# shellcheck disable=SC2016
DIR_MTIME='$2 == "dir" && $3 ~ /^mtime=/'

# compare_lists UMOCI_LIST TOTE_LIST WHAT [AWK_CONDITION] — the two lists
# are the same, less the lines AWK_CONDITION matches (and NOT_FROM_IMAGE);
# else print a diff, "-" umoci and "+" tote, and fail.
compare_lists() {
	local excl="($NOT_FROM_IMAGE) || (${4:-0})" d="$BATS_TEST_TMPDIR/cmp" n
	mkdir -p "$d"
	awk "!($excl)" "$1" >"$d/umoci"
	awk "!($excl)" "$2" >"$d/tote"
	if ! diff -U0 --label "umoci unpack ($3)" --label "tote pull, layers as an overlay ($3)" \
		"$d/umoci" "$d/tote" >"$d/diff"; then
		n=$(grep -c '^[-+][^-+]' "$d/diff" || true)
		echo "$3: tote's tree differs from umoci's in $n lines (the first 200 shown):" >&2
		head -n 200 "$d/diff" >&2
		return 1
	fi
}

# compare NAME [AWK_CONDITION] — compare_lists of what prepare NAME listed.
compare() {
	compare_lists "$BATS_FILE_TMPDIR/$1/umoci.list" "$BATS_FILE_TMPDIR/$1/tote.list" "$1" "${2:-0}"
}

# xattr_hex FILE NAME — FILE's xattr NAME in hex (not following symlinks).
xattr_hex() {
	/usr/bin/python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False).hex())' "$1" "$2"
}

# ---------------------------------------------------------------------------
# the two trees
# ---------------------------------------------------------------------------

@test "busybox: tote's layers, stacked, are what umoci unpacks" {
	prepare busybox
	# not vacuous: the whole rootfs is there
	[ "$(grep -c ' mode=' "$BATS_FILE_TMPDIR/busybox/tote.list")" -gt 100 ]
	grep -qx 'bin/busybox reg mode=0755' "$BATS_FILE_TMPDIR/busybox/tote.list"
	compare busybox "$DIR_MTIME"
}

@test "debian: tote's layers, stacked, are what umoci unpacks" {
	prepare debian
	[ "$(grep -c ' mode=' "$BATS_FILE_TMPDIR/debian/tote.list")" -gt 5000 ]
	compare debian "$DIR_MTIME"
}

@test "debian: layer 2's set-id files, owners, fifo, links, xattrs and capability are in both trees" {
	# What the comparison above would let pass if both unpackers dropped
	# it: checked in each tree, umoci's first (the fixture itself).
	prepare debian
	local mnt="$BATS_TEST_TMPDIR/rootfs" root
	mount_image "$BATS_FILE_TMPDIR/debian/store" "$REG/test/debian:latest" "$mnt"
	for root in "$BATS_FILE_TMPDIR/debian/bundle/rootfs" "$mnt"; do
		[ "$(stat -c '%a %u:%g' "$root/usr/local/bin/tote-suid")" = "4755 0:0" ]
		[ "$(stat -c '%a' "$root/usr/local/bin/tote-sgid")" = 2755 ]
		[ "$(stat -c '%a' "$root/srv/tote/tmp")" = 1777 ]
		[ "$(stat -c '%a %u:%g' "$root/etc/motd")" = "640 1000:1000" ]
		[ "$(stat -c '%a %u:%g' "$root/srv/tote")" = "750 1000:1000" ]
		[ "$(stat -c '%F %a %u:%g' "$root/srv/tote/fifo")" = "fifo 620 1000:1000" ]
		[ "$(readlink "$root/usr/local/bin/tote-link")" = tote-suid ]
		[ "$(readlink "$root/etc/tote-abs")" = /etc/tote-layer2 ]
		[ "$(readlink "$root/usr/local/share/tote/dangling")" = /nonexistent ]
		[ "$(stat -c %i "$root/usr/local/lib/tote/a")" = "$(stat -c %i "$root/usr/local/lib/tote/b")" ]
		[ "$(xattr_hex "$root/usr/local/share/tote/xattr" user.tote)" = 31 ]
		# VFS_CAP_REVISION_2 | effective, permitted = CAP_NET_RAW (bit 13)
		[ "$(xattr_hex "$root/usr/local/bin/tote-cap" security.capability)" = \
			0100000200200000000000000000000000000000 ]
		# nanosecond mtimes (layer 2's are 1700000000.123456789)
		[ "$(stat -c %.9Y "$root/etc/tote-layer2")" = 1700000000.123456789 ]
		# debootstrap's /dev nodes
		[ "$(stat -c '%F %t:%T' "$root/dev/null")" = "character special file 1:3" ]
		# a name longer than ustar's 100 bytes
		[ -f "$root/usr/local/share/tote/$(printf 'long%.0s' {1..37})-name" ]
	done
}

@test "debian: whiteouts and the opaque directory, on the merged view" {
	prepare debian
	local store="$BATS_FILE_TMPDIR/debian/store" mnt="$BATS_TEST_TMPDIR/rootfs" root
	local layers=()
	mapfile -t layers < <(layer_dirs "$store" "$REG/test/debian:latest")
	[ "${#layers[@]}" -eq 3 ]
	# layers[0] is layer 3 (top first): what it deletes is in the layers
	# below, and it holds overlayfs's whiteouts for them
	[ -f "${layers[2]}/etc/issue" ]
	[ -d "${layers[2]}/usr/share/doc/apt" ]
	[ -f "${layers[1]}/etc/tote-gone" ]
	[ -f "${layers[1]}/opt/app/README" ]
	[ "$(stat -c '%F %t:%T' "${layers[0]}/etc/issue")" = "character special file 0:0" ]
	[ "$(stat -c '%F %t:%T' "${layers[0]}/usr/share/doc/apt")" = "character special file 0:0" ]
	[ "$(xattr_hex "${layers[0]}/opt/app" trusted.overlay.opaque)" = 79 ] # "y"

	mount_image "$store" "$REG/test/debian:latest" "$mnt"
	# the same on the overlay and in umoci's rootfs
	for root in "$mnt" "$BATS_FILE_TMPDIR/debian/bundle/rootfs"; do
		# a file of layer 1 and one of layer 2, deleted
		# (-L too: -e follows a symlink; one [ ] a line, as bats fails
		# only on a list's last command)
		[ ! -e "$root/etc/issue" ]
		[ ! -L "$root/etc/issue" ]
		[ ! -e "$root/etc/tote-gone" ]
		[ ! -L "$root/etc/tote-gone" ]
		[ -f "$root/etc/issue.net" ]
		[ "$(cat "$root/etc/tote-layer2")" = layer2 ]
		# the opaque directory: layer 3's file only, none of layer 2's
		[ "$(ls -A "$root/opt/app")" = layer3 ]
		[ "$(cat "$root/opt/app/layer3")" = layer3 ]
		# a directory of layer 1 deleted with all it held, its siblings kept
		[ ! -e "$root/usr/share/doc/apt" ]
		[ -d "$root/usr/share/doc/dpkg" ]
		[ -d "$root/usr/share/doc/apt-utils" ] || [ -d "$root/usr/share/doc/bash" ]
		# the markers themselves are never files of the image
		run find "$root" -xdev -name '.wh.*'
		assert_output ''
	done
}

@test "debian: a second pull skips every blob and unpacks nothing" {
	prepare debian
	local store="$BATS_FILE_TMPDIR/debian/store" m cfg d t0 t1 lines
	m=$(jq -r '.manifests[0].digest' "$DEB/debian/index.json")
	cfg=$(jq -r .config.digest "$(blob "$DEB/debian" "$m")")
	t0=$EPOCHREALTIME
	run --separate-stderr tote_at "$store" pull "$REG/test/debian"
	t1=$EPOCHREALTIME
	assert_success
	assert_output "${cfg#sha256:}"
	# printed, never asserted: a loaded machine is slow, not wrong
	echo "# second pull of debian: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') s" >&3
	# one line per blob, the config and the three layers, each skipped
	[ "${#stderr_lines[@]}" -eq 4 ] || {
		echo "want 4 lines on stderr, got: $stderr" >&2
		return 1
	}
	grep -qxF "Copying config ${cfg:0:19} skipped: already exists" <<<"$stderr"
	for d in $(jq -r '.layers[].digest' "$(blob "$DEB/debian" "$m")"); do
		grep -qxF "Copying blob ${d:0:19} skipped: already exists" <<<"$stderr"
	done
	lines=$(grep -vc 'skipped: already exists$' <<<"$stderr" || true)
	[ "$lines" -eq 0 ]
}

# ---------------------------------------------------------------------------
# directory mtimes, and UTF-8 names
# ---------------------------------------------------------------------------

@test "directory mtimes are the layers' (busybox, debian)" {
	prepare busybox
	prepare debian
	local name diffs=0 example="" f
	for name in busybox debian; do
		# only directory mtimes: the rest is compared above
		f="$BATS_TEST_TMPDIR/$name"
		awk "($DIR_MTIME) && !($NOT_FROM_IMAGE)" "$BATS_FILE_TMPDIR/$name/umoci.list" >"$f.umoci"
		awk "($DIR_MTIME) && !($NOT_FROM_IMAGE)" "$BATS_FILE_TMPDIR/$name/tote.list" >"$f.tote"
		# "PATH UMOCI TOTE" for each directory whose mtimes differ (a
		# directory only one side has is compare's to report)
		awk 'NR == FNR { u[$1] = $3; next } ($1 in u) && u[$1] != $3 { print $1, u[$1], $3 }' \
			"$f.umoci" "$f.tote" >"$f.diff"
		diffs=$((diffs + $(wc -l <"$f.diff")))
		[ -n "$example" ] || example=$(head -n1 "$f.diff")
	done
	if [ "$diffs" -gt 0 ]; then
		# the example: "etc mtime=<umoci's> mtime=<tote's>"
		fail "$diffs directories' mtimes differ from umoci's, e.g. $example (umoci's first, tote's second)"
	fi
}

@test "a layer with UTF-8 names and link targets (as Go's archive/tar writes them) unpacks" {
	# A two-layer image made by umoci (Go's archive/tar, as docker and
	# buildkit): a file and a symlink target with non-ASCII names, which
	# Go writes as pax records (UTF-8 by the pax standard).
	local layout="$BATS_TEST_TMPDIR/utf8.layout" src="$BATS_TEST_TMPDIR/src" store="$BATS_TEST_TMPDIR/store"
	umoci init --layout "$layout"
	umoci new --image "$layout:latest"
	mkdir -p "$src/1" "$src/2"
	echo hi >"$src/1/ünïcode"
	umoci insert --image "$layout:latest" "$src/1" /data >/dev/null
	ln -s /data/ünïcode "$src/2/link"
	umoci insert --image "$layout:latest" "$src/2" /links >/dev/null
	"$REGISTRY_SH" push "$REG_DIR" "$layout:latest" test/utf8:latest

	run --separate-stderr tote_at "$store" pull -q "$REG/test/utf8"
	assert_success
	local mnt="$BATS_TEST_TMPDIR/rootfs"
	mount_image "$store" "$REG/test/utf8:latest" "$mnt"
	[ "$(cat "$mnt/data/ünïcode")" = hi ]
	[ "$(readlink "$mnt/links/link")" = /data/ünïcode ]
	tree_list "$mnt" >"$BATS_TEST_TMPDIR/tote.list"
	umoci unpack --image "$layout:latest" "$BATS_TEST_TMPDIR/bundle" >/dev/null
	tree_list "$BATS_TEST_TMPDIR/bundle/rootfs" >"$BATS_TEST_TMPDIR/umoci.list"
	compare_lists "$BATS_TEST_TMPDIR/umoci.list" "$BATS_TEST_TMPDIR/tote.list" utf8 "$DIR_MTIME"
}
