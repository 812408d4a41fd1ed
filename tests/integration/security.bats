#!/usr/bin/env bats
# Container breakout classics: the runtime binary must never be writable
# from inside (CVE-2019-5736), no runtime fd or host cwd may leak into the
# container (CVE-2024-21626), masked paths are unreadable.

load helpers

# errno values that mean "refused": EPERM EACCES ETXTBSY EROFS
refused_errno() { [[ "$1" =~ ^(1|13|26|30)$ ]]; }

@test "probe write-exe: /proc/self/exe is not writable" {
	set_args probe write-exe
	run run_foreground "$ID"
	assert_success
	e=$(jq -r .errno <<<"$output")
	refused_errno "$e" || fail "open(/proc/self/exe, O_WRONLY): $output"
}

@test "the runtime's init is not writable through /proc/1/exe (created container)" {
	set_args sleep 1000
	create_container "$ID"
	assert_success
	# while created, pid 1 of the container is the runtime's own init
	run rt exec "$ID" probe write-exe /proc/1/exe </dev/null
	assert_success
	e=$(jq -r .errno <<<"$output")
	refused_errno "$e" || fail "open(/proc/1/exe, O_WRONLY): $output"
}

@test "a held /proc/1/exe cannot be reopened for writing after start (CVE-2019-5736)" {
	# a throwaway copy of the runtime: if the attack worked, it changes it
	cp "$(command -v "$RUNTIME")" "$TEST_DIR/runtime-copy"
	RUNTIME="$TEST_DIR/runtime-copy"
	sum=$(sha256sum <"$RUNTIME")
	set_args sleep 1000
	create_container "$ID"
	assert_success
	rt exec --detach "$ID" probe hold-exe 1 /tmp/flag </dev/null >"$TEST_DIR/hold.out" 2>&1
	wait_for_file "$BUNDLE/rootfs/tmp/flag.held"
	run rt start "$ID"
	assert_success
	touch "$BUNDLE/rootfs/tmp/flag"
	for i in $(seq 200); do [ -s "$TEST_DIR/hold.out" ] && break; nap; done
	out=$(cat "$TEST_DIR/hold.out")
	jq -e . >/dev/null <<<"$out" || fail "holder output: $out"
	e=$(jq -r .errno <<<"$out")
	w=$(jq -r .write_errno <<<"$out")
	# refused at open, or opened (a sealed copy) with the write refused
	refused_errno "$e" || refused_errno "$w" || fail "the runtime binary was written: $out"
	[ "$(sha256sum <"$RUNTIME")" = "$sum" ] || fail "the runtime binary changed: $out"
}

@test "no file descriptor beyond 0, 1, 2 reaches the container process" {
	set_args probe
	run_probe
	[ "$(pj -c '[.fds[].fd] | sort')" = '[0,1,2]' ]
}

@test "no file descriptor beyond 0, 1, 2 reaches an exec'd process" {
	set_args sleep 1000
	run_detached "$ID"
	assert_success
	run --separate-stderr rt exec "$ID" probe </dev/null
	assert_success
	PROBE=$output
	[ "$(pj -c '[.fds[].fd] | sort')" = '[0,1,2]' ]
}

@test "the container's cwd and root are inside the rootfs" {
	mkdir -p "$BUNDLE/rootfs/srv/w"
	update_config '.process.cwd = "/srv/w"'
	set_args probe
	run_probe
	[ "$(pj -r .cwd)" = /srv/w ]
	[ "$(pj -r .cwd_link)" = /srv/w ]
	[ "$(pj -r .root_link)" = / ]
}

@test "cwd /proc/self/fd/N cannot reach a leaked runtime fd (CVE-2024-21626)" {
	for n in 3 4 5 6 7 8 9 10; do
		make_bundle "$BUNDLE"
		update_config '.process.cwd = $c' -- --arg c "/proc/self/fd/$n"
		set_args probe
		run --separate-stderr run_foreground "$ID-$n"
		if [ "$status" -eq 0 ]; then
			PROBE=$output
			jq -e . >/dev/null <<<"$PROBE" || fail "fd $n: $PROBE"
			# getcwd fails for a directory outside the container's root
			[ "$(pj -r .cwd)" != null ] || fail "fd $n: cwd outside the container: $(pj -r .cwd_link)"
			[ "$(pj -r .cwd)" = "$(pj -r .cwd_link)" ]
		fi
	done
}

@test "exec --cwd /proc/self/fd/N cannot reach a leaked runtime fd (CVE-2024-21626)" {
	set_args sleep 1000
	run_detached "$ID"
	assert_success
	for n in 3 4 5 6 7 8 9 10; do
		run --separate-stderr rt exec --cwd "/proc/self/fd/$n" "$ID" probe </dev/null
		if [ "$status" -eq 0 ]; then
			PROBE=$output
			[ "$(pj -r .cwd)" != null ] || fail "fd $n: cwd outside the container: $(pj -r .cwd_link)"
			[ "$(pj -c '[.fds[].fd] | sort')" = '[0,1,2]' ]
		fi
	done
}

# Paths of the template's maskedPaths / readonlyPaths that exist on this
# host (this kernel may lack some, e.g. /proc/kcore; nothing to mask then).
existing_paths() {
	local p
	for p in $(jq -r ".linux.$1[]" "$TEMPLATE"); do
		[ -e "$p" ] && echo "$p"
	done
	return 0
}

@test "masked paths are unreadable" {
	paths=$(existing_paths maskedPaths)
	[ -n "$paths" ]
	set_args sh -c 'for p in "$@"; do
		if [ -d "$p" ]; then echo "$p $(ls -A "$p" | wc -l)"; else echo "$p $(cat "$p" 2>&1 | wc -c)"; fi
	done' sh $paths
	run run_foreground "$ID"
	assert_success
	for p in $paths; do
		assert_line "$p 0"
	done
}

@test "masked paths are masked mounts (a tmpfs or /dev/null over them)" {
	set_args probe
	run_probe
	for p in $(existing_paths maskedPaths); do
		[ "$(pj --arg t "$p" '[.mounts[] | select(.target == $t)] | length')" -ge 1 ] || fail "$p is not masked"
	done
}

@test "readonly paths are read-only mounts" {
	set_args probe
	run_probe
	for p in $(existing_paths readonlyPaths); do
		o=$(pj -r --arg t "$p" '[.mounts[] | select(.target == $t)] | last | .options // ""')
		[[ ",$o," == *,ro,* ]] || fail "$p is not read-only: '$o'"
	done
}

@test "/proc/sys cannot be written" {
	set_args sh -c '{ echo 1 >/proc/sys/net/ipv4/ip_forward; } 2>/dev/null && echo written || echo refused'
	run run_foreground "$ID"
	assert_success
	assert_output refused
}

@test "without CAP_SYS_ADMIN the container cannot mount" {
	set_args sh -c 'mkdir -p /mnt/x; mount -t tmpfs none /mnt/x 2>/dev/null && echo mounted || echo refused'
	run run_foreground "$ID"
	assert_success
	assert_output refused
}

@test "the container sees only its own processes" {
	set_args sh -c 'ls -d /proc/[0-9]* | wc -l'
	run run_foreground "$ID"
	assert_success
	# sh, ls (and maybe wc) — never the host's many processes
	[ "$output" -le 3 ]
}

@test "sysfs is read-only" {
	set_args sh -c '{ echo 1 >/sys/kernel/mm/ksm/run; } 2>/dev/null && echo written || echo refused'
	run run_foreground "$ID"
	assert_success
	assert_output refused
}
