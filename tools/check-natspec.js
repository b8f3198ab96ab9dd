#!/usr/bin/env node
// Checks that the policy contract documents its whole external surface (issue #16 item 5): every
// function of its ABI has a @notice and a @param for each argument (and @return for each result),
// through `@inheritdoc`, which inherits only what the interface writes (read from the NatSpec solc
// puts in the metadata of a fresh `forge build`, out/); and every error of its ABI is declared in
// contracts/interfaces/IRoflErrors.sol with a @notice and a @param per argument (read from the
// source: solc's metadata leaves out errors a contract inherits).
//
//   node tools/check-natspec.js      (run by `make lint` after the build)
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
// [artifact, functions inherited from OpenZeppelin, documented there with @dev only]
const CONTRACTS = [
  ["out/RoflAppAdmin.sol/RoflAppAdmin.json", ["owner", "pendingOwner", "transferOwnership", "acceptOwnership"]],
];
// OpenZeppelin's own errors (Ownable, ReentrancyGuard): documented upstream.
const FOREIGN_ERRORS = ["OwnableInvalidOwner", "OwnableUnauthorizedAccount", "ReentrancyGuardReentrantCall"];

function signature(item) {
  const type = (p) => (p.type.startsWith("tuple") ? `(${p.components.map(type).join(",")})${p.type.slice(5)}` : p.type);
  return `${item.name}(${item.inputs.map(type).join(",")})`;
}

const problems = [];

// error name -> the /// lines right above its declaration in IRoflErrors.sol
const ERRORS_FILE = "contracts/interfaces/IRoflErrors.sol";
const errorDocs = new Map();
{
  const lines = fs.readFileSync(path.join(root, ERRORS_FILE), "utf8").split("\n");
  lines.forEach((line, i) => {
    const m = line.match(/^\s*error (\w+)\(/);
    if (!m) return;
    let j = i;
    while (j > 0 && lines[j - 1].trim().startsWith("///")) j--;
    errorDocs.set(m[1], lines.slice(j, i).join("\n"));
  });
}
function checkError(item) {
  const where = `${ERRORS_FILE}: ${item.name}`;
  const doc = errorDocs.get(item.name);
  if (doc === undefined) return problems.push(`${where}: not declared there`);
  if (!/@notice\s+\S/.test(doc)) problems.push(`${where}: no @notice`);
  for (const input of item.inputs) {
    if (!new RegExp(`@param ${input.name}\\s+\\S`).test(doc)) problems.push(`${where}: no @param ${input.name}`);
  }
}
for (const [file, foreign] of CONTRACTS) {
  const artifact = JSON.parse(fs.readFileSync(path.join(root, file), "utf8"));
  const { userdoc, devdoc } = artifact.metadata.output;
  for (const item of artifact.abi) {
    if (item.type === "error" && !FOREIGN_ERRORS.includes(item.name)) {
      checkError(item);
      continue;
    }
    if (item.type !== "function") continue;
    if (item.type === "function" && foreign.includes(item.name)) continue;
    if (item.type === "error" && FOREIGN_ERRORS.includes(item.name)) continue;
    const sig = signature(item);
    const kind = item.type === "function" ? "methods" : "errors";
    const user = (userdoc[kind] || {})[sig];
    const notice = Array.isArray(user) ? user[0] && user[0].notice : user && user.notice;
    const devEntry = (devdoc[kind] || {})[sig];
    const dev = Array.isArray(devEntry) ? devEntry[0] || {} : devEntry || {};
    const where = `${path.basename(file, ".json")}.${sig}`;
    // A public constant is a getter: its @notice is the whole doc.
    const isConstant = item.type === "function" && item.stateMutability === "view" && item.inputs.length === 0
      && /^[A-Z][A-Z0-9_]*$/.test(item.name);
    if (!notice) problems.push(`${where}: no @notice`);
    if (isConstant) continue;
    for (const input of item.inputs) {
      if (!input.name || !(dev.params || {})[input.name]) problems.push(`${where}: no @param ${input.name || "(unnamed)"}`);
    }
    if (item.type === "function" && item.outputs.length > 0) {
      const returns = dev.returns || {};
      if (Object.keys(returns).length < item.outputs.length) problems.push(`${where}: no @return`);
    }
  }
}
if (problems.length > 0) {
  console.error(`check-natspec: ${problems.length} undocumented item(s):\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log("check-natspec: every external function and error of the policy contract is documented");
