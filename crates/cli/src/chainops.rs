//! Chain helpers shared by the commands: the policy contract client on the selected network,
//! and the mapping of chain-side failures to exit codes.

use alloy::providers::DynProvider;
use roflgov_client::rofl::{ManagedApp, RoflAdminClient, RoflClientError};
use roflgov_types::AppId;

use crate::{
    config::Network,
    context::{GlobalArgs, require_policy_contract},
    exit::{CliError, CliResult, chain},
};

/// A policy contract failure as the exit kind its class says (`RoflClientError`'s
/// `Classified`: a stale proposal or a refused identity is exit 4, everything else exit 5).
pub(crate) fn rofl_error(context: &str, err: RoflClientError) -> CliError {
    crate::exit::failed(context, &err)
}

/// The policy contract client of the selected network.
pub(crate) async fn client(g: &GlobalArgs) -> CliResult<(Network, RoflAdminClient<DynProvider>)> {
    let (network, provider) = g.provider().await?;
    let address = require_policy_contract(&network)?;
    crate::context::ensure_code(&provider, address, "policy contract").await?;
    Ok((network, RoflAdminClient::new(address, provider)))
}

/// Where the ROFL module's own state is read on this network: on Sapphire Mainnet/Testnet an
/// Oasis node (the network's `grpc`, else the public endpoint), elsewhere the local stand-in.
pub(crate) async fn module_source(
    network: &Network,
    provider: &DynProvider,
) -> CliResult<roflgov_client::oasis_node::ModuleSource> {
    if let Some(grpc) = &network.grpc
        && grpc.parse::<alloy::transports::http::reqwest::Url>().is_err()
    {
        return Err(crate::exit::usage(format!(
            "invalid gRPC endpoint {:?}: expected a URL such as https://grpc.oasis.io",
            roflgov_core::text::escape(grpc)
        )));
    }
    let chain_id = alloy::providers::Provider::get_chain_id(provider)
        .await
        .map_err(|e| chain(format!("reading the chain id: {e}")))?;
    Ok(roflgov_client::oasis_node::ModuleSource::for_chain(chain_id, network.grpc.as_deref()))
}

/// An app's config and version from the policy contract.
pub(crate) async fn read_app(g: &GlobalArgs, app: AppId) -> CliResult<(Network, ManagedApp)> {
    let (network, client) = client(g).await?;
    let context = format!("reading app {app} from policy contract {}", client.address());
    let managed = client.get_app(app).await.map_err(|e| rofl_error(&context, e))?;
    Ok((network, managed))
}
