#!/usr/bin/env bats
# tote pull against a fake registry (tests/image/fakereg.py): bearer and basic
# auth, tote login/logout and the auth files pull reads, blob redirects to a
# "CDN" that must not see the credentials, retries of 503s, resuming a broken
# download with Range, and a corrupt blob.
#
# helpers.bash is not loaded (nothing here runs a container).  The layouts
# are built once per file; each test starts its own fake registries (free
# ports, files under $BATS_TEST_TMPDIR) and teardown stops them by PID.
# Every test has its own store, HOME, XDG_RUNTIME_DIR and REGISTRY_AUTH_FILE,
# so no credentials of the host are read or written.

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
load rootfs

load fakereg_helpers

setup_file() {
	[ -x "$TOTE" ] || {
		echo "build/tote is not built (run: make)" >&2
		return 1
	}
	ensure_rootfs
	export OCI="$BATS_FILE_TMPDIR/oci"
	"$MKOCI" "$OCI"
	# the busybox image: config (its digest is the image id) and layers
	local m
	m="$OCI/busybox/blobs/sha256/$(jq -r '.manifests[0].digest | ltrimstr("sha256:")' "$OCI/busybox/index.json")"
	BB_CONFIG=$(jq -r .config.digest "$m")
	L1=$(jq -r '.layers[0].digest' "$m")
	L2=$(jq -r '.layers[1].digest' "$m")
	L1_SIZE=$(jq -r '.layers[0].size' "$m")
	export BB_CONFIG BB_ID=${BB_CONFIG#sha256:} L1 L2 L1_SIZE
}

setup() {
	STORE="$BATS_TEST_TMPDIR/store"
	export HOME="$BATS_TEST_TMPDIR/home"
	export XDG_RUNTIME_DIR="$BATS_TEST_TMPDIR/xdg"
	export REGISTRY_AUTH_FILE="$BATS_TEST_TMPDIR/auth.json"
	unset DOCKER_CONFIG
	mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
	chmod 0700 "$XDG_RUNTIME_DIR"
	USER_=tote
	PASS_='p@ss:w0rd'
}

teardown() {
	stop_fakeregs
}

tote() { timeout "$TOTE_TIMEOUT" "$TOTE" --root "$STORE" "$@"; }

# pull_ok — pull busybox from $REG into $STORE; it must print the id.
pull_ok() {
	run --separate-stderr tote pull "$REG/test/busybox"
	if [ "$status" -ne 0 ]; then
		echo "pull failed ($status): $stderr" >&2
		echo "registry log:" >&2
		cat "$FR_LOG" >&2
		return 1
	fi
	assert_output "$BB_ID"
}

# pull_fails — pull busybox from $REG must exit 125.
pull_fails() {
	run --separate-stderr tote pull "$REG/test/busybox"
	if [ "$status" -ne 125 ]; then
		echo "pull: expected exit 125, got $status; stdout: $output; stderr: $stderr" >&2
		return 1
	fi
}

# stderr_matches ERE — $stderr (of the last run) matches ERE.
stderr_matches() {
	if ! grep -Eq -- "$1" <<<"$stderr"; then
		echo "stderr does not match /$1/: $stderr" >&2
		return 1
	fi
}

# auth_entry FILE — the "auth" value stored for $REG in FILE ("" if none).
auth_entry() {
	[ -f "$1" ] || return 0
	jq -r --arg r "$REG" '.auths[$r].auth // ""' "$1"
}

creds_b64() { printf '%s:%s' "$USER_" "$PASS_" | base64 -w0; }

blob_in_store() { [ -f "$STORE/images/blobs/sha256/${1#sha256:}" ]; }
blob_not_in_store() { [ ! -e "$STORE/images/blobs/sha256/${1#sha256:}" ]; }

tmp_is_empty() { [ -z "$(ls -A "$STORE/tmp" 2>/dev/null)" ]; }

@test "pull_auth: plain pull from the fake registry" {
	start_fakereg
	pull_ok
	# progress goes to stderr, only the id to stdout
	[ -n "$stderr" ]
	blob_in_store "$BB_CONFIG"
	blob_in_store "$L1"
	blob_in_store "$L2"
	tmp_is_empty
	run -0 tote images -q --no-trunc
	assert_output --partial "$BB_ID"
	# no auth was asked for, none was sent
	run log_lines /
	refute_output --partial ' Bearer '
	refute_output --partial ' Basic '
}

@test "pull_auth: bearer, anonymous token" {
	start_fakereg --auth bearer
	pull_ok
	# first a 401 without credentials, then a token, then only Bearer
	run -0 awk 'NR == 1 { print $4, $5 }' "$FR_LOG"
	assert_output -- "-- 401"
	run -0 log_statuses /token
	assert_output --regexp '^200( 200)*$'
	run -0 awk '$2 ~ /^\/token/ { t = 1; next } t && $2 ~ /^\/v2\// { print $4, $5 }' "$FR_LOG"
	assert_line "Bearer 200"
	refute_line --regexp '^(--|Basic) '
	refute_line --regexp ' [^2][0-9][0-9]$'
}

@test "pull_auth: bearer with a token service that wants credentials, login and logout" {
	start_fakereg --auth bearer --auth-user "$USER_" --auth-pass "$PASS_"
	pull_fails
	stderr_matches 'token service|credentials'
	blob_not_in_store "$BB_CONFIG"

	run -0 tote login -u "$USER_" -p "$PASS_" "$REG"
	[ "$(auth_entry "$REGISTRY_AUTH_FILE")" = "$(creds_b64)" ]
	[ "$(stat -c %a "$REGISTRY_AUTH_FILE")" = 600 ]
	# the token request carried the credentials
	run -0 log_lines /token
	assert_line --regexp ' Basic 200$'

	pull_ok
	run -0 awk '$2 ~ /^\/v2\/test\// && $5 == 200 { print $4 }' "$FR_LOG"
	assert_line Bearer
	refute_line --regexp '^(--|Basic)$'

	run -0 tote logout "$REG"
	[ -z "$(auth_entry "$REGISTRY_AUTH_FILE")" ]
	STORE="$BATS_TEST_TMPDIR/store2"
	pull_fails
	stderr_matches 'token service|credentials'
}

@test "pull_auth: basic auth, login (a wrong password stores nothing), logout, logout --all" {
	start_fakereg --auth basic --auth-user "$USER_" --auth-pass "$PASS_"
	pull_fails

	run --separate-stderr tote login -u "$USER_" -p wrong "$REG"
	[ "$status" -eq 125 ] || {
		echo "login with a wrong password: exit $status, $stderr" >&2
		false
	}
	[ ! -e "$REGISTRY_AUTH_FILE" ]

	run -0 tote login -u "$USER_" -p "$PASS_" "$REG"
	[ "$(auth_entry "$REGISTRY_AUTH_FILE")" = "$(creds_b64)" ]
	[ "$(stat -c %a "$REGISTRY_AUTH_FILE")" = 600 ]
	# login checked the credentials against the registry
	run -0 log_lines /v2/
	assert_line --regexp ' Basic 200$'

	pull_ok
	run -0 awk '$2 ~ /^\/v2\/test\// && $5 == 200 { print $4 }' "$FR_LOG"
	assert_line Basic
	refute_line --regexp '^(--|Bearer)$'

	run -0 tote logout "$REG"
	[ -z "$(auth_entry "$REGISTRY_AUTH_FILE")" ]
	STORE="$BATS_TEST_TMPDIR/store2"
	pull_fails

	run -0 tote login -u "$USER_" -p "$PASS_" "$REG"
	run -0 tote logout --all
	[ -z "$(auth_entry "$REGISTRY_AUTH_FILE")" ]
	pull_fails
}

@test "pull_auth: login --password-stdin" {
	start_fakereg --auth basic --auth-user "$USER_" --auth-pass "$PASS_"
	run -0 tote login -u "$USER_" --password-stdin "$REG" <<<"$PASS_"
	[ "$(auth_entry "$REGISTRY_AUTH_FILE")" = "$(creds_b64)" ]
	pull_ok
}

@test "pull_auth: credentials from ~/.docker/config.json" {
	unset REGISTRY_AUTH_FILE
	start_fakereg --auth basic --auth-user "$USER_" --auth-pass "$PASS_"
	pull_fails
	mkdir -p "$HOME/.docker"
	jq -n --arg r "$REG" --arg a "$(creds_b64)" '{auths: {($r): {auth: $a}}}' >"$HOME/.docker/config.json"
	pull_ok
	[ -z "$(ls -A "$XDG_RUNTIME_DIR")" ]
}

@test "pull_auth: login without REGISTRY_AUTH_FILE uses \$XDG_RUNTIME_DIR/containers/auth.json" {
	unset REGISTRY_AUTH_FILE
	start_fakereg --auth basic --auth-user "$USER_" --auth-pass "$PASS_"
	run -0 tote login -u "$USER_" -p "$PASS_" "$REG"
	[ "$(auth_entry "$XDG_RUNTIME_DIR/containers/auth.json")" = "$(creds_b64)" ]
	[ "$(stat -c %a "$XDG_RUNTIME_DIR/containers/auth.json")" = 600 ]
	[ ! -e "$HOME/.docker/config.json" ]
	pull_ok
}

@test "pull_auth: blobs redirected to a CDN get no Authorization header" {
	# The CDN is a second listener of the fake registry (another port, so
	# another origin, as a real CDN is); it answers 400 to any request that
	# carries Authorization.
	start_fakereg --redirect-blobs --auth bearer
	pull_ok
	run -0 awk '$2 ~ /\/blobs\// { print $4, $5 }' "$FR_LOG"
	assert_line "Bearer 307"
	refute_line --regexp ' 200$'
	run -0 awk '$2 ~ /^\/cdn\// { print $4, $5 }' "$FR_LOG"
	assert_line -- "-- 200"
	refute_line --regexp '^(Bearer|Basic) '
	[ "$(log_lines /cdn/ | wc -l)" -ge 3 ]

	# the same with basic credentials from tote login
	start_fakereg --redirect-blobs --auth basic --auth-user "$USER_" --auth-pass "$PASS_"
	STORE="$BATS_TEST_TMPDIR/store2"
	run -0 tote login -u "$USER_" -p "$PASS_" "$REG"
	pull_ok
	run -0 awk '$2 ~ /\/blobs\// { print $4, $5 }' "$FR_LOG"
	assert_line "Basic 307"
	run -0 awk '$2 ~ /^\/cdn\// { print $4, $5 }' "$FR_LOG"
	assert_line -- "-- 200"
	refute_line --regexp '^(Bearer|Basic) '
}

@test "pull_auth: 503s are retried, and too many fail naming HTTP 503" {
	start_fakereg --fail-first 2
	pull_ok
	local p
	for p in /v2/test/busybox/manifests/latest "/v2/test/busybox/blobs/$BB_CONFIG" \
		"/v2/test/busybox/blobs/$L1" "/v2/test/busybox/blobs/$L2"; do
		run -0 log_statuses "$p"
		assert_output "503 503 200"
	done

	start_fakereg --fail-first 10
	STORE="$BATS_TEST_TMPDIR/store2"
	pull_fails
	stderr_matches 'HTTP 503'
	# retried, but gave up long before the registry would have answered
	run -0 log_statuses /v2/test/busybox/manifests/latest
	assert_output --regexp '^503 503( 503)*$'
	tmp_is_empty
}

@test "pull_auth: a broken blob download resumes with Range" {
	start_fakereg --drop-blob "$L1"
	pull_ok
	blob_in_store "$L1"
	tmp_is_empty
	run -0 log_lines "/v2/test/busybox/blobs/$L1"
	[ "${#lines[@]}" -eq 2 ]
	# the first GET, cut off at half the blob ...
	read -r _ _ r1 _ s1 <<<"${lines[0]}"
	[ "$r1" = -- ]
	[ "$s1" = 200 ]
	# ... then one for the rest: bytes=N- answered 206
	read -r _ _ r2 _ s2 <<<"${lines[1]}"
	[[ "$r2" =~ ^bytes=([0-9]+)-$ ]] || {
		echo "second GET of $L1 without a Range header: ${lines[1]}" >&2
		false
	}
	local n=${BASH_REMATCH[1]}
	[ "$n" -gt 0 ]
	[ "$n" -le $((L1_SIZE / 2)) ]
	[ "$s2" = 206 ]

	# a registry that ignores Range: the second answer is the whole blob
	start_fakereg --drop-blob "$L1" --no-range
	STORE="$BATS_TEST_TMPDIR/store2"
	pull_ok
	blob_in_store "$L1"
	[ "sha256:$(sha256sum <"$STORE/images/blobs/sha256/${L1#sha256:}" | cut -d' ' -f1)" = "$L1" ]
	tmp_is_empty
	run -0 log_statuses "/v2/test/busybox/blobs/$L1"
	assert_output "200 200"

	# broken off on the CDN a blob was redirected to: the rest is asked for
	# from the registry again, and comes from the CDN
	start_fakereg --drop-blob "$L1" --redirect-blobs --auth bearer
	STORE="$BATS_TEST_TMPDIR/store3"
	pull_ok
	tmp_is_empty
	run -0 awk '{ print $3, $4, $5 }' <(log_lines "/cdn/$L1")
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 -- "-- -- 200"
	assert_line --index 1 --regexp '^bytes=[1-9][0-9]*- -- 206$'
}

@test "pull_auth: a corrupt blob fails verification and is not kept" {
	start_fakereg --corrupt-blob "$L1"
	pull_fails
	stderr_matches "${L1}.*failed verification|failed verification.*${L1}"
	blob_not_in_store "$L1"
	tmp_is_empty
	run -0 tote images -q
	assert_output ''
}
