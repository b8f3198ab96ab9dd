//! The facts the firewall reads from a real anvil: the policy contract's code is recognised as
//! roflgov's (libraries included) only when it is.

use alloy::{
    primitives::{Bytes, U256},
    providers::ext::AnvilApi,
};
use roflgov_client::{firewall::gather_facts, rofl::RoflAdminClient};
use roflgov_contracts::{Artifact, CodeMatch};
use roflgov_core::{firewall::Transaction, review::ProposedCall};
use roflgov_devnet::LocalChain;

fn empty_batch(to: alloy::primitives::Address) -> Transaction {
    Transaction::Calls {
        executor: alloy::primitives::Address::ZERO,
        chain_id: None,
        calls: vec![ProposedCall::call(to, U256::ZERO, Bytes::new())],
        description: None,
        description_verified: false,
    }
}

#[tokio::test]
async fn the_policy_contract_is_recognised_by_its_code_and_libraries() {
    let chain = LocalChain::start().await.expect("anvil starts");
    let provider = chain.provider().clone();
    let owner = chain.accounts()[0];
    let client = RoflAdminClient::deploy_from(provider.clone(), owner, owner).await.expect("deploys");
    let facts = gather_facts(&provider, Some(client.address()), &empty_batch(client.address())).await;
    let policy = facts.policy_contract.expect("read");
    assert_eq!(policy.owner, owner);
    assert!(policy.code_is_roflgov, "the deployed RoflAppAdmin and its libraries are roflgov's");

    // A library swapped behind the same address: the contract still answers, but its logic is
    // not roflgov's.
    let code = alloy::providers::Provider::get_code_at(&provider, client.address()).await.unwrap();
    let admin = Artifact::embedded("RoflAppAdmin").unwrap();
    let CodeMatch::Matches(libraries) = admin.match_deployed(&code) else { panic!("roflgov's code") };
    let (_, library) = libraries.iter().next().expect("linked libraries");
    let other = Artifact::embedded("NoopSubcall").unwrap().deployed_bytecode().unwrap();
    provider.anvil_set_code(*library, other).await.unwrap();
    let facts = gather_facts(&provider, Some(client.address()), &empty_batch(client.address())).await;
    let policy = facts.policy_contract.expect("the contract still answers owner()");
    assert!(!policy.code_is_roflgov, "a swapped library is caught");

    // Other code at the address itself.
    let other = Artifact::embedded("RoflModuleStandIn").unwrap().deployed_bytecode().unwrap();
    provider.anvil_set_code(client.address(), other).await.unwrap();
    let facts = gather_facts(&provider, Some(client.address()), &empty_batch(client.address())).await;
    assert!(facts.policy_contract.is_none_or(|p| !p.code_is_roflgov));
}
