//! The signer's firewall oracle: its own reading of what a transaction does, saying when the
//! firewall must never answer ok. Shared by roflgov-core's property test
//! (`crates/core/tests/it/firewall_fuzz.rs`) and the `firewall` fuzz target
//! (`fuzz/fuzz_targets/firewall.rs`), so that both check the same rule.
//!
//! The rule ("when in doubt, not ok"): a transaction holding a call the engine cannot fully
//! understand — a target that is neither the policy contract nor the subcall precompile,
//! calldata that does not decode, a DELEGATECALL to anything but the canonical
//! MultiSendCallOnly, value other than `createApp`'s stake — or setting refund fields, or
//! reusing a nonce, never gets ok. The oracle reads a MultiSend batch with its own parser (the
//! packed format of Safe v1.4.1's `MultiSendCallOnly.sol`: operation u8, to 20 bytes, value
//! u256, length u256, data); calldata decoding is the library's (`decode_calldata`,
//! `decode_subcall`, `cbor::decode_call`), so what is tested is how the engine puts the verdict
//! together.

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::SolCall;
use roflgov_contracts::safe::MULTI_SEND_CALL_ONLY;
use roflgov_core::{
    rofl::{
        CREATE_STAKE, DecodedCalldata, PolicyChange, decode_calldata,
        subcall::{SUBCALL_PRECOMPILE, decode_subcall},
    },
    safe_tx::{IMultiSendCallOnly, Operation, SafeCall, SafeTx},
};
use roflgov_types::cbor;

/// The chain state the oracle judges against.
#[derive(Clone, Copy, Debug)]
pub struct Oracle {
    /// The policy contract.
    pub policy: Address,
    /// The Safe's current nonce (a lower one is a used nonce).
    pub nonce: u64,
}

impl Oracle {
    /// Whether the engine can fully understand `call` made by the executor: a policy-contract
    /// call that decodes, with no value but `createApp`'s stake, or a subcall whose body
    /// decodes, with no value.
    pub fn understood(&self, call: &SafeCall) -> bool {
        if call.to == self.policy {
            let Ok(decoded) = decode_calldata(&call.data) else { return false };
            let create = matches!(&decoded, DecodedCalldata::Change(c) if matches!(c.change, PolicyChange::CreateApp { .. }));
            call.value.is_zero() || (create && call.value == CREATE_STAKE)
        } else if call.to == SUBCALL_PRECOMPILE {
            call.value.is_zero()
                && decode_subcall(&call.data)
                    .is_ok_and(|input| cbor::decode_call(&input.method, &input.body).is_ok())
        } else {
            false
        }
    }

    /// Why the calls of a Governor proposal must not get ok, if they must not.
    pub fn calls_refusal(&self, calls: &[SafeCall]) -> Option<String> {
        calls.iter().find(|c| !self.understood(c)).map(|c| format!("call to {} not understood", c.to))
    }

    /// Why the Safe transaction `tx` must not get ok, if it must not.
    pub fn refusal(&self, tx: &SafeTx) -> Option<String> {
        if !tx.gas_price.is_zero()
            || !tx.base_gas.is_zero()
            || !tx.gas_token.is_zero()
            || !tx.refund_receiver.is_zero()
        {
            return Some("refund fields set".into());
        }
        if tx.nonce < U256::from(self.nonce) {
            return Some("used nonce".into());
        }
        let legs = match tx.operation {
            Operation::Call => vec![SafeCall::new(tx.to, tx.value, tx.data.clone())],
            Operation::DelegateCall => {
                if tx.to != MULTI_SEND_CALL_ONLY.address {
                    return Some(format!("DELEGATECALL to {}", tx.to));
                }
                if !tx.value.is_zero() {
                    return Some("value on the MultiSend DELEGATECALL".into());
                }
                let Ok(call) = IMultiSendCallOnly::multiSendCall::abi_decode(&tx.data) else {
                    return Some("multiSend calldata does not decode".into());
                };
                match parse_multi_send(&call.transactions) {
                    Some(legs) => legs,
                    None => return Some("malformed MultiSend payload".into()),
                }
            }
        };
        self.calls_refusal(&legs)
    }
}

/// The oracle's own reading of a packed MultiSend payload (`None`: malformed — a leg cut
/// short, an operation other than CALL, or a length past the end).
pub fn parse_multi_send(mut packed: &[u8]) -> Option<Vec<SafeCall>> {
    let mut calls = Vec::new();
    while !packed.is_empty() {
        if packed.len() < 85 || packed[0] != 0 {
            return None;
        }
        let length = U256::from_be_slice(&packed[53..85]);
        let length = usize::try_from(length).ok().filter(|l| *l <= packed.len() - 85)?;
        calls.push(SafeCall::new(
            Address::from_slice(&packed[1..21]),
            U256::from_be_slice(&packed[21..53]),
            Bytes::copy_from_slice(&packed[85..85 + length]),
        ));
        packed = &packed[85 + length..];
    }
    Some(calls)
}
