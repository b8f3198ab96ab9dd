//! Drivers of the local ROFL module stand-in: what only a local chain can do to the module, i.e.
//! simulate an attested registration ([`StandInDriver::register_instance`]) and move the epoch
//! clock ([`advance_epochs`]). The views live in `roflgov_client::rofl::RoflStandIn`.

use alloy::{primitives::Address, providers::Provider, rpc::types::TransactionReceipt};
use roflgov_client::rofl::{RECEIPT_TIMEOUT, RoflStandIn, STAND_IN_EPOCH_SECONDS, StandInError};
use roflgov_types::{AppId, EnclaveIdentity};

/// Moves the chain's clock to the start of epoch `current + n` of the stand-in
/// (`evm_increaseTime` + one mined block) and returns the new epoch. Works on any anvil with
/// the stand-in (a [`crate::LocalChain`], a `roflgov node`, a plain `anvil`), so a test can
/// let registrations expire without sleeping.
pub async fn advance_epochs<P: Provider>(provider: &P, n: u64) -> Result<u64, StandInError> {
    use alloy::{eips::BlockNumberOrTag, providers::ext::AnvilApi};
    let now = provider
        .get_block_by_number(BlockNumberOrTag::Latest)
        .await?
        .map(|b| b.header.timestamp)
        .unwrap_or_default();
    let target = (now / STAND_IN_EPOCH_SECONDS + n) * STAND_IN_EPOCH_SECONDS;
    provider.anvil_increase_time(target.saturating_sub(now)).await?;
    provider.anvil_mine(Some(1), None).await?;
    let mined = provider
        .get_block_by_number(BlockNumberOrTag::Latest)
        .await?
        .map(|b| b.header.timestamp)
        .unwrap_or(target);
    Ok(mined / STAND_IN_EPOCH_SECONDS)
}

/// The stand-in's simulated registrations, as methods of [`RoflStandIn`] (bring the trait into
/// scope to call them).
#[allow(async_fn_in_trait, reason = "used from this workspace only, never as a dyn or Send bound")]
pub trait StandInDriver {
    /// Simulates an attested registration of `instance` (the key that will sign its
    /// transactions) for `app`, running `identity`, valid in the epochs before
    /// `expiration_epoch`. Also a renewal: the identity must be in the policy in force.
    async fn register_instance(
        &self,
        from: Address,
        app: AppId,
        instance: Address,
        identity: &EnclaveIdentity,
        expiration_epoch: u64,
    ) -> Result<TransactionReceipt, StandInError>;
}

impl<P: Provider + Clone> StandInDriver for RoflStandIn<P> {
    async fn register_instance(
        &self,
        from: Address,
        app: AppId,
        instance: Address,
        identity: &EnclaveIdentity,
        expiration_epoch: u64,
    ) -> Result<TransactionReceipt, StandInError> {
        let call = self
            .contract()
            .registerInstance(
                app.to_fixed_bytes(),
                instance,
                identity.mr_enclave,
                identity.mr_signer,
                expiration_epoch,
            )
            .from(from);
        // Simulate first so that a refused registration never reaches the nonce filler.
        call.call().await?;
        let receipt = call.send().await?.with_timeout(Some(RECEIPT_TIMEOUT)).get_receipt().await?;
        Ok(receipt)
    }
}
