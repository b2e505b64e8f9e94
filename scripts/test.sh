#!/usr/bin/env bash
# The whole test suite, on a fresh machine: install what the tests need, then
# run every cargo test. `.ci/run` calls this same script.
set -euo pipefail
cd "$(dirname "$0")/.."

# Live IAM tests run the moto IAM emulator (tests/moto/server.py).
if ! python3 -c 'import moto' 2>/dev/null; then
  echo "== installing the moto IAM emulator"
  python3 -m pip install --quiet 'moto[server]' ||
    python3 -m pip install --quiet --break-system-packages 'moto[server]'
fi

# Every test, with every feature. CI=true makes insta fail on a snapshot that
# differs instead of writing it.
cargo test --locked --all-features "$@"

# The offline build (no AWS SDK) must compile and behave: its IAM tests run
# against it. Only the lib and binary are built without `aws` (one debug
# compile of the crate; the dependencies whose features the dev-dependencies
# change, about 50, are compiled again, see docs/src/building.md); the
# tests are the binary just built above, run with the offline binary as the
# `secretary` under test (tests/common/mod.rs, SECRETARY_OFFLINE_BIN). Before,
# `cargo test --no-default-features` compiled the crate and the whole test
# binary a second time for what differs in 4 `#[cfg(feature = "aws")]` spots
# in src/cli (the live collection stubs) - see docs/src/building.md.
offline_bin=$(cargo build --locked --no-default-features --bin secretary \
  --message-format=json-render-diagnostics |
  python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "secretary":
        print(m["executable"])')
if [ ! -x "$offline_bin" ]; then
  echo "error: cargo built no offline secretary binary" >&2
  exit 1
fi
# A copy of its own: `cargo test --all-features` below relinks the
# `secretary` binary with `aws` at the same path (target/debug/secretary).
offline_copy="$(dirname "$offline_bin")/secretary-offline"
cp "$offline_bin" "$offline_copy"
echo "== offline IAM tests against $offline_copy"
SECRETARY_OFFLINE_BIN="$offline_copy" cargo test --locked --all-features --test tests iam_rules::
