//! The signer's firewall: one review of a whole transaction, behind every approval.
//!
//! [`review`] takes a [`Transaction`] (a Safe transaction with its signatures, a batch of calls
//! from a Transaction Builder file, or a Governor proposal), the chain state it touches as
//! [`ChainFacts`] and what the reviewer declared with [`Expectations`], and returns a
//! [`FirewallReport`]: every call accounted for, every app touched diffed, every finding, and a
//! [`Verdict`]. It does no I/O; the client gathers the facts.
//!
//! The rule: **when in doubt, the verdict is not ok.** A call the engine does not fully
//! understand is critical; state it cannot establish makes the verdict
//! [`Verdict::CannotReview`]. A critical finding can only be accepted by naming its kind in
//! [`Expectations::overrides`], and the acceptance is part of the report.

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::{SolCall, sol};
use roflgov_types::{
    AllowedEndorsement, AppConfig, AppId, EnclaveIdentity, RoflCall, cbor, ids::Address as OasisAddress,
    market,
};
use serde::Serialize;

use crate::{
    review::{ProposedCall, Review, Reviewer, Severity, Warning, WarningKind},
    rofl::{
        CREATE_STAKE, DecodedCalldata, OwnerCall, PolicyChange, ReleaseState, decode_calldata,
        enclave_text_id,
        subcall::{SUBCALL_PRECOMPILE, decode_subcall, direct_rofl_call},
    },
    safe_tx::{Operation, SafeTx, SafeTxHashes, decode_multi_send},
    text,
};

mod decision;

pub use decision::{
    GuardianRefusal, Refusal, SignerReview, guardian_intent, guardian_removal, guardian_rights,
    review_for_signer,
};

/// What is being approved.
#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant, reason = "one per review; boxing buys nothing")]
pub enum Transaction {
    /// A Safe transaction (from a proposal file, the service, or built from a batch).
    Safe {
        /// The Safe.
        safe: Address,
        /// The chain the transaction is bound to (its EIP-712 domain).
        chain_id: u64,
        /// The transaction.
        tx: SafeTx,
        /// Packed signatures collected so far (each 65 bytes), as found in the file.
        signatures: Vec<Bytes>,
        /// A title from the file, covered by no hash.
        title: Option<String>,
    },
    /// Calls executed in order by `executor` (a Governor proposal through its Timelock).
    Calls {
        /// Who executes them (the Timelock, or the Safe for a batch).
        executor: Address,
        /// The chain the file names, when it names one.
        chain_id: Option<u64>,
        /// The calls.
        calls: Vec<ProposedCall>,
        /// A description (Governor: hashed into the proposal id; batch file: unverified).
        description: Option<String>,
        /// Whether a hash covers `description` (a Governor's does).
        description_verified: bool,
    },
}

/// What the reviewer learned of the policy contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyContractFacts {
    /// Its address.
    pub address: Address,
    /// Its owner now.
    pub owner: Address,
    /// Whether the code at the address is roflgov's `RoflAppAdmin` with roflgov's own logic
    /// libraries (immutables and library addresses aside).
    pub code_is_roflgov: bool,
}

/// An app's state as the chain holds it now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppFacts {
    /// The config the module holds (or the policy contract's copy of it).
    pub config: AppConfig,
    /// The policy contract's version of the app, when it manages it.
    pub version: Option<u64>,
    /// roflgov's state of the app (empty when unmanaged).
    pub release_state: ReleaseState,
}

/// What the reviewer learned of the Safe.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SafeFacts {
    /// Owners now.
    pub owners: Vec<Address>,
    /// Threshold now.
    pub threshold: u64,
    /// Nonce now.
    pub nonce: u64,
    /// Owners that approved this transaction's hash on chain (`approvedHashes`).
    pub approved_hash_by: BTreeSet<Address>,
    /// Whether this hash was executed (an `ExecutionSuccess` or `ExecutionFailure` event);
    /// `None`: not looked up.
    pub executed: Option<bool>,
}

/// The chain state the transaction touches. Every field the engine needs and does not find
/// makes the verdict "cannot review" or a finding; nothing is assumed.
#[derive(Clone, Debug, Default)]
pub struct ChainFacts {
    /// The chain id the RPC answers (`None`: unreachable).
    pub rpc_chain_id: Option<u64>,
    /// The configured policy contract, with its owner (`None`: none configured, or no code).
    pub policy_contract: Option<PolicyContractFacts>,
    /// Every app the transaction touches, by id. An app it touches and that is missing here
    /// makes the verdict "cannot review".
    pub apps: BTreeMap<AppId, AppFacts>,
    /// keccak256 of the code at addresses the transaction DELEGATECALLs.
    pub code_hashes: BTreeMap<Address, B256>,
    /// Whether an address has code (guardians, admins, owners).
    pub has_code: BTreeMap<Address, bool>,
    /// The chain's time (unix seconds).
    pub now: Option<u64>,
    /// The Safe's state, for Safe transactions.
    pub safe: Option<SafeFacts>,
    /// Why the ROFL module's config of an app could not be read (unreachable node, no such
    /// app...): shown with the "cannot review" finding of that app.
    pub module_errors: BTreeMap<AppId, String>,
}

/// What the reviewer declares: the only way a critical finding becomes acceptable.
#[derive(Clone, Debug, Default)]
pub struct Expectations {
    /// ROFL admins a proposal may hand an app to (Oasis addresses).
    pub admins: Vec<OasisAddress>,
    /// Guardians a proposal may set.
    pub guardians: Vec<Address>,
    /// An address the policy contract's ownership may move to.
    pub owner: Option<Address>,
    /// The proposal is a declared rollback: re-allowing revoked or retired identities is meant.
    pub rollback: bool,
    /// Identities verified against a bundle, manifest or quote the reviewer has (`None`: the
    /// reviewer supplied none).
    pub verified_identities: Option<BTreeSet<EnclaveIdentity>>,
    /// sha256 of the ORC bundle the reviewer has.
    pub bundle_hash: Option<B256>,
    /// sha256 of the rofl.yaml the reviewer has.
    pub manifest_hash: Option<B256>,
    /// oasis-core's manifest hash of the ORC bundle the reviewer has (what a machine Deploy
    /// pins), or why the bundle has none the ROFL scheduler would accept.
    pub bundle_manifest_hash: Option<Result<B256, String>>,
    /// Critical findings accepted by kind (`--override KIND`), each applying to every finding
    /// of that kind. "Cannot review" cannot be overridden.
    pub overrides: BTreeSet<WarningKind>,
}

/// The verdict a reviewer acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every effect is accounted for and nothing critical remains (or each was overridden).
    Ok,
    /// A critical finding: do not sign, approve, vote for or execute.
    DoNotSign,
    /// The state the review needs could not be established: nothing can be said.
    CannotReview,
}

impl Verdict {
    /// The process exit code for this verdict: 0 when ok, 4 otherwise.
    pub fn exit_code(self) -> i32 {
        match self {
            Self::Ok => 0,
            Self::DoNotSign | Self::CannotReview => 4,
        }
    }

    /// Whether approving is allowed.
    pub fn is_ok(self) -> bool {
        self == Self::Ok
    }
}

/// One call the transaction makes, as the engine read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CallLine {
    /// Position among the calls (MultiSend legs are numbered in order).
    pub index: usize,
    /// Target.
    pub to: Address,
    /// Value in wei.
    pub value: U256,
    /// `CALL` or `DELEGATECALL`.
    pub operation: &'static str,
    /// What the engine read it as, in words (escaped).
    pub reading: String,
}

/// The SafeTx fields and hashes a wallet shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SafeTxLine {
    /// The Safe.
    pub safe: Address,
    /// Chain id of the EIP-712 domain.
    pub chain_id: u64,
    /// The transaction, every field.
    pub tx: SafeTx,
    /// Domain, message and SafeTx hashes.
    pub hashes: SafeTxHashes,
    /// The signatures found, each with what could be verified.
    pub signatures: Vec<SignatureLine>,
    /// Valid owner signatures counted toward the threshold.
    pub counted: usize,
    /// The Safe's threshold (when known).
    pub threshold: Option<u64>,
    /// The Safe's nonce now (when known).
    pub safe_nonce: Option<u64>,
}

/// One signature of a Safe transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SignatureLine {
    /// Position in the file.
    pub index: usize,
    /// The kind: `eip712`, `eth_sign`, `approved_hash`, `contract`, `malformed`.
    pub kind: &'static str,
    /// Who it is from, when that could be established.
    pub signer: Option<Address>,
    /// Whether it counts: a valid signature (or an on-chain approval) by a current owner.
    pub counted: bool,
    /// Why not, when it does not count.
    pub note: Option<String>,
}

/// The firewall's answer.
#[derive(Clone, Debug, Serialize)]
pub struct FirewallReport {
    /// `ok`, `do_not_sign` or `cannot_review`.
    pub verdict: Verdict,
    /// The Safe transaction, when one was reviewed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub safe_tx: Option<SafeTxLine>,
    /// Every call, in execution order.
    pub calls: Vec<CallLine>,
    /// One review per app touched (diff against its current config).
    pub apps: Vec<Review>,
    /// Every finding, the per-app ones included.
    pub findings: Vec<Warning>,
    /// Critical finding kinds accepted by an override.
    pub overridden: Vec<WarningKind>,
    /// Text from the file that no hash covers (escaped, labelled).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unverified_title: Option<String>,
    /// The description, escaped (Governor: covered by the proposal id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl FirewallReport {
    /// Critical findings not overridden.
    pub fn blocking(&self) -> impl Iterator<Item = &Warning> {
        self.findings
            .iter()
            .filter(|w| w.severity == Severity::Critical && !self.overridden.contains(&w.kind))
    }

    /// Whether a finding of `kind` was raised.
    pub fn has(&self, kind: WarningKind) -> bool {
        self.findings.iter().any(|w| w.kind == kind)
    }
}

sol! {
    /// Safe v1.4.1 functions that change the Safe itself (OwnerManager, ModuleManager,
    /// GuardManager, FallbackManager, Safe).
    interface ISafeSelf {
        function addOwnerWithThreshold(address owner, uint256 _threshold) external;
        function removeOwner(address prevOwner, address owner, uint256 _threshold) external;
        function swapOwner(address prevOwner, address oldOwner, address newOwner) external;
        function changeThreshold(uint256 _threshold) external;
        function enableModule(address module) external;
        function disableModule(address prevModule, address module) external;
        function setGuard(address guard) external;
        function setFallbackHandler(address handler) external;
        function approveHash(bytes32 hashToApprove) external;
    }
}

/// keccak256 of the canonical MultiSendCallOnly v1.4.1 runtime code.
const MULTI_SEND_CALL_ONLY_CODE_HASH: B256 = roflgov_contracts::safe::MULTI_SEND_CALL_ONLY.code_hash;

/// Reviews `transaction` against `facts` and `expectations`.
pub fn review(transaction: &Transaction, facts: &ChainFacts, expectations: &Expectations) -> FirewallReport {
    let mut engine = Engine {
        facts,
        expectations,
        findings: Vec::new(),
        calls: Vec::new(),
        deploys: Vec::new(),
        admin_changes: Vec::new(),
    };
    let mut report_safe = None;
    let mut unverified_title = None;
    let mut description = None;

    let (executor, legs) = match transaction {
        Transaction::Safe { safe, chain_id, tx, signatures, title } => {
            engine.check_chain(Some(*chain_id));
            report_safe = Some(engine.safe_tx(*safe, *chain_id, tx, signatures));
            unverified_title = title.as_deref().map(text::unverified);
            (*safe, engine.safe_legs(*safe, tx))
        }
        Transaction::Calls { executor, chain_id, calls, description: text, description_verified } => {
            engine.check_chain(*chain_id);
            if let Some(text) = text {
                if *description_verified {
                    description = Some(text::escape(text));
                } else {
                    unverified_title = Some(text::unverified(text));
                }
            }
            (*executor, calls.iter().map(|c| Leg { call: c.clone(), account: true }).collect())
        }
    };

    let proposed: Vec<ProposedCall> = legs.iter().map(|leg| leg.call.clone()).collect();
    for (index, leg) in legs.iter().enumerate() {
        engine.account_for(index, executor, &leg.call, leg.account);
    }
    let apps = engine.review_apps(&proposed);
    engine.machine_checks(&apps, executor);

    let mut findings: Vec<Warning> = Vec::new();
    for warning in engine.findings.into_iter().chain(apps.iter().flat_map(|r| r.warnings.iter().cloned())) {
        if !findings.contains(&warning) {
            findings.push(warning);
        }
    }
    let overridden: Vec<WarningKind> = expectations
        .overrides
        .iter()
        .copied()
        .filter(|kind| findings.iter().any(|w| w.kind == *kind && w.severity == Severity::Critical))
        .filter(|kind| !CANNOT_REVIEW_KINDS.contains(kind))
        .collect();
    let verdict = if findings.iter().any(|w| CANNOT_REVIEW_KINDS.contains(&w.kind)) {
        Verdict::CannotReview
    } else if findings.iter().any(|w| w.severity == Severity::Critical && !overridden.contains(&w.kind)) {
        Verdict::DoNotSign
    } else {
        Verdict::Ok
    };
    FirewallReport {
        verdict,
        safe_tx: report_safe,
        calls: engine.calls,
        apps,
        findings,
        overridden,
        unverified_title,
        description,
    }
}

/// A Deployment in words: app, manifest hash and every metadata pair, escaped.
fn deployment_text(deployment: &market::Deployment) -> String {
    let metadata: Vec<String> =
        deployment.metadata.iter().map(|(k, v)| format!("{}={}", text::escape(k), text::escape(v))).collect();
    format!(
        "app {} manifest hash {} metadata {{{}}}",
        deployment.app_id,
        deployment.manifest_hash,
        metadata.join(", ")
    )
}

/// Whether an endorsement (or any of its children) names `admin` as `provider_instance_admin`.
pub fn names_instance_admin(endorsement: &AllowedEndorsement, admin: OasisAddress) -> bool {
    match endorsement {
        AllowedEndorsement::ProviderInstanceAdmin(a) => *a == admin,
        AllowedEndorsement::And(children) | AllowedEndorsement::Or(children) => {
            children.iter().any(|c| names_instance_admin(c, admin))
        }
        _ => false,
    }
}

/// Finding kinds that mean the review could not be done at all.
const CANNOT_REVIEW_KINDS: [WarningKind; 2] = [WarningKind::StateUnknown, WarningKind::WrongChain];

/// One call to account for, and whether the engine still has to account for its target (a leg
/// whose target was already judged, e.g. a DELEGATECALL to an unknown contract, is not).
struct Leg {
    call: ProposedCall,
    account: bool,
}

struct Engine<'a> {
    facts: &'a ChainFacts,
    expectations: &'a Expectations,
    findings: Vec<Warning>,
    calls: Vec<CallLine>,
    /// Machine Deploys seen: (call index, machine, app deployed).
    deploys: Vec<(usize, String, AppId)>,
    /// Machine admin changes seen: (call index, machine, new admin).
    admin_changes: Vec<(usize, String, OasisAddress)>,
}

impl Engine<'_> {
    fn critical(&mut self, kind: WarningKind, message: impl Into<String>) {
        self.findings.push(Warning::critical(kind, message));
    }

    fn caution(&mut self, kind: WarningKind, message: impl Into<String>) {
        self.findings.push(Warning::caution(kind, message));
    }

    /// The RPC must answer, and for the same chain the transaction names.
    fn check_chain(&mut self, file_chain: Option<u64>) {
        match (self.facts.rpc_chain_id, file_chain) {
            (None, _) => self.critical(
                WarningKind::StateUnknown,
                "the chain is not reachable: the current state of what this transaction touches is unknown",
            ),
            (Some(rpc), Some(file)) if rpc != file => self.critical(
                WarningKind::WrongChain,
                format!("the transaction is for chain {file}, the RPC serves chain {rpc}"),
            ),
            _ => {}
        }
    }

    /// Every SafeTx field, the hashes a wallet shows, the nonce and the signatures.
    fn safe_tx(&mut self, safe: Address, chain_id: u64, tx: &SafeTx, signatures: &[Bytes]) -> SafeTxLine {
        let hashes = tx.hashes(chain_id, safe);
        if !tx.gas_price.is_zero() || !tx.base_gas.is_zero() {
            self.critical(
                WarningKind::GasRefund,
                format!(
                    "the transaction pays a gas refund (baseGas {}, gasPrice {}) in {} to {}: the Safe pays whoever \
                     executes it; roflgov never writes refund parameters",
                    tx.base_gas,
                    tx.gas_price,
                    if tx.gas_token.is_zero() { "ROSE".to_string() } else { format!("token {}", tx.gas_token) },
                    if tx.refund_receiver.is_zero() { "the executor".to_string() } else { tx.refund_receiver.to_string() }
                ),
            );
        } else if !tx.gas_token.is_zero() || !tx.refund_receiver.is_zero() {
            self.critical(
                WarningKind::GasRefund,
                format!(
                    "refund fields are set (gasToken {}, refundReceiver {}); roflgov never writes them",
                    tx.gas_token, tx.refund_receiver
                ),
            );
        }
        if !tx.safe_tx_gas.is_zero() {
            self.caution(
                WarningKind::GasRefund,
                format!(
                    "safeTxGas is {}: the inner call may run out of gas and the Safe still consumes the nonce",
                    tx.safe_tx_gas
                ),
            );
        }
        let safe_facts = self.facts.safe.clone();
        if let Some(facts) = &safe_facts {
            let nonce = tx.nonce_u64();
            if U256::from(nonce) != tx.nonce || nonce < facts.nonce {
                match facts.executed {
                    Some(true) => self.critical(
                        WarningKind::NonceUsed,
                        format!("ALREADY EXECUTED: this transaction ran at nonce {nonce}; signing it again does nothing"),
                    ),
                    _ => self.critical(
                        WarningKind::NonceUsed,
                        format!(
                            "REPLACED: nonce {} is used (the Safe is at nonce {}) by another transaction; this one can never run",
                            tx.nonce, facts.nonce
                        ),
                    ),
                }
            } else if nonce > facts.nonce {
                self.caution(
                    WarningKind::NonceQueued,
                    format!(
                        "queued: nonce {nonce} runs only after {} other transaction(s) (the Safe is at nonce {})",
                        nonce - facts.nonce,
                        facts.nonce
                    ),
                );
            }
        } else if self.facts.rpc_chain_id.is_some() {
            self.critical(
                WarningKind::StateUnknown,
                format!("the Safe {safe} could not be read (owners, threshold, nonce)"),
            );
        }
        let mut lines = Vec::new();
        let mut counted_owners = BTreeSet::new();
        for (index, packed) in signatures.iter().enumerate() {
            let mut line = read_signature(index, packed, hashes.safe_tx_hash);
            if let (Some(signer), Some(facts)) = (line.signer, &safe_facts) {
                if !facts.owners.contains(&signer) {
                    line.note = Some(format!("{signer} is not an owner of the Safe"));
                } else if line.kind == "approved_hash" && !facts.approved_hash_by.contains(&signer) {
                    line.note =
                        Some(format!("{signer} has not approved this hash on chain (approvedHashes is 0)"));
                } else if !counted_owners.insert(signer) {
                    line.note = Some(format!("{signer} signed twice; counted once"));
                } else {
                    line.counted = true;
                }
            }
            if !line.counted {
                let note = line.note.clone().unwrap_or_else(|| "cannot be verified".into());
                self.caution(
                    WarningKind::SignatureNotCounted,
                    format!("signature #{index} ({}) is not counted: {note}", line.kind),
                );
            }
            lines.push(line);
        }
        SafeTxLine {
            safe,
            chain_id,
            tx: tx.clone(),
            hashes,
            counted: counted_owners.len(),
            signatures: lines,
            threshold: safe_facts.as_ref().map(|f| f.threshold),
            safe_nonce: safe_facts.as_ref().map(|f| f.nonce),
        }
    }

    /// The calls a Safe transaction makes: the transaction itself, or the legs of a
    /// DELEGATECALL into the canonical MultiSendCallOnly (checked by code hash).
    fn safe_legs(&mut self, safe: Address, tx: &SafeTx) -> Vec<Leg> {
        let single =
            |account| vec![Leg { call: ProposedCall::call(tx.to, tx.value, tx.data.clone()), account }];
        match tx.operation {
            Operation::Call => {
                if self.facts.code_hashes.get(&tx.to) == Some(&MULTI_SEND_CALL_ONLY_CODE_HASH) {
                    self.critical(
                        WarningKind::DelegateCall,
                        format!(
                            "the Safe CALLs MultiSendCallOnly at {}: the batch would run as that contract, not as the Safe",
                            tx.to
                        ),
                    );
                    self.calls.push(CallLine {
                        index: 0,
                        to: tx.to,
                        value: tx.value,
                        operation: "CALL",
                        reading: "MultiSendCallOnly called without DELEGATECALL".into(),
                    });
                    return Vec::new();
                }
                single(true)
            }
            Operation::DelegateCall => {
                let code = self.facts.code_hashes.get(&tx.to);
                if code != Some(&MULTI_SEND_CALL_ONLY_CODE_HASH) {
                    self.critical(
                        WarningKind::DelegateCall,
                        format!(
                            "DELEGATECALL to {}, {}: its code would run with the Safe's storage and authority (it could \
                             change owners, modules or drain the Safe); only the canonical MultiSendCallOnly is allowed",
                            tx.to,
                            match code {
                                Some(hash) => format!("code hash {hash}, not MultiSendCallOnly v1.4.1"),
                                None => "whose code is unknown".to_string(),
                            }
                        ),
                    );
                    self.calls.push(CallLine {
                        index: 0,
                        to: tx.to,
                        value: tx.value,
                        operation: "DELEGATECALL",
                        reading: format!("{} bytes of calldata run in the Safe's context", tx.data.len()),
                    });
                    return Vec::new();
                }
                if !tx.value.is_zero() {
                    self.critical(
                        WarningKind::ValueTransfer,
                        format!("the MultiSend DELEGATECALL carries {} wei", tx.value),
                    );
                }
                let legs = crate::safe_tx::IMultiSendCallOnly::multiSendCall::abi_decode(&tx.data)
                    .map_err(|e| e.to_string())
                    .and_then(|call| decode_multi_send(&call.transactions).map_err(|e| e.to_string()));
                match legs {
                    Ok(legs) if legs.is_empty() => {
                        self.caution(
                            WarningKind::Unreviewable,
                            "the MultiSend batch is empty: it does nothing",
                        );
                        Vec::new()
                    }
                    Ok(legs) => legs
                        .into_iter()
                        .map(|leg| Leg {
                            call: ProposedCall::call(leg.to, leg.value, leg.data),
                            account: true,
                        })
                        .collect(),
                    Err(reason) => {
                        self.critical(
                            WarningKind::Unreviewable,
                            format!("the MultiSend batch does not decode: {reason}"),
                        );
                        let _ = safe;
                        Vec::new()
                    }
                }
            }
        }
    }

    /// Judges one call's target and value; the app-level effects are reviewed per app.
    fn account_for(&mut self, index: usize, executor: Address, call: &ProposedCall, account: bool) {
        if !account {
            return;
        }
        if call.delegate_call {
            // Only a Safe transaction's own operation may DELEGATECALL (checked in safe_legs);
            // a call in a batch or proposal marked as one runs foreign code as the executor.
            self.critical(
                WarningKind::DelegateCall,
                format!(
                    "call #{index} is a DELEGATECALL to {}: its code would run as the executor itself",
                    call.to
                ),
            );
        }
        let policy = self.facts.policy_contract.clone();
        let reading = if Some(call.to) == policy.as_ref().map(|p| p.address) {
            let policy = policy.expect("checked");
            self.policy_call(index, executor, &policy, call)
        } else if call.to == SUBCALL_PRECOMPILE {
            self.subcall(index, call)
        } else if call.to == executor {
            self.self_call(index, call)
        } else {
            let what = if call.data.is_empty() {
                "a plain transfer".to_string()
            } else {
                format!("{} bytes of calldata", call.data.len())
            };
            self.critical(
                WarningKind::UnknownTarget,
                format!(
                    "call #{index} goes to {}, which is neither the policy contract nor the subcall precompile ({what}, {}): \
                     roflgov cannot tell what it does",
                    call.to,
                    format_rose(call.value)
                ),
            );
            format!("unknown target ({what})")
        };
        self.calls.push(CallLine { index, to: call.to, value: call.value, operation: "CALL", reading });
    }

    fn policy_call(
        &mut self,
        index: usize,
        executor: Address,
        policy: &PolicyContractFacts,
        call: &ProposedCall,
    ) -> String {
        if !policy.code_is_roflgov {
            self.critical(
                WarningKind::UnknownTarget,
                format!(
                    "call #{index}: the configured policy contract {} does not run roflgov's RoflAppAdmin code (or \
                     its libraries differ): what it does with this call is unknown",
                    policy.address
                ),
            );
        }
        let decoded = match decode_calldata(&call.data) {
            Ok(decoded) => decoded,
            Err(err) => {
                self.critical(
                    WarningKind::Unreviewable,
                    format!("call #{index} to the policy contract does not decode: {err}"),
                );
                return "policy contract: undecodable".into();
            }
        };
        let is_create = matches!(&decoded, DecodedCalldata::Change(c) if matches!(c.change, PolicyChange::CreateApp { .. }));
        if is_create && call.value != CREATE_STAKE {
            self.critical(
                WarningKind::ValueTransfer,
                format!(
                    "call #{index}: createApp needs exactly {} as value, sends {}: it reverts",
                    format_rose(CREATE_STAKE),
                    format_rose(call.value)
                ),
            );
        } else if matches!(&decoded, DecodedCalldata::Owner(OwnerCall::FundMachines)) {
            // Anyone may fund the contract (`machine fund`); the owner can withdraw the balance.
            self.caution(
                WarningKind::ValueTransfer,
                format!(
                    "call #{index} adds {} to the policy contract's balance (fundMachines: it pays for machines; the owner can withdraw it)",
                    format_rose(call.value)
                ),
            );
        } else if !is_create && !call.value.is_zero() {
            self.critical(
                WarningKind::ValueTransfer,
                format!("call #{index} sends {} to the policy contract", format_rose(call.value)),
            );
        }
        if executor != policy.owner {
            let accepts = decoded.owner_calls().iter().any(|c| matches!(c, OwnerCall::AcceptOwnership));
            // The guardian may revoke and freeze (the contract checks it is the app's guardian).
            let guardian_only = !decoded.changes().is_empty()
                && decoded
                    .changes()
                    .iter()
                    .all(|c| matches!(c.change, PolicyChange::RevokeEnclave(_) | PolicyChange::Freeze));
            if !accepts && !guardian_only {
                self.caution(
                    WarningKind::WouldRevert,
                    format!(
                        "call #{index}: the policy contract's owner is {}, not {executor}: owner-only calls revert",
                        policy.owner
                    ),
                );
            }
        }
        for owner_call in decoded.owner_calls() {
            match owner_call {
                OwnerCall::TransferOwnership { new_owner } if Some(*new_owner) != self.expectations.owner => self.critical(
                    WarningKind::OwnershipTransfer,
                    format!(
                        "call #{index} proposes {new_owner} as the new owner of the policy contract, and so of every \
                         app it manages; not the owner you expect (--expect-owner)"
                    ),
                ),
                OwnerCall::AcceptOwnership if Some(executor) != self.expectations.owner => self.critical(
                    WarningKind::OwnershipTransfer,
                    format!(
                        "call #{index}: {executor} accepts ownership of the policy contract; not the owner you expect \
                         (--expect-owner)"
                    ),
                ),
                _ => {}
            }
        }
        let mut apps: Vec<String> = Vec::new();
        for change in decoded.changes() {
            if let Some(app) = change.app {
                let app = app.to_string();
                if !apps.contains(&app) {
                    apps.push(app);
                }
            }
            // Hostile keys are critical whether or not the contract would take them.
            let app_name = change.app.map(|a| a.to_string()).unwrap_or_else(|| "the new app".into());
            let keys: Vec<(&str, &String)> = match &change.change {
                PolicyChange::SetMetadata { key, .. } => vec![("metadata key", key)],
                PolicyChange::SetSecret { name, .. } => vec![("secret name", name)],
                PolicyChange::CreateApp { metadata, .. } => {
                    metadata.keys().map(|k| ("metadata key", k)).collect()
                }
                PolicyChange::AdoptApp { metadata, secrets, .. } => metadata
                    .keys()
                    .map(|k| ("metadata key", k))
                    .chain(secrets.keys().map(|k| ("secret name", k)))
                    .collect(),
                _ => Vec::new(),
            };
            for (what, key) in keys {
                for hazard in text::key_hazards(key) {
                    self.critical(
                        WarningKind::UnsafeText,
                        format!("{what} \"{}\" of {app_name} {hazard}", text::escape(key)),
                    );
                }
            }
            match &change.change {
                PolicyChange::AdoptApp { .. } => self.critical(
                    WarningKind::Adoption,
                    format!(
                        "call #{index} adopts {}: the policy contract takes over an app that is managed another way today",
                        change.app.map(|a| a.to_string()).unwrap_or_default()
                    ),
                ),
                PolicyChange::TransferRoflAdmin { new_admin } if !self.expectations.admins.contains(new_admin) => {
                    {
                        self.critical(
                            WarningKind::AdminHandedOver,
                            format!(
                                "call #{index} hands the ROFL admin of {} to {new_admin}, an address you did not expect \
                                 (--expect-admin): it alone controls the app afterwards",
                                change.app.map(|a| a.to_string()).unwrap_or_default()
                            ),
                        );
                    }
                }
                _ => {}
            }
        }
        let names: Vec<&str> = decoded.changes().iter().map(|c| c.change.function_name()).collect();
        format!("policy contract: {} {}", names.join(", "), apps.join(", "))
    }

    fn subcall(&mut self, index: usize, call: &ProposedCall) -> String {
        if !call.value.is_zero() {
            self.critical(
                WarningKind::ValueTransfer,
                format!("call #{index} sends {} to the subcall precompile", format_rose(call.value)),
            );
        }
        let input = match decode_subcall(&call.data) {
            Ok(input) => input,
            Err(err) => {
                self.critical(
                    WarningKind::Unreviewable,
                    format!("call #{index} to the subcall precompile does not decode: {err}"),
                );
                return "subcall: undecodable".into();
            }
        };
        let method = text::escape(&input.method);
        if market::is_market_method(&input.method) {
            return self.market_call(index, &method, &input.method, &input.body);
        }
        match cbor::decode_call(&input.method, &input.body) {
            Ok(RoflCall::Create(_)) => {
                self.caution(
                    WarningKind::AppCreated,
                    format!("call #{index}: a direct rofl.Create creates a new app"),
                );
                format!("direct {method}")
            }
            Ok(RoflCall::Update(update)) => format!("direct {method} of {}", update.id),
            Ok(RoflCall::Remove(remove)) => format!("direct {method} of {}", remove.id),
            Err(err) => {
                self.critical(
                    WarningKind::Unreviewable,
                    format!(
                        "call #{index}: the {method} body cannot be reviewed: {}",
                        text::escape(&err.to_string())
                    ),
                );
                format!("direct {method} (undecodable)")
            }
        }
    }

    /// A direct `roflmarket.*` subcall: every machine command shown, the dangerous ones flagged.
    fn market_call(&mut self, index: usize, method: &str, raw_method: &str, body: &[u8]) -> String {
        use market::MarketCall as M;
        let call = match market::decode_call(raw_method, body) {
            Ok(call) => call,
            Err(err) => {
                self.critical(
                    WarningKind::Unreviewable,
                    format!(
                        "call #{index}: the {method} body cannot be reviewed: {}",
                        text::escape(&err.to_string())
                    ),
                );
                return format!("direct {method} (undecodable)");
            }
        };
        match call {
            M::InstanceCreate(c) => {
                let admin = c.admin.map_or_else(|| "the executor".to_owned(), |a| a.to_string());
                let deploy = c.deployment.as_ref().map_or_else(String::new, |d| {
                    let machine = format!("new machine of {}", c.provider);
                    self.deploys.push((index, machine, d.app_id));
                    self.check_manifest_hash(index, "the new machine", d);
                    format!(", deploying {}", deployment_text(d))
                });
                self.caution(
                    WarningKind::MachineCall,
                    format!(
                        "call #{index}: rents a machine from provider {} (offer {}, {} × {}, paid by the executor), admin {admin}{deploy}",
                        c.provider, c.offer, c.term_count, c.term
                    ),
                );
                format!("direct {method}: provider {}, offer {}{deploy}", c.provider, c.offer)
            }
            M::InstanceTopUp(c) => {
                self.caution(
                    WarningKind::MachineCall,
                    format!(
                        "call #{index}: pays machine {} of provider {} for {} × {} more (from the executor)",
                        c.id, c.provider, c.term_count, c.term
                    ),
                );
                format!("direct {method}: machine {} of {}, {} × {}", c.id, c.provider, c.term_count, c.term)
            }
            M::InstanceChangeAdmin(c) => {
                let machine = format!("machine {} of provider {}", c.id, c.provider);
                self.caution(
                    WarningKind::MachineCall,
                    format!("call #{index}: hands {machine} to admin {}", c.admin),
                );
                self.admin_changes.push((index, machine.clone(), c.admin));
                format!("direct {method}: {machine} → admin {}", c.admin)
            }
            M::InstanceCancel(c) => {
                self.critical(
                    WarningKind::MachineStopped,
                    format!(
                        "call #{index}: cancels machine {} of provider {}: it stops, and the app loses it",
                        c.id, c.provider
                    ),
                );
                format!("direct {method}: machine {} of {}", c.id, c.provider)
            }
            M::InstanceExecuteCmds(c) => {
                let machine = format!("machine {} of provider {}", c.id, c.provider);
                let commands = match c.commands() {
                    Ok(commands) => commands,
                    Err(err) => {
                        self.critical(
                            WarningKind::Unreviewable,
                            format!(
                                "call #{index}: a command for {machine} cannot be reviewed: {}",
                                text::escape(&err.to_string())
                            ),
                        );
                        return format!("direct {method}: {machine} (undecodable command)");
                    }
                };
                let mut lines = Vec::new();
                for command in &commands {
                    let wipe = if command.wipes_storage() { ", WIPES STORAGE" } else { "" };
                    if command.wipes_storage() {
                        self.critical(
                            WarningKind::MachineStorageWiped,
                            format!(
                                "call #{index}: {} on {machine} wipes its persistent storage (the app's data is lost)",
                                command.method()
                            ),
                        );
                    }
                    match command {
                        market::Command::Deploy { deployment, .. } => {
                            self.deploys.push((index, machine.clone(), deployment.app_id));
                            self.check_manifest_hash(index, &machine, deployment);
                            lines.push(format!("Deploy {}{wipe}", deployment_text(deployment)));
                        }
                        market::Command::Restart { .. } => {
                            self.caution(
                                WarningKind::MachineCall,
                                format!("call #{index}: restarts {machine}"),
                            );
                            lines.push(format!("Restart{wipe}"));
                        }
                        market::Command::Terminate { .. } => {
                            self.critical(
                                WarningKind::MachineStopped,
                                format!("call #{index}: terminates {machine}: the app stops running there"),
                            );
                            lines.push(format!("Terminate{wipe}"));
                        }
                    }
                }
                if commands.is_empty() {
                    lines.push("no command".into());
                }
                format!("direct {method}: {machine}: {}", lines.join("; "))
            }
        }
    }

    /// A Deploy's manifest hash against the bundle the reviewer has.
    fn check_manifest_hash(&mut self, index: usize, machine: &str, deployment: &market::Deployment) {
        match &self.expectations.bundle_manifest_hash {
            None => self.caution(
                WarningKind::MachineManifestUnchecked,
                format!(
                    "call #{index}: the Deploy to {machine} pins manifest hash {}, not checked against a bundle you have (pass --bundle)",
                    deployment.manifest_hash
                ),
            ),
            Some(Ok(hash)) if *hash == deployment.manifest_hash => {}
            Some(Ok(hash)) => self.critical(
                WarningKind::MachineManifestMismatch,
                format!(
                    "call #{index}: the Deploy to {machine} pins manifest hash {}, but your bundle's is {hash}: the machine would boot other code than the bundle you reviewed",
                    deployment.manifest_hash
                ),
            ),
            Some(Err(why)) => self.critical(
                WarningKind::MachineManifestMismatch,
                format!(
                    "call #{index}: the Deploy to {machine} cannot be checked: your bundle has no manifest hash the ROFL scheduler accepts ({})",
                    text::escape(why)
                ),
            ),
        }
    }

    /// Checks across the calls: Deploys of the released app, admin changes against the
    /// endorsement policy in force after the transaction.
    fn machine_checks(&mut self, apps: &[Review], executor: Address) {
        let released: Vec<AppId> = apps.iter().map(|r| r.app).collect();
        for (index, machine, app) in std::mem::take(&mut self.deploys) {
            if released.is_empty() {
                self.caution(
                    WarningKind::MachineWrongApp,
                    format!(
                        "call #{index}: deploys app {app} to {machine}, and the transaction releases no app"
                    ),
                );
            } else if !released.contains(&app) {
                let names: Vec<String> = released.iter().map(ToString::to_string).collect();
                self.critical(
                    WarningKind::MachineWrongApp,
                    format!(
                        "call #{index}: deploys app {app} to {machine}, but the transaction releases {}",
                        names.join(", ")
                    ),
                );
            }
        }
        // The module sees the executor as the caller: only the current admin may change the
        // admin, so the old admin is the executor.
        let old_admin = OasisAddress::from_eth(executor);
        for (index, machine, new_admin) in std::mem::take(&mut self.admin_changes) {
            if apps.is_empty() {
                self.caution(
                    WarningKind::MachineAdminEndorsement,
                    format!(
                        "call #{index}: {machine} moves from admin {old_admin} to {new_admin}; if the app's endorsement policy names {old_admin} as provider_instance_admin, its instances there stop registering"
                    ),
                );
                continue;
            }
            for review in apps {
                let endorsements = &review.resulting.policy.endorsements;
                if endorsements.iter().any(|e| names_instance_admin(e, old_admin)) {
                    self.critical(
                        WarningKind::MachineAdminEndorsement,
                        format!(
                            "call #{index}: {machine} moves from admin {old_admin} to {new_admin}, but the endorsement policy of {} still names {old_admin} as provider_instance_admin: instances on the machine could no longer register (change it to {new_admin} in the same batch)",
                            review.app
                        ),
                    );
                }
            }
        }
    }

    /// A call from the Safe (or Timelock) to itself changes who controls it.
    fn self_call(&mut self, index: usize, call: &ProposedCall) -> String {
        use ISafeSelf::ISafeSelfCalls as C;
        use alloy_sol_types::SolInterface;
        let what = match C::abi_decode(&call.data) {
            Ok(C::addOwnerWithThreshold(c)) => format!("adds owner {} (threshold {})", c.owner, c._threshold),
            Ok(C::removeOwner(c)) => format!("removes owner {} (threshold {})", c.owner, c._threshold),
            Ok(C::swapOwner(c)) => format!("replaces owner {} with {}", c.oldOwner, c.newOwner),
            Ok(C::changeThreshold(c)) => format!("changes the threshold to {}", c._threshold),
            Ok(C::enableModule(c)) => {
                format!("enables module {} (it could then act without signatures)", c.module)
            }
            Ok(C::disableModule(c)) => format!("disables module {}", c.module),
            Ok(C::setGuard(c)) => format!("sets the transaction guard to {}", c.guard),
            Ok(C::setFallbackHandler(c)) => format!("sets the fallback handler to {}", c.handler),
            Ok(C::approveHash(c)) => format!("approves hash {}", c.hashToApprove),
            Err(_) => format!("calls itself with {} bytes of unknown calldata", call.data.len()),
        };
        self.critical(
            WarningKind::SafeSelfCall,
            format!("call #{index}: the executing account {} {what}", call.to),
        );
        format!("call into the executor itself: {what}")
    }

    /// The apps the calls touch, each reviewed against its current state.
    fn review_apps(&mut self, calls: &[ProposedCall]) -> Vec<Review> {
        let policy = self.facts.policy_contract.as_ref().map(|p| p.address);
        let mut touched: Vec<AppId> = Vec::new();
        let mut add = |app: AppId| {
            if !touched.contains(&app) {
                touched.push(app);
            }
        };
        for call in calls {
            if Some(call.to) == policy {
                if let Ok(decoded) = decode_calldata(&call.data) {
                    decoded.changes().iter().filter_map(|c| c.app).for_each(&mut add);
                    decoded.machine_apps().into_iter().for_each(&mut add);
                }
            } else if call.to == SUBCALL_PRECOMPILE
                && let Ok(input) = decode_subcall(&call.data)
            {
                match cbor::decode_call(&input.method, &input.body) {
                    Ok(RoflCall::Update(u)) => add(u.id),
                    Ok(RoflCall::Remove(r)) => add(r.id),
                    _ => {}
                }
            }
        }
        let mut reviews = Vec::new();
        for app in touched {
            let Some(facts) = self.facts.apps.get(&app) else {
                let why = self
                    .facts
                    .module_errors
                    .get(&app)
                    .map(|reason| format!(" ({})", text::escape(reason)))
                    .unwrap_or_default();
                self.critical(
                    WarningKind::StateUnknown,
                    format!(
                        "app {app} is touched, but its current config is known neither to the policy contract nor to \
                         the ROFL module{why}: nothing to diff against"
                    ),
                );
                continue;
            };
            let mut reviewer =
                Reviewer::new(&facts.config).release_state(facts.release_state.clone()).accounted_targets();
            if let (Some(pc), Some(version)) = (policy, facts.version) {
                reviewer = reviewer.policy_contract(pc, version);
            } else if let Some(pc) = policy {
                reviewer = reviewer.policy_contract_unmanaged(pc);
            }
            if let Some(now) = self.facts.now {
                reviewer = reviewer.now(now);
            }
            if let Some(hash) = self.expectations.bundle_hash {
                reviewer = reviewer.bundle_hash(hash);
            }
            if let Some(hash) = self.expectations.manifest_hash {
                reviewer = reviewer.manifest_hash(hash);
            }
            reviewer = reviewer.expect_guardians(self.expectations.guardians.iter().copied());
            for (account, has_code) in &self.facts.has_code {
                reviewer = reviewer.account_code(*account, *has_code);
            }
            let mut review = reviewer.review(calls);
            // Every touched app is reviewed here, so "another app" notes say nothing new.
            review.warnings.retain(|w| w.kind != WarningKind::OtherApp);
            self.app_findings(&mut review, facts, calls);
            reviews.push(review);
        }
        reviews
    }

    /// Findings about one app's change that the per-app review leaves at caution or misses.
    fn app_findings(&mut self, review: &mut Review, facts: &AppFacts, calls: &[ProposedCall]) {
        let app = review.app;
        let mut extra = Vec::new();
        // The ROFL admin may only move to an expected address.
        if let Some(change) = &review.diff.admin
            && let Some(new_admin) = change.after
        {
            let own = self.facts.policy_contract.as_ref().map(|p| OasisAddress::from_eth(p.address));
            if Some(new_admin) != own && !self.expectations.admins.contains(&new_admin) {
                extra.push(Warning::critical(
                    WarningKind::AdminHandedOver,
                    format!(
                        "THE ROFL ADMIN OF {app} MOVES TO {new_admin}, an address you did not expect (--expect-admin): it \
                         alone controls the app's keys afterwards"
                    ),
                ));
            }
        }
        // A direct rofl.Update that drops metadata keys or secrets wipes them.
        let direct_update = calls.iter().any(|c| {
            direct_rofl_call(c.to, &c.data)
                .is_some_and(|call| matches!(call, RoflCall::Update(u) if u.id == app))
        });
        if direct_update {
            let dropped_keys = dropped(&facts.config.metadata, &review.resulting.metadata);
            if !dropped_keys.is_empty() {
                extra.push(Warning::critical(
                    WarningKind::MetadataWiped,
                    format!("a direct rofl.Update of {app} drops metadata {}", dropped_keys.join(", ")),
                ));
            }
            let dropped_secrets = dropped(&facts.config.secrets, &review.resulting.secrets);
            if !dropped_secrets.is_empty() {
                extra.push(Warning::critical(
                    WarningKind::SecretsWiped,
                    format!(
                        "a direct rofl.Update of {app} drops secrets {}: running instances lose them",
                        dropped_secrets.join(", ")
                    ),
                ));
            }
        }
        // Keys a reader could mistake for others, or that hide characters.
        let resulting = &review.resulting;
        let new_keys = resulting
            .metadata
            .keys()
            .filter(|k| !facts.config.metadata.contains_key(*k))
            .map(|k| ("metadata key", k))
            .chain(
                resulting
                    .secrets
                    .keys()
                    .filter(|k| !facts.config.secrets.contains_key(*k))
                    .map(|k| ("secret name", k)),
            );
        let all_keys: Vec<&String> = resulting.metadata.keys().chain(resulting.secrets.keys()).collect();
        for (what, key) in new_keys {
            for hazard in text::key_hazards(key) {
                extra.push(Warning::critical(
                    WarningKind::UnsafeText,
                    format!("{what} \"{}\" of {app} {hazard}", text::escape(key)),
                ));
            }
            let looks = text::skeleton(key);
            for other in all_keys.iter().filter(|o| **o != key && text::skeleton(o) == looks) {
                extra.push(Warning::critical(
                    WarningKind::UnsafeText,
                    format!(
                        "{what} \"{}\" of {app} looks exactly like \"{}\"",
                        text::escape(key),
                        text::escape(other)
                    ),
                ));
            }
        }
        // Identities: verified against the reviewer's files, and never quietly re-allowed.
        for line in &review.diff.enclaves_added {
            let identity = line.identity;
            let meta = facts.release_state.meta(&identity);
            let retired = meta.release_id != 0 && !meta.revoked;
            if (meta.revoked || retired) && !self.expectations.rollback {
                extra.push(Warning::critical(
                    WarningKind::IdentityReallowed,
                    format!(
                        "{} of {app} is allowed again after it was {}: a rollback must be declared (--expect-rollback)",
                        enclave_text_id(&identity),
                        if meta.revoked { "REVOKED by the guardian or a freeze" } else { "retired" }
                    ),
                ));
            }
            let verified =
                self.expectations.verified_identities.as_ref().is_some_and(|set| set.contains(&identity));
            if !verified {
                extra.push(Warning::caution(
                    WarningKind::IdentityNotVerified,
                    format!(
                        "new identity {} of {app} was not checked against a bundle, rofl.yaml or quote you have \
                         (--bundle, --manifest, --quote)",
                        enclave_text_id(&identity)
                    ),
                ));
            }
        }
        // Removing an identity does not end running registrations at once.
        if !review.diff.enclaves_removed.is_empty() {
            let epochs = resulting.policy.max_expiration;
            review.notes.push(format!(
                "instances of the {} removed identit{} of {app} can no longer register or renew, but keep a \
                 registration made before until it expires: up to {epochs} epoch(s) (about {epochs} h on Sapphire)",
                review.diff.enclaves_removed.len(),
                if review.diff.enclaves_removed.len() == 1 { "y" } else { "ies" }
            ));
        }
        if resulting.policy.max_expiration > 3
            && resulting.policy.max_expiration != facts.config.policy.max_expiration
        {
            extra.push(Warning::caution(
                WarningKind::Revocation,
                format!(
                    "max_expiration of {app} becomes {} epochs: a revoked build may keep its registration that long",
                    resulting.policy.max_expiration
                ),
            ));
        }
        for warning in extra {
            if !review.warnings.contains(&warning) {
                review.warnings.push(warning);
            }
        }
    }
}

/// One packed Safe signature: what it is and, for ECDSA, who made it.
fn read_signature(index: usize, packed: &[u8], safe_tx_hash: B256) -> SignatureLine {
    let mut line = SignatureLine { index, kind: "malformed", signer: None, counted: false, note: None };
    let Ok(bytes) = <&[u8; 65]>::try_from(packed) else {
        line.note = Some(format!("{} bytes, not 65", packed.len()));
        return line;
    };
    let r = U256::from_be_slice(&bytes[..32]);
    let s = U256::from_be_slice(&bytes[32..64]);
    let v = bytes[64];
    let recover = |parity: bool, prehash: B256| {
        alloy_primitives::Signature::new(r, s, parity).recover_address_from_prehash(&prehash).ok()
    };
    match v {
        0 => {
            line.kind = "contract";
            line.signer = Some(Address::from_slice(&bytes[12..32]));
            line.note = Some("a contract signature (EIP-1271) cannot be verified offline".into());
        }
        1 => {
            line.kind = "approved_hash";
            line.signer = Some(Address::from_slice(&bytes[12..32]));
        }
        27 | 28 => {
            line.kind = "eip712";
            line.signer = recover(v == 28, safe_tx_hash);
        }
        31 | 32 => {
            line.kind = "eth_sign";
            let mut message = b"\x19Ethereum Signed Message:\n32".to_vec();
            message.extend_from_slice(safe_tx_hash.as_slice());
            line.signer = recover(v == 32, keccak256(&message));
        }
        other => line.note = Some(format!("v = {other} is no Safe signature type")),
    }
    if line.signer.is_none() && line.note.is_none() {
        line.note = Some("the signer cannot be recovered".into());
    }
    line
}

/// The keys of `before` that `after` no longer has, escaped.
fn dropped<V>(before: &BTreeMap<String, V>, after: &BTreeMap<String, V>) -> Vec<String> {
    before.keys().filter(|k| !after.contains_key(*k)).map(|k| text::escape(k)).collect()
}

/// `amount` wei in ROSE, e.g. `100 ROSE`, `0.5 ROSE`, `1 wei`.
pub fn format_rose(amount: U256) -> String {
    if amount.is_zero() {
        return "0 ROSE".into();
    }
    let unit = U256::from(10u64).pow(U256::from(18u64));
    let whole = amount / unit;
    let fraction = amount % unit;
    if fraction.is_zero() {
        return format!("{whole} ROSE");
    }
    let digits = format!("{:0>18}", fraction.to_string());
    format!("{whole}.{} ROSE", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rose_amounts_read_as_people_write_them() {
        assert_eq!(format_rose(U256::ZERO), "0 ROSE");
        assert_eq!(format_rose(CREATE_STAKE), "100 ROSE");
        assert_eq!(format_rose(U256::from(5u64) * U256::from(10u64).pow(U256::from(17u64))), "0.5 ROSE");
        assert_eq!(format_rose(U256::from(1u64)), "0.000000000000000001 ROSE");
    }
}

/// What a transaction touches, read from the transaction alone: the client fetches the
/// [`ChainFacts`] for exactly these.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Touched {
    /// Apps named by policy-contract changes or direct subcall bodies.
    pub apps: Vec<AppId>,
    /// Addresses whose code hash matters (a Safe transaction's target).
    pub code_of: Vec<Address>,
    /// Accounts given power (guardians set): whether each has code is shown.
    pub accounts: Vec<Address>,
    /// Identities the calls allow: their history (revoked, retired) is looked up.
    pub identities: Vec<EnclaveIdentity>,
}

/// The calls of `transaction`, decoding a MultiSend batch whatever its target (the engine
/// checks the target; this only finds what to look up).
fn calls_of(transaction: &Transaction) -> Vec<ProposedCall> {
    match transaction {
        Transaction::Safe { tx, .. } => {
            let single = vec![ProposedCall::call(tx.to, tx.value, tx.data.clone())];
            if tx.operation != Operation::DelegateCall {
                return single;
            }
            crate::safe_tx::IMultiSendCallOnly::multiSendCall::abi_decode(&tx.data)
                .ok()
                .and_then(|call| decode_multi_send(&call.transactions).ok())
                .map(|legs| legs.into_iter().map(|l| ProposedCall::call(l.to, l.value, l.data)).collect())
                .unwrap_or(single)
        }
        Transaction::Calls { calls, .. } => calls.clone(),
    }
}

/// What `transaction` touches, with `policy_contract` the configured policy contract.
pub fn touched(transaction: &Transaction, policy_contract: Option<Address>) -> Touched {
    let mut touched = Touched::default();
    if let Transaction::Safe { tx, .. } = transaction {
        touched.code_of.push(tx.to);
    }
    for call in calls_of(transaction) {
        if Some(call.to) == policy_contract {
            if let Ok(decoded) = decode_calldata(&call.data) {
                for app in decoded.machine_apps() {
                    if !touched.apps.contains(&app) {
                        touched.apps.push(app);
                    }
                }
                for change in decoded.changes() {
                    if let Some(app) = change.app
                        && !touched.apps.contains(&app)
                    {
                        touched.apps.push(app);
                    }
                    match &change.change {
                        PolicyChange::SetGuardian { guardian } if !guardian.is_zero() => {
                            touched.accounts.push(*guardian);
                        }
                        PolicyChange::AddEnclave(identity) => touched.identities.push(*identity),
                        PolicyChange::AddRelease { identities, .. } => touched.identities.extend(identities),
                        _ => {}
                    }
                }
            }
        } else if call.to == SUBCALL_PRECOMPILE
            && let Ok(input) = decode_subcall(&call.data)
        {
            let app = match cbor::decode_call(&input.method, &input.body) {
                Ok(RoflCall::Update(u)) => {
                    touched.identities.extend(u.policy.enclaves.iter().copied());
                    Some(u.id)
                }
                Ok(RoflCall::Remove(r)) => Some(r.id),
                _ => None,
            };
            if let Some(app) = app
                && !touched.apps.contains(&app)
            {
                touched.apps.push(app);
            }
        }
    }
    touched.accounts.sort();
    touched.accounts.dedup();
    touched.identities.sort();
    touched.identities.dedup();
    touched
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Ok => "ok",
            Self::DoNotSign => "do_not_sign",
            Self::CannotReview => "cannot_review",
        })
    }
}

impl std::fmt::Display for FirewallReport {
    /// The verdict and the findings first, then the SafeTx fields and hashes, the calls, and
    /// each app's diff. Every string from outside is escaped.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let blocking = self.blocking().count();
        match self.verdict {
            Verdict::Ok => writeln!(f, "VERDICT: OK (every call accounted for, no critical finding)")?,
            Verdict::DoNotSign => writeln!(f, "VERDICT: DO NOT SIGN ({blocking} critical finding(s))")?,
            Verdict::CannotReview => writeln!(
                f,
                "VERDICT: CANNOT REVIEW (the state this transaction touches could not be established)"
            )?,
        }
        if !self.findings.is_empty() {
            writeln!(f, "\nFindings")?;
            let mut sorted: Vec<&Warning> = self.findings.iter().collect();
            sorted.sort_by_key(|w| std::cmp::Reverse(w.severity));
            for w in sorted {
                let mark = self.mark(w);
                writeln!(f, "  {mark:<10} [{}] {}", w.kind.name(), w.message)?;
            }
        }
        if let Some(title) = &self.unverified_title {
            writeln!(f, "\nTitle            {title}")?;
        }
        if let Some(description) = &self.description {
            let first = description.split("\\n").find(|l| !l.trim().is_empty()).unwrap_or("");
            writeln!(f, "\nDescription      {first}  (covered by the proposal id)")?;
        }
        if let Some(safe) = &self.safe_tx {
            let tx = &safe.tx;
            writeln!(f, "\nSafe transaction (every field of the SafeTx)")?;
            writeln!(f, "  safe             {} on chain {}", safe.safe, safe.chain_id)?;
            writeln!(f, "  to               {}", tx.to)?;
            writeln!(f, "  value            {}", format_rose(tx.value))?;
            let selector = tx.data.get(..4).map(alloy_primitives::hex::encode_prefixed).unwrap_or_default();
            writeln!(f, "  data             {} bytes {selector}", tx.data.len())?;
            writeln!(f, "  operation        {} ({})", tx.operation as u8, tx.operation)?;
            writeln!(f, "  safeTxGas        {}", tx.safe_tx_gas)?;
            writeln!(f, "  baseGas          {}", tx.base_gas)?;
            writeln!(f, "  gasPrice         {}", tx.gas_price)?;
            writeln!(f, "  gasToken         {}", tx.gas_token)?;
            writeln!(f, "  refundReceiver   {}", tx.refund_receiver)?;
            match safe.safe_nonce {
                Some(now) => writeln!(f, "  nonce            {} (the Safe is at nonce {now})", tx.nonce)?,
                None => writeln!(f, "  nonce            {}", tx.nonce)?,
            }
            writeln!(f, "  domain hash      {}", safe.hashes.domain_separator)?;
            writeln!(f, "  message hash     {}", safe.hashes.message_hash)?;
            writeln!(
                f,
                "  SafeTx hash      {}  (your wallet must show these three)",
                safe.hashes.safe_tx_hash
            )?;
            for s in &safe.signatures {
                let who = s.signer.map(|a| a.to_string()).unwrap_or_else(|| "?".into());
                let status = if s.counted {
                    "counted".to_string()
                } else {
                    format!("NOT counted: {}", s.note.clone().unwrap_or_default())
                };
                writeln!(f, "  signature #{:<3}  {} by {who}: {status}", s.index, s.kind)?;
            }
            match safe.threshold {
                Some(threshold) => {
                    writeln!(f, "  signatures       {} of {threshold} required", safe.counted)?
                }
                None => writeln!(f, "  signatures       {} valid", safe.counted)?,
            }
        }
        writeln!(f, "\nCalls ({})", self.calls.len())?;
        for call in &self.calls {
            writeln!(
                f,
                "  #{:<3} {} {} {}  {}",
                call.index,
                call.operation,
                call.to,
                format_rose(call.value),
                call.reading
            )?;
        }
        for review in &self.apps {
            writeln!(f)?;
            write!(f, "{review}")?;
        }
        if !self.overridden.is_empty() {
            let names: Vec<String> = self.overridden.iter().map(|k| k.name()).collect();
            writeln!(f, "\nOverridden by the reviewer: {}", names.join(", "))?;
        }
        Ok(())
    }
}
