// Command pulumi-resource-awsx is a stand-in for the Pulumi AWSX component
// provider (pulumi-awsx v2) for the engine tests: the real plugin cannot be
// had here, and no Docker engine runs. It constructs the one component the
// program uses, awsx:ecr:Image, without building or pushing anything: the
// image URI is the repository URL pinned by a digest derived from the
// repository, tag and platform, so the same inputs give the same URI (as
// the same build context gives the same digest) and a second preview sees
// no change. The real component registers a docker-build image under it;
// this one registers nothing else.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
)

// Version is the pulumi-awsx version the program's SDK asks for
// (github.com/pulumi/pulumi-awsx/sdk/v2 in the main go.mod; the engine test
// checks they agree).
const Version = "2.22.0"

// Image is the constructed awsx:ecr:Image.
type Image struct {
	pulumi.ResourceState
	ImageURI pulumi.StringOutput `pulumi:"imageUri"`
}

func main() {
	if err := provider.ComponentMain("awsx", Version, []byte(`{"name":"awsx","version":"`+Version+`"}`), construct); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func construct(ctx *pulumi.Context, typ, name string, inputs provider.ConstructInputs, options pulumi.ResourceOption) (*provider.ConstructResult, error) {
	if typ != "awsx:ecr:Image" {
		return nil, fmt.Errorf("the stand-in awsx provider does not construct %s (tests/engine/awsx)", typ)
	}
	in, err := inputs.Map()
	if err != nil {
		return nil, err
	}
	repo, ok := in["repositoryUrl"]
	if !ok {
		return nil, fmt.Errorf("awsx:ecr:Image %s: repositoryUrl is required", name)
	}
	img := &Image{}
	if err := ctx.RegisterComponentResource(typ, name, img, options); err != nil {
		return nil, err
	}
	parts := []any{repo}
	for _, k := range []pulumi.Input{in["imageTag"], in["platform"], in["dockerfile"]} {
		if k == nil {
			k = pulumi.String("")
		}
		parts = append(parts, k)
	}
	img.ImageURI = pulumi.All(parts...).ApplyT(func(v []any) (string, error) {
		url := fmt.Sprint(v[0])
		sum := sha256.Sum256([]byte(fmt.Sprint(v...)))
		return url + "@sha256:" + hex.EncodeToString(sum[:]), nil
	}).(pulumi.StringOutput)
	if err := ctx.RegisterResourceOutputs(img, pulumi.Map{"imageUri": img.ImageURI}); err != nil {
		return nil, err
	}
	return provider.NewConstructResult(img)
}
