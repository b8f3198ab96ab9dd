//! Contract bindings generated from the Safe v1.4.1 release artifacts
//! (`@safe-global/safe-contracts/build/artifacts`, Hardhat format, with creation bytecode).
//! Each contract lives in its own module: the artifacts share type names (`Enum`).
#![allow(missing_docs, clippy::too_many_arguments)]

/// `SafeL2` v1.4.1.
pub mod safe_l2 {
    alloy::sol!(
        #[sol(rpc)]
        SafeL2,
        "../contracts/artifacts/SafeL2.json"
    );
}
pub use safe_l2::SafeL2;

/// `SafeProxyFactory` v1.4.1.
pub mod safe_proxy_factory {
    alloy::sol!(
        #[sol(rpc)]
        SafeProxyFactory,
        "../contracts/artifacts/SafeProxyFactory.json"
    );
}
pub use safe_proxy_factory::SafeProxyFactory;

/// `CompatibilityFallbackHandler` v1.4.1.
pub mod compatibility_fallback_handler {
    alloy::sol!(
        #[sol(rpc)]
        CompatibilityFallbackHandler,
        "../contracts/artifacts/CompatibilityFallbackHandler.json"
    );
}
pub use compatibility_fallback_handler::CompatibilityFallbackHandler;

/// `MultiSendCallOnly` v1.4.1.
pub mod multi_send_call_only {
    alloy::sol!(
        #[sol(rpc)]
        MultiSendCallOnly,
        "../contracts/artifacts/MultiSendCallOnly.json"
    );
}
pub use multi_send_call_only::MultiSendCallOnly;

/// `SimulateTxAccessor` v1.4.1.
pub mod simulate_tx_accessor {
    alloy::sol!(
        #[sol(rpc)]
        SimulateTxAccessor,
        "../contracts/artifacts/SimulateTxAccessor.json"
    );
}
pub use simulate_tx_accessor::SimulateTxAccessor;
