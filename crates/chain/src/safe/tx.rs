//! Safe transactions: the `SafeTx` a Safe executes, MultiSendCallOnly batches, and the
//! EIP-712 hashes a signer's wallet shows.

#![expect(missing_docs, reason = "fields and variants still to document (issue #15); remove when done")]

use alloy::{
    primitives::{Address, B256, Bytes, U256, keccak256},
    sol,
    sol_types::{Eip712Domain, SolCall, SolStruct},
};
use serde::{Deserialize, Serialize};

use super::{SafeError, bindings::MultiSendCallOnly};

/// How the Safe performs its transaction (`Enum.Operation`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "u8", try_from = "u8")]
pub enum Operation {
    /// A plain CALL from the Safe.
    #[default]
    Call = 0,
    /// A DELEGATECALL: the target's code runs in the Safe's context (used for MultiSend).
    DelegateCall = 1,
}

impl From<Operation> for u8 {
    fn from(operation: Operation) -> u8 {
        operation as u8
    }
}

impl TryFrom<u8> for Operation {
    type Error = SafeError;
    fn try_from(value: u8) -> Result<Self, SafeError> {
        match value {
            0 => Ok(Self::Call),
            1 => Ok(Self::DelegateCall),
            other => Err(SafeError::InvalidOperation(other)),
        }
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Call => "CALL",
            Self::DelegateCall => "DELEGATECALL",
        })
    }
}

/// One call made by the Safe: a single transaction, or one entry of a MultiSend batch.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SafeCall {
    pub to: Address,
    pub value: U256,
    pub data: Bytes,
}

impl SafeCall {
    pub fn new(to: Address, value: U256, data: impl Into<Bytes>) -> Self {
        Self { to, value, data: data.into() }
    }

    /// A call of a typed Solidity function (`alloy::sol!` call struct).
    pub fn typed<C: SolCall>(to: Address, value: U256, call: &C) -> Self {
        Self { to, value, data: call.abi_encode().into() }
    }
}

/// A Safe transaction: the parameters of `execTransaction` minus the signatures.
/// Field names in JSON follow the Safe transaction service (`safeTxGas`, `refundReceiver`, ...).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SafeTx {
    pub to: Address,
    pub value: U256,
    pub data: Bytes,
    pub operation: Operation,
    pub safe_tx_gas: U256,
    pub base_gas: U256,
    pub gas_price: U256,
    pub gas_token: Address,
    pub refund_receiver: Address,
    pub nonce: U256,
}

impl SafeTx {
    /// A single CALL made by the Safe at `nonce`, without gas refund.
    pub fn call(call: SafeCall, nonce: u64) -> Self {
        Self {
            to: call.to,
            value: call.value,
            data: call.data,
            operation: Operation::Call,
            nonce: U256::from(nonce),
            ..Default::default()
        }
    }

    /// A batch executed by DELEGATECALL into `MultiSendCallOnly` at `multi_send_call_only`;
    /// every entry is a plain CALL from the Safe (the only kind MultiSendCallOnly accepts,
    /// and the only kind the ROFL subcall precompile accepts).
    pub fn multi_send(multi_send_call_only: Address, calls: &[SafeCall], nonce: u64) -> Self {
        let transactions = encode_multi_send(calls);
        Self {
            to: multi_send_call_only,
            value: U256::ZERO,
            data: MultiSendCallOnly::multiSendCall { transactions }.abi_encode().into(),
            operation: Operation::DelegateCall,
            nonce: U256::from(nonce),
            ..Default::default()
        }
    }

    /// One call as-is, several as a MultiSendCallOnly batch.
    pub fn from_calls(
        multi_send_call_only: Address,
        calls: &[SafeCall],
        nonce: u64,
    ) -> Result<Self, SafeError> {
        match calls {
            [] => Err(SafeError::EmptyBatch),
            [single] => Ok(Self::call(single.clone(), nonce)),
            many => Ok(Self::multi_send(multi_send_call_only, many, nonce)),
        }
    }

    /// The calls this transaction makes: the batch entries when it delegatecalls into
    /// `multi_send_call_only`, else the transaction itself (when it is a CALL).
    pub fn calls(&self, multi_send_call_only: Address) -> Result<Vec<SafeCall>, SafeError> {
        match self.operation {
            Operation::Call => Ok(vec![SafeCall::new(self.to, self.value, self.data.clone())]),
            Operation::DelegateCall if self.to == multi_send_call_only => {
                let call = MultiSendCallOnly::multiSendCall::abi_decode(&self.data)
                    .map_err(|e| SafeError::MalformedMultiSend(format!("multiSend calldata: {e}")))?;
                decode_multi_send(&call.transactions)
            }
            Operation::DelegateCall => Err(SafeError::UnexpectedDelegateCall(self.to)),
        }
    }

    /// The transaction's nonce as a `u64` (Safe nonces never get near 2^64).
    pub fn nonce_u64(&self) -> u64 {
        self.nonce.saturating_to()
    }

    fn typed(&self) -> eip712::SafeTx {
        eip712::SafeTx {
            to: self.to,
            value: self.value,
            data: self.data.clone(),
            operation: self.operation as u8,
            safeTxGas: self.safe_tx_gas,
            baseGas: self.base_gas,
            gasPrice: self.gas_price,
            gasToken: self.gas_token,
            refundReceiver: self.refund_receiver,
            nonce: self.nonce,
        }
    }

    /// The EIP-712 hashes of this transaction for the Safe at `safe` on `chain_id`.
    pub fn hashes(&self, chain_id: u64, safe: Address) -> SafeTxHashes {
        let domain = safe_domain(chain_id, safe);
        let typed = self.typed();
        SafeTxHashes {
            domain_separator: domain.hash_struct(),
            message_hash: typed.eip712_hash_struct(),
            safe_tx_hash: typed.eip712_signing_hash(&domain),
        }
    }

    /// The hash owners sign (the Safe's `getTransactionHash`).
    pub fn safe_tx_hash(&self, chain_id: u64, safe: Address) -> B256 {
        self.hashes(chain_id, safe).safe_tx_hash
    }

    /// The typed-data payload and domain, for signers that sign EIP-712 structs.
    pub fn typed_data(&self, chain_id: u64, safe: Address) -> (eip712::SafeTx, Eip712Domain) {
        (self.typed(), safe_domain(chain_id, safe))
    }
}

/// The three hashes a hardware or browser wallet shows for a Safe transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SafeTxHashes {
    /// EIP-712 domain separator: `{chainId, verifyingContract = safe}` (Safe ≥ 1.3).
    pub domain_separator: B256,
    /// EIP-712 `hashStruct(SafeTx)`, the "message hash".
    pub message_hash: B256,
    /// `keccak256(0x1901 ‖ domainSeparator ‖ messageHash)`: what owners sign.
    pub safe_tx_hash: B256,
}

/// The EIP-712 domain of a Safe v1.3+/v1.4: chain id and the Safe's address, nothing else.
pub fn safe_domain(chain_id: u64, safe: Address) -> Eip712Domain {
    Eip712Domain::new(None, None, Some(U256::from(chain_id)), Some(safe), None)
}

/// The EIP-712 struct the Safe hashes.
pub mod eip712 {
    use super::sol;
    sol! {
        /// `SafeTx` exactly as Safe v1.4.1 defines `SAFE_TX_TYPEHASH`.
        #[derive(Debug, PartialEq, Eq)]
        struct SafeTx {
            address to;
            uint256 value;
            bytes data;
            uint8 operation;
            uint256 safeTxGas;
            uint256 baseGas;
            uint256 gasPrice;
            address gasToken;
            address refundReceiver;
            uint256 nonce;
        }
    }
}

/// Packed MultiSend encoding: for every call `operation (u8) ‖ to (20) ‖ value (u256) ‖
/// data length (u256) ‖ data`, with operation 0 (CALL).
pub fn encode_multi_send(calls: &[SafeCall]) -> Bytes {
    let mut out = Vec::with_capacity(calls.iter().map(|c| 85 + c.data.len()).sum());
    for call in calls {
        out.push(Operation::Call as u8);
        out.extend_from_slice(call.to.as_slice());
        out.extend_from_slice(&call.value.to_be_bytes::<32>());
        out.extend_from_slice(&U256::from(call.data.len()).to_be_bytes::<32>());
        out.extend_from_slice(&call.data);
    }
    out.into()
}

/// Decode a packed MultiSendCallOnly payload, refusing DELEGATECALL entries (which
/// MultiSendCallOnly would revert on) and trailing garbage.
pub fn decode_multi_send(mut packed: &[u8]) -> Result<Vec<SafeCall>, SafeError> {
    let mut calls = Vec::new();
    while !packed.is_empty() {
        let index = calls.len();
        if packed.len() < 85 {
            return Err(SafeError::MalformedMultiSend(format!("entry {index} is truncated")));
        }
        if packed[0] != Operation::Call as u8 {
            return Err(SafeError::MalformedMultiSend(format!(
                "entry {index} has operation {} (MultiSendCallOnly allows CALL only)",
                packed[0]
            )));
        }
        let to = Address::from_slice(&packed[1..21]);
        let value = U256::from_be_slice(&packed[21..53]);
        let length = U256::from_be_slice(&packed[53..85]);
        let rest = &packed[85..];
        let length = usize::try_from(length).ok().filter(|len| *len <= rest.len()).ok_or_else(|| {
            SafeError::MalformedMultiSend(format!("entry {index} data overruns the payload"))
        })?;
        calls.push(SafeCall::new(to, value, Bytes::copy_from_slice(&rest[..length])));
        packed = &rest[length..];
    }
    Ok(calls)
}

/// `keccak256` of the EIP-712 type string, for cross-checks against `SAFE_TX_TYPEHASH`.
pub fn safe_tx_typehash() -> B256 {
    keccak256(eip712::SafeTx::eip712_encode_type().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::{address, b256};

    #[test]
    fn typehash_matches_safe_v141() {
        // SAFE_TX_TYPEHASH in Safe.sol v1.4.1.
        assert_eq!(
            safe_tx_typehash(),
            b256!("bb8310d486368db6bd6f849402fdd73ad53d316b5a4b2644ad6efe0f941286d8")
        );
        // DOMAIN_SEPARATOR_TYPEHASH in Safe.sol v1.4.1.
        assert_eq!(
            safe_domain(1, Address::ZERO).type_hash(),
            b256!("47e79534a245952e8b16893a336b85a3d9ea9fa8c573f3d803afb92a79469218")
        );
    }

    #[test]
    fn multi_send_round_trips_and_rejects_garbage() {
        let calls = vec![
            SafeCall::new(address!("00000000000000000000000000000000000000aa"), U256::from(7), vec![1, 2, 3]),
            SafeCall::new(address!("0100000000000000000000000000000000000103"), U256::ZERO, Vec::<u8>::new()),
        ];
        let packed = encode_multi_send(&calls);
        assert_eq!(packed.len(), 85 * 2 + 3);
        assert_eq!(decode_multi_send(&packed).unwrap(), calls);

        let mut truncated = packed.to_vec();
        truncated.pop();
        assert!(matches!(decode_multi_send(&truncated), Err(SafeError::MalformedMultiSend(_))));

        let mut delegate = packed.to_vec();
        delegate[0] = 1;
        assert!(matches!(decode_multi_send(&delegate), Err(SafeError::MalformedMultiSend(_))));
    }
}
