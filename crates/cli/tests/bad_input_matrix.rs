//! The bad-input matrix: malformed and hostile files, wrong chains and contracts, refused and
//! replayed signatures, and an RPC that drops mid-flow, each driven through the binary.
//!
//! Every row names its case, the command line, the exit code it must end with (2 usage, 3 bad
//! input, 4 verification failed, 5 chain error) and a substring the message must contain that
//! names what is wrong. After every row the runner also checks that no output file (and no temp
//! file) was left behind and that files the command could rewrite are byte-identical; the
//! on-chain rows additionally compare a fingerprint of the chain (block number, the nonces of
//! every dev account, the Safe's nonce, the app's version and enclaves) before and after, so
//! "nothing was sent" is checked against anvil itself, not taken from the tool's word.
//!
//! All on-chain rows share one anvil. Each command runs with a timeout, so a parser that hangs
//! (YAML alias or nesting bombs) fails its row instead of stalling the suite.

#![allow(unused_crate_dependencies)] // one test target uses only some of the dev-dependencies

use std::{
    ffi::OsString,
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

// ---------------------------------------------------------------------------------------------
// The matrix runner
// ---------------------------------------------------------------------------------------------

/// One case of the matrix.
struct Row {
    name: &'static str,
    args: Vec<OsString>,
    stdin: Option<Vec<u8>>,
    /// Expected exit code.
    code: i32,
    /// A substring of stderr naming what is wrong.
    contains: &'static str,
    /// Outputs of the failing command: they must not exist afterwards.
    absent: Vec<PathBuf>,
    /// Files the command could rewrite: byte-identical afterwards.
    unchanged: Vec<PathBuf>,
    /// Runs once the command has ended (extra assertions of the row).
    check: Option<Box<dyn Fn() -> Result<(), String>>>,
    /// JSON-RPC endpoint of the row, instead of the chain's (a dropping proxy, a dead port).
    rpc: Option<String>,
}

impl Row {
    fn new(name: &'static str, code: i32, contains: &'static str) -> Self {
        Row {
            name,
            args: Vec::new(),
            stdin: None,
            code,
            contains,
            absent: Vec::new(),
            unchanged: Vec::new(),
            check: None,
            rpc: None,
        }
    }
    fn args<I: IntoIterator<Item = S>, S: Into<OsString>>(mut self, args: I) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }
    fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(bytes.into());
        self
    }
    fn absent(mut self, path: impl Into<PathBuf>) -> Self {
        self.absent.push(path.into());
        self
    }
    fn unchanged(mut self, path: impl Into<PathBuf>) -> Self {
        self.unchanged.push(path.into());
        self
    }
    fn rpc(mut self, url: impl Into<String>) -> Self {
        self.rpc = Some(url.into());
        self
    }
    fn check(mut self, f: impl Fn() -> Result<(), String> + 'static) -> Self {
        self.check = Some(Box::new(f));
        self
    }
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

/// Runs every row (each with `base()` as the command), checks code, message, files and
/// `invariant` (the chain fingerprint), prints the matrix, and fails listing every bad row.
fn run_matrix(
    title: &str,
    base: &dyn Fn(&Row) -> Command,
    rows: Vec<Row>,
    invariant: &dyn Fn() -> Result<String, String>,
) {
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for row in rows {
        let snapshot: Vec<(PathBuf, Option<Vec<u8>>)> =
            row.unchanged.iter().map(|p| (p.clone(), std::fs::read(p).ok())).collect();
        let dirs: Vec<PathBuf> = row
            .absent
            .iter()
            .chain(&row.unchanged)
            .filter_map(|p| p.parent().map(Path::to_path_buf))
            .collect();
        let before = invariant();
        let mut cmd = base(&row);
        cmd.args(&row.args).timeout(ROW_TIMEOUT);
        if let Some(stdin) = &row.stdin {
            cmd.write_stdin(stdin.clone());
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
        if code != Some(row.code) {
            problems.push(format!("exit code {code:?}, expected {}", row.code));
        }
        if !stderr.contains(row.contains) {
            problems.push(format!("stderr does not contain {:?}", row.contains));
        }
        if stderr.contains("panicked") {
            problems.push("panicked".into());
        }
        for path in &row.absent {
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
        let after = invariant();
        if before != after {
            problems.push(format!("chain state changed: before {before:?}, after {after:?}"));
        }
        if let Some(check) = &row.check
            && let Err(e) = check()
        {
            problems.push(e);
        }
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
            row.name,
            code.map(|c| c.to_string()).unwrap_or_else(|| "-".into()),
            elapsed.as_secs_f64(),
            first_line
        ));
        if !problems.is_empty() {
            failures.push(format!(
                "{}: {}\n    stderr: {}",
                row.name,
                problems.join("; "),
                stderr.trim().replace('\n', "\n            ")
            ));
        }
    }
    println!("\n== {title}\n{}", report.join("\n"));
    assert!(failures.is_empty(), "{} row(s) of {title} failed:\n  {}", failures.len(), failures.join("\n  "));
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

fn testdata(name: &str) -> PathBuf {
    Path::new(TESTDATA).join(name)
}

fn demo_manifest(v: &str) -> PathBuf {
    Path::new(EXAMPLES).join(format!("rofl-{v}.yaml"))
}

fn no_state() -> Result<String, String> {
    Ok(String::new())
}

// ---------------------------------------------------------------------------------------------
// Hostile files, offline
// ---------------------------------------------------------------------------------------------

/// A billion-laughs YAML: ten levels of ten aliases (10^10 nodes if expanded).
fn yaml_alias_bomb() -> String {
    let mut lines =
        vec![r#"a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]"#.to_owned()];
    for i in 1..10 {
        lines.push(format!("a{i}: &a{i} [{}]", vec![format!("*a{}", i - 1); 10].join(",")));
    }
    lines.push("name: *a9".into());
    lines.join("\n") + "\n"
}

fn zip_with(path: &Path, entries: &[(&str, &[u8])], symlinks: &[(&str, &str)]) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    for (name, target) in symlinks {
        zip.add_symlink(*name, *target, options).unwrap();
    }
    zip.finish().unwrap();
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

/// Sets the uncompressed size of the first local header and central directory entry to `size`
/// (a zip bomb whose headers lie about what the entry inflates to).
fn lie_about_size(bytes: &mut [u8], size: u32) {
    let find = |sig: &[u8]| bytes.windows(4).position(|w| w == sig).unwrap();
    let local = find(b"PK\x03\x04");
    let central = find(b"PK\x01\x02");
    bytes[local + 22..local + 26].copy_from_slice(&size.to_le_bytes());
    bytes[central + 24..central + 28].copy_from_slice(&size.to_le_bytes());
}

/// A complete, canonical rofl.Remove body (hex), via `cbor encode`.
fn remove_body_hex(dir: &Path) -> String {
    let out = roflgov_in(dir)
        .args(["--json", "cbor", "encode", "--method", "rofl.Remove", "-"])
        .write_stdin(r#"{"id": "rofl1qpykfkl6ea78cyy67d35f7fmpk3pg36vashka4v9"}"#)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    v["cbor"].as_str().unwrap().trim_start_matches("0x").to_owned()
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

#[test]
fn hostile_files_offline() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    // Commands run two levels down, so that a `../../` entry extracted relative to the working
    // directory would land in `dir`, where the bundle rows look for it.
    let cwd = dir.join("work/sub");
    std::fs::create_dir_all(&cwd).unwrap();
    let out_dir = dir.join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let f = |name: &str| dir.join(name);
    let write = |name: &str, bytes: &[u8]| {
        std::fs::write(dir.join(name), bytes).unwrap();
        dir.join(name)
    };
    let demo = std::fs::read_to_string(demo_manifest("1.0")).unwrap();

    // rofl.yaml variants.
    write("wrong-type.yaml", demo.replace("max_expiration: 3", "max_expiration: \"three\"").as_bytes());
    write("wrong-type-fees.yaml", demo.replace("fees: endorsing_node", "fees: [endorsing_node]").as_bytes());
    write(
        "wrong-type-enclave-id.yaml",
        demo.replace(
            "- id: cJD19YR7d04q/mqreylwVLPuPUvTZAJPl6tvypPCN/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
            "- id: 12345",
        )
        .as_bytes(),
    );
    write(
        "huge-expiration.yaml",
        demo.replace("max_expiration: 3", "max_expiration: 1180591620717411303424").as_bytes(),
    ); // 2^70
    write(
        "huge-u64-expiration.yaml",
        demo.replace("max_expiration: 3", "max_expiration: 18446744073709551616").as_bytes(),
    ); // 2^64
    write(
        "huge-tcb.yaml",
        demo.replace("tcb_validity_period: 30", "tcb_validity_period: 99999999999").as_bytes(),
    );
    write("negative.yaml", demo.replace("max_expiration: 3", "max_expiration: -1").as_bytes());
    write(
        "unknown-policy-field.yaml",
        demo.replace("max_expiration: 3", "max_expiration: 3\n      admin_override: true").as_bytes(),
    );
    write(
        "unknown-pcs-field.yaml",
        demo.replace("tcb_validity_period: 30", "tcb_validity_period: 30\n          skip_checks: true")
            .as_bytes(),
    );
    write(
        "non-utf8.yaml",
        &demo
            .as_bytes()
            .iter()
            .copied()
            .take(40)
            .chain([0xff, 0xfe])
            .chain(demo.bytes().skip(40))
            .collect::<Vec<u8>>(),
    );
    write("empty.yaml", b"");
    write("not-a-map.yaml", b"- just\n- a list\n");
    write("duplicate-key.yaml", format!("{demo}name: again\n").as_bytes());
    write("alias-bomb.yaml", yaml_alias_bomb().as_bytes());
    // 100 000 nested flow sequences: libyaml's scanner is quadratic in the flow depth (minutes),
    // before serde's recursion limit ever sees it.
    write(
        "flow-nesting-bomb.yaml",
        format!("name: {}{}\n", "[".repeat(100_000), "]".repeat(100_000)).as_bytes(),
    );
    write(
        "flow-map-bomb.yaml",
        format!("name: {}1{}\n", "{a: ".repeat(50_000), "}".repeat(50_000)).as_bytes(),
    );
    {
        // 20 MiB: a valid manifest with one enormous metadata value.
        let big = demo.replace(
            "net.oasis.rofl.name: weather-oracle",
            &format!("net.oasis.rofl.name: \"{}\"", "A".repeat(20 << 20)),
        );
        write("20mb.yaml", big.as_bytes());
    }

    // ORC bundles.
    let manifest = orc_manifest_json();
    zip_with(&f("ok.orc"), &[("META-INF/MANIFEST.MF", &manifest)], &[]);
    let ok = std::fs::read(f("ok.orc")).unwrap();
    write("truncated.orc", &ok[..ok.len() / 2]);
    write("empty.orc", b"");
    zip_with(&f("no-manifest.orc"), &[("app.elf", b"\x7fELF")], &[]);
    let zeros = vec![b' '; 32 << 20];
    zip_with(&f("bomb.orc"), &[("META-INF/MANIFEST.MF", &zeros)], &[]);
    let mut lying = std::fs::read(f("bomb.orc")).unwrap();
    lie_about_size(&mut lying, 100);
    write("lying-bomb.orc", &lying);
    zip_with(&f("symlink-manifest.orc"), &[], &[("META-INF/MANIFEST.MF", "/etc/passwd")]);
    zip_with(
        &f("symlink-entry.orc"),
        &[("META-INF/MANIFEST.MF", &manifest)],
        &[("stage2.tar.bz2", "../../../../etc/shadow")],
    );
    zip_with(
        &f("dotdot-entry.orc"),
        &[("META-INF/MANIFEST.MF", &manifest), ("../../evil.txt", b"pwned")],
        &[],
    );
    zip_with(
        &f("absolute-entry.orc"),
        &[("META-INF/MANIFEST.MF", &manifest), ("/tmp/roflgov-matrix-evil.txt", b"pwned")],
        &[],
    );
    zip_with(
        &f("manifest-wrong-type.orc"),
        &[("META-INF/MANIFEST.MF", br#"{"id": 7, "components": "x"}"#)],
        &[],
    );
    zip_with(&f("manifest-non-utf8.orc"), &[("META-INF/MANIFEST.MF", b"{\"name\": \"\xff\"}")], &[]);

    // Quotes and collateral.
    let quote = std::fs::read(testdata("tdx_quote")).unwrap();
    let collateral = std::fs::read(testdata("tdx_quote_collateral.json")).unwrap();
    let mut tampered = quote.clone();
    tampered[200] ^= 0xff;
    write("tampered-quote", &tampered);
    write("truncated-quote", &quote[..200]);
    write("empty-quote", b"");
    write("truncated-collateral.json", &collateral[..collateral.len() / 2]);
    write("wrong-type-collateral.json", br#"{"tcb_info": 7}"#);
    {
        // Collateral whose TCB info was edited (its signature no longer matches).
        let mut c: Value = serde_json::from_slice(&collateral).unwrap();
        let tcb = c["tcb_info"].as_str().unwrap().replacen("\"UpToDate\"", "\"Revoked\"", 1);
        c["tcb_info"] = tcb.into();
        write("tampered-collateral.json", c.to_string().as_bytes());
    }

    // CBOR bodies.
    let remove = remove_body_hex(&dir);
    let update_hex = {
        let out = roflgov_in(&dir)
            .args(["--json", "cbor", "encode", "-"])
            .write_stdin(update_json().to_string())
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        serde_json::from_slice::<Value>(&out).unwrap()["cbor"]
            .as_str()
            .unwrap()
            .trim_start_matches("0x")
            .to_owned()
    };
    let truncated_update = update_hex[..update_hex.len() - 10].to_owned();
    let trailing_update = format!("{update_hex}00");
    let non_canonical_update = format!("b805{}", &update_hex[2..]);
    // {id, zz: 0}: the Remove body with an extra key.
    let unknown_field_remove = format!("a2{}627a7a00", &remove[2..]);
    write("deep.cbor", &[vec![0x81u8; 1_000_000], vec![0]].concat());
    let mut unknown_json = update_json();
    unknown_json["body"]["policy"]["allow_everyone"] = true.into();
    let mut huge_json = update_json();
    huge_json["body"]["policy"]["max_expiration"] = serde_json::from_str("1180591620717411303424").unwrap();
    let mut wrong_json = update_json();
    wrong_json["body"]["policy"]["enclaves"] = "all of them".into();

    let vq = |manifest: PathBuf| -> Vec<OsString> {
        vec![
            "verify-quote".into(),
            testdata("tdx_quote").into(),
            "--collateral".into(),
            testdata("tdx_quote_collateral.json").into(),
            "--now".into(),
            NOW.into(),
            "--deployment".into(),
            "local".into(),
            "--manifest".into(),
            manifest.into(),
        ]
    };
    let quote_cmd = |quote: PathBuf, collateral: PathBuf, now: &str| -> Vec<OsString> {
        vec![
            "identity".into(),
            "quote".into(),
            quote.into(),
            "--collateral".into(),
            collateral.into(),
            "--now".into(),
            now.into(),
        ]
    };
    let bundle = |name: &str| -> Vec<OsString> { vec!["identity".into(), "bundle".into(), f(name).into()] };
    let escaped = {
        let d = dir.clone();
        move || {
            for p in
                [d.join("evil.txt"), d.join("work/evil.txt"), PathBuf::from("/tmp/roflgov-matrix-evil.txt")]
            {
                if p.exists() {
                    return Err(format!("{} was extracted", p.display()));
                }
            }
            Ok(())
        }
    };
    let cbor_out = out_dir.join("body.cbor");
    let tdx = testdata("tdx_quote");
    let tdx_col = testdata("tdx_quote_collateral.json");

    let rows = vec![
        // --- rofl.yaml ---
        Row::new("yaml: wrong type (max_expiration: string)", 3, "deployments.local.policy.max_expiration")
            .args(vq(f("wrong-type.yaml"))),
        Row::new("yaml: wrong type (fees: list)", 3, "deployments.local.policy.fees")
            .args(vq(f("wrong-type-fees.yaml"))),
        Row::new("yaml: wrong type (enclave id: number)", 3, "deployments.local.policy.enclaves[0].id")
            .args(vq(f("wrong-type-enclave-id.yaml"))),
        Row::new("yaml: huge value (max_expiration 2^70)", 3, "max_expiration")
            .args(vq(f("huge-expiration.yaml"))),
        Row::new("yaml: huge value (max_expiration 2^64)", 3, "max_expiration")
            .args(vq(f("huge-u64-expiration.yaml"))),
        Row::new("yaml: huge value (tcb_validity_period > u16)", 3, "does not fit in u16")
            .args(vq(f("huge-tcb.yaml"))),
        Row::new("yaml: negative max_expiration", 3, "max_expiration").args(vq(f("negative.yaml"))),
        Row::new("yaml: unknown field inside policy", 3, "policy.admin_override: unknown field")
            .args(vq(f("unknown-policy-field.yaml"))),
        Row::new("yaml: unknown field inside policy.quotes.pcs", 3, "skip_checks")
            .args(vq(f("unknown-pcs-field.yaml"))),
        Row::new("yaml: non-UTF-8", 3, "not UTF-8").args(vq(f("non-utf8.yaml"))),
        Row::new("yaml: empty file", 3, "expected a map").args(vq(f("empty.yaml"))),
        Row::new("yaml: not a map", 3, "expected a map").args(vq(f("not-a-map.yaml"))),
        Row::new("yaml: duplicate key", 3, "duplicate").args(vq(f("duplicate-key.yaml"))),
        Row::new("yaml: billion-laughs alias bomb", 3, "repetition limit exceeded")
            .args(vq(f("alias-bomb.yaml"))),
        Row::new("yaml: 100k nested flow sequences", 3, "nested").args(vq(f("flow-nesting-bomb.yaml"))),
        Row::new("yaml: 50k nested flow maps", 3, "nested").args(vq(f("flow-map-bomb.yaml"))),
        Row::new("yaml: 20 MiB file", 3, "larger than").args(vq(f("20mb.yaml"))),
        Row::new("yaml: endless stream (/dev/zero)", 3, "larger than").args(vq(PathBuf::from("/dev/zero"))),
        Row::new("yaml: a directory", 3, "cannot read").args(vq(dir.clone())),
        Row::new("yaml: missing file", 3, "nope.yaml").args(vq(f("nope.yaml"))),
        // --- CBOR ---
        Row::new("cbor: truncated Update", 3, "not a canonical rofl.Update body").args([
            "cbor",
            "decode",
            "--method",
            "rofl.Update",
            &truncated_update,
        ]),
        Row::new("cbor: trailing bytes", 3, "not a canonical rofl.Update body").args([
            "cbor",
            "decode",
            "--method",
            "rofl.Update",
            &trailing_update,
        ]),
        Row::new("cbor: non-canonical map head", 3, "non-canonical").args([
            "cbor",
            "decode",
            "--method",
            "rofl.Update",
            &non_canonical_update,
        ]),
        Row::new("cbor: unknown field", 3, "zz: unknown field").args([
            "cbor",
            "decode",
            "--method",
            "rofl.Remove",
            &unknown_field_remove,
        ]),
        Row::new("cbor: map declaring 2^64-1 entries", 3, "malformed").args([
            "cbor",
            "decode",
            "bbffffffffffffffff",
        ]),
        Row::new("cbor: byte string declaring 2^64-1 bytes", 3, "malformed").args([
            "cbor",
            "decode",
            "a16269645bffffffffffffffff",
        ]),
        Row::new("cbor: text key declaring 2^32 bytes", 3, "malformed").args([
            "cbor",
            "decode",
            "a17affffffff",
        ]),
        Row::new("cbor: 1M nested arrays", 3, "malformed").args([
            "cbor".into(),
            "decode".into(),
            f("deep.cbor").into_os_string(),
        ]),
        Row::new("cbor: empty input", 3, "IncompleteCborData")
            .args(["cbor", "decode", "-"])
            .stdin(Vec::new()),
        Row::new("cbor encode: unknown field, --out", 3, "allow_everyone")
            .args([
                "cbor".into(),
                "encode".into(),
                "-".into(),
                "--out".into(),
                cbor_out.clone().into_os_string(),
            ])
            .stdin(unknown_json.to_string())
            .absent(&cbor_out),
        Row::new("cbor encode: huge value, --out", 3, "max_expiration")
            .args([
                "cbor".into(),
                "encode".into(),
                "-".into(),
                "--out".into(),
                cbor_out.clone().into_os_string(),
            ])
            .stdin(huge_json.to_string())
            .absent(&cbor_out),
        Row::new("cbor encode: wrong type, --out", 3, "enclaves")
            .args([
                "cbor".into(),
                "encode".into(),
                "-".into(),
                "--out".into(),
                cbor_out.clone().into_os_string(),
            ])
            .stdin(wrong_json.to_string())
            .absent(&cbor_out),
        Row::new("cbor encode: non-UTF-8 JSON, --out", 3, "invalid JSON")
            .args([
                "cbor".into(),
                "encode".into(),
                "-".into(),
                "--out".into(),
                cbor_out.clone().into_os_string(),
            ])
            .stdin(b"{\"method\": \"\xff\"}".to_vec())
            .absent(&cbor_out),
        Row::new("cbor encode: endless stream (/dev/zero)", 3, "larger than")
            .args(["cbor", "encode", "/dev/zero", "--out"])
            .args([&cbor_out])
            .absent(&cbor_out),
        // --- ORC bundles ---
        Row::new("orc: truncated zip", 3, "not a readable zip").args(bundle("truncated.orc")),
        Row::new("orc: empty file", 3, "not a readable zip").args(bundle("empty.orc")),
        Row::new("orc: missing manifest", 3, "has no META-INF/MANIFEST.MF").args(bundle("no-manifest.orc")),
        Row::new("orc: zip bomb (32 MiB manifest)", 3, "larger than the 1048576-byte limit")
            .args(bundle("bomb.orc")),
        Row::new("orc: zip bomb lying about its size", 3, "larger than the 1048576-byte limit")
            .args(bundle("lying-bomb.orc")),
        Row::new("orc: /dev/zero as the bundle", 3, "not a regular file").args([
            "identity",
            "bundle",
            "/dev/zero",
        ]),
        Row::new("orc: manifest is a symlink entry", 3, "symlink")
            .args(bundle("symlink-manifest.orc"))
            .check(escaped.clone()),
        Row::new("orc: symlink entry", 3, "symlink").args(bundle("symlink-entry.orc")).check(escaped.clone()),
        Row::new("orc: ../ entry", 3, "../../evil.txt")
            .args(bundle("dotdot-entry.orc"))
            .check(escaped.clone()),
        Row::new("orc: absolute-path entry", 3, "/tmp/roflgov-matrix-evil.txt")
            .args(bundle("absolute-entry.orc"))
            .check(escaped),
        Row::new("orc: manifest with wrong types", 3, "MANIFEST.MF: field")
            .args(bundle("manifest-wrong-type.orc")),
        Row::new("orc: manifest not UTF-8", 3, "not UTF-8").args(bundle("manifest-non-utf8.orc")),
        // --- quotes and collateral ---
        Row::new("quote: tampered TD report", 4, "tampered-quote").args(quote_cmd(
            f("tampered-quote"),
            tdx_col.clone(),
            NOW,
        )),
        Row::new("quote: truncated", 3, "truncated").args(quote_cmd(
            f("truncated-quote"),
            tdx_col.clone(),
            NOW,
        )),
        Row::new("quote: empty", 3, "truncated").args(quote_cmd(f("empty-quote"), tdx_col.clone(), NOW)),
        Row::new("quote: endless stream (/dev/zero)", 3, "/dev/zero").args(quote_cmd(
            PathBuf::from("/dev/zero"),
            tdx_col.clone(),
            NOW,
        )),
        Row::new("collateral: wrong platform (SGX for a TDX quote)", 4, "collateral is for SGX")
            .args(quote_cmd(tdx.clone(), testdata("sgx_quote_collateral.json"), NOW)),
        Row::new("collateral: wrong platform (TDX for an SGX quote)", 4, "collateral is for TDX")
            .args(quote_cmd(testdata("sgx_quote"), tdx_col.clone(), NOW)),
        Row::new("collateral: wrong time (expired)", 4, "expired").args(quote_cmd(
            tdx.clone(),
            tdx_col.clone(),
            "4102444800",
        )),
        Row::new("collateral: wrong time (not yet valid)", 4, "not valid yet").args(quote_cmd(
            tdx.clone(),
            tdx_col,
            "946684800",
        )),
        Row::new("collateral: truncated", 3, "truncated").args(quote_cmd(
            tdx.clone(),
            f("truncated-collateral.json"),
            NOW,
        )),
        Row::new("collateral: wrong types", 3, "wrong-type-collateral.json").args(quote_cmd(
            tdx.clone(),
            f("wrong-type-collateral.json"),
            NOW,
        )),
        Row::new("collateral: tampered TCB info", 4, "Signature is invalid for tcb_info").args(quote_cmd(
            tdx,
            f("tampered-collateral.json"),
            NOW,
        )),
    ];
    run_matrix("hostile files (offline)", &|_| roflgov_in(&cwd), rows, &no_state);
}

// ---------------------------------------------------------------------------------------------
// On chain: one anvil, a 2-of-3 Safe, an app created through it
// ---------------------------------------------------------------------------------------------

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

    fn cmd(&self) -> Command {
        self.cmd_via(&self.chain.endpoint())
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self
            .cmd()
            .arg("--json")
            .args(args)
            .timeout(ROW_TIMEOUT)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        serde_json::from_slice(&out).unwrap()
    }

    fn safe_nonce(&self, safe: Address) -> U256 {
        // Safe.nonce()
        let call = TransactionRequest::default()
            .to(safe)
            .input(Bytes::from_static(&[0xaf, 0xfe, 0xd0, 0xe0]).into());
        let out = self.rt.block_on(async { self.chain.provider().call(call).await }).unwrap();
        U256::from_be_slice(&out)
    }

    /// What must not change when nothing is sent: the block number (anvil mines one block per
    /// transaction), every dev account's nonce, the Safe's nonce, the app's enclaves.
    fn fingerprint(&self, safe: Address, app: AppId) -> Result<String, String> {
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
        Ok(format!(
            "block {block}, nonces {nonces:?}, safe nonce {}, app enclaves {}",
            self.safe_nonce(safe),
            enclaves.len()
        ))
    }
}

/// Packs a Safe EOA signature (r ‖ s ‖ v, v = 27/28) of `hash` by dev account `index`.
fn sign_packed(chain: &LocalChain, index: usize, hash: B256) -> String {
    let sig = chain.signer(index).sign_hash_sync(&hash).unwrap();
    format!("0x{}", hex::encode(sig.as_bytes()))
}

/// Writes a variant of a proposal file into its own folder (so that no other command sees it as
/// a competing proposal for the same nonce).
fn variant(env: &Env, name: &str, file: &Value) -> PathBuf {
    let dir = env.path("variants").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("proposal.json");
    std::fs::write(&path, serde_json::to_string_pretty(file).unwrap()).unwrap();
    path
}

#[test]
fn hostile_chain_inputs_and_a_dropping_rpc() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let chain = rt.block_on(LocalChain::start()).expect("anvil starts (run `make build` first)");
    let env = Env { rt, chain, dir: tempfile::tempdir().unwrap() };
    let p = |name: &str| env.path(name).display().to_string();
    let owners: Vec<String> = env.chain.accounts()[1..4].iter().map(|a| a.to_string()).collect();
    let (m10, m11) = (demo_manifest("1.0").display().to_string(), demo_manifest("1.1").display().to_string());

    // Setup: a 2-of-3 Safe (DEV1..DEV3) owns the policy contract; the app is created through it;
    // release 1.1 is proposed and signed by DEV1 only.
    let deployed = env.json(&[
        "--key-env",
        "DEV0",
        "deploy",
        "--safe-owners",
        &owners.join(","),
        "--threshold",
        "2",
        "--save",
    ]);
    let safe: Address = deployed["safe"].as_str().unwrap().parse().unwrap();
    let policy: Address = deployed["policy_contract"].as_str().unwrap().parse().unwrap();
    env.json(&[
        "app",
        "create",
        "--manifest",
        &m10,
        "--deployment",
        "local",
        "--safe-out",
        &p("create.json"),
    ]);
    env.json(&["--key-env", "DEV1", "safe", "sign", "--safe-tx", &p("create.json")]);
    env.json(&["--key-env", "DEV3", "safe", "sign", "--safe-tx", &p("create.json")]);
    let created = env.json(&["--key-env", "DEV4", "safe", "execute", "--safe-tx", &p("create.json")]);
    let app: AppId = created["app"].as_str().unwrap().parse().unwrap();
    let app_s = app.to_string();
    env.json(&[
        "propose",
        "--manifest",
        &m11,
        "--deployment",
        "local",
        "--app",
        &app_s,
        "--safe-out",
        &p("release.json"),
        "--tx-builder-out",
        &p("release.batch.json"),
    ]);
    env.json(&["--key-env", "DEV1", "safe", "sign", "--safe-tx", &p("release.json")]);
    let release: Value =
        serde_json::from_str(&std::fs::read_to_string(env.path("release.json")).unwrap()).unwrap();
    let create: Value =
        serde_json::from_str(&std::fs::read_to_string(env.path("create.json")).unwrap()).unwrap();
    let hash: B256 = release["safeTxHash"].as_str().unwrap().parse().unwrap();
    assert_eq!(release["signatures"].as_array().unwrap().len(), 1);

    // Hostile proposal files.
    let wrong_chain = {
        let mut f = release.clone();
        let tx: SafeTx = serde_json::from_value(f["tx"].clone()).unwrap();
        f["chainId"] = 23295.into();
        f["safeTxHash"] = tx.safe_tx_hash(23295, safe).to_string().into();
        variant(&env, "wrong-chain", &f)
    };
    let wrong_safe = {
        // The same transaction for another "Safe" (the policy contract), hash made consistent.
        let mut f = release.clone();
        let tx: SafeTx = serde_json::from_value(f["tx"].clone()).unwrap();
        f["safe"] = policy.to_string().into();
        f["safeTxHash"] = tx.safe_tx_hash(env.chain.chain_id(), policy).to_string().into();
        variant(&env, "wrong-safe", &f)
    };
    let edited = {
        let mut f = release.clone();
        f["tx"]["value"] = "0x1".into();
        variant(&env, "edited", &f)
    };
    let foreign = {
        let mut f = release.clone();
        f["signatures"].as_array_mut().unwrap().push(sign_packed(&env.chain, 4, hash).into());
        variant(&env, "foreign-signature", &f)
    };
    let replayed_sig = {
        // DEV3's signature of the (executed) create transaction, replayed onto the release.
        let mut f = release.clone();
        let dev3_create = create["signatures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| {
                s.as_str().unwrap()
                    == sign_packed(&env.chain, 3, create["safeTxHash"].as_str().unwrap().parse().unwrap())
            })
            .expect("create.json holds DEV3's signature")
            .clone();
        f["signatures"].as_array_mut().unwrap().push(dev3_create);
        variant(&env, "replayed-signature", &f)
    };
    let duplicated = {
        let mut f = release.clone();
        let first = f["signatures"][0].clone();
        f["signatures"].as_array_mut().unwrap().push(first);
        variant(&env, "duplicated-signature", &f)
    };
    let short_sig = {
        let mut f = release.clone();
        f["signatures"].as_array_mut().unwrap().push(format!("0x{}", "11".repeat(64)).into());
        variant(&env, "short-signature", &f)
    };
    let wrong_v = {
        let mut f = release;
        let mut bytes = hex::decode(sign_packed(&env.chain, 2, hash).trim_start_matches("0x")).unwrap();
        bytes[64] = 99;
        f["signatures"].as_array_mut().unwrap().push(format!("0x{}", hex::encode(bytes)).into());
        variant(&env, "bad-v-signature", &f)
    };
    let garbage = {
        let dir = env.path("variants/garbage");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("proposal.json"), b"{\"chainId\": \"\xff").unwrap();
        dir.join("proposal.json")
    };
    let wrong_types = variant(
        &env,
        "wrong-types",
        &serde_json::json!({"chainId": "31337", "safe": 7, "tx": [], "safeTxHash": null}),
    );
    let tampered_batch = {
        let mut batch: Value =
            serde_json::from_str(&std::fs::read_to_string(env.path("release.batch.json")).unwrap()).unwrap();
        let data = batch["transactions"][0]["data"].as_str().unwrap().to_owned();
        let flipped =
            format!("{}{}", &data[..data.len() - 2], if data.ends_with("00") { "01" } else { "00" });
        batch["transactions"][0]["data"] = flipped.into();
        let dir = env.path("variants/tampered-batch");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("batch.json"), batch.to_string()).unwrap();
        dir.join("batch.json")
    };
    let bad_yaml = env.path("variants/bad.yaml");
    std::fs::write(
        &bad_yaml,
        std::fs::read_to_string(demo_manifest("1.2")).unwrap().replace("fees: endorsing_node", "fees: 12"),
    )
    .unwrap();
    let bomb_orc = env.path("variants/bomb.orc");
    zip_with(&bomb_orc, &[("META-INF/MANIFEST.MF", &vec![b' '; 4 << 20])], &[]);
    let m12 = demo_manifest("1.2").display().to_string();
    let no_code = "0x000000000000000000000000000000000000dEaD";
    let out = |name: &str| env.path("outputs").join(name);
    std::fs::create_dir_all(env.path("outputs")).unwrap();
    let propose_to = |file: &str| -> Vec<String> {
        vec![
            "propose".into(),
            "--manifest".into(),
            m12.clone(),
            "--deployment".into(),
            "local".into(),
            "--app".into(),
            app_s.clone(),
            "--safe-out".into(),
            out(file).display().to_string(),
        ]
    };
    let rel = env.path("release.json");
    let create_path = env.path("create.json");

    let rows = vec![
        // --- wrong chain ---
        Row::new("chain: proposal file for chain 23295, rpc is 31337", 5, "wrong chain")
            .args(["--key-env", "DEV2", "safe", "sign", "--safe-tx"])
            .args([&wrong_chain])
            .unchanged(&wrong_chain),
        Row::new("chain: network testnet, rpc is 31337 (sign)", 5, "wrong chain")
            .args(["--network", "testnet", "--key-env", "DEV2", "safe", "sign", "--safe-tx"])
            .args([&rel])
            .unchanged(&rel),
        Row::new("chain: network testnet, rpc is 31337 (execute)", 5, "wrong chain")
            .args(["--network", "testnet", "--key-env", "DEV2", "safe", "execute", "--safe-tx"])
            .args([&rel])
            .unchanged(&rel),
        Row::new("chain: network testnet, rpc is 31337 (propose)", 5, "wrong chain")
            .args(["--network", "testnet"])
            .args(propose_to("testnet.json"))
            .absent(out("testnet.json")),
        // --- wrong contract ---
        Row::new("contract: policy contract without code (propose)", 5, no_code)
            .args(["--policy-contract", no_code])
            .args(propose_to("nocode.json"))
            .absent(out("nocode.json")),
        Row::new("contract: policy contract is the Safe (propose)", 5, "from policy contract 0x")
            .args(["--policy-contract", &safe.to_string()])
            .args(propose_to("is-safe.json"))
            .absent(out("is-safe.json")),
        Row::new("contract: Safe address without code (propose)", 5, no_code)
            .args(["--safe-address", no_code])
            .args(propose_to("safe-nocode.json"))
            .absent(out("safe-nocode.json")),
        Row::new("contract: Safe address is the policy contract (propose)", 5, "is it a Safe v1.4.1?")
            .args(["--safe-address", &policy.to_string()])
            .args(propose_to("safe-is-policy.json"))
            .absent(out("safe-is-policy.json")),
        Row::new("contract: proposal for another Safe than the network's", 4, "this network's Safe")
            .args(["--key-env", "DEV2", "safe", "sign", "--safe-tx"])
            .args([&wrong_safe])
            .unchanged(&wrong_safe),
        Row::new("contract: app show on a contract without code", 5, no_code).args([
            "--policy-contract",
            no_code,
            "app",
            "show",
            "--app",
            &app_s,
        ]),
        // --- signatures ---
        Row::new("sigs: insufficient (1 of 2)", 4, "1 of 2 required signatures")
            .args(["--key-env", "DEV4", "safe", "execute", "--safe-tx"])
            .args([&rel])
            .unchanged(&rel),
        Row::new("sigs: non-owner signs", 4, "not an owner")
            .args(["--key-env", "DEV4", "safe", "sign", "--safe-tx"])
            .args([&rel])
            .unchanged(&rel),
        Row::new("sigs: non-owner approves on chain", 4, "not an owner")
            .args(["--key-env", "DEV4", "safe", "approve", "--safe-tx"])
            .args([&rel]),
        Row::new("sigs: foreign (non-owner) signature in the file", 4, "signature #1")
            .args(["--key-env", "DEV4", "safe", "execute", "--safe-tx"])
            .args([&foreign])
            .unchanged(&foreign),
        Row::new("sigs: replayed signature of another SafeTx", 4, "signature #1")
            .args(["--key-env", "DEV4", "safe", "execute", "--safe-tx"])
            .args([&replayed_sig])
            .unchanged(&replayed_sig),
        Row::new("sigs: the same signature twice", 4, "signature #1")
            .args(["--key-env", "DEV4", "safe", "execute", "--safe-tx"])
            .args([&duplicated])
            .unchanged(&duplicated),
        Row::new("sigs: 64-byte signature", 4, "signature #1")
            .args(["--key-env", "DEV4", "safe", "execute", "--safe-tx"])
            .args([&short_sig])
            .unchanged(&short_sig),
        Row::new("sigs: signature with v = 99", 4, "signature #1")
            .args(["--key-env", "DEV4", "safe", "execute", "--safe-tx"])
            .args([&wrong_v])
            .unchanged(&wrong_v),
        Row::new("sigs: owner signs twice", 4, "has already signed this transaction")
            .args(["--key-env", "DEV1", "safe", "sign", "--safe-tx"])
            .args([&rel])
            .unchanged(&rel),
        Row::new("replay: execute an executed transaction", 4, "already used")
            .args(["--key-env", "DEV4", "safe", "execute", "--safe-tx"])
            .args([&create_path])
            .unchanged(&create_path),
        Row::new("replay: sign an executed transaction", 4, "already used")
            .args(["--key-env", "DEV2", "safe", "sign", "--safe-tx"])
            .args([&create_path])
            .unchanged(&create_path),
        Row::new("replay: approve an executed transaction", 4, "already used")
            .args(["--key-env", "DEV2", "safe", "approve", "--safe-tx"])
            .args([&create_path]),
        // --- tampered files ---
        Row::new("file: proposal edited (hash mismatch)", 4, "was edited")
            .args(["--key-env", "DEV2", "safe", "sign", "--safe-tx"])
            .args([&edited])
            .unchanged(&edited),
        Row::new("file: proposal not UTF-8 JSON", 3, "not UTF-8")
            .args(["--key-env", "DEV2", "safe", "sign", "--safe-tx"])
            .args([&garbage])
            .unchanged(&garbage),
        Row::new("file: proposal with wrong types", 3, "not a roflgov Safe proposal file")
            .args(["--key-env", "DEV2", "safe", "sign", "--safe-tx"])
            .args([&wrong_types])
            .unchanged(&wrong_types),
        Row::new("file: tampered Transaction Builder batch", 4, "do not sign")
            .args(["review", "--tx-builder"])
            .args([&tampered_batch]),
        Row::new("file: bad rofl.yaml to propose", 3, "deployments.local.policy.fees")
            .args(["propose", "--manifest"])
            .args([&bad_yaml])
            .args(["--deployment", "local", "--app", &app_s, "--safe-out"])
            .args([out("bad-yaml.json")])
            .absent(out("bad-yaml.json")),
        Row::new("file: zip-bomb bundle to propose", 3, "larger than")
            .args(propose_to("bomb.json"))
            .args(["--bundle"])
            .args([&bomb_orc])
            .absent(out("bomb.json")),
        Row::new("keys: key variable holds no key", 2, "does not hold a hex private key")
            .args(["--key-env", "HOME", "safe", "sign", "--safe-tx"])
            .args([&rel])
            .unchanged(&rel),
        Row::new("rpc: nothing listening", 5, "cannot reach")
            .rpc("http://127.0.0.1:9")
            .args(["--key-env", "DEV2", "safe", "execute", "--safe-tx"])
            .args([&rel])
            .unchanged(&rel),
    ];
    let fp = || env.fingerprint(safe, app);
    run_matrix(
        "hostile chain inputs",
        &|row: &Row| env.cmd_via(row.rpc.as_deref().unwrap_or(&env.chain.endpoint())),
        rows,
        &fp,
    );

    // --- An RPC that drops mid-flow (a proxy in front of anvil) ---
    let anvil_port: u16 =
        env.chain.endpoint().rsplit(':').next().unwrap().trim_end_matches('/').parse().unwrap();
    let mut rows = Vec::new();
    let mut proxies = Vec::new();
    for (name, mode, file, code, contains) in [
        (
            "rpc drop: after 3 requests, during propose --safe-out",
            DropMode::AfterRequests(3),
            Some("dropped-propose.json"),
            5,
            "error sending request",
        ),
        (
            "rpc drop: after 3 requests, during safe sign",
            DropMode::AfterRequests(3),
            None,
            5,
            "error sending request",
        ),
    ] {
        let proxy = env.rt.block_on(Proxy::start(anvil_port, mode));
        let mut row = Row::new(name, code, contains).rpc(proxy.url());
        match file {
            Some(f) => {
                row.args.extend(propose_to(f).into_iter().map(OsString::from));
                row.absent.push(out(f));
            }
            None => {
                row.args.extend(["--key-env", "DEV2", "safe", "sign", "--safe-tx"].map(OsString::from));
                row.args.push(rel.clone().into_os_string());
                row.unchanged.push(rel.clone());
            }
        }
        let dropped = proxy.dropped.clone();
        rows.push(row.check(move || {
            if dropped.load(Ordering::SeqCst) { Ok(()) } else { Err("the proxy never dropped".into()) }
        }));
        proxies.push(proxy);
    }
    run_matrix(
        "rpc that drops before anything is sent",
        &|row: &Row| env.cmd_via(row.rpc.as_deref().unwrap_or(&env.chain.endpoint())),
        rows,
        &fp,
    );

    // DEV2 signs for real: the release now has 2 of 2 signatures and can be executed.
    env.json(&["--key-env", "DEV2", "safe", "sign", "--safe-tx", &p("release.json")]);

    // The connection drops when the transaction is about to be sent: nothing reaches anvil.
    let proxy = env.rt.block_on(Proxy::start(anvil_port, DropMode::BeforeSend));
    let dropped = proxy.dropped.clone();
    let rows = vec![
        Row::new("rpc drop: at eth_sendRawTransaction (not forwarded)", 5, "may or may not have been sent")
            .rpc(proxy.url())
            .args(["--key-env", "DEV4", "safe", "execute", "--safe-tx"])
            .args([&rel])
            .unchanged(&rel)
            .check(move || {
                if dropped.load(Ordering::SeqCst) {
                    Ok(())
                } else {
                    Err("the proxy never saw eth_sendRawTransaction".into())
                }
            }),
    ];
    run_matrix(
        "rpc that drops at the send (tx not forwarded)",
        &|row: &Row| env.cmd_via(row.rpc.as_deref().unwrap_or(&env.chain.endpoint())),
        rows,
        &fp,
    );

    // The transaction reaches anvil but the response is lost. Honest partial state: the chain
    // DID change (the Safe executed the release), and the command must say so may have happened
    // (exit 5, "may or may not have been sent", with the way to check) instead of claiming that
    // nothing was sent. A retry is then refused as a replay, so nothing executes twice.
    let nonce_before = env.safe_nonce(safe);
    let proxy = env.rt.block_on(Proxy::start(anvil_port, DropMode::AfterSend));
    let assert = env
        .cmd_via(&proxy.url())
        .args(["--key-env", "DEV4", "safe", "execute", "--safe-tx"])
        .arg(&rel)
        .timeout(ROW_TIMEOUT)
        .assert();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    println!("\n== rpc that drops after forwarding the send\n{}", stderr.trim());
    assert.code(5);
    assert!(proxy.dropped.load(Ordering::SeqCst), "the proxy never saw eth_sendRawTransaction");
    assert!(stderr.contains("may or may not have been sent"), "{stderr}");
    assert!(!stderr.contains("nothing was sent"), "must not claim nothing was sent: {stderr}");
    assert_eq!(
        env.safe_nonce(safe),
        nonce_before + U256::from(1),
        "the transaction did reach anvil (honest partial state)"
    );
    env.cmd()
        .args(["--key-env", "DEV4", "safe", "execute", "--safe-tx"])
        .arg(&rel)
        .timeout(ROW_TIMEOUT)
        .assert()
        .code(4)
        .stderr(predicates::str::contains("already used"));
    assert_eq!(env.safe_nonce(safe), nonce_before + U256::from(1), "executed exactly once");
    drop(proxies);
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
