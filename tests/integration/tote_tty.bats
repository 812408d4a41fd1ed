#!/usr/bin/env bats
# -i and -t of tote run and tote exec: stdin kept open or ours relayed (and
# its EOF), a pty that our terminal drives (raw mode, its size, ^C), the
# output of a pty in the log.  A terminal for tote comes from script(1).

load tote_helpers

setup_file() {
	rootfs_tarball
}

setup() { store_setup; }
teardown() { store_teardown; }

# in_pty COMMAND — run COMMAND (a shell line) on a new pty, 30 rows by 100
# columns, with this test's stdin; its output without carriage returns
in_pty() {
	script -qec "stty rows 30 cols 100; $1" /dev/null | tr -d '\r'
}

@test "run -i: our stdin goes to the container, and our EOF ends it" {
	run -0 bash -c "printf 'a\nb\n' | $TOTE --root $STORE run --rm -i t/bb:1 sh -c 'cat; echo end'"
	[ "$output" = $'a\nb\nend' ]
	# without -i the container reads nothing of ours
	run -0 bash -c "echo secret | $TOTE --root $STORE run --rm t/bb:1 sh -c 'cat; echo end'"
	[ "$output" = end ]
}

@test "run -it: a pty the size of ours, driven by ours; the command's exit status" {
	run in_pty "printf 'tty; stty size; exit 7\n' | $TOTE --root $STORE run --rm -it t/bb:1 sh; echo \"status \$?\""
	assert_line /dev/pts/0
	assert_line "30 100"
	assert_line "status 7"
}

@test "run -it: ^C reaches the container's foreground process through its pty" {
	# the keys are typed once the container says it is ready (a file in a
	# directory bound in), so a loaded machine cannot reorder them
	local sync="$BATS_TEST_TMPDIR/sync"
	mkdir -p "$sync"
	cat >"$BATS_TEST_TMPDIR/keys.sh" <<KEYS
for i in \$(seq 300); do [ -e $sync/ready ] && break; sleep 0.1; done
printf '\003'
for i in \$(seq 300); do [ -e $sync/int ] && break; sleep 0.1; done
printf 'echo after-int; exit 0\n'
KEYS
	# the shell's own redirections, no child, mark the steps: a shell waiting
	# for a child that exits normally ignores the SIGINT it got meanwhile
	cat >"$sync/ctr.sh" <<'CTR'
trap 'echo got-int; : >/sync/int; exec sh' INT
: >/sync/ready
sleep 30
CTR
	run in_pty "sh $BATS_TEST_TMPDIR/keys.sh | $TOTE --root $STORE run --rm -it -v $sync:/sync t/bb:1 sh /sync/ctr.sh; echo \"status \$?\""
	assert_line --regexp "got-int$"
	assert_line after-int
	assert_line "status 0"
}

@test "run -d -t: the pty's output is the log (stdout, CR LF as a terminal writes it); -d -i keeps stdin open" {
	run -0 tote run -d --name t1 -t t/bb:1 sh -c 'tty; echo x'
	tote wait t1 >/dev/null
	run -0 bash -c "$TOTE --root $STORE logs t1 | od -c | head -3"
	assert_output --partial '\r  \n'
	[ "$(tote logs t1 | tr -d '\r')" = $'/dev/pts/0\nx' ]
	# cat on a stdin that stays open runs on; on /dev/null it ends at once
	tote run -d --name i1 -i t/bb:1 cat >/dev/null
	tote run -d --name n1 t/bb:1 cat >/dev/null
	sleep 0.5
	[ "$(tote inspect i1 | jq -r '.[0].State.Status')" = running ]
	[ "$(tote inspect n1 | jq -r '.[0].State.Status')" = exited ]
	[ "$(tote inspect i1 | jq -c '.[0].Config | [.Tty, .OpenStdin]')" = '[false,true]' ]
}

@test "exec -i, exec -it, and exec without -i" {
	tote run -d --name box t/bb:1 sleep 600 >/dev/null
	run -0 bash -c "echo piped | $TOTE --root $STORE exec -i box cat"
	[ "$output" = piped ]
	run -0 bash -c "echo piped | $TOTE --root $STORE exec box cat"
	[ -z "$output" ]
	run in_pty "printf 'tty; stty size; exit 4\n' | $TOTE --root $STORE exec -it box sh; echo \"status \$?\""
	assert_line /dev/pts/0
	assert_line "30 100"
	assert_line "status 4"
	run -125 --separate-stderr tote exec -d -t box sh
	[[ "$stderr" == *"-d with -t"* ]]
}

@test "attach: the output from now on (streams kept apart), stdin for a -i container, the exit status" {
	tote run -d --name a1 t/bb:1 sh -c 'sleep 1; echo out; echo err >&2; exit 4' >/dev/null
	run -4 --separate-stderr tote attach a1
	[ "$output" = out ]
	[ "$stderr" = err ]
	tote run -d -i --name a2 t/bb:1 sh -c 'while read l; do echo "got $l"; [ "$l" = quit ] && exit 6; done' >/dev/null
	run -6 bash -c "printf 'x\nquit\n' | $TOTE --root $STORE attach a2"
	[ "$output" = $'got x\ngot quit' ]
	# --no-stdin: nothing of ours reaches it
	tote run -d -i --name a3 t/bb:1 sh -c 'read l; echo "got $l"' >/dev/null
	run bash -c "echo mine | timeout 2 $TOTE --root $STORE attach --no-stdin --sig-proxy=false a3"
	[ "$status" -eq 124 ]
	[ -z "$output" ]
	run -125 --separate-stderr tote attach a1
	[[ "$stderr" == *"container a1 is not running"* ]]
}

@test "attach to a -t container: its pty, sized like ours, our keys; a second attach sees the same output" {
	tote run -d -it --name t2 t/bb:1 sh >/dev/null
	tote run -d --name t3 t/bb:1 sh -c 'sleep 1; echo shared' >/dev/null
	run in_pty "printf 'stty size; exit 3\n' | $TOTE --root $STORE attach t2; echo \"status \$?\""
	assert_line "30 100"
	assert_line "status 3"
	# two commands attached at once both get the output
	tote attach t3 >"$BATS_TEST_TMPDIR/one" &
	local one=$!
	run -0 tote attach t3
	wait "$one"
	[ "$output" = shared ]
	[ "$(cat "$BATS_TEST_TMPDIR/one")" = shared ]
}

@test "start -a: attached to a container started again (its output, its status); -i gives it our stdin" {
	tote run --name s1 t/bb:1 sh -c 'echo "run $(cat /count 2>/dev/null)"; echo x >>/count; exit 5' >/dev/null || true
	run -5 --separate-stderr tote start -a s1
	[ "$output" = "run x" ]
	tote run -d -i --name s2 t/bb:1 sh -c 'read l; echo "got $l"; exit 2' >/dev/null
	echo first | tote attach s2 >/dev/null || true
	run -2 bash -c "echo second | $TOTE --root $STORE start -a -i s2"
	[ "$output" = "got second" ]
	run -125 --separate-stderr tote start -i s2
	[[ "$stderr" == *"tote start -i needs -a"* ]]
	run -125 --separate-stderr tote start -a s1 s2
}
