//! Deploying forge-built contracts, external libraries included.
//!
//! Contracts too large for the 24 KiB code limit (EIP-170, enforced by Sapphire too) keep their
//! heavy logic in external libraries; forge leaves `__$…$__` placeholders for their addresses.
//! [`deploy_linked`] deploys each library once, links, then deploys the contract.

use std::collections::HashMap;

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, Bytes},
    providers::Provider,
    rpc::types::TransactionRequest,
};
use eyre::{Result, WrapErr, bail};

use roflgov_contracts::Artifact;

/// Deploys `artifact` from `from` with ABI-encoded `constructor_args`, deploying and linking
/// the external libraries it needs first. Returns the contract's address.
pub async fn deploy_linked<P: Provider>(
    provider: &P,
    from: Address,
    artifact: &Artifact,
    constructor_args: &[u8],
) -> Result<Address> {
    let mut libraries = HashMap::new();
    let linked = link_recursively(provider, from, artifact, &mut libraries, 0).await?;
    deploy_code(provider, from, linked.bytecode()?, constructor_args).await
}

/// Sends a creation transaction and waits for its receipt.
pub async fn deploy_code<P: Provider>(
    provider: &P,
    from: Address,
    creation_code: Bytes,
    constructor_args: &[u8],
) -> Result<Address> {
    let mut code = creation_code.to_vec();
    code.extend_from_slice(constructor_args);
    let request = TransactionRequest::default().with_from(from).with_deploy_code(Bytes::from(code));
    // Simulate first: a creation that would fail must not reach the node (and the provider's
    // nonce bookkeeping) at all.
    provider.call(request.clone()).await.wrap_err("simulating the deployment")?;
    let receipt = provider
        .send_transaction(request)
        .await
        .wrap_err("sending the deployment")?
        .get_receipt()
        .await
        .wrap_err("waiting for the deployment")?;
    if !receipt.status() {
        bail!("deployment reverted (tx {})", receipt.transaction_hash);
    }
    receipt.contract_address.ok_or_else(|| eyre::eyre!("deployment receipt has no contract address"))
}

/// Links `artifact`, deploying each library it names (embedded by `roflgov-contracts`)
/// that is not deployed yet.
fn link_recursively<'a, P: Provider>(
    provider: &'a P,
    from: Address,
    artifact: &'a Artifact,
    libraries: &'a mut HashMap<(String, String), Address>,
    depth: usize,
) -> std::pin::Pin<Box<dyn Future<Output = Result<Artifact>> + Send + 'a>> {
    Box::pin(async move {
        if depth > 8 {
            bail!("library links nest too deeply in {}", artifact.name);
        }
        for (file, names) in &artifact.link_references {
            for name in names.keys() {
                let key = (file.clone(), name.clone());
                if libraries.contains_key(&key) {
                    continue;
                }
                let library = Artifact::embedded(name)?;
                let library = link_recursively(provider, from, &library, libraries, depth + 1).await?;
                let address = deploy_code(provider, from, library.bytecode()?, &[])
                    .await
                    .wrap_err_with(|| format!("deploying library {name}"))?;
                libraries.insert(key, address);
            }
        }
        let lookup = |file: &str, name: &str| libraries.get(&(file.to_string(), name.to_string())).copied();
        Ok(artifact.link(&lookup)?)
    })
}

/// Deploy a DAO: token (unless an existing one is given), Timelock and Governor
/// ([`roflgov_governor::deploy_governance`]) and, when `params.deploy_app_admin`, the policy
/// contract with the Timelock as its owner, from `deployer` (which must be one of `provider`'s
/// signers); then check the wiring ([`roflgov_governor::check_wiring`]).
pub async fn deploy_dao(
    provider: &alloy::providers::DynProvider,
    deployer: Address,
    params: &roflgov_governor::DaoParams,
) -> Result<roflgov_governor::DaoDeployment, roflgov_governor::GovernorError> {
    use alloy::sol_types::SolValue;
    use roflgov_governor::GovernorError;

    let mut dao = roflgov_governor::deploy_governance(provider, deployer, params).await?;
    if params.deploy_app_admin {
        let artifact = Artifact::embedded("RoflAppAdmin")?;
        dao.app_admin = Some(
            deploy_linked(provider, deployer, &artifact, &dao.timelock.abi_encode())
                .await
                .map_err(|e| GovernorError::Deploy(format!("{e:#}")))?,
        );
    }
    roflgov_governor::check_wiring(provider, &dao, deployer).await?;
    Ok(dao)
}
