'use strict';
// Cross-check of roflgov's ROFL secret envelopes (test/vectors/secret_envelopes.json, made by
// crates/core/tests/it/secret_envelopes.rs from roflgov_core::secret::seal) with independent code:
//  - decryption with @oasisprotocol/deoxysii 0.0.6 (Deoxys-II-256-128) under a key derived with
//    node's own X25519 and HMAC-SHA512/256 (oasis-core mrae/deoxysii: the box key is
//    HMAC-SHA512/256(key = "MRAE_Box_Deoxys-II-256-128", msg = X25519(SEK private, pk))), with
//    associated data "name" and "value" as the Oasis CLI's EncryptSecret seals them
//    (oasisprotocol/cli build/rofl/secrets.go);
//  - the CBOR envelope read with @oasisprotocol/client's CBOR decoder: exactly pk, nonce, name,
//    value;
//  - resealing with @oasisprotocol/client-rt's mraeDeoxysii.boxSeal and toCBOR from the same
//    ephemeral key and nonce gives the same bytes.
// The reverse direction (roflgov opens what client-rt seals) is in the Rust test.

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const crypto = require('node:crypto');
const oasis = require('@oasisprotocol/client');
const oasisRT = require('@oasisprotocol/client-rt');
const deoxysii = require('@oasisprotocol/deoxysii');

const VECTORS = require(path.join(__dirname, '../../test/vectors/secret_envelopes.json'));

const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex');

function privateKey(hex) {
    return crypto.createPrivateKey({ key: Buffer.concat([PKCS8_X25519, Buffer.from(hex, 'hex')]), format: 'der', type: 'pkcs8' });
}

function publicKeyOf(hex) {
    const spki = crypto.createPublicKey(privateKey(hex)).export({ format: 'der', type: 'spki' });
    return new Uint8Array(spki.subarray(spki.length - 32));
}

function boxKey(privateHex, publicRaw) {
    const publicKey = crypto.createPublicKey({ key: Buffer.concat([SPKI_X25519, Buffer.from(publicRaw)]), format: 'der', type: 'spki' });
    const shared = crypto.diffieHellman({ privateKey: privateKey(privateHex), publicKey });
    return new Uint8Array(crypto.createHmac('sha512-256', 'MRAE_Box_Deoxys-II-256-128').update(shared).digest());
}

const utf8 = (s) => new TextEncoder().encode(s);

test('the test SEK is the public key of its private key', () => {
    assert.equal(oasis.misc.toBase64(publicKeyOf(VECTORS.sek_private)), VECTORS.sek);
});

test('every roflgov envelope decrypts to its name and value with @oasisprotocol/deoxysii', () => {
    assert.ok(VECTORS.envelopes.length >= 4);
    for (const v of VECTORS.envelopes) {
        const env = oasis.misc.fromCBOR(oasis.misc.fromBase64(v.envelope));
        assert.deepEqual(Object.keys(env).sort(), ['name', 'nonce', 'pk', 'value'], v.name);
        assert.equal(env.pk.length, 32);
        assert.equal(env.nonce.length, deoxysii.NonceSize);
        // The envelope's pk is the ephemeral key's public key.
        assert.deepEqual(env.pk, publicKeyOf(v.ephemeral_private));
        const aead = new deoxysii.AEAD(boxKey(VECTORS.sek_private, env.pk));
        assert.deepEqual(aead.decrypt(env.nonce, env.name, utf8('name')), utf8(v.name));
        assert.deepEqual(aead.decrypt(env.nonce, env.value, utf8('value')), utf8(v.value));
        // Name and value are bound to their role: swapped associated data fails.
        assert.throws(() => aead.decrypt(env.nonce, env.name, utf8('value')));
    }
});

test('client-rt reseals the same envelope bytes from the same ephemeral key and nonce', () => {
    const sek = oasis.misc.fromBase64(VECTORS.sek);
    for (const v of VECTORS.envelopes) {
        const sk = oasis.misc.fromHex(v.ephemeral_private);
        const nonce = oasis.misc.fromHex(v.nonce);
        const envelope = {
            pk: publicKeyOf(v.ephemeral_private),
            nonce,
            name: oasisRT.mraeDeoxysii.boxSeal(nonce, utf8(v.name), utf8('name'), sek, sk),
            value: oasisRT.mraeDeoxysii.boxSeal(nonce, utf8(v.value), utf8('value'), sek, sk),
        };
        assert.equal(oasis.misc.toBase64(oasis.misc.toCBOR(envelope)), v.envelope, v.name);
    }
});
