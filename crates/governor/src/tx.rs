//! Sending a contract call and waiting for its receipt, with reverts decoded.

use alloy::{
    contract::{CallBuilder, CallDecoder},
    providers::Provider,
    rpc::types::TransactionReceipt,
};

use crate::error::GovernorError;

/// Simulate `call` with `eth_call` (a revert surfaces with its decoded reason and nothing is
/// sent), then send it with a margin over its gas estimate, wait for the receipt and require success.
///
/// The simulation comes first on purpose: a provider with a caching nonce manager (alloy's
/// default) reserves a nonce before gas estimation, so a transaction that fails estimation
/// would leave a nonce gap and every later transaction of that account would wait forever.
pub(crate) async fn confirm<P: Provider, D: CallDecoder>(
    action: &'static str,
    call: CallBuilder<P, D>,
) -> Result<TransactionReceipt, GovernorError> {
    call.call_raw().await.map_err(|e| GovernorError::from_contract(action, e))?;
    // With a margin over the estimate (`roflgov_core::gas`): an execute whose calls write a
    // timestamp can cost more in the block it lands in than in the one it was estimated on.
    let estimate = call.estimate_gas().await.map_err(|e| GovernorError::from_contract(action, e))?;
    let call = call.gas(roflgov_core::gas::with_margin(estimate));
    let pending = call.send().await.map_err(|e| GovernorError::from_contract(action, e))?;
    let receipt = pending.get_receipt().await.map_err(|source| GovernorError::Pending { action, source })?;
    if !receipt.status() {
        return Err(GovernorError::TxFailed { action, tx: receipt.transaction_hash });
    }
    Ok(receipt)
}
