#!/usr/bin/env bash
# bench/pull.sh - pulling and unpacking an image from a local registry:
# tote against podman and against skopeo copy + umoci unpack, side by side
# in one run, on the same image (tests/image/mkdebian.sh: Debian 12 minbase
# and two small layers on top, about 30 MB compressed) served by a private
# docker-registry on 127.0.0.1 (tests/image/registry.sh).
#   - wall time of a pull into an empty store (hyperfine; each run starts
#     from an empty store: the cleaning is not timed)
#   - peak RSS of the pulling process (GNU time)
#   - wall time of a second pull of an image that is all there already
# Usage (as root): bench/pull.sh [RUNS]   (needs hyperfine and time: apt-get install hyperfine time)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
TOTE=$PWD/build/tote
[ -x "$TOTE" ] || { echo "bench: run 'make' first" >&2; exit 1; }
for tool in hyperfine /usr/bin/time podman skopeo umoci jq; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }
done

work=$(mktemp -d /var/tmp/tote-bench-pull.XXXXXX)
cleanup() {
  tests/image/registry.sh stop "$work/reg" >/dev/null 2>&1 || true
  chmod -R u+w "$work" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
tests/image/mkdebian.sh "$work/oci"
port=$(tests/image/registry.sh start "$work/reg")
tests/image/registry.sh push "$work/reg" "$work/oci/debian:latest" bench/debian:latest
ref=127.0.0.1:$port/bench/debian:latest

# the commands: each pulls $ref into its own store under $work
tote_pull="$TOTE --root $work/tote pull -q $ref"
podman_pull="podman --root $work/podman --runroot $work/podman-run --storage-driver overlay pull -q --tls-verify=false $ref"
skopeo_umoci="sh -c 'skopeo copy -q --src-tls-verify=false docker://$ref oci:$work/skopeo:latest && umoci unpack --image $work/skopeo:latest $work/bundle >/dev/null'"
# each run starts with nothing dirty to write back: the last run's (or
# the cleaning's) writeback would land in the next one's time otherwise
clean_tote="rm -rf $work/tote; sync"
clean_podman="podman --root $work/podman --runroot $work/podman-run --storage-driver overlay system reset -f >/dev/null 2>&1; rm -rf $work/podman $work/podman-run; sync"
clean_skopeo="rm -rf $work/skopeo $work/bundle; sync"

echo "== $(uname -r), $(nproc) CPUs; tote $("$TOTE" version | awk '{print $NF}'), $(podman --version), $(skopeo --version), $(umoci --version)"
echo "== image: $(jq -r '.manifests[0].digest' "$work/oci/debian/index.json"), layers: $(du -sh "$work/oci/debian/blobs" | cut -f1) compressed"
echo "== pull + unpack into an empty store ($runs runs each)"
hyperfine -N --runs "$runs" --export-json "$work/h.json" \
  --prepare "sh -c '$clean_tote'" -n tote "$tote_pull" \
  --prepare "sh -c '$clean_podman'" -n podman "$podman_pull" \
  --prepare "sh -c '$clean_skopeo'" -n "skopeo+umoci" "$skopeo_umoci"
jq -r '.results[] | "\(.command): mean \(.mean*1000|floor) ms, min \(.min*1000|floor) ms"' "$work/h.json"

echo "== peak RSS (KiB, of one pull into an empty store)"
sh -c "$clean_tote"
echo "tote: $(/usr/bin/time -f %M sh -c "exec $tote_pull >/dev/null" 2>&1 | tail -1)"
sh -c "$clean_podman"
echo "podman: $(/usr/bin/time -f %M sh -c "exec $podman_pull >/dev/null" 2>&1 | tail -1)"
sh -c "$clean_skopeo"
echo "skopeo: $(/usr/bin/time -f %M skopeo copy -q --src-tls-verify=false "docker://$ref" "oci:$work/skopeo:latest" 2>&1 | tail -1)"
echo "umoci: $(/usr/bin/time -f %M umoci unpack --image "$work/skopeo:latest" "$work/bundle" 2>&1 >/dev/null | tail -1)"

echo "== a second pull: everything is there already (20 runs)"
hyperfine -N --warmup 2 --runs 20 -n tote "$tote_pull" -n podman "$podman_pull" 2>&1 |
  grep -E 'Benchmark|Time \(mean'
