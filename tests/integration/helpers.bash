#!/bin/bash
# Shared setup for the integration tests.
#
# Every test gets its own state root ($ROOT_DIR), bundle ($BUNDLE, a copy of
# the built rootfs plus config.json from config.json.template) and a unique
# container id ($ID).  All runtime calls go through `rt`, which passes
# --root "$ROOT_DIR", so a test never sees another runtime's containers.
# teardown removes every container the test created, every process it
# started (by PID only), every netns it added, and its temp dirs.
#
# Environment:
#   RUNTIME   runtime binary; default "$REPO/build/tote-oci"; "runc" means
#             the runc on PATH.
#   RT_TIMEOUT  seconds after which a single runtime call is killed (a hang
#             guard, never an assertion); default 60.

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
bats_require_minimum_version 1.5.0

case "${RUNTIME:-}" in
"") RUNTIME="$REPO/build/tote-oci" ;;
runc) RUNTIME=$(command -v runc || echo runc) ;;
esac
export RUNTIME
RT_TIMEOUT=${RT_TIMEOUT:-60}

load "$REPO/tests/integration/rootfs"
TEMPLATE="$BATS_TEST_DIRNAME/config.json.template"

# True when the runtime under test is runc (used only to skip where runc is
# known to differ, always with a reason).
is_runc() { [ "$(basename "$RUNTIME")" = runc ]; }
skip_if_runc() { if is_runc; then skip "runc: $*"; fi; }
skip_unless_tote() { if is_runc; then skip "tote-specific: $*"; fi; }

# ---------------------------------------------------------------------------
# file-level setup: build the rootfs and the C helpers once per run
# ---------------------------------------------------------------------------

common_setup_file() {
	ensure_rootfs || return 1
	export HELPERS_BIN="$BATS_RUN_TMPDIR/helpers-bin"
	(
		flock 9
		if [ ! -x "$HELPERS_BIN/recvtty" ] || [ ! -x "$HELPERS_BIN/seccomp_agent" ]; then
			"$REPO/tests/helpers/build.sh" "$HELPERS_BIN" >&2 || exit 1
		fi
	) 9>"$BATS_RUN_TMPDIR/.helpers.lock" || return 1
	if ! command -v "$RUNTIME" >/dev/null 2>&1; then
		echo "runtime not found: $RUNTIME" >&2
		return 1
	fi
}

setup_file() {
	common_setup_file
}

# ---------------------------------------------------------------------------
# per-test setup and teardown
# ---------------------------------------------------------------------------

common_setup() {
	TEST_DIR="$BATS_TEST_TMPDIR"
	ROOT_DIR="$TEST_DIR/root"
	BUNDLE="$TEST_DIR/bundle"
	OUT_DIR="$TEST_DIR/out"
	mkdir -p -m 0700 "$ROOT_DIR" "$OUT_DIR"
	: >"$TEST_DIR/.pids" >"$TEST_DIR/.ids" >"$TEST_DIR/.netns"
	printf -v ID 'tt%08x' "$SRANDOM"
	HELPERS_BIN=${HELPERS_BIN:-$BATS_RUN_TMPDIR/helpers-bin}
	make_bundle "$BUNDLE"
}

setup() {
	common_setup
}

teardown() {
	common_teardown
}

# Start time of a process (field 22 of /proc/PID/stat), empty if gone.
proc_starttime() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	stat=${stat##*) }
	# after "comm) " the fields start at field 3 (state): starttime is 22
	set -- $stat
	echo "${20}"
}

# Remember a PID the test started (or a container process), so teardown can
# kill it if it is still around.  The start time guards against PID reuse.
track_pid() {
	local st
	st=$(proc_starttime "$1")
	[ -n "$st" ] && echo "$1 $st" >>"$TEST_DIR/.pids"
	return 0
}

track_id() { echo "$1" >>"$TEST_DIR/.ids"; }

kill_tracked_pids() {
	local pid st
	[ -f "$TEST_DIR/.pids" ] || return 0
	while read -r pid st; do
		[ -n "$pid" ] || continue
		if [ "$(proc_starttime "$pid")" = "$st" ]; then
			kill -KILL "$pid" 2>/dev/null || true
		fi
	done <"$TEST_DIR/.pids"
}

# All container ids this test may have created.
known_ids() {
	{
		cat "$TEST_DIR/.ids" 2>/dev/null
		timeout 20 "$RUNTIME" --root "$ROOT_DIR" list -q 2>/dev/null
		find "$ROOT_DIR" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' 2>/dev/null
	} | grep -E '^[A-Za-z0-9][A-Za-z0-9_.+-]*$' | sort -u
}

remove_container() {
	local id=$1 pid
	pid=$(timeout 20 "$RUNTIME" --root "$ROOT_DIR" state "$id" 2>/dev/null | jq -r '.pid // 0' 2>/dev/null)
	if [ -n "$pid" ] && [ "$pid" != 0 ] && [ "$pid" != null ]; then
		track_pid "$pid"
	fi
	timeout 20 "$RUNTIME" --root "$ROOT_DIR" delete --force "$id" >/dev/null 2>&1 || true
}

# Cgroup directories named after one of our ids (random per test, so they
# were made for this test's containers), at any depth up to 4 below
# /sys/fs/cgroup (v1 controllers, the unified hierarchy, a runtime's parent).
our_cgroup_dirs() {
	local id expr=()
	for id in "$@"; do
		expr+=(${expr[0]+-o} -name "$id")
	done
	[ ${#expr[@]} -gt 0 ] || return 0
	find /sys/fs/cgroup -maxdepth 5 -type d \( "${expr[@]}" \) 2>/dev/null
}

# A runtime that lost track of a container (no state left) may leave its
# processes and cgroups behind: kill what is in our cgroups, then remove them.
remove_leftover_cgroups() {
	local dirs d p i
	dirs=$(our_cgroup_dirs "$@" | sort -r)
	[ -n "$dirs" ] || return 0
	for d in $dirs; do
		for p in $(cat "$d/cgroup.procs" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
	done
	for i in 1 2 3 4 5 6 7 8 9 10; do
		for d in $dirs; do
			[ -d "$d" ] && rmdir "$d" 2>/dev/null
		done
		our_cgroup_dirs "$@" | grep -q . || return 0
		sleep 0.1
	done
	return 0
}

common_teardown() {
	local id ids=() ns line fields mnts=() i
	[ -n "${TEST_DIR:-}" ] || return 0
	# an empty state root means the runtime holds no container for us
	if dir_has_entries "$ROOT_DIR"; then
		for id in $(known_ids); do
			remove_container "$id"
		done
	fi
	kill_tracked_pids
	# ids this test used (for leftover cgroups), if it created any container
	if [ -s "$TEST_DIR/.ids" ]; then
		while read -r id; do
			[[ "$id" =~ ^[A-Za-z0-9][A-Za-z0-9_.+-]*$ ]] && ids+=("$id")
		done <"$TEST_DIR/.ids"
		remove_leftover_cgroups "${ids[@]}"
	fi
	if [ -s "$TEST_DIR/.netns" ]; then
		while read -r ns; do
			[ -n "$ns" ] && ip netns delete "$ns" 2>/dev/null
		done <"$TEST_DIR/.netns"
	fi
	# Unmount anything left under our temp dir (mounts a test made on the
	# host, or a broken runtime's), deepest first.
	while read -r line; do
		read -r -a fields <<<"$line"
		[[ "${fields[4]}" == "$TEST_DIR"/* ]] && mnts+=("${fields[4]}")
	done </proc/self/mountinfo
	for ((i = ${#mnts[@]} - 1; i >= 0; i--)); do
		umount -l "${mnts[$i]}" 2>/dev/null
	done
	rm -rf "$TEST_DIR/bundle" "$TEST_DIR/root" 2>/dev/null
	return 0
}

# dir_has_entries DIR — true if DIR exists and is not empty (no fork).
dir_has_entries() {
	local e
	for e in "$1"/* "$1"/.[!.]* "$1"/..?*; do
		[ -e "$e" ] || [ -L "$e" ] && return 0
	done
	return 1
}

# ---------------------------------------------------------------------------
# runtime wrappers
# ---------------------------------------------------------------------------

# rt ARGS... — the runtime under test with this test's --root.
rt() {
	timeout --kill-after=5 "$RT_TIMEOUT" "$RUNTIME" --root "$ROOT_DIR" "$@"
}

# The id argument of create/run: the last non-option argument.
_last_arg() { local a; for a; do :; done; echo "$a"; }

# create_container [OPTIONS...] ID — `rt create --bundle $BUNDLE`, with
# stdio redirected to files so the container never holds bats' pipes:
# the container's (and runtime's) stdout/stderr end up in
# $OUT_DIR/ID.out and $OUT_DIR/ID.err.  Sets $status and $output (the
# runtime's stderr) like bats' run.
create_container() {
	local id
	id=$(_last_arg "$@")
	track_id "$id"
	status=0
	rt create --bundle "$BUNDLE" "$@" </dev/null >"$OUT_DIR/$id.out" 2>"$OUT_DIR/$id.err" || status=$?
	output=$(cat "$OUT_DIR/$id.err")
	return 0
}

# run_detached [OPTIONS...] ID — `rt run --detach`, stdio as create_container.
run_detached() {
	local id
	id=$(_last_arg "$@")
	track_id "$id"
	status=0
	rt run --detach --bundle "$BUNDLE" "$@" </dev/null >"$OUT_DIR/$id.out" 2>"$OUT_DIR/$id.err" || status=$?
	output=$(cat "$OUT_DIR/$id.err")
	return 0
}

# run_foreground [OPTIONS...] ID — `rt run` in the foreground; use with
# bats' run.  stdin is /dev/null.
run_foreground() {
	local id
	id=$(_last_arg "$@")
	track_id "$id"
	rt run --bundle "$BUNDLE" "$@" </dev/null
}

container_stdout() { cat "$OUT_DIR/$1.out"; }
container_stderr() { cat "$OUT_DIR/$1.err"; }

# Wait until the container's stdout file has at least one complete line.
wait_stdout_line() {
	local f="$OUT_DIR/$1.out" i last
	for ((i = 0; i < 200; i++)); do
		if [ -s "$f" ]; then
			IFS= read -r -d '' last <"$f" || true
			[[ "$last" == *$'\n' ]] && return 0
		fi
		nap
	done
	return 1
}

container_status() {
	rt state "$1" 2>/dev/null | jq -r .status
}

container_pid() {
	rt state "$1" | jq -r .pid
}

# wait_status ID STATUS — poll (bounded) until the container has STATUS.
wait_status() {
	local id=$1 want=$2 i st pid
	if [ "$want" = stopped ]; then
		# cheap first: wait for the container process to be gone
		pid=$(rt state "$id" 2>/dev/null | jq -r '.pid // 0')
		[ -n "$pid" ] && [ "$pid" != 0 ] && wait_pid_gone "$pid"
	fi
	for ((i = 0; i < 100; i++)); do
		st=$(container_status "$id")
		[ "$st" = "$want" ] && return 0
		nap 0.1
	done
	echo "container $id: status '$st', wanted '$want'" >&2
	return 1
}

# wait_for_file PATH — poll (bounded) until PATH exists.
wait_for_file() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ -e "$1" ] && return 0
		nap
	done
	echo "timed out waiting for $1" >&2
	return 1
}

# nap [SECONDS] — sleep (default 0.05 s) without forking: read with a
# timeout from a pipe nobody writes to.
nap() {
	if [ -z "${NAP_FD:-}" ]; then
		exec {NAP_FD}<> <(:)
	fi
	read -r -t "${1:-0.05}" -u "$NAP_FD" || true
}

# wait_pid_gone PID — poll (bounded) until the process is gone (or a zombie).
wait_pid_gone() {
	local i stat
	for ((i = 0; i < 200; i++)); do
		{ read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 0
		stat=${stat##*) }
		[ "${stat:0:1}" = Z ] && return 0
		nap
	done
	return 1
}

# ---------------------------------------------------------------------------
# bundles and config
# ---------------------------------------------------------------------------

# make_bundle DIR — a fresh bundle: DIR/rootfs copied from the built rootfs,
# DIR/config.json from the template.
make_bundle() {
	local dir=$1
	[ -e "$dir" ] && rm -rf "$dir"
	mkdir -p "$dir"
	cp -a "$ROOTFS_SRC" "$dir/rootfs"
	[ -n "${TEMPLATE_TEXT:-}" ] || TEMPLATE_TEXT=$(<"$TEMPLATE")
	printf '%s\n' "$TEMPLATE_TEXT" >"$dir/config.json"
}

# update_config JQ_FILTER [BUNDLE] — rewrite config.json through jq.
# Extra jq arguments can be passed after `--`:
#   update_config '.process.args = $a' -- --argjson a '["true"]'
update_config() {
	local filter=$1 bundle=$BUNDLE
	shift
	if [ $# -gt 0 ] && [ "$1" != -- ]; then
		bundle=$1
		shift
	fi
	[ "${1:-}" = -- ] && shift
	jq "$@" "$filter" "$bundle/config.json" >"$bundle/config.json.new" &&
		mv "$bundle/config.json.new" "$bundle/config.json"
}

# json_string S — S as a JSON string literal (pure bash: no process per call).
json_string() {
	local s=$1 i c h r
	s=${s//\\/\\\\}
	s=${s//\"/\\\"}
	s=${s//$'\n'/\\n}
	s=${s//$'\t'/\\t}
	s=${s//$'\r'/\\r}
	for ((i = 1; i < 32; i++)); do
		printf -v h '%02x' "$i"
		printf -v c "\\x$h"
		[[ "$s" == *"$c"* ]] || continue
		printf -v r '\\u%04x' "$i"
		s=${s//"$c"/$r}
	done
	printf '"%s"' "$s"
}

# json_array ARG... — the arguments as a JSON array of strings.
json_array() {
	local a out="" sep=""
	for a in "$@"; do
		out+="$sep$(json_string "$a")"
		sep=,
	done
	printf '[%s]\n' "$out"
}

# set_args ARG... — process.args = the given arguments.
set_args() {
	local json
	json=$(json_array "$@")
	update_config '.process.args = $a' -- --argjson a "$json"
}

# run_probe [ID] — run the container ID (default $ID) in the foreground
# (the caller has set process.args, usually `set_args probe`) and leave its
# stdout, the probe's JSON, in $PROBE.  Fails if the run fails or the output
# is not JSON.
run_probe() {
	local id=${1:-$ID}
	run --separate-stderr run_foreground "$id"
	if [ "$status" -ne 0 ]; then
		echo "run failed ($status): $output $stderr" >&2
		return 1
	fi
	PROBE=$output
	if ! jq -e . >/dev/null 2>&1 <<<"$PROBE"; then
		echo "probe output is not JSON: $PROBE" >&2
		return 1
	fi
}

# pj JQ_FILTER — query the last probe output.
pj() { jq -r "$@" <<<"$PROBE"; }

# refute_listed WORD TEXT — fail if TEXT has a line that is exactly WORD.
# (bats: a bare `! cmd` does not fail a test, so use this instead.)
refute_listed() {
	if grep -qxF -- "$1" <<<"$2"; then
		fail "'$1' should not be listed in: $2"
	fi
}

# assert_listed WORD TEXT — fail unless TEXT has a line that is exactly WORD.
assert_listed() {
	grep -qxF -- "$1" <<<"$2" || fail "'$1' should be listed in: $2"
}

# validate_json SCHEMA FILE — check FILE against SCHEMA (a file name in the
# OCI runtime-spec's schema/ directory, e.g. config-schema.json).  Skips the
# test when the schema or python3-jsonschema is not available.  The schema
# directory is $SPEC_SCHEMA_DIR, else shared/specs/runtime-spec/schema
# beside the repository.
validate_json() {
	local dir=${SPEC_SCHEMA_DIR:-} d
	if [ -z "$dir" ]; then
		for d in "$REPO/../shared/specs/runtime-spec/schema" /work/shared/specs/runtime-spec/schema; do
			[ -f "$d/$1" ] && dir=$d && break
		done
	fi
	[ -n "$dir" ] && [ -f "$dir/$1" ] || skip "no OCI schema $1 (set SPEC_SCHEMA_DIR)"
	# Debian's python3-jsonschema is for Debian's python3, which may not be
	# the first python3 on PATH
	local py
	for py in /usr/bin/python3 python3 ""; do
		[ -n "$py" ] || skip "python3-jsonschema is not installed"
		"$py" -c 'import jsonschema' 2>/dev/null && break
	done
	"$py" - "$dir" "$1" "$2" <<-'PY'
	import json, pathlib, sys, warnings
	import jsonschema
	warnings.simplefilter("ignore")
	base = pathlib.Path(sys.argv[1]).resolve()
	schema = json.load(open(base / sys.argv[2]))
	resolver = jsonschema.RefResolver(base_uri=base.as_uri() + "/", referrer=schema)
	jsonschema.Draft4Validator(schema, resolver=resolver).validate(json.load(open(sys.argv[3])))
	PY
}

# Add a netns with `ip netns add` that teardown removes.
add_netns() {
	ip netns add "$1" || return 1
	echo "$1" >>"$TEST_DIR/.netns"
}

# Start a command in the background, tracked for teardown; sets $BG_PID.
# Its stdin is the caller's (bash would give a plain `&` /dev/null).
background() {
	"$@" <&0 &
	BG_PID=$!
	track_pid "$BG_PID"
}

# moby_seccomp_to_oci FILE [CAPS] — print, as an OCI linux.seccomp object
# for an x86_64 host, the seccomp profile FILE written in the moby format
# (docker's default profile, containers-common's
# /usr/share/containers/seccomp.json): the same selection docker and podman
# make when they turn such a profile into config.json.
#   - architectures: SCMP_ARCH_X86_64 and its subArchitectures from archMap
#     (or the profile's own "architectures" if it has no archMap entry);
#   - CAPS is a JSON array of capability names, the container's capability
#     set (default: process.capabilities.bounding of $BUNDLE/config.json);
#   - a syscalls[] entry is kept only if CAPS has every cap of its
#     includes.caps and none of its excludes.caps, and its includes.arches
#     (if any) lists amd64 and its excludes.arches does not;
#   - includes.minKernel (which containers-common's profile does not use) is
#     not checked;
#   - each kept entry keeps only names, action, errnoRet and args; the
#     profile keeps defaultAction, defaultErrnoRet and flags.  (The "errno"
#     and "defaultErrno" names are informational: errnoRet is the value.)
moby_seccomp_to_oci() {
	local caps=${2:-}
	[ -n "$caps" ] || caps=$(jq -c '.process.capabilities.bounding // []' "$BUNDLE/config.json") || return 1
	jq --argjson caps "$caps" '
		def has_cap($c): $caps | index($c) != null;
		def arches: [.archMap[]? | select(.architecture == "SCMP_ARCH_X86_64")
			| [.architecture] + (.subArchitectures // [])] | add // null;
		{defaultAction}
		+ (if .defaultErrnoRet != null then {defaultErrnoRet} else {} end)
		+ {architectures: (arches // .architectures // [])}
		+ (if (.flags // []) != [] then {flags} else {} end)
		+ {syscalls: [.syscalls[]
			| select(all(.includes.caps[]?; has_cap(.)))
			| select(any(.excludes.caps[]?; has_cap(.)) | not)
			| select((.includes.arches // []) | length == 0 or index("amd64") != null)
			| select((.excludes.arches // []) | index("amd64") == null)
			| {names, action}
			+ (if .errnoRet != null then {errnoRet} else {} end)
			+ (if (.args // []) != [] then {args} else {} end)]}
	' "$1"
}

# --- cgroups of a container (v1 hierarchies: this host's layout) -----------

# cg_dir CONTROLLER PID — the host directory of PID's cgroup in the v1
# hierarchy holding CONTROLLER (fails when there is none).
cg_dir() {
	local ctrls rel dir
	IFS=: read -r ctrls rel < <(awk -F: -v c="$1" '
		{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $2 ":" $3 }' \
		"/proc/$2/cgroup")
	[ -n "$ctrls" ] || return 1
	dir=/sys/fs/cgroup/$ctrls$rel
	[ -d "$dir" ] || return 1
	echo "$dir"
}

# need_v1 CONTROLLER... — skip unless each is a mounted v1 hierarchy.
need_v1() {
	local c
	for c; do
		[ -d "/sys/fs/cgroup/$c" ] && [ "$(stat -f -c %T "/sys/fs/cgroup/$c")" = cgroupfs ] ||
			skip "no cgroup v1 $c hierarchy"
	done
}

# has_controller NAME — true when a mounted hierarchy holds the controller:
# a v1 one, or the cgroup2 mount's cgroup.controllers.
has_controller() {
	awk -v c="$1" '$1 == c && $2 != 0 { f = 1 } END { exit !f }' /proc/cgroups && return 0
	local m
	for m in $(awk '$3 == "cgroup2" { print $2 }' /proc/mounts); do
		grep -qw "$1" "$m/cgroup.controllers" 2>/dev/null && return 0
	done
	return 1
}

# read_cg CONTROLLER FILE — FILE in the cgroup of CONTROLLER of the container whose
# init is $PID.
read_cg() {
	local dir
	dir=$(cg_dir "$1" "$PID") || fail "no $1 cgroup for pid $PID"
	cat "$dir/$2"
}
