#!/bin/bash
# build.sh OUTDIR — compile the C test helpers (recvtty, seccomp_agent) into OUTDIR.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: build.sh OUTDIR" >&2; exit 2; }
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
command -v gcc >/dev/null 2>&1 || { echo "build.sh: gcc is not installed (apt-get install -y gcc)" >&2; exit 1; }
mkdir -p "$1"
gcc -O2 -Wall -Wextra -o "$1/recvtty.tmp.$$" "$HERE/recvtty.c"
mv -f "$1/recvtty.tmp.$$" "$1/recvtty"
gcc -O2 -Wall -Wextra -o "$1/seccomp_agent.tmp.$$" "$HERE/seccomp_agent.c"
mv -f "$1/seccomp_agent.tmp.$$" "$1/seccomp_agent"
