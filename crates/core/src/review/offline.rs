//! Each call of a proposal read on its own, without the chain: what kind of call it is
//! ([`CallOut`], printed with `--json`) and, when there is no current config to diff against,
//! what it writes ([`OfflineCall`]) and which identities it allows.

use alloy_primitives::{Address, U256};
use roflgov_types::{AppConfig, AppId, EnclaveIdentity, RoflCall, cbor};
use serde::Serialize;

use super::{ProposedCall, update_footguns};
use crate::rofl::{
    DecodedCalldata, PolicyChange, decode_calldata,
    subcall::{SUBCALL_PRECOMPILE, decode_subcall, direct_rofl_call},
};

/// A call, decoded as far as it decodes without the chain: a policy-contract call, a direct
/// subcall, or an unknown call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant, reason = "a few per review, serialized once")]
pub enum CallOut {
    /// A call on the policy contract (or calldata that decodes as one).
    PolicyContract {
        /// Target.
        to: Address,
        /// Value in wei.
        value: U256,
        /// The config changes, `multicall` flattened.
        changes: Vec<PolicyChange>,
    },
    /// A call of the subcall precompile (today's flow: an opaque CBOR body).
    DirectSubcall {
        /// The precompile.
        to: Address,
        /// The module method (not escaped).
        method: String,
        /// The app an Update or Remove names.
        app: Option<AppId>,
        /// The body, when it decodes strictly.
        #[serde(skip_serializing_if = "Option::is_none")]
        call: Option<RoflCall>,
    },
    /// Anything else.
    Unknown {
        /// Target.
        to: Address,
        /// Value in wei.
        value: U256,
        /// Why it is unknown.
        reason: String,
    },
}

impl CallOut {
    /// Reads `call`. Calldata that decodes as the policy contract's is read as such whatever
    /// its target (the firewall checks the target).
    pub fn read(call: &ProposedCall) -> Self {
        if call.to == SUBCALL_PRECOMPILE {
            if let Ok(input) = decode_subcall(&call.data) {
                let decoded = cbor::decode_call(&input.method, &input.body).ok();
                let app = match &decoded {
                    Some(RoflCall::Update(u)) => Some(u.id),
                    Some(RoflCall::Remove(r)) => Some(r.id),
                    _ => None,
                };
                return CallOut::DirectSubcall { to: call.to, method: input.method, app, call: decoded };
            }
        } else if let Ok(decoded) = decode_calldata(&call.data) {
            return CallOut::PolicyContract {
                to: call.to,
                value: call.value,
                changes: decoded.changes().into_iter().map(|p| p.change.clone()).collect(),
            };
        }
        CallOut::Unknown {
            to: call.to,
            value: call.value,
            reason: "not a policy contract call nor a ROFL subcall".into(),
        }
    }
}

/// Whether `call` is a direct `rofl.Update` without an admin: it leaves the app without one,
/// forever, whatever else the review finds.
pub fn drops_admin(call: &ProposedCall) -> bool {
    direct_rofl_call(call.to, &call.data)
        .is_some_and(|c| matches!(c, RoflCall::Update(u) if u.admin.is_none()))
}

/// What one call writes, read without a current config (the verdict comes from the firewall,
/// which cannot review without the current state).
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(clippy::large_enum_variant, reason = "a few per review, rendered once")]
pub enum OfflineCall {
    /// A direct subcall whose body decodes strictly.
    Direct {
        /// The module method (not escaped).
        method: String,
        /// The CBOR body's length in bytes.
        body_len: usize,
        /// The config a `rofl.Update` writes, whole.
        writes: Option<AppConfig>,
        /// What the body would do that nobody wants by accident ([`update_footguns`]).
        footguns: Vec<String>,
    },
    /// A direct subcall whose body does not decode strictly.
    Undecodable {
        /// The module method (not escaped).
        method: String,
    },
    /// A call on the policy contract.
    PolicyContract {
        /// Target.
        to: Address,
        /// The calls decoded, or why they do not decode.
        decoded: Result<DecodedCalldata, String>,
    },
    /// Anything else.
    Unknown {
        /// Target.
        to: Address,
        /// Calldata length in bytes.
        data_len: usize,
    },
}

impl OfflineCall {
    /// Reads `call`.
    pub fn read(call: &ProposedCall) -> Self {
        match CallOut::read(call) {
            CallOut::DirectSubcall { method, call: Some(decoded), .. } => {
                let body_len = decode_subcall(&call.data).map(|i| i.body.len()).unwrap_or_default();
                let writes = match &decoded {
                    RoflCall::Update(update) => Some(AppConfig::from(update.clone())),
                    _ => None,
                };
                OfflineCall::Direct { method, body_len, writes, footguns: update_footguns(&decoded) }
            }
            CallOut::DirectSubcall { method, .. } => OfflineCall::Undecodable { method },
            CallOut::PolicyContract { to, .. } => OfflineCall::PolicyContract {
                to,
                decoded: decode_calldata(&call.data).map_err(|e| e.to_string()),
            },
            CallOut::Unknown { to, .. } => OfflineCall::Unknown { to, data_len: call.data.len() },
        }
    }

    /// The identities the call allows: a direct Update's enclaves, and those a policy-contract
    /// call adds (`addEnclave`, a release record's, a created or adopted app's).
    pub fn allows(&self) -> Vec<EnclaveIdentity> {
        match self {
            OfflineCall::Direct { writes: Some(config), .. } => config.policy.enclaves.clone(),
            OfflineCall::PolicyContract { decoded: Ok(decoded), .. } => {
                let mut added = Vec::new();
                for c in decoded.changes() {
                    match &c.change {
                        PolicyChange::AddEnclave(id) => added.push(*id),
                        PolicyChange::AddRelease { identities, .. } => {
                            added.extend(identities.iter().copied())
                        }
                        PolicyChange::CreateApp { policy, .. } | PolicyChange::AdoptApp { policy, .. } => {
                            added.extend(policy.enclaves.iter().copied())
                        }
                        _ => {}
                    }
                }
                added
            }
            _ => Vec::new(),
        }
    }
}
