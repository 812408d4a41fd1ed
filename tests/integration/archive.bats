#!/usr/bin/env bats
# Images to and from files: tote import (a rootfs tarball), tote save and
# tote load in docker-archive and oci-archive, round trips through podman
# (podman save -> tote load, tote save -> podman load), tote tag and tote
# history.  Nothing here needs a registry: the images come from tarballs
# of the built-in busybox rootfs.
#
# helpers.bash is not loaded (it makes a runtime bundle per test); podman
# runs with its own --root/--runroot under the test's tmp dir and the vfs
# driver, so it touches nothing of the host's.

load tote_helpers

setup_file() {
	rootfs_tarball
}

setup() {
	STORE="$BATS_TEST_TMPDIR/store"
}

tote() { "$TOTE" --root "$STORE" "$@"; }

# podman with a store of its own
pm() {
	podman --root "$BATS_TEST_TMPDIR/podman" --runroot "$BATS_TEST_TMPDIR/podman-run" \
		--storage-driver vfs "$@"
}

teardown() {
	# podman's vfs store holds read-only dirs; give them back to rm
	[ ! -d "$BATS_TEST_TMPDIR/podman" ] || chmod -R u+w "$BATS_TEST_TMPDIR/podman" 2>/dev/null || true
}

# image_id NAME — the id `tote images` shows for NAME (12 hex)
image_id() {
	tote image inspect "$1" | jq -r '.[0].id' | cut -c8-19
}

@test "import: a gzip'd rootfs tarball becomes a one-layer image; its layer holds the rootfs" {
	run -0 tote import "$TARBALL" test/imported:v1
	local id=$output
	[[ $id =~ ^[0-9a-f]{64}$ ]]
	run -0 tote images
	assert_output --partial "docker.io/test/imported"
	assert_output --partial "${id:0:12}"
	run -0 tote image inspect test/imported:v1
	[ "$(jq '.[0].layers | length' <<<"$output")" = 1 ]
	# SIZE as docker counts it: the bytes of the files, unpacked
	[ "$(jq '.[0].size' <<<"$output")" = "$(find "$ROOTFS_SRC" -type f -printf '%s\n' | awk '{ t += $1 } END { print t }')" ]
	[ "$(jq -r '.[0].os' <<<"$output")" = linux ]
	# the one layer unpacked is the rootfs
	local layer
	layer=$(ls -d "$STORE"/layers/*/fs)
	[ "$(echo "$layer" | wc -l)" = 1 ]
	cmp "$ROOTFS_SRC/bin/busybox" "$layer/bin/busybox"
	[ -x "$layer/usr/bin/probe" ]
	[ "$(stat -c %u:%g "$layer/home/tote")" = "$(stat -c %u:%g "$ROOTFS_SRC/home/tote")" ]
}

@test "import: plain tar from stdin, without a name: an untagged image" {
	run -0 bash -c "tar -C '$ROOTFS_SRC' -cf - . | '$TOTE' --root '$STORE' import -"
	local id=$output
	run -0 tote images
	assert_output --partial "localhost/untagged-${id:0:12}"
}

@test "import: a file that is not a tarball fails, naming it, and leaves the store as it was" {
	echo "not a tarball" >"$BATS_TEST_TMPDIR/bad"
	run -125 tote import "$BATS_TEST_TMPDIR/bad" x:1
	assert_output --partial "importing $BATS_TEST_TMPDIR/bad"
	[ "$(find "$STORE/images/blobs/sha256" -type f | wc -l)" = 0 ]
	[ -z "$(ls "$STORE/tmp")" ]
	[ -z "$(ls "$STORE/layers")" ]
	run -125 tote import "$BATS_TEST_TMPDIR/missing" x:1
	assert_output --partial "$BATS_TEST_TMPDIR/missing"
	run -125 tote import "$TARBALL" "Bad/Name"
	assert_output --partial 'invalid image reference "Bad/Name"'
}

@test "tag: another name for the same image; rmi of one name keeps the other" {
	tote import "$TARBALL" a/one:1 >/dev/null
	run -0 tote tag a/one:1 b/two:2
	run -0 tote images --format json
	[ "$(jq -r '[.[].name] | sort | join(" ")' <<<"$output")" = "docker.io/a/one:1 docker.io/b/two:2" ]
	[ "$(jq -r '[.[].id] | unique | length' <<<"$output")" = 1 ]
	run -0 tote rmi a/one:1
	run -0 tote images --format json
	[ "$(jq -r '.[].name' <<<"$output")" = "docker.io/b/two:2" ]
	[ -n "$(ls "$STORE/layers")" ]
	run -125 tote tag no/such:1 c/three:3
	assert_output --partial "no image no/such:1"
	run -125 tote tag b/two:2 "c/three@sha256:$(printf %064d 0)"
	assert_output --partial "takes a tag, not a digest"
}

@test "history: one step per history entry, newest first, with the layer's size" {
	tote import "$TARBALL" h/img:1 >/dev/null
	run -0 tote history h/img:1
	assert_line --index 0 --regexp '^IMAGE +CREATED +CREATED BY +SIZE +COMMENT'
	assert_line --index 1 --regexp "^$(image_id h/img:1) .* tote import +[0-9.]+[kM]B"
	run -0 tote history -q h/img:1
	[ "$output" = "$(image_id h/img:1)" ]
}

@test "save and load: docker-archive round trip keeps names, id and content" {
	tote import "$TARBALL" s/img:1 >/dev/null
	local id
	id=$(image_id s/img:1)
	run -0 tote save -o "$BATS_TEST_TMPDIR/img.tar" s/img:1
	run -0 tar -tf "$BATS_TEST_TMPDIR/img.tar"
	assert_line manifest.json
	assert_line --regexp '^[0-9a-f]{64}/layer\.tar$'
	[ "$(tar -xOf "$BATS_TEST_TMPDIR/img.tar" manifest.json | jq -r '.[0].RepoTags[0]')" = docker.io/s/img:1 ]
	# the layer is an uncompressed tar, as docker writes it
	local layer
	layer=$(tar -tf "$BATS_TEST_TMPDIR/img.tar" | grep layer.tar)
	tar -xOf "$BATS_TEST_TMPDIR/img.tar" "$layer" | tar -t >/dev/null
	STORE="$BATS_TEST_TMPDIR/store2"
	run -0 tote load -i "$BATS_TEST_TMPDIR/img.tar"
	assert_output "Loaded image: docker.io/s/img:1"
	[ "$(image_id s/img:1)" = "$id" ]
	cmp "$ROOTFS_SRC/bin/busybox" "$(ls -d "$STORE"/layers/*/fs)/bin/busybox"
	[ -z "$(ls "$STORE/tmp")" ]
}

@test "save and load: oci-archive round trip, from stdin; skopeo reads the archive" {
	tote import "$TARBALL" o/img:1 >/dev/null
	local id
	id=$(image_id o/img:1)
	run -0 bash -c "'$TOTE' --root '$STORE' save --format oci-archive o/img:1 >'$BATS_TEST_TMPDIR/oci.tar'"
	run -0 skopeo inspect "oci-archive:$BATS_TEST_TMPDIR/oci.tar:docker.io/o/img:1"
	STORE="$BATS_TEST_TMPDIR/store2"
	run -0 bash -c "'$TOTE' --root '$STORE' load <'$BATS_TEST_TMPDIR/oci.tar'"
	assert_output "Loaded image: docker.io/o/img:1"
	[ "$(image_id o/img:1)" = "$id" ]
}

@test "podman save -> tote load, in both formats" {
	tote import "$TARBALL" p/img:1 >/dev/null
	tote save -o "$BATS_TEST_TMPDIR/seed.tar" p/img:1
	pm load -i "$BATS_TEST_TMPDIR/seed.tar" >/dev/null
	pm save -o "$BATS_TEST_TMPDIR/pd.tar" docker.io/p/img:1 2>/dev/null
	pm save --format oci-archive -o "$BATS_TEST_TMPDIR/po.tar" docker.io/p/img:1 2>/dev/null
	local id
	id=$(image_id p/img:1)
	for f in pd po; do
		STORE="$BATS_TEST_TMPDIR/store-$f"
		run -0 tote load -i "$BATS_TEST_TMPDIR/$f.tar"
		assert_output "Loaded image: docker.io/p/img:1"
		[ "$(image_id p/img:1)" = "$id" ]
		cmp "$ROOTFS_SRC/bin/busybox" "$(ls -d "$STORE"/layers/*/fs)/bin/busybox"
	done
}

@test "tote save -> podman load, in both formats, and podman sees the same image id" {
	tote import "$TARBALL" q/img:1 >/dev/null
	local id
	id=$(image_id q/img:1)
	tote save -o "$BATS_TEST_TMPDIR/d.tar" q/img:1
	tote save --format oci-archive -o "$BATS_TEST_TMPDIR/o.tar" q/img:1
	run -0 pm load -i "$BATS_TEST_TMPDIR/d.tar"
	assert_output --partial "Loaded image: docker.io/q/img:1"
	[ "$(pm images --format '{{.ID}}' docker.io/q/img:1)" = "$id" ]
	pm rmi docker.io/q/img:1 >/dev/null
	run -0 pm load -i "$BATS_TEST_TMPDIR/o.tar"
	assert_output --partial "docker.io/q/img:1"
	[ "$(pm images --format '{{.ID}}' docker.io/q/img:1)" = "$id" ]
}

@test "load: an archive that is neither format, or corrupt, fails and leaves the store as it was" {
	tar -C "$ROOTFS_SRC" -cf "$BATS_TEST_TMPDIR/plain.tar" etc
	run -125 tote load -i "$BATS_TEST_TMPDIR/plain.tar"
	assert_output --partial "neither a docker-archive (no manifest.json) nor an oci-archive"
	# an oci-archive whose layer blob was altered: the digest is named
	tote import "$TARBALL" c/img:1 >/dev/null
	tote save --format oci-archive -o "$BATS_TEST_TMPDIR/o.tar" c/img:1
	mkdir "$BATS_TEST_TMPDIR/x"
	tar -C "$BATS_TEST_TMPDIR/x" -xf "$BATS_TEST_TMPDIR/o.tar"
	local m l
	m=$(jq -r '.manifests[0].digest' "$BATS_TEST_TMPDIR/x/index.json")
	l=$(jq -r '.layers[0].digest' "$BATS_TEST_TMPDIR/x/blobs/sha256/${m#sha256:}")
	printf 'X' | dd of="$BATS_TEST_TMPDIR/x/blobs/sha256/${l#sha256:}" bs=1 seek=100 conv=notrunc 2>/dev/null
	tar -C "$BATS_TEST_TMPDIR/x" -cf "$BATS_TEST_TMPDIR/bad.tar" .
	STORE="$BATS_TEST_TMPDIR/store2"
	run -125 tote load -i "$BATS_TEST_TMPDIR/bad.tar"
	assert_output --partial "blob $l is corrupt"
	run -0 tote images -q
	[ -z "$output" ]
	[ "$(find "$STORE/images/blobs/sha256" -type f | wc -l)" = 0 ]
	[ -z "$(ls "$STORE/tmp")" ]
	[ -z "$(ls "$STORE/layers")" ]
	run -125 tote load -i "$BATS_TEST_TMPDIR/nope.tar"
	assert_output --partial "$BATS_TEST_TMPDIR/nope.tar"
}

@test "save: an unknown image fails and writes no file" {
	run -125 tote save -o "$BATS_TEST_TMPDIR/x.tar" no/such:1
	assert_output --partial "no image no/such:1"
	[ ! -e "$BATS_TEST_TMPDIR/x.tar" ]
	[ -z "$(ls "$BATS_TEST_TMPDIR" | grep x.tar.tmp)" ]
	run -125 tote save --format zip -o "$BATS_TEST_TMPDIR/x.tar" no/such:1
	assert_output --partial "--format takes docker-archive or oci-archive"
}

@test "skopeo copies an image into tote's store: tote lists, saves and removes it" {
	"$REPO/tests/image/mkoci.sh" "$BATS_TEST_TMPDIR/oci"
	mkdir -p "$STORE"
	tote images -q >/dev/null # makes the store's layout
	run -0 skopeo copy -q "oci:$BATS_TEST_TMPDIR/oci/busybox:latest" "oci:$STORE/images:docker.io/sk/busybox:1"
	run -0 tote images --format json
	[ "$(jq -r '.[0].name' <<<"$output")" = docker.io/sk/busybox:1 ]
	local id
	id=$(jq -r '.manifests[0].digest' "$BATS_TEST_TMPDIR/oci/busybox/index.json")
	id=$(jq -r .config.digest "$BATS_TEST_TMPDIR/oci/busybox/blobs/sha256/${id#sha256:}")
	[ "$(image_id sk/busybox:1)" = "${id:7:12}" ]
	run -0 tote save -o "$BATS_TEST_TMPDIR/sk.tar" sk/busybox:1
	run -0 tote rmi sk/busybox:1
	[ "$(find "$STORE/images/blobs/sha256" -type f | wc -l)" = 0 ]
}

@test "load: an oci-archive whose entry is an index of platforms loads this machine's image" {
	"$REPO/tests/image/mkoci.sh" "$BATS_TEST_TMPDIR/oci"
	# name the index entry as podman would
	jq '.manifests[0].annotations["org.opencontainers.image.ref.name"] = "docker.io/mp/img:1"' \
		"$BATS_TEST_TMPDIR/oci/multi/index.json" >"$BATS_TEST_TMPDIR/i.json"
	mv "$BATS_TEST_TMPDIR/i.json" "$BATS_TEST_TMPDIR/oci/multi/index.json"
	tar -C "$BATS_TEST_TMPDIR/oci/multi" -cf "$BATS_TEST_TMPDIR/multi.tar" .
	run -0 tote load -i "$BATS_TEST_TMPDIR/multi.tar"
	assert_output "Loaded image: docker.io/mp/img:1"
	run -0 tote image inspect mp/img:1
	[ "$(jq -r '.[0].architecture' <<<"$output")" = amd64 ]
	# the arm64 image's blobs were not copied
	local arm
	arm=$(jq -r '.manifests[] | select(.platform.architecture == "arm64") | .digest' \
		"$BATS_TEST_TMPDIR/oci/multi/blobs/sha256/$(jq -r '.manifests[0].digest' "$BATS_TEST_TMPDIR/oci/multi/index.json" | cut -c8-)")
	[ ! -e "$STORE/images/blobs/sha256/${arm#sha256:}" ]
}
