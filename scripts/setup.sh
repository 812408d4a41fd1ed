#!/usr/bin/env bash
# setup.sh - on a Debian 12 machine, as root: install what tote needs to
# build, run and be tested, build it, make the built-in busybox image, and
# run a demo container from it.  Safe to run again: each step is skipped or
# redone cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential pkg-config clang libclang-rt-14-dev          # compilers, sanitizers, libFuzzer
  libjansson-dev libseccomp-dev libcap-dev                     # runtime libraries
  libcurl4-openssl-dev libarchive-dev nettle-dev               # images: registry client, layers, sha256
  libmnl-dev libnftables-dev                                   # networks: rtnetlink, NAT and ports
  nftables curl                                                # tests: the host's rules, published ports
  libcmocka-dev bats bats-assert bats-support jq               # tests
  python3-jsonschema                                           # tests: OCI schema checks
  busybox-static                                               # the built-in image
  runc uidmap iproute2 procps util-linux                       # peers and helpers used by tests
  podman containerd                                            # clients that drive tote-oci in tests
  golang-github-containers-common                              # the default seccomp profile of tote run
  docker-registry skopeo umoci                                 # tests: a local registry, OCI layout peers
  debootstrap libcap2-bin                                      # tests: a Debian image made offline, file capabilities
  python3-cryptography python3-bcrypt openssl                  # tests: a token server, htpasswd, TLS for registries
  qemu-system-x86 xz-utils                                     # tests/vm: a pure cgroup v2 guest
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup.sh: missing packages (${missing[*]}): run this script as root" >&2
    exit 1
  fi
  echo "setup.sh: installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

make -j"$(nproc)" all
make image

# The demo: the built-in busybox image, imported into a store of its own
# (build/demo-store, so that the machine's /var/lib/tote is left alone) as
# busybox, run once by the engine (no network needed) and removed with
# --rm: its own host name, its own processes, its own root.
demo=build/demo-store
tar -C build/rootfs -c . | build/tote --root "$demo" import - busybox >/dev/null
build/tote --root "$demo" run --rm --network none busybox \
  sh -c 'echo "hello from $(hostname), $(busybox | head -1 | cut -d" " -f1-2)"; echo "processes:"; ps -o pid,comm; echo root: $(ls /)'
