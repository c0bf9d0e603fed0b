#!/usr/bin/env bash
# Runs examples/yaml through the Pulumi CLI: preview, up, a second preview
# that must change nothing, the outputs, destroy, and a preview with a value
# the component refuses (its error must reach the program). scripts/provider-test.sh
# calls it with the environment set (PULUMI_HOME with the plugins, a file
# backend), possibly in a network namespace.
set -euo pipefail
dir=$1 work=$2
cd "$dir"
p() { pulumi --non-interactive --color never "$@"; }
p stack init ci
p config set aws:region us-east-1
p preview --diff > "$work/preview.txt" || { cat "$work/preview.txt"; exit 1; }
grep -q "montecarlo:index:MonteCarloPipeline" "$work/preview.txt" || { cat "$work/preview.txt"; echo "preview shows no MonteCarloPipeline" >&2; exit 1; }
echo "preview: $(grep -c '^ *+ ' "$work/preview.txt" || true) creates"
p up --yes --skip-preview > "$work/up.txt" || { cat "$work/up.txt"; exit 1; }
tail -n 25 "$work/up.txt"
p preview --expect-no-changes > "$work/preview2.txt" || { cat "$work/preview2.txt"; echo "the second preview changes something" >&2; exit 1; }
p stack output --json > "$work/outputs.json"
python3 - "$work/outputs.json" <<'PY'
import json, re, sys
o = json.load(open(sys.argv[1]))
want = {
    "generateStateMachineArn": r"^arn:aws:states:us-east-1:123456789012:stateMachine:pipeline-generate$",
    "simulateStateMachineArn": r"^arn:aws:states:us-east-1:123456789012:stateMachine:pipeline-simulate$",
    "cleanupStateMachineArn": r"^arn:aws:states:us-east-1:123456789012:stateMachine:pipeline-cleanup$",
    "vpcId": r"^vpc-[0-9a-f]{17}$",
    "imageUri": r"^123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com/.+@sha256:[0-9a-f]{64}$",
}
bad = [f"{k} = {o.get(k)!r}, want {r}" for k, r in want.items() if not re.match(r, str(o.get(k, "")))]
if not o.get("dataBucketName") or o.get("inputBucketName") != o.get("dataBucketName"):
    bad.append(f"dataBucketName {o.get('dataBucketName')!r}, inputBucketName {o.get('inputBucketName')!r}")
if len(o.get("subnetIds", [])) != 2:
    bad.append(f"subnetIds {o.get('subnetIds')!r}, want 2 (the default zone count)")
if bad:
    sys.exit("outputs:\n  " + "\n  ".join(bad))
print("outputs:", json.dumps(o, indent=1))
PY
p destroy --yes --skip-preview > "$work/destroy.txt" || { cat "$work/destroy.txt"; exit 1; }
# The component's own validation error reaches the YAML program's preview.
p config set workerCount 5000
if p preview > "$work/invalid.txt" 2>&1; then
  cat "$work/invalid.txt"; echo "preview with workerCount 5000 succeeded" >&2; exit 1
fi
grep -q 'montecarlo pipeline "pipeline".*WorkerCount' "$work/invalid.txt" || { cat "$work/invalid.txt"; echo "the component's error naming WorkerCount is not in the preview's output" >&2; exit 1; }
echo "workerCount 5000: $(grep -o 'montecarlo pipeline "pipeline".*WorkerCount[^"]*' "$work/invalid.txt" | head -1)"
p stack rm --yes ci
