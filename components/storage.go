package components

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

// Key prefixes of the data bucket. The task role may write only under
// WritablePrefixes; ScratchPrefix expires after ScratchExpirationDays.
const (
	// DatasetsPrefix holds generated portfolios (loan objects, plans,
	// manifests).
	DatasetsPrefix = "datasets/"
	// RunsPrefix holds one folder per run: results, partials, errors, the
	// run manifest and the report.
	RunsPrefix = "runs/"
	// ScratchPrefix holds transient objects (the Distributed Map
	// ResultWriter's manifests and results, workflow.RunMapResultPrefix and
	// workflow.DatasetMapResultPrefix): safe to expire. It is the workflow
	// package's root, so the lifecycle rule and the key layout cannot drift.
	ScratchPrefix = workflow.ScratchPrefix
)

// WritablePrefixes are the data bucket prefixes the workers may write; the
// state machines write only under ScratchPrefix.
var WritablePrefixes = []string{DatasetsPrefix, RunsPrefix, ScratchPrefix}

// storage is what the rest of the component needs from the buckets.
type storage struct {
	dataBucket    pulumi.StringOutput
	dataBucketArn pulumi.StringOutput
	inputBucket   pulumi.StringOutput // the data bucket unless one was brought
	kmsKeyArn     pulumi.StringOutput // empty with SSE-S3
	useKms        bool
}

func newStorage(ctx *pulumi.Context, name string, s settings, parent pulumi.ResourceOrInvokeOption) (*storage, error) {
	bucket, err := s3.NewBucketV2(ctx, name+"-data", &s3.BucketV2Args{
		ForceDestroy: pulumi.Bool(s.forceDestroy),
		Tags:         tagMap(s),
	}, parent)
	if err != nil {
		return nil, err
	}
	pab, err := s3.NewBucketPublicAccessBlock(ctx, name+"-data", &s3.BucketPublicAccessBlockArgs{
		Bucket:                bucket.ID(),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketOwnershipControls(ctx, name+"-data", &s3.BucketOwnershipControlsArgs{
		Bucket: bucket.ID(),
		Rule: s3.BucketOwnershipControlsRuleArgs{
			ObjectOwnership: pulumi.String("BucketOwnerEnforced"), // ACLs off
		},
	}, parent); err != nil {
		return nil, err
	}

	byDefault := s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
		SseAlgorithm: pulumi.String("AES256"),
	}
	kmsArn := pulumi.String("").ToStringOutput()
	if s.kmsKeyArn != nil {
		byDefault.SseAlgorithm = pulumi.String("aws:kms")
		byDefault.KmsMasterKeyId = s.kmsKeyArn
		kmsArn = s.kmsKeyArn.ToStringOutput()
	}
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, name+"-data", &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{
			s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
				ApplyServerSideEncryptionByDefault: byDefault,
				// Bucket keys cut KMS requests (and cost) by orders of
				// magnitude; harmless with SSE-S3.
				BucketKeyEnabled: pulumi.Bool(s.kmsKeyArn != nil),
			},
		},
	}, parent); err != nil {
		return nil, err
	}

	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, name+"-data", &s3.BucketLifecycleConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketLifecycleConfigurationV2RuleArray{
			s3.BucketLifecycleConfigurationV2RuleArgs{
				Id:     pulumi.String("expire-scratch"),
				Status: pulumi.String("Enabled"),
				Filter: s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String(ScratchPrefix)},
				Expiration: s3.BucketLifecycleConfigurationV2RuleExpirationArgs{
					Days: pulumi.Int(s.scratchDays),
				},
			},
			s3.BucketLifecycleConfigurationV2RuleArgs{
				// An interrupted worker can leave a multipart upload behind;
				// its parts are billed until aborted.
				Id:     pulumi.String("abort-incomplete-uploads"),
				Status: pulumi.String("Enabled"),
				Filter: s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
				AbortIncompleteMultipartUpload: s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{
					DaysAfterInitiation: pulumi.Int(1),
				},
			},
		},
	}, parent); err != nil {
		return nil, err
	}

	policy := bucket.Arn.ApplyT(func(arn string) (string, error) {
		return tlsOnlyBucketPolicy(arn).JSON()
	}).(pulumi.StringOutput)
	if _, err := s3.NewBucketPolicy(ctx, name+"-data", &s3.BucketPolicyArgs{
		Bucket: bucket.ID(),
		Policy: policy,
		// S3 rejects policy writes racing the public access block update.
	}, parent, pulumi.DependsOn([]pulumi.Resource{pab})); err != nil {
		return nil, err
	}

	st := &storage{
		dataBucket:    bucket.Bucket,
		dataBucketArn: bucket.Arn,
		inputBucket:   bucket.Bucket,
		kmsKeyArn:     kmsArn,
		useKms:        s.kmsKeyArn != nil,
	}
	if s.inputBucket != nil {
		st.inputBucket = s.inputBucket.ToStringOutput()
	}
	return st, nil
}

// tlsOnlyBucketPolicy denies every request to the bucket that does not use
// TLS. The Deny names every S3 action on purpose: a Deny is only as strong
// as its action list.
func tlsOnlyBucketPolicy(bucketArn string) PolicyDocument {
	return PolicyDocument{
		Version: policyVersion,
		Statement: []Statement{{
			Sid:       "DenyInsecureTransport",
			Effect:    "Deny",
			Principal: map[string]any{"AWS": "*"},
			Action:    []string{"s3:*"},
			Resource:  []string{bucketArn, bucketArn + "/*"},
			Condition: Condition{"Bool": {"aws:SecureTransport": "false"}},
		}},
	}
}
