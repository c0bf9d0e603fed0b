// The MonteCarloPipeline component from TypeScript, through the generated
// SDK (sdk/nodejs, `pulumi package add` in docs/languages.md). The network
// comes from another stack: vpcId and subnetIds take outputs of other
// resources, as do inputBucket, kmsKeyArn and image.
import * as pulumi from "@pulumi/pulumi";
import * as montecarlo from "@montecarlo-pipeline/montecarlo";

const config = new pulumi.Config();
const network = new pulumi.StackReference(config.require("networkStack"));

const pipeline = new montecarlo.MonteCarloPipeline("pipeline", {
    vpcId: network.requireOutput("vpcId").apply(id => id as string),
    subnetIds: network.requireOutput("privateSubnetIds").apply(ids => ids as string[]),
    workerCount: config.getNumber("workerCount") ?? 4,
    tasksPerWorker: 2,
    scenarios: 20000,
    retry: { maxAttempts: 5 },
    tags: { team: "risk" },
});

export const generateStateMachineArn = pipeline.generateStateMachineArn;
export const simulateStateMachineArn = pipeline.simulateStateMachineArn;
export const cleanupStateMachineArn = pipeline.cleanupStateMachineArn;
export const dataBucketName = pipeline.dataBucketName;
export const imageUri = pipeline.imageUri;
export const subnetIds = pipeline.subnetIds;
