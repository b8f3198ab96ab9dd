#!/usr/bin/env node
// Writes the sample ORC bundle examples/release/hello-rofl.local.orc: a zip holding
// META-INF/MANIFEST.MF (oasis-core's bundle manifest JSON, as `oasis rofl build` writes it) and
// the app's compose.yaml. It carries the enclave identities of release 0.2.0 of the sample app;
// it cannot boot (no firmware, kernel or stage 2): it is test data for the release workflow.
//
// The zip is byte-for-byte reproducible (stored entries, fixed 1980-01-01 timestamps), so
//   node examples/release/make-bundle.js --check
// fails when the committed bundle no longer matches this script.
//
// Identities: TDX identities computed with `roflgov identity tdx` from made-up measurements:
// RTMR1..3 all zero, MRTD = 0x02 followed by 47 zero bytes (release 0.2.0), RTMR0 = 0xa0 (qemu/v0)
// or 0xa1 (qemu/v1) followed by 47 zero bytes. Release 0.1.0 (in rofl.yaml) used MRTD 0x01….

"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const zlib = require("zlib");

const HERE = __dirname;
const OUT = path.join(HERE, "hello-rofl.local.orc");

const IDENTITIES_0_2_0 = [
  { hypervisor: "qemu/v0", enclave: "3Fnl8+ySEJSly5RHEQkPSi8mq6zt3Pec2UJemKVnOCAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==" },
  { hypervisor: "qemu/v1", enclave: "VJCelZIGsAQmps+JmHGO2T7PP3r+2zN25l66FPCTfhYAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==" },
];

// Sapphire Localnet's runtime id (the sample deployment targets a local chain).
const SAPPHIRE_LOCALNET_RUNTIME_ID = "8000000000000000000000000000000000000000000000000000000000000000";

function sha512_256(bytes) {
  return crypto.createHash("sha512-256").update(bytes).digest("hex");
}

function manifestBytes(compose) {
  const manifest = {
    name: "hello-rofl",
    id: SAPPHIRE_LOCALNET_RUNTIME_ID,
    version: { minor: 2 },
    components: [
      {
        kind: "rofl",
        name: "hello-rofl",
        version: { minor: 2 },
        tdx: { resources: { memory: 512, cpus: 1 } },
        identity: IDENTITIES_0_2_0,
      },
    ],
    digests: { "compose.yaml": sha512_256(compose) },
  };
  return Buffer.from(JSON.stringify(manifest, null, 2) + "\n", "utf8");
}

// CRC-32 (zip's, polynomial 0xEDB88320); zlib.crc32 only exists from Node 20.15 / 22.2.
function crc32(data) {
  if (typeof zlib.crc32 === "function") return zlib.crc32(data) >>> 0;
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

// A minimal zip writer: stored (uncompressed) entries, no extra fields, fixed DOS timestamp.
function zip(entries) {
  const DOS_TIME = 0;
  const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBytes = Buffer.from(name, "utf8");
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // flags: UTF-8 names
    local.writeUInt16LE(0, 8); // method: stored
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, nameBytes, data);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt16LE(0, 30); // extra
    central.writeUInt16LE(0, 32); // comment
    central.writeUInt16LE(0, 34); // disk
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // external attributes: regular file 0644
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const centralDir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0, 4);
  end.writeUInt16LE(0, 6);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralDir.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(0, 20);
  return Buffer.concat([...locals, centralDir, end]);
}

function build() {
  const compose = fs.readFileSync(path.join(HERE, "compose.yaml"));
  return zip([
    { name: "META-INF/MANIFEST.MF", data: manifestBytes(compose) },
    { name: "compose.yaml", data: compose },
  ]);
}

const bundle = build();
const digest = crypto.createHash("sha256").update(bundle).digest("hex");
if (process.argv.includes("--check")) {
  const committed = fs.existsSync(OUT) ? fs.readFileSync(OUT) : Buffer.alloc(0);
  if (!committed.equals(bundle)) {
    console.error(`${path.relative(process.cwd(), OUT)} does not match make-bundle.js (expected sha256 ${digest}); run: node ${path.relative(process.cwd(), __filename)}`);
    process.exit(1);
  }
  console.log(`${path.relative(process.cwd(), OUT)} is up to date (sha256 ${digest})`);
} else {
  fs.writeFileSync(OUT, bundle);
  console.log(`wrote ${path.relative(process.cwd(), OUT)} (${bundle.length} bytes, sha256 ${digest})`);
}
