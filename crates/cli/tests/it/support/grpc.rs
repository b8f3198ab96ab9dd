//! The gRPC tests' set-up: anvil answering as Sapphire, and the gRPC-web test server standing in
//! for an Oasis node with its vectors (`roflgov_testkit::grpc`, shared with roflgov-devnet's
//! tests).

use alloy::providers::DynProvider;
use roflgov_client::rofl::RoflAdminClient;
use roflgov_devnet::{LocalChain, LocalChainOptions};
pub(crate) use roflgov_testkit::grpc::{ok_body, serve, serve_by_request, vectors};

/// Anvil answering as Sapphire Testnet (chain id 0x5aff, two accounts), with or without the
/// ROFL stand-in and Sapphire-RPC mode, and the policy contract deployed and owned by account 0.
pub(crate) fn start_sapphire(
    rofl_stand_in: bool,
    sapphire_rpc: bool,
) -> (tokio::runtime::Runtime, LocalChain, RoflAdminClient<DynProvider>) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let chain = rt
        .block_on(LocalChain::start_with(LocalChainOptions {
            chain_id: 0x5aff,
            rofl_stand_in,
            accounts: 2,
            sapphire_rpc,
        }))
        .expect("anvil starts (run `make build` first)");
    let owner = chain.accounts()[0];
    let client = rt
        .block_on(RoflAdminClient::deploy_from(chain.provider().clone(), owner, owner))
        .expect("the policy contract deploys");
    (rt, chain, client)
}
