'use strict';
// Cross-check of roflgov's Sapphire signed queries (test/vectors/signed_queries.json, made by
// crates/core/tests/it/signed_query.rs from roflgov_core::sapphire) against the encoder of
// @oasisprotocol/sapphire-paratime.
//
// sapphire-paratime 2.x (2.3.0 is installed) no longer ships signed queries: they were built by
// clients/js/src/signed_calls.ts of the 1.x releases. This test re-runs that encoder step by
// step with the libraries it used: the EIP-712 parameters of `signedCallEIP712Params`, the
// signable call of `makeSignableCall`, ethers 5's `_TypedDataEncoder.hash` and
// `Wallet._signTypedData` (what `signCall` called), and `cborg.encode({data: {body}, leash,
// signature})` of `SignedCallDataPack.encode`, with the cborg release sapphire-paratime 2.3.0
// itself depends on (1.10.2). The runtime side (oasis-sdk runtime-sdk/modules/evm/src/
// signed_call.rs) is checked by the Rust test with oasis-sdk's own vector.
// Uses only committed data; run with `node --test tools/crosscheck/`.

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { Wallet, utils } = require('ethers');
const cborg = require(
    path.join(__dirname, '../../node_modules/@oasisprotocol/sapphire-paratime/node_modules/cborg'),
);

const VECTORS = require(path.join(__dirname, '../../test/vectors/signed_queries.json'));

// signed_calls.ts (1.x) `signedCallEIP712Params`.
function signedCallEIP712Params(chainId) {
    return {
        domain: { name: 'oasis-runtime-sdk/evm: signed query', version: '1.0.0', chainId },
        types: {
            Call: [
                { name: 'from', type: 'address' },
                { name: 'to', type: 'address' },
                { name: 'gasLimit', type: 'uint64' },
                { name: 'gasPrice', type: 'uint256' },
                { name: 'value', type: 'uint256' },
                { name: 'data', type: 'bytes' },
                { name: 'leash', type: 'Leash' },
            ],
            Leash: [
                { name: 'nonce', type: 'uint64' },
                { name: 'blockNumber', type: 'uint64' },
                { name: 'blockHash', type: 'bytes32' },
                { name: 'blockRange', type: 'uint64' },
            ],
        },
    };
}

// 1.x keeps leash numbers as JS numbers (safe below 2^53); BigInt encodes the same CBOR and
// also carries the vectors' values up to 2^64 - 1.
const leashOf = (v) => ({
    nonce: BigInt(v.leash_nonce),
    block_number: BigInt(v.leash_block_number),
    block_hash: utils.arrayify(v.leash_block_hash),
    block_range: BigInt(v.leash_block_range),
});

// signed_calls.ts (1.x) `makeSignableCall`, with uint64s as decimal strings for the same reason.
const signableCall = (v) => ({
    from: v.from,
    to: v.to,
    gasLimit: v.gas_limit,
    gasPrice: v.gas_price,
    value: v.value,
    data: utils.hexlify(utils.arrayify(v.data)),
    leash: {
        nonce: v.leash_nonce,
        blockNumber: v.leash_block_number,
        blockHash: v.leash_block_hash,
        blockRange: v.leash_block_range,
    },
});

test('the vectors are there', () => {
    assert.ok(VECTORS.length >= 9);
});

for (const [i, v] of VECTORS.entries()) {
    test(`signed query ${i}: signing hash and data pack equal sapphire-paratime's`, async () => {
        const wallet = new Wallet(v.key);
        assert.equal(wallet.address.toLowerCase(), v.from.toLowerCase());
        const { domain, types } = signedCallEIP712Params(v.chain_id);
        const call = signableCall(v);
        assert.equal(utils._TypedDataEncoder.hash(domain, types, call), v.signing_hash);
        const signature = utils.arrayify(await wallet._signTypedData(domain, types, call));
        const data = utils.arrayify(v.data);
        const pack = cborg.encode({ data: { body: data }, leash: leashOf(v), signature });
        assert.equal(utils.hexlify(pack), v.pack);
    });
}
