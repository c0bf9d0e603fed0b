package components

import (
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Replacing the awsx image (a new context tag) must not delete the
// previous image from ECR: a rollback, a draining task of the previous
// revision or its Spot replacement still pulls it by digest. The image is
// retained and the lifecycle policy prunes.
func TestReplacedImagesAreRetainedAndTheLifecyclePolicyPrunesThem(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			args := testArgs()
			args.ImageRetentionCount = 7
			m, _ := mustDeploy(t, mode.dryRun, args)
			img := m.one(t, "awsx:ecr:Image")
			if !img.RetainOnDelete {
				t.Errorf("awsx image registered without retainOnDelete: replacing it deletes the old image from ECR")
			}
			repo := m.one(t, "aws:ecr/repository:Repository")
			if repo.RetainOnDelete {
				t.Errorf("the repository itself is retained; only images should be")
			}
			var lc struct {
				Rules []struct {
					RulePriority int
					Selection    struct {
						TagStatus   string
						CountType   string
						CountUnit   string
						CountNumber int
					}
					Action struct{ Type string }
				}
			}
			pol := m.one(t, "aws:ecr/lifecyclePolicy:LifecyclePolicy").Str("policy")
			if err := json.Unmarshal([]byte(pol), &lc); err != nil {
				t.Fatalf("lifecycle policy: %v", err)
			}
			var keepN, untagged bool
			for _, r := range lc.Rules {
				if r.Action.Type != "expire" {
					t.Errorf("rule %d action %q", r.RulePriority, r.Action.Type)
				}
				switch {
				case r.Selection.TagStatus == "any" && r.Selection.CountType == "imageCountMoreThan" && r.Selection.CountNumber == 7:
					keepN = true
				case r.Selection.TagStatus == "untagged" && r.Selection.CountType == "sinceImagePushed":
					untagged = true
				}
			}
			if !keepN || !untagged {
				t.Errorf("lifecycle rules %+v: want expire beyond the newest 7 images and untagged images", lc.Rules)
			}
		})
	}
}

// A prebuilt image is not the component's to retain or delete: nothing is
// registered for it.
func TestPrebuiltImageRegistersNoImageOrRepository(t *testing.T) {
	t.Parallel()
	args := &MonteCarloPipelineArgs{}
	args.ImageURI = pulumi.String(testAccount + ".dkr.ecr." + testRegion + ".amazonaws.com/workers@" + testDigest)
	m, _ := mustDeploy(t, true, args)
	if n := len(m.byType("awsx:ecr:Image")) + len(m.byType("aws:ecr/repository:Repository")); n != 0 {
		t.Errorf("prebuilt image registered %d image/repository resources", n)
	}
}
