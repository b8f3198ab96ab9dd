//! The `roflgov` binary works outside the checkout: copied into an empty folder, run from
//! another empty folder with `ROFLGOV_ROOT` pointing at an empty folder (so no checkout can be
//! found), it deploys the policy contract under a Safe, creates an app and reviews the Safe
//! transaction, all from the artifacts built into it. Only the chain comes from the test: a real
//! anvil with the ROFL stand-in (`LocalChain`).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use roflgov_devnet::LocalChain;
use serde_json::Value;

struct Outside {
    _dirs: Vec<tempfile::TempDir>,
    binary: PathBuf,
    work: PathBuf,
    empty_root: PathBuf,
}

/// The binary copied into a folder of its own, plus a working folder and an empty "root".
fn outside() -> Outside {
    let (bin, work, root) =
        (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let binary = bin.path().join("roflgov");
    std::fs::copy(assert_cmd::cargo::cargo_bin("roflgov"), &binary).unwrap();
    Outside {
        binary,
        work: work.path().to_path_buf(),
        empty_root: root.path().to_path_buf(),
        _dirs: vec![bin, work, root],
    }
}

impl Outside {
    fn cmd(&self) -> Command {
        let mut cmd = Command::new(&self.binary);
        cmd.env_clear()
            .env("ROFLGOV_ROOT", &self.empty_root)
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", &self.work)
            .current_dir(&self.work);
        cmd
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.work.join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }
}

fn json(cmd: &mut Command) -> Value {
    let output = cmd.arg("--json").output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn sample(version: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../examples/demo/rofl-{version}.yaml"));
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn a_copied_binary_deploys_creates_and_reviews_without_a_checkout() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let chain = rt.block_on(LocalChain::start()).expect("anvil starts");
    let place = outside();
    let key = |i: usize| format!("0x{}", hex::encode(chain.signer(i).to_bytes()));
    let rpc = chain.endpoint();
    let owners: Vec<String> = chain.accounts()[1..3].iter().map(|a| a.to_string()).collect();
    let with_keys = |cmd: &mut Command| {
        cmd.env("DEV0", key(0)).env("DEV1", key(1)).env("DEV2", key(2)).args(["--rpc", &rpc]);
    };

    // Offline commands first: nothing to find, nothing to read.
    place.cmd().args(["cbor", "--help"]).assert().success();

    // Deploy under a 2-of-2 Safe: the Safe release contracts and the policy contract with its
    // libraries all come from the binary.
    let mut deploy = place.cmd();
    with_keys(&mut deploy);
    let deployed = json(deploy.args([
        "--key-env",
        "DEV0",
        "deploy",
        "--safe-owners",
        &owners.join(","),
        "--threshold",
        "2",
        "--save",
    ]));
    assert!(deployed["policy_contract"].as_str().unwrap().starts_with("0x"));
    assert!(place.work.join("roflgov.toml").is_file(), "--save writes ./roflgov.toml");

    // The Safe creates an app: proposal file, review, two signatures, execution.
    let manifest = place.write("rofl.yaml", &sample("1.0"));
    let safe_tx = place.work.join("create.json").display().to_string();
    let mut create = place.cmd();
    with_keys(&mut create);
    json(create.args([
        "app",
        "create",
        "--manifest",
        &manifest,
        "--deployment",
        "local",
        "--safe-out",
        &safe_tx,
    ]));
    let mut review = place.cmd();
    with_keys(&mut review);
    let reviewed = json(review.args(["review", "--safe-tx", &safe_tx]));
    assert_eq!(reviewed["verdict"], "ok", "{reviewed:#}");
    for signer in ["DEV1", "DEV2"] {
        let mut sign = place.cmd();
        with_keys(&mut sign);
        sign.args(["--key-env", signer, "safe", "sign", "--safe-tx", &safe_tx]).assert().success();
    }
    let mut execute = place.cmd();
    with_keys(&mut execute);
    let created = json(execute.args(["--key-env", "DEV0", "safe", "execute", "--safe-tx", &safe_tx]));
    assert!(created["app"].as_str().unwrap().starts_with("rofl1"), "{created:#}");
}

#[test]
fn node_without_anvil_says_how_to_get_it() {
    let place = outside();
    let output = place.cmd().args(["node"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("ANVIL=") && stderr.contains("PATH"), "{stderr}");
}
