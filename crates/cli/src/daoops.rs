//! DAO flow helpers: the Governor of a network, failures mapped to exit codes, and waiting for
//! (or, on a local anvil, moving) the chain clock with progress.

use alloy::{
    primitives::U256,
    providers::{DynProvider, Provider},
};
use roflgov_governor::{GovernorClient, GovernorError, OnchainProposal};

use crate::{
    config::Network,
    exit::{CliError, CliResult, chain, usage, verification},
    output::progress,
};

/// A Governor failure as the exit kind its class says (`GovernorError`'s `Classified`: a
/// revert found by the pre-send simulation is exit 4, nothing sent; RPC failures exit 5).
pub(crate) fn gov_error(context: &str, err: GovernorError) -> CliError {
    crate::exit::failed(context, &err)
}

/// The Governor client of the selected network.
pub(crate) fn client(network: &Network, provider: DynProvider) -> CliResult<GovernorClient> {
    let governor = network.governor.ok_or_else(|| {
        usage("no Governor for this network: pass --governor-address or set governor in roflgov.toml (`roflgov deploy --dao --save` writes it)")
    })?;
    Ok(GovernorClient::new(provider, governor))
}

/// Parses a proposal id given in decimal or 0x hex.
pub(crate) fn parse_id(text: &str) -> CliResult<U256> {
    let t = text.trim();
    let parsed = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => U256::from_str_radix(hex, 16),
        None => U256::from_str_radix(t, 10),
    };
    parsed.map_err(|_| usage(format!("invalid proposal id {text:?}: give the decimal or 0x hex id printed by `roflgov propose --governor`")))
}

/// Reads a proposal back from the Governor's events.
pub(crate) async fn proposal(
    network: &Network,
    client: &GovernorClient,
    id: U256,
) -> CliResult<OnchainProposal> {
    client
        .proposal(id, network.from_block.unwrap_or(0))
        .await
        .map_err(|e| gov_error("reading the proposal", e))
}

/// The latest block's timestamp.
pub(crate) async fn now(provider: &DynProvider) -> CliResult<u64> {
    let block = provider
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await
        .map_err(|e| chain(format!("reading the latest block: {e}")))?
        .ok_or_else(|| chain("no latest block"))?;
    Ok(block.header.timestamp)
}

/// How to get past a point in time the chain has not reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Time {
    /// Refuse (nothing is sent).
    Refuse,
    /// Wait with progress on stderr until a block has a timestamp ≥ the target, giving up after
    /// the given seconds [default: the time still needed plus 10 minutes]. A local anvil mines
    /// no block on its own: there the clock is moved instead.
    Wait(Option<u64>),
    /// Local anvil: set the next block's timestamp and mine it.
    Advance,
}

/// Whether the endpoint is an anvil (`web3_clientVersion` is `anvil/v…`): its clock only moves
/// with transactions, so waiting for it would never end.
pub(crate) async fn is_anvil(provider: &DynProvider) -> bool {
    provider.get_client_version().await.is_ok_and(|v| v.to_ascii_lowercase().starts_with("anvil"))
}

/// Extra wall-clock time `--wait` allows past the chain time still needed.
const WAIT_SLACK_SECONDS: u64 = 600;

/// Makes sure the chain's latest block is at `target` or later: refuses with `what` (exit 4),
/// waits with progress (up to a timeout), or moves the clock of a local anvil.
pub(crate) async fn reach(provider: &DynProvider, target: u64, mode: Time, what: &str) -> CliResult {
    let current = now(provider).await?;
    if current >= target {
        return Ok(());
    }
    let advance = |current: u64| async move {
        progress(format!("moving the local chain's clock forward {} s (anvil)", target - current));
        roflgov_governor::mine_at(provider, target)
            .await
            .map_err(|e| usage(format!("--advance-time works on a local anvil only: {e}")))
    };
    match mode {
        Time::Refuse => Err(verification(format!(
            "{what}: that happens at {}, chain time {target}; pass --wait to wait for it (or --advance-time on a local chain); nothing was sent",
            roflgov_core::rofl::format_deadline(target, Some(current)),
        ))),
        Time::Advance => advance(current).await,
        Time::Wait(_) if is_anvil(provider).await => {
            progress("local anvil: it mines no block by itself, so --wait moves its clock");
            advance(current).await
        }
        Time::Wait(timeout) => {
            let limit = timeout.unwrap_or_else(|| (target - current).saturating_add(WAIT_SLACK_SECONDS));
            let started = std::time::Instant::now();
            loop {
                let current = now(provider).await?;
                if current >= target {
                    return Ok(());
                }
                let waited = started.elapsed().as_secs();
                if waited >= limit {
                    return Err(chain(format!(
                        "{what}: gave up after waiting {waited} s (--timeout {limit}): the chain is at time {current}, {} s short of {target}; nothing was sent",
                        target - current
                    )));
                }
                progress(format!("{what}: waiting, {} s to go", target - current));
                let nap = (target - current).clamp(1, 15).min(limit - waited).max(1);
                tokio::time::sleep(std::time::Duration::from_secs(nap)).await;
            }
        }
    }
}
