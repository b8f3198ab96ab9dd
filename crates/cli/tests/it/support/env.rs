//! The CLI test environment: one anvil (`LocalChain`) started here, a temporary working
//! directory holding `roflgov.toml`, and a `roflgov` command builder with the dev keys set.

use std::path::{Path, PathBuf};

use alloy::primitives::Address;
use assert_cmd::Command;
use roflgov_client::rofl::RoflStandIn;
use roflgov_devnet::LocalChain;
use roflgov_types::AppId;
use serde_json::Value;

/// `roflgov` run in `dir`, with no network, config or keystore password from the environment
/// (never a node someone left running on 8545, never a stray roflgov.toml).
pub(crate) fn roflgov_in(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("roflgov").unwrap();
    cmd.env_remove("ROFLGOV_NETWORK")
        .env_remove("ROFLGOV_CONFIG")
        .env_remove("ROFLGOV_KEYSTORE_PASSWORD")
        .current_dir(dir);
    cmd
}

/// `roflgov --network testnet` against the local anvil at `rpc` and the policy contract there,
/// reading the ROFL module through the test node at `grpc` (never one from the environment).
pub(crate) fn testnet_via_node(rpc: &str, policy_contract: Address, grpc: &str) -> Command {
    let mut cmd = roflgov_in(&std::env::temp_dir());
    cmd.env_remove("ROFLGOV_GRPC")
        .args(["--network", "testnet", "--rpc", rpc, "--grpc", grpc])
        .args(["--policy-contract", &policy_contract.to_string()]);
    cmd
}

/// Runs `cmd` as it is, expecting success; its stdout as one JSON document.
pub(crate) fn success_json(cmd: &mut Command) -> Value {
    let out = cmd.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).expect("stdout is one JSON document")
}

/// A running anvil, its runtime and a temporary working directory.
pub(crate) struct CliEnv {
    /// The runtime the chain (and any helper servers) run on.
    pub(crate) rt: tokio::runtime::Runtime,
    /// The local chain (anvil with the ROFL stand-in).
    pub(crate) chain: LocalChain,
    /// The working directory of every command; holds `roflgov.toml`.
    pub(crate) dir: tempfile::TempDir,
    /// Extra environment variables set on every command (e.g. `ROFLGOV_TX_SERVICE`).
    pub(crate) extra_env: Vec<(String, String)>,
    /// How many dev keys (DEV0..) every command gets; 6 unless set with `with_dev_keys`.
    dev_keys: usize,
}

impl CliEnv {
    /// Starts anvil on a new runtime.
    pub(crate) fn start() -> Self {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let chain = rt.block_on(LocalChain::start()).expect("anvil starts (run `make build` first)");
        Self::new(rt, chain)
    }

    /// Wraps an already started chain, with a fresh temporary directory.
    pub(crate) fn new(rt: tokio::runtime::Runtime, chain: LocalChain) -> Self {
        CliEnv { rt, chain, dir: tempfile::tempdir().unwrap(), extra_env: Vec::new(), dev_keys: 6 }
    }

    /// Gives commands only the dev keys DEV0..DEV<n-1>.
    pub(crate) fn with_dev_keys(mut self, n: usize) -> Self {
        self.dev_keys = n;
        self
    }

    /// `name` inside the temporary directory.
    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `name` inside the temporary directory, as a string argument.
    pub(crate) fn p(&self, name: &str) -> String {
        self.path(name).display().to_string()
    }

    /// `roflgov --rpc <anvil>` with DEV0..DEV5 (or `with_dev_keys`) set, without a config.
    pub(crate) fn bare(&self) -> Command {
        let mut cmd = roflgov_in(self.dir.path());
        for (key, value) in &self.extra_env {
            cmd.env(key, value);
        }
        for i in 0..self.dev_keys {
            cmd.env(format!("DEV{i}"), format!("0x{}", hex::encode(self.chain.signer(i).to_bytes())));
        }
        cmd.args(["--rpc", &self.chain.endpoint()]);
        cmd
    }

    /// `roflgov --rpc <anvil> --config <tmp>/roflgov.toml` with DEV0..DEV5 set.
    pub(crate) fn cmd(&self) -> Command {
        let mut cmd = self.bare();
        cmd.arg("--config").arg(self.path("roflgov.toml"));
        cmd
    }

    /// Runs `cmd()` with `--json` and `args`, expecting success; the document.
    pub(crate) fn json(&self, args: &[&str]) -> Value {
        success_json(self.cmd().arg("--json").args(args))
    }

    /// The enclave identities (base64) the ROFL stand-in holds for `app`.
    pub(crate) fn enclaves(&self, app: AppId) -> Vec<String> {
        let stand_in = RoflStandIn::new(self.chain.provider().clone());
        let ids = self.rt.block_on(stand_in.app_enclaves(app)).unwrap();
        ids.iter().map(roflgov_attest::identity_to_base64).collect()
    }

    /// The address of dev account `i`.
    pub(crate) fn dev(&self, i: usize) -> Address {
        self.chain.accounts()[i]
    }
}
