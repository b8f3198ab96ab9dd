//! `rofl.yaml` reading, against the real Talos manifest and malformed variants of it.

use crate::support as common;

use alloy_primitives::B256;
use roflgov_types::{
    AllowedEndorsement, FeePolicy,
    manifest::{AppKind, Manifest, ManifestError, Tee},
};

const TALOS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/talos-rofl.yaml");

fn talos_text() -> String {
    std::fs::read_to_string(TALOS).expect("Talos fixture in fixtures/")
}

/// Parses a modified Talos manifest and returns the error text.
fn error_of(text: &str) -> String {
    match Manifest::from_str_named(text, "rofl.yaml") {
        Ok(_) => panic!("expected an error"),
        Err(err) => err.to_string(),
    }
}

fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "fixture contains {from:?}");
    text.replacen(from, to, 1)
}

#[test]
fn talos_top_level() {
    let manifest = Manifest::from_path(TALOS).unwrap();
    assert_eq!(manifest.name, "talos");
    assert_eq!(manifest.version, "0.1.0");
    assert_eq!(manifest.tee, Tee::Tdx);
    assert_eq!(manifest.kind, AppKind::Container);
    assert_eq!(manifest.resources.memory, 512);
    assert_eq!(manifest.resources.cpus, 1);
    let storage = manifest.resources.storage.as_ref().unwrap();
    assert_eq!((storage.kind.as_str(), storage.size), ("disk-persistent", Some(5120)));
    assert_eq!(
        manifest.artifacts.container.as_ref().unwrap().compose.as_deref(),
        Some("docker-compose.rofl.yml")
    );
    assert!(
        manifest
            .artifacts
            .firmware
            .as_deref()
            .unwrap()
            .ends_with("#db47100a7d6a0c1f6983be224137c3f8d7cb09b63bb1c7a5ee7829d8e994a42f")
    );
    assert_eq!(manifest.deployments.keys().collect::<Vec<_>>(), ["mainnet", "testnet"]);
    let mainnet = &manifest.deployments["mainnet"];
    assert_eq!(mainnet.trust_root.as_ref().unwrap().height, 26130891);
    assert_eq!(mainnet.oci_repository.as_deref(), Some("ghcr.io/talos-agent/talos:latest-orc"));
    assert_eq!(mainnet.machines["default"].id.as_deref(), Some("000000000000001e"));
    assert_eq!(manifest.deployments["testnet"].machines["default"].id.as_deref(), Some("0000000000000004"));
}

#[test]
fn talos_mainnet_deployment() {
    let manifest = Manifest::from_path(TALOS).unwrap();
    let config = manifest.deployment("mainnet").unwrap();
    assert_eq!(config.network, "mainnet");
    assert_eq!(config.paratime, "sapphire");
    assert_eq!(config.app_id.unwrap().to_string(), "rofl1qpykfkl6ea78cyy67d35f7fmpk3pg36vashka4v9");
    assert_eq!(config.admin.unwrap().to_string(), "oasis1qz2lty9v4glt5ts8ljhfpnd05dy3cwmtnyshws8q");

    // Two TDX identities: mr_signer all zero.
    assert_eq!(config.policy.enclaves.len(), 2);
    for identity in &config.policy.enclaves {
        assert_eq!(identity.mr_signer, B256::ZERO);
    }
    assert_eq!(
        config.policy.enclaves[0].mr_enclave,
        "0x6a440b7d0f7ea2408f582be2749ff4ab47fccdbacabb189e1e80560e33a0a964".parse::<B256>().unwrap()
    );
    assert_eq!(config.enclaves.len(), 2);
    assert_eq!(config.enclaves[1].version, None);

    // and(provider, or(provider_instance_admin, provider_instance_admin))
    let [AllowedEndorsement::And(children)] = config.policy.endorsements.as_slice() else {
        panic!("one top-level and: {:?}", config.policy.endorsements)
    };
    let [AllowedEndorsement::Provider(provider), AllowedEndorsement::Or(admins)] = children.as_slice() else {
        panic!("provider then or: {children:?}")
    };
    assert_eq!(provider.to_string(), "oasis1qzc8pldvm8vm3duvdrj63wgvkw34y9ucfcxzetqr");
    assert_eq!(admins.len(), 2);
    assert!(admins.iter().all(|atom| matches!(atom, AllowedEndorsement::ProviderInstanceAdmin(_))));

    assert_eq!(config.policy.fees, FeePolicy::EndorsingNode);
    assert_eq!(config.policy.max_expiration, 3);
    let pcs = config.policy.quotes.pcs.as_ref().unwrap();
    assert_eq!((pcs.tcb_validity_period, pcs.min_tcb_evaluation_data_number), (30, 18));
    assert!(pcs.tdx.as_ref().unwrap().allowed_tdx_modules.is_empty());

    assert_eq!(config.secrets.keys().collect::<Vec<_>>(), ["OPENAI_API_KEY"]);
    assert_eq!(hex::encode(&config.secrets["OPENAI_API_KEY"]), common::TALOS_SECRET_HEX);
    // What `oasis rofl update` sends for this manifest: the five non-empty top-level fields as
    // `net.oasis.rofl.*` (no `author`, no `license` in the file; mainnet has no `metadata` of
    // its own). Written by hand from fixtures/talos-rofl.yaml.
    let expected: Vec<(&str, &str)> = vec![
        ("net.oasis.rofl.description", "Talos is."),
        ("net.oasis.rofl.homepage", "https://talos.is"),
        ("net.oasis.rofl.name", "talos"),
        ("net.oasis.rofl.repository", "https://github.com/talos-agent/talos"),
        ("net.oasis.rofl.version", "0.1.0"),
    ];
    assert_eq!(config.metadata.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect::<Vec<_>>(), expected);
    assert_eq!(manifest.deployment_metadata("mainnet").as_ref(), Some(&config.metadata));
    assert!(manifest.deployments["mainnet"].metadata.is_empty(), "as written: no deployment metadata");

    // The hand-written expectation used by the shared vectors is exactly this config.
    assert_eq!(config.policy, common::talos_mainnet_policy());
    let update = common::talos_mainnet_update();
    assert_eq!(
        (config.app_id, config.admin, &config.secrets),
        (Some(update.id), update.admin, &update.secrets)
    );
}

#[test]
fn talos_testnet_deployment() {
    let config = Manifest::from_path(TALOS).unwrap().deployment("testnet").unwrap();
    assert_eq!(config.admin.unwrap().to_string(), "oasis1qqfrhj832yux84nn5k0u0hjaa7jps8rc0cj9rku5");
    assert!(config.secrets.is_empty());
    assert_eq!(config.policy.enclaves.len(), 2);
}

#[test]
fn missing_deployment() {
    let manifest = Manifest::from_path(TALOS).unwrap();
    let err = manifest.deployment("localnet").unwrap_err();
    assert!(matches!(err, ManifestError::NoSuchDeployment { .. }));
    let text = err.to_string();
    assert!(text.contains("talos-rofl.yaml"), "{text}");
    assert!(text.contains("\"localnet\"") && text.contains("mainnet, testnet"), "{text}");
}

#[test]
fn bad_base64_enclave_id() {
    let text = replace_once(&talos_text(), "1z36ioAIwPehcXNO0gTol9sK", "1z36ioAIwPehcXNO0gTol9s!");
    let err = error_of(&text);
    assert!(err.starts_with("rofl.yaml: deployments.mainnet.policy.enclaves[1].id: invalid base64"), "{err}");
}

#[test]
fn wrong_enclave_id_length() {
    let text = replace_once(
        &talos_text(),
        "akQLfQ9+okCPWCvidJ/0q0f8zbrKuxieHoBWDjOgqWQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
        "akQLfQ9+okCPWCvidJ/0q0f8zbrKuxieHoBWDjOgqWQ=",
    );
    assert_eq!(
        error_of(&text),
        "rofl.yaml: deployments.mainnet.policy.enclaves[0].id: expected 64 bytes (mr_enclave ‖ mr_signer), got 32"
    );
}

#[test]
fn unknown_fee_policy() {
    let text = replace_once(&talos_text(), "fees: endorsing_node", "fees: node_pays");
    assert_eq!(
        error_of(&text),
        "rofl.yaml: deployments.mainnet.policy.fees: unknown fee policy \"node_pays\" (expected instance or endorsing_node)"
    );
}

#[test]
fn unknown_endorsement_kind() {
    let text = replace_once(&talos_text(), "- provider: oasis1qzc8", "- provider_typo: oasis1qzc8");
    let err = error_of(&text);
    assert!(
        err.starts_with("rofl.yaml: deployments.mainnet.policy.endorsements[0].and[0].provider_typo: unknown endorsement kind"),
        "{err}"
    );
}

#[test]
fn bad_provider_address() {
    let text = replace_once(
        &talos_text(),
        "provider_instance_admin: oasis1qpx5xq4kwtuawjdc0wty0d0mz08ha62jrc2c236j",
        "provider_instance_admin: rofl1qrev5wq76npkmcv5wxkdxxcu4dhmu704yyl30h43",
    );
    let err = error_of(&text);
    assert!(
        err.starts_with("rofl.yaml: deployments.mainnet.policy.endorsements[0].and[1].or[0].provider_instance_admin: wrong bech32 prefix"),
        "{err}"
    );
}

#[test]
fn unknown_key_inside_policy_is_refused() {
    let text = replace_once(
        &talos_text(),
        "      max_expiration: 3\n",
        "      max_expiration: 3\n      max_expiry: 4\n",
    );
    let err = error_of(&text);
    assert!(err.starts_with("rofl.yaml: deployments.mainnet.policy.max_expiry: unknown field"), "{err}");
}

#[test]
fn unknown_key_outside_policy_is_tolerated() {
    let text = replace_once(&talos_text(), "kind: container\n", "kind: container\nfuture_key: 1\n");
    assert!(Manifest::from_str_named(&text, "rofl.yaml").is_ok());
}

#[test]
fn ias_is_refused() {
    let text = replace_once(
        &talos_text(),
        "      quotes:\n        pcs:",
        "      quotes:\n        ias: {}\n        pcs:",
    );
    let err = error_of(&text);
    assert!(err.starts_with("rofl.yaml: deployments.mainnet.policy.quotes.ias: IAS"), "{err}");
}

#[test]
fn wrong_type_names_the_path() {
    let text = replace_once(&talos_text(), "tcb_validity_period: 30", "tcb_validity_period: 70000");
    assert_eq!(
        error_of(&text),
        "rofl.yaml: deployments.mainnet.policy.quotes.pcs.tcb_validity_period: 70000 does not fit in u16"
    );
    let text = replace_once(&talos_text(), "max_expiration: 3", "max_expiration: three");
    assert_eq!(
        error_of(&text),
        "rofl.yaml: deployments.mainnet.policy.max_expiration: expected a non-negative integer, got a string"
    );
}

#[test]
fn bad_secret_base64() {
    let text = replace_once(&talos_text(), "value: pGJwa1gg", "value: pGJwa1g*");
    let err = error_of(&text);
    assert!(err.starts_with("rofl.yaml: deployments.mainnet.secrets[0].value: invalid base64"), "{err}");
}

#[test]
fn non_utf8_file() {
    let mut bytes = talos_text().into_bytes();
    bytes.splice(5..5, [0xff, 0xfe]);
    let err = Manifest::from_bytes_named(&bytes, "rofl.yaml").unwrap_err();
    assert!(matches!(err, ManifestError::NotUtf8 { offset: 5, .. }), "{err}");
    assert_eq!(err.to_string(), "rofl.yaml: not UTF-8 (invalid byte at offset 5)");
}

#[test]
fn invalid_yaml() {
    let err = Manifest::from_str_named("name: [unclosed", "rofl.yaml").unwrap_err();
    assert!(matches!(err, ManifestError::Yaml { .. }), "{err}");
    assert!(err.to_string().starts_with("rofl.yaml: invalid YAML"));
}

#[test]
fn missing_file() {
    let err = Manifest::from_path("/nonexistent/rofl.yaml").unwrap_err();
    assert!(err.to_string().starts_with("/nonexistent/rofl.yaml: cannot read"), "{err}");
}

#[test]
fn every_endorsement_form_in_yaml() {
    let entity = "4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eE="; // base64 of 32 × 0xe1
    let yaml = format!(
        r#"
name: t
version: 1
tee: sgx
kind: raw
resources: {{memory: 16, cpus: 1}}
deployments:
  d:
    network: testnet
    paratime: sapphire
    admin: "0x70739eB50e269f1f1eb27c6f8932f63389B1Cb63"
    metadata: {{net.oasis.rofl.name: t}}
    policy:
      quotes:
        pcs:
          tcb_validity_period: 1
          min_tcb_evaluation_data_number: 2
          disabled: true
          fmspc_whitelist: [00906ED50000]
          tdx:
            allowed_tdx_modules:
              - mr_signer_seam: "{zero48}"
              - mr_seam: "0x{seam}"
                mr_signer_seam: "{zero48}"
      enclaves:
        - id: {id}
          version: "1.2"
          description: first build
      endorsements:
        - any: {{}}
        - role_compute: {{}}
        - role_observer:
        - entity: {entity}
        - node: "0x{node}"
        - provider: oasis1qzc8pldvm8vm3duvdrj63wgvkw34y9ucfcxzetqr
        - or: [{{and: [{{any: {{}}}}]}}]
      fees: instance
      max_expiration: 24
"#,
        zero48 = "00".repeat(48),
        seam = "5e".repeat(48),
        node = "4e".repeat(32),
        id = base64_of(&[0x11; 64]),
    );
    let config = Manifest::from_str_named(&yaml, "inline.yaml").unwrap().deployment("d").unwrap();
    assert_eq!(config.admin.unwrap().to_string(), "oasis1qz2lty9v4glt5ts8ljhfpnd05dy3cwmtnyshws8q");
    assert_eq!(config.metadata["net.oasis.rofl.name"], "t");
    assert_eq!(config.enclaves[0].version.as_deref(), Some("1.2"));
    assert_eq!(config.enclaves[0].description.as_deref(), Some("first build"));
    assert_eq!(config.policy.fees, FeePolicy::Instance);
    let pcs = config.policy.quotes.pcs.unwrap();
    assert!(pcs.disabled);
    assert_eq!(pcs.fmspc_whitelist, ["00906ED50000"]);
    let modules = pcs.tdx.unwrap().allowed_tdx_modules;
    assert_eq!(modules[0].mr_seam, None);
    assert_eq!(modules[1].mr_seam.unwrap().0, [0x5e; 48]);
    let e = &config.policy.endorsements;
    assert_eq!(e[0], AllowedEndorsement::Any {});
    assert_eq!(e[2], AllowedEndorsement::RoleObserver {});
    assert_eq!(e[3], AllowedEndorsement::Entity(B256::repeat_byte(0xe1)));
    assert_eq!(e[4], AllowedEndorsement::Node(B256::repeat_byte(0x4e)));
    assert_eq!(e[6], AllowedEndorsement::Or(vec![AllowedEndorsement::And(vec![AllowedEndorsement::Any {}])]));
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The Oasis CLI's metadata: top-level fields (non-empty only) as `net.oasis.rofl.*`, then the
/// deployment's `metadata` over them (deployment keys win).
#[test]
fn deployment_metadata_overlays_the_top_level_fields() {
    let text = replace_once(
        &replace_once(
            &talos_text(),
            "homepage: https://talos.is\n",
            "homepage: \"\"\nauthor: Talos team\nlicense: MIT\n",
        ),
        "    oci_repository: ghcr.io/talos-agent/talos:latest-orc\n",
        "    oci_repository: ghcr.io/talos-agent/talos:latest-orc\n    metadata:\n      net.oasis.rofl.version: 0.1.1-hotfix\n      env.MODEL: gpt-4o\n",
    );
    let manifest = Manifest::from_str_named(&text, "rofl.yaml").unwrap();
    let config = manifest.deployment("mainnet").unwrap();
    let expected: Vec<(&str, &str)> = vec![
        ("env.MODEL", "gpt-4o"),
        ("net.oasis.rofl.author", "Talos team"),
        ("net.oasis.rofl.description", "Talos is."),
        ("net.oasis.rofl.license", "MIT"),
        ("net.oasis.rofl.name", "talos"),
        ("net.oasis.rofl.repository", "https://github.com/talos-agent/talos"),
        ("net.oasis.rofl.version", "0.1.1-hotfix"),
    ];
    assert_eq!(config.metadata.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect::<Vec<_>>(), expected);
    // testnet has no metadata of its own: only the top-level fields.
    let testnet = manifest.deployment_metadata("testnet").unwrap();
    assert_eq!(testnet["net.oasis.rofl.version"], "0.1.0");
    assert!(!testnet.contains_key("net.oasis.rofl.homepage"), "empty fields are left out");
    assert!(!testnet.contains_key("env.MODEL"));
}

/// A deployment's `artifacts` overlay the top-level ones field by field.
#[test]
fn deployment_artifacts_overlay_the_top_level_ones() {
    let text = replace_once(
        &talos_text(),
        "    oci_repository: ghcr.io/talos-agent/talos:latest-orc\n",
        "    oci_repository: ghcr.io/talos-agent/talos:latest-orc\n    artifacts:\n      firmware: https://example.org/ovmf.fd#00\n      container:\n        compose: compose.mainnet.yml\n",
    );
    let manifest = Manifest::from_str_named(&text, "rofl.yaml").unwrap();
    let mainnet = manifest.deployment("mainnet").unwrap().artifacts;
    assert_eq!(mainnet.firmware.as_deref(), Some("https://example.org/ovmf.fd#00"));
    assert_eq!(mainnet.kernel, manifest.artifacts.kernel, "not overridden: top-level");
    let container = mainnet.container.unwrap();
    assert_eq!(container.compose.as_deref(), Some("compose.mainnet.yml"));
    assert_eq!(container.runtime, manifest.artifacts.container.as_ref().unwrap().runtime);
    assert_eq!(manifest.deployment_artifacts("testnet").unwrap(), manifest.artifacts);
}

#[test]
fn talos_machines_round_trip() {
    use roflgov_types::manifest::machines_to_yaml;
    let manifest = Manifest::from_path(TALOS).unwrap();
    let machine = &manifest.deployments["mainnet"].machines["default"];
    assert_eq!(machine.provider.as_deref(), Some("oasis1qzc8pldvm8vm3duvdrj63wgvkw34y9ucfcxzetqr"));
    assert_eq!(machine.offer.as_deref(), Some("large"));
    assert_eq!(machine.instance_id().unwrap().unwrap().as_u64(), 0x1e);
    assert_eq!(machine.provider_address().unwrap().unwrap().to_string(), machine.provider.clone().unwrap());
    assert_eq!(
        manifest.deployments["testnet"].machines["default"].instance_id().unwrap().unwrap().as_u64(),
        4
    );
    // Write each deployment's section, put it in place of the original one, read the file again.
    let text = talos_text();
    let mainnet_start = text.find("    machines:\n").unwrap();
    let mainnet_end = mainnet_start + text[mainnet_start..].find("  testnet:\n").unwrap();
    let testnet_start = mainnet_end + text[mainnet_end..].find("    machines:\n").unwrap();
    let indent = |yaml: String| -> String { yaml.lines().map(|line| format!("    {line}\n")).collect() };
    let rewritten = format!(
        "{}{}{}{}",
        &text[..mainnet_start],
        indent(machines_to_yaml(&manifest.deployments["mainnet"].machines)),
        &text[mainnet_end..testnet_start],
        indent(machines_to_yaml(&manifest.deployments["testnet"].machines)),
    );
    assert_ne!(rewritten, text, "the writer quotes ids, so the text differs");
    let reread = Manifest::from_str_named(&rewritten, "rofl.yaml").unwrap();
    assert_eq!(Manifest { file: manifest.file.clone(), ..reread }, manifest);
}

#[test]
fn machines_are_checked_as_the_cli_does() {
    let text = talos_text();
    let no_provider =
        replace_once(&text, "        provider: oasis1qzc8pldvm8vm3duvdrj63wgvkw34y9ucfcxzetqr\n", "");
    let err = error_of(&no_provider);
    assert!(
        err.contains(
            "deployments.mainnet.machines.default.offer: an offer cannot be given without a provider"
        ),
        "{err}"
    );
    let unknown = replace_once(&text, "        offer: large\n", "        offer: large\n        offre: x\n");
    assert!(error_of(&unknown).contains("machines.default.offre: unknown field"));
    let permissions = replace_once(
        &text,
        "        offer: large\n",
        "        offer: large\n        permissions:\n          log.view:\n            - oasis1qz2lty9v4glt5ts8ljhfpnd05dy3cwmtnyshws8q\n",
    );
    let manifest = Manifest::from_str_named(&permissions, "rofl.yaml").unwrap();
    let machine = &manifest.deployments["mainnet"].machines["default"];
    assert_eq!(machine.permissions["log.view"], ["oasis1qz2lty9v4glt5ts8ljhfpnd05dy3cwmtnyshws8q"]);
    let section = roflgov_types::manifest::machines_to_yaml(&manifest.deployments["mainnet"].machines);
    assert!(section.contains("log.view"), "{section}");
    let bad_id = replace_once(&text, "id: 000000000000001e", "id: 1e");
    let manifest = Manifest::from_str_named(&bad_id, "rofl.yaml").unwrap();
    let err = manifest.deployments["mainnet"].machines["default"].instance_id().unwrap_err();
    assert!(err.contains("16 hex digits"), "{err}");
}
