//! "What am I signing": the hashes a wallet shows for a Safe transaction, and its calls
//! decoded against known ABIs (MultiSend batches and `multicall` unpacked). The app-config
//! diff is built on top of [`DecodedCall`] by the review module.

use std::{collections::HashMap, fmt};

use alloy::{
    dyn_abi::{DynSolValue, JsonAbiExt},
    json_abi::{Function, JsonAbi},
    primitives::{Address, Bytes, U256},
};
use serde::Serialize;

pub use roflgov_contracts::revert::format_value;

use crate::{Operation, SafeCall, SafeError, SafeTx, SafeTxHashes};

/// One decoded argument.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DecodedArg {
    /// Parameter name from the ABI (may be empty).
    pub name: String,
    /// Solidity type as the ABI writes it (`tuple` types are expanded, e.g. `(bytes32,bytes32)`).
    #[serde(rename = "type")]
    pub ty: String,
    /// The value, for programmatic use.
    #[serde(skip)]
    pub value: DynSolValue,
    /// The value formatted for people (checksummed addresses, decimal integers, hex bytes).
    pub display: String,
}

/// One call made by a Safe transaction, decoded as far as the known ABIs allow.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DecodedCall {
    /// The contract called.
    pub target: Address,
    /// Name given to the target when its ABI was registered (e.g. `RoflAppAdmin`).
    pub contract: Option<String>,
    /// Native tokens (wei) sent with the call.
    pub value: U256,
    /// Function name, `None` when the target or selector is unknown.
    pub function: Option<String>,
    /// Full signature, e.g. `addEnclave(bytes21,uint64,(bytes32,bytes32))`.
    pub signature: Option<String>,
    /// The decoded arguments, in ABI order (empty when the call is not decoded).
    pub args: Vec<DecodedArg>,
    /// Calls nested in a `multicall(bytes[])` on the same target, decoded the same way.
    pub inner: Vec<DecodedCall>,
    /// The raw calldata.
    pub data: Bytes,
}

impl DecodedCall {
    /// The argument named `name`.
    pub fn arg(&self, name: &str) -> Option<&DecodedArg> {
        self.args.iter().find(|a| a.name == name)
    }

    /// This call and its nested calls, depth first (a `multicall` itself is left out).
    pub fn flatten(&self) -> Vec<&DecodedCall> {
        if self.inner.is_empty() { vec![self] } else { self.inner.iter().flat_map(|c| c.flatten()).collect() }
    }

    fn write_indented(&self, f: &mut fmt::Formatter<'_>, indent: usize) -> fmt::Result {
        let pad = " ".repeat(indent);
        let target = match &self.contract {
            Some(name) => format!("{name} {}", self.target),
            None => self.target.to_string(),
        };
        match &self.function {
            Some(function) => writeln!(f, "{pad}{target}.{function}")?,
            None => {
                writeln!(f, "{pad}{target} (unknown call, {} bytes of data: {})", self.data.len(), self.data)?
            }
        }
        if !self.value.is_zero() {
            writeln!(f, "{pad}  value: {} wei", self.value)?;
        }
        if self.inner.is_empty() {
            for arg in &self.args {
                writeln!(f, "{pad}  {}: {}", if arg.name.is_empty() { "_" } else { &arg.name }, arg.display)?;
            }
        }
        for call in &self.inner {
            call.write_indented(f, indent + 4)?;
        }
        Ok(())
    }
}

impl fmt::Display for DecodedCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_indented(f, 0)
    }
}

/// Decodes calls against the ABIs of known contracts.
#[derive(Clone, Debug, Default)]
pub struct CallDecoder {
    contracts: HashMap<Address, (String, JsonAbi)>,
    multi_send_call_only: Option<Address>,
}

impl CallDecoder {
    /// A decoder that knows no contract yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Decode calls to `address` with `abi`, naming the target `label`.
    pub fn with_contract(mut self, address: Address, label: impl Into<String>, abi: JsonAbi) -> Self {
        self.contracts.insert(address, (label.into(), abi));
        self
    }

    /// Unpack DELEGATECALLs to `address` as MultiSendCallOnly batches.
    pub fn with_multi_send(mut self, address: Address) -> Self {
        self.multi_send_call_only = Some(address);
        self
    }

    /// The function of the registered ABI for `target` whose selector starts `data`.
    pub fn function_for(&self, target: Address, data: &[u8]) -> Option<&Function> {
        let (_, abi) = self.contracts.get(&target)?;
        let selector = data.get(..4)?;
        abi.functions().find(|f| f.selector().as_slice() == selector)
    }

    /// Decode one call.
    pub fn decode_call(&self, call: &SafeCall) -> DecodedCall {
        let mut decoded = DecodedCall {
            target: call.to,
            contract: self.contracts.get(&call.to).map(|(label, _)| label.clone()),
            value: call.value,
            function: None,
            signature: None,
            args: Vec::new(),
            inner: Vec::new(),
            data: call.data.clone(),
        };
        let Some(function) = self.function_for(call.to, &call.data) else { return decoded };
        let Ok(values) = function.abi_decode_input(&call.data[4..]) else { return decoded };
        decoded.function = Some(function.name.clone());
        decoded.signature = Some(function.signature());
        decoded.args = function
            .inputs
            .iter()
            .zip(values)
            .map(|(param, value)| DecodedArg {
                name: param.name.clone(),
                ty: param.selector_type().into_owned(),
                display: format_value(&value),
                value,
            })
            .collect();
        if function.name == "multicall"
            && let [DecodedArg { value: DynSolValue::Array(items), .. }] = decoded.args.as_slice()
        {
            decoded.inner = items
                .iter()
                .filter_map(|item| item.as_bytes())
                .map(|data| self.decode_call(&SafeCall::new(call.to, U256::ZERO, data.to_vec())))
                .collect();
        }
        decoded
    }

    /// Decode the calls of a Safe transaction (batch entries for a MultiSendCallOnly batch).
    pub fn decode_safe_tx(&self, tx: &SafeTx) -> Result<Vec<DecodedCall>, SafeError> {
        let multi_send = self.multi_send_call_only.unwrap_or(Address::ZERO);
        if tx.operation == Operation::DelegateCall && self.multi_send_call_only.is_none() {
            return Err(crate::tx::SafeTxError::UnexpectedDelegateCall(tx.to).into());
        }
        Ok(tx.calls(multi_send)?.iter().map(|call| self.decode_call(call)).collect())
    }
}

/// Everything a signer should see before signing a Safe transaction.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SigningSummary {
    /// The chain the transaction is for.
    pub chain_id: u64,
    /// The Safe that executes it.
    pub safe: Address,
    /// The transaction's nonce.
    pub nonce: U256,
    /// CALL, or DELEGATECALL (only to MultiSendCallOnly, for a batch).
    pub operation: Operation,
    /// The transaction's target (MultiSendCallOnly for a batch).
    pub to: Address,
    /// Native tokens (wei) the Safe sends.
    pub value: U256,
    /// Non-zero gas/refund parameters deserve a warning: they pay someone out of the Safe.
    pub refund: Option<String>,
    /// The domain, message and SafeTx hashes, as a hardware wallet or Safe{Wallet} shows them.
    pub hashes: SafeTxHashes,
    /// The calls the transaction makes, decoded.
    pub calls: Vec<DecodedCall>,
}

impl SigningSummary {
    /// The summary of `tx` for `safe` on `chain_id`, its calls decoded with `decoder`; an error when
    /// a batch cannot be decoded.
    pub fn new(tx: &SafeTx, chain_id: u64, safe: Address, decoder: &CallDecoder) -> Result<Self, SafeError> {
        let refund = (!tx.gas_price.is_zero() || !tx.base_gas.is_zero()).then(|| {
            format!(
                "pays baseGas {} + gas at price {} in token {} to {}",
                tx.base_gas, tx.gas_price, tx.gas_token, tx.refund_receiver
            )
        });
        Ok(Self {
            chain_id,
            safe,
            nonce: tx.nonce,
            operation: tx.operation,
            to: tx.to,
            value: tx.value,
            refund,
            hashes: tx.hashes(chain_id, safe),
            calls: decoder.decode_safe_tx(tx)?,
        })
    }
}

impl fmt::Display for SigningSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Safe transaction for {} on chain {}", self.safe, self.chain_id)?;
        writeln!(f, "  nonce:            {}", self.nonce)?;
        writeln!(f, "  operation:        {} to {}", self.operation, self.to)?;
        if !self.value.is_zero() {
            writeln!(f, "  value:            {} wei", self.value)?;
        }
        if let Some(refund) = &self.refund {
            writeln!(f, "  WARNING refund:   {refund}")?;
        }
        writeln!(f, "Your wallet must show:")?;
        writeln!(f, "  domain hash:      {}", self.hashes.domain_separator)?;
        writeln!(f, "  message hash:     {}", self.hashes.message_hash)?;
        writeln!(f, "  safeTxHash:       {}", self.hashes.safe_tx_hash)?;
        writeln!(f, "Calls ({}):", self.calls.len())?;
        for (index, call) in self.calls.iter().enumerate() {
            write!(f, "  #{index} ")?;
            call.write_indented(f, 0)?;
        }
        Ok(())
    }
}
