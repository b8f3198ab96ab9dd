'use strict';
// Cross-check of the roflmarket bodies roflgov's policy contract writes (RoflMarketCbor.sol):
//  - test/vectors/roflmarket_cbor.json (which test/RoflMarketCbor.t.sol compares the Solidity
//    encoder with, byte for byte) is exactly what @oasisprotocol/client-rt's types encoded with
//    @oasisprotocol/client's canonical CBOR give for the same values;
//  - each body's keys are the fields of client-rt's Roflmarket* interface for the method (all
//    required ones present, no others), and decoding then re-encoding gives the same bytes.
// Run with `node --test tools/crosscheck/`.

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const oasis = require('@oasisprotocol/client');
const { interfaceFields } = require('./types-dts');
const { cases, vectors } = require('./roflmarket-values');

const COMMITTED = require(path.join(__dirname, '../../test/vectors/roflmarket_cbor.json'));

test('committed roflmarket vectors equal the client-rt encoding', () => {
    assert.deepEqual(COMMITTED, JSON.parse(JSON.stringify(vectors())));
});

test('roflmarket bodies have exactly the client-rt fields and are canonical', () => {
    for (const c of cases()) {
        const { fields, names } = interfaceFields('client-rt', c.iface);
        const keys = Object.keys(c.body);
        for (const key of keys) assert.ok(names.has(key), `${c.name}: ${key} is not a field of ${c.iface}`);
        for (const f of fields) {
            if (!f.optional) assert.ok(keys.includes(f.name), `${c.name}: required ${f.name} missing`);
        }
        const vector = COMMITTED.vectors.find((v) => v.name === c.name);
        const bytes = oasis.misc.fromHex(vector.body.slice(2));
        const again = oasis.misc.toHex(oasis.misc.toCBOR(oasis.misc.fromCBOR(bytes)));
        assert.equal(again, vector.body.slice(2), `${c.name}: not canonical`);
    }
});

test('scheduler commands carry a Deployment with exactly the client-rt fields', () => {
    const { names } = interfaceFields('client-rt', 'RoflmarketDeployment');
    for (const c of cases().filter((x) => x.command)) {
        assert.deepEqual(Object.keys(c.command).sort(), ['args', 'method']);
        if (c.command.method === 'Deploy') {
            assert.deepEqual(Object.keys(c.command.args).sort(), ['deployment', 'wipe_storage']);
            assert.deepEqual(new Set(Object.keys(c.command.args.deployment)), names);
        } else {
            assert.deepEqual(Object.keys(c.command.args), ['wipe_storage']);
        }
    }
});
