//! Issue 5 end to end on a real anvil (Shanghai) with the ROFL stand-in at the subcall
//! precompile: a 2-of-3 Safe owns the policy contract, creates an app, ships a release (new
//! enclave identity in, old one out) as one batch that went through the Transaction Builder
//! format, and a proposal drafted against an old version fails with `StaleVersion` decoded.

use alloy::{
    json_abi::JsonAbi,
    primitives::{Address, B256, FixedBytes, U256},
    providers::DynProvider,
    signers::local::PrivateKeySigner,
    sol_types::{SolCall, SolConstructor},
};
use eyre::Result;
use roflgov_client::deploy::deploy_linked;
use roflgov_contracts::Artifact;
use roflgov_core::rofl::subcall::SUBCALL_PRECOMPILE;
use roflgov_devnet::LocalChain;
use roflgov_safe::{
    CallDecoder, DecodedRevert, ExecutionOutcome, SafeCall, SafeClient, SafeDeployment, SafeError, SafeSetup,
    SafeTx, SigningSummary,
    tx_builder::{BatchFile, ExportOptions},
};

mod stand_in {
    alloy::sol!(
        #[sol(rpc)]
        RoflModuleStandIn,
        "../contracts/artifacts/RoflModuleStandIn.json"
    );
}
use roflgov_governor::bindings::{
    IRoflAppAdmin::{self, MetadataEntry},
    RoflAppAdmin,
};
use stand_in::RoflModuleStandIn;

use crate::support::{identity, policy};

const ROSE: u64 = 1_000_000_000_000_000_000;

struct Governed {
    chain: LocalChain,
    deployment: SafeDeployment,
    safe: SafeClient,
    owners: Vec<PrivateKeySigner>,
    admin: Address,
    decoder: CallDecoder,
}

impl Governed {
    async fn start() -> Result<Self> {
        let chain = LocalChain::start().await?;
        let provider = chain.provider();
        let deployment = SafeDeployment::deploy_verified(provider).await?;
        let owners: Vec<PrivateKeySigner> = (1..=3).map(|i| chain.signer(i)).collect();
        let safe_address = deployment
            .create_safe(provider, &SafeSetup::new(owners.iter().map(|o| o.address()).collect(), 2))
            .await?;
        chain.set_balance(safe_address, U256::from(1_000) * U256::from(ROSE)).await?;
        let artifact = Artifact::embedded("RoflAppAdmin")?;
        let constructor = RoflAppAdmin::constructorCall { initialOwner: safe_address }.abi_encode();
        let admin = deploy_linked(provider, chain.accounts()[0], &artifact, &constructor).await?;

        let abi: JsonAbi = serde_json::from_value(artifact.abi)?;
        let safe =
            SafeClient::connect(provider.clone(), safe_address, deployment).await?.with_errors_of(&abi);
        let decoder = CallDecoder::new().with_multi_send(deployment.multi_send_call_only).with_contract(
            admin,
            "RoflAppAdmin",
            abi,
        );
        Ok(Self { chain, deployment, safe, owners, admin, decoder })
    }

    fn call<C: SolCall>(&self, call: &C) -> SafeCall {
        SafeCall::typed(self.admin, U256::ZERO, call)
    }

    async fn tx(&self, calls: &[SafeCall]) -> Result<SafeTx> {
        Ok(SafeTx::from_calls(self.deployment.multi_send_call_only, calls, self.safe.nonce().await?.to())?)
    }

    /// Owners 3 and 1 sign (in that order); dev account 0, not an owner, executes.
    async fn approve_and_execute(&self, tx: &SafeTx) -> Result<ExecutionOutcome, SafeError> {
        let mut set = self.safe.signature_set(tx).await?;
        for owner in [&self.owners[2], &self.owners[0]] {
            set.insert(self.safe.sign(tx, owner).await?)?;
        }
        let executed = self.safe.execute(tx, &set.packed_complete()?, self.chain.accounts()[0]).await?;
        Ok(executed.outcome)
    }

    fn admin_contract(&self) -> IRoflAppAdmin::IRoflAppAdminInstance<&DynProvider> {
        IRoflAppAdmin::new(self.admin, self.chain.provider())
    }

    fn stand_in(&self) -> RoflModuleStandIn::RoflModuleStandInInstance<&DynProvider> {
        RoflModuleStandIn::new(SUBCALL_PRECOMPILE, self.chain.provider())
    }

    async fn module_enclaves(&self, app: FixedBytes<21>) -> Result<Vec<(B256, B256)>> {
        Ok(self
            .stand_in()
            .appEnclaves(app)
            .call()
            .await?
            .into_iter()
            .map(|e| (e.mrEnclave, e.mrSigner))
            .collect())
    }

    async fn version(&self, app: FixedBytes<21>) -> Result<u64> {
        Ok(self.admin_contract().version(app).call().await?)
    }
}

#[tokio::test]
async fn safe_governs_an_app_release_through_the_policy_contract() -> Result<()> {
    let governed = Governed::start().await?;
    let (old, new, next) = (identity(0xa1), identity(0xb2), identity(0xc3));

    // 1. The Safe creates the app, sending the 100 ROSE stake.
    let metadata = vec![MetadataEntry { key: "net.oasis.rofl.name".into(), value: "demo".into() }];
    let create = IRoflAppAdmin::createAppCall { policy: policy(old.clone()), metadata, scheme: 1 };
    let create_tx =
        governed.tx(&[SafeCall::typed(governed.admin, U256::from(100) * U256::from(ROSE), &create)]).await?;
    assert_eq!(governed.approve_and_execute(&create_tx).await?, ExecutionOutcome::Success);
    let app = governed.admin_contract().appIds().call().await?[0];
    let admin_oasis_address = governed.admin_contract().roflAdminAddress().call().await?;
    assert_eq!(governed.module_enclaves(app).await?, vec![(old.mrEnclave, old.mrSigner)]);
    assert_eq!(governed.version(app).await?, 1);

    // 2. The release as one MultiSendCallOnly batch, exported to and re-imported from the
    //    Transaction Builder format (what signers load in Safe{Wallet}).
    let release = [
        governed.call(&IRoflAppAdmin::addEnclaveCall {
            appId: app,
            expectedVersion: 1,
            identity: new.clone(),
        }),
        governed.call(&IRoflAppAdmin::removeEnclaveCall {
            appId: app,
            expectedVersion: 2,
            identity: old.clone(),
        }),
    ];
    let chain_id = governed.chain.chain_id();
    let options = ExportOptions { name: "release 0.2.0".into(), ..Default::default() };
    let exported =
        BatchFile::export(chain_id, governed.safe.address(), &release, &governed.decoder, &options)?;
    let checked = BatchFile::import_checked(&exported.to_json_pretty(), chain_id, governed.safe.address())?;
    assert_eq!(checked.calls, release);
    let release_tx = governed.tx(&checked.calls).await?;

    // What the signers see: the hash their wallet shows and the decoded calls.
    let summary = SigningSummary::new(&release_tx, chain_id, governed.safe.address(), &governed.decoder)?;
    assert_eq!(summary.hashes.safe_tx_hash, governed.safe.onchain_transaction_hash(&release_tx).await?);
    let names: Vec<_> = summary.calls.iter().map(|c| c.function.clone().unwrap_or_default()).collect();
    assert_eq!(names, ["addEnclave", "removeEnclave"]);
    assert!(summary.calls[0].arg("identity").unwrap().display.contains(&"b2".repeat(32)));

    assert_eq!(governed.approve_and_execute(&release_tx).await?, ExecutionOutcome::Success);
    assert_eq!(
        governed.module_enclaves(app).await?,
        vec![(new.mrEnclave, new.mrSigner)],
        "exactly the new policy"
    );
    let module_admin = governed.stand_in().appAdmin(app).call().await?;
    assert!(module_admin.hasAdmin, "the admin is kept");
    assert_eq!(module_admin.admin, admin_oasis_address);
    assert_eq!(governed.version(app).await?, 3, "one rofl.Update per call outside multicall");

    // 3. A proposal drafted against version 1 (before the release) fails cleanly, both as a
    //    multicall and as a batch, and changes nothing.
    let stale_calls = vec![
        IRoflAppAdmin::addEnclaveCall { appId: app, expectedVersion: 1, identity: next.clone() }
            .abi_encode()
            .into(),
        IRoflAppAdmin::removeEnclaveCall { appId: app, expectedVersion: 1, identity: new.clone() }
            .abi_encode()
            .into(),
    ];
    let stale_multicall =
        governed.tx(&[governed.call(&IRoflAppAdmin::multicallCall { calls: stale_calls })]).await?;
    let nonce_before = governed.safe.nonce().await?;
    match governed.approve_and_execute(&stale_multicall).await {
        Err(SafeError::InnerCallReverted(DecodedRevert::Custom { name, args })) => {
            assert_eq!(name, "StaleVersion");
            let args: Vec<(&str, &str)> = args.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            assert_eq!(args[1..], [("expected", "1"), ("current", "3")]);
        }
        other => panic!("expected StaleVersion, got {other:?}"),
    }
    let stale_batch = governed
        .tx(&[
            governed.call(&IRoflAppAdmin::addEnclaveCall {
                appId: app,
                expectedVersion: 1,
                identity: next.clone(),
            }),
            governed.call(&IRoflAppAdmin::removeEnclaveCall {
                appId: app,
                expectedVersion: 2,
                identity: new.clone(),
            }),
        ])
        .await?;
    let error = governed.approve_and_execute(&stale_batch).await.unwrap_err();
    match &error {
        SafeError::InnerCallReverted(inner @ DecodedRevert::InBatch { index: 0, alone: false, .. }) => {
            assert_eq!(inner.custom_name(), Some("StaleVersion"), "{error}");
        }
        other => panic!("expected StaleVersion in batch call #0, got {other:?}"),
    }
    assert!(error.to_string().contains("StaleVersion(appId: "), "{error}");
    assert_eq!(governed.safe.nonce().await?, nonce_before, "nothing executed");
    assert_eq!(governed.module_enclaves(app).await?, vec![(new.mrEnclave, new.mrSigner)]);
    assert_eq!(governed.version(app).await?, 3);

    // 4. The same change at the current version, as one multicall: one rofl.Update.
    let calls = vec![
        IRoflAppAdmin::addEnclaveCall { appId: app, expectedVersion: 3, identity: next.clone() }
            .abi_encode()
            .into(),
        IRoflAppAdmin::removeEnclaveCall { appId: app, expectedVersion: 3, identity: new.clone() }
            .abi_encode()
            .into(),
    ];
    let multicall = governed.tx(&[governed.call(&IRoflAppAdmin::multicallCall { calls })]).await?;
    let decoded = governed.decoder.decode_safe_tx(&multicall)?;
    assert_eq!(decoded[0].inner.len(), 2);
    assert!(governed.safe.simulate(&multicall).await?.success);
    assert_eq!(governed.approve_and_execute(&multicall).await?, ExecutionOutcome::Success);
    assert_eq!(governed.module_enclaves(app).await?, vec![(next.mrEnclave, next.mrSigner)]);
    assert_eq!(governed.version(app).await?, 4);
    assert!(governed.stand_in().appAdmin(app).call().await?.hasAdmin);
    Ok(())
}
