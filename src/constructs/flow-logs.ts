import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { policyDocument, serviceTrustPolicy } from "./iam";

export interface FlowLogsProps {
  vpcId: string;
  /** Days CloudWatch keeps the records. */
  retentionDays: number;
  roleName: string;
  logGroupName: string;
  accountId: string;
  permissionsBoundary?: string;
}

/** Every accepted and rejected flow of the VPC, to a CloudWatch log group with retention. */
export class FlowLogs extends Construct {
  constructor(scope: Construct, id: string, props: FlowLogsProps) {
    super(scope, id);
    const logGroup = new CloudwatchLogGroup(this, "log-group", {
      name: props.logGroupName,
      retentionInDays: props.retentionDays,
    });
    const role = new IamRole(this, "role", {
      name: props.roleName,
      assumeRolePolicy: serviceTrustPolicy("vpc-flow-logs.amazonaws.com", props.accountId),
      permissionsBoundary: props.permissionsBoundary,
    });
    const writeLogs = new IamRolePolicy(this, "write-logs", {
      role: role.id,
      name: "write-flow-logs",
      // AWS's documented policy for flow logs to CloudWatch Logs, scoped to this log group where IAM allows.
      policy: policyDocument(
        { Sid: "WriteFlowLogs", Effect: "Allow", Action: ["logs:CreateLogGroup", "logs:DescribeLogStreams"], Resource: logGroup.arn },
        { Sid: "WriteStreams", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${logGroup.arn}:*` },
        { Sid: "ListGroups", Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: "*" },
      ),
    });
    new FlowLog(this, "flow-log", {
      vpcId: props.vpcId,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: logGroup.arn,
      iamRoleArn: role.arn,
      // One-minute aggregation: records arrive in time to debug an incident.
      maxAggregationInterval: 60,
      // AWS checks at creation that the role may deliver to the log group.
      dependsOn: [writeLogs],
    });
  }
}
