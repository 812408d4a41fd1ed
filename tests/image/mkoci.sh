#!/bin/bash
# mkoci.sh OUT_DIR — build the OCI image layouts the pull tests use, offline,
# from the test rootfs (build/rootfs, made by `make image`).
#
# Only tar, gzip, sha256sum and jq are used, so nothing needs a registry or
# the network.  Layers are reproducible: GNU tar with sorted names, mtime 0
# and numeric owners, gzip -n (no name or time in the header), and JSON
# written compactly by jq; the same rootfs always gives the same digests.
#
# OUT_DIR/busybox  one image, tag "latest", two gzip layers:
#     layer 1  the whole rootfs except /usr/bin/probe, plus /etc/motd
#              ("motd") and /opt/data/old ("old")
#     layer 2  /usr/bin/probe, /etc/tote-layer2 ("2"), the whiteout
#              etc/.wh.motd (deletes /etc/motd), the opaque marker
#              opt/data/.wh..wh..opq (hides /opt/data/old) and
#              /opt/data/new ("new")
#   so the unpacked image is the rootfs plus /etc/tote-layer2,
#   /opt/data/new, with no /etc/motd and no /opt/data/old.
# OUT_DIR/multi    tag "latest" is an image index: linux/amd64 is the busybox
#   manifest above (same digest), linux/arm64 a one-layer image whose only
#   file is /arch ("arm64").
# OUT_DIR/shared   tag "latest": layer 1 of busybox (same blob) plus a layer
#   with /etc/tote-shared ("shared").
# Every text file ends in a newline.
#
# Each layout is checked with umoci and skopeo before the script succeeds.
# OUT_DIR is rebuilt from scratch (in OUT_DIR.tmp.PID, then renamed).  Quiet
# unless something fails; TOTE_VERBOSE=1 prints what is built.
#
# Environment: ROOTFS (default: build/rootfs of this repository).
set -euo pipefail

die() { echo "mkoci.sh: $*" >&2; exit 1; }
say() { if [ "${TOTE_VERBOSE:-0}" = 1 ]; then echo "mkoci.sh: $*" >&2; fi; }

[ $# -eq 1 ] || die "usage: mkoci.sh OUT_DIR"
OUT=${1%/}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
ROOTFS=${ROOTFS:-$REPO/build/rootfs}

for tool in tar gzip sha256sum jq umoci skopeo; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed"
done
if [ ! -x "$ROOTFS/bin/busybox" ] || [ ! -x "$ROOTFS/usr/bin/probe" ]; then
	die "$ROOTFS is not a built rootfs (run: make image)"
fi

# Files this script creates get the same modes whatever the caller's umask.
umask 022
export LC_ALL=C

CREATED=1970-01-01T00:00:00Z
PATH_ENV=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
MT_INDEX=application/vnd.oci.image.index.v1+json
MT_MANIFEST=application/vnd.oci.image.manifest.v1+json
MT_CONFIG=application/vnd.oci.image.config.v1+json
MT_LAYER=application/vnd.oci.image.layer.v1.tar+gzip

. "$(dirname "${BASH_SOURCE[0]}")/tmpdir.sh"
start_tmp "$OUT"
mkdir -p "$TMP/work"
WORK="$TMP/work"

# --- blobs ------------------------------------------------------------------

# Blobs are made once in $WORK/blobs and copied into each layout that needs
# them, so a blob two layouts share is byte-identical by construction.
mkdir -p "$WORK/blobs"

BLOBS="$WORK/blobs"
. "$(dirname "${BASH_SOURCE[0]}")/ocilib.sh"

# make_layer NAME DIR OWNER_OPTS... — tar DIR's contents into a gzip layer.
# Sets LAYER_DIGEST, LAYER_SIZE and LAYER_DIFFID (sha256 of the tar).
# Entries are named "etc/motd" (no "./"), as docker and buildkit write them;
# ustar because every reader understands it and nothing here needs more.
make_layer() {
	local name=$1 dir=$2 top=()
	shift 2
	mapfile -t top < <(find "$dir" -mindepth 1 -maxdepth 1 -printf '%P\n' | sort)
	[ ${#top[@]} -gt 0 ] || die "layer $name: $dir is empty"
	tar --format=ustar --sort=name --mtime=@0 --numeric-owner "$@" \
		-C "$dir" -cf "$WORK/$name.tar" -- "${top[@]}"
	gzip_layer "$name"
}

# Only our own files are forced to root: layer 1 keeps the rootfs's numeric
# owners, since /home/tote there belongs to 1000:1000 and --owner=0 would
# flatten it (the rootfs is built by root, so everything else is 0:0).
ROOT_OWNED=(--owner=0 --group=0)

# --- layer 1: the rootfs without the probe, plus /etc/motd and /opt/data/old --
L1="$WORK/l1"
cp -a "$ROOTFS" "$L1"
rm -f "$L1/usr/bin/probe"
put "$L1/etc/motd" motd
mkdirs "$L1" opt opt/data
put "$L1/opt/data/old" old
make_layer layer1 "$L1"
L1_DIGEST=$LAYER_DIGEST L1_SIZE=$LAYER_SIZE L1_DIFFID=$LAYER_DIFFID

# --- layer 2: the probe, a new file, a whiteout and an opaque directory -------
# Parent directories are in the layer too, as in layers docker writes.
L2="$WORK/l2"
mkdirs "$L2" etc opt opt/data usr usr/bin
cp -p "$ROOTFS/usr/bin/probe" "$L2/usr/bin/probe"
put "$L2/etc/tote-layer2" 2
: >"$L2/etc/.wh.motd"
: >"$L2/opt/data/.wh..wh..opq"
chmod 0644 "$L2/etc/.wh.motd" "$L2/opt/data/.wh..wh..opq"
put "$L2/opt/data/new" new
make_layer layer2 "$L2" "${ROOT_OWNED[@]}"
L2_DIGEST=$LAYER_DIGEST L2_SIZE=$LAYER_SIZE L2_DIFFID=$LAYER_DIFFID

# --- the arm64 layer: only /arch ------------------------------------------------
LA="$WORK/larm"
mkdir -p "$LA"
put "$LA/arch" arm64
make_layer arm64 "$LA" "${ROOT_OWNED[@]}"
LA_DIGEST=$LAYER_DIGEST LA_SIZE=$LAYER_SIZE LA_DIFFID=$LAYER_DIFFID

# --- the shared image's own layer: /etc/tote-shared -----------------------------
LS="$WORK/lshared"
mkdirs "$LS" etc
put "$LS/etc/tote-shared" shared
make_layer shared "$LS" "${ROOT_OWNED[@]}"
LS_DIGEST=$LAYER_DIGEST LS_SIZE=$LAYER_SIZE LS_DIFFID=$LAYER_DIFFID

# --- configs and manifests ------------------------------------------------------

# make_config FILE ARCH LABEL CMD_JSON DIFFID... — an image config.
make_config() {
	local file=$1 arch=$2 label=$3 cmd=$4
	shift 4
	printf '%s\n' "$@" | jq -R . | jq -s \
		--arg arch "$arch" --arg lbl "$label" --arg created "$CREATED" \
		--arg path "$PATH_ENV" --argjson cmd "$cmd" '
		{
			created: $created,
			architecture: $arch,
			os: "linux",
			config: {
				Env: [$path],
				Cmd: $cmd,
				WorkingDir: "/",
				Labels: {"org.tote.test": $lbl}
			},
			rootfs: {type: "layers", diff_ids: .},
			history: [range(length) as $i | {
				created: $created,
				created_by: "tests/image/mkoci.sh: \($lbl) layer \($i + 1)"
			}]
		}' >"$file"
}

# make_manifest FILE CONFIG_DESC LAYER_DESC... — an image manifest.
make_manifest() {
	local file=$1 config=$2
	shift 2
	printf '%s\n' "$@" | jq -s --arg mt "$MT_MANIFEST" --argjson config "$config" \
		'{schemaVersion: 2, mediaType: $mt, config: $config, layers: .}' >"$file"
}

# image NAME ARCH LABEL CMD_JSON "DIGEST SIZE DIFFID"... — config and
# manifest for an image; sets MANIFEST_DIGEST and MANIFEST_SIZE.
image() {
	local name=$1 arch=$2 label=$3 cmd=$4 l digest size diffid cdigest csize
	local diffids=() layers=()
	shift 4
	for l in "$@"; do
		read -r digest size diffid <<<"$l"
		diffids+=("$diffid")
		layers+=("$(descriptor "$MT_LAYER" "$digest" "$size")")
	done
	make_config "$WORK/$name.config" "$arch" "$label" "$cmd" "${diffids[@]}"
	read -r cdigest csize < <(add_json "$WORK/$name.config")
	make_manifest "$WORK/$name.manifest" "$(descriptor "$MT_CONFIG" "$cdigest" "$csize")" "${layers[@]}"
	read -r MANIFEST_DIGEST MANIFEST_SIZE < <(add_json "$WORK/$name.manifest")
	say "image $name ($arch): manifest $MANIFEST_DIGEST, config $cdigest"
}

image busybox amd64 busybox '["sh"]' \
	"$L1_DIGEST $L1_SIZE $L1_DIFFID" "$L2_DIGEST $L2_SIZE $L2_DIFFID"
BB_DIGEST=$MANIFEST_DIGEST BB_SIZE=$MANIFEST_SIZE

image arm64 arm64 multi-arm64 '["cat", "/arch"]' "$LA_DIGEST $LA_SIZE $LA_DIFFID"
ARM_DIGEST=$MANIFEST_DIGEST ARM_SIZE=$MANIFEST_SIZE

image shared amd64 shared '["sh"]' \
	"$L1_DIGEST $L1_SIZE $L1_DIFFID" "$LS_DIGEST $LS_SIZE $LS_DIFFID"
SH_DIGEST=$MANIFEST_DIGEST SH_SIZE=$MANIFEST_SIZE

# The image index of "multi": one entry per platform.
jq -n --arg mt "$MT_INDEX" \
	--argjson amd "$(descriptor "$MT_MANIFEST" "$BB_DIGEST" "$BB_SIZE")" \
	--argjson arm "$(descriptor "$MT_MANIFEST" "$ARM_DIGEST" "$ARM_SIZE")" '
	{
		schemaVersion: 2,
		mediaType: $mt,
		manifests: [
			$amd + {platform: {architecture: "amd64", os: "linux"}},
			$arm + {platform: {architecture: "arm64", os: "linux"}}
		]
	}' >"$WORK/multi.index"
read -r IDX_DIGEST IDX_SIZE < <(add_json "$WORK/multi.index")

# --- the layouts ----------------------------------------------------------------

# blobs_of DIGEST — DIGEST and every blob it references, recursively
# (manifest -> config and layers, index -> manifests).
blobs_of() {
	local hex=${1#sha256:} d
	echo "$hex"
	for d in $(jq -r '(.config.digest // empty), (.layers[]?.digest), (.manifests[]?.digest)' \
		"$WORK/blobs/$hex" 2>/dev/null); do
		[ -f "$WORK/blobs/${d#sha256:}" ] || die "missing blob $d"
		case "$(jq -r '.mediaType // empty' "$WORK/blobs/${d#sha256:}" 2>/dev/null)" in
		"$MT_MANIFEST" | "$MT_INDEX") blobs_of "$d" ;;
		*) echo "${d#sha256:}" ;;
		esac
	done
}

# layout NAME MEDIATYPE DIGEST SIZE — OUT/NAME with tag "latest" on DIGEST.
layout() {
	local name=$1 mt=$2 digest=$3 size=$4 dir="$TMP/$1" hex
	mkdir -p "$dir/blobs/sha256"
	printf '{"imageLayoutVersion":"1.0.0"}\n' >"$dir/oci-layout"
	for hex in $(blobs_of "$digest" | sort -u); do
		cp "$WORK/blobs/$hex" "$dir/blobs/sha256/$hex"
	done
	jq -nc --arg imt "$MT_INDEX" --argjson desc "$(descriptor "$mt" "$digest" "$size")" '
		{
			schemaVersion: 2,
			mediaType: $imt,
			manifests: [$desc + {annotations: {"org.opencontainers.image.ref.name": "latest"}}]
		}' >"$dir/index.json"
	say "layout $name: $mt $digest"
}

layout busybox "$MT_MANIFEST" "$BB_DIGEST" "$BB_SIZE"
layout multi "$MT_INDEX" "$IDX_DIGEST" "$IDX_SIZE"
layout shared "$MT_MANIFEST" "$SH_DIGEST" "$SH_SIZE"
rm -rf "$WORK"

# --- validation -------------------------------------------------------------------

# check WHAT CMD... — run a validator; on failure show its output and stop.
check() {
	local what=$1 out
	shift
	if ! out=$("$@" 2>&1); then
		printf '%s\n' "$out" >&2
		die "$what rejected the layout: $*"
	fi
	say "$what: ok"
}

for name in busybox multi shared; do
	check "umoci ls" umoci ls --layout "$TMP/$name"
	# umoci 0.4.7 resolves a tag only down to image manifests; it walks
	# an index but fails when it finds more than one manifest, so "multi"
	# is checked by the tag listing above and by skopeo below.
	if [ "$name" != multi ]; then
		check "umoci stat" umoci stat --image "$TMP/$name:latest"
	fi
	check "skopeo inspect" skopeo inspect "oci:$TMP/$name:latest"
	check "skopeo inspect --raw" skopeo inspect --raw "oci:$TMP/$name:latest"
done

# The arm64 image, reached through the index, is valid too.
check "skopeo inspect (arm64)" skopeo --override-arch arm64 inspect "oci:$TMP/multi:latest"
[ "$(skopeo --override-arch arm64 inspect --config "oci:$TMP/multi:latest" | jq -r .architecture)" = arm64 ] ||
	die "multi: the arm64 entry does not resolve to the arm64 image"
[ "$(skopeo inspect "oci:$TMP/busybox:latest" | jq -r '.Layers | length')" = 2 ] ||
	die "busybox: skopeo does not see two layers"

# --- swap into place ----------------------------------------------------------------
if [ -e "$OUT" ]; then
	mv -T "$OUT" "$OLD"
fi
mv -T "$TMP" "$OUT"
rm -rf "$OLD"
trap - EXIT
