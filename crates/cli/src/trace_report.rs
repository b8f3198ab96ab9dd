//! Shared by `trace`, `verify-log` and `app audit`: the inputs of a trace read from the chain
//! (the key's registrations from the ROFL stand-in, the app's policy versions and releases from
//! the policy contract), who approved each decision, and the report.

use std::collections::HashMap;

use alloy::{
    primitives::{Address, B256},
    providers::DynProvider,
};
use roflgov_client::{
    accountability::{Approval, ApprovalReader, Approvers},
    oasis_node::{ModuleSource, module_source},
    rofl::RoflAdminClient,
    trace::{
        AnyRegistrations, NodeRegistrations, RegistrationSource, StandInRegistrations, TraceSourceError,
        policy_timeline,
    },
};
use roflgov_core::rofl::{ReleaseRecord, format_utc};
use roflgov_core::{
    text::escape,
    trace::{PolicyVersion, Registration, ReleaseAdded, Trace, TraceInput},
};
use roflgov_types::{AppId, EnclaveIdentity};
use serde::Serialize;

use crate::{
    chainops,
    context::GlobalArgs,
    exit::{CliResult, chain},
};

fn source_error(e: TraceSourceError) -> crate::exit::CliError {
    chain(format!(
        "reading the registrations and policy history (instances are read from the ROFL stand-in of a local chain, and from rofl.AppInstances through an Oasis node on Sapphire): {e}"
    ))
}

/// Everything read once per app: registrations of every key, policy versions, releases.
pub(crate) struct Tracer {
    pub(crate) app: AppId,
    pub(crate) client: RoflAdminClient<DynProvider>,
    source: AnyRegistrations<DynProvider>,
    /// The Oasis node registrations come from (Sapphire), or `None` (the local stand-in).
    pub(crate) node: Option<String>,
    pub(crate) registrations: Vec<(Address, Registration)>,
    pub(crate) versions: Vec<PolicyVersion>,
    pub(crate) releases: Vec<ReleaseAdded>,
    epoch_seconds: u64,
    approvals: ApprovalReader<DynProvider>,
    approved: HashMap<B256, Approval>,
}

impl Tracer {
    /// Reads the app's registrations, policy versions and releases.
    pub(crate) async fn open(g: &GlobalArgs, app: AppId) -> CliResult<Self> {
        let (network, client) = chainops::client(g).await?;
        let from_block = network.from_block.unwrap_or(0);
        let provider = client.provider().clone();
        let mut source = match module_source(&provider, g.grpc.as_deref()).await.map_err(chain)? {
            ModuleSource::Node(node) => AnyRegistrations::Node(NodeRegistrations::new(node, provider)),
            ModuleSource::StandIn => {
                AnyRegistrations::StandIn(StandInRegistrations::new(provider, from_block))
            }
        };
        let node = match &source {
            AnyRegistrations::Node(s) => Some(s.node().endpoint().to_owned()),
            AnyRegistrations::StandIn(_) => None,
        };
        let (versions, releases) =
            policy_timeline(&client, &mut source, app, from_block).await.map_err(source_error)?;
        if versions.is_empty() {
            return Err(crate::exit::usage(format!(
                "the policy contract {} has no history for app {app}: wrong app or wrong network",
                client.address()
            )));
        }
        let registrations = source.registrations(app).await.map_err(source_error)?;
        let epoch_seconds = source.epoch_seconds().await.map_err(source_error)?;
        let approvers =
            Approvers { safe: network.safe, governor: network.governor, timelock: network.timelock };
        let approvals = ApprovalReader::new(client.provider().clone(), approvers, from_block);
        Ok(Self {
            app,
            client,
            source,
            node,
            registrations,
            versions,
            releases,
            epoch_seconds,
            approvals,
            approved: HashMap::new(),
        })
    }

    /// The inputs of a trace of `key`.
    pub(crate) fn input(&self, key: Address) -> TraceInput {
        TraceInput {
            registrations: self
                .registrations
                .iter()
                .filter(|(k, _)| *k == key)
                .map(|(_, r)| r.clone())
                .collect(),
            versions: self.versions.clone(),
            releases: self.releases.clone(),
            epoch_seconds: self.epoch_seconds,
        }
    }

    /// The timestamp of block `block`.
    pub(crate) async fn block_time(&mut self, block: u64) -> CliResult<u64> {
        self.source.block_time(block).await.map_err(source_error)
    }

    /// The latest block's timestamp.
    pub(crate) async fn now(&mut self) -> CliResult<u64> {
        self.client.chain_time().await.map_err(|e| chainops::rofl_error("reading the chain time", e))
    }

    /// The provider.
    pub(crate) fn provider(&self) -> &DynProvider {
        self.client.provider()
    }

    /// Who approved transaction `tx` (cached).
    pub(crate) async fn approval(&mut self, tx: B256) -> CliResult<Approval> {
        if let Some(a) = self.approved.get(&tx) {
            return Ok(a.clone());
        }
        let a = self
            .approvals
            .approval(tx)
            .await
            .map_err(|e| chain(format!("reading who approved transaction {tx}: {e}")))?;
        self.approved.insert(tx, a.clone());
        Ok(a)
    }

    /// The report of `trace` of `key`, with the approvals of the decisions.
    pub(crate) async fn report(&mut self, key: Address, trace: Trace) -> CliResult<TraceOut> {
        let mut identities = Vec::new();
        for c in &trace.candidates {
            let approval = self.approval(c.allowed_by.tx).await?;
            identities.push(IdentityOut {
                identity: roflgov_attest::identity_to_base64(&c.identity),
                registered_with: c.registered_with,
                release: c.release.as_ref().map(|(id, record)| ReleaseOut::new(*id, record)),
                allowed_in: VersionOut::new(&c.allowed_by),
                approval,
            });
        }
        Ok(TraceOut {
            source: match &self.node {
                Some(node) => format!("rofl.AppInstances through the Oasis node at {node}"),
                None => "the local ROFL stand-in".to_owned(),
            },
            current_registration_only: self.node.is_some(),
            app: self.app.to_string(),
            key,
            at: trace.at,
            at_utc: format_utc(trace.at),
            registration: RegistrationOut::new(key, &trace.registration, self.epoch_seconds),
            policy_versions: trace.versions.iter().map(VersionOut::new).collect(),
            identity_known: trace.identity_known,
            could_be_any: !trace.identity_known && trace.candidates.len() > 1,
            identities,
        })
    }
}

/// A release record for output (outside text is escaped when rendered, not here).
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ReleaseOut {
    pub(crate) release_id: u32,
    pub(crate) version: String,
    pub(crate) repository: String,
    pub(crate) commit: String,
    pub(crate) bundle_hash: B256,
    pub(crate) manifest_hash: B256,
    pub(crate) notes: String,
}

impl ReleaseOut {
    pub(crate) fn new(release_id: u32, r: &ReleaseRecord) -> Self {
        Self {
            release_id,
            version: r.version.clone(),
            repository: r.repository.clone(),
            commit: r.commit_hex(),
            bundle_hash: r.bundle_hash,
            manifest_hash: r.manifest_hash,
            notes: r.notes.clone(),
        }
    }

    /// One line: `release #1 0.2.0 (repo @ commit, bundle sha256 …)`, escaped.
    pub(crate) fn line(&self) -> String {
        format!(
            "release #{} {} ({} @ {}, bundle sha256 {})",
            self.release_id,
            escape(&self.version),
            escape(&self.repository),
            self.commit,
            self.bundle_hash
        )
    }
}

/// A policy version for output.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct VersionOut {
    pub(crate) version: Option<u64>,
    pub(crate) block: u64,
    pub(crate) time: u64,
    pub(crate) time_utc: String,
    pub(crate) tx: B256,
    pub(crate) identities: Vec<String>,
}

impl VersionOut {
    pub(crate) fn new(v: &PolicyVersion) -> Self {
        Self {
            version: v.version,
            block: v.block,
            time: v.time,
            time_utc: format_utc(v.time),
            tx: v.tx,
            identities: v.enclaves.iter().map(roflgov_attest::identity_to_base64).collect(),
        }
    }

    fn name(&self) -> String {
        match self.version {
            Some(v) => format!("version {v}"),
            None => "removal".to_owned(),
        }
    }
}

/// A registration for output.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct RegistrationOut {
    pub(crate) key: Address,
    pub(crate) block: u64,
    pub(crate) time: u64,
    pub(crate) time_utc: String,
    pub(crate) tx: B256,
    pub(crate) expiration_epoch: u64,
    pub(crate) valid_until: u64,
    pub(crate) valid_until_utc: String,
    /// The identity it registered with, when known.
    pub(crate) identity: Option<String>,
}

impl RegistrationOut {
    pub(crate) fn new(key: Address, r: &Registration, epoch_seconds: u64) -> Self {
        let valid_until = r.expiration_epoch.saturating_mul(epoch_seconds);
        Self {
            key,
            block: r.block,
            time: r.time,
            time_utc: format_utc(r.time),
            tx: r.tx,
            expiration_epoch: r.expiration_epoch,
            valid_until,
            valid_until_utc: format_utc(valid_until),
            identity: r.identity.as_ref().map(roflgov_attest::identity_to_base64),
        }
    }
}

/// One identity an output may come from.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct IdentityOut {
    pub(crate) identity: String,
    pub(crate) registered_with: bool,
    pub(crate) release: Option<ReleaseOut>,
    /// The policy version that allowed it: the governance decision.
    pub(crate) allowed_in: VersionOut,
    /// Who approved that decision.
    pub(crate) approval: Approval,
}

/// The `--json` form of a trace.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct TraceOut {
    /// Where the registration was read.
    pub(crate) source: String,
    /// The module keeps only the current registration, without identity or transaction
    /// (Sapphire): history before it is not available.
    pub(crate) current_registration_only: bool,
    pub(crate) app: String,
    pub(crate) key: Address,
    pub(crate) at: u64,
    pub(crate) at_utc: String,
    pub(crate) registration: RegistrationOut,
    pub(crate) policy_versions: Vec<VersionOut>,
    pub(crate) identity_known: bool,
    /// Several identities were allowed and the registration does not say which one ran.
    pub(crate) could_be_any: bool,
    pub(crate) identities: Vec<IdentityOut>,
}

/// The text form of a trace.
pub(crate) fn text(t: &TraceOut) -> String {
    let r = &t.registration;
    let mut out = format!("key {} traces to ROFL app {} at {} (unix {})\n", t.key, t.app, t.at_utc, t.at);
    if t.current_registration_only {
        out.push_str(&format!(
            "  registered now ({}): the current registration, read from {}; it expires at epoch {}\n",
            r.time_utc,
            escape(&t.source),
            r.expiration_epoch
        ));
        out.push_str("  the module keeps only current registrations, with no enclave identity and no transaction: earlier registrations of this key are not available, and the policy shown is the one in force now\n");
    } else {
        out.push_str(&format!(
            "  registered in block {} ({}), tx {}; valid until {} (epoch {})\n",
            r.block, r.time_utc, r.tx, r.valid_until_utc, r.expiration_epoch
        ));
    }
    let versions: Vec<String> =
        t.policy_versions.iter().map(|v| format!("{} (block {}, tx {})", v.name(), v.block, v.tx)).collect();
    out.push_str(&format!("  policy in force from the registration on: {}\n", versions.join(", then ")));
    if t.identity_known {
        out.push_str(&format!(
            "  the instance registered with identity {} ({} allowed then)\n",
            r.identity.as_deref().unwrap_or_default(),
            t.identities.len()
        ));
    } else if t.could_be_any {
        out.push_str(&format!(
            "  the registration does not record the identity: the output could come from ANY of these {} identities\n",
            t.identities.len()
        ));
    }
    for i in &t.identities {
        let mark = if i.registered_with { "  <- registered with" } else { "" };
        out.push_str(&format!("  identity {}{mark}\n", i.identity));
        match &i.release {
            Some(release) => {
                out.push_str(&format!("    {}\n", release.line()));
                if !release.notes.is_empty() {
                    out.push_str(&format!("    notes: \"{}\"\n", escape(&release.notes)));
                }
            }
            None => out.push_str("    no release record\n"),
        }
        out.push_str(&format!(
            "    allowed by {} in tx {} (block {}, {})\n",
            i.allowed_in.name(),
            i.allowed_in.tx,
            i.allowed_in.block,
            i.allowed_in.time_utc
        ));
        for line in crate::history::approval_lines(&i.approval) {
            out.push_str(&format!("    {line}\n"));
        }
    }
    out
}

/// Every registration of the app with its identity and that identity's release: for the
/// audit.
pub(crate) fn registrations(tracer: &Tracer) -> Vec<(RegistrationOut, Option<ReleaseOut>)> {
    tracer
        .registrations
        .iter()
        .map(|(key, r)| {
            let release = r.identity.and_then(|id: EnclaveIdentity| {
                tracer
                    .releases
                    .iter()
                    .rev()
                    .find(|rel| rel.block <= r.block && rel.identities.contains(&id))
                    .map(|rel| ReleaseOut::new(rel.release_id, &rel.record))
            });
            (RegistrationOut::new(*key, r, tracer.epoch_seconds), release)
        })
        .collect()
}
