// The generated Go SDK (sdk/go/montecarlo, scripts/gen-sdks.sh), a module of
// its own so that the main module's dependencies do not change with it.
module github.com/montecarlo-pipeline/montecarlo/sdk

go 1.26.6
