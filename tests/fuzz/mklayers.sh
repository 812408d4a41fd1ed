#!/bin/bash
# tests/fuzz/mklayers.sh [OUT_DIR] - make the layer_fuzzer's seed archives
# (default OUT_DIR: tests/fuzz/corpus/layer, whose files are replaced).
#
# Small real layers, with GNU tar, gzip and zstd only: 512-byte records
# (-b 1), sorted names, mtime 0 and owner 0:0, so the same script gives the
# same bytes.
#   plain.tar{,.gz,.zst}  GNU format: directories, files (one setuid, one of
#                         1 KB), a symlink, a hard link, a fifo, a name
#                         longer than 100 bytes
#   pax-xattr.tar         pax: a file with a long name and an xattr (user.tote)
#   ustar.tar             ustar: etc/ of the plain tree
#   whiteouts.tar         etc/.wh.motd and the opaque opt/data/.wh..wh..opq
#   devices.tar           a character device and a block device (as root)
#   hostile-*.tar         what layer.c must refuse, each after a good entry:
#     dotdot              ../evil
#     absolute            /abs/evil
#     symlink-write       link -> ../outside, then link/escape
#     symlink-deep        link -> ../outside, then link/sub/escape (the
#                         known bug: mkdirat makes outside/sub first)
#     symlink-abs         root -> /, then root/newdir/escape
#     hardlink            a hard link to ../outside/x
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${1:-$HERE/corpus/layer}
export LC_ALL=C
umask 022

work=$(mktemp -d "${TMPDIR:-/tmp}/tote-mklayers.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
rm -f "$OUT"/*.tar "$OUT"/*.tar.gz "$OUT"/*.tar.zst

T=(tar -b 1 --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner)

# mk NAME DIR [TAR-ARGS...] - OUT/NAME from the tree DIR ("." inside it)
mk() {
	local name=$1 dir=$2
	shift 2
	"${T[@]}" "$@" -C "$dir" -cf "$OUT/$name" .
}

# the plain tree
p=$work/plain
mkdir -p "$p/etc" "$p/usr/bin" "$p/opt/data" "$p/tmp"
echo tote >"$p/etc/hostname"
echo motd >"$p/etc/motd"
head -c 1024 /dev/zero | tr '\0' 'x' >"$p/opt/data/kb"
printf '#!/bin/sh\n' >"$p/usr/bin/su"
chmod 4755 "$p/usr/bin/su"
chmod 1777 "$p/tmp"
ln -s usr/bin "$p/bin"
ln "$p/etc/hostname" "$p/etc/hostname.link"
mkfifo "$p/tmp/fifo"
long=$p/opt/data/a-directory-name-long-enough/that-the-whole-path-is/longer-than-the-100-bytes-of-a-ustar-name
mkdir -p "$long"
echo long >"$long/file"
mk plain.tar "$p" --format=gnu
gzip -n -9 <"$OUT/plain.tar" >"$OUT/plain.tar.gz"
zstd -q -19 <"$OUT/plain.tar" >"$OUT/plain.tar.zst"
# pax: one file with an xattr (user.tote=seed), no atime or ctime records;
# GNU tar adds the keyword only to extended headers it writes anyway, so the
# file's name is longer than 100 bytes
x=$work/pax
mkdir -p "$x"
echo pax >"$x/a-file-name-that-is-longer-than-the-one-hundred-bytes-a-ustar-header-has-room-for-so-pax-needs-a-path-record"
mk pax-xattr.tar "$x" --format=pax --pax-option='delete=atime,delete=ctime' \
	--pax-option='SCHILY.xattr.user.tote:=seed'
# ustar: a few entries of the plain tree
mk ustar.tar "$p/etc" --format=ustar

# whiteouts
w=$work/whiteouts
mkdir -p "$w/etc" "$w/opt/data"
: >"$w/etc/.wh.motd"
: >"$w/opt/data/.wh..wh..opq"
echo new >"$w/opt/data/new"
mk whiteouts.tar "$w" --format=gnu

# devices (mknod needs root; without it there is no such seed)
d=$work/devices
mkdir -p "$d/dev"
if mknod "$d/dev/null" c 1 3 2>/dev/null && mknod "$d/dev/loop9" b 7 9 2>/dev/null; then
	mk devices.tar "$d" --format=gnu
fi

# hostile ones: a good entry, then the bad one(s), appended with -r
good=$work/good
mkdir -p "$good"
echo ok >"$good/ok"

# hostile NAME [TAR-ARGS...] DIR MEMBER... - ok, then DIR's MEMBERs as named
hostile() {
	local name=$1
	shift
	"${T[@]}" --format=gnu -C "$good" -cf "$OUT/$name" ok
	"${T[@]}" --format=gnu -P "$@"
}

h=$work/h1
mkdir -p "$h"
echo evil >"$h/evil"
hostile hostile-dotdot.tar -rf "$OUT/hostile-dotdot.tar" -C "$h" --transform 's,^,../,' evil
hostile hostile-absolute.tar -rf "$OUT/hostile-absolute.tar" -C "$h" --transform 's,^,/abs/,' evil

# a symlink, then a write through it (two trees: on disk link cannot be both)
s1=$work/s1
s2=$work/s2
mkdir -p "$s1" "$s2/link/sub"
ln -s ../outside "$s1/link"
echo escape >"$s2/link/escape"
echo escape >"$s2/link/sub/escape"
hostile hostile-symlink-write.tar -rf "$OUT/hostile-symlink-write.tar" -C "$s1" link
"${T[@]}" --format=gnu -rf "$OUT/hostile-symlink-write.tar" -C "$s2" link/escape
hostile hostile-symlink-deep.tar -rf "$OUT/hostile-symlink-deep.tar" -C "$s1" link
"${T[@]}" --format=gnu --no-recursion -rf "$OUT/hostile-symlink-deep.tar" -C "$s2" link/sub/escape

s3=$work/s3
s4=$work/s4
mkdir -p "$s3" "$s4/root/newdir"
ln -s / "$s3/root"
echo escape >"$s4/root/newdir/escape"
hostile hostile-symlink-abs.tar -rf "$OUT/hostile-symlink-abs.tar" -C "$s3" root
"${T[@]}" --format=gnu --no-recursion -rf "$OUT/hostile-symlink-abs.tar" -C "$s4" root/newdir/escape

# a hard link to ../outside/x: tar records the first name, so link two
# names of one file and rename the first with --transform
hl=$work/hl
mkdir -p "$hl"
echo x >"$hl/x"
ln "$hl/x" "$hl/y"
hostile hostile-hardlink.tar -rf "$OUT/hostile-hardlink.tar" -C "$hl" \
	--transform 's,^x$,../outside/x,' x y

ls -l "$OUT"
du -cb "$OUT"/* | tail -1
