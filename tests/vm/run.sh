#!/bin/bash
# tests/vm/run.sh — run tote-oci's cgroup tests on a pure cgroup v2 system:
# boot Debian's kernel under qemu (TCG) with an initramfs holding busybox,
# build/tote-oci with its shared libraries and the test rootfs
# (build/rootfs), mount only cgroup2 at /sys/fs/cgroup, run tests/vm/tests.sh
# there and print its TAP output.  See docs/testing-vm.md.
#
# Exits 0 when every guest test passed; non-zero on a failing test, a guest
# that stops early, a timeout, or a missing qemu or kernel package.
#
#   build/vm/kernel/   the kernel, fetched once with `apt-get download` and
#                      unpacked (never installed): vmlinuz, vmlinux, config,
#                      and modules/: the few modules the tests load (MODULES)
#   build/vm/initramfs.cpio  rebuilt on every run from the current build
#   build/vm/console.log     everything the guest printed, last run
#
# Environment:
#   TOTE_VM_TIMEOUT   seconds before qemu is killed (default 120)
#   TOTE_VM_KERNEL    boot this kernel image instead of the cached one
#   TOTE_VM_REFETCH=1 fetch and unpack the kernel package again
#   TOTE_VM_SMP, TOTE_VM_MEM   guest CPUs (default 2) and MiB (default 1024)
#   TOTE_VM_ACCEL     qemu -accel (default tcg,thread=multi; kvm where it works)
#   TOTE_VM_APPEND    more kernel command line
#   TOTE_VM_VERBOSE=1 print the whole console, not just the TAP lines
#   TOTE_VM_ONLY=t_ps,t_devices  run only these test functions of tests.sh
#   TOTE_VM_SYSTEMD=1 boot the guest with the host's systemd as PID 1 and run
#                     the systemd cgroup driver's tests instead
#   TOTE_VM_HYBRID=1, TOTE_VM_LEGACY=1 (with TOTE_VM_SYSTEMD=1): systemd mounts
#                     the hybrid layout, or pure cgroup v1
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$REPO/tests/vm"
VM_DIR="$REPO/build/vm"
KDIR="$VM_DIR/kernel"
TOTE="$REPO/build/tote-oci"
ROOTFS="$REPO/build/rootfs"
TIMEOUT=${TOTE_VM_TIMEOUT:-120}
PREFIX="TOTEVM: "

die() {
	echo "tests/vm/run.sh: $*" >&2
	exit 2
}
note() { echo "# vm: $*"; }

# --- what the host needs ----------------------------------------------------

command -v qemu-system-x86_64 >/dev/null 2>&1 ||
	die "qemu-system-x86_64 is not installed (apt-get install --no-install-recommends qemu-system-x86)"
command -v jq >/dev/null 2>&1 || die "jq is not installed (apt-get install jq)"
[ -x /bin/busybox ] || die "busybox-static is not installed (apt-get install busybox-static)"
[ -x "$TOTE" ] || die "$TOTE is missing: run make"
if [ ! -x "$ROOTFS/bin/busybox" ] || [ ! -x "$ROOTFS/usr/bin/probe" ]; then
	die "$ROOTFS is missing or incomplete: run make image"
fi

mkdir -p "$VM_DIR"
# One run at a time per tree: the cache and the initramfs are shared.
exec 8>"$VM_DIR/.lock"
flock 8

# --- the kernel: Debian's, unpacked once into build/vm/kernel ------------------

# The offset of the first (or next) xz stream in a bzImage that unpacks to
# an ELF file: the logic of the kernel's scripts/extract-vmlinux, for xz.
extract_vmlinux() {
	local img=$1 out=$2 pos
	# the magic \3757zXZ\0 becomes a line start "abcde": grep's 0-based
	# offset of the "a" is tail's 1-based offset of the \375
	for pos in $(tr '\3757zXZ\000\n' '\nabcde=' <"$img" | grep -abo '^abcde' | cut -d: -f1); do
		tail -c +"$pos" "$img" | xz -dc >"$out.tmp" 2>/dev/null || true
		if [ "$(head -c 4 "$out.tmp" | od -An -c | tr -d ' ')" = '177ELF' ]; then
			mv "$out.tmp" "$out"
			return 0
		fi
	done
	rm -f "$out.tmp"
	return 1
}

# apt_download PACKAGE: into $dl; as root, one `apt-get update` and a
# retry when the package lists are missing or stale.
apt_download() {
	local dl=$1 pkg=$2
	# (apt warns when it downloads as root into a directory _apt cannot
	# write; harmless)
	(cd "$dl" && apt-get download -q "$pkg") >"$dl/apt.log" 2>&1 && return 0
	if [ "$(id -u)" -eq 0 ]; then
		note "apt-get download $pkg failed: running apt-get update and trying again"
		apt-get update -q >>"$dl/apt.log" 2>&1 &&
			(cd "$dl" && apt-get download -q "$pkg") >>"$dl/apt.log" 2>&1 && return 0
	fi
	cat "$dl/apt.log" >&2
	die "apt-get download $pkg failed: the kernel package is needed (run apt-get update as root; scripts/setup.sh does)"
}

# Modules the guest loads, in load order (each after what it depends on):
# a software RDMA device (rxe, which needs the crc32 hash) on a dummy link,
# for the rdma controller.
MODULES="crc32_generic ib_core ib_uverbs udp_tunnel ip6_udp_tunnel rdma_rxe dummy"

fetch_kernel() {
	local dl="$VM_DIR/download" meta dep deb
	command -v apt-get >/dev/null 2>&1 || die "apt-get is needed to fetch the kernel package"
	rm -rf "$dl" "$KDIR.new"
	mkdir -p "$dl" "$KDIR.new"
	note "fetching Debian's kernel package (apt-get download linux-image-amd64), once"
	apt_download "$dl" linux-image-amd64
	meta=$(ls "$dl"/linux-image-amd64_*.deb)
	# "linux-image-6.1.0-57-amd64 (= 6.1.192-3)": the versioned image package
	dep=$(dpkg-deb -f "$meta" Depends | sed 's/[,|]/\n/g' |
		sed -n 's/^ *\(linux-image-[0-9][^ ]*\).*/\1/p' | head -n 1)
	[ -n "$dep" ] || die "cannot find the versioned kernel package in the Depends of $meta"
	apt_download "$dl" "$dep"
	deb=$(ls "$dl/${dep}"_*.deb)
	# /boot and the few modules in MODULES, not the thousands of others
	local pats=('./boot/*') m
	for m in $MODULES; do pats+=("*/$m.ko"); done
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$KDIR.new" --wildcards "${pats[@]}"
	mkdir "$KDIR.new/modules"
	find "$KDIR.new/lib" -name '*.ko' -exec mv {} "$KDIR.new/modules/" \;
	rm -rf "$KDIR.new/lib"
	for m in $MODULES; do
		[ -f "$KDIR.new/modules/$m.ko" ] || die "$deb has no $m.ko"
	done
	mv "$KDIR.new"/boot/vmlinuz-* "$KDIR.new/vmlinuz"
	mv "$KDIR.new"/boot/config-* "$KDIR.new/config"
	rm -rf "$KDIR.new/boot"
	echo "$dep $(dpkg-deb -f "$deb" Version)" >"$KDIR.new/VERSION"
	rm -rf "$KDIR" "$dl"
	mv "$KDIR.new" "$KDIR"
}

if [ -n "${TOTE_VM_KERNEL:-}" ]; then
	[ -f "$TOTE_VM_KERNEL" ] || die "TOTE_VM_KERNEL=$TOTE_VM_KERNEL does not exist"
	KERNEL=$TOTE_VM_KERNEL
	KVER=$KERNEL
else
	if [ "${TOTE_VM_REFETCH:-0}" = 1 ] || [ ! -f "$KDIR/vmlinuz" ] || [ ! -d "$KDIR/modules" ]; then
		fetch_kernel
	fi
	# The decompressed kernel boots faster under TCG (qemu enters it through
	# its PVH note, skipping the decompressor).  Debian's kernel is xz with
	# the x86 BCJ filter, which busybox unxz cannot undo: xz-utils does.
	if [ ! -f "$KDIR/vmlinux" ] && [ ! -e "$KDIR/no-vmlinux" ]; then
		if ! command -v xz >/dev/null 2>&1; then
			note "xz is not installed (xz-utils): booting vmlinuz, a little slower"
		elif ! extract_vmlinux "$KDIR/vmlinuz" "$KDIR/vmlinux"; then
			note "could not extract vmlinux from vmlinuz: booting vmlinuz"
			touch "$KDIR/no-vmlinux"
		fi
	fi
	KERNEL="$KDIR/vmlinuz"
	[ -f "$KDIR/vmlinux" ] && KERNEL="$KDIR/vmlinux"
	KVER="$(cat "$KDIR/VERSION" 2>/dev/null) ($(basename "$KERNEL"))"
fi

# --- the initramfs, from the current build --------------------------------

STAGE="$VM_DIR/initramfs"
rm -rf "$STAGE"
mkdir -p "$STAGE"/{bin,proc,sys,dev,run,tmp,newroot,vm/bin}

# copy_elf FILE DEST: FILE at DEST, and every library ldd lists (and the
# dynamic loader) at the path ldd gives it.
copy_elf() {
	local lib
	install -D -m 0755 "$1" "$STAGE$2"
	for lib in $(ldd "$1" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p'); do
		[ -e "$STAGE$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$STAGE$lib"
	done
}

cp /bin/busybox "$STAGE/bin/busybox"
copy_elf "$TOTE" /vm/bin/tote-oci
# iproute2's rdma, to make the rxe device (busybox has no netlink RDMA)
if command -v rdma >/dev/null 2>&1; then
	copy_elf "$(command -v rdma)" /vm/bin/rdma
fi
if [ -z "${TOTE_VM_KERNEL:-}" ]; then
	mkdir -p "$STAGE/vm/modules"
	for m in $MODULES; do cp "$KDIR/modules/$m.ko" "$STAGE/vm/modules/"; done
	echo "$MODULES" >"$STAGE/vm/modules/order"
fi
cp -a "$ROOTFS" "$STAGE/vm/rootfs"
install -m 0755 "$HERE/init" "$STAGE/init"
install -m 0644 "$HERE/tests.sh" "$STAGE/vm/tests.sh"
# the bundles' base config: the integration tests' template, with the rootfs
# shared, and places for tests.sh to fill in (it has no jq: too slow to start
# under TCG)
jq -c '.root.path = "/vm/rootfs" | .process.args = "@ARGS@" | .linux.resources = "@RES@"' \
	"$REPO/tests/integration/config.json.template" >"$STAGE/vm/config.json"

# TOTE_VM_SYSTEMD=1: the host's systemd boots the guest (the systemd cgroup
# driver's tests), with systemctl
if [ "${TOTE_VM_SYSTEMD:-0}" = 1 ]; then
	[ -x /lib/systemd/systemd ] || die "TOTE_VM_SYSTEMD=1 needs systemd on the host (/lib/systemd/systemd)"
	copy_elf /lib/systemd/systemd /lib/systemd/systemd
	copy_elf /bin/systemctl /bin/systemctl
	mkdir -p "$STAGE/etc/systemd/system"
	cp "$HERE/totevm.target" "$HERE/totevm.service" "$STAGE/etc/systemd/system/"
fi

CPIO="$VM_DIR/initramfs.cpio"
owner=()
[ "$(id -u)" -eq 0 ] || owner=(-R 0:0)
# uncompressed: gzip -1 halves it (8 -> 4 MB) but boots no faster
(cd "$STAGE" && find . -mindepth 1 | LC_ALL=C sort |
	busybox cpio -o -H newc "${owner[@]}" >"$CPIO.tmp" 2>"$VM_DIR/cpio.log") ||
	die "making the initramfs failed: $(cat "$VM_DIR/cpio.log")"
mv "$CPIO.tmp" "$CPIO"
rm -rf "$STAGE"

# --- boot ------------------------------------------------------------------

# pure v2: no v1 hierarchy at all (plain `all` would still allow named
# ones); TOTE_VM_HYBRID=1 (with TOTE_VM_SYSTEMD=1): systemd mounts the
# hybrid layout, v1 controllers beside a cgroup2 mount, as on hosts that
# still run it so
CGROUP_ARGS="cgroup_no_v1=all,named"
if [ "${TOTE_VM_HYBRID:-0}" = 1 ] || [ "${TOTE_VM_LEGACY:-0}" = 1 ]; then
	[ "${TOTE_VM_SYSTEMD:-0}" = 1 ] || die "TOTE_VM_HYBRID=1 and TOTE_VM_LEGACY=1 need TOTE_VM_SYSTEMD=1 (systemd makes the layout)"
	CGROUP_ARGS="systemd.unified_cgroup_hierarchy=0"
fi
# TOTE_VM_LEGACY=1: pure v1, no cgroup2 mount at all (name=systemd is v1 too)
[ "${TOTE_VM_LEGACY:-0}" != 1 ] || CGROUP_ARGS="$CGROUP_ARGS systemd.legacy_systemd_cgroup_controller=1"

LOG="$VM_DIR/console.log"
note "kernel $KVER, initramfs $(($(stat -c %s "$CPIO") / 1024)) KiB, timeout ${TIMEOUT}s"
start=$(date +%s%N)
rc=0
timeout --kill-after=5 "$TIMEOUT" qemu-system-x86_64 \
	-accel "${TOTE_VM_ACCEL:-tcg,thread=multi}" -cpu max -smp "${TOTE_VM_SMP:-2}" -m "${TOTE_VM_MEM:-1024}" \
	-nodefaults -no-user-config -display none -serial stdio -no-reboot \
	-kernel "$KERNEL" -initrd "$CPIO" \
	-append "console=ttyS0 panic=-1 quiet $CGROUP_ARGS${TOTE_VM_APPEND:+ $TOTE_VM_APPEND}${TOTE_VM_ONLY:+ totevm_only=$TOTE_VM_ONLY}${TOTE_VM_SYSTEMD:+ totevm_systemd=$TOTE_VM_SYSTEMD}" \
	</dev/null 2>&1 | tr -d '\r' >"$LOG" || rc=$?
elapsed=$((($(date +%s%N) - start) / 1000000))

if [ "${TOTE_VM_VERBOSE:-0}" = 1 ]; then
	cat "$LOG"
else
	sed -n "s/^$PREFIX//p" "$LOG"
fi
tap=$(sed -n "s/^$PREFIX//p" "$LOG")
pass=$(grep -cE '^ok [0-9]+' <<<"$tap" || true)
fail=$(grep -cE '^not ok [0-9]+' <<<"$tap" || true)
plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' <<<"$tap" | tail -n 1)
note "qemu exited $rc after ${elapsed} ms"

status=0
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
	echo "# vm: the guest did not finish within ${TIMEOUT}s (TOTE_VM_TIMEOUT); last console lines:"
	status=1
elif [ -z "$plan" ] || ! grep -qx '# vm: end of tests' <<<"$tap"; then
	echo "# vm: the guest stopped before the end of the tests; last console lines:"
	status=1
elif [ $((pass + fail)) -ne "$plan" ]; then
	echo "# vm: planned $plan tests, saw $((pass + fail))"
	status=1
elif [ "$fail" -gt 0 ]; then
	status=1
fi
if [ "$status" -ne 0 ] && [ "${TOTE_VM_VERBOSE:-0}" != 1 ]; then
	grep -v "^$PREFIX" "$LOG" | tail -n 30 | sed 's/^/#   /'
	echo "# vm: full console: $LOG"
fi
exit "$status"
