#!/usr/bin/env bash
# bench/oci_run.sh - tote-oci against runc, side by side in one run, on the
# same bundle: a container running /bin/true.
#   - latency of one `run` (hyperfine, warm caches, many runs)
#   - 100 `run`s in sequence (wall time)
#   - peak RSS of the runtime process (GNU time's "Maximum resident set size")
# Usage (as root): bench/oci_run.sh [RUNS]   (needs hyperfine and time: apt-get install hyperfine time)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-50}
TOTE=$PWD/build/tote-oci
[ -x "$TOTE" ] && [ -d build/rootfs ] || { echo "bench: run 'make all image' first" >&2; exit 1; }
for tool in hyperfine /usr/bin/time runc jq; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install hyperfine time runc jq)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/tote-bench.XXXXXX)
# the state roots on tmpfs, where both runtimes keep them by default (/run)
roots=$(mktemp -d /run/tote-bench.XXXXXX)
trap 'rm -rf "$work" "$roots"' EXIT
bundle=$work/bundle
mkdir -p "$bundle" "$roots/tote" "$roots/runc"
cp -a build/rootfs "$bundle/rootfs"
"$TOTE" spec --bundle "$bundle"
jq '.process.terminal = false | .process.args = ["/bin/true"]' "$bundle/config.json" > "$work/c.json"
mv "$work/c.json" "$bundle/config.json"

tote_run() { "$TOTE" --root "$roots/tote" run --bundle "$bundle" "b$1"; }
runc_run() { runc --root "$roots/runc" run --bundle "$bundle" "b$1"; }
export -f tote_run runc_run
export TOTE bundle roots

echo "== $(uname -r), $(nproc) CPUs; tote-oci $("$TOTE" --version | head -1 | awk '{print $NF}'), $(runc --version | head -1)"
echo "== one run of /bin/true ($runs runs each)"
hyperfine -N --warmup 5 --runs "$runs" --export-json "$work/h.json" \
  -n tote-oci "$TOTE --root $roots/tote run --bundle $bundle bench-one" \
  -n runc "runc --root $roots/runc run --bundle $bundle bench-one"
jq -r '.results[] | "\(.command): mean \(.mean*1000*100|floor/100) ms, median \(.median*1000*100|floor/100) ms, min \(.min*1000*100|floor/100) ms"' "$work/h.json"
jq -r '"median ratio: \(.results[1].median / .results[0].median * 100 | floor / 100)x"' "$work/h.json"
python3 bench/interleave.py "$runs" tote-oci "$TOTE --root $roots/tote run --bundle $bundle bench-one" \
  runc "runc --root $roots/runc run --bundle $bundle bench-one"

echo "== 100 runs in sequence"
for rt in tote runc; do
  start=$(date +%s%N)
  for i in $(seq 100); do "${rt}_run" "$i"; done
  end=$(date +%s%N)
  awk -v rt="$rt" -v ns="$((end - start))" 'BEGIN { printf "%s: %.2f s\n", rt, ns / 1e9 }'
done

echo "== peak RSS of the runtime process (KiB, max of 10 runs)"
for rt in tote runc; do
  if [ $rt = tote ]; then cmd=("$TOTE" --root "$roots/tote"); else cmd=(runc --root "$roots/runc"); fi
  max=0
  for i in $(seq 10); do
    kb=$(/usr/bin/time -f '%M' "${cmd[@]}" run --bundle "$bundle" "rss$i" 2>&1 >/dev/null | tail -1)
    [ "$kb" -gt "$max" ] && max=$kb
  done
  echo "$rt: $max KiB"
done
