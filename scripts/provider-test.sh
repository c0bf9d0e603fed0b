#!/usr/bin/env bash
# The component provider and its SDKs (docs/languages.md). CI runs this after
# the engine tests; so can a developer:
#
#   scripts/provider-test.sh
#
# 1. provider/: go vet, its unit tests (descriptions from one source, every
#    input reaching the component, the schema);
# 2. the checked-in schema and SDKs equal a fresh generation (gen-sdks.sh --check);
# 3. the Go SDK and the Python SDK and example compile (go vet; python3 -m
#    compileall), the TypeScript SDK and example compile with tsc from npm
#    (examples/typescript/package-lock.json);
# 4. `pulumi package get-schema` on the built plugin gives provider/schema.json;
#    examples/yaml runs `preview`, `up`, a second `preview` that must change
#    nothing, and `destroy` through the real Pulumi CLI with the YAML
#    language host (both built from the module proxy, cached beside each
#    other) and the built pulumi-resource-montecarlo, on a file backend with
#    the stand-in AWS providers of the engine tests.
#
# Nothing downloads a plugin; where `unshare --net` works (root, as in CI)
# step 4 runs with loopback only (MONTECARLO_ENGINE_NETNS=0 turns that off).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_IGNORE_AMBIENT_PLUGINS=true
export PULUMI_SKIP_UPDATE_CHECK=true
yaml_version=v1.25.0
t0=$(date +%s)
step() { echo "== provider: $1 ($(( $(date +%s) - t0 ))s)"; }

work=$(mktemp -d "${TMPDIR:-/tmp}/montecarlo-provider-test.XXXXXX")
cleanup() {
  rm -rf "$work"
  rm -f "$root/examples/yaml/Pulumi.ci.yaml"
}
trap cleanup EXIT

step "go vet and unit tests"
# -trimpath everywhere in provider/ (vet, test, gen-sdk, the plugin): one
# set of compiled packages in the build cache for all of them.
(cd provider && go vet -trimpath ./... && go test -trimpath -count=1 ./...)

step "schema and SDKs against a fresh generation"
scripts/gen-sdks.sh --check

step "Go SDK compiles"
(cd sdk && go vet ./...)

step "Python SDK and example byte-compile"
PYTHONPYCACHEPREFIX="$work/pycache" python3 -m compileall -q sdk/python examples/python

step "TypeScript SDK and example compile (tsc)"
(cd examples/typescript && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
nm="$root/examples/typescript/node_modules"
# The SDK as `pulumi package add` links it: its sources compiled with tsc,
# against the example's @pulumi/pulumi.
cp -r sdk/nodejs "$work/sdk-nodejs"
ln -s "$nm" "$work/sdk-nodejs/node_modules"
"$nm/.bin/tsc" -p "$work/sdk-nodejs"
sdkpkg="$nm/@montecarlo-pipeline/montecarlo"
rm -rf "$sdkpkg"; mkdir -p "$sdkpkg"
# The package is bin/ with package.json beside (how Pulumi SDKs are
# published: package.json names no "main", index.js is at the root).
cp -r "$work/sdk-nodejs/bin/." "$sdkpkg/"
cp "$work/sdk-nodejs/package.json" "$sdkpkg/"
(cd examples/typescript && "$nm/.bin/tsc" --noEmit -p .)
rm -rf "$sdkpkg"

step "YAML example through the Pulumi CLI"
cli=$(scripts/build-pulumi-cli.sh)
bindir=$(dirname "$cli")
if [ ! -x "$bindir/pulumi-language-yaml" ] || [ "$(cat "$bindir/pulumi-language-yaml.version" 2>/dev/null)" != $yaml_version ]; then
  echo "building pulumi-language-yaml $yaml_version into $bindir" >&2
  GOBIN="$bindir" CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" \
    github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@$yaml_version
  echo $yaml_version > "$bindir/pulumi-language-yaml.version"
fi
(cd provider && go build -trimpath -o "$work/pulumi-resource-montecarlo" .)
(cd tests/engine && CGO_ENABLED=0 go build -trimpath -o "$work/pulumi-resource-aws" ./provider \
  && CGO_ENABLED=0 go build -trimpath -o "$work/pulumi-resource-awsx" ./awsx)
pv=$(sed -n 's/^const Version = "\(.*\)"$/\1/p' provider/component/provider.go)
step "built the provider $pv, the stand-ins and the language host"

export PULUMI_HOME="$work/home" PULUMI_CONFIG_PASSPHRASE=ci PULUMI_BACKEND_URL="file://$work/state"
# What the CLI reads from the binary is the checked-in schema (gen-sdk asks in-process).
"$cli" package get-schema "$work/pulumi-resource-montecarlo" > "$work/served-schema.json"
python3 - "$work/served-schema.json" provider/schema.json <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
if a != b:
    sys.exit("pulumi package get-schema differs from provider/schema.json in: " + ", ".join(sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))))
PY
# pulumi-language-yaml is found as a plugin bundled with the CLI: beside it.
export PATH="$bindir:$PATH"
mkdir -p "$work/state"
pulumi plugin install resource montecarlo "$pv" --file "$work/pulumi-resource-montecarlo"
pulumi plugin install resource aws v6.83.4 --file "$work/pulumi-resource-aws"
pulumi plugin install resource awsx v2.22.0 --file "$work/pulumi-resource-awsx"

run=(env)
if [ "${MONTECARLO_ENGINE_NETNS:-1}" != 0 ] && command -v ip >/dev/null && unshare --net true 2>/dev/null; then
  echo "== provider: the YAML example runs in a network namespace with loopback only"
  run=(unshare --net sh -c 'ip link set lo up && exec "$@"' sh)
fi
"${run[@]}" bash "$root/scripts/provider-yaml-example.sh" "$root/examples/yaml" "$work"
step "passed"
