#!/usr/bin/env node
// Writes the contract artifacts the Rust crates embed (crates/contracts/artifacts/) from a fresh
// `forge build` (out/) and the Safe v1.4.1 npm packages, trimmed to what roflgov uses: the ABI,
// creation and runtime code, and the link references of external libraries.
//
//   node tools/export-artifacts.js           rewrite the embedded artifacts
//   node tools/export-artifacts.js --check   fail if they differ from what the build produces
//                                            (the drift check `make test` runs)
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const dest = path.join(root, "crates/contracts/artifacts");

// [forge source file stem, contract name]: everything the CLI deploys, calls or decodes.
const FORGE = [
  ["RoflAppAdmin", "RoflAppAdmin"],
  ["RoflConfigLogic", "RoflConfigLogic"],
  ["RoflUpdateLogic", "RoflUpdateLogic"],
  ["RoflReleaseLogic", "RoflReleaseLogic"],
  ["RoflLockLogic", "RoflLockLogic"],
  ["RoflMachineLogic", "RoflMachineLogic"],
  ["IRoflAppAdmin", "IRoflAppAdmin"],
  ["RoflGovernor", "RoflGovernor"],
  ["RoflGovToken", "RoflGovToken"],
  ["TimelockController", "TimelockController"],
  ["RoflModuleStandIn", "RoflModuleStandIn"],
  ["RoflMarketStandIn", "RoflMarketStandIn"],
  ["NoopSubcall", "NoopSubcall"],
];

// Safe v1.4.1 release artifacts (Hardhat format) under @safe-global/safe-contracts.
const SAFE_ARTIFACTS = "node_modules/@safe-global/safe-contracts/build/artifacts/contracts";
const SAFE = [
  ["SafeL2", "SafeL2.sol/SafeL2.json"],
  ["SafeProxyFactory", "proxies/SafeProxyFactory.sol/SafeProxyFactory.json"],
  ["CompatibilityFallbackHandler", "handler/CompatibilityFallbackHandler.sol/CompatibilityFallbackHandler.json"],
  ["MultiSendCallOnly", "libraries/MultiSendCallOnly.sol/MultiSendCallOnly.json"],
  ["SimulateTxAccessor", "accessors/SimulateTxAccessor.sol/SimulateTxAccessor.json"],
];

// Canonical v1.4.1 deployments (address and code hash) from @safe-global/safe-deployments.
const SAFE_DEPLOYMENTS = "node_modules/@safe-global/safe-deployments/dist/assets/v1.4.1";
const DEPLOYMENT_FILES = [
  ["SafeL2", "safe_l2.json"],
  ["SafeProxyFactory", "safe_proxy_factory.json"],
  ["CompatibilityFallbackHandler", "compatibility_fallback_handler.json"],
  ["MultiSendCallOnly", "multi_send_call_only.json"],
  ["SimulateTxAccessor", "simulate_tx_accessor.json"],
];

function readJson(relative) {
  const file = path.join(root, relative);
  if (!fs.existsSync(file)) {
    throw new Error(`${relative} is missing: run \`make build\` (npm ci and forge build) first`);
  }
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

function code(field) {
  if (typeof field === "string") return { object: field, linkReferences: {} };
  const out = { object: field.object, linkReferences: field.linkReferences || {} };
  // Immutables are written at deployment: a check of deployed code must skip them. solc keys
  // them by AST node id, which changes with the set of files compiled; the keys are renumbered
  // in code order so that the file only changes when the code does.
  const immutables = Object.values(field.immutableReferences || {});
  if (immutables.length > 0) {
    immutables.sort((a, b) => a[0].start - b[0].start);
    out.immutableReferences = Object.fromEntries(immutables.map((offsets, i) => [String(i), offsets]));
  }
  return out;
}

function trimmed(raw) {
  return {
    abi: raw.abi,
    bytecode: code(raw.bytecode),
    deployedBytecode: code(raw.deployedBytecode),
  };
}

function outputs() {
  const files = new Map();
  const out = process.env.FOUNDRY_OUT || "out";
  for (const [file, contract] of FORGE) {
    files.set(`${contract}.json`, trimmed(readJson(`${out}/${file}.sol/${contract}.json`)));
  }
  for (const [contract, relative] of SAFE) {
    files.set(`${contract}.json`, trimmed(readJson(`${SAFE_ARTIFACTS}/${relative}`)));
  }
  const deployments = {};
  for (const [contract, file] of DEPLOYMENT_FILES) {
    const info = readJson(`${SAFE_DEPLOYMENTS}/${file}`);
    if (info.contractName !== contract || info.version !== "1.4.1") {
      throw new Error(`${file} describes ${info.contractName} ${info.version}, expected ${contract} 1.4.1`);
    }
    deployments[contract] = {
      address: info.deployments.canonical.address,
      codeHash: info.deployments.canonical.codeHash,
    };
  }
  files.set("safe-v1.4.1-deployments.json", deployments);
  const text = new Map();
  for (const [name, value] of files) text.set(name, JSON.stringify(value, null, 1) + "\n");
  return text;
}

function main() {
  const check = process.argv.includes("--check");
  const fresh = outputs();
  if (!check) {
    fs.mkdirSync(dest, { recursive: true });
    for (const [name, text] of fresh) fs.writeFileSync(path.join(dest, name), text);
    console.log(`wrote ${fresh.size} artifacts to ${path.relative(root, dest)}`);
    return;
  }
  const committed = fs.existsSync(dest) ? fs.readdirSync(dest).filter((f) => f.endsWith(".json")) : [];
  const drift = [];
  for (const [name, text] of fresh) {
    const file = path.join(dest, name);
    if (!fs.existsSync(file)) drift.push(`${name}: missing`);
    else if (fs.readFileSync(file, "utf8") !== text) drift.push(`${name}: differs from the build`);
  }
  for (const name of committed) if (!fresh.has(name)) drift.push(`${name}: no longer produced`);
  if (drift.length) {
    console.error("embedded contract artifacts drifted from a fresh build:");
    for (const line of drift) console.error(`  ${line}`);
    console.error("run `node tools/export-artifacts.js` and commit crates/contracts/artifacts/");
    process.exit(1);
  }
  console.log(`embedded artifacts match the build (${fresh.size} files)`);
}

main();
