//! `roflgov owner <action>`: every owner-level call on the policy contract as a proposal,
//! opened like a release (`--safe-out`, `--tx-builder-out`, `--governor` or `--send`) and
//! reviewed like one (`roflgov review`, then `safe sign` or `dao vote`).
//!
//! App-scoped actions are drafted against the app's current on-chain version and checked
//! against the model of the contract's rules before anything is written or sent.

mod machine;

use std::path::PathBuf;

use alloy::{
    primitives::{Address, Bytes, U256},
    providers::{DynProvider, Provider},
    sol_types::SolCall,
};
use clap::{Args, Subcommand};
use roflgov_client::rofl::RoflAdminClient;
use roflgov_core::bindings::RoflAppAdmin;
use roflgov_core::rofl::{
    Floors, OwnerCall, PolicyChange, changes_to_calldata, enclave_text_id, format_deadline,
};
use roflgov_governor::GovernorClient;
use roflgov_types::{
    AppId, EnclaveIdentity,
    ids::{AccountAddress, GuardianSetting},
};
use serde::Serialize;

use crate::proposal::{Intent, Opened, ProposalOutput, open};
use crate::{
    chainops,
    context::GlobalArgs,
    exit::{CliResult, input, usage, verification},
    output::{emit, progress},
    render,
};
use roflgov_client::destination::check_changes;

/// Owner actions on the policy contract, each opened as a proposal (layout: see `main.rs`).
#[derive(Subcommand, Debug)]
pub(crate) enum OwnerCommand {
    /// Propose a new owner of the policy contract (and so of every app it manages), e.g. a
    /// Safe handing over to a DAO's Timelock. Two steps (Ownable2Step): nothing changes until
    /// the new owner runs `owner accept-ownership`. Proposed by the current owner.
    TransferOwnership(TransferOwnershipArgs),
    /// Accept a pending ownership transfer. Proposed by the new owner: a Timelock through
    /// `--governor`, a Safe through `--safe-out`, an account with `--send`.
    AcceptOwnership(OutOnly),
    /// Set or remove (`none`) an app's revoke-only guardian: it may revoke identities and
    /// freeze the app at once, without a vote.
    SetGuardian(SetGuardianArgs),
    /// Lift a guardian freeze, allowing the given identities again in the same batch (a frozen
    /// app allows none; an unfrozen one needs at least one). To ship a fixed release instead,
    /// use `roflgov propose --unfreeze`.
    Unfreeze(UnfreezeArgs),
    /// Set (or with `none` cancel) the grace deadline of an allowed identity: after it anyone
    /// may `app prune` the identity.
    SetRetirement(SetRetirementArgs),
    /// Hand the app's ROFL admin to another account: the app leaves roflgov (its last update
    /// is sent with the new admin), and the new admin alone controls it afterwards.
    TransferRoflAdmin(TransferRoflAdminArgs),
    /// Remove the app from the ROFL module: its stake is refunded to the policy contract
    /// (`owner withdraw-stake` sends it on to the owner).
    RemoveApp(AppOnly),
    /// Send the refunded stakes the policy contract holds to its owner.
    WithdrawStake(OutOnly),
    /// Set (add or rotate) or delete an encrypted secret of an app.
    #[command(subcommand)]
    Secret(SecretCommand),
    /// Add ONE-WAY locks (nothing ever unlocks them): locked metadata keys, public variables and
    /// secrets never change or go again (absent ones may be set once); locked floors may only
    /// tighten. An app with locks can no longer be handed to another admin. Several locks make
    /// one batch.
    Lock(LockArgs),
    /// Marketplace machines the policy contract holds: rent, deploy, restart, terminate,
    /// change-admin, cancel, set-top-up.
    #[command(subcommand)]
    Machine(machine::MachineCommand),
}

#[derive(Args, Debug)]
pub(crate) struct LockArgs {
    /// App id (rofl1…).
    #[arg(long, value_name = "APP_ID", value_parser = crate::inputs::app_id_arg)]
    pub app: AppId,
    /// Lock a metadata key (repeatable).
    #[arg(long, value_name = "KEY")]
    pub metadata: Vec<String>,
    /// Lock a public variable: the metadata key `env.NAME` (repeatable).
    #[arg(long, value_name = "NAME")]
    pub public_var: Vec<String>,
    /// Lock a secret (repeatable).
    #[arg(long, value_name = "NAME")]
    pub secret: Vec<String>,
    /// Lock a floor (repeatable): `min-tcb` (min_tcb_evaluation_data_number only goes up),
    /// `tdx-modules` (the accepted TDX modules only shrink), `max-expiration` (only goes down).
    #[arg(long, value_name = "FLOOR", value_parser = parse_floor)]
    pub floor: Vec<Floors>,
    #[command(flatten)]
    pub out: ProposalOutput,
}

fn parse_floor(text: &str) -> Result<Floors, String> {
    Floors::from_name(text.trim()).ok_or_else(|| {
        format!(
            "{:?} is no floor: use {}",
            roflgov_core::text::escape(text),
            Floors::NAMED.iter().map(|(_, name)| *name).collect::<Vec<_>>().join(", ")
        )
    })
}

/// The lock changes of `owner lock`: keys, public variables, secrets, then one `lockFloors`.
fn lock_changes(a: &LockArgs) -> CliResult<Vec<PolicyChange>> {
    let mut changes: Vec<PolicyChange> = Vec::new();
    let keys = a.metadata.iter().cloned().chain(a.public_var.iter().map(|name| format!("env.{name}")));
    for key in keys {
        let change = PolicyChange::LockMetadata { key };
        if changes.contains(&change) {
            return Err(usage(format!("{} is given twice", render::change(&change, &Default::default()))));
        }
        changes.push(change);
    }
    for name in &a.secret {
        let change = PolicyChange::LockSecret { name: name.clone() };
        if changes.contains(&change) {
            return Err(usage(format!("secret {} is given twice", roflgov_core::text::escape(name))));
        }
        changes.push(change);
    }
    let floors = a.floor.iter().fold(0u8, |bits, floor| bits | floor.0);
    if floors != 0 {
        changes.push(PolicyChange::LockFloors(Floors(floors)));
    }
    if changes.is_empty() {
        return Err(usage("nothing to lock: give --metadata, --public-var, --secret or --floor"));
    }
    Ok(changes)
}

#[derive(Subcommand, Debug)]
pub(crate) enum SecretCommand {
    /// Add a secret or rotate it (set it with a new value): either a value already encrypted
    /// to the app, as `oasis rofl secret set` writes it into rofl.yaml (base64), or a plaintext
    /// that roflgov encrypts to the app's SEK exactly as `oasis rofl secret set` does. Values
    /// and plaintexts are never printed.
    Set(SecretSetArgs),
    /// Delete a secret.
    Delete(SecretDeleteArgs),
}

#[derive(Args, Debug)]
pub(crate) struct OutOnly {
    #[command(flatten)]
    pub out: ProposalOutput,
}

#[derive(Args, Debug)]
pub(crate) struct AppOnly {
    /// App id (rofl1…).
    #[arg(long, value_name = "APP_ID", value_parser = crate::inputs::app_id_arg)]
    pub app: AppId,
    #[command(flatten)]
    pub out: ProposalOutput,
}

#[derive(Args, Debug)]
pub(crate) struct TransferOwnershipArgs {
    /// The proposed new owner (a Safe, a Timelock).
    #[arg(long, value_name = "ADDRESS")]
    pub to: Address,
    #[command(flatten)]
    pub out: ProposalOutput,
}

#[derive(Args, Debug)]
pub(crate) struct SetGuardianArgs {
    /// App id (rofl1…).
    #[arg(long, value_name = "APP_ID", value_parser = crate::inputs::app_id_arg)]
    pub app: AppId,
    /// The new guardian (an address), or `none` to remove it.
    #[arg(long, value_name = "ADDRESS|none")]
    pub guardian: GuardianSetting,
    #[command(flatten)]
    pub out: ProposalOutput,
}

#[derive(Args, Debug)]
pub(crate) struct UnfreezeArgs {
    /// App id (rofl1…).
    #[arg(long, value_name = "APP_ID", value_parser = crate::inputs::app_id_arg)]
    pub app: AppId,
    /// An identity to allow again (base64, as rofl.yaml writes it; repeatable, at least one).
    /// Identities the freeze revoked need `--expect-rollback` from reviewers.
    #[arg(long, value_name = "ID", required = true)]
    pub enclave: Vec<EnclaveIdentity>,
    #[command(flatten)]
    pub out: ProposalOutput,
}

#[derive(Args, Debug)]
pub(crate) struct SetRetirementArgs {
    /// App id (rofl1…).
    #[arg(long, value_name = "APP_ID", value_parser = crate::inputs::app_id_arg)]
    pub app: AppId,
    /// The allowed identity (base64, as rofl.yaml writes it).
    #[arg(long, value_name = "ID")]
    pub enclave: EnclaveIdentity,
    /// The deadline: RFC 3339 UTC (2026-03-01T12:00:00Z), unix seconds, or `none` to cancel.
    /// At most 365 days ahead, and after the approval (vote and timelock).
    #[arg(long, value_name = "RFC3339|UNIX|none", value_parser = parse_deadline)]
    pub deadline: u64,
    #[command(flatten)]
    pub out: ProposalOutput,
}

/// A deadline: RFC 3339 UTC, unix seconds, or `none` (0).
fn parse_deadline(text: &str) -> Result<u64, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("none") {
        return Ok(0);
    }
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        let at: u64 = text.parse().map_err(|e| format!("{text:?}: {e}"))?;
        if at == 0 {
            return Err("0 is no deadline: write `none` to cancel one".into());
        }
        return Ok(at);
    }
    roflgov_attest::time::parse_utc_timestamp(text).ok_or_else(|| {
        format!("{text:?} is neither RFC 3339 UTC (2026-03-01T12:00:00Z), unix seconds nor `none`")
    })
}

#[derive(Args, Debug)]
pub(crate) struct TransferRoflAdminArgs {
    /// App id (rofl1…).
    #[arg(long, value_name = "APP_ID", value_parser = crate::inputs::app_id_arg)]
    pub app: AppId,
    /// The next ROFL admin: oasis1… or 0x… (EIP-55 checked).
    #[arg(long, value_name = "ADDRESS")]
    pub to: AccountAddress,
    #[command(flatten)]
    pub out: ProposalOutput,
}

#[derive(Args, Debug)]
pub(crate) struct SecretSetArgs {
    /// App id (rofl1…).
    #[arg(long, value_name = "APP_ID", value_parser = crate::inputs::app_id_arg)]
    pub app: AppId,
    /// Secret name.
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// File holding the encrypted value as base64 (`-`: stdin), as `oasis rofl secret set`
    /// writes it into rofl.yaml. Never printed.
    #[arg(long, value_name = "FILE", required_unless_present = "plaintext_file")]
    pub value_file: Option<PathBuf>,
    /// File holding the plaintext (`-`: stdin), used byte for byte (a trailing newline is
    /// kept, as `oasis rofl secret set` keeps it): encrypted here to the app's SEK, then
    /// forgotten. It never reaches the chain, the proposal, the output or a log.
    #[arg(long, value_name = "FILE", conflicts_with = "value_file")]
    pub plaintext_file: Option<PathBuf>,
    /// The app's secrets encryption key (a public key) to encrypt to, overriding the one read
    /// from the ROFL module (`sek` of `rofl.App`, as `oasis rofl show --format json` prints it):
    /// base64, or 0x hex [default: the module's SEK of the app; refused when it has none].
    #[arg(long, value_name = "KEY", requires = "plaintext_file")]
    pub sek: Option<String>,
    /// With `--plaintext-file`: the name shown on chain instead of `--name` (`--name` is only
    /// inside the envelope), as `oasis rofl secret set --public-name`.
    #[arg(long, value_name = "NAME", requires = "plaintext_file")]
    pub public_name: Option<String>,
    #[command(flatten)]
    pub out: ProposalOutput,
}

#[derive(Args, Debug)]
pub(crate) struct SecretDeleteArgs {
    /// App id (rofl1…).
    #[arg(long, value_name = "APP_ID", value_parser = crate::inputs::app_id_arg)]
    pub app: AppId,
    /// Secret name.
    #[arg(long, value_name = "NAME")]
    pub name: String,
    #[command(flatten)]
    pub out: ProposalOutput,
}

/// What `owner` opened.
#[derive(Serialize)]
struct Report<'a> {
    action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    app: Option<AppId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<u64>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    changes: &'a [PolicyChange],
    #[serde(skip_serializing_if = "Option::is_none")]
    call: Option<&'a OwnerCall>,
    title: &'a str,
    #[serde(flatten)]
    opened: &'a Opened,
}

pub(crate) async fn run(g: &GlobalArgs, cmd: OwnerCommand) -> CliResult {
    match cmd {
        OwnerCommand::Machine(m) => machine::run(g, m).await,
        OwnerCommand::TransferOwnership(a) => transfer_ownership(g, a).await,
        OwnerCommand::AcceptOwnership(a) => accept_ownership(g, a).await,
        OwnerCommand::WithdrawStake(a) => withdraw_stake(g, a).await,
        OwnerCommand::SetGuardian(a) => {
            let change = PolicyChange::SetGuardian { guardian: a.guardian.or_zero() };
            app_action(g, "set_guardian", a.app, vec![change], &a.out).await
        }
        OwnerCommand::Unfreeze(a) => {
            let mut changes = vec![PolicyChange::Unfreeze];
            changes.extend(a.enclave.iter().map(|identity| PolicyChange::AddEnclave(*identity)));
            app_action(g, "unfreeze", a.app, changes, &a.out).await
        }
        OwnerCommand::SetRetirement(a) => {
            let change = PolicyChange::SetRetirement { identity: a.enclave, deadline: a.deadline };
            app_action(g, "set_retirement", a.app, vec![change], &a.out).await
        }
        OwnerCommand::TransferRoflAdmin(a) => {
            let change = PolicyChange::TransferRoflAdmin { new_admin: a.to.0 };
            app_action(g, "transfer_rofl_admin", a.app, vec![change], &a.out).await
        }
        OwnerCommand::RemoveApp(a) => {
            app_action(g, "remove_app", a.app, vec![PolicyChange::RemoveApp], &a.out).await
        }
        OwnerCommand::Secret(SecretCommand::Set(a)) => {
            let (name, value) = match (&a.value_file, &a.plaintext_file, &a.sek) {
                (Some(file), None, None) => (a.name.clone(), read_secret_value(file)?),
                (None, Some(file), sek) => {
                    let sek = secret_key(g, &a.app, sek.as_deref()).await?;
                    let value = encrypt_secret_file(file, &a.name, &sek)?;
                    (a.public_name.clone().unwrap_or_else(|| a.name.clone()), value)
                }
                _ => {
                    return Err(usage(
                        "give either --value-file, or --plaintext-file (with --sek to override the app's SEK)",
                    ));
                }
            };
            let change = PolicyChange::SetSecret { name, value };
            app_action(g, "secret_set", a.app, vec![change], &a.out).await
        }
        OwnerCommand::Lock(a) => {
            let changes = lock_changes(&a)?;
            app_action(g, "lock", a.app, changes, &a.out).await
        }
        OwnerCommand::Secret(SecretCommand::Delete(a)) => {
            let change = PolicyChange::DeleteSecret { name: a.name.clone() };
            app_action(g, "secret_delete", a.app, vec![change], &a.out).await
        }
    }
}

/// The encrypted value of a secret file: base64 text, decoded. Errors never quote the content.
fn read_secret_value(path: &std::path::Path) -> CliResult<Bytes> {
    use base64::Engine as _;
    let raw = crate::fsutil::read_input(path)?;
    let text = std::str::from_utf8(&raw).map_err(|_| {
        input(format!(
            "{}: not base64 text (the encrypted value as `oasis rofl secret set` writes it into rofl.yaml); the content is not shown",
            path.display()
        ))
    })?;
    let value = base64::engine::general_purpose::STANDARD.decode(text.trim()).map_err(|_| {
        input(format!(
            "{}: not base64 (the encrypted value as `oasis rofl secret set` writes it into rofl.yaml); the content is not shown",
            path.display()
        ))
    })?;
    if value.is_empty() {
        return Err(input(format!("{}: the secret value is empty", path.display())));
    }
    Ok(value.into())
}

/// The SEK to encrypt to: `--sek` when given, else the app's SEK read from the ROFL module.
/// Says on stderr which one is used (a public key: safe to show).
async fn secret_key(g: &GlobalArgs, app: &AppId, given: Option<&str>) -> CliResult<[u8; 32]> {
    use base64::Engine as _;
    let (sek, from) = match given {
        Some(text) => {
            (roflgov_core::secret::parse_sek(text).map_err(|e| usage(e.to_string()))?, "--sek".into())
        }
        None => {
            let (network, provider) = g.provider().await?;
            let (sek, from) = chainops::app_sek(&network, &provider, *app).await?;
            (sek, format!("the app's SEK in {from}"))
        }
    };
    progress(format!("encrypting to SEK {} ({from})", base64::engine::general_purpose::STANDARD.encode(sek)));
    Ok(sek)
}

/// Reads a plaintext secret and seals it (and `name`) to the app's SEK as `oasis rofl secret
/// set` does (oasisprotocol/cli `build/rofl/secrets.go` `EncryptSecret`; see
/// [`roflgov_core::secret`]): a fresh ephemeral X25519 key and nonce from the OS. The plaintext
/// and the ephemeral key are zeroized when dropped; errors never quote the content.
fn encrypt_secret_file(path: &std::path::Path, name: &str, sek: &[u8; 32]) -> CliResult<Bytes> {
    use roflgov_core::secret::{KEY_SIZE, NONCE_SIZE, seal};
    use zeroize::Zeroizing;
    let plaintext = Zeroizing::new(crate::fsutil::read_input(path)?);
    let mut ephemeral = Zeroizing::new([0u8; KEY_SIZE]);
    let mut nonce = [0u8; NONCE_SIZE];
    getrandom::getrandom(ephemeral.as_mut_slice())
        .and_then(|()| getrandom::getrandom(&mut nonce))
        .map_err(|e| crate::exit::chain(format!("no randomness from the operating system: {e}")))?;
    Ok(seal(sek, name, &plaintext, &ephemeral, &nonce).into())
}

/// Opens `changes` on `app` (one call, or one `multicall`), drafted against the app's current
/// version, after checking them against the model of the contract's rules.
async fn app_action(
    g: &GlobalArgs,
    action: &'static str,
    app: AppId,
    changes: Vec<PolicyChange>,
    out: &ProposalOutput,
) -> CliResult {
    let (_, client) = chainops::client(g).await?;
    let context = format!("reading app {app} from policy contract {}", client.address());
    let current = client.get_app(app).await.map_err(|e| chainops::rofl_error(&context, e))?;
    check_changes(&client, app, &current.config, &changes).await?;
    if let [PolicyChange::SetSecret { name, value }] = changes.as_slice()
        && current.config.secrets.get(name) == Some(value)
    {
        return Err(usage(format!(
            "secret {name:?} of app {app} already has this value: nothing to propose"
        )));
    }
    let data = changes_to_calldata(app, current.version, &changes).map_err(|e| usage(e.to_string()))?;
    let title = format!("roflgov: {} for app {app} (version {})", describe(&changes), current.version);
    let intent = Intent { app: Some(app), to: client.address(), value: U256::ZERO, data, title };
    let opened = open(g, out, &intent).await?;
    let report = Report {
        action,
        app: Some(app),
        version: Some(current.version),
        changes: &changes,
        call: None,
        title: &intent.title,
        opened: &opened,
    };
    emit(g.json, &report, || {
        let mut text =
            format!("{action} for app {app} (drafted against on-chain version {})\n", current.version);
        for c in &changes {
            text.push_str(&format!("  {}\n", render::change(c, &Default::default())));
        }
        text.push_str(&opened.render());
        text
    });
    Ok(())
}

/// One line naming the changes.
fn describe(changes: &[PolicyChange]) -> String {
    let lines: Vec<String> = changes
        .iter()
        .map(|c| match c {
            PolicyChange::SetGuardian { guardian } if guardian.is_zero() => "remove the guardian".into(),
            PolicyChange::SetGuardian { guardian } => format!("set the guardian to {guardian}"),
            PolicyChange::Unfreeze => "unfreeze".into(),
            PolicyChange::AddEnclave(id) => format!("allow {}", enclave_text_id(id)),
            PolicyChange::SetRetirement { identity, deadline: 0 } => {
                format!("cancel the retirement of {}", enclave_text_id(identity))
            }
            PolicyChange::SetRetirement { identity, deadline } => {
                format!("retire {} from {}", enclave_text_id(identity), format_deadline(*deadline, None))
            }
            PolicyChange::TransferRoflAdmin { new_admin } => format!("hand the ROFL admin to {new_admin}"),
            PolicyChange::RemoveApp => "REMOVE THE APP".into(),
            PolicyChange::SetSecret { name, .. } => {
                format!("set secret {}", roflgov_core::text::escape(name))
            }
            PolicyChange::DeleteSecret { name } => {
                format!("delete secret {}", roflgov_core::text::escape(name))
            }
            PolicyChange::LockMetadata { key } => {
                format!("LOCK {} (one-way)", roflgov_core::text::escape(key))
            }
            PolicyChange::LockSecret { name } => {
                format!("LOCK secret {} (one-way)", roflgov_core::text::escape(name))
            }
            PolicyChange::LockFloors(floors) => {
                format!("LOCK floors {} (one-way)", floors.names().join(", "))
            }
            other => other.function_name().to_owned(),
        })
        .collect();
    lines.join(", ")
}

/// Opens a contract-level call (no app).
async fn contract_action(
    g: &GlobalArgs,
    action: &'static str,
    call: OwnerCall,
    data: Bytes,
    title: String,
    client: &RoflAdminClient<DynProvider>,
    out: &ProposalOutput,
) -> CliResult {
    let intent = Intent { app: None, to: client.address(), value: U256::ZERO, data, title };
    let opened = open(g, out, &intent).await?;
    let report = Report {
        action,
        app: None,
        version: None,
        changes: &[],
        call: Some(&call),
        title: &intent.title,
        opened: &opened,
    };
    emit(g.json, &report, || format!("{}\n{}", intent.title, opened.render()));
    Ok(())
}

async fn transfer_ownership(g: &GlobalArgs, a: TransferOwnershipArgs) -> CliResult {
    let (_, client) = chainops::client(g).await?;
    let owner = client.owner().await.map_err(|e| chainops::rofl_error("reading the owner", e))?;
    if a.to.is_zero() {
        return Err(usage("--to is the zero address: the contract's ownership cannot be renounced"));
    }
    if a.to == owner {
        return Err(usage(format!("{owner} already owns the policy contract: nothing to propose")));
    }
    if a.to == client.address() {
        return Err(usage("--to is the policy contract itself, which could never accept"));
    }
    let code = client.provider().get_code_at(a.to).await.map_err(|e| crate::exit::chain(e.to_string()))?;
    if code.is_empty() {
        progress(format!("warning: {} has no code: a single key (EOA) would own the policy contract", a.to));
    }
    let data: Bytes = RoflAppAdmin::transferOwnershipCall { newOwner: a.to }.abi_encode().into();
    let title = format!(
        "roflgov: transfer ownership of policy contract {} from {owner} to {} (takes effect when {} accepts)",
        client.address(),
        a.to,
        a.to
    );
    contract_action(
        g,
        "transfer_ownership",
        OwnerCall::TransferOwnership { new_owner: a.to },
        data,
        title,
        &client,
        &a.out,
    )
    .await
}

async fn accept_ownership(g: &GlobalArgs, a: OutOnly) -> CliResult {
    let (network, client) = chainops::client(g).await?;
    let pending = client
        .contract()
        .pendingOwner()
        .call()
        .await
        .map_err(|e| crate::exit::chain(format!("reading pendingOwner: {e}")))?;
    if pending.is_zero() {
        return Err(verification(
            "no ownership transfer is pending (the current owner proposes one with `roflgov owner transfer-ownership`); nothing was proposed",
        ));
    }
    // Who will call acceptOwnership: the Timelock of a Governor proposal, the Safe, your key.
    let executor = if a.out.governor || a.out.governor_out.is_some() {
        let governor = network.governor.ok_or_else(|| {
            usage("no Governor for this network: pass --governor-address or set governor in roflgov.toml")
        })?;
        let (_, provider) = g.provider().await?;
        Some(
            GovernorClient::new(provider, governor)
                .timelock()
                .await
                .map_err(|e| crate::daoops::gov_error("reading the Governor's Timelock", e))?,
        )
    } else if a.out.send {
        Some(g.keys.signer()?.address())
    } else {
        network.safe
    };
    if let Some(executor) = executor
        && executor != pending
    {
        return Err(verification(format!(
            "the pending owner is {pending}, but this proposal would be executed by {executor}: only {pending} can accept; nothing was proposed"
        )));
    }
    let data: Bytes = RoflAppAdmin::acceptOwnershipCall {}.abi_encode().into();
    let title = format!("roflgov: {pending} accepts ownership of policy contract {}", client.address());
    contract_action(g, "accept_ownership", OwnerCall::AcceptOwnership, data, title, &client, &a.out).await
}

async fn withdraw_stake(g: &GlobalArgs, a: OutOnly) -> CliResult {
    let (_, client) = chainops::client(g).await?;
    let balance = client
        .provider()
        .get_balance(client.address())
        .await
        .map_err(|e| crate::exit::chain(e.to_string()))?;
    if balance.is_zero() {
        return Err(verification(
            "the policy contract holds no refunded stake (it gets one when an app is removed); nothing was proposed",
        ));
    }
    let owner = client.owner().await.map_err(|e| chainops::rofl_error("reading the owner", e))?;
    let data: Bytes = RoflAppAdmin::withdrawStakeCall {}.abi_encode().into();
    let title = format!(
        "roflgov: withdraw {} of refunded stake from policy contract {} to its owner {owner}",
        roflgov_core::firewall::format_rose(balance),
        client.address()
    );
    contract_action(g, "withdraw_stake", OwnerCall::WithdrawStake, data, title, &client, &a.out).await
}
