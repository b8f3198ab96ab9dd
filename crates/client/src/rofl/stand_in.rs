//! [`RoflStandIn`]: the local ROFL module stand-in's views and the origin checks a ROFL
//! instance's transactions go through. A local network is a real network to the client, so it
//! reads the module's state there through these views; the drivers that change it (simulated
//! registration, moving the epoch clock) belong to `roflgov-devnet`.

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, Bytes, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
};
use roflgov_types::{
    AppConfig, AppId, EnclaveIdentity, FeePolicy, Metadata, Secrets,
    abi::{self as types_abi, AbiError},
    cbor::{self, CborError},
    ids::Address as OasisAddress,
};

use roflgov_core::rofl::subcall::{
    self, CBOR_FALSE, CBOR_NULL, CBOR_TRUE, METHOD_IS_AUTHORIZED_ORIGIN, METHOD_ORIGIN_APP,
    SUBCALL_PRECOMPILE, SubcallError,
};

use super::bindings::RoflModuleStandIn;

/// Length of one epoch of the stand-in, in seconds of chain time: `currentEpoch() =
/// block.timestamp / 600` (`RoflModuleStandIn.EPOCH_SECONDS`). An epoch on Sapphire lasts about
/// an hour; registrations (`expiration` epochs) and their renewals follow this clock locally.
pub const STAND_IN_EPOCH_SECONDS: u64 = 600;

/// Errors reading or driving the stand-in.
#[derive(Debug, thiserror::Error)]
pub enum StandInError {
    /// A call reverted with one of the stand-in's errors.
    #[error("the ROFL stand-in reverted: {0:?}")]
    Reverted(RoflModuleStandIn::RoflModuleStandInErrors),
    /// A call reverted with something else (`Error(string)`, a panic, unknown data), as the
    /// one decoder (`roflgov_contracts::revert`) reads it.
    #[error("the ROFL stand-in reverted: {0}")]
    RevertedOther(roflgov_contracts::revert::DecodedRevert),
    /// Contract call failure.
    #[error(transparent)]
    Contract(alloy::contract::Error),
    /// JSON-RPC failure.
    #[error(transparent)]
    Rpc(#[from] alloy::transports::TransportError),
    /// Waiting for a transaction failed.
    #[error(transparent)]
    Pending(#[from] alloy::providers::PendingTransactionError),
    /// The stored policy does not decode.
    #[error("the stand-in holds a policy that does not decode: {0}")]
    Policy(#[from] CborError),
    /// Stored entries do not convert.
    #[error(transparent)]
    Abi(#[from] AbiError),
    /// Precompile answer.
    #[error(transparent)]
    Subcall(#[from] SubcallError),
    /// The stand-in stores an invalid fee code.
    #[error("the stand-in holds fee code {0}")]
    InvalidFees(u8),
    /// The app does not exist in the module.
    #[error("app {0} does not exist in the ROFL module")]
    UnknownApp(AppId),
}

impl From<alloy::contract::Error> for StandInError {
    fn from(err: alloy::contract::Error) -> Self {
        let decoded = err.as_revert_data().map(|data| {
            roflgov_contracts::revert::decode_typed::<RoflModuleStandIn::RoflModuleStandInErrors>(&data)
        });
        match decoded {
            Some(Ok(error)) => StandInError::Reverted(error),
            Some(Err(other)) => StandInError::RevertedOther(other),
            None => StandInError::Contract(err),
        }
    }
}

/// The stand-in at the subcall precompile address of a local chain.
#[derive(Clone, Debug)]
pub struct RoflStandIn<P> {
    contract: RoflModuleStandIn::RoflModuleStandInInstance<P>,
}

impl<P: Provider + Clone> RoflStandIn<P> {
    /// The stand-in installed by `roflgov_devnet::LocalChain`.
    pub fn new(provider: P) -> Self {
        Self { contract: RoflModuleStandIn::new(SUBCALL_PRECOMPILE, provider) }
    }

    /// The raw binding.
    pub fn contract(&self) -> &RoflModuleStandIn::RoflModuleStandInInstance<P> {
        &self.contract
    }

    /// Whether the module knows `app`.
    pub async fn app_exists(&self, app: AppId) -> Result<bool, StandInError> {
        Ok(self.contract.appExists(app.to_fixed_bytes()).call().await?)
    }

    /// Every app of the module.
    pub async fn app_ids(&self) -> Result<Vec<AppId>, StandInError> {
        Ok(self.contract.appIds().call().await?.into_iter().map(|id| AppId(id.0)).collect())
    }

    /// The app's admin as the module stores it (`None`: nobody).
    pub async fn app_admin(&self, app: AppId) -> Result<Option<OasisAddress>, StandInError> {
        let admin = self.contract.appAdmin(app.to_fixed_bytes()).call().await?;
        Ok(admin.hasAdmin.then_some(OasisAddress(admin.admin.0)))
    }

    /// The allowed enclave identities, in policy order.
    pub async fn app_enclaves(&self, app: AppId) -> Result<Vec<EnclaveIdentity>, StandInError> {
        let enclaves = self.contract.appEnclaves(app.to_fixed_bytes()).call().await?;
        Ok(enclaves.iter().map(EnclaveIdentity::from).collect())
    }

    /// The fee policy.
    pub async fn app_fees(&self, app: AppId) -> Result<FeePolicy, StandInError> {
        let code = self.contract.appFees(app.to_fixed_bytes()).call().await?;
        FeePolicy::from_code(code.into()).ok_or(StandInError::InvalidFees(code))
    }

    /// `max_expiration` in epochs.
    pub async fn app_max_expiration(&self, app: AppId) -> Result<u64, StandInError> {
        Ok(self.contract.appMaxExpiration(app.to_fixed_bytes()).call().await?)
    }

    /// Public metadata.
    pub async fn app_metadata(&self, app: AppId) -> Result<Metadata, StandInError> {
        // The stand-in's RPC bindings have their own copy of `MetadataEntry` (see `bindings`).
        let entries: Vec<types_abi::MetadataEntry> =
            (self.contract.appMetadata(app.to_fixed_bytes()).call().await?)
                .into_iter()
                .map(Into::into)
                .collect();
        Ok(types_abi::metadata_from_abi(&entries)?)
    }

    /// Encrypted secrets.
    pub async fn app_secrets(&self, app: AppId) -> Result<Secrets, StandInError> {
        let entries: Vec<types_abi::SecretEntry> =
            (self.contract.appSecrets(app.to_fixed_bytes()).call().await?)
                .into_iter()
                .map(Into::into)
                .collect();
        Ok(types_abi::secrets_from_abi(&entries)?)
    }

    /// The policy exactly as last received (canonical CBOR).
    pub async fn app_policy_cbor(&self, app: AppId) -> Result<Bytes, StandInError> {
        Ok(self.contract.appPolicyCbor(app.to_fixed_bytes()).call().await?)
    }

    /// The last Create/Update body received for the app.
    pub async fn last_body(&self, app: AppId) -> Result<Bytes, StandInError> {
        Ok(self.contract.lastBody(app.to_fixed_bytes()).call().await?)
    }

    /// Stake held for the app.
    pub async fn app_stake(&self, app: AppId) -> Result<U256, StandInError> {
        Ok(self.contract.appStake(app.to_fixed_bytes()).call().await?)
    }

    /// Stake refunded to `admin` by removals.
    pub async fn refunded_stake(&self, admin: OasisAddress) -> Result<U256, StandInError> {
        Ok(self.contract.refundedStake(admin.to_fixed_bytes()).call().await?)
    }

    /// The module's current epoch (`block.timestamp / 600` in the stand-in, see
    /// [`STAND_IN_EPOCH_SECONDS`]).
    pub async fn current_epoch(&self) -> Result<u64, StandInError> {
        Ok(self.contract.currentEpoch().call().await?)
    }

    /// The EVM nonce of `contract` as the stand-in reads it (probing CREATE addresses for
    /// code): the nonce a scheme-1 `rofl.Create` by that contract derives its app id from.
    pub async fn contract_nonce(&self, contract: Address) -> Result<u64, StandInError> {
        Ok(self.contract.contractNonce(contract).call().await?)
    }

    /// Every instance that ever registered for the app, expired ones included.
    pub async fn instances_of(&self, app: AppId) -> Result<Vec<Address>, StandInError> {
        Ok(self.contract.instancesOf(app.to_fixed_bytes()).call().await?)
    }

    /// What `instance` registered with for `app`: its identity and the epoch its registration
    /// expires at (valid while the current epoch is lower; `None`: never registered for
    /// `app`). Says nothing about authorization.
    pub async fn instance_identity(
        &self,
        app: AppId,
        instance: Address,
    ) -> Result<Option<(EnclaveIdentity, u64)>, StandInError> {
        let answer = self.contract.instanceIdentity(app.to_fixed_bytes(), instance).call().await?;
        Ok(answer.registered.then(|| (EnclaveIdentity::from(&answer.identity), answer.expirationEpoch)))
    }

    /// The complete config as the module holds it (policy strictly decoded from its CBOR).
    pub async fn config(&self, app: AppId) -> Result<AppConfig, StandInError> {
        if !self.app_exists(app).await? {
            return Err(StandInError::UnknownApp(app));
        }
        Ok(AppConfig {
            id: app,
            policy: cbor::decode_policy(&self.app_policy_cbor(app).await?)?,
            admin: self.app_admin(app).await?,
            metadata: self.app_metadata(app).await?,
            secrets: self.app_secrets(app).await?,
        })
    }

    /// The stand-in's own view of an instance's authorization (no origin involved): a
    /// registration for `app` that has not expired. The current policy is not consulted, as
    /// in the module.
    pub async fn is_instance_authorized(&self, app: AppId, instance: Address) -> Result<bool, StandInError> {
        Ok(self.contract.isInstanceAuthorized(app.to_fixed_bytes(), instance).call().await?)
    }

    /// `rofl.IsAuthorizedOrigin(app)` through the precompile, in an `eth_call` whose origin is
    /// `instance`: what a contract calling `roflEnsureAuthorizedOrigin` sees when the instance
    /// signs the transaction.
    pub async fn is_authorized_origin(&self, app: AppId, instance: Address) -> Result<bool, StandInError> {
        let data =
            self.subcall_from(instance, METHOD_IS_AUTHORIZED_ORIGIN, &subcall::cbor_app_id(app)).await?;
        match data.as_ref() {
            d if d == CBOR_TRUE => Ok(true),
            d if d == CBOR_FALSE => Ok(false),
            _ => Err(SubcallError::UnexpectedResult { method: METHOD_IS_AUTHORIZED_ORIGIN, data }.into()),
        }
    }

    /// `rofl.OriginApp` with `instance` as origin: the app it is a registered instance of, or
    /// `None` (module error `UnknownInstance`).
    pub async fn origin_app(&self, instance: Address) -> Result<Option<AppId>, StandInError> {
        match self.subcall_from(instance, METHOD_ORIGIN_APP, &CBOR_NULL).await {
            Ok(data) => Ok(Some(subcall::app_id_from_cbor(METHOD_ORIGIN_APP, &data)?)),
            Err(StandInError::Subcall(SubcallError::Failed { module, code: 12 })) if module == "rofl" => {
                Ok(None)
            }
            Err(err) => Err(err),
        }
    }

    async fn subcall_from(&self, origin: Address, method: &str, body: &[u8]) -> Result<Bytes, StandInError> {
        let request = TransactionRequest::default()
            .with_from(origin)
            .with_to(SUBCALL_PRECOMPILE)
            .with_input(subcall::encode_subcall(method, body));
        let output = self.contract.provider().call(request).await?;
        Ok(subcall::decode_subcall_output(&output)?)
    }
}
