#!/usr/bin/env bash
# Installs secretary for the Action (`action.yml`) and puts it on the PATH.
#
#   action/install.sh plan      decide how: a release binary or a source build
#   action/install.sh install   download and verify it, or build it
#   action/install.sh target    print the release target for this runner
#
# A version that is a release tag (vX.Y.Z) installs only the released binary
# for the runner, checked against its published SHA-256: a missing asset, a
# failed download or a mismatched checksum fails the step. It never falls back
# to a source build, since that would run code other than the release the
# workflow pinned. Any other version (a branch or a commit) has no release:
# it is built with `cargo install --locked` from that commit, and the log says
# so; `action.yml` caches the result by commit.
#
# Environment (set by action.yml):
#   SECRETARY_VERSION       the tag, branch or commit to install
#   SECRETARY_REPOSITORY    owner/name whose releases hold the assets (the
#                           repository the action is used from)
#   SECRETARY_DOWNLOAD_BASE overrides the release URL (tests serve assets on
#                           loopback); default
#                           $GITHUB_SERVER_URL/<repository>/releases/download/<version>
#   SECRETARY_TARGET        overrides the target picked from RUNNER_OS/RUNNER_ARCH
#   SECRETARY_INSTALL_DIR   where a release binary goes (default $RUNNER_TEMP/secretary/bin)
#   SECRETARY_CARGO_ROOT    `cargo install --root` of a source build (the cached path)
#   SECRETARY_COMMIT        the commit `plan` resolved, for `install`
set -euo pipefail

die() {
  echo "::error::$*" >&2
  exit 1
}

# The released targets, one per runner (RUNNER_OS RUNNER_ARCH target). The
# release matrix (.github/workflows/release.yml) must build exactly these;
# tests/workflows.rs compares the two.
targets() {
  cat <<'TARGETS'
Linux X64 x86_64-unknown-linux-musl
Linux ARM64 aarch64-unknown-linux-musl
macOS X64 x86_64-apple-darwin
macOS ARM64 aarch64-apple-darwin
Windows X64 x86_64-pc-windows-msvc
TARGETS
}

runner_target() {
  if [ -n "${SECRETARY_TARGET:-}" ]; then
    echo "$SECRETARY_TARGET"
    return
  fi
  local os arch target
  while read -r os arch target; do
    if [ "$os" = "${RUNNER_OS:-}" ] && [ "$arch" = "${RUNNER_ARCH:-}" ]; then
      echo "$target"
      return
    fi
  done < <(targets)
  return 1
}

is_tag() {
  [[ $1 =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]
}

sha256() {
  if command -v sha256sum >/dev/null; then
    sha256sum "$1" | cut -d' ' -f1 | tr -d '\\'
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

output() {
  echo "$1=$2"
  if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "$1=$2" >>"$GITHUB_OUTPUT"; fi
}

# A path as Windows programs read it (Git Bash on Windows runners), else as is.
native() {
  if command -v cygpath >/dev/null; then cygpath -w "$1"; else echo "$1"; fi
}

on_path() {
  echo "secretary: $1/$2"
  if [ -n "${GITHUB_PATH:-}" ]; then native "$1" >>"$GITHUB_PATH"; fi
  "$1/$2" --version
}

version=${SECRETARY_VERSION:-}
repository=${SECRETARY_REPOSITORY:-secretary-rs/secretary}
server=${GITHUB_SERVER_URL:-https://github.com}

plan() {
  if is_tag "$version"; then
    local target
    target=$(runner_target) ||
      die "secretary $version has no released binary for this runner (${RUNNER_OS:-?} ${RUNNER_ARCH:-?}); released: $(targets | cut -d' ' -f3 | tr '\n' ' ')"
    output kind release
    output target "$target"
    return
  fi
  local commit
  if [[ $version =~ ^[0-9a-f]{40}$ ]]; then
    commit=$version
  else
    local refs
    refs=$(git ls-remote "$server/$repository" "$version") ||
      die "cannot list the refs of $server/$repository to resolve \`$version\`"
    commit=$(echo "$refs" | head -n1 | cut -f1)
    [ -n "$commit" ] || die "\`$version\` is neither a release tag (vX.Y.Z) nor a branch or tag of $server/$repository"
  fi
  output kind source
  output commit "$commit"
  output cache-key "secretary-cargo-${RUNNER_OS:-os}-${RUNNER_ARCH:-arch}-$commit"
}

install_release() {
  local target name asset base dir expected actual exe
  target=$(runner_target) || die "secretary $version has no released binary for this runner (${RUNNER_OS:-?} ${RUNNER_ARCH:-?})"
  name="secretary-$version-$target"
  case "$target" in
    *-windows-*) asset="$name.zip" exe=secretary.exe ;;
    *) asset="$name.tar.gz" exe=secretary ;;
  esac
  base=${SECRETARY_DOWNLOAD_BASE:-$server/$repository/releases/download/$version}
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "downloading $base/$asset"
  curl -fsSL --retry 3 -o "$tmp/$asset" "$base/$asset" ||
    die "cannot download \`$base/$asset\`: secretary $version is a release tag, so only its released binary is installed (no source build); check that release $version of $repository has this asset, or set \`version\` to a branch or commit to build from source"
  curl -fsSL --retry 3 -o "$tmp/$asset.sha256" "$base/$asset.sha256" ||
    die "cannot download \`$base/$asset.sha256\`: the release has no checksum for $asset, so it is not installed"
  read -r expected listed <"$tmp/$asset.sha256" || true
  [ "${listed:-}" = "$asset" ] ||
    die "\`$asset.sha256\` names \`${listed:-nothing}\`, not \`$asset\`"
  actual=$(sha256 "$tmp/$asset")
  [ "$actual" = "$expected" ] ||
    die "checksum mismatch for \`$asset\`: expected $expected, got $actual; the download is not installed"
  echo "checksum verified: $asset sha256 $actual"
  mkdir -p "$tmp/x"
  case "$asset" in
    *.zip)
      if command -v unzip >/dev/null; then
        unzip -q "$tmp/$asset" -d "$tmp/x"
      else
        powershell -NoProfile -Command "Expand-Archive -LiteralPath '$(native "$tmp/$asset")' -DestinationPath '$(native "$tmp/x")'"
      fi
      ;;
    *) tar -xzf "$tmp/$asset" -C "$tmp/x" ;;
  esac
  [ -f "$tmp/x/$name/$exe" ] || die "\`$asset\` holds no \`$name/$exe\`"
  dir=${SECRETARY_INSTALL_DIR:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}/secretary/bin}
  mkdir -p "$dir"
  mv -f "$tmp/x/$name/$exe" "$dir/$exe"
  chmod +x "$dir/$exe"
  local reported
  reported=$("$dir/$exe" --version) || die "the installed \`$dir/$exe\` does not run"
  [ "$reported" = "secretary ${version#v}" ] ||
    die "the installed binary reports \`$reported\`, not secretary ${version#v}"
  on_path "$dir" "$exe"
}

install_source() {
  local root=${SECRETARY_CARGO_ROOT:?SECRETARY_CARGO_ROOT is not set}
  local commit=${SECRETARY_COMMIT:?SECRETARY_COMMIT is not set: run \`install.sh plan\` first}
  local exe=secretary
  [ "${RUNNER_OS:-}" = Windows ] && exe=secretary.exe
  echo "::warning::secretary \`$version\` is not a release tag (vX.Y.Z), so no released binary matches: building commit $commit from source with \`cargo install --locked\` (cached by commit)"
  if [ -x "$root/bin/$exe" ]; then
    echo "using the cached build of $commit in $root"
  else
    cargo install --locked --git "$server/$repository" --rev "$commit" --root "$root" secretary
  fi
  on_path "$root/bin" "$exe"
}

case "${1:-}" in
  plan | install)
    [ -n "$version" ] || die "SECRETARY_VERSION is not set: give the action a version (vX.Y.Z, a branch or a commit)"
    ;;
esac
case "${1:-}" in
  plan) plan ;;
  target) runner_target || die "no released target for ${RUNNER_OS:-?} ${RUNNER_ARCH:-?}" ;;
  targets) targets | cut -d' ' -f3 ;;
  install)
    if is_tag "$version"; then install_release; else install_source; fi
    ;;
  *)
    echo "usage: action/install.sh plan|install|target|targets" >&2
    exit 2
    ;;
esac
