//! Shared fixtures of the chain tests: a local anvil, a deployed DAO and three voters
//! (`dao_lifecycle`, `dao_app_policy`, `compromise_drill`, …), and the default app policy
//! (`dao_app_policy`, `safe_rofl_e2e`).
#![allow(dead_code)]

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    providers::DynProvider,
    signers::local::PrivateKeySigner,
};
use roflgov_client::deploy::deploy_dao;
use roflgov_devnet::{LocalChain, LocalChainOptions};
use roflgov_governor::{
    DaoDeployment, DaoParams, GovernorClient,
    bindings::{
        IRoflAppAdmin::{AppPolicy, EnclaveIdentity, EndorsementNode, PcsPolicy, QuotePolicy},
        RoflGovToken,
    },
};

/// A TDX identity (mr_signer all zero) of the policy contract's ABI, every byte `byte`.
pub(crate) fn identity(byte: u8) -> EnclaveIdentity {
    EnclaveIdentity { mrEnclave: B256::repeat_byte(byte), mrSigner: B256::ZERO }
}

/// What `oasis rofl create` writes by default, with one enclave identity.
pub(crate) fn policy(enclave: EnclaveIdentity) -> AppPolicy {
    AppPolicy {
        quotes: QuotePolicy {
            pcsPresent: true,
            pcs: PcsPolicy {
                disabled: false,
                tcbValidityPeriod: 30,
                minTcbEvaluationDataNumber: 18,
                fmspcWhitelist: vec![],
                fmspcBlacklist: vec![],
                tdxAllowed: true,
                allowedTdxModules: vec![],
            },
        },
        enclaves: vec![enclave],
        endorsements: vec![EndorsementNode { kind: 0, value: Bytes::new(), children: 0 }],
        fees: 2,
        maxExpiration: 3,
    }
}

pub(crate) fn ether(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18u64))
}

/// Voting power handed out by [`Dao::start`]: alice 30 %, bob 20 %, carol 1 % of the supply
/// (1,000,000); the deployer keeps the rest undelegated (it counts for the quorum, never votes).
pub(crate) const ALICE_VOTES: u64 = 300_000;
pub(crate) const BOB_VOTES: u64 = 200_000;
pub(crate) const CAROL_VOTES: u64 = 10_000;

/// A running anvil: the project's [`LocalChain`], with the ROFL stand-in installed when the
/// policy contract is deployed too.
pub(crate) struct TestChain {
    local: LocalChain,
}

impl TestChain {
    pub(crate) async fn start(with_app_admin: bool) -> Self {
        Self::start_with(with_app_admin, LocalChainOptions::default()).await
    }

    /// Like [`TestChain::start`], with `options` (e.g. the Sapphire-RPC mode).
    pub(crate) async fn start_with(with_app_admin: bool, options: LocalChainOptions) -> Self {
        let local =
            LocalChain::start_with(LocalChainOptions { rofl_stand_in: with_app_admin, ..options }).await;
        Self { local: local.expect("anvil starts") }
    }

    pub(crate) fn provider(&self) -> &DynProvider {
        self.local.provider()
    }

    /// The [`LocalChain`] itself (epochs, time, the stand-in's clock).
    pub(crate) fn local(&self) -> &LocalChain {
        &self.local
    }

    pub(crate) fn accounts(&self) -> &[Address] {
        self.local.accounts()
    }

    pub(crate) fn signer(&self, index: usize) -> PrivateKeySigner {
        self.local.signer(index)
    }

    pub(crate) async fn mine(&self, blocks: u64) {
        self.local.mine(blocks).await.unwrap();
    }

    pub(crate) async fn set_balance(&self, who: Address, wei: U256) {
        self.local.set_balance(who, wei).await.unwrap();
    }
}

pub(crate) struct Dao {
    pub chain: TestChain,
    pub dao: DaoDeployment,
    pub gov: GovernorClient,
    pub deployer: Address,
    pub alice: Address,
    pub bob: Address,
    pub carol: Address,
    pub params: DaoParams,
}

impl Dao {
    /// Start anvil (with the ROFL stand-in and the policy contract when `with_app_admin`),
    /// deploy the DAO with local parameters, fund and delegate the voters, and mine a block so
    /// their votes are in the past.
    pub(crate) async fn start(with_app_admin: bool) -> Self {
        Self::start_with(with_app_admin, LocalChainOptions::default()).await
    }

    /// Like [`Dao::start`], on a local chain started with `options`.
    pub(crate) async fn start_with(with_app_admin: bool, options: LocalChainOptions) -> Self {
        let chain = TestChain::start_with(with_app_admin, options).await;
        let accounts = chain.accounts().to_vec();
        let (deployer, alice, bob, carol) = (accounts[0], accounts[1], accounts[2], accounts[3]);
        let params = DaoParams { deploy_app_admin: with_app_admin, ..DaoParams::local() };
        let dao = deploy_dao(chain.provider(), deployer, &params).await.expect("DAO deploys");
        let gov = GovernorClient::new(chain.provider().clone(), dao.governor);

        let token = RoflGovToken::new(dao.token, chain.provider().clone());
        for (who, amount) in [(alice, ALICE_VOTES), (bob, BOB_VOTES), (carol, CAROL_VOTES)] {
            token
                .transfer(who, ether(amount))
                .from(deployer)
                .send()
                .await
                .unwrap()
                .get_receipt()
                .await
                .unwrap();
            gov.delegate(who, who).await.expect("delegate");
        }
        chain.mine(1).await;
        Self { chain, dao, gov, deployer, alice, bob, carol, params }
    }
}
