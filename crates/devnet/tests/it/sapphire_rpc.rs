//! The local chain's Sapphire-RPC mode and the client's signed queries: unsigned queries run
//! with sender 0 there (so an owner-only dry run fails, as on Sapphire), the client's own path
//! (signed queries through `SapphireLayer`) succeeds, and the guardian, Safe and DAO flows pass.

use crate::support as dao_support;

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256, address, keccak256},
    providers::{Provider, ProviderBuilder},
    rpc::{client::ClientBuilder, types::TransactionRequest},
    sol_types::SolCall,
};
use roflgov_client::{
    rofl::{RoflAdminClient, bindings::RoflAppAdmin},
    sapphire::{SAPPHIRE_LOCALNET, SapphireLayer},
};
use roflgov_core::rofl::PolicyChange;
use roflgov_devnet::{LocalChain, LocalChainOptions};
use roflgov_governor::{Proposal, ProposalCall, ProposalState, VoteSupport, bindings::TimelockController};
use roflgov_safe::{SafeCall, SafeClient, SafeDeployment, SafeSetup, SafeTx};
use roflgov_types::{EnclaveIdentity, IdentifierScheme, Metadata, manifest::Manifest};

const TALOS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/talos-rofl.yaml");
const RECIPIENT: Address = address!("000000000000000000000000000000000000beef");

fn tdx(label: &str) -> EnclaveIdentity {
    EnclaveIdentity { mr_enclave: keccak256(label.as_bytes()), mr_signer: B256::ZERO }
}

/// A policy contract owned by account 0, with one app of identities x and y, on a chain in
/// Sapphire-RPC mode.
async fn policy_setup() -> (LocalChain, RoflAdminClient<alloy::providers::DynProvider>, roflgov_types::AppId)
{
    let chain =
        LocalChain::start_with(LocalChainOptions::sapphire()).await.expect("anvil and the proxy start");
    assert_eq!(chain.provider().get_chain_id().await.unwrap(), SAPPHIRE_LOCALNET);
    let owner = chain.accounts()[0];
    let policy = RoflAdminClient::deploy_from(chain.provider().clone(), owner, owner).await.unwrap();
    let mut p = Manifest::from_path(TALOS).unwrap().deployment("mainnet").unwrap().policy;
    p.enclaves = vec![tdx("x"), tdx("y")];
    let (app, _) =
        policy.create_app(owner, &p, &Metadata::new(), IdentifierScheme::CreatorNonce).await.unwrap();
    (chain, policy, app)
}

#[tokio::test]
async fn unsigned_owner_dry_run_fails_while_the_signed_query_succeeds() {
    let (chain, policy, app) = policy_setup().await;
    let owner = chain.accounts()[0];
    let data = changes_calldata(app, &[PolicyChange::AddEnclave(tdx("z"))]);
    let request = TransactionRequest::default().with_from(owner).with_to(policy.address()).with_input(data);

    // A plain client (no signed queries): on the proxy the owner-only call runs as sender 0
    // and reverts with the contract's NotOwner-type error, as on Sapphire ...
    let plain = ProviderBuilder::new().connect_http(chain.endpoint().parse().unwrap());
    let error = plain.call(request.clone()).await.expect_err("sender 0 is not the owner");
    assert!(error.as_error_resp().and_then(|e| e.as_revert_data()).is_some(), "{error}");
    assert!(plain.estimate_gas(request.clone()).await.is_err());
    // ... while anvil itself, behind the proxy, runs it as the owner: the mode is what differs.
    let direct = ProviderBuilder::new().connect_http(chain.anvil_endpoint().parse().unwrap());
    direct.call(request.clone()).await.expect("anvil honours `from`");

    // The client's path: a signed query, and a gas estimate made of signed queries.
    chain.provider().call(request.clone()).await.expect("the signed query runs as the owner");
    let gas = chain.provider().estimate_gas(request.clone()).await.expect("signed estimate");
    let unsigned_direct = direct.estimate_gas(request.clone()).await.unwrap();
    assert!(
        gas >= unsigned_direct && gas <= unsigned_direct + unsigned_direct / 16,
        "{gas} vs {unsigned_direct}"
    );

    // A client without the sender's key says so instead of querying as sender 0.
    let keyless = ProviderBuilder::new().connect_client(
        ClientBuilder::default()
            .layer(SapphireLayer::new([chain.signer(5)]))
            .http(chain.endpoint().parse().unwrap()),
    );
    let error = keyless.call(request.clone()).await.expect_err("no key for the owner");
    assert!(error.to_string().contains("holds no key"), "{error}");

    // The owner's real send goes through with the signed estimate as its gas limit.
    policy.apply(owner, app, 0, &[PolicyChange::AddEnclave(tdx("z"))]).await.unwrap();
    assert!(policy.get_app(app).await.unwrap().config.policy.enclaves.contains(&tdx("z")));
}

fn changes_calldata(app: roflgov_types::AppId, changes: &[PolicyChange]) -> Bytes {
    roflgov_core::rofl::changes_to_calldata(app, 0, changes).unwrap()
}

#[tokio::test]
async fn the_proxy_checks_signatures_and_leashes_as_the_runtime() {
    let chain = LocalChain::start_with(LocalChainOptions::sapphire()).await.unwrap();
    let owner = chain.signer(0);
    // A contract-free call: `to` a dev account, so any well-formed signed query succeeds.
    let call = roflgov_core::sapphire::QueryCall {
        from: owner.address(),
        to: chain.accounts()[1],
        gas_limit: 100_000,
        gas_price: U256::from(1),
        value: U256::ZERO,
        data: Bytes::from_static(&[1, 2, 3]),
    };
    let block = chain.provider().get_block_by_number(0.into()).await.unwrap().unwrap();
    let leash = roflgov_core::sapphire::QueryLeash {
        nonce: 5,
        block_number: 0,
        block_hash: block.header.hash,
        block_range: 10,
    };
    let sign = |call: &roflgov_core::sapphire::QueryCall, leash: &roflgov_core::sapphire::QueryLeash| {
        use alloy::signers::SignerSync;
        let hash = roflgov_core::sapphire::signing_hash(SAPPHIRE_LOCALNET, call, leash);
        roflgov_core::sapphire::SignedCallDataPack::new(
            call.data.clone(),
            *leash,
            &owner.sign_hash_sync(&hash).unwrap(),
        )
        .encode()
    };
    let raw = ProviderBuilder::new().connect_http(chain.endpoint().parse().unwrap());
    let send = |pack: Vec<u8>, from: Address| {
        let tx = TransactionRequest::default()
            .with_from(from)
            .with_to(call.to)
            .with_gas_limit(call.gas_limit)
            .with_gas_price(1)
            .with_input(Bytes::from(pack));
        let raw = raw.clone();
        async move { raw.call(tx).await.map_err(|e| e.to_string()) }
    };
    send(sign(&call, &leash), call.from).await.expect("a good signed query runs");
    let error = send(sign(&call, &leash), chain.accounts()[2]).await.unwrap_err();
    assert!(error.contains("signer != caller"), "{error}");
    let wrong_base = roflgov_core::sapphire::QueryLeash { block_hash: B256::repeat_byte(1), ..leash };
    let error = send(sign(&call, &wrong_base), call.from).await.unwrap_err();
    assert!(error.contains("unexpected base block"), "{error}");
    let far = roflgov_core::sapphire::QueryLeash { block_number: 1_000, ..leash };
    let error = send(sign(&call, &far), call.from).await.unwrap_err();
    assert!(error.contains("base block not found"), "{error}");
    chain.mine(11).await.unwrap();
    let error = send(sign(&call, &leash), call.from).await.unwrap_err();
    assert!(error.contains("current block out of range"), "{error}");
    let stale = roflgov_core::sapphire::QueryLeash { nonce: 0, block_range: 100, ..leash };
    chain
        .provider()
        .send_transaction(TransactionRequest::default().with_from(call.from).with_to(call.to))
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    let error = send(sign(&call, &stale), call.from).await.unwrap_err();
    assert!(error.contains("stale nonce"), "{error}");
}

/// The guardian revokes and freezes through the client on a chain in Sapphire-RPC mode.
#[tokio::test]
async fn guardian_revokes_and_freezes_in_sapphire_rpc_mode() {
    let (chain, policy, app) = policy_setup().await;
    let (owner, guardian) = (chain.accounts()[0], chain.accounts()[1]);
    policy.apply(owner, app, 0, &[PolicyChange::SetGuardian { guardian }]).await.unwrap();
    // A stranger's attempt is refused by the contract, through the signed dry run.
    let stranger = chain.accounts()[2];
    let refused = policy.apply(stranger, app, 0, &[PolicyChange::RevokeEnclave(tdx("x"))]).await.unwrap_err();
    assert!(refused.contract_error().is_some(), "{refused}");
    policy.apply(guardian, app, 0, &[PolicyChange::RevokeEnclave(tdx("x"))]).await.unwrap();
    assert_eq!(policy.get_app(app).await.unwrap().config.policy.enclaves, vec![tdx("y")]);
    policy.apply(guardian, app, 0, &[PolicyChange::Freeze]).await.unwrap();
    assert!(policy.is_frozen(app).await.unwrap());
    let _ = RoflAppAdmin::freezeCall::SELECTOR;
}

/// Propose → sign → execute on a 2-of-3 Safe, with the executor's own approval counting for
/// one owner (a pre-validated signature: valid only when that owner is `msg.sender`, which
/// needs the signed dry run on Sapphire).
#[tokio::test]
async fn safe_flow_in_sapphire_rpc_mode() {
    let chain =
        LocalChain::start_with(LocalChainOptions { rofl_stand_in: false, ..LocalChainOptions::sapphire() })
            .await
            .unwrap();
    let deployment = SafeDeployment::deploy_verified(chain.provider()).await.unwrap();
    let owners: Vec<_> = (1..=3).map(|i| chain.signer(i)).collect();
    let address = deployment
        .create_safe(chain.provider(), &SafeSetup::new(owners.iter().map(|o| o.address()).collect(), 2))
        .await
        .unwrap();
    chain.set_balance(address, U256::from(10u64.pow(18))).await.unwrap();
    let safe = SafeClient::connect(chain.provider().clone(), address, deployment).await.unwrap();

    let nonce = safe.nonce().await.unwrap().to::<u64>();
    let tx = SafeTx::from_calls(
        deployment.multi_send_call_only,
        &[SafeCall::new(RECIPIENT, U256::from(7), Bytes::new())],
        nonce,
    )
    .unwrap();
    let mut set = safe.signature_set(&tx).await.unwrap();
    set.insert(safe.sign(&tx, &owners[1]).await.unwrap()).unwrap();
    set.insert_approved_hash(owners[2].address()).unwrap();
    // Owner 3 executes: its approval is `msg.sender == owner`, checked in the signed dry run.
    let executed = safe.execute(&tx, &set.packed(), owners[2].address()).await.unwrap();
    assert_eq!(executed.outcome, roflgov_safe::ExecutionOutcome::Success);
    assert_eq!(chain.provider().get_balance(RECIPIENT).await.unwrap(), U256::from(7));
}

/// Propose → vote → queue → execute through the Governor client in Sapphire-RPC mode.
#[tokio::test]
async fn dao_flow_in_sapphire_rpc_mode() {
    let d = dao_support::Dao::start_with(false, LocalChainOptions::sapphire()).await;
    let p = Proposal::new(
        [ProposalCall::sol(
            d.dao.timelock,
            &TimelockController::updateDelayCall { newDelay: U256::from(900u64) },
        )],
        roflgov_governor::DescriptionBuilder::new("Slower timelock").build_for(d.alice),
    );
    let id = d.gov.propose(&p, d.alice).await.unwrap();
    d.gov.advance_to_voting(id).await.unwrap();
    d.gov.cast_vote(id, VoteSupport::For, None, d.alice).await.unwrap();
    d.gov.cast_vote(id, VoteSupport::Against, None, d.bob).await.unwrap();
    d.gov.advance_past_deadline(id).await.unwrap();
    d.gov.queue(&p, d.bob).await.unwrap();
    d.gov.advance_to_eta(id).await.unwrap();
    d.gov.execute(&p, d.carol).await.unwrap();
    assert_eq!(d.gov.state(id).await.unwrap(), ProposalState::Executed);
    let timelock = TimelockController::new(d.dao.timelock, d.chain.provider().clone());
    assert_eq!(timelock.getMinDelay().call().await.unwrap(), U256::from(900u64));
}
