#!/usr/bin/env bats
# The engine's containers under their monitor: tote run -d, ps, logs,
# stop, kill, wait, start, inspect, rm -f, --rm, log rotation, a monitor
# killed.  (lifecycle.bats is the runtime's create/start/delete.)
#
# As run.bats: each test has its own store with the busybox image
# imported; the runtime's state is /run/tote.  Every container a test
# makes is removed in teardown (rm -f), and whatever is still mounted
# under its store unmounted.

load tote_helpers

setup_file() {
	rootfs_tarball
	# an image whose config names its stop signal, as a Dockerfile's STOPSIGNAL
	export LAYOUT="$BATS_FILE_TMPDIR/oci"
	"$REPO/tests/image/mkoci.sh" "$LAYOUT"
	umoci config --image "$LAYOUT/busybox:latest" --tag stopsig --config.stopsignal SIGUSR1
}

setup() { store_setup; }
teardown() { store_teardown; }

# field NAME KEY — a key of the container's record
field() {
	local id
	id=$(tote inspect "$1" | jq -r '.[0].Id')
	jq -r ".$2" "$STORE/containers/$id/container.json"
}

@test "run -d: the full id once the container runs; ps shows it Up; the monitor is its own session" {
	run -0 --separate-stderr tote run -d --name bg t/bb:1 sleep 100
	[[ $output =~ ^[0-9a-f]{64}$ ]]
	local id=$output
	run -0 tote ps
	assert_line --regexp "^${id:0:12} +docker.io/t/bb:1 +\"sleep 100\" +Up (Less than a second|[0-9]+ seconds?) +bg$"
	local mon
	mon=$(field bg monitor_pid)
	[ "$(ps -o sid= -p "$mon" | tr -d ' ')" = "$mon" ]
	# no fd but its own: /dev/null, its pipes and signalfd, the containers
	# directory and its own, its lock and its log, the one socket tote
	# attach connects to; no store lock
	run -0 bash -c "readlink /proc/$mon/fd/* | sort -u"
	assert_output "$(printf '%s\n' /dev/null "$STORE/containers" "$STORE/containers/$id" \
		"$STORE/containers/$id/ctr.log" "$STORE/containers/$id/monitor.lock" \
		anon_inode:[signalfd] | sort -u; readlink /proc/$mon/fd/* | grep -E '^(pipe|socket):' | sort -u)"
	[ "$(readlink /proc/$mon/fd/* | grep -c '^socket:')" -eq 1 ]
	[ -S "$STORE/containers/$id/attach.sock" ]
	refute_output --partial store.lock
	[ "$(field bg state)" = running ]
	[ -d "/proc/$(field bg pid)" ]
}

@test "run -d: a command not found is 127, one not executable 126, and no container stays" {
	run -127 --separate-stderr tote run -d t/bb:1 no-such-command
	[[ "$stderr" == *no-such-command* ]]
	[ -z "$output" ]
	run -126 --separate-stderr tote run -d t/bb:1 /etc/passwd
	[ -z "$(ls "$STORE/containers")" ]
	! grep -q " $STORE/" /proc/mounts
}

@test "logs: stdout and stderr apart, --tail, -t, --since; -f ends when the container exits" {
	# (the pauses order the entries: the monitor reads the two pipes as they come)
	tote run -d --name lg t/bb:1 sh -c 'echo one; sleep 0.2; echo two >&2; sleep 0.2; echo three; printf partial' >/dev/null
	run -0 tote wait lg
	[ "$output" = 0 ]
	run -0 --separate-stderr tote logs lg
	[ "$output" = "$(printf 'one\nthree\npartial')" ]
	[ "$stderr" = two ]
	run -0 --separate-stderr tote logs --tail 2 lg
	[ "$output" = "$(printf 'three\npartial')" ]
	[ -z "$stderr" ]
	run -0 --separate-stderr tote logs -t --tail 1 lg
	[[ $output =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]+Z\ partial$ ]]
	run -0 --separate-stderr tote logs --since 1h lg
	[ "$output" = "$(printf 'one\nthree\npartial')" ]
	run -0 --separate-stderr tote logs --since 2099-01-01 lg
	[ -z "$output" ]
	run -125 --separate-stderr tote logs --since soon lg
	[[ "$stderr" == *"--since soon"* ]]
	run -1 --separate-stderr tote logs nothere
	[[ "$stderr" == *"no container nothere"* ]]
	# json-file lines, as docker's
	run -0 jq -c '[.stream, .log]' "$(tote inspect lg | jq -r '.[0].LogPath')"
	assert_line --index 0 '["stdout","one\n"]'
	assert_line '["stderr","two\n"]'
	assert_line '["stdout","partial"]'
	# -f: what comes while it runs, until it exits
	tote run -d --name fl t/bb:1 sh -c 'echo first; sleep 1; echo second' >/dev/null
	run -0 tote logs -f fl
	[ "$output" = "$(printf 'first\nsecond')" ]
	[ "$(field fl state)" = exited ]
}

@test "run in the foreground: its output is logged too, and SIGTERM to tote reaches the container" {
	run -3 --separate-stderr tote run --name fg t/bb:1 sh -c 'echo out; echo err >&2; exit 3'
	[ "$output" = out ]
	[ "$stderr" = err ]
	run -0 --separate-stderr tote logs fg
	[ "$output" = out ]
	[ "$stderr" = err ]
	"$TOTE" --root "$STORE" run --name sig t/bb:1 sh -c 'trap "exit 9" TERM; echo ready; while :; do sleep 0.1; done' >"$BATS_TEST_TMPDIR/sig.out" &
	local pid=$!
	for _ in $(seq 100); do grep -q ready "$BATS_TEST_TMPDIR/sig.out" && break; sleep 0.1; done
	kill -TERM "$pid"
	local rc=0
	wait "$pid" || rc=$?
	[ "$rc" = 9 ]
	[ "$(field sig exit_code)" = 9 ]
}

@test "stop: SIGTERM recorded as the container's exit; one that ignores it is killed after -t (137)" {
	tote run -d --name trapper t/bb:1 sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done' >/dev/null
	tote run -d --name deaf t/bb:1 sleep 100 >/dev/null
	run -0 tote stop trapper
	[ "$output" = trapper ]
	[ "$(field trapper exit_code)" = 7 ]
	[ "$(field trapper state)" = exited ]
	local start=$SECONDS
	run -0 tote stop -t 1 deaf
	[ "$output" = deaf ]
	[ $((SECONDS - start)) -lt 8 ]
	[ "$(field deaf exit_code)" = 137 ]
	run -0 tote ps -a
	assert_line --regexp '"sleep 100" +Exited \(137\) (Less than a second|[0-9]+ seconds?) ago +deaf$'
	# stopping an exited container is fine; an unknown one is 1
	run -0 tote stop deaf
	run -1 --separate-stderr tote stop nothere
	[[ "$stderr" == *"no container nothere"* ]]
	! grep -q " $STORE/" /proc/mounts
}

@test "stop: the image's StopSignal is sent first" {
	skopeo copy -q "oci:$LAYOUT/busybox:stopsig" "oci:$STORE/images:docker.io/t/stopsig:1"
	tote run -d --name ss t/stopsig:1 sh -c 'trap "exit 11" USR1; trap "exit 7" TERM; while :; do sleep 0.1; done' >/dev/null
	run -0 tote inspect ss
	[ "$(jq -r '.[0].Config.StopSignal' <<<"$output")" = SIGUSR1 ]
	run -0 tote stop -t 5 ss
	[ "$(field ss exit_code)" = 11 ]
}

@test "kill: -s with names, SIG names and numbers; the default is SIGKILL; wait prints the codes" {
	local trap='trap "exit 10" USR1; trap "exit 12" USR2; trap "exit 2" INT; while :; do sleep 0.1; done'
	tote run -d --name k1 t/bb:1 sh -c "$trap" >/dev/null
	tote run -d --name k2 t/bb:1 sh -c "$trap" >/dev/null
	tote run -d --name k3 t/bb:1 sh -c "$trap" >/dev/null
	tote run -d --name k4 t/bb:1 sleep 100 >/dev/null
	run -0 tote kill -s USR1 k1
	[ "$output" = k1 ]
	run -0 tote kill -s SIGUSR2 k2
	run -0 tote kill --signal 2 k3
	run -0 tote kill k4
	run -0 tote wait k1 k2 k3 k4
	[ "$output" = "$(printf '10\n12\n2\n137')" ]
	run -1 --separate-stderr tote kill k1
	[[ "$stderr" == *"container k1 is not running"* ]]
	run -125 --separate-stderr tote kill -s NOPE k1
	[[ "$stderr" == *"NOPE"* ]]
}

@test "wait: blocks until the container exits, by name, id or id prefix" {
	local id
	id=$(tote run -d t/bb:1 sh -c 'sleep 1; exit 5')
	run -0 tote wait "${id:0:5}"
	[ "$output" = 5 ]
	run -0 tote wait "$id"
	[ "$output" = 5 ]
}

@test "start: an exited container runs again under a new monitor, its upper layer kept" {
	tote run -d --name again t/bb:1 sh -c 'echo run >>/count; cat /count | wc -l; exit 3' >/dev/null
	run -0 tote wait again
	[ "$output" = 3 ]
	local first
	first=$(field again started)
	run -0 --separate-stderr tote start again
	[ "$output" = again ]
	run -0 tote wait again
	[ "$output" = 3 ]
	[ "$(field again started)" != "$first" ]
	run -0 tote logs again
	[ "$output" = "$(printf '1\n2')" ]
	# a running container: nothing to do
	tote run -d --name up t/bb:1 sleep 100 >/dev/null
	run -0 tote start up
	run -1 --separate-stderr tote start nothere
	! grep -q " $STORE/rootfs" /proc/mounts
}

@test "inspect: docker's keys and values; an image's inspect for an image" {
	tote run -d --name insp -e FOO=bar -w /tmp -u 1:2 -h boxname --log-opt max-size=2m \
		t/bb:1 sh -c 'sleep 100' >/dev/null
	run -0 tote inspect insp
	local j=$output
	[ "$(jq length <<<"$j")" = 1 ]
	[ "$(jq -r '.[0].Name' <<<"$j")" = /insp ]
	[[ $(jq -r '.[0].Id' <<<"$j") =~ ^[0-9a-f]{64}$ ]]
	[ "$(jq -r '.[0].Path' <<<"$j")" = sh ]
	[ "$(jq -c '.[0].Args' <<<"$j")" = '["-c","sleep 100"]' ]
	[ "$(jq -r '.[0].State | [.Status, .Running, .Paused, .OOMKilled, .ExitCode, (.Pid > 0)] | @tsv' <<<"$j")" = "$(printf 'running\ttrue\tfalse\tfalse\t0\ttrue')" ]
	[ "$(jq -r '.[0].State.FinishedAt' <<<"$j")" = 0001-01-01T00:00:00Z ]
	[[ $(jq -r '.[0].State.StartedAt' <<<"$j") =~ ^20[0-9-]{8}T ]]
	[[ $(jq -r '.[0].Image' <<<"$j") =~ ^sha256:[0-9a-f]{64}$ ]]
	[ "$(jq -r '.[0].Config | [.Image, .WorkingDir, .User, .Hostname] | @tsv' <<<"$j")" = "$(printf 'docker.io/t/bb:1\t/tmp\t1:2\tboxname')" ]
	[ "$(jq -r '.[0].Config.Env | index("FOO=bar") != null' <<<"$j")" = true ]
	[ "$(jq -c '.[0].Config.Cmd, .[0].Config.Entrypoint, .[0].Config.Labels, .[0].Mounts' <<<"$j")" = "$(printf '["sh","-c","sleep 100"]\nnull\n{}\n[]')" ]
	[ "$(jq -r '.[0].HostConfig.AutoRemove' <<<"$j")" = false ]
	[ -f "$(jq -r '.[0].LogPath' <<<"$j")" ]
	[ "$(jq -r '.[0].State.Pid' <<<"$j")" = "$(field insp pid)" ]
	tote kill insp >/dev/null
	tote wait insp >/dev/null
	run -0 tote inspect insp
	[ "$(jq -r '.[0].State | [.Status, .Running, .Pid, .ExitCode] | @tsv' <<<"$output")" = "$(printf 'exited\tfalse\t0\t137')" ]
	[ "$(jq -r '.[0].State.FinishedAt' <<<"$output")" != 0001-01-01T00:00:00Z ]
	# an image, and what is neither
	run -0 tote inspect t/bb:1
	[ "$(jq -r '.[0].name' <<<"$output")" = docker.io/t/bb:1 ]
	run -1 --separate-stderr tote inspect insp nothing-here
	[ "$(jq length <<<"$output")" = 1 ]
	[[ "$stderr" == *"no container or image nothing-here"* ]]
}

@test "rm: a running container is refused; rm -f kills it and removes it with nothing left mounted" {
	local id
	id=$(tote run -d --name busy t/bb:1 sleep 100)
	local pid
	pid=$(field busy pid)
	run -1 --separate-stderr tote rm busy
	[[ "$stderr" == *"container busy is running: stop it first (tote stop), or remove it with tote rm -f"* ]]
	[ "$(field busy state)" = running ]
	run -0 tote rm -f busy
	[ "$output" = busy ]
	[ ! -e "$STORE/containers/$id" ]
	! grep -q " $STORE/" /proc/mounts
	[ ! -d "/proc/$pid" ] || [ "$(awk '{print $3}' "/proc/$pid/stat")" = Z ]
	[ ! -e "/run/tote/$id" ]
	[ -z "$(ls "$STORE/holds")" ]
}

@test "run -d --rm: the container is removed when it exits; wait still gets its code" {
	local id
	id=$(tote run -d --rm t/bb:1 sh -c 'sleep 1; exit 6')
	[ -d "$STORE/containers/$id" ]
	run -0 tote wait "$id"
	[ "$output" = 6 ]
	for _ in $(seq 50); do [ -e "$STORE/containers/$id" ] || break; sleep 0.1; done
	[ ! -e "$STORE/containers/$id" ]
	! grep -q " $STORE/" /proc/mounts
	[ -z "$(ls "$STORE/holds")" ]
}

@test "logs rotate at --log-opt max-size: ctr.log.1 and ctr.log, each under the cap" {
	tote run -d --name chatty --log-opt max-size=1k t/bb:1 \
		sh -c 'i=0; while [ $i -lt 100 ]; do i=$((i+1)); echo "line $i"; done' >/dev/null
	tote wait chatty >/dev/null
	local dir
	dir=$(dirname "$(tote inspect chatty | jq -r '.[0].LogPath')")
	[ -f "$dir/ctr.log.1" ]
	[ "$(stat -c %s "$dir/ctr.log")" -le 1024 ]
	[ "$(stat -c %s "$dir/ctr.log.1")" -le 1024 ]
	[ ! -e "$dir/ctr.log.2" ]
	run -0 tote logs chatty
	[ "${lines[-1]}" = "line 100" ]
	[ "${#lines[@]}" -lt 100 ]
	# the lines kept follow each other up to the last
	local n=${#lines[@]}
	[ "${lines[0]}" = "line $((101 - n))" ]
	# -f goes on across rotations: every line once, in order
	tote run -d --name slow --log-opt max-size=1k t/bb:1 \
		sh -c 'i=0; while [ $i -lt 40 ]; do i=$((i+1)); echo "line $i"; sleep 0.05; done' >/dev/null
	run -0 tote logs -f slow
	[ "${lines[-1]}" = "line 40" ]
	n=${#lines[@]}
	[ "$n" -gt 20 ]
	for i in $(seq 0 $((n - 1))); do
		[ "${lines[$i]}" = "line $((41 - n + i))" ]
	done
	[ -f "$(dirname "$(tote inspect slow | jq -r '.[0].LogPath')")/ctr.log.1" ]
	run -125 --separate-stderr tote run --log-opt max-size=lots t/bb:1 true
	[[ "$stderr" == *"max-size=lots"* ]]
	run -125 --separate-stderr tote run --log-opt max-file=3 t/bb:1 true
}

@test "a killed monitor leaves no container running: its processes killed, its rootfs unmounted" {
	local id
	id=$(tote run -d --name orphan t/bb:1 sleep 100)
	local mon pid
	mon=$(field orphan monitor_pid)
	pid=$(field orphan pid)
	kill -9 "$mon"
	for _ in $(seq 50); do [ -d "/proc/$mon" ] || break; sleep 0.1; done
	run -0 tote ps -a
	assert_line --regexp '"sleep 100" +Exited \(255\) .* ago +orphan$'
	run -0 tote ps -q
	[ -z "$output" ]
	! grep -q " $STORE/" /proc/mounts
	[ ! -e "/run/tote/$id" ]
	[ ! -d "/proc/$pid" ] || [ "$(awk '{print $3}' "/proc/$pid/stat")" = Z ]
	run -0 tote rm orphan
}
