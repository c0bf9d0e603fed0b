package sfnlocal

import (
	"context"
	"errors"

	"github.com/montecarlo-pipeline/montecarlo/local/sfn/paths"
)

// ECSService is the part of an ECS service description that workflows read
// (field names as in the ECS API's Service shape).
type ECSService struct {
	ServiceName  string
	ServiceArn   string
	ClusterArn   string
	Status       string // ACTIVE, DRAINING or INACTIVE
	DesiredCount int
	RunningCount int
	PendingCount int
}

// ECSAPI is what the ecs:updateService and ecs:describeServices task
// integrations need. The local runtime's ECS stand-in implements it; errors
// that carry an ErrorCode() (like smithy.APIError) become "Ecs.<Code>", and
// errors wrapping ErrServiceNotFound are reported by describeServices as a
// "MISSING" failure, as ECS does.
type ECSAPI interface {
	// UpdateService sets the service's desired count and returns the
	// updated service.
	UpdateService(ctx context.Context, cluster, service string, desiredCount int) (ECSService, error)
	// DescribeService returns the service's counts.
	DescribeService(ctx context.Context, cluster, service string) (ECSService, error)
}

// ErrServiceNotFound is what an ECSAPI wraps for an unknown service; the
// integration reports it as "Ecs.ServiceNotFoundException", as ECS does.
var ErrServiceNotFound = errors.New("service not found")

// ECSFuncs adapts two functions to ECSAPI, so a stand-in with its own types
// can be wired in a few lines.
type ECSFuncs struct {
	Update   func(ctx context.Context, cluster, service string, desiredCount int) (ECSService, error)
	Describe func(ctx context.Context, cluster, service string) (ECSService, error)
}

// UpdateService calls Update.
func (f ECSFuncs) UpdateService(ctx context.Context, cluster, service string, desiredCount int) (ECSService, error) {
	return f.Update(ctx, cluster, service, desiredCount)
}

// DescribeService calls Describe.
func (f ECSFuncs) DescribeService(ctx context.Context, cluster, service string) (ECSService, error) {
	return f.Describe(ctx, cluster, service)
}

func ecsServiceJSON(s ECSService) map[string]any {
	return map[string]any{
		"ServiceName": s.ServiceName, "ServiceArn": s.ServiceArn, "ClusterArn": s.ClusterArn, "Status": s.Status,
		"DesiredCount": int64(s.DesiredCount), "RunningCount": int64(s.RunningCount), "PendingCount": int64(s.PendingCount),
	}
}

func (r *runner) ecs() (ECSAPI, error) {
	if r.s.opts.ECS == nil {
		return nil, paths.Errorf(errNameRuntime, "no ECS endpoint is configured in the local Step Functions (Options.ECS)")
	}
	return r.s.opts.ECS, nil
}

// ecsUpdateService takes {"Cluster", "Service", "DesiredCount"} and returns
// {"Service": {...}} like ECS UpdateService.
func (r *runner) ecsUpdateService(ctx context.Context, args map[string]any) (any, error) {
	api, err := r.ecs()
	if err != nil {
		return nil, err
	}
	cluster, err := argString(args, "Cluster", false)
	if err != nil {
		return nil, err
	}
	service, err := argString(args, "Service", true)
	if err != nil {
		return nil, err
	}
	n, ok := paths.Integer(args["DesiredCount"])
	if !ok || n < 0 {
		return nil, paths.Errorf(errNameRuntime, "the API parameter DesiredCount must be a non-negative integer (the local ECS only changes the desired count)")
	}
	svc, err := api.UpdateService(ctx, cluster, service, int(n))
	if err != nil {
		return nil, err
	}
	return map[string]any{"Service": ecsServiceJSON(svc)}, nil
}

// ecsDescribeServices takes {"Cluster", "Services": [...]} and returns
// {"Services": [...], "Failures": [...]} like ECS DescribeServices.
func (r *runner) ecsDescribeServices(ctx context.Context, args map[string]any) (any, error) {
	api, err := r.ecs()
	if err != nil {
		return nil, err
	}
	cluster, err := argString(args, "Cluster", false)
	if err != nil {
		return nil, err
	}
	names, ok := args["Services"].([]any)
	if !ok || len(names) == 0 {
		return nil, paths.Errorf(errNameRuntime, "the API parameter Services must be a non-empty array of service names or ARNs")
	}
	services, failures := []any{}, []any{}
	for _, n := range names {
		name, ok := n.(string)
		if !ok {
			return nil, paths.Errorf(errNameRuntime, "the API parameter Services must hold strings, got a %s", paths.TypeName(n))
		}
		svc, err := api.DescribeService(ctx, cluster, name)
		if errors.Is(err, ErrServiceNotFound) {
			failures = append(failures, map[string]any{"Arn": name, "Reason": "MISSING"})
			continue
		}
		if err != nil {
			return nil, err
		}
		services = append(services, ecsServiceJSON(svc))
	}
	return map[string]any{"Services": services, "Failures": failures}, nil
}
