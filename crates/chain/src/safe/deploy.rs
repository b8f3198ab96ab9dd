//! Deploying the Safe v1.4.1 release contracts to a chain without them (anvil), checking
//! deployed code against the canonical code hashes of `@safe-global/safe-deployments`, and
//! creating N-of-M Safes through the proxy factory.

#![expect(missing_docs, reason = "fields and variants still to document (issue #15); remove when done")]

use std::path::PathBuf;

use alloy::{
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::{DynProvider, Provider},
    sol_types::SolCall,
};
use serde::{Deserialize, Serialize};

use super::{
    SafeError,
    bindings::{
        CompatibilityFallbackHandler, MultiSendCallOnly, SafeL2, SafeProxyFactory, SimulateTxAccessor,
    },
};
use crate::toolchain::project_root;

/// Addresses of the Safe contracts roflgov uses on one chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SafeDeployment {
    /// The `SafeL2` singleton every proxy delegates to.
    pub safe_l2_singleton: Address,
    pub proxy_factory: Address,
    pub fallback_handler: Address,
    pub multi_send_call_only: Address,
    /// `SimulateTxAccessor`, used to recover the revert reason of a Safe transaction's inner call.
    pub simulate_tx_accessor: Address,
}

/// The `@safe-global/safe-deployments` file name of each contract roflgov deploys.
const DEPLOYMENT_FILES: [(&str, &str); 4] = [
    ("SafeL2", "safe_l2.json"),
    ("SafeProxyFactory", "safe_proxy_factory.json"),
    ("CompatibilityFallbackHandler", "compatibility_fallback_handler.json"),
    ("MultiSendCallOnly", "multi_send_call_only.json"),
];

/// The canonical v1.4.1 deployment of one contract as `@safe-global/safe-deployments` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CanonicalSafeDeployment {
    pub contract: String,
    pub address: Address,
    pub code_hash: B256,
}

#[derive(Deserialize)]
struct DeploymentFile {
    #[serde(rename = "contractName")]
    contract_name: String,
    version: String,
    deployments: std::collections::BTreeMap<String, DeploymentEntry>,
}

#[derive(Deserialize)]
struct DeploymentEntry {
    address: Address,
    #[serde(rename = "codeHash")]
    code_hash: B256,
}

/// Read the canonical v1.4.1 addresses and code hashes of SafeL2, SafeProxyFactory,
/// CompatibilityFallbackHandler and MultiSendCallOnly from
/// `node_modules/@safe-global/safe-deployments/dist/assets/v1.4.1/*.json`.
pub fn canonical_code_hashes() -> Result<Vec<CanonicalSafeDeployment>, SafeError> {
    let dir: PathBuf = project_root()?.join("node_modules/@safe-global/safe-deployments/dist/assets/v1.4.1");
    DEPLOYMENT_FILES
        .iter()
        .map(|(contract, file)| {
            let path = dir.join(file);
            let info = |reason: String| SafeError::DeploymentInfo(format!("{}: {reason}", path.display()));
            let text = std::fs::read_to_string(&path).map_err(|e| info(e.to_string()))?;
            let parsed: DeploymentFile = serde_json::from_str(&text).map_err(|e| info(e.to_string()))?;
            if parsed.contract_name != *contract || parsed.version != "1.4.1" {
                return Err(info(format!("describes {} {}", parsed.contract_name, parsed.version)));
            }
            let canonical =
                parsed.deployments.get("canonical").ok_or_else(|| info("no canonical deployment".into()))?;
            Ok(CanonicalSafeDeployment {
                contract: contract.to_string(),
                address: canonical.address,
                code_hash: canonical.code_hash,
            })
        })
        .collect()
}

impl SafeDeployment {
    /// Deploy the release bytecode of SafeL2, SafeProxyFactory, CompatibilityFallbackHandler,
    /// MultiSendCallOnly and SimulateTxAccessor from the provider's default sender.
    pub async fn deploy(provider: &DynProvider) -> Result<Self, SafeError> {
        let safe_l2_singleton = *SafeL2::deploy(provider).await?.address();
        let proxy_factory = *SafeProxyFactory::deploy(provider).await?.address();
        let fallback_handler = *CompatibilityFallbackHandler::deploy(provider).await?.address();
        let multi_send_call_only = *MultiSendCallOnly::deploy(provider).await?.address();
        let simulate_tx_accessor = *SimulateTxAccessor::deploy(provider).await?.address();
        Ok(Self {
            safe_l2_singleton,
            proxy_factory,
            fallback_handler,
            multi_send_call_only,
            simulate_tx_accessor,
        })
    }

    /// Deploy, then check the deployed runtime code against the canonical v1.4.1 code hashes.
    pub async fn deploy_verified(provider: &DynProvider) -> Result<Self, SafeError> {
        let deployment = Self::deploy(provider).await?;
        deployment.verify_code(provider).await?;
        Ok(deployment)
    }

    /// The deployed contracts and their addresses, by the names `safe-deployments` uses.
    pub fn contracts(&self) -> [(&'static str, Address); 4] {
        [
            ("SafeL2", self.safe_l2_singleton),
            ("SafeProxyFactory", self.proxy_factory),
            ("CompatibilityFallbackHandler", self.fallback_handler),
            ("MultiSendCallOnly", self.multi_send_call_only),
        ]
    }

    /// Check that the runtime code at each address hashes to the canonical v1.4.1 code hash
    /// (SimulateTxAccessor is left out: its code embeds its own address).
    pub async fn verify_code(&self, provider: &DynProvider) -> Result<(), SafeError> {
        let canonical = canonical_code_hashes()?;
        for (contract, address) in self.contracts() {
            let expected = canonical
                .iter()
                .find(|c| c.contract == contract)
                .ok_or_else(|| SafeError::DeploymentInfo(format!("no canonical entry for {contract}")))?
                .code_hash;
            let actual = keccak256(provider.get_code_at(address).await?);
            if actual != expected {
                return Err(SafeError::CodeHashMismatch {
                    contract: contract.into(),
                    address,
                    actual,
                    expected,
                });
            }
        }
        Ok(())
    }

    /// Create a Safe proxy with `setup.owners`, `setup.threshold` and the compatibility fallback
    /// handler, sent from the provider's default sender. Returns the proxy's address.
    pub async fn create_safe(&self, provider: &DynProvider, setup: &SafeSetup) -> Result<Address, SafeError> {
        let initializer: Bytes = SafeL2::setupCall {
            _owners: setup.owners.clone(),
            _threshold: U256::from(setup.threshold),
            to: Address::ZERO,
            data: Bytes::new(),
            fallbackHandler: self.fallback_handler,
            paymentToken: Address::ZERO,
            payment: U256::ZERO,
            paymentReceiver: Address::ZERO,
        }
        .abi_encode()
        .into();
        let factory = SafeProxyFactory::new(self.proxy_factory, provider);
        let receipt = factory
            .createProxyWithNonce(self.safe_l2_singleton, initializer, U256::from(setup.salt_nonce))
            .send()
            .await?
            .get_receipt()
            .await?;
        let created = receipt
            .decoded_log::<SafeProxyFactory::ProxyCreation>()
            .ok_or_else(|| SafeError::Chain("the proxy factory emitted no ProxyCreation event".into()))?;
        Ok(created.data.proxy)
    }
}

/// Parameters of a new Safe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SafeSetup {
    pub owners: Vec<Address>,
    pub threshold: u64,
    /// Salt for the proxy's CREATE2 address.
    pub salt_nonce: u64,
}

impl SafeSetup {
    pub fn new(owners: Vec<Address>, threshold: u64) -> Self {
        Self { owners, threshold, salt_nonce: 0 }
    }
}
