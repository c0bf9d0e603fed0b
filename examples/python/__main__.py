"""The MonteCarloPipeline component from Python, through the generated SDK
(sdk/python, `pulumi package add` in docs/languages.md). The network comes
from another stack: vpc_id and subnet_ids take outputs of other resources,
as do input_bucket, kms_key_arn and image."""

import pulumi
import pulumi_montecarlo as montecarlo

config = pulumi.Config()
network = pulumi.StackReference(config.require("networkStack"))

pipeline = montecarlo.MonteCarloPipeline(
    "pipeline",
    vpc_id=network.require_output("vpcId"),
    subnet_ids=network.require_output("privateSubnetIds"),
    worker_count=config.get_int("workerCount") or 4,
    tasks_per_worker=2,
    scenarios=20000,
    retry=montecarlo.RetryPolicyArgs(max_attempts=5),
    tags={"team": "risk"},
)

pulumi.export("generateStateMachineArn", pipeline.generate_state_machine_arn)
pulumi.export("simulateStateMachineArn", pipeline.simulate_state_machine_arn)
pulumi.export("cleanupStateMachineArn", pipeline.cleanup_state_machine_arn)
pulumi.export("dataBucketName", pipeline.data_bucket_name)
pulumi.export("imageUri", pipeline.image_uri)
pulumi.export("subnetIds", pipeline.subnet_ids)
