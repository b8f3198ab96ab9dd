//! `roflgov-bench`: run by `make bench`. Starts one anvil, measures gas of today's flow and of
//! roflgov side by side (with the ROFL stand-in, then with a no-op precompile), the scaling of
//! one update, and the speed of the Rust side; writes `bench/RESULTS.md` and
//! `bench/results.json`, prints the tables, and (when writing into the project's `bench/`)
//! rewrites the benchmark summary of `README.md` between its `bench-summary` markers.

// Dev-dependencies serve the integration tests, not the unit tests of this target.
#![cfg_attr(test, allow(unused_crate_dependencies))]
// A binary: nothing here is public API, so `missing_docs` would only ask for noise.
#![allow(missing_docs)]

use std::{path::PathBuf, process::Command, time::Instant};

use clap::Parser;
// Dependencies of the library half of this package, which this binary reaches through it.
use eyre::{Result, WrapErr};
use roflgov_bench::{
    chain::{Chain, Dao, Precompile},
    gas::{
        self, LinearFit, MODULE_UPDATE_GAS, ROFLGOV_MAX_ENCLAVES, SAPPHIRE_MAX_BATCH_GAS,
        SAPPHIRE_MAX_TX_SIZE,
    },
    report::{self, Results, RunInfo, SAPPHIRE_SOURCE, SUMMARY_END, SUMMARY_START, Scaling},
    speed,
};
use roflgov_devnet::toolchain::{anvil_binary, project_root};
// The library (`roflgov_bench`) uses these; the binary only names them.
use {
    alloy as _, roflgov_attest as _, roflgov_client as _, roflgov_contracts as _, roflgov_core as _,
    roflgov_governor as _, roflgov_safe as _, roflgov_types as _, serde as _,
};

#[derive(Parser, Debug)]
#[command(about = "roflgov benchmarks: gas against today's flow, scaling, Rust-side speed")]
struct Args {
    /// Folder for RESULTS.md and results.json [default: bench/ of the project]. Only a run into
    /// the project's bench/ rewrites the summary in README.md.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Timed runs of `roflgov demo` (0 skips the demo).
    #[arg(long, default_value_t = 3)]
    demo_runs: usize,
    /// The `roflgov` binary to time [default: $CARGO_TARGET_DIR or target/, debug/roflgov].
    #[arg(long, value_name = "FILE")]
    roflgov_bin: Option<PathBuf>,
    /// Samples of each Rust-side timing.
    #[arg(long, default_value_t = 11)]
    samples: usize,
    /// The forge gas snapshot file `make bench` regenerated, named in the report.
    #[arg(long, value_name = "FILE")]
    forge_snapshot: Option<String>,
}

fn output(command: &mut Command) -> String {
    command.output().ok().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned()).unwrap_or_default()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let args = Args::parse();
    let started = Instant::now();
    let root = project_root()?;
    let out = args.out.clone().unwrap_or_else(|| root.join("bench"));
    let progress = |text: &str| eprintln!("bench: {text} ({:.0} s)", started.elapsed().as_secs_f64());

    progress("starting anvil, Safe v1.4.1 (2 of 3), policy contract, DAO");
    let chain = Chain::start().await?;
    let policy = chain.deploy_policy(chain.safe.address()).await.wrap_err("deploying the policy contract")?;
    let mut dao = Dao::deploy(&chain).await.wrap_err("deploying the DAO")?;
    let mut fresh = 1_000;
    let stand_in =
        gas::run_mode(&chain, &policy, &mut dao, Precompile::StandIn, &mut fresh, &progress).await?;
    progress("[ROFL stand-in] machines: release plus Deploy");
    let machines = gas::machine_batches(&chain, &policy, &mut fresh).await?;
    let noop = gas::run_mode(&chain, &policy, &mut dao, Precompile::Noop, &mut fresh, &progress).await?;
    drop(dao);
    drop(policy);
    drop(chain); // stops anvil: the demo below starts its own

    progress("Rust side: review, quote verification");
    let mut timings = vec![speed::review(args.samples, 200)?];
    timings.extend(speed::quotes(&root, args.samples, 10)?);
    let (demo, demo_error) = if args.demo_runs > 0 {
        progress(&format!("Rust side: roflgov demo × {}", args.demo_runs));
        let binary = args.roflgov_bin.clone().unwrap_or_else(|| speed::default_roflgov_binary(&root));
        // A failed demo must not throw away the measurements above.
        match speed::demo(&binary, args.demo_runs) {
            Ok(timing) => (Some(timing), None),
            Err(error) => {
                eprintln!("bench: WARNING: the demo was not timed: {error:#}");
                (None, Some(format!("{error:#}")))
            }
        }
    } else {
        (None, Some("not requested (--demo-runs 0)".to_owned()))
    };

    let identity_rows = |mode: &gas::ModeResults, roflgov: bool| -> Vec<(f64, f64)> {
        mode.scaling
            .iter()
            .filter(|p| p.metadata == 4)
            .filter_map(|p| {
                let gas = if roflgov { p.roflgov? } else { p.baseline };
                Some((p.identities as f64, gas as f64))
            })
            .collect()
    };
    let roflgov_noop = LinearFit::of(&identity_rows(&noop, true));
    let baseline_noop = LinearFit::of(&identity_rows(&noop, false));
    let roflgov_stand_in = LinearFit::of(&identity_rows(&stand_in, true));
    let body_fit = LinearFit::of(
        &noop
            .scaling
            .iter()
            .filter(|p| p.metadata == 4)
            .map(|p| (p.identities as f64, p.body_bytes as f64))
            .collect::<Vec<_>>(),
    );
    // Besides the body: the Safe's execTransaction ABI, two signatures, the subcall input's ABI
    // and the transaction envelope, about 1 KB.
    let scaling = Scaling {
        roflgov_largest_by_gas: roflgov_noop.largest_within(SAPPHIRE_MAX_BATCH_GAS, MODULE_UPDATE_GAS),
        baseline_largest_by_gas: baseline_noop.largest_within(SAPPHIRE_MAX_BATCH_GAS, MODULE_UPDATE_GAS),
        baseline_largest_by_tx_size: body_fit.largest_within(SAPPHIRE_MAX_TX_SIZE as u64, 1_024),
        roflgov_noop,
        baseline_noop,
        roflgov_stand_in,
        roflgov_cap: ROFLGOV_MAX_ENCLAVES,
    };

    let git = |args: &[&str]| output(Command::new("git").arg("-C").arg(&root).args(args));
    let results = Results {
        run: RunInfo {
            git_commit: git(&["rev-parse", "--short", "HEAD"]),
            git_dirty: !git(&["status", "--porcelain", "--untracked-files=no"]).is_empty(),
            unix_time: std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs(),
            anvil: anvil_binary()
                .map(|a| output(Command::new(a).arg("--version")))
                .unwrap_or_default()
                .lines()
                .next()
                .unwrap_or("anvil")
                .to_owned(),
            cargo_profile: if cfg!(debug_assertions) { "dev" } else { "release" },
            solc: "0.8.37 (solc-js), optimizer 200 runs, EVM shanghai",
            wall_seconds: started.elapsed().as_secs_f64(),
        },
        sapphire_source: SAPPHIRE_SOURCE,
        module_update_gas: MODULE_UPDATE_GAS,
        sapphire_max_batch_gas: SAPPHIRE_MAX_BATCH_GAS,
        stand_in,
        noop,
        machines,
        scaling,
        speed: timings,
        demo,
        demo_error,
        forge_snapshot: args.forge_snapshot.clone(),
    };
    std::fs::create_dir_all(&out)?;
    let markdown = results.markdown();
    std::fs::write(out.join("RESULTS.md"), &markdown)?;
    std::fs::write(out.join("results.json"), serde_json::to_string_pretty(&results)? + "\n")?;
    println!("{markdown}");
    progress(&format!(
        "wrote {} and {}",
        out.join("RESULTS.md").display(),
        out.join("results.json").display()
    ));

    // The README's summary comes from this run, but only from a run into the project's bench/.
    let default_out = root.join("bench");
    let into_default = match (out.canonicalize(), default_out.canonicalize()) {
        (Ok(out), Ok(default)) => out == default,
        _ => false,
    };
    if into_default {
        let readme = root.join("README.md");
        let body = format!("\n\n{}\n", results.summary_markdown());
        if report::update_marked_file(&readme, SUMMARY_START, SUMMARY_END, &body)? {
            progress(&format!("updated the benchmark summary in {}", readme.display()));
        } else {
            progress(&format!("the benchmark summary in {} is unchanged", readme.display()));
        }
    } else {
        progress(&format!(
            "README.md left alone: {} is not the project's {}",
            out.display(),
            default_out.display()
        ));
    }
    Ok(())
}
