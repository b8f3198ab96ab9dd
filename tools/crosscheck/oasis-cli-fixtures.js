'use strict';
// Writes fixtures/oasis-cli/: what the Oasis CLI writes for `oasis rofl update --unsigned`, built
// here with the official TypeScript client's CBOR (@oasisprotocol/client misc.toCBOR) and
// node's own ABI-free encoding, following the CLI's source line by line:
//  - `--format cbor`: cmd/common/transaction.go ExportTransaction, `case formatCBOR: data =
//    cbor.Marshal(sigTx)`: the whole unsigned types.Transaction (oasis-sdk
//    client-sdk/go/types/transaction.go: Transaction{Versioned v, Call `call`, AuthInfo `ai`},
//    Call{format omitempty, method, body RawMessage, ro omitempty}, AuthInfo{si, fee}).
//  - `--format safe`: cmd/common/safe.go exportSafe (lines 48-89): version "1.0", chainId
//    "23294" (Sapphire Mainnet), createdAt (ms), meta {name: method, description: "Oasis
//    CLI-generated Subcall wrapping '<method>' for proposal via Safe."}, one transaction
//    {to: "0x0100000000000000000000000000000000000103", value: "0", data:
//    abi.encode(string method, bytes body), contractMethod: null, contractInputsValues: null},
//    json.MarshalIndent(batch, "", "  "), no trailing newline, no meta.checksum.
// The body is the Talos mainnet rofl.Update of test/vectors/rofl_cbor.json. Run by hand:
//   node tools/crosscheck/oasis-cli-fixtures.js

const fs = require('node:fs');
const path = require('node:path');
const oasis = require('@oasisprotocol/client');

const VECTORS = require(path.join(__dirname, '../../test/vectors/rofl_cbor.json'));
const OUT = path.join(__dirname, '../../fixtures/oasis-cli');
const vector = VECTORS.vectors.find((v) => v.name === 'talos_mainnet_update');
const body = oasis.misc.fromHex(vector.cbor.replace(/^0x/, ''));

// The unsigned transaction: the body is embedded as a CBOR item (cbor.RawMessage).
const tx = {
    v: 1,
    call: { method: vector.method, body: oasis.misc.fromCBOR(body) },
    ai: {
        si: [{ address_spec: { signature: { secp256k1eth: new Uint8Array(33).fill(2) } }, nonce: 42 }],
        fee: { amount: [new Uint8Array([0x01, 0x86, 0xa0]), new Uint8Array()], gas: 130000 },
    },
};
fs.writeFileSync(path.join(OUT, 'talos-update.unsigned.cbor'), oasis.misc.toCBOR(tx));

// abi.encode(string, bytes): two offsets, then each as length ‖ data padded to 32 bytes.
function word(n) {
    const out = new Uint8Array(32);
    new DataView(out.buffer).setBigUint64(24, BigInt(n), false);
    return out;
}
function padded(bytes) {
    const out = new Uint8Array(Math.ceil(bytes.length / 32) * 32);
    out.set(bytes);
    return out;
}
const method = new TextEncoder().encode(vector.method);
const head = oasis.misc.concat(word(64), word(64 + 32 + padded(method).length));
const calldata = oasis.misc.concat(head, word(method.length), padded(method), word(body.length), padded(body));
const batch = {
    version: '1.0',
    chainId: '23294',
    createdAt: 1767225600000,
    meta: {
        name: vector.method,
        description: `Oasis CLI-generated Subcall wrapping '${vector.method}' for proposal via Safe.`,
    },
    transactions: [
        {
            to: '0x0100000000000000000000000000000000000103',
            value: '0',
            data: '0x' + oasis.misc.toHex(calldata),
            contractMethod: null,
            contractInputsValues: null,
        },
    ],
};
fs.writeFileSync(path.join(OUT, 'talos-update.safe.json'), JSON.stringify(batch, null, 2));
console.log(`wrote ${OUT}`);
