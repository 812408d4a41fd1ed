#!/usr/bin/env bash
# bench/oci_limits.sh - tote-oci against runc with resource limits, side by
# side in one run, on the same bundle (a container running /bin/true):
#   - latency of one `run` with a memory, pids and cpu limit set (hyperfine)
#   - the smallest memory.limit under which each can start the container and
#     have /bin/true exit 0 (bisection to 64 KiB; the runtime's own init
#     process runs inside the limit before it execs the container's process)
# Usage (as root): bench/oci_limits.sh [RUNS]   (needs hyperfine: apt-get install hyperfine)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-50}
TOTE=$PWD/build/tote-oci
[ -x "$TOTE" ] && [ -d build/rootfs ] || { echo "bench: run 'make all image' first" >&2; exit 1; }
for tool in hyperfine runc jq; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install hyperfine runc jq)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/tote-bench.XXXXXX)
roots=$(mktemp -d /run/tote-bench.XXXXXX)
trap 'rm -rf "$work" "$roots"' EXIT
mkdir -p "$work/bundle" "$roots/tote" "$roots/runc"
cp -a build/rootfs "$work/bundle/rootfs"
"$TOTE" spec --bundle "$work/bundle"
base=$work/base.json
jq '.process.terminal = false | .process.args = ["/bin/true"]' "$work/bundle/config.json" >"$base"

# limits RESOURCES_JSON — config.json of the bundle with linux.resources set
limits() { jq --argjson r "$1" '.linux.resources = $r' "$base" >"$work/bundle/config.json"; }

echo "== $(uname -r), $(nproc) CPUs; tote-oci $("$TOTE" --version | head -1 | awk '{print $NF}'), $(runc --version | head -1)"
echo "== one run of /bin/true with memory 64 MiB, pids 100, cpu 0.5 ($runs runs each)"
limits '{"memory": {"limit": 67108864}, "pids": {"limit": 100}, "cpu": {"quota": 50000, "period": 100000}}'
hyperfine -N --warmup 5 --runs "$runs" --export-json "$work/h.json" \
  -n tote-oci "$TOTE --root $roots/tote run --bundle $work/bundle bench-limits" \
  -n runc "runc --root $roots/runc run --bundle $work/bundle bench-limits"
jq -r '.results[] | "\(.command): mean \(.mean*1000*10|floor/10) ms, min \(.min*1000*10|floor/10) ms"' "$work/h.json"

# starts RUNTIME_CMD LIMIT — does /bin/true run and exit 0 under LIMIT bytes?
starts() {
  limits "{\"memory\": {\"limit\": $2}}"
  timeout 20 $1 run --bundle "$work/bundle" "bench-min" >/dev/null 2>&1
}

echo "== the smallest memory.limit under which the container starts (64 KiB steps)"
for rt in tote runc; do
  if [ $rt = tote ]; then cmd="$TOTE --root $roots/tote"; else cmd="runc --root $roots/runc"; fi
  lo=0 hi=$((64 * 1024 * 1024)) # lo fails (0 = unset is not tried), hi works
  if ! starts "$cmd" "$hi"; then
    echo "$rt: does not start even with 64 MiB"
    continue
  fi
  while [ $((hi - lo)) -gt 65536 ]; do
    mid=$(((lo + hi) / 2 / 65536 * 65536))
    [ "$mid" -gt "$lo" ] || mid=$((lo + 65536))
    if starts "$cmd" "$mid"; then hi=$mid; else lo=$mid; fi
  done
  echo "$rt: $((hi / 1024)) KiB"
done
