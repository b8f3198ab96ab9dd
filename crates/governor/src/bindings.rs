//! Contract bindings generated at compile time from forge's artifacts, as exported to
//! `crates/contracts/artifacts/` (`node tools/export-artifacts.js` after `forge build`).
//!
//! The policy contract is called through its interface (`IRoflAppAdmin`, the stable API) and
//! error-decoded with its implementation's ABI (`RoflAppAdmin`, which also lists the errors of
//! its libraries and of `Ownable`); it is deployed from its artifact at run time, libraries
//! linked, by `roflgov_client::deploy::deploy_dao`.

#![allow(missing_docs, clippy::too_many_arguments)]

use alloy::sol;

sol!(
    #[sol(rpc)]
    #[derive(Debug, PartialEq, Eq)]
    RoflGovernor,
    "../contracts/artifacts/RoflGovernor.json"
);

sol!(
    #[sol(rpc)]
    #[derive(Debug, PartialEq, Eq)]
    RoflGovToken,
    "../contracts/artifacts/RoflGovToken.json"
);

sol!(
    #[sol(rpc)]
    #[derive(Debug, PartialEq, Eq)]
    TimelockController,
    "../contracts/artifacts/TimelockController.json"
);

sol!(
    #[sol(rpc)]
    #[derive(Debug, PartialEq, Eq)]
    IRoflAppAdmin,
    "../contracts/artifacts/IRoflAppAdmin.json"
);

// `ignore_unlinked`: the policy contract may keep logic in external libraries (EIP-170), so its
// artifact can carry `__$…$__` placeholders; it is deployed from the artifact with linking.
sol!(
    #[sol(rpc, ignore_unlinked)]
    #[derive(Debug, PartialEq, Eq)]
    RoflAppAdmin,
    "../contracts/artifacts/RoflAppAdmin.json"
);

sol! {
    /// The EIP-712 struct a voter signs for `castVoteBySig` (OpenZeppelin Governor 5.3,
    /// `BALLOT_TYPEHASH`).
    #[derive(Debug, PartialEq, Eq)]
    struct Ballot {
        uint256 proposalId;
        uint8 support;
        address voter;
        uint256 nonce;
    }

    /// `Ownable.owner()`, to check who owns the policy contract.
    #[sol(rpc)]
    interface IOwnable {
        function owner() external view returns (address);
        function pendingOwner() external view returns (address);
    }
}
