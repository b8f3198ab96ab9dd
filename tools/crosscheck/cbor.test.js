'use strict';
// Cross-check of roflgov's rofl.Create/Update/Remove bodies (test/vectors/rofl_cbor.json, made by
// crates/types/tests/it/vectors.rs) against the official TypeScript client:
//  - canonical: @oasisprotocol/client misc.fromCBOR then misc.toCBOR (cborg with its canonical
//    map-key order) gives back the very same bytes;
//  - shape: the top-level keys are exactly the module's fields for the method, and match the
//    field lists of @oasisprotocol/client-rt's RoflCreate/RoflUpdate/RoflRemove; nested maps only
//    use fields of the published interfaces (RoflAppAuthPolicy, SGXPolicy, ...) and carry every
//    required one.
// Uses only committed data; run with `node --test tools/crosscheck/`.

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const oasis = require('@oasisprotocol/client');
const oasisRT = require('@oasisprotocol/client-rt');
const { interfaceFields } = require('./types-dts');

const VECTORS = require(path.join(__dirname, '../../test/vectors/rofl_cbor.json'));

// What the rofl module expects per method (oasis-sdk runtime-sdk/src/modules/rofl/types.rs).
const METHODS = {
    [oasisRT.rofl.METHOD_CREATE]: { iface: 'RoflCreate', fields: ['policy', 'scheme', 'metadata'] },
    [oasisRT.rofl.METHOD_UPDATE]: {
        iface: 'RoflUpdate',
        fields: ['id', 'admin', 'policy', 'secrets', 'metadata'],
    },
    [oasisRT.rofl.METHOD_REMOVE]: { iface: 'RoflRemove', fields: ['id'] },
};

// Fields that oasis-core encodes but the 1.3.0 TypeScript interfaces do not (yet) declare. Each
// entry is asserted to be missing from the .d.ts, so the list cannot go stale silently.
//  - SGXPcsQuotePolicy.fmspc_whitelist: oasis-core runtime/src/common/sgx/pcs/policy.rs
//    `#[cbor(optional)] pub fmspc_whitelist: Vec<String>` (Go: pcs.QuotePolicy.FMSPCWhitelist).
const NOT_IN_TS = { 'client:SGXPcsQuotePolicy': ['fmspc_whitelist'] };

const hex = (u8) => '0x' + oasis.misc.toHex(u8);
const bytesOf = (text) => oasis.misc.fromHex(text.replace(/^0x/, ''));

// misc.fromCBOR turns non-empty string-keyed maps into objects and leaves empty maps as Map.
function entriesOf(value, where) {
    if (value instanceof Map) {
        assert.equal(value.size, 0, `${where}: a non-empty Map means a non-string key`);
        return [];
    }
    assert.ok(value !== null && typeof value === 'object' && !Array.isArray(value), `${where}: not a map`);
    assert.ok(!(value instanceof Uint8Array), `${where}: bytes, not a map`);
    return Object.entries(value);
}

function checkBytes(value, length, where) {
    assert.ok(value instanceof Uint8Array, `${where}: expected a byte string`);
    assert.equal(value.length, length, `${where}: length`);
}

/** Keys of `value` only use fields of interface `pkg:name`, and include every required one. */
function checkStruct(value, pkg, name, where) {
    const { fields, names } = interfaceFields(pkg, name);
    const extra = NOT_IN_TS[`${pkg}:${name}`] || [];
    const keys = entriesOf(value, where).map(([k]) => k);
    for (const key of keys) {
        assert.ok(names.has(key) || extra.includes(key), `${where}: key ${key} is not a field of ${pkg} ${name}`);
    }
    for (const field of fields) {
        if (!field.optional) assert.ok(keys.includes(field.name), `${where}: required ${name}.${field.name} missing`);
    }
    return value;
}

function checkEndorsement(value, where) {
    checkStruct(value, 'client-rt', 'RoflAllowedEndorsement', where);
    const entries = entriesOf(value, where);
    assert.equal(entries.length, 1, `${where}: an endorsement is a one-key enum map`);
    const [kind, inner] = entries[0];
    if (kind === 'and' || kind === 'or') {
        assert.ok(Array.isArray(inner), `${where}.${kind}`);
        inner.forEach((child, i) => checkEndorsement(child, `${where}.${kind}[${i}]`));
    } else if (kind === 'provider' || kind === 'provider_instance_admin') {
        checkBytes(inner, 21, `${where}.${kind}`);
    } else if (kind === 'entity' || kind === 'node') {
        checkBytes(inner, 32, `${where}.${kind}`);
    } else {
        assert.equal(entriesOf(inner, `${where}.${kind}`).length, 0, `${where}.${kind} is an empty map`);
    }
}

function checkPolicy(policy, where) {
    checkStruct(policy, 'client-rt', 'RoflAppAuthPolicy', where);
    const quotes = checkStruct(policy.quotes, 'client', 'SGXPolicy', `${where}.quotes`);
    if (quotes.ias != null) checkStruct(quotes.ias, 'client', 'SGXIasQuotePolicy', `${where}.quotes.ias`);
    if (quotes.pcs != null) {
        const pcs = checkStruct(quotes.pcs, 'client', 'SGXPcsQuotePolicy', `${where}.quotes.pcs`);
        if (pcs.tdx != null) {
            const tdx = checkStruct(pcs.tdx, 'client', 'SGXPcsTdxQuotePolicy', `${where}.quotes.pcs.tdx`);
            (tdx.allowed_tdx_modules || []).forEach((module, i) => {
                const at = `${where}.quotes.pcs.tdx.allowed_tdx_modules[${i}]`;
                checkStruct(module, 'client', 'SGXPcsTdxModulePolicy', at);
                checkBytes(module.mr_signer_seam, 48, `${at}.mr_signer_seam`);
                if (module.mr_seam != null) checkBytes(module.mr_seam, 48, `${at}.mr_seam`);
            });
        }
    }
    assert.ok(Array.isArray(policy.enclaves), `${where}.enclaves`);
    policy.enclaves.forEach((enclave, i) => {
        checkStruct(enclave, 'client', 'SGXEnclaveIdentity', `${where}.enclaves[${i}]`);
        checkBytes(enclave.mr_enclave, 32, `${where}.enclaves[${i}].mr_enclave`);
        checkBytes(enclave.mr_signer, 32, `${where}.enclaves[${i}].mr_signer`);
    });
    assert.ok(Array.isArray(policy.endorsements), `${where}.endorsements`);
    policy.endorsements.forEach((e, i) => checkEndorsement(e, `${where}.endorsements[${i}]`));
}

function checkStringMap(value, valueKind, where) {
    for (const [k, v] of entriesOf(value, where)) {
        if (valueKind === 'string') assert.equal(typeof v, 'string', `${where}[${k}]`);
        else assert.ok(v instanceof Uint8Array, `${where}[${k}] is bytes`);
    }
}

test('the vector file is the one described', () => {
    assert.equal(VECTORS.vectors.length, VECTORS.count);
    assert.ok(VECTORS.count >= 12);
    for (const method of Object.keys(METHODS)) {
        assert.ok(VECTORS.vectors.some((v) => v.method === method), method);
    }
});

test('client-rt declares exactly the module fields for each method', () => {
    for (const [method, { iface, fields }] of Object.entries(METHODS)) {
        const declared = [...interfaceFields('client-rt', iface).names].sort();
        assert.deepEqual(declared, [...fields].sort(), `${method}: client-rt ${iface}`);
    }
});

test('fields known to be missing from the TypeScript types are still missing', () => {
    for (const [key, missing] of Object.entries(NOT_IN_TS)) {
        const [pkg, name] = key.split(':');
        for (const field of missing) {
            assert.ok(!interfaceFields(pkg, name).names.has(field), `${key} now declares ${field}: drop it from NOT_IN_TS`);
        }
    }
});

for (const vector of VECTORS.vectors) {
    test(`${vector.name} (${vector.method})`, () => {
        const spec = METHODS[vector.method];
        assert.ok(spec, `unknown method ${vector.method}`);
        const body = bytesOf(vector.cbor);
        const decoded = oasis.misc.fromCBOR(body);

        // Canonical per the official encoder: decoding and re-encoding is the identity.
        assert.equal(hex(oasis.misc.toCBOR(decoded)), hex(body), 'misc.toCBOR(misc.fromCBOR(cbor)) != cbor');

        // Exactly the module's fields, hence exactly client-rt's Rofl{Create,Update,Remove}.
        assert.deepEqual(Object.keys(decoded).sort(), [...spec.fields].sort());
        checkStruct(decoded, 'client-rt', spec.iface, vector.name);

        if ('id' in decoded) checkBytes(decoded.id, 21, 'id');
        if ('admin' in decoded && decoded.admin !== null) checkBytes(decoded.admin, 21, 'admin');
        if ('scheme' in decoded) {
            assert.ok([oasisRT.types.IdentifierScheme.CreatorRoundIndex, oasisRT.types.IdentifierScheme.CreatorNonce].includes(decoded.scheme));
        }
        if ('metadata' in decoded) checkStringMap(decoded.metadata, 'string', 'metadata');
        if ('secrets' in decoded) checkStringMap(decoded.secrets, 'bytes', 'secrets');
        if ('policy' in decoded) {
            checkPolicy(decoded.policy, 'policy');
            assert.ok(
                [oasisRT.types.FeePolicy.InstancePays, oasisRT.types.FeePolicy.EndorsingNodePays].includes(decoded.policy.fees),
                'policy.fees',
            );
        }
    });
}

test('the round trip has teeth: a non-canonical body is caught', () => {
    const remove = VECTORS.vectors.find((v) => v.method === oasisRT.rofl.METHOD_REMOVE);
    const canonical = bytesOf(remove.cbor);
    // a1 62 'id' 55 <21 bytes>: write the byte-string length 21 in the two-byte form 58 15.
    assert.equal(canonical[4], 0x55);
    const loose = oasis.misc.concat(canonical.slice(0, 4), new Uint8Array([0x58, 0x15]), canonical.slice(5));
    assert.notEqual(hex(oasis.misc.toCBOR(oasis.misc.fromCBOR(loose))), hex(loose));
    // Map keys out of canonical (length-first) order are caught too.
    const twoKeys = oasis.misc.fromHex('a262696400616101'); // {"id": 0, "a": 1}
    assert.equal(hex(oasis.misc.toCBOR(oasis.misc.fromCBOR(twoKeys))), '0xa2616101626964' + '00');
});
