#!/bin/bash
# registry.sh — a private, throwaway image registry for the pull tests.
#
#   registry.sh start DIR                   start one; prints its port
#   registry.sh stop DIR                    stop it and remove DIR
#   registry.sh push DIR LAYOUT:TAG REPO:TAG
#                                           copy an OCI layout's tag into it
#
# The registry is Debian's docker-registry (distribution v2) on 127.0.0.1,
# plain HTTP, no auth, with its storage in DIR/storage.  DIR also holds
# config.yml, registry.log, port and pid.  One DIR is one registry, so tests
# running side by side each start their own on a free port.
#
# stop kills only the process recorded in DIR/pid, and only if it still is a
# docker-registry, so a recycled pid is never hit.
set -euo pipefail

die() { echo "registry.sh: $*" >&2; exit 1; }

REGISTRY=docker-registry
START_TIMEOUT=10 # seconds until the registry must answer /v2/
STOP_TIMEOUT=5   # seconds after SIGTERM before SIGKILL

usage() {
	die "usage: registry.sh start DIR | stop DIR | push DIR LAYOUT:TAG REPO:TAG"
}

# is_registry PID — true if PID is alive (not a zombie) and is docker-registry.
is_registry() {
	local cmd
	[ -r "/proc/$1/cmdline" ] || return 1
	# a zombie's cmdline is empty, so it never matches
	cmd=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
	[[ "$cmd" == *docker-registry* ]]
}

# alive PID — the process exists and is not a zombie (a child of ours that
# died stays a zombie until we wait for it, and kill -0 still succeeds).
alive() {
	local stat
	{ read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
	stat=${stat##*) }
	[ "${stat:0:1}" != Z ]
}

# is_registry_zombie PID — PID is a docker-registry that exited but was not
# reaped yet.
is_registry_zombie() {
	local stat
	{ read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
	[[ "$stat" == *"(docker-registry) Z "* ]]
}

# port_is_free PORT — nothing listens on 127.0.0.1:PORT or the wildcard.
port_is_free() {
	! ss -ltnH "sport = :$1" 2>/dev/null | grep -q .
}

write_config() {
	local dir=$1 port=$2
	cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
EOF
}

# wait_ready DIR PID PORT — 0 once /v2/ answers, 1 if the process died
# (e.g. lost the race for the port), 2 on timeout.
wait_ready() {
	local dir=$1 pid=$2 port=$3 i
	for ((i = 0; i < START_TIMEOUT * 10; i++)); do
		if curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$port/v2/"; then
			return 0
		fi
		alive "$pid" || return 1
		sleep 0.1
	done
	return 2
}

cmd_start() {
	local dir port pid try rc
	dir=$(realpath -m "$1")
	if [ -f "$dir/pid" ] && is_registry "$(cat "$dir/pid")"; then
		die "a registry already runs for $dir (pid $(cat "$dir/pid"))"
	fi
	command -v "$REGISTRY" >/dev/null 2>&1 ||
		die "$REGISTRY is not installed (apt-get install -y docker-registry)"
	mkdir -p "$dir/storage"
	rm -f "$dir/port" "$dir/pid"

	port=$((20000 + RANDOM % 10000))
	for ((try = 0; try < 20; try++)); do
		# the next free port after a random start (wrapping inside 20000-29999)
		while ! port_is_free "$port"; do
			port=$((20000 + (port - 20000 + 1) % 10000))
		done
		write_config "$dir" "$port"
		# Detached from the caller's stdio (bats waits for its fds to close),
		# every other inherited fd closed too.
		(
			for fd in "/proc/$BASHPID/fd"/*; do
				fd=${fd##*/}
				[ "$fd" -gt 2 ] && eval "exec $fd>&-"
			done
			exec "$REGISTRY" serve "$dir/config.yml"
		) </dev/null >>"$dir/registry.log" 2>&1 &
		pid=$!
		rc=0
		wait_ready "$dir" "$pid" "$port" || rc=$?
		if [ "$rc" -eq 0 ]; then
			echo "$port" >"$dir/port"
			echo "$pid" >"$dir/pid"
			echo "$port"
			return 0
		fi
		if [ "$rc" -eq 1 ] && grep -q 'address already in use' "$dir/registry.log"; then
			# someone took the port between ss and bind: next one
			wait "$pid" 2>/dev/null || true
			: >"$dir/registry.log"
			port=$((20000 + (port - 20000 + 1) % 10000))
			continue
		fi
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		tail -n 20 "$dir/registry.log" >&2
		if [ "$rc" -eq 2 ]; then
			die "registry on 127.0.0.1:$port did not answer within ${START_TIMEOUT}s"
		fi
		die "registry exited while starting"
	done
	tail -n 20 "$dir/registry.log" >&2
	die "no free port found for the registry"
}

cmd_stop() {
	local dir=$1 pid i
	if [ -f "$dir/pid" ]; then
		pid=$(cat "$dir/pid")
		case "$pid" in "" | *[!0-9]*) die "bad pid file $dir/pid" ;; esac
		if is_registry "$pid"; then
			kill -TERM "$pid" 2>/dev/null || true
			for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
				is_registry "$pid" || break
				sleep 0.1
			done
			if is_registry "$pid"; then
				kill -KILL "$pid" 2>/dev/null || true
				for ((i = 0; i < 50; i++)); do
					is_registry "$pid" || break
					sleep 0.1
				done
				is_registry "$pid" && die "registry (pid $pid) does not exit"
			fi
			# It was orphaned when start returned, so init reaps it; until
			# then it is a zombie that pgrep still lists.  Give init a
			# moment (PID 1 of some containers reaps only every second).
			for ((i = 0; i < 30; i++)); do
				is_registry_zombie "$pid" || break
				sleep 0.1
			done
		fi
	fi
	rm -rf "$dir"
}

cmd_push() {
	local dir=$1 src=$2 dst=$3 port
	[ -f "$dir/port" ] || die "no registry running for $dir"
	port=$(cat "$dir/port")
	# --all copies every manifest of an index (a no-op for a single image),
	# --preserve-digests makes skopeo fail rather than rewrite a manifest,
	# so what the registry serves has the layout's digests.
	skopeo copy --all --preserve-digests --quiet --dest-tls-verify=false \
		"oci:$src" "docker://127.0.0.1:$port/$dst"
}

[ $# -ge 2 ] || usage
case "$1" in
start) [ $# -eq 2 ] || usage; cmd_start "$2" ;;
stop) [ $# -eq 2 ] || usage; cmd_stop "$2" ;;
push) [ $# -eq 4 ] || usage; cmd_push "$2" "$3" "$4" ;;
*) usage ;;
esac
