#!/usr/bin/env bash
# Renders the Generate and Simulate state machines with the CLI, for each
# compute variant (fargate-spot: activity tasks; lambda: lambda:invoke
# tasks with EXPRESS Map children; ec2-spot: fargate-spot's machines naming
# the Auto Scaling group), and checks every definition with the npm
# package asl-validator, pinned in .ci/asl-validator (package.json +
# package-lock.json; installed with npm ci, never globally). Fails on any
# error or any invalid definition.
set -euo pipefail
cd "$(dirname "$0")/.."

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

computes=(fargate-spot lambda ec2-spot)
for compute in "${computes[@]}"; do
  echo "== render state machine definitions (compute $compute)"
  go run ./cmd/montecarlo definitions --compute "$compute" --out "$out/$compute"
done

echo "== install asl-validator (npm ci, lockfile)"
npm ci --prefix .ci/asl-validator --ignore-scripts --no-audit --no-fund --loglevel=error

validator=.ci/asl-validator/node_modules/.bin/asl-validator
shopt -s nullglob
for compute in "${computes[@]}"; do
  echo "== asl-validator (compute $compute)"
  files=("$out/$compute"/*.asl.json)
  if [ "${#files[@]}" -ne 2 ]; then
    echo "expected 2 definitions in $out/$compute, found ${#files[@]}" >&2
    exit 1
  fi
  args=()
  for f in "${files[@]}"; do args+=(--json-path "$f"); done
  "$validator" "${args[@]}"
done
