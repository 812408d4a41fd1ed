#!/usr/bin/env bats
# tote pull, login and logout against the real docker-registry (distribution
# 2.8) with auth: token auth with a token server of our own that issues real
# signed tokens (tests/image/tokenserver.py: ES256 JWTs whose "kid" names
# the key of the registry's rootcertbundle), and htpasswd (Basic) auth, over
# plain HTTP and over HTTPS with a self-signed certificate.  pull_auth.bats
# covers the same flows, and their faults, against a fake registry; this
# file checks that tote gets along with the real one.
#
# helpers.bash is not loaded (nothing here runs a container).  The layouts
# are built once per file; each test starts the registries it needs with
# tests/image/registry.sh (REGISTRY_AUTH=token|basic, free ports, everything
# under $BATS_TEST_TMPDIR), and teardown stops them (by the PIDs registry.sh
# recorded), also when the test failed half-way.  Every test has its own
# store, HOME, XDG_RUNTIME_DIR and REGISTRY_AUTH_FILE, so no credentials of
# the host are read or written.
#
# Logs read here: DIR/registry.log, docker-registry's output, holds its
# access log (one combined-format line per request: method, path, status,
# user agent "tote/..." for tote's own requests); DIR/token.log, one line per
# token request: METHOD PATH AUTH-SCHEME USER STATUS GRANTED.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
bats_require_minimum_version 1.5.0

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
# TOTE_BIN: the tote to test (default: build/tote of this tree)
TOTE=${TOTE_BIN:-$REPO/build/tote}
# A hang guard for each tote call, never an assertion: a hung pull fails
# the test with 124 instead of stalling the whole run.
TOTE_TIMEOUT=${TOTE_TIMEOUT:-60}
MKOCI="$REPO/tests/image/mkoci.sh"
REGISTRY_SH="$REPO/tests/image/registry.sh"
load rootfs

# layout_digest LAYOUT — the digest tag latest points at in an OCI layout.
layout_digest() {
	jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "latest") | .digest' \
		"$1/index.json"
}

OCI_MANIFEST=application/vnd.oci.image.manifest.v1+json

# blob LAYOUT DIGEST — path of a blob in an OCI layout (the store's too).
blob() { echo "$1/blobs/sha256/${2#sha256:}"; }

setup_file() {
	[ -x "$TOTE" ] || {
		echo "$TOTE is not built (run make)" >&2
		return 1
	}
	ensure_rootfs
	export OCI="$BATS_FILE_TMPDIR/oci"
	"$MKOCI" "$OCI"
	local m
	m=$(blob "$OCI/busybox" "$(layout_digest "$OCI/busybox")")
	BB_CONFIG=$(jq -r .config.digest "$m")
	export BB_CONFIG BB_ID=${BB_CONFIG#sha256:}
	# multi: an index whose linux/arm64 entry is a one-layer image
	m=$(blob "$OCI/multi" "$(layout_digest "$OCI/multi")")
	m=$(blob "$OCI/multi" "$(jq -r '.manifests[] | select(.platform.architecture == "arm64") | .digest' "$m")")
	ARM_CONFIG=$(jq -r .config.digest "$m")
	ARM_DIFF=$(jq -r '.rootfs.diff_ids[0]' "$(blob "$OCI/multi" "$ARM_CONFIG")")
	export ARM_CONFIG ARM_ID=${ARM_CONFIG#sha256:} ARM_DIFF
}

setup() {
	STORE="$BATS_TEST_TMPDIR/store"
	export HOME="$BATS_TEST_TMPDIR/home"
	export XDG_RUNTIME_DIR="$BATS_TEST_TMPDIR/xdg"
	export REGISTRY_AUTH_FILE="$BATS_TEST_TMPDIR/auth.json"
	unset DOCKER_CONFIG
	mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
	chmod 0700 "$XDG_RUNTIME_DIR"
	# what teardown stops: one registry.sh DIR a line
	REGISTRIES="$BATS_TEST_TMPDIR/.registries"
	USER_=tote
	PASS_='p@ss:w0rd'
}

teardown() {
	local d
	if [ -f "$REGISTRIES" ]; then
		while read -r d; do
			[ -e "$d" ] && "$REGISTRY_SH" stop "$d"
		done <"$REGISTRIES"
	fi
	return 0
}

tote() { timeout "$TOTE_TIMEOUT" "$TOTE" --root "$STORE" "$@"; }

# start_registry NAME [VAR=VALUE...] — start a registry in
# $BATS_TEST_TMPDIR/NAME with registry.sh, the variables (REGISTRY_AUTH,
# REGISTRY_USER, ...) in its environment only.  Sets REG_DIR, PORT and REG
# (127.0.0.1:PORT).  The DIR is recorded before the start, so teardown stops
# whatever of it came up.
start_registry() {
	REG_DIR="$BATS_TEST_TMPDIR/$1"
	shift
	echo "$REG_DIR" >>"$REGISTRIES"
	PORT=$(env "$@" "$REGISTRY_SH" start "$REG_DIR")
	REG="127.0.0.1:$PORT"
}

# push LAYOUT REPO — a layout's tag latest to REPO:latest of $REG_DIR's
# registry (registry.sh pushes as its own pusher account).
push() { "$REGISTRY_SH" push "$REG_DIR" "$OCI/$1:latest" "$2:latest"; }

# pull_ok IMAGE ID [ARGS...] — tote pull [ARGS...] IMAGE must print ID.
pull_ok() {
	local image=$1 id=$2
	shift 2
	run --separate-stderr tote pull "$@" "$image"
	if [ "$status" -ne 0 ] || [ "$output" != "$id" ]; then
		echo "pull $image: exit $status, stdout '$output' (want '$id'), stderr: $stderr" >&2
		dump_logs
		return 1
	fi
}

# pull_fails IMAGE — tote pull IMAGE must exit 125 and store no image.
pull_fails() {
	run --separate-stderr tote pull "$1"
	if [ "$status" -ne 125 ]; then
		echo "pull $1: expected exit 125, got $status; stdout: $output; stderr: $stderr" >&2
		dump_logs
		return 1
	fi
	[ ! -e "$STORE/images/blobs/sha256/$BB_ID" ]
}

# login_fails ARGS... — tote login ARGS... must exit 125.
login_fails() {
	run --separate-stderr tote login "$@"
	if [ "$status" -ne 125 ]; then
		echo "login $*: expected exit 125, got $status; stdout: $output; stderr: $stderr" >&2
		dump_logs
		return 1
	fi
}

dump_logs() {
	echo "--- tote's requests (registry access log):" >&2
	tote_requests >&2 || true
	if [ -f "$REG_DIR/token.log" ]; then
		echo "--- token server log:" >&2
		cat "$REG_DIR/token.log" >&2
	fi
}

# stderr_matches ERE — $stderr (of the last run) matches ERE.
stderr_matches() {
	if ! grep -Eq -- "$1" <<<"$stderr"; then
		echo "stderr does not match /$1/: $stderr" >&2
		return 1
	fi
}

# tote_requests [PATH] — tote's requests in the registry's access log, in
# order, as "METHOD PATH STATUS" (only those for PATH, when given).
tote_requests() {
	awk -v p="${1:-}" '/"tote\// { m = $6; sub(/^"/, "", m); if (p == "" || $7 == p) print m, $7, $9 }' \
		"$REG_DIR/registry.log"
}

# token_log — the token server's log without the pusher's requests.
token_log() { grep -v ' tote-pusher ' "$REG_DIR/token.log" || true; }

# auth_entry — the "auth" value $REGISTRY_AUTH_FILE holds for $REG ("" if none).
auth_entry() {
	[ -f "$REGISTRY_AUTH_FILE" ] || return 0
	jq -r --arg r "$REG" '.auths[$r].auth // ""' "$REGISTRY_AUTH_FILE"
}

creds_b64() { printf '%s:%s' "$USER_" "$PASS_" | base64 -w0; }

# b64url_json PART — a JWT part decoded (base64url without padding) to JSON.
b64url_json() {
	local s=${1//-/+}
	s=${s//_//}
	while ((${#s} % 4)); do s+="="; done
	base64 -d <<<"$s"
}

@test "registry_auth: the token server's tokens are ES256 JWTs the registry verifies" {
	start_registry token REGISTRY_AUTH=token
	push busybox test/busybox
	local realm tok hdr claims forged
	realm="http://127.0.0.1:$(cat "$REG_DIR/token.port")/token"
	# the registry sends clients to the token server
	run -0 curl -s -o /dev/null -D - "http://$REG/v2/test/busybox/manifests/latest"
	assert_line --partial "Bearer realm=\"$realm\",service=\"tote-test-registry\",scope=\"repository:test/busybox:pull\""

	tok=$(curl -sf "$realm?service=tote-test-registry&scope=repository:test/busybox:pull" | jq -r .token)
	hdr=$(b64url_json "$(cut -d. -f1 <<<"$tok")")
	claims=$(b64url_json "$(cut -d. -f2 <<<"$tok")")
	[ "$(jq -r .alg <<<"$hdr")" = ES256 ]
	[[ "$(jq -r .kid <<<"$hdr")" =~ ^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$ ]]
	run -0 jq -c '[.iss, .aud, .access, (.exp > .iat), (.nbf <= now)]' <<<"$claims"
	assert_output '["tote-test-tokenserver","tote-test-registry",[{"type":"repository","name":"test/busybox","actions":["pull"]}],true,true]'
	run -0 curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" \
		-H "Accept: $OCI_MANIFEST" "http://$REG/v2/test/busybox/manifests/latest"
	assert_output 200

	# the signature is checked: the same claims for another repository,
	# with the original signature, are refused
	forged="$(cut -d. -f1 <<<"$tok").$(jq -c '.access[0].name = "test/other"' <<<"$claims" |
		base64 -w0 | tr '+/' '-_' | tr -d '=').$(cut -d. -f3 <<<"$tok")"
	run -0 curl -s -o /dev/null -D - -H "Authorization: Bearer $forged" \
		-H "Accept: $OCI_MANIFEST" "http://$REG/v2/test/other/manifests/latest"
	assert_line --regexp '^HTTP/[0-9.]+ 401'
	assert_line --regexp '^Www-Authenticate: Bearer .*error="invalid_token"'
	# a pull token does not let anyone push
	run -0 curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $tok" \
		"http://$REG/v2/test/busybox/blobs/uploads/"
	assert_output 401
}

@test "registry_auth: token auth with anonymous pulls: 401, anonymous token, retry" {
	start_registry token REGISTRY_AUTH=token REGISTRY_USER="$USER_" REGISTRY_PASS="$PASS_" \
		REGISTRY_ANON_PULL=1
	push busybox test/busybox
	pull_ok "$REG/test/busybox" "$BB_ID"
	[ ! -e "$REGISTRY_AUTH_FILE" ]
	# the manifest: first without a token (401), then with one (200)
	run -0 tote_requests /v2/test/busybox/manifests/latest
	assert_output "GET /v2/test/busybox/manifests/latest 401
GET /v2/test/busybox/manifests/latest 200"
	# ... which came from the token server, anonymously, for pull only
	run -0 token_log
	assert_output --regexp "^GET /token\?[^ ]*scope=repository%3Atest%2Fbusybox%3Apull[^ ]* -- -- 200 repository:test/busybox:pull$"
	# the config and both layers with the token
	run -0 bash -c "grep -F '\"tote/' '$REG_DIR/registry.log' | grep -F '/blobs/sha256:' | awk '{ print \$9 }' | sort | uniq -c"
	assert_output --regexp '^ *3 200$'

	# logged in, the token is asked for with the credentials
	run -0 tote login -u "$USER_" -p "$PASS_" "$REG"
	STORE="$BATS_TEST_TMPDIR/store2"
	pull_ok "$REG/test/busybox" "$BB_ID"
	run -0 token_log
	assert_line --regexp "scope=repository%3Atest%2Fbusybox%3Apull[^ ]* Basic $USER_ 200 repository:test/busybox:pull$"
}

@test "registry_auth: token auth requiring credentials: pull fails, login (a wrong password stores nothing), pull, logout" {
	start_registry token REGISTRY_AUTH=token REGISTRY_USER="$USER_" REGISTRY_PASS="$PASS_"
	push busybox test/busybox

	pull_fails "$REG/test/busybox"
	stderr_matches "registry $REG wants credentials \(its token service http://127\.0\.0\.1:[0-9]+/token refused an anonymous request\): log in with tote login $REG"
	run -0 token_log
	assert_output --regexp '^GET /token\?[^ ]* -- -- 401 --$'

	login_fails -u "$USER_" -p wrong "$REG"
	stderr_matches 'answered 401'
	[ ! -e "$REGISTRY_AUTH_FILE" ]
	run -0 token_log
	assert_line --regexp "^GET /token\?[^ ]* Basic $USER_ 401 --$"

	run -0 tote login -u "$USER_" -p "$PASS_" "$REG"
	[ "$(auth_entry)" = "$(creds_b64)" ]
	[ "$(stat -c %a "$REGISTRY_AUTH_FILE")" = 600 ]
	# login: /v2/ refused, a token (no scope) with the credentials, /v2/ again
	run -0 tote_requests /v2/
	assert_line --index 0 "GET /v2/ 401"
	assert_line --index "$((${#lines[@]} - 1))" "GET /v2/ 200"
	run -0 token_log
	assert_line --regexp "^GET /token\?service=tote-test-registry Basic $USER_ 200 --$"

	pull_ok "$REG/test/busybox" "$BB_ID"
	run -0 token_log
	assert_line --regexp "scope=repository%3Atest%2Fbusybox%3Apull[^ ]* Basic $USER_ 200 repository:test/busybox:pull$"

	run -0 tote logout "$REG"
	[ -z "$(auth_entry)" ]
	STORE="$BATS_TEST_TMPDIR/store2"
	pull_fails "$REG/test/busybox"
}

@test "registry_auth: basic auth (htpasswd): pull needs credentials, login, pull, logout" {
	start_registry basic REGISTRY_AUTH=basic REGISTRY_USER="$USER_" REGISTRY_PASS="$PASS_"
	push busybox test/busybox

	pull_fails "$REG/test/busybox"
	stderr_matches 'user name and password'

	login_fails -u "$USER_" -p wrong "$REG"
	[ ! -e "$REGISTRY_AUTH_FILE" ]
	grep -q "error authenticating user \\\\\"$USER_\\\\\"" "$REG_DIR/registry.log"

	run -0 tote login -u "$USER_" -p "$PASS_" "$REG"
	[ "$(auth_entry)" = "$(creds_b64)" ]
	[ "$(stat -c %a "$REGISTRY_AUTH_FILE")" = 600 ]
	run -0 tote_requests /v2/
	assert_line --index "$((${#lines[@]} - 1))" "GET /v2/ 200"

	pull_ok "$REG/test/busybox" "$BB_ID"
	run -0 tote_requests /v2/test/busybox/manifests/latest
	assert_line --index "$((${#lines[@]} - 1))" "GET /v2/test/busybox/manifests/latest 200"

	run -0 tote logout "$REG"
	[ -z "$(auth_entry)" ]
	STORE="$BATS_TEST_TMPDIR/store2"
	pull_fails "$REG/test/busybox"
	stderr_matches 'user name and password'
}

@test "registry_auth: basic auth over HTTPS (self-signed): login and pull, verified or not" {
	start_registry basic-tls REGISTRY_AUTH=basic REGISTRY_USER="$USER_" REGISTRY_PASS="$PASS_" \
		REGISTRY_TLS=1
	push busybox test/busybox
	# a loopback registry's certificate is not verified ...
	pull_fails "$REG/test/busybox"
	stderr_matches 'user name and password'
	run -0 tote login -u "$USER_" -p "$PASS_" "$REG"
	pull_ok "$REG/test/busybox" "$BB_ID"
	# ... nor with --tls-verify=false (a plain HTTP request would have got
	# 400 from this HTTPS-only registry)
	STORE="$BATS_TEST_TMPDIR/store2"
	pull_ok "$REG/test/busybox" "$BB_ID" --tls-verify=false
	refute grep -q 'HTTP request to an HTTPS server' "$REG_DIR/registry.log"
}

@test "registry_auth: token auth, a multi-platform index pulled with --platform linux/arm64" {
	start_registry token REGISTRY_AUTH=token
	push multi test/multi
	pull_ok "$REG/test/multi" "$ARM_ID" --platform linux/arm64
	run -0 tote image inspect "$REG/test/multi"
	[ "$(jq -r '.[0].config.architecture // .[0].Architecture // .[0].architecture' <<<"$output")" = arm64 ] || {
		echo "inspect: $output" >&2
		false
	}
	# one layer, /arch says arm64
	[ "$(cat "$STORE/layers/${ARM_DIFF#sha256:}/fs/arch")" = arm64 ]
	# the index, then the arm64 manifest by digest, each with the token
	run -0 tote_requests
	assert_line --regexp '^GET /v2/test/multi/manifests/latest 200$'
	assert_line --regexp '^GET /v2/test/multi/manifests/sha256:[0-9a-f]{64} 200$'
	run -0 token_log
	assert_output --regexp "^GET /token\?[^ ]* -- -- 200 repository:test/multi:pull$"
}
