//! Chain helpers shared by the commands: the policy contract client on the selected network,
//! and the mapping of chain-side failures to exit codes.

use alloy::providers::DynProvider;
use roflgov_client::rofl::{ManagedApp, RoflAdminClient, RoflClientError};
use roflgov_types::AppId;

use crate::{
    config::Network,
    context::{GlobalArgs, require_policy_contract},
    exit::{CliError, CliResult, chain, verification},
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

/// The SEK of `app` as the ROFL module keeps it (`AppConfig.sek`, set when the app is created):
/// from `rofl.App` through the Oasis node on Sapphire, from the stand-in's key manager locally
/// ([`roflgov_core::secret::stand_in_sek`]). Also says where it was read. Refuses when the module
/// has no such app or no SEK for it.
pub(crate) async fn app_sek(
    network: &Network,
    provider: &DynProvider,
    app: AppId,
) -> CliResult<([u8; 32], String)> {
    use roflgov_client::oasis_node::ModuleSource;
    let source = module_source(network, provider).await?;
    let from = source.describe();
    let sek = match &source {
        ModuleSource::Node(client) => client
            .app(app)
            .await
            .map_err(|e| chain(format!("reading app {app} from {from}: {e}")))?
            .map(|m| m.sek.0),
        ModuleSource::StandIn => {
            let stand_in = roflgov_client::rofl::RoflStandIn::new(provider.clone());
            let exists = stand_in
                .app_exists(app)
                .await
                .map_err(|e| chain(format!("reading app {app} from {from}: {e}")))?;
            exists.then(|| roflgov_core::secret::stand_in_sek(&app))
        }
    };
    match sek {
        None => Err(verification(format!(
            "{from} has no app {app}, so no SEK to encrypt to; pass --sek KEY; nothing was proposed"
        ))),
        Some(key) if key == [0; 32] => Err(verification(format!(
            "{from} has no SEK for app {app} yet (the module sets it on the app's next update); pass --sek KEY; nothing was proposed"
        ))),
        Some(key) => Ok((key, from)),
    }
}
