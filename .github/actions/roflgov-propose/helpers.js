#!/usr/bin/env node
// Small, dependency-free helpers for propose.sh (the roflgov release steps): hashing, JSON
// field access, provenance and proposal description, the Safe Transaction Service payload, and
// (local dry run only) writing a bundle's identities into a rofl.yaml deployment the way
// `oasis rofl build` does. Node is on every GitHub runner and is a prerequisite of roflgov.
//
//   node helpers.js sha256 FILE
//   node helpers.js json-get FILE PATH            (PATH: a.b.0.c; strings print raw)
//   node helpers.js provenance OUT.json           (reads RG_* environment variables)
//   node helpers.js description NOTES.md PROVENANCE.json OUT.md
//   node helpers.js safe-service-payload SAFE_TX.json ORIGIN [SIGN_OUTPUT.json]
//   node helpers.js set-enclaves MANIFEST DEPLOYMENT OUT ID...

"use strict";
const crypto = require("crypto");
const fs = require("fs");

function die(message) {
  process.stderr.write(`helpers.js: ${message}\n`);
  process.exit(2);
}

function sha256(file) {
  return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    die(`${file}: ${error.message}`);
  }
}

function get(value, path) {
  for (const part of path.split(".").filter(Boolean)) {
    if (value === null || typeof value !== "object" || !(part in value)) return undefined;
    value = value[part];
  }
  return value;
}

function env(name, fallback = "") {
  const value = process.env[name];
  return value === undefined || value === "" ? fallback : value;
}

/// What the proposal is made from, with hashes a reviewer can recompute.
function provenance(out) {
  const bundle = env("RG_BUNDLE");
  const manifest = env("RG_MANIFEST");
  const identities = env("RG_IDENTITIES_JSON") ? readJson(env("RG_IDENTITIES_JSON")) : null;
  const server = env("GITHUB_SERVER_URL", "https://github.com");
  const repository = env("RG_SOURCE_REPOSITORY", env("GITHUB_REPOSITORY"));
  const runId = env("GITHUB_RUN_ID");
  const record = {
    schema: "roflgov-release-provenance/v1",
    source: {
      repository,
      commit: env("RG_SOURCE_COMMIT", env("GITHUB_SHA")),
      ref: env("RG_SOURCE_REF", env("GITHUB_REF")),
      run: runId && repository ? `${server}/${repository}/actions/runs/${runId}` : null,
    },
    manifest: { file: manifest, deployment: env("RG_DEPLOYMENT"), sha256: manifest ? sha256(manifest) : null },
    manifest_as_committed_sha256: env("RG_MANIFEST_COMMITTED_SHA256") || null,
    bundle: { file: bundle, sha256: bundle ? sha256(bundle) : null },
    identities: identities ? identities.identities || identities : null,
    build: env("RG_BUILD", "unknown"),
    roflgov: env("RG_ROFLGOV_VERSION") || null,
    created_at: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
  };
  fs.writeFileSync(out, JSON.stringify(record, null, 2) + "\n");
}

/// Release notes followed by a provenance block: what the Governor proposal description and
/// the Safe artifact carry.
function description(notesFile, provenanceFile, out) {
  const notes = notesFile && fs.existsSync(notesFile) ? fs.readFileSync(notesFile, "utf8").trim() : "";
  const p = readJson(provenanceFile);
  const lines = [
    notes || "(no release notes given)",
    "",
    "---",
    "Provenance (roflgov release workflow)",
    `- source: ${p.source.repository || "(unknown)"} @ ${p.source.commit || "(unknown)"} (${p.source.ref || "no ref"})`,
    `- rofl.yaml: ${p.manifest.file} deployment ${p.manifest.deployment}, sha256 ${p.manifest.sha256}`,
    `- ORC bundle: ${p.bundle.file}, sha256 ${p.bundle.sha256}`,
    `- build: ${p.build}`,
  ];
  if (p.source.run) lines.push(`- workflow run: ${p.source.run}`);
  for (const id of p.identities || []) {
    lines.push(`- identity ${id.component || ""} [${id.hypervisor || "-"}]: ${id.id}`);
  }
  fs.writeFileSync(out, lines.join("\n") + "\n");
}

/// The body of POST {service}/api/v1/safes/{safe}/multisig-transactions/ from a roflgov Safe
/// proposal file ({chainId, safe, tx: {to, value, data, operation, safeTxGas, ...}, safeTxHash,
/// signatures}) and the JSON `roflgov safe sign` printed for the proposer (its address and, when
/// given, its signature; else the last signature of the file). Amounts go out as decimal strings.
function safeServicePayload(file, origin, signJson) {
  const p = readJson(file);
  const tx = p.tx || {};
  const signed = signJson ? readJson(signJson) : {};
  const decimal = (value, name) => {
    if (value === undefined || value === null) die(`${file}: no ${name}`);
    try {
      return BigInt(typeof value === "number" ? Math.trunc(value) : String(value)).toString(10);
    } catch (error) {
      die(`${file}: ${name} is not a number: ${value}`);
    }
  };
  const operation = tx.operation === "delegateCall" || tx.operation === "delegate_call" || tx.operation === 1 ? 1 : 0;
  const sender = signed.signer || signed.owner || signed.address;
  const signatures = Array.isArray(p.signatures) ? p.signatures : [];
  const signature = signed.signature || signatures[signatures.length - 1];
  if (!sender) die(`${signJson || "(no sign output)"}: no signer address`);
  if (!signature) die(`${file}: no signature; sign it first with roflgov safe sign`);
  const hash = p.safeTxHash || p.safe_tx_hash;
  if (!hash) die(`${file}: no safeTxHash`);
  const body = {
    to: tx.to,
    value: decimal(tx.value ?? 0, "tx.value"),
    data: tx.data || "0x",
    operation,
    safeTxGas: decimal(tx.safeTxGas ?? 0, "tx.safeTxGas"),
    baseGas: decimal(tx.baseGas ?? 0, "tx.baseGas"),
    gasPrice: decimal(tx.gasPrice ?? 0, "tx.gasPrice"),
    gasToken: tx.gasToken || "0x0000000000000000000000000000000000000000",
    refundReceiver: tx.refundReceiver || "0x0000000000000000000000000000000000000000",
    nonce: Number(decimal(tx.nonce, "tx.nonce")),
    contractTransactionHash: hash,
    sender,
    signature,
    origin,
  };
  if (!body.to) die(`${file}: no tx.to`);
  process.stdout.write(JSON.stringify(body) + "\n");
}

/// Local dry run only: what `oasis rofl build` does to rofl.yaml — replace the enclaves of
/// deployments.<deployment>.policy with the identities of the build. Line based (keeps comments
/// and formatting); expects the block layout the Oasis CLI writes.
function setEnclaves(manifest, deployment, out, ids) {
  if (ids.length === 0) die("set-enclaves: no identities");
  const lines = fs.readFileSync(manifest, "utf8").split("\n");
  const indentOf = (line) => line.match(/^ */)[0].length;
  const isContent = (line) => line.trim() !== "" && !line.trim().startsWith("#");
  const findChild = (from, to, parentIndent, key) => {
    for (let i = from; i < to; i++) {
      if (!isContent(lines[i])) continue;
      const indent = indentOf(lines[i]);
      if (indent <= parentIndent) return -1;
      if (lines[i].trim() === `${key}:` || lines[i].trim().startsWith(`${key}: `)) return i;
    }
    return -1;
  };
  const blockEnd = (start) => {
    const indent = indentOf(lines[start]);
    let i = start + 1;
    for (; i < lines.length; i++) {
      if (isContent(lines[i]) && indentOf(lines[i]) <= indent && !(indentOf(lines[i]) === indent && lines[i].trim().startsWith("- "))) break;
    }
    return i;
  };
  const path = ["deployments", deployment, "policy", "enclaves"];
  let start = 0;
  let end = lines.length;
  let parentIndent = -1;
  let at = -1;
  for (const key of path) {
    at = findChild(start, end, parentIndent, key);
    if (at < 0) die(`${manifest}: no ${path.slice(0, path.indexOf(key) + 1).join(".")}`);
    parentIndent = indentOf(lines[at]);
    start = at + 1;
    end = blockEnd(at);
  }
  const itemIndent = " ".repeat(parentIndent + 2);
  const replacement = ids.map((id) => `${itemIndent}- id: ${id}`);
  lines.splice(at + 1, end - at - 1, ...replacement);
  fs.writeFileSync(out, lines.join("\n"));
}

const [command, ...args] = process.argv.slice(2);
switch (command) {
  case "sha256":
    process.stdout.write(sha256(args[0]) + "\n");
    break;
  case "json-get": {
    const value = get(readJson(args[0]), args[1] || "");
    if (value === undefined) die(`${args[0]}: no ${args[1]}`);
    process.stdout.write((typeof value === "string" ? value : JSON.stringify(value)) + "\n");
    break;
  }
  case "provenance":
    provenance(args[0]);
    break;
  case "description":
    description(args[0], args[1], args[2]);
    break;
  case "safe-service-payload":
    safeServicePayload(args[0], args[1] || "roflgov release workflow", args[2]);
    break;
  case "set-enclaves":
    setEnclaves(args[0], args[1], args[2], args.slice(3));
    break;
  default:
    die(`unknown command ${command || "(none)"}`);
}
