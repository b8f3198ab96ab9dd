'use strict';
// Cross-check of roflgov's Oasis addresses and ROFL app ids (test/vectors/oasis_ids.json, made by
// crates/types/tests/it/oasis_ids.rs from roflgov_types::{Address, AppId}) against the official
// TypeScript packages:
//  - eth → oasis address: @oasisprotocol/client address.fromData with client-rt's
//    address.V0_SECP256K1ETH_CONTEXT_IDENTIFIER/_VERSION (what client-rt address.fromSigspec does
//    after hashing the key), and address.fromSigspec({secp256k1eth}) from the public key itself;
//  - app ids: client-rt has no app-id derivation, so address.fromData with the rofl module's
//    contexts (oasis-sdk runtime-sdk/src/modules/rofl/app_id.rs);
//  - bech32 both ways: client-rt address.toBech32/fromBech32 (oasis1), rofl.toBech32/fromBech32
//    (rofl1).
// Uses only committed data; run with `node --test tools/crosscheck/`.

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const oasis = require('@oasisprotocol/client');
const oasisRT = require('@oasisprotocol/client-rt');

const IDS = require(path.join(__dirname, '../../test/vectors/oasis_ids.json'));

const APP_ID_CONTEXT_VERSION = 0;
const APP_ID_CN_CONTEXT = 'oasis-sdk/rofl: cn app id';
const APP_ID_CRI_CONTEXT = 'oasis-sdk/rofl: cri app id';
const APP_ID_GLOBAL_NAME_CONTEXT = 'oasis-sdk/rofl: global name app id';

const hex = (u8) => '0x' + oasis.misc.toHex(u8);
const bytesOf = (text) => oasis.misc.fromHex(text.replace(/^0x/, ''));

function u64be(decimal) {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, BigInt(decimal), false);
    return out;
}

function u32be(n) {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, n, false);
    return out;
}

function addressFromEth(eth) {
    const data = bytesOf(eth);
    assert.equal(data.length, 20, eth);
    return oasis.address.fromData(
        oasisRT.address.V0_SECP256K1ETH_CONTEXT_IDENTIFIER,
        oasisRT.address.V0_SECP256K1ETH_CONTEXT_VERSION,
        data,
    );
}

function appIdFromGlobalName(name) {
    return oasis.address.fromData(APP_ID_GLOBAL_NAME_CONTEXT, APP_ID_CONTEXT_VERSION, oasis.misc.fromString(name));
}

function appIdFromCreatorNonce(creator, nonce) {
    return oasis.address.fromData(APP_ID_CN_CONTEXT, APP_ID_CONTEXT_VERSION, oasis.misc.concat(creator, u64be(nonce)));
}

function appIdFromCreatorRoundIndex(creator, round, index) {
    return oasis.address.fromData(
        APP_ID_CRI_CONTEXT,
        APP_ID_CONTEXT_VERSION,
        oasis.misc.concat(creator, u64be(round), u32be(index)),
    );
}

/** The bech32 text and the hex of one 21-byte address agree both ways. */
function checkAddressText(text, hexText, where) {
    assert.equal(oasisRT.address.toBech32(bytesOf(hexText)), text, `${where}: toBech32`);
    assert.equal(hex(oasisRT.address.fromBech32(text)), hexText, `${where}: fromBech32`);
}

function checkAppIdText(text, hexText, where) {
    assert.equal(oasisRT.rofl.toBech32(bytesOf(hexText)), text, `${where}: rofl.toBech32`);
    assert.equal(hex(oasisRT.rofl.fromBech32(text)), hexText, `${where}: rofl.fromBech32`);
}

test('known vectors, independent of the fixture', () => {
    // Safe 0x70739e…Cb63 (docs, test/OasisIds.t.sol, crates/types/src/ids.rs).
    const safe = addressFromEth('0x70739eB50e269f1f1eb27c6f8932f63389B1Cb63');
    assert.equal(oasisRT.address.toBech32(safe), 'oasis1qz2lty9v4glt5ts8ljhfpnd05dy3cwmtnyshws8q');
    // oasis-sdk runtime-sdk/src/modules/rofl/app_id.rs test vector.
    assert.equal(
        oasisRT.rofl.toBech32(appIdFromGlobalName('test global app')),
        'rofl1qrev5wq76npkmcv5wxkdxxcu4dhmu704yyl30h43',
    );
});

test('fixture covers the known vectors', () => {
    assert.ok(IDS.eth_addresses.some((v) => v.address === 'oasis1qz2lty9v4glt5ts8ljhfpnd05dy3cwmtnyshws8q'));
    assert.ok(IDS.global_names.some((v) => v.app_id === 'rofl1qrev5wq76npkmcv5wxkdxxcu4dhmu704yyl30h43'));
    for (const list of ['eth_addresses', 'public_keys', 'global_names', 'creator_nonce', 'creator_round_index']) {
        assert.ok(IDS[list].length > 0, list);
    }
});

test('Address::from_eth equals address.fromData(secp256k1eth context, eth address)', () => {
    for (const v of IDS.eth_addresses) {
        const address = addressFromEth(v.eth);
        assert.equal(hex(address), v.hex, v.eth);
        assert.equal(oasisRT.address.toBech32(address), v.address, v.eth);
        checkAddressText(v.address, v.hex, v.eth);
    }
});

test('Address::from_eth of a key\'s Ethereum address equals address.fromSigspec({secp256k1eth})', () => {
    for (const v of IDS.public_keys) {
        for (const form of ['compressed', 'uncompressed']) {
            const address = oasisRT.address.fromSigspec({ secp256k1eth: bytesOf(v[form]) });
            assert.equal(oasisRT.address.toBech32(address), v.address, `${v.eth} from ${form} key`);
        }
        assert.equal(oasisRT.address.toBech32(addressFromEth(v.eth)), v.address, v.eth);
    }
});

test('AppId::from_global_name equals address.fromData(global name context, name)', () => {
    for (const v of IDS.global_names) {
        const id = appIdFromGlobalName(v.name);
        assert.equal(hex(id), v.hex, JSON.stringify(v.name));
        assert.equal(oasisRT.rofl.toBech32(id), v.app_id, JSON.stringify(v.name));
        checkAppIdText(v.app_id, v.hex, JSON.stringify(v.name));
    }
});

test('AppId::from_creator_nonce equals address.fromData(cn context, creator ‖ nonce u64 BE)', () => {
    for (const v of IDS.creator_nonce) {
        const creator = oasisRT.address.fromBech32(v.creator);
        const id = appIdFromCreatorNonce(creator, v.nonce);
        const where = `${v.creator} nonce ${v.nonce}`;
        assert.equal(hex(id), v.hex, where);
        assert.equal(oasisRT.rofl.toBech32(id), v.app_id, where);
        checkAppIdText(v.app_id, v.hex, where);
    }
});

test('AppId::from_creator_round_index equals address.fromData(cri context, creator ‖ round u64 BE ‖ index u32 BE)', () => {
    for (const v of IDS.creator_round_index) {
        const creator = oasisRT.address.fromBech32(v.creator);
        const id = appIdFromCreatorRoundIndex(creator, v.round, v.index);
        const where = `${v.creator} round ${v.round} index ${v.index}`;
        assert.equal(hex(id), v.hex, where);
        assert.equal(oasisRT.rofl.toBech32(id), v.app_id, where);
        checkAppIdText(v.app_id, v.hex, where);
    }
});

test('the app-id derivations are distinct (no context mixed up)', () => {
    const creator = addressFromEth('0x70739eB50e269f1f1eb27c6f8932f63389B1Cb63');
    const cn = hex(appIdFromCreatorNonce(creator, '42'));
    const cri = hex(appIdFromCreatorRoundIndex(creator, '42', 0));
    assert.notEqual(cn, cri);
    const fixture = IDS.creator_nonce.find((v) => v.creator === oasisRT.address.toBech32(creator) && v.nonce === '42');
    assert.equal(fixture.hex, cn);
});
