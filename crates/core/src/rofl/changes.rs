//! Policy contract calls as typed changes: [`PolicyChange`] ⇄ calldata, and the same change
//! applied to a [`AppConfig`] exactly as the contract applies it.
//!
//! The Safe and Governor flows send what [`changes_to_calldata`] builds; reviewers see what
//! [`decode_calldata`] reads back from any calldata addressed to the contract, `multicall`
//! batches included.

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{SolCall, SolInterface};
use roflgov_types::{
    AllowedEndorsement, AppAuthPolicy, AppConfig, AppId, EnclaveIdentity, FeePolicy, IdentifierScheme,
    Metadata, QuotePolicy, Secrets,
    abi::{self as types_abi, AbiError},
    ids::Address as OasisAddress,
    limits,
};
use serde::Serialize;

use super::locks::{Floors, KeyLock, min_tcb, tdx_modules_shrink};
use super::release::{MAX_ENCLAVES, MAX_GRACE_PERIOD, ReleaseRecord, ReleaseState, is_expired};
use crate::bindings::RoflAppAdmin;

/// Stake `createApp` must carry: 100 ROSE.
pub const CREATE_STAKE: U256 = U256::from_limbs([0x6bc7_5e2d_6310_0000, 0x5, 0, 0]);

/// One change a governance proposal can make through the policy contract.
///
/// App-scoped changes name no app themselves: the app and the expected version travel with
/// them ([`changes_to_calldata`], [`PolicyCall`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "change", content = "args", rename_all = "snake_case")]
pub enum PolicyChange {
    /// `createApp(policy, metadata, scheme)` with [`CREATE_STAKE`] as value.
    CreateApp {
        /// Initial policy.
        policy: AppAuthPolicy,
        /// Initial metadata.
        metadata: Metadata,
        /// How the module derives the id.
        scheme: IdentifierScheme,
    },
    /// `adoptApp(app, policy, metadata, secrets)`: take over an app whose ROFL admin already is
    /// the contract, writing this complete config.
    AdoptApp {
        /// The policy to write.
        policy: AppAuthPolicy,
        /// The metadata to write.
        metadata: Metadata,
        /// The secrets to write (names only in serialized form).
        #[serde(serialize_with = "serialize_secret_names")]
        secrets: Secrets,
    },
    /// `addEnclave`.
    AddEnclave(EnclaveIdentity),
    /// `removeEnclave`.
    RemoveEnclave(EnclaveIdentity),
    /// `setEndorsements`: replace the whole endorsement list.
    SetEndorsements(Vec<AllowedEndorsement>),
    /// `setFees`.
    SetFees(FeePolicy),
    /// `setMaxExpiration` (epochs).
    SetMaxExpiration(u64),
    /// `setQuotePolicy`.
    SetQuotePolicy(QuotePolicy),
    /// `setMetadata(key, value)`: add or overwrite.
    SetMetadata {
        /// Metadata key.
        key: String,
        /// New value.
        value: String,
    },
    /// `deleteMetadata(key)`.
    DeleteMetadata {
        /// Metadata key.
        key: String,
    },
    /// `setSecret(name, value)`: add or overwrite an encrypted secret.
    SetSecret {
        /// Secret name.
        name: String,
        /// Encrypted value (never serialized).
        #[serde(skip)]
        value: Bytes,
    },
    /// `deleteSecret(name)`.
    DeleteSecret {
        /// Secret name.
        name: String,
    },
    /// `transferRoflAdmin(newAdmin)`: the app leaves the contract's management.
    TransferRoflAdmin {
        /// The next ROFL admin.
        new_admin: OasisAddress,
    },
    /// `renounceRoflAdmin`: the app is left with no admin, for good.
    RenounceRoflAdmin,
    /// `removeApp`: the app is deleted and the stake refunded to the contract.
    RemoveApp,
    /// `addRelease(identities, record, retire, graceUntil)`: allow `identities` with `record`
    /// as their provenance and retire `retire` at once (`grace_until` 0) or from `grace_until`.
    AddRelease {
        /// The identities the release allows (at least one).
        identities: Vec<EnclaveIdentity>,
        /// The provenance record.
        record: ReleaseRecord,
        /// The identities it retires.
        retire: Vec<EnclaveIdentity>,
        /// 0: retire at once; else the grace deadline (unix seconds) after which anyone may prune.
        grace_until: u64,
    },
    /// `setRetirement(identity, deadline)`: set (or with 0 cancel) a grace deadline. No update.
    SetRetirement {
        /// An allowed identity.
        identity: EnclaveIdentity,
        /// Unix seconds; 0 cancels.
        deadline: u64,
    },
    /// `setGuardian(guardian)`: set or replace the revoke-only guardian (zero: none). No update.
    SetGuardian {
        /// The new guardian.
        guardian: Address,
    },
    /// `unfreeze`: lift a freeze (identities must come back in the same batch).
    Unfreeze,
    /// `revokeEnclave(identity)`: the guardian's (or owner's) emergency removal of one identity.
    RevokeEnclave(EnclaveIdentity),
    /// `freeze`: remove every identity at once.
    Freeze,
    /// `prune`: remove every identity whose grace deadline has passed (anyone).
    Prune,
    /// `lockMetadata(key)`: one-way: the key (`env.<NAME>`: a public variable) never changes
    /// or goes again; absent, it may be set once. No update.
    LockMetadata {
        /// Metadata key.
        key: String,
    },
    /// `lockSecret(name)`: one-way: the secret never changes or goes again; absent, it may be
    /// set once. No update.
    LockSecret {
        /// Secret name.
        name: String,
    },
    /// `lockFloors(floors)`: one-way: the named policy values may only tighten. No update.
    LockFloors(Floors),
}

fn serialize_secret_names<S: serde::Serializer>(secrets: &Secrets, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(secrets.keys())
}

/// A decoded call on the policy contract that changes an app (or creates one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PolicyCall {
    /// The app the call targets; `None` for `createApp` (the module assigns the id).
    pub app: Option<AppId>,
    /// `expectedVersion` (0 = no check); `None` for calls without one (`createApp`,
    /// `adoptApp`).
    pub expected_version: Option<u64>,
    /// The change.
    #[serde(flatten)]
    pub change: PolicyChange,
}

/// A call on the policy contract that does not touch an app's config.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum OwnerCall {
    /// `withdrawStake()`: refunded stakes to the owner.
    WithdrawStake,
    /// `transferOwnership(newOwner)` (two-step: takes effect on `acceptOwnership`).
    TransferOwnership {
        /// Proposed new owner of the contract (of every app it manages).
        new_owner: Address,
    },
    /// `acceptOwnership()`.
    AcceptOwnership,
    /// `renounceOwnership()` (always reverts: disabled in the contract).
    RenounceOwnership,
    /// A view function (`getApp`, `encodeUpdate`, ...) sent as a transaction: no effect.
    View {
        /// Function name.
        function: String,
    },
    /// A marketplace machine function (`IRoflMachineAdmin`): no effect on any app's config.
    Machine(MachineCall),
    /// `fundMachines()`: the call's value goes to the contract's balance, which pays for machines.
    FundMachines,
}

/// A call of the policy contract's marketplace machine functions (`IRoflMachineAdmin`,
/// `contracts/rofl/RoflMachineLogic.sol`). Machines are `roflmarket` instances the contract
/// administers: `provider` is the provider's Oasis address, `id` its instance id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "function", rename_all = "snake_case")]
pub enum MachineCall {
    /// `rentMachine`: `roflmarket.InstanceCreate`, paid from the contract's balance.
    Rent {
        /// App the machine is for.
        app: AppId,
        /// Provider.
        provider: OasisAddress,
        /// Offer id.
        offer: u64,
        /// Term (1 hour, 2 month, 3 year).
        term: u8,
        /// Terms paid in advance.
        term_count: u64,
    },
    /// `deployMachine`: a Deploy command pinned to a manifest hash.
    Deploy {
        /// App deployed.
        app: AppId,
        /// Provider.
        provider: OasisAddress,
        /// Instance id.
        id: u64,
        /// Manifest hash of the ORC deployed.
        manifest_hash: alloy_primitives::B256,
        /// Whether the machine's storage is wiped.
        wipe_storage: bool,
    },
    /// `restartMachine`.
    Restart {
        /// App.
        app: AppId,
        /// Provider.
        provider: OasisAddress,
        /// Instance id.
        id: u64,
        /// Whether the machine's storage is wiped.
        wipe_storage: bool,
    },
    /// `terminateMachine`.
    Terminate {
        /// App.
        app: AppId,
        /// Provider.
        provider: OasisAddress,
        /// Instance id.
        id: u64,
        /// Whether the machine's storage is wiped.
        wipe_storage: bool,
    },
    /// `changeMachineAdmin`: the contract hands the machine over and forgets it.
    ChangeAdmin {
        /// App.
        app: AppId,
        /// Provider.
        provider: OasisAddress,
        /// Instance id.
        id: u64,
        /// New machine admin.
        new_admin: OasisAddress,
    },
    /// `cancelMachine`.
    Cancel {
        /// App.
        app: AppId,
        /// Provider.
        provider: OasisAddress,
        /// Instance id.
        id: u64,
    },
    /// `setMachineTopUp`: what anyone may spend of the contract's balance on top-ups.
    SetTopUp {
        /// App.
        app: AppId,
        /// Term each top-up pays.
        term: u8,
        /// Top-ups (terms) allowed from now on.
        terms_left: u64,
        /// Seconds before a machine lapses from which it may be topped up.
        window: u64,
    },
    /// `topUpMachine`: one term of the allowance.
    TopUp {
        /// App.
        app: AppId,
        /// Provider.
        provider: OasisAddress,
        /// Instance id.
        id: u64,
    },
}

impl MachineCall {
    /// The app the call concerns.
    pub fn app(&self) -> AppId {
        match self {
            MachineCall::Rent { app, .. }
            | MachineCall::Deploy { app, .. }
            | MachineCall::Restart { app, .. }
            | MachineCall::Terminate { app, .. }
            | MachineCall::ChangeAdmin { app, .. }
            | MachineCall::Cancel { app, .. }
            | MachineCall::SetTopUp { app, .. }
            | MachineCall::TopUp { app, .. } => *app,
        }
    }

    /// The calldata of the call on the policy contract (the inverse of [`decode_calldata`]).
    pub fn calldata(&self) -> Bytes {
        use RoflAppAdmin as C;
        let data = match *self {
            MachineCall::Rent { app, provider, offer, term, term_count } => C::rentMachineCall {
                appId: app.to_fixed_bytes(),
                provider: provider.to_fixed_bytes(),
                offer,
                term,
                termCount: term_count,
            }
            .abi_encode(),
            MachineCall::Deploy { app, provider, id, manifest_hash, wipe_storage } => C::deployMachineCall {
                appId: app.to_fixed_bytes(),
                provider: provider.to_fixed_bytes(),
                id,
                manifestHash: manifest_hash,
                wipeStorage: wipe_storage,
            }
            .abi_encode(),
            MachineCall::Restart { app, provider, id, wipe_storage } => C::restartMachineCall {
                appId: app.to_fixed_bytes(),
                provider: provider.to_fixed_bytes(),
                id,
                wipeStorage: wipe_storage,
            }
            .abi_encode(),
            MachineCall::Terminate { app, provider, id, wipe_storage } => C::terminateMachineCall {
                appId: app.to_fixed_bytes(),
                provider: provider.to_fixed_bytes(),
                id,
                wipeStorage: wipe_storage,
            }
            .abi_encode(),
            MachineCall::ChangeAdmin { app, provider, id, new_admin } => C::changeMachineAdminCall {
                appId: app.to_fixed_bytes(),
                provider: provider.to_fixed_bytes(),
                id,
                newAdmin: new_admin.to_fixed_bytes(),
            }
            .abi_encode(),
            MachineCall::Cancel { app, provider, id } => {
                C::cancelMachineCall { appId: app.to_fixed_bytes(), provider: provider.to_fixed_bytes(), id }
                    .abi_encode()
            }
            MachineCall::SetTopUp { app, term, terms_left, window } => {
                C::setMachineTopUpCall { appId: app.to_fixed_bytes(), term, termsLeft: terms_left, window }
                    .abi_encode()
            }
            MachineCall::TopUp { app, provider, id } => {
                C::topUpMachineCall { appId: app.to_fixed_bytes(), provider: provider.to_fixed_bytes(), id }
                    .abi_encode()
            }
        };
        data.into()
    }

    /// The action's name in output (`machine_rent`, `machine_deploy`, …).
    pub fn action_name(&self) -> &'static str {
        match self {
            MachineCall::Rent { .. } => "machine_rent",
            MachineCall::Deploy { .. } => "machine_deploy",
            MachineCall::Restart { .. } => "machine_restart",
            MachineCall::Terminate { .. } => "machine_terminate",
            MachineCall::ChangeAdmin { .. } => "machine_change_admin",
            MachineCall::Cancel { .. } => "machine_cancel",
            MachineCall::SetTopUp { .. } => "machine_set_top_up",
            MachineCall::TopUp { .. } => "machine_top_up",
        }
    }

    /// Whether the call wipes the machine's storage.
    pub fn wipes_storage(&self) -> bool {
        matches!(
            self,
            MachineCall::Deploy { wipe_storage: true, .. }
                | MachineCall::Restart { wipe_storage: true, .. }
                | MachineCall::Terminate { wipe_storage: true, .. }
        )
    }
}

/// Calldata for the policy contract, decoded.
#[allow(
    clippy::large_enum_variant,
    reason = "built once per call read and serialized for output, never stored in bulk; boxing would only complicate the public type"
)]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DecodedCalldata {
    /// A config change.
    Change(PolicyCall),
    /// A contract-level call.
    Owner(OwnerCall),
    /// `multicall(calls)`: each inner call decoded in order.
    Multicall {
        /// The inner calls.
        calls: Vec<DecodedCalldata>,
    },
    /// A state-changing function of the contract that this version of roflgov does not
    /// interpret (its effect on the config is not modelled): reviewers must be told.
    NotInterpreted {
        /// Function name.
        function: String,
    },
}

impl DecodedCalldata {
    /// Every config change in execution order, `multicall` batches flattened.
    pub fn changes(&self) -> Vec<&PolicyCall> {
        let mut out = Vec::new();
        self.collect_changes(&mut out);
        out
    }

    fn collect_changes<'a>(&'a self, out: &mut Vec<&'a PolicyCall>) {
        match self {
            DecodedCalldata::Change(call) => out.push(call),
            DecodedCalldata::Owner(_) | DecodedCalldata::NotInterpreted { .. } => {}
            DecodedCalldata::Multicall { calls } => calls.iter().for_each(|c| c.collect_changes(out)),
        }
    }

    /// Every contract-level call, batches flattened.
    pub fn owner_calls(&self) -> Vec<&OwnerCall> {
        match self {
            DecodedCalldata::Change(_) | DecodedCalldata::NotInterpreted { .. } => Vec::new(),
            DecodedCalldata::Owner(call) => vec![call],
            DecodedCalldata::Multicall { calls } => calls.iter().flat_map(|c| c.owner_calls()).collect(),
        }
    }

    /// The apps named by marketplace machine calls, batches flattened (machine calls change no
    /// config, but the app's review reports them).
    pub fn machine_apps(&self) -> Vec<AppId> {
        self.owner_calls()
            .into_iter()
            .filter_map(|call| match call {
                OwnerCall::Machine(machine) => Some(machine.app()),
                _ => None,
            })
            .collect()
    }

    /// The state-changing functions whose effect is not interpreted, batches flattened.
    pub fn not_interpreted(&self) -> Vec<&str> {
        match self {
            DecodedCalldata::NotInterpreted { function } => vec![function.as_str()],
            DecodedCalldata::Multicall { calls } => calls.iter().flat_map(|c| c.not_interpreted()).collect(),
            _ => Vec::new(),
        }
    }

    /// Whether a `multicall` sits inside another one (the contract reverts with
    /// `NestedMulticall`).
    pub fn has_nested_multicall(&self) -> bool {
        match self {
            DecodedCalldata::Multicall { calls } => {
                calls.iter().any(|c| matches!(c, DecodedCalldata::Multicall { .. }))
                    || calls.iter().any(DecodedCalldata::has_nested_multicall)
            }
            _ => false,
        }
    }
}

/// Why calldata could not be built or read.
#[derive(Debug, thiserror::Error)]
pub enum CalldataError {
    /// Shorter than a selector.
    #[error("calldata is {0} bytes long, shorter than a 4-byte selector")]
    TooShort(usize),
    /// The selector is none of the policy contract's functions.
    #[error("unknown selector 0x{} for the policy contract", alloy_primitives::hex::encode(.0))]
    UnknownSelector([u8; 4]),
    /// The selector is known but the arguments do not decode (strictly).
    #[error("arguments of {function} do not decode: {source}")]
    BadArguments {
        /// Function name.
        function: &'static str,
        /// The decoder's error.
        #[source]
        source: alloy_sol_types::Error,
    },
    /// A struct argument decodes but is no valid config (endorsement tree, fees, ...).
    #[error("{function}: {source}")]
    InvalidConfig {
        /// Function name.
        function: &'static str,
        /// What is wrong.
        #[source]
        source: AbiError,
    },
    /// An inner call of `multicall` is invalid.
    #[error("multicall call #{index}: {source}")]
    InMulticall {
        /// Position inside the batch.
        index: usize,
        /// The inner error.
        #[source]
        source: Box<CalldataError>,
    },
    /// `createApp` needs the stake as value, which a `multicall` cannot carry.
    #[error("createApp cannot be batched: it needs the 100 ROSE stake as value and multicall is not payable")]
    CreateInBatch,
    /// No changes to encode.
    #[error("no changes to encode")]
    Empty,
    /// A change that cannot be expressed in the ABI (e.g. an `and` with 256 children).
    #[error("cannot encode {change}: {source}")]
    Unencodable {
        /// Change name.
        change: &'static str,
        /// Why.
        #[source]
        source: AbiError,
    },
}

impl PolicyChange {
    /// The Solidity function this change calls.
    pub fn function_name(&self) -> &'static str {
        match self {
            PolicyChange::CreateApp { .. } => "createApp",
            PolicyChange::AdoptApp { .. } => "adoptApp",
            PolicyChange::AddEnclave(_) => "addEnclave",
            PolicyChange::RemoveEnclave(_) => "removeEnclave",
            PolicyChange::SetEndorsements(_) => "setEndorsements",
            PolicyChange::SetFees(_) => "setFees",
            PolicyChange::SetMaxExpiration(_) => "setMaxExpiration",
            PolicyChange::SetQuotePolicy(_) => "setQuotePolicy",
            PolicyChange::SetMetadata { .. } => "setMetadata",
            PolicyChange::DeleteMetadata { .. } => "deleteMetadata",
            PolicyChange::SetSecret { .. } => "setSecret",
            PolicyChange::DeleteSecret { .. } => "deleteSecret",
            PolicyChange::TransferRoflAdmin { .. } => "transferRoflAdmin",
            PolicyChange::RenounceRoflAdmin => "renounceRoflAdmin",
            PolicyChange::RemoveApp => "removeApp",
            PolicyChange::AddRelease { .. } => "addRelease",
            PolicyChange::SetRetirement { .. } => "setRetirement",
            PolicyChange::SetGuardian { .. } => "setGuardian",
            PolicyChange::Unfreeze => "unfreeze",
            PolicyChange::RevokeEnclave(_) => "revokeEnclave",
            PolicyChange::Freeze => "freeze",
            PolicyChange::Prune => "prune",
            PolicyChange::LockMetadata { .. } => "lockMetadata",
            PolicyChange::LockSecret { .. } => "lockSecret",
            PolicyChange::LockFloors(_) => "lockFloors",
        }
    }

    /// Whether the change sends (or, in a batch, marks) a `rofl.Update`: every change but
    /// `setGuardian`, `setRetirement` and the locks, which only touch roflgov's own state.
    pub fn sends_update(&self) -> bool {
        !matches!(
            self,
            PolicyChange::SetGuardian { .. }
                | PolicyChange::SetRetirement { .. }
                | PolicyChange::LockMetadata { .. }
                | PolicyChange::LockSecret { .. }
                | PolicyChange::LockFloors(_)
        )
    }

    /// Whether the change is a one-way lock (it can never be undone).
    pub fn is_lock(&self) -> bool {
        matches!(
            self,
            PolicyChange::LockMetadata { .. } | PolicyChange::LockSecret { .. } | PolicyChange::LockFloors(_)
        )
    }

    /// Whether the change carries an `expectedVersion` (`createApp`, `adoptApp`, `setGuardian`
    /// and `prune` do not).
    pub fn has_version_check(&self) -> bool {
        !matches!(
            self,
            PolicyChange::CreateApp { .. }
                | PolicyChange::AdoptApp { .. }
                | PolicyChange::SetGuardian { .. }
                | PolicyChange::Prune
        )
    }

    /// The value the call must carry ([`CREATE_STAKE`] for `createApp`, zero otherwise).
    pub fn value(&self) -> U256 {
        match self {
            PolicyChange::CreateApp { .. } => CREATE_STAKE,
            _ => U256::ZERO,
        }
    }

    /// Calldata of this change on `app` with `expected_version` (0 = no check). `createApp`
    /// ignores both; `adoptApp` ignores the version.
    pub fn to_calldata(&self, app: AppId, expected_version: u64) -> Result<Bytes, CalldataError> {
        use RoflAppAdmin as C;
        let id = app.to_fixed_bytes();
        let v = expected_version;
        let unencodable = |source| CalldataError::Unencodable { change: self.function_name(), source };
        let data = match self {
            PolicyChange::CreateApp { policy, metadata, scheme } => C::createAppCall {
                policy: types_abi::AppPolicy::try_from(policy).map_err(unencodable)?,
                metadata: types_abi::metadata_to_abi(metadata),
                scheme: scheme.code(),
            }
            .abi_encode(),
            PolicyChange::AdoptApp { policy, metadata, secrets } => C::adoptAppCall {
                appId: id,
                policy: types_abi::AppPolicy::try_from(policy).map_err(unencodable)?,
                metadata: types_abi::metadata_to_abi(metadata),
                secrets: types_abi::secrets_to_abi(secrets),
            }
            .abi_encode(),
            PolicyChange::AddEnclave(identity) => {
                C::addEnclaveCall { appId: id, expectedVersion: v, identity: identity.into() }.abi_encode()
            }
            PolicyChange::RemoveEnclave(identity) => {
                C::removeEnclaveCall { appId: id, expectedVersion: v, identity: identity.into() }.abi_encode()
            }
            PolicyChange::SetEndorsements(endorsements) => C::setEndorsementsCall {
                appId: id,
                expectedVersion: v,
                endorsements: types_abi::flatten_endorsements(endorsements).map_err(unencodable)?,
            }
            .abi_encode(),
            PolicyChange::SetFees(fees) => {
                C::setFeesCall { appId: id, expectedVersion: v, fees: fees.code() }.abi_encode()
            }
            PolicyChange::SetMaxExpiration(epochs) => {
                C::setMaxExpirationCall { appId: id, expectedVersion: v, maxExpiration: *epochs }.abi_encode()
            }
            PolicyChange::SetQuotePolicy(quotes) => C::setQuotePolicyCall {
                appId: id,
                expectedVersion: v,
                quotes: types_abi::QuotePolicy::try_from(quotes).map_err(unencodable)?,
            }
            .abi_encode(),
            PolicyChange::SetMetadata { key, value } => {
                C::setMetadataCall { appId: id, expectedVersion: v, key: key.clone(), value: value.clone() }
                    .abi_encode()
            }
            PolicyChange::DeleteMetadata { key } => {
                C::deleteMetadataCall { appId: id, expectedVersion: v, key: key.clone() }.abi_encode()
            }
            PolicyChange::SetSecret { name, value } => {
                C::setSecretCall { appId: id, expectedVersion: v, name: name.clone(), value: value.clone() }
                    .abi_encode()
            }
            PolicyChange::DeleteSecret { name } => {
                C::deleteSecretCall { appId: id, expectedVersion: v, name: name.clone() }.abi_encode()
            }
            PolicyChange::TransferRoflAdmin { new_admin } => C::transferRoflAdminCall {
                appId: id,
                expectedVersion: v,
                newAdmin: new_admin.to_fixed_bytes(),
            }
            .abi_encode(),
            PolicyChange::RenounceRoflAdmin => {
                C::renounceRoflAdminCall { appId: id, expectedVersion: v }.abi_encode()
            }
            PolicyChange::RemoveApp => C::removeAppCall { appId: id, expectedVersion: v }.abi_encode(),
            PolicyChange::AddRelease { identities, record, retire, grace_until } => C::addReleaseCall {
                appId: id,
                expectedVersion: v,
                identities: identities.iter().map(Into::into).collect(),
                record: record.into(),
                retire: retire.iter().map(Into::into).collect(),
                graceUntil: *grace_until,
            }
            .abi_encode(),
            PolicyChange::SetRetirement { identity, deadline } => C::setRetirementCall {
                appId: id,
                expectedVersion: v,
                identity: identity.into(),
                deadline: *deadline,
            }
            .abi_encode(),
            PolicyChange::SetGuardian { guardian } => {
                C::setGuardianCall { appId: id, guardian: *guardian }.abi_encode()
            }
            PolicyChange::Unfreeze => C::unfreezeCall { appId: id, expectedVersion: v }.abi_encode(),
            PolicyChange::RevokeEnclave(identity) => {
                C::revokeEnclaveCall { appId: id, expectedVersion: v, identity: identity.into() }.abi_encode()
            }
            PolicyChange::Freeze => C::freezeCall { appId: id, expectedVersion: v }.abi_encode(),
            PolicyChange::Prune => C::pruneCall { appId: id }.abi_encode(),
            PolicyChange::LockMetadata { key } => {
                C::lockMetadataCall { appId: id, expectedVersion: v, key: key.clone() }.abi_encode()
            }
            PolicyChange::LockSecret { name } => {
                C::lockSecretCall { appId: id, expectedVersion: v, name: name.clone() }.abi_encode()
            }
            PolicyChange::LockFloors(floors) => {
                C::lockFloorsCall { appId: id, expectedVersion: v, floors: floors.0 }.abi_encode()
            }
        };
        Ok(data.into())
    }
}

/// Calldata for `changes` on `app`: the single call when there is one change, else one
/// `multicall` (one `rofl.Update`, atomic). Every call carries `expected_version`, which the
/// contract checks against the version the batch started from.
pub fn changes_to_calldata(
    app: AppId,
    expected_version: u64,
    changes: &[PolicyChange],
) -> Result<Bytes, CalldataError> {
    match changes {
        [] => Err(CalldataError::Empty),
        [single] => single.to_calldata(app, expected_version),
        many => {
            if many.iter().any(|c| matches!(c, PolicyChange::CreateApp { .. })) {
                return Err(CalldataError::CreateInBatch);
            }
            let calls = many
                .iter()
                .map(|change| change.to_calldata(app, expected_version))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(RoflAppAdmin::multicallCall { calls }.abi_encode().into())
        }
    }
}

/// Decodes any calldata addressed to the policy contract, strictly (ABI validation on), with
/// `multicall` batches decoded recursively.
pub fn decode_calldata(data: &[u8]) -> Result<DecodedCalldata, CalldataError> {
    use RoflAppAdmin::RoflAppAdminCalls as Call;
    if data.len() < 4 {
        return Err(CalldataError::TooShort(data.len()));
    }
    let selector: [u8; 4] = data[..4].try_into().expect("length checked");
    if !RoflAppAdmin::RoflAppAdminCalls::valid_selector(selector) {
        return Err(CalldataError::UnknownSelector(selector));
    }
    let call = Call::abi_decode_validate(data)
        .map_err(|source| CalldataError::BadArguments { function: function_name_of(selector), source })?;
    let change = |app: alloy_primitives::FixedBytes<21>, version: u64, change: PolicyChange| {
        Ok(DecodedCalldata::Change(PolicyCall {
            app: Some(AppId(app.0)),
            expected_version: Some(version),
            change,
        }))
    };
    let invalid = |function: &'static str| move |source| CalldataError::InvalidConfig { function, source };
    let machine = |call: MachineCall| Ok(DecodedCalldata::Owner(OwnerCall::Machine(call)));
    match call {
        Call::createApp(c) => {
            let (policy, metadata) = (&c.policy, &c.metadata);
            Ok(DecodedCalldata::Change(PolicyCall {
                app: None,
                expected_version: None,
                change: PolicyChange::CreateApp {
                    policy: AppAuthPolicy::try_from(policy).map_err(invalid("createApp"))?,
                    metadata: types_abi::metadata_from_abi(metadata).map_err(invalid("createApp"))?,
                    scheme: IdentifierScheme::from_code(c.scheme.into()).ok_or_else(|| {
                        CalldataError::InvalidConfig {
                            function: "createApp",
                            source: AbiError::DataInAbsentPart("scheme: expected 0 or 1"),
                        }
                    })?,
                },
            }))
        }
        Call::adoptApp(c) => {
            let (policy, metadata, secrets) = (&c.policy, &c.metadata, &c.secrets);
            Ok(DecodedCalldata::Change(PolicyCall {
                app: Some(AppId(c.appId.0)),
                expected_version: None,
                change: PolicyChange::AdoptApp {
                    policy: AppAuthPolicy::try_from(policy).map_err(invalid("adoptApp"))?,
                    metadata: types_abi::metadata_from_abi(metadata).map_err(invalid("adoptApp"))?,
                    secrets: types_abi::secrets_from_abi(secrets).map_err(invalid("adoptApp"))?,
                },
            }))
        }
        Call::addEnclave(c) => {
            change(c.appId, c.expectedVersion, PolicyChange::AddEnclave(EnclaveIdentity::from(&c.identity)))
        }
        Call::removeEnclave(c) => change(
            c.appId,
            c.expectedVersion,
            PolicyChange::RemoveEnclave(EnclaveIdentity::from(&c.identity)),
        ),
        Call::setEndorsements(c) => {
            let tree =
                types_abi::unflatten_endorsements(&c.endorsements).map_err(invalid("setEndorsements"))?;
            change(c.appId, c.expectedVersion, PolicyChange::SetEndorsements(tree))
        }
        Call::setFees(c) => {
            let fees = FeePolicy::from_code(u64::from(c.fees)).ok_or_else(|| {
                CalldataError::InvalidConfig { function: "setFees", source: AbiError::InvalidFees(c.fees) }
            })?;
            change(c.appId, c.expectedVersion, PolicyChange::SetFees(fees))
        }
        Call::setMaxExpiration(c) => {
            change(c.appId, c.expectedVersion, PolicyChange::SetMaxExpiration(c.maxExpiration))
        }
        Call::setQuotePolicy(c) => {
            let quotes = QuotePolicy::try_from(&c.quotes).map_err(invalid("setQuotePolicy"))?;
            change(c.appId, c.expectedVersion, PolicyChange::SetQuotePolicy(quotes))
        }
        Call::setMetadata(c) => {
            change(c.appId, c.expectedVersion, PolicyChange::SetMetadata { key: c.key, value: c.value })
        }
        Call::deleteMetadata(c) => {
            change(c.appId, c.expectedVersion, PolicyChange::DeleteMetadata { key: c.key })
        }
        Call::setSecret(c) => {
            change(c.appId, c.expectedVersion, PolicyChange::SetSecret { name: c.name, value: c.value })
        }
        Call::deleteSecret(c) => {
            change(c.appId, c.expectedVersion, PolicyChange::DeleteSecret { name: c.name })
        }
        Call::transferRoflAdmin(c) => change(
            c.appId,
            c.expectedVersion,
            PolicyChange::TransferRoflAdmin { new_admin: OasisAddress(c.newAdmin.0) },
        ),
        Call::renounceRoflAdmin(c) => change(c.appId, c.expectedVersion, PolicyChange::RenounceRoflAdmin),
        Call::removeApp(c) => change(c.appId, c.expectedVersion, PolicyChange::RemoveApp),
        Call::addRelease(c) => change(
            c.appId,
            c.expectedVersion,
            PolicyChange::AddRelease {
                identities: c.identities.iter().map(EnclaveIdentity::from).collect(),
                record: ReleaseRecord::from(&c.record),
                retire: c.retire.iter().map(EnclaveIdentity::from).collect(),
                grace_until: c.graceUntil,
            },
        ),
        Call::setRetirement(c) => change(
            c.appId,
            c.expectedVersion,
            PolicyChange::SetRetirement {
                identity: EnclaveIdentity::from(&c.identity),
                deadline: c.deadline,
            },
        ),
        Call::setGuardian(c) => Ok(DecodedCalldata::Change(PolicyCall {
            app: Some(AppId(c.appId.0)),
            expected_version: None,
            change: PolicyChange::SetGuardian { guardian: c.guardian },
        })),
        Call::unfreeze(c) => change(c.appId, c.expectedVersion, PolicyChange::Unfreeze),
        Call::revokeEnclave(c) => change(
            c.appId,
            c.expectedVersion,
            PolicyChange::RevokeEnclave(EnclaveIdentity::from(&c.identity)),
        ),
        Call::freeze(c) => change(c.appId, c.expectedVersion, PolicyChange::Freeze),
        Call::prune(c) => Ok(DecodedCalldata::Change(PolicyCall {
            app: Some(AppId(c.appId.0)),
            expected_version: None,
            change: PolicyChange::Prune,
        })),
        Call::lockMetadata(c) => {
            change(c.appId, c.expectedVersion, PolicyChange::LockMetadata { key: c.key })
        }
        Call::lockSecret(c) => change(c.appId, c.expectedVersion, PolicyChange::LockSecret { name: c.name }),
        Call::lockFloors(c) => change(c.appId, c.expectedVersion, PolicyChange::LockFloors(Floors(c.floors))),
        Call::multicall(c) => {
            let calls = c
                .calls
                .iter()
                .enumerate()
                .map(|(index, inner)| {
                    decode_calldata(inner)
                        .map_err(|source| CalldataError::InMulticall { index, source: Box::new(source) })
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(DecodedCalldata::Multicall { calls })
        }
        Call::withdrawStake(_) => Ok(DecodedCalldata::Owner(OwnerCall::WithdrawStake)),
        Call::transferOwnership(c) => {
            Ok(DecodedCalldata::Owner(OwnerCall::TransferOwnership { new_owner: c.newOwner }))
        }
        Call::acceptOwnership(_) => Ok(DecodedCalldata::Owner(OwnerCall::AcceptOwnership)),
        Call::renounceOwnership(_) => Ok(DecodedCalldata::Owner(OwnerCall::RenounceOwnership)),
        Call::fundMachines(_) => Ok(DecodedCalldata::Owner(OwnerCall::FundMachines)),
        Call::rentMachine(c) => machine(MachineCall::Rent {
            app: AppId(c.appId.0),
            provider: OasisAddress(c.provider.0),
            offer: c.offer,
            term: c.term,
            term_count: c.termCount,
        }),
        Call::deployMachine(c) => machine(MachineCall::Deploy {
            app: AppId(c.appId.0),
            provider: OasisAddress(c.provider.0),
            id: c.id,
            manifest_hash: c.manifestHash,
            wipe_storage: c.wipeStorage,
        }),
        Call::restartMachine(c) => machine(MachineCall::Restart {
            app: AppId(c.appId.0),
            provider: OasisAddress(c.provider.0),
            id: c.id,
            wipe_storage: c.wipeStorage,
        }),
        Call::terminateMachine(c) => machine(MachineCall::Terminate {
            app: AppId(c.appId.0),
            provider: OasisAddress(c.provider.0),
            id: c.id,
            wipe_storage: c.wipeStorage,
        }),
        Call::changeMachineAdmin(c) => machine(MachineCall::ChangeAdmin {
            app: AppId(c.appId.0),
            provider: OasisAddress(c.provider.0),
            id: c.id,
            new_admin: OasisAddress(c.newAdmin.0),
        }),
        Call::cancelMachine(c) => machine(MachineCall::Cancel {
            app: AppId(c.appId.0),
            provider: OasisAddress(c.provider.0),
            id: c.id,
        }),
        Call::setMachineTopUp(c) => machine(MachineCall::SetTopUp {
            app: AppId(c.appId.0),
            term: c.term,
            terms_left: c.termsLeft,
            window: c.window,
        }),
        Call::topUpMachine(c) => machine(MachineCall::TopUp {
            app: AppId(c.appId.0),
            provider: OasisAddress(c.provider.0),
            id: c.id,
        }),
        _ => {
            let function = function_name_of(selector).to_owned();
            if is_view(selector) {
                Ok(DecodedCalldata::Owner(OwnerCall::View { function }))
            } else {
                Ok(DecodedCalldata::NotInterpreted { function })
            }
        }
    }
}

/// The policy contract's ABI, from the same artifact the bindings come from.
static POLICY_CONTRACT_ABI: std::sync::LazyLock<alloy_json_abi::JsonAbi> = std::sync::LazyLock::new(|| {
    #[derive(serde::Deserialize)]
    struct Artifact {
        abi: alloy_json_abi::JsonAbi,
    }
    let artifact: Artifact = serde_json::from_str(
        roflgov_contracts::embedded_json("RoflAppAdmin").expect("RoflAppAdmin is embedded"),
    )
    .expect("forge artifact of RoflAppAdmin has an ABI");
    artifact.abi
});

/// Whether the policy contract function with `selector` is a view (or pure).
fn is_view(selector: [u8; 4]) -> bool {
    use alloy_json_abi::StateMutability;
    POLICY_CONTRACT_ABI.functions().any(|function| {
        function.selector() == selector
            && matches!(function.state_mutability, StateMutability::View | StateMutability::Pure)
    })
}

/// The Solidity name of a policy contract function, from its selector.
fn function_name_of(selector: [u8; 4]) -> &'static str {
    RoflAppAdmin::RoflAppAdminCalls::SELECTORS
        .iter()
        .position(|s| *s == selector)
        .map(|i| RoflAppAdmin::RoflAppAdminCalls::SIGNATURES[i])
        .map(|signature| signature.split('(').next().unwrap_or(signature))
        .unwrap_or("<unknown>")
}

// ---------------------------------------------------------------------------------------------
// Applying changes to a config, as the contract does
// ---------------------------------------------------------------------------------------------

/// `DisallowedCharacter`: the contract refuses control and format characters in metadata keys
/// and secret names (`docs/text-rules.md`).
fn check_key(field: &'static str, key: &str) -> Result<(), ApplyError> {
    match key.chars().find(|c| crate::text::is_hidden(*c)) {
        Some(c) => Err(ApplyError::DisallowedCharacter { field, code_point: c as u32 }),
        None => Ok(()),
    }
}

/// `FmspcNotUpperCase` / `InvalidFmspc`: FMSPCs are 12 upper-case hex digits.
fn check_fmspcs(quotes: &QuotePolicy) -> Result<(), ApplyError> {
    let Some(pcs) = &quotes.pcs else { return Ok(()) };
    for fmspc in pcs.fmspc_whitelist.iter().chain(&pcs.fmspc_blacklist) {
        if fmspc.len() != 12 || !fmspc.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ApplyError::InvalidFmspc(fmspc.clone()));
        }
        if fmspc.bytes().any(|b| b.is_ascii_lowercase()) {
            return Err(ApplyError::FmspcNotUpperCase(fmspc.clone()));
        }
    }
    Ok(())
}

/// Why a change would revert in the contract (the contract's custom error, in words).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum ApplyError {
    /// `EnclaveAlreadyAllowed`.
    #[error("enclave {0} is already allowed")]
    EnclaveAlreadyAllowed(String),
    /// `EnclaveNotAllowed`.
    #[error("enclave {0} is not in the policy")]
    EnclaveNotAllowed(String),
    /// `MetadataKeyNotFound`.
    #[error("metadata key {0:?} does not exist")]
    MetadataKeyNotFound(String),
    /// `SecretNotFound`.
    #[error("secret {0:?} does not exist")]
    SecretNotFound(String),
    /// `ZeroAdmin`.
    #[error("the new ROFL admin is the zero address (use renounceRoflAdmin)")]
    ZeroAdmin,
    /// `InvalidMaxExpiration`.
    #[error("max_expiration {0} is outside 1..={max} epochs", max = limits::MAX_EXPIRATION_EPOCHS)]
    InvalidMaxExpiration(u64),
    /// `TooManyEntries`.
    #[error("{what} would hold {count} entries, more than the module's {max}", max = limits::MAX_METADATA_PAIRS)]
    TooManyEntries {
        /// `metadata` or `secrets`.
        what: &'static str,
        /// The count after the change.
        count: usize,
    },
    /// `DisallowedCharacter`.
    #[error("the {field} holds U+{code_point:04X}, a control or format character the contract refuses")]
    DisallowedCharacter {
        /// `metadata key` or `secret name`.
        field: &'static str,
        /// The refused code point.
        code_point: u32,
    },
    /// `InvalidFmspc`.
    #[error("{0:?} is not an FMSPC (12 hex digits)")]
    InvalidFmspc(String),
    /// `FmspcNotUpperCase`.
    #[error("FMSPC {0:?} is not upper-case hex as Intel writes it; the module would never match it")]
    FmspcNotUpperCase(String),
    /// `EmptyEnclaveList` (checked when the update is sent).
    #[error("the update would leave no enclave identity (every instance locked out)")]
    EmptyEnclaveList,
    /// The change does not apply to an existing config (`createApp`).
    #[error("{0} does not change an existing app")]
    NotAnUpdate(&'static str),
    /// `TooManyEnclaves`.
    #[error("the policy would list {0} enclave identities, more than roflgov's {max}", max = MAX_ENCLAVES)]
    TooManyEnclaves(usize),
    /// `OwnableUnauthorizedAccount`: an owner-only function called by someone else.
    #[error("{function} is owner-only and {caller} is not the owner")]
    NotOwner {
        /// Function name.
        function: &'static str,
        /// The caller.
        caller: Address,
    },
    /// `NotOwnerOrGuardian`.
    #[error("{caller} is neither the owner nor the app's guardian{}", guardian_text(.guardian))]
    NotOwnerOrGuardian {
        /// The caller.
        caller: Address,
        /// The app's guardian.
        guardian: Option<Address>,
    },
    /// `GuardianInBatch`.
    #[error("guardian actions always stand alone, never inside a batch")]
    GuardianInBatch,
    /// `InvalidGuardian`.
    #[error("{0} cannot be the guardian (the policy contract itself)")]
    InvalidGuardian(Address),
    /// `AppIsFrozen`: a frozen app's update lists an identity, or the app is frozen already.
    #[error("the app is frozen: no identity may be allowed until the owner unfreezes it (in the same batch)")]
    AppIsFrozen,
    /// `AppNotFrozen`.
    #[error("the app is not frozen")]
    AppNotFrozen,
    /// `EmptyRelease`.
    #[error("a release must allow at least one identity")]
    EmptyRelease,
    /// `InvalidReleaseRecord`.
    #[error("the release record's {0} is empty or too long")]
    InvalidReleaseRecord(&'static str),
    /// `InvalidDeadline`.
    #[error("deadline {} is not in the future within a year (latest {})", super::release::format_utc(*.deadline), super::release::format_utc(*.latest))]
    InvalidDeadline {
        /// The deadline given.
        deadline: u64,
        /// The latest acceptable.
        latest: u64,
    },
    /// `RetiringNewIdentity`.
    #[error("enclave {0} cannot be retired by the release that adds it")]
    RetiringNewIdentity(String),
    /// `NothingToPrune`.
    #[error("no identity has passed its grace deadline: nothing to prune")]
    NothingToPrune,
    /// The change depends on the time it runs at, which is unknown.
    #[error("{0} depends on the block time, which is unknown here")]
    NeedsTime(&'static str),
    /// `MetadataKeyIsLocked`.
    #[error("metadata key {0:?} is locked: no change may set or delete it")]
    MetadataKeyIsLocked(String),
    /// `SecretIsLocked`.
    #[error("secret {0:?} is locked: no change may set or delete it")]
    SecretIsLocked(String),
    /// `MetadataKeyAlreadyLocked`.
    #[error("metadata key {0:?} is locked already")]
    MetadataKeyAlreadyLocked(String),
    /// `SecretAlreadyLocked`.
    #[error("secret {0:?} is locked already")]
    SecretAlreadyLocked(String),
    /// `InvalidFloors`.
    #[error("floor bits {0:#x} name no floor (1: min TCB, 2: TDX modules, 4: max_expiration)")]
    InvalidFloors(u8),
    /// `FloorAlreadyLocked`.
    #[error("floor(s) {} locked already", Floors(*.0).names().join(", "))]
    FloorAlreadyLocked(u8),
    /// `MinTcbEvaluationDataNumberLocked`.
    #[error("min_tcb_evaluation_data_number is locked: {given} is below the floor {floor}")]
    MinTcbEvaluationDataNumberLocked {
        /// The number given (0: no PCS).
        given: u32,
        /// The current number.
        floor: u32,
    },
    /// `TdxModulesLocked`.
    #[error(
        "the allowed TDX modules are locked: the new quote policy accepts a module the current one does not"
    )]
    TdxModulesLocked,
    /// `MaxExpirationLocked`.
    #[error("max_expiration is locked: {given} is above the current {ceiling} (it may only go down)")]
    MaxExpirationLocked {
        /// The value given.
        given: u64,
        /// The current value.
        ceiling: u64,
    },
    /// `AppHasLocks`.
    #[error("the app has locks: it cannot be handed to another admin, which could change what is locked")]
    AppHasLocks,
}

impl ApplyError {
    /// Whether the contract refuses the change because it would break a one-way lock.
    pub fn breaks_lock(&self) -> bool {
        matches!(
            self,
            ApplyError::MetadataKeyIsLocked(_)
                | ApplyError::SecretIsLocked(_)
                | ApplyError::MinTcbEvaluationDataNumberLocked { .. }
                | ApplyError::TdxModulesLocked
                | ApplyError::MaxExpirationLocked { .. }
                | ApplyError::AppHasLocks
        )
    }
}

fn guardian_text(guardian: &Option<Address>) -> String {
    match guardian {
        Some(g) => format!(" ({g})"),
        None => " (the app has no guardian)".into(),
    }
}

/// Who sends a change, for [`PolicyChange::apply_to`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(tag = "caller", content = "address", rename_all = "snake_case")]
pub enum Caller {
    /// The owner (the Safe or the Timelock): proposals.
    #[default]
    Owner,
    /// Another account (the guardian's rights follow from the app's [`ReleaseState::guardian`]).
    Account(Address),
}

/// The circumstances a change runs in, for [`PolicyChange::apply_to`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ApplyContext {
    /// Who calls.
    pub caller: Caller,
    /// Inside a `multicall` (the owner's batch).
    pub in_batch: bool,
    /// The block time (unix seconds) it runs at, when known: deadlines are checked against it
    /// and `prune` needs it.
    pub now: Option<u64>,
    /// The policy contract's own address (never a valid guardian), when known.
    pub contract: Option<Address>,
}

impl ApplyContext {
    /// The owner, at `now` (unknown: `None`).
    pub fn owner(now: Option<u64>) -> Self {
        Self { now, ..Default::default() }
    }
}

/// The check the contract makes before it sends an update, with the freeze rule: a frozen app
/// never sends an identity, an app that is not frozen never sends none.
pub fn check_sendable_with(config: &AppConfig, state: &ReleaseState) -> Result<(), ApplyError> {
    match (state.frozen, config.policy.enclaves.is_empty()) {
        (true, false) => Err(ApplyError::AppIsFrozen),
        (false, true) => Err(ApplyError::EmptyEnclaveList),
        _ => Ok(()),
    }
}

/// Base64 of `mr_enclave ‖ mr_signer`: the `id` rofl.yaml writes ([`EnclaveIdentity::to_text`],
/// the one text form of an identity).
pub fn enclave_text_id(identity: &EnclaveIdentity) -> String {
    identity.to_text()
}

impl PolicyChange {
    /// Applies the change to `config` as the contract does (enclaves: append, swap-and-pop
    /// removal; the admin only changes through transfer/renounce). The final lock-out check
    /// (no enclave left) is [`check_sendable_with`], made once per update, as the contract makes
    /// it once per batch.
    ///
    /// The release, guardian and grace-period changes need the state the contract keeps next to
    /// the config; here they run against an empty [`ReleaseState`] as the owner with the time
    /// unknown (use [`PolicyChange::apply_to`] for the faithful model).
    pub fn apply(&self, config: &mut AppConfig) -> Result<(), ApplyError> {
        match self {
            PolicyChange::AddRelease { .. }
            | PolicyChange::SetRetirement { .. }
            | PolicyChange::SetGuardian { .. }
            | PolicyChange::Unfreeze
            | PolicyChange::RevokeEnclave(_)
            | PolicyChange::Freeze
            | PolicyChange::Prune
            | PolicyChange::LockMetadata { .. }
            | PolicyChange::LockSecret { .. }
            | PolicyChange::LockFloors(_) => {
                self.apply_to(config, &mut ReleaseState::default(), &ApplyContext::default())
            }
            _ => self.apply_config(config),
        }
    }

    /// Applies the change to `config` and the app's `state` as the contract does, with the
    /// caller's rights (owner, guardian, anyone), the freeze, release ids, grace deadlines and
    /// revoked marks. On error nothing changes (the call reverts). The final check of an update
    /// is [`check_sendable_with`].
    pub fn apply_to(
        &self,
        config: &mut AppConfig,
        state: &mut ReleaseState,
        ctx: &ApplyContext,
    ) -> Result<(), ApplyError> {
        let mut next_config = config.clone();
        let mut next_state = state.clone();
        self.apply_model(&mut next_config, &mut next_state, ctx)?;
        *config = next_config;
        *state = next_state;
        Ok(())
    }

    fn apply_model(
        &self,
        config: &mut AppConfig,
        state: &mut ReleaseState,
        ctx: &ApplyContext,
    ) -> Result<(), ApplyError> {
        let function = self.function_name();
        let require_owner = || match ctx.caller {
            Caller::Owner => Ok(()),
            Caller::Account(caller) => Err(ApplyError::NotOwner { function, caller }),
        };
        let require_deadline = |deadline: u64| match ctx.now {
            Some(now) => {
                let latest = now + MAX_GRACE_PERIOD;
                if deadline <= now || deadline > latest {
                    Err(ApplyError::InvalidDeadline { deadline, latest })
                } else {
                    Ok(())
                }
            }
            None => Ok(()),
        };
        // RoflLockLogic's checks run after access control and before the change's own checks.
        // Every change a lock guards is owner-only: for anyone else access control reverts first.
        if ctx.caller == Caller::Owner {
            self.check_locks(config, state)?;
        }
        match self {
            PolicyChange::LockMetadata { key } => {
                require_owner()?;
                check_key("metadata key", key)?;
                if state.locks.metadata_keys.contains(key) {
                    return Err(ApplyError::MetadataKeyAlreadyLocked(key.clone()));
                }
                let count = state.locks.metadata_keys.len() + 1;
                if count > limits::MAX_METADATA_PAIRS {
                    return Err(ApplyError::TooManyEntries { what: "metadata locks", count });
                }
                state.locks.metadata_keys.push(key.clone());
            }
            PolicyChange::LockSecret { name } => {
                require_owner()?;
                check_key("secret name", name)?;
                if state.locks.secret_names.contains(name) {
                    return Err(ApplyError::SecretAlreadyLocked(name.clone()));
                }
                let count = state.locks.secret_names.len() + 1;
                if count > limits::MAX_SECRET_PAIRS {
                    return Err(ApplyError::TooManyEntries { what: "secret locks", count });
                }
                state.locks.secret_names.push(name.clone());
            }
            PolicyChange::LockFloors(floors) => {
                require_owner()?;
                if floors.0 == 0 || floors.0 & !Floors::ALL.0 != 0 {
                    return Err(ApplyError::InvalidFloors(floors.0));
                }
                let overlap = state.locks.floors.0 & floors.0;
                if overlap != 0 {
                    return Err(ApplyError::FloorAlreadyLocked(overlap));
                }
                state.locks.floors.0 |= floors.0;
            }
            PolicyChange::AddRelease { identities, record, retire, grace_until } => {
                require_owner()?;
                if identities.is_empty() {
                    return Err(ApplyError::EmptyRelease);
                }
                if let Some(field) = record.invalid_field() {
                    return Err(ApplyError::InvalidReleaseRecord(field));
                }
                if *grace_until != 0 {
                    require_deadline(*grace_until)?;
                }
                state.releases.push(record.clone());
                let release_id = state.releases.len() as u32;
                for identity in identities {
                    if config.policy.enclaves.contains(identity) {
                        return Err(ApplyError::EnclaveAlreadyAllowed(enclave_text_id(identity)));
                    }
                    config.policy.enclaves.push(*identity);
                    state.meta_mut(identity).release_id = release_id;
                }
                for identity in retire {
                    if state.meta(identity).release_id == release_id {
                        return Err(ApplyError::RetiringNewIdentity(enclave_text_id(identity)));
                    }
                    if *grace_until == 0 {
                        remove_identity(config, state, identity)?;
                    } else {
                        if !config.policy.enclaves.contains(identity) {
                            return Err(ApplyError::EnclaveNotAllowed(enclave_text_id(identity)));
                        }
                        state.meta_mut(identity).retire_at = *grace_until;
                    }
                }
                if config.policy.enclaves.len() > MAX_ENCLAVES {
                    return Err(ApplyError::TooManyEnclaves(config.policy.enclaves.len()));
                }
            }
            PolicyChange::SetRetirement { identity, deadline } => {
                require_owner()?;
                if !config.policy.enclaves.contains(identity) {
                    return Err(ApplyError::EnclaveNotAllowed(enclave_text_id(identity)));
                }
                if *deadline != 0 {
                    require_deadline(*deadline)?;
                }
                state.meta_mut(identity).retire_at = *deadline;
            }
            PolicyChange::SetGuardian { guardian } => {
                require_owner()?;
                if Some(*guardian) == ctx.contract {
                    return Err(ApplyError::InvalidGuardian(*guardian));
                }
                state.guardian = (!guardian.is_zero()).then_some(*guardian);
            }
            PolicyChange::Unfreeze => {
                require_owner()?;
                if !state.frozen {
                    return Err(ApplyError::AppNotFrozen);
                }
                state.frozen = false;
            }
            PolicyChange::RevokeEnclave(identity) => {
                require_owner_or_guardian(ctx, state)?;
                remove_identity(config, state, identity)?;
                state.meta_mut(identity).revoked = true;
            }
            PolicyChange::Freeze => {
                require_owner_or_guardian(ctx, state)?;
                if state.frozen {
                    return Err(ApplyError::AppIsFrozen);
                }
                while let Some(identity) = config.policy.enclaves.pop() {
                    let meta = state.meta_mut(&identity);
                    meta.retire_at = 0;
                    meta.revoked = true;
                }
                state.frozen = true;
            }
            PolicyChange::Prune => {
                let now = ctx.now.ok_or(ApplyError::NeedsTime("prune"))?;
                let mut pruned = 0;
                for i in (0..config.policy.enclaves.len()).rev() {
                    let identity = config.policy.enclaves[i];
                    if is_expired(state.meta(&identity).retire_at, now) {
                        remove_identity(config, state, &identity)?;
                        pruned += 1;
                    }
                }
                if pruned == 0 {
                    return Err(ApplyError::NothingToPrune);
                }
            }
            PolicyChange::RemoveEnclave(identity) => {
                require_owner()?;
                remove_identity(config, state, identity)?;
            }
            PolicyChange::AddEnclave(_) => {
                require_owner()?;
                self.apply_config(config)?;
                if config.policy.enclaves.len() > MAX_ENCLAVES {
                    return Err(ApplyError::TooManyEnclaves(config.policy.enclaves.len()));
                }
            }
            PolicyChange::AdoptApp { .. } => {
                require_owner()?;
                self.apply_config(config)?;
                // A re-adoption starts with a fresh app state; marks of identities outlive it.
                state.guardian = None;
                state.frozen = false;
            }
            PolicyChange::TransferRoflAdmin { .. }
            | PolicyChange::RenounceRoflAdmin
            | PolicyChange::RemoveApp => {
                require_owner()?;
                self.apply_config(config)?;
                // The contract forgets the app: deadlines go, guardian and freeze with the app.
                for identity in &config.policy.enclaves {
                    if let Some(meta) = state.identities.get_mut(identity) {
                        meta.retire_at = 0;
                    }
                }
                state.guardian = None;
                state.frozen = false;
            }
            _ => {
                require_owner()?;
                self.apply_config(config)?;
            }
        }
        Ok(())
    }

    /// `RoflLockLogic.check*`: whether the change breaks one of the app's locks (made before the
    /// change's own checks, as the contract makes them).
    fn check_locks(&self, config: &AppConfig, state: &ReleaseState) -> Result<(), ApplyError> {
        let locks = &state.locks;
        match self {
            PolicyChange::SetMetadata { key, .. } if locks.metadata(config, key) == KeyLock::Fixed => {
                Err(ApplyError::MetadataKeyIsLocked(key.clone()))
            }
            PolicyChange::DeleteMetadata { key } if locks.metadata(config, key) != KeyLock::Unlocked => {
                Err(ApplyError::MetadataKeyIsLocked(key.clone()))
            }
            PolicyChange::SetSecret { name, .. } if locks.secret(config, name) == KeyLock::Fixed => {
                Err(ApplyError::SecretIsLocked(name.clone()))
            }
            PolicyChange::DeleteSecret { name } if locks.secret(config, name) != KeyLock::Unlocked => {
                Err(ApplyError::SecretIsLocked(name.clone()))
            }
            PolicyChange::SetMaxExpiration(given)
                if locks.floors.contains(Floors::MAX_EXPIRATION) && *given > config.policy.max_expiration =>
            {
                Err(ApplyError::MaxExpirationLocked { given: *given, ceiling: config.policy.max_expiration })
            }
            PolicyChange::SetQuotePolicy(quotes) => {
                let current = &config.policy.quotes;
                if locks.floors.contains(Floors::MIN_TCB_EVALUATION_DATA_NUMBER)
                    && min_tcb(quotes) < min_tcb(current)
                {
                    return Err(ApplyError::MinTcbEvaluationDataNumberLocked {
                        given: min_tcb(quotes),
                        floor: min_tcb(current),
                    });
                }
                if locks.floors.contains(Floors::TDX_MODULES) && !tdx_modules_shrink(current, quotes) {
                    return Err(ApplyError::TdxModulesLocked);
                }
                Ok(())
            }
            // transferRoflAdmin checks the zero admin first.
            PolicyChange::TransferRoflAdmin { new_admin } if !new_admin.is_zero() && !locks.is_empty() => {
                Err(ApplyError::AppHasLocks)
            }
            _ => Ok(()),
        }
    }

    fn apply_config(&self, config: &mut AppConfig) -> Result<(), ApplyError> {
        match self {
            PolicyChange::CreateApp { .. } => return Err(ApplyError::NotAnUpdate("createApp")),
            PolicyChange::AdoptApp { policy, metadata, secrets } => {
                check_fmspcs(&policy.quotes)?;
                metadata.keys().try_for_each(|key| check_key("metadata key", key))?;
                secrets.keys().try_for_each(|name| check_key("secret name", name))?;
                config.policy = policy.clone();
                config.metadata = metadata.clone();
                config.secrets = secrets.clone();
            }
            PolicyChange::AddEnclave(identity) => {
                if config.policy.enclaves.contains(identity) {
                    return Err(ApplyError::EnclaveAlreadyAllowed(enclave_text_id(identity)));
                }
                config.policy.enclaves.push(*identity);
            }
            PolicyChange::RemoveEnclave(identity) => {
                let position = config
                    .policy
                    .enclaves
                    .iter()
                    .position(|known| known == identity)
                    .ok_or_else(|| ApplyError::EnclaveNotAllowed(enclave_text_id(identity)))?;
                config.policy.enclaves.swap_remove(position);
            }
            PolicyChange::SetEndorsements(endorsements) => config.policy.endorsements = endorsements.clone(),
            PolicyChange::SetFees(fees) => config.policy.fees = *fees,
            PolicyChange::SetMaxExpiration(epochs) => {
                // RoflPolicyValidation.validateMaxExpiration: 0 would let no registration live.
                if *epochs == 0 || *epochs > limits::MAX_EXPIRATION_EPOCHS {
                    return Err(ApplyError::InvalidMaxExpiration(*epochs));
                }
                config.policy.max_expiration = *epochs;
            }
            PolicyChange::SetQuotePolicy(quotes) => {
                check_fmspcs(quotes)?;
                config.policy.quotes = quotes.clone();
            }
            PolicyChange::SetMetadata { key, value } => {
                check_key("metadata key", key)?;
                config.metadata.insert(key.clone(), value.clone());
                if config.metadata.len() > limits::MAX_METADATA_PAIRS {
                    return Err(ApplyError::TooManyEntries {
                        what: "metadata",
                        count: config.metadata.len(),
                    });
                }
            }
            PolicyChange::DeleteMetadata { key } => {
                config.metadata.remove(key).ok_or_else(|| ApplyError::MetadataKeyNotFound(key.clone()))?;
            }
            PolicyChange::SetSecret { name, value } => {
                check_key("secret name", name)?;
                config.secrets.insert(name.clone(), value.clone());
                if config.secrets.len() > limits::MAX_SECRET_PAIRS {
                    return Err(ApplyError::TooManyEntries { what: "secrets", count: config.secrets.len() });
                }
            }
            PolicyChange::DeleteSecret { name } => {
                config.secrets.remove(name).ok_or_else(|| ApplyError::SecretNotFound(name.clone()))?;
            }
            PolicyChange::TransferRoflAdmin { new_admin } => {
                if new_admin.is_zero() {
                    return Err(ApplyError::ZeroAdmin);
                }
                config.admin = Some(*new_admin);
            }
            PolicyChange::RenounceRoflAdmin => config.admin = None,
            PolicyChange::RemoveApp => {}
            PolicyChange::AddRelease { .. }
            | PolicyChange::SetRetirement { .. }
            | PolicyChange::SetGuardian { .. }
            | PolicyChange::Unfreeze
            | PolicyChange::RevokeEnclave(_)
            | PolicyChange::Freeze
            | PolicyChange::Prune
            | PolicyChange::LockMetadata { .. }
            | PolicyChange::LockSecret { .. }
            | PolicyChange::LockFloors(_) => unreachable!("handled by apply_model"),
        }
        Ok(())
    }
}

/// `_removeEnclave`: swap-and-pop, clears the deadline and the revoked mark, keeps the release.
fn remove_identity(
    config: &mut AppConfig,
    state: &mut ReleaseState,
    identity: &EnclaveIdentity,
) -> Result<(), ApplyError> {
    let position = config
        .policy
        .enclaves
        .iter()
        .position(|known| known == identity)
        .ok_or_else(|| ApplyError::EnclaveNotAllowed(enclave_text_id(identity)))?;
    config.policy.enclaves.swap_remove(position);
    if let Some(meta) = state.identities.get_mut(identity) {
        meta.retire_at = 0;
        meta.revoked = false;
    }
    Ok(())
}

/// `_requireOwnerOrGuardian`.
fn require_owner_or_guardian(ctx: &ApplyContext, state: &ReleaseState) -> Result<(), ApplyError> {
    match ctx.caller {
        Caller::Owner => Ok(()),
        Caller::Account(caller) if state.guardian == Some(caller) => {
            if ctx.in_batch {
                Err(ApplyError::GuardianInBatch)
            } else {
                Ok(())
            }
        }
        Caller::Account(caller) => Err(ApplyError::NotOwnerOrGuardian { caller, guardian: state.guardian }),
    }
}
