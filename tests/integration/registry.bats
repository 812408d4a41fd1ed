#!/usr/bin/env bats
# The offline image-pull fixtures: tests/image/mkoci.sh (OCI layouts built
# from build/rootfs) and tests/image/registry.sh (a private docker-registry
# on 127.0.0.1).  Only the fixtures are tested here, with skopeo as the
# client; the pull tests build on them.
#
# helpers.bash is not loaded: its setup needs the runtime and makes a bundle
# per test, and nothing here runs a container.  One registry and one set of
# layouts serve the whole file; teardown_file stops the registry (bats runs
# it even when setup_file fails).

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
bats_require_minimum_version 1.5.0

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
MKOCI="$REPO/tests/image/mkoci.sh"
REGISTRY_SH="$REPO/tests/image/registry.sh"
load rootfs

setup_file() {
	ensure_rootfs
	export OCI="$BATS_FILE_TMPDIR/oci"
	"$MKOCI" "$OCI"
	export REG_DIR="$BATS_FILE_TMPDIR/registry"
	PORT=$("$REGISTRY_SH" start "$REG_DIR")
	export PORT REG="127.0.0.1:$PORT"
}

teardown_file() {
	if [ -n "${REG_DIR:-}" ] && [ -e "$REG_DIR" ]; then
		"$REGISTRY_SH" stop "$REG_DIR"
	fi
}

# push LAYOUT REPO — LAYOUT's tag latest to REPO:latest in the registry.
push() {
	"$REGISTRY_SH" push "$REG_DIR" "$OCI/$1:latest" "$2:latest"
}

# layout_digest LAYOUT — the digest tag latest points at in the layout.
layout_digest() {
	jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "latest") | .digest' \
		"$1/index.json"
}

# blob LAYOUT DIGEST — path of a blob in a layout.
blob() { echo "$1/blobs/sha256/${2#sha256:}"; }

@test "registry: answers /v2/ on 127.0.0.1" {
	run curl -sf "http://$REG/v2/"
	assert_success
	assert_output '{}'
	[ "$(cat "$REG_DIR/port")" = "$PORT" ]
	[[ "$(tr '\0' ' ' <"/proc/$(cat "$REG_DIR/pid")/cmdline")" == *docker-registry* ]]
}

@test "mkoci: busybox has the two layers, whiteouts and config asked for" {
	local m cfg l1 l2
	m=$(blob "$OCI/busybox" "$(layout_digest "$OCI/busybox")")
	[ "$(jq -r .mediaType "$m")" = application/vnd.oci.image.manifest.v1+json ]
	[ "$(jq '.layers | length' "$m")" = 2 ]
	cfg=$(blob "$OCI/busybox" "$(jq -r .config.digest "$m")")
	run jq -c '[.architecture, .os, .config.Env, .config.Cmd, .config.WorkingDir, .config.Labels, (.history | length)]' "$cfg"
	assert_output '["amd64","linux",["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],["sh"],"/",{"org.tote.test":"busybox"},2]'

	l1=$(blob "$OCI/busybox" "$(jq -r '.layers[0].digest' "$m")")
	l2=$(blob "$OCI/busybox" "$(jq -r '.layers[1].digest' "$m")")
	# diff_ids are the digests of the uncompressed tars
	[ "$(jq -r '.rootfs.diff_ids[0]' "$cfg")" = "sha256:$(gzip -dc "$l1" | sha256sum | cut -d' ' -f1)" ]
	[ "$(jq -r '.rootfs.diff_ids[1]' "$cfg")" = "sha256:$(gzip -dc "$l2" | sha256sum | cut -d' ' -f1)" ]

	run tar -tzf "$l1"
	assert_line bin/busybox
	assert_line etc/motd
	assert_line opt/data/old
	refute_line usr/bin/probe
	[ "$(tar -xzOf "$l1" etc/motd)" = motd ]

	run tar -tzf "$l2"
	assert_line usr/bin/probe
	assert_line etc/tote-layer2
	assert_line etc/.wh.motd
	assert_line opt/data/.wh..wh..opq
	assert_line opt/data/new
	[ "$(tar -xzOf "$l2" etc/tote-layer2)" = 2 ]
}

@test "mkoci: multi is an index of the busybox manifest and an arm64 image" {
	local idx arm
	idx=$(blob "$OCI/multi" "$(layout_digest "$OCI/multi")")
	run jq -c '[.mediaType, [.manifests[] | .platform.os + "/" + .platform.architecture]]' "$idx"
	assert_output '["application/vnd.oci.image.index.v1+json",["linux/amd64","linux/arm64"]]'
	[ "$(jq -r '.manifests[0].digest' "$idx")" = "$(layout_digest "$OCI/busybox")" ]
	arm=$(blob "$OCI/multi" "$(jq -r '.manifests[1].digest' "$idx")")
	[ "$(jq -r .architecture "$(blob "$OCI/multi" "$(jq -r .config.digest "$arm")")")" = arm64 ]
	run tar -tzf "$(blob "$OCI/multi" "$(jq -r '.layers[0].digest' "$arm")")"
	assert_output arch
}

@test "mkoci: shared reuses busybox's first layer blob" {
	local bb sh
	bb=$(blob "$OCI/busybox" "$(layout_digest "$OCI/busybox")")
	sh=$(blob "$OCI/shared" "$(layout_digest "$OCI/shared")")
	[ "$(jq -r '.layers[0].digest' "$sh")" = "$(jq -r '.layers[0].digest' "$bb")" ]
	[ "$(jq -r '.layers[1].digest' "$sh")" != "$(jq -r '.layers[1].digest' "$bb")" ]
	run tar -tzf "$(blob "$OCI/shared" "$(jq -r '.layers[1].digest' "$sh")")"
	assert_line etc/tote-shared
}

@test "mkoci: rebuilds from scratch, with the same digests" {
	local out="$BATS_TEST_TMPDIR/oci"
	mkdir -p "$out/busybox"
	touch "$out/junk" "$out/busybox/junk"
	run "$MKOCI" "$out"
	assert_success
	assert_output ''
	[ ! -e "$out/junk" ]
	[ ! -e "$out/busybox/junk" ]
	diff -r "$OCI" "$out"
}

@test "registry: pushed busybox has 2 layers and the config label" {
	push busybox test/busybox
	run skopeo inspect --tls-verify=false "docker://$REG/test/busybox:latest"
	assert_success
	[ "$(jq '.Layers | length' <<<"$output")" = 2 ]
	[ "$(jq -r '.Labels["org.tote.test"]' <<<"$output")" = busybox ]
	[ "$(jq -r .Digest <<<"$output")" = "$(layout_digest "$OCI/busybox")" ]
}

@test "registry: pushed multi is an index with 2 manifests" {
	push multi test/multi
	run skopeo inspect --tls-verify=false --raw "docker://$REG/test/multi:latest"
	assert_success
	[ "$(jq -r .mediaType <<<"$output")" = application/vnd.oci.image.index.v1+json ]
	[ "$(jq '.manifests | length' <<<"$output")" = 2 ]
	# the registry serves the index byte for byte ($output lost the
	# trailing newline, so hash a file)
	skopeo inspect --tls-verify=false --raw "docker://$REG/test/multi:latest" >"$BATS_TEST_TMPDIR/raw"
	[ "sha256:$(sha256sum <"$BATS_TEST_TMPDIR/raw" | cut -d' ' -f1)" = "$(layout_digest "$OCI/multi")" ]
	run skopeo inspect --tls-verify=false --override-arch arm64 --config "docker://$REG/test/multi:latest"
	assert_success
	[ "$(jq -r .architecture <<<"$output")" = arm64 ]
}

@test "registry: shared's first layer is the blob busybox pushed" {
	local l1
	push busybox test/busybox
	push shared test/shared
	l1=$(jq -r '.layers[0].digest' "$(blob "$OCI/shared" "$(layout_digest "$OCI/shared")")")
	run curl -sfI "http://$REG/v2/test/shared/blobs/$l1"
	assert_success
	# one copy in storage, linked from both repositories
	[ "$(find "$REG_DIR/storage" -path "*/blobs/sha256/*/${l1#sha256:}/data" | wc -l)" = 1 ]
}

@test "registry: pulling back gives the same digests (digest pinning)" {
	local back="$BATS_TEST_TMPDIR/back" name
	push busybox test/busybox
	push multi test/multi
	mkdir -p "$back"
	for name in busybox multi; do
		skopeo copy --all --preserve-digests --quiet --src-tls-verify=false \
			"docker://$REG/test/$name:latest" "oci:$back/$name:latest"
		[ "$(layout_digest "$back/$name")" = "$(layout_digest "$OCI/$name")" ]
	done
	# by digest as well as by tag
	skopeo inspect --tls-verify=false --raw "docker://$REG/test/busybox@$(layout_digest "$OCI/busybox")" >"$BATS_TEST_TMPDIR/raw"
	[ "sha256:$(sha256sum <"$BATS_TEST_TMPDIR/raw" | cut -d' ' -f1)" = "$(layout_digest "$OCI/busybox")" ]
}

@test "registry: stop leaves no process and removes DIR" {
	local dir="$BATS_TEST_TMPDIR/reg2" port pid
	port=$("$REGISTRY_SH" start "$dir")
	[ "$port" != "$PORT" ]
	pid=$(cat "$dir/pid")
	curl -sf "http://127.0.0.1:$port/v2/" >/dev/null
	run "$REGISTRY_SH" stop "$dir"
	assert_success
	[ ! -e "$dir" ]
	# gone, or at most a zombie init has yet to reap
	if [ -e "/proc/$pid/stat" ]; then
		[[ "$(cat "/proc/$pid/stat")" == *") Z "* ]]
	fi
	run curl -sf "http://127.0.0.1:$port/v2/"
	assert_failure
	# the file's own registry is untouched
	curl -sf "http://$REG/v2/" >/dev/null
}
