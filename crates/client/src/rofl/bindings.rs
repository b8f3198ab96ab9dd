//! RPC bindings of the policy contract and the stand-in, generated from the embedded artifacts,
//! for sending transactions and simple reads.
//!
//! `sol!` generates its own struct types for `RoflTypes.sol` inside each contract module; reads
//! of the policy contract that return those structs go through the plain bindings of
//! `roflgov_contracts::bindings` instead (`RoflAdminClient::view`), whose structs are
//! `roflgov_types::abi`'s. The stand-in's copies move into those types with the `From` impls
//! at the end of this file, written once.

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

// The stand-in's identities (its `EnclaveIdentity` and the arguments of `registerInstance`).
roflgov_types::enclave_identity_from_fields!(
    RoflModuleStandIn::EnclaveIdentity,
    RoflModuleStandIn::registerInstanceCall,
);

/// Moves a struct of the stand-in's bindings into the same `RoflTypes.sol` struct of
/// `roflgov_types::abi`, through the tuple `sol!` generates for both.
macro_rules! into_abi {
    ($($from:ty => $to:ty as $tuple:ty),* $(,)?) => {$(
        impl From<$from> for $to {
            fn from(value: $from) -> Self {
                <$tuple>::from(value).into()
            }
        }
    )*};
}

into_abi!(
    RoflModuleStandIn::MetadataEntry => roflgov_types::abi::MetadataEntry as (String, String),
    RoflModuleStandIn::SecretEntry => roflgov_types::abi::SecretEntry as (String, alloy::primitives::Bytes),
);
