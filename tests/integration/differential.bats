#!/usr/bin/env bats
# The same user scenarios run with podman and with tote, and what a user
# sees compared: exit codes, output, env, user and groups (id), workdir, the
# image's Entrypoint and Cmd against --entrypoint and arguments, volumes
# (named, anonymous from the image's Volumes, binds), logs, and the key
# fields of inspect.  podman stands in for docker here: where podman itself
# is known to differ from docker, the scenario is left out or the field is
# normalized, and a comment says why.
#
# The image: one layer (build/rootfs plus /data/seed, owned by 1000:1000,
# and /srv/app/marker) with a config setting Env, Entrypoint, Cmd,
# WorkingDir, User (tote, uid 1000, a member of staff in the rootfs's
# /etc/group), Volumes (/data), Labels and StopSignal; a docker-archive
# made once, loaded by both (tote into each test's own store, podman into
# one store for the file, under $BATS_FILE_TMPDIR, with its own --tmpdir so
# that nothing of the host's podman state is touched).  Both sides run with
# --network none; podman with Debian's runc.

load tote_helpers

IMG=docker.io/t/cfg:1
# podman's defaults exceed this machine's hard nofile limit
PM_LIMITS=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

# make_archive FILE — the image above, as a docker-archive named $IMG.
make_archive() {
	local out=$1 w="$BATS_FILE_TMPDIR/img" diffid cfg
	rm -rf "$w"
	mkdir -p "$w/ar/layer"
	cp -a "$ROOTFS_SRC" "$w/fs"
	mkdir -p "$w/fs/data" "$w/fs/srv/app"
	printf 'from-image\n' >"$w/fs/data/seed"
	printf 'app\n' >"$w/fs/srv/app/marker"
	chmod 0644 "$w/fs/data/seed" "$w/fs/srv/app/marker"
	chmod 0755 "$w/fs/srv" "$w/fs/srv/app"
	chmod 0750 "$w/fs/data"
	chown -R 1000:1000 "$w/fs/data"
	tar --format=ustar --sort=name --mtime=@0 --numeric-owner -C "$w/fs" \
		-cf "$w/ar/layer/layer.tar" .
	diffid=sha256:$(sha256sum "$w/ar/layer/layer.tar" | cut -d' ' -f1)
	jq -nc --arg d "$diffid" '{
		created: "1970-01-01T00:00:00Z", architecture: "amd64", os: "linux",
		config: {
			Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
				"IMG_VAR=img", "SHARED=from-image"],
			Entrypoint: ["/bin/echo", "ep"],
			Cmd: ["cmd1", "cmd2"],
			WorkingDir: "/srv/app",
			User: "tote",
			Volumes: {"/data": {}},
			Labels: {"org.example.role": "test", "org.example.empty": ""},
			StopSignal: "SIGUSR1"
		},
		rootfs: {type: "layers", diff_ids: [$d]},
		history: [{created: "1970-01-01T00:00:00Z", created_by: "differential.bats"}]
	}' >"$w/ar/config.json"
	cfg=$(sha256sum "$w/ar/config.json" | cut -d' ' -f1).json
	mv "$w/ar/config.json" "$w/ar/$cfg"
	jq -nc --arg c "$cfg" --arg t "$IMG" '[{Config: $c, RepoTags: [$t], Layers: ["layer/layer.tar"]}]' \
		>"$w/ar/manifest.json"
	tar -C "$w/ar" -cf "$out" manifest.json "$cfg" layer
	rm -rf "$w"
}

pm() {
	timeout 60 podman --root "$PODMAN_DIR/root" --runroot "$PODMAN_DIR/runroot" \
		--tmpdir "$PODMAN_DIR/tmp" --runtime runc --cgroup-manager cgroupfs \
		--events-backend file "$@"
}

setup_file() {
	command -v podman >/dev/null || skip "podman is not installed"
	ensure_rootfs
	export ARCHIVE="$BATS_FILE_TMPDIR/cfg.tar"
	make_archive "$ARCHIVE"
	export PODMAN_DIR="$BATS_FILE_TMPDIR/podman"
	mkdir -p "$PODMAN_DIR"
	pm load -q -i "$ARCHIVE" >/dev/null
}

# what podman (and its overlay driver) left mounted under its dir, deepest
# first
umount_under() {
	grep " $1/" /proc/mounts | awk '{ print $2 }' | sort -r | xargs -r -n1 umount -l
}

# Not podman system reset: besides the store, it removes every network but
# the default from the host's network configuration, which is not this
# file's.
teardown_file() {
	[ -n "${PODMAN_DIR:-}" ] && [ -d "$PODMAN_DIR" ] || return 0
	pm rm -af -t 0 -v >/dev/null 2>&1 || true
	pm volume rm -af >/dev/null 2>&1 || true
	pm rmi -af >/dev/null 2>&1 || true
	umount_under "$PODMAN_DIR" 2>/dev/null || true
	rm -rf "$PODMAN_DIR" 2>/dev/null || true
}

setup() {
	STORE="$BATS_TEST_TMPDIR/store"
	tote load -q -i "$ARCHIVE"
}

# everything of the test on both sides: containers (killed at once: -t 0,
# as the image's StopSignal is one sleep ignores), their volumes, named ones
teardown() {
	pm rm -af -t 0 -v >/dev/null 2>&1 || true
	pm volume rm -af >/dev/null 2>&1 || true
	store_teardown
}

# both ARGS... — `run --rm --network none ARGS...` with tote, then podman:
# $t_out, $t_err, $t_rc and $p_out, $p_err, $p_rc.
both() {
	t_rc=0 p_rc=0
	t_out=$(tote run --rm --network none "$@" 2>"$BATS_TEST_TMPDIR/t.err") || t_rc=$?
	t_err=$(<"$BATS_TEST_TMPDIR/t.err")
	p_out=$(pm run --rm --network none "${PM_LIMITS[@]}" "$@" 2>"$BATS_TEST_TMPDIR/p.err") || p_rc=$?
	p_err=$(<"$BATS_TEST_TMPDIR/p.err")
}

# both_d NAME ARGS... — `run -d --name NAME --network none ARGS...` on
# both sides; fails the test if either does not start.
both_d() {
	local name=$1
	shift
	tote run -d --name "$name" --network none "$@" >/dev/null
	pm run -d --name "$name" --network none "${PM_LIMITS[@]}" "$@" >/dev/null
}

# same WHAT TOTE PODMAN — succeeds when the two are equal; otherwise shows
# both and fails.
same() {
	[ "$2" = "$3" ] && return 0
	printf '%s differs\n--- tote:\n%s\n--- podman:\n%s\n---\n' "$1" "$2" "$3" >&2
	return 1
}

# same_run WHAT — the last `both`: the same exit code and stdout.
same_run() {
	same "$1: exit code" "$t_rc" "$p_rc"
	same "$1: stdout" "$t_out" "$p_out"
}

@test "image: tote and podman load the same archive and read the same config" {
	local keys='{Env, Entrypoint, Cmd, WorkingDir, User, Volumes, Labels, StopSignal}'
	# tote's image inspect has its own lower-case keys ("config"), podman's docker's
	same "image config" "$(tote inspect "$IMG" | jq -S ".[0].config | $keys")" \
		"$(pm image inspect "$IMG" | jq -S ".[0].Config | $keys")"
	same "image's id" "$(tote inspect "$IMG" | jq -r '.[0].id')" \
		"sha256:$(pm image inspect "$IMG" | jq -r '.[0].Id')"
}

@test "run: an attached container's stdout, stderr and exit code; --rm leaves no container" {
	both --entrypoint sh "$IMG" -c 'echo out; echo err >&2; exit 3'
	same_run "sh -c exit 3"
	[ "$t_rc" -eq 3 ]
	same "stderr" "$t_err" "$p_err"
	same "containers left" "$(tote ps -a -q)" "$(pm ps -a -q)"
}

# Each engine words its own errors (stderr), so only the exit codes are
# compared.
@test "run: exit codes: 0, 255, 127 (not found in PATH, no such path, an entrypoint with a space), 126 (not executable, a directory), 125 (no command)" {
	local c
	for c in 'sh -c true' 'sh -c "exit 255"' no-such-command /no/such/path /etc /etc/passwd; do
		eval "both --entrypoint '' $IMG $c"
		same "$c: exit code" "$t_rc" "$p_rc"
	done
	[ "$t_rc" -eq 126 ]
	both --entrypoint 'echo hi' "$IMG"
	same "--entrypoint 'echo hi': exit code" "$t_rc" "$p_rc"
	[ "$t_rc" -eq 127 ]
	# an empty entrypoint and no arguments: nothing to run
	both --entrypoint '' "$IMG"
	same "--entrypoint '' alone: exit code" "$t_rc" "$p_rc"
	[ "$t_rc" -eq 125 ]
}

@test "run: the image's Entrypoint and Cmd; arguments replace Cmd; --entrypoint drops Cmd; --entrypoint '' runs the arguments" {
	both "$IMG"
	same_run "the image's Entrypoint and Cmd"
	[ "$t_out" = "ep cmd1 cmd2" ]
	both "$IMG" a 'b c'
	same_run "arguments"
	both --entrypoint /bin/echo "$IMG"
	same_run "--entrypoint alone"
	both --entrypoint /bin/echo "$IMG" x 'y z'
	same_run "--entrypoint and arguments"
	both --entrypoint '' "$IMG" echo direct
	same_run "--entrypoint '' and arguments"
	[ "$t_out" = direct ]
	both --entrypoint sh "$IMG" -c 'echo "$0|$1|$#"' zero one
	same_run "--entrypoint sh -c with positional arguments"
}

# The environment a process sees, HOSTNAME aside (it must be the host name
# on both, its value differs): podman also sets container=podman, and TERM
# without a terminal; docker sets neither, so they are dropped.  The order
# differs (podman's is a map's), so the lines are sorted.
env_of() {
	grep -v -e '^container=podman$' -e '^TERM=' -e '^HOSTNAME=' <<<"$1" | sort
}
ENV_CMD='env; [ "$HOSTNAME" = "$(hostname)" ] && echo "(HOSTNAME is the host name)"'

@test "env: the image's Env, -e over it, -e KEY from the caller (left out when unset), --env-file; HOME from the user's passwd entry" {
	both --entrypoint sh "$IMG" -c "$ENV_CMD"
	same "exit code" "$t_rc" "$p_rc"
	same "env (the image's)" "$(env_of "$t_out")" "$(env_of "$p_out")"
	[[ "$t_out" == *HOME=/home/tote* ]]
	[[ "$t_out" == *"(HOSTNAME is the host name)"* ]]
	printf 'FROM_FILE=f\n# a comment\nSHARED=from-file\nCALLER_VAR\n' >"$BATS_TEST_TMPDIR/env"
	unset NOT_SET_HERE
	CALLER_VAR=from-caller both --entrypoint sh -u root -e SHARED=flag -e NEW='a b' \
		-e CALLER_VAR -e NOT_SET_HERE --env-file "$BATS_TEST_TMPDIR/env" -e LAST=1 "$IMG" -c "$ENV_CMD"
	same "exit code" "$t_rc" "$p_rc"
	same "env (-e, --env-file, -u root)" "$(env_of "$t_out")" "$(env_of "$p_out")"
	[[ "$t_out" == *CALLER_VAR=from-caller* ]]
	[[ "$t_out" == *HOME=/root* ]]
}

# Left out: a user of no passwd entry by name, which both refuse, tote with
# 125 as docker, podman 4.3 with 126.
#
# id as both show it; a uid or gid with no entry in /etc/passwd or
# /etc/group is printed bare by tote (as docker), while podman adds an
# entry named by the number to the container's files: "uid=4242(4242)".
id_of() { sed 's/([0-9]*)//g' <<<"$1"; }

@test "user: id for the image's User, -u name, uid, name:group, uid:gid, root, a uid of no passwd entry: uid, gid and supplementary groups" {
	local u
	for u in '' root 0 tote 1000 tote:staff 1000:50 0:50 nobody 4242 4242:4242 tote:4242; do
		both ${u:+-u "$u"} --entrypoint id "$IMG"
		same "-u '$u': exit code" "$t_rc" "$p_rc"
		same "-u '$u': id" "$(id_of "$t_out")" "$(id_of "$p_out")"
	done
	# the image's user: its own group and staff, which lists it
	both --entrypoint id "$IMG"
	[ "$t_out" = "uid=1000(tote) gid=1000(tote) groups=50(staff),1000(tote)" ]
}

# Left out: a -w directory missing from the image; docker (and tote, see
# run.bats) makes it, podman 4.3 refuses the run (126).
@test "workdir: the image's WorkingDir, -w over it, for run and exec" {
	both --entrypoint pwd "$IMG"
	same_run "the image's WorkingDir"
	[ "$t_out" = /srv/app ]
	both --entrypoint sh -w /tmp "$IMG" -c 'pwd; ls /srv/app'
	same_run "-w /tmp"
	both_d wd --entrypoint sleep "$IMG" 100
	same "exec: pwd" "$(tote exec wd pwd)" "$(pm exec wd pwd)"
	same "exec -w /usr: pwd" "$(tote exec -w /usr wd pwd)" "$(pm exec -w /usr wd pwd)"
}

# Groups are left out for exec: podman 4.3's exec sets other supplementary
# groups than its run does (docker's exec sets the same as its run).
@test "exec: the container's user, env and workdir; -u, -e; the exit code; 127 for a command not found" {
	both_d ex --entrypoint sleep -e FROM_RUN=r "$IMG" 100
	local c t p
	for c in 'id -u; id -g; id -un' 'echo "$FROM_RUN $IMG_VAR $HOME"' 'exit 5'; do
		t=$(tote exec ex sh -c "$c") && t="$t rc=0" || t="$t rc=$?"
		p=$(pm exec ex sh -c "$c") && p="$p rc=0" || p="$p rc=$?"
		same "exec sh -c '$c'" "$t" "$p"
	done
	t=$(tote exec -u root:staff -e X=1 ex sh -c 'id -u; id -g; echo "$X $FROM_RUN"')
	p=$(pm exec -u root:staff -e X=1 ex sh -c 'id -u; id -g; echo "$X $FROM_RUN"')
	same "exec -u root:staff -e X=1" "$t" "$p"
	t=0 p=0
	tote exec ex no-such-command 2>/dev/null || t=$?
	pm exec ex no-such-command 2>/dev/null || p=$?
	same "exec no-such-command: exit code" "$t" "$p"
	[ "$t" -eq 127 ]
}

# ls -lan of /data without its ".." line: the container's root directory
# has mode 0555 under podman's overlay driver and 0755 under tote.
LS_DATA='ls -lan /data | sed -e 1d -e "/ \.\.$/d"; cat /data/*'

@test "volume: a new named volume over an image directory is filled from it (owners, modes, content); the next container sees what the last one left" {
	both -v vol:/data --entrypoint sh "$IMG" -c "$LS_DATA; echo mine >/data/mine"
	same_run "the new volume"
	[[ "$t_out" == *from-image* ]]
	both -v vol:/data --entrypoint sh "$IMG" -c "rm /data/seed; $LS_DATA"
	same_run "the volume the second time"
	both -v vol:/data --entrypoint ls "$IMG" -A /data
	same_run "the volume the third time (the image's seed not copied again)"
	[ "$t_out" = mine ]
	both -v vol:/data:ro --entrypoint sh "$IMG" -c 'touch /data/x 2>/dev/null; echo $?'
	same_run "the volume read-only"
	same "volumes" "$(tote volume ls -q)" "$(pm volume ls -q)"
}

# An anonymous volume's name is random on each side: only how many there
# are is compared.
@test "volume: the image's Volumes become an anonymous volume, filled from the image; --rm removes it, rm keeps it, rm -v removes it" {
	both --entrypoint sh "$IMG" -c "$LS_DATA; grep -c ' /data ' /proc/mounts"
	same_run "the image's volume"
	same "volumes after --rm" "$(tote volume ls -q | wc -l)" "$(pm volume ls -q | wc -l)"
	both_d a1 --entrypoint true "$IMG"
	both_d a2 --entrypoint true "$IMG"
	tote wait a1 a2 >/dev/null
	pm wait a1 a2 >/dev/null
	same "volumes of two containers" "$(tote volume ls -q | wc -l)" "$(pm volume ls -q | wc -l)"
	tote rm a1 >/dev/null
	pm rm a1 >/dev/null
	same "volumes after rm" "$(tote volume ls -q | wc -l)" "$(pm volume ls -q | wc -l)"
	tote rm -v a2 >/dev/null
	pm rm -v a2 >/dev/null
	same "volumes after rm -v" "$(tote volume ls -q | wc -l)" "$(pm volume ls -q | wc -l)"
	# a host directory over the image's volume path: no anonymous volume
	mkdir -p "$BATS_TEST_TMPDIR/over"
	both -v "$BATS_TEST_TMPDIR/over:/data" --entrypoint ls "$IMG" -A /data
	same_run "a bind over the image's volume path"
	same "volumes after a bind over /data" "$(tote volume ls -q | wc -l)" "$(pm volume ls -q | wc -l)"
}

@test "bind mount: the host directory's content; a write reaches the host; :ro refuses writes" {
	local s
	for s in t p; do
		mkdir -p "$BATS_TEST_TMPDIR/host-$s/sub"
		echo host >"$BATS_TEST_TMPDIR/host-$s/f"
	done
	t_out=$(tote run --rm --network none -u root -v "$BATS_TEST_TMPDIR/host-t:/mnt/h" --entrypoint sh "$IMG" \
		-c 'cat /mnt/h/f; ls -A /mnt/h; echo back >/mnt/h/back')
	p_out=$(pm run --rm --network none "${PM_LIMITS[@]}" -u root -v "$BATS_TEST_TMPDIR/host-p:/mnt/h" --entrypoint sh "$IMG" \
		-c 'cat /mnt/h/f; ls -A /mnt/h; echo back >/mnt/h/back')
	same "the bind mount's content" "$t_out" "$p_out"
	same "what the container wrote" "$(ls -A "$BATS_TEST_TMPDIR/host-t"; cat "$BATS_TEST_TMPDIR/host-t/back")" \
		"$(ls -A "$BATS_TEST_TMPDIR/host-p"; cat "$BATS_TEST_TMPDIR/host-p/back")"
	both -u root -v "$BATS_TEST_TMPDIR/host-t:/mnt/h:ro" --entrypoint sh "$IMG" \
		-c 'cat /mnt/h/back; touch /mnt/h/x 2>/dev/null; echo $?'
	same_run "a read-only bind"
	[ ! -e "$BATS_TEST_TMPDIR/host-t/x" ]
}

@test "logs: a -d container's stdout and stderr, apart, a last line without a newline; wait's exit code" {
	both_d lg --entrypoint sh "$IMG" -c \
		'for i in 1 2 3; do echo out$i; echo err$i >&2; done; echo; echo "  spaced  "; printf "no newline"; exit 4'
	same "wait" "$(tote wait lg)" "$(pm wait lg)"
	# byte for byte: the last line has no newline
	same "logs: stdout" "$(tote logs lg 2>/dev/null | od -c)" "$(pm logs lg 2>/dev/null | od -c)"
	same "logs: stderr" "$(tote logs lg 2>&1 >/dev/null)" "$(pm logs lg 2>&1 >/dev/null)"
}

# Only stdout here: which of two streams written together comes last in
# the log depends on how the engine reads them.  podman's logs -n is
# --names, so --tail is spelled out; podman 4.3 takes no --tail all.
@test "logs --tail N: the last N lines (0, fewer than there are, more than there are)" {
	both_d tl --entrypoint sh "$IMG" -c 'for i in 1 2 3 4 5; do echo line$i; done; echo; echo last'
	tote wait tl >/dev/null
	pm wait tl >/dev/null
	local n
	for n in 0 1 3 7 100; do
		same "logs --tail $n" "$(tote logs --tail "$n" tl)" "$(pm logs --tail "$n" tl)"
	done
}

# inspect JSON, reduced to what docker, podman and tote should agree on.
#  - Name: docker's and tote's have a leading "/", podman's not;
#  - Config.Entrypoint: podman 4.3 joins it into a string (docker: an array,
#    null when empty), split back here (no element here has a space);
#  - Config.Env: podman's also has HOME, TERM and container=podman (docker's
#    has none of them), dropped; HOSTNAME (the id's first 12) differs, and
#    the order: sorted;
#  - Config.Hostname, State.Pid, *At: different values; what they are is kept;
#  - Mounts: the keys all three have (Mode and Propagation differ: podman's
#    volumes say "rprivate", docker's ""; podman leaves :ro out of Mode);
#    an anonymous volume's name is random, a volume's Source under each
#    store; sorted by Destination.
INSPECT='
def ep: if type == "string" then (if . == "" then null else split(" ") end) else . end;
.[0] | {
	Name: (.Name | ltrimstr("/")),
	Path, Args,
	State: (.State | {Status, Running, Paused, Restarting, OOMKilled, Dead, ExitCode,
		Pid: (.Pid > 0), Started: (.StartedAt | startswith("0001-") | not),
		Finished: (.FinishedAt | startswith("0001-") | not)}),
	Config: (.Config | {Cmd, Entrypoint: (.Entrypoint | ep),
		Env: ([.Env[] | select(test("^(HOSTNAME|HOME|TERM|container)=") | not)] | sort),
		Labels, User, WorkingDir, Tty, OpenStdin}),
	HostnameIsId: (.Config.Hostname == .Id[0:12]),
	Mounts: ([.Mounts[] | {Type, Destination, RW}
		+ (if .Type == "volume" then {Name: (if (.Name | test("^[0-9a-f]{64}$")) then "(anonymous)" else .Name end)} else {} end)
		+ (if .Type == "bind" then {Source} else {} end)] | sort_by(.Destination))
}'

# StopSignal: docker's and tote's a name, podman's a number
signum() { if [[ $1 =~ ^[0-9]+$ ]]; then echo "$1"; else kill -l "${1#SIG}"; fi; }

# wait_log NAME TEXT — until the logs of NAME hold TEXT on both sides (10 s
# at most).
wait_log() {
	local i
	for i in $(seq 100); do
		tote logs "$1" 2>/dev/null | grep -q "$2" && pm logs "$1" 2>/dev/null | grep -q "$2" && return 0
		sleep 0.1
	done
	echo "$1 did not print $2 on both sides" >&2
	return 1
}

# same_inspect NAME — inspect of NAME on both sides, reduced (INSPECT).
same_inspect() {
	same "inspect $1" "$(tote inspect "$1" | jq -S "$INSPECT")" "$(pm inspect "$1" | jq -S "$INSPECT")"
}

@test "inspect: a running container, then stopped by the image's StopSignal, and one killed: State, Config, Name, Path, Args, Mounts" {
	both_d up --entrypoint sh "$IMG" -c 'trap "echo got usr1; exit 7" USR1; echo up; while :; do sleep 0.1; done'
	both_d k --entrypoint sleep "$IMG" 100
	same_inspect up
	# its trap is set once it has printed "up"
	wait_log up up
	tote inspect up | jq -e '.[0].State.Running' >/dev/null
	same "StopSignal" "$(signum "$(tote inspect up | jq -r '.[0].Config.StopSignal')")" \
		"$(signum "$(pm inspect up | jq -r '.[0].Config.StopSignal')")"
	tote stop -t 10 up >/dev/null
	pm stop -t 10 up >/dev/null
	same_inspect up
	[ "$(tote inspect up | jq -r '.[0].State | "\(.Status) \(.ExitCode)"')" = "exited 7" ]
	same "logs after stop" "$(tote logs up)" "$(pm logs up)"
	tote kill k >/dev/null
	pm kill k >/dev/null
	same "wait after kill" "$(tote wait k)" "$(pm wait k)"
	same_inspect k
}

@test "inspect: an exited container with -e, -l, -w, -u, a named volume, binds and arguments; one with --entrypoint ''" {
	mkdir -p "$BATS_TEST_TMPDIR/b"
	local flags=(-e A=1 -e SHARED=flag -l mine=yes -l org.example.role=over -w /tmp -u 0:50
		-v nv:/data -v "$BATS_TEST_TMPDIR/b:/mnt/ro:ro" -v "$BATS_TEST_TMPDIR/b:/mnt/rw")
	tote run --name full --network none "${flags[@]}" "$IMG" arg1 'arg 2' >/dev/null
	pm run --name full --network none "${PM_LIMITS[@]}" "${flags[@]}" "$IMG" arg1 'arg 2' >/dev/null
	same_inspect full
	tote run --name noep --network none --entrypoint '' "$IMG" echo x >/dev/null
	pm run --name noep --network none "${PM_LIMITS[@]}" --entrypoint '' "$IMG" echo x >/dev/null
	same_inspect noep
	tote run --name failed --network none --entrypoint sh "$IMG" -c 'exit 3' >/dev/null || true
	pm run --name failed --network none "${PM_LIMITS[@]}" --entrypoint sh "$IMG" -c 'exit 3' >/dev/null || true
	same_inspect failed
}
