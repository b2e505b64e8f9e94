#!/usr/bin/env bash
# Peak memory and time of secretary on hostile inputs (issue 13): the cases
# the hostile test suites check for their verdict, at sizes where a missing
# bound would show as memory or time. Prints one row per case: exit code,
# wall seconds and peak RSS. Nothing here is a pass/fail test; the table is
# what benches/README.md records.
#
#   scripts/hostile-rss.sh [BIN]     (default: target/release/secretary)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/release/secretary}
[ -x "$BIN" ] || { echo "no binary at $BIN: cargo build --release first" >&2; exit 2; }
BIN=$(realpath "$BIN")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

python3 - "$WORK" <<'EOF'
import os, sys
work = sys.argv[1]
head = """version: 1
environments:
  production: { tier: production }
services:
  api: { kind: api }
secrets:
  JWT_SECRET:
    classification: critical
    owner: platform
    readers: [api]
    rotation: { period: 90d }
    instances:
      production: { backend: aws_secrets_manager, env_var: JWT_SECRET, last_rotated: 2026-11-01 }
"""
def case(name, text, extra=None):
    d = os.path.join(work, name)
    os.makedirs(d)
    with open(os.path.join(d, "inventory.yaml"), "w") as f:
        f.write(text)
    for file, content in (extra or {}).items():
        with open(os.path.join(d, file), "w") as f:
            f.write(content)

bomb = "x:\n  a0: &a0 [" + ", ".join(["lol"] * 9) + "]\n"
for level in range(1, 12):
    bomb += f"  a{level}: &a{level} [" + ", ".join([f"*a{level-1}"] * 9) + "]\n"
case("inventory-alias-bomb", head + bomb)
case("inventory-flow-20000-deep", head + "x: " + "[" * 20000 + "]" * 20000 + "\n")
case("inventory-block-4000-deep", head + "".join(" " * l + "k:\n" for l in range(4000)))
compose_bomb = "services:\n  api:\n    image: app\n    labels:\n      a0: &a0 {x: y, z: w}\n"
for level in range(1, 12):
    compose_bomb += f"      a{level}: &a{level} {{" + ", ".join(f"k{i}: *a{level-1}" for i in range(8)) + "}\n"
sources = "sources:\n  compose:\n    - file: docker-compose.yml\n      environment: production\n"
case("compose-alias-bomb", head + sources, {"docker-compose.yml": compose_bomb})
case("compose-flow-20000-deep", head + sources,
     {"docker-compose.yml": "services:\n  api:\n    labels: " + "[" * 20000 + "]" * 20000 + "\n"})
case("value-file-dev-zero",
     head.replace("env_var: JWT_SECRET, last_rotated", "value: { file: /dev/zero }, last_rotated"))
EOF
# An inventory one byte over its 64 MiB cap, as a sparse file.
mkdir -p "$WORK/inventory-over-cap"
truncate -s $((64 * 1024 * 1024 + 1)) "$WORK/inventory-over-cap/inventory.yaml"

printf '%-28s %5s %8s %10s\n' case exit seconds 'peak RSS'
for dir in "$WORK"/*/; do
  name=$(basename "$dir")
  code=0
  (cd "$dir" && /usr/bin/time -o "$WORK/time" -f '%e %M' "$BIN" check inventory.yaml \
    --now 2026-11-23 --env production >/dev/null 2>&1) || code=$?
  read -r seconds kib < <(tail -1 "$WORK/time")
  printf '%-28s %5s %8s %7d MB\n' "$name" "$code" "$seconds" $((kib / 1024))
done
