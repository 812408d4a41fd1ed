#!/usr/bin/env bats
# tote exec: a command in a running container (tote run -d) with the
# container's own environment, its namespaces and its cgroup; -e, -w, -u;
# -d; docker's exit codes; and the refusals.

load tote_helpers

setup_file() {
	rootfs_tarball
}

setup() {
	store_setup
	tote run -d --name box -e FROM_RUN=yes -m 64m t/bb:1 sleep 600 >/dev/null
}

teardown() { store_teardown; }

@test "exec: the container's env, hostname, namespaces and cgroup; the command's output and status" {
	local init id
	init=$(tote inspect box | jq -r '.[0].State.Pid')
	id=$(tote inspect box | jq -r '.[0].Id')
	run -0 tote exec box sh -c 'echo "$FROM_RUN $HOSTNAME"; for n in pid mnt net; do readlink /proc/self/ns/$n; done'
	assert_line --index 0 "yes ${id:0:12}"
	assert_line --index 1 "$(readlink "/proc/$init/ns/pid")"
	assert_line --index 2 "$(readlink "/proc/$init/ns/mnt")"
	assert_line --index 3 "$(readlink "/proc/$init/ns/net")"
	# the init's cgroups (as the container's cgroup namespace shows them)
	run -0 tote exec box sh -c '[ "$(cat /proc/self/cgroup)" = "$(cat /proc/1/cgroup)" ] && grep -c . /proc/self/cgroup'
	[ "$output" -ge 1 ]
	run -7 --separate-stderr tote exec box sh -c 'echo out; echo err >&2; exit 7'
	[ "$output" = out ]
	[ "$stderr" = err ]
}

@test "exec -e, -w, -u: the environment, directory and user change for that command only" {
	HOSTVAR=from-tote run -0 tote exec -e A=1 -e FROM_RUN=over -e HOSTVAR -w /home/tote -u tote box \
		sh -c 'echo "$A $FROM_RUN $HOSTVAR"; pwd; id -u; id -g'
	[ "$output" = $'1 over from-tote\n/home/tote\n1000\n1000' ]
	run -0 tote exec -u 1000:0 box id -g
	[ "$output" = 0 ]
	run -0 tote exec box sh -c 'echo "$A $FROM_RUN"; pwd; id -u'
	[ "$output" = $' yes\n/\n0' ]
}

@test "exec -d: returns at once, the command runs on in the container" {
	run -0 tote exec -d box sh -c 'sleep 3; touch /tmp/done'
	[ -z "$output" ]
	run -1 tote exec box test -e /tmp/done
	sleep 5
	run -0 tote exec box test -e /tmp/done
}

@test "exec -w: a directory the container lacks, or a file, is docker's 126 with a line naming it; one only inside a mount of the container is found" {
	run -126 --separate-stderr tote exec -w /nope box pwd
	[ "$stderr" = "tote: -w /nope: no such directory in container box (make it first, or leave -w out)" ]
	[ -z "$output" ]
	run -126 --separate-stderr tote exec -w /etc/passwd box pwd
	[ "$stderr" = "tote: -w /etc/passwd: not a directory in container box (make it first, or leave -w out)" ]
	# made in the container's own /dev/shm (a tmpfs the host's view of its rootfs does not show)
	run -0 tote exec box mkdir -p /dev/shm/inside
	run -0 tote exec -w /dev/shm/inside box pwd
	[ "$output" = /dev/shm/inside ]
}

@test "exec: docker's codes (127 not found, 126 not executable, 125 tote's own), and the refusals" {
	run -127 --separate-stderr tote exec box nope
	[[ "$stderr" == *"nope: executable file not found"* ]]
	run -126 --separate-stderr tote exec box /etc/passwd
	run -125 --separate-stderr tote exec -u nobody2 box true
	[ "$stderr" = "tote: user \"nobody2\": no such user in the container's /etc/passwd" ]
	run -125 --separate-stderr tote exec -w rel box true
	run -125 --separate-stderr tote exec nope true
	[ "$stderr" = "tote: no container nope (see tote ps -a)" ]
	run -125 --separate-stderr tote exec -dit box sh
	[[ "$stderr" == *"-d with -t"* ]]
	run -125 --separate-stderr tote exec box
	tote stop -t 1 box >/dev/null
	run -125 --separate-stderr tote exec box true
	[ "$stderr" = "tote: container box is not running: start it first (tote start)" ]
}
