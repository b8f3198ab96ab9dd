//! Moving a local chain's clock through a proposal's phases (anvil only; no sleeping).
//!
//! The Governor's clock is the token's: block timestamps. Each helper sets the next block's
//! timestamp and mines it, so the next call or transaction sees the new time.

use alloy::providers::{Provider, ext::AnvilApi};

use crate::{client::GovernorClient, error::GovernorError};

/// Mine a block at `timestamp` (or one second after the latest block, if that is later).
pub async fn mine_at<P: Provider>(provider: &P, timestamp: u64) -> Result<(), GovernorError> {
    let transport = |action| move |source| GovernorError::Transport { action, source };
    let latest = provider
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await
        .map_err(transport("reading the latest block"))?
        .map(|b| b.header.timestamp)
        .unwrap_or_default();
    provider
        .anvil_set_next_block_timestamp(timestamp.max(latest + 1))
        .await
        .map_err(transport("setting the next block timestamp"))?;
    provider.anvil_mine(Some(1), None).await.map_err(transport("mining"))?;
    Ok(())
}

impl GovernorClient {
    /// Move past the vote snapshot: the proposal becomes `Active`.
    pub async fn advance_to_voting(&self, id: alloy::primitives::U256) -> Result<(), GovernorError> {
        mine_at(self.provider(), self.snapshot(id).await? + 1).await
    }

    /// Move past the vote deadline: the proposal becomes `Succeeded` or `Defeated`.
    pub async fn advance_past_deadline(&self, id: alloy::primitives::U256) -> Result<(), GovernorError> {
        mine_at(self.provider(), self.deadline(id).await? + 1).await
    }

    /// Move to the queued proposal's eta: the next transaction may execute it.
    pub async fn advance_to_eta(&self, id: alloy::primitives::U256) -> Result<(), GovernorError> {
        mine_at(self.provider(), self.eta(id).await?).await
    }
}
