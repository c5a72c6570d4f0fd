// What the apply lane knows about the project's manifests and stacks: which existing resources a manifest
// names (the fixtures an operator's account already has), and the ordering self-test.
"use strict";
const { existsSync, mkdirSync } = require("fs");
const { join } = require("path");

/** The existing resources a manifest names, as a request for emulator.py fixtures. */
function fixtureRequest(doc) {
  const request = { region: doc.aws.region, zones: [] };
  const domain = doc.service?.domain;
  if (domain?.hostedZoneId) request.zones.push(domain.zoneName);
  if (doc.network?.type === "existing") {
    if (doc.network.natGatewayIds) throw new Error(`${doc.environment}: network.natGatewayIds: the apply lane has no fixture for existing NAT gateways`);
    request.vpc = {
      cidrBlocks: doc.network.cidrBlocks,
      usedCidrs: doc.network.usedCidrs ?? [],
      availabilityZones: doc.aws.availabilityZones,
      redisSecurityGroup: doc.service?.redis?.mode === "existing",
    };
  }
  return request;
}

/** A copy of the manifest with the ids the emulator gave its fixtures. */
function withFixtureIds(doc, ids) {
  const copy = structuredClone(doc);
  if (copy.service?.domain?.hostedZoneId) copy.service.domain.hostedZoneId = ids.zones[copy.service.domain.zoneName];
  if (copy.network?.type === "existing") {
    copy.network.vpcId = ids.vpcId;
    copy.network.internetGatewayId = ids.internetGatewayId;
    if (copy.service?.redis?.mode === "existing") copy.service.redis.securityGroupId = ids.redisSecurityGroupId;
  }
  return copy;
}

const REFUSAL = /does not have an associated load balancer/;

/**
 * Proof that the lane catches the race the ordering fix prevents: the stack with every ECS service's
 * depends_on removed, applied up to the service. The emulator must refuse CreateService (the target
 * group is on no load balancer yet) and the lane's refused-call check must see it; the run is then
 * stopped, since the provider would retry for minutes.
 */
const orderingSelfTest = {
  applies(json) {
    return Object.values(json.resource?.aws_ecs_service ?? {}).some((s) => (s.load_balancer ?? []).length > 0 && (s.depends_on ?? []).length > 0);
  },
  async run(s, json, { terraform, prepare, refusedCalls, LaneFailure }) {
    const stripped = structuredClone(json);
    const services = Object.entries(stripped.resource.aws_ecs_service).filter(([, body]) => (body.load_balancer ?? []).length > 0);
    for (const [, body] of services) delete body.depends_on;
    const dir = join(s.dir, "ordering-self-test");
    mkdirSync(dir);
    prepare(dir, stripped);
    const init = await terraform(dir, s.server.endpoint, ["init", "-input=false", "-no-color"]);
    if (init.status !== 0) throw new LaneFailure(`${s.name}: ordering self-test: terraform init failed`);
    let child;
    let refusal;
    const debugLog = join(dir, "apply-debug.log");
    const watch = setInterval(() => {
      refusal = refusedCalls(debugLog).find((c) => c.method === "CreateService" && REFUSAL.test(c.error));
      if (refusal && child) process.kill(-child.pid, "SIGKILL");
    }, 1000);
    const targets = services.map(([name]) => `-target=aws_ecs_service.${name}`);
    const start = Date.now();
    await terraform(dir, s.server.endpoint, ["apply", "-auto-approve", "-input=false", "-no-color", ...targets], {
      debugLog: "apply-debug.log",
      onStart: (c) => (child = c),
    });
    clearInterval(watch);
    refusal ??= existsSync(debugLog) ? refusedCalls(debugLog).find((c) => c.method === "CreateService" && REFUSAL.test(c.error)) : undefined;
    if (!refusal) {
      throw new LaneFailure(`${s.name}: ordering self-test: with the services' depends_on removed, CreateService was not refused: the lane would not catch the race`);
    }
    return `ordering self-test: without the services' depends_on, CreateService is refused (${refusal.error.slice(0, 120)}…) and the lane fails (${Math.round((Date.now() - start) / 1000)} s)`;
  },
};

module.exports = { fixtureRequest, withFixtureIds, orderingSelfTest };
