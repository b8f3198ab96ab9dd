//! Safe flow helpers shared by `propose`, `review`, `safe` and `deploy`: the Safe contracts of a
//! network, proposal files (atomic writes, hash checked on load, competing nonces), and the
//! mapping of Safe failures to exit codes.

use std::path::{Path, PathBuf};

use alloy::{json_abi::JsonAbi, primitives::Address, providers::DynProvider};
use roflgov_contracts::Artifact;
use roflgov_safe::{CallDecoder, Operation, SafeClient, SafeDeployment, SafeError, SafeProposal, SafeTx};
use serde::{Deserialize, Serialize};

use crate::{
    config::Network,
    exit::{CliError, CliResult, input, usage, verification},
};

/// A proposal file: the Safe transaction and its collected signatures (the `SafeProposal` format
/// of roflgov-safe), plus what roflgov knows about it. Only `chainId`, `safe`, `tx`,
/// `safeTxHash` and `signatures` are trusted; `roflgov` is informational.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct ProposalFile {
    #[serde(flatten)]
    pub proposal: SafeProposal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roflgov: Option<ProposalMeta>,
}

/// Informational context of a proposal file.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProposalMeta {
    /// What the proposal does, in one line.
    pub title: String,
    /// Release notes / description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The app it changes (rofl1…), if one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    /// The policy contract it calls.
    pub policy_contract: Address,
}

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

/// Reads a proposal file, checking that its stored SafeTx hash is the transaction's.
pub(crate) fn load(path: &Path) -> CliResult<ProposalFile> {
    let text = crate::fsutil::read_input_text(path)?;
    let file = parse(path, &text)?;
    let p = &file.proposal;
    let actual = p.tx.safe_tx_hash(p.chain_id, p.safe);
    if actual != p.safe_tx_hash {
        return Err(verification(format!(
            "{}: stored safeTxHash {} is not the hash of the transaction in the file ({actual}): the file was edited",
            path.display(),
            p.safe_tx_hash
        )));
    }
    Ok(file)
}

/// Parses a proposal file, first refusing any mixed-case address with a wrong EIP-55 checksum
/// (`safe`, `tx.to`, ...: serde's `Address` ignores the checksum).
fn parse(path: &Path, text: &str) -> CliResult<ProposalFile> {
    let malformed =
        |e: serde_json::Error| input(format!("{}: not a roflgov Safe proposal file: {e}", path.display()));
    let value: serde_json::Value = serde_json::from_str(text).map_err(malformed)?;
    crate::address::check_json_addresses(&value).map_err(|e| input(format!("{}: {e}", path.display())))?;
    serde_json::from_str(text).map_err(malformed)
}

/// Writes a proposal file atomically.
pub(crate) fn save(path: &Path, file: &ProposalFile) -> CliResult {
    let text = serde_json::to_string_pretty(file).map_err(|e| input(e.to_string()))? + "\n";
    crate::fsutil::write_atomic(path, text.as_bytes())
}

/// Refuses when another proposal file next to `path` holds a different transaction for the same
/// Safe, chain and nonce: only one of them can ever execute.
pub(crate) fn ensure_no_competitor(path: &Path, proposal: &SafeProposal) -> CliResult {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Ok(entries) = std::fs::read_dir(&dir) else { return Ok(()) };
    let me = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    for entry in entries.flatten() {
        let other = entry.path();
        if other.extension().is_none_or(|e| e != "json") || other.canonicalize().ok().as_ref() == Some(&me) {
            continue;
        }
        // Only regular files: opening a FIFO named `x.json` would block forever.
        if !std::fs::metadata(&other).is_ok_and(|m| m.is_file()) {
            continue;
        }
        let Ok(text) = crate::fsutil::read_input_text(&other) else { continue };
        let Ok(file) = parse(&other, &text) else { continue };
        let o = &file.proposal;
        if o.chain_id == proposal.chain_id
            && o.safe == proposal.safe
            && o.tx.nonce == proposal.tx.nonce
            && o.safe_tx_hash != proposal.safe_tx_hash
        {
            return Err(verification(format!(
                "competing transaction: {} holds a different Safe transaction ({}) at the same nonce {} as this one ({}); only one can ever execute. Agree on one and delete the other file; nothing was signed or sent",
                other.display(),
                o.safe_tx_hash,
                o.tx.nonce,
                proposal.safe_tx_hash
            )));
        }
    }
    Ok(())
}

/// The calls a Safe transaction makes, for the review: the MultiSendCallOnly entries, the call
/// itself, or a DELEGATECALL flagged as such.
pub(crate) fn proposed_calls(tx: &SafeTx, multi_send: Address) -> Vec<roflgov_core::review::ProposedCall> {
    use roflgov_core::review::ProposedCall;
    match tx.calls(multi_send) {
        Ok(calls) => calls.into_iter().map(|c| ProposedCall::call(c.to, c.value, c.data)).collect(),
        Err(_) => vec![ProposedCall {
            to: tx.to,
            value: tx.value,
            data: tx.data.clone(),
            delegate_call: tx.operation == Operation::DelegateCall,
        }],
    }
}

/// Short hex of a signature list, for output.
pub(crate) fn signer_list(signers: &[Address]) -> String {
    if signers.is_empty() {
        "(none)".into()
    } else {
        signers.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ")
    }
}
