#!/usr/bin/env bats
# tote run's HostConfig flags, each checked from inside the container it
# made: bind mounts (-v, --mount), tmpfs, --read-only, resources (-m,
# --memory-swap, --cpus, --cpu-shares, --cpuset-cpus, --pids-limit, as the
# cgroup files show them), --ulimit, capabilities (--cap-add/--cap-drop,
# --privileged), --security-opt (seccomp, no-new-privileges), --init,
# --env-file, --label, --add-host and /etc/hostname, --pull never; and each
# bad value refused with the flag named and nothing left behind.
#
# Each test has its own store with the busybox image imported; the
# runtime's state is /run/tote, as tote run's.

load tote_helpers

setup_file() {
	rootfs_tarball
}

setup() { store_setup; }
teardown() { store_teardown; }

# nothing of a refused run may stay: no container, no mount
nothing_left() {
	[ -z "$(ls "$STORE/containers")" ]
	! grep -q " $STORE/" /proc/mounts
}

# the value of a cgroup file seen from inside the container: the v1 file
# under its controller, or the v2 one (cg FILE_V1 FILE_V2)
cg() { echo "cat /sys/fs/cgroup/$1 2>/dev/null || cat /sys/fs/cgroup/$2"; }

@test "-v HOST:CTR binds read-write, :ro read-only; a missing host directory is made" {
	local host="$BATS_TEST_TMPDIR/host"
	mkdir -p "$host"
	echo from-host >"$host/in"
	run -0 tote run --rm -v "$host:/data" -v "$host:/ro:ro" -v "$BATS_TEST_TMPDIR/new/dir:/new" t/bb:1 \
		sh -c 'cat /data/in; echo from-ctr >/data/out; touch /ro/x 2>&1; ls -d /new'
	assert_line --index 0 from-host
	assert_line --partial "/ro/x: Read-only file system"
	assert_line /new
	[ "$(cat "$host/out")" = from-ctr ]
	[ ! -e "$host/x" ]
	[ -d "$BATS_TEST_TMPDIR/new/dir" ]
}

@test "--mount type=bind,readonly and type=tmpfs with size and mode; --tmpfs with options" {
	local host="$BATS_TEST_TMPDIR/host"
	mkdir -p "$host"
	run -0 tote run --rm --mount "type=bind,source=$host,target=/b,readonly" \
		--mount type=tmpfs,target=/t,tmpfs-size=2m,tmpfs-mode=700 --tmpfs /s:size=1m t/bb:1 \
		sh -c 'touch /b/x 2>&1; grep -E " /(t|s) " /proc/mounts; stat -c %a /t'
	assert_line --partial "/b/x: Read-only file system"
	assert_line --regexp '^tmpfs /t tmpfs rw,nosuid,nodev,noexec,relatime,size=2048k,mode=700'
	assert_line --regexp '^tmpfs /s tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k'
	assert_line 700
}

@test "--read-only: the root cannot be written, /dev/shm and /etc/hosts can" {
	run -0 tote run --rm --read-only t/bb:1 \
		sh -c 'touch /x 2>&1; touch /dev/shm/x && echo shm-ok; echo >>/etc/hosts && echo hosts-ok'
	assert_line --partial "/x: Read-only file system"
	assert_line shm-ok
	assert_line hosts-ok
}

@test "resources: memory, memory+swap, cpus, cpu shares, cpuset and pids limits reach the cgroup" {
	run -0 tote run --rm -m 64m --memory-swap 96m --cpus 0.5 --cpu-shares 512 --cpuset-cpus 0 \
		--pids-limit 50 t/bb:1 sh -c "
			$(cg memory/memory.limit_in_bytes memory.max)
			$(cg memory/memory.memsw.limit_in_bytes memory.swap.max)
			$(cg cpu/cpu.cfs_quota_us cpu.max)
			$(cg cpu/cpu.shares cpu.weight)
			$(cg cpuset/cpuset.cpus cpuset.cpus)
			$(cg pids/pids.max pids.max)"
	assert_line --index 0 67108864
	# v1 counts memory plus swap; v2's swap.max is the swap alone
	assert_line --index 1 --regexp '^(100663296|33554432)$'
	assert_line --index 2 --regexp '^50000( 100000)?$'
	assert_line --index 3 --regexp '^(512|20)$'
	assert_line --index 4 0
	assert_line --index 5 50
}

@test "--ulimit sets soft and hard limits" {
	run -0 tote run --rm --ulimit nofile=100:200 --ulimit nproc=50 t/bb:1 \
		sh -c 'ulimit -n; ulimit -Hn; ulimit -u'
	[ "$output" = $'100\n200\n50' ]
}

@test "capabilities: docker's default set; --cap-drop ALL --cap-add one; names with or without CAP_" {
	run -0 tote run --rm t/bb:1 grep CapEff /proc/self/status
	[ "$output" = "CapEff:	00000000a80425fb" ]
	run -0 tote run --rm --cap-drop ALL --cap-add net_admin t/bb:1 grep -E 'Cap(Eff|Bnd)' /proc/self/status
	[ "$output" = $'CapEff:\t0000000000001000\nCapBnd:\t0000000000001000' ]
	run -0 tote run --rm --cap-drop CAP_CHOWN t/bb:1 sh -c 'chown 1 /tmp 2>&1 || true'
	assert_output --partial "Operation not permitted"
}

@test "--privileged: every capability tote has, no seccomp, /sys writable, the host's devices, nothing masked" {
	local dev
	dev=$(find /dev -maxdepth 1 -type b | head -1)
	[ -n "$dev" ] || dev=/dev/kmsg
	run -0 tote run --rm --privileged t/bb:1 sh -c \
		"grep -E 'CapEff|Seccomp:' /proc/self/status; grep ' /sys ' /proc/mounts; ls $dev; wc -c </proc/timer_list"
	assert_line "CapEff:	$(grep CapBnd /proc/self/status | cut -f2)"
	assert_line "Seccomp:	0"
	assert_line --regexp '^sysfs /sys sysfs rw,'
	assert_line "$dev"
	refute_line 0 # /proc/timer_list is not masked (empty) any more
}

@test "--security-opt: the default profile, seccomp=unconfined, seccomp=FILE (docker's format), no-new-privileges" {
	run -0 tote run --rm t/bb:1 grep -E 'Seccomp:|NoNewPrivs' /proc/self/status
	[ "$output" = $'NoNewPrivs:\t0\nSeccomp:\t2' ]
	run -0 tote run --rm --security-opt seccomp=unconfined --security-opt no-new-privileges t/bb:1 \
		grep -E 'Seccomp:|NoNewPrivs' /proc/self/status
	[ "$output" = $'NoNewPrivs:\t1\nSeccomp:\t0' ]
	local prof="$BATS_TEST_TMPDIR/profile.json"
	echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}' >"$prof"
	run -1 tote run --rm --security-opt "seccomp=$prof" t/bb:1 mkdir /x
	assert_output --partial "Operation not permitted"
}

@test "--init: pid 1 is tote-init; it passes signals on, reaps orphans, and exits with the command's status" {
	run -9 tote run --rm --init t/bb:1 sh -c 'trap "exit 9" TERM; kill -TERM 1; sleep 5 & wait'
	run -0 tote run --rm --init t/bb:1 sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; sh -c "sleep 0.2 &"; sleep 0.8; ps -o stat | grep -c Z || true'
	assert_line --index 0 "/dev/init -- sh -c $(printf '%s' 'cat /proc/1/cmdline | tr "\0" " "; echo; sh -c "sleep 0.2 &"; sleep 0.8; ps -o stat | grep -c Z || true') "
	assert_line --index 1 0
	run -3 tote run --rm --init t/bb:1 sh -c 'exit 3'
}

@test "--env-file, then -e over it; --label on the container with the image's; --add-host and /etc/hostname" {
	printf '# a comment\nA=from-file\n\n  B=two words\nC=file\nHOSTVAR\n' >"$BATS_TEST_TMPDIR/env"
	HOSTVAR=from-tote run -0 tote run --name lab --label team=db --label flag --env-file "$BATS_TEST_TMPDIR/env" \
		-e C=from-e --add-host db:10.1.2.3 --add-host v6:[fd00::1] -h box t/bb:1 \
		sh -c 'echo "$A|$B|$C|$HOSTVAR"; grep -E "db|v6" /etc/hosts; cat /etc/hostname'
	assert_line --index 0 "from-file|two words|from-e|from-tote"
	assert_line --index 1 "10.1.2.3	db"
	assert_line --index 2 "fd00::1	v6"
	assert_line --index 3 box
	run -0 jq -c .labels "$STORE"/containers/*/container.json
	[ "$output" = '{"team":"db","flag":""}' ]
	tote rm lab
}

@test "--pull never: a missing image is refused without a pull" {
	run -125 --separate-stderr tote run --rm --pull never t/missing:1 true
	[ "$stderr" = "tote: image t/missing:1 is not in the store, and --pull=never: pull it first (tote pull)" ]
	run -0 tote run --rm --pull never t/bb:1 true
}

@test "bad flag values: one clear error naming the flag, exit 125, nothing left behind" {
	local bad
	while IFS='|' read -r flag value want; do
		run -125 --separate-stderr tote run --rm "$flag" "$value" t/bb:1 true
		[[ "$stderr" == *"$want"* ]] || { echo "$flag $value: $stderr"; false; }
		[ "${#lines[@]}" -eq 0 ]
		nothing_left
	done <<'EOF2'
--memory|1m|--memory 1m: the smallest limit is 6m
--memory|lots|--memory "lots": a size
--memory-swap|1g|--memory-swap needs --memory
--cpus|0|--cpus "0": a number of CPUs
--cpus|1000|--cpus 1000: the range is 0.01 to
--cpu-shares|1|--cpu-shares "1": a number from 2 to 262144
--cpuset-cpus|a-b|--cpuset-cpus "a-b"
--pids-limit|many|--pids-limit "many"
--ulimit|nofile=2:1|--ulimit "nofile=2:1": the soft limit is above the hard one
--ulimit|bogus=1|--ulimit "bogus=1": NAME=SOFT[:HARD]
--cap-add|NOPE|--cap-add NOPE: no such capability
--cap-drop|CAP_NOPE|--cap-drop CAP_NOPE: no such capability
--security-opt|apparmor=x|--security-opt apparmor=x is not supported
--security-opt|seccomp=/nonexistent.json|--security-opt seccomp=/nonexistent.json: opening /nonexistent.json
--security-opt|nonsense|--security-opt "nonsense": seccomp=FILE|unconfined
-v|x/y:/x|-v "x/y:/x": "x/y" is not a volume name
-v|/h:rel|-v "/h:rel": the container path "rel" is not absolute
-v|/h:/c:bogus|-v "/h:/c:bogus": unknown option "bogus"
--mount|type=bind,source=/nonexistent,target=/x|the source /nonexistent: No such file or directory
--mount|type=nfs,target=/x|type=nfs is not supported (bind, volume or tmpfs)
--tmpfs|rel|--tmpfs "rel": the container path is not absolute
--add-host|db|--add-host "db": HOST:IP
--add-host|db:999.1.1.1|--add-host "db:999.1.1.1": HOST:IP
--env-file|/nonexistent.env|--env-file: opening /nonexistent.env
--pull|sometimes|--pull takes missing, always or never
--label|=x|--label "=x": KEY[=VALUE] with a KEY
EOF2
	# two mounts on one path
	run -125 --separate-stderr tote run --rm -v /tmp:/x --tmpfs /x t/bb:1 true
	[[ "$stderr" == *"/x is mounted twice"* ]]
	nothing_left
}
