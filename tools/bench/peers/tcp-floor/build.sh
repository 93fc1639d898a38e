#!/usr/bin/env bash
# Builds tools/bench/peers/tcp-floor/build/floor (C, -O2; nothing to install).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$here/build"
cc -O2 -Wall -Wextra -o "$here/build/floor" "$here/floor.c"
