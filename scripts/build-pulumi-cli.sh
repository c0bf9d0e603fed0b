#!/usr/bin/env bash
# Builds the Pulumi CLI the engine tests run, from the Go module proxy
# (github.com/pulumi/pulumi/pkg/v3/cmd/pulumi at the version the wrapper
# module tests/engine/cli requires, v3.276.0) through that module, and caches it: the first build takes about
# 8 minutes on 2 cores, later calls return at once.
#
#   scripts/build-pulumi-cli.sh        # prints the path of the pulumi binary
#                                      # (<cache>/pulumi-<version>/bin/pulumi)
#
# The cache is $MONTECARLO_CACHE (default ~/.cache/montecarlo)/pulumi-<version>/;
# the binary is rebuilt when tests/engine/cli/go.mod or go.sum change (their
# hash is stamped beside it). Progress goes to stderr, the path to stdout.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# The version is the wrapper's: one place to change it.
version=$(awk '$1 == "require" && $2 == "github.com/pulumi/pulumi/pkg/v3" { print $3 }' "$root/tests/engine/cli/go.mod")
if [ -z "$version" ]; then
  echo "tests/engine/cli/go.mod does not require github.com/pulumi/pulumi/pkg/v3" >&2
  exit 1
fi
cache="${MONTECARLO_CACHE:-$HOME/.cache/montecarlo}/pulumi-$version"
bin="$cache/bin/pulumi"   # <root>/bin/pulumi: the layout auto.NewPulumiCommand expects
stamp="$cache/inputs.sha256"
want=$(cd "$root/tests/engine/cli" && cat go.mod go.sum | sha256sum | cut -d' ' -f1)

if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  echo "$bin"
  exit 0
fi

mkdir -p "$cache/bin"
echo "building the Pulumi CLI $version into $cache (first time: several minutes)" >&2
start=$(date +%s)
tmp="$bin.tmp.$$"
trap 'rm -f "$tmp"' EXIT
(
  cd "$root/tests/engine/cli"
  # -trimpath keeps the binary independent of where the module cache is;
  # the version is what `pulumi version` and the engine report.
  CGO_ENABLED=0 go build -mod=readonly -trimpath -o "$tmp" \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
)
got=$("$tmp" version)
if [ "$got" != "$version" ]; then
  echo "built pulumi reports version $got, want $version" >&2
  exit 1
fi
mv "$tmp" "$bin"
echo "$want" > "$stamp"
echo "built $("$bin" version) in $(( $(date +%s) - start ))s" >&2
echo "$bin"
