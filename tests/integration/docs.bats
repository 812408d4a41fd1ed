#!/usr/bin/env bats
# docs/commands/ has a page per command `tote --help` lists, and each page
# holds its command's usage line, summary and exactly the flags its --help
# lists (each subcommand of volume, network, system, image and container in
# a section of its own).

load tote_helpers

# check CMD [SUB] — what --help says against the page; prints each difference
check() {
	local c=$1 s=${2:-} p="$REPO/docs/commands/tote-$1.md" h sec sum want have
	h=$("$TOTE" $c $s --help | sed 's/ *$//')
	if [ -z "$s" ]; then
		sec=$(sed -n '/^## Flags$/,/^## /p' "$p")
	else
		sec=$(sed -n "/^### tote $c $s\$/,/^##/p" "$p")
		[ -n "$sec" ] || echo "$c $s: no section"
	fi
	grep -qxF "$(sed -n 1p <<<"$h")" "$p" || echo "$c $s: usage line not on the page"
	sum=$(sed -n '3{/^Flags:$/d;p}' <<<"$h")
	[ -z "$sum" ] || grep -qxF "$sum" "$p" || echo "$c $s: summary not on the page"
	want=$(sed -n '/^Flags:$/,$p' <<<"$h" | tail -n +2 | cut -c3-34 | sed 's/^ *//; s/ *$//' | sort)
	have=$(sed -n 's/^| `\(-[^`]*\)` |.*/\1/p' <<<"$sec" | sort)
	[ "$want" = "$have" ] || echo "$c $s: flags differ: --help [$want] page [$have]"
}

@test "docs/commands: a page per command, with its usage, summary and exactly its flags" {
	local c s out=""
	for c in $("$TOTE" --help | awk '/^Commands:/{f=1;next} /^$/{f=0} f{print $1}'); do
		[ -f "$REPO/docs/commands/tote-$c.md" ] || { out+="$c: no page"$'\n'; continue; }
		[ "$c" = version ] && continue # prints the version: no usage, no flags
		out+=$(check "$c")
		case $c in volume | network | system | image | container)
			for s in $("$TOTE" $c --help | sed -n '1{s/^Usage: tote [a-z]* //; s/\[.*//; p}' | grep -o '[a-z][a-z]*'); do
				out+=$(check "$c" "$s")
			done
			;;
		esac
	done
	[ -z "$out" ] || fail "$out"
	# and the index lists every page
	for p in "$REPO"/docs/commands/tote-*.md; do
		grep -qF "($(basename "$p"))" "$REPO/docs/commands/README.md" || fail "$(basename "$p") not in docs/commands/README.md"
	done
}
