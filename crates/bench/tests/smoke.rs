//! Smoke test of the benchmark harness (no timings, no gas assertions beyond "was measured"):
//! the baseline bodies decode strictly, and one measured Safe transaction on the local chain
//! reports gas.

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
