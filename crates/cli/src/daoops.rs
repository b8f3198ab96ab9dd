//! DAO flow helpers: the Governor of a network, failures mapped to exit codes, and waiting for
//! (or, on a local anvil, moving) the chain clock with progress.

use alloy::{
    primitives::U256,
    providers::{DynProvider, Provider},
};
use roflgov_chain::governor::{GovernorClient, GovernorError, OnchainProposal};

use crate::{
    config::Network,
    exit::{CliError, CliResult, chain, usage, verification},
    output::progress,
};

/// Maps a Governor failure: a revert found by the pre-send simulation (wrong state, delay not
/// over, stale proposal, bad signature) is a verification failure (exit 4, nothing sent);
/// everything else is a chain error (exit 5).
pub(crate) fn gov_error(context: &str, err: GovernorError) -> CliError {
    match &err {
        GovernorError::Reverted { revert, .. } if revert.is_stale_version() => {
            verification(format!("{context}: stale proposal: {revert}; nothing was sent"))
        }
        GovernorError::Reverted { .. } => verification(format!("{context}: {err}; nothing was sent")),
        GovernorError::ProposalNotFound(_) | GovernorError::IdMismatch { .. } => {
            verification(format!("{context}: {err}"))
        }
        _ => chain(format!("{context}: {err}")),
    }
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
    /// Wait with progress on stderr until a block has a timestamp ≥ the target.
    Wait,
    /// Local anvil: set the next block's timestamp and mine it.
    Advance,
}

/// Makes sure the chain's latest block is at `target` or later: refuses with `what` (exit 4),
/// waits with progress, or moves the clock of a local anvil.
pub(crate) async fn reach(provider: &DynProvider, target: u64, mode: Time, what: &str) -> CliResult {
    let current = now(provider).await?;
    if current >= target {
        return Ok(());
    }
    match mode {
        Time::Refuse => Err(verification(format!(
            "{what}: that happens at chain time {target}, {} s from now (block time {current}); pass --wait to wait for it (or --advance-time on a local chain); nothing was sent",
            target - current
        ))),
        Time::Advance => {
            progress(format!("moving the local chain's clock forward {} s (anvil)", target - current));
            roflgov_chain::governor::mine_at(provider, target)
                .await
                .map_err(|e| usage(format!("--advance-time works on a local anvil only: {e}")))
        }
        Time::Wait => loop {
            let current = now(provider).await?;
            if current >= target {
                return Ok(());
            }
            progress(format!("{what}: waiting, {} s to go", target - current));
            tokio::time::sleep(std::time::Duration::from_secs((target - current).clamp(1, 15))).await;
        },
    }
}
