#!/usr/bin/env bats
# hooks: each kind runs once, at its point of the lifecycle, in the right
# namespace, with the state on stdin.

load helpers

setup() {
	common_setup
	HOOK_DIR="$TEST_DIR/hooks"
	mkdir -p "$HOOK_DIR"
	# the container sees the same directory at /hookout
	update_config '.mounts += [{destination: "/hookout", type: "bind", source: $s, options: ["rbind", "rw"]}]' -- \
		--arg s "$HOOK_DIR"
}

# recorder DIR KIND — a hook script that records one run of KIND in DIR:
# the state JSON (stdin) in KIND.json, one line in KIND.count, the kind in
# the shared "order" file, and its mount namespace in KIND.mntns.
recorder() {
	printf 'cat >%s/%s.json; echo x >>%s/%s.count; echo %s >>%s/order; readlink /proc/self/ns/mnt >%s/%s.mntns' \
		"$1" "$2" "$1" "$2" "$2" "$1" "$1" "$2"
}

# add_hook KIND PATH ARG... [-- TIMEOUT]
add_hook() {
	local kind=$1 path=$2
	shift 2
	update_config '.hooks[$k] += [{path: $p, args: $a}]' -- \
		--arg k "$kind" --arg p "$path" --argjson a "$(json_array "$@")"
}

add_recorder() {
	local dir=$HOOK_DIR
	[ "$1" = startContainer ] && dir=/hookout
	add_hook "$1" /bin/sh sh -c "$(recorder "$dir" "$1")"
}

count() { [ -f "$HOOK_DIR/$1.count" ] && wc -l <"$HOOK_DIR/$1.count" || echo 0; }
order() { tr '\n' ' ' <"$HOOK_DIR/order" 2>/dev/null; }

# No process may be left whose root is this test's rootfs.
assert_no_container_process() {
	local root p
	root=$(realpath "$BUNDLE/rootfs")
	for p in /proc/[0-9]*; do
		# -ef: same device and inode (builtin, no process per pid)
		if [ "$p/root" -ef "$root" ]; then
			fail "process ${p#/proc/} is still running in the rootfs"
		fi
	done
}

all_recorders() {
	local k
	for k in prestart createRuntime createContainer startContainer poststart poststop; do
		add_recorder "$k"
	done
}

@test "create runs prestart, createRuntime, createContainer in that order" {
	all_recorders
	set_args sh -c 'echo process >>/hookout/order'
	create_container "$ID"
	assert_success
	[ "$(sed -n 1,3p "$HOOK_DIR/order" | tr '\n' ' ')" = "prestart createRuntime createContainer " ]
	[ "$(count startContainer)" = 0 ]
	[ "$(count poststop)" = 0 ]
	! grep -qx process "$HOOK_DIR/order" || fail "the process ran at create"
}

@test "create runs no poststart hook" {
	skip_if_runc "runc 1.1 runs poststart hooks at the end of create, before start"
	all_recorders
	set_args true
	create_container "$ID"
	assert_success
	[ "$(order)" = "prestart createRuntime createContainer " ]
}

@test "start runs startContainer before the process, poststart before it returns" {
	all_recorders
	set_args sh -c 'echo process >>/hookout/order; while [ ! -e /tmp/go ]; do sleep 0.05; done'
	create_container "$ID"
	assert_success
	run rt start "$ID"
	assert_success
	# poststart has run when start returns
	[ "$(count poststart)" = 1 ]
	[ "$(count startContainer)" = 1 ]
	for i in $(seq 100); do grep -qx process "$HOOK_DIR/order" && break; nap; done
	# startContainer came before the process
	[ "$(grep -x -e startContainer -e process "$HOOK_DIR/order" | tr '\n' ' ')" = "startContainer process " ]
	[ "$(count poststop)" = 0 ]
}

@test "poststop runs at delete, after the container stopped; every hook ran once" {
	all_recorders
	set_args sh -c 'while [ ! -e /tmp/go ]; do sleep 0.05; done'
	create_container "$ID"
	assert_success
	rt start "$ID"
	touch "$BUNDLE/rootfs/tmp/go"
	wait_status "$ID" stopped
	[ "$(count poststop)" = 0 ]
	run rt delete "$ID"
	assert_success
	[ "$(count poststop)" = 1 ]
	[ "$(tail -n1 "$HOOK_DIR/order")" = poststop ]
	for k in prestart createRuntime createContainer startContainer poststart poststop; do
		[ "$(count "$k")" = 1 ] || fail "$k ran $(count "$k") times"
	done
}

@test "hooks get the container state on stdin" {
	all_recorders
	set_args sh -c 'while [ ! -e /tmp/go ]; do sleep 0.05; done'
	create_container "$ID"
	assert_success
	pid=$(container_pid "$ID")
	rt start "$ID"
	touch "$BUNDLE/rootfs/tmp/go"
	wait_status "$ID" stopped
	rt delete "$ID"

	for k in prestart createRuntime createContainer startContainer poststart poststop; do
		s="$HOOK_DIR/$k.json"
		jq -e . "$s" >/dev/null || fail "$k: stdin was not JSON: $(cat "$s")"
		[ "$(jq -r .id "$s")" = "$ID" ] || fail "$k: id"
		[ "$(jq -r .bundle "$s")" = "$(realpath "$BUNDLE")" ] || fail "$k: bundle"
		jq -e '.ociVersion | type == "string"' "$s" >/dev/null || fail "$k: ociVersion"
		jq -e '.status | IN("creating", "created", "running", "stopped")' "$s" >/dev/null || fail "$k: status"
	done
	# the pid is the container process as seen by the host
	for k in prestart createRuntime poststart; do
		[ "$(jq -r .pid "$HOOK_DIR/$k.json")" = "$pid" ] || fail "$k: pid"
	done
	[ "$(jq -r .status "$HOOK_DIR/poststop.json")" = stopped ]
}

@test "hooks in the container namespace get the host pid; poststart sees running" {
	skip_if_runc "runc 1.1 passes pid 1 to createContainer/startContainer and runs poststart at create (status created)"
	all_recorders
	set_args sleep 1000
	create_container "$ID"
	assert_success
	pid=$(container_pid "$ID")
	rt start "$ID"
	for k in createContainer startContainer; do
		[ "$(jq -r .pid "$HOOK_DIR/$k.json")" = "$pid" ] || fail "$k: pid"
	done
	[ "$(jq -r .status "$HOOK_DIR/poststart.json")" = running ]
}

@test "hooks run in the right mount namespace" {
	all_recorders
	set_args sleep 1000
	create_container "$ID"
	assert_success
	pid=$(container_pid "$ID")
	rt start "$ID"
	cmnt=$(readlink "/proc/$pid/ns/mnt")
	hmnt=$(readlink /proc/self/ns/mnt)
	[ "$(cat "$HOOK_DIR/prestart.mntns")" = "$hmnt" ]
	[ "$(cat "$HOOK_DIR/createRuntime.mntns")" = "$hmnt" ]
	[ "$(cat "$HOOK_DIR/createContainer.mntns")" = "$cmnt" ]
	[ "$(cat "$HOOK_DIR/startContainer.mntns")" = "$cmnt" ]
	[ "$(cat "$HOOK_DIR/poststart.mntns")" = "$hmnt" ]
}

@test "startContainer path resolves in the container" {
	# /hookmark exists only in the rootfs, not on the host
	cp "$BUNDLE/rootfs/bin/busybox" "$BUNDLE/rootfs/hookmark"
	add_hook startContainer /hookmark sh -c 'echo in-container >/hookout/start'
	set_args true
	run run_foreground "$ID"
	assert_success
	[ "$(cat "$HOOK_DIR/start")" = in-container ]
}

@test "hook args and env are exactly the configured ones" {
	update_config '.hooks.createRuntime = [{path: "/bin/sh",
		args: ["sh", "-c", "echo \"$0 $1 $2\" >$D/args; tr \"\\0\" \"\\n\" </proc/$$/environ | sort >$D/env", "zero", "one", "two"],
		env: ["D=" + $d, "FOO=bar"]}]' -- --arg d "$HOOK_DIR"
	set_args true
	run run_foreground "$ID"
	assert_success
	[ "$(cat "$HOOK_DIR/args")" = "zero one two" ]
	[ "$(cat "$HOOK_DIR/env")" = "D=$HOOK_DIR
FOO=bar" ]
}

@test "several hooks of one kind run in the listed order" {
	add_hook createRuntime /bin/sh sh -c "echo first >>$HOOK_DIR/seq"
	add_hook createRuntime /bin/sh sh -c "echo second >>$HOOK_DIR/seq"
	add_hook createRuntime /bin/sh sh -c "echo third >>$HOOK_DIR/seq"
	set_args true
	run run_foreground "$ID"
	assert_success
	[ "$(tr '\n' ' ' <"$HOOK_DIR/seq")" = "first second third " ]
}

@test "a failing prestart hook makes create fail and leaves nothing behind" {
	add_hook prestart /bin/sh sh -c 'exit 3'
	add_hook createRuntime /bin/sh sh -c "echo ran >$HOOK_DIR/later"
	add_recorder poststop
	set_args sh -c 'echo ran >/hookout/process'
	create_container "$ID"
	assert_failure
	run rt state "$ID"
	assert_failure
	run rt list -q
	assert_output ""
	[ -z "$(ls -A "$ROOT_DIR")" ]
	[ ! -e "$HOOK_DIR/later" ]
	[ ! -e "$HOOK_DIR/process" ]
	assert_no_container_process
}

@test "a failing createRuntime hook makes create fail and leaves nothing behind" {
	add_hook createRuntime /bin/sh sh -c 'exit 1'
	set_args sh -c 'echo ran >/hookout/process'
	create_container "$ID"
	assert_failure
	run rt state "$ID"
	assert_failure
	[ -z "$(ls -A "$ROOT_DIR")" ]
	assert_no_container_process
}

@test "a failing createContainer hook makes create fail and leaves nothing behind" {
	add_hook createContainer /bin/sh sh -c 'exit 1'
	set_args true
	create_container "$ID"
	assert_failure
	run rt state "$ID"
	assert_failure
	[ -z "$(ls -A "$ROOT_DIR")" ]
	assert_no_container_process
}

@test "a failing startContainer hook: the process never runs" {
	add_hook startContainer /bin/sh sh -c 'exit 1'
	set_args sh -c 'echo ran >/hookout/process'
	create_container "$ID"
	assert_success
	rt start "$ID" || true
	# The hook runs in the init after start wrote to exec.fifo (as in runc),
	# so start may return before the init has failed and exited.
	wait_status "$ID" stopped
	[ ! -e "$HOOK_DIR/process" ]
}

@test "a failing poststop hook does not make delete fail" {
	add_hook poststop /bin/sh sh -c 'exit 1'
	set_args true
	run_detached "$ID"
	assert_success
	wait_status "$ID" stopped
	run rt delete "$ID"
	assert_success
	run rt state "$ID"
	assert_failure
	[ -z "$(ls -A "$ROOT_DIR")" ]
}

@test "a failing poststop hook does not stop the remaining ones" {
	skip_if_runc "runc 1.1 skips the remaining poststop hooks after one fails"
	add_hook poststop /bin/sh sh -c 'exit 1'
	add_hook poststop /bin/sh sh -c "echo ran >$HOOK_DIR/second"
	set_args true
	run_detached "$ID"
	assert_success
	wait_status "$ID" stopped
	run rt delete "$ID"
	assert_success
	[ "$(cat "$HOOK_DIR/second")" = ran ]
}

@test "a hook that does not exist makes create fail" {
	add_hook createRuntime /no/such/hook
	set_args true
	create_container "$ID"
	assert_failure
	run rt state "$ID"
	assert_failure
}

@test "hook timeout: a hook running past its timeout fails create" {
	update_config '.hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c", "echo $$ >" + $d + "/hookpid; exec sleep 30"], timeout: 1}]' -- \
		--arg d "$HOOK_DIR"
	set_args true
	create_container "$ID"
	assert_failure
	run rt state "$ID"
	assert_failure
	# the hook was killed, not left running
	hpid=$(cat "$HOOK_DIR/hookpid")
	track_pid "$hpid"
	wait_pid_gone "$hpid"
	assert_no_container_process
}

@test "a hook finishing within its timeout is fine" {
	update_config '.hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c", "echo ok >" + $d + "/quick"], timeout: 10}]' -- \
		--arg d "$HOOK_DIR"
	set_args true
	run run_foreground "$ID"
	assert_success
	[ "$(cat "$HOOK_DIR/quick")" = ok ]
}
