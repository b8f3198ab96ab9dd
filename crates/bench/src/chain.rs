//! The one local chain of a benchmark run and the transactions it measures: Safe
//! transactions (2 of 3 owners sign, a non-owner executes), Governor proposals (propose, three
//! votes, queue, execute) and the subcall precompile's two stand-ins.

use alloy::{
    eips::BlockNumberOrTag,
    network::TransactionBuilder,
    primitives::{Address, Bytes, U256},
    providers::{DynProvider, Provider, ProviderBuilder, ext::AnvilApi},
    rpc::types::{TransactionReceipt, TransactionRequest},
};
use eyre::{Context, Result, bail, eyre};
use roflgov_client::{
    deploy::deploy_dao,
    rofl::{RoflAdminClient, bindings::RoflModuleStandIn},
};
use roflgov_contracts::Artifact;
use roflgov_core::rofl::{
    PolicyChange, changes_to_calldata,
    subcall::{SUBCALL_PRECOMPILE, decode_subcall_output, encode_subcall},
};
use roflgov_devnet::LocalChain;
use roflgov_governor::{
    DaoDeployment, DaoParams, GovernorClient, Proposal, ProposalCall, VoteSupport, bindings::RoflGovToken,
};
use roflgov_safe::{ExecutionOutcome, SafeCall, SafeClient, SafeDeployment, SafeSetup, SafeTx, SignatureSet};
use roflgov_types::{AppId, ids::Address as OasisAddress};
use serde::Serialize;

/// What answers at the subcall precompile address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Precompile {
    /// `contracts/testing/RoflModuleStandIn.sol`: the strict local stand-in for the ROFL module.
    StandIn,
    /// `contracts/testing/NoopSubcall.sol`: answers at once, so only the caller's gas is left.
    Noop,
}

impl Precompile {
    /// Column label.
    pub fn label(self) -> &'static str {
        match self {
            Precompile::StandIn => "ROFL stand-in",
            Precompile::Noop => "no-op precompile",
        }
    }
}

/// 100 ROSE, what `rofl.Create` stakes.
pub fn stake() -> U256 {
    U256::from(100u64) * U256::from(10u64).pow(U256::from(18u64))
}

/// Who sends what on the benchmark chain.
pub struct Chain {
    /// The anvil instance.
    pub local: LocalChain,
    /// A provider that signs with the deployer's key.
    pub provider: DynProvider,
    /// A provider without a wallet, for impersonated accounts (`eth_sendTransaction`).
    pub unsigned: DynProvider,
    /// The account that deploys the contracts and pays for the Safe transactions it executes.
    pub deployer: Address,
    /// The three Safe owners, who are also the three DAO voters.
    pub owners: Vec<Address>,
    /// The 2-of-3 Safe that owns the apps and policy contracts under test.
    pub safe: SafeClient,
}

impl std::fmt::Debug for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chain")
            .field("local", &self.local)
            .field("deployer", &self.deployer)
            .field("owners", &self.owners)
            .finish_non_exhaustive()
    }
}

impl Chain {
    /// Starts anvil (Shanghai) with the ROFL stand-in, a block timestamp interval of one second,
    /// deploys Safe v1.4.1 and a 2-of-3 Safe holding 10,000 ROSE (stakes for the apps it creates).
    pub async fn start() -> Result<Self> {
        let local = LocalChain::start().await.wrap_err("starting anvil")?;
        let provider = local.provider().clone();
        let unsigned = ProviderBuilder::new().connect_http(local.endpoint().parse()?).erased();
        let accounts = local.accounts().to_vec();
        let (deployer, owners) = (accounts[0], accounts[1..4].to_vec());
        // Every block one second after the last, whatever the wall clock: gas then does not
        // depend on it. The roflmarket stand-in writes `block.timestamp` (`updatedAt`), and
        // rewriting the value a slot already holds is cheaper (EIP-2200) than a new one, so with
        // wall-clock timestamps a transaction's gas depended on whether its block fell in the
        // same second as the previous write, and a gas limit estimated in one second could run
        // out in the next (the release-plus-Deploy batch failed about half the time).
        // The Governor's clock sets exact timestamps (`anvil_setNextBlockTimestamp`), which
        // take precedence; `evm_increaseTime` has no effect in this mode (the bench never uses it).
        provider.anvil_set_block_timestamp_interval(1).await?;
        let deployment = SafeDeployment::deploy(&provider).await?;
        let address = deployment.create_safe(&provider, &SafeSetup::new(owners.clone(), 2)).await?;
        local.set_balance(address, stake() * U256::from(100u64)).await?;
        let safe = SafeClient::connect(provider.clone(), address, deployment).await?;
        Ok(Self { local, provider, unsigned, deployer, owners, safe })
    }

    /// Puts `precompile`'s runtime code at the subcall precompile address. The stand-in's
    /// storage survives a swap, so a run measures every stand-in figure first.
    pub async fn install(&self, precompile: Precompile) -> Result<()> {
        let code = match precompile {
            Precompile::StandIn => Artifact::embedded("RoflModuleStandIn")?.deployed_bytecode()?,
            Precompile::Noop => Artifact::embedded("NoopSubcall")?.deployed_bytecode()?,
        };
        self.provider.anvil_set_code(SUBCALL_PRECOMPILE, code).await?;
        Ok(())
    }

    /// The Oasis address the module sees for the Safe.
    pub fn safe_oasis(&self) -> OasisAddress {
        OasisAddress::from_eth(self.safe.address())
    }

    /// A Safe transaction of one CALL, signed by owners 1 and 2 of 3, executed by the deployer.
    /// Returns the receipt (its gas is the whole transaction's: intrinsic, calldata, the Safe's
    /// signature checks and the inner call).
    pub async fn safe_call(&self, to: Address, value: U256, data: Bytes) -> Result<TransactionReceipt> {
        let nonce: u64 = self.safe.nonce().await?.to();
        self.safe_exec(SafeTx::call(SafeCall::new(to, value, data), nonce)).await
    }

    /// A Safe transaction of several CALLs through MultiSendCallOnly (DELEGATECALL), signed and
    /// executed like [`Chain::safe_call`]: how a batch (a release and its Deploys) is sent.
    pub async fn safe_batch(&self, calls: &[SafeCall]) -> Result<TransactionReceipt> {
        let nonce: u64 = self.safe.nonce().await?.to();
        self.safe_exec(SafeTx::multi_send(self.safe.deployment().multi_send_call_only, calls, nonce)).await
    }

    async fn safe_exec(&self, tx: SafeTx) -> Result<TransactionReceipt> {
        let mut set = SignatureSet::new(self.safe.safe_tx_hash(&tx), self.owners.clone(), 2);
        for owner in [1, 2] {
            set.insert(self.safe.sign(&tx, &self.local.signer(owner)).await?)?;
        }
        let executed = self.safe.execute(&tx, &set.packed_complete()?, self.deployer).await?;
        if executed.outcome != ExecutionOutcome::Success {
            bail!("Safe transaction failed: {:?}", executed.outcome);
        }
        Ok(executed.receipt)
    }

    /// Today's flow: the Safe calls the subcall precompile with a pre-encoded body. The call is
    /// first dry-run as the Safe: the precompile reports a module error as a status, not a
    /// revert, so the Safe transaction would succeed and be measured although the module
    /// refused the body.
    pub async fn safe_subcall(&self, method: &str, body: &[u8]) -> Result<TransactionReceipt> {
        self.dry_run_subcall(self.safe.address(), method, body).await?;
        self.safe_call(SUBCALL_PRECOMPILE, U256::ZERO, encode_subcall(method, body)).await
    }

    /// Calls the subcall precompile as `from` without sending (`eth_call`) and fails with the
    /// module's error when it refuses the call; returns its CBOR result otherwise.
    pub async fn dry_run_subcall(&self, from: Address, method: &str, body: &[u8]) -> Result<Bytes> {
        let request = TransactionRequest::default()
            .with_from(from)
            .with_to(SUBCALL_PRECOMPILE)
            .with_input(encode_subcall(method, body));
        let output = self
            .unsigned
            .call(request)
            .await
            .wrap_err_with(|| format!("dry run of {method} as {from}: the precompile reverted"))?;
        decode_subcall_output(&output).wrap_err_with(|| format!("{method} as {from} is refused"))
    }

    /// Creates an app straight from the Safe (`rofl.Create` subcall): the Safe is its admin.
    /// With the no-op precompile nothing is created and a fixed id is returned.
    pub async fn safe_create_direct(&self, precompile: Precompile, body: &[u8]) -> Result<(AppId, u64)> {
        let receipt = self.safe_subcall("rofl.Create", body).await?;
        let id = match precompile {
            Precompile::StandIn => created_by_stand_in(&receipt)?,
            Precompile::Noop => AppId::from_global_name("roflgov bench: no-op baseline app"),
        };
        Ok((id, receipt.gas_used))
    }

    /// Deploys a policy contract owned by `owner`.
    pub async fn deploy_policy(&self, owner: Address) -> Result<RoflAdminClient<DynProvider>> {
        Ok(RoflAdminClient::deploy_from(self.provider.clone(), self.deployer, owner).await?)
    }

    /// `changes` on `app` through the Safe → policy contract path, as roflgov sends them: one
    /// call, or one `multicall` for several changes.
    pub async fn safe_policy_changes(
        &self,
        policy: &RoflAdminClient<DynProvider>,
        app: AppId,
        changes: &[PolicyChange],
    ) -> Result<TransactionReceipt> {
        let version = policy.version(app).await?;
        let data = changes_to_calldata(app, version, changes)?;
        self.safe_call(policy.address(), U256::ZERO, data).await
    }

    /// `createApp` through the Safe; returns the new app and the gas.
    pub async fn safe_policy_create(
        &self,
        policy: &RoflAdminClient<DynProvider>,
        create: PolicyChange,
    ) -> Result<(AppId, u64)> {
        let data = create.to_calldata(AppId::default(), 0)?;
        let receipt = self.safe_call(policy.address(), create.value(), data).await?;
        let app = created_by_policy(&receipt)?;
        Ok((app, receipt.gas_used))
    }

    /// Sends a transaction from an impersonated account (setup only: never measured).
    pub async fn send_as(
        &self,
        from: Address,
        to: Address,
        value: U256,
        data: Bytes,
    ) -> Result<TransactionReceipt> {
        self.provider.anvil_impersonate_account(from).await?;
        self.provider.anvil_set_balance(from, stake() * U256::from(1000u64)).await?;
        let request =
            TransactionRequest::default().with_from(from).with_to(to).with_value(value).with_input(data);
        self.unsigned.call(request.clone()).await.wrap_err("simulating an impersonated transaction")?;
        let receipt = self.unsigned.send_transaction(request).await?.get_receipt().await?;
        self.provider.anvil_stop_impersonating_account(from).await?;
        if !receipt.status() {
            bail!("impersonated transaction from {from} reverted");
        }
        Ok(receipt)
    }

    /// The receipt of the latest block's last transaction (anvil mines one block per transaction).
    pub async fn latest_receipt(&self) -> Result<TransactionReceipt> {
        let block = self
            .provider
            .get_block_by_number(BlockNumberOrTag::Latest)
            .await?
            .ok_or_else(|| eyre!("no latest block"))?;
        let hash =
            block.transactions.hashes().last().ok_or_else(|| eyre!("latest block has no transaction"))?;
        self.provider.get_transaction_receipt(hash).await?.ok_or_else(|| eyre!("no receipt for {hash}"))
    }
}

/// The app id from the stand-in's `AppCreated` event.
pub fn created_by_stand_in(receipt: &TransactionReceipt) -> Result<AppId> {
    receipt
        .inner
        .logs()
        .iter()
        .filter(|log| log.address() == SUBCALL_PRECOMPILE)
        .find_map(|log| log.log_decode::<RoflModuleStandIn::AppCreated>().ok())
        .map(|log| AppId(log.inner.data.appId.0))
        .ok_or_else(|| eyre!("the stand-in emitted no AppCreated"))
}

/// The app id from the policy contract's `AppCreated` event.
pub fn created_by_policy(receipt: &TransactionReceipt) -> Result<AppId> {
    receipt
        .inner
        .logs()
        .iter()
        .find_map(|log| log.log_decode::<roflgov_client::rofl::bindings::RoflAppAdmin::AppCreated>().ok())
        .map(|log| AppId(log.inner.data.appId.0))
        .ok_or_else(|| eyre!("the policy contract emitted no AppCreated"))
}

/// A DAO whose Timelock owns a policy contract; three voters hold a third of the votes each.
pub struct Dao {
    /// The Governor, Timelock and votes token.
    pub deployment: DaoDeployment,
    /// A client of the Governor.
    pub governor: GovernorClient,
    /// The policy contract the Timelock owns.
    pub policy: RoflAdminClient<DynProvider>,
    /// The three voters (the Safe owners).
    pub voters: Vec<Address>,
    proposals: u32,
}

impl std::fmt::Debug for Dao {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dao")
            .field("voters", &self.voters)
            .field("proposals", &self.proposals)
            .finish_non_exhaustive()
    }
}

/// Gas of each step of one Governor proposal.
#[derive(Clone, Debug, Default, Serialize)]
pub struct GovernorGas {
    /// Gas of `propose`.
    pub propose: u64,
    /// Gas of each `castVote`, in voter order.
    pub votes: Vec<u64>,
    /// Gas of `queue`.
    pub queue: u64,
    /// Gas of `execute` (includes the action itself).
    pub execute: u64,
}

impl GovernorGas {
    /// All steps together.
    pub fn total(&self) -> u64 {
        self.propose + self.votes.iter().sum::<u64>() + self.queue + self.execute
    }
}

impl Dao {
    /// `deploy_dao` with local periods; voters are the Safe owners.
    pub async fn deploy(chain: &Chain) -> Result<Self> {
        let params = DaoParams::local();
        let deployment = deploy_dao(&chain.provider, chain.deployer, &params).await?;
        let governor = GovernorClient::new(chain.provider.clone(), deployment.governor);
        let token = RoflGovToken::new(deployment.token, chain.provider.clone());
        let share = params.token_supply / U256::from(3u64);
        for voter in &chain.owners {
            token.transfer(*voter, share).from(chain.deployer).send().await?.get_receipt().await?;
            governor.delegate(*voter, *voter).await?;
        }
        let policy = RoflAdminClient::new(
            deployment.app_admin.ok_or_else(|| eyre!("the DAO has no policy contract"))?,
            chain.provider.clone(),
        );
        Ok(Self { deployment, governor, policy, voters: chain.owners.clone(), proposals: 0 })
    }

    /// Proposes `call`, the three voters vote for it, it is queued and executed after the delay.
    pub async fn pass(&mut self, chain: &Chain, call: ProposalCall) -> Result<GovernorGas> {
        self.proposals += 1;
        let description = format!("# roflgov bench proposal {}\n", self.proposals);
        let proposal = Proposal::new([call], description);
        let g = &self.governor;
        let id = g.propose(&proposal, self.voters[0]).await?;
        let mut gas = GovernorGas { propose: chain.latest_receipt().await?.gas_used, ..Default::default() };
        g.advance_to_voting(id).await?;
        for voter in &self.voters {
            gas.votes.push(g.cast_vote(id, VoteSupport::For, None, *voter).await?.gas_used);
        }
        g.advance_past_deadline(id).await?;
        g.queue(&proposal, self.voters[0]).await?;
        gas.queue = chain.latest_receipt().await?.gas_used;
        g.advance_to_eta(id).await?;
        gas.execute = g.execute(&proposal, self.voters[0]).await?.gas_used;
        Ok(gas)
    }

    /// The Timelock's Oasis address (admin of the Governor baseline app).
    pub fn timelock_oasis(&self) -> OasisAddress {
        OasisAddress::from_eth(self.deployment.timelock)
    }
}
