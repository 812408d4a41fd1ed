#!/bin/bash
# mkdebian.sh OUT_DIR — build OUT_DIR/debian, an OCI image layout (tag
# "latest") of a minimal Debian 12 with three gzip layers, for the tests
# that compare tote's unpacking with umoci's (tests/integration/unpack.bats).
#
#   layer 1  `debootstrap --variant=minbase bookworm`, its .debs and apt
#            lists removed (as Debian's docker images do)
#   layer 2  what a layer can hold besides plain files, all under paths
#            layer 3 leaves alone unless said otherwise:
#              /etc/tote-layer2        a new file ("layer2")
#              /etc/motd               layer 1's file again, now 1000:1000 0640
#              /etc/tote-gone          deleted again by layer 3
#              /opt/app/{README,bin/tool}   replaced by layer 3 (opaque)
#              /srv/tote/              a 1000:1000 0750 dir: data (1000:1000
#                                      0640), fifo (a named pipe), tmp/ (1777)
#              /usr/local/bin/tote-suid     a 4755 script
#              /usr/local/bin/tote-sgid     a 2755 script
#              /usr/local/bin/tote-cap      security.capability cap_net_raw+ep
#              /usr/local/bin/tote-link -> tote-suid
#              /etc/tote-abs -> /etc/tote-layer2
#              /usr/local/share/tote/dangling -> /nonexistent
#              /usr/local/lib/tote/{a,b}    one file, two hard links
#              /usr/local/share/tote/xattr  xattr user.tote=1
#              /usr/local/share/tote/big    `seq 1 200000` (1.2 MB)
#              /usr/local/share/tote/empty  0 bytes
#              /usr/local/share/tote/long...long-name  a 150-character name
#   layer 3  whiteouts: etc/.wh.issue (a layer-1 file), etc/.wh.tote-gone
#            (a layer-2 file), usr/share/doc/.wh.apt (a layer-1 directory
#            and all it holds); opt/app/.wh..wh..opq with opt/app/layer3
#            ("layer3") as the directory's only file
# so the unpacked image has no /etc/issue, /etc/tote-gone or
# /usr/share/doc/apt, and /opt/app holds only layer3.
#
# Only layer 1 needs the network: debootstrap fetches from the Debian mirror
# apt uses on this machine (the first "bookworm" entry of
# /etc/apt/sources.list{,.d/*.list,.d/*.sources}; DEBIAN_MIRROR overrides
# it).  Its result, the gzip layer and its diff id (and, for the record,
# the mirror), is cached in CACHE_DIR/debian-bookworm-minbase/ and reused
# whenever present, whatever the mirror: delete that directory to
# bootstrap again (30-60 s; with the cache the script takes about 1 s).  debootstrap is
# installed with apt-get when missing; it and the unpacked root need root.
#
# Layers 2 and 3 and the JSON are reproducible (sorted names, fixed times,
# numeric owners, pax headers without atime/ctime or pids, gzip -n, jq -c),
# so the same cache always gives the same digests.  Layer 1 is as
# reproducible as its cache: a new bootstrap gives new times.  The layers
# are POSIX (pax) tars: xattrs (SCHILY.xattr.*), nanosecond mtimes and long
# names need it, and GNU tar writes the xattrs only with --xattrs and
# --xattrs-include='*' (else it drops security.*).
#
# The layout is checked with umoci and skopeo before the script succeeds.
# OUT_DIR is rebuilt from scratch (in OUT_DIR.tmp.PID, then renamed), so it
# holds only debian: give it a directory of its own, not mkoci.sh's.  Quiet
# unless something fails; TOTE_VERBOSE=1 prints what is built.
#
# Environment: CACHE_DIR (default: build/cache of this repository),
# DEBIAN_MIRROR (default: from apt's sources, see above).
set -euo pipefail

die() { echo "mkdebian.sh: $*" >&2; exit 1; }
say() { if [ "${TOTE_VERBOSE:-0}" = 1 ]; then echo "mkdebian.sh: $*" >&2; fi; }

[ $# -eq 1 ] || die "usage: mkdebian.sh OUT_DIR"
OUT=${1%/}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE_DIR=${CACHE_DIR:-$REPO/build/cache}
CACHE="$CACHE_DIR/debian-bookworm-minbase"
SUITE=bookworm

for tool in tar gzip sha256sum jq umoci skopeo setcap flock /usr/bin/python3; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed"
done
tar --version 2>/dev/null | head -n1 | grep -q 'GNU tar' || die "tar is not GNU tar"
[ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap, chown, setcap)"

# Files this script creates get the same modes whatever the caller's umask.
umask 022
export LC_ALL=C

CREATED=2023-11-14T22:13:20Z
# Layers 2 and 3 get these mtimes (fractional, so that nanoseconds are
# tested too); layer 1 keeps debootstrap's.
L2_TIME=1700000000.123456789
L3_TIME=1700000100.987654321
PATH_ENV=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
MT_INDEX=application/vnd.oci.image.index.v1+json
MT_MANIFEST=application/vnd.oci.image.manifest.v1+json
MT_CONFIG=application/vnd.oci.image.config.v1+json
MT_LAYER=application/vnd.oci.image.layer.v1.tar+gzip

# GNU tar, reproducibly: pax headers named without the pid and without
# atime/ctime (which differ on every run), names sorted, owners numeric.
TAR=(tar --format=posix
	--pax-option='exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime'
	--sort=name --numeric-owner --xattrs --xattrs-include='*')

# tar_dir DIR FILE — DIR's contents into FILE, entries named "etc/motd" (no
# "./", no entry for DIR itself), as docker and buildkit write them.
tar_dir() {
	local top=()
	mapfile -t top < <(find "$1" -mindepth 1 -maxdepth 1 -printf '%P\n' | sort)
	[ ${#top[@]} -gt 0 ] || die "$1 is empty"
	"${TAR[@]}" -C "$1" -cf "$2" -- "${top[@]}"
}

# --- the mirror ---------------------------------------------------------------

# apt_mirror — the URI of the first enabled "deb" source for $SUITE, from the
# one-line (.list) and deb822 (.sources) formats.
apt_mirror() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		# deb [options] URI SUITE COMPONENT...
		awk -v suite="$SUITE" '
			$1 == "deb" {
				i = 2
				if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
				if ($(i + 1) == suite) { print $i; exit }
			}' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		# stanzas split by blank lines; fields "Name: value"
		awk -v suite="$SUITE" '
			function flush() {
				if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") &&
				    enabled != "no" && uris != "") {
					split(uris, u, " "); print u[1]; exit
				}
				types = suites = uris = ""; enabled = "yes"
			}
			BEGIN { enabled = "yes" }
			/^[ \t]*#/ { next }
			/^[ \t]*$/ { flush(); next }
			{
				key = tolower($1); sub(/:$/, "", key)
				val = $0; sub(/^[^:]*:[ \t]*/, "", val)
				if (key == "types") types = val
				else if (key == "suites") suites = val
				else if (key == "uris") uris = val
				else if (key == "enabled") enabled = tolower(val)
			}
			END { flush() }' "$f"
	done | head -n1
}

# --- layer 1: debootstrap, cached -------------------------------------------

# bootstrap — make $CACHE (layer.tar.gz and diff_id) with debootstrap.  It
# is built beside $CACHE and renamed into place, so $CACHE is whole or absent.
bootstrap() {
	local mirror root tmp="$CACHE.tmp.$$"
	mirror=${DEBIAN_MIRROR:-$(apt_mirror)}
	[ -n "$mirror" ] || die "no Debian mirror for $SUITE in apt's sources (set DEBIAN_MIRROR)"
	if ! command -v debootstrap >/dev/null 2>&1; then
		say "installing debootstrap"
		# apt's lists may be missing or stale (an image cleaned like ours):
		# update them once if the first try fails
		if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			debootstrap >"$CACHE_DIR/apt-get.log" 2>&1; then
			{ apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
				--no-install-recommends debootstrap; } >>"$CACHE_DIR/apt-get.log" 2>&1 ||
				{ cat "$CACHE_DIR/apt-get.log" >&2; die "apt-get install debootstrap failed"; }
		fi
		rm -f "$CACHE_DIR/apt-get.log"
	fi
	say "debootstrap --variant=minbase $SUITE from $mirror (about a minute)"
	rm -rf --one-file-system "$tmp"
	mkdir -p "$tmp"
	root="$tmp/root"
	# The log holds debootstrap's output: shown only when it fails.
	if ! debootstrap --variant=minbase "$SUITE" "$root" "$mirror" >"$tmp/debootstrap.log" 2>&1; then
		tail -n 30 "$tmp/debootstrap.log" >&2
		[ -f "$root/debootstrap/debootstrap.log" ] && tail -n 30 "$root/debootstrap/debootstrap.log" >&2
		rm -rf --one-file-system "$tmp"
		die "debootstrap failed (mirror $mirror)"
	fi
	# What an image does not need and Debian's own images leave out: the
	# downloaded .debs and the package lists.
	find "$root/var/cache/apt/archives" -maxdepth 1 -name '*.deb' -delete
	find "$root/var/lib/apt/lists" -mindepth 1 -maxdepth 1 ! -name partial -exec rm -rf {} +
	tar_dir "$root" "$tmp/layer.tar"
	echo "sha256:$(sha256sum "$tmp/layer.tar" | cut -d' ' -f1)" >"$tmp/diff_id"
	# -6, not -9: the same size within 1% at half the time.
	gzip -n -6 "$tmp/layer.tar"
	rm -rf --one-file-system "$root" "$tmp/debootstrap.log"
	echo "$mirror" >"$tmp/mirror"
	rm -rf "$CACHE"
	mv -T "$tmp" "$CACHE"
	say "cached $CACHE"
}

mkdir -p "$CACHE_DIR"
# One bootstrap at a time (bats files run side by side): the others wait
# for it and then use the cache.
(
	flock 9
	for stale in "$CACHE".tmp.*; do
		[ -e "$stale" ] || continue
		# --one-file-system: a killed debootstrap may have left /proc
		# mounted in its root; rm must not walk into it
		kill -0 "${stale##*.}" 2>/dev/null || rm -rf --one-file-system "$stale" || true
	done
	if [ ! -s "$CACHE/layer.tar.gz" ] || [ ! -s "$CACHE/diff_id" ]; then
		bootstrap
	else
		say "using $CACHE (delete it to bootstrap again)"
	fi
) 9>"$CACHE_DIR/.debian-bookworm-minbase.lock"

. "$HERE/tmpdir.sh"
start_tmp "$OUT"
WORK="$TMP/work"
mkdir -p "$TMP/debian/blobs/sha256" "$WORK"
LAYOUT="$TMP/debian"

# --- blobs ----------------------------------------------------------------------

BLOBS="$LAYOUT/blobs/sha256"
. "$(dirname "${BASH_SOURCE[0]}")/ocilib.sh"

# make_layer NAME DIR — tar DIR's contents into a gzip layer.  Sets
# LAYER_DIGEST, LAYER_SIZE and LAYER_DIFFID (sha256 of the tar).
make_layer() {
	tar_dir "$2" "$WORK/$1.tar"
	gzip_layer "$1"
}

# stamp DIR TIME — every entry of DIR (DIR too, not followed through
# symlinks) gets mtime and atime TIME.  Done last: adding an entry to a
# directory changes the directory's mtime.
stamp() {
	find "$1" -depth -exec touch -h -d "@$2" {} +
}

# --- layer 1 ------------------------------------------------------------------------
cp "$CACHE/layer.tar.gz" "$WORK/layer1.tar.gz"
L1_DIFFID=$(cat "$CACHE/diff_id")
[[ "$L1_DIFFID" =~ ^sha256:[0-9a-f]{64}$ ]] || die "$CACHE/diff_id is not a digest: delete $CACHE"
read -r L1_DIGEST L1_SIZE < <(add_blob "$WORK/layer1.tar.gz")
say "layer layer1: $L1_DIGEST ($L1_SIZE bytes, diff_id $L1_DIFFID)"

# --- layer 2: the kinds of entry a layer holds besides plain files ---------------------
# Parent directories are in the layer too (root 0755, as in layer 1), as in
# layers docker writes.
L2="$WORK/l2"
mkdirs "$L2" etc opt opt/app opt/app/bin srv usr usr/local usr/local/bin \
	usr/local/lib usr/local/lib/tote usr/local/share usr/local/share/tote
put "$L2/etc/tote-layer2" layer2
put "$L2/etc/tote-gone" "deleted by layer 3"
# layer 1's /etc/motd, given to 1000:1000 (a chown in a later layer)
put "$L2/etc/motd" "motd, owned by 1000:1000" 0640
chown 1000:1000 "$L2/etc/motd"
put "$L2/opt/app/README" "replaced by layer 3"
put "$L2/opt/app/bin/tool" '#!/bin/sh' 0755

# /srv/tote: an owned directory with an owned file, a fifo, a sticky dir
mkdir -p "$L2/srv/tote/tmp"
chmod 0750 "$L2/srv/tote"
chmod 1777 "$L2/srv/tote/tmp"
put "$L2/srv/tote/data" "owned by 1000:1000" 0640
mkfifo -m 0620 "$L2/srv/tote/fifo"
chown 1000:1000 "$L2/srv/tote" "$L2/srv/tote/data" "$L2/srv/tote/fifo"

# set-id bits after any chown (chown clears them), the capability last for
# the same reason
put "$L2/usr/local/bin/tote-suid" '#!/bin/sh' 4755
put "$L2/usr/local/bin/tote-sgid" '#!/bin/sh' 2755
put "$L2/usr/local/bin/tote-cap" '#!/bin/sh' 0755
setcap cap_net_raw+ep "$L2/usr/local/bin/tote-cap"
put "$L2/usr/local/share/tote/xattr" "has user.tote=1"
/usr/bin/python3 -c 'import os, sys; os.setxattr(sys.argv[1], "user.tote", b"1")' \
	"$L2/usr/local/share/tote/xattr"

ln -s tote-suid "$L2/usr/local/bin/tote-link"
ln -s /etc/tote-layer2 "$L2/etc/tote-abs"
ln -s /nonexistent "$L2/usr/local/share/tote/dangling"
put "$L2/usr/local/lib/tote/a" "one file, two names"
ln "$L2/usr/local/lib/tote/a" "$L2/usr/local/lib/tote/b"
seq 1 200000 >"$L2/usr/local/share/tote/big"
: >"$L2/usr/local/share/tote/empty"
# longer than ustar's 100-byte name field: a pax "path" record
put "$L2/usr/local/share/tote/$(printf 'long%.0s' {1..37})-name" "a long name"
stamp "$L2" "$L2_TIME"
make_layer layer2 "$L2"
L2_DIGEST=$LAYER_DIGEST L2_SIZE=$LAYER_SIZE L2_DIFFID=$LAYER_DIFFID

# --- layer 3: whiteouts and an opaque directory ------------------------------------------
L3="$WORK/l3"
mkdirs "$L3" etc opt opt/app usr usr/share usr/share/doc
: >"$L3/etc/.wh.issue"
: >"$L3/etc/.wh.tote-gone"
: >"$L3/usr/share/doc/.wh.apt"
: >"$L3/opt/app/.wh..wh..opq"
chmod 0644 "$L3/etc/.wh.issue" "$L3/etc/.wh.tote-gone" "$L3/usr/share/doc/.wh.apt" \
	"$L3/opt/app/.wh..wh..opq"
put "$L3/opt/app/layer3" layer3
stamp "$L3" "$L3_TIME"
make_layer layer3 "$L3"
L3_DIGEST=$LAYER_DIGEST L3_SIZE=$LAYER_SIZE L3_DIFFID=$LAYER_DIFFID

# The xattrs made it into layer 2 (GNU tar drops them silently otherwise).
for x in SCHILY.xattr.user.tote SCHILY.xattr.security.capability; do
	# grep -c, not -q: -q would stop reading, and gzip's SIGPIPE fail the
	# pipeline
	[ "$(gzip -dc "$LAYOUT/blobs/sha256/${L2_DIGEST#sha256:}" | grep -acF "$x")" -gt 0 ] ||
		die "layer 2 has no $x record: is tar GNU tar with --xattrs?"
done

# --- config, manifest, index ------------------------------------------------------------

ARCH=$(dpkg --print-architecture) # debootstrap's default: the host's
jq -n --arg arch "$ARCH" --arg created "$CREATED" --arg path "$PATH_ENV" \
	--arg d1 "$L1_DIFFID" --arg d2 "$L2_DIFFID" --arg d3 "$L3_DIFFID" '
	{
		created: $created,
		architecture: $arch,
		os: "linux",
		config: {
			Env: [$path],
			Cmd: ["bash"],
			WorkingDir: "/",
			Labels: {"org.tote.test": "debian"}
		},
		rootfs: {type: "layers", diff_ids: [$d1, $d2, $d3]},
		history: [
			{created: $created, created_by: "debootstrap --variant=minbase bookworm"},
			{created: $created, created_by: "tests/image/mkdebian.sh: debian layer 2 (xattrs, set-id, links, fifo, owners)"},
			{created: $created, created_by: "tests/image/mkdebian.sh: debian layer 3 (whiteouts, opaque dir)"}
		]
	}' >"$WORK/config"
read -r CFG_DIGEST CFG_SIZE < <(add_json "$WORK/config")

jq -n --arg mt "$MT_MANIFEST" \
	--argjson config "$(descriptor "$MT_CONFIG" "$CFG_DIGEST" "$CFG_SIZE")" \
	--argjson l1 "$(descriptor "$MT_LAYER" "$L1_DIGEST" "$L1_SIZE")" \
	--argjson l2 "$(descriptor "$MT_LAYER" "$L2_DIGEST" "$L2_SIZE")" \
	--argjson l3 "$(descriptor "$MT_LAYER" "$L3_DIGEST" "$L3_SIZE")" \
	'{schemaVersion: 2, mediaType: $mt, config: $config, layers: [$l1, $l2, $l3]}' \
	>"$WORK/manifest"
read -r MAN_DIGEST MAN_SIZE < <(add_json "$WORK/manifest")

printf '{"imageLayoutVersion":"1.0.0"}\n' >"$LAYOUT/oci-layout"
jq -nc --arg imt "$MT_INDEX" --argjson desc "$(descriptor "$MT_MANIFEST" "$MAN_DIGEST" "$MAN_SIZE")" '
	{
		schemaVersion: 2,
		mediaType: $imt,
		manifests: [$desc + {annotations: {"org.opencontainers.image.ref.name": "latest"}}]
	}' >"$LAYOUT/index.json"
rm -rf "$WORK"
say "layout debian: manifest $MAN_DIGEST, config $CFG_DIGEST"

# --- validation -----------------------------------------------------------------------------

check() {
	local what=$1 out
	shift
	if ! out=$("$@" 2>&1); then
		printf '%s\n' "$out" >&2
		die "$what rejected the layout: $*"
	fi
	say "$what: ok"
}

check "umoci ls" umoci ls --layout "$LAYOUT"
check "umoci stat" umoci stat --image "$LAYOUT:latest"
check "skopeo inspect" skopeo inspect "oci:$LAYOUT:latest"
check "skopeo inspect --raw" skopeo inspect --raw "oci:$LAYOUT:latest"
[ "$(umoci ls --layout "$LAYOUT")" = latest ] || die "umoci does not list the tag latest"
[ "$(skopeo inspect "oci:$LAYOUT:latest" | jq -r '.Layers | length')" = 3 ] ||
	die "skopeo does not see three layers"

# --- swap into place ------------------------------------------------------------------------
if [ -e "$OUT" ]; then
	mv -T "$OUT" "$OLD"
fi
mv -T "$TMP" "$OUT"
rm -rf "$OLD"
trap - EXIT
