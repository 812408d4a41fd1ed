#!/usr/bin/env bash
# bench/net.sh - what a container's network costs, side by side in one run
# (hyperfine): `tote run --rm IMAGE true` on the default bridge network
# (namespace, veth pair, address, routes, and the bridge and nft table made
# and removed with the only container), the same with --network none (the
# namespace and lo only), and `podman run --rm IMAGE true` on podman's
# default network.  The image is the built-in busybox (build/rootfs), in a
# tote store and a podman store of the bench's own.  podman is given
# RLIMIT_NOFILE and RLIMIT_NPROC of at most 4096 (ours when lower): its defaults are above the hard limits
# of a root without CAP_SYS_RESOURCE (as in some sandboxes), where its
# runtime then fails to start the container; tote, as docker, leaves the
# rlimits as they are.
# Usage (as root): bench/net.sh [RUNS]   (needs hyperfine and podman)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
TOTE=$PWD/build/tote
[ -x "$TOTE" ] && [ -d build/rootfs ] || { echo "bench: run 'make all image' first" >&2; exit 1; }
for tool in hyperfine jq; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install $tool)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/tote-bench-net.XXXXXX)
pod=(podman --root "$work/podman" --runroot "$work/podman-run" --storage-driver overlay)
cap() { [ "$1" = unlimited ] || [ "$1" -gt 4096 ] && echo 4096 || echo "$1"; }
limits="--ulimit nofile=$(cap "$(ulimit -Sn)"):$(cap "$(ulimit -Hn)") --ulimit nproc=$(cap "$(ulimit -Su)"):$(cap "$(ulimit -Hu)")"
cleanup() {
  if command -v podman >/dev/null; then "${pod[@]}" rm -af >/dev/null 2>&1 || true; fi
  # podman's storage is an overlay mount under it, which stays after podman: every
  # mount under $work, deepest first
  awk -v w="$work/" 'index($5, w) == 1 {print $5}' /proc/self/mountinfo | sort -r |
    while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
  rm -rf "$work"
}
trap cleanup EXIT
tar -C build/rootfs -c . >"$work/rootfs.tar"
"$TOTE" --root "$work/tote" import "$work/rootfs.tar" bench/bb:1 >/dev/null

cmds=(-n "tote bridge" "$TOTE --root $work/tote run --rm bench/bb:1 true"
      -n "tote none" "$TOTE --root $work/tote run --rm --network none bench/bb:1 true")
if command -v podman >/dev/null && "${pod[@]}" import -q "$work/rootfs.tar" localhost/bench/bb:1 >/dev/null &&
   "${pod[@]}" run --rm $limits localhost/bench/bb:1 true; then
  cmds+=(-n "podman ($("${pod[@]}" info --format '{{.Host.NetworkBackend}}'))" "${pod[*]} run --rm $limits localhost/bench/bb:1 true")
else
  echo "bench: podman cannot run the image here: it is left out" >&2
fi
echo "== $(uname -r), $(nproc) CPUs; $(podman --version 2>/dev/null || echo 'no podman'); $runs runs each"
hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/h.json" "${cmds[@]}"
jq -r '.results[] | "\(.command): mean \(.mean*1000*10|floor/10) ms ± \(.stddev*1000*10|floor/10), min \(.min*1000*10|floor/10) ms"' "$work/h.json"
