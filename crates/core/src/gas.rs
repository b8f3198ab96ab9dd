//! The gas limit a transaction is sent with.
//!
//! `eth_estimateGas` returns the least gas that works in the state it was run against. The
//! block the transaction lands in can cost more: a storage write that rewrites the value a slot
//! holds costs 100 gas, a new value 2,900 (EIP-2929/3529), so a write of `block.timestamp` (a
//! roflmarket Deploy's `updated_at`) or of a counter can turn dearer between estimate and
//! inclusion, and an inner call that runs out makes a Safe with `safeTxGas` 0 revert with GS013
//! or a Timelock revert the whole proposal. Wallets send with a margin for the same reason;
//! unused gas is refunded.

/// The gas limit for a transaction estimated at `estimate`: a fifth more, saturating.
pub fn with_margin(estimate: u64) -> u64 {
    estimate.saturating_add(estimate / 5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fifth_more_and_never_wraps() {
        assert_eq!(with_margin(100_000), 120_000);
        assert_eq!(with_margin(0), 0);
        assert_eq!(with_margin(u64::MAX), u64::MAX);
    }
}
