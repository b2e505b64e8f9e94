#!/usr/bin/env bash
# Build costs and binary size (issue 18): a build from cold in a fresh target
# directory, measured with GNU time. Prints wall time, CPU time (user + sys),
# peak RSS of the largest process (rustc or the linker), the binary's size
# and, for the release profiles, fails when the binary exceeds the limit.
# Not a test: it takes minutes. Figures go to benches/README.md.
#
#   scripts/bench-build.sh                  # cargo build --release --locked
#   scripts/bench-build.sh --profile dist   # the released binaries
#   scripts/bench-build.sh test             # ./scripts/test.sh, from cold
#
# SECRETARY_BENCH_TARGET: the cold target directory (default: a new
# directory under $TMPDIR, deleted afterwards; it needs about 3 GB, the test
# command about 8 GB). SECRETARY_MAX_BINARY_MB: the size limit (default 40).
set -euo pipefail
cd "$(dirname "$0")/.."

max_mb=${SECRETARY_MAX_BINARY_MB:-40}
target=${SECRETARY_BENCH_TARGET:-$(mktemp -d "${TMPDIR:-/tmp}/secretary-build.XXXXXX")}
if [ -e "$target" ] && [ -n "$(ls -A "$target")" ]; then
  echo "error: $target is not empty: a cold build needs an empty directory" >&2
  exit 2
fi
if [ -z "${SECRETARY_BENCH_TARGET:-}" ]; then
  trap 'rm -rf "$target"' EXIT
fi
if [ ! -x /usr/bin/time ]; then
  echo "error: needs GNU time at /usr/bin/time (Debian: apt-get install time)" >&2
  exit 2
fi
times=$(mktemp)

if [ "${1:-}" = test ]; then
  what="./scripts/test.sh"
  CARGO_TARGET_DIR="$target" /usr/bin/time -v -o "$times" ./scripts/test.sh
  profile=""
else
  profile=release
  if [ "${1:-}" = --profile ]; then profile=${2:?--profile needs a name}; fi
  what="cargo build --locked --profile $profile"
  CARGO_TARGET_DIR="$target" /usr/bin/time -v -o "$times" \
    cargo build --locked --profile "$profile"
fi

field() { grep -F "$1" "$times" | sed 's/.*: //'; }
wall=$(field 'Elapsed (wall clock)')
cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.0f", s }' "$times")
rss_mb=$(( $(field 'Maximum resident set size') / 1024 ))
rm -f "$times"
echo "== $what"
echo "wall:     $wall"
echo "cpu:      ${cpu} s (user + sys; on 2 idle cores the wall time is about half)"
echo "peak RSS: ${rss_mb} MB"
echo "target/:  $(du -sh "$target" | cut -f1)"

if [ -n "$profile" ]; then
  bin="$target/$profile/secretary"
  bytes=$(stat -c %s "$bin")
  stripped=$(mktemp)
  strip -o "$stripped" "$bin"
  echo "binary:   $(( bytes / 1024 / 1024 )) MB ($bytes bytes), $(( $(stat -c %s "$stripped") / 1024 / 1024 )) MB with no symbols"
  rm -f "$stripped"
  if (( bytes > max_mb * 1024 * 1024 )); then
    echo "error: the $profile binary is over $max_mb MB" >&2
    exit 1
  fi
fi
