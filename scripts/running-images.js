#!/usr/bin/env node
// `node scripts/running-images.js <new task definition.json> <running task definition.json>`: prints the new
// task definition (as `aws ecs describe-task-definition --query taskDefinition` gives it) with each
// container's image taken from the running one of the same name, ready to register. The infra workflow
// rolls out a Terraform-registered revision this way, so an infrastructure change never changes the app.
// A container the running revision lacks keeps the new definition's image, and the script says so.
"use strict";
const { readFileSync } = require("fs");

/** Fields describe-task-definition returns that RegisterTaskDefinition refuses. */
const READ_ONLY = ["taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities", "registeredAt", "registeredBy", "deregisteredAt"];

function withRunningImages(next, running) {
  const images = new Map((running.containerDefinitions || []).map((c) => [c.name, c.image]));
  const kept = [];
  const containerDefinitions = next.containerDefinitions.map((c) => {
    if (!images.has(c.name)) {
      kept.push(c.name);
      return c;
    }
    return { ...c, image: images.get(c.name) };
  });
  const out = Object.fromEntries(Object.entries(next).filter(([k]) => !READ_ONLY.includes(k)));
  return { definition: { ...out, containerDefinitions }, kept };
}

function main([nextFile, runningFile]) {
  if (!nextFile || !runningFile) {
    console.error("usage: node scripts/running-images.js <new task definition.json> <running task definition.json>");
    return 1;
  }
  const read = (file) => {
    try {
      const doc = JSON.parse(readFileSync(file, "utf8"));
      if (!Array.isArray(doc.containerDefinitions)) throw new Error("no containerDefinitions");
      return doc;
    } catch (e) {
      throw new Error(`${file}: ${e.message}; expected a task definition as describe-task-definition --query taskDefinition prints it`);
    }
  };
  try {
    const { definition, kept } = withRunningImages(read(nextFile), read(runningFile));
    for (const name of kept) console.error(`${name}: not in the running task definition; keeps the image of the new one (${definition.containerDefinitions.find((c) => c.name === name).image}).`);
    console.log(JSON.stringify(definition, null, 2));
    return 0;
  } catch (e) {
    console.error(e.message);
    return 1;
  }
}

module.exports = { withRunningImages };

if (require.main === module) process.exitCode = main(process.argv.slice(2));
