//! Smoke test of the benchmark harness (no timings, no gas assertions beyond "was measured"):
//! the baseline bodies decode strictly, one measured Safe transaction on the local chain
//! reports gas, and the scaling and release-plus-Deploy steps of `make bench` run on small
//! sizes.

#![allow(unused_crate_dependencies)] // one test target uses only some of the dev-dependencies

use roflgov_bench::{
    chain::{Chain, Precompile},
    fixtures::{self, Scenario},
};
use roflgov_client::rofl::RoflStandIn;
use roflgov_types::{AppId, cbor, ids::Address as OasisAddress};

#[test]
fn baseline_update_body_decodes_strictly() {
    let admin = OasisAddress::from_eth(alloy::primitives::Address::repeat_byte(1));
    let mut config = fixtures::config(
        AppId::from_global_name("smoke"),
        fixtures::policy(2),
        admin,
        fixtures::typical_metadata(),
        fixtures::typical_secrets(),
    );
    for (fresh, scenario) in (100..).zip(Scenario::ALL) {
        fixtures::apply(&mut config, &scenario.changes(fresh)).unwrap();
        let body = fixtures::update_body(&config);
        let decoded = cbor::decode_update(&body).expect("strict decoder accepts the baseline body");
        assert_eq!(decoded.admin, Some(admin), "the baseline keeps the admin");
        assert_eq!(decoded.secrets, config.secrets, "and the secrets");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_measured_safe_subcall_reports_gas() {
    let chain = Chain::start().await.unwrap();
    let body = fixtures::create_body(&fixtures::policy(1), &fixtures::typical_metadata());
    let (app, gas) = chain.safe_create_direct(Precompile::StandIn, &body).await.unwrap();
    assert!(gas > 21_000, "gas {gas}");
    let stand_in = RoflStandIn::new(chain.provider.clone());
    assert_eq!(stand_in.app_admin(app).await.unwrap(), Some(chain.safe_oasis()), "the Safe is the admin");
}

/// The release-plus-deploy batch is sent both ways and every Deploy reaches the provider's
/// queue (`machine_batches` fails otherwise); more machines cost more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn release_with_deploys_is_measured_both_ways() {
    let chain = Chain::start().await.unwrap();
    let policy = chain.deploy_policy(chain.safe.address()).await.unwrap();
    let mut fresh = 10;
    let rows = roflgov_bench::gas::machine_batches(&chain, &policy, &mut fresh).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.machines).collect::<Vec<_>>(), roflgov_bench::gas::MACHINE_COUNTS);
    eprintln!("machine batches: {rows:?}");
    assert!(rows[1].roflgov > rows[0].roflgov && rows[1].baseline > rows[0].baseline, "{rows:?}");
}

/// The scaling step on small sizes (`make bench` runs it on 1–128 identities and 64 metadata
/// pairs): every size is a new app both ways, so the Safe creates several apps with direct
/// `rofl.Create` subcalls after an earlier one (as the Safe scenarios leave it). The module
/// derives a scheme-1 id from the creator's nonce, which a subcall never moves, so only
/// scheme 0 lets a Safe create more than one app. A size above roflgov's cap is refused by the
/// policy contract and still measured today's way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scaling_measures_every_size_both_ways() {
    use roflgov_bench::gas::{ROFLGOV_MAX_ENCLAVES, scaling};
    let chain = Chain::start().await.unwrap();
    let policy = chain.deploy_policy(chain.safe.address()).await.unwrap();
    let earlier = fixtures::create_body(&fixtures::policy(2), &fixtures::typical_metadata());
    chain.safe_create_direct(Precompile::StandIn, &earlier).await.unwrap();

    let over = ROFLGOV_MAX_ENCLAVES + 1;
    let rows = scaling(&chain, &policy, Precompile::StandIn, &[1, 3, over], 3).await.unwrap();
    eprintln!("scaling: {rows:?}");
    let sizes: Vec<_> = rows.iter().map(|r| (r.identities, r.metadata)).collect();
    assert_eq!(sizes, [(1, 4), (3, 4), (over, 4), (2, 3)]);
    for row in [&rows[0], &rows[1], &rows[3]] {
        assert!(row.roflgov.is_some_and(|gas| gas > 21_000) && row.note.is_none(), "{row:?}");
    }
    assert!(rows[2].roflgov.is_none(), "{:?}", rows[2]);
    assert!(rows[2].note.as_deref().is_some_and(|n| n.contains("TooManyEnclaves")), "{:?}", rows[2]);
    assert!(rows.iter().all(|r| r.baseline > 21_000), "{rows:?}");
    assert!(rows[0].body_bytes < rows[1].body_bytes && rows[1].body_bytes < rows[2].body_bytes);

    // Read back from the stand-in: the Safe holds the earlier app and one per size, and each of
    // those received today's update (max_expiration 3 → 4).
    let stand_in = RoflStandIn::new(chain.provider.clone());
    let mut safe_apps = Vec::new();
    for app in stand_in.app_ids().await.unwrap() {
        if stand_in.app_admin(app).await.unwrap() == Some(chain.safe_oasis()) {
            safe_apps.push(app);
        }
    }
    assert_eq!(safe_apps.len(), 1 + rows.len(), "{safe_apps:?}");
    assert_eq!(stand_in.app_max_expiration(safe_apps[0]).await.unwrap(), 3, "the earlier app");
    for app in &safe_apps[1..] {
        assert_eq!(stand_in.app_max_expiration(*app).await.unwrap(), 4, "{app}");
    }
}
