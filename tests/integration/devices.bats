#!/usr/bin/env bats
# Default devices and links (config-linux.md "Default Devices"), /dev/pts,
# /dev/shm, and linux.devices.

load helpers

# (busybox stat prints major and minor in hex: %t:%T)

@test "default devices exist with the right numbers" {
	set_args sh -c 'for d in null zero full random urandom tty; do
		printf "%s %s %s\n" "$d" "$(stat -c %F /dev/$d)" "$(stat -c "%t:%T" /dev/$d)"; done'
	run run_foreground "$ID"
	assert_success
	assert_line "null character special file 1:3"
	assert_line "zero character special file 1:5"
	assert_line "full character special file 1:7"
	assert_line "random character special file 1:8"
	assert_line "urandom character special file 1:9"
	assert_line "tty character special file 5:0"
	[ "${#lines[@]}" -eq 6 ]
}

@test "default devices work" {
	set_args sh -c 'echo x >/dev/null && echo null-ok
		[ "$(head -c 4 /dev/zero | od -An -tx1 | tr -d " ")" = 00000000 ] && echo zero-ok
		[ "$(head -c 16 /dev/urandom | wc -c)" = 16 ] && echo urandom-ok
		{ echo x >/dev/full; } 2>/dev/null || echo full-ok'
	run run_foreground "$ID"
	assert_success
	assert_output "null-ok
zero-ok
urandom-ok
full-ok"
}

@test "/dev/fd, /dev/stdin, /dev/stdout, /dev/stderr links" {
	set_args sh -c 'for l in fd stdin stdout stderr; do echo "$l -> $(readlink /dev/$l)"; done'
	run run_foreground "$ID"
	assert_success
	assert_output "fd -> /proc/self/fd
stdin -> /proc/self/fd/0
stdout -> /proc/self/fd/1
stderr -> /proc/self/fd/2"
}

@test "/dev/pts is a devpts and /dev/ptmx reaches its ptmx" {
	set_args sh -c 'if [ -L /dev/ptmx ]; then echo "link $(readlink /dev/ptmx)"; else echo "dev $(stat -c "%t:%T" /dev/ptmx)"; fi
		[ -c /dev/pts/ptmx ] && echo pts-ptmx'
	run run_foreground "$ID"
	assert_success
	# a symlink to pts/ptmx or a bind mount of it (5:2)
	assert_line --index 0 --regexp '^(link (/dev/)?pts/ptmx|dev 5:2)$'
	assert_line --index 1 pts-ptmx

	set_args probe
	run_probe "$ID-p"
	[ "$(pj -r '[.mounts[] | select(.target == "/dev/pts")][0].fstype')" = devpts ]
}

@test "/dev/shm is a writable tmpfs" {
	set_args sh -c 'echo shm >/dev/shm/f && cat /dev/shm/f'
	run run_foreground "$ID"
	assert_success
	assert_output shm
}

@test "/dev has no host devices" {
	set_args sh -c 'ls /dev'
	run run_foreground "$ID"
	assert_success
	# nothing like the host's disks or consoles
	refute_line --regexp '^(vda|sda|nvme|loop|mem|kmsg)'
}

@test "linux.devices: a character device with fileMode, uid and gid" {
	update_config '.linux.devices = [{path: "/dev/tote0", type: "c", major: 1, minor: 3,
		fileMode: 416, uid: 1000, gid: 50}]'
	set_args sh -c 'stat -c "%F %t:%T %a %u %g" /dev/tote0; echo data >/dev/tote0 && echo write-ok'
	run run_foreground "$ID"
	assert_success
	assert_output "character special file 1:3 640 1000 50
write-ok"
}

@test "linux.devices: a fifo and a nested path" {
	update_config '.linux.devices = [{path: "/dev/sub/fifo0", type: "p", fileMode: 384}]'
	set_args sh -c 'stat -c "%F %a" /dev/sub/fifo0'
	run run_foreground "$ID"
	assert_success
	assert_output "fifo 600"
}

@test "linux.devices: a device without fileMode/uid/gid gets root ownership" {
	update_config '.linux.devices = [{path: "/dev/tote1", type: "c", major: 1, minor: 5}]'
	set_args sh -c 'stat -c "%t:%T %u %g" /dev/tote1; head -c 2 /dev/tote1 | od -An -tx1 | tr -d " "'
	run run_foreground "$ID"
	assert_success
	assert_output "1:5 0 0
0000"
}
