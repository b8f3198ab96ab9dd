'use strict';
// Cross-check of roflgov's runtime queries (crates/types/src/query.rs, crates/client/src/oasis_node.rs)
// against the official TypeScript client, with the vectors in test/vectors/grpc_query.json:
//  - request: what @oasisprotocol/client 1.3.0 really sends for client-rt's
//    `rofl.Wrapper(runtime).queryApp().setArgs({id}).query(nic)` (and queryAppInstances), caught
//    by a stand-in XMLHttpRequest: URL path, headers, grpc-web-text body. The Rust side checks it
//    produces the same body (crates/devnet/tests/it/oasis_node.rs).
//  - responses: an AppConfig and a Registration list built with client-rt's types and encoded
//    with @oasisprotocol/client's canonical CBOR, and an oasis-core error status built with the
//    package's own google.rpc.Status protobuf; the Rust side parses them to the `expected` values.
//    The npm client itself reads the gRPC-web reply bodies the Rust test server serves (built
//    here the same way), so the test server speaks what the real client understands.
// Regenerate the vectors with `UPDATE_VECTORS=1 node --test tools/crosscheck/grpc.test.js`.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const oasis = require('@oasisprotocol/client');
const oasisRT = require('@oasisprotocol/client-rt');
const proto = require('@oasisprotocol/client/proto');
const protobuf = require('protobufjs/minimal');

const FILE = path.join(__dirname, '../../test/vectors/grpc_query.json');
const hex = (u8) => oasis.misc.toHex(u8);
const fromHex = (h) => oasis.misc.fromHex(h);
const bytes = (n, fill) => new Uint8Array(n).fill(fill);

// Sapphire Testnet (oasis-sdk client-sdk/go/config/default.go).
const RUNTIME_ID = '000000000000000000000000000000000000000000000000a6d1e3ebf60dff6c';
// A fixed app id: version 0 then 20 bytes.
const APP_ID = '00' + '11'.repeat(20);
const ADMIN = '00' + '70739eb50e269f1f1eb27c6f8932f63389b1cb63';

// ---- the values the responses carry (also written to the vector file as `expected`) ----
const IDENTITY = { mr_enclave: bytes(32, 0xaa), mr_signer: bytes(32, 0) };
/** @type {oasisRT.types.RoflAppConfig} */
const APP_CONFIG = {
    id: fromHex(APP_ID),
    policy: {
        quotes: {
            ias: null,
            pcs: { tcb_validity_period: 30, min_tcb_evaluation_data_number: 18, tdx: { allowed_tdx_modules: [] } },
        },
        enclaves: [IDENTITY],
        endorsements: [{ any: new Map() }],
        fees: 2,
        max_expiration: 3,
    },
    admin: fromHex(ADMIN),
    stake: [oasis.quantity.fromBigInt(100n * 10n ** 18n), new Uint8Array()],
    metadata: { 'net.oasis.rofl.name': 'talos', 'net.oasis.rofl.version': '1.1.0' },
    secrets: { TOKEN: fromHex('deadbeef') },
    sek: bytes(32, 0x5e),
};
/** @type {oasisRT.types.RoflRegistration[]} */
const REGISTRATIONS = [
    {
        app: fromHex(APP_ID),
        node_id: bytes(32, 1),
        entity_id: bytes(32, 2),
        rak: bytes(32, 3),
        rek: bytes(32, 4),
        expiration: 1234,
        extra_keys: [{ secp256k1: fromHex('02' + '33'.repeat(32)) }],
        metadata: { 'net.oasis.instance': 'a' },
    },
    {
        app: fromHex(APP_ID),
        node_id: bytes(32, 5),
        entity_id: null,
        rak: bytes(32, 6),
        rek: bytes(32, 7),
        expiration: 1236,
        extra_keys: [],
    },
];
const EXPECTED = {
    app: {
        id: APP_ID,
        admin: ADMIN,
        stake: (100n * 10n ** 18n).toString(),
        metadata: APP_CONFIG.metadata,
        secrets: { TOKEN: 'deadbeef' },
        sek: hex(APP_CONFIG.sek),
        enclaves: [{ mr_enclave: hex(IDENTITY.mr_enclave), mr_signer: hex(IDENTITY.mr_signer) }],
        max_expiration: 3,
    },
    instances: REGISTRATIONS.map((r) => ({
        rak: hex(r.rak),
        node_id: hex(r.node_id),
        entity_id: r.entity_id ? hex(r.entity_id) : null,
        expiration: r.expiration,
        extra_keys: r.extra_keys.map((k) => hex(k.secp256k1)),
        metadata: r.metadata || {},
    })),
};
// An oasis-core error as a node sends it: the rofl module's "unknown app" (code 2).
const ERROR = { module: 'rofl', code: 2, message: 'rofl: app not found <"x">' };

// ---- gRPC-web framing, as the grpc-web package reads it ----
function frame(flag, payload) {
    const out = new Uint8Array(5 + payload.length);
    out[0] = flag;
    new DataView(out.buffer).setUint32(1, payload.length);
    out.set(payload, 5);
    return out;
}
const concat = (...parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
        out.set(p, at);
        at += p.length;
    }
    return out;
};
const b64 = (u8) => Buffer.from(u8).toString('base64');
function okBody(data) {
    const message = oasis.misc.toCBOR({ data });
    const trailers = new TextEncoder().encode('grpc-status:0\r\ngrpc-message:\r\n');
    return b64(concat(frame(0x00, message), frame(0x80, trailers)));
}
// google.rpc.Status {code, message, details: [Any {value: CBOR {module, code}}]} written with
// protobufjs (what the package's generated decoder reads; it has no encoder), checked by decoding
// it back with the package's own google.rpc.Status.
function statusDetails(err) {
    const w = protobuf.Writer.create();
    w.uint32((1 << 3) | 0).int32(2);
    w.uint32((2 << 3) | 2).string(err.message);
    w.uint32((3 << 3) | 2).fork();
    w.uint32((2 << 3) | 2).bytes(oasis.misc.toCBOR({ module: err.module, code: err.code }));
    w.ldelim();
    const encoded = w.finish();
    const decoded = proto.google.rpc.Status.decode(encoded);
    assert.equal(decoded.details.length, 1);
    assert.deepEqual(oasis.misc.fromCBOR(decoded.details[0].value), { module: err.module, code: err.code });
    return b64(encoded);
}

// ---- a stand-in XMLHttpRequest (goog.net.XhrIo inside grpc-web uses it) ----
function installXhr(reply) {
    const sent = [];
    class FakeXhr {
        constructor() {
            this.readyState = 0;
            this.status = 0;
            this.headers = {};
            this.responseText = '';
            this.onreadystatechange = null;
        }
        open(method, url) {
            this.method = method;
            this.url = url;
            this.readyState = 1;
        }
        setRequestHeader(name, value) {
            this.headers[name.toLowerCase()] = value;
        }
        send(body) {
            sent.push({ method: this.method, url: this.url, headers: { ...this.headers }, body });
            const r = reply();
            setImmediate(() => {
                this.status = r.status;
                this.responseHeaders = r.headers;
                this.responseText = r.body;
                this.readyState = 3;
                if (this.onreadystatechange) this.onreadystatechange();
                this.readyState = 4;
                if (this.onreadystatechange) this.onreadystatechange();
            });
        }
        getResponseHeader(name) {
            const key = Object.keys(this.responseHeaders).find((k) => k.toLowerCase() === name.toLowerCase());
            return key === undefined ? null : this.responseHeaders[key];
        }
        getAllResponseHeaders() {
            return Object.entries(this.responseHeaders)
                .map(([k, v]) => `${k}: ${v}\r\n`)
                .join('');
        }
        abort() {}
    }
    globalThis.XMLHttpRequest = FakeXhr;
    return sent;
}

const TEXT = { 'content-type': 'application/grpc-web-text' };

async function run(reply, fn) {
    const sent = installXhr(reply);
    const nic = new oasis.client.NodeInternal('http://node.invalid:8544');
    const rofl = new oasisRT.rofl.Wrapper(fromHex(RUNTIME_ID));
    try {
        return { result: await fn(rofl, nic), sent };
    } catch (error) {
        return { error, sent };
    }
}

function buildVectors() {
    return {
        description:
            'Runtime queries as @oasisprotocol/client 1.3.0 sends them and rofl answers it parses; made by tools/crosscheck/grpc.test.js',
        runtime_id: RUNTIME_ID,
        app_id: APP_ID,
        request: {},
        responses: {
            app_data: hex(oasis.misc.toCBOR(APP_CONFIG)),
            instances_data: hex(oasis.misc.toCBOR(REGISTRATIONS)),
            app_body_text: okBody(oasis.misc.toCBOR(APP_CONFIG)),
            instances_body_text: okBody(oasis.misc.toCBOR(REGISTRATIONS)),
            error: { ...ERROR, status_details_bin: statusDetails(ERROR) },
        },
        expected: EXPECTED,
    };
}

test('requests: what the npm client sends, and the vector file holds', async () => {
    const vectors = buildVectors();
    for (const [name, method, call] of [
        ['app', 'rofl.App', (rofl, nic) => rofl.queryApp().setArgs({ id: fromHex(APP_ID) }).query(nic)],
        [
            'instances',
            'rofl.AppInstances',
            (rofl, nic) => rofl.queryAppInstances().setArgs({ id: fromHex(APP_ID) }).query(nic),
        ],
    ]) {
        const body = name === 'app' ? vectors.responses.app_body_text : vectors.responses.instances_body_text;
        const { result, error, sent } = await run(() => ({ status: 200, headers: TEXT, body }), call);
        assert.equal(error, undefined, String(error));
        assert.equal(sent.length, 1);
        const [req] = sent;
        assert.equal(req.method, 'POST');
        assert.equal(req.url, 'http://node.invalid:8544/oasis-core.RuntimeClient/Query');
        assert.equal(req.headers['content-type'], 'application/grpc-web-text');
        assert.equal(req.headers['x-grpc-web'], '1');
        // The body decodes to the request the wrapper built: runtime id, latest round, method, args.
        const raw = Buffer.from(req.body, 'base64');
        assert.equal(raw[0], 0);
        const message = oasis.misc.fromCBOR(raw.subarray(5));
        assert.equal(hex(message.runtime_id), RUNTIME_ID);
        assert.equal(BigInt(message.round), oasis.runtime.CLIENT_ROUND_LATEST);
        assert.equal(message.method, method);
        assert.deepEqual(oasis.misc.fromCBOR(message.args), { id: fromHex(APP_ID) });
        vectors.request[name] = { method, path: '/oasis-core.RuntimeClient/Query', body_text: req.body };
        // And the npm client reads the reply body the Rust test server serves.
        if (name === 'app') {
            assert.equal(hex(result.sek), hex(APP_CONFIG.sek));
            assert.deepEqual(result.metadata, APP_CONFIG.metadata);
        } else {
            assert.equal(result.length, 2);
            assert.equal(result[1].entity_id, null);
        }
    }
    if (process.env.UPDATE_VECTORS) {
        fs.writeFileSync(FILE, JSON.stringify(vectors, null, 2) + '\n');
    }
    const committed = JSON.parse(fs.readFileSync(FILE, 'utf8'));
    assert.deepEqual(committed, JSON.parse(JSON.stringify(vectors)), 'test/vectors/grpc_query.json is stale');
});

test('errors: the npm client reads the status the Rust test server sends', async () => {
    const vectors = buildVectors();
    const headers = {
        ...TEXT,
        'grpc-status': '2',
        'grpc-message': encodeURIComponent(ERROR.message),
        'grpc-status-details-bin': vectors.responses.error.status_details_bin,
    };
    const { error } = await run(
        () => ({ status: 200, headers, body: '' }),
        (rofl, nic) => rofl.queryApp().setArgs({ id: fromHex(APP_ID) }).query(nic),
    );
    assert.ok(error instanceof oasis.client.OasisCodedError, String(error));
    assert.equal(error.oasisModule, 'rofl');
    assert.equal(error.oasisCode, oasisRT.rofl.ERR_UNKNOWN_APP_CODE);
    assert.match(error.message, /app not found/);
});
