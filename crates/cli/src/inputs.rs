//! Inputs every command reads the same way: app ids, rofl.yaml deployments, ORC bundles and
//! quotes, each with an error that names what is wrong. Identities, amounts and addresses are
//! typed arguments clap parses with their library types' `FromStr` (`EnclaveIdentity`,
//! `roflgov_core::units::RoseAmount`, `roflgov_types::ids::{AccountAddress, GuardianSetting}`).

use std::path::{Path, PathBuf};

use clap::Args;
use roflgov_attest::{
    Collateral, OrcBundle, QuoteError, VerifiedQuote, identity_from_quote_file, identity_to_base64,
    time::format_utc_timestamp,
};
use roflgov_types::{
    AppId,
    manifest::{DeploymentConfig, Manifest},
};

use crate::{
    exit::{CliError, CliResult, usage},
    output::Table,
    render::Notes,
};

/// A quote and the collateral to verify it with.
#[derive(Args, Debug, Clone)]
pub(crate) struct QuoteInput {
    /// Quote file (raw bytes as produced by the TEE).
    pub quote: PathBuf,
    /// PCS collateral (JSON: dcap-qvl's QuoteCollateralV3 form).
    #[arg(long, value_name = "FILE")]
    pub collateral: PathBuf,
    /// Verification time, Unix seconds [default: now]. Stored collateral is only valid for a
    /// month: pass a time inside its window to check an old quote.
    #[arg(long, value_name = "UNIX")]
    pub now: Option<u64>,
}

/// A quote error as the exit kind its class says (`QuoteError`'s `Classified`: malformed
/// files are exit 3, failed checks exit 4).
pub(crate) fn quote_error(e: QuoteError) -> CliError {
    CliError::from(e)
}

/// Reads the collateral and verifies the quote.
pub(crate) fn verify(input_args: &QuoteInput) -> CliResult<VerifiedQuote> {
    let collateral = Collateral::from_file(&input_args.collateral).map_err(|e| {
        let path = input_args.collateral.display();
        let CliError { kind, error } = quote_error(e);
        CliError { kind, error: error.wrap_err(format!("{path}")) }
    })?;
    let now = input_args.now.unwrap_or_else(unix_now);
    identity_from_quote_file(&input_args.quote, &collateral, now).map_err(|e| {
        let path = input_args.quote.display().to_string();
        let CliError { kind, error } = quote_error(e);
        CliError { kind, error: error.wrap_err(path) }
    })
}

pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Human lines for a verified quote.
pub(crate) fn quote_table(q: &VerifiedQuote) -> Table {
    let mut t = Table::new();
    t.row("platform", q.platform)
        .row("identity (rofl.yaml)", identity_to_base64(&q.identity))
        .row("mr_enclave", q.identity.mr_enclave)
        .row("mr_signer", q.identity.mr_signer)
        .row("tcb status", format!("{:?}", q.tcb_status))
        .row(
            "advisories",
            if q.advisory_ids.is_empty() { "none".to_owned() } else { q.advisory_ids.join(", ") },
        )
        .row("fmspc", &q.fmspc)
        .row("tcb eval data number", q.tcb_evaluation_data_number)
        .row("collateral expires", format_utc_timestamp(q.collateral_expires_at))
        .row("verified at", format_utc_timestamp(q.verified_at));
    if let Some(tdx) = &q.tdx {
        t.row("mr_td", tdx.mr_td).row("mr_seam", tdx.mr_seam);
    }
    t
}

/// Opens an ORC bundle, with errors that name the file (`OrcError`'s class: input, exit 3).
pub(crate) fn open_bundle(path: &Path) -> CliResult<OrcBundle> {
    crate::fsutil::require_regular_file(path)?;
    OrcBundle::open(path).map_err(|e| crate::exit::failed(&path.display().to_string(), &e))
}

/// clap's parser of an app id argument (`--app`, app positionals): rofl1… or 0x hex of 21
/// bytes, with an error that names what is wrong (exit 2, as every usage error).
pub(crate) fn app_id_arg(text: &str) -> Result<AppId, String> {
    AppId::parse_bech32_or_hex(text.trim()).map_err(|e| format!("invalid app id {text:?}: {e}"))
}

/// A rofl.yaml deployment, read with errors that name the file and path.
pub(crate) fn load_deployment(path: &Path, name: &str) -> CliResult<DeploymentConfig> {
    let manifest = Manifest::from_path(path)?;
    Ok(manifest.deployment(name)?)
}

/// A rofl.yaml deployment and the app it is for: `app` when given, else the deployment's
/// `app_id` (a usage error saying to pass --app when it has none).
pub(crate) fn deployment_and_app(
    path: &Path,
    name: &str,
    app: Option<AppId>,
) -> CliResult<(DeploymentConfig, AppId)> {
    let dep = load_deployment(path, name)?;
    let app = match (app, dep.app_id) {
        (Some(app), _) => app,
        (None, Some(id)) => id,
        (None, None) => {
            return Err(usage(format!("{}: deployment {name} has no app_id: pass --app", path.display())));
        }
    };
    Ok((dep, app))
}

/// Release notes of the identities a deployment lists.
pub(crate) fn notes_of(dep: &DeploymentConfig) -> Notes {
    dep.enclaves
        .iter()
        .filter_map(|e| {
            let note = match (&e.version, &e.description) {
                (Some(v), Some(d)) => format!("{v}: {d}"),
                (Some(v), None) => v.clone(),
                (None, Some(d)) => d.clone(),
                (None, None) => return None,
            };
            Some((e.identity, note))
        })
        .collect()
}
