//! The foundation: a real anvil running Sapphire's EVM (Shanghai) with the ROFL stand-in at the
//! subcall precompile, and a compiled contract from forge's `out/` deployed to it and behaving.

use alloy::{
    network::TransactionBuilder,
    primitives::{Bytes, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
};
use roflgov_client::rofl::{RoflAdminClient, RoflStandIn};
use roflgov_contracts::Artifact;
use roflgov_core::rofl::{
    CREATE_STAKE,
    subcall::{SUBCALL_PRECOMPILE, SubcallError, decode_subcall_output, encode_subcall},
};
use roflgov_devnet::LocalChain;
use roflgov_types::ids::Address as OasisAddress;
use rstest::rstest;

#[rstest]
#[tokio::test]
async fn anvil_runs_shanghai_with_the_rofl_stand_in() {
    let chain = LocalChain::start().await.unwrap();
    let provider = chain.provider();
    assert_eq!(provider.get_chain_id().await.unwrap(), chain.chain_id());

    // The stand-in's runtime code sits behind the precompile address.
    let artifact = Artifact::embedded("RoflModuleStandIn").unwrap();
    assert_eq!(
        provider.get_code_at(SUBCALL_PRECOMPILE).await.unwrap(),
        artifact.deployed_bytecode().unwrap()
    );

    // Shanghai: PUSH0 runs, Cancun's MCOPY does not (Sapphire has no MCOPY).
    let from = chain.accounts()[0];
    let init_code = |code: &'static [u8]| {
        TransactionRequest::default().with_from(from).with_deploy_code(Bytes::from_static(code))
    };
    // PUSH0 PUSH0 RETURN
    assert!(provider.call(init_code(&[0x5f, 0x5f, 0xf3])).await.is_ok());
    // PUSH1 0 PUSH1 0 PUSH1 0 MCOPY STOP
    assert!(provider.call(init_code(&[0x60, 0, 0x60, 0, 0x60, 0, 0x5e, 0x00])).await.is_err());

    // An unknown method gets the module's answer, not a revert: core error 3.
    let request = TransactionRequest::default()
        .with_from(from)
        .with_to(SUBCALL_PRECOMPILE)
        .with_input(encode_subcall("rofl.NoSuchMethod", &[0xf6]));
    let output = provider.call(request).await.unwrap();
    match decode_subcall_output(&output) {
        Err(SubcallError::Failed { module, code }) => assert_eq!((module.as_str(), code), ("core", 3)),
        other => panic!("expected core error 3, got {other:?}"),
    }

    let module = RoflStandIn::new(provider.clone());
    assert!(module.app_ids().await.unwrap().is_empty());
}

#[rstest]
#[tokio::test]
async fn the_policy_contract_deploys_and_answers_its_views() {
    let chain = LocalChain::start().await.unwrap();
    let owner = chain.accounts()[2];
    let deployer = chain.accounts()[0];
    let admin = RoflAdminClient::deploy_from(chain.provider().clone(), deployer, owner).await.unwrap();

    let code = chain.provider().get_code_at(admin.address()).await.unwrap();
    assert!(!code.is_empty());
    assert_eq!(admin.owner().await.unwrap(), owner, "the constructor argument owns it, not the deployer");
    assert_eq!(admin.rofl_admin_address().await.unwrap(), OasisAddress::from_eth(admin.address()));
    assert!(admin.app_ids().await.unwrap().is_empty());
    assert_eq!(admin.contract().CREATE_STAKE().call().await.unwrap(), CREATE_STAKE);
    assert_eq!(CREATE_STAKE, U256::from(100u64) * U256::from(10u64).pow(U256::from(18u64)));
}
