//! The chain state the firewall (`roflgov_core::firewall`) needs, read from the chain: the one
//! place the review does I/O. Whatever cannot be read is left out, and the engine then says it
//! cannot review; nothing is assumed.

use alloy::{
    primitives::{Address, B256, keccak256},
    providers::{DynProvider, Provider},
    rpc::types::Filter,
    sol_types::SolEvent,
};
use roflgov_core::firewall::{AppFacts, ChainFacts, PolicyContractFacts, SafeFacts, Transaction, touched};

use roflgov_contracts::{Artifact, CodeMatch};
use roflgov_safe::bindings::SafeL2;

use crate::{oasis_node::ModuleSource, rofl::RoflAdminClient};

/// Reads what `transaction` touches: the chain id, the policy contract and its owner, every
/// app's current config (from the policy contract when it manages the app, else from the ROFL
/// module: on Sapphire through the public Oasis node, elsewhere the local stand-in), code
/// hashes, the Safe's owners, threshold, nonce, on-chain approvals and whether the hash was
/// executed.
pub async fn gather_facts(
    provider: &DynProvider,
    policy_contract: Option<Address>,
    transaction: &Transaction,
) -> ChainFacts {
    gather_facts_with(provider, policy_contract, transaction, None).await
}

/// [`gather_facts`], reading the ROFL module on Sapphire through the Oasis node at `grpc`
/// (`None`: the network's public endpoint; see [`ModuleSource::for_chain`]).
pub async fn gather_facts_with(
    provider: &DynProvider,
    policy_contract: Option<Address>,
    transaction: &Transaction,
    grpc: Option<&str>,
) -> ChainFacts {
    let mut facts = ChainFacts::default();
    let Ok(chain_id) = provider.get_chain_id().await else {
        return facts;
    };
    facts.rpc_chain_id = Some(chain_id);
    let wanted = touched(transaction, policy_contract);

    let client = policy_contract.map(|pc| RoflAdminClient::new(pc, provider.clone()));
    if let Some(client) = &client
        && provider.get_code_at(client.address()).await.is_ok_and(|code| !code.is_empty())
        && let Ok(owner) = client.owner().await
    {
        let code_is_roflgov = is_roflgov_code(provider, client.address()).await;
        facts.policy_contract =
            Some(PolicyContractFacts { address: client.address(), owner, code_is_roflgov });
        facts.now = client.chain_time().await.ok();
    }
    let managing = facts.policy_contract.as_ref().and(client.as_ref());
    let module = ModuleSource::for_chain(chain_id, grpc);
    for app in wanted.apps {
        if let Some(client) = managing
            && client.is_managed(app).await.unwrap_or(false)
        {
            if let (Ok(managed), Ok(state)) =
                (client.get_app(app).await, client.release_state(app, &wanted.identities).await)
            {
                facts.apps.insert(
                    app,
                    AppFacts { config: managed.config, version: Some(managed.version), release_state: state },
                );
            }
            continue;
        }
        // Not managed: the module's own config (on Sapphire through an Oasis node: the EVM RPC
        // cannot read it). Whatever cannot be read leaves the app unknown, with the reason.
        match module.app_config(provider, app).await {
            Ok(Some(config)) => {
                facts.apps.insert(app, AppFacts { config, version: None, release_state: Default::default() });
            }
            Ok(None) => {
                facts.module_errors.insert(app, format!("{} has no app {app}", module.describe()));
            }
            Err(reason) => {
                facts.module_errors.insert(app, format!("reading {}: {reason}", module.describe()));
            }
        }
    }
    for address in wanted.code_of {
        if let Ok(code) = provider.get_code_at(address).await {
            facts.code_hashes.insert(address, keccak256(&code));
        }
    }
    for account in wanted.accounts {
        if let Ok(code) = provider.get_code_at(account).await {
            facts.has_code.insert(account, !code.is_empty());
        }
    }
    if let Transaction::Safe { safe, chain_id, tx, signatures, .. } = transaction {
        facts.safe = safe_facts(provider, *safe, tx.safe_tx_hash(*chain_id, *safe), signatures).await;
    }
    facts
}

/// Whether `address` runs roflgov's `RoflAppAdmin` (the embedded artifact), and each library it
/// is linked to runs roflgov's library of that name.
async fn is_roflgov_code(provider: &DynProvider, address: Address) -> bool {
    let Ok(admin) = Artifact::embedded("RoflAppAdmin") else { return false };
    let Ok(code) = provider.get_code_at(address).await else { return false };
    let CodeMatch::Matches(libraries) = admin.match_deployed(&code) else { return false };
    for (key, library) in libraries {
        let name = key.rsplit(':').next().unwrap_or_default();
        let (Ok(artifact), Ok(code)) = (Artifact::embedded(name), provider.get_code_at(library).await) else {
            return false;
        };
        if !matches!(artifact.match_deployed(&code), CodeMatch::Matches(nested) if nested.is_empty()) {
            return false;
        }
    }
    true
}

async fn safe_facts(
    provider: &DynProvider,
    safe: Address,
    safe_tx_hash: B256,
    signatures: &[alloy::primitives::Bytes],
) -> Option<SafeFacts> {
    let contract = SafeL2::new(safe, provider.clone());
    let owners = contract.getOwners().call().await.ok()?;
    let threshold = contract.getThreshold().call().await.ok()?.saturating_to();
    let nonce = contract.nonce().call().await.ok()?.saturating_to();
    let mut facts = SafeFacts { owners, threshold, nonce, ..Default::default() };
    // Approved-hash entries (v = 1) name their owner in r.
    for packed in signatures.iter().filter(|s| s.len() == 65 && s[64] == 1) {
        let owner = Address::from_slice(&packed[12..32]);
        if contract.approvedHashes(owner, safe_tx_hash).call().await.is_ok_and(|n| !n.is_zero()) {
            facts.approved_hash_by.insert(owner);
        }
    }
    let filter = Filter::new()
        .address(safe)
        .event_signature(vec![
            SafeL2::ExecutionSuccess::SIGNATURE_HASH,
            SafeL2::ExecutionFailure::SIGNATURE_HASH,
        ])
        .from_block(0u64);
    facts.executed = provider.get_logs(&filter).await.ok().map(|logs| {
        logs.iter().any(|log| {
            log.log_decode::<SafeL2::ExecutionSuccess>().is_ok_and(|e| e.inner.data.txHash == safe_tx_hash)
                || log
                    .log_decode::<SafeL2::ExecutionFailure>()
                    .is_ok_and(|e| e.inner.data.txHash == safe_tx_hash)
        })
    });
    Some(facts)
}

/// The Safe's nonce now (`None`: not a Safe, or unreachable).
pub async fn safe_nonce(provider: &DynProvider, safe: Address) -> Option<u64> {
    SafeL2::new(safe, provider.clone()).nonce().call().await.ok().map(|n| n.saturating_to())
}
