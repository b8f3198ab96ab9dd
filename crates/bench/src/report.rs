//! `bench/RESULTS.md`, `bench/results.json` and the summary block of `README.md`.

use std::{fmt::Write as _, path::Path};

use eyre::{Result, WrapErr, bail};
use serde::Serialize;

use crate::{
    chain::GovernorGas,
    fixtures::Scenario,
    gas::{
        LinearFit, MODULE_UPDATE_GAS, ModeResults, ROFLGOV_MAX_ENCLAVES, SAPPHIRE_MAX_BATCH_GAS,
        SAPPHIRE_MAX_TX_SIZE, SCALE_METADATA, ScalePoint,
    },
    speed::Timing,
};

/// Where the Sapphire figures come from.
pub const SAPPHIRE_SOURCE: &str = "oasisprotocol/sapphire-paratime runtime/src/lib.rs (commit 882b7c38): \
core `max_batch_gas: 15_000_000`, `max_tx_size: 128 * 1024`; rofl `GAS_COST_CALL_CREATE = GAS_COST_CALL_UPDATE = 100_000`";

/// The goal of issue 10 for the Safe path.
pub const TARGET_RATIO: f64 = 1.3;

/// Growth counts as linear when no scaling row is further than this from the least-squares line.
pub const LINEAR_WITHIN_PERCENT: f64 = 5.0;

/// Metadata pairs of the identity rows of the scaling table (the typical app's four).
const IDENTITY_ROWS_METADATA: usize = 4;

/// The line before the benchmark summary in `README.md`; `make bench` rewrites what follows it.
pub const SUMMARY_START: &str = "<!-- bench-summary:start (written by make bench) -->";
/// The line after the benchmark summary in `README.md`.
pub const SUMMARY_END: &str = "<!-- bench-summary:end -->";

/// How the run was made.
#[derive(Clone, Debug, Serialize)]
pub struct RunInfo {
    /// The commit measured.
    pub git_commit: String,
    /// Whether tracked files had uncommitted changes.
    pub git_dirty: bool,
    /// When the results were written, Unix seconds.
    pub unix_time: u64,
    /// The anvil version.
    pub anvil: String,
    /// The cargo profile the benchmark was built with (`dev` or `release`).
    pub cargo_profile: &'static str,
    /// The solc version and settings the contracts were compiled with.
    pub solc: &'static str,
    /// How long the whole run took, in seconds.
    pub wall_seconds: f64,
}

/// Linear fits of the scaling rows (identity rows only).
#[derive(Clone, Debug, Serialize)]
pub struct Scaling {
    /// roflgov, no-op precompile, n ≤ 64.
    pub roflgov_noop: LinearFit,
    /// Today's flow, no-op precompile.
    pub baseline_noop: LinearFit,
    /// roflgov with the stand-in.
    pub roflgov_stand_in: LinearFit,
    /// Largest identity count whose update stays within `max_batch_gas`, estimated on Sapphire
    /// (fit + module gas), before roflgov's own cap.
    pub roflgov_largest_by_gas: u64,
    /// The same estimate for today's flow.
    pub baseline_largest_by_gas: u64,
    /// Largest identity count whose baseline Safe transaction fits `max_tx_size` (calldata only).
    pub baseline_largest_by_tx_size: u64,
    /// roflgov's own bound on the identities of one app.
    pub roflgov_cap: u32,
}

/// Everything one run measured.
#[derive(Clone, Debug, Serialize)]
pub struct Results {
    /// How the run was made.
    pub run: RunInfo,
    /// Where the Sapphire figures come from.
    pub sapphire_source: &'static str,
    /// Gas the ROFL module charges on Sapphire for `rofl.Update`.
    pub module_update_gas: u64,
    /// Sapphire's block gas limit.
    pub sapphire_max_batch_gas: u64,
    /// Measurements with the ROFL module stand-in at the precompile address.
    pub stand_in: ModeResults,
    /// Measurements with the no-op precompile (the caller's gas only).
    pub noop: ModeResults,
    /// The release plus a Deploy per machine in one Safe batch (stand-ins only).
    pub machines: Vec<crate::gas::MachineBatch>,
    /// Linear fits of the scaling rows.
    pub scaling: Scaling,
    /// Rust-side timings (review, quote verification).
    pub speed: Vec<Timing>,
    /// Timing of the whole demo, when it ran.
    pub demo: Option<Timing>,
    /// Why the demo was not timed.
    pub demo_error: Option<String>,
    /// The forge gas snapshot file the run regenerated, named in the report.
    pub forge_snapshot: Option<String>,
}

fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn ratio(roflgov: u64, baseline: u64) -> f64 {
    roflgov as f64 / baseline as f64
}

/// A ratio as the tables and the summary write it.
fn times(r: f64) -> String {
    format!("{r:.2}×")
}

fn ratio_cell(roflgov: u64, baseline: u64) -> String {
    let r = ratio(roflgov, baseline);
    if r <= TARGET_RATIO { format!("**{}**", times(r)) } else { times(r) }
}

/// A gas figure that is not a whole number (a slope), rounded.
fn thousands_f(value: f64) -> String {
    let rounded = value.round();
    if rounded < 0.0 { format!("-{}", thousands(-rounded as u64)) } else { thousands(rounded as u64) }
}

/// `lo–hi×` over some ratios (one value when they agree to two decimals).
fn ratio_range(ratios: impl IntoIterator<Item = f64>) -> String {
    let (lo, hi) =
        ratios.into_iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), r| (lo.min(r), hi.max(r)));
    if !lo.is_finite() {
        return "–".to_owned();
    }
    let (lo, hi) = (format!("{lo:.2}"), format!("{hi:.2}"));
    if lo == hi { format!("{lo}×") } else { format!("{lo}–{hi}×") }
}

/// A duration given in microseconds, in the unit that suits it.
fn duration(us: f64) -> String {
    if us >= 1e6 {
        format!("{:.2} s", us / 1e6)
    } else if us >= 1e3 {
        format!("{:.2} ms", us / 1e3)
    } else {
        format!("{us:.1} µs")
    }
}

fn governor_steps(gas: &GovernorGas) -> Vec<(String, u64, bool)> {
    let mut steps = vec![("propose".to_owned(), gas.propose, false)];
    for (i, vote) in gas.votes.iter().enumerate() {
        steps.push((format!("vote {}", i + 1), *vote, false));
    }
    steps.push(("queue".to_owned(), gas.queue, false));
    steps.push(("execute (sends the `rofl.Update`)".to_owned(), gas.execute, true));
    steps
}

impl Results {
    /// The markdown report.
    pub fn markdown(&self) -> String {
        let mut md = String::new();
        let m = MODULE_UPDATE_GAS;
        let w = &mut md;
        let _ = writeln!(w, "# roflgov benchmark results\n");
        let _ = writeln!(
            w,
            "Generated by `make bench` (crate `roflgov-bench`) in one run on one anvil (`--hardfork shanghai`, {}), \
             commit `{}`{}, cargo profile `{}`, solc {}. Total run time {:.0} s. JSON: `bench/results.json`.\n",
            self.run.anvil,
            self.run.git_commit,
            if self.run.git_dirty { " with uncommitted changes" } else { "" },
            self.run.cargo_profile,
            self.run.solc,
            self.run.wall_seconds
        );
        let _ = writeln!(w, "## How to read the tables\n");
        let _ = writeln!(
            w,
            "- **Gas** is the whole transaction's `gasUsed` from its receipt: 21,000 intrinsic, calldata, and for the \
             Safe path `execTransaction` of a 2-of-3 Safe v1.4.1 (two ECDSA signatures) with its inner call.\n\
             - **Today** (the baseline) is the flow roflgov replaces: the Safe (or the Timelock) calls the subcall \
             precompile directly with the complete `rofl.Update` CBOR body, pre-encoded as the Oasis CLI writes it \
             (`oasis rofl update --unsigned --format cbor`; encoded here with `roflgov_types::cbor`). The Safe / \
             Timelock is the app's ROFL admin (it created the app with a direct `rofl.Create` subcall, scheme 0 = \
             creator round/index: the module derives a scheme-1 id from the creator's nonce, which a subcall never \
             moves, so a contract gets one scheme-1 app only). Each baseline subcall is dry-run as its sender first \
             and the run stops if the module refuses it (the precompile reports that as a status, not a revert).\n\
             - anvil mines every block one second after the last (`anvil_setBlockTimestampInterval`), so gas does \
             not depend on the wall clock.\n\
             - **roflgov** is the same change through the policy contract: the Safe (or the Timelock) calls \
             `RoflAppAdmin` with calldata from `changes_to_calldata` — one call for one change, one `multicall` for \
             several — and the contract sends the same complete body. Both apps go through the same states; the run \
             checks that both sent the same config.\n\
             - Three views of the precompile:\n  \
             - **stand-in**: `contracts/testing/RoflModuleStandIn.sol` at `0x…0103`. It decodes and stores the body \
             in Solidity (strictly), which costs far more than Sapphire's native module.\n  \
             - **no-op**: `contracts/testing/NoopSubcall.sol` at `0x…0103`: answers success at once without reading \
             the body (a fresh CBOR app id for `rofl.Create`), so only the caller's own cost is left.\n  \
             - **est. Sapphire** = no-op + {} gas: what Sapphire's ROFL module charges per `rofl.Update` \
             ({}). Sapphire's other per-transaction charges (`tx_byte` 1 gas per byte of the Oasis transaction, \
             signature 1,000) are the same for both flows and left out.\n\
             - **ratio** = roflgov / today; **bold** when at or below the issue's goal of {TARGET_RATIO}.\n",
            thousands(m),
            SAPPHIRE_SOURCE
        );

        // ---------------- Safe path
        let _ = writeln!(w, "## 1. Safe path: the three changes\n");
        let _ = writeln!(
            w,
            "On the \"typical app\" of `docs/gas.md`: `oasis rofl create` default policy (PCS, TDX any module, \
             endorsement `any`), two TDX identities, four metadata pairs, one 64-byte secret. The changes run in this \
             order on the same app (so the release starts from three identities).\n"
        );
        let _ = writeln!(
            w,
            "| change | CBOR body | today (stand-in) | roflgov (stand-in) | ratio | today (no-op) | roflgov (no-op) | ratio | today (est. Sapphire) | roflgov (est. Sapphire) | ratio |"
        );
        let _ = writeln!(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (s, n) in self.stand_in.safe.iter().zip(&self.noop.safe) {
            let _ = writeln!(
                w,
                "| {} | {} B | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                s.label,
                s.body_bytes,
                thousands(s.baseline),
                thousands(s.roflgov),
                ratio_cell(s.roflgov, s.baseline),
                thousands(n.baseline),
                thousands(n.roflgov),
                ratio_cell(n.roflgov, n.baseline),
                thousands(n.baseline + m),
                thousands(n.roflgov + m),
                ratio_cell(n.roflgov + m, n.baseline + m),
            );
        }
        let _ = writeln!(
            w,
            "\nInner calldata (the Safe's `data`): today {} B (subcall input with the whole body), roflgov {} B \
             (the change only).\n",
            self.noop
                .safe
                .iter()
                .map(|s| s.baseline_inner_calldata.to_string())
                .collect::<Vec<_>>()
                .join(" / "),
            self.noop
                .safe
                .iter()
                .map(|s| s.roflgov_inner_calldata.to_string())
                .collect::<Vec<_>>()
                .join(" / ")
        );

        // ---------------- Governor path
        let _ = writeln!(w, "## 2. Governor path: the three changes\n");
        let _ = writeln!(
            w,
            "OpenZeppelin 5.3 Governor + TimelockController (`deploy_dao`, local periods), three voters with a third \
             of the votes each, all three voting for. Today = a proposal whose one call is Timelock → precompile with \
             the complete body (the Timelock is the app's admin); roflgov = Timelock → policy contract. Same typical \
             app and order as above. Only `execute` sends a `rofl.Update`, so the est. Sapphire view adds {} gas \
             to `execute` (and the total) only.\n",
            thousands(m)
        );
        for (s, n) in self.stand_in.governor.iter().zip(&self.noop.governor) {
            let _ = writeln!(w, "### {}\n", s.label);
            let _ = writeln!(
                w,
                "| step | today (est. Sapphire) | roflgov (est. Sapphire) | ratio | today (stand-in) | roflgov (stand-in) | ratio |"
            );
            let _ = writeln!(w, "|---|---:|---:|---:|---:|---:|---:|");
            let rows = governor_steps(&n.baseline)
                .into_iter()
                .zip(governor_steps(&n.roflgov))
                .zip(governor_steps(&s.baseline).into_iter().zip(governor_steps(&s.roflgov)));
            for (((label, nb, update), (_, nr, _)), ((_, sb, _), (_, sr, _))) in rows {
                let extra = if update { m } else { 0 };
                let _ = writeln!(
                    w,
                    "| {label} | {} | {} | {} | {} | {} | {} |",
                    thousands(nb + extra),
                    thousands(nr + extra),
                    ratio_cell(nr + extra, nb + extra),
                    thousands(sb),
                    thousands(sr),
                    ratio_cell(sr, sb)
                );
            }
            let (nb, nr, sb, sr) =
                (n.baseline.total() + m, n.roflgov.total() + m, s.baseline.total(), s.roflgov.total());
            let _ = writeln!(
                w,
                "| **total** | {} | {} | {} | {} | {} | {} |\n",
                thousands(nb),
                thousands(nr),
                ratio_cell(nr, nb),
                thousands(sb),
                thousands(sr),
                ratio_cell(sr, sb)
            );
        }

        // ---------------- Scaling
        let sc = &self.scaling;
        let _ = writeln!(w, "## 3. Scaling: one update as the app grows\n");
        let _ = writeln!(
            w,
            "The smallest change (`setMaxExpiration`; today: the complete body with `max_expiration` changed) through \
             the Safe, on apps created with n identities and the four typical metadata pairs (no secret), and on an \
             app with two identities and 64 metadata pairs (22-byte keys, 32-byte values). Every update re-sends the \
             complete config, in both flows.\n"
        );
        let _ = writeln!(
            w,
            "| app | CBOR body | today (stand-in) | roflgov (stand-in) | ratio | today (no-op) | roflgov (no-op) | ratio | today (est. Sapphire) | roflgov (est. Sapphire) | ratio |"
        );
        let _ = writeln!(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (s, n) in self.stand_in.scaling.iter().zip(&self.noop.scaling) {
            let cells = match (s.roflgov, n.roflgov) {
                (Some(sr), Some(nr)) => [
                    thousands(sr),
                    ratio_cell(sr, s.baseline),
                    thousands(nr),
                    ratio_cell(nr, n.baseline),
                    thousands(nr + m),
                    ratio_cell(nr + m, n.baseline + m),
                ],
                _ => {
                    let note = s.note.clone().or_else(|| n.note.clone()).unwrap_or_default();
                    [note, "–".into(), "–".into(), "–".into(), "–".into(), "–".into()]
                }
            };
            let _ = writeln!(
                w,
                "| {} | {} B | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                s.label,
                s.body_bytes,
                thousands(s.baseline),
                cells[0],
                cells[1],
                thousands(n.baseline),
                cells[2],
                cells[3],
                thousands(n.baseline + m),
                cells[4],
                cells[5]
            );
        }
        let _ = writeln!(
            w,
            "\n**Growth** (least-squares line over the identity rows): roflgov (no-op) {:.0} gas per identity + {:.0} \
             (largest deviation from the line {:.1} %); today (no-op) {:.0} gas per identity + {:.0} ({:.1} %); \
             roflgov with the stand-in {:.0} per identity ({:.1} %). Update gas grows {} in the number of identities.\n",
            sc.roflgov_noop.slope,
            sc.roflgov_noop.intercept,
            sc.roflgov_noop.max_deviation_percent,
            sc.baseline_noop.slope,
            sc.baseline_noop.intercept,
            sc.baseline_noop.max_deviation_percent,
            sc.roflgov_stand_in.slope,
            sc.roflgov_stand_in.max_deviation_percent,
            if sc.roflgov_noop.max_deviation_percent < LINEAR_WITHIN_PERCENT {
                "linearly"
            } else {
                "NOT linearly"
            }
        );
        let _ = writeln!(
            w,
            "**Largest policy within Sapphire's block gas limit** (`max_batch_gas` = {} gas; sapphire-paratime `runtime/src/lib.rs`): by gas alone, one \
             roflgov update could carry about **{} identities** (est. Sapphire line + {} module gas), today's direct \
             update about {}, which is first bounded by `max_tx_size` ({} B) at about {} identities. roflgov caps an \
             app at **{} identities** (`RoflPolicyValidation.MAX_ENCLAVES`), so its cap binds long before the block \
             gas limit: the 64-identity update costs {} gas est. on Sapphire, {:.1} % of a block.\n",
            thousands(SAPPHIRE_MAX_BATCH_GAS),
            thousands(sc.roflgov_largest_by_gas),
            thousands(m),
            thousands(sc.baseline_largest_by_gas),
            SAPPHIRE_MAX_TX_SIZE,
            thousands(sc.baseline_largest_by_tx_size),
            sc.roflgov_cap,
            self.noop
                .scaling
                .iter()
                .find(|p| p.identities == ROFLGOV_MAX_ENCLAVES && p.metadata == IDENTITY_ROWS_METADATA)
                .and_then(|p| p.roflgov)
                .map(|g| thousands(g + m))
                .unwrap_or_else(|| "?".into()),
            self.noop
                .scaling
                .iter()
                .find(|p| p.identities == ROFLGOV_MAX_ENCLAVES && p.metadata == IDENTITY_ROWS_METADATA)
                .and_then(|p| p.roflgov)
                .map(|g| (g + m) as f64 * 100.0 / SAPPHIRE_MAX_BATCH_GAS as f64)
                .unwrap_or(f64::NAN),
        );

        // ---------------- Rust side
        let _ = writeln!(w, "## 4. Rust side\n");
        let _ = writeln!(
            w,
            "Medians over repeated samples (each sample times `iterations` runs and divides), cargo profile `{}` \
             (what `make test` / `make demo` build; the workspace's own crates unoptimised, dependencies at opt-level \
             1). Quote verification: the attest crate's real Intel DCAP sample quotes and collateral \
             (`crates/attest/testdata`), fully offline, at the pinned time 2025-07-01T00:00:00Z. The demo runs the \
             built `roflgov demo` binary (its own anvil, after the benchmark's anvil has stopped).\n",
            self.run.cargo_profile
        );
        let _ = writeln!(w, "| operation | median | min | max | per second | samples × iterations |");
        let _ = writeln!(w, "|---|---:|---:|---:|---:|---:|");
        for t in self.speed.iter().chain(&self.demo) {
            let unit = duration;
            let _ = writeln!(
                w,
                "| {} | {} | {} | {} | {:.1} | {} × {} |",
                t.what,
                unit(t.median_us),
                unit(t.min_us),
                unit(t.max_us),
                t.per_second,
                t.samples,
                t.iterations
            );
        }
        if let (None, Some(why)) = (&self.demo, &self.demo_error) {
            let _ = writeln!(w, "\n(The demo was not timed in this run: {why}.)");
        }

        // ---------------- Machines
        if !self.machines.is_empty() {
            let _ = writeln!(
                w,
                "\n## Machines: a release and its Deploys in one Safe transaction\n\n\
                 The release (one identity in, one out) on the typical app and one \
                 `roflmarket.InstanceExecuteCmds` Deploy (storage kept, with an ORC reference) per machine the Safe \
                 rented from the simulated provider, in one MultiSendCallOnly batch of a 2-of-3 Safe. **Today** is \
                 Talos' flow (`oasis rofl update --format safe` + deploy): a raw `rofl.Update` subcall with the \
                 complete body, then the Deploys; **roflgov** is `propose --deploy-machines`: the policy contract's \
                 release, then the same Deploys. Measured on the local stand-ins only (ROFL and roflmarket), whose \
                 Solidity decoding costs far more than Sapphire's native modules; the run checks that the provider \
                 took every Deploy.\n"
            );
            let _ = writeln!(w, "| machines | today | roflgov | ratio |\n|---:|---:|---:|---:|");
            for b in &self.machines {
                let _ = writeln!(
                    w,
                    "| {} | {} | {} | {} |",
                    b.machines,
                    thousands(b.baseline),
                    thousands(b.roflgov),
                    ratio_cell(b.roflgov, b.baseline)
                );
            }
        }

        // ---------------- Goal
        let _ = writeln!(w, "\n## 5. Against the goal (Safe path ratio ≤ {TARGET_RATIO}, linear growth)\n");
        let count = |f: &dyn Fn(&crate::gas::SafeScenario, &crate::gas::SafeScenario) -> f64| {
            self.stand_in.safe.iter().zip(&self.noop.safe).filter(|(s, n)| f(s, n) <= TARGET_RATIO).count()
        };
        let stand_in_ok = count(&|s, _| ratio(s.roflgov, s.baseline));
        let noop_ok = count(&|_, n| ratio(n.roflgov, n.baseline));
        let sapphire_ok = count(&|_, n| ratio(n.roflgov + m, n.baseline + m));
        let worst = |f: &dyn Fn(&crate::gas::SafeScenario, &crate::gas::SafeScenario) -> f64| {
            self.stand_in.safe.iter().zip(&self.noop.safe).map(|(s, n)| f(s, n)).fold(0.0, f64::max)
        };
        let _ = writeln!(
            w,
            "- stand-in view: {stand_in_ok} of 3 changes at or below {TARGET_RATIO} (worst {:.2}×)\n\
             - est. Sapphire view: {sapphire_ok} of 3 (worst {:.2}×)\n\
             - no-op view (the contract's cost against a bare Safe call): {noop_ok} of 3 (worst {:.2}×)\n\
             - growth in identities: {} (largest deviation from a line {:.1} %)\n",
            worst(&|s, _| ratio(s.roflgov, s.baseline)),
            worst(&|_, n| ratio(n.roflgov + m, n.baseline + m)),
            worst(&|_, n| ratio(n.roflgov, n.baseline)),
            if sc.roflgov_noop.max_deviation_percent < LINEAR_WITHIN_PERCENT {
                "linear"
            } else {
                "not linear"
            },
            sc.roflgov_noop.max_deviation_percent
        );
        if let Some(snapshot) = &self.forge_snapshot {
            let _ = writeln!(
                w,
                "## 6. Forge gas snapshot\n\n`make bench` also regenerates `{snapshot}` with \
                 `forge snapshot --match-path test/RoflAppAdmin.gas.t.sol` (the contract calls alone, subcall mocked; \
                 see `docs/gas.md`).\n"
            );
        }
        md
    }
}

/// How the summary names a change.
fn short_label(scenario: Scenario) -> &'static str {
    match scenario {
        Scenario::AddIdentity => "add one identity",
        Scenario::Release => "release (one in, one out)",
        Scenario::MetadataChange => "change one metadata value",
    }
}

/// "a, b and c".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

impl Results {
    /// The identity rows of the scaling table (typical metadata), in the no-op view.
    fn identity_rows(&self) -> impl Iterator<Item = &ScalePoint> {
        self.noop.scaling.iter().filter(|p| p.metadata == IDENTITY_ROWS_METADATA)
    }

    /// The benchmark summary of `README.md` (between [`SUMMARY_START`] and [`SUMMARY_END`]):
    /// markdown bullets, every figure computed from this run.
    pub fn summary_markdown(&self) -> String {
        let m = self.module_update_gas;
        let mut md = String::new();
        let w = &mut md;

        // ---------------- Run
        let _ = writeln!(
            w,
            "- One run of {:.0} s on one anvil (commit `{}`{}, cargo profile `{}`); all tables and the method in \
             [bench/RESULTS.md](bench/RESULTS.md), raw figures in `bench/results.json`, optimisation notes in \
             [bench/OPTIMISATION.md](bench/OPTIMISATION.md). Ratios are roflgov / today; est. Sapphire = no-op \
             precompile + {} gas of the ROFL module per `rofl.Update`.",
            self.run.wall_seconds,
            self.run.git_commit,
            if self.run.git_dirty { " with uncommitted changes" } else { "" },
            self.run.cargo_profile,
            thousands(m)
        );

        // ---------------- Safe path
        let pairs: Vec<_> = self.stand_in.safe.iter().zip(&self.noop.safe).collect();
        let _ = writeln!(w, "- Safe path, typical app, whole transaction, roflgov vs today:");
        for (s, n) in &pairs {
            let _ = writeln!(
                w,
                "  - {}: stand-in {} vs {} ({}), no-op {} vs {} ({}), est. Sapphire {} vs {} ({}).",
                short_label(n.scenario),
                thousands(s.roflgov),
                thousands(s.baseline),
                times(ratio(s.roflgov, s.baseline)),
                thousands(n.roflgov),
                thousands(n.baseline),
                times(ratio(n.roflgov, n.baseline)),
                thousands(n.roflgov + m),
                thousands(n.baseline + m),
                times(ratio(n.roflgov + m, n.baseline + m)),
            );
        }
        let met = |f: &dyn Fn(&crate::gas::SafeScenario, &crate::gas::SafeScenario) -> f64| {
            pairs.iter().filter(|(s, n)| f(s, n) <= TARGET_RATIO).count()
        };
        let _ = writeln!(
            w,
            "  - The ≤ {TARGET_RATIO} goal is met for {} of {} changes with the stand-in, {} of {} with the no-op \
             precompile and {} of {} est. on Sapphire.",
            met(&|s, _| ratio(s.roflgov, s.baseline)),
            pairs.len(),
            met(&|_, n| ratio(n.roflgov, n.baseline)),
            pairs.len(),
            met(&|_, n| ratio(n.roflgov + m, n.baseline + m)),
            pairs.len(),
        );

        // ---------------- Machines
        if !self.machines.is_empty() {
            let rows: Vec<_> = self
                .machines
                .iter()
                .map(|b| {
                    format!(
                        "{} machine{}: {} vs {} ({})",
                        b.machines,
                        if b.machines == 1 { "" } else { "s" },
                        thousands(b.roflgov),
                        thousands(b.baseline),
                        times(ratio(b.roflgov, b.baseline))
                    )
                })
                .collect();
            let _ = writeln!(
                w,
                "- Release plus a Deploy per machine in one Safe batch (`propose --deploy-machines` vs Talos' \
                 `rofl.Update` + `InstanceExecuteCmds`), on the local stand-ins: {}.",
                and_list(&rows)
            );
        }

        // ---------------- Governor path
        let governor: Vec<_> = self.stand_in.governor.iter().zip(&self.noop.governor).collect();
        if !governor.is_empty() {
            let totals = |est: bool| {
                governor
                    .iter()
                    .map(|(s, n)| {
                        let r = if est {
                            ratio(n.roflgov.total() + m, n.baseline.total() + m)
                        } else {
                            ratio(s.roflgov.total(), s.baseline.total())
                        };
                        format!("{} {}", short_label(n.scenario), times(r))
                    })
                    .collect::<Vec<_>>()
            };
            let votes = governor[0].1.roflgov.votes.len();
            let _ = writeln!(
                w,
                "- Governor path, all steps together (propose, {votes} vote{}, queue, execute): est. Sapphire: {}; \
                 stand-in: {}. The `execute` step alone (it sends the `rofl.Update`): {} est. on Sapphire, {} \
                 with the stand-in; propose and queue: {}.",
                if votes == 1 { "" } else { "s" },
                and_list(&totals(true)),
                and_list(&totals(false)),
                ratio_range(
                    governor.iter().map(|(_, n)| ratio(n.roflgov.execute + m, n.baseline.execute + m))
                ),
                ratio_range(governor.iter().map(|(s, _)| ratio(s.roflgov.execute, s.baseline.execute))),
                ratio_range(governor.iter().flat_map(|(s, n)| {
                    [
                        ratio(n.roflgov.propose, n.baseline.propose),
                        ratio(n.roflgov.queue, n.baseline.queue),
                        ratio(s.roflgov.propose, s.baseline.propose),
                        ratio(s.roflgov.queue, s.baseline.queue),
                    ]
                })),
            );
        }

        // ---------------- Scaling
        let sc = &self.scaling;
        let measured: Vec<u32> =
            self.identity_rows().filter(|p| p.roflgov.is_some()).map(|p| p.identities).collect();
        let refused: Vec<String> = self
            .identity_rows()
            .filter(|p| p.roflgov.is_none())
            .map(|p| format!("{}-identity", p.identities))
            .collect();
        let _ = writeln!(
            w,
            "- Scaling (the smallest change, on apps of {}–{} identities; no-op least-squares slope): {} gas per \
             identity per update with roflgov, {} today. Growth is {} (largest deviation from the line {:.1} %).",
            measured.iter().min().copied().unwrap_or(0),
            measured.iter().max().copied().unwrap_or(0),
            thousands_f(sc.roflgov_noop.slope),
            thousands_f(sc.baseline_noop.slope),
            if sc.roflgov_noop.max_deviation_percent < LINEAR_WITHIN_PERCENT {
                "linear"
            } else {
                "not linear"
            },
            sc.roflgov_noop.max_deviation_percent,
        );
        let mut limits = String::new();
        if let Some(p) = self.identity_rows().find(|p| p.identities == sc.roflgov_cap)
            && let Some(gas) = p.roflgov
        {
            let _ = write!(
                limits,
                "The {}-identity update costs {} gas est. on Sapphire (today {}), {:.1} % of the {} block gas \
                 (`max_batch_gas`). ",
                p.identities,
                thousands(gas + m),
                thousands(p.baseline + m),
                (gas + m) as f64 * 100.0 / self.sapphire_max_batch_gas as f64,
                thousands(self.sapphire_max_batch_gas)
            );
        }
        let _ = write!(
            limits,
            "The largest policy within the block gas limit would be about {} identities by gas alone, but \
             roflgov caps an app at {} (`MAX_ENCLAVES`)",
            thousands(sc.roflgov_largest_by_gas),
            sc.roflgov_cap
        );
        if refused.is_empty() {
            limits.push('.');
        } else {
            let _ = write!(limits, "; the {} update is refused.", and_list(&refused));
        }
        let _ = writeln!(w, "- {limits}");

        // ---------------- Metadata
        let stand_in_metadata = self.stand_in.scaling.iter().find(|p| p.metadata == SCALE_METADATA);
        if let Some(n) = self.noop.scaling.iter().find(|p| p.metadata == SCALE_METADATA)
            && let Some(nr) = n.roflgov
        {
            let stand_in = stand_in_metadata
                .and_then(|s| Some((s.roflgov?, s.baseline)))
                .map(|(sr, sb)| format!(", stand-in {}", times(ratio(sr, sb))))
                .unwrap_or_default();
            let _ = writeln!(
                w,
                "- {} metadata pairs ({} identit{}): {} vs {} est. on Sapphire ({}){stand_in}, no-op {}.",
                n.metadata,
                n.identities,
                if n.identities == 1 { "y" } else { "ies" },
                thousands(nr + m),
                thousands(n.baseline + m),
                times(ratio(nr + m, n.baseline + m)),
                times(ratio(nr, n.baseline)),
            );
        }

        // ---------------- Rust side
        let mut rust = Vec::new();
        let mut samples = Vec::new();
        for t in self.speed.iter().filter(|t| !t.what.starts_with("verify_quote")) {
            rust.push(format!("{} {}", t.what, duration(t.median_us)));
            samples.push(t.samples.to_string());
        }
        let quotes: Vec<_> = self.speed.iter().filter(|t| t.what.starts_with("verify_quote")).collect();
        if !quotes.is_empty() {
            let per_second: Vec<String> = quotes
                .iter()
                .map(|t| {
                    let platform = ["TDX", "SGX"].into_iter().find(|p| t.what.contains(p)).unwrap_or(&t.what);
                    format!("{}/s ({platform})", thousands_f(t.per_second))
                })
                .collect();
            rust.push(format!("offline DCAP quote verification {}", and_list(&per_second)));
            samples.extend(quotes.iter().map(|t| t.samples.to_string()));
        }
        match &self.demo {
            Some(t) => {
                rust.push(format!("`roflgov demo` {} wall time", duration(t.median_us)));
                samples.push(t.samples.to_string());
            }
            None => rust.push("`roflgov demo` not timed in this run".to_owned()),
        }
        let _ = writeln!(
            w,
            "- Rust side (cargo profile `{}`, medians of {} samples): {}.",
            self.run.cargo_profile,
            and_list(&samples),
            rust.join("; ")
        );
        md
    }
}

/// `text` with what lies between the `start` and `end` markers replaced by `body` (verbatim;
/// the markers and everything outside them are kept). Each marker must occur once, `start`
/// before `end`.
pub fn replace_marked_block(text: &str, start: &str, end: &str, body: &str) -> Result<String> {
    let once = |marker: &str, which: &str| -> Result<usize> {
        let mut found = text.match_indices(marker).map(|(at, _)| at);
        let Some(at) = found.next() else { bail!("the {which} marker `{marker}` is missing") };
        if found.next().is_some() {
            bail!("the {which} marker `{marker}` occurs more than once");
        }
        Ok(at)
    };
    let start_at = once(start, "start")?;
    let end_at = once(end, "end")?;
    let inner = start_at + start.len();
    if end_at < inner {
        bail!("the end marker `{end}` comes before the start marker `{start}`");
    }
    Ok(format!("{}{body}{}", &text[..inner], &text[end_at..]))
}

/// Rewrites the block between `start` and `end` in the file at `path` (see
/// [`replace_marked_block`]). Reads the file just before writing it and writes it only once the
/// new text is built; leaves it untouched when nothing changes. Returns whether it wrote.
pub fn update_marked_file(path: &Path, start: &str, end: &str, body: &str) -> Result<bool> {
    let text = std::fs::read_to_string(path).wrap_err_with(|| format!("reading {}", path.display()))?;
    let updated = replace_marked_block(&text, start, end, body)
        .wrap_err_with(|| format!("updating the marked block of {}", path.display()))?;
    if updated == text {
        return Ok(false);
    }
    std::fs::write(path, updated).wrap_err_with(|| format!("writing {}", path.display()))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        chain::Precompile,
        gas::{GovernorScenario, SafeScenario},
    };

    const START: &str = "<!-- start -->";
    const END: &str = "<!-- end -->";

    #[test]
    fn replaces_exactly_the_inner_block() {
        let text = "# Title\n\nbefore\n<!-- start -->\n- old 1\n- old 2\n<!-- end -->\nafter\n";
        let out = replace_marked_block(text, START, END, "\n- new\n").unwrap();
        assert_eq!(out, "# Title\n\nbefore\n<!-- start -->\n- new\n<!-- end -->\nafter\n");
        // Idempotent, and an empty body leaves the markers side by side.
        assert_eq!(replace_marked_block(&out, START, END, "\n- new\n").unwrap(), out);
        assert_eq!(
            replace_marked_block(text, START, END, "").unwrap(),
            "# Title\n\nbefore\n<!-- start --><!-- end -->\nafter\n"
        );
    }

    #[test]
    fn a_missing_start_marker_is_an_error() {
        let error = replace_marked_block("a\n<!-- end -->\n", START, END, "x").unwrap_err().to_string();
        assert!(error.contains("start marker") && error.contains(START), "{error}");
    }

    #[test]
    fn a_missing_end_marker_is_an_error() {
        let error = replace_marked_block("a\n<!-- start -->\nb\n", START, END, "x").unwrap_err().to_string();
        assert!(error.contains("end marker") && error.contains(END), "{error}");
    }

    #[test]
    fn an_end_marker_before_the_start_marker_is_an_error() {
        let error = replace_marked_block("<!-- end -->\nb\n<!-- start -->\n", START, END, "x")
            .unwrap_err()
            .to_string();
        assert!(error.contains("comes before"), "{error}");
    }

    #[test]
    fn a_repeated_marker_is_an_error() {
        let text = "<!-- start -->\n<!-- end -->\n<!-- start -->\n<!-- end -->\n";
        let error = replace_marked_block(text, START, END, "x").unwrap_err().to_string();
        assert!(error.contains("more than once"), "{error}");
    }

    #[test]
    fn the_file_error_names_the_file_and_the_file_is_left_alone() {
        let path = std::env::temp_dir().join(format!("roflgov-bench-marked-{}.md", std::process::id()));
        std::fs::write(&path, "no markers here\n").unwrap();
        let error = update_marked_file(&path, START, END, "x").unwrap_err();
        let chain = format!("{error:#}");
        assert!(chain.contains(&path.display().to_string()) && chain.contains(START), "{chain}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "no markers here\n");

        std::fs::write(&path, "a\n<!-- start -->old<!-- end -->\nb\n").unwrap();
        assert!(update_marked_file(&path, START, END, "new").unwrap());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a\n<!-- start -->new<!-- end -->\nb\n");
        assert!(!update_marked_file(&path, START, END, "new").unwrap(), "unchanged text is not rewritten");
        std::fs::remove_file(&path).unwrap();
    }

    fn fit(slope: f64, intercept: f64, max_deviation_percent: f64) -> LinearFit {
        LinearFit { intercept, slope, max_deviation_percent }
    }

    fn governor(propose: u64, queue: u64, execute: u64) -> GovernorGas {
        GovernorGas { propose, votes: vec![80_000, 60_000, 60_000], queue, execute }
    }

    fn point(identities: u32, metadata: usize, baseline: u64, roflgov: Option<u64>) -> ScalePoint {
        ScalePoint {
            label: format!("{identities} identities"),
            identities,
            metadata,
            body_bytes: 100 * identities as usize,
            baseline,
            roflgov,
            note: roflgov.is_none().then(|| "refused".to_owned()),
        }
    }

    fn timing(what: &str, median_us: f64, samples: usize) -> Timing {
        Timing {
            what: what.to_owned(),
            samples,
            iterations: 1,
            median_us,
            min_us: median_us,
            max_us: median_us,
            per_second: 1e6 / median_us,
        }
    }

    /// A small run with round, made-up figures.
    fn results() -> Results {
        let mode =
            |precompile, safe: [(u64, u64); 3], gov: [(u64, u64); 3], scale: [(u64, u64); 3]| ModeResults {
                precompile,
                safe: Scenario::ALL
                    .iter()
                    .zip(safe)
                    .map(|(scenario, (baseline, roflgov))| SafeScenario {
                        scenario: *scenario,
                        label: scenario.label(),
                        baseline,
                        roflgov,
                        body_bytes: 700,
                        baseline_inner_calldata: 900,
                        roflgov_inner_calldata: 200,
                    })
                    .collect(),
                governor: Scenario::ALL
                    .iter()
                    .zip(gov)
                    .map(|(scenario, (baseline, roflgov))| GovernorScenario {
                        scenario: *scenario,
                        label: scenario.label(),
                        baseline: governor(90_000, 170_000, baseline),
                        roflgov: governor(70_000, 150_000, roflgov),
                    })
                    .collect(),
                scaling: vec![
                    point(1, 4, scale[0].0, Some(scale[0].1)),
                    point(64, 4, scale[1].0, Some(scale[1].1)),
                    point(128, 4, 300_000, None),
                    point(2, SCALE_METADATA, scale[2].0, Some(scale[2].1)),
                ],
            };
        Results {
            run: RunInfo {
                git_commit: "abc1234".into(),
                git_dirty: false,
                unix_time: 0,
                anvil: "anvil".into(),
                cargo_profile: "dev",
                solc: "solc",
                wall_seconds: 21.4,
            },
            sapphire_source: SAPPHIRE_SOURCE,
            module_update_gas: MODULE_UPDATE_GAS,
            sapphire_max_batch_gas: SAPPHIRE_MAX_BATCH_GAS,
            stand_in: mode(
                Precompile::StandIn,
                [(600_000, 700_000), (500_000, 680_000), (450_000, 500_000)],
                [(650_000, 760_000), (500_000, 640_000), (490_000, 590_000)],
                [(400_000, 480_000), (4_000_000, 4_400_000), (2_000_000, 2_500_000)],
            ),
            noop: mode(
                Precompile::Noop,
                [(80_000, 200_000), (80_000, 230_000), (80_000, 180_000)],
                [(110_000, 220_000), (110_000, 250_000), (110_000, 210_000)],
                [(80_000, 150_000), (200_000, 400_000), (170_000, 770_000)],
            ),
            scaling: Scaling {
                roflgov_noop: fit(4_043.4, 151_000.0, 0.12),
                baseline_noop: fit(1_846.6, 79_000.0, 0.1),
                roflgov_stand_in: fit(64_000.0, 400_000.0, 1.2),
                roflgov_largest_by_gas: 3_647,
                baseline_largest_by_gas: 8_026,
                baseline_largest_by_tx_size: 1_440,
                roflgov_cap: ROFLGOV_MAX_ENCLAVES,
            },
            speed: vec![
                timing("review of a release proposal, 32-identity app", 72.4, 11),
                timing("verify_quote, TDX sample quote", 800.0, 11),
                timing("verify_quote, SGX sample quote", 500.0, 11),
            ],
            demo: Some(timing("roflgov demo, wall time", 548_100.0, 3)),
            demo_error: None,
            machines: vec![crate::gas::MachineBatch { machines: 1, baseline: 600_000, roflgov: 700_000 }],
            forge_snapshot: None,
        }
    }

    #[test]
    fn the_summary_carries_this_runs_figures() {
        let r = results();
        let summary = r.summary_markdown();
        let m = r.module_update_gas;
        let has = |needle: String| assert!(summary.contains(&needle), "missing {needle:?} in\n{summary}");

        has("One run of 21 s".into());
        has("commit `abc1234`".into());
        // Every Safe change, in the three views, from the figures above.
        for (s, n) in r.stand_in.safe.iter().zip(&r.noop.safe) {
            has(format!(
                "stand-in {} vs {} ({:.2}×)",
                thousands(s.roflgov),
                thousands(s.baseline),
                s.roflgov as f64 / s.baseline as f64
            ));
            has(format!("no-op {} vs {} ({:.2}×)", thousands(n.roflgov), thousands(n.baseline), {
                n.roflgov as f64 / n.baseline as f64
            }));
            has(format!(
                "est. Sapphire {} vs {} ({:.2}×)",
                thousands(n.roflgov + m),
                thousands(n.baseline + m),
                (n.roflgov + m) as f64 / (n.baseline + m) as f64
            ));
        }
        // Stand-in 700/600, 680/500, 500/450: two at or below 1.3; none in the other views.
        has("met for 2 of 3 changes with the stand-in, 0 of 3 with the no-op precompile and 0 of 3 est. on \
             Sapphire"
            .into());
        // Governor totals: votes 200,000 + propose + queue + execute.
        let total = |propose: u64, queue: u64, execute: u64| propose + 200_000 + queue + execute;
        has(format!(
            "est. Sapphire: add one identity {:.2}×",
            (total(70_000, 150_000, 220_000) + m) as f64 / (total(90_000, 170_000, 110_000) + m) as f64
        ));
        has(format!(
            "stand-in: add one identity {:.2}×",
            total(70_000, 150_000, 760_000) as f64 / total(90_000, 170_000, 650_000) as f64
        ));
        // execute est. on Sapphire: 320/210, 350/210, 310/210.
        has(format!("{:.2}–{:.2}× est. on Sapphire", 310_000.0 / 210_000.0, 350_000.0 / 210_000.0));
        has("propose and queue: 0.78–0.88×".into());
        // Scaling.
        has("apps of 1–64 identities".into());
        has("4,043 gas per identity per update with roflgov, 1,847 today".into());
        has("Growth is linear (largest deviation from the line 0.1 %)".into());
        has(format!(
            "The 64-identity update costs 500,000 gas est. on Sapphire (today 300,000), {:.1} % of the \
             15,000,000 block gas",
            500_000.0 * 100.0 / 15_000_000.0
        ));
        has("about 3,647 identities by gas alone, but roflgov caps an app at 64".into());
        has("the 128-identity update is refused".into());
        has(format!(
            "64 metadata pairs (2 identities): 870,000 vs 270,000 est. on Sapphire ({:.2}×), stand-in 1.25×, \
             no-op {:.2}×",
            870_000.0 / 270_000.0,
            770_000.0 / 170_000.0
        ));
        // Machines: the release plus one Deploy, 700,000 vs 600,000.
        has("on the local stand-ins: 1 machine: 700,000 vs 600,000 (1.17×)".into());
        // Rust side.
        has("medians of 11, 11, 11 and 3 samples".into());
        has("review of a release proposal, 32-identity app 72.4 µs".into());
        has("1,250/s (TDX) and 2,000/s (SGX)".into());
        has("`roflgov demo` 548.10 ms wall time".into());
    }

    #[test]
    fn a_slow_growth_or_a_missing_demo_is_said_so() {
        let mut r = results();
        r.scaling.roflgov_noop.max_deviation_percent = 12.0;
        r.demo = None;
        let summary = r.summary_markdown();
        assert!(
            summary.contains("Growth is not linear (largest deviation from the line 12.0 %)"),
            "{summary}"
        );
        assert!(summary.contains("`roflgov demo` not timed in this run"), "{summary}");
    }
}
