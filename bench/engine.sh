#!/usr/bin/env bash
# bench/engine.sh - the engine against podman, side by side in one run:
#   - `tote run --rm --network none IMAGE true` vs `podman run --rm
#     --network none --runtime runc IMAGE true` (hyperfine)
#   - `tote ps -a` with 100 containers (and `podman ps -a` with 100)
#   - `tote exec` latency into a running container (and `podman exec`)
#   - the monitor's VmRSS next to podman's conmon
# The image is the built-in busybox (build/rootfs), in a tote store and a
# podman store of the bench's own.  podman gets RLIMIT_NOFILE and
# RLIMIT_NPROC of at most 4096 (see bench/net.sh for why).
# Usage (as root): bench/engine.sh [RUNS]   (needs hyperfine and podman)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
TOTE=$PWD/build/tote
[ -x "$TOTE" ] && [ -d build/rootfs ] || { echo "bench: run 'make all image' first" >&2; exit 1; }
for tool in hyperfine jq podman; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install $tool)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/tote-bench-engine.XXXXXX)
tote=("$TOTE" --root "$work/tote")
pod=(podman --root "$work/podman" --runroot "$work/podman-run" --storage-driver overlay --runtime runc)
cap() { [ "$1" = unlimited ] || [ "$1" -gt 4096 ] && echo 4096 || echo "$1"; }
limits="--ulimit nofile=$(cap "$(ulimit -Sn)"):$(cap "$(ulimit -Hn)") --ulimit nproc=$(cap "$(ulimit -Su)"):$(cap "$(ulimit -Hu)")"
cleanup() {
  "${tote[@]}" rm -f $("${tote[@]}" ps -a -q --no-trunc 2>/dev/null) >/dev/null 2>&1 || true
  "${pod[@]}" rm -af -t 0 >/dev/null 2>&1 || true
  # podman's storage is an overlay mount under it, which stays after podman: every
  # mount under $work, deepest first
  awk -v w="$work/" 'index($5, w) == 1 {print $5}' /proc/self/mountinfo | sort -r |
    while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
  rm -rf "$work"
}
trap cleanup EXIT
tar -C build/rootfs -c . >"$work/rootfs.tar"
"${tote[@]}" import "$work/rootfs.tar" bench/bb:1 >/dev/null
"${pod[@]}" import -q "$work/rootfs.tar" localhost/bench/bb:1 >/dev/null
# the imports' data written back now, not under the first measurements
sync

echo "== $(uname -r), $(nproc) CPUs; tote $("$TOTE" --version | awk '{print $NF}'); $(podman --version); $(runc --version | head -1)"
echo "== run --rm --network none IMAGE true ($runs runs each)"
hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/run.json" \
  -n tote "${tote[*]} run --rm --network none bench/bb:1 true" \
  -n podman "${pod[*]} run --rm --network none $limits localhost/bench/bb:1 true"
jq -r '.results[] | "\(.command): mean \(.mean*1000*10|floor/10) ms ± \(.stddev*1000*10|floor/10), median \(.median*1000*10|floor/10) ms, min \(.min*1000*10|floor/10) ms"' "$work/run.json"
# the ratio of medians too: one stall of the host (a run of 800 ms) moves a mean, not a median
jq -r '"median ratio: \(.results[1].median / .results[0].median * 100 | floor / 100)x"' "$work/run.json"
# and the two alternating, run by run: the host's speed drifts between hyperfine's two blocks
python3 bench/interleave.py "$runs" tote "${tote[*]} run --rm --network none bench/bb:1 true" \
  podman "${pod[*]} run --rm --network none $limits localhost/bench/bb:1 true"

echo "== ps -a with 100 containers"
for i in $(seq 100); do
  "${tote[@]}" run --network none --name "c$i" bench/bb:1 true
  "${pod[@]}" create --network none $limits --name "c$i" localhost/bench/bb:1 true >/dev/null
done
hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/ps.json" \
  -n "tote ps -a" "${tote[*]} ps -a" -n "podman ps -a" "${pod[*]} ps -a"
jq -r '.results[] | "\(.command): mean \(.mean*1000*10|floor/10) ms ± \(.stddev*1000*10|floor/10), median \(.median*1000*10|floor/10) ms"' "$work/ps.json"

echo "== exec true into a running container"
"${tote[@]}" run -d --network none --name ex bench/bb:1 sleep 600 >/dev/null
"${pod[@]}" run -d --network none $limits --name ex localhost/bench/bb:1 sleep 600 >/dev/null
hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/exec.json" \
  -n "tote exec" "${tote[*]} exec ex true" -n "podman exec" "${pod[*]} exec ex true"
jq -r '.results[] | "\(.command): mean \(.mean*1000*10|floor/10) ms ± \(.stddev*1000*10|floor/10), median \(.median*1000*10|floor/10) ms"' "$work/exec.json"

echo "== the monitor's VmRSS, a container sleeping"
mon=$(jq .monitor_pid "$work/tote/containers/$("${tote[@]}" inspect ex | jq -r '.[0].Id')/container.json")
conmon=$(pgrep -f "conmon.*$("${pod[@]}" inspect -f '{{.Id}}' ex)" | head -1 || true)
echo "tote monitor: $(awk '/VmRSS/ {print $2, $3}' "/proc/$mon/status")"
[ -n "$conmon" ] && echo "podman conmon: $(awk '/VmRSS/ {print $2, $3}' "/proc/$conmon/status")"
