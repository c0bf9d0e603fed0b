#!/usr/bin/env bash
# Builds the worker binary the container runs. The Dockerfile's build stage,
# CI and developers all run this same script, so the image holds exactly the
# binary that was measured here.
#
#   scripts/build-worker.sh [output]      (default output: bin/worker)
#
# - static (CGO_ENABLED=0) linux/amd64, for gcr.io/distroless/static;
# - GOAMD64=v1 pinned: at v3 Go may fuse x*y+z into an FMA instruction, and
#   the model's results must be bit-identical across builds (MODEL.md,
#   "Reproducibility");
# - -trimpath and no VCS stamp, so the same source gives the same binary;
# - -s -w strip the symbol table and DWARF (panics still print stacks);
# - built with -tags lambda.norpc: aws-lambda-go, which serves the Lambda
#   runtime API inside Lambda (compute "lambda"), otherwise links its
#   legacy go1.x RPC mode, whose net/rpc pulls in html/template (below);
#   a container-image function never uses RPC mode;
# - fails if the worker links text/template or html/template (see below);
# - fails if the binary exceeds MAX_BINARY_MIB (default 20), which keeps
#   the image (binary + ~2 MiB distroless) under its 25 MB goal.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-bin/worker}
max_mib=${MAX_BINARY_MIB:-20}
tags=lambda.norpc

# text/template and html/template call reflect's MethodByName, after which the
# linker keeps every exported method of every reachable type: every AWS
# client operation, about +6 MiB. Fail early and say why rather than only
# over the size budget.
# (The list is read whole first: with pipefail, grep -q closing the pipe
# early could make go list fail with SIGPIPE and the check pass.)
deps=$(go list -tags "$tags" -deps ./worker)
if grep -qE '^(text|html)/template$' <<<"$deps"; then
  echo "error: the worker depends on text/template or html/template, which disables the linker's method dead-code elimination; find the importer with: go list -tags $tags -deps -f '{{.ImportPath}}: {{.Imports}}' ./worker | grep template" >&2
  exit 1
fi

mkdir -p "$(dirname "$out")"
CGO_ENABLED=0 GOOS=linux GOARCH=amd64 GOAMD64=v1 \
  go build -tags "$tags" -trimpath -buildvcs=false -ldflags='-s -w' -o "$out" ./worker

size=$(wc -c <"$out")
size=${size// /}
max=$((max_mib * 1024 * 1024))
awk -v s="$size" -v m="$max_mib" -v o="$out" \
  'BEGIN { printf "worker binary %s: %d bytes (%.2f MiB; budget %d MiB)\n", o, s, s / 1048576, m }'
if [ "$size" -gt "$max" ]; then
  echo "error: worker binary exceeds its ${max_mib} MiB budget; drop a dependency or raise MAX_BINARY_MIB deliberately" >&2
  exit 1
fi
