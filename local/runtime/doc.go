// Package localrun runs the whole pipeline on one machine with no AWS account:
// the local S3 endpoint (local/s3) over a directory, the Step Functions
// emulator (local/sfn) on a loopback port, the ECS stand-in (local/ecs)
// running in-process workers, and the two state machines of
// components/workflow created in the emulator exactly as the Pulumi
// component deploys them.
//
// The workers are the real worker code: the activity loop (worker/activity)
// and the operations (worker/ops), talking to the emulator and to local S3
// through the AWS SDK with each service's BaseEndpoint pointed at loopback
// (what AWS_ENDPOINT_URL_SFN and AWS_ENDPOINT_URL_S3 do for the worker
// binary), static local credentials and path-style S3 addressing. Nothing is
// short-circuited: every task goes through GetActivityTask, heartbeats and
// SendTaskSuccess over HTTP, and every object through S3 requests.
//
//	rt, err := localrun.Start(ctx, localrun.Options{DataDir: "./montecarlo-data", Workers: 2})
//	if err != nil { ... }
//	defer rt.Close()                       // scales workers in through the interruption path
//	res, err := rt.Run(ctx, localrun.Run{Loans: 500_000, Scenarios: 1000, Progress: show})
//
// # Time
//
// The emulator multiplies every duration of the modelled world (Wait states,
// retry intervals, HeartbeatSeconds, the long poll) by Options.TimeScale, so
// a retry interval of 10 s takes 1 s at the default scale of 0.1, and a
// worker killed by the chaos option is noticed and its batch retried in
// seconds. A scaled heartbeat timeout lasts at least MinWallHeartbeat (5 s),
// because scheduling delays on a loaded machine do not shrink with the
// scale: 20 s in AWS is 5 s here, not 2 s. Workers heartbeat at a quarter of
// the heartbeat timeout the emulator applies. An activity task's
// TimeoutSeconds is not scaled: it bounds the task's real work (compute and
// S3 I/O, derived from their cost), which runs no faster here.
//
// # Chaos
//
// Options.ChaosKill makes a simulate task's worker die abruptly with that
// probability at a random point of the task: its Step Functions calls stop
// at once (no result, no heartbeat, no hand-back), as when a container is
// killed, and the ECS stand-in starts a replacement. The activity's
// HeartbeatSeconds and Retry bring the batch back. Options.ChaosCorrupt makes
// the generator damage that fraction of the records it writes; the run then
// rejects exactly those, each with its reason, into runs/<runId>/errors/.
package localrun
