//! Call and type bindings of the policy contract, generated from its embedded artifact, for
//! encoding and decoding calldata (no RPC: the client crate has its own RPC bindings).
//!
//! `sol!` generates its own struct types for `RoflTypes.sol` inside each contract module. They
//! have exactly the ABI layout of the mirrors in [`roflgov_types::abi`], so [`reencode`] moves a
//! value between two of them by ABI-encoding it once.

use alloy_sol_types::{SolType, SolValue, sol};

sol!(
    /// The roflgov app policy contract (`contracts/rofl/RoflAppAdmin.sol`).
    #[allow(missing_docs)]
    #[sol(ignore_unlinked)]
    #[derive(Debug, PartialEq, Eq)]
    RoflAppAdmin,
    "../contracts/artifacts/RoflAppAdmin.json"
);

/// Moves a value between two `sol!` types with the same ABI layout (e.g.
/// `RoflAppAdmin::AppConfig` and `roflgov_types::abi::AppConfig`) by ABI-encoding it once.
///
/// # Panics
/// Only if the layouts differ: a mismatch between `RoflTypes.sol` and `roflgov_types::abi`
/// that the `bindings_match_types_abi` unit test catches.
pub fn reencode<A, B>(value: &A) -> B
where
    A: SolValue,
    B: SolValue + From<<B::SolType as SolType>::RustType>,
{
    B::abi_decode(&value.abi_encode())
        .expect("sol! struct layouts of RoflTypes.sol and roflgov_types::abi agree")
}

#[cfg(test)]
mod tests {
    use alloy_sol_types::SolStruct;
    use roflgov_types::abi as types_abi;

    use super::RoflAppAdmin;

    /// Field names and types (nested structs included) agree, so [`super::reencode`] is exact.
    #[test]
    fn bindings_match_types_abi() {
        fn layout<T: SolStruct>() -> String {
            T::eip712_encode_type().into_owned()
        }
        assert_eq!(layout::<RoflAppAdmin::AppConfig>(), layout::<types_abi::AppConfig>());
        assert_eq!(layout::<RoflAppAdmin::AppPolicy>(), layout::<types_abi::AppPolicy>());
        assert_eq!(layout::<RoflAppAdmin::QuotePolicy>(), layout::<types_abi::QuotePolicy>());
        assert_eq!(layout::<RoflAppAdmin::EndorsementNode>(), layout::<types_abi::EndorsementNode>());
        assert_eq!(layout::<RoflAppAdmin::MetadataEntry>(), layout::<types_abi::MetadataEntry>());
        assert_eq!(layout::<RoflAppAdmin::SecretEntry>(), layout::<types_abi::SecretEntry>());
    }
}
