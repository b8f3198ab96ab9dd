//! Safe flow helpers shared by `propose`, `review`, `safe` and `deploy`: the Safe contracts of a
//! network, proposal files (the format and its rules are `roflgov_safe::proposal_file`), and
//! the mapping of Safe failures to exit codes.

use std::path::Path;

use alloy::{json_abi::JsonAbi, primitives::Address, providers::DynProvider};
use roflgov_contracts::Artifact;
use roflgov_safe::{CallDecoder, SafeClient, SafeDeployment, SafeError};

use crate::{
    config::Network,
    exit::{CliError, CliResult, usage},
};

pub(crate) use roflgov_safe::proposal_file::{ProposalFile, proposed_calls};

/// The Safe contracts of `network`: configured (local chains, `deploy --safe-owners --save`), else
/// the canonical v1.4.1 addresses from `@safe-global/safe-deployments`.
pub(crate) fn deployment(network: &Network) -> CliResult<SafeDeployment> {
    if let Some(d) = network.safe_contracts {
        return Ok(d);
    }
    Ok(SafeDeployment::canonical())
}

/// The Safe of `network`, or a usage error saying how to give it.
pub(crate) fn require_safe(network: &Network) -> CliResult<Address> {
    network.safe.ok_or_else(|| {
        usage("no Safe for this network: pass --safe-address or set safe in roflgov.toml (`roflgov deploy --safe-owners … --save` writes it)")
    })
}

/// The policy contract's ABI (its errors decode inner-call reverts; its functions decode calls).
pub(crate) fn policy_abi() -> CliResult<JsonAbi> {
    let artifact = Artifact::embedded("RoflAppAdmin").map_err(usage)?;
    serde_json::from_value(artifact.abi).map_err(|e| usage(format!("RoflAppAdmin ABI: {e}")))
}

/// A client of the Safe at `safe`, decoding the policy contract's errors.
pub(crate) async fn client(network: &Network, provider: DynProvider, safe: Address) -> CliResult<SafeClient> {
    let deployment = deployment(network)?;
    crate::context::ensure_code(&provider, safe, "Safe").await?;
    let client = SafeClient::connect(provider, safe, deployment)
        .await
        .map_err(|e| safe_error("connecting to the Safe", e))?;
    Ok(client.with_errors_of(&policy_abi()?))
}

/// A call decoder for Transaction Builder exports and signing summaries.
pub(crate) fn decoder(policy_contract: Address, multi_send: Address) -> CliResult<CallDecoder> {
    Ok(CallDecoder::new().with_multi_send(multi_send).with_contract(
        policy_contract,
        "RoflAppAdmin",
        policy_abi()?,
    ))
}

/// A Safe failure as the exit kind its class says (`SafeError`'s `Classified`: refusals are
/// exit 4, nothing sent; RPC failures exit 5).
pub(crate) fn safe_error(context: &str, err: SafeError) -> CliError {
    crate::exit::failed(context, &err)
}

/// Reads a proposal file (`-`: stdin), checking that its stored SafeTx hash is the
/// transaction's (`ProposalFile::load`).
pub(crate) fn load(path: &Path) -> CliResult<ProposalFile> {
    Ok(ProposalFile::load(path)?)
}

/// A signer list for output, as the refusals of `roflgov_safe::checks` write it.
pub(crate) fn signer_list(signers: &[Address]) -> String {
    roflgov_safe::checks::account_list(signers)
}
