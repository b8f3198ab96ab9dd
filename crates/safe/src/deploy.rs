//! Deploying the Safe v1.4.1 release contracts to a chain without them (anvil), checking
//! deployed code against the canonical code hashes of `@safe-global/safe-deployments`, and
//! creating N-of-M Safes through the proxy factory.

use alloy::{
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::{DynProvider, Provider},
    sol_types::SolCall,
};
use serde::{Deserialize, Serialize};

use crate::{
    SafeError,
    bindings::{
        CompatibilityFallbackHandler, MultiSendCallOnly, SafeL2, SafeProxyFactory, SimulateTxAccessor,
    },
};

/// Addresses of the Safe contracts roflgov uses on one chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SafeDeployment {
    /// The `SafeL2` singleton every proxy delegates to.
    pub safe_l2_singleton: Address,
    /// `SafeProxyFactory`, which creates new Safes (proxies of the singleton).
    pub proxy_factory: Address,
    /// `CompatibilityFallbackHandler`, set as each new Safe's fallback handler.
    pub fallback_handler: Address,
    /// `MultiSendCallOnly`, which the Safe delegate-calls to run a batch of calls.
    pub multi_send_call_only: Address,
    /// `SimulateTxAccessor`, used to recover the revert reason of a Safe transaction's inner call.
    pub simulate_tx_accessor: Address,
}

/// The canonical v1.4.1 deployment of one contract as `@safe-global/safe-deployments` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CanonicalSafeDeployment {
    /// The contract's name (`SafeL2`, ...).
    pub contract: String,
    /// Its canonical address.
    pub address: Address,
    /// keccak256 of its runtime code.
    pub code_hash: B256,
}

/// The canonical v1.4.1 addresses and code hashes of SafeL2, SafeProxyFactory,
/// CompatibilityFallbackHandler and MultiSendCallOnly (compile-time constants of
/// `roflgov-contracts`, checked against the npm package by `make test`).
pub fn canonical_code_hashes() -> Result<Vec<CanonicalSafeDeployment>, SafeError> {
    Ok(roflgov_contracts::safe::CODE_CHECKED
        .iter()
        .map(|c| CanonicalSafeDeployment {
            contract: c.name.to_string(),
            address: c.address,
            code_hash: c.code_hash,
        })
        .collect())
}

impl SafeDeployment {
    /// The canonical v1.4.1 addresses (mainnet and testnet Sapphire, and most EVM chains).
    pub fn canonical() -> Self {
        use roflgov_contracts::safe::*;
        Self {
            safe_l2_singleton: SAFE_L2.address,
            proxy_factory: SAFE_PROXY_FACTORY.address,
            fallback_handler: COMPATIBILITY_FALLBACK_HANDLER.address,
            multi_send_call_only: MULTI_SEND_CALL_ONLY.address,
            simulate_tx_accessor: SIMULATE_TX_ACCESSOR.address,
        }
    }
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
    /// The owners.
    pub owners: Vec<Address>,
    /// How many owner signatures a transaction needs.
    pub threshold: u64,
    /// Salt for the proxy's CREATE2 address.
    pub salt_nonce: u64,
}

impl SafeSetup {
    /// A Safe of `owners` with `threshold`, salt 0.
    pub fn new(owners: Vec<Address>, threshold: u64) -> Self {
        Self { owners, threshold, salt_nonce: 0 }
    }
}
