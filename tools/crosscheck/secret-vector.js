'use strict';
// Writes test/vectors/secret_envelope_client_rt.json: secrets sealed by the official TypeScript
// client (@oasisprotocol/client-rt `rofl.encryptSecret`, the port of the Oasis CLI's
// `EncryptSecret`) to the test SEK, so that roflgov's Rust side (crates/core/tests/
// secret_envelopes.rs) proves it opens what the ecosystem writes. Run once by hand:
//   node tools/crosscheck/secret-vector.js
// (each run draws a fresh ephemeral key and nonce, so the file changes; both versions are valid).

const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const oasis = require('@oasisprotocol/client');
const oasisRT = require('@oasisprotocol/client-rt');

// The test SEK key pair (also in crates/core/tests/it/secret_envelopes.rs): X25519 private key.
const SEK_PRIVATE_HEX = '5ecf5ecf5ecf5ecf5ecf5ecf5ecf5ecf5ecf5ecf5ecf5ecf5ecf5ecf5ecf5e0f';

function x25519Public(privateHex) {
    // PKCS#8 prefix of a raw X25519 private key (RFC 8410).
    const der = Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), Buffer.from(privateHex, 'hex')]);
    const key = crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    const spki = crypto.createPublicKey(key).export({ format: 'der', type: 'spki' });
    return new Uint8Array(spki.subarray(spki.length - 32));
}

const sek = x25519Public(SEK_PRIVATE_HEX);
const cases = [
    { name: 'API_KEY', value: 'sk-live-0123456789' },
    { name: 'ÜNICODE name', value: 'line one\nline two\n' },
    { name: 'EMPTY', value: '' },
];
const out = {
    generator: '@oasisprotocol/client-rt rofl.encryptSecret',
    sek_private: SEK_PRIVATE_HEX,
    sek: oasis.misc.toBase64(sek),
    envelopes: cases.map((c) => ({
        name: c.name,
        value: c.value,
        envelope: oasisRT.rofl.encryptSecret(c.name, oasis.misc.fromString(c.value), sek),
    })),
};
const file = path.join(__dirname, '../../test/vectors/secret_envelope_client_rt.json');
fs.writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
console.log(`wrote ${file}`);
