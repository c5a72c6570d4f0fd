import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";

export interface FargateServiceProps {
  names: { cluster: string; service: string };
  /** A cluster to run in; by default the construct creates `names.cluster`. */
  cluster?: { arn: string; name: string };
  vpcId: string;
  /** Private subnets, one per zone. */
  subnetIds: string[];
  taskDefinitionArn: string;
  /** The tasks' security group (ServiceSecurityGroup). */
  securityGroupId: string;
  /** The target group that takes traffic first (blue). */
  targetGroupArn: string;
  /** The load-balanced container and its port (nginx). */
  entrypoint: { container: string; port: number };
  /** Cloud Map service to register tasks in. Default: none. */
  registryArn?: string;
  desiredCount: number;
  platformVersion: string;
  /** Seconds the load balancer's failing checks are ignored after a task starts. */
  healthCheckGracePeriodSeconds: number;
  /** Resources the service waits for, such as the pushes of its first images. */
  dependsOn?: ITerraformDependable[];
  /** The SSM parameter each release reads the service's network settings from (the AppSpec's NetworkConfiguration). */
  networkParameterName: string;
  /** ECS Exec (ExecSessions): its key and session log group. Default: off. */
  exec?: { kmsKeyArn: string; logGroupName: string };
}

/**
 * The ECS cluster (Container Insights on; or a given one) and the service: tasks in private
 * subnets without public IPs, deployed by CodeDeploy. Terraform creates the service and then leaves
 * its task definition, load balancer and desired count to CodeDeploy and auto scaling.
 */
export class FargateService extends Construct {
  readonly clusterName: string;
  readonly clusterArn: string;
  readonly serviceName: string;
  /** `service/<cluster>/<service>`, as Application Auto Scaling names it. */
  readonly scalingResourceId: string;

  constructor(scope: Construct, id: string, props: FargateServiceProps) {
    super(scope, id);
    const cluster = props.cluster ?? new EcsCluster(this, "cluster", {
      name: props.names.cluster,
      setting: [{ name: "containerInsights", value: "enabled" }],
      configuration: props.exec
        ? {
            executeCommandConfiguration: {
              kmsKeyId: props.exec.kmsKeyArn,
              logging: "OVERRIDE",
              logConfiguration: { cloudWatchLogGroupName: props.exec.logGroupName, cloudWatchEncryptionEnabled: true },
            },
          }
        : undefined,
    });
    const service = new EcsService(this, "service", {
      name: props.names.service,
      cluster: cluster.arn,
      launchType: "FARGATE",
      platformVersion: props.platformVersion,
      taskDefinition: props.taskDefinitionArn,
      desiredCount: props.desiredCount,
      deploymentController: { type: "CODE_DEPLOY" },
      loadBalancer: [{ targetGroupArn: props.targetGroupArn, containerName: props.entrypoint.container, containerPort: props.entrypoint.port }],
      networkConfiguration: { subnets: props.subnetIds, securityGroups: [props.securityGroupId], assignPublicIp: false },
      healthCheckGracePeriodSeconds: props.healthCheckGracePeriodSeconds,
      serviceRegistries: props.registryArn ? { registryArn: props.registryArn } : undefined,
      enableExecuteCommand: props.exec !== undefined,
      propagateTags: "SERVICE",
      enableEcsManagedTags: true,
      dependsOn: props.dependsOn,
      // CodeDeploy owns the running task definition and target group, auto scaling the count
      // (terraform-provider-aws#8005: without this, the next apply reverts a release). UpdateService
      // refuses network and platform changes on a CodeDeploy service: they travel in each deployment's
      // AppSpec instead (the network settings from the SSM parameter below, the platform from release-config).
      lifecycle: { ignoreChanges: ["task_definition", "load_balancer", "desired_count", "network_configuration", "platform_version"] },
    });
    // What the service should run with; a CodeDeploy deployment applies it (npm run release-step -- appspec).
    new SsmParameter(this, "network-configuration", {
      name: props.networkParameterName,
      // Nothing secret, but encrypted like every parameter (the AWS-managed key: readers need no KMS grant).
      type: "SecureString",
      description: "The web service's network settings: each CodeDeploy deployment's AppSpec carries them",
      value: JSON.stringify({ subnets: props.subnetIds, securityGroups: [props.securityGroupId], assignPublicIp: "DISABLED" }),
    });
    this.clusterName = cluster.name;
    this.clusterArn = cluster.arn;
    this.serviceName = service.name;
    this.scalingResourceId = `service/${cluster.name}/${service.name}`;
  }
}
