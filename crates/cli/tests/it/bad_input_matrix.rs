//! The bad-input matrix: malformed and hostile files, wrong chains and contracts, refused and
//! replayed signatures, and an RPC that drops mid-flow, each driven through the binary.
//!
//! The cases are data: every [`Case`] names itself, gives the command line (with `{dir}`,
//! `{app}`, `{safe}`… placeholders for what the setup creates), the files to write before it
//! runs (malformed rofl.yaml, wrong CBOR, bad quotes, forged signatures, …), the exit code it must
//! end with (2 usage, 3 bad input, 4 verification failed, 5 chain error), the words the message
//! must name, and what must not change. A row is one expression: [`Case::new`] (name, exit code,
//! words), then [`Case::run`] (the command) and the builders for the rest; rows that share a
//! set-up share a builder ([`bad_manifest`], [`bad_orc`], [`bad_quote`], [`Case::variant`], …).
//! One driver, [`run_group`], runs a table: after every case it checks that no output file (and
//! no temp file) was left behind, that files the command could rewrite are byte-identical, and,
//! on chain, compares a fingerprint of the chain (block number, the nonces of every dev account,
//! the Safe's nonce, the app's enclaves) before and after, so "nothing was sent" is checked
//! against anvil itself, not taken from the tool's word. Every failure message starts with the
//! case's name.
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

use crate::support::{
    env::roflgov_in,
    fixtures::{NOW, TESTDATA, manifest, testdata, update_json},
    flows::{app_create, propose, safe_tx},
};

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
    /// The file written before the command runs: path (with placeholders, `{file}` in the
    /// other fields) and content.
    file: Option<(&'static str, Content)>,
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
    /// A case that must exit with `code`, its message naming every word of `names`; by default
    /// it writes no file, reads no stdin, talks to the group's RPC, and nothing may change (the
    /// builders below say otherwise).
    const fn new(name: &'static str, code: i32, names: &'static [&'static str]) -> Case {
        Case {
            name,
            argv: &[],
            file: None,
            stdin: None,
            rpc: Rpc::Chain,
            code,
            names,
            never_says: &[],
            absent: &[],
            unchanged: &[],
            chain: ChainEffect::Unchanged,
            check: Check::None,
        }
    }

    /// The command line the case runs.
    const fn run(self, argv: &'static [&'static str]) -> Case {
        Case { argv, ..self }
    }

    /// Writes `content` to `path` before the command runs; `{file}` stands for that path.
    const fn file(self, path: &'static str, content: Content) -> Case {
        Case { file: Some((path, content)), ..self }
    }

    /// A proposal file made by `make` at `path` (`{file}`), which the command may not rewrite.
    const fn variant(self, path: &'static str, make: fn(&Ctx<'_>) -> Vec<u8>) -> Case {
        self.file(path, Content::Made(make)).unchanged(&["{file}"])
    }

    /// `{dir}/release.json`, the release signed by DEV1 only, may not be rewritten.
    const fn keeps_release(self) -> Case {
        self.unchanged(&["{dir}/release.json"])
    }

    /// What the command reads on its standard input.
    const fn stdin(self, content: Content) -> Case {
        Case { stdin: Some(content), ..self }
    }

    /// The JSON-RPC endpoint the command talks to.
    const fn rpc(self, rpc: Rpc) -> Case {
        Case { rpc, ..self }
    }

    /// Words the message must not contain.
    const fn never_says(self, never_says: &'static [&'static str]) -> Case {
        Case { never_says, ..self }
    }

    /// Outputs the failing command may not leave behind.
    const fn absent(self, absent: &'static [&'static str]) -> Case {
        Case { absent, ..self }
    }

    /// Files the command may not rewrite.
    const fn unchanged(self, unchanged: &'static [&'static str]) -> Case {
        Case { unchanged, ..self }
    }

    /// What the chain must look like afterwards.
    const fn chain(self, chain: ChainEffect) -> Case {
        Case { chain, ..self }
    }

    /// The extra assertion of the case.
    const fn check(self, check: Check) -> Case {
        Case { check, ..self }
    }
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

    fn facts(&self) -> &ChainFacts<'_> {
        self.chain.as_ref().expect("an on-chain fixture used in an offline group")
    }

    fn content(&self, case: &str, content: Content) -> Vec<u8> {
        match content {
            Content::Bytes(bytes) => bytes.to_vec(),
            Content::Demo { version, from, to } => {
                let text = std::fs::read_to_string(manifest(version)).unwrap();
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
        // `{file}` is the case's file; every other placeholder is the group's.
        let file = case.file.map(|(path, _)| ctx.expand(path));
        let expand = |text: &str| {
            let text = file.as_ref().map_or_else(|| text.to_owned(), |f| text.replace("{file}", f));
            let text = ctx.expand(&text);
            assert!(!text.contains('{'), "{name}: unknown placeholder in {text:?}");
            text
        };
        if let (Some(path), Some((_, content))) = (&file, case.file) {
            let path = Path::new(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, ctx.content(name, content))
                .unwrap_or_else(|e| panic!("{name}: cannot write {}: {e}", path.display()));
        }
        let absent: Vec<PathBuf> = case.absent.iter().map(|p| PathBuf::from(expand(p))).collect();
        let unchanged: Vec<PathBuf> = case.unchanged.iter().map(|p| PathBuf::from(expand(p))).collect();
        let snapshot: Vec<(PathBuf, Option<Vec<u8>>)> =
            unchanged.iter().map(|p| (p.clone(), std::fs::read(p).ok())).collect();
        let dirs: Vec<PathBuf> =
            absent.iter().chain(&unchanged).filter_map(|p| p.parent().map(Path::to_path_buf)).collect();
        assert!(!case.argv.is_empty(), "{name}: no command line (Case::run)");
        let args: Vec<String> = case.argv.iter().map(|a| expand(a)).collect();
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

/// `cbor decode ARGS…`.
macro_rules! decode {
    ($($arg:expr),*) => {
        &["cbor", "decode", $($arg),*]
    };
}

/// `verify-quote` against the manifest `{file}`: bad input (exit 3).
const fn bad_manifest(name: &'static str, names: &'static [&'static str]) -> Case {
    Case::new(name, 3, names).run(verify_quote!("{file}"))
}

/// `identity bundle` of the bundle `{file}`: bad input (exit 3).
const fn bad_orc(name: &'static str, names: &'static [&'static str]) -> Case {
    Case::new(name, 3, names).run(bundle!("{file}"))
}

/// `cbor encode - --out {out}/body.cbor` of the JSON on stdin: bad input (exit 3), no output.
const fn bad_update_json(name: &'static str, names: &'static [&'static str]) -> Case {
    Case::new(name, 3, names).run(ENCODE_TO_OUT).absent(&["{out}/body.cbor"])
}

/// `identity quote` of the quote `{file}`, with the sample TDX collateral.
const fn bad_quote(name: &'static str, code: i32, names: &'static [&'static str]) -> Case {
    Case::new(name, code, names).run(identity_quote!(
        "{file}",
        "{testdata}/tdx_quote_collateral.json",
        "{now}"
    ))
}

/// `identity quote` of the sample TDX quote, with the collateral `{file}`.
const fn bad_collateral(name: &'static str, code: i32, names: &'static [&'static str]) -> Case {
    Case::new(name, code, names).run(identity_quote!("{testdata}/tdx_quote", "{file}", "{now}"))
}

/// Commands run in `{dir}/work/sub`, two levels down, so that a `../../` entry extracted relative
/// to the working directory would land in `{dir}`, where [`Check::NothingExtracted`] looks.
const OFFLINE: &[Case] = &[
    // --- rofl.yaml ---
    bad_manifest("yaml: wrong type (max_expiration: string)", &["deployments.local.policy.max_expiration"])
        .file("{dir}/wrong-type.yaml", demo("max_expiration: 3", "max_expiration: \"three\"")),
    bad_manifest("yaml: wrong type (fees: list)", &["deployments.local.policy.fees"])
        .file("{dir}/wrong-type-fees.yaml", demo("fees: endorsing_node", "fees: [endorsing_node]")),
    bad_manifest("yaml: wrong type (enclave id: number)", &["deployments.local.policy.enclaves[0].id"]).file(
        "{dir}/wrong-type-enclave-id.yaml",
        demo(
            "- id: cJD19YR7d04q/mqreylwVLPuPUvTZAJPl6tvypPCN/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
            "- id: 12345",
        ),
    ),
    bad_manifest("yaml: huge value (max_expiration 2^70)", &["max_expiration"]).file(
        "{dir}/huge-expiration.yaml",
        demo("max_expiration: 3", "max_expiration: 1180591620717411303424"),
    ),
    bad_manifest("yaml: huge value (max_expiration 2^64)", &["max_expiration"]).file(
        "{dir}/huge-u64-expiration.yaml",
        demo("max_expiration: 3", "max_expiration: 18446744073709551616"),
    ),
    bad_manifest("yaml: huge value (tcb_validity_period > u16)", &["does not fit in u16"])
        .file("{dir}/huge-tcb.yaml", demo("tcb_validity_period: 30", "tcb_validity_period: 99999999999")),
    bad_manifest("yaml: negative max_expiration", &["max_expiration"])
        .file("{dir}/negative.yaml", demo("max_expiration: 3", "max_expiration: -1")),
    bad_manifest("yaml: unknown field inside policy", &["policy.admin_override: unknown field"]).file(
        "{dir}/unknown-policy-field.yaml",
        demo("max_expiration: 3", "max_expiration: 3\n      admin_override: true"),
    ),
    bad_manifest("yaml: unknown field inside policy.quotes.pcs", &["skip_checks"]).file(
        "{dir}/unknown-pcs-field.yaml",
        demo("tcb_validity_period: 30", "tcb_validity_period: 30\n          skip_checks: true"),
    ),
    bad_manifest("yaml: non-UTF-8", &["not UTF-8"])
        .file("{dir}/non-utf8.yaml", Content::Made(non_utf8_manifest)),
    bad_manifest("yaml: empty file", &["expected a map"]).file("{dir}/empty.yaml", Content::Bytes(b"")),
    bad_manifest("yaml: not a map", &["expected a map"])
        .file("{dir}/not-a-map.yaml", Content::Bytes(b"- just\n- a list\n")),
    bad_manifest("yaml: duplicate key", &["duplicate"])
        .file("{dir}/duplicate-key.yaml", Content::Made(duplicate_key_manifest)),
    bad_manifest("yaml: billion-laughs alias bomb", &["repetition limit exceeded"])
        .file("{dir}/alias-bomb.yaml", Content::Made(yaml_alias_bomb)),
    bad_manifest("yaml: 100k nested flow sequences", &["nested"])
        .file("{dir}/flow-nesting-bomb.yaml", Content::Made(yaml_flow_sequence_bomb)),
    bad_manifest("yaml: 50k nested flow maps", &["nested"])
        .file("{dir}/flow-map-bomb.yaml", Content::Made(yaml_flow_map_bomb)),
    bad_manifest("yaml: 20 MiB file", &["larger than"]).file("{dir}/20mb.yaml", Content::Made(huge_manifest)),
    Case::new("yaml: endless stream (/dev/zero)", 3, &["larger than"]).run(verify_quote!("/dev/zero")),
    Case::new("yaml: a directory", 3, &["cannot read"]).run(verify_quote!("{dir}")),
    Case::new("yaml: missing file", 3, &["nope.yaml"]).run(verify_quote!("{dir}/nope.yaml")),
    // --- CBOR ---
    Case::new("cbor: truncated Update", 3, &["not a canonical rofl.Update body"]).run(decode!(
        "--method",
        "rofl.Update",
        "{truncated_update}"
    )),
    Case::new("cbor: trailing bytes", 3, &["not a canonical rofl.Update body"]).run(decode!(
        "--method",
        "rofl.Update",
        "{trailing_update}"
    )),
    Case::new("cbor: non-canonical map head", 3, &["non-canonical"]).run(decode!(
        "--method",
        "rofl.Update",
        "{non_canonical_update}"
    )),
    Case::new("cbor: unknown field", 3, &["zz: unknown field"]).run(decode!(
        "--method",
        "rofl.Remove",
        "{unknown_field_remove}"
    )),
    Case::new("cbor: map declaring 2^64-1 entries", 3, &["malformed"]).run(decode!("bbffffffffffffffff")),
    Case::new("cbor: byte string declaring 2^64-1 bytes", 3, &["malformed"])
        .run(decode!("a16269645bffffffffffffffff")),
    Case::new("cbor: text key declaring 2^32 bytes", 3, &["malformed"]).run(decode!("a17affffffff")),
    Case::new("cbor: 1M nested arrays", 3, &["malformed"])
        .run(decode!("{file}"))
        .file("{dir}/deep.cbor", Content::Made(deep_cbor)),
    Case::new("cbor: empty input", 3, &["IncompleteCborData"]).run(decode!("-")).stdin(Content::Bytes(b"")),
    bad_update_json("cbor encode: unknown field, --out", &["allow_everyone"])
        .stdin(Content::Made(update_json_unknown_field)),
    bad_update_json("cbor encode: huge value, --out", &["max_expiration"])
        .stdin(Content::Made(update_json_huge_value)),
    bad_update_json("cbor encode: wrong type, --out", &["enclaves"])
        .stdin(Content::Made(update_json_wrong_type)),
    bad_update_json("cbor encode: non-UTF-8 JSON, --out", &["invalid JSON"])
        .stdin(Content::Bytes(b"{\"method\": \"\xff\"}")),
    Case::new("cbor encode: endless stream (/dev/zero)", 3, &["larger than"])
        .run(&["cbor", "encode", "/dev/zero", "--out", "{out}/body.cbor"])
        .absent(&["{out}/body.cbor"]),
    // --- ORC bundles ---
    bad_orc("orc: truncated zip", &["not a readable zip"])
        .file("{dir}/truncated.orc", Content::Made(truncated_orc)),
    bad_orc("orc: empty file", &["not a readable zip"]).file("{dir}/empty.orc", Content::Bytes(b"")),
    bad_orc("orc: missing manifest", &["has no META-INF/MANIFEST.MF"])
        .file("{dir}/no-manifest.orc", Content::Made(no_manifest_orc)),
    bad_orc("orc: zip bomb (32 MiB manifest)", &["larger than the 1048576-byte limit"])
        .file("{dir}/bomb.orc", Content::Made(bomb_orc)),
    bad_orc("orc: zip bomb lying about its size", &["larger than the 1048576-byte limit"])
        .file("{dir}/lying-bomb.orc", Content::Made(lying_bomb_orc)),
    Case::new("orc: /dev/zero as the bundle", 3, &["not a regular file"]).run(bundle!("/dev/zero")),
    bad_orc("orc: manifest is a symlink entry", &["symlink"])
        .file("{dir}/symlink-manifest.orc", Content::Made(symlink_manifest_orc))
        .check(Check::NothingExtracted),
    bad_orc("orc: symlink entry", &["symlink"])
        .file("{dir}/symlink-entry.orc", Content::Made(symlink_entry_orc))
        .check(Check::NothingExtracted),
    bad_orc("orc: ../ entry", &["../../evil.txt"])
        .file("{dir}/dotdot-entry.orc", Content::Made(dotdot_entry_orc))
        .check(Check::NothingExtracted),
    bad_orc("orc: absolute-path entry", &["/tmp/roflgov-matrix-evil.txt"])
        .file("{dir}/absolute-entry.orc", Content::Made(absolute_entry_orc))
        .check(Check::NothingExtracted),
    bad_orc("orc: manifest with wrong types", &["MANIFEST.MF: field"])
        .file("{dir}/manifest-wrong-type.orc", Content::Made(manifest_wrong_type_orc)),
    bad_orc("orc: manifest not UTF-8", &["not UTF-8"])
        .file("{dir}/manifest-non-utf8.orc", Content::Made(manifest_non_utf8_orc)),
    // --- quotes and collateral ---
    bad_quote("quote: tampered TD report", 4, &["tampered-quote"])
        .file("{dir}/tampered-quote", Content::Made(tampered_quote)),
    bad_quote("quote: truncated", 3, &["truncated"])
        .file("{dir}/truncated-quote", Content::Made(truncated_quote)),
    bad_quote("quote: empty", 3, &["truncated"]).file("{dir}/empty-quote", Content::Bytes(b"")),
    Case::new("quote: endless stream (/dev/zero)", 3, &["/dev/zero"]).run(identity_quote!(
        "/dev/zero",
        "{testdata}/tdx_quote_collateral.json",
        "{now}"
    )),
    Case::new("collateral: wrong platform (SGX for a TDX quote)", 4, &["collateral is for SGX"])
        .run(identity_quote!("{testdata}/tdx_quote", "{testdata}/sgx_quote_collateral.json", "{now}")),
    Case::new("collateral: wrong platform (TDX for an SGX quote)", 4, &["collateral is for TDX"])
        .run(identity_quote!("{testdata}/sgx_quote", "{testdata}/tdx_quote_collateral.json", "{now}")),
    Case::new("collateral: wrong time (expired)", 4, &["expired"]).run(identity_quote!(
        "{testdata}/tdx_quote",
        "{testdata}/tdx_quote_collateral.json",
        "4102444800"
    )),
    Case::new("collateral: wrong time (not yet valid)", 4, &["not valid yet"]).run(identity_quote!(
        "{testdata}/tdx_quote",
        "{testdata}/tdx_quote_collateral.json",
        "946684800"
    )),
    bad_collateral("collateral: truncated", 3, &["truncated"])
        .file("{dir}/truncated-collateral.json", Content::Made(truncated_collateral)),
    bad_collateral("collateral: wrong types", 3, &["wrong-type-collateral.json"])
        .file("{dir}/wrong-type-collateral.json", Content::Bytes(br#"{"tcb_info": 7}"#)),
    bad_collateral("collateral: tampered TCB info", 4, &["Signature is invalid for tcb_info"])
        .file("{dir}/tampered-collateral.json", Content::Made(tampered_collateral)),
    // Typed arguments: clap refuses them through their library types' `FromStr`, before any
    // key, file or chain is touched (exit 2), naming the argument and what is wrong.
    Case::new("args: identity that is not base64", 2, &["--enclave", "is not base64"]).run(&[
        "guardian",
        "revoke",
        "--app",
        "rofl1qpykfkl6ea78cyy67d35f7fmpk3pg36vashka4v9",
        "--enclave",
        "not-base64!",
    ]),
    // Python: base64.b64encode(bytes(63)).
    Case::new("args: identity of 63 bytes", 2, &["--enclave", "decodes to 63 bytes, not 64"]).run(&[
        "app",
        "rollout",
        "--app",
        "rofl1qpykfkl6ea78cyy67d35f7fmpk3pg36vashka4v9",
        "--enclave",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ]),
    Case::new(
        "args: amount with more decimals than ROSE has",
        2,
        &["--amount", "has 19 decimals; this unit has 18"],
    )
    .run(&["machine", "fund", "--amount", "0.0000000000000000001"]),
    Case::new("args: expected admin with a wrong EIP-55 checksum", 2, &["--expect-admin", "EIP-55 checksum"])
        .run(&[
            "review",
            "--safe-tx",
            "{dir}/none.json",
            "--expect-admin",
            "0x5aaeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        ]),
    Case::new("args: the zero address as guardian", 2, &["--guardian", "write `none`"])
        .run(&[
            "owner",
            "set-guardian",
            "--app",
            "rofl1qpykfkl6ea78cyy67d35f7fmpk3pg36vashka4v9",
            "--guardian",
            "0x0000000000000000000000000000000000000000",
            "--safe-out",
            "{out}/guardian.json",
        ])
        .absent(&["{out}/guardian.json"]),
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
    std::fs::read_to_string(manifest("1.0")).unwrap()
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

fn testdata_bytes(name: &str) -> Vec<u8> {
    std::fs::read(testdata(name)).unwrap()
}

fn tampered_quote(_: &Ctx<'_>) -> Vec<u8> {
    let mut quote = testdata_bytes("tdx_quote");
    quote[200] ^= 0xff;
    quote
}

fn truncated_quote(_: &Ctx<'_>) -> Vec<u8> {
    testdata_bytes("tdx_quote")[..200].to_vec()
}

fn truncated_collateral(_: &Ctx<'_>) -> Vec<u8> {
    let collateral = testdata_bytes("tdx_quote_collateral.json");
    collateral[..collateral.len() / 2].to_vec()
}

/// Collateral whose TCB info was edited (its signature no longer matches).
fn tampered_collateral(_: &Ctx<'_>) -> Vec<u8> {
    let mut c: Value = serde_json::from_slice(&testdata_bytes("tdx_quote_collateral.json")).unwrap();
    let tcb = c["tcb_info"].as_str().unwrap().replacen("\"UpToDate\"", "\"Revoked\"", 1);
    c["tcb_info"] = tcb.into();
    c.to_string().into_bytes()
}

// ---------------------------------------------------------------------------------------------
// On chain: one anvil, a 2-of-3 Safe, an app created through it
// ---------------------------------------------------------------------------------------------

/// `[PREFIX…] --key-env KEY safe ACTION --safe-tx FILE`.
macro_rules! safe {
    ($key:literal, $action:literal, $file:literal) => {
        safe!([], $key, $action, $file)
    };
    ([$($prefix:expr),*], $key:literal, $action:literal, $file:literal) => {
        &[$($prefix,)* "--key-env", $key, "safe", $action, "--safe-tx", $file]
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
    Case::new("chain: proposal file for chain 23295, rpc is 31337", 5, &["wrong chain"])
        .run(safe!("DEV2", "sign", "{file}"))
        .variant("{dir}/variants/wrong-chain/proposal.json", wrong_chain_proposal),
    Case::new("chain: network testnet, rpc is 31337 (sign)", 5, &["wrong chain"])
        .run(safe!(["--network", "testnet"], "DEV2", "sign", "{dir}/release.json"))
        .keeps_release(),
    Case::new("chain: network testnet, rpc is 31337 (execute)", 5, &["wrong chain"])
        .run(safe!(["--network", "testnet"], "DEV2", "execute", "{dir}/release.json"))
        .keeps_release(),
    Case::new("chain: network testnet, rpc is 31337 (propose)", 5, &["wrong chain"])
        .run(propose!(["--network", "testnet"], "{out}/testnet.json"))
        .absent(&["{out}/testnet.json"]),
    // --- wrong contract ---
    Case::new("contract: policy contract without code (propose)", 5, &[NO_CODE])
        .run(propose!(["--policy-contract", NO_CODE], "{out}/nocode.json"))
        .absent(&["{out}/nocode.json"]),
    Case::new("contract: policy contract is the Safe (propose)", 5, &["from policy contract 0x"])
        .run(propose!(["--policy-contract", "{safe}"], "{out}/is-safe.json"))
        .absent(&["{out}/is-safe.json"]),
    Case::new("contract: Safe address without code (propose)", 5, &[NO_CODE])
        .run(propose!(["--safe-address", NO_CODE], "{out}/safe-nocode.json"))
        .absent(&["{out}/safe-nocode.json"]),
    Case::new("contract: Safe address is the policy contract (propose)", 5, &["is it a Safe v1.4.1?"])
        .run(propose!(["--safe-address", "{policy}"], "{out}/safe-is-policy.json"))
        .absent(&["{out}/safe-is-policy.json"]),
    Case::new("contract: proposal for another Safe than the network's", 4, &["this network's Safe"])
        .run(safe!("DEV2", "sign", "{file}"))
        .variant("{dir}/variants/wrong-safe/proposal.json", wrong_safe_proposal),
    Case::new("contract: app show on a contract without code", 5, &[NO_CODE]).run(&[
        "--policy-contract",
        NO_CODE,
        "app",
        "show",
        "--app",
        "{app}",
    ]),
    // --- signatures ---
    Case::new("sigs: insufficient (1 of 2)", 4, &["1 of 2 required signatures"])
        .run(safe!("DEV4", "execute", "{dir}/release.json"))
        .keeps_release(),
    Case::new("sigs: non-owner signs", 4, &["not an owner"])
        .run(safe!("DEV4", "sign", "{dir}/release.json"))
        .keeps_release(),
    Case::new("sigs: non-owner approves on chain", 4, &["not an owner"]).run(safe!(
        "DEV4",
        "approve",
        "{dir}/release.json"
    )),
    Case::new("sigs: foreign (non-owner) signature in the file", 4, &["signature #1"])
        .run(safe!("DEV4", "execute", "{file}"))
        .variant("{dir}/variants/foreign-signature/proposal.json", foreign_signature_proposal),
    Case::new("sigs: replayed signature of another SafeTx", 4, &["signature #1"])
        .run(safe!("DEV4", "execute", "{file}"))
        .variant("{dir}/variants/replayed-signature/proposal.json", replayed_signature_proposal),
    Case::new("sigs: the same signature twice", 4, &["signature #1"])
        .run(safe!("DEV4", "execute", "{file}"))
        .variant("{dir}/variants/duplicated-signature/proposal.json", duplicated_signature_proposal),
    Case::new("sigs: 64-byte signature", 4, &["signature #1"])
        .run(safe!("DEV4", "execute", "{file}"))
        .variant("{dir}/variants/short-signature/proposal.json", short_signature_proposal),
    Case::new("sigs: signature with v = 99", 4, &["signature #1"])
        .run(safe!("DEV4", "execute", "{file}"))
        .variant("{dir}/variants/bad-v-signature/proposal.json", bad_v_signature_proposal),
    Case::new("sigs: owner signs twice", 4, &["has already signed this transaction"])
        .run(safe!("DEV1", "sign", "{dir}/release.json"))
        .keeps_release(),
    Case::new("replay: execute an executed transaction", 4, &["already used"])
        .run(safe!("DEV4", "execute", "{dir}/create.json"))
        .unchanged(&["{dir}/create.json"]),
    Case::new("replay: sign an executed transaction", 4, &["already used"])
        .run(safe!("DEV2", "sign", "{dir}/create.json"))
        .unchanged(&["{dir}/create.json"]),
    Case::new("replay: approve an executed transaction", 4, &["already used"]).run(safe!(
        "DEV2",
        "approve",
        "{dir}/create.json"
    )),
    // --- tampered files ---
    Case::new("file: proposal edited (hash mismatch)", 4, &["was edited"])
        .run(safe!("DEV2", "sign", "{file}"))
        .variant("{dir}/variants/edited/proposal.json", edited_proposal),
    Case::new("file: proposal not UTF-8 JSON", 3, &["not UTF-8"])
        .run(safe!("DEV2", "sign", "{file}"))
        .file("{dir}/variants/garbage/proposal.json", Content::Bytes(b"{\"chainId\": \"\xff"))
        .unchanged(&["{file}"]),
    Case::new("file: proposal with wrong types", 3, &["not a roflgov Safe proposal file"])
        .run(safe!("DEV2", "sign", "{file}"))
        .variant("{dir}/variants/wrong-types/proposal.json", wrong_types_proposal),
    Case::new("file: tampered Transaction Builder batch", 4, &["do not sign"])
        .run(&["review", "--tx-builder", "{file}"])
        .file("{dir}/variants/tampered-batch/batch.json", Content::Made(tampered_batch)),
    Case::new("file: bad rofl.yaml to propose", 3, &["deployments.local.policy.fees"])
        .run(&[
            "propose",
            "--manifest",
            "{file}",
            "--deployment",
            "local",
            "--app",
            "{app}",
            "--safe-out",
            "{out}/bad-yaml.json",
        ])
        .file(
            "{dir}/variants/bad.yaml",
            Content::Demo { version: "1.2", from: "fees: endorsing_node", to: "fees: 12" },
        )
        .absent(&["{out}/bad-yaml.json"]),
    Case::new("file: zip-bomb bundle to propose", 3, &["larger than"])
        .run(propose!([], "{out}/bomb.json", ["--bundle", "{file}"]))
        .file("{dir}/variants/bomb.orc", Content::Made(small_bomb_orc))
        .absent(&["{out}/bomb.json"]),
    Case::new("keys: key variable holds no key", 2, &["does not hold a hex private key"])
        .run(safe!("HOME", "sign", "{dir}/release.json"))
        .keeps_release(),
    Case::new("rpc: nothing listening", 5, &["cannot reach"])
        .run(safe!("DEV2", "execute", "{dir}/release.json"))
        .keeps_release()
        .rpc(Rpc::Url("http://127.0.0.1:9")),
];

/// An RPC that drops mid-flow (a proxy in front of anvil), before anything is sent.
const DROP_BEFORE_SEND: &[Case] = &[
    Case::new("rpc drop: after 3 requests, during propose --safe-out", 5, &["error sending request"])
        .run(propose!([], "{out}/dropped-propose.json"))
        .rpc(Rpc::Proxy(DropMode::AfterRequests(3)))
        .absent(&["{out}/dropped-propose.json"])
        .check(Check::ProxyDropped),
    Case::new("rpc drop: after 3 requests, during safe sign", 5, &["error sending request"])
        .run(safe!("DEV2", "sign", "{dir}/release.json"))
        .keeps_release()
        .rpc(Rpc::Proxy(DropMode::AfterRequests(3)))
        .check(Check::ProxyDropped),
];

/// Run once DEV2 has signed for real: the release has 2 of 2 signatures and can be executed.
const DROP_AT_SEND: &[Case] = &[
    // The connection drops when the transaction is about to be sent: nothing reaches anvil.
    Case::new("rpc drop: at eth_sendRawTransaction (not forwarded)", 5, &["may or may not have been sent"])
        .run(safe!("DEV4", "execute", "{dir}/release.json"))
        .keeps_release()
        .rpc(Rpc::Proxy(DropMode::BeforeSend))
        .check(Check::ProxyDropped),
    // The transaction reaches anvil but the response is lost. Honest partial state: the chain
    // DID change (the Safe executed the release), and the command must say it may have happened
    // (exit 5, "may or may not have been sent", with the way to check) instead of claiming that
    // nothing was sent.
    Case::new("rpc drop: after forwarding eth_sendRawTransaction", 5, &["may or may not have been sent"])
        .run(safe!("DEV4", "execute", "{dir}/release.json"))
        .rpc(Rpc::Proxy(DropMode::AfterSend))
        .never_says(&["nothing was sent"])
        .chain(ChainEffect::SafeExecutedOnce)
        .check(Check::ProxyDropped),
    // A retry is then refused as a replay, so nothing executes twice.
    Case::new("rpc drop: the retry after the lost response is a replay", 4, &["already used"])
        .run(safe!("DEV4", "execute", "{dir}/release.json"))
        .keeps_release(),
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

    // Setup: a 2-of-3 Safe (DEV1..DEV3) owns the policy contract; the app is created through it;
    // release 1.1 is proposed and signed by DEV1 only.
    let deployed = env.json(
        "setup: deploy",
        &["--key-env", "DEV0", "deploy", "--safe-owners", &owners.join(","), "--threshold", "2", "--save"],
    );
    let safe: Address = deployed["safe"].as_str().unwrap().parse().unwrap();
    let policy: Address = deployed["policy_contract"].as_str().unwrap().parse().unwrap();
    env.json("setup: app create", &app_create(&manifest("1.0"), &["--safe-out", &p("create.json")]));
    env.json("setup: DEV1 signs the creation", &safe_tx("DEV1", "sign", &p("create.json")));
    env.json("setup: DEV3 signs the creation", &safe_tx("DEV3", "sign", &p("create.json")));
    let created =
        env.json("setup: DEV4 executes the creation", &safe_tx("DEV4", "execute", &p("create.json")));
    let app: AppId = created["app"].as_str().unwrap().parse().unwrap();
    let files = ["--safe-out", &p("release.json"), "--tx-builder-out", &p("release.batch.json")];
    env.json("setup: propose release 1.1", &propose(&manifest("1.1"), &app.to_string(), &files));
    env.json("setup: DEV1 signs the release", &safe_tx("DEV1", "sign", &p("release.json")));
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
            ("m12", manifest("1.2")),
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
    env.json("setup: DEV2 signs the release", &safe_tx("DEV2", "sign", &p("release.json")));
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
