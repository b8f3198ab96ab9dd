//! The bad-input matrix: malformed and hostile files, wrong chains and contracts, refused and
//! replayed signatures, and an RPC that drops mid-flow, each driven through the binary.
//!
//! The cases are data: every [`Case`] names itself, gives the command line (with `{dir}`,
//! `{app}`, `{safe}`… placeholders for what the setup creates), the files to write before it
//! runs (malformed rofl.yaml, wrong CBOR, bad quotes, forged signatures, …), the exit code it must
//! end with (2 usage, 3 bad input, 4 verification failed, 5 chain error), the words the message
//! must name, and what must not change. One driver, [`run_group`], runs a table: after every case
//! it checks that no output file (and no temp file) was left behind, that files the command could
//! rewrite are byte-identical, and, on chain, compares a fingerprint of the chain (block number,
//! the nonces of every dev account, the Safe's nonce, the app's enclaves) before and after, so
//! "nothing was sent" is checked against anvil itself, not taken from the tool's word. Every
//! failure message starts with the case's name.
//!
//! All on-chain tables share one anvil. Each command runs with a timeout, so a parser that hangs
//! (YAML alias or nesting bombs) fails its case instead of stalling the suite.

use std::{
    io::Write as _,
    path::{Path, PathBuf},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
    signers::SignerSync,
};
use assert_cmd::Command;
use roflgov_client::rofl::RoflStandIn;
use roflgov_devnet::LocalChain;
use roflgov_safe::SafeTx;
use roflgov_types::AppId;
use serde_json::Value;

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/demo");
const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../attest/testdata");
/// Inside the validity window of the sample collateral (2025-07-01T00:00:00Z).
const NOW: &str = "1751328000";
/// No single command may take longer than this (the whole matrix must stay well under 60 s).
const ROW_TIMEOUT: Duration = Duration::from_secs(20);
/// An address with no code on the dev chain.
const NO_CODE: &str = "0x000000000000000000000000000000000000dEaD";

// ---------------------------------------------------------------------------------------------
// A case, and the driver that runs a table of them
// ---------------------------------------------------------------------------------------------

/// One case of the matrix.
#[derive(Clone, Copy)]
struct Case {
    name: &'static str,
    /// The command line after `roflgov` (and its `--rpc`/`--config` on chain); placeholders
    /// `{key}` are replaced with the group's values.
    argv: &'static [&'static str],
    /// Files written before the command runs: path (with placeholders) and content.
    files: &'static [(&'static str, Content)],
    /// Standard input of the command.
    stdin: Option<Content>,
    /// Which JSON-RPC endpoint the command talks to (on-chain groups only).
    rpc: Rpc,
    /// Expected exit code.
    code: i32,
    /// Words stderr must contain: what is wrong, named.
    names: &'static [&'static str],
    /// Words stderr must not contain (a false claim).
    never_says: &'static [&'static str],
    /// Outputs of the failing command: they must not exist afterwards.
    absent: &'static [&'static str],
    /// Files the command could rewrite: byte-identical afterwards.
    unchanged: &'static [&'static str],
    /// What the chain must look like afterwards.
    chain: ChainEffect,
    /// Extra assertion of the case.
    check: Check,
}

impl Case {
    /// The defaults a case overrides: no files, no stdin, the group's RPC, nothing may change.
    const DEFAULT: Case = Case {
        name: "",
        argv: &[],
        files: &[],
        stdin: None,
        rpc: Rpc::Chain,
        code: 0,
        names: &[],
        never_says: &[],
        absent: &[],
        unchanged: &[],
        chain: ChainEffect::Unchanged,
        check: Check::None,
    };
}

/// What a file (or stdin) holds.
#[derive(Clone, Copy)]
enum Content {
    /// These bytes.
    Bytes(&'static [u8]),
    /// `examples/demo/rofl-<version>.yaml` with every `from` replaced by `to` (there must be
    /// one).
    Demo { version: &'static str, from: &'static str, to: &'static str },
    /// Made by a fixture function from the group's context (zips, bombs, re-signed proposals).
    Made(fn(&Ctx<'_>) -> Vec<u8>),
}

const fn demo(from: &'static str, to: &'static str) -> Content {
    Content::Demo { version: "1.0", from, to }
}

/// The JSON-RPC endpoint of a case.
#[derive(Clone, Copy)]
enum Rpc {
    /// The group's chain.
    Chain,
    /// A fixed URL (a dead port).
    Url(&'static str),
    /// A proxy in front of anvil that drops the connection.
    Proxy(DropMode),
}

/// What the chain must look like after the case.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ChainEffect {
    /// The fingerprint is identical: nothing was sent.
    Unchanged,
    /// The Safe executed exactly one transaction (the response was lost, the send was not).
    SafeExecutedOnce,
}

/// Extra assertion of a case.
#[derive(Clone, Copy)]
enum Check {
    None,
    /// No bundle entry was extracted anywhere (`{dir}/evil.txt`, `{dir}/work/evil.txt`,
    /// `/tmp/roflgov-matrix-evil.txt`).
    NothingExtracted,
    /// The case's proxy did drop the connection.
    ProxyDropped,
}

/// The chain state a case may not change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Fingerprint {
    summary: String,
    safe_nonce: U256,
}

/// What the fixtures and placeholders of a group refer to.
struct Ctx<'a> {
    /// The group's temporary folder (`{dir}`).
    dir: PathBuf,
    /// Placeholder values, `{key}` → value.
    vars: Vec<(&'static str, String)>,
    /// The on-chain setup, for fixtures made from its proposal files.
    chain: Option<ChainFacts<'a>>,
}

/// What the on-chain setup produced.
struct ChainFacts<'a> {
    chain: &'a LocalChain,
    safe: Address,
    policy: Address,
    /// `release.json`: release 1.1 proposed, signed by DEV1 only.
    release: Value,
    /// `create.json`: the executed app creation.
    create: Value,
    /// The release's SafeTx hash.
    hash: B256,
}

impl Ctx<'_> {
    fn expand(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (key, value) in &self.vars {
            out = out.replace(&format!("{{{key}}}"), value);
        }
        out
    }

    fn path(&self, text: &str) -> PathBuf {
        PathBuf::from(self.expand(text))
    }

    fn facts(&self) -> &ChainFacts<'_> {
        self.chain.as_ref().expect("an on-chain fixture used in an offline group")
    }

    fn content(&self, case: &str, content: Content) -> Vec<u8> {
        match content {
            Content::Bytes(bytes) => bytes.to_vec(),
            Content::Demo { version, from, to } => {
                let text = std::fs::read_to_string(demo_manifest(version)).unwrap();
                assert!(text.contains(from), "{case}: rofl-{version}.yaml has no {from:?} to replace");
                text.replace(from, to).into_bytes()
            }
            Content::Made(make) => make(self),
        }
    }
}

/// Runs every case of `cases` with `base(rpc)` as the command, checks code, message, files and
/// the chain `state`, prints the table, and fails listing every bad case by name.
fn run_group(
    title: &str,
    cases: &[Case],
    ctx: &Ctx<'_>,
    base: &dyn Fn(Option<&str>) -> Command,
    state: &dyn Fn() -> Result<Fingerprint, String>,
    start_proxy: &dyn Fn(DropMode) -> Proxy,
) {
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for case in cases {
        let name = case.name;
        for (path, content) in case.files {
            let path = ctx.path(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, ctx.content(name, *content))
                .unwrap_or_else(|e| panic!("{name}: cannot write {}: {e}", path.display()));
        }
        let absent: Vec<PathBuf> = case.absent.iter().map(|p| ctx.path(p)).collect();
        let unchanged: Vec<PathBuf> = case.unchanged.iter().map(|p| ctx.path(p)).collect();
        let snapshot: Vec<(PathBuf, Option<Vec<u8>>)> =
            unchanged.iter().map(|p| (p.clone(), std::fs::read(p).ok())).collect();
        let dirs: Vec<PathBuf> =
            absent.iter().chain(&unchanged).filter_map(|p| p.parent().map(Path::to_path_buf)).collect();
        let args: Vec<String> = case.argv.iter().map(|a| ctx.expand(a)).collect();
        for arg in &args {
            assert!(!arg.contains('{'), "{name}: unknown placeholder in {arg:?}");
        }
        let proxy = match case.rpc {
            Rpc::Proxy(mode) => Some(start_proxy(mode)),
            Rpc::Chain | Rpc::Url(_) => None,
        };
        let rpc = match case.rpc {
            Rpc::Chain => None,
            Rpc::Url(url) => Some(url.to_owned()),
            Rpc::Proxy(_) => proxy.as_ref().map(Proxy::url),
        };

        let before = state();
        let mut cmd = base(rpc.as_deref());
        cmd.args(&args).timeout(ROW_TIMEOUT);
        if let Some(stdin) = case.stdin {
            cmd.write_stdin(ctx.content(name, stdin));
        }
        let started = Instant::now();
        let output = cmd.output();
        let elapsed = started.elapsed();
        let mut problems = Vec::new();
        let (code, stderr) = match &output {
            Ok(out) => (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned()),
            Err(e) => (None, format!("<could not run: {e}>")),
        };
        if elapsed >= ROW_TIMEOUT {
            problems.push(format!("timed out after {elapsed:?} (hang)"));
        }
        if code != Some(case.code) {
            problems.push(format!("exit code {code:?}, expected {}", case.code));
        }
        for word in case.names {
            if !stderr.contains(word) {
                problems.push(format!("stderr does not contain {word:?}"));
            }
        }
        for word in case.never_says {
            if stderr.contains(word) {
                problems.push(format!("stderr says {word:?}, which is not true here"));
            }
        }
        if stderr.contains("panicked") {
            problems.push("panicked".into());
        }
        for path in &absent {
            if path.exists() {
                problems.push(format!("{} was written", path.display()));
            }
        }
        for (path, bytes) in &snapshot {
            if &std::fs::read(path).ok() != bytes {
                problems.push(format!("{} was modified", path.display()));
            }
        }
        for dir in &dirs {
            for tmp in temp_files_in(dir) {
                problems.push(format!("temp file {} left behind", tmp.display()));
            }
        }
        let after = state();
        match case.chain {
            ChainEffect::Unchanged => {
                if before != after {
                    problems.push(format!("chain state changed: before {before:?}, after {after:?}"));
                }
            }
            ChainEffect::SafeExecutedOnce => match (&before, &after) {
                (Ok(b), Ok(a)) if a.safe_nonce == b.safe_nonce + U256::from(1) => {}
                _ => problems.push(format!(
                    "the Safe did not execute exactly once (the transaction must reach anvil): \
                     before {before:?}, after {after:?}"
                )),
            },
        }
        match case.check {
            Check::None => {}
            Check::NothingExtracted => {
                for p in [ctx.dir.join("evil.txt"), ctx.dir.join("work/evil.txt")]
                    .into_iter()
                    .chain([PathBuf::from("/tmp/roflgov-matrix-evil.txt")])
                {
                    if p.exists() {
                        problems.push(format!("{} was extracted", p.display()));
                    }
                }
            }
            Check::ProxyDropped => {
                if !proxy.as_ref().is_some_and(|p| p.dropped.load(Ordering::SeqCst)) {
                    problems.push(match case.rpc {
                        Rpc::Proxy(DropMode::AfterRequests(_)) => "the proxy never dropped".to_owned(),
                        _ => "the proxy never saw eth_sendRawTransaction".to_owned(),
                    });
                }
            }
        }
        drop(proxy);
        let first_line = stderr
            .lines()
            .find(|l| l.starts_with("error:"))
            .unwrap_or("")
            .chars()
            .take(110)
            .collect::<String>();
        report.push(format!(
            "{:<4} {:<58} exit {:<4} {:>6.2}s  {}",
            if problems.is_empty() { "ok" } else { "FAIL" },
            name,
            code.map(|c| c.to_string()).unwrap_or_else(|| "-".into()),
            elapsed.as_secs_f64(),
            first_line
        ));
        if !problems.is_empty() {
            failures.push(format!(
                "{name}: {}\n    stderr: {}",
                problems.join("; "),
                stderr.trim().replace('\n', "\n            ")
            ));
        }
    }
    println!("\n== {title}\n{}", report.join("\n"));
    assert!(
        failures.is_empty(),
        "{} case(s) of {title} failed:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

/// Temp files `fsutil::write_atomic` would leave behind (`.NAME.tmp-PID`).
fn temp_files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().contains(".tmp-")))
        .collect()
}

fn roflgov_in(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("roflgov").unwrap();
    // Never talk to a node someone left running on 8545, never read a stray roflgov.toml.
    cmd.env_remove("ROFLGOV_NETWORK")
        .env_remove("ROFLGOV_CONFIG")
        .env_remove("ROFLGOV_KEYSTORE_PASSWORD")
        .current_dir(dir);
    cmd
}

fn demo_manifest(v: &str) -> PathBuf {
    Path::new(EXAMPLES).join(format!("rofl-{v}.yaml"))
}

fn no_state() -> Result<Fingerprint, String> {
    Ok(Fingerprint::default())
}

fn no_proxy(_: DropMode) -> Proxy {
    panic!("an offline case asked for an RPC proxy")
}

// ---------------------------------------------------------------------------------------------
// Hostile files, offline
// ---------------------------------------------------------------------------------------------

/// `verify-quote` of the sample TDX quote against `manifest`.
macro_rules! verify_quote {
    ($manifest:expr) => {
        &[
            "verify-quote",
            "{testdata}/tdx_quote",
            "--collateral",
            "{testdata}/tdx_quote_collateral.json",
            "--now",
            "{now}",
            "--deployment",
            "local",
            "--manifest",
            $manifest,
        ]
    };
}

/// `identity quote QUOTE --collateral COLLATERAL --now NOW`.
macro_rules! identity_quote {
    ($quote:expr, $collateral:expr, $now:expr) => {
        &["identity", "quote", $quote, "--collateral", $collateral, "--now", $now]
    };
}

/// `identity bundle FILE`.
macro_rules! bundle {
    ($file:expr) => {
        &["identity", "bundle", $file]
    };
}

/// `cbor encode - --out {out}/body.cbor`.
const ENCODE_TO_OUT: &[&str] = &["cbor", "encode", "-", "--out", "{out}/body.cbor"];

/// Commands run in `{dir}/work/sub`, two levels down, so that a `../../` entry extracted relative
/// to the working directory would land in `{dir}`, where [`Check::NothingExtracted`] looks.
const OFFLINE: &[Case] = &[
    // --- rofl.yaml ---
    Case {
        name: "yaml: wrong type (max_expiration: string)",
        files: &[("{dir}/wrong-type.yaml", demo("max_expiration: 3", "max_expiration: \"three\""))],
        argv: verify_quote!("{dir}/wrong-type.yaml"),
        code: 3,
        names: &["deployments.local.policy.max_expiration"],
        ..Case::DEFAULT
    },
    Case {
        name: "yaml: wrong type (fees: list)",
        files: &[("{dir}/wrong-type-fees.yaml", demo("fees: endorsing_node", "fees: [endorsing_node]"))],
        argv: verify_quote!("{dir}/wrong-type-fees.yaml"),
        code: 3,
        names: &["deployments.local.policy.fees"],
        ..Case::DEFAULT
    },
    Case {
        name: "yaml: wrong type (enclave id: number)",
        files: &[(
            "{dir}/wrong-type-enclave-id.yaml",
            demo(
                "- id: cJD19YR7d04q/mqreylwVLPuPUvTZAJPl6tvypPCN/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
                "- id: 12345",
            ),
        )],
        argv: verify_quote!("{dir}/wrong-type-enclave-id.yaml"),
        code: 3,
        names: &["deployments.local.policy.enclaves[0].id"],
        ..Case::DEFAULT
    },
    Case {
        name: "yaml: huge value (max_expiration 2^70)",
        files: &[(
            "{dir}/huge-expiration.yaml",
            demo("max_expiration: 3", "max_expiration: 1180591620717411303424"),
        )],
        argv: verify_quote!("{dir}/huge-expiration.yaml"),
        code: 3,
        names: &["max_expiration"],
        ..Case::DEFAULT
    },
    Case {
        name: "yaml: huge value (max_expiration 2^64)",
        files: &[(
            "{dir}/huge-u64-expiration.yaml",
            demo("max_expiration: 3", "max_expiration: 18446744073709551616"),
        )],
        argv: verify_quote!("{dir}/huge-u64-expiration.yaml"),
        code: 3,
        names: &["max_expiration"],
        ..Case::DEFAULT
    },
    Case {
        name: "yaml: huge value (tcb_validity_period > u16)",
        files: &[(
            "{dir}/huge-tcb.yaml",
            demo("tcb_validity_period: 30", "tcb_validity_period: 99999999999"),
        )],
        argv: verify_quote!("{dir}/huge-tcb.yaml"),
        code: 3,
        names: &["does not fit in u16"],
        ..Case::DEFAULT
    },
    Case {
        name: "yaml: negative max_expiration",
        files: &[("{dir}/negative.yaml", demo("max_expiration: 3", "max_expiration: -1"))],
        argv: verify_quote!("{dir}/negative.yaml"),
        code: 3,
        names: &["max_expiration"],
        ..Case::DEFAULT
    },
    Case {
        name: "yaml: unknown field inside policy",
        files: &[(
            "{dir}/unknown-policy-field.yaml",
            demo("max_expiration: 3", "max_expiration: 3\n      admin_override: true"),
        )],
        argv: verify_quote!("{dir}/unknown-policy-field.yaml"),
        code: 3,
        names: &["policy.admin_override: unknown field"],
        ..Case::DEFAULT
    },
    Case {
        name: "yaml: unknown field inside policy.quotes.pcs",
        files: &[(
            "{dir}/unknown-pcs-field.yaml",
            demo("tcb_validity_period: 30", "tcb_validity_period: 30\n          skip_checks: true"),
        )],
        argv: verify_quote!("{dir}/unknown-pcs-field.yaml"),
        code: 3,
        names: &["skip_checks"],
        ..Case::DEFAULT
    },
    Case {
        name: "yaml: non-UTF-8",
        files: &[("{dir}/non-utf8.yaml", Content::Made(non_utf8_manifest))],
        argv: verify_quote!("{dir}/non-utf8.yaml"),
        code: 3,
        names: &["not UTF-8"],
        ..Case::DEFAULT
    },
    Case {
        name: "yaml: empty file",
        files: &[("{dir}/empty.yaml", Content::Bytes(b""))],
        argv: verify_quote!("{dir}/empty.yaml"),
        code: 3,
        names: &["expected a map"],
        ..Case::DEFAULT
    },
    Case {
        name: "yaml: not a map",
        files: &[("{dir}/not-a-map.yaml", Content::Bytes(b"- just\n- a list\n"))],
        argv: verify_quote!("{dir}/not-a-map.yaml"),
        code: 3,
        names: &["expected a map"],
        ..Case::DEFAULT
    },
    Case {
        name: "yaml: duplicate key",
        files: &[("{dir}/duplicate-key.yaml", Content::Made(duplicate_key_manifest))],
        argv: verify_quote!("{dir}/duplicate-key.yaml"),
        code: 3,
        names: &["duplicate"],
        ..Case::DEFAULT
    },
    Case {
        name: "yaml: billion-laughs alias bomb",
        files: &[("{dir}/alias-bomb.yaml", Content::Made(yaml_alias_bomb))],
        argv: verify_quote!("{dir}/alias-bomb.yaml"),
        code: 3,
        names: &["repetition limit exceeded"],
        ..Case::DEFAULT
    },
    Case {
        name: "yaml: 100k nested flow sequences",
        files: &[("{dir}/flow-nesting-bomb.yaml", Content::Made(yaml_flow_sequence_bomb))],
        argv: verify_quote!("{dir}/flow-nesting-bomb.yaml"),
        code: 3,
        names: &["nested"],
        ..Case::DEFAULT
    },
    Case {
        name: "yaml: 50k nested flow maps",
        files: &[("{dir}/flow-map-bomb.yaml", Content::Made(yaml_flow_map_bomb))],
        argv: verify_quote!("{dir}/flow-map-bomb.yaml"),
        code: 3,
        names: &["nested"],
        ..Case::DEFAULT
    },
    Case {
        name: "yaml: 20 MiB file",
        files: &[("{dir}/20mb.yaml", Content::Made(huge_manifest))],
        argv: verify_quote!("{dir}/20mb.yaml"),
        code: 3,
        names: &["larger than"],
        ..Case::DEFAULT
    },
    Case {
        name: "yaml: endless stream (/dev/zero)",
        argv: verify_quote!("/dev/zero"),
        code: 3,
        names: &["larger than"],
        ..Case::DEFAULT
    },
    Case {
        name: "yaml: a directory",
        argv: verify_quote!("{dir}"),
        code: 3,
        names: &["cannot read"],
        ..Case::DEFAULT
    },
    Case {
        name: "yaml: missing file",
        argv: verify_quote!("{dir}/nope.yaml"),
        code: 3,
        names: &["nope.yaml"],
        ..Case::DEFAULT
    },
    // --- CBOR ---
    Case {
        name: "cbor: truncated Update",
        argv: &["cbor", "decode", "--method", "rofl.Update", "{truncated_update}"],
        code: 3,
        names: &["not a canonical rofl.Update body"],
        ..Case::DEFAULT
    },
    Case {
        name: "cbor: trailing bytes",
        argv: &["cbor", "decode", "--method", "rofl.Update", "{trailing_update}"],
        code: 3,
        names: &["not a canonical rofl.Update body"],
        ..Case::DEFAULT
    },
    Case {
        name: "cbor: non-canonical map head",
        argv: &["cbor", "decode", "--method", "rofl.Update", "{non_canonical_update}"],
        code: 3,
        names: &["non-canonical"],
        ..Case::DEFAULT
    },
    Case {
        name: "cbor: unknown field",
        argv: &["cbor", "decode", "--method", "rofl.Remove", "{unknown_field_remove}"],
        code: 3,
        names: &["zz: unknown field"],
        ..Case::DEFAULT
    },
    Case {
        name: "cbor: map declaring 2^64-1 entries",
        argv: &["cbor", "decode", "bbffffffffffffffff"],
        code: 3,
        names: &["malformed"],
        ..Case::DEFAULT
    },
    Case {
        name: "cbor: byte string declaring 2^64-1 bytes",
        argv: &["cbor", "decode", "a16269645bffffffffffffffff"],
        code: 3,
        names: &["malformed"],
        ..Case::DEFAULT
    },
    Case {
        name: "cbor: text key declaring 2^32 bytes",
        argv: &["cbor", "decode", "a17affffffff"],
        code: 3,
        names: &["malformed"],
        ..Case::DEFAULT
    },
    Case {
        name: "cbor: 1M nested arrays",
        files: &[("{dir}/deep.cbor", Content::Made(deep_cbor))],
        argv: &["cbor", "decode", "{dir}/deep.cbor"],
        code: 3,
        names: &["malformed"],
        ..Case::DEFAULT
    },
    Case {
        name: "cbor: empty input",
        argv: &["cbor", "decode", "-"],
        stdin: Some(Content::Bytes(b"")),
        code: 3,
        names: &["IncompleteCborData"],
        ..Case::DEFAULT
    },
    Case {
        name: "cbor encode: unknown field, --out",
        argv: ENCODE_TO_OUT,
        stdin: Some(Content::Made(update_json_unknown_field)),
        code: 3,
        names: &["allow_everyone"],
        absent: &["{out}/body.cbor"],
        ..Case::DEFAULT
    },
    Case {
        name: "cbor encode: huge value, --out",
        argv: ENCODE_TO_OUT,
        stdin: Some(Content::Made(update_json_huge_value)),
        code: 3,
        names: &["max_expiration"],
        absent: &["{out}/body.cbor"],
        ..Case::DEFAULT
    },
    Case {
        name: "cbor encode: wrong type, --out",
        argv: ENCODE_TO_OUT,
        stdin: Some(Content::Made(update_json_wrong_type)),
        code: 3,
        names: &["enclaves"],
        absent: &["{out}/body.cbor"],
        ..Case::DEFAULT
    },
    Case {
        name: "cbor encode: non-UTF-8 JSON, --out",
        argv: ENCODE_TO_OUT,
        stdin: Some(Content::Bytes(b"{\"method\": \"\xff\"}")),
        code: 3,
        names: &["invalid JSON"],
        absent: &["{out}/body.cbor"],
        ..Case::DEFAULT
    },
    Case {
        name: "cbor encode: endless stream (/dev/zero)",
        argv: &["cbor", "encode", "/dev/zero", "--out", "{out}/body.cbor"],
        code: 3,
        names: &["larger than"],
        absent: &["{out}/body.cbor"],
        ..Case::DEFAULT
    },
    // --- ORC bundles ---
    Case {
        name: "orc: truncated zip",
        files: &[("{dir}/truncated.orc", Content::Made(truncated_orc))],
        argv: bundle!("{dir}/truncated.orc"),
        code: 3,
        names: &["not a readable zip"],
        ..Case::DEFAULT
    },
    Case {
        name: "orc: empty file",
        files: &[("{dir}/empty.orc", Content::Bytes(b""))],
        argv: bundle!("{dir}/empty.orc"),
        code: 3,
        names: &["not a readable zip"],
        ..Case::DEFAULT
    },
    Case {
        name: "orc: missing manifest",
        files: &[("{dir}/no-manifest.orc", Content::Made(no_manifest_orc))],
        argv: bundle!("{dir}/no-manifest.orc"),
        code: 3,
        names: &["has no META-INF/MANIFEST.MF"],
        ..Case::DEFAULT
    },
    Case {
        name: "orc: zip bomb (32 MiB manifest)",
        files: &[("{dir}/bomb.orc", Content::Made(bomb_orc))],
        argv: bundle!("{dir}/bomb.orc"),
        code: 3,
        names: &["larger than the 1048576-byte limit"],
        ..Case::DEFAULT
    },
    Case {
        name: "orc: zip bomb lying about its size",
        files: &[("{dir}/lying-bomb.orc", Content::Made(lying_bomb_orc))],
        argv: bundle!("{dir}/lying-bomb.orc"),
        code: 3,
        names: &["larger than the 1048576-byte limit"],
        ..Case::DEFAULT
    },
    Case {
        name: "orc: /dev/zero as the bundle",
        argv: bundle!("/dev/zero"),
        code: 3,
        names: &["not a regular file"],
        ..Case::DEFAULT
    },
    Case {
        name: "orc: manifest is a symlink entry",
        files: &[("{dir}/symlink-manifest.orc", Content::Made(symlink_manifest_orc))],
        argv: bundle!("{dir}/symlink-manifest.orc"),
        code: 3,
        names: &["symlink"],
        check: Check::NothingExtracted,
        ..Case::DEFAULT
    },
    Case {
        name: "orc: symlink entry",
        files: &[("{dir}/symlink-entry.orc", Content::Made(symlink_entry_orc))],
        argv: bundle!("{dir}/symlink-entry.orc"),
        code: 3,
        names: &["symlink"],
        check: Check::NothingExtracted,
        ..Case::DEFAULT
    },
    Case {
        name: "orc: ../ entry",
        files: &[("{dir}/dotdot-entry.orc", Content::Made(dotdot_entry_orc))],
        argv: bundle!("{dir}/dotdot-entry.orc"),
        code: 3,
        names: &["../../evil.txt"],
        check: Check::NothingExtracted,
        ..Case::DEFAULT
    },
    Case {
        name: "orc: absolute-path entry",
        files: &[("{dir}/absolute-entry.orc", Content::Made(absolute_entry_orc))],
        argv: bundle!("{dir}/absolute-entry.orc"),
        code: 3,
        names: &["/tmp/roflgov-matrix-evil.txt"],
        check: Check::NothingExtracted,
        ..Case::DEFAULT
    },
    Case {
        name: "orc: manifest with wrong types",
        files: &[("{dir}/manifest-wrong-type.orc", Content::Made(manifest_wrong_type_orc))],
        argv: bundle!("{dir}/manifest-wrong-type.orc"),
        code: 3,
        names: &["MANIFEST.MF: field"],
        ..Case::DEFAULT
    },
    Case {
        name: "orc: manifest not UTF-8",
        files: &[("{dir}/manifest-non-utf8.orc", Content::Made(manifest_non_utf8_orc))],
        argv: bundle!("{dir}/manifest-non-utf8.orc"),
        code: 3,
        names: &["not UTF-8"],
        ..Case::DEFAULT
    },
    // --- quotes and collateral ---
    Case {
        name: "quote: tampered TD report",
        files: &[("{dir}/tampered-quote", Content::Made(tampered_quote))],
        argv: identity_quote!("{dir}/tampered-quote", "{testdata}/tdx_quote_collateral.json", "{now}"),
        code: 4,
        names: &["tampered-quote"],
        ..Case::DEFAULT
    },
    Case {
        name: "quote: truncated",
        files: &[("{dir}/truncated-quote", Content::Made(truncated_quote))],
        argv: identity_quote!("{dir}/truncated-quote", "{testdata}/tdx_quote_collateral.json", "{now}"),
        code: 3,
        names: &["truncated"],
        ..Case::DEFAULT
    },
    Case {
        name: "quote: empty",
        files: &[("{dir}/empty-quote", Content::Bytes(b""))],
        argv: identity_quote!("{dir}/empty-quote", "{testdata}/tdx_quote_collateral.json", "{now}"),
        code: 3,
        names: &["truncated"],
        ..Case::DEFAULT
    },
    Case {
        name: "quote: endless stream (/dev/zero)",
        argv: identity_quote!("/dev/zero", "{testdata}/tdx_quote_collateral.json", "{now}"),
        code: 3,
        names: &["/dev/zero"],
        ..Case::DEFAULT
    },
    Case {
        name: "collateral: wrong platform (SGX for a TDX quote)",
        argv: identity_quote!("{testdata}/tdx_quote", "{testdata}/sgx_quote_collateral.json", "{now}"),
        code: 4,
        names: &["collateral is for SGX"],
        ..Case::DEFAULT
    },
    Case {
        name: "collateral: wrong platform (TDX for an SGX quote)",
        argv: identity_quote!("{testdata}/sgx_quote", "{testdata}/tdx_quote_collateral.json", "{now}"),
        code: 4,
        names: &["collateral is for TDX"],
        ..Case::DEFAULT
    },
    Case {
        name: "collateral: wrong time (expired)",
        argv: identity_quote!("{testdata}/tdx_quote", "{testdata}/tdx_quote_collateral.json", "4102444800"),
        code: 4,
        names: &["expired"],
        ..Case::DEFAULT
    },
    Case {
        name: "collateral: wrong time (not yet valid)",
        argv: identity_quote!("{testdata}/tdx_quote", "{testdata}/tdx_quote_collateral.json", "946684800"),
        code: 4,
        names: &["not valid yet"],
        ..Case::DEFAULT
    },
    Case {
        name: "collateral: truncated",
        files: &[("{dir}/truncated-collateral.json", Content::Made(truncated_collateral))],
        argv: identity_quote!("{testdata}/tdx_quote", "{dir}/truncated-collateral.json", "{now}"),
        code: 3,
        names: &["truncated"],
        ..Case::DEFAULT
    },
    Case {
        name: "collateral: wrong types",
        files: &[("{dir}/wrong-type-collateral.json", Content::Bytes(br#"{"tcb_info": 7}"#))],
        argv: identity_quote!("{testdata}/tdx_quote", "{dir}/wrong-type-collateral.json", "{now}"),
        code: 3,
        names: &["wrong-type-collateral.json"],
        ..Case::DEFAULT
    },
    Case {
        name: "collateral: tampered TCB info",
        files: &[("{dir}/tampered-collateral.json", Content::Made(tampered_collateral))],
        argv: identity_quote!("{testdata}/tdx_quote", "{dir}/tampered-collateral.json", "{now}"),
        code: 4,
        names: &["Signature is invalid for tcb_info"],
        ..Case::DEFAULT
    },
    // Typed arguments: clap refuses them through their library types' `FromStr`, before any
    // key, file or chain is touched (exit 2), naming the argument and what is wrong.
    Case {
        name: "args: identity that is not base64",
        argv: &[
            "guardian",
            "revoke",
            "--app",
            "rofl1qpykfkl6ea78cyy67d35f7fmpk3pg36vashka4v9",
            "--enclave",
            "not-base64!",
        ],
        code: 2,
        names: &["--enclave", "is not base64"],
        ..Case::DEFAULT
    },
    Case {
        name: "args: identity of 63 bytes",
        // Python: base64.b64encode(bytes(63)).
        argv: &[
            "app",
            "rollout",
            "--app",
            "rofl1qpykfkl6ea78cyy67d35f7fmpk3pg36vashka4v9",
            "--enclave",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ],
        code: 2,
        names: &["--enclave", "decodes to 63 bytes, not 64"],
        ..Case::DEFAULT
    },
    Case {
        name: "args: amount with more decimals than ROSE has",
        argv: &["machine", "fund", "--amount", "0.0000000000000000001"],
        code: 2,
        names: &["--amount", "has 19 decimals; this unit has 18"],
        ..Case::DEFAULT
    },
    Case {
        name: "args: expected admin with a wrong EIP-55 checksum",
        argv: &[
            "review",
            "--safe-tx",
            "{dir}/none.json",
            "--expect-admin",
            "0x5aaeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        ],
        code: 2,
        names: &["--expect-admin", "EIP-55 checksum"],
        ..Case::DEFAULT
    },
    Case {
        name: "args: the zero address as guardian",
        argv: &[
            "owner",
            "set-guardian",
            "--app",
            "rofl1qpykfkl6ea78cyy67d35f7fmpk3pg36vashka4v9",
            "--guardian",
            "0x0000000000000000000000000000000000000000",
            "--safe-out",
            "{out}/guardian.json",
        ],
        code: 2,
        names: &["--guardian", "write `none`"],
        absent: &["{out}/guardian.json"],
        ..Case::DEFAULT
    },
];

#[test]
fn hostile_files_offline() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let cwd = dir.join("work/sub");
    std::fs::create_dir_all(&cwd).unwrap();
    std::fs::create_dir_all(dir.join("out")).unwrap();

    // CBOR bodies, made by `cbor encode` and then damaged.
    let remove =
        cbor_encode_hex(&dir, "setup: encode a rofl.Remove body", &["--method", "rofl.Remove"], REMOVE_JSON);
    let update = cbor_encode_hex(&dir, "setup: encode a rofl.Update body", &[], &update_json().to_string());
    let ctx = Ctx {
        vars: vec![
            ("dir", dir.display().to_string()),
            ("out", dir.join("out").display().to_string()),
            ("testdata", TESTDATA.to_owned()),
            ("now", NOW.to_owned()),
            ("truncated_update", update[..update.len() - 10].to_owned()),
            ("trailing_update", format!("{update}00")),
            ("non_canonical_update", format!("b805{}", &update[2..])),
            // {id, zz: 0}: the Remove body with an extra key.
            ("unknown_field_remove", format!("a2{}627a7a00", &remove[2..])),
        ],
        dir,
        chain: None,
    };
    run_group("hostile files (offline)", OFFLINE, &ctx, &|_| roflgov_in(&cwd), &no_state, &no_proxy);
}

const REMOVE_JSON: &str = r#"{"id": "rofl1qpykfkl6ea78cyy67d35f7fmpk3pg36vashka4v9"}"#;

/// A complete, canonical body (hex, no `0x`) of the JSON `input`, via `cbor encode`.
fn cbor_encode_hex(dir: &Path, step: &str, method: &[&str], input: &str) -> String {
    let out = roflgov_in(dir)
        .args(["--json", "cbor", "encode"])
        .args(method)
        .arg("-")
        .write_stdin(input)
        .timeout(ROW_TIMEOUT)
        .output()
        .unwrap_or_else(|e| panic!("{step}: {e}"));
    assert!(out.status.success(), "{step}: {}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{step}: {e}"));
    v["cbor"].as_str().unwrap_or_else(|| panic!("{step}: no cbor in {v}")).trim_start_matches("0x").to_owned()
}

fn update_json() -> Value {
    serde_json::json!({
        "method": "rofl.Update",
        "body": {
            "id": "rofl1qpykfkl6ea78cyy67d35f7fmpk3pg36vashka4v9",
            "admin": "oasis1qz2lty9v4glt5ts8ljhfpnd05dy3cwmtnyshws8q",
            "policy": {
                "quotes": {"pcs": {"tcb_validity_period": 30, "min_tcb_evaluation_data_number": 18, "tdx": {"allowed_tdx_modules": []}}},
                "enclaves": [{
                    "mr_enclave": "0x6a440b7d0f7ea2408f582be2749ff4ab47fccdbacabb189e1e80560e33a0a964",
                    "mr_signer": "0x0000000000000000000000000000000000000000000000000000000000000000"
                }],
                "endorsements": [{"any": {}}],
                "fees": "endorsing_node",
                "max_expiration": 3
            },
            "metadata": {"net.oasis.rofl.name": "talos"},
            "secrets": {}
        }
    })
}

fn update_json_unknown_field(_: &Ctx<'_>) -> Vec<u8> {
    let mut json = update_json();
    json["body"]["policy"]["allow_everyone"] = true.into();
    json.to_string().into_bytes()
}

fn update_json_huge_value(_: &Ctx<'_>) -> Vec<u8> {
    let mut json = update_json();
    json["body"]["policy"]["max_expiration"] = serde_json::from_str("1180591620717411303424").unwrap();
    json.to_string().into_bytes()
}

fn update_json_wrong_type(_: &Ctx<'_>) -> Vec<u8> {
    let mut json = update_json();
    json["body"]["policy"]["enclaves"] = "all of them".into();
    json.to_string().into_bytes()
}

fn deep_cbor(_: &Ctx<'_>) -> Vec<u8> {
    [vec![0x81u8; 1_000_000], vec![0]].concat()
}

fn demo_text() -> String {
    std::fs::read_to_string(demo_manifest("1.0")).unwrap()
}

fn non_utf8_manifest(_: &Ctx<'_>) -> Vec<u8> {
    let demo = demo_text();
    demo.bytes().take(40).chain([0xff, 0xfe]).chain(demo.bytes().skip(40)).collect()
}

fn duplicate_key_manifest(_: &Ctx<'_>) -> Vec<u8> {
    format!("{}name: again\n", demo_text()).into_bytes()
}

/// A billion-laughs YAML: ten levels of ten aliases (10^10 nodes if expanded).
fn yaml_alias_bomb(_: &Ctx<'_>) -> Vec<u8> {
    let mut lines =
        vec![r#"a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]"#.to_owned()];
    for i in 1..10 {
        lines.push(format!("a{i}: &a{i} [{}]", vec![format!("*a{}", i - 1); 10].join(",")));
    }
    lines.push("name: *a9".into());
    (lines.join("\n") + "\n").into_bytes()
}

/// 100 000 nested flow sequences: libyaml's scanner is quadratic in the flow depth (minutes),
/// before serde's recursion limit ever sees it.
fn yaml_flow_sequence_bomb(_: &Ctx<'_>) -> Vec<u8> {
    format!("name: {}{}\n", "[".repeat(100_000), "]".repeat(100_000)).into_bytes()
}

fn yaml_flow_map_bomb(_: &Ctx<'_>) -> Vec<u8> {
    format!("name: {}1{}\n", "{a: ".repeat(50_000), "}".repeat(50_000)).into_bytes()
}

/// 20 MiB: a valid manifest with one enormous metadata value.
fn huge_manifest(_: &Ctx<'_>) -> Vec<u8> {
    let demo = demo_text();
    let from = "net.oasis.rofl.name: weather-oracle";
    assert!(demo.contains(from), "yaml: 20 MiB file: rofl-1.0.yaml has no {from:?}");
    demo.replace(from, &format!("net.oasis.rofl.name: \"{}\"", "A".repeat(20 << 20))).into_bytes()
}

fn zip_with(entries: &[(&str, &[u8])], symlinks: &[(&str, &str)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    for (name, target) in symlinks {
        zip.add_symlink(*name, *target, options).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn orc_manifest_json() -> Vec<u8> {
    serde_json::json!({
        "name": "weather-oracle",
        "id": "00".repeat(32),
        "components": [{"kind": "rofl", "name": "weather-oracle", "identity": [
            {"hypervisor": "qemu/v0", "enclave": "cJD19YR7d04q/mqreylwVLPuPUvTZAJPl6tvypPCN/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="}
        ]}],
        "digests": {}
    })
    .to_string()
    .into_bytes()
}

fn truncated_orc(_: &Ctx<'_>) -> Vec<u8> {
    let ok = zip_with(&[("META-INF/MANIFEST.MF", &orc_manifest_json())], &[]);
    ok[..ok.len() / 2].to_vec()
}

fn no_manifest_orc(_: &Ctx<'_>) -> Vec<u8> {
    zip_with(&[("app.elf", b"\x7fELF")], &[])
}

fn bomb_orc(_: &Ctx<'_>) -> Vec<u8> {
    zip_with(&[("META-INF/MANIFEST.MF", &vec![b' '; 32 << 20])], &[])
}

/// The 32 MiB bomb whose headers lie that the manifest inflates to 100 bytes.
fn lying_bomb_orc(ctx: &Ctx<'_>) -> Vec<u8> {
    let mut bytes = bomb_orc(ctx);
    lie_about_size(&mut bytes, 100);
    bytes
}

/// Sets the uncompressed size of the first local header and central directory entry to `size`
/// (a zip bomb whose headers lie about what the entry inflates to).
fn lie_about_size(bytes: &mut [u8], size: u32) {
    let find = |sig: &[u8]| bytes.windows(4).position(|w| w == sig).unwrap();
    let local = find(b"PK\x03\x04");
    let central = find(b"PK\x01\x02");
    bytes[local + 22..local + 26].copy_from_slice(&size.to_le_bytes());
    bytes[central + 24..central + 28].copy_from_slice(&size.to_le_bytes());
}

fn symlink_manifest_orc(_: &Ctx<'_>) -> Vec<u8> {
    zip_with(&[], &[("META-INF/MANIFEST.MF", "/etc/passwd")])
}

fn symlink_entry_orc(_: &Ctx<'_>) -> Vec<u8> {
    zip_with(
        &[("META-INF/MANIFEST.MF", &orc_manifest_json())],
        &[("stage2.tar.bz2", "../../../../etc/shadow")],
    )
}

fn dotdot_entry_orc(_: &Ctx<'_>) -> Vec<u8> {
    zip_with(&[("META-INF/MANIFEST.MF", &orc_manifest_json()), ("../../evil.txt", b"pwned")], &[])
}

fn absolute_entry_orc(_: &Ctx<'_>) -> Vec<u8> {
    zip_with(
        &[("META-INF/MANIFEST.MF", &orc_manifest_json()), ("/tmp/roflgov-matrix-evil.txt", b"pwned")],
        &[],
    )
}

fn manifest_wrong_type_orc(_: &Ctx<'_>) -> Vec<u8> {
    zip_with(&[("META-INF/MANIFEST.MF", br#"{"id": 7, "components": "x"}"#)], &[])
}

fn manifest_non_utf8_orc(_: &Ctx<'_>) -> Vec<u8> {
    zip_with(&[("META-INF/MANIFEST.MF", b"{\"name\": \"\xff\"}")], &[])
}

fn testdata(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(TESTDATA).join(name)).unwrap()
}

fn tampered_quote(_: &Ctx<'_>) -> Vec<u8> {
    let mut quote = testdata("tdx_quote");
    quote[200] ^= 0xff;
    quote
}

fn truncated_quote(_: &Ctx<'_>) -> Vec<u8> {
    testdata("tdx_quote")[..200].to_vec()
}

fn truncated_collateral(_: &Ctx<'_>) -> Vec<u8> {
    let collateral = testdata("tdx_quote_collateral.json");
    collateral[..collateral.len() / 2].to_vec()
}

/// Collateral whose TCB info was edited (its signature no longer matches).
fn tampered_collateral(_: &Ctx<'_>) -> Vec<u8> {
    let mut c: Value = serde_json::from_slice(&testdata("tdx_quote_collateral.json")).unwrap();
    let tcb = c["tcb_info"].as_str().unwrap().replacen("\"UpToDate\"", "\"Revoked\"", 1);
    c["tcb_info"] = tcb.into();
    c.to_string().into_bytes()
}

// ---------------------------------------------------------------------------------------------
// On chain: one anvil, a 2-of-3 Safe, an app created through it
// ---------------------------------------------------------------------------------------------

/// `--key-env KEY safe ACTION --safe-tx FILE`.
macro_rules! safe {
    ($key:literal, $action:literal, $file:literal) => {
        &["--key-env", $key, "safe", $action, "--safe-tx", $file]
    };
}

/// `[PREFIX…] propose` of release 1.2 to `{app}` with `--safe-out FILE` `[SUFFIX…]`.
macro_rules! propose {
    ([$($prefix:expr),*], $out:literal $(, [$($suffix:expr),*])?) => {
        &[
            $($prefix,)*
            "propose",
            "--manifest",
            "{m12}",
            "--deployment",
            "local",
            "--app",
            "{app}",
            "--safe-out",
            $out,
            $($($suffix,)*)?
        ]
    };
}

/// Setup: release 1.1 proposed as `{dir}/release.json` (and its Transaction Builder batch),
/// signed by DEV1 of the 2-of-3 Safe; `{dir}/create.json` is the executed app creation.
const ON_CHAIN: &[Case] = &[
    // --- wrong chain ---
    Case {
        name: "chain: proposal file for chain 23295, rpc is 31337",
        files: &[("{dir}/variants/wrong-chain/proposal.json", Content::Made(wrong_chain_proposal))],
        argv: safe!("DEV2", "sign", "{dir}/variants/wrong-chain/proposal.json"),
        code: 5,
        names: &["wrong chain"],
        unchanged: &["{dir}/variants/wrong-chain/proposal.json"],
        ..Case::DEFAULT
    },
    Case {
        name: "chain: network testnet, rpc is 31337 (sign)",
        argv: &[
            "--network",
            "testnet",
            "--key-env",
            "DEV2",
            "safe",
            "sign",
            "--safe-tx",
            "{dir}/release.json",
        ],
        code: 5,
        names: &["wrong chain"],
        unchanged: &["{dir}/release.json"],
        ..Case::DEFAULT
    },
    Case {
        name: "chain: network testnet, rpc is 31337 (execute)",
        argv: &[
            "--network",
            "testnet",
            "--key-env",
            "DEV2",
            "safe",
            "execute",
            "--safe-tx",
            "{dir}/release.json",
        ],
        code: 5,
        names: &["wrong chain"],
        unchanged: &["{dir}/release.json"],
        ..Case::DEFAULT
    },
    Case {
        name: "chain: network testnet, rpc is 31337 (propose)",
        argv: propose!(["--network", "testnet"], "{out}/testnet.json"),
        code: 5,
        names: &["wrong chain"],
        absent: &["{out}/testnet.json"],
        ..Case::DEFAULT
    },
    // --- wrong contract ---
    Case {
        name: "contract: policy contract without code (propose)",
        argv: propose!(["--policy-contract", NO_CODE], "{out}/nocode.json"),
        code: 5,
        names: &[NO_CODE],
        absent: &["{out}/nocode.json"],
        ..Case::DEFAULT
    },
    Case {
        name: "contract: policy contract is the Safe (propose)",
        argv: propose!(["--policy-contract", "{safe}"], "{out}/is-safe.json"),
        code: 5,
        names: &["from policy contract 0x"],
        absent: &["{out}/is-safe.json"],
        ..Case::DEFAULT
    },
    Case {
        name: "contract: Safe address without code (propose)",
        argv: propose!(["--safe-address", NO_CODE], "{out}/safe-nocode.json"),
        code: 5,
        names: &[NO_CODE],
        absent: &["{out}/safe-nocode.json"],
        ..Case::DEFAULT
    },
    Case {
        name: "contract: Safe address is the policy contract (propose)",
        argv: propose!(["--safe-address", "{policy}"], "{out}/safe-is-policy.json"),
        code: 5,
        names: &["is it a Safe v1.4.1?"],
        absent: &["{out}/safe-is-policy.json"],
        ..Case::DEFAULT
    },
    Case {
        name: "contract: proposal for another Safe than the network's",
        files: &[("{dir}/variants/wrong-safe/proposal.json", Content::Made(wrong_safe_proposal))],
        argv: safe!("DEV2", "sign", "{dir}/variants/wrong-safe/proposal.json"),
        code: 4,
        names: &["this network's Safe"],
        unchanged: &["{dir}/variants/wrong-safe/proposal.json"],
        ..Case::DEFAULT
    },
    Case {
        name: "contract: app show on a contract without code",
        argv: &["--policy-contract", NO_CODE, "app", "show", "--app", "{app}"],
        code: 5,
        names: &[NO_CODE],
        ..Case::DEFAULT
    },
    // --- signatures ---
    Case {
        name: "sigs: insufficient (1 of 2)",
        argv: safe!("DEV4", "execute", "{dir}/release.json"),
        code: 4,
        names: &["1 of 2 required signatures"],
        unchanged: &["{dir}/release.json"],
        ..Case::DEFAULT
    },
    Case {
        name: "sigs: non-owner signs",
        argv: safe!("DEV4", "sign", "{dir}/release.json"),
        code: 4,
        names: &["not an owner"],
        unchanged: &["{dir}/release.json"],
        ..Case::DEFAULT
    },
    Case {
        name: "sigs: non-owner approves on chain",
        argv: safe!("DEV4", "approve", "{dir}/release.json"),
        code: 4,
        names: &["not an owner"],
        ..Case::DEFAULT
    },
    Case {
        name: "sigs: foreign (non-owner) signature in the file",
        files: &[(
            "{dir}/variants/foreign-signature/proposal.json",
            Content::Made(foreign_signature_proposal),
        )],
        argv: safe!("DEV4", "execute", "{dir}/variants/foreign-signature/proposal.json"),
        code: 4,
        names: &["signature #1"],
        unchanged: &["{dir}/variants/foreign-signature/proposal.json"],
        ..Case::DEFAULT
    },
    Case {
        name: "sigs: replayed signature of another SafeTx",
        files: &[(
            "{dir}/variants/replayed-signature/proposal.json",
            Content::Made(replayed_signature_proposal),
        )],
        argv: safe!("DEV4", "execute", "{dir}/variants/replayed-signature/proposal.json"),
        code: 4,
        names: &["signature #1"],
        unchanged: &["{dir}/variants/replayed-signature/proposal.json"],
        ..Case::DEFAULT
    },
    Case {
        name: "sigs: the same signature twice",
        files: &[(
            "{dir}/variants/duplicated-signature/proposal.json",
            Content::Made(duplicated_signature_proposal),
        )],
        argv: safe!("DEV4", "execute", "{dir}/variants/duplicated-signature/proposal.json"),
        code: 4,
        names: &["signature #1"],
        unchanged: &["{dir}/variants/duplicated-signature/proposal.json"],
        ..Case::DEFAULT
    },
    Case {
        name: "sigs: 64-byte signature",
        files: &[("{dir}/variants/short-signature/proposal.json", Content::Made(short_signature_proposal))],
        argv: safe!("DEV4", "execute", "{dir}/variants/short-signature/proposal.json"),
        code: 4,
        names: &["signature #1"],
        unchanged: &["{dir}/variants/short-signature/proposal.json"],
        ..Case::DEFAULT
    },
    Case {
        name: "sigs: signature with v = 99",
        files: &[("{dir}/variants/bad-v-signature/proposal.json", Content::Made(bad_v_signature_proposal))],
        argv: safe!("DEV4", "execute", "{dir}/variants/bad-v-signature/proposal.json"),
        code: 4,
        names: &["signature #1"],
        unchanged: &["{dir}/variants/bad-v-signature/proposal.json"],
        ..Case::DEFAULT
    },
    Case {
        name: "sigs: owner signs twice",
        argv: safe!("DEV1", "sign", "{dir}/release.json"),
        code: 4,
        names: &["has already signed this transaction"],
        unchanged: &["{dir}/release.json"],
        ..Case::DEFAULT
    },
    Case {
        name: "replay: execute an executed transaction",
        argv: safe!("DEV4", "execute", "{dir}/create.json"),
        code: 4,
        names: &["already used"],
        unchanged: &["{dir}/create.json"],
        ..Case::DEFAULT
    },
    Case {
        name: "replay: sign an executed transaction",
        argv: safe!("DEV2", "sign", "{dir}/create.json"),
        code: 4,
        names: &["already used"],
        unchanged: &["{dir}/create.json"],
        ..Case::DEFAULT
    },
    Case {
        name: "replay: approve an executed transaction",
        argv: safe!("DEV2", "approve", "{dir}/create.json"),
        code: 4,
        names: &["already used"],
        ..Case::DEFAULT
    },
    // --- tampered files ---
    Case {
        name: "file: proposal edited (hash mismatch)",
        files: &[("{dir}/variants/edited/proposal.json", Content::Made(edited_proposal))],
        argv: safe!("DEV2", "sign", "{dir}/variants/edited/proposal.json"),
        code: 4,
        names: &["was edited"],
        unchanged: &["{dir}/variants/edited/proposal.json"],
        ..Case::DEFAULT
    },
    Case {
        name: "file: proposal not UTF-8 JSON",
        files: &[("{dir}/variants/garbage/proposal.json", Content::Bytes(b"{\"chainId\": \"\xff"))],
        argv: safe!("DEV2", "sign", "{dir}/variants/garbage/proposal.json"),
        code: 3,
        names: &["not UTF-8"],
        unchanged: &["{dir}/variants/garbage/proposal.json"],
        ..Case::DEFAULT
    },
    Case {
        name: "file: proposal with wrong types",
        files: &[("{dir}/variants/wrong-types/proposal.json", Content::Made(wrong_types_proposal))],
        argv: safe!("DEV2", "sign", "{dir}/variants/wrong-types/proposal.json"),
        code: 3,
        names: &["not a roflgov Safe proposal file"],
        unchanged: &["{dir}/variants/wrong-types/proposal.json"],
        ..Case::DEFAULT
    },
    Case {
        name: "file: tampered Transaction Builder batch",
        files: &[("{dir}/variants/tampered-batch/batch.json", Content::Made(tampered_batch))],
        argv: &["review", "--tx-builder", "{dir}/variants/tampered-batch/batch.json"],
        code: 4,
        names: &["do not sign"],
        ..Case::DEFAULT
    },
    Case {
        name: "file: bad rofl.yaml to propose",
        files: &[(
            "{dir}/variants/bad.yaml",
            Content::Demo { version: "1.2", from: "fees: endorsing_node", to: "fees: 12" },
        )],
        argv: &[
            "propose",
            "--manifest",
            "{dir}/variants/bad.yaml",
            "--deployment",
            "local",
            "--app",
            "{app}",
            "--safe-out",
            "{out}/bad-yaml.json",
        ],
        code: 3,
        names: &["deployments.local.policy.fees"],
        absent: &["{out}/bad-yaml.json"],
        ..Case::DEFAULT
    },
    Case {
        name: "file: zip-bomb bundle to propose",
        files: &[("{dir}/variants/bomb.orc", Content::Made(small_bomb_orc))],
        argv: propose!([], "{out}/bomb.json", ["--bundle", "{dir}/variants/bomb.orc"]),
        code: 3,
        names: &["larger than"],
        absent: &["{out}/bomb.json"],
        ..Case::DEFAULT
    },
    Case {
        name: "keys: key variable holds no key",
        argv: safe!("HOME", "sign", "{dir}/release.json"),
        code: 2,
        names: &["does not hold a hex private key"],
        unchanged: &["{dir}/release.json"],
        ..Case::DEFAULT
    },
    Case {
        name: "rpc: nothing listening",
        rpc: Rpc::Url("http://127.0.0.1:9"),
        argv: safe!("DEV2", "execute", "{dir}/release.json"),
        code: 5,
        names: &["cannot reach"],
        unchanged: &["{dir}/release.json"],
        ..Case::DEFAULT
    },
];

/// An RPC that drops mid-flow (a proxy in front of anvil), before anything is sent.
const DROP_BEFORE_SEND: &[Case] = &[
    Case {
        name: "rpc drop: after 3 requests, during propose --safe-out",
        rpc: Rpc::Proxy(DropMode::AfterRequests(3)),
        argv: propose!([], "{out}/dropped-propose.json"),
        code: 5,
        names: &["error sending request"],
        absent: &["{out}/dropped-propose.json"],
        check: Check::ProxyDropped,
        ..Case::DEFAULT
    },
    Case {
        name: "rpc drop: after 3 requests, during safe sign",
        rpc: Rpc::Proxy(DropMode::AfterRequests(3)),
        argv: safe!("DEV2", "sign", "{dir}/release.json"),
        code: 5,
        names: &["error sending request"],
        unchanged: &["{dir}/release.json"],
        check: Check::ProxyDropped,
        ..Case::DEFAULT
    },
];

/// Run once DEV2 has signed for real: the release has 2 of 2 signatures and can be executed.
const DROP_AT_SEND: &[Case] = &[
    // The connection drops when the transaction is about to be sent: nothing reaches anvil.
    Case {
        name: "rpc drop: at eth_sendRawTransaction (not forwarded)",
        rpc: Rpc::Proxy(DropMode::BeforeSend),
        argv: safe!("DEV4", "execute", "{dir}/release.json"),
        code: 5,
        names: &["may or may not have been sent"],
        unchanged: &["{dir}/release.json"],
        check: Check::ProxyDropped,
        ..Case::DEFAULT
    },
    // The transaction reaches anvil but the response is lost. Honest partial state: the chain
    // DID change (the Safe executed the release), and the command must say it may have happened
    // (exit 5, "may or may not have been sent", with the way to check) instead of claiming that
    // nothing was sent.
    Case {
        name: "rpc drop: after forwarding eth_sendRawTransaction",
        rpc: Rpc::Proxy(DropMode::AfterSend),
        argv: safe!("DEV4", "execute", "{dir}/release.json"),
        code: 5,
        names: &["may or may not have been sent"],
        never_says: &["nothing was sent"],
        chain: ChainEffect::SafeExecutedOnce,
        check: Check::ProxyDropped,
        ..Case::DEFAULT
    },
    // A retry is then refused as a replay, so nothing executes twice.
    Case {
        name: "rpc drop: the retry after the lost response is a replay",
        argv: safe!("DEV4", "execute", "{dir}/release.json"),
        code: 4,
        names: &["already used"],
        unchanged: &["{dir}/release.json"],
        ..Case::DEFAULT
    },
];

struct Env {
    rt: tokio::runtime::Runtime,
    chain: LocalChain,
    dir: tempfile::TempDir,
}

impl Env {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `roflgov --config <tmp>/roflgov.toml` with DEV0..DEV5 set, talking to `rpc`.
    fn cmd_via(&self, rpc: &str) -> Command {
        let mut cmd = roflgov_in(self.dir.path());
        for i in 0..6 {
            cmd.env(format!("DEV{i}"), format!("0x{}", hex::encode(self.chain.signer(i).to_bytes())));
        }
        cmd.args(["--rpc", rpc, "--config"]).arg(self.path("roflgov.toml"));
        cmd
    }

    /// A setup step that must succeed; its JSON output.
    fn json(&self, step: &str, args: &[&str]) -> Value {
        let out = self
            .cmd_via(&self.chain.endpoint())
            .arg("--json")
            .args(args)
            .timeout(ROW_TIMEOUT)
            .output()
            .unwrap_or_else(|e| panic!("{step}: {e}"));
        assert!(out.status.success(), "{step}: {:?}: {}", out.status, String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{step}: {e}"))
    }

    fn read_json(&self, name: &str) -> Value {
        serde_json::from_str(&std::fs::read_to_string(self.path(name)).unwrap()).unwrap()
    }

    fn safe_nonce(&self, safe: Address) -> Result<U256, String> {
        // Safe.nonce()
        let call = TransactionRequest::default()
            .to(safe)
            .input(Bytes::from_static(&[0xaf, 0xfe, 0xd0, 0xe0]).into());
        let out =
            self.rt.block_on(async { self.chain.provider().call(call).await }).map_err(|e| e.to_string())?;
        Ok(U256::from_be_slice(&out))
    }

    /// What must not change when nothing is sent: the block number (anvil mines one block per
    /// transaction), every dev account's nonce, the Safe's nonce, the app's enclaves.
    fn fingerprint(&self, safe: Address, app: AppId) -> Result<Fingerprint, String> {
        let p = self.chain.provider();
        let block = self.rt.block_on(async { p.get_block_number().await }).map_err(|e| e.to_string())?;
        let mut nonces = Vec::new();
        for a in &self.chain.accounts()[..6] {
            nonces.push(
                self.rt.block_on(async { p.get_transaction_count(*a).await }).map_err(|e| e.to_string())?,
            );
        }
        let enclaves =
            self.rt.block_on(RoflStandIn::new(p.clone()).app_enclaves(app)).map_err(|e| e.to_string())?;
        let safe_nonce = self.safe_nonce(safe)?;
        Ok(Fingerprint {
            summary: format!(
                "block {block}, nonces {nonces:?}, safe nonce {safe_nonce}, app enclaves {}",
                enclaves.len()
            ),
            safe_nonce,
        })
    }
}

#[test]
fn hostile_chain_inputs_and_a_dropping_rpc() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let chain = rt.block_on(LocalChain::start()).expect("anvil starts (run `make build` first)");
    let env = Env { rt, chain, dir: tempfile::tempdir().unwrap() };
    let p = |name: &str| env.path(name).display().to_string();
    let owners: Vec<String> = env.chain.accounts()[1..4].iter().map(|a| a.to_string()).collect();
    let m10 = demo_manifest("1.0").display().to_string();
    let m11 = demo_manifest("1.1").display().to_string();

    // Setup: a 2-of-3 Safe (DEV1..DEV3) owns the policy contract; the app is created through it;
    // release 1.1 is proposed and signed by DEV1 only.
    let deployed = env.json(
        "setup: deploy",
        &["--key-env", "DEV0", "deploy", "--safe-owners", &owners.join(","), "--threshold", "2", "--save"],
    );
    let safe: Address = deployed["safe"].as_str().unwrap().parse().unwrap();
    let policy: Address = deployed["policy_contract"].as_str().unwrap().parse().unwrap();
    env.json(
        "setup: app create",
        &["app", "create", "--manifest", &m10, "--deployment", "local", "--safe-out", &p("create.json")],
    );
    env.json(
        "setup: DEV1 signs the creation",
        &["--key-env", "DEV1", "safe", "sign", "--safe-tx", &p("create.json")],
    );
    env.json(
        "setup: DEV3 signs the creation",
        &["--key-env", "DEV3", "safe", "sign", "--safe-tx", &p("create.json")],
    );
    let created = env.json(
        "setup: DEV4 executes the creation",
        &["--key-env", "DEV4", "safe", "execute", "--safe-tx", &p("create.json")],
    );
    let app: AppId = created["app"].as_str().unwrap().parse().unwrap();
    env.json(
        "setup: propose release 1.1",
        &[
            "propose",
            "--manifest",
            &m11,
            "--deployment",
            "local",
            "--app",
            &app.to_string(),
            "--safe-out",
            &p("release.json"),
            "--tx-builder-out",
            &p("release.batch.json"),
        ],
    );
    env.json(
        "setup: DEV1 signs the release",
        &["--key-env", "DEV1", "safe", "sign", "--safe-tx", &p("release.json")],
    );
    let release = env.read_json("release.json");
    assert_eq!(
        release["signatures"].as_array().map(Vec::len),
        Some(1),
        "setup: the release carries DEV1's signature only"
    );
    std::fs::create_dir_all(env.path("outputs")).unwrap();

    let ctx = Ctx {
        dir: env.dir.path().to_path_buf(),
        vars: vec![
            ("dir", env.dir.path().display().to_string()),
            ("out", p("outputs")),
            ("app", app.to_string()),
            ("safe", safe.to_string()),
            ("policy", policy.to_string()),
            ("m12", demo_manifest("1.2").display().to_string()),
        ],
        chain: Some(ChainFacts {
            chain: &env.chain,
            safe,
            policy,
            hash: release["safeTxHash"].as_str().unwrap().parse().unwrap(),
            create: env.read_json("create.json"),
            release,
        }),
    };
    let base = |rpc: Option<&str>| env.cmd_via(rpc.unwrap_or(&env.chain.endpoint()));
    let state = || env.fingerprint(safe, app);
    let anvil_port: u16 =
        env.chain.endpoint().rsplit(':').next().unwrap().trim_end_matches('/').parse().unwrap();
    let proxy = |mode: DropMode| env.rt.block_on(Proxy::start(anvil_port, mode));

    run_group("hostile chain inputs", ON_CHAIN, &ctx, &base, &state, &proxy);
    run_group("rpc that drops before anything is sent", DROP_BEFORE_SEND, &ctx, &base, &state, &proxy);
    env.json(
        "setup: DEV2 signs the release",
        &["--key-env", "DEV2", "safe", "sign", "--safe-tx", &p("release.json")],
    );
    run_group("rpc that drops at the send", DROP_AT_SEND, &ctx, &base, &state, &proxy);
}

/// Packs a Safe EOA signature (r ‖ s ‖ v, v = 27/28) of `hash` by dev account `index`.
fn sign_packed(chain: &LocalChain, index: usize, hash: B256) -> String {
    let sig = chain.signer(index).sign_hash_sync(&hash).unwrap();
    format!("0x{}", hex::encode(sig.as_bytes()))
}

fn pretty(file: &Value) -> Vec<u8> {
    serde_json::to_string_pretty(file).unwrap().into_bytes()
}

/// The release, re-hashed for chain 23295.
fn wrong_chain_proposal(ctx: &Ctx<'_>) -> Vec<u8> {
    let facts = ctx.facts();
    let mut f = facts.release.clone();
    let tx: SafeTx = serde_json::from_value(f["tx"].clone()).unwrap();
    f["chainId"] = 23295.into();
    f["safeTxHash"] = tx.safe_tx_hash(23295, facts.safe).to_string().into();
    pretty(&f)
}

/// The same transaction for another "Safe" (the policy contract), hash made consistent.
fn wrong_safe_proposal(ctx: &Ctx<'_>) -> Vec<u8> {
    let facts = ctx.facts();
    let mut f = facts.release.clone();
    let tx: SafeTx = serde_json::from_value(f["tx"].clone()).unwrap();
    f["safe"] = facts.policy.to_string().into();
    f["safeTxHash"] = tx.safe_tx_hash(facts.chain.chain_id(), facts.policy).to_string().into();
    pretty(&f)
}

fn edited_proposal(ctx: &Ctx<'_>) -> Vec<u8> {
    let mut f = ctx.facts().release.clone();
    f["tx"]["value"] = "0x1".into();
    pretty(&f)
}

/// DEV4 (not an owner) adds its signature.
fn foreign_signature_proposal(ctx: &Ctx<'_>) -> Vec<u8> {
    let facts = ctx.facts();
    let mut f = facts.release.clone();
    f["signatures"].as_array_mut().unwrap().push(sign_packed(facts.chain, 4, facts.hash).into());
    pretty(&f)
}

/// DEV3's signature of the (executed) create transaction, replayed onto the release.
fn replayed_signature_proposal(ctx: &Ctx<'_>) -> Vec<u8> {
    let facts = ctx.facts();
    let mut f = facts.release.clone();
    let create_hash: B256 = facts.create["safeTxHash"].as_str().unwrap().parse().unwrap();
    let dev3_create = facts.create["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s.as_str().unwrap() == sign_packed(facts.chain, 3, create_hash))
        .expect("sigs: replayed signature of another SafeTx: create.json holds DEV3's signature")
        .clone();
    f["signatures"].as_array_mut().unwrap().push(dev3_create);
    pretty(&f)
}

fn duplicated_signature_proposal(ctx: &Ctx<'_>) -> Vec<u8> {
    let mut f = ctx.facts().release.clone();
    let first = f["signatures"][0].clone();
    f["signatures"].as_array_mut().unwrap().push(first);
    pretty(&f)
}

fn short_signature_proposal(ctx: &Ctx<'_>) -> Vec<u8> {
    let mut f = ctx.facts().release.clone();
    f["signatures"].as_array_mut().unwrap().push(format!("0x{}", "11".repeat(64)).into());
    pretty(&f)
}

/// DEV2's signature of the release with v = 99.
fn bad_v_signature_proposal(ctx: &Ctx<'_>) -> Vec<u8> {
    let facts = ctx.facts();
    let mut f = facts.release.clone();
    let mut bytes = hex::decode(sign_packed(facts.chain, 2, facts.hash).trim_start_matches("0x")).unwrap();
    bytes[64] = 99;
    f["signatures"].as_array_mut().unwrap().push(format!("0x{}", hex::encode(bytes)).into());
    pretty(&f)
}

fn wrong_types_proposal(_: &Ctx<'_>) -> Vec<u8> {
    pretty(&serde_json::json!({"chainId": "31337", "safe": 7, "tx": [], "safeTxHash": null}))
}

/// The release's Transaction Builder batch with the last byte of the first call's data flipped.
fn tampered_batch(ctx: &Ctx<'_>) -> Vec<u8> {
    let mut batch: Value =
        serde_json::from_str(&std::fs::read_to_string(ctx.dir.join("release.batch.json")).unwrap()).unwrap();
    let data = batch["transactions"][0]["data"].as_str().unwrap().to_owned();
    let flipped = format!("{}{}", &data[..data.len() - 2], if data.ends_with("00") { "01" } else { "00" });
    batch["transactions"][0]["data"] = flipped.into();
    batch.to_string().into_bytes()
}

/// A bundle whose 4 MiB manifest is over the 1 MiB limit.
fn small_bomb_orc(_: &Ctx<'_>) -> Vec<u8> {
    zip_with(&[("META-INF/MANIFEST.MF", &vec![b' '; 4 << 20])], &[])
}

// ---------------------------------------------------------------------------------------------
// A JSON-RPC proxy that drops the connection
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum DropMode {
    /// Serve `n` requests, then close every connection without answering.
    AfterRequests(usize),
    /// Close the connection when the client sends `eth_sendRawTransaction`, without forwarding.
    BeforeSend,
    /// Forward `eth_sendRawTransaction` to anvil, then close without returning the response.
    AfterSend,
}

struct Proxy {
    port: u16,
    dropped: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One HTTP/1.1 message (headers and a Content-Length body) from `stream`, or None at EOF.
async fn read_http_message(stream: &mut tokio::net::TcpStream) -> Option<Vec<u8>> {
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let header_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let headers = String::from_utf8_lossy(&buf[..header_end]).to_ascii_lowercase();
    assert!(!headers.contains("transfer-encoding: chunked"), "the proxy only handles Content-Length bodies");
    let length: usize = headers
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map(|v| v.trim().parse().unwrap())
        .unwrap_or(0);
    while buf.len() < header_end + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some(buf)
}

impl Proxy {
    async fn start(upstream: u16, mode: DropMode) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let dropped = Arc::new(AtomicBool::new(false));
        let served = Arc::new(AtomicUsize::new(0));
        let flag = dropped.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else { return };
                let (flag, served) = (flag.clone(), served.clone());
                tokio::spawn(async move {
                    use tokio::io::AsyncWriteExt;
                    while let Some(request) = read_http_message(&mut client).await {
                        let is_send = String::from_utf8_lossy(&request).contains("eth_sendRawTransaction");
                        let count = served.fetch_add(1, Ordering::SeqCst) + 1;
                        let drop_now = match mode {
                            DropMode::AfterRequests(n) => count > n,
                            DropMode::BeforeSend => is_send,
                            DropMode::AfterSend => false,
                        };
                        if drop_now {
                            flag.store(true, Ordering::SeqCst);
                            return; // closes the client connection without an answer
                        }
                        let Ok(mut up) = tokio::net::TcpStream::connect(("127.0.0.1", upstream)).await else {
                            return;
                        };
                        if up.write_all(&request).await.is_err() {
                            return;
                        }
                        let Some(response) = read_http_message(&mut up).await else { return };
                        if is_send && matches!(mode, DropMode::AfterSend) {
                            flag.store(true, Ordering::SeqCst);
                            return; // anvil has the transaction; the client never hears back
                        }
                        if client.write_all(&response).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Proxy { port, dropped, task }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}
