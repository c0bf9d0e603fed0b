#!/usr/bin/env bash
# Renders the Generate and Simulate state machines with the CLI and checks
# both with the npm package asl-validator, pinned in .ci/asl-validator
# (package.json + package-lock.json; installed with npm ci, never globally).
# Fails on any error or any invalid definition.
set -euo pipefail
cd "$(dirname "$0")/.."

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== render state machine definitions"
go run ./cmd/montecarlo definitions --out "$out"

echo "== install asl-validator (npm ci, lockfile)"
npm ci --prefix .ci/asl-validator --ignore-scripts --no-audit --no-fund --loglevel=error

echo "== asl-validator"
validator=.ci/asl-validator/node_modules/.bin/asl-validator
shopt -s nullglob
files=("$out"/*.asl.json)
if [ "${#files[@]}" -ne 2 ]; then
  echo "expected 2 definitions in $out, found ${#files[@]}" >&2
  exit 1
fi
args=()
for f in "${files[@]}"; do args+=(--json-path "$f"); done
"$validator" "${args[@]}"
