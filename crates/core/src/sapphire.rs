//! Sapphire signed queries: the EIP-712 signed-call envelope, with no I/O.
//!
//! On Sapphire an unsigned `eth_call` runs with `msg.sender = 0`, and `eth_estimateGas` always
//! does (the core module zeroizes the caller of `core.EstimateGas` on a confidential runtime). A
//! query that must run as a given sender is a *signed query*: the caller signs the call's fields
//! and a *leash* (which bounds how long the signature is good for) with EIP-712, and sends as the
//! call's `data` the CBOR map `{data: {body: calldata}, leash, signature}`.
//!
//! The format is the one the runtime verifies, oasis-sdk
//! `runtime-sdk/modules/evm/src/signed_call.rs` (`hash_call_toplevel`, `hash_call`,
//! `hash_leash`, `hash_domain`, and `types::SignedCallDataPack`), and that
//! `@oasisprotocol/sapphire-paratime` 1.x builds in `clients/js/src/signed_calls.ts`
//! (`signedCallEIP712Params`, `makeSignableCall`, `SignedCallDataPack.encode`). Release 2.x of
//! the npm package (2.3.0 is installed here) no longer ships signed queries; the cross-check in
//! `tools/crosscheck/signed_query.test.js` therefore re-runs 1.x's encoder on the same
//! libraries it used (ethers 5 `_TypedDataEncoder`/`_signTypedData` and cborg 1.10.2, the one
//! sapphire-paratime 2.3.0 itself depends on).
//!
//! Only the plain form is built: `data` is `{body: calldata}` (a `Call` with the default
//! `format` 0). Encrypting the calldata (`format` 1, X25519-Deoxys-II) is out of scope: every
//! contract roflgov talks to is public, so its calls need no confidentiality, and the runtime
//! accepts a signed query with plain data.

use alloy_primitives::{Address, B256, Bytes, Signature, U256};
use alloy_sol_types::{Eip712Domain, SolStruct, sol};
use oasis_cbor_value::Value;

/// Sapphire mainnet's chain id (0x5afe).
pub const SAPPHIRE_MAINNET: u64 = 0x5afe;
/// Sapphire testnet's chain id (0x5aff).
pub const SAPPHIRE_TESTNET: u64 = 0x5aff;
/// Sapphire localnet's chain id (0x5afd); also the default of the local chain's Sapphire-RPC
/// mode.
pub const SAPPHIRE_LOCALNET: u64 = 0x5afd;

/// The EIP-712 domain name of signed queries (`hash_domain` in the runtime).
pub const DOMAIN_NAME: &str = "oasis-runtime-sdk/evm: signed query";
/// The EIP-712 domain version of signed queries.
pub const DOMAIN_VERSION: &str = "1.0.0";

/// How far above the sender's pending nonce a leash stays valid (sapphire-paratime 1.x
/// `DEFAULT_NONCE_RANGE`): the signature dies once the sender sent that many transactions.
pub const DEFAULT_NONCE_RANGE: u64 = 20;
/// How many blocks around its base block a leash is valid (sapphire-paratime 1.x
/// `DEFAULT_BLOCK_RANGE`).
pub const DEFAULT_BLOCK_RANGE: u64 = 4000;
/// How many blocks below the latest the leash's base block is taken (sapphire-paratime 1.x
/// takes `latest - 2`, so that a gateway a little behind still knows the block).
pub const BASE_BLOCK_LAG: u64 = 2;

/// Whether `chain_id` is one of Sapphire's (mainnet, testnet, localnet).
pub fn is_sapphire_chain(chain_id: u64) -> bool {
    matches!(chain_id, SAPPHIRE_MAINNET | SAPPHIRE_TESTNET | SAPPHIRE_LOCALNET)
}

sol! {
    /// The signed query's bound on time (runtime `Leash`).
    struct Leash {
        uint64 nonce;
        uint64 blockNumber;
        bytes32 blockHash;
        uint64 blockRange;
    }

    /// The signed call (runtime `SimulateCallQuery` with its leash).
    struct Call {
        address from;
        address to;
        uint64 gasLimit;
        uint256 gasPrice;
        uint256 value;
        bytes data;
        Leash leash;
    }
}

/// The leash of a signed query: valid while the sender's account nonce is at most `nonce` and
/// the current block is within `block_range` of `block_number`, whose hash must be
/// `block_hash`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueryLeash {
    /// The largest sender account nonce for which the query is valid.
    pub nonce: u64,
    /// The base block.
    pub block_number: u64,
    /// The hash of the base block.
    pub block_hash: B256,
    /// How many blocks away from the base block the query stays valid.
    pub block_range: u64,
}

/// The fields of an `eth_call` a signed query signs. They must be sent as they are signed: the
/// gateway fills absent `gas`/`gasPrice` with defaults of its own, which would not match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryCall {
    /// The sender the call runs as.
    pub from: Address,
    /// The callee (zero for a create, as the runtime's `address.unwrap_or_default()`).
    pub to: Address,
    /// The gas limit of the call.
    pub gas_limit: u64,
    /// The gas price of the call.
    pub gas_price: U256,
    /// The value sent with the call.
    pub value: U256,
    /// The calldata.
    pub data: Bytes,
}

/// The EIP-712 domain of signed queries on `chain_id`.
pub fn domain(chain_id: u64) -> Eip712Domain {
    Eip712Domain {
        name: Some(DOMAIN_NAME.into()),
        version: Some(DOMAIN_VERSION.into()),
        chain_id: Some(U256::from(chain_id)),
        verifying_contract: None,
        salt: None,
    }
}

/// The digest the sender signs (`hash_call_toplevel` in the runtime).
pub fn signing_hash(chain_id: u64, call: &QueryCall, leash: &QueryLeash) -> B256 {
    let typed = Call {
        from: call.from,
        to: call.to,
        gasLimit: call.gas_limit,
        gasPrice: call.gas_price,
        value: call.value,
        data: call.data.clone(),
        leash: Leash {
            nonce: leash.nonce,
            blockNumber: leash.block_number,
            blockHash: leash.block_hash,
            blockRange: leash.block_range,
        },
    };
    typed.eip712_signing_hash(&domain(chain_id))
}

/// A signed query's `data`: the calldata, the leash and the signature
/// (`SignedCallDataPack` in the runtime's types).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedCallDataPack {
    /// The calldata (the `body` of the plain `Call`).
    pub data: Bytes,
    /// The leash.
    pub leash: QueryLeash,
    /// The 65-byte signature `r ‖ s ‖ v`, `v` 27 or 28 as `eth_signTypedData_v4` returns it.
    pub signature: [u8; 65],
}

/// Why a signed query could not be decoded or verified. The texts of verification failures
/// are the runtime's (`Error::InvalidSignedSimulateCall`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignedQueryError {
    /// The data is not a signed-call data pack.
    #[error("not a signed query: {0}")]
    Malformed(&'static str),
    /// The calldata is encrypted (`format` 1), which this implementation does not handle.
    #[error("not supported: the signed query's calldata is encrypted")]
    Encrypted,
    /// The signature does not parse or recover.
    #[error("invalid signature")]
    InvalidSignature,
    /// The signature recovers to another account than the call's `from`.
    #[error("signer != caller")]
    SignerNotCaller,
}

impl SignedCallDataPack {
    /// The pack of `data` with `leash` and the sender's `signature` over
    /// [`signing_hash`].
    pub fn new(data: Bytes, leash: QueryLeash, signature: &Signature) -> Self {
        Self { data, leash, signature: signature.as_bytes() }
    }

    /// The canonical CBOR of the pack, as sapphire-paratime's `SignedCallDataPack.encode()`
    /// writes it (keys in canonical order: `data`, `leash`, `signature`; the leash's `nonce`,
    /// `block_hash`, `block_range`, `block_number`).
    pub fn encode(&self) -> Vec<u8> {
        let text = |s: &str| Value::TextString(s.to_owned());
        let leash = Value::Map(vec![
            (text("nonce"), Value::Unsigned(self.leash.nonce)),
            (text("block_hash"), Value::ByteString(self.leash.block_hash.to_vec())),
            (text("block_range"), Value::Unsigned(self.leash.block_range)),
            (text("block_number"), Value::Unsigned(self.leash.block_number)),
        ]);
        let pack = Value::Map(vec![
            (text("data"), Value::Map(vec![(text("body"), Value::ByteString(self.data.to_vec()))])),
            (text("leash"), leash),
            (text("signature"), Value::ByteString(self.signature.to_vec())),
        ]);
        let mut out = Vec::new();
        oasis_cbor_value::writer::write_nested(pack, &mut out, None)
            .expect("a pack of maps, bytes and integers always encodes");
        out
    }

    /// Decode a pack; `None` when `bytes` is no CBOR map with a `leash` (an ordinary calldata,
    /// which on Sapphire is an unsigned query).
    pub fn decode(bytes: &[u8]) -> Result<Option<Self>, SignedQueryError> {
        use SignedQueryError::Malformed;
        let Ok(Value::Map(entries)) = oasis_cbor_value::read(bytes) else { return Ok(None) };
        let field = |entries: &[(Value, Value)], name: &str| {
            entries
                .iter()
                .find(|(key, _)| matches!(key, Value::TextString(k) if k == name))
                .map(|(_, value)| value.clone())
        };
        let Some(Value::Map(leash)) = field(&entries, "leash") else { return Ok(None) };
        let uint = |name: &'static str| match field(&leash, name) {
            Some(Value::Unsigned(n)) => Ok(n),
            None => Ok(0),
            _ => Err(Malformed("a leash field is not an unsigned integer")),
        };
        let block_hash = match field(&leash, "block_hash") {
            Some(Value::ByteString(hash)) if hash.len() == 32 => B256::from_slice(&hash),
            _ => return Err(Malformed("leash.block_hash is not 32 bytes")),
        };
        let leash = QueryLeash {
            nonce: uint("nonce")?,
            block_number: uint("block_number")?,
            block_hash,
            block_range: uint("block_range")?,
        };
        let signature: [u8; 65] = match field(&entries, "signature") {
            Some(Value::ByteString(sig)) => {
                sig.try_into().map_err(|_| Malformed("signature is not 65 bytes"))?
            }
            _ => return Err(Malformed("no signature")),
        };
        let data = match field(&entries, "data") {
            None => Bytes::new(),
            Some(Value::Map(call)) => {
                match field(&call, "format") {
                    None | Some(Value::Unsigned(0)) => {}
                    Some(_) => return Err(SignedQueryError::Encrypted),
                }
                match field(&call, "body") {
                    Some(Value::ByteString(body)) => body.into(),
                    _ => return Err(Malformed("data.body is not a byte string")),
                }
            }
            Some(_) => return Err(Malformed("data is not a map")),
        };
        Ok(Some(Self { data, leash, signature }))
    }

    /// The account that signed `call` (whose `data` must be this pack's) with this leash on
    /// `chain_id`, checked against `call.from` as the runtime's `verify` does.
    pub fn verify(&self, chain_id: u64, call: &QueryCall) -> Result<Address, SignedQueryError> {
        let mut raw = self.signature;
        // The runtime tolerates the high recovery ids wallets produce.
        if raw[64] >= 27 {
            raw[64] -= 27;
        }
        if raw[64] > 1 {
            return Err(SignedQueryError::InvalidSignature);
        }
        let signature = Signature::from_bytes_and_parity(&raw[..64], raw[64] == 1);
        let hash = signing_hash(chain_id, call, &self.leash);
        let signer =
            signature.recover_address_from_prehash(&hash).map_err(|_| SignedQueryError::InvalidSignature)?;
        if signer != call.from {
            return Err(SignedQueryError::SignerNotCaller);
        }
        Ok(signer)
    }
}
