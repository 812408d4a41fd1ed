#!/bin/sh
# tests/fuzz/run.sh [SECONDS [LIBFUZZER-FLAGS...]] - fuzz tote's parsers.
#
# Builds every fuzzer (make -j"$(nproc)" fuzz) and runs each for its share of SECONDS
# (default 60) on a temporary copy of its corpus, tests/fuzz/corpus/NAME, so
# the committed corpora are never modified:
#   config     config.json (config_fuzzer.c)              half of SECONDS
#   reference  image references (reference_fuzzer.c)     \
#   challenge  WWW-Authenticate (challenge_fuzzer.c)       | the other half,
#   manifest   the store's manifests and configs           | a quarter each
#              (manifest_fuzzer.c)                         |
#   layer      layer archives (layer_fuzzer.c)            /
# Each gets at least a second.  UBSan findings abort (they are crashes, not
# warnings), and so do leaks.  Exits 0 when no fuzzer found anything;
# otherwise non-zero, printing for each one that did the path of every crash
# input (kept in build/fuzz/crashes/, named NAME-crash-..., NAME-leak-...)
# and the command that reproduces it.
#
# Extra arguments go to every fuzzer, e.g.  tests/fuzz/run.sh 600 -fork=2
# FUZZERS="layer manifest" runs only those, each for the share it would get.
# TOTE_FUZZ_ORACLES=1 turns on the extra checks described at the top of each
# fuzzer's source (for the image fuzzers: the known bugs they otherwise step
# around).
set -eu

secs=${1:-60}
[ $# -gt 0 ] && shift
case $secs in
'' | *[!0-9]*)
  echo "usage: $0 [SECONDS [LIBFUZZER-FLAGS...]]" >&2
  exit 2
  ;;
esac

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
make fuzz

crashes=$top/build/fuzz/crashes
mkdir -p "$crashes"
work=$(mktemp -d "${TMPDIR:-/tmp}/tote-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"

# config gets half; the image fuzzers share the rest, the remainder going to
# the first ones
half=$((secs / 2))
rest=$((secs - half))
share() { # share NAME - the seconds NAME runs for
  case $1 in
  config) s=$half ;;
  reference) s=$((rest / 4 + (rest % 4 > 0))) ;;
  challenge) s=$((rest / 4 + (rest % 4 > 1))) ;;
  manifest) s=$((rest / 4 + (rest % 4 > 2))) ;;
  *) s=$((rest / 4)) ;;
  esac
  [ "$s" -ge 1 ] || s=1
  echo "$s"
}
max_len() {
  case $1 in
  reference) echo 1024 ;;
  challenge) echo 4096 ;;
  layer) echo 20480 ;;
  *) echo 16384 ;;
  esac
}

found=0
for name in ${FUZZERS:-config reference challenge manifest layer}; do
  fuzzer=$top/build/fuzz/${name}_fuzzer
  if [ ! -x "$fuzzer" ] || [ ! -d "tests/fuzz/corpus/$name" ]; then
    echo "$0: no fuzzer or corpus named $name" >&2
    exit 2
  fi
  t=$(share "$name")
  mkdir "$work/$name"
  cp "tests/fuzz/corpus/$name"/* "$work/$name/"
  dict=
  [ -f "tests/fuzz/$name.dict" ] && dict=-dict=$top/tests/fuzz/$name.dict
  echo "== $name fuzzer: ${t}s"

  # The fuzzer's status goes through a file: the pipe to tee would hide it.
  {
    set +e
    "$fuzzer" -max_total_time="$t" -max_len="$(max_len "$name")" -timeout=10 \
      -print_final_stats=1 ${dict:+"$dict"} -artifact_prefix="$crashes/$name-" \
      -close_fd_mask=2 "$work/$name" "$@"
    echo $? >"$work/$name.rc"
  } 2>&1 | tee "$work/$name.log"
  rc=$(cat "$work/$name.rc")

  if [ "$rc" -ne 0 ] || grep -q 'Test unit written to' "$work/$name.log"; then
    found=1
    {
      echo "$name fuzzer: crash found (exit status $rc)"
      # the layer fuzzer names its artifacts relative to the cwd (see its top)
      sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$work/$name.log" | sort -u | while read -r f; do
        f=$(realpath -m -- "$f" 2>/dev/null || echo "$f")
        echo "  crash input: $f"
        echo "  reproduce:   ${TOTE_FUZZ_ORACLES:+TOTE_FUZZ_ORACLES=$TOTE_FUZZ_ORACLES }$fuzzer $f"
      done
    } >"$work/$name.crash"
    echo >&2
    cat "$work/$name.crash" >&2
  else
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/$name.log")
    echo "$name fuzzer: no crash in ${t}s (${speed:-?} exec/s)"
  fi
done
# again at the end, where tests/run.sh's tail shows it
if [ "$found" -ne 0 ]; then
  echo >&2
  cat "$work"/*.crash >&2
fi
exit "$found"
