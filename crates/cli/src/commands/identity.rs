//! `roflgov identity tdx|quote|bundle`: what an enclave identity in a policy stands for.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use roflgov_attest::{
    Collateral, OrcBundle, QuoteError, VerifiedQuote, identity_from_quote_file, identity_to_base64,
    td_enclave_identity, time::format_utc_timestamp,
};
use roflgov_types::EnclaveIdentity;
use serde::Serialize;

use crate::{
    context::GlobalArgs,
    exit::{CliError, CliResult, input, usage, verification},
    output::{Table, emit},
};

#[derive(Subcommand, Debug)]
pub(crate) enum IdentityCommand {
    /// The ROFL identity of a TDX trust domain from its measurements: TupleHash256
    /// ("oasis-core/tdx: TD enclave identity") over MRTD and RTMR0..3; mr_signer is zero.
    Tdx(TdxArgs),
    /// Verify a DCAP quote (SGX or TDX) offline with stored PCS collateral and print the
    /// measured identity, TCB status and advisories.
    Quote(QuoteArgs),
    /// List the enclave identities an ORC bundle (`oasis rofl build` output) declares, per
    /// component and hypervisor.
    Bundle(BundleArgs),
}

#[derive(Args, Debug)]
pub(crate) struct TdxArgs {
    /// MRTD, 48 bytes hex.
    #[arg(long, value_name = "HEX")]
    pub mrtd: String,
    /// RTMR0, 48 bytes hex.
    #[arg(long, value_name = "HEX")]
    pub rtmr0: String,
    /// RTMR1, 48 bytes hex.
    #[arg(long, value_name = "HEX")]
    pub rtmr1: String,
    /// RTMR2, 48 bytes hex.
    #[arg(long, value_name = "HEX")]
    pub rtmr2: String,
    /// RTMR3, 48 bytes hex.
    #[arg(long, value_name = "HEX")]
    pub rtmr3: String,
}

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

#[derive(Args, Debug)]
pub(crate) struct QuoteArgs {
    #[command(flatten)]
    pub input: QuoteInput,
}

#[derive(Args, Debug)]
pub(crate) struct BundleArgs {
    /// ORC bundle (.orc zip).
    pub bundle: PathBuf,
}

pub(crate) fn run(g: &GlobalArgs, cmd: IdentityCommand) -> CliResult {
    match cmd {
        IdentityCommand::Tdx(args) => tdx(g, args),
        IdentityCommand::Quote(args) => quote(g, args),
        IdentityCommand::Bundle(args) => bundle(g, args),
    }
}

/// An identity in every form people meet it.
#[derive(Serialize)]
pub(crate) struct IdentityView {
    /// rofl.yaml form: base64(mr_enclave ‖ mr_signer).
    pub id: String,
    pub mr_enclave: String,
    pub mr_signer: String,
}

impl From<&EnclaveIdentity> for IdentityView {
    fn from(identity: &EnclaveIdentity) -> Self {
        Self {
            id: identity_to_base64(identity),
            mr_enclave: identity.mr_enclave.to_string(),
            mr_signer: identity.mr_signer.to_string(),
        }
    }
}

fn measurement(name: &str, text: &str) -> CliResult<[u8; 48]> {
    let text = text.trim();
    let digits = text.strip_prefix("0x").unwrap_or(text);
    let bytes = hex::decode(digits).map_err(|e| usage(format!("--{name}: not hex: {e}")))?;
    bytes
        .as_slice()
        .try_into()
        .map_err(|_| usage(format!("--{name}: expected 48 bytes (96 hex digits), got {}", bytes.len())))
}

fn tdx(g: &GlobalArgs, args: TdxArgs) -> CliResult {
    let mr_td = measurement("mrtd", &args.mrtd)?;
    let rtmr = [
        measurement("rtmr0", &args.rtmr0)?,
        measurement("rtmr1", &args.rtmr1)?,
        measurement("rtmr2", &args.rtmr2)?,
        measurement("rtmr3", &args.rtmr3)?,
    ];
    let identity = td_enclave_identity(&mr_td, &rtmr);
    let view = IdentityView::from(&identity);
    emit(g.json, &view, || {
        let mut t = Table::new();
        t.row("id (rofl.yaml)", &view.id)
            .row("mr_enclave", &view.mr_enclave)
            .row("mr_signer", &view.mr_signer);
        t.render()
    });
    Ok(())
}

/// Maps a quote error to its exit code: unreadable or malformed files are input errors, failed
/// checks (signature, validity window, platform mismatch, revoked TCB) verification errors.
pub(crate) fn quote_error(e: QuoteError) -> CliError {
    match e {
        QuoteError::Io { .. }
        | QuoteError::QuoteTruncated { .. }
        | QuoteError::QuoteUnparsable { .. }
        | QuoteError::UnsupportedTeeType(_)
        | QuoteError::CollateralTruncated { .. }
        | QuoteError::CollateralUnparsable { .. }
        | QuoteError::CollateralFieldInvalid { .. } => input(e),
        other => verification(other),
    }
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

#[derive(Serialize)]
struct QuoteView<'a> {
    /// rofl.yaml form of the identity.
    id: String,
    #[serde(flatten)]
    quote: &'a VerifiedQuote,
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

fn quote(g: &GlobalArgs, args: QuoteArgs) -> CliResult {
    let q = verify(&args.input)?;
    let view = QuoteView { id: identity_to_base64(&q.identity), quote: &q };
    emit(g.json, &view, || format!("quote verified\n{}", quote_table(&q).indent(2).render()));
    Ok(())
}

/// Opens an ORC bundle, mapping errors to input errors that name the file.
pub(crate) fn open_bundle(path: &Path) -> CliResult<OrcBundle> {
    crate::fsutil::require_regular_file(path)?;
    OrcBundle::open(path).map_err(|e| input(format!("{}: {e}", path.display())))
}

fn bundle(g: &GlobalArgs, args: BundleArgs) -> CliResult {
    let bundle = open_bundle(&args.bundle)?;
    let identities = bundle.identities();
    #[derive(Serialize)]
    struct Row {
        component: String,
        hypervisor: Option<String>,
        #[serde(flatten)]
        identity: IdentityView,
    }
    let rows: Vec<Row> = identities
        .iter()
        .map(|c| Row {
            component: c.component.clone(),
            hypervisor: c.hypervisor.clone(),
            identity: (&c.identity).into(),
        })
        .collect();
    let report = serde_json::json!({
        "name": bundle.manifest.name,
        "version": bundle.manifest.version.map(|v| format!("{}.{}.{}", v.major, v.minor, v.patch)),
        "identities": rows,
    });
    emit(g.json, &report, || {
        let mut out = format!(
            "{} {}\n",
            bundle.manifest.name.as_deref().unwrap_or("(unnamed bundle)"),
            report["version"].as_str().unwrap_or("")
        );
        let mut t = Table::new().indent(2);
        for r in &rows {
            let label = format!("{} [{}]", r.component, r.hypervisor.as_deref().unwrap_or("-"));
            t.row(label, &r.identity.id);
        }
        out.push_str(&t.render());
        out
    });
    Ok(())
}
