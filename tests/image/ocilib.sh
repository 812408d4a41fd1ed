# tests/image/ocilib.sh — sourced by the scripts that build OCI image
# layouts for the tests (mkoci.sh, mkdebian.sh).  Set BLOBS (where blobs go)
# and WORK (a scratch directory) first; the script defines say.

# add_blob FILE — move FILE into $BLOBS, named by its digest; prints
# "DIGEST SIZE".
add_blob() {
	local hex size
	hex=$(sha256sum "$1" | cut -d' ' -f1)
	size=$(stat -c %s "$1")
	mv -f "$1" "$BLOBS/$hex"
	echo "sha256:$hex $size"
}

# add_json FILE — compact FILE (deterministically, jq -c) into $BLOBS;
# prints "DIGEST SIZE".
add_json() {
	jq -c . "$1" >"$1.c"
	rm -f "$1"
	add_blob "$1.c"
}

# gzip_layer NAME — $WORK/NAME.tar, gzip'd into $BLOBS.  Sets LAYER_DIGEST,
# LAYER_SIZE and LAYER_DIFFID (the sha256 of the tar).
gzip_layer() {
	local name=$1
	LAYER_DIFFID=sha256:$(sha256sum "$WORK/$name.tar" | cut -d' ' -f1)
	gzip -n -9 -c "$WORK/$name.tar" >"$WORK/$name.tar.gz"
	rm -f "$WORK/$name.tar"
	read -r LAYER_DIGEST LAYER_SIZE < <(add_blob "$WORK/$name.tar.gz")
	say "layer $name: $LAYER_DIGEST ($LAYER_SIZE bytes, diff_id $LAYER_DIFFID)"
}

# mkdirs ROOT DIR... — directories with mode 0755 (whatever the umask).
mkdirs() {
	local root=$1 d
	shift
	for d in "$@"; do
		mkdir -p "$root/$d"
		chmod 0755 "$root/$d"
	done
}

# put FILE TEXT [MODE] — a file holding TEXT and a newline (mode 0644).
put() {
	printf '%s\n' "$2" >"$1"
	chmod "${3:-0644}" "$1"
}

# descriptor MEDIATYPE DIGEST SIZE — an OCI descriptor as compact JSON.
descriptor() {
	jq -nc --arg mt "$1" --arg d "$2" --argjson s "$3" \
		'{mediaType: $mt, digest: $d, size: $s}'
}
