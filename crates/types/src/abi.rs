//! The policy contract's ABI structs (`contracts/types/RoflTypes.sol`) and conversions between
//! them and the typed model.
//!
//! The structs below mirror `RoflTypes.sol` field for field (same order and types; Solidity
//! enums are `uint8` in the ABI). Endorsement trees travel as [`EndorsementNode`] lists in
//! pre-order: an `And`/`Or` node is followed by its `children` direct children, each a full
//! subtree. See [`flatten_endorsements`] and [`unflatten_endorsements`].
//!
//! Call argument encodings used by the shared test vectors (Solidity `abi.encode(a, b, …)`):
//! [`encode_create_args`], [`encode_update_args`], [`encode_remove_args`].

use alloy_primitives::{B256, Bytes, FixedBytes};
use alloy_sol_types::{SolType, sol, sol_data};

use crate::{
    ids::{Address, AppId},
    policy as model,
};

sol! {
    /// One node of an endorsement tree, flattened in pre-order (`kind` is `EndorsementKind`).
    #[derive(Debug, PartialEq, Eq)]
    struct EndorsementNode {
        uint8 kind;
        bytes value;
        uint8 children;
    }

    /// An SGX enclave identity or a ROFL TDX identity.
    #[derive(Debug, PartialEq, Eq)]
    struct EnclaveIdentity {
        bytes32 mrEnclave;
        bytes32 mrSigner;
    }

    /// An allowed TDX module; `mrSeam` empty means any.
    #[derive(Debug, PartialEq, Eq)]
    struct TdxModule {
        bytes mrSeam;
        bytes mrSignerSeam;
    }

    /// Intel PCS (DCAP) quote policy.
    #[derive(Debug, PartialEq, Eq)]
    struct PcsPolicy {
        bool disabled;
        uint16 tcbValidityPeriod;
        uint32 minTcbEvaluationDataNumber;
        string[] fmspcWhitelist;
        string[] fmspcBlacklist;
        bool tdxAllowed;
        TdxModule[] allowedTdxModules;
    }

    /// Quote policy; `pcs` is meaningful only when `pcsPresent`.
    #[derive(Debug, PartialEq, Eq)]
    struct QuotePolicy {
        bool pcsPresent;
        PcsPolicy pcs;
    }

    /// `AppAuthPolicy` (`fees` is `FeePolicy`: 1 instance, 2 endorsing node).
    #[derive(Debug, PartialEq, Eq)]
    struct AppPolicy {
        QuotePolicy quotes;
        EnclaveIdentity[] enclaves;
        EndorsementNode[] endorsements;
        uint8 fees;
        uint64 maxExpiration;
    }

    /// One public metadata pair.
    #[derive(Debug, PartialEq, Eq)]
    struct MetadataEntry {
        string key;
        string value;
    }

    /// One encrypted secret.
    #[derive(Debug, PartialEq, Eq)]
    struct SecretEntry {
        string name;
        bytes value;
    }

    /// The configuration of one app as the policy contract holds it.
    #[derive(Debug, PartialEq, Eq)]
    struct AppConfig {
        bytes21 id;
        AppPolicy policy;
        bytes21 admin;
        MetadataEntry[] metadata;
        SecretEntry[] secrets;
        uint64 version;
    }
}

/// `EndorsementKind` values of `RoflTypes.sol`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum EndorsementKind {
    /// `{"any": {}}`
    Any = 0,
    /// `{"role_compute": {}}`
    RoleCompute = 1,
    /// `{"role_observer": {}}`
    RoleObserver = 2,
    /// `{"entity": <32 bytes>}`
    Entity = 3,
    /// `{"node": <32 bytes>}`
    Node = 4,
    /// `{"provider": <21 bytes>}`
    Provider = 5,
    /// `{"provider_instance_admin": <21 bytes>}`
    ProviderInstanceAdmin = 6,
    /// `{"and": [..]}`
    And = 7,
    /// `{"or": [..]}`
    Or = 8,
}

impl EndorsementKind {
    /// The kind for a `uint8`, if valid.
    pub fn from_u8(code: u8) -> Option<Self> {
        use EndorsementKind::{
            And, Any, Entity, Node, Or, Provider, ProviderInstanceAdmin, RoleCompute, RoleObserver,
        };
        [Any, RoleCompute, RoleObserver, Entity, Node, Provider, ProviderInstanceAdmin, And, Or]
            .get(usize::from(code))
            .copied()
    }
}

/// Deepest endorsement nesting [`unflatten_endorsements`] builds (well above the module's 4).
pub const MAX_UNFLATTEN_DEPTH: usize = 32;

/// Why an ABI struct does not stand for a valid config (or a config does not fit the ABI).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AbiError {
    /// `endorsements[index].kind` is not an `EndorsementKind`.
    #[error("endorsements[{index}]: unknown endorsement kind {kind}")]
    UnknownEndorsementKind {
        /// Position in the flattened list.
        index: usize,
        /// The value found.
        kind: u8,
    },
    /// An atom with a non-zero `children` count.
    #[error("endorsements[{index}]: a {kind:?} atom cannot have children (children = {children})")]
    AtomWithChildren {
        /// Position in the flattened list.
        index: usize,
        /// Kind of the atom.
        kind: EndorsementKind,
        /// The count found.
        children: u8,
    },
    /// `value` has the wrong size for the kind.
    #[error("endorsements[{index}]: a {kind:?} node needs a {expected}-byte value, got {found}")]
    EndorsementValueLength {
        /// Position in the flattened list.
        index: usize,
        /// Kind of the node.
        kind: EndorsementKind,
        /// Required size.
        expected: usize,
        /// Size found.
        found: usize,
    },
    /// A node declares more children than follow it.
    #[error("endorsements[{index}]: the {kind:?} node declares {children} children but the list ends first")]
    TruncatedTree {
        /// Position of the node.
        index: usize,
        /// Its kind.
        kind: EndorsementKind,
        /// Children declared.
        children: u8,
    },
    /// The tree nests deeper than [`MAX_UNFLATTEN_DEPTH`].
    #[error("endorsements[{index}]: nested deeper than {MAX_UNFLATTEN_DEPTH}")]
    TooDeep {
        /// Position of the node that went too deep.
        index: usize,
    },
    /// An `And`/`Or` with more than 255 children cannot be flattened.
    #[error("an {kind:?} endorsement has {children} children, more than the 255 a uint8 can count")]
    TooManyChildren {
        /// `And` or `Or`.
        kind: EndorsementKind,
        /// Its number of children.
        children: usize,
    },
    /// `fees` is neither 1 nor 2.
    #[error("fees: invalid fee policy {0} (1 = instance pays, 2 = endorsing node pays)")]
    InvalidFees(u8),
    /// The model policy carries a legacy IAS quote policy: the policy contract has no place for
    /// one (roflgov never writes IAS policies; Intel retired IAS).
    #[error(
        "quotes.ias: a legacy IAS quote policy cannot go through the policy contract (Intel retired IAS): \
         drop it from the policy first"
    )]
    IasQuotePolicy,
    /// `allowedTdxModules[index].mrSeam` is neither empty nor 48 bytes.
    #[error("quotes.pcs.allowedTdxModules[{index}].{field}: expected {expected}, got {found} bytes")]
    TdxModuleLength {
        /// Position of the module.
        index: usize,
        /// `mrSeam` or `mrSignerSeam`.
        field: &'static str,
        /// What is required.
        expected: &'static str,
        /// Size found.
        found: usize,
    },
    /// Data in a part the flags say is absent (`pcs` without `pcsPresent`, modules without
    /// `tdxAllowed`): it would be silently dropped.
    #[error("{0}")]
    DataInAbsentPart(&'static str),
    /// The same metadata key or secret name twice.
    #[error("{what}: duplicate key {key:?}")]
    DuplicateKey {
        /// `metadata` or `secrets`.
        what: &'static str,
        /// The key.
        key: String,
    },
}

// ---------------------------------------------------------------------------------------------
// Endorsement trees
// ---------------------------------------------------------------------------------------------

fn push_flat(
    endorsement: &model::AllowedEndorsement,
    out: &mut Vec<EndorsementNode>,
) -> Result<(), AbiError> {
    use model::AllowedEndorsement as E;
    let atom = |kind: EndorsementKind, value: &[u8]| EndorsementNode {
        kind: kind as u8,
        value: Bytes::copy_from_slice(value),
        children: 0,
    };
    match endorsement {
        E::Any {} => out.push(atom(EndorsementKind::Any, &[])),
        E::RoleCompute {} => out.push(atom(EndorsementKind::RoleCompute, &[])),
        E::RoleObserver {} => out.push(atom(EndorsementKind::RoleObserver, &[])),
        E::Entity(key) => out.push(atom(EndorsementKind::Entity, key.as_slice())),
        E::Node(key) => out.push(atom(EndorsementKind::Node, key.as_slice())),
        E::Provider(address) => out.push(atom(EndorsementKind::Provider, &address.0)),
        E::ProviderInstanceAdmin(address) => {
            out.push(atom(EndorsementKind::ProviderInstanceAdmin, &address.0))
        }
        E::And(children) | E::Or(children) => {
            let kind =
                if matches!(endorsement, E::And(_)) { EndorsementKind::And } else { EndorsementKind::Or };
            let count = u8::try_from(children.len())
                .map_err(|_| AbiError::TooManyChildren { kind, children: children.len() })?;
            out.push(EndorsementNode { kind: kind as u8, value: Bytes::new(), children: count });
            for child in children {
                push_flat(child, out)?;
            }
        }
    }
    Ok(())
}

/// Pre-order flattening of a list of endorsement trees.
pub fn flatten_endorsements(
    endorsements: &[model::AllowedEndorsement],
) -> Result<Vec<EndorsementNode>, AbiError> {
    let mut out = Vec::new();
    for endorsement in endorsements {
        push_flat(endorsement, &mut out)?;
    }
    Ok(out)
}

fn take_tree(
    nodes: &[EndorsementNode],
    cursor: &mut usize,
    depth: usize,
) -> Result<model::AllowedEndorsement, AbiError> {
    use model::AllowedEndorsement as E;
    let index = *cursor;
    if depth > MAX_UNFLATTEN_DEPTH {
        return Err(AbiError::TooDeep { index });
    }
    let node = &nodes[index];
    *cursor += 1;
    let kind = EndorsementKind::from_u8(node.kind)
        .ok_or(AbiError::UnknownEndorsementKind { index, kind: node.kind })?;
    let is_operator = matches!(kind, EndorsementKind::And | EndorsementKind::Or);
    if !is_operator && node.children != 0 {
        return Err(AbiError::AtomWithChildren { index, kind, children: node.children });
    }
    let expected_len = match kind {
        EndorsementKind::Entity | EndorsementKind::Node => 32,
        EndorsementKind::Provider | EndorsementKind::ProviderInstanceAdmin => 21,
        _ => 0,
    };
    if node.value.len() != expected_len {
        return Err(AbiError::EndorsementValueLength {
            index,
            kind,
            expected: expected_len,
            found: node.value.len(),
        });
    }
    let value = node.value.as_ref();
    Ok(match kind {
        EndorsementKind::Any => E::Any {},
        EndorsementKind::RoleCompute => E::RoleCompute {},
        EndorsementKind::RoleObserver => E::RoleObserver {},
        EndorsementKind::Entity => E::Entity(B256::from_slice(value)),
        EndorsementKind::Node => E::Node(B256::from_slice(value)),
        EndorsementKind::Provider => E::Provider(Address::from_slice(value).expect("length checked")),
        EndorsementKind::ProviderInstanceAdmin => {
            E::ProviderInstanceAdmin(Address::from_slice(value).expect("length checked"))
        }
        EndorsementKind::And | EndorsementKind::Or => {
            let mut children = Vec::with_capacity(node.children.into());
            for _ in 0..node.children {
                if *cursor >= nodes.len() {
                    return Err(AbiError::TruncatedTree { index, kind, children: node.children });
                }
                children.push(take_tree(nodes, cursor, depth + 1)?);
            }
            if kind == EndorsementKind::And { E::And(children) } else { E::Or(children) }
        }
    })
}

/// Rebuilds the endorsement trees from their pre-order flattening.
pub fn unflatten_endorsements(nodes: &[EndorsementNode]) -> Result<Vec<model::AllowedEndorsement>, AbiError> {
    let mut cursor = 0;
    let mut out = Vec::new();
    while cursor < nodes.len() {
        out.push(take_tree(nodes, &mut cursor, 1)?);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Policy
// ---------------------------------------------------------------------------------------------

fn empty_pcs() -> PcsPolicy {
    PcsPolicy {
        disabled: false,
        tcbValidityPeriod: 0,
        minTcbEvaluationDataNumber: 0,
        fmspcWhitelist: Vec::new(),
        fmspcBlacklist: Vec::new(),
        tdxAllowed: false,
        allowedTdxModules: Vec::new(),
    }
}

impl From<&model::PcsQuotePolicy> for PcsPolicy {
    fn from(pcs: &model::PcsQuotePolicy) -> Self {
        PcsPolicy {
            disabled: pcs.disabled,
            tcbValidityPeriod: pcs.tcb_validity_period,
            minTcbEvaluationDataNumber: pcs.min_tcb_evaluation_data_number,
            fmspcWhitelist: pcs.fmspc_whitelist.clone(),
            fmspcBlacklist: pcs.fmspc_blacklist.clone(),
            tdxAllowed: pcs.tdx.is_some(),
            allowedTdxModules: pcs
                .tdx
                .iter()
                .flat_map(|tdx| &tdx.allowed_tdx_modules)
                .map(|module| TdxModule {
                    mrSeam: module
                        .mr_seam
                        .map_or_else(Bytes::new, |seam| Bytes::copy_from_slice(seam.as_slice())),
                    mrSignerSeam: Bytes::copy_from_slice(module.mr_signer_seam.as_slice()),
                })
                .collect(),
        }
    }
}

impl TryFrom<&PcsPolicy> for model::PcsQuotePolicy {
    type Error = AbiError;

    fn try_from(pcs: &PcsPolicy) -> Result<Self, AbiError> {
        if !pcs.tdxAllowed && !pcs.allowedTdxModules.is_empty() {
            return Err(AbiError::DataInAbsentPart(
                "quotes.pcs: allowedTdxModules is set while tdxAllowed is false",
            ));
        }
        let mut modules = Vec::with_capacity(pcs.allowedTdxModules.len());
        for (index, module) in pcs.allowedTdxModules.iter().enumerate() {
            let mr_seam = match module.mrSeam.len() {
                0 => None,
                48 => Some(FixedBytes::<48>::from_slice(&module.mrSeam)),
                found => {
                    return Err(AbiError::TdxModuleLength {
                        index,
                        field: "mrSeam",
                        expected: "0 or 48",
                        found,
                    });
                }
            };
            if module.mrSignerSeam.len() != 48 {
                return Err(AbiError::TdxModuleLength {
                    index,
                    field: "mrSignerSeam",
                    expected: "48",
                    found: module.mrSignerSeam.len(),
                });
            }
            modules.push(model::TdxModulePolicy {
                mr_seam,
                mr_signer_seam: FixedBytes::<48>::from_slice(&module.mrSignerSeam),
            });
        }
        Ok(model::PcsQuotePolicy {
            disabled: pcs.disabled,
            tcb_validity_period: pcs.tcbValidityPeriod,
            min_tcb_evaluation_data_number: pcs.minTcbEvaluationDataNumber,
            fmspc_whitelist: pcs.fmspcWhitelist.clone(),
            fmspc_blacklist: pcs.fmspcBlacklist.clone(),
            tdx: pcs.tdxAllowed.then_some(model::TdxQuotePolicy { allowed_tdx_modules: modules }),
        })
    }
}

impl TryFrom<&model::AppAuthPolicy> for AppPolicy {
    type Error = AbiError;

    fn try_from(policy: &model::AppAuthPolicy) -> Result<Self, AbiError> {
        if policy.quotes.ias.is_some() {
            return Err(AbiError::IasQuotePolicy);
        }
        Ok(AppPolicy {
            quotes: QuotePolicy {
                pcsPresent: policy.quotes.pcs.is_some(),
                pcs: policy.quotes.pcs.as_ref().map_or_else(empty_pcs, PcsPolicy::from),
            },
            enclaves: policy
                .enclaves
                .iter()
                .map(|identity| EnclaveIdentity {
                    mrEnclave: identity.mr_enclave,
                    mrSigner: identity.mr_signer,
                })
                .collect(),
            endorsements: flatten_endorsements(&policy.endorsements)?,
            fees: policy.fees.code(),
            maxExpiration: policy.max_expiration,
        })
    }
}

impl TryFrom<&AppPolicy> for model::AppAuthPolicy {
    type Error = AbiError;

    fn try_from(policy: &AppPolicy) -> Result<Self, AbiError> {
        let pcs = if policy.quotes.pcsPresent {
            Some(model::PcsQuotePolicy::try_from(&policy.quotes.pcs)?)
        } else if policy.quotes.pcs != empty_pcs() {
            return Err(AbiError::DataInAbsentPart("quotes: pcs is set while pcsPresent is false"));
        } else {
            None
        };
        Ok(model::AppAuthPolicy {
            quotes: model::QuotePolicy { ias: None, pcs },
            enclaves: policy
                .enclaves
                .iter()
                .map(|identity| model::EnclaveIdentity {
                    mr_enclave: identity.mrEnclave,
                    mr_signer: identity.mrSigner,
                })
                .collect(),
            endorsements: unflatten_endorsements(&policy.endorsements)?,
            fees: model::FeePolicy::from_code(policy.fees.into())
                .ok_or(AbiError::InvalidFees(policy.fees))?,
            max_expiration: policy.maxExpiration,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Metadata, secrets, ids
// ---------------------------------------------------------------------------------------------

/// Metadata as ABI entries, in key order of the map (bytewise).
pub fn metadata_to_abi(metadata: &model::Metadata) -> Vec<MetadataEntry> {
    metadata.iter().map(|(key, value)| MetadataEntry { key: key.clone(), value: value.clone() }).collect()
}

/// Metadata from ABI entries in any order; a repeated key is an error.
pub fn metadata_from_abi(entries: &[MetadataEntry]) -> Result<model::Metadata, AbiError> {
    let mut metadata = model::Metadata::new();
    for entry in entries {
        if metadata.insert(entry.key.clone(), entry.value.clone()).is_some() {
            return Err(AbiError::DuplicateKey { what: "metadata", key: entry.key.clone() });
        }
    }
    Ok(metadata)
}

/// Secrets as ABI entries, in name order of the map (bytewise).
pub fn secrets_to_abi(secrets: &model::Secrets) -> Vec<SecretEntry> {
    secrets.iter().map(|(name, value)| SecretEntry { name: name.clone(), value: value.clone() }).collect()
}

/// Secrets from ABI entries in any order; a repeated name is an error.
pub fn secrets_from_abi(entries: &[SecretEntry]) -> Result<model::Secrets, AbiError> {
    let mut secrets = model::Secrets::new();
    for entry in entries {
        if secrets.insert(entry.name.clone(), entry.value.clone()).is_some() {
            return Err(AbiError::DuplicateKey { what: "secrets", key: entry.name.clone() });
        }
    }
    Ok(secrets)
}

/// `bytes21` of an optional admin: zero for none.
pub fn admin_to_abi(admin: Option<Address>) -> FixedBytes<21> {
    admin.map_or(FixedBytes::ZERO, |admin| admin.to_fixed_bytes())
}

/// Optional admin from `bytes21`: zero means none.
pub fn admin_from_abi(admin: FixedBytes<21>) -> Option<Address> {
    (admin != FixedBytes::ZERO).then_some(Address(admin.0))
}

impl AppConfig {
    /// The ABI config of a typed config at a contract-side `version`.
    pub fn from_model(config: &model::AppConfig, version: u64) -> Result<Self, AbiError> {
        Ok(AppConfig {
            id: config.id.to_fixed_bytes(),
            policy: AppPolicy::try_from(&config.policy)?,
            admin: admin_to_abi(config.admin),
            metadata: metadata_to_abi(&config.metadata),
            secrets: secrets_to_abi(&config.secrets),
            version,
        })
    }

    /// The typed config (the contract's `version` is dropped).
    pub fn to_model(&self) -> Result<model::AppConfig, AbiError> {
        Ok(model::AppConfig {
            id: AppId(self.id.0),
            policy: model::AppAuthPolicy::try_from(&self.policy)?,
            admin: admin_from_abi(self.admin),
            metadata: metadata_from_abi(&self.metadata)?,
            secrets: secrets_from_abi(&self.secrets)?,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Call arguments
// ---------------------------------------------------------------------------------------------

type CreateArgs = (AppPolicy, sol_data::Uint<8>, sol_data::Array<MetadataEntry>);
type UpdateArgs = (
    sol_data::FixedBytes<21>,
    AppPolicy,
    sol_data::FixedBytes<21>,
    sol_data::Array<MetadataEntry>,
    sol_data::Array<SecretEntry>,
);

/// `abi.encode(AppPolicy policy, uint8 scheme, MetadataEntry[] metadata)`.
pub fn encode_create_args(policy: &AppPolicy, scheme: u8, metadata: &[MetadataEntry]) -> Vec<u8> {
    CreateArgs::abi_encode_params(&(policy.clone(), scheme, metadata.to_vec()))
}

/// `abi.encode(bytes21 id, AppPolicy policy, bytes21 admin, MetadataEntry[] metadata,
/// SecretEntry[] secrets)` (`admin` zero for none).
pub fn encode_update_args(
    id: AppId,
    policy: &AppPolicy,
    admin: Option<Address>,
    metadata: &[MetadataEntry],
    secrets: &[SecretEntry],
) -> Vec<u8> {
    UpdateArgs::abi_encode_params(&(
        id.to_fixed_bytes(),
        policy.clone(),
        admin_to_abi(admin),
        metadata.to_vec(),
        secrets.to_vec(),
    ))
}

/// `abi.encode(bytes21 id)`.
pub fn encode_remove_args(id: AppId) -> Vec<u8> {
    <(sol_data::FixedBytes<21>,)>::abi_encode_params(&(id.to_fixed_bytes(),))
}

/// The ABI call arguments of a typed call, with metadata and secrets in map order.
pub fn encode_call_args(call: &model::RoflCall) -> Result<Vec<u8>, AbiError> {
    Ok(match call {
        model::RoflCall::Create(create) => encode_create_args(
            &AppPolicy::try_from(&create.policy)?,
            create.scheme.code(),
            &metadata_to_abi(&create.metadata),
        ),
        model::RoflCall::Update(update) => encode_update_args(
            update.id,
            &AppPolicy::try_from(&update.policy)?,
            update.admin,
            &metadata_to_abi(&update.metadata),
            &secrets_to_abi(&update.secrets),
        ),
        model::RoflCall::Remove(remove) => encode_remove_args(remove.id),
    })
}
