//! The canonical Safe v1.4.1 deployment, as `@safe-global/safe-deployments` lists it, as
//! compile-time constants (what `cast` does for well-known addresses).
//!
//! The release bytecode of each contract is embedded as an [`Artifact`](crate::Artifact) of the
//! same name. A unit test proves the constants equal the embedded copy of the package's list,
//! and `make test`'s drift check proves that copy equals the npm package.

use alloy_primitives::{Address, B256, address, b256};

/// One contract of the canonical deployment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CanonicalContract {
    /// The name `safe-deployments` and the release artifacts use (`SafeL2`, ...).
    pub name: &'static str,
    /// Its canonical (CREATE2 singleton factory) address.
    pub address: Address,
    /// keccak256 of its runtime code.
    pub code_hash: B256,
}

/// `SafeL2`, the singleton every roflgov Safe proxy delegates to.
pub const SAFE_L2: CanonicalContract = CanonicalContract {
    name: "SafeL2",
    address: address!("0x29fcB43b46531BcA003ddC8FCB67FFE91900C762"),
    code_hash: b256!("0xb1f926978a0f44a2c0ec8fe822418ae969bd8c3f18d61e5103100339894f81ff"),
};

/// `SafeProxyFactory`.
pub const SAFE_PROXY_FACTORY: CanonicalContract = CanonicalContract {
    name: "SafeProxyFactory",
    address: address!("0x4e1DCf7AD4e460CfD30791CCC4F9c8a4f820ec67"),
    code_hash: b256!("0x50c3cdc4074750a7a974204a716c999edd37482f907608d960b2b025ee0b3317"),
};

/// `CompatibilityFallbackHandler`.
pub const COMPATIBILITY_FALLBACK_HANDLER: CanonicalContract = CanonicalContract {
    name: "CompatibilityFallbackHandler",
    address: address!("0xfd0732Dc9E303f09fCEf3a7388Ad10A83459Ec99"),
    code_hash: b256!("0x7c6007a5d711cea8dfd5d91f5940ec29c7f200fe511eb1fc1397b367af3c42f9"),
};

/// `MultiSendCallOnly`: the only contract a roflgov Safe transaction may DELEGATECALL.
pub const MULTI_SEND_CALL_ONLY: CanonicalContract = CanonicalContract {
    name: "MultiSendCallOnly",
    address: address!("0x9641d764fc13c8B624c04430C7356C1C7C8102e2"),
    code_hash: b256!("0xecd5bd14a08c5d2122379900b2f272bdf107a7e92423c10dd5fe3254386c9939"),
};

/// `SimulateTxAccessor` (its code embeds its own address, so its hash holds only at the
/// canonical address).
pub const SIMULATE_TX_ACCESSOR: CanonicalContract = CanonicalContract {
    name: "SimulateTxAccessor",
    address: address!("0x3d4BA2E0884aa488718476ca2FB8Efc291A46199"),
    code_hash: b256!("0x91f82615581fc73b190b83d72e883608b25e392f72322035df1b13d51766cf8d"),
};

/// The contracts whose deployed code roflgov checks by hash (not `SimulateTxAccessor`).
pub const CODE_CHECKED: [CanonicalContract; 4] =
    [SAFE_L2, SAFE_PROXY_FACTORY, COMPATIBILITY_FALLBACK_HANDLER, MULTI_SEND_CALL_ONLY];

/// The embedded copy of the package's canonical list (`tools/export-artifacts.js` writes it).
pub const DEPLOYMENTS_JSON: &str = include_str!("../artifacts/safe-v1.4.1-deployments.json");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_equal_the_embedded_package_list() {
        let listed: serde_json::Value = serde_json::from_str(DEPLOYMENTS_JSON).unwrap();
        let all = [
            SAFE_L2,
            SAFE_PROXY_FACTORY,
            COMPATIBILITY_FALLBACK_HANDLER,
            MULTI_SEND_CALL_ONLY,
            SIMULATE_TX_ACCESSOR,
        ];
        assert_eq!(listed.as_object().unwrap().len(), all.len());
        for contract in all {
            let entry = &listed[contract.name];
            let address: Address = entry["address"].as_str().unwrap().parse().unwrap();
            let code_hash: B256 = entry["codeHash"].as_str().unwrap().parse().unwrap();
            assert_eq!((address, code_hash), (contract.address, contract.code_hash), "{}", contract.name);
            // The checksummed spelling is the package's own.
            assert_eq!(address.to_checksum(None), entry["address"].as_str().unwrap());
        }
    }

    #[test]
    fn release_code_hashes_to_the_canonical_hash() {
        // Creation code run on a chain gives the runtime code, which is embedded too; the
        // runtime code of these four carries no immutables, so its hash must be the canonical one.
        for contract in CODE_CHECKED {
            let artifact = crate::Artifact::embedded(contract.name).unwrap();
            let runtime = artifact.deployed_bytecode().unwrap();
            assert_eq!(alloy_primitives::keccak256(&runtime), contract.code_hash, "{}", contract.name);
        }
    }
}
