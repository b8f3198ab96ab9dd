//! The gas measurements: the three changes through the Safe and the Governor, roflgov against
//! today's direct subcall, and one update on apps of growing size.

use alloy::{
    network::TransactionBuilder, primitives::U256, providers::Provider, rpc::types::TransactionRequest,
};
use eyre::{Result, bail, ensure};
use roflgov_core::rofl::{
    PolicyChange, changes_to_calldata,
    subcall::{SUBCALL_PRECOMPILE, encode_subcall},
};
use roflgov_core::{
    rofl::machines::{self, MachineTarget},
    safe_tx::SafeCall,
};
use roflgov_governor::ProposalCall;
use roflgov_types::{
    AppConfig, IdentifierScheme, Metadata,
    ids::Address as OasisAddress,
    market::{self, InstanceCreate, InstanceId, MarketCall, OfferId, Term},
};
use serde::Serialize;

use crate::{
    chain::{Chain, Dao, GovernorGas, Precompile, created_by_policy, created_by_stand_in, stake},
    fixtures::{self, Scenario},
};

/// Gas the ROFL module charges on Sapphire for `rofl.Update` (and `rofl.Create`):
/// sapphire-paratime `runtime/src/lib.rs`, `GAS_COST_CALL_UPDATE`.
pub const MODULE_UPDATE_GAS: u64 = 100_000;
/// Sapphire's block gas limit: core parameter `max_batch_gas` (sapphire-paratime
/// `runtime/src/lib.rs`, genesis parameters).
pub const SAPPHIRE_MAX_BATCH_GAS: u64 = 15_000_000;
/// Sapphire's largest transaction: core parameter `max_tx_size` (128 KiB).
pub const SAPPHIRE_MAX_TX_SIZE: usize = 128 * 1024;
/// roflgov's own bound on the identities of one app (`RoflPolicyValidation.MAX_ENCLAVES`).
pub const ROFLGOV_MAX_ENCLAVES: u32 = 64;

/// App sizes of the scaling table.
pub const SCALE_IDENTITIES: [u32; 5] = [1, 8, 32, 64, 128];
/// Metadata entries of the metadata scaling row.
pub const SCALE_METADATA: usize = 64;

/// One change through the Safe, both ways.
#[derive(Clone, Debug, Serialize)]
pub struct SafeScenario {
    /// Which change.
    pub scenario: Scenario,
    /// The change's row label.
    pub label: &'static str,
    /// Whole `execTransaction` gas of today's flow (Safe → precompile, complete CBOR body).
    pub baseline: u64,
    /// Whole `execTransaction` gas of Safe → policy contract.
    pub roflgov: u64,
    /// Size of the baseline's CBOR body (roflgov's contract sends the same body).
    pub body_bytes: usize,
    /// Calldata of the Safe's inner call: the subcall input / the policy contract call.
    pub baseline_inner_calldata: usize,
    /// Calldata of roflgov's inner call (the policy contract call).
    pub roflgov_inner_calldata: usize,
}

/// One change through the Governor, both ways.
#[derive(Clone, Debug, Serialize)]
pub struct GovernorScenario {
    /// Which change.
    pub scenario: Scenario,
    /// The change's row label.
    pub label: &'static str,
    /// The Timelock calls the precompile with the complete body.
    pub baseline: GovernorGas,
    /// The Timelock calls the policy contract.
    pub roflgov: GovernorGas,
}

/// One update (`setMaxExpiration`, the smallest change) on an app of a given size, through
/// the Safe.
#[derive(Clone, Debug, Serialize)]
pub struct ScalePoint {
    /// Row label (the app's size).
    pub label: String,
    /// Enclave identities of the app.
    pub identities: u32,
    /// Metadata entries of the app.
    pub metadata: usize,
    /// Size of the complete `rofl.Update` CBOR body of the app.
    pub body_bytes: usize,
    /// Whole `execTransaction` gas of today's flow (Safe → precompile, complete CBOR body).
    pub baseline: u64,
    /// `None` when roflgov refuses the size (see `note`).
    pub roflgov: Option<u64>,
    /// Why roflgov refuses the size, when it does.
    pub note: Option<String>,
}

/// Everything measured with one precompile.
#[derive(Clone, Debug, Serialize)]
pub struct ModeResults {
    /// What answered at the subcall precompile address.
    pub precompile: Precompile,
    /// The changes through the Safe.
    pub safe: Vec<SafeScenario>,
    /// The changes through the Governor.
    pub governor: Vec<GovernorScenario>,
    /// One update on apps of growing size.
    pub scaling: Vec<ScalePoint>,
}

/// Runs every measurement with `precompile` installed. Apps are created fresh for the mode.
pub async fn run_mode(
    chain: &Chain,
    policy: &roflgov_client::rofl::RoflAdminClient<alloy::providers::DynProvider>,
    dao: &mut Dao,
    precompile: Precompile,
    fresh: &mut u32,
    progress: &dyn Fn(&str),
) -> Result<ModeResults> {
    chain.install(precompile).await?;
    progress(&format!("[{}] Safe path: the three changes", precompile.label()));
    let safe = safe_scenarios(chain, policy, precompile, fresh).await?;
    progress(&format!("[{}] Governor path: the three changes", precompile.label()));
    let governor = governor_scenarios(chain, dao, precompile, fresh).await?;
    progress(&format!("[{}] scaling", precompile.label()));
    let scaling = scaling(chain, policy, precompile, &SCALE_IDENTITIES, SCALE_METADATA).await?;
    Ok(ModeResults { precompile, safe, governor, scaling })
}

fn create_change(policy: roflgov_types::AppAuthPolicy, metadata: Metadata) -> PolicyChange {
    PolicyChange::CreateApp { policy, metadata, scheme: IdentifierScheme::CreatorNonce }
}

async fn safe_scenarios(
    chain: &Chain,
    policy: &roflgov_client::rofl::RoflAdminClient<alloy::providers::DynProvider>,
    precompile: Precompile,
    fresh: &mut u32,
) -> Result<Vec<SafeScenario>> {
    // roflgov: the typical app, created through the Safe, with its secret.
    let (app, _) = chain
        .safe_policy_create(policy, create_change(fixtures::policy(2), fixtures::typical_metadata()))
        .await?;
    chain.safe_policy_changes(policy, app, &[fixtures::secret_change()]).await?;
    // Today: the same app created by the Safe itself, then its secret set by a complete update.
    let (id, _) = chain
        .safe_create_direct(
            precompile,
            &fixtures::create_body(&fixtures::policy(2), &fixtures::typical_metadata()),
        )
        .await?;
    let mut mirror = fixtures::config(
        id,
        fixtures::policy(2),
        chain.safe_oasis(),
        fixtures::typical_metadata(),
        fixtures::typical_secrets(),
    );
    chain.safe_subcall("rofl.Update", &fixtures::update_body(&mirror)).await?;

    let mut out = Vec::new();
    for scenario in Scenario::ALL {
        *fresh += 1;
        let changes = scenario.changes(*fresh);
        let version = policy.version(app).await?;
        let roflgov_data = changes_to_calldata(app, version, &changes)?;
        let roflgov = chain.safe_policy_changes(policy, app, &changes).await?.gas_used;
        fixtures::apply(&mut mirror, &changes)?;
        let body = fixtures::update_body(&mirror);
        let baseline = chain.safe_subcall("rofl.Update", &body).await?.gas_used;
        check_same_config(&policy.get_app(app).await?.config, &mirror)?;
        out.push(SafeScenario {
            scenario,
            label: scenario.label(),
            baseline,
            roflgov,
            body_bytes: body.len(),
            baseline_inner_calldata: encode_subcall("rofl.Update", &body).len(),
            roflgov_inner_calldata: roflgov_data.len(),
        });
    }
    Ok(out)
}

/// Both flows must have sent the same config (only the id and the admin differ).
fn check_same_config(roflgov: &AppConfig, baseline: &AppConfig) -> Result<()> {
    ensure!(roflgov.policy == baseline.policy, "roflgov and the baseline diverged (policy)");
    ensure!(roflgov.metadata == baseline.metadata, "roflgov and the baseline diverged (metadata)");
    ensure!(
        roflgov.secrets.keys().eq(baseline.secrets.keys()),
        "roflgov and the baseline diverged (secrets)"
    );
    Ok(())
}

async fn governor_scenarios(
    chain: &Chain,
    dao: &mut Dao,
    precompile: Precompile,
    fresh: &mut u32,
) -> Result<Vec<GovernorScenario>> {
    let timelock = dao.deployment.timelock;
    // Setup as the Timelock itself (impersonated): not measured.
    let create = create_change(fixtures::policy(2), fixtures::typical_metadata());
    let receipt = chain
        .send_as(timelock, dao.policy.address(), stake(), create.to_calldata(Default::default(), 0)?)
        .await?;
    let app = created_by_policy(&receipt)?;
    chain
        .send_as(
            timelock,
            dao.policy.address(),
            U256::ZERO,
            changes_to_calldata(app, 1, &[fixtures::secret_change()])?,
        )
        .await?;
    let body = fixtures::create_body(&fixtures::policy(2), &fixtures::typical_metadata());
    chain.dry_run_subcall(timelock, "rofl.Create", &body).await?;
    let receipt =
        chain.send_as(timelock, SUBCALL_PRECOMPILE, U256::ZERO, encode_subcall("rofl.Create", &body)).await?;
    let id = match precompile {
        Precompile::StandIn => created_by_stand_in(&receipt)?,
        Precompile::Noop => {
            roflgov_types::AppId::from_global_name("roflgov bench: no-op governor baseline app")
        }
    };
    let mut mirror = fixtures::config(
        id,
        fixtures::policy(2),
        dao.timelock_oasis(),
        fixtures::typical_metadata(),
        fixtures::typical_secrets(),
    );
    let body = fixtures::update_body(&mirror);
    chain.dry_run_subcall(timelock, "rofl.Update", &body).await?;
    chain.send_as(timelock, SUBCALL_PRECOMPILE, U256::ZERO, encode_subcall("rofl.Update", &body)).await?;

    let mut out = Vec::new();
    for scenario in Scenario::ALL {
        *fresh += 1;
        let changes = scenario.changes(*fresh);
        let version = dao.policy.version(app).await?;
        let data = changes_to_calldata(app, version, &changes)?;
        let roflgov = dao.pass(chain, ProposalCall::new(dao.policy.address(), data)).await?;
        fixtures::apply(&mut mirror, &changes)?;
        let body = fixtures::update_body(&mirror);
        chain.dry_run_subcall(timelock, "rofl.Update", &body).await?;
        let baseline = dao
            .pass(chain, ProposalCall::new(SUBCALL_PRECOMPILE, encode_subcall("rofl.Update", &body)))
            .await?;
        check_same_config(&dao.policy.get_app(app).await?.config, &mirror)?;
        out.push(GovernorScenario { scenario, label: scenario.label(), baseline, roflgov });
    }
    Ok(out)
}

/// One update (`setMaxExpiration`) both ways on an app of each size: `identities` identities
/// with the four typical metadata pairs, then 2 identities with `metadata_entries` pairs
/// (`make bench` passes [`SCALE_IDENTITIES`] and [`SCALE_METADATA`]). Each size is a new app
/// both ways: the policy contract creates it (or refuses it above [`ROFLGOV_MAX_ENCLAVES`]),
/// and the Safe creates its own with a direct `rofl.Create`.
pub async fn scaling(
    chain: &Chain,
    policy: &roflgov_client::rofl::RoflAdminClient<alloy::providers::DynProvider>,
    precompile: Precompile,
    identities: &[u32],
    metadata_entries: usize,
) -> Result<Vec<ScalePoint>> {
    let mut points = Vec::new();
    let sizes = identities
        .iter()
        .map(|&n| {
            (format!("{n} identit{}", if n == 1 { "y" } else { "ies" }), n, fixtures::typical_metadata())
        })
        .chain([(
            format!("{metadata_entries} metadata entries, 2 identities"),
            2,
            fixtures::metadata_entries(metadata_entries),
        )]);
    for (label, n, metadata) in sizes {
        let app_policy = fixtures::policy(n);
        let smallest = [PolicyChange::SetMaxExpiration(4)];
        // roflgov: create with the whole policy, then the smallest change.
        let (roflgov, note) = if n <= ROFLGOV_MAX_ENCLAVES {
            let (app, _) =
                chain.safe_policy_create(policy, create_change(app_policy.clone(), metadata.clone())).await?;
            (Some(chain.safe_policy_changes(policy, app, &smallest).await?.gas_used), None)
        } else {
            // Show the refusal instead of asserting it.
            let create = create_change(app_policy.clone(), metadata.clone());
            let request = TransactionRequest::default()
                .with_from(chain.safe.address())
                .with_to(policy.address())
                .with_value(create.value())
                .with_input(create.to_calldata(Default::default(), 0)?);
            match chain.provider.call(request).await {
                Ok(_) => bail!("the policy contract accepted an app with {n} identities"),
                Err(_) => (
                    None,
                    Some(format!(
                        "refused: roflgov allows at most {ROFLGOV_MAX_ENCLAVES} identities per app (TooManyEnclaves)"
                    )),
                ),
            }
        };
        // Today: the same app created by the Safe, then the same change as a complete body.
        let (id, _) =
            chain.safe_create_direct(precompile, &fixtures::create_body(&app_policy, &metadata)).await?;
        let mut mirror =
            fixtures::config(id, app_policy, chain.safe_oasis(), metadata.clone(), Default::default());
        fixtures::apply(&mut mirror, &smallest)?;
        let body = fixtures::update_body(&mirror);
        let baseline = chain.safe_subcall("rofl.Update", &body).await?.gas_used;
        points.push(ScalePoint {
            label,
            identities: n,
            metadata: metadata.len(),
            body_bytes: body.len(),
            baseline,
            roflgov,
            note,
        });
    }
    Ok(points)
}

/// Machines the release-plus-deploy batch redeploys (issue #20).
pub const MACHINE_COUNTS: [usize; 2] = [1, 3];

/// The ORC reference both batches' Deploys carry (`net.oasis.deployment.orc.ref`, as
/// `oasis rofl deploy` writes it).
const BENCH_ORC_REFERENCE: &str =
    "ghcr.io/roflgov/bench-app:orc@sha256:0000000000000000000000000000000000000000000000000000000000000000";

/// A release and one `roflmarket.InstanceExecuteCmds` Deploy per machine in one Safe
/// transaction (MultiSendCallOnly), both ways, measured with the ROFL and roflmarket stand-ins.
#[derive(Clone, Debug, Serialize)]
pub struct MachineBatch {
    /// Machines redeployed.
    pub machines: usize,
    /// Today (Talos' flow, `oasis rofl update --format safe` + deploy): a raw `rofl.Update`
    /// subcall with the complete body, then the Deploy subcalls.
    pub baseline: u64,
    /// roflgov (`propose --deploy-machines`): the policy contract's release, then the same
    /// Deploy subcalls.
    pub roflgov: u64,
}

/// The release (one identity in, one out) with a Deploy to 1 and 3 machines the Safe rents
/// from the simulated provider, both ways. Needs the ROFL stand-in installed (the roflmarket
/// stand-in is reached through it).
pub async fn machine_batches(
    chain: &Chain,
    policy: &roflgov_client::rofl::RoflAdminClient<alloy::providers::DynProvider>,
    fresh: &mut u32,
) -> Result<Vec<MachineBatch>> {
    let provider = chain.local.simulated_provider().await?;
    let provider_id = OasisAddress(provider.id().0);
    let wanted = MACHINE_COUNTS.iter().copied().max().unwrap_or(0);
    let first = provider.market().providerInfo(provider.id()).call().await?.instancesNextId;
    // Setup (not measured): the Safe rents the machines, so it is their admin; the provider
    // accepts them.
    let rent = MarketCall::InstanceCreate(InstanceCreate {
        provider: provider_id,
        offer: OfferId::from(0),
        admin: None,
        deployment: None,
        term: Term::Month,
        term_count: 1,
    });
    for _ in 0..wanted {
        let data = encode_subcall(rent.method(), &market::encode_call(&rent));
        chain.send_as(chain.safe.address(), SUBCALL_PRECOMPILE, U256::ZERO, data).await?;
    }
    ensure!(provider.run_once().await?.accepted.len() == wanted, "the provider did not accept the machines");
    let targets: Vec<_> = (first..first + wanted as u64)
        .map(|id| MachineTarget { name: format!("m{id}"), provider: provider_id, id: InstanceId::from(id) })
        .collect();

    // The typical app both ways, as in the Safe scenarios.
    let (app, _) = chain
        .safe_policy_create(policy, create_change(fixtures::policy(2), fixtures::typical_metadata()))
        .await?;
    chain.safe_policy_changes(policy, app, &[fixtures::secret_change()]).await?;
    let (id, _) = chain
        .safe_create_direct(
            Precompile::StandIn,
            &fixtures::create_body(&fixtures::policy(2), &fixtures::typical_metadata()),
        )
        .await?;
    let mut mirror = fixtures::config(
        id,
        fixtures::policy(2),
        chain.safe_oasis(),
        fixtures::typical_metadata(),
        fixtures::typical_secrets(),
    );
    chain.safe_subcall("rofl.Update", &fixtures::update_body(&mirror)).await?;

    let manifest_hash = alloy::primitives::keccak256("roflgov bench bundle");
    let deploys = |app: roflgov_types::AppId, count: usize| {
        machines::deploy_calls(
            &targets[..count],
            &machines::release_deployment(app, manifest_hash, Some(BENCH_ORC_REFERENCE)),
        )
    };
    let mut out = Vec::new();
    // Each release adds a fresh identity and removes the one the previous release added (the
    // first removes identity 0), as the Safe scenarios' release does.
    let mut outgoing = fixtures::identity(0);
    for count in MACHINE_COUNTS {
        *fresh += 1;
        let incoming = fixtures::identity(*fresh);
        let changes = vec![PolicyChange::AddEnclave(incoming), PolicyChange::RemoveEnclave(outgoing)];
        outgoing = incoming;
        let version = policy.version(app).await?;
        let release =
            SafeCall::new(policy.address(), U256::ZERO, changes_to_calldata(app, version, &changes)?);
        let roflgov = chain.safe_batch(&[vec![release], deploys(app, count)].concat()).await?.gas_used;
        ensure!(provider.run_once().await?.executed.len() == count, "roflgov's Deploys were not queued");
        fixtures::apply(&mut mirror, &changes)?;
        let body = fixtures::update_body(&mirror);
        chain.dry_run_subcall(chain.safe.address(), "rofl.Update", &body).await?;
        let update = SafeCall::new(SUBCALL_PRECOMPILE, U256::ZERO, encode_subcall("rofl.Update", &body));
        let baseline = chain.safe_batch(&[vec![update], deploys(id, count)].concat()).await?.gas_used;
        ensure!(provider.run_once().await?.executed.len() == count, "today's Deploys were not queued");
        check_same_config(&policy.get_app(app).await?.config, &mirror)?;
        out.push(MachineBatch { machines: count, baseline, roflgov });
    }
    Ok(out)
}

/// A least-squares line `gas = intercept + slope · n`.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct LinearFit {
    /// Gas at `n = 0`.
    pub intercept: f64,
    /// Gas per unit of `n`.
    pub slope: f64,
    /// Largest |residual| / measured value over the points, in percent.
    pub max_deviation_percent: f64,
}

impl LinearFit {
    /// Fits `(n, gas)` points.
    pub fn of(points: &[(f64, f64)]) -> Self {
        let count = points.len() as f64;
        let mean_x = points.iter().map(|p| p.0).sum::<f64>() / count;
        let mean_y = points.iter().map(|p| p.1).sum::<f64>() / count;
        let sxx: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
        let sxy: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
        let slope = if sxx == 0.0 { 0.0 } else { sxy / sxx };
        let intercept = mean_y - slope * mean_x;
        let max_deviation_percent =
            points.iter().map(|(x, y)| ((intercept + slope * x - y) / y).abs() * 100.0).fold(0.0, f64::max);
        Self { intercept, slope, max_deviation_percent }
    }

    /// The largest `n` whose predicted gas plus `extra` stays within `limit`.
    pub fn largest_within(&self, limit: u64, extra: u64) -> u64 {
        if self.slope <= 0.0 {
            return u64::MAX;
        }
        ((limit as f64 - extra as f64 - self.intercept) / self.slope).floor().max(0.0) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::LinearFit;

    #[test]
    fn fit_of_a_line_is_exact() {
        let fit = LinearFit::of(&[(1.0, 110.0), (8.0, 180.0), (32.0, 420.0)]);
        assert!((fit.slope - 10.0).abs() < 1e-9 && (fit.intercept - 100.0).abs() < 1e-9);
        assert!(fit.max_deviation_percent < 1e-9);
        assert_eq!(fit.largest_within(1_000, 0), 90);
    }
}
