//! App ids (`rofl1…`) and Oasis addresses (`oasis1…`).
//!
//! Both are 21 bytes: a version byte (always 0 today) followed by the first 20 bytes of a
//! SHA-512/256 digest over `context ‖ [version] ‖ data`. Their text form is plain Bech32
//! (not Bech32m) with the human-readable part `oasis` or `rofl`.
//!
//! The serde form is the Bech32 string; on input a `0x`-prefixed hex string of exactly 21 bytes
//! is accepted too.
//!
//! Addresses as people type them on a command line: [`parse_checked_eth`] (a mixed-case `0x…`
//! address must carry a valid EIP-55 checksum), [`AccountAddress`] (`oasis1…` or a checked
//! `0x…`) and [`GuardianSetting`] (a checked `0x…` or `none`), each parsed by `FromStr` with an
//! error that names what is wrong.

use std::{fmt, str::FromStr};

use bech32::{Bech32, Hrp, primitives::decode::CheckedHrpstring};
use sha2::{Digest, Sha512_256};

/// Size in bytes of an address or an app id.
pub const ID_SIZE: usize = 21;

/// Version byte of v0 addresses and app ids.
const V0_VERSION: u8 = 0;

/// Context of the address of an Ethereum (secp256k1) account as seen by the runtime SDK.
pub const ADDRESS_V0_SECP256K1ETH_CONTEXT: &[u8] = b"oasis-runtime-sdk/address: secp256k1eth";
/// Context of app ids derived from creator, round and transaction index.
pub const APP_ID_CRI_CONTEXT: &[u8] = b"oasis-sdk/rofl: cri app id";
/// Context of app ids derived from creator and nonce.
pub const APP_ID_CN_CONTEXT: &[u8] = b"oasis-sdk/rofl: cn app id";
/// Context of app ids derived from a global name.
pub const APP_ID_GLOBAL_NAME_CONTEXT: &[u8] = b"oasis-sdk/rofl: global name app id";

/// Bech32 human-readable part of Oasis addresses.
pub const ADDRESS_HRP: &str = "oasis";
/// Bech32 human-readable part of ROFL app ids.
pub const APP_ID_HRP: &str = "rofl";

/// Why a text or byte form of an address or app id was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The string is not valid Bech32 (bad characters, mixed case, bad checksum, Bech32m...).
    #[error("invalid bech32 {what} {input:?}: {reason}")]
    Bech32 {
        /// `address` or `app id`.
        what: &'static str,
        /// The string given.
        input: String,
        /// What the Bech32 decoder reported.
        reason: String,
    },
    /// Valid Bech32 with the wrong human-readable part (e.g. an `oasis1…` given as an app id).
    #[error("wrong bech32 prefix for {what}: expected `{expected}1…`, got `{found}1…`")]
    WrongHrp {
        /// `address` or `app id`.
        what: &'static str,
        /// The prefix expected.
        expected: &'static str,
        /// The prefix found.
        found: String,
    },
    /// The decoded payload is not 21 bytes.
    #[error("wrong length for {what}: expected 21 bytes, got {found}")]
    WrongLength {
        /// `address` or `app id`.
        what: &'static str,
        /// The number of bytes found.
        found: usize,
    },
    /// A `0x…` string that is not valid hex.
    #[error("invalid hex {what} {input:?}: {reason}")]
    Hex {
        /// `address` or `app id`.
        what: &'static str,
        /// The string given.
        input: String,
        /// What the hex decoder reported.
        reason: String,
    },
}

/// First 20 bytes of SHA-512/256(context ‖ [version] ‖ data), behind the version byte.
fn derive_v0(context: &[u8], data: &[&[u8]]) -> [u8; ID_SIZE] {
    let mut hasher = Sha512_256::new();
    hasher.update(context);
    hasher.update([V0_VERSION]);
    for part in data {
        hasher.update(part);
    }
    let digest = hasher.finalize();
    let mut out = [0u8; ID_SIZE];
    out[0] = V0_VERSION;
    out[1..].copy_from_slice(&digest[..ID_SIZE - 1]);
    out
}

fn to_bech32(hrp: &'static str, bytes: &[u8; ID_SIZE]) -> String {
    let hrp = Hrp::parse(hrp).expect("static HRP is valid");
    bech32::encode::<Bech32>(hrp, bytes).expect("21 bytes always fit in a bech32 string")
}

fn from_bech32(
    what: &'static str,
    expected_hrp: &'static str,
    input: &str,
) -> Result<[u8; ID_SIZE], IdError> {
    let checked = CheckedHrpstring::new::<Bech32>(input).map_err(|err| IdError::Bech32 {
        what,
        input: input.to_owned(),
        reason: err.to_string(),
    })?;
    let hrp = checked.hrp();
    if hrp.to_lowercase() != expected_hrp {
        return Err(IdError::WrongHrp { what, expected: expected_hrp, found: hrp.to_lowercase() });
    }
    let bytes: Vec<u8> = checked.byte_iter().collect();
    bytes.as_slice().try_into().map_err(|_| IdError::WrongLength { what, found: bytes.len() })
}

fn from_hex(what: &'static str, input: &str) -> Result<[u8; ID_SIZE], IdError> {
    let digits = input.strip_prefix("0x").or_else(|| input.strip_prefix("0X")).unwrap_or(input);
    let bytes = hex::decode(digits).map_err(|err| IdError::Hex {
        what,
        input: input.to_owned(),
        reason: err.to_string(),
    })?;
    bytes.as_slice().try_into().map_err(|_| IdError::WrongLength { what, found: bytes.len() })
}

fn from_slice(what: &'static str, bytes: &[u8]) -> Result<[u8; ID_SIZE], IdError> {
    bytes.try_into().map_err(|_| IdError::WrongLength { what, found: bytes.len() })
}

/// Shared impls of the two 21-byte identifiers.
macro_rules! id_type {
    ($ty:ident, $what:literal, $hrp:expr) => {
        impl $ty {
            /// Size in bytes.
            pub const SIZE: usize = ID_SIZE;

            /// From raw bytes; errors unless exactly 21 bytes.
            pub fn from_slice(bytes: &[u8]) -> Result<Self, IdError> {
                from_slice($what, bytes).map(Self)
            }

            /// Parses the Bech32 form only (no hex).
            pub fn from_bech32(text: &str) -> Result<Self, IdError> {
                from_bech32($what, $hrp, text).map(Self)
            }

            /// Parses a `0x`-prefixed (or bare) hex string of exactly 21 bytes.
            pub fn from_hex(text: &str) -> Result<Self, IdError> {
                from_hex($what, text).map(Self)
            }

            /// Parses either the Bech32 form or `0x`-prefixed hex of 21 bytes.
            pub fn parse_bech32_or_hex(text: &str) -> Result<Self, IdError> {
                if text.starts_with("0x") || text.starts_with("0X") {
                    Self::from_hex(text)
                } else {
                    Self::from_bech32(text)
                }
            }

            /// The Bech32 form.
            pub fn to_bech32(&self) -> String {
                to_bech32($hrp, &self.0)
            }

            /// The raw 21 bytes.
            pub const fn as_bytes(&self) -> &[u8; ID_SIZE] {
                &self.0
            }

            /// The raw bytes as an alloy `FixedBytes<21>` (Solidity `bytes21`).
            pub fn to_fixed_bytes(&self) -> alloy_primitives::FixedBytes<21> {
                alloy_primitives::FixedBytes(self.0)
            }

            /// True for the all-zero value (what `bytes21(0)` means on the contract side).
            pub fn is_zero(&self) -> bool {
                self.0 == [0u8; ID_SIZE]
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.to_bech32())
            }
        }

        impl fmt::LowerHex for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                if f.alternate() {
                    f.write_str("0x")?;
                }
                f.write_str(&hex::encode(self.0))
            }
        }

        /// Parses the Bech32 form (see also `parse_bech32_or_hex`).
        impl FromStr for $ty {
            type Err = IdError;

            fn from_str(text: &str) -> Result<Self, IdError> {
                Self::from_bech32(text)
            }
        }

        impl AsRef<[u8]> for $ty {
            fn as_ref(&self) -> &[u8] {
                &self.0
            }
        }

        impl From<[u8; ID_SIZE]> for $ty {
            fn from(bytes: [u8; ID_SIZE]) -> Self {
                Self(bytes)
            }
        }

        impl From<alloy_primitives::FixedBytes<21>> for $ty {
            fn from(bytes: alloy_primitives::FixedBytes<21>) -> Self {
                Self(bytes.0)
            }
        }

        impl From<$ty> for alloy_primitives::FixedBytes<21> {
            fn from(id: $ty) -> Self {
                alloy_primitives::FixedBytes(id.0)
            }
        }

        impl TryFrom<&[u8]> for $ty {
            type Error = IdError;

            fn try_from(bytes: &[u8]) -> Result<Self, IdError> {
                Self::from_slice(bytes)
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.to_bech32())
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Visitor;
                impl serde::de::Visitor<'_> for Visitor {
                    type Value = $ty;

                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        write!(f, "a bech32 `{}1…` string or 0x-hex of 21 bytes", $hrp)
                    }

                    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<$ty, E> {
                        $ty::parse_bech32_or_hex(text).map_err(E::custom)
                    }
                }
                deserializer.deserialize_str(Visitor)
            }
        }
    };
}

/// A 21-byte Oasis address (version byte ‖ 20 bytes), bech32 `oasis1…`.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Address(pub [u8; 21]);

id_type!(Address, "address", ADDRESS_HRP);

impl Address {
    /// The Oasis address of an Ethereum account or contract: what the runtime (and so the ROFL
    /// module) sees as the caller when `eth_address` sends a transaction or a subcall.
    pub fn from_eth(eth_address: alloy_primitives::Address) -> Self {
        Self(derive_v0(ADDRESS_V0_SECP256K1ETH_CONTEXT, &[eth_address.as_slice()]))
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address({self})")
    }
}

/// A 21-byte ROFL app id, bech32 `rofl1…`.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AppId(pub [u8; 21]);

id_type!(AppId, "app id", APP_ID_HRP);

impl AppId {
    /// The id `rofl.Create` assigns with scheme 0: from the creator, the block round and the
    /// index of the transaction within the block.
    pub fn from_creator_round_index(creator: Address, round: u64, index: u32) -> Self {
        Self(derive_v0(APP_ID_CRI_CONTEXT, &[&creator.0, &round.to_be_bytes(), &index.to_be_bytes()]))
    }

    /// The id `rofl.Create` assigns with scheme 1: from the creator and its nonce (the nonce
    /// *after* the create transaction incremented it).
    pub fn from_creator_nonce(creator: Address, nonce: u64) -> Self {
        Self(derive_v0(APP_ID_CN_CONTEXT, &[&creator.0, &nonce.to_be_bytes()]))
    }

    /// The id of a globally named app (assigned by the runtime, not by `rofl.Create`).
    pub fn from_global_name(name: &str) -> Self {
        Self(derive_v0(APP_ID_GLOBAL_NAME_CONTEXT, &[name.as_bytes()]))
    }
}

impl fmt::Debug for AppId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AppId({self})")
    }
}

/// Why an Ethereum address typed by a person was refused ([`parse_checked_eth`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EthAddressError {
    /// Not `0x` and 40 hex digits.
    #[error("not an address: {0}")]
    NotAnAddress(String),
    /// Mixed case whose EIP-55 checksum does not match: probably mistyped.
    #[error("{BAD_CHECKSUM}")]
    BadChecksum,
}

/// Why a mixed-case address was refused: its EIP-55 checksum is wrong.
pub const BAD_CHECKSUM: &str = "wrong EIP-55 checksum: the mixed-case letters do not match the address, which is probably mistyped; check it against its source (an all-lower-case address is taken without a checksum)";

/// Parses an Ethereum address, refusing a mixed-case one whose EIP-55 checksum is wrong.
///
/// `alloy_primitives::Address::from_str` ignores the checksum, so a mistyped owner or contract
/// would be used as it is. EIP-55: an all-lower-case or all-upper-case address has no checksum
/// and is accepted; a mixed-case one must match its checksum.
pub fn parse_checked_eth(text: &str) -> Result<alloy_primitives::Address, EthAddressError> {
    let address = alloy_primitives::Address::from_str(text)
        .map_err(|e| EthAddressError::NotAnAddress(e.to_string()))?;
    let hex = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")).unwrap_or(text);
    let lower = hex.bytes().any(|b| b.is_ascii_lowercase());
    let upper = hex.bytes().any(|b| b.is_ascii_uppercase());
    if lower && upper && address.to_checksum(None)[2..] != *hex {
        return Err(EthAddressError::BadChecksum);
    }
    Ok(address)
}

/// An account as people write it: an Oasis address (`oasis1…`) or an Ethereum address (`0x…`,
/// EIP-55 checked), which stands for its Oasis address ([`Address::from_eth`]). What a ROFL
/// admin, a marketplace provider or an expected admin is given as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccountAddress(pub Address);

/// Why an [`AccountAddress`] was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AccountAddressError {
    /// A `0x…` address that is not one, or whose checksum is wrong.
    #[error(transparent)]
    Eth(#[from] EthAddressError),
    /// Neither a valid `oasis1…` nor a `0x…` address.
    #[error("{text:?} is neither an oasis1… nor a 0x… address: {source}")]
    Neither {
        /// The text given (trimmed).
        text: String,
        /// Why it is no `oasis1…` address.
        source: IdError,
    },
}

impl FromStr for AccountAddress {
    type Err = AccountAddressError;

    /// `oasis1…` or `0x…` (EIP-55 checked); surrounding whitespace is ignored.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.starts_with("0x") || text.starts_with("0X") {
            return Ok(Self(Address::from_eth(parse_checked_eth(text)?)));
        }
        text.parse::<Address>()
            .map(Self)
            .map_err(|source| AccountAddressError::Neither { text: text.to_owned(), source })
    }
}

/// The `oasis1…` form (an Ethereum address shows as the Oasis address it stands for).
impl fmt::Display for AccountAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl From<AccountAddress> for Address {
    fn from(account: AccountAddress) -> Self {
        account.0
    }
}

/// The guardian a proposal sets: an Ethereum address (EIP-55 checked), or `none` to remove it
/// (the contract stores the zero address for none).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GuardianSetting(pub Option<alloy_primitives::Address>);

/// Why a [`GuardianSetting`] was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GuardianSettingError {
    /// Not an address (or a wrong checksum).
    #[error(transparent)]
    Eth(#[from] EthAddressError),
    /// The zero address, which the contract reads as "no guardian".
    #[error("the zero address is no guardian: write `none` to remove the guardian")]
    Zero,
}

impl GuardianSetting {
    /// The address the contract stores: the guardian, or zero for none.
    pub fn or_zero(self) -> alloy_primitives::Address {
        self.0.unwrap_or(alloy_primitives::Address::ZERO)
    }
}

impl FromStr for GuardianSetting {
    type Err = GuardianSettingError;

    /// `none` (any case) or an address; the zero address is refused (write `none`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.eq_ignore_ascii_case("none") {
            return Ok(Self(None));
        }
        let address = parse_checked_eth(text)?;
        if address.is_zero() {
            return Err(GuardianSettingError::Zero);
        }
        Ok(Self(Some(address)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_name_vector() {
        let id = AppId::from_global_name("test global app");
        assert_eq!(id.to_string(), "rofl1qrev5wq76npkmcv5wxkdxxcu4dhmu704yyl30h43");
        assert_eq!(id.to_string().parse::<AppId>().unwrap(), id);
    }

    #[test]
    fn eth_address_vector() {
        let eth: alloy_primitives::Address = "0x70739eB50e269f1f1eb27c6f8932f63389B1Cb63".parse().unwrap();
        let address = Address::from_eth(eth);
        assert_eq!(address.to_string(), "oasis1qz2lty9v4glt5ts8ljhfpnd05dy3cwmtnyshws8q");
    }

    #[test]
    fn derivations_use_distinct_contexts() {
        let creator = Address::from_eth(alloy_primitives::Address::repeat_byte(0x11));
        let cri = AppId::from_creator_round_index(creator, 42, 0);
        let cn = AppId::from_creator_nonce(creator, 42);
        assert_ne!(cri, cn);
        assert_ne!(cri, AppId::from_creator_round_index(creator, 42, 1));
        assert_ne!(cri, AppId::from_creator_round_index(creator, 43, 0));
        assert_eq!(cri.0[0], 0);
        assert_eq!(cn.0[0], 0);
    }

    #[test]
    fn derivation_matches_hand_built_preimage() {
        // Independent of `derive_v0`: hash the concatenated preimage in one go.
        let creator = Address([7u8; 21]);
        let mut preimage = b"oasis-sdk/rofl: cri app id".to_vec();
        preimage.push(0);
        preimage.extend_from_slice(&[7u8; 21]);
        preimage.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 5]);
        preimage.extend_from_slice(&[0, 0, 0, 9]);
        let digest = Sha512_256::digest(&preimage);
        let id = AppId::from_creator_round_index(creator, 5, 9);
        assert_eq!(id.0[0], 0);
        assert_eq!(&id.0[1..], &digest[..20]);
    }

    #[test]
    fn wrong_hrp_is_named() {
        let err = "oasis1qz2lty9v4glt5ts8ljhfpnd05dy3cwmtnyshws8q".parse::<AppId>().unwrap_err();
        assert_eq!(err, IdError::WrongHrp { what: "app id", expected: "rofl", found: "oasis".into() });
        assert!(err.to_string().contains("expected `rofl1…`"), "{err}");
        let err = "rofl1qrev5wq76npkmcv5wxkdxxcu4dhmu704yyl30h43".parse::<Address>().unwrap_err();
        assert!(matches!(err, IdError::WrongHrp { .. }), "{err}");
    }

    #[test]
    fn bad_checksum_is_refused() {
        let err = "rofl1qrev5wq76npkmcv5wxkdxxcu4dhmu704yyl30h44".parse::<AppId>().unwrap_err();
        assert!(matches!(err, IdError::Bech32 { .. }), "{err}");
        assert!(err.to_string().contains("checksum"), "{err}");
    }

    #[test]
    fn bech32m_is_refused() {
        let hrp = Hrp::parse("rofl").unwrap();
        let text = bech32::encode::<bech32::Bech32m>(hrp, &[0u8; 21]).unwrap();
        assert!(matches!(text.parse::<AppId>(), Err(IdError::Bech32 { .. })));
    }

    #[test]
    fn wrong_length_is_named() {
        let hrp = Hrp::parse("rofl").unwrap();
        let text = bech32::encode::<Bech32>(hrp, &[0u8; 20]).unwrap();
        assert_eq!(text.parse::<AppId>().unwrap_err(), IdError::WrongLength { what: "app id", found: 20 });
        assert_eq!(
            Address::from_hex("0x0011").unwrap_err(),
            IdError::WrongLength { what: "address", found: 2 }
        );
    }

    #[test]
    fn serde_is_bech32_and_accepts_hex() {
        let id = AppId::from_global_name("test global app");
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"rofl1qrev5wq76npkmcv5wxkdxxcu4dhmu704yyl30h43\"");
        assert_eq!(serde_json::from_str::<AppId>(&json).unwrap(), id);
        let hex_json = format!("\"{id:#x}\"");
        assert_eq!(serde_json::from_str::<AppId>(&hex_json).unwrap(), id);
        let err = serde_json::from_str::<AppId>("\"0x00\"").unwrap_err();
        assert!(err.to_string().contains("expected 21 bytes, got 1"), "{err}");
    }

    /// EIP-55 vector of the EIP itself (eips.ethereum.org/EIPS/eip-55, "Test Cases").
    const EIP55: &str = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";

    #[test]
    fn eth_addresses_are_checksum_checked() {
        let expected = alloy_primitives::Address::from_slice(
            &hex::decode("5aaeb6053f3e94c9b9a09f33669435e7ef1beaed").unwrap(),
        );
        assert_eq!(parse_checked_eth(EIP55), Ok(expected));
        assert_eq!(parse_checked_eth(&EIP55.to_lowercase()), Ok(expected));
        assert_eq!(parse_checked_eth(&format!("0x{}", EIP55[2..].to_uppercase())), Ok(expected));
        let bad = EIP55.replacen("aA", "aa", 1);
        assert_eq!(parse_checked_eth(&bad), Err(EthAddressError::BadChecksum));
        assert_eq!(EthAddressError::BadChecksum.to_string(), BAD_CHECKSUM);
        assert!(matches!(parse_checked_eth("0x1234"), Err(EthAddressError::NotAnAddress(_))));
    }

    #[test]
    fn accounts_are_oasis_or_checked_eth() {
        // The pair of `eth_address_vector` (the Oasis CLI's `oasis account show` of the address).
        let oasis = "oasis1qz2lty9v4glt5ts8ljhfpnd05dy3cwmtnyshws8q";
        let from_eth: AccountAddress = " 0x70739eB50e269f1f1eb27c6f8932f63389B1Cb63 ".parse().unwrap();
        let from_oasis: AccountAddress = oasis.parse().unwrap();
        assert_eq!(from_eth, from_oasis);
        assert_eq!(Address::from(from_oasis).to_string(), oasis);
        // A wrong checksum is named, not reported as "not oasis1".
        let err = "0x70739eb50e269f1f1eb27c6f8932f63389B1Cb63".parse::<AccountAddress>().unwrap_err();
        assert_eq!(err, AccountAddressError::Eth(EthAddressError::BadChecksum));
        let err = "rofl1qrev5wq76npkmcv5wxkdxxcu4dhmu704yyl30h43".parse::<AccountAddress>().unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with(
                "\"rofl1qrev5wq76npkmcv5wxkdxxcu4dhmu704yyl30h43\" is neither an oasis1… nor a 0x… address"
            ) && text.contains("expected `oasis1…`"),
            "{text}"
        );
    }

    #[test]
    fn guardians_are_checked_addresses_or_none() {
        assert_eq!("none".parse::<GuardianSetting>(), Ok(GuardianSetting(None)));
        assert_eq!(
            "NONE".parse::<GuardianSetting>().map(GuardianSetting::or_zero),
            Ok(alloy_primitives::Address::ZERO)
        );
        let set: GuardianSetting = EIP55.parse().unwrap();
        assert_eq!(set.or_zero(), parse_checked_eth(EIP55).unwrap());
        let zero = format!("0x{}", "0".repeat(40));
        assert_eq!(zero.parse::<GuardianSetting>(), Err(GuardianSettingError::Zero));
        assert!(GuardianSettingError::Zero.to_string().contains("write `none`"));
        let bad = EIP55.replacen("aA", "aa", 1);
        assert_eq!(
            bad.parse::<GuardianSetting>(),
            Err(GuardianSettingError::Eth(EthAddressError::BadChecksum))
        );
    }
}
