//! The requests roflgov sends to the Safe Transaction Service for a fixed transaction, kept in
//! `test/vectors/tx_service_requests.json`. `tools/crosscheck/tx-service.test.js` has
//! `@safe-global/api-kit` 5.0.3 send the same calls to a capture server and compares path and
//! JSON body with these. Regenerate with `ROFLGOV_BLESS=1`.

use alloy::{
    primitives::{Address, B256, Bytes, U256, address},
    signers::local::PrivateKeySigner,
};
use roflgov_safe::{
    Operation, SafeTx, sign_safe_tx,
    tx_service::{
        ORIGIN, ProposeBody, ServiceTx, confirm_request, pending_request, propose_request,
        transaction_request,
    },
};
use roflgov_testkit::vectors;
use serde_json::json;

const VECTOR: &str = "tx_service_requests.json";
const CHAIN_ID: u64 = 23295;
const SAFE: Address = address!("0x5afe3855358e112b5647b952709e6165e1c1eeee");

fn key(n: u8) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&B256::with_last_byte(n)).unwrap()
}

fn tx() -> SafeTx {
    SafeTx {
        to: address!("0x9a676e781a523b5d0c0e43731313a708cb607508"),
        value: U256::from(1_500_000_000_000_000_000u128),
        data: Bytes::from(vec![0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]),
        operation: Operation::Call,
        safe_tx_gas: U256::from(21_000u64),
        base_gas: U256::ZERO,
        gas_price: U256::ZERO,
        gas_token: Address::ZERO,
        refund_receiver: Address::ZERO,
        nonce: U256::from(7u64),
    }
}

fn sample() -> String {
    let tx = tx();
    let hash = tx.safe_tx_hash(CHAIN_ID, SAFE);
    let (proposer, confirmer) = (key(1), key(2));
    let sig1 = Bytes::from(sign_safe_tx(&proposer, &tx, CHAIN_ID, SAFE).unwrap().packed().to_vec());
    let sig2 = Bytes::from(sign_safe_tx(&confirmer, &tx, CHAIN_ID, SAFE).unwrap().packed().to_vec());
    let body = ProposeBody::new(&tx, hash, proposer.address(), sig1.clone(), ORIGIN);
    let value = json!({
        "chainId": CHAIN_ID,
        "safe": SAFE.to_checksum(None),
        "safeTransactionData": {
            "to": tx.to.to_checksum(None),
            "value": tx.value.to_string(),
            "data": tx.data,
            "operation": 0,
            "safeTxGas": tx.safe_tx_gas.to_string(),
            "baseGas": "0",
            "gasPrice": "0",
            "gasToken": Address::ZERO.to_checksum(None),
            "refundReceiver": Address::ZERO.to_checksum(None),
            "nonce": 7,
        },
        "safeTxHash": hash,
        "sender": proposer.address().to_checksum(None),
        "senderSignature": sig1,
        "confirmer": confirmer.address().to_checksum(None),
        "confirmerSignature": sig2,
        "origin": ORIGIN,
        "pendingFromNonce": 7,
        "requests": {
            "propose": propose_request(SAFE, &body),
            "confirm": confirm_request(hash, &sig2),
            "transaction": transaction_request(hash),
            "pending": pending_request(SAFE, U256::from(7u64)),
        },
    });
    serde_json::to_string_pretty(&value).unwrap() + "\n"
}

#[test]
fn committed_vector_is_what_roflgov_sends() {
    vectors::assert_current(VECTOR, &sample(), "cargo test -p roflgov-safe --test it tx_service_vectors::");
}

#[test]
fn a_v2_answer_is_read_and_checked() {
    // What `SafeMultisigTransactionResponseSerializerV2` writes (strings for the v2 numbers, data
    // null when empty), for the vector's transaction with the second owner's confirmation.
    let tx = tx();
    let hash = tx.safe_tx_hash(CHAIN_ID, SAFE);
    let sig2 = Bytes::from(sign_safe_tx(&key(2), &tx, CHAIN_ID, SAFE).unwrap().packed().to_vec());
    let answer = json!({
        "safe": SAFE.to_checksum(None), "to": tx.to.to_checksum(None), "value": tx.value.to_string(),
        "data": tx.data, "operation": 0, "gasToken": Address::ZERO, "safeTxGas": "21000", "baseGas": "0",
        "gasPrice": "0", "refundReceiver": Address::ZERO, "nonce": "7", "safeTxHash": hash,
        "isExecuted": false, "trusted": true, "confirmationsRequired": 2,
        "confirmations": [{"owner": key(2).address(), "submissionDate": "2026-01-01T00:00:00Z",
            "transactionHash": null, "signature": sig2, "signatureType": "EOA"}],
    });
    let stx: ServiceTx = serde_json::from_value(answer).unwrap();
    let owners = [key(1).address(), key(2).address(), key(3).address()];
    let ok = stx.verify(hash, CHAIN_ID, SAFE, &owners, 2).unwrap();
    assert_eq!(ok.signers, vec![key(2).address()]);
    assert_eq!(ok.proposal.safe_tx_hash, hash);

    // Fields that do not hash to the stated hash.
    let mut tampered = stx.clone();
    tampered.value += U256::from(1u8);
    let err = tampered.verify(hash, CHAIN_ID, SAFE, &owners, 2).unwrap_err().to_string();
    assert!(err.contains("hash to"), "{err}");
    // A signature by someone who is not an owner.
    let err = stx.verify(hash, CHAIN_ID, SAFE, &owners[..1], 1).unwrap_err().to_string();
    assert!(err.contains("not from an owner"), "{err}");
    // A confirmation attributed to another owner than the one it recovers to.
    let mut misattributed = stx;
    misattributed.confirmations[0].owner = key(3).address();
    let err = misattributed.verify(hash, CHAIN_ID, SAFE, &owners, 2).unwrap_err().to_string();
    assert!(err.contains("recovers to"), "{err}");
}
