'use strict';
// Cross-check of roflgov's roflmarket bodies and scheduler commands
// (test/vectors/roflmarket_bodies.json, made by crates/types/tests/it/market_vectors.rs) against the
// official TypeScript client:
//  - bodies: the value is rebuilt from the vector's plain `fields` as the @oasisprotocol/client-rt
//    1.3.0 type (RoflmarketInstanceCreate, ...; every key checked against the published .d.ts),
//    put into a transaction by client-rt's own roflmarket.Wrapper (which also names the method),
//    and encoded with @oasisprotocol/client's canonical CBOR (misc.toCBOR): the bytes must equal
//    roflgov's;
//  - scheduler commands: client-rt 1.3.0 has no type for them (its Wrapper only links to
//    oasis-sdk rofl-scheduler/src/types.rs), so the command is built from that type definition
//    (Command {method, args}, DeployRequest {deployment, wipe_storage},
//    Restart/TerminateRequest {wipe_storage}) and encoded with misc.toCBOR; `deployment` is
//    still checked against client-rt's RoflmarketDeployment.
// Uses only committed data; run with `node --test tools/crosscheck/`.

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const oasis = require('@oasisprotocol/client');
const oasisRT = require('@oasisprotocol/client-rt');
const { interfaceFields } = require('./types-dts');

const VECTORS = require(path.join(__dirname, '../../test/vectors/roflmarket_bodies.json'));

const hex = (u8) => oasis.misc.toHex(u8);
const bytes = (text) => oasis.misc.fromHex(text);

/** Keys of `value` are fields of client-rt interface `name`, and every required one is there. */
function checkShape(value, name, where) {
    const { fields, names } = interfaceFields('client-rt', name);
    for (const key of Object.keys(value)) assert.ok(names.has(key), `${where}: ${key} is not a field of ${name}`);
    for (const field of fields) {
        if (!field.optional) assert.ok(field.name in value, `${where}: required ${name}.${field.name} missing`);
    }
    return value;
}

function deployment(fields, where) {
    return checkShape(
        {
            app_id: bytes(fields.app_id),
            manifest_hash: bytes(fields.manifest_hash),
            metadata: fields.metadata,
        },
        'RoflmarketDeployment',
        where,
    );
}

/** A scheduler command as oasis-sdk rofl-scheduler/src/types.rs defines it. */
function command(fields, where) {
    let args;
    if (fields.method === 'Deploy') {
        args = { deployment: deployment(fields.deployment, `${where}.deployment`), wipe_storage: fields.wipe_storage };
    } else if (fields.method === 'Restart' || fields.method === 'Terminate') {
        args = { wipe_storage: fields.wipe_storage };
    } else {
        assert.fail(`${where}: unknown command ${fields.method}`);
    }
    assert.equal(typeof fields.wipe_storage, 'boolean', `${where}.wipe_storage`);
    return oasis.misc.toCBOR({ method: fields.method, args });
}

const BODIES = {
    [oasisRT.roflmarket.METHOD_INSTANCE_CREATE]: {
        iface: 'RoflmarketInstanceCreate',
        wrap: (w) => w.callInstanceCreate(),
        build: (f, where) => {
            const body = { provider: bytes(f.provider), offer: bytes(f.offer), term: f.term, term_count: f.term_count };
            if (f.admin !== undefined) body.admin = bytes(f.admin);
            if (f.deployment !== undefined) body.deployment = deployment(f.deployment, `${where}.deployment`);
            return body;
        },
    },
    [oasisRT.roflmarket.METHOD_INSTANCE_TOP_UP]: {
        iface: 'RoflmarketInstanceTopUp',
        wrap: (w) => w.callInstanceTopUp(),
        build: (f) => ({ provider: bytes(f.provider), id: bytes(f.id), term: f.term, term_count: f.term_count }),
    },
    [oasisRT.roflmarket.METHOD_INSTANCE_EXECUTE_CMDS]: {
        iface: 'RoflmarketInstanceExecuteCmds',
        wrap: (w) => w.callInstanceExecuteCmds(),
        build: (f, where) => ({
            provider: bytes(f.provider),
            id: bytes(f.id),
            cmds: f.cmds.map((c, i) => command(c, `${where}.cmds[${i}]`)),
        }),
    },
    [oasisRT.roflmarket.METHOD_INSTANCE_CHANGE_ADMIN]: {
        iface: 'RoflmarketInstanceChangeAdmin',
        wrap: (w) => w.callInstanceChangeAdmin(),
        build: (f) => ({ provider: bytes(f.provider), id: bytes(f.id), admin: bytes(f.admin) }),
    },
    [oasisRT.roflmarket.METHOD_INSTANCE_CANCEL]: {
        iface: 'RoflmarketInstanceCancel',
        wrap: (w) => w.callInstanceCancel(),
        build: (f) => ({ provider: bytes(f.provider), id: bytes(f.id) }),
    },
};

test('the vector file covers every body and command', () => {
    const methods = new Set(VECTORS.calls.map((v) => v.method));
    for (const method of Object.keys(BODIES)) assert.ok(methods.has(method), method);
    const commands = new Set(VECTORS.commands.map((v) => v.fields.method));
    for (const name of ['Deploy', 'Restart', 'Terminate']) assert.ok(commands.has(name), name);
    assert.ok(VECTORS.commands.some((v) => v.fields.wipe_storage === true));
});

for (const vector of VECTORS.calls) {
    test(`body ${vector.name}: client-rt encodes the same bytes`, () => {
        const spec = BODIES[vector.method];
        assert.ok(spec, `no client-rt wrapper for ${vector.method}`);
        const body = checkShape(spec.build(vector.fields, vector.name), spec.iface, vector.name);
        const tx = spec.wrap(new oasisRT.roflmarket.Wrapper(new Uint8Array(32))).setBody(body);
        assert.equal(tx.transaction.call.method, vector.method);
        assert.equal(hex(oasis.misc.toCBOR(tx.transaction.call.body)), vector.cbor);
    });
}

for (const vector of VECTORS.commands) {
    test(`command ${vector.name}: the type definition encodes the same bytes`, () => {
        assert.equal(hex(command(vector.fields, vector.name)), vector.cbor);
    });
}
