#!/usr/bin/env bats
# linux.namespaces: new namespaces, joined namespaces (path), uts names,
# user namespace mappings, time namespace offsets.

load helpers

# Map config namespace types to /proc/PID/ns entry names.
ns_file() {
	case "$1" in
	network) echo net ;;
	mount) echo mnt ;;
	*) echo "$1" ;;
	esac
}

host_ns() { stat -L -c %i "/proc/self/ns/$(ns_file "$1")"; }
probe_ns() { pj --arg n "$(ns_file "$1")" '.namespaces[$n]'; }

# set_namespaces TYPE... — linux.namespaces = new namespaces of these types.
set_namespaces() {
	local json
	json=$(json_array "$@")
	update_config '.linux.namespaces = ($t | map({type: .}))' -- --argjson t "$json"
}

# add_namespace TYPE [PATH]
add_namespace() {
	if [ -n "${2:-}" ]; then
		update_config '.linux.namespaces += [{type: $t, path: $p}]' -- --arg t "$1" --arg p "$2"
	else
		update_config '.linux.namespaces += [{type: $t}]' -- --arg t "$1"
	fi
}

remove_namespace() {
	update_config '.linux.namespaces |= map(select(.type != $t))' -- --arg t "$1"
}

# A userns test bundle: the rootfs owned by the mapped root, and every
# directory above it searchable, as the mapped ids are "other" on the host.
prepare_userns_bundle() {
	local hostid=$1 d
	chown -R "$hostid:$hostid" "$BUNDLE/rootfs"
	chown -R "$((hostid + 1000)):$((hostid + 1000))" "$BUNDLE/rootfs/home/tote"
	d=$BUNDLE
	while [ "$d" != / ]; do
		chmod o+x "$d" 2>/dev/null || true
		d=$(dirname "$d")
	done
}

@test "each namespace type in the config is new" {
	set_namespaces pid network ipc uts mount cgroup
	set_args probe
	run_probe
	for t in pid network ipc uts mount cgroup; do
		[ "$(probe_ns "$t")" != "$(host_ns "$t")" ] || fail "$t namespace is the host's"
	done
	[ "$(pj .pid)" = 1 ]
}

@test "namespace types not in the config are shared with the runtime" {
	set_namespaces mount
	update_config 'del(.hostname)'
	set_args probe
	run_probe
	for t in pid network ipc uts cgroup user; do
		[ "$(probe_ns "$t")" = "$(host_ns "$t")" ] || fail "$t namespace is not the host's"
	done
	[ "$(probe_ns mount)" != "$(host_ns mount)" ]
	[ "$(pj .pid)" != 1 ]
}

@test "network namespace joined from a path (ip netns)" {
	command -v ip >/dev/null || skip "ip not installed"
	ns="tote-test-$ID"
	add_netns "$ns"
	remove_namespace network
	add_namespace network "/var/run/netns/$ns"
	set_args probe
	run_probe
	[ "$(probe_ns network)" = "$(stat -L -c %i "/var/run/netns/$ns")" ]
	[ "$(probe_ns network)" != "$(host_ns network)" ]
}

@test "a second container joins the first one's namespaces by path" {
	set_args sleep 1000
	run_detached "$ID-a"
	assert_success
	pid=$(container_pid "$ID-a")

	for t in pid network ipc uts; do
		remove_namespace "$t"
		add_namespace "$t" "/proc/$pid/ns/$(ns_file "$t")"
	done
	update_config 'del(.hostname)'
	set_args probe
	run_probe "$ID-b"
	for t in pid network ipc uts; do
		[ "$(probe_ns "$t")" = "$(stat -L -c %i "/proc/$pid/ns/$(ns_file "$t")")" ] || fail "$t not joined"
	done
	# the mount namespace is still a new one
	[ "$(probe_ns mount)" != "$(stat -L -c %i "/proc/$pid/ns/mnt")" ]
	# joined the pid namespace: not its init
	[ "$(pj .pid)" != 1 ]
	[ "$(pj .hostname)" = tote ]
}

@test "joining a namespace path that is not a namespace fails" {
	touch "$TEST_DIR/notans"
	remove_namespace network
	add_namespace network "$TEST_DIR/notans"
	set_args true
	run run_foreground "$ID"
	assert_failure
}

@test "joining a namespace path of the wrong type fails" {
	remove_namespace network
	add_namespace network /proc/self/ns/ipc
	set_args true
	run run_foreground "$ID"
	assert_failure
}

@test "uts: hostname" {
	update_config '.hostname = "box.one"'
	set_args probe
	run_probe
	[ "$(pj .hostname)" = box.one ]
	# the host's name did not change
	[ "$(hostname)" != box.one ]
}

@test "uts: domainname" {
	skip_if_runc "runc 1.1 ignores domainname (added in runc 1.2)"
	update_config '.hostname = "box.one" | .domainname = "example.org"'
	set_args probe
	run_probe
	[ "$(pj .hostname)" = box.one ]
	[ "$(pj .domainname)" = example.org ]
	[ "$(cat /proc/sys/kernel/domainname)" != example.org ]
}

@test "uts: without a hostname the container keeps an own uts namespace" {
	update_config 'del(.hostname)'
	set_args probe
	run_probe
	[ "$(probe_ns uts)" != "$(host_ns uts)" ]
}

@test "uts: hostname without a new uts namespace is an error" {
	remove_namespace uts
	update_config '.hostname = "nope"'
	set_args true
	run run_foreground "$ID"
	assert_failure
	[ "$(hostname)" != nope ]
}

@test "user namespace with a single uid/gid mapping" {
	prepare_userns_bundle 100000
	add_namespace user
	update_config '.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	set_args sh -c 'cat /proc/self/uid_map /proc/self/gid_map; sleep 1000'
	run_detached "$ID"
	assert_success
	pid=$(container_pid "$ID")
	wait_stdout_line "$ID"
	# inside: root; outside: the mapped id
	[ "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" = 100000 ]
	[ "$(awk '/^Gid:/ {print $2}' "/proc/$pid/status")" = 100000 ]
	[ "$(readlink "/proc/$pid/ns/user")" != "$(readlink /proc/self/ns/user)" ]
	run rt exec "$ID" sh -c 'id -u; id -g' </dev/null
	assert_success
	assert_output "0
0"
	for i in 1 2; do wait_stdout_line "$ID"; done
	[ "$(container_stdout "$ID" | awk '{print $1, $2, $3}' | tr '\n' ';')" = "0 100000 65536;0 100000 65536;" ]
}

@test "user namespace with several mapping ranges" {
	prepare_userns_bundle 100000
	add_namespace user
	update_config '
		.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 1000},
		                      {containerID: 1000, hostID: 101000, size: 1},
		                      {containerID: 2000, hostID: 300000, size: 10}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 1000},
		                        {containerID: 1000, hostID: 101000, size: 1}]
		| .process.user = {uid: 2005, gid: 1000}'
	set_args sh -c 'cat /proc/self/uid_map; echo; cat /proc/self/gid_map; sleep 1000'
	run_detached "$ID"
	assert_success
	pid=$(container_pid "$ID")
	for i in 1 2 3 4 5 6; do wait_stdout_line "$ID"; done
	uidmap=$(container_stdout "$ID" | sed -n '1,/^$/p' | awk 'NF {print $1, $2, $3}' | sort -n | tr '\n' ';')
	gidmap=$(container_stdout "$ID" | sed -n '/^$/,$p' | awk 'NF {print $1, $2, $3}' | sort -n | tr '\n' ';')
	[ "$uidmap" = "0 100000 1000;1000 101000 1;2000 300000 10;" ]
	[ "$gidmap" = "0 100000 1000;1000 101000 1;" ]
	# uid 2005 in the container is 300005 on the host
	[ "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" = 300005 ]
	[ "$(awk '/^Gid:/ {print $2}' "/proc/$pid/status")" = 101000 ]
}

@test "user namespace without mappings is an error" {
	add_namespace user
	update_config 'del(.linux.uidMappings, .linux.gidMappings)'
	set_args true
	run run_foreground "$ID"
	assert_failure
}

@test "time namespace with timeOffsets" {
	skip_if_runc "runc 1.1 does not support the time namespace"
	[ -e /proc/self/ns/time ] || skip "kernel without time namespaces"
	add_namespace time
	update_config '.linux.timeOffsets = {monotonic: {secs: 31536000, nanosecs: 0},
		boottime: {secs: 63072000, nanosecs: 500}}'
	set_args sh -c 'cat /proc/self/timens_offsets; cat /proc/uptime'
	run run_foreground "$ID"
	assert_success
	assert_line --index 0 --regexp '^monotonic +31536000 +0$'
	assert_line --index 1 --regexp '^boottime +63072000 +500$'
	up=$(sed -n 3p <<<"$output" | cut -d. -f1)
	[ "$up" -ge 63072000 ]
	[ "$(cut -d. -f1 /proc/uptime)" -lt 63072000 ]
}

@test "time namespace is new when requested" {
	skip_if_runc "runc 1.1 does not support the time namespace"
	[ -e /proc/self/ns/time ] || skip "kernel without time namespaces"
	add_namespace time
	set_args probe
	run_probe
	[ "$(pj .namespaces.time)" != "$(stat -L -c %i /proc/self/ns/time)" ]
}

@test "cgroup namespace hides the container's cgroup path" {
	add_namespace cgroup
	set_args probe
	run_probe
	# every hierarchy shows the container's cgroup as the root
	[ "$(pj '[.cgroup[] | select(endswith(":/") | not)] | length')" = 0 ]
}

@test "without a cgroup namespace the container's cgroup path is visible" {
	set_args probe
	run_probe
	[ "$(pj '[.cgroup[] | select(endswith(":/") | not)] | length')" -gt 0 ]
}

# An idmapped bind of a directory whose file is owned by 0:0 on disk, with
# the mount's own maps 0 -> 1000: ls -ln shows the owner the host sees.
idmap_dir() {
	IDMAP_SRC="$TEST_DIR/idmapped"
	mkdir -p "$IDMAP_SRC"
	echo hi >"$IDMAP_SRC/f"
	chown 0:0 "$IDMAP_SRC/f"
	update_config '.mounts += [{destination: "/idm", type: "bind", source: $s, options: ["rbind", "idmap"],
		uidMappings: [{containerID: 0, hostID: 100000, size: 65536}],
		gidMappings: [{containerID: 0, hostID: 100000, size: 65536}]}]' -- --arg s "$IDMAP_SRC"
	set_args sh -c 'ls -ln /idm/f | awk "{print \$3, \$4}"'
}

@test "idmap: on-disk ids go through the mount's maps (no user namespace)" {
	skip_if_runc "runc 1.1 ignores the idmap option"
	idmap_dir
	run run_foreground "$ID"
	assert_success
	assert_output "100000 100000"
}

@test "idmap: in a user namespace with the same maps, on-disk root is the container's root" {
	skip_if_runc "runc 1.1 ignores the idmap option"
	prepare_userns_bundle 100000
	idmap_dir
	update_config '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	run run_foreground "$ID"
	assert_success
	assert_output "0 0"
	# and the host's file is untouched
	[ "$(stat -c '%u %g' "$IDMAP_SRC/f")" = "0 0" ]
}
