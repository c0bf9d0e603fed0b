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

# The runtime stage's layout (no Docker engine to inspect the image): the
# worker runs as uid 65532 with a read-only root filesystem, and its only
# writable path, the task's scratch volume at /tmp, is writable by that user
# only because the image declares VOLUME /tmp (ECS then seeds the volume
# from the image's 1777 /tmp instead of creating it root-owned 0755).
# components/dockerfile_test.go checks the same facts against the task
# definition's user and mount point.
runtime=$(awk '/^FROM /{n++} n>=2' Dockerfile)
[ "$(grep -c '^FROM ' Dockerfile)" -eq 2 ] ||
  { echo "the Dockerfile should have exactly two stages (build, runtime)" >&2; exit 1; }
grep -Eq '^USER 65532(:65532)?$' <<<"$runtime" ||
  { echo "the runtime stage must run as USER 65532:65532 (components.WorkerUser)" >&2; exit 1; }
grep -Eq '^VOLUME (\["/tmp"\]|/tmp)$' <<<"$runtime" ||
  { echo "the runtime stage must declare VOLUME [\"/tmp\"]: without it Fargate mounts the scratch volume root-owned 0755 and uid 65532 cannot write it" >&2; exit 1; }
if grep -Eq '^(RUN|COPY|ADD) .*/tmp' <<<"$(awk '/^VOLUME /{v=1} v' <<<"$runtime")"; then
  echo "the runtime stage changes /tmp after VOLUME /tmp; such changes are discarded" >&2; exit 1
fi

(cd "$ctx" && GOTOOLCHAIN=local GOFLAGS=-mod=readonly bash scripts/build-worker.sh "$ctx/out/worker")
