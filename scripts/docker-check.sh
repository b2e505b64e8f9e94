#!/usr/bin/env bash
# Builds the container image (Dockerfile) and tries it: `--version` must print
# Cargo.toml's version, and a check of the shipped clean example must pass.
# Prints the image size. Not part of CI (`.ci/run`): it needs a Docker daemon
# and network access for the base image. Without Docker it says so and exits
# 0, or 1 under REQUIRE_DOCKER=1.
#
#   scripts/docker-check.sh [TAG]     (default secretary:check)
set -euo pipefail
cd "$(dirname "$0")/.."
tag=${1:-secretary:check}

skip() {
  echo "docker-check: skipped: $*" >&2
  [ "${REQUIRE_DOCKER:-0}" = 1 ] && exit 1
  exit 0
}
command -v docker >/dev/null || skip "no docker command"
docker info >/dev/null 2>&1 || skip "docker cannot reach a daemon ($(docker info 2>&1 | tail -n1))"

docker build -t "$tag" .

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
reported=$(docker run --rm "$tag" --version)
if [ "$reported" != "secretary $version" ]; then
  echo "docker-check: the image reports \`$reported\`, expected \`secretary $version\`" >&2
  exit 1
fi
echo "docker-check: $reported"

# A shipped example, mounted read-only, as a user would run it.
docker run --rm -v "$PWD/examples/clean:/src:ro" "$tag" check inventory.yaml --now 2026-11-23
echo "docker-check: check of examples/clean passed"

size=$(docker image inspect --format '{{.Size}}' "$tag")
echo "docker-check: image $tag is $((size / 1024 / 1024)) MiB ($size bytes)"
