//! [`RoflAdminClient`]: deploy, read, change and audit the policy contract.

use std::collections::HashMap;

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::Provider,
    rpc::types::{Filter, Log, TransactionReceipt, TransactionRequest},
    sol_types::{SolCall, SolConstructor, SolEventInterface},
};
use roflgov_types::{
    AllowedEndorsement, AppAuthPolicy, AppConfig, AppId, EnclaveIdentity, FeePolicy, Metadata, QuotePolicy,
    RoflCall,
    abi::{self as types_abi, AbiError},
    cbor::{self, CborError},
    ids::Address as OasisAddress,
};
use serde::Serialize;

use roflgov_contracts::{
    Artifact,
    revert::{self, DecodedRevert},
};
use roflgov_core::bindings::RoflAppAdmin as Abi;
use roflgov_core::rofl::{
    changes::{CalldataError, PolicyChange, changes_to_calldata, enclave_text_id},
    locks::LockState,
    release::{IdentityInfo, IdentityMeta, IdentityStatus, ReleaseRecord, ReleaseState},
};

use super::bindings::RoflAppAdmin;

/// Errors talking to the policy contract.
#[derive(Debug, thiserror::Error)]
pub enum RoflClientError {
    /// The contract reverted with one of its custom errors (`StaleVersion`, `UnknownApp`, ...).
    #[error("the policy contract reverted: {0:?}")]
    Reverted(RoflAppAdmin::RoflAppAdminErrors),
    /// The call reverted with something else (`Error(string)`, a panic, another contract's
    /// error, unknown data), as the one decoder (`roflgov_contracts::revert`) reads it.
    #[error("the policy contract reverted: {0}")]
    RevertedOther(DecodedRevert),
    /// The transaction was mined but failed.
    #[error("transaction {0} reverted")]
    TxFailed(B256),
    /// A contract call failed (RPC, revert without a known error, decoding).
    #[error(transparent)]
    Contract(alloy::contract::Error),
    /// A JSON-RPC error.
    #[error(transparent)]
    Rpc(alloy::transports::TransportError),
    /// Waiting for a transaction failed.
    #[error(transparent)]
    Pending(#[from] alloy::providers::PendingTransactionError),
    /// The contract returned a config the typed model rejects.
    #[error("the contract returned an invalid config: {0}")]
    InvalidConfig(#[from] AbiError),
    /// Calldata could not be built.
    #[error(transparent)]
    Calldata(#[from] CalldataError),
    /// Deployment failed.
    #[error("deploying RoflAppAdmin: {0:#}")]
    Deploy(eyre::Report),
    /// `createApp` succeeded but emitted no `AppCreated`.
    #[error("createApp transaction {0} emitted no AppCreated event")]
    NoAppCreated(B256),
}

impl From<alloy::contract::Error> for RoflClientError {
    fn from(err: alloy::contract::Error) -> Self {
        match err.as_revert_data() {
            Some(data) => Self::from_revert(&data),
            None => Self::Contract(err),
        }
    }
}

impl From<alloy::transports::TransportError> for RoflClientError {
    fn from(err: alloy::transports::TransportError) -> Self {
        match err.as_error_resp().and_then(|payload| payload.as_revert_data()) {
            Some(data) => Self::from_revert(&data),
            None => Self::Rpc(err),
        }
    }
}

impl RoflClientError {
    /// The error of revert data: the policy contract's own errors typed, anything else as the
    /// one decoder reads it.
    pub fn from_revert(data: &[u8]) -> Self {
        match revert::decode_typed::<RoflAppAdmin::RoflAppAdminErrors>(data) {
            Ok(error) => Self::Reverted(error),
            Err(other) => Self::RevertedOther(other),
        }
    }

    /// The contract's custom error, when the failure is one.
    pub fn contract_error(&self) -> Option<&RoflAppAdmin::RoflAppAdminErrors> {
        match self {
            RoflClientError::Reverted(error) => Some(error),
            _ => None,
        }
    }
}

impl roflgov_types::Classified for RoflClientError {
    /// A stale proposal, a refused caller or nothing to prune is a verification failure;
    /// everything else (an unmanaged app, other reverts, RPC) is a chain error.
    fn class(&self) -> roflgov_types::FailureClass {
        use RoflAppAdmin::RoflAppAdminErrors as E;
        use roflgov_types::FailureClass;
        match self.contract_error() {
            Some(E::StaleVersion(_) | E::NotOwnerOrGuardian(_) | E::NothingToPrune(_)) => {
                FailureClass::Verification
            }
            _ => FailureClass::Chain,
        }
    }

    /// What the contract's refusal means, in words.
    fn explain(&self) -> String {
        use RoflAppAdmin::RoflAppAdminErrors as E;
        match self.contract_error() {
            Some(E::StaleVersion(e)) => format!(
                "stale proposal: it expects version {} of app {}, the app is at version {}",
                e.expected,
                AppId(e.appId.0),
                e.current
            ),
            Some(E::NotOwnerOrGuardian(e)) => format!(
                "refused: {} is neither the owner nor the guardian of app {}",
                e.caller,
                AppId(e.appId.0)
            ),
            Some(E::NothingToPrune(e)) => {
                format!("no identity of app {} has passed its grace deadline", AppId(e.appId.0))
            }
            Some(E::UnknownApp(e)) => format!("the policy contract does not manage app {}", AppId(e.appId.0)),
            Some(other) => format!("the policy contract reverted with {other:?}"),
            None => self.to_string(),
        }
    }
}

/// How long to wait for a transaction's receipt before giving up.
pub const RECEIPT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// An app's config as the contract holds it, with its version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ManagedApp {
    /// The complete config (admin = the contract).
    pub config: AppConfig,
    /// Grows by one with every `rofl.Update` sent; 1 after create/adopt.
    pub version: u64,
}

/// Typed client of one deployed `RoflAppAdmin`.
#[derive(Clone, Debug)]
pub struct RoflAdminClient<P> {
    contract: RoflAppAdmin::RoflAppAdminInstance<P>,
}

impl<P: Provider + Clone> RoflAdminClient<P> {
    /// A client of the contract at `address`.
    pub fn new(address: Address, provider: P) -> Self {
        Self { contract: RoflAppAdmin::new(address, provider) }
    }

    /// Deploys `RoflAppAdmin(initial_owner)` from `deployer`, from forge's `out/` (with its
    /// external libraries deployed and linked first if it uses any, see [`crate::deploy`]).
    pub async fn deploy_from(
        provider: P,
        deployer: Address,
        initial_owner: Address,
    ) -> Result<Self, RoflClientError> {
        let artifact = Artifact::embedded("RoflAppAdmin").map_err(|e| RoflClientError::Deploy(e.into()))?;
        let args = RoflAppAdmin::constructorCall { initialOwner: initial_owner }.abi_encode();
        let address = crate::deploy::deploy_linked(&provider, deployer, &artifact, &args)
            .await
            .map_err(RoflClientError::Deploy)?;
        Ok(Self::new(address, provider))
    }

    /// The contract address.
    pub fn address(&self) -> Address {
        *self.contract.address()
    }

    /// The provider.
    pub fn provider(&self) -> &P {
        self.contract.provider()
    }

    /// The raw binding, for calls this client does not wrap.
    pub fn contract(&self) -> &RoflAppAdmin::RoflAppAdminInstance<P> {
        &self.contract
    }

    /// The owner (a Safe, a Timelock, or an EOA in tests).
    pub async fn owner(&self) -> Result<Address, RoflClientError> {
        Ok(self.contract.owner().call().await?)
    }

    /// The Oasis address the ROFL module sees for the contract (the admin of managed apps).
    pub async fn rofl_admin_address(&self) -> Result<OasisAddress, RoflClientError> {
        Ok(OasisAddress(self.contract.roflAdminAddress().call().await?.0))
    }

    /// The apps the contract manages.
    pub async fn app_ids(&self) -> Result<Vec<AppId>, RoflClientError> {
        Ok(self.contract.appIds().call().await?.into_iter().map(|id| AppId(id.0)).collect())
    }

    /// Whether the contract manages `app`.
    pub async fn is_managed(&self, app: AppId) -> Result<bool, RoflClientError> {
        Ok(self.contract.isManaged(app.to_fixed_bytes()).call().await?)
    }

    /// The app's current version.
    pub async fn version(&self, app: AppId) -> Result<u64, RoflClientError> {
        Ok(self.contract.version(app.to_fixed_bytes()).call().await?)
    }

    /// The app's complete config and version (`getApp`).
    pub async fn get_app(&self, app: AppId) -> Result<ManagedApp, RoflClientError> {
        let config = self.view(&Abi::getAppCall { appId: app.to_fixed_bytes() }).await?;
        Ok(ManagedApp { config: AppConfig::try_from(&config)?, version: config.version })
    }

    /// The exact CBOR `rofl.Update` body the next update would send (`encodeUpdate`).
    pub async fn encode_update(&self, app: AppId) -> Result<Bytes, RoflClientError> {
        Ok(self.contract.encodeUpdate(app.to_fixed_bytes()).call().await?)
    }

    /// The app's revoke-only guardian (`None`: none).
    pub async fn guardian(&self, app: AppId) -> Result<Option<Address>, RoflClientError> {
        let guardian = self.contract.guardianOf(app.to_fixed_bytes()).call().await?;
        Ok((!guardian.is_zero()).then_some(guardian))
    }

    /// Whether the app is frozen (no identity allowed until governance unfreezes it).
    pub async fn is_frozen(&self, app: AppId) -> Result<bool, RoflClientError> {
        Ok(self.contract.isFrozen(app.to_fixed_bytes()).call().await?)
    }

    /// The app's one-way locks (`locks(appId)`).
    pub async fn locks(&self, app: AppId) -> Result<LockState, RoflClientError> {
        Ok(LockState::from(&self.view(&Abi::locksCall { appId: app.to_fixed_bytes() }).await?))
    }

    /// Every release record of the app, in order (`releases()[i]` has id `i + 1`).
    pub async fn releases(&self, app: AppId) -> Result<Vec<ReleaseRecord>, RoflClientError> {
        let records = self.view(&Abi::releasesCall { appId: app.to_fixed_bytes() }).await?;
        Ok(records.iter().map(ReleaseRecord::from).collect())
    }

    /// The release `identity` was last added with (`None`: added without a record, or never).
    pub async fn release_of(
        &self,
        app: AppId,
        identity: &EnclaveIdentity,
    ) -> Result<Option<(u32, ReleaseRecord)>, RoflClientError> {
        let call = Abi::releaseOfCall { appId: app.to_fixed_bytes(), identity: identity.into() };
        let answer = self.view(&call).await?;
        Ok((answer.releaseId != 0).then(|| (answer.releaseId, ReleaseRecord::from(&answer.record))))
    }

    /// Where `identity` stands for the app: status, release id, grace deadline.
    pub async fn identity_info(
        &self,
        app: AppId,
        identity: &EnclaveIdentity,
    ) -> Result<IdentityInfo, RoflClientError> {
        let call = Abi::identityInfoCall { appId: app.to_fixed_bytes(), identity: identity.into() };
        Ok(IdentityInfo::from(&self.view(&call).await?))
    }

    /// The allowed identities in policy order, each with its release id (0: none) and grace
    /// deadline (0: none).
    pub async fn enclave_releases(
        &self,
        app: AppId,
    ) -> Result<Vec<(EnclaveIdentity, u32, u64)>, RoflClientError> {
        let list = self.view(&Abi::enclaveReleasesCall { appId: app.to_fixed_bytes() }).await?;
        Ok(list.iter().map(|r| (EnclaveIdentity::from(&r.identity), r.releaseId, r.retireAt)).collect())
    }

    /// What `prune` would remove now.
    pub async fn expired_enclaves(&self, app: AppId) -> Result<Vec<EnclaveIdentity>, RoflClientError> {
        let list = self.view(&Abi::expiredEnclavesCall { appId: app.to_fixed_bytes() }).await?;
        Ok(list.iter().map(EnclaveIdentity::from).collect())
    }

    /// roflgov's state next to the app's config: guardian, freeze, release records and the
    /// marks of the allowed identities and of `also` (e.g. identities instances run, to learn
    /// which were revoked).
    pub async fn release_state(
        &self,
        app: AppId,
        also: &[EnclaveIdentity],
    ) -> Result<ReleaseState, RoflClientError> {
        let mut state = ReleaseState {
            guardian: self.guardian(app).await?,
            frozen: self.is_frozen(app).await?,
            releases: self.releases(app).await?,
            identities: Default::default(),
            locks: self.locks(app).await?,
        };
        for (identity, release_id, retire_at) in self.enclave_releases(app).await? {
            state.identities.insert(identity, IdentityMeta { retire_at, release_id, revoked: false });
        }
        for identity in also {
            if state.identities.contains_key(identity) {
                continue;
            }
            let info = self.identity_info(app, identity).await?;
            state.identities.insert(
                *identity,
                IdentityMeta {
                    retire_at: info.retire_at,
                    release_id: info.release_id,
                    revoked: info.status == IdentityStatus::Revoked,
                },
            );
        }
        Ok(state)
    }

    /// The latest block's timestamp (unix seconds): "now" for deadlines.
    pub async fn chain_time(&self) -> Result<u64, RoflClientError> {
        let block = self
            .provider()
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await?
            .ok_or_else(|| RoflClientError::Deploy(eyre::eyre!("the node returned no latest block")))?;
        Ok(block.header.timestamp)
    }

    /// Sends `createApp` from `from` with the 100 ROSE stake; returns the new app id.
    pub async fn create_app(
        &self,
        from: Address,
        policy: &AppAuthPolicy,
        metadata: &Metadata,
        scheme: roflgov_types::IdentifierScheme,
    ) -> Result<(AppId, TransactionReceipt), RoflClientError> {
        let change = PolicyChange::CreateApp { policy: policy.clone(), metadata: metadata.clone(), scheme };
        let receipt = self.send(from, change.to_calldata(AppId::default(), 0)?, change.value()).await?;
        let created = receipt
            .inner
            .logs()
            .iter()
            .find_map(|log| log.log_decode::<RoflAppAdmin::AppCreated>().ok())
            .ok_or(RoflClientError::NoAppCreated(receipt.transaction_hash))?;
        Ok((AppId(created.inner.data.appId.0), receipt))
    }

    /// Sends `changes` on `app` from `from` (the owner): one call, or one `multicall`.
    pub async fn apply(
        &self,
        from: Address,
        app: AppId,
        expected_version: u64,
        changes: &[PolicyChange],
    ) -> Result<TransactionReceipt, RoflClientError> {
        let value = changes.iter().map(PolicyChange::value).fold(U256::ZERO, |a, b| a + b);
        self.send(from, changes_to_calldata(app, expected_version, changes)?, value).await
    }

    /// Sends raw calldata to the contract from `from` and waits for a successful receipt.
    /// Reverts found while estimating gas come back as [`RoflClientError::Reverted`].
    pub async fn send(
        &self,
        from: Address,
        data: Bytes,
        value: U256,
    ) -> Result<TransactionReceipt, RoflClientError> {
        let request = TransactionRequest::default()
            .with_from(from)
            .with_to(self.address())
            .with_input(data)
            .with_value(value);
        // Simulate first: a revert comes back decoded, and nothing reaches the provider's nonce
        // filler (alloy's cached nonce manager can skip a nonce when a send fails in gas
        // estimation, leaving the account's next transaction pending forever).
        self.provider().call(request.clone()).await?;
        // With a margin over the estimate (`roflgov_core::gas`): a change that sends roflmarket
        // Deploys writes a timestamp, which can cost more in the block it lands in.
        let estimate = self.provider().estimate_gas(request.clone()).await?;
        let request = request.with_gas_limit(roflgov_core::gas::with_margin(estimate));
        let receipt = self
            .provider()
            .send_transaction(request)
            .await?
            .with_timeout(Some(RECEIPT_TIMEOUT))
            .get_receipt()
            .await?;
        if !receipt.status() {
            return Err(RoflClientError::TxFailed(receipt.transaction_hash));
        }
        Ok(receipt)
    }

    /// The change history rebuilt from the contract's logs alone (every app, or one), from
    /// block `from_block` on.
    pub async fn history(
        &self,
        app: Option<AppId>,
        from_block: u64,
    ) -> Result<Vec<HistoryEntry>, RoflClientError> {
        let mut filter = Filter::new().address(self.address()).from_block(from_block);
        if let Some(app) = app {
            filter = filter.topic1(B256::right_padding_from(app.as_bytes()));
        }
        let logs = self.provider().get_logs(&filter).await?;
        Ok(history_from_logs(self.address(), &logs))
    }
}

impl<P: Provider + Clone> RoflAdminClient<P> {
    /// A read-only call through the one set of `sol!` bindings (`roflgov_contracts::bindings`),
    /// whose `RoflTypes.sol` structs are `roflgov_types::abi`'s: the RPC bindings above
    /// generate their own copies of those structs, which would need converting.
    async fn view<C: SolCall>(&self, call: &C) -> Result<C::Return, RoflClientError> {
        let tx =
            TransactionRequest::default().with_to(*self.contract.address()).with_input(call.abi_encode());
        let output = self.contract.provider().call(tx).await?;
        C::abi_decode_returns(&output).map_err(|e| RoflClientError::Contract(e.into()))
    }
}

// ---------------------------------------------------------------------------------------------
// History
// ---------------------------------------------------------------------------------------------

/// What a history entry records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HistoryKind {
    /// `createApp` (`rofl.Create`, version 1).
    Created {
        /// Stake sent with the create.
        stake: U256,
    },
    /// `adoptApp` (first `rofl.Update`, version 1).
    Adopted,
    /// A `rofl.Update` with the contract as admin.
    Updated,
    /// The last `rofl.Update`, handing the admin to another address (or to none).
    AdminTransferred {
        /// The new admin; `None` after a renounce.
        new_admin: Option<OasisAddress>,
    },
    /// `rofl.Remove`.
    Removed,
    /// A change of roflgov's own state that sends no update (`setGuardian`, `setRetirement`).
    StateOnly,
}

/// A change as its own event logged it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "change", content = "args", rename_all = "snake_case")]
pub enum LoggedChange {
    /// `EnclaveAdded`.
    EnclaveAdded(EnclaveIdentity),
    /// `EnclaveRemoved`.
    EnclaveRemoved(EnclaveIdentity),
    /// `EndorsementsReplaced` (`None` when the logged tree is malformed).
    EndorsementsReplaced(Option<Vec<AllowedEndorsement>>),
    /// `FeesSet` (`None` for an invalid code).
    FeesSet(Option<FeePolicy>),
    /// `MaxExpirationSet`.
    MaxExpirationSet(u64),
    /// `QuotePolicySet` (`None` when malformed).
    QuotePolicySet(Option<QuotePolicy>),
    /// `MetadataSet`.
    MetadataSet {
        /// Key.
        key: String,
        /// Value.
        value: String,
    },
    /// `MetadataDeleted`.
    MetadataDeleted {
        /// Key.
        key: String,
    },
    /// `SecretSet` (names only are logged).
    SecretSet {
        /// Name.
        name: String,
    },
    /// `SecretDeleted`.
    SecretDeleted {
        /// Name.
        name: String,
    },
    /// `ReleaseAdded`: the record the release's identities carry.
    ReleaseAdded {
        /// 1-based id.
        release_id: u32,
        /// The identities it allowed.
        identities: Vec<EnclaveIdentity>,
        /// The provenance.
        record: ReleaseRecord,
    },
    /// `RetirementScheduled` (`retire_at` 0: cancelled).
    RetirementScheduled {
        /// The identity.
        identity: EnclaveIdentity,
        /// Unix seconds from which anyone may prune it.
        retire_at: u64,
    },
    /// `EnclavesPruned`.
    EnclavesPruned {
        /// Who called `prune`.
        caller: Address,
        /// How many identities went.
        count: u64,
    },
    /// `GuardianSet`.
    GuardianSet {
        /// The guardian before (`None`: none).
        previous: Option<Address>,
        /// The guardian after (`None`: none).
        guardian: Option<Address>,
    },
    /// `EnclaveRevoked`: an emergency removal by the guardian (or owner).
    EnclaveRevoked {
        /// Who revoked it.
        by: Address,
        /// The identity.
        identity: EnclaveIdentity,
    },
    /// `AppFrozen`: every identity removed.
    AppFrozen {
        /// Who froze it.
        by: Address,
    },
    /// `AppUnfrozen`.
    AppUnfrozen,
}

impl std::fmt::Display for LoggedChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoggedChange::EnclaveAdded(id) => write!(f, "+enclave {}", enclave_text_id(id)),
            LoggedChange::EnclaveRemoved(id) => write!(f, "-enclave {}", enclave_text_id(id)),
            LoggedChange::EndorsementsReplaced(Some(tree)) => {
                write!(f, "endorsements = {}", roflgov_core::review::render_endorsements(tree))
            }
            LoggedChange::EndorsementsReplaced(None) => write!(f, "endorsements = <malformed>"),
            LoggedChange::FeesSet(fees) => match fees {
                Some(fees) => write!(f, "fees = {}", roflgov_core::review::fee_name(*fees)),
                None => write!(f, "fees = <invalid>"),
            },
            LoggedChange::MaxExpirationSet(epochs) => write!(f, "max_expiration = {epochs}"),
            LoggedChange::QuotePolicySet(Some(quotes)) => {
                write!(f, "quotes = {}", roflgov_core::review::render_quotes(quotes))
            }
            LoggedChange::QuotePolicySet(None) => write!(f, "quotes = <malformed>"),
            LoggedChange::MetadataSet { key, value } => write!(f, "metadata {key} = {value:?}"),
            LoggedChange::MetadataDeleted { key } => write!(f, "-metadata {key}"),
            LoggedChange::SecretSet { name } => write!(f, "secret {name} set"),
            LoggedChange::SecretDeleted { name } => write!(f, "-secret {name}"),
            LoggedChange::ReleaseAdded { release_id, identities, record } => write!(
                f,
                "release #{release_id} {} ({} @ {}, bundle sha256 {}) with {} identit{}",
                record.version,
                record.repository,
                record.commit_hex(),
                alloy::hex::encode(record.bundle_hash),
                identities.len(),
                if identities.len() == 1 { "y" } else { "ies" }
            ),
            LoggedChange::RetirementScheduled { identity, retire_at: 0 } => {
                write!(f, "deadline of {} cancelled", enclave_text_id(identity))
            }
            LoggedChange::RetirementScheduled { identity, retire_at } => {
                write!(
                    f,
                    "{} retires from {}",
                    enclave_text_id(identity),
                    roflgov_core::rofl::release::format_utc(*retire_at)
                )
            }
            LoggedChange::EnclavesPruned { caller, count } => write!(
                f,
                "{count} expired identit{} pruned by {caller}",
                if *count == 1 { "y" } else { "ies" }
            ),
            LoggedChange::GuardianSet { previous, guardian } => {
                let show = |a: &Option<Address>| a.map_or_else(|| "none".to_owned(), |a| a.to_string());
                write!(f, "guardian {} → {}", show(previous), show(guardian))
            }
            LoggedChange::EnclaveRevoked { by, identity } => {
                write!(f, "REVOKED {} by {by}", enclave_text_id(identity))
            }
            LoggedChange::AppFrozen { by } => write!(f, "FROZEN by {by}"),
            LoggedChange::AppUnfrozen => write!(f, "unfrozen"),
        }
    }
}

/// One step of an app's history, rebuilt from logs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    /// Block number.
    pub block: u64,
    /// Transaction hash.
    pub tx: B256,
    /// The app.
    pub app: AppId,
    /// What happened.
    #[serde(flatten)]
    pub kind: HistoryKind,
    /// The version after this step (`None` for a removal).
    pub version: Option<u64>,
    /// keccak256 of the CBOR body sent, as logged.
    pub body_hash: Option<B256>,
    /// Whether `body_hash` is the keccak256 of the logged body.
    pub body_hash_ok: bool,
    /// The logged body, strictly decoded (`Err` text when it does not decode).
    #[serde(skip)]
    pub call: Option<Result<RoflCall, CborError>>,
    /// The complete config after this step, from the body (`None` for a removal or an
    /// undecodable body).
    #[serde(skip)]
    pub config: Option<AppConfig>,
    /// The per-change events of this step, in log order.
    pub changes: Vec<LoggedChange>,
}

impl HistoryEntry {
    /// A one-line summary: the kind and the changes.
    pub fn summary(&self) -> String {
        let head = match &self.kind {
            HistoryKind::Created { .. } => "created".to_owned(),
            HistoryKind::Adopted => "adopted".to_owned(),
            HistoryKind::Updated => "updated".to_owned(),
            HistoryKind::AdminTransferred { new_admin: Some(admin) } => format!("admin handed to {admin}"),
            HistoryKind::AdminTransferred { new_admin: None } => "ADMIN RENOUNCED".to_owned(),
            HistoryKind::Removed => "removed".to_owned(),
            HistoryKind::StateOnly => "roflgov state (no update)".to_owned(),
        };
        if self.changes.is_empty() {
            head
        } else {
            let changes: Vec<String> = self.changes.iter().map(ToString::to_string).collect();
            format!("{head}: {}", changes.join(", "))
        }
    }
}

#[derive(Default)]
struct Pending {
    created: Option<U256>,
    adopted: bool,
    changes: Vec<LoggedChange>,
}

/// Rebuilds the history from the contract's logs (in chain order). `contract` is the policy
/// contract address, whose Oasis address is the admin a `rofl.Create` body leaves implicit.
pub fn history_from_logs(contract: Address, logs: &[Log]) -> Vec<HistoryEntry> {
    use Abi::RoflAppAdminEvents as E;
    let contract_admin = OasisAddress::from_eth(contract);
    let mut pending: HashMap<(B256, AppId), Pending> = HashMap::new();
    let mut entries: Vec<HistoryEntry> = Vec::new();

    let mut current_tx: Option<(B256, u64)> = None;
    for log in logs {
        if log.address() != contract || log.removed {
            continue;
        }
        let Ok(event) = E::decode_log(&log.inner) else { continue };
        let tx = log.transaction_hash.unwrap_or_default();
        let block = log.block_number.unwrap_or_default();
        if let Some((previous, previous_block)) = current_tx
            && previous != tx
        {
            flush_state_only(&mut pending, previous, previous_block, &mut entries);
        }
        current_tx = Some((tx, block));
        let key = |app: alloy::primitives::FixedBytes<21>| (tx, AppId(app.0));
        let mut push_change = |app, change| pending.entry(key(app)).or_default().changes.push(change);
        match event.data {
            E::EnclaveAdded(e) => push_change(e.appId, LoggedChange::EnclaveAdded(EnclaveIdentity::from(&e))),
            E::EnclaveRemoved(e) => {
                push_change(e.appId, LoggedChange::EnclaveRemoved(EnclaveIdentity::from(&e)))
            }
            E::EndorsementsReplaced(e) => push_change(
                e.appId,
                LoggedChange::EndorsementsReplaced(types_abi::unflatten_endorsements(&e.endorsements).ok()),
            ),
            E::FeesSet(e) => push_change(e.appId, LoggedChange::FeesSet(FeePolicy::from_code(e.fees.into()))),
            E::MaxExpirationSet(e) => push_change(e.appId, LoggedChange::MaxExpirationSet(e.maxExpiration)),
            E::QuotePolicySet(e) => {
                let quotes = QuotePolicy::try_from(&e.quotes).ok();
                push_change(e.appId, LoggedChange::QuotePolicySet(quotes))
            }
            E::MetadataSet(e) => {
                push_change(e.appId, LoggedChange::MetadataSet { key: e.key, value: e.value })
            }
            E::MetadataDeleted(e) => push_change(e.appId, LoggedChange::MetadataDeleted { key: e.key }),
            E::SecretSet(e) => push_change(e.appId, LoggedChange::SecretSet { name: e.name }),
            E::SecretDeleted(e) => push_change(e.appId, LoggedChange::SecretDeleted { name: e.name }),
            E::ReleaseAdded(e) => push_change(
                e.appId,
                LoggedChange::ReleaseAdded {
                    release_id: e.releaseId,
                    identities: e.identities.iter().map(EnclaveIdentity::from).collect(),
                    record: ReleaseRecord::from(&e.record),
                },
            ),
            E::RetirementScheduled(e) => push_change(
                e.appId,
                LoggedChange::RetirementScheduled {
                    identity: EnclaveIdentity::from(&e),
                    retire_at: e.retireAt,
                },
            ),
            E::EnclavesPruned(e) => push_change(
                e.appId,
                LoggedChange::EnclavesPruned { caller: e.caller, count: e.count.saturating_to() },
            ),
            E::GuardianSet(e) => push_change(
                e.appId,
                LoggedChange::GuardianSet {
                    previous: (!e.previousGuardian.is_zero()).then_some(e.previousGuardian),
                    guardian: (!e.newGuardian.is_zero()).then_some(e.newGuardian),
                },
            ),
            E::EnclaveRevoked(e) => push_change(
                e.appId,
                LoggedChange::EnclaveRevoked { by: e.by, identity: EnclaveIdentity::from(&e) },
            ),
            E::AppFrozen(e) => push_change(e.appId, LoggedChange::AppFrozen { by: e.by }),
            E::AppUnfrozen(e) => push_change(e.appId, LoggedChange::AppUnfrozen),
            E::AppCreated(e) => pending.entry(key(e.appId)).or_default().created = Some(e.stake),
            E::AppAdopted(e) => pending.entry(key(e.appId)).or_default().adopted = true,
            E::ConfigUpdated(e) => {
                let app = AppId(e.appId.0);
                let step = pending.remove(&key(e.appId)).unwrap_or_default();
                let kind = match (step.created, step.adopted) {
                    (Some(stake), _) => HistoryKind::Created { stake },
                    (None, true) => HistoryKind::Adopted,
                    (None, false) => HistoryKind::Updated,
                };
                let call = if matches!(kind, HistoryKind::Created { .. }) {
                    cbor::decode_create(&e.body).map(RoflCall::Create)
                } else {
                    cbor::decode_update(&e.body).map(RoflCall::Update)
                };
                let config = match &call {
                    Ok(RoflCall::Create(create)) => Some(AppConfig {
                        id: app,
                        policy: create.policy.clone(),
                        admin: Some(contract_admin),
                        metadata: create.metadata.clone(),
                        secrets: Default::default(),
                    }),
                    Ok(RoflCall::Update(update)) => Some(AppConfig::from(update.clone())),
                    _ => None,
                };
                entries.push(HistoryEntry {
                    block,
                    tx,
                    app,
                    kind,
                    version: Some(e.version),
                    body_hash: Some(e.bodyHash),
                    body_hash_ok: keccak256(&e.body) == e.bodyHash,
                    call: Some(call),
                    config,
                    changes: step.changes,
                });
            }
            E::RoflAdminTransferred(e) => {
                let app = AppId(e.appId.0);
                let new_admin = types_abi::admin_from_abi(e.newAdmin);
                // Emitted right after the ConfigUpdated of the same release.
                match entries.iter_mut().rev().find(|entry| entry.tx == tx && entry.app == app) {
                    Some(entry) => entry.kind = HistoryKind::AdminTransferred { new_admin },
                    None => entries.push(HistoryEntry {
                        block,
                        tx,
                        app,
                        kind: HistoryKind::AdminTransferred { new_admin },
                        version: None,
                        body_hash: None,
                        body_hash_ok: false,
                        call: None,
                        config: None,
                        changes: Vec::new(),
                    }),
                }
            }
            E::AppRemoved(e) => {
                let step = pending.remove(&key(e.appId)).unwrap_or_default();
                entries.push(HistoryEntry {
                    block,
                    tx,
                    app: AppId(e.appId.0),
                    kind: HistoryKind::Removed,
                    version: None,
                    body_hash: None,
                    body_hash_ok: false,
                    call: None,
                    config: None,
                    changes: step.changes,
                });
            }
            _ => {}
        }
    }
    if let Some((tx, block)) = current_tx {
        flush_state_only(&mut pending, tx, block, &mut entries);
    }
    entries
}

/// Changes of transaction `tx` that no update followed (`setGuardian`, `setRetirement`): one
/// [`HistoryKind::StateOnly`] entry per app, in app order.
fn flush_state_only(
    pending: &mut HashMap<(B256, AppId), Pending>,
    tx: B256,
    block: u64,
    entries: &mut Vec<HistoryEntry>,
) {
    let mut keys: Vec<(B256, AppId)> = pending.keys().filter(|(t, _)| *t == tx).copied().collect();
    keys.sort_by_key(|(_, app)| *app);
    for key in keys {
        let step = pending.remove(&key).unwrap_or_default();
        if step.changes.is_empty() {
            continue;
        }
        entries.push(HistoryEntry {
            block,
            tx,
            app: key.1,
            kind: HistoryKind::StateOnly,
            version: None,
            body_hash: None,
            body_hash_ok: false,
            call: None,
            config: None,
            changes: step.changes,
        });
    }
}

#[cfg(test)]
mod tests {
    use alloy::primitives::keccak256;
    use roflgov_types::{Classified, FailureClass};

    use super::*;

    #[test]
    fn reverts_are_typed_or_decoded_never_opaque() {
        // `NothingToPrune(bytes21)` (selector of the hand-written signature): the contract's
        // own error, typed as before.
        let mut data = keccak256(b"NothingToPrune(bytes21)")[..4].to_vec();
        data.extend_from_slice(&[[5u8; 21].as_slice(), &[0u8; 11]].concat());
        let error = RoflClientError::from_revert(&data);
        assert!(
            matches!(error.contract_error(), Some(RoflAppAdmin::RoflAppAdminErrors::NothingToPrune(e)) if e.appId.0 == [5; 21])
        );
        assert_eq!(error.class(), FailureClass::Verification);

        // A reason string (a stand-in's `require`): decoded and escaped, a chain error.
        let reason = alloy::sol_types::Revert::from("bad\u{202e}body");
        let error = RoflClientError::from_revert(&alloy::sol_types::SolError::abi_encode(&reason));
        assert!(error.contract_error().is_none());
        assert_eq!(error.to_string(), "the policy contract reverted: \"bad\\u{202e}body\"");
        assert_eq!(error.class(), FailureClass::Chain);

        // Unknown data is shown whole.
        let error = RoflClientError::from_revert(&[0xde, 0xad, 0xbe, 0xef, 0x01]);
        assert!(error.to_string().ends_with("0xdeadbeef01"), "{error}");
    }
}
