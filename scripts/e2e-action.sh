#!/usr/bin/env bash
# End to end test of the Action's install step (action/install.sh) against
# release assets made as .github/workflows/release.yml makes them:
#
# 1. scripts/package.sh builds and packages secretary for this machine's
#    release target (PROFILE=release reuses a faster build while iterating;
#    the default is the released `dist` profile);
# 2. python3 -m http.server serves the assets on 127.0.0.1, laid out as a
#    GitHub release (<base>/<tag>/<asset>);
# 3. the install script runs against them with a `cargo` on the PATH that
#    records any call, and the checks below must hold:
#    - the asset and checksum names are the released ones;
#    - a good asset installs, its checksum is verified, the binary runs and
#      is on GITHUB_PATH, and the Action's check step (action/run.sh) writes
#      SARIF with it;
#    - a wrong checksum, a tampered asset and a missing asset for a tag each
#      fail the step, install nothing and never call cargo;
#    - a commit (not a tag) builds from source with `cargo install --locked`
#      and says so in the log.
#
# `PROFILE=debug CARGO=true` packages the binary already in target/debug
# without building (a quick run of the checks; not what a release ships).
#
# Exit 0 when every check passes. Needs bash, curl, tar and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
profile=${PROFILE:-dist}
version="v$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)"

case "$(uname -s)" in
  Linux) runner_os=Linux ;;
  Darwin) runner_os=macOS ;;
  MINGW* | MSYS* | CYGWIN*) runner_os=Windows ;;
  *) echo "e2e: unknown OS $(uname -s)" >&2; exit 2 ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) runner_arch=X64 ;;
  aarch64 | arm64) runner_arch=ARM64 ;;
  *) echo "e2e: unknown architecture $(uname -m)" >&2; exit 2 ;;
esac
export RUNNER_OS=$runner_os RUNNER_ARCH=$runner_arch
target=$(action/install.sh target)
override=()
if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
  host=$(rustc -vV | sed -n 's/^host: //p')
  echo "e2e: NOTE: the release target $target is not installed here (rustup target add $target);"
  echo "e2e: NOTE: packaging the host target $host instead, installed with SECRETARY_TARGET=$host"
  target=$host
  override=(SECRETARY_TARGET="$host")
fi

work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "e2e: FAIL: $*" >&2
  exit 1
}
pass() { echo "e2e: ok: $*"; }

# 1. Package exactly as the release does.
good="$work/srv/good/$version"
PROFILE=$profile scripts/package.sh "$target" "$version" "$good"
case "$target" in *-windows-*) ext=zip exe=secretary.exe ;; *) ext=tar.gz exe=secretary ;; esac
asset="secretary-$version-$target.$ext"
[ "$(cd "$good" && ls | tr '\n' ' ')" = "$asset $asset.sha256 " ] ||
  fail "assets are $(ls "$good"), expected $asset and $asset.sha256"
pass "asset names: $asset, $asset.sha256"

# The broken releases: a wrong checksum, a tampered asset, nothing.
mkdir -p "$work/srv/badsum/$version" "$work/srv/tampered/$version" "$work/srv/empty/$version"
cp "$good/$asset" "$work/srv/badsum/$version/"
printf '%064d  %s\n' 0 "$asset" >"$work/srv/badsum/$version/$asset.sha256"
cp "$good/$asset.sha256" "$work/srv/tampered/$version/"
{ cat "$good/$asset"; echo tampered; } >"$work/srv/tampered/$version/$asset"

# 2. Serve them on loopback, on a free port.
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$work/srv" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 50); do
  port=$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$work/server.log" | head -n1)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "${port:-}" ] || fail "the HTTP server did not start: $(cat "$work/server.log")"
base="http://127.0.0.1:$port"

# A cargo that records its calls: a release tag must never reach it. For a
# source build it "installs" the packaged binary into --root.
mkdir -p "$work/fakebin"
cat >"$work/fakebin/cargo" <<FAKE
#!/usr/bin/env bash
echo "\$*" >>"$work/cargo-calls"
while [ \$# -gt 0 ]; do
  if [ "\$1" = --root ]; then mkdir -p "\$2/bin" && cp "$work/bin/$exe" "\$2/bin/$exe"; fi
  shift
done
FAKE
chmod +x "$work/fakebin/cargo"

# 3. Run the install step as action.yml does.
install() { # NAME SERVED-DIR VERSION
  local name=$1 dir=$2 v=$3
  env PATH="$work/fakebin:$PATH" SECRETARY_VERSION="$v" SECRETARY_REPOSITORY=secretary-rs/secretary \
    SECRETARY_DOWNLOAD_BASE="$base/$dir/$v" SECRETARY_INSTALL_DIR="$work/$name/bin" \
    SECRETARY_CARGO_ROOT="$work/$name/cargo" SECRETARY_COMMIT="${4:-}" \
    GITHUB_PATH="$work/$name.path" GITHUB_OUTPUT="$work/$name.out" RUNNER_TEMP="$work/$name" \
    ${override[@]+"${override[@]}"} bash action/install.sh install >"$work/$name.log" 2>&1
}
cargo_called() { [ -s "$work/cargo-calls" ]; }

install ok good "$version" || fail "the good asset did not install: $(cat "$work/ok.log")"
grep -q "checksum verified: $asset sha256 $(cut -d' ' -f1 "$good/$asset.sha256")" "$work/ok.log" ||
  fail "no checksum verification in the log: $(cat "$work/ok.log")"
[ "$("$work/ok/bin/$exe" --version)" = "secretary ${version#v}" ] || fail "the installed binary does not run"
[ "$(cat "$work/ok.path")" = "$work/ok/bin" ] || fail "GITHUB_PATH is $(cat "$work/ok.path")"
cargo_called && fail "cargo was called for a tag: $(cat "$work/cargo-calls")"
pass "tag $version: downloaded, checksum verified, $("$work/ok/bin/$exe" --version) runs, on GITHUB_PATH, no cargo"
mkdir -p "$work/bin" && cp "$work/ok/bin/$exe" "$work/bin/$exe"

# The Action's check step with the installed binary.
env PATH="$work/ok/bin:$PATH" INPUT_INVENTORY=examples/clean/inventory.yaml INPUT_POLICIES= \
  INPUT_FAIL_ON=high INPUT_ARGS="--now 2026-11-23" INPUT_SARIF="$work/out.sarif" \
  bash action/run.sh >"$work/run.log" 2>&1 || fail "the check step failed: $(cat "$work/run.log")"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["version"]=="2.1.0", d.get("version")' "$work/out.sarif" ||
  fail "the check step wrote no SARIF 2.1.0"
pass "check step: $(head -n1 "$work/run.log") -> SARIF written, exit 0"

for case in badsum:"checksum mismatch" tampered:"checksum mismatch" empty:"cannot download"; do
  dir=${case%%:*} why=${case#*:}
  if install "$dir" "$dir" "$version"; then fail "$dir: the install succeeded"; fi
  grep -q "$why" "$work/$dir.log" || fail "$dir: the log does not say \`$why\`: $(cat "$work/$dir.log")"
  [ ! -e "$work/$dir/bin/$exe" ] || fail "$dir: a binary was installed"
  [ ! -s "$work/$dir.path" ] || fail "$dir: GITHUB_PATH was changed"
  cargo_called && fail "$dir: fell back to cargo: $(cat "$work/cargo-calls")"
  pass "$dir: fails ($why), installs nothing, no cargo fallback"
done

# A commit is not a tag: built from source, and the log says so.
commit=0123456789abcdef0123456789abcdef01234567
install source empty "$commit" "$commit" || fail "the source build failed: $(cat "$work/source.log")"
grep -q "is not a release tag" "$work/source.log" || fail "the fallback is not logged: $(cat "$work/source.log")"
grep -qxF -- "install --locked --git https://github.com/secretary-rs/secretary --rev $commit --root $work/source/cargo secretary" "$work/cargo-calls" ||
  fail "cargo was called as: $(cat "$work/cargo-calls")"
pass "commit $commit: cargo install --locked --rev (logged as a source build)"
echo "e2e: all checks passed ($target, profile $profile)"
