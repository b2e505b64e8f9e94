#!/usr/bin/env bash
# The whole test suite, on a fresh machine: install what the tests need, then
# run every cargo test. `.ci/run` calls this same script.
set -euo pipefail
cd "$(dirname "$0")/.."

# CI=true makes insta fail on a snapshot that differs instead of writing it.
cargo test --locked --all-features "$@"
