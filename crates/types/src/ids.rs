//! App ids (`rofl1…`) and Oasis addresses (`oasis1…`).
//! SKELETON: the types helper implements bech32 forms, serde, and the derivations
//! (`AppId::from_creator_round_index`, `from_creator_nonce`, `from_global_name`,
//! `Address::from_eth`).

/// A 21-byte Oasis address (version byte ‖ 20 bytes), bech32 `oasis1…`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub struct Address(pub [u8; 21]);

/// A 21-byte ROFL app id, bech32 `rofl1…`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub struct AppId(pub [u8; 21]);
