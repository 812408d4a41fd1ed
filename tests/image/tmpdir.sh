# tests/image/tmpdir.sh — sourced by the image scripts: work in DEST.tmp.PID
# and rename into place at the end, so that DEST is always whole.
#
# start_tmp DEST — sets TMP and OLD beside DEST, removes what killed earlier
# runs left (their pid is gone), and removes TMP and OLD on exit.
start_tmp() {
	local dest=$1 stale pid
	TMP="$dest.tmp.$$"
	OLD="$dest.old.$$"
	for stale in "$dest".tmp.* "$dest".old.*; do
		[ -e "$stale" ] || continue
		pid=${stale##*.}
		case "$pid" in *[!0-9]*) continue ;; esac
		kill -0 "$pid" 2>/dev/null || rm -rf "$stale"
	done
	trap 'rm -rf "$TMP" "$OLD"' EXIT
	rm -rf "$TMP"
}
