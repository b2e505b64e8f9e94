#!/usr/bin/env bash
# Renders the HTML audit report of a shipped example and photographs it in
# headless Chromium: a PNG of the page as a screen shows it, and a PDF as it
# prints (A4), so a reviewer can see what an auditor sees. Not part of CI:
# it needs a browser. Skips (exit 0) when none is installed.
#
#   scripts/report-screenshot.sh [EXAMPLE] [OUTDIR]
#
# EXAMPLE is a directory under examples/ (default: sasha); OUTDIR defaults to
# target/screenshots. Each file is named after the example and the date.
set -euo pipefail
cd "$(dirname "$0")/.."

example=${1:-sasha}
out=${2:-target/screenshots}
now=${NOW:-2026-11-23}

browser=""
for candidate in chromium chromium-browser google-chrome google-chrome-stable; do
  if command -v "$candidate" >/dev/null 2>&1; then
    browser=$candidate
    break
  fi
done
if [ -z "$browser" ]; then
  echo "no headless Chromium found (chromium, google-chrome): nothing to photograph" >&2
  exit 0
fi

dir="examples/$example"
if [ ! -d "$dir" ]; then
  echo "error: no example \`$example\` under examples/" >&2
  exit 2
fi
# The example's inventory (a file or a directory) and its own rules, if any.
inventory="$dir/inventory.yaml"
[ -e "$inventory" ] || inventory="$dir/inventory"
policies=()
[ -d "$dir/policies" ] && policies=(--policies "$dir/policies")

cargo build --quiet --locked --bin secretary
mkdir -p "$out"
html="$out/$example-$now.html"
# Exit 1 only means findings; 2 is a real failure.
status=0
target/debug/secretary report "$inventory" "${policies[@]}" --now "$now" \
  --format html -o "$html" || status=$?
if [ "$status" -gt 1 ]; then
  exit "$status"
fi

url="file://$(realpath "$html")"
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run)
"$browser" "${flags[@]}" --window-size=1280,6000 \
  --screenshot="$out/$example-$now.png" "$url" 2>/dev/null
"$browser" "${flags[@]}" --no-pdf-header-footer \
  --print-to-pdf="$out/$example-$now.pdf" "$url" 2>/dev/null
echo "wrote $out/$example-$now.png and $out/$example-$now.pdf"
