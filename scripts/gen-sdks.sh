#!/usr/bin/env bash
# Regenerates the provider's schema (provider/schema.json) and the SDKs
# (sdk/nodejs, sdk/python, sdk/go/montecarlo) from the provider itself, with
# pkg/v3's code generators (provider/cmd/gen-sdk). Commit what it changes.
#
#   scripts/gen-sdks.sh            # rewrite the checked-in files
#   scripts/gen-sdks.sh --check    # regenerate into a temporary directory and
#                                  # fail, with a diff, if the checked-in files differ
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
check=0
[ "${1:-}" = --check ] && check=1

if [ $check = 0 ]; then
  (cd "$root/provider" && go run -trimpath ./cmd/gen-sdk -schema schema.json -out ../sdk)
  (cd "$root/sdk" && go mod tidy)
  exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/montecarlo-gen-sdks.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/sdk"
cp "$root/sdk/go.mod" "$root/sdk/go.sum" "$tmp/sdk/" 2>/dev/null || true
(cd "$root/provider" && go run -trimpath ./cmd/gen-sdk -schema "$tmp/schema.json" -out "$tmp/sdk")
status=0
diff -u "$root/provider/schema.json" "$tmp/schema.json" || status=1
for d in nodejs python go/montecarlo; do
  # Only the generated files count: the SDK's build output (bin/,
  # node_modules/, __pycache__/) is ignored by git and by this check.
  diff -ru -x node_modules -x bin -x __pycache__ -x '*.pyc' "$root/sdk/$d" "$tmp/sdk/$d" || status=1
done
if [ $status != 0 ]; then
  echo "the checked-in schema or SDKs differ from a fresh generation: run scripts/gen-sdks.sh and commit" >&2
  exit 1
fi
echo "schema and SDKs are up to date"
