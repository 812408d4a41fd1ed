#!/bin/sh
# tests/fuzz/run.sh [SECONDS [LIBFUZZER-FLAGS...]] - fuzz the config.json parser.
#
# Builds build/fuzz/config_fuzzer (make fuzz) and runs it for SECONDS
# (default 60) on a temporary copy of tests/fuzz/corpus/config, so the
# committed corpus is never modified.  UBSan findings abort (they are
# crashes, not warnings), and so do leaks.  Exits 0 when nothing was found;
# otherwise non-zero, printing the path of every crash input (kept in
# build/fuzz/crashes/) and the command that reproduces it.
#
# Extra arguments go to libFuzzer, e.g.  tests/fuzz/run.sh 600 -fork=8
# TOTE_FUZZ_ORACLES=1 turns on the extra checks described in config_fuzzer.c.
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

fuzzer=$top/build/fuzz/config_fuzzer
crashes=$top/build/fuzz/crashes
mkdir -p "$crashes"
work=$(mktemp -d "${TMPDIR:-/tmp}/tote-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir "$work/corpus"
cp tests/fuzz/corpus/config/* "$work/corpus/"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"

# The fuzzer's status goes through a file: the pipe to tee would hide it.
{
  set +e
  "$fuzzer" -max_total_time="$secs" -max_len=16384 -timeout=10 -print_final_stats=1 \
    -dict="$top/tests/fuzz/config.dict" -artifact_prefix="$crashes/" -close_fd_mask=2 \
    "$work/corpus" "$@"
  echo $? >"$work/rc"
} 2>&1 | tee "$work/log"
rc=$(cat "$work/rc")

if [ "$rc" -ne 0 ] || grep -q 'Test unit written to' "$work/log"; then
  echo >&2
  echo "config fuzzer: crash found (exit status $rc)" >&2
  sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$work/log" | sort -u | while read -r f; do
    echo "  crash input: $f" >&2
    echo "  reproduce:   $fuzzer $f" >&2
  done
  exit 1
fi
echo "config fuzzer: no crash in ${secs}s"
