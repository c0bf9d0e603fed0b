package component

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

type stringInput = pulumi.String
type stringArrayInput = pulumi.StringArray
