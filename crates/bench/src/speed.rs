//! Speed of the Rust side: the review of a proposal, offline quote verification, the demo.

use std::{
    hint::black_box,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::Instant,
};

use alloy::primitives::{Address, U256};
use eyre::{Result, WrapErr, bail};
use roflgov_attest::{Collateral, verify_quote};
use roflgov_core::{
    review::{ProposedCall, review_calls},
    rofl::changes_to_calldata,
};
use roflgov_types::{AppId, ids::Address as OasisAddress};
use serde::Serialize;

use crate::fixtures::{self, Scenario};

/// The attest fixtures' verification time: 2025-07-01T00:00:00Z, inside their collateral window.
pub const QUOTE_TIME: u64 = 1_751_328_000;

/// Repeated timings of one operation.
#[derive(Clone, Debug, Serialize)]
pub struct Timing {
    /// The operation timed, as the report names it.
    pub what: String,
    /// Samples taken; each runs the operation `iterations` times.
    pub samples: usize,
    /// Runs of the operation per sample.
    pub iterations: usize,
    /// Median over the samples of the time of one operation, in microseconds.
    pub median_us: f64,
    /// Fastest sample, per operation, in microseconds.
    pub min_us: f64,
    /// Slowest sample, per operation, in microseconds.
    pub max_us: f64,
    /// 1 / median, per second.
    pub per_second: f64,
}

/// The median of `values` (sorted in place).
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 }
}

/// Times `samples` × `iterations` runs of `operation`.
pub fn time(
    what: &str,
    samples: usize,
    iterations: usize,
    mut operation: impl FnMut() -> Result<()>,
) -> Result<Timing> {
    operation()?; // warm-up
    let mut per_op = Vec::with_capacity(samples);
    for _ in 0..samples {
        let started = Instant::now();
        for _ in 0..iterations {
            operation()?;
        }
        per_op.push(started.elapsed().as_secs_f64() * 1e6 / iterations as f64);
    }
    let min_us = per_op.iter().copied().fold(f64::INFINITY, f64::min);
    let max_us = per_op.iter().copied().fold(0.0, f64::max);
    let median_us = median(&mut per_op);
    Ok(Timing {
        what: what.to_owned(),
        samples,
        iterations,
        median_us,
        min_us,
        max_us,
        per_second: 1e6 / median_us,
    })
}

/// `review_calls` of a release proposal (one `multicall`: add one identity, remove one, set the
/// version metadata) on an app with 32 identities, four metadata pairs and one secret.
pub fn review(samples: usize, iterations: usize) -> Result<Timing> {
    let contract = Address::repeat_byte(0x42);
    let config = fixtures::config(
        AppId::from_global_name("roflgov bench review"),
        fixtures::policy(32),
        OasisAddress::from_eth(contract),
        fixtures::typical_metadata(),
        fixtures::typical_secrets(),
    );
    let mut changes = Scenario::Release.changes(10_000);
    changes.extend(Scenario::MetadataChange.changes(0));
    let data = changes_to_calldata(config.id, 5, &changes)?;
    let calls = [ProposedCall::call(contract, U256::ZERO, data)];
    let check = review_calls(&config, 5, &calls, contract);
    if check.resulting.policy.enclaves.len() != 32 || check.has_critical() {
        bail!("the benchmark proposal does not review cleanly: {check}");
    }
    time("review of a release proposal, 32-identity app", samples, iterations, || {
        black_box(review_calls(black_box(&config), 5, black_box(&calls), contract));
        Ok(())
    })
}

/// `verify_quote` of the attest crate's real TDX and SGX sample quotes (fully offline DCAP
/// verification against their collateral) at [`QUOTE_TIME`].
pub fn quotes(root: &Path, samples: usize, iterations: usize) -> Result<Vec<Timing>> {
    let testdata = root.join("crates/attest/testdata");
    let mut out = Vec::new();
    for (platform, quote, collateral) in
        [("TDX", "tdx_quote", "tdx_quote_collateral.json"), ("SGX", "sgx_quote", "sgx_quote_collateral.json")]
    {
        let raw = std::fs::read(testdata.join(quote)).wrap_err_with(|| format!("reading {quote}"))?;
        let collateral = Collateral::from_file(testdata.join(collateral))?;
        out.push(time(&format!("verify_quote, {platform} sample quote"), samples, iterations, || {
            black_box(verify_quote(black_box(&raw), &collateral, QUOTE_TIME)?);
            Ok(())
        })?);
    }
    Ok(out)
}

/// Where `cargo build -p roflgov` put the CLI.
pub fn default_roflgov_binary(root: &Path) -> PathBuf {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"));
    target.join("debug").join("roflgov")
}

/// Wall time of `roflgov demo` (its own anvil, the whole narrated story), `runs` times.
pub fn demo(binary: &Path, runs: usize) -> Result<Timing> {
    if !binary.is_file() {
        bail!("{} not found: build it with `cargo build -p roflgov`", binary.display());
    }
    let mut seconds = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let status = Command::new(binary)
            .arg("demo")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .wrap_err("running roflgov demo")?;
        if !status.success() {
            bail!("roflgov demo failed ({status}); run it alone to see why");
        }
        seconds.push(started.elapsed().as_secs_f64());
    }
    let min = seconds.iter().copied().fold(f64::INFINITY, f64::min);
    let max = seconds.iter().copied().fold(0.0, f64::max);
    let median_s = median(&mut seconds);
    Ok(Timing {
        what: "roflgov demo, wall time".into(),
        samples: runs,
        iterations: 1,
        median_us: median_s * 1e6,
        min_us: min * 1e6,
        max_us: max * 1e6,
        per_second: 1.0 / median_s,
    })
}
