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

# The offline build (no AWS SDK) must compile, and its offline IAM tests pass
# (the `iam_rules` module of the one test binary, `tests/tests.rs`).
cargo test --locked --no-default-features --test tests iam_rules::

# CI=true makes insta fail on a snapshot that differs instead of writing it.
cargo test --locked --all-features "$@"
