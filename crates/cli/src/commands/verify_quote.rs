//! `roflgov verify-quote`: is this quote's enclave allowed by the app's policy, and why.

use std::path::PathBuf;

use clap::Args;
use roflgov_attest::{check_against_policy, identity_to_base64};
use roflgov_types::{AppAuthPolicy, manifest::Manifest};
use serde::Serialize;

use crate::inputs::{QuoteInput, quote_table, verify};
use crate::{
    chainops,
    context::GlobalArgs,
    exit::{CliResult, verification},
    output::emit,
};
use roflgov_types::AppId;

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("policy_source").required(true).args(["manifest", "app"])))]
pub(crate) struct VerifyQuoteArgs {
    #[command(flatten)]
    pub quote: QuoteInput,
    /// Take the policy from this rofl.yaml (with --deployment).
    #[arg(long, value_name = "FILE", requires = "deployment")]
    pub manifest: Option<PathBuf>,
    /// Deployment of the rofl.yaml (e.g. mainnet).
    #[arg(long, value_name = "NAME")]
    pub deployment: Option<String>,
    /// Take the policy of this app (rofl1…) from the policy contract on the selected network.
    #[arg(long, value_name = "APP_ID", value_parser = crate::inputs::app_id_arg)]
    pub app: Option<AppId>,
}

pub(crate) async fn run(g: &GlobalArgs, args: VerifyQuoteArgs) -> CliResult {
    // Read the policy first: a malformed manifest is reported before the quote is looked at.
    let (policy, source): (AppAuthPolicy, String) = match (&args.manifest, &args.app) {
        (Some(path), _) => {
            let deployment = args.deployment.as_deref().expect("clap requires --deployment");
            let manifest = Manifest::from_path(path)?;
            let dep = manifest.deployment(deployment)?;
            (dep.policy, format!("{} deployment {deployment}", path.display()))
        }
        (None, Some(app)) => {
            let app = *app;
            let (_, managed) = chainops::read_app(g, app).await?;
            (managed.config.policy, format!("app {app} (version {}) on chain", managed.version))
        }
        (None, None) => unreachable!("clap requires a policy source"),
    };
    let quote = verify(&args.quote)?;
    let verdict = check_against_policy(&quote, &policy, quote.verified_at);

    #[derive(Serialize)]
    struct Report<'a> {
        allowed: bool,
        policy_source: &'a str,
        sentence: String,
        verdict: &'a roflgov_attest::Verdict,
        quote: &'a roflgov_attest::VerifiedQuote,
    }
    let report = Report {
        allowed: verdict.allowed,
        policy_source: &source,
        sentence: verdict.sentence(),
        verdict: &verdict,
        quote: &quote,
    };
    emit(g.json, &report, || {
        let mut out = format!(
            "{}  {} identity {}\n  policy  {source}\n",
            if verdict.allowed { "ALLOWED" } else { "NOT ALLOWED" },
            quote.platform,
            identity_to_base64(&quote.identity)
        );
        for reason in &verdict.reasons {
            let mark = if reason.is_violation() { "✗" } else { "✓" };
            out.push_str(&format!("  {mark} {reason}\n"));
        }
        out.push_str("\nquote\n");
        out.push_str(&quote_table(&quote).indent(2).render());
        out
    });
    if verdict.allowed { Ok(()) } else { Err(verification(verdict.sentence())) }
}
