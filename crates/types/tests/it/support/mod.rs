//! Hand-built calls shared by the integration tests (and the shared vector file).

#![allow(dead_code)]

use alloy_primitives::{B256, Bytes, FixedBytes, hex};
use roflgov_types::{
    Address, AllowedEndorsement, AppAuthPolicy, AppId, Create, EnclaveIdentity, FeePolicy, IdentifierScheme,
    Metadata, PcsQuotePolicy, QuotePolicy, Remove, RoflCall, Secrets, TdxModulePolicy, TdxQuotePolicy,
    Update,
};

/// One shared vector: a call plus, optionally, the order in which its metadata keys and secret
/// names are listed on the ABI side (to exercise the Solidity encoder's sorting).
pub(crate) struct Case {
    pub name: &'static str,
    pub call: RoflCall,
    pub metadata_order: Option<Vec<&'static str>>,
    pub secrets_order: Option<Vec<&'static str>>,
}

pub(crate) fn address(text: &str) -> Address {
    text.parse().unwrap()
}

pub(crate) fn app_id(text: &str) -> AppId {
    text.parse().unwrap()
}

pub(crate) fn tdx_identity(mr_enclave_hex: &str) -> EnclaveIdentity {
    EnclaveIdentity { mr_enclave: mr_enclave_hex.parse().unwrap(), mr_signer: B256::ZERO }
}

/// The Talos mainnet policy of `fixtures/talos-rofl.yaml`, written out by hand.
pub(crate) fn talos_mainnet_policy() -> AppAuthPolicy {
    AppAuthPolicy {
        quotes: QuotePolicy {
            ias: None,
            pcs: Some(PcsQuotePolicy {
                disabled: false,
                tcb_validity_period: 30,
                min_tcb_evaluation_data_number: 18,
                fmspc_whitelist: vec![],
                fmspc_blacklist: vec![],
                tdx: Some(TdxQuotePolicy { allowed_tdx_modules: vec![] }),
            }),
        },
        enclaves: vec![
            tdx_identity("0x6a440b7d0f7ea2408f582be2749ff4ab47fccdbacabb189e1e80560e33a0a964"),
            tdx_identity("0xd73dfa8a8008c0f7a171734ed204e897db0a843e6b7d5039c296dafa925bbb4b"),
        ],
        endorsements: vec![AllowedEndorsement::And(vec![
            AllowedEndorsement::Provider(address("oasis1qzc8pldvm8vm3duvdrj63wgvkw34y9ucfcxzetqr")),
            AllowedEndorsement::Or(vec![
                AllowedEndorsement::ProviderInstanceAdmin(address(
                    "oasis1qpx5xq4kwtuawjdc0wty0d0mz08ha62jrc2c236j",
                )),
                AllowedEndorsement::ProviderInstanceAdmin(address(
                    "oasis1qz2lty9v4glt5ts8ljhfpnd05dy3cwmtnyshws8q",
                )),
            ]),
        ])],
        fees: FeePolicy::EndorsingNode,
        max_expiration: 3,
    }
}

pub(crate) const TALOS_SECRET_HEX: &str = "a462706b58200a5d70f528c0743ba8fb131724abde7dc2560374a5b2aaa1480e7b749e042b3d646e616d65581e74d4fc30927823789fc0f8e8b2d50fd853228c3be2d3d6171e088e0587ab656e6f6e63654f1eb1f0a1db992e995c96cfa46525706576616c7565587022114c16226e01cf48ed9e9de469d7e9a3b91ff44f6d228e811cd49e6510bc83192822c04a24f8c80991ecf17e51b1fca233d91e7abb904af32cc8ccef649ba398c75a6362041f97bbce7e87b8e18eacb5d4d3580724f601a3dfcb2c8a58bde576d07ecd51e8dc624705cf46b382fd72";

pub(crate) fn talos_mainnet_update() -> Update {
    Update {
        id: app_id("rofl1qpykfkl6ea78cyy67d35f7fmpk3pg36vashka4v9"),
        policy: talos_mainnet_policy(),
        admin: Some(address("oasis1qz2lty9v4glt5ts8ljhfpnd05dy3cwmtnyshws8q")),
        metadata: Metadata::new(),
        secrets: Secrets::from([(
            "OPENAI_API_KEY".to_owned(),
            Bytes::from(hex::decode(TALOS_SECRET_HEX).unwrap()),
        )]),
    }
}

fn sgx_identity(byte: u8) -> EnclaveIdentity {
    EnclaveIdentity { mr_enclave: B256::repeat_byte(byte), mr_signer: B256::repeat_byte(byte ^ 0xff) }
}

fn seam(byte: u8) -> FixedBytes<48> {
    FixedBytes::repeat_byte(byte)
}

fn metadata(pairs: &[(&str, &str)]) -> Metadata {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn secrets(pairs: &[(&str, &[u8])]) -> Secrets {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), Bytes::copy_from_slice(v))).collect()
}

/// Every endorsement kind once, at the top level.
pub(crate) fn every_endorsement_kind() -> Vec<AllowedEndorsement> {
    vec![
        AllowedEndorsement::Any {},
        AllowedEndorsement::RoleCompute {},
        AllowedEndorsement::RoleObserver {},
        AllowedEndorsement::Entity(B256::repeat_byte(0xe1)),
        AllowedEndorsement::Node(B256::repeat_byte(0x4e)),
        AllowedEndorsement::Provider(Address([0x50; 21])),
        AllowedEndorsement::ProviderInstanceAdmin(Address([0x1a; 21])),
        AllowedEndorsement::And(vec![]),
        AllowedEndorsement::Or(vec![]),
    ]
}

/// `or(and(provider, or(node, entity)), and(role_compute, or(any)))`: depth 3.
pub(crate) fn nested_endorsements() -> Vec<AllowedEndorsement> {
    vec![AllowedEndorsement::Or(vec![
        AllowedEndorsement::And(vec![
            AllowedEndorsement::Provider(Address([0x01; 21])),
            AllowedEndorsement::Or(vec![
                AllowedEndorsement::Node(B256::repeat_byte(0x02)),
                AllowedEndorsement::Entity(B256::repeat_byte(0x03)),
            ]),
        ]),
        AllowedEndorsement::And(vec![
            AllowedEndorsement::RoleCompute {},
            AllowedEndorsement::Or(vec![AllowedEndorsement::Any {}]),
        ]),
    ])]
}

pub(crate) fn cases() -> Vec<Case> {
    let talos_id = app_id("rofl1qpykfkl6ea78cyy67d35f7fmpk3pg36vashka4v9");
    let admin = address("oasis1qz2lty9v4glt5ts8ljhfpnd05dy3cwmtnyshws8q");
    let plain = |name, call| Case { name, call, metadata_order: None, secrets_order: None };

    let mut pcs_full = PcsQuotePolicy {
        disabled: true,
        tcb_validity_period: 365,
        min_tcb_evaluation_data_number: 70_000,
        fmspc_whitelist: vec!["00906ED50000".into(), "30606a000000".into()],
        fmspc_blacklist: vec!["00A067110000".into()],
        tdx: None,
    };
    let pcs_full_policy = AppAuthPolicy {
        quotes: QuotePolicy { ias: None, pcs: Some(pcs_full.clone()) },
        enclaves: vec![sgx_identity(0x11), sgx_identity(0x22), sgx_identity(0x33)],
        endorsements: vec![AllowedEndorsement::RoleCompute {}, AllowedEndorsement::RoleObserver {}],
        fees: FeePolicy::Instance,
        max_expiration: 24,
    };
    pcs_full.disabled = false;
    pcs_full.tdx = Some(TdxQuotePolicy {
        allowed_tdx_modules: vec![
            TdxModulePolicy { mr_seam: None, mr_signer_seam: seam(0) },
            TdxModulePolicy { mr_seam: Some(seam(0x5e)), mr_signer_seam: seam(0) },
            TdxModulePolicy { mr_seam: Some(seam(0xa7)), mr_signer_seam: seam(0x99) },
        ],
    });
    let tdx_modules_policy = AppAuthPolicy {
        quotes: QuotePolicy { ias: None, pcs: Some(pcs_full) },
        enclaves: vec![tdx_identity("0x0102030405060708091011121314151617181920212223242526272829303132")],
        endorsements: vec![AllowedEndorsement::Any {}],
        fees: FeePolicy::EndorsingNode,
        max_expiration: 256,
    };

    vec![
        plain("talos_mainnet_update", RoflCall::Update(talos_mainnet_update())),
        plain(
            "create_default_creator_round_index",
            RoflCall::Create(Create {
                policy: AppAuthPolicy::default(),
                scheme: IdentifierScheme::CreatorRoundIndex,
                metadata: Metadata::new(),
            }),
        ),
        Case {
            name: "create_creator_nonce_with_metadata",
            call: RoflCall::Create(Create {
                policy: talos_mainnet_policy(),
                scheme: IdentifierScheme::CreatorNonce,
                metadata: metadata(&[
                    ("net.oasis.rofl.name", "talos"),
                    ("net.oasis.rofl.version", "0.1.0"),
                    ("a", "x"),
                    ("zz", ""),
                ]),
            }),
            metadata_order: Some(vec!["net.oasis.rofl.version", "zz", "net.oasis.rofl.name", "a"]),
            secrets_order: None,
        },
        plain(
            "update_admin_none_empty_maps",
            RoflCall::Update(Update {
                id: talos_id,
                policy: talos_mainnet_policy(),
                admin: None,
                metadata: Metadata::new(),
                secrets: Secrets::new(),
            }),
        ),
        Case {
            name: "update_metadata_and_secrets_mixed_lengths",
            call: RoflCall::Update(Update {
                id: AppId::from_global_name("roflgov vectors"),
                policy: AppAuthPolicy::default(),
                admin: Some(Address::from_eth(alloy_primitives::Address::repeat_byte(0xab))),
                metadata: metadata(&[
                    ("b", "2"),
                    ("aa", "11"),
                    ("c", "3"),
                    ("net.oasis.rofl.description", &"long value ".repeat(30)),
                    ("Z", "capital sorts first"),
                ]),
                secrets: secrets(&[
                    ("KEY", b"\x01\x02"),
                    ("A", b""),
                    ("LONGER_SECRET_NAME", &[0xee; 300]),
                    ("B", b"\xff"),
                ]),
            }),
            metadata_order: Some(vec!["net.oasis.rofl.description", "c", "aa", "Z", "b"]),
            secrets_order: Some(vec!["LONGER_SECRET_NAME", "KEY", "B", "A"]),
        },
        plain(
            "create_pcs_disabled_fmspc_lists_no_tdx",
            RoflCall::Create(Create {
                policy: pcs_full_policy,
                scheme: IdentifierScheme::CreatorRoundIndex,
                metadata: Metadata::new(),
            }),
        ),
        plain(
            "update_tdx_modules_with_and_without_mr_seam",
            RoflCall::Update(Update {
                id: talos_id,
                policy: tdx_modules_policy,
                admin: Some(admin),
                metadata: Metadata::new(),
                secrets: Secrets::new(),
            }),
        ),
        plain(
            "create_no_pcs_every_endorsement_kind",
            RoflCall::Create(Create {
                policy: AppAuthPolicy {
                    quotes: QuotePolicy { ias: None, pcs: None },
                    enclaves: vec![],
                    endorsements: every_endorsement_kind(),
                    fees: FeePolicy::Instance,
                    max_expiration: 0,
                },
                scheme: IdentifierScheme::CreatorNonce,
                metadata: Metadata::new(),
            }),
        ),
        plain(
            "update_nested_endorsements_depth_3",
            RoflCall::Update(Update {
                id: talos_id,
                policy: AppAuthPolicy { endorsements: nested_endorsements(), ..talos_mainnet_policy() },
                admin: Some(admin),
                metadata: metadata(&[("net.oasis.rofl.name", "nested")]),
                secrets: Secrets::new(),
            }),
        ),
        plain(
            "update_integer_widths",
            RoflCall::Update(Update {
                id: AppId([0xff; 21]),
                policy: AppAuthPolicy {
                    quotes: QuotePolicy {
                        ias: None,
                        pcs: Some(PcsQuotePolicy {
                            tcb_validity_period: u16::MAX,
                            min_tcb_evaluation_data_number: u32::MAX,
                            ..PcsQuotePolicy::default()
                        }),
                    },
                    max_expiration: u64::MAX,
                    ..AppAuthPolicy::default()
                },
                admin: Some(Address([0x01; 21])),
                metadata: Metadata::new(),
                secrets: Secrets::new(),
            }),
        ),
        plain(
            "create_many_enclaves",
            RoflCall::Create(Create {
                policy: AppAuthPolicy {
                    enclaves: (0u8..24).map(sgx_identity).collect(),
                    max_expiration: 65_536,
                    ..AppAuthPolicy::default()
                },
                scheme: IdentifierScheme::CreatorRoundIndex,
                metadata: metadata(&[("k", "v")]),
            }),
        ),
        plain("remove_talos", RoflCall::Remove(Remove { id: talos_id })),
        plain("remove_zero_id", RoflCall::Remove(Remove { id: AppId::default() })),
    ]
}
