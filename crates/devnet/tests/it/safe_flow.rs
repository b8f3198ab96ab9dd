//! The Safe v1.4.1 approval flow on a real anvil (Shanghai): deployment against the canonical
//! code hashes, SafeTx hashing, signatures, approved hashes, execution and its failures.
//!
//! The Safe's own owner-management functions serve as the governed target: they change
//! state, are owner-gated (self-authorized) and revert with known reasons.

use alloy::{
    json_abi::JsonAbi,
    primitives::{Address, B256, Bytes, U256, address, keccak256},
    providers::Provider,
    signers::local::PrivateKeySigner,
    sol_types::{SolCall, SolError},
};
use eyre::Result;
use roflgov_contracts::Artifact;
use roflgov_devnet::{LocalChain, LocalChainOptions};
use roflgov_safe::{
    CallDecoder, DecodedRevert, ExecutionOutcome, SafeCall, SafeClient, SafeDeployment, SafeError,
    SafeProposal, SafeSetup, SafeSignature, SafeTx, SignatureSet, SigningSummary, bindings::SafeL2,
    canonical_code_hashes, ensure_no_nonce_conflicts, keystore_signer, load_proposals, sign_safe_tx,
};
use rstest::rstest;

const RECIPIENT: Address = address!("000000000000000000000000000000000000beef");
const NEW_OWNER: Address = address!("00000000000000000000000000000000000a11ce");

/// A 2-of-3 Safe whose owners are dev accounts 1, 2 and 3; account 0 executes (not an owner).
struct Fixture {
    chain: LocalChain,
    deployment: SafeDeployment,
    safe: SafeClient,
    owners: Vec<PrivateKeySigner>,
    stranger: PrivateKeySigner,
}

impl Fixture {
    async fn start() -> Result<Self> {
        let chain =
            LocalChain::start_with(LocalChainOptions { rofl_stand_in: false, ..Default::default() }).await?;
        let deployment = SafeDeployment::deploy_verified(chain.provider()).await?;
        let owners: Vec<PrivateKeySigner> = (1..=3).map(|i| chain.signer(i)).collect();
        let address = deployment
            .create_safe(chain.provider(), &SafeSetup::new(owners.iter().map(|o| o.address()).collect(), 2))
            .await?;
        chain.set_balance(address, U256::from(10u64.pow(18) * 10)).await?;
        let safe = SafeClient::connect(chain.provider().clone(), address, deployment).await?;
        let stranger = chain.signer(4);
        Ok(Self { chain, deployment, safe, owners, stranger })
    }

    fn executor(&self) -> Address {
        self.chain.accounts()[0]
    }

    /// A Safe transaction at the current nonce making `calls`.
    async fn tx(&self, calls: &[SafeCall]) -> Result<SafeTx> {
        let nonce = self.safe.nonce().await?.to::<u64>();
        Ok(SafeTx::from_calls(self.deployment.multi_send_call_only, calls, nonce)?)
    }

    /// A call of the Safe on itself.
    fn self_call<C: SolCall>(&self, call: &C) -> SafeCall {
        SafeCall::typed(self.safe.address(), U256::ZERO, call)
    }

    fn pay(&self, wei: u64) -> SafeCall {
        SafeCall::new(RECIPIENT, U256::from(wei), Bytes::new())
    }

    /// Signatures of the given owners (by index), inserted in the given order.
    async fn signed_by(&self, tx: &SafeTx, owner_indexes: &[usize]) -> Result<SignatureSet> {
        let mut set = self.safe.signature_set(tx).await?;
        for &i in owner_indexes {
            set.insert(self.safe.sign(tx, &self.owners[i]).await?)?;
        }
        Ok(set)
    }
}

fn safe_l2_abi() -> JsonAbi {
    let artifact = Artifact::embedded("SafeL2").expect("Safe artifacts present");
    serde_json::from_value(artifact.abi).expect("SafeL2 ABI parses")
}

#[tokio::test]
async fn deployment_matches_canonical_v141_code_hashes() -> Result<()> {
    let fixture = Fixture::start().await?;
    let provider = fixture.chain.provider();
    // Read the package's canonical list (not what our code produced), and compare by hand too.
    let canonical = canonical_code_hashes()?;
    assert_eq!(canonical.len(), 4);
    for (contract, address) in fixture.deployment.contracts() {
        let entry = canonical.iter().find(|c| c.contract == contract).expect("listed");
        let code = provider.get_code_at(address).await?;
        assert!(!code.is_empty(), "{contract} has code");
        assert_eq!(keccak256(&code), entry.code_hash, "{contract}");
    }
    let raw: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(
        roflgov_devnet::toolchain::project_root()?
            .join("node_modules/@safe-global/safe-deployments/dist/assets/v1.4.1/safe_l2.json"),
    )?)?;
    let listed: B256 = raw["deployments"]["canonical"]["codeHash"].as_str().unwrap().parse()?;
    assert_eq!(keccak256(provider.get_code_at(fixture.deployment.safe_l2_singleton).await?), listed);

    // The check can fail: swap two addresses.
    let mut swapped = fixture.deployment;
    std::mem::swap(&mut swapped.proxy_factory, &mut swapped.multi_send_call_only);
    let error = swapped.verify_code(provider).await.unwrap_err();
    assert!(
        matches!(error, SafeError::CodeHashMismatch { ref contract, .. } if contract == "SafeProxyFactory"),
        "{error}"
    );

    // The proxy is set up as asked.
    let state = fixture.safe.state().await?;
    assert_eq!(state.threshold, 2);
    assert_eq!(state.nonce, U256::ZERO);
    let mut owners = state.owners;
    owners.sort();
    let mut expected: Vec<Address> = fixture.owners.iter().map(|o| o.address()).collect();
    expected.sort();
    assert_eq!(owners, expected);
    Ok(())
}

#[rstest]
#[case::single_call(false, 0, 0)]
#[case::batch(true, 0, 0)]
#[case::gas_and_refund_fields(false, 50_000, 7)]
#[tokio::test]
async fn local_safe_tx_hash_equals_get_transaction_hash(
    #[case] batch: bool,
    #[case] safe_tx_gas: u64,
    #[case] nonce: u64,
) -> Result<()> {
    let fixture = Fixture::start().await?;
    let calls = if batch {
        vec![fixture.pay(1), fixture.self_call(&SafeL2::changeThresholdCall { _threshold: U256::from(1) })]
    } else {
        vec![fixture.pay(12345)]
    };
    let mut tx = SafeTx::from_calls(fixture.deployment.multi_send_call_only, &calls, nonce)?;
    tx.safe_tx_gas = U256::from(safe_tx_gas);
    if safe_tx_gas > 0 {
        tx.base_gas = U256::from(21_000);
        tx.gas_price = U256::from(3);
        tx.refund_receiver = RECIPIENT;
    }
    let onchain = fixture.safe.onchain_transaction_hash(&tx).await?;
    assert_eq!(fixture.safe.safe_tx_hash(&tx), onchain);
    // Any field change changes the hash.
    let mut changed = tx.clone();
    changed.nonce += U256::from(1);
    assert_ne!(fixture.safe.safe_tx_hash(&changed), onchain);

    // The summary shows the same hash and decodes the calls.
    let decoder = CallDecoder::new().with_multi_send(fixture.deployment.multi_send_call_only).with_contract(
        fixture.safe.address(),
        "Safe",
        safe_l2_abi(),
    );
    let summary = SigningSummary::new(&tx, fixture.chain.chain_id(), fixture.safe.address(), &decoder)?;
    assert_eq!(summary.hashes.safe_tx_hash, onchain);
    assert_eq!(summary.calls.len(), calls.len());
    if batch {
        assert_eq!(summary.calls[1].function.as_deref(), Some("changeThreshold"));
        assert_eq!(summary.calls[1].args[0].display, "1");
        let text = summary.to_string();
        assert!(text.contains(&onchain.to_string()) && text.contains("changeThreshold"), "{text}");
    }
    if safe_tx_gas > 0 {
        assert!(summary.refund.is_some());
    }
    Ok(())
}

#[tokio::test]
async fn two_of_three_executes_a_batch_with_signatures_in_any_order() -> Result<()> {
    let fixture = Fixture::start().await?;
    let add_owner = SafeL2::addOwnerWithThresholdCall { owner: NEW_OWNER, _threshold: U256::from(2) };
    let tx = fixture.tx(&[fixture.pay(1_000), fixture.self_call(&add_owner)]).await?;
    // Owner 3 signs first, then owner 1: packing must sort them.
    let set = fixture.signed_by(&tx, &[2, 0]).await?;
    assert!(set.is_complete());
    let executed = fixture.safe.execute(&tx, &set.packed_complete()?, fixture.executor()).await?;
    assert_eq!(executed.outcome, ExecutionOutcome::Success);
    assert_eq!(executed.safe_tx_hash, fixture.safe.safe_tx_hash(&tx));
    assert!(executed.receipt.status());

    let provider = fixture.chain.provider();
    assert_eq!(provider.get_balance(RECIPIENT).await?, U256::from(1_000));
    let state = fixture.safe.state().await?;
    assert!(state.owners.contains(&NEW_OWNER));
    assert_eq!(state.nonce, U256::from(1));
    Ok(())
}

#[tokio::test]
async fn one_signature_is_refused_locally_and_by_the_safe() -> Result<()> {
    let fixture = Fixture::start().await?;
    let tx = fixture.tx(&[fixture.pay(1)]).await?;
    let set = fixture.signed_by(&tx, &[1]).await?;
    assert!(matches!(set.packed_complete(), Err(SafeError::NotEnoughSignatures { have: 1, threshold: 2 })));
    let error = fixture.safe.execute(&tx, &set.packed(), fixture.executor()).await.unwrap_err();
    assert!(matches!(error, SafeError::SafeRejected { ref code, .. } if code == "GS020"), "{error}");
    assert!(error.to_string().contains("fewer signatures than the threshold"), "{error}");
    assert_eq!(fixture.safe.nonce().await?, U256::ZERO);

    // The refused attempt sent nothing: the same executor's next transaction is mined at once
    // (a failed send that consumed a cached account nonce would leave it pending forever).
    let set = fixture.signed_by(&tx, &[1, 2]).await?;
    let executed = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        fixture.safe.execute(&tx, &set.packed_complete()?, fixture.executor()),
    )
    .await??;
    assert_eq!(executed.outcome, ExecutionOutcome::Success);
    Ok(())
}

#[tokio::test]
async fn non_owner_signature_is_refused_locally_and_by_the_safe() -> Result<()> {
    let fixture = Fixture::start().await?;
    let tx = fixture.tx(&[fixture.pay(1)]).await?;
    let mut set = fixture.signed_by(&tx, &[0]).await?;
    let stranger = sign_safe_tx(&fixture.stranger, &tx, fixture.chain.chain_id(), fixture.safe.address())?;
    let error = set.insert(stranger.clone()).unwrap_err();
    assert!(matches!(error, SafeError::NotAnOwner { signer, .. } if signer == fixture.stranger.address()));

    // Bypass the local check: the Safe refuses with GS026.
    let mut by_signer = vec![
        (fixture.owners[0].address(), set.packed().to_vec()),
        (fixture.stranger.address(), stranger.packed().to_vec()),
    ];
    by_signer.sort();
    let packed: Bytes = by_signer.into_iter().flat_map(|(_, s)| s).collect::<Vec<u8>>().into();
    let error = fixture.safe.execute(&tx, &packed, fixture.executor()).await.unwrap_err();
    assert!(matches!(error, SafeError::SafeRejected { ref code, .. } if code == "GS026"), "{error}");
    Ok(())
}

#[tokio::test]
async fn signatures_over_another_chain_id_fail() -> Result<()> {
    let fixture = Fixture::start().await?;
    let tx = fixture.tx(&[fixture.pay(1)]).await?;
    let other_chain = 23294; // Sapphire mainnet
    assert_ne!(other_chain, fixture.chain.chain_id());
    let signatures: Vec<SafeSignature> = fixture.owners[..2]
        .iter()
        .map(|owner| sign_safe_tx(owner, &tx, other_chain, fixture.safe.address()))
        .collect::<Result<_, _>>()?;
    let mut set = fixture.safe.signature_set(&tx).await?;
    for signature in &signatures {
        assert!(matches!(set.insert(signature.clone()), Err(SafeError::NotAnOwner { .. })));
    }
    let packed: Bytes = signatures.iter().flat_map(|s| s.packed()).collect::<Vec<u8>>().into();
    let error = fixture.safe.execute(&tx, &packed, fixture.executor()).await.unwrap_err();
    assert!(matches!(error, SafeError::SafeRejected { ref code, .. } if code == "GS026"), "{error}");
    Ok(())
}

#[tokio::test]
async fn approved_hash_path_and_executor_owner_approval() -> Result<()> {
    let fixture = Fixture::start().await?;
    let owner = |i: usize| fixture.owners[i].address();

    // Owner 1 approves on-chain, owner 2 signs; a non-owner executes.
    let tx = fixture.tx(&[fixture.pay(7)]).await?;
    let hash = fixture.safe.safe_tx_hash(&tx);
    fixture.safe.approve_hash(owner(0), hash).await?;
    assert!(fixture.safe.is_hash_approved(owner(0), hash).await?);
    let mut set = fixture.signed_by(&tx, &[1]).await?;
    set.insert_approved_hash(owner(0))?;
    let packed = set.packed_complete()?;
    assert!(packed.chunks(65).any(|c| c[64] == 1 && c[12..32] == *owner(0).as_slice()));
    let executed = fixture.safe.execute(&tx, &packed, fixture.executor()).await?;
    assert_eq!(executed.outcome, ExecutionOutcome::Success);

    // An approval that was never given is refused (GS025).
    let tx = fixture.tx(&[fixture.pay(8)]).await?;
    let mut set = fixture.signed_by(&tx, &[1]).await?;
    set.insert_approved_hash(owner(2))?;
    let error = fixture.safe.execute(&tx, &set.packed(), fixture.executor()).await.unwrap_err();
    assert!(matches!(error, SafeError::SafeRejected { ref code, .. } if code == "GS025"), "{error}");

    // ... but it counts when that owner executes the transaction themself.
    let executed = fixture.safe.execute(&tx, &set.packed(), owner(2)).await?;
    assert_eq!(executed.outcome, ExecutionOutcome::Success);
    assert_eq!(fixture.chain.provider().get_balance(RECIPIENT).await?, U256::from(15));
    Ok(())
}

#[tokio::test]
async fn replaying_an_executed_tx_fails_and_used_nonces_are_not_signed() -> Result<()> {
    let fixture = Fixture::start().await?;
    let tx = fixture.tx(&[fixture.pay(1)]).await?;
    let packed = fixture.signed_by(&tx, &[0, 1]).await?.packed_complete()?;
    fixture.safe.execute(&tx, &packed, fixture.executor()).await?;

    let error = fixture.safe.execute(&tx, &packed, fixture.executor()).await.unwrap_err();
    assert!(matches!(error, SafeError::SafeRejected { ref code, .. } if code == "GS026"), "{error}");

    let error = fixture.safe.sign(&tx, &fixture.owners[2]).await.unwrap_err();
    assert!(
        matches!(error, SafeError::NonceAlreadyUsed { tx_nonce, safe_nonce } if tx_nonce == U256::ZERO && safe_nonce == U256::from(1)),
        "{error}"
    );
    assert_eq!(fixture.chain.provider().get_balance(RECIPIENT).await?, U256::from(1));
    Ok(())
}

#[tokio::test]
async fn keystore_signers_sign_like_raw_keys() -> Result<()> {
    let fixture = Fixture::start().await?;
    let dir = tempfile::tempdir()?;
    let secret = fixture.owners[1].to_bytes();
    PrivateKeySigner::encrypt_keystore(
        dir.path(),
        &mut rand::thread_rng(),
        secret,
        "correct horse",
        Some("owner2"),
    )?;
    let path = dir.path().join("owner2");
    assert!(
        !std::fs::read_to_string(&path)?.contains(&alloy::hex::encode(secret)),
        "the key is stored encrypted"
    );

    assert!(matches!(keystore_signer(&path, "wrong"), Err(SafeError::Keystore { .. })));
    let from_keystore = keystore_signer(&path, "correct horse")?;
    assert_eq!(from_keystore.address(), fixture.owners[1].address());

    let tx = fixture.tx(&[fixture.pay(3)]).await?;
    let typed = fixture.safe.sign_typed(&tx, &from_keystore).await?;
    let raw = fixture.safe.sign(&tx, &fixture.owners[1]).await?;
    assert_eq!(typed, raw, "EIP-712 typed-data signing and hash signing agree");

    let mut set = fixture.safe.signature_set(&tx).await?;
    set.insert(typed)?;
    set.insert(fixture.safe.sign(&tx, &fixture.owners[2]).await?)?;
    let executed = fixture.safe.execute(&tx, &set.packed_complete()?, fixture.executor()).await?;
    assert_eq!(executed.outcome, ExecutionOutcome::Success);
    Ok(())
}

#[rstest]
#[case::without_safe_tx_gas(0, false)]
#[case::with_safe_tx_gas(200_000, false)]
#[case::second_call_of_a_batch(0, true)]
#[tokio::test]
async fn inner_revert_is_surfaced(#[case] safe_tx_gas: u64, #[case] batch: bool) -> Result<()> {
    let fixture = Fixture::start().await?;
    // Threshold 5 with 3 owners: the Safe's own check reverts with GS201.
    let failing = fixture.self_call(&SafeL2::changeThresholdCall { _threshold: U256::from(5) });
    let calls = if batch { vec![fixture.pay(1), failing] } else { vec![failing] };
    let mut tx = fixture.tx(&calls).await?;
    tx.safe_tx_gas = U256::from(safe_tx_gas);
    let simulated = fixture.safe.simulate(&tx).await?;
    assert!(!simulated.success);
    let packed = fixture.signed_by(&tx, &[0, 2]).await?.packed_complete()?;
    let result = fixture.safe.execute(&tx, &packed, fixture.executor()).await;
    let inner = match (safe_tx_gas, result) {
        (0, Err(SafeError::InnerCallReverted(inner))) => {
            assert_eq!(fixture.safe.nonce().await?, U256::ZERO, "GS013 reverts the whole transaction");
            inner
        }
        (_, Ok(executed)) if safe_tx_gas > 0 => {
            assert_eq!(fixture.safe.nonce().await?, U256::from(1), "ExecutionFailure uses the nonce");
            match executed.outcome {
                ExecutionOutcome::Failure { inner_revert: Some(inner) } => inner,
                other => panic!("expected ExecutionFailure, got {other:?}"),
            }
        }
        (_, other) => panic!("unexpected result {other:?}"),
    };
    assert_eq!(inner.safe_code(), Some("GS201"), "{inner}");
    if batch {
        assert!(matches!(inner, DecodedRevert::InBatch { index: 1, .. }), "{inner}");
        assert!(inner.to_string().starts_with("batch call #1"), "{inner}");
    }
    assert_eq!(Some(&inner), simulated.revert.as_ref());
    assert!(inner.to_string().contains("threshold cannot exceed owner count"), "{inner}");
    assert_eq!(fixture.safe.state().await?.threshold, 2);
    Ok(())
}

#[tokio::test]
async fn competing_proposals_at_one_nonce_are_detected_in_a_folder() -> Result<()> {
    let fixture = Fixture::start().await?;
    let dir = tempfile::tempdir()?;
    let chain_id = fixture.chain.chain_id();
    let a = SafeProposal::new(chain_id, fixture.safe.address(), fixture.tx(&[fixture.pay(1)]).await?);
    let b = SafeProposal::new(chain_id, fixture.safe.address(), fixture.tx(&[fixture.pay(2)]).await?);
    let mut next = fixture.tx(&[fixture.pay(3)]).await?;
    next.nonce += U256::from(1);
    let c = SafeProposal::new(chain_id, fixture.safe.address(), next);
    a.save(&dir.path().join("a.json"))?;
    c.save(&dir.path().join("c.json"))?;
    let loaded = load_proposals(dir.path())?;
    assert_eq!(loaded.len(), 2);
    ensure_no_nonce_conflicts(loaded.iter().map(|(_, p)| p))?;

    b.save(&dir.path().join("b.json"))?;
    let loaded = load_proposals(dir.path())?;
    let error = ensure_no_nonce_conflicts(loaded.iter().map(|(_, p)| p)).unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, SafeError::CompetingTransactions { nonce, .. } if nonce == U256::ZERO));
    assert!(
        message.contains(&a.safe_tx_hash.to_string()) && message.contains(&b.safe_tx_hash.to_string()),
        "{message}"
    );

    // A proposal file whose stored hash does not match its transaction is refused.
    let mut forged = serde_json::to_value(&c)?;
    forged["tx"]["value"] = serde_json::json!("0x1");
    std::fs::write(dir.path().join("d.json"), forged.to_string())?;
    assert!(matches!(load_proposals(dir.path()), Err(SafeError::ProposalFile { .. })));
    Ok(())
}

#[test]
fn revert_decoder_explains_safe_codes() {
    let decoded =
        roflgov_safe::RevertDecoder::default().decode(&alloy::sol_types::Revert::from("GS026").abi_encode());
    assert_eq!(decoded.safe_code(), Some("GS026"));
    assert!(matches!(decoded, DecodedRevert::Message { .. }));
}
