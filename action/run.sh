#!/usr/bin/env bash
# The Action's check step: runs
#
#   secretary check <inventory> [--policies P]... --fail-on F \
#     --format sarif -o <sarif> --format human <args>
#
# from the inputs action.yml passes as environment variables (never pasted
# into the script, so an input cannot inject shell). `inventory`, `policies`
# and `args` are split on whitespace; a path with spaces needs a wrapper.
# The exit code is secretary's: 0 compliant, 1 findings at or above
# `fail-on`, 2 bad input. The SARIF file is written whenever the inputs load.
set -euo pipefail
set -f # no globbing of the split inputs

# shellcheck disable=SC2206 # word splitting is the documented behaviour
inventory=(${INPUT_INVENTORY:-secretary.yaml})
policies=(${INPUT_POLICIES:-})
extra=(${INPUT_ARGS:-})

cmd=(secretary check "${inventory[@]}")
for p in ${policies[@]+"${policies[@]}"}; do
  cmd+=(--policies "$p")
done
cmd+=(--fail-on "${INPUT_FAIL_ON:-high}")
cmd+=(--format sarif -o "${INPUT_SARIF:-secretary.sarif}" --format human)
cmd+=(${extra[@]+"${extra[@]}"})

echo "+ ${cmd[*]}"
exec "${cmd[@]}"
