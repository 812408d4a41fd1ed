#!/bin/bash
# mkrootfs.sh DEST — build the test rootfs offline from Debian's busybox-static.
#
# DEST gets /bin/busybox with a symlink for every applet, a small /etc
# (passwd, group), the usual empty directories and the static probe at
# /usr/bin/probe (built from probe.c beside this script).
#
# The tree is built in DEST.tmp.$$ and renamed into place, so DEST is either
# the old complete tree or the new complete tree; re-running replaces it.
set -euo pipefail

die() { echo "mkrootfs.sh: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: mkrootfs.sh DEST"
DEST=${1%/}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUSYBOX=/bin/busybox

# busybox-static puts a statically linked busybox at /bin/busybox; the
# dynamic "busybox" package does too, which would not run in the rootfs.
if [ ! -x "$BUSYBOX" ] || ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed'; then
	die "busybox-static is not installed (apt-get install -y busybox-static)"
fi
command -v gcc >/dev/null 2>&1 || die "gcc is not installed (apt-get install -y gcc)"
case "$(gcc -print-file-name=libc.a)" in
*/*) ;;
*) die "static libc is missing (apt-get install -y libc6-dev)" ;;
esac

. "$(dirname "${BASH_SOURCE[0]}")/tmpdir.sh"
start_tmp "$DEST"
mkdir -p "$TMP"

# --- busybox and its applets -------------------------------------------
mkdir -p "$TMP/bin" "$TMP/sbin" "$TMP/usr/bin" "$TMP/usr/sbin"
cp "$BUSYBOX" "$TMP/bin/busybox"
chmod 0755 "$TMP/bin/busybox"
"$BUSYBOX" --list-full | while read -r applet; do
	[ -n "$applet" ] || continue
	[ "$applet" = bin/busybox ] && continue
	mkdir -p "$TMP/$(dirname "$applet")"
	ln -sf /bin/busybox "$TMP/$applet"
done

# --- the probe ------------------------------------------------------------
gcc -static -O2 -Wall -Wextra -o "$TMP/usr/bin/probe" "$HERE/probe.c" ||
	die "failed to build probe.c"

# --- directories ----------------------------------------------------------
for d in proc sys dev root home/tote run var var/tmp etc; do
	mkdir -p "$TMP/$d"
done
mkdir -p "$TMP/tmp"
chmod 1777 "$TMP/tmp"
chmod 0700 "$TMP/root"
chown 1000:1000 "$TMP/home/tote"

# --- /etc -----------------------------------------------------------------
cat >"$TMP/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
tote:x:1000:1000:tote test user:/home/tote:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$TMP/etc/group" <<'EOF'
root:x:0:
staff:x:50:tote
tote:x:1000:
nogroup:x:65534:
EOF
chmod 0644 "$TMP/etc/passwd" "$TMP/etc/group"
# /etc/hostname is deliberately absent.

# --- swap into place --------------------------------------------------------
if [ -e "$DEST" ]; then
	mv -T "$DEST" "$OLD"
fi
mv -T "$TMP" "$DEST"
rm -rf "$OLD"
trap - EXIT
