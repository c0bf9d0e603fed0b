#!/usr/bin/env bash
# Replays the Dockerfile's build stage without a Docker engine (none runs on
# CI's machine): copies exactly what the stage's COPY lines copy into an
# empty directory and runs the stage's build command there, with the same
# GOFLAGS. So a worker import of a package the image does not copy, or a
# go.sum gap, fails CI instead of the first `pulumi up`.
set -euo pipefail
cd "$(dirname "$0")/.."

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT

# COPY lines of the build stage (before the second FROM), skipping --from.
awk '/^FROM /{n++} n==1 && /^COPY / && !/--from/' Dockerfile |
while read -r _ args; do
  read -ra parts <<<"$args"
  dst=${parts[-1]}
  for src in "${parts[@]:0:${#parts[@]}-1}"; do
    mkdir -p "$ctx/$(dirname "$src")"
    cp -R "$src" "$ctx/$src"
  done
  : "$dst"
done

grep -q 'RUN .*scripts/build-worker.sh\|scripts/build-worker.sh /out/worker' Dockerfile ||
  { echo "the Dockerfile's build stage no longer runs scripts/build-worker.sh" >&2; exit 1; }

(cd "$ctx" && GOTOOLCHAIN=local GOFLAGS=-mod=readonly bash scripts/build-worker.sh "$ctx/out/worker")
