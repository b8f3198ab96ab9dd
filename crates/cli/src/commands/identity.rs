//! `roflgov identity tdx|quote|bundle`: what an enclave identity in a policy stands for.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use roflgov_attest::{VerifiedQuote, identity_to_base64, td_enclave_identity};
use roflgov_types::EnclaveIdentity;
use serde::Serialize;

use crate::inputs::{QuoteInput, open_bundle, quote_table, verify};
use crate::{
    context::GlobalArgs,
    exit::{CliResult, usage},
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

#[derive(Serialize)]
struct QuoteView<'a> {
    /// rofl.yaml form of the identity.
    id: String,
    #[serde(flatten)]
    quote: &'a VerifiedQuote,
}

fn quote(g: &GlobalArgs, args: QuoteArgs) -> CliResult {
    let q = verify(&args.input)?;
    let view = QuoteView { id: identity_to_base64(&q.identity), quote: &q };
    emit(g.json, &view, || format!("quote verified\n{}", quote_table(&q).indent(2).render()));
    Ok(())
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
