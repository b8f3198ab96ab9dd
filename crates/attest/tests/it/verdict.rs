//! Policy verdicts for the real sample quotes.

use std::path::PathBuf;

use roflgov_attest::{
    Collateral, Reason, TcbStatus, VerifiedQuote, check_against_policy, explain, identity_to_base64,
    verify_quote,
};
use roflgov_types::{
    AppAuthPolicy, EnclaveIdentity, Measurement48, PcsQuotePolicy, TdxModulePolicy, TdxQuotePolicy,
};

const NOW: u64 = 1_751_328_000; // 2025-07-01T00:00:00Z
const DAY: u64 = 86_400;

fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata").join(name)
}

fn verified(quote: &str, collateral: &str) -> VerifiedQuote {
    let collateral = Collateral::from_file(testdata(collateral)).unwrap();
    verify_quote(&std::fs::read(testdata(quote)).unwrap(), &collateral, NOW).unwrap()
}

fn tdx_quote() -> VerifiedQuote {
    verified("tdx_quote", "tdx_quote_collateral.json")
}

fn sgx_quote() -> VerifiedQuote {
    verified("sgx_quote", "sgx_quote_collateral.json")
}

/// `oasis rofl create` defaults, with the samples' TCB evaluation data number (17) accepted and
/// `identity` listed.
fn policy_allowing(identity: EnclaveIdentity) -> AppAuthPolicy {
    let mut policy = AppAuthPolicy { enclaves: vec![identity], ..AppAuthPolicy::default() };
    policy.quotes.pcs.as_mut().unwrap().min_tcb_evaluation_data_number = 17;
    policy
}

fn pcs(policy: &mut AppAuthPolicy) -> &mut PcsQuotePolicy {
    policy.quotes.pcs.as_mut().unwrap()
}

fn codes(reasons: impl IntoIterator<Item = impl std::borrow::Borrow<Reason>>) -> Vec<&'static str> {
    reasons.into_iter().map(|reason| reason.borrow().code()).collect()
}

#[test]
fn tdx_quote_allowed_when_identity_listed_and_tcb_acceptable() {
    let quote = tdx_quote();
    let verdict = check_against_policy(&quote, &policy_allowing(quote.identity), NOW);
    assert!(verdict.allowed, "{verdict}");
    assert_eq!(
        codes(&verdict.reasons),
        [
            "identity_listed",
            "tcb_status_acceptable",
            "collateral_fresh",
            "tcb_evaluation_data_number_sufficient",
            "fmspc_allowed",
            "tdx_allowed",
            "tdx_module_allowed",
        ]
    );
    let sentence = verdict.sentence();
    let expected_start = format!(
        "this quote's enclave (TDX identity {}) is allowed, because its identity",
        identity_to_base64(&quote.identity)
    );
    assert!(sentence.starts_with(&expected_start), "{sentence}");
    assert!(sentence.contains("Intel-signed"), "{sentence}");
    assert!(sentence.ends_with('.'));
}

#[test]
fn default_policy_refuses_the_sample_and_says_why() {
    // The default policy lists no enclave and wants TCB evaluation data number 18.
    let quote = tdx_quote();
    let verdict = check_against_policy(&quote, &AppAuthPolicy::default(), NOW);
    assert!(!verdict.allowed);
    assert_eq!(codes(verdict.violations()), ["identity_not_listed", "tcb_evaluation_data_number_too_low"]);
    assert!(verdict.reasons.contains(&Reason::TcbEvaluationDataNumberTooLow { actual: 17, minimum: 18 }));
    let sentence = explain(&quote, &AppAuthPolicy::default());
    assert!(sentence.contains("is not allowed, because its identity"), "{sentence}");
    assert!(
        sentence.contains("its TCB evaluation data number 17 is below the policy minimum 18"),
        "{sentence}"
    );
    // Only violations follow "because" when refused.
    assert!(!sentence.contains("is acceptable"), "{sentence}");
}

#[test]
fn identity_must_be_listed() {
    let quote = tdx_quote();
    let mut other = quote.identity;
    other.mr_enclave.0[0] ^= 1;
    let verdict = check_against_policy(&quote, &policy_allowing(other), NOW);
    assert_eq!(codes(verdict.violations()), ["identity_not_listed"]);
}

#[test]
fn missing_or_disabled_pcs_policy_refuses() {
    let quote = tdx_quote();
    let mut policy = policy_allowing(quote.identity);
    policy.quotes.pcs = None;
    let verdict = check_against_policy(&quote, &policy, NOW);
    assert_eq!(codes(&verdict.reasons), ["identity_listed", "pcs_policy_missing"]);
    assert!(!verdict.allowed);

    let mut policy = policy_allowing(quote.identity);
    pcs(&mut policy).disabled = true;
    let verdict = check_against_policy(&quote, &policy, NOW);
    assert_eq!(codes(verdict.violations()), ["pcs_disabled"]);
}

#[test]
fn tcb_validity_period_is_enforced() {
    let quote = tdx_quote(); // TCB info issued 2025-06-19T10:16:03Z, 11.6 days before NOW.
    let mut policy = policy_allowing(quote.identity);
    pcs(&mut policy).tcb_validity_period = 10;
    let verdict = check_against_policy(&quote, &policy, NOW);
    assert_eq!(codes(verdict.violations()), ["collateral_too_old"]);
    assert!(
        verdict.sentence().contains("is 11+ days old, beyond the policy's 10-day validity period"),
        "{verdict}"
    );

    pcs(&mut policy).tcb_validity_period = 11;
    assert_eq!(codes(check_against_policy(&quote, &policy, NOW).violations()), ["collateral_too_old"]);
    pcs(&mut policy).tcb_validity_period = 12;
    assert!(check_against_policy(&quote, &policy, NOW).allowed);

    // Checked 40 days later with the default 30 days.
    let policy = policy_allowing(quote.identity);
    let verdict = check_against_policy(&quote, &policy, NOW + 40 * DAY);
    assert_eq!(codes(verdict.violations()), ["collateral_too_old"]);

    // Checked before the collateral was issued.
    let verdict = check_against_policy(&quote, &policy, NOW - 30 * DAY);
    assert_eq!(codes(verdict.violations()), ["collateral_issued_in_future"]);
}

#[test]
fn fmspc_lists_are_case_insensitive() {
    let quote = tdx_quote(); // FMSPC B0C06F000000
    let mut policy = policy_allowing(quote.identity);
    pcs(&mut policy).fmspc_whitelist = vec!["00a067110000".into(), "b0c06f000000".into()];
    let verdict = check_against_policy(&quote, &policy, NOW);
    assert!(verdict.allowed, "{verdict}");
    assert!(
        verdict.reasons.contains(&Reason::FmspcAllowed { fmspc: "B0C06F000000".into(), whitelisted: true })
    );

    pcs(&mut policy).fmspc_whitelist = vec!["00A067110000".into()];
    let verdict = check_against_policy(&quote, &policy, NOW);
    assert_eq!(codes(verdict.violations()), ["fmspc_not_whitelisted"]);

    pcs(&mut policy).fmspc_whitelist = vec![];
    pcs(&mut policy).fmspc_blacklist = vec!["b0C06f000000".into()];
    let verdict = check_against_policy(&quote, &policy, NOW);
    assert_eq!(codes(verdict.violations()), ["fmspc_blacklisted"]);
}

#[test]
fn tdx_must_be_allowed_at_all() {
    let quote = tdx_quote();
    let mut policy = policy_allowing(quote.identity);
    pcs(&mut policy).tdx = None;
    let verdict = check_against_policy(&quote, &policy, NOW);
    assert_eq!(codes(verdict.violations()), ["tdx_not_allowed"]);
    assert!(verdict.sentence().contains("does not accept TDX quotes"));
}

#[test]
fn tdx_module_allow_list() {
    let quote = tdx_quote();
    let tdx = quote.tdx.clone().unwrap();
    let with_modules = |modules: Vec<TdxModulePolicy>| {
        let mut policy = policy_allowing(quote.identity);
        pcs(&mut policy).tdx = Some(TdxQuotePolicy { allowed_tdx_modules: modules });
        check_against_policy(&quote, &policy, NOW)
    };

    // Exact module.
    let verdict = with_modules(vec![TdxModulePolicy {
        mr_seam: Some(tdx.mr_seam),
        mr_signer_seam: tdx.mr_signer_seam,
    }]);
    assert!(verdict.allowed, "{verdict}");
    assert!(verdict.reasons.iter().any(|r| matches!(r, Reason::TdxModuleAllowed { any_intel: false, .. })));

    // Any module from the Intel signer.
    let verdict = with_modules(vec![TdxModulePolicy { mr_seam: None, mr_signer_seam: Measurement48::ZERO }]);
    assert!(verdict.allowed, "{verdict}");

    // Another module measurement.
    let mut other_seam = tdx.mr_seam;
    other_seam.0[0] ^= 0xff;
    let verdict = with_modules(vec![TdxModulePolicy {
        mr_seam: Some(other_seam),
        mr_signer_seam: Measurement48::ZERO,
    }]);
    assert_eq!(codes(verdict.violations()), ["tdx_module_not_allowed"]);

    // Another signer.
    let verdict =
        with_modules(vec![TdxModulePolicy { mr_seam: None, mr_signer_seam: Measurement48::repeat_byte(1) }]);
    assert_eq!(codes(verdict.violations()), ["tdx_module_not_allowed"]);
}

#[test]
fn sgx_quote_refused_for_its_tcb_status_with_advisories() {
    let quote = sgx_quote();
    let verdict = check_against_policy(&quote, &policy_allowing(quote.identity), NOW);
    assert!(!verdict.allowed);
    assert_eq!(
        verdict.violations().cloned().collect::<Vec<_>>(),
        [Reason::TcbStatusNotAcceptable {
            status: TcbStatus::ConfigurationAndSWHardeningNeeded,
            advisory_ids: vec!["INTEL-SA-00289".into(), "INTEL-SA-00615".into()],
        }]
    );
    // No TDX findings for an SGX quote.
    assert!(!codes(&verdict.reasons).iter().any(|code| code.starts_with("tdx")));
    let sentence = verdict.sentence();
    assert!(sentence.starts_with("this quote's enclave (SGX identity "), "{sentence}");
    assert!(sentence.contains("(advisories INTEL-SA-00289, INTEL-SA-00615)"), "{sentence}");
}

#[test]
fn verdict_is_machine_readable() {
    let quote = tdx_quote();
    let verdict = check_against_policy(&quote, &AppAuthPolicy::default(), NOW);
    let json = serde_json::to_value(&verdict).unwrap();
    assert_eq!(json["allowed"], false);
    assert_eq!(json["platform"], "tdx");
    assert_eq!(json["reasons"][0]["code"], "identity_not_listed");
    assert_eq!(json["reasons"][0]["listed"], 0);
    let too_low = json["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|reason| reason["code"] == "tcb_evaluation_data_number_too_low")
        .unwrap();
    assert_eq!(too_low["actual"], 17);
    assert_eq!(too_low["minimum"], 18);
}
