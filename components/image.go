package components

import (
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	awsxecr "github.com/pulumi/pulumi-awsx/sdk/v2/go/awsx/ecr"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ImagePlatform is the only platform Fargate Spot runs (X86_64 Linux).
const ImagePlatform = "linux/amd64"

// ImageTagMutability is the worker repository's tag mutability (see
// newImage for why tags are mutable).
const ImageTagMutability = "MUTABLE"

// ecrImagePattern matches an ECR image pinned by digest and captures the
// account, region, DNS suffix and repository.
var ecrImagePattern = regexp.MustCompile(`^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.(amazonaws\.com(?:\.cn)?)/([a-z0-9._/-]+)@sha256:[a-f0-9]{64}$`)

// image is what the task definition needs from the image.
type image struct {
	uri           pulumi.StringOutput // repo@sha256:..., checked
	repositoryArn pulumi.StringOutput // for the execution role's pull permission
	repositoryURL pulumi.StringOutput // empty with a prebuilt image
	// pull is the repository policy that lets Lambda pull the image
	// (compute lambda with a built image); nil otherwise.
	pull pulumi.Resource
}

func newImage(ctx *pulumi.Context, name string, s settings, env environment, parent pulumi.ResourceOrInvokeOption) (*image, error) {
	if s.prebuiltImage != nil {
		uri := s.prebuiltImage.ToStringOutput().ApplyT(func(u string) (string, error) {
			if _, err := parseECRImage(u); err != nil {
				return "", err
			}
			return u, nil
		}).(pulumi.StringOutput)
		repoArn := uri.ApplyT(func(u string) (string, error) {
			m, err := parseECRImage(u)
			if err != nil {
				return "", err
			}
			return env.arn("ecr", m.region, m.account, "repository/"+m.repository), nil
		}).(pulumi.StringOutput)
		return &image{uri: uri, repositoryArn: repoArn, repositoryURL: pulumi.String("").ToStringOutput()}, nil
	}

	repo, err := ecr.NewRepository(ctx, name+"-worker", &ecr.RepositoryArgs{
		// Mutable tags. ECR refuses to push a tag that already exists in a
		// repository with IMMUTABLE tags, even for the same digest
		// (ImageTagAlreadyExistsException), so rebuilding under an
		// unchanged context tag (other build settings, an interrupted
		// push, a lost state) would fail `pulumi up`. What runs is pinned
		// by digest, never by tag (the task definition's image is
		// repo@sha256:..., checked by parseECRImage), so a moved tag cannot
		// change a deployed task, and the digest answers "which image
		// ran". An exclusion filter (IMMUTABLE_WITH_EXCLUSION) would have
		// to exclude every tag this component pushes, which is MUTABLE by
		// another name; pulumi-aws v6.83 has no field for the filters anyway.
		ImageTagMutability: pulumi.String(ImageTagMutability),
		ImageScanningConfiguration: ecr.RepositoryImageScanningConfigurationArgs{
			ScanOnPush: pulumi.Bool(true),
		},
		EncryptionConfigurations: ecr.RepositoryEncryptionConfigurationArray{
			ecr.RepositoryEncryptionConfigurationArgs{EncryptionType: pulumi.String("AES256")},
		},
		ForceDelete: pulumi.Bool(s.forceDestroy),
		Tags:        tagMap(s),
	}, parent)
	if err != nil {
		return nil, err
	}
	lifecycle, err := ecrLifecyclePolicy(s.imageRetention)
	if err != nil {
		return nil, err
	}
	if _, err := ecr.NewLifecyclePolicy(ctx, name+"-worker", &ecr.LifecyclePolicyArgs{
		Repository: repo.Name,
		Policy:     pulumi.String(lifecycle),
	}, parent); err != nil {
		return nil, err
	}

	tag := s.imageTag
	if tag == "" {
		if tag, err = ContextTag(s.buildContext, s.dockerfile); err != nil {
			return nil, fmt.Errorf("tag the worker image: %w", err)
		}
	}
	built, err := awsxecr.NewImage(ctx, name+"-worker", &awsxecr.ImageArgs{
		RepositoryUrl: repo.RepositoryUrl,
		Context:       pulumi.String(s.buildContext),
		Dockerfile:    pulumi.String(s.dockerfile),
		Platform:      pulumi.String(ImagePlatform),
		ImageTag:      pulumi.String(tag),
	}, parent,
		// Replacing the image (a new context tag) would otherwise delete
		// the previous one from ECR: the image resource's delete removes
		// what it pushed (Pulumi docker-build Image; sst/sst#6378 hit the
		// CannotPullContainerError that follows). A rollback, a task of
		// the previous task definition revision still draining, or a
		// Fargate Spot replacement of such a task must still pull it. So
		// old images are kept and the repository's lifecycle policy
		// prunes them (ecrLifecyclePolicy: untagged after a day, beyond
		// ImageRetentionCount images). The awsx image is a remote
		// component: the engine hands retainOnDelete to the awsx plugin in
		// the Construct request with the other resource options; whether
		// the plugin applies it to the image it creates only a real
		// replacement shows (docs/deploy.md says how to check).
		pulumi.RetainOnDelete(true))
	if err != nil {
		return nil, err
	}
	// awsx returns "<repo>@sha256:<digest>" once the image is pushed; refuse
	// anything else so a tag can never reach the task definition.
	uri := built.ImageUri.ApplyT(func(u string) (string, error) {
		if _, err := parseECRImage(u); err != nil {
			return "", fmt.Errorf("built image: %w", err)
		}
		return u, nil
	}).(pulumi.StringOutput)
	img := &image{uri: uri, repositoryArn: repo.Arn, repositoryURL: repo.RepositoryUrl}
	if s.lambda() {
		// Lambda pulls a container image with its service principal, which
		// the repository policy must allow (Lambda developer guide,
		// "Amazon ECR permissions"), for this account's worker function only.
		policy, err := lambdaPullPolicy(env.arn("lambda", env.region, env.accountID, "function:"+FunctionName(s.prefix)), env.accountID).JSON()
		if err != nil {
			return nil, err
		}
		if img.pull, err = ecr.NewRepositoryPolicy(ctx, name+"-worker-lambda-pull", &ecr.RepositoryPolicyArgs{
			Repository: repo.Name,
			Policy:     pulumi.String(policy),
		}, parent); err != nil {
			return nil, err
		}
	}
	return img, nil
}

// lambdaPullPolicy is the worker repository's policy with compute lambda:
// the Lambda service may read the images (BatchGetImage,
// GetDownloadUrlForLayer) on behalf of the one worker function.
func lambdaPullPolicy(functionArn, accountID string) PolicyDocument {
	return PolicyDocument{Version: policyVersion, Statement: []Statement{{
		Sid: "LambdaPull", Effect: "Allow",
		Principal: map[string]any{"Service": "lambda.amazonaws.com"},
		Action:    []string{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"},
		Condition: Condition{
			"StringEquals": {"aws:SourceAccount": accountID},
			"ArnLike":      {"aws:SourceArn": functionArn},
		},
	}}}
}

type ecrImage struct{ account, region, repository string }

// parseECRImage accepts only ECR images pinned by digest: the workers' VPC
// has no route to other registries, and a tag could move under a running
// service.
func parseECRImage(uri string) (ecrImage, error) {
	m := ecrImagePattern.FindStringSubmatch(uri)
	if m == nil {
		return ecrImage{}, fmt.Errorf("ImageURI %q must be an ECR image pinned by digest: <account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<64 hex>", uri)
	}
	return ecrImage{account: m[1], region: m[2], repository: m[4]}, nil
}

// ecrLifecyclePolicy expires untagged images after a day and keeps the
// newest keep images.
func ecrLifecyclePolicy(keep int) (string, error) {
	type selection struct {
		TagStatus   string `json:"tagStatus"`
		CountType   string `json:"countType"`
		CountUnit   string `json:"countUnit,omitempty"`
		CountNumber int    `json:"countNumber"`
	}
	type rule struct {
		RulePriority int               `json:"rulePriority"`
		Description  string            `json:"description"`
		Selection    selection         `json:"selection"`
		Action       map[string]string `json:"action"`
	}
	policy := struct {
		Rules []rule `json:"rules"`
	}{Rules: []rule{
		{
			RulePriority: 1, Description: "expire untagged images after a day",
			Selection: selection{TagStatus: "untagged", CountType: "sinceImagePushed", CountUnit: "days", CountNumber: 1},
			Action:    map[string]string{"type": "expire"},
		},
		{
			RulePriority: 2, Description: fmt.Sprintf("keep the newest %d images", keep),
			Selection: selection{TagStatus: "any", CountType: "imageCountMoreThan", CountNumber: keep},
			Action:    map[string]string{"type": "expire"},
		},
	}}
	b, err := json.Marshal(policy)
	if err != nil {
		return "", fmt.Errorf("marshal ECR lifecycle policy: %w", err)
	}
	return string(b), nil
}
