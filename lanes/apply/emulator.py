"""The apply lane's calls to the emulator (moto), through boto3 from the lane's venv.

  emulator.py fixtures <endpoint> <request.json>  -> prints the ids of what an operator's account already has
  emulator.py inventory <endpoint> <region>       -> prints every resource the stacks can create, as JSON ids
  emulator.py delete-kept <endpoint> <region> <names.json> -> deletes state buckets and lock tables by hand

The inventory is taken after the fixtures and again after `terraform destroy`: what the second has and
the first has not was left over.
"""

import json
import sys

import boto3


def client(service, endpoint, region):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def fixtures(endpoint, request):
    """Creates what the manifests name as existing: hosted zones, a VPC with its subnets,
    internet gateway, routes and a Redis security group. Returns their ids by role."""
    region = request["region"]
    ids = {"zones": {}}
    route53 = client("route53", endpoint, region)
    for name in request.get("zones", []):
        zone = route53.create_hosted_zone(Name=name, CallerReference=f"lane-{name}")
        ids["zones"][name] = zone["HostedZone"]["Id"].split("/")[-1]
    vpc = request.get("vpc")
    if vpc:
        ec2 = client("ec2", endpoint, region)
        cidrs = vpc["cidrBlocks"]
        vpc_id = ec2.create_vpc(CidrBlock=cidrs[0])["Vpc"]["VpcId"]
        for extra in cidrs[1:]:
            ec2.associate_vpc_cidr_block(VpcId=vpc_id, CidrBlock=extra)
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
        zones = vpc["availabilityZones"]
        for i, cidr in enumerate(vpc.get("usedCidrs", [])):
            ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=zones[i % len(zones)])
        main = ec2.describe_route_tables(
            Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "association.main", "Values": ["true"]}]
        )["RouteTables"][0]["RouteTableId"]
        ec2.create_route(RouteTableId=main, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
        ids.update(vpcId=vpc_id, internetGatewayId=igw)
        if vpc.get("redisSecurityGroup"):
            ids["redisSecurityGroupId"] = ec2.create_security_group(
                GroupName="existing-redis", Description="The Redis the service already uses", VpcId=vpc_id
            )["GroupId"]
    return ids


def pages(call, key, **kwargs):
    """Every item of a paginated list call (the lists here are short: one page is the common case)."""
    items, token_name, token = [], None, None
    while True:
        response = call(**kwargs, **({token_name: token} if token else {}))
        items += response.get(key, [])
        for name in ("NextToken", "nextToken", "Marker", "NextMarker"):
            if response.get(name):
                token_name = "Marker" if name == "NextMarker" else name
                token = response[name]
                break
        else:
            return items


def inventory(endpoint, region):
    """Ids of every resource type the AWS stacks create, by type. Defaults AWS makes itself
    (the default VPC, main route tables, default security groups) are listed too and cancel out."""
    c = lambda service: client(service, endpoint, region)  # noqa: E731
    ec2, elbv2, ecs, iam = c("ec2"), c("elbv2"), c("ecs"), c("iam")
    clusters = ecs.list_clusters()["clusterArns"]
    active = lambda items, key: [i[key] for i in items if i.get("status") == "ACTIVE"]  # noqa: E731
    found = {
        "vpc": [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]],
        "subnet": [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]],
        "security group": [g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]],
        "security group rule": [r["SecurityGroupRuleId"] for r in ec2.describe_security_group_rules()["SecurityGroupRules"]],
        "route table": [t["RouteTableId"] for t in ec2.describe_route_tables()["RouteTables"]],
        "route": [
            f"{t['RouteTableId']}:{r.get('DestinationCidrBlock') or r.get('DestinationIpv6CidrBlock')}"
            for t in ec2.describe_route_tables()["RouteTables"]
            for r in t["Routes"]
        ],
        "internet gateway": [g["InternetGatewayId"] for g in ec2.describe_internet_gateways()["InternetGateways"]],
        "nat gateway": [
            g["NatGatewayId"] for g in ec2.describe_nat_gateways()["NatGateways"] if g["State"] not in ("deleted", "deleting")
        ],
        "elastic ip": [a["AllocationId"] for a in ec2.describe_addresses()["Addresses"]],
        "flow log": [f["FlowLogId"] for f in ec2.describe_flow_logs()["FlowLogs"]],
        "load balancer": [b["LoadBalancerArn"] for b in elbv2.describe_load_balancers()["LoadBalancers"]],
        "target group": [g["TargetGroupArn"] for g in elbv2.describe_target_groups()["TargetGroups"]],
        # Deleted clusters and services stay listed as INACTIVE for a while, in AWS too.
        "ecs cluster": active(ecs.describe_clusters(clusters=clusters)["clusters"] if clusters else [], "clusterArn"),
        "ecs service": [
            arn
            for cl in clusters
            for arns in [ecs.list_services(cluster=cl)["serviceArns"]]
            if arns
            for arn in active(ecs.describe_services(cluster=cl, services=arns)["services"], "serviceArn")
        ],
        "ecs task definition": [
            arn
            for arn in ecs.list_task_definitions(status="ACTIVE")["taskDefinitionArns"]
            if ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]["status"] == "ACTIVE"
        ],
        "ecr repository": [r["repositoryName"] for r in c("ecr").describe_repositories()["repositories"]],
        "iam role": [r["RoleName"] for r in pages(iam.list_roles, "Roles")],
        "iam oidc provider": [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]],
        "s3 bucket": [b["Name"] for b in c("s3").list_buckets()["Buckets"]],
        "dynamodb table": c("dynamodb").list_tables()["TableNames"],
        "log group": [g["logGroupName"] for g in pages(c("logs").describe_log_groups, "logGroups")],
        "alarm": [a["AlarmName"] for a in pages(c("cloudwatch").describe_alarms, "MetricAlarms")],
        "certificate": [x["CertificateArn"] for x in c("acm").list_certificates()["CertificateSummaryList"]],
        "dns record": [
            f"{z['Id'].split('/')[-1]}:{r['Name']}:{r['Type']}"
            for z in c("route53").list_hosted_zones()["HostedZones"]
            for r in c("route53").list_resource_record_sets(HostedZoneId=z["Id"])["ResourceRecordSets"]
        ],
        "hosted zone": [z["Id"] for z in c("route53").list_hosted_zones()["HostedZones"]],
        "cloud map namespace": [n["Id"] for n in c("servicediscovery").list_namespaces()["Namespaces"]],
        "cloud map service": [s["Id"] for s in c("servicediscovery").list_services()["Services"]],
        "codedeploy application": c("codedeploy").list_applications()["applications"],
        "redis replication group": [g["ReplicationGroupId"] for g in c("elasticache").describe_replication_groups()["ReplicationGroups"]],
        "cache subnet group": [g["CacheSubnetGroupName"] for g in c("elasticache").describe_cache_subnet_groups()["CacheSubnetGroups"]],
        "scalable target": [
            t["ResourceId"] for t in c("application-autoscaling").describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
        ],
        "scaling policy": [
            p["PolicyName"] for p in c("application-autoscaling").describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]
        ],
    }
    return {kind: sorted(ids) for kind, ids in found.items()}


def delete_kept(endpoint, region, names):
    """The runbook's manual step for what keeps prevent_destroy: empty the state buckets (every version) and
    delete them, and delete the lock tables."""
    s3 = client("s3", endpoint, region)
    for bucket in names.get("buckets", []):
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            for item in page.get("Versions", []) + page.get("DeleteMarkers", []):
                s3.delete_object(Bucket=bucket, Key=item["Key"], VersionId=item["VersionId"])
        s3.delete_bucket(Bucket=bucket)
    for table in names.get("tables", []):
        dynamodb = client("dynamodb", endpoint, region)
        # The lock table is created with deletion protection, which DeleteTable refuses until it is off.
        dynamodb.update_table(TableName=table, DeletionProtectionEnabled=False)
        dynamodb.delete_table(TableName=table)
    return {}


if __name__ == "__main__":
    command, endpoint, argument = sys.argv[1:4]
    if command == "fixtures":
        with open(argument) as f:
            print(json.dumps(fixtures(endpoint, json.load(f))))
    elif command == "delete-kept":
        print(json.dumps(delete_kept(endpoint, argument, json.loads(sys.argv[4]))))
    else:
        print(json.dumps(inventory(endpoint, argument)))
