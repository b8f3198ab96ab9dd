'use strict';
// Cross-check of the signed-log format (docs/signed-log.md) against ethers, independently of
// roflgov's Rust code: for every entry of test/vectors/signed_log.jsonl (written by
// crates/signed-log/tests/it/log.rs with the key 0x11…11 for the app of global name
// "roflgov signed-log vector"), the payload's SHA-256, the domain-separated keccak256 digest
// built from the documented layout, the signer recovered from the signature by ethers, and the
// hash chain. Also usable as a script: `node tools/crosscheck/signed-log.test.js FILE APP_HEX`
// prints the recovered signer of each entry as JSON.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { ethers } = require('ethers');
const oasis = require('@oasisprotocol/client');

const VECTOR = path.join(__dirname, '../../test/vectors/signed_log.jsonl');
const DOMAIN = ethers.utils.toUtf8Bytes('roflgov-signed-log/1\0');

function u64be(n) {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n));
  return b;
}

// App id of a global name (oasis-sdk modules/rofl/app_id.rs), with @oasisprotocol/client.
async function globalNameAppId(name) {
  return oasis.address.fromData('oasis-sdk/rofl: global name app id', 0, ethers.utils.toUtf8Bytes(name));
}

function check(text, appId) {
  const out = [];
  let prev = ethers.constants.HashZero;
  text.trim().split('\n').forEach((line, i) => {
    const e = JSON.parse(line);
    const digest = ethers.utils.keccak256(ethers.utils.concat([
      DOMAIN, appId, u64be(e.seq), u64be(e.time), e.prev, e.payload_hash,
    ]));
    const recovered = ethers.utils.recoverAddress(digest, e.signature);
    out.push({
      entry: i + 1,
      recovered,
      chained: e.prev === prev,
      payload_ok: e.payload === undefined || ethers.utils.sha256(ethers.utils.toUtf8Bytes(e.payload)) === e.payload_hash,
    });
    prev = ethers.utils.keccak256(ethers.utils.concat([digest, e.signature]));
  });
  return out;
}

if (require.main === module && process.argv.length === 4) {
  console.log(JSON.stringify(check(fs.readFileSync(process.argv[2], 'utf8'), ethers.utils.arrayify(process.argv[3]))));
} else {
  test('every entry of the committed signed log verifies with ethers', async () => {
    const appId = await globalNameAppId('roflgov signed-log vector');
    const signer = new ethers.Wallet('0x' + '11'.repeat(32)).address;
    const results = check(fs.readFileSync(VECTOR, 'utf8'), appId);
    assert.equal(results.length, 4);
    for (const r of results) {
      assert.equal(r.recovered, signer, `entry ${r.entry}`);
      assert.ok(r.chained, `entry ${r.entry} chains to the previous one`);
      assert.ok(r.payload_ok, `entry ${r.entry} payload hash`);
    }
  });
}
