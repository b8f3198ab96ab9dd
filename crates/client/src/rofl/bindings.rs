//! Contract bindings generated from forge's artifacts (`out/`), and the one conversion path
//! between their ABI structs and `roflgov_types`.
//!
//! `sol!` generates its own struct types for `RoflTypes.sol` inside each contract module
//! (`RoflAppAdmin::AppConfig`, `RoflModuleStandIn::EnclaveIdentity`, ...). They have exactly the
//! ABI layout of the mirrors in [`roflgov_types::abi`], so [`reencode`] moves a value between
//! the two by ABI-encoding it once; the typed model conversions then live in
//! `roflgov_types::abi` alone.

use alloy::sol;

sol!(
    /// The roflgov app policy contract (`contracts/rofl/RoflAppAdmin.sol`).
    ///
    /// `ignore_unlinked`: the contract keeps its logic in linked external libraries (EIP-170), so
    /// its artifact carries `__$…$__` placeholders and no bytecode is bound here; it is deployed
    /// from the artifact with its libraries by [`crate::deploy::deploy_linked`].
    #[allow(missing_docs)]
    #[sol(rpc, ignore_unlinked)]
    #[derive(Debug, PartialEq, Eq)]
    RoflAppAdmin,
    "../contracts/artifacts/RoflAppAdmin.json"
);

sol!(
    /// The local ROFL module stand-in (`contracts/testing/RoflModuleStandIn.sol`), installed at
    /// the subcall precompile address on local chains only.
    #[allow(missing_docs)]
    #[sol(rpc)]
    #[derive(Debug, PartialEq, Eq)]
    RoflModuleStandIn,
    "../contracts/artifacts/RoflModuleStandIn.json"
);

pub(crate) use roflgov_core::bindings::reencode;

#[cfg(test)]
mod tests {
    use alloy::sol_types::SolStruct;
    use roflgov_types::abi as types_abi;

    use super::{RoflAppAdmin, RoflModuleStandIn};

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
        assert_eq!(layout::<RoflModuleStandIn::MetadataEntry>(), layout::<types_abi::MetadataEntry>());
        assert_eq!(layout::<RoflModuleStandIn::SecretEntry>(), layout::<types_abi::SecretEntry>());
    }
}
