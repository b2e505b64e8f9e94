#!/usr/bin/env bash
# Builds secretary for one target and packages it as a release asset:
#
#   scripts/package.sh TARGET VERSION OUTDIR
#
# writes OUTDIR/secretary-VERSION-TARGET.tar.gz (.zip for Windows targets)
# and OUTDIR/secretary-VERSION-TARGET.tar.gz.sha256 (`sha256sum` format:
# "<hex>  <file name>"). VERSION is the tag, `v` + Cargo.toml's version; the
# built binary must report that version.
#
# `.github/workflows/release.yml` calls this script on each target's own
# runner, and `scripts/e2e-action.sh` calls it on this machine, so the Action's
# install script is tested against assets made exactly as released ones are.
#
# Environment: PROFILE (default `dist`, the released profile; `release`
# reuses a faster build while iterating), CARGO (default `cargo`).
set -euo pipefail

if [ "$#" -ne 3 ]; then
  echo "usage: scripts/package.sh TARGET VERSION OUTDIR" >&2
  exit 2
fi
target=$1
version=$2
outdir=$3
profile=${PROFILE:-dist}
case "$version" in
  v[0-9]*) ;;
  *) echo "error: VERSION must be a tag such as v0.1.0, got \`$version\`" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# The host's own target is built without `--target`: the same binary, in
# target/<profile>/, where the other cargo commands' artefacts already are.
# CARGO_TARGET_DIR moves the artefacts (a CI cache often sets it); the `dev`
# profile builds into `debug`.
host=$(rustc -vV | sed -n 's/^host: //p' | tr -d '\r')
target_dir=${CARGO_TARGET_DIR:-target}
profile_dir=$profile
if [ "$profile" = dev ] || [ "$profile" = test ]; then profile_dir=debug; fi
if [ "$target" = "$host" ]; then
  "${CARGO:-cargo}" build --locked --profile "$profile"
  dir="$target_dir/$profile_dir"
else
  "${CARGO:-cargo}" build --locked --profile "$profile" --target "$target"
  dir="$target_dir/$target/$profile_dir"
fi

exe=secretary
case "$target" in *-windows-*) exe=secretary.exe ;; esac
bin="$dir/$exe"

# The binary must say the version it is released as.
reported=$("$bin" --version)
if [ "$reported" != "secretary ${version#v}" ]; then
  echo "error: \`$bin --version\` prints \`$reported\`, not \`secretary ${version#v}\`: tag and Cargo.toml version differ" >&2
  exit 1
fi

name="secretary-$version-$target"
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/$name"
cp "$bin" README.md "$stage/$name/"
[ -f LICENSE ] && cp LICENSE "$stage/$name/"

case "$target" in
  *-windows-*)
    asset="$name.zip"
    rm -f "$outdir/$asset"
    # Python's zipfile: on every runner, unlike `zip`.
    (cd "$stage" && "${PYTHON:-python3}" -m zipfile -c "$outdir/$asset" "$name")
    ;;
  *)
    asset="$name.tar.gz"
    (cd "$stage" && tar -czf "$outdir/$asset" "$name")
    ;;
esac

# "<hex>  <name>", written here rather than by the tool, whose format varies
# (MSYS sha256sum marks binary mode with `*`).
if command -v sha256sum >/dev/null; then
  hash=$(sha256sum "$outdir/$asset" | cut -d' ' -f1)
else
  hash=$(shasum -a 256 "$outdir/$asset" | cut -d' ' -f1)
fi
hash=${hash#\\}
printf '%s  %s\n' "$hash" "$asset" >"$outdir/$asset.sha256"
echo "$outdir/$asset"
echo "$outdir/$asset.sha256"
