#!/usr/bin/env bash
# The engine tests: the real program (main.go's program package) under a
# real Pulumi engine, on a local file backend, with the stand-in AWS
# providers (tests/engine/provider, tests/engine/awsx). What they check and why:
# docs/engine-tests.md. CI runs this script; so can a developer:
#
#   scripts/engine-test.sh                 # everything
#   scripts/engine-test.sh -run TestDevStack   # extra flags go to the test binary (-test.* spelled -run, -v ...)
#
# The first run builds the Pulumi CLI (about 8 minutes on 2 cores; cached in
# ~/.cache/montecarlo, see scripts/build-pulumi-cli.sh). Nothing downloads a
# plugin. Where `unshare --net` works (root, as in CI), the tests run in a
# network namespace that has only loopback, so nothing can reach another
# address; MONTECARLO_ENGINE_NETNS=0 turns that off.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_SKIP_UPDATE_CHECK=true

t0=$(date +%s)
cli=$(scripts/build-pulumi-cli.sh)
t1=$(date +%s)
echo "== engine tests: Pulumi CLI $("$cli" version) ($cli, $((t1 - t0))s)"

work=$(mktemp -d "${TMPDIR:-/tmp}/montecarlo-engine-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
(
  cd tests/engine
  go vet ./...
  go test -count=1 ./provider ./awsx   # the stand-ins' own tests
  CGO_ENABLED=0 go build -trimpath -o "$work/pulumi-resource-aws" ./provider
  CGO_ENABLED=0 go build -trimpath -o "$work/pulumi-resource-awsx" ./awsx
  go test -c -o "$work/engine.test" .
)
t2=$(date +%s)
echo "== engine tests: stand-in providers and test binary built ($((t2 - t1))s)"

export MONTECARLO_PULUMI="$cli" MONTECARLO_AWS_PROVIDER="$work/pulumi-resource-aws" MONTECARLO_AWSX_PROVIDER="$work/pulumi-resource-awsx"
export TMPDIR="$work"   # the tests' backends, homes and projects go here

# Translate -run X / -v style flags to the test binary's -test.* flags.
args=(-test.count=1 -test.timeout=30m -test.v)
while [ $# -gt 0 ]; do
  case "$1" in
    -run) args+=("-test.run=$2"); shift 2 ;;
    -run=*) args+=("-test.run=${1#-run=}"); shift ;;
    -*) args+=("-test.${1#-}"); shift ;;
    *) args+=("$1"); shift ;;
  esac
done

run=(env)
if [ "${MONTECARLO_ENGINE_NETNS:-1}" != 0 ] && command -v ip >/dev/null && unshare --net true 2>/dev/null; then
  echo "== engine tests: in a network namespace with loopback only"
  run=(unshare --net sh -c 'ip link set lo up && exec "$@"' sh)
else
  echo "== engine tests: unshare --net (or ip) is not available here; running without network isolation"
fi
cd tests/engine
"${run[@]}" "$work/engine.test" "${args[@]}"
echo "== engine tests: passed in $(( $(date +%s) - t0 ))s"
