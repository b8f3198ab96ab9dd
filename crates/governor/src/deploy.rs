//! Deploying a DAO from forge's artifacts, wired like `script/DeployDao.s.sol`: the Timelock's
//! only proposer, canceller and executor is the Governor, and the deployer renounces its
//! temporary admin role. Deploying the policy contract with the Timelock as its owner is a
//! deployment of roflgov's own contracts: `roflgov_client::deploy::deploy_dao` does both.

use alloy::{
    primitives::{Address, B256, U256},
    providers::{DynProvider, Provider},
    rpc::types::Filter,
    sol_types::SolEvent,
};
use serde::{Deserialize, Serialize};

use crate::{
    bindings::{IOwnable, RoflGovToken, RoflGovernor, TimelockController},
    error::GovernorError,
    tx::confirm,
};

/// Parameters of a new DAO (the same as the deploy script's environment variables).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaoParams {
    /// ERC-20 name of the governance token.
    pub token_name: String,
    /// ERC-20 symbol of the governance token.
    pub token_symbol: String,
    /// Fixed supply in base units, minted to `token_holder`.
    pub token_supply: U256,
    /// Receives the supply; the deployer when `None`.
    pub token_holder: Option<Address>,
    /// Govern with this existing IVotes token instead of deploying one.
    pub existing_token: Option<Address>,
    /// Governor name: the EIP-712 domain name voters sign ballots for.
    pub governor_name: String,
    /// Seconds between proposing and the vote snapshot (the token clock is a timestamp).
    pub voting_delay: u64,
    /// Seconds the vote lasts.
    pub voting_period: u32,
    /// Votes an account needs to open a proposal.
    pub proposal_threshold: U256,
    /// Quorum, in percent of the supply at the snapshot.
    pub quorum_percent: U256,
    /// Seconds between queueing and execution.
    pub timelock_delay: U256,
    /// Deploy the policy contract (`RoflAppAdmin`) with the Timelock as its owner.
    pub deploy_app_admin: bool,
}

impl DaoParams {
    /// Defaults for a real network (the deploy script's): 1 day delay, 5 days vote, 4 % quorum,
    /// 2 days timelock.
    pub fn network() -> Self {
        Self {
            token_name: "roflgov Vote".into(),
            token_symbol: "RGV".into(),
            token_supply: U256::from(1_000_000u64) * U256::from(10u64).pow(U256::from(18u64)),
            token_holder: None,
            existing_token: None,
            governor_name: "roflgov Governor".into(),
            voting_delay: 86_400,
            voting_period: 5 * 86_400,
            proposal_threshold: U256::ZERO,
            quorum_percent: U256::from(4u64),
            timelock_delay: U256::from(2 * 86_400u64),
            deploy_app_admin: true,
        }
    }

    /// Short periods for a local chain whose clock is moved by hand: 60 s delay, 10 min vote,
    /// 5 min timelock.
    pub fn local() -> Self {
        Self { voting_delay: 60, voting_period: 600, timelock_delay: U256::from(300u64), ..Self::network() }
    }
}

/// Addresses of a deployed DAO.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaoDeployment {
    /// The governance token (ERC20Votes).
    pub token: Address,
    /// The TimelockController that owns the policy contract and executes proposals.
    pub timelock: Address,
    /// The Governor voters propose and vote on.
    pub governor: Address,
    /// The policy contract, when one was deployed.
    pub app_admin: Option<Address>,
    /// Block of the first deployment transaction (where event scans can start).
    pub from_block: u64,
}

/// Deploy token (unless an existing one is given), Timelock and Governor from `deployer` (which
/// must be one of `provider`'s signers). The result has no policy contract (`app_admin` is
/// `None`, whatever `params.deploy_app_admin` says) and its wiring is not checked yet: the
/// caller deploys the policy contract when wanted, then runs [`check_wiring`]
/// (`roflgov_client::deploy::deploy_dao` does all of it).
pub async fn deploy_governance(
    provider: &DynProvider,
    deployer: Address,
    params: &DaoParams,
) -> Result<DaoDeployment, GovernorError> {
    let from_block = provider
        .get_block_number()
        .await
        .map_err(|source| GovernorError::Transport { action: "reading the block number", source })?;

    let token = match params.existing_token {
        Some(t) => t,
        None => {
            let call = RoflGovToken::deploy_builder(
                provider.clone(),
                params.token_name.clone(),
                params.token_symbol.clone(),
                params.token_holder.unwrap_or(deployer),
                params.token_supply,
            )
            .from(deployer);
            created("deploying the token", confirm("deploying the token", call).await?)?
        }
    };

    let call =
        TimelockController::deploy_builder(provider.clone(), params.timelock_delay, vec![], vec![], deployer)
            .from(deployer);
    let timelock = created("deploying the timelock", confirm("deploying the timelock", call).await?)?;

    let call = RoflGovernor::deploy_builder(
        provider.clone(),
        params.governor_name.clone(),
        token,
        timelock,
        alloy::primitives::Uint::<48, 1>::from(params.voting_delay),
        params.voting_period,
        params.proposal_threshold,
        params.quorum_percent,
    )
    .from(deployer);
    let governor = created("deploying the governor", confirm("deploying the governor", call).await?)?;

    let t = TimelockController::new(timelock, provider.clone());
    for (action, role) in [
        ("granting the proposer role", role_hash("PROPOSER_ROLE")),
        ("granting the canceller role", role_hash("CANCELLER_ROLE")),
        ("granting the executor role", role_hash("EXECUTOR_ROLE")),
    ] {
        confirm(action, t.grantRole(role, governor).from(deployer)).await?;
    }
    confirm("renouncing the deployer's admin role", t.renounceRole(B256::ZERO, deployer).from(deployer))
        .await?;

    Ok(DaoDeployment { token, timelock, governor, app_admin: None, from_block })
}

#[allow(
    clippy::result_large_err,
    reason = "GovernorError carries the decoded revert by value: one per chain call, never in a hot path"
)]
fn created(
    action: &'static str,
    receipt: alloy::rpc::types::TransactionReceipt,
) -> Result<Address, GovernorError> {
    receipt.contract_address.ok_or(GovernorError::NoContractAddress(action))
}

/// keccak256 of a role name, as `TimelockController` defines its roles.
pub fn role_hash(name: &str) -> B256 {
    alloy::primitives::keccak256(name.as_bytes())
}

/// Check a deployed DAO: the Governor points at the Timelock and token; every `RoleGranted`
/// the Timelock ever emitted (from `dao.from_block`) for the proposer, canceller or executor role
/// went to the Governor, which still holds them; the admin role is held by the Timelock alone
/// (`deployer`'s temporary grant was renounced); the policy contract, if any, is owned by the
/// Timelock. Replaying events catches a grant to *any* account, not just the ones we think of.
#[allow(
    clippy::result_large_err,
    reason = "GovernorError carries the decoded revert by value: one per chain call, never in a hot path"
)]
pub async fn check_wiring(
    provider: &DynProvider,
    dao: &DaoDeployment,
    deployer: Address,
) -> Result<(), GovernorError> {
    let fail = |m: String| Err(GovernorError::Wiring(m));
    let gov = RoflGovernor::new(dao.governor, provider.clone());
    let t = TimelockController::new(dao.timelock, provider.clone());
    let rpc = |action| move |e| GovernorError::from_contract(action, e);

    let gov_timelock = gov.timelock().call().await.map_err(rpc("reading governor.timelock"))?;
    let gov_token = gov.token().call().await.map_err(rpc("reading governor.token"))?;
    if gov_timelock != dao.timelock || gov_token != dao.token {
        return fail(format!("governor points at timelock {gov_timelock} and token {gov_token}"));
    }

    let admin = B256::ZERO;
    let operational = [role_hash("PROPOSER_ROLE"), role_hash("CANCELLER_ROLE"), role_hash("EXECUTOR_ROLE")];
    let filter = Filter::new()
        .address(dao.timelock)
        .event_signature(TimelockController::RoleGranted::SIGNATURE_HASH)
        .from_block(dao.from_block);
    let logs = provider.get_logs(&filter).await.map_err(|source| GovernorError::Transport {
        action: "reading the timelock's role grants",
        source,
    })?;
    let mut seen_governor = [false; 3];
    for log in logs {
        let ev = log
            .log_decode::<TimelockController::RoleGranted>()
            .map_err(|e| GovernorError::Wiring(format!("undecodable RoleGranted log: {e}")))?
            .inner
            .data;
        let held = t.hasRole(ev.role, ev.account).call().await.map_err(rpc("reading hasRole"))?;
        if let Some(i) = operational.iter().position(|r| *r == ev.role) {
            if ev.account != dao.governor {
                return fail(format!("role {} was granted to {}, not the governor", ev.role, ev.account));
            }
            seen_governor[i] = held;
        } else if ev.role == admin {
            let ok = (ev.account == dao.timelock && held) || (ev.account == deployer && !held);
            if !ok {
                return fail(format!("admin role granted to {} (still held: {held})", ev.account));
            }
        } else {
            return fail(format!("unexpected role {} granted to {}", ev.role, ev.account));
        }
    }
    if seen_governor != [true; 3] {
        return fail(format!("the governor lacks a role (proposer, canceller, executor: {seen_governor:?})"));
    }
    for who in [deployer, Address::ZERO] {
        for role in operational.iter().chain([&admin]) {
            if t.hasRole(*role, who).call().await.map_err(rpc("reading hasRole"))? {
                return fail(format!("{who} holds timelock role {role}"));
            }
        }
    }
    if let Some(app_admin) = dao.app_admin {
        let owner = IOwnable::new(app_admin, provider.clone())
            .owner()
            .call()
            .await
            .map_err(rpc("reading the owner"))?;
        if owner != dao.timelock {
            return fail(format!("the policy contract is owned by {owner}, not the timelock"));
        }
    }
    Ok(())
}
