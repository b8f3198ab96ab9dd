'use strict';
// Cross-check of roflgov's roflmarket runtime queries (crates/types/src/query.rs
// `instance_query`/`provider_query`/`decode_market_*`, crates/client/src/oasis_node.rs
// `market_instance*`) against the official TypeScript client, with the vectors in
// test/vectors/grpc_market_query.json:
//  - requests: what @oasisprotocol/client 1.3.0 sends for client-rt's
//    `roflmarket.Wrapper(runtime).queryInstance()/queryInstances()/queryInstanceCommands()`,
//    caught by a stand-in XMLHttpRequest (as grpc.test.js does for rofl.App); the Rust side
//    checks it sends the same bodies (crates/devnet/tests/it/oasis_node.rs).
//  - responses: Instance, Instance list and QueuedCommand list values typed with client-rt's
//    `RoflmarketInstance`/`RoflmarketQueuedCommand` and encoded with @oasisprotocol/client's
//    canonical CBOR; the Rust side decodes them to the `expected` values, and the npm client
//    reads the same reply bodies.
// Regenerate with `UPDATE_VECTORS=1 node --test tools/crosscheck/grpc-market.test.js`.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const oasis = require('@oasisprotocol/client');
const oasisRT = require('@oasisprotocol/client-rt');

const FILE = path.join(__dirname, '../../test/vectors/grpc_market_query.json');
const hex = (u8) => oasis.misc.toHex(u8);
const fromHex = (h) => oasis.misc.fromHex(h);
const bytes = (n, fill) => new Uint8Array(n).fill(fill);
const id8 = (n) => {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, BigInt(n));
    return out;
};

// Sapphire Testnet (oasis-sdk client-sdk/go/config/default.go).
const RUNTIME_ID = '000000000000000000000000000000000000000000000000a6d1e3ebf60dff6c';
const APP_ID = '00' + '11'.repeat(20);
const PROVIDER = '00' + '22'.repeat(20);
const ADMIN = '00' + '70739eb50e269f1f1eb27c6f8932f63389b1cb63';
const CREATOR = '00' + '33'.repeat(20);
const MANIFEST_HASH = '44'.repeat(32);

/** @type {oasisRT.types.RoflmarketInstance} */
const INSTANCE = {
    provider: fromHex(PROVIDER),
    id: id8(7),
    offer: id8(3),
    status: oasisRT.types.RoflmarketInstanceStatus.ACCEPTED,
    creator: fromHex(CREATOR),
    admin: fromHex(ADMIN),
    node_id: bytes(32, 0x0d),
    metadata: { 'net.oasis.scheduler.rak': 'abc' },
    resources: { tee: oasisRT.types.RoflmarketTeeType.TDX, memory: 4096, cpus: 2, storage: 20000 },
    deployment: {
        app_id: fromHex(APP_ID),
        manifest_hash: fromHex(MANIFEST_HASH),
        metadata: { 'net.oasis.deployment.orc.ref': 'rofl.sh/talos:1.1.0' },
    },
    created_at: 1_760_000_000,
    updated_at: 1_760_000_100,
    paid_from: 1_760_000_000,
    paid_until: 1_762_592_000,
    payment: {
        native: {
            denomination: new Uint8Array(),
            terms: new Map([
                [oasisRT.types.RoflmarketTerm.HOUR, oasis.quantity.fromBigInt(10n ** 18n)],
                [oasisRT.types.RoflmarketTerm.MONTH, oasis.quantity.fromBigInt(500n * 10n ** 18n)],
            ]),
        },
    },
    payment_address: bytes(20, 0x55),
    refund_data: new Uint8Array(),
    cmd_next_id: id8(5),
    cmd_count: 2,
};
/** A pending machine: no node, no deployment, paid through an EVM contract, with a GPU. */
const PENDING = {
    ...INSTANCE,
    id: id8(8),
    status: oasisRT.types.RoflmarketInstanceStatus.CREATED,
    resources: { ...INSTANCE.resources, gpu: { model: 'h100', count: 1 } },
    payment: { evm: { address: bytes(20, 0x66), data: fromHex('c0ffee') } },
    cmd_next_id: id8(0),
    cmd_count: 0,
};
delete PENDING.node_id;
delete PENDING.deployment;
/** @type {oasisRT.types.RoflmarketQueuedCommand[]} */
const COMMANDS = [
    { id: id8(3), cmd: oasis.misc.toCBOR({ method: 'Deploy', args: { wipe_storage: false } }) },
    { id: id8(4), cmd: fromHex('a0') },
];

const expectInstance = (i) => ({
    provider: hex(i.provider),
    id: Number(new DataView(i.id.buffer).getBigUint64(0)),
    status: ['created', 'accepted', 'cancelled'][i.status],
    admin: hex(i.admin),
    node_id: i.node_id ? hex(i.node_id) : null,
    app_id: i.deployment ? hex(i.deployment.app_id) : null,
    manifest_hash: i.deployment ? hex(i.deployment.manifest_hash) : null,
    paid_until: i.paid_until,
    cmd_next_id: Number(new DataView(i.cmd_next_id.buffer).getBigUint64(0)),
    cmd_count: i.cmd_count,
});
const EXPECTED = {
    instance: expectInstance(INSTANCE),
    instances: [INSTANCE, PENDING].map(expectInstance),
    commands: COMMANDS.map((c) => ({ id: Number(new DataView(c.id.buffer).getBigUint64(0)), cmd: hex(c.cmd) })),
};

function frame(flag, payload) {
    const out = new Uint8Array(5 + payload.length);
    out[0] = flag;
    new DataView(out.buffer).setUint32(1, payload.length);
    out.set(payload, 5);
    return out;
}
function okBody(data) {
    const message = frame(0x00, oasis.misc.toCBOR({ data }));
    const trailers = frame(0x80, new TextEncoder().encode('grpc-status:0\r\ngrpc-message:\r\n'));
    return Buffer.concat([message, trailers]).toString('base64');
}

// A stand-in XMLHttpRequest (goog.net.XhrIo inside grpc-web uses it), as in grpc.test.js.
function installXhr(body) {
    const sent = [];
    globalThis.XMLHttpRequest = class {
        constructor() {
            this.readyState = 0;
            this.headers = {};
        }
        open(method, url) {
            this.method = method;
            this.url = url;
            this.readyState = 1;
        }
        setRequestHeader(name, value) {
            this.headers[name.toLowerCase()] = value;
        }
        send(requestBody) {
            sent.push({ method: this.method, url: this.url, headers: { ...this.headers }, body: requestBody });
            setImmediate(() => {
                this.status = 200;
                this.responseText = body;
                this.readyState = 3;
                if (this.onreadystatechange) this.onreadystatechange();
                this.readyState = 4;
                if (this.onreadystatechange) this.onreadystatechange();
            });
        }
        getResponseHeader(name) {
            return name.toLowerCase() === 'content-type' ? 'application/grpc-web-text' : null;
        }
        getAllResponseHeaders() {
            return 'content-type: application/grpc-web-text\r\n';
        }
        abort() {}
    };
    return sent;
}

test('roflmarket queries: request bytes and answers as the npm client has them', async () => {
    const vectors = {
        description:
            'roflmarket runtime queries as @oasisprotocol/client 1.3.0 sends them and answers typed with client-rt; made by tools/crosscheck/grpc-market.test.js',
        runtime_id: RUNTIME_ID,
        provider: PROVIDER,
        instance_id: 7,
        request: {},
        responses: {
            instance_data: hex(oasis.misc.toCBOR(INSTANCE)),
            instances_data: hex(oasis.misc.toCBOR([INSTANCE, PENDING])),
            commands_data: hex(oasis.misc.toCBOR(COMMANDS)),
        },
        expected: EXPECTED,
    };
    const instanceArgs = { provider: fromHex(PROVIDER), id: id8(7) };
    for (const [name, method, args, data, call] of [
        ['instance', 'roflmarket.Instance', instanceArgs, INSTANCE, (m) => m.queryInstance()],
        ['instances', 'roflmarket.Instances', { provider: fromHex(PROVIDER) }, [INSTANCE, PENDING], (m) => m.queryInstances()],
        ['commands', 'roflmarket.InstanceCommands', instanceArgs, COMMANDS, (m) => m.queryInstanceCommands()],
    ]) {
        const sent = installXhr(okBody(oasis.misc.toCBOR(data)));
        const nic = new oasis.client.NodeInternal('http://node.invalid:8544');
        const market = new oasisRT.roflmarket.Wrapper(fromHex(RUNTIME_ID));
        const result = await call(market).setArgs(args).query(nic);
        assert.equal(sent.length, 1);
        const [req] = sent;
        assert.equal(req.url, 'http://node.invalid:8544/oasis-core.RuntimeClient/Query');
        const message = oasis.misc.fromCBOR(Buffer.from(req.body, 'base64').subarray(5));
        assert.equal(message.method, method);
        assert.equal(hex(message.runtime_id), RUNTIME_ID);
        assert.deepEqual(oasis.misc.fromCBOR(message.args), args);
        vectors.request[name] = { method, body_text: req.body };
        // The npm client reads the reply the Rust test server serves back to the same value.
        assert.equal(hex(oasis.misc.toCBOR(result)), hex(oasis.misc.toCBOR(data)));
    }
    if (process.env.UPDATE_VECTORS) {
        fs.writeFileSync(FILE, JSON.stringify(vectors, null, 2) + '\n');
    }
    const committed = JSON.parse(fs.readFileSync(FILE, 'utf8'));
    assert.deepEqual(committed, JSON.parse(JSON.stringify(vectors)), 'test/vectors/grpc_market_query.json is stale');
});
