#!/bin/bash
# fakereg_helpers.bash — run tests/image/fakereg.py (a fake OCI registry with
# auth modes and faults) from a bats test, and read its request log.
#
#   start_fakereg [fakereg options...]
#       start one in the background, serving $OCI/busybox unless the options
#       name another --layout; waits (FAKEREG_TIMEOUT s) for its port file.
#       Sets PORT, REG (127.0.0.1:PORT) and FR_LOG (its request log, one line
#       per request: METHOD PATH RANGE AUTH-SCHEME STATUS).  May be called
#       more than once in a test: each call is a new registry, and the
#       variables then describe the newest.
#   stop_fakeregs
#       SIGTERM every registry this test started (by PID only), SIGKILL what
#       is still there after 5 s; call it from teardown.
#   log_lines PATH-PREFIX     the log lines whose path starts with PATH-PREFIX
#   log_statuses PATH         the statuses answered to PATH (query ignored),
#                             space-separated, in order
#
# Needs REPO and OCI.

FAKEREG="$REPO/tests/image/fakereg.py"
FAKEREG_TIMEOUT=${FAKEREG_TIMEOUT:-10}
FR_PIDS=()
FR_N=0

start_fakereg() {
	local dir pid i
	FR_N=$((FR_N + 1))
	dir="$BATS_TEST_TMPDIR/fakereg.$FR_N"
	mkdir -p "$dir"
	# exec: $! is python itself.  fd 3 is bats' own output, which a
	# background process must not hold, or bats waits for it.
	(exec /usr/bin/python3 "$FAKEREG" --layout "$OCI/busybox" --port-file "$dir/port" \
		--log "$dir/log" "$@" >"$dir/out" 2>&1 3>&-) &
	pid=$!
	FR_PIDS+=("$pid")
	for ((i = 0; i < FAKEREG_TIMEOUT * 20; i++)); do
		[ -s "$dir/port" ] && break
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "fakereg.py $* exited before listening:" >&2
			cat "$dir/out" >&2
			return 1
		fi
		sleep 0.05
	done
	if [ ! -s "$dir/port" ]; then
		echo "fakereg.py $*: no port file after ${FAKEREG_TIMEOUT}s" >&2
		cat "$dir/out" >&2
		return 1
	fi
	# shellcheck disable=SC2034 # the test's variables
	PORT=$(cat "$dir/port")
	# shellcheck disable=SC2034
	REG="127.0.0.1:$PORT"
	FR_LOG="$dir/log"
	# shellcheck disable=SC2034
	FR_DIR="$dir"
	touch "$FR_LOG"
}

# alive PID — PID exists and is not a zombie.
fr_alive() {
	local stat
	{ read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
	stat=${stat##*) }
	[ "${stat:0:1}" != Z ]
}

stop_fakeregs() {
	local pid i
	for pid in "${FR_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${FR_PIDS[@]}"; do
		for ((i = 0; i < 100; i++)); do
			fr_alive "$pid" || break
			sleep 0.05
		done
		if fr_alive "$pid"; then
			echo "fakereg.py (pid $pid) ignored SIGTERM; killing it" >&2
			kill -KILL "$pid" 2>/dev/null || true
		fi
		wait "$pid" 2>/dev/null || true
	done
	FR_PIDS=()
}

log_lines() {
	awk -v p="$1" 'index($2, p) == 1' "$FR_LOG"
}

log_statuses() {
	awk -v p="$1" '{ q = $2; sub(/\?.*/, "", q) } q == p { printf "%s%s", sep, $5; sep = " " } END { print "" }' "$FR_LOG"
}
