#!/usr/bin/env bash
# Regenerates every libvirt *.gen.go file into a scratch directory from
# $LIBVIRT_SOURCE and fails if any differs from the committed file, or if a
# committed generated file is no longer produced. Skips when no source tree
# is available (e.g. a checkout without ../shared).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
src=${LIBVIRT_SOURCE:-$repo/../shared/libvirt}
if [ ! -d "$src/src/remote" ]; then
  echo "check-generated: skipped: no libvirt source tree at $src"
  exit 0
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
(cd "$repo" && go run ./internal/lvgen/cmd/lvgen -source "$src" -out "$out")
status=0
while IFS= read -r f; do
  if ! cmp -s "$repo/$f" "$out/$f"; then
    echo "check-generated: $f differs from the generator's output:"
    diff -u "$repo/$f" "$out/$f" | head -40 || true
    status=1
  fi
done < <(cd "$out" && find . \( -name '*.gen.go' -o -name '*.gen_test.go' \) -printf '%P\n' | sort)
while IFS= read -r f; do
  if [ ! -e "$out/$f" ]; then
    echo "check-generated: $f is committed but no longer generated"
    status=1
  fi
done < <(cd "$repo" && git ls-files -- '*.gen.go' '*.gen_test.go' ':!cloudhypervisor/**' 2>/dev/null | sort)
[ $status -eq 0 ] && echo "check-generated: all generated files match"
exit $status
