#!/usr/bin/env bash
# Encodes the text-format golden messages with protoc (the reference C++
# implementation, independent of protobuf-c):
#
#   Tests/SharewireMessagesTests/Golden/<Message>.<case>.txtpb
#     -> Tests/SharewireMessagesTests/Golden/<Message>.<case>.bin
#
# <Message> is the message name in package sharewire.v1.
#
#   tools/generate-golden-vectors.sh           regenerate the .bin files
#   tools/generate-golden-vectors.sh --check   fail if a committed .bin differs
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
proto_root="$repo_root/proto"
golden_dir="$repo_root/Tests/SharewireMessagesTests/Golden"

mode="generate"
case "${1:-}" in
  "") ;;
  --check) mode="check" ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

command -v protoc >/dev/null 2>&1 || {
  echo "error: protoc not found (apt-get install protobuf-compiler)" >&2; exit 1; }

export LC_ALL=C
mapfile -t protos < <(cd "$proto_root" && find sharewire/v1 -name '*.proto' -type f | sort)
mapfile -t inputs < <(find "$golden_dir" -maxdepth 1 -name '*.txtpb' -type f | sort)
[ "${#inputs[@]}" -gt 0 ] || { echo "error: no .txtpb files in $golden_dir" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
stale=0
for input in "${inputs[@]}"; do
  name="$(basename "$input" .txtpb)"
  message="${name%%.*}"
  (cd "$proto_root" && protoc --encode="sharewire.v1.$message" -I . "${protos[@]}") <"$input" >"$tmp/$name.bin"
  if [ "$mode" = "check" ]; then
    if ! cmp -s "$tmp/$name.bin" "$golden_dir/$name.bin"; then
      echo "stale: Golden/$name.bin" >&2
      stale=1
    fi
  else
    mv "$tmp/$name.bin" "$golden_dir/$name.bin"
  fi
done

if [ "$mode" = "check" ]; then
  if [ "$stale" -ne 0 ]; then
    echo "error: golden vectors are stale; run tools/generate-golden-vectors.sh and commit the result" >&2
    exit 1
  fi
  echo "golden vectors are up to date (${#inputs[@]} file(s))"
else
  # Remove .bin files whose .txtpb is gone.
  for bin in "$golden_dir"/*.bin; do
    [ -e "${bin%.bin}.txtpb" ] || rm -f "$bin"
  done
  echo "encoded ${#inputs[@]} golden vector(s) into ${golden_dir#"$repo_root"/}"
fi
