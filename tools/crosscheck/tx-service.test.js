'use strict';
// Cross-check of roflgov's Safe Transaction Service client (crates/safe/src/tx_service.rs)
// against Safe's own client, @safe-global/api-kit 5.0.3 (what Safe{Wallet} and the Safe SDK use).
//
// test/vectors/tx_service_requests.json (written by crates/safe/tests/it/tx_service_vectors.rs)
// holds a fixed SafeTx, its hash and two owners' signatures as roflgov makes them, and the
// requests roflgov sends for it. Here api-kit's proposeTransaction, confirmTransaction,
// getTransaction and getPendingTransactions send the same calls to a capture server on
// 127.0.0.1; method, path (with query) and JSON body must equal roflgov's.
// The vector's hash and signatures are also checked independently: protocol-kit's
// calculateSafeTransactionHash (Safe 1.4.1 EIP-712) and viem's recoverAddress.
// Uses only committed data; run with `node --test tools/crosscheck/`.

const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const path = require('node:path');
const SafeApiKit = require('@safe-global/api-kit').default;
const protocolKit = require('@safe-global/protocol-kit');
const { recoverAddress } = require('viem');

const V = require(path.join(__dirname, '../../test/vectors/tx_service_requests.json'));

/** Serves every request with `answer` and records {method, path, body}. */
async function captureServer(answer) {
    const seen = [];
    const server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
            seen.push({ method: req.method, path: req.url, body: body ? JSON.parse(body) : undefined });
            const text = JSON.stringify(answer(req));
            res.writeHead(req.method === 'POST' ? 201 : 200, { 'Content-Type': 'application/json' });
            res.end(text);
        });
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    return { seen, server, url: `http://127.0.0.1:${server.address().port}/api` };
}

/** The request as roflgov's vector has it, path relative to the `/api` root. */
function roflgov(name) {
    const r = V.requests[name];
    return r.body === undefined
        ? { method: r.method, path: '/api' + r.path }
        : { method: r.method, path: '/api' + r.path, body: r.body };
}

test('the vector hash is the Safe 1.4.1 EIP-712 hash and its signatures recover to the owners', async () => {
    const hash = protocolKit.calculateSafeTransactionHash(V.safe, V.safeTransactionData, '1.4.1', BigInt(V.chainId));
    assert.equal(hash, V.safeTxHash);
    assert.equal((await recoverAddress({ hash, signature: V.senderSignature })).toLowerCase(), V.sender.toLowerCase());
    assert.equal(
        (await recoverAddress({ hash, signature: V.confirmerSignature })).toLowerCase(),
        V.confirmer.toLowerCase(),
    );
});

test('api-kit sends what roflgov sends', async () => {
    const { seen, server, url } = await captureServer((req) =>
        req.url.includes('nonce__gte') ? { count: 0, next: null, previous: null, results: [] } : {},
    );
    try {
        const kit = new SafeApiKit({ chainId: BigInt(V.chainId), txServiceUrl: url });
        await kit.proposeTransaction({
            safeAddress: V.safe,
            safeTransactionData: V.safeTransactionData,
            safeTxHash: V.safeTxHash,
            senderAddress: V.sender,
            senderSignature: V.senderSignature,
            origin: V.origin,
        });
        await kit.confirmTransaction(V.safeTxHash, V.confirmerSignature);
        await kit.getTransaction(V.safeTxHash);
        await kit.getPendingTransactions(V.safe, { currentNonce: V.pendingFromNonce });
        assert.equal(seen.length, 4);
        assert.deepEqual(seen[0], roflgov('propose'));
        assert.deepEqual(seen[1], roflgov('confirm'));
        assert.deepEqual({ method: seen[2].method, path: seen[2].path }, roflgov('transaction'));
        assert.deepEqual({ method: seen[3].method, path: seen[3].path }, roflgov('pending'));
    } finally {
        server.close();
    }
});
