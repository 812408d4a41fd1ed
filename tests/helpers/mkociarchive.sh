#!/usr/bin/env bash
# mkociarchive.sh ROOTFS OUT.tar NAME:TAG — pack a rootfs directory as a
# one-layer OCI image archive (oci-layout, index.json, blobs) so that image
# tools (ctr import, skopeo, podman load) can take the built-in image.
set -euo pipefail
rootfs=$1 out=$2 ref=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/blobs/sha256"
blob() { # FILE -> prints digest, moves file into blobs
	local d
	d=$(sha256sum "$1" | cut -d' ' -f1)
	mv "$1" "$work/blobs/sha256/$d"
	echo "$d"
}
tar -C "$rootfs" --numeric-owner -cf "$work/layer.tar" .
diffid=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
gzip -n "$work/layer.tar"
lsize=$(stat -c %s "$work/layer.tar.gz")
layer=$(blob "$work/layer.tar.gz")
jq -n --arg diffid "sha256:$diffid" '{
  architecture: "amd64", os: "linux",
  config: {Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["sh"]},
  rootfs: {type: "layers", diff_ids: [$diffid]}}' >"$work/config.json"
csize=$(stat -c %s "$work/config.json")
config=$(blob "$work/config.json")
jq -n --arg c "sha256:$config" --argjson cs "$csize" --arg l "sha256:$layer" --argjson ls "$lsize" '{
  schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
  config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
  layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $l, size: $ls}]}' >"$work/manifest.json"
msize=$(stat -c %s "$work/manifest.json")
manifest=$(blob "$work/manifest.json")
jq -n --arg m "sha256:$manifest" --argjson ms "$msize" --arg ref "$ref" '{
  schemaVersion: 2,
  manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m, size: $ms,
               platform: {architecture: "amd64", os: "linux"},
               annotations: {"org.opencontainers.image.ref.name": $ref,
                             "io.containerd.image.name": $ref}}]}' >"$work/index.json"
echo '{"imageLayoutVersion": "1.0.0"}' >"$work/oci-layout"
tar -C "$work" -cf "$out" oci-layout index.json blobs
