#!/bin/bash
# registry.sh — a private, throwaway image registry for the pull tests.
#
#   registry.sh start DIR                   start one; prints its port
#   registry.sh stop DIR                    stop it (and its token server)
#                                           and remove DIR
#   registry.sh push DIR LAYOUT:TAG REPO:TAG
#                                           copy an OCI layout's tag into it
#
# The registry is Debian's docker-registry (distribution v2) on 127.0.0.1,
# plain HTTP, no auth, with its storage in DIR/storage.  DIR also holds
# config.yml, registry.log (its output, the access log included), port and
# pid.  One DIR is one registry, so tests running side by side each start
# their own on a free port.
#
# `start` reads these variables (what it was started with is kept in DIR, so
# push and stop need none of them):
#
#   REGISTRY_AUTH=none      (the default) no auth
#   REGISTRY_AUTH=token     token auth: a token server (tokenserver.py) is
#                           started too, on its own free port, and the
#                           registry sends clients to it (realm
#                           http://127.0.0.1:TPORT/token, service
#                           tote-test-registry, issuer tote-test-tokenserver).
#                           Its tokens are JWTs signed ES256, the header's
#                           "kid" naming the key of the certificate the
#                           registry has as rootcertbundle (DIR/token.crt).
#                           With REGISTRY_USER/REGISTRY_PASS only that account
#                           gets pull tokens (anonymous token requests get
#                           401) unless REGISTRY_ANON_PULL=1; without them
#                           anyone may pull.  DIR gets token.port, token.pid,
#                           token.crt, token.out and token.log (one line per
#                           token request: METHOD PATH AUTH-SCHEME USER STATUS
#                           GRANTED, see tokenserver.py).
#   REGISTRY_AUTH=basic     htpasswd auth (Basic): REGISTRY_USER and
#                           REGISTRY_PASS are required; DIR/htpasswd holds
#                           their bcrypt hash (cost 4: a test, and every
#                           request checks it).  docker-registry 2.8 takes
#                           htpasswd over plain HTTP, so no TLS is needed.
#   REGISTRY_TLS=1          serve HTTPS with a self-signed certificate for
#                           127.0.0.1 (DIR/tls.crt, DIR/tls.key); clients
#                           must not verify it (tote treats loopback
#                           registries so, or --tls-verify=false).  Works
#                           with any REGISTRY_AUTH.
#
# In the auth modes start adds an account "tote-pusher" (its password made
# at start, in DIR/push.creds as USER:PASS, mode 0600), and push copies with
# it (skopeo --dest-creds).  With token auth it is the only one that may
# push (REGISTRY_USER's tokens grant pull alone); htpasswd auth lets every
# account do everything.
#
# The registry runs with no REGISTRY_* variable in its environment: they are
# docker-registry's configuration overrides (REGISTRY_AUTH_FILE, which tote
# and podman read, would replace its auth section).
#
# stop kills only the processes recorded in DIR/pid and DIR/token.pid, and
# only if each still is what was started (docker-registry, tokenserver.py),
# so a recycled pid is never hit.
set -euo pipefail

die() { echo "registry.sh: $*" >&2; exit 1; }

REGISTRY=docker-registry
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOKENSERVER="$HERE/tokenserver.py"
PYTHON=/usr/bin/python3
START_TIMEOUT=10 # seconds until the registry must answer /v2/
STOP_TIMEOUT=5   # seconds after SIGTERM before SIGKILL
PUSH_USER=tote-pusher
SERVICE=tote-test-registry
ISSUER=tote-test-tokenserver

usage() {
	die "usage: registry.sh start DIR | stop DIR | push DIR LAYOUT:TAG REPO:TAG"
}

# is_proc PID PATTERN — true if PID is alive (not a zombie) and its command
# line matches the glob *PATTERN*.
is_proc() {
	local cmd
	[ -r "/proc/$1/cmdline" ] || return 1
	# a zombie's cmdline is empty, so it never matches
	cmd=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
	[[ "$cmd" == *"$2"* ]]
}

is_registry() { is_proc "$1" "$REGISTRY"; }

# alive PID — the process exists and is not a zombie (a child of ours that
# died stays a zombie until we wait for it, and kill -0 still succeeds).
alive() {
	local stat
	{ read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
	stat=${stat##*) }
	[ "${stat:0:1}" != Z ]
}

# is_zombie PID COMM — PID is a COMM (the kernel's short name) that exited
# but was not reaped yet.
is_zombie() {
	local stat
	{ read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
	[[ "$stat" == *"($2) Z "* ]]
}

# port_is_free PORT — nothing listens on 127.0.0.1:PORT or the wildcard.
port_is_free() {
	! ss -ltnH "sport = :$1" 2>/dev/null | grep -q .
}

# spawn LOG CMD... — run CMD in the background, detached from the caller's
# stdio (bats waits for its fds to close) with every other inherited fd
# closed, and without REGISTRY_* variables; SPAWNED is its pid (exec: the
# pid is the program's own).
spawn() {
	local log=$1
	shift
	(
		for fd in "/proc/$BASHPID/fd"/*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] && eval "exec $fd>&-"
		done
		while read -r v; do unset "$v"; done < <(compgen -e | grep '^REGISTRY_' || true)
		exec "$@"
	) </dev/null >>"$log" 2>&1 &
	SPAWNED=$!
}

# stop_procs PID:PATTERN:COMM... — SIGTERM each PID that still is PATTERN
# (its command line), SIGKILL what is left after STOP_TIMEOUT, then give
# init a moment to reap them (COMM is the kernel's short name, for the
# zombie check).  All at once, so two processes cost no more than one.
stop_procs() {
	local spec pid pat comm i j left
	local -a pids=() pats=() comms=()
	for spec in "$@"; do
		IFS=: read -r pid pat comm <<<"$spec"
		case "$pid" in "" | *[!0-9]*) die "bad pid '$pid' for $pat" ;; esac
		is_proc "$pid" "$pat" || continue
		pids+=("$pid") pats+=("$pat") comms+=("$comm")
		kill -TERM "$pid" 2>/dev/null || true
	done
	# still_there — how many of them still run
	still_there() {
		local n=0 j
		for j in "${!pids[@]}"; do
			is_proc "${pids[j]}" "${pats[j]}" && n=$((n + 1))
		done
		echo "$n"
	}
	for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
		[ "$(still_there)" = 0 ] && break
		sleep 0.1
	done
	for i in "${!pids[@]}"; do
		if is_proc "${pids[i]}" "${pats[i]}"; then
			kill -KILL "${pids[i]}" 2>/dev/null || true
		fi
	done
	for ((i = 0; i < 50; i++)); do
		[ "$(still_there)" = 0 ] && break
		sleep 0.1
	done
	left=$(still_there)
	[ "$left" = 0 ] || die "$left of pids ${pids[*]} do not exit"
	# They were orphaned when start returned, so init reaps them; until then
	# they are zombies that pgrep still lists.  Give init a moment (PID 1 of
	# some containers reaps only every second).
	for ((i = 0; i < 30; i++)); do
		left=0
		for j in "${!pids[@]}"; do
			is_zombie "${pids[j]}" "${comms[j]}" && left=1
		done
		[ "$left" = 0 ] && break
		sleep 0.1
	done
	return 0
}

# random_hex — 32 hex digits from the kernel's generator.
random_hex() { head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# bcrypt_line USER PASS — an htpasswd line (the password goes through the
# environment, not a command line).
bcrypt_line() {
	HTPASSWD_PASS=$2 "$PYTHON" -c '
import bcrypt, os, sys
h = bcrypt.hashpw(os.environb[b"HTPASSWD_PASS"], bcrypt.gensalt(rounds=4))
sys.stdout.write(sys.argv[1] + ":" + h.decode() + "\n")' "$1" ||
		die "cannot hash a password (apt-get install -y python3-bcrypt)"
}

# make_tls DIR — a self-signed certificate for 127.0.0.1 and localhost.
make_tls() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 7 \
		-subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
		-keyout "$1/tls.key" -out "$1/tls.crt" >/dev/null 2>&1 ||
		die "openssl cannot make a certificate (apt-get install -y openssl)"
	chmod 0600 "$1/tls.key"
}

# start_tokenserver DIR — start tokenserver.py for DIR's registry; waits
# for its port file.
start_tokenserver() {
	local dir=$1 pid i args
	"$PYTHON" -c 'import cryptography' 2>/dev/null ||
		die "tokenserver.py needs python3-cryptography (apt-get install -y python3-cryptography)"
	args=(--port-file "$dir/token.port" --cert-file "$dir/token.crt" --log "$dir/token.log"
		--service "$SERVICE" --issuer "$ISSUER"
		--push-user "$PUSH_USER" --push-pass "${PUSH_CREDS#*:}")
	if [ -n "${REGISTRY_USER:-}" ]; then
		args+=(--user "$REGISTRY_USER" --pass "$REGISTRY_PASS")
	fi
	if [ "${REGISTRY_ANON_PULL:-0}" = 1 ]; then
		args+=(--anonymous-pull)
	fi
	touch "$dir/token.log"
	spawn "$dir/token.out" "$PYTHON" "$TOKENSERVER" "${args[@]}"
	pid=$SPAWNED
	echo "$pid" >"$dir/token.pid"
	for ((i = 0; i < START_TIMEOUT * 10; i++)); do
		[ -s "$dir/token.port" ] && return 0
		alive "$pid" || break
		sleep 0.1
	done
	stop_procs "$pid:tokenserver.py:python3"
	cat "$dir/token.out" >&2
	die "the token server did not start"
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
	if [ "$TLS" = 1 ]; then
		cat >>"$dir/config.yml" <<EOF
  tls:
    certificate: $dir/tls.crt
    key: $dir/tls.key
EOF
	fi
	case "$AUTH" in
	token)
		cat >>"$dir/config.yml" <<EOF
auth:
  token:
    realm: http://127.0.0.1:$(cat "$dir/token.port")/token
    service: $SERVICE
    issuer: $ISSUER
    rootcertbundle: $dir/token.crt
EOF
		;;
	basic)
		cat >>"$dir/config.yml" <<EOF
auth:
  htpasswd:
    realm: tote-test-registry
    path: $dir/htpasswd
EOF
		;;
	esac
}

# wait_ready DIR PID PORT — 0 once /v2/ answers (200, or 401 with auth),
# 1 if the process died (e.g. lost the race for the port), 2 on timeout.
wait_ready() {
	local dir=$1 pid=$2 port=$3 i code scheme=http
	[ "$TLS" = 1 ] && scheme=https
	for ((i = 0; i < START_TIMEOUT * 10; i++)); do
		code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 1 "$scheme://127.0.0.1:$port/v2/" || true)
		case "$code" in 200 | 401) return 0 ;; esac
		alive "$pid" || return 1
		sleep 0.1
	done
	return 2
}

# fail_start DIR MESSAGE — stop what start started, then die.
fail_start() {
	if [ -f "$1/token.pid" ]; then
		stop_procs "$(cat "$1/token.pid"):tokenserver.py:python3" || true
		rm -f "$1/token.pid"
	fi
	die "$2"
}

cmd_start() {
	local dir port pid try rc
	dir=$(realpath -m "$1")
	if [ -f "$dir/pid" ] && is_registry "$(cat "$dir/pid")"; then
		die "a registry already runs for $dir (pid $(cat "$dir/pid"))"
	fi
	command -v "$REGISTRY" >/dev/null 2>&1 ||
		die "$REGISTRY is not installed (apt-get install -y docker-registry)"
	AUTH=${REGISTRY_AUTH:-none}
	TLS=${REGISTRY_TLS:-0}
	case "$AUTH" in
	none) ;;
	token)
		if [ -n "${REGISTRY_USER:-}" ] && [ -z "${REGISTRY_PASS:-}" ]; then
			die "REGISTRY_USER needs REGISTRY_PASS"
		fi
		;;
	basic)
		if [ -z "${REGISTRY_USER:-}" ] || [ -z "${REGISTRY_PASS:-}" ]; then
			die "REGISTRY_AUTH=basic needs REGISTRY_USER and REGISTRY_PASS"
		fi
		;;
	*) die "REGISTRY_AUTH must be none, token or basic, not '$AUTH'" ;;
	esac
	case "$TLS" in 0 | 1) ;; *) die "REGISTRY_TLS must be 0 or 1" ;; esac
	[[ "${REGISTRY_USER:-}" != *:* ]] || die "REGISTRY_USER must not hold ':'"
	[ "$AUTH" = none ] || [ "${REGISTRY_USER:-}" != "$PUSH_USER" ] ||
		die "REGISTRY_USER must not be $PUSH_USER"

	mkdir -p "$dir/storage"
	rm -f "$dir/port" "$dir/pid" "$dir/token.port" "$dir/token.pid" "$dir/push.creds"
	if [ "$TLS" = 1 ]; then
		make_tls "$dir"
	fi
	if [ "$AUTH" != none ]; then
		PUSH_CREDS="$PUSH_USER:$(random_hex)"
		(umask 077 && echo "$PUSH_CREDS" >"$dir/push.creds")
	fi
	if [ "$AUTH" = basic ]; then
		{
			bcrypt_line "$REGISTRY_USER" "$REGISTRY_PASS"
			bcrypt_line "$PUSH_USER" "${PUSH_CREDS#*:}"
		} >"$dir/htpasswd"
	fi
	if [ "$AUTH" = token ]; then
		start_tokenserver "$dir"
	fi

	port=$((20000 + RANDOM % 10000))
	for ((try = 0; try < 20; try++)); do
		# the next free port after a random start (wrapping inside 20000-29999)
		while ! port_is_free "$port"; do
			port=$((20000 + (port - 20000 + 1) % 10000))
		done
		write_config "$dir" "$port"
		spawn "$dir/registry.log" "$REGISTRY" serve "$dir/config.yml"
		pid=$SPAWNED
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
			fail_start "$dir" "registry on 127.0.0.1:$port did not answer within ${START_TIMEOUT}s"
		fi
		fail_start "$dir" "registry exited while starting"
	done
	tail -n 20 "$dir/registry.log" >&2
	fail_start "$dir" "no free port found for the registry"
}

cmd_stop() {
	local dir=$1 procs=()
	if [ -f "$dir/pid" ]; then
		procs+=("$(cat "$dir/pid"):$REGISTRY:$REGISTRY")
	fi
	if [ -f "$dir/token.pid" ]; then
		procs+=("$(cat "$dir/token.pid"):tokenserver.py:python3")
	fi
	stop_procs "${procs[@]}"
	rm -rf "$dir"
}

cmd_push() {
	local dir=$1 src=$2 dst=$3 port creds=()
	[ -f "$dir/port" ] || die "no registry running for $dir"
	port=$(cat "$dir/port")
	if [ -f "$dir/push.creds" ]; then
		creds=(--dest-creds "$(cat "$dir/push.creds")")
	fi
	# --all copies every manifest of an index (a no-op for a single image),
	# --preserve-digests makes skopeo fail rather than rewrite a manifest,
	# so what the registry serves has the layout's digests.  The
	# credentials go to this registry only: no auth file is read or written.
	skopeo copy --all --preserve-digests --quiet --dest-tls-verify=false "${creds[@]}" \
		"oci:$src" "docker://127.0.0.1:$port/$dst"
}

[ $# -ge 2 ] || usage
case "$1" in
start) [ $# -eq 2 ] || usage; cmd_start "$2" ;;
stop) [ $# -eq 2 ] || usage; cmd_stop "$2" ;;
push) [ $# -eq 4 ] || usage; cmd_push "$2" "$3" "$4" ;;
*) usage ;;
esac
