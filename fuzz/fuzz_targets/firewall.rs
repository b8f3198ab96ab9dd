//! The signer's firewall on arbitrary transactions: bytes → a Safe transaction (single call,
//! MultiSend batch, raw MultiSend payload, batch by CALL, DELEGATECALL elsewhere) or a Governor
//! proposal, reviewed against a fixed chain state.
//!
//! Property (the firewall's rule, checked by the oracle in `roflgov_testkit::firewall` that
//! `crates/core/tests/it/firewall_fuzz.rs` uses too): a transaction
//! holding a call the engine cannot fully understand (a target that is neither the policy
//! contract nor the subcall precompile, calldata that does not decode, a DELEGATECALL to
//! anything but the canonical MultiSendCallOnly, value other than `createApp`'s stake), or
//! setting refund fields, or reusing a nonce, never gets an ok verdict. And no input panics.
#![no_main]

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::SolCall;
use libfuzzer_sys::fuzz_target;
use roflgov_contracts::safe::MULTI_SEND_CALL_ONLY;
use roflgov_core::{
    firewall::{
        self, AppFacts, ChainFacts, Expectations, PolicyContractFacts, SafeFacts, Transaction, Verdict,
    },
    review::ProposedCall,
    rofl::{
        CREATE_STAKE, PolicyChange, ReleaseState, changes_to_calldata,
        subcall::{SUBCALL_PRECOMPILE, encode_subcall},
    },
    safe_tx::{IMultiSendCallOnly, Operation, SafeCall, SafeTx, encode_multi_send},
};
use roflgov_testkit::firewall::Oracle;
use roflgov_types::{
    AppAuthPolicy, AppConfig, AppId, EnclaveIdentity, IdentifierScheme, RoflCall, Update, cbor,
    ids::Address as OasisAddress,
};

const CHAIN: u64 = 23295;
const SAFE: Address = Address::repeat_byte(0x5a);
const POLICY: Address = Address::repeat_byte(0x90);
const TIMELOCK: Address = Address::repeat_byte(0x71);
const STRANGER: Address = Address::repeat_byte(0xee);
const NONCE: u64 = 12;
const VERSION: u64 = 7;

fn identity(byte: u8) -> EnclaveIdentity {
    EnclaveIdentity { mr_enclave: B256::repeat_byte(byte), mr_signer: B256::ZERO }
}

fn config(name: &str, admin: Address) -> AppConfig {
    AppConfig {
        id: AppId::from_global_name(name),
        policy: AppAuthPolicy { enclaves: vec![identity(0xa1), identity(0xa2)], ..Default::default() },
        admin: Some(OasisAddress::from_eth(admin)),
        metadata: BTreeMap::from([("net.oasis.rofl.version".to_string(), "1.0.0".to_string())]),
        secrets: BTreeMap::from([("TOKEN".to_string(), Bytes::from(vec![0xc7; 48]))]),
    }
}

fn facts(owner: Address) -> ChainFacts {
    let app = |config: AppConfig, version| {
        (config.id, AppFacts { config, version, release_state: ReleaseState::default() })
    };
    ChainFacts {
        rpc_chain_id: Some(CHAIN),
        policy_contract: Some(PolicyContractFacts { address: POLICY, owner, code_is_roflgov: true }),
        apps: BTreeMap::from([
            app(config("talos", POLICY), Some(VERSION)),
            app(config("legacy", SAFE), None),
        ]),
        code_hashes: BTreeMap::from([(MULTI_SEND_CALL_ONLY.address, MULTI_SEND_CALL_ONLY.code_hash)]),
        has_code: BTreeMap::new(),
        now: Some(1_763_736_840),
        safe: (owner == SAFE).then(|| SafeFacts {
            owners: vec![Address::repeat_byte(1), Address::repeat_byte(2), Address::repeat_byte(3)],
            threshold: 2,
            nonce: NONCE,
            approved_hash_by: BTreeSet::new(),
            executed: Some(false),
        }),
        module_errors: BTreeMap::new(),
    }
}

/// Valid calldata the input can start from (libFuzzer rarely builds ABI by itself).
fn template(index: u8) -> (Address, Bytes) {
    let talos = AppId::from_global_name("talos");
    let set = PolicyChange::SetMetadata { key: "net.oasis.rofl.version".into(), value: "1.1.0".into() };
    match index % 5 {
        0 => (
            POLICY,
            changes_to_calldata(
                talos,
                VERSION,
                &[PolicyChange::RemoveEnclave(identity(0xa2)), PolicyChange::AddEnclave(identity(0xa3)), set],
            )
            .expect("encodes"),
        ),
        1 => (POLICY, changes_to_calldata(talos, 0, &[set]).expect("encodes")),
        2 => (
            POLICY,
            PolicyChange::CreateApp {
                policy: AppAuthPolicy { enclaves: vec![identity(0xe1)], ..Default::default() },
                metadata: BTreeMap::new(),
                scheme: IdentifierScheme::CreatorNonce,
            }
            .to_calldata(AppId([0; 21]), 0)
            .expect("encodes"),
        ),
        3 => {
            let c = config("legacy", SAFE);
            let update = Update {
                id: c.id,
                policy: c.policy,
                admin: c.admin,
                metadata: c.metadata,
                secrets: c.secrets,
            };
            (
                SUBCALL_PRECOMPILE,
                encode_subcall(cbor::METHOD_UPDATE, &cbor::encode_call(&RoflCall::Update(update))),
            )
        }
        _ => (SUBCALL_PRECOMPILE, encode_subcall("rofl.Remove", &[0xa0])),
    }
}

/// Reads the input front to back; missing bytes read as zero.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    fn take(&mut self, len: usize) -> &[u8] {
        let (head, rest) = self.0.split_at(len.min(self.0.len()));
        self.0 = rest;
        head
    }
}

fn leg(input: &mut Input<'_>, executor: Address) -> SafeCall {
    let target = input.byte();
    let value = match input.byte() {
        0..=191 => U256::ZERO,
        192..=223 => CREATE_STAKE,
        other => U256::from(other),
    };
    let mode = input.byte();
    let (template_to, data) = match mode % 4 {
        0 | 1 => template(mode / 4),
        2 => {
            // A template with one byte replaced.
            let (to, data) = template(mode / 4);
            let mut data = data.to_vec();
            let at = usize::from(input.byte()) * 7 % data.len().max(1);
            if let Some(b) = data.get_mut(at) {
                *b = input.byte();
            }
            (to, data.into())
        }
        _ => {
            let len = usize::from(input.byte());
            (STRANGER, Bytes::copy_from_slice(input.take(len)))
        }
    };
    let to = match target % 8 {
        0..=3 => template_to,
        4 => executor,
        5 => MULTI_SEND_CALL_ONLY.address,
        6 => Address::ZERO,
        _ => STRANGER,
    };
    SafeCall::new(to, value, data)
}

/// The oracle (roflgov-testkit's, shared with roflgov-core's property test).
const ORACLE: Oracle = Oracle { policy: POLICY, nonce: NONCE };

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    let shape = input.byte();
    let flags = input.byte();
    let count = 1 + usize::from(input.byte() % 4);

    if shape % 6 == 5 {
        let calls: Vec<SafeCall> = (0..count).map(|_| leg(&mut input, TIMELOCK)).collect();
        let doubt = ORACLE.calls_refusal(&calls).is_some();
        let transaction = Transaction::Calls {
            executor: TIMELOCK,
            chain_id: Some(CHAIN),
            calls: calls.into_iter().map(|c| ProposedCall::call(c.to, c.value, c.data)).collect(),
            description: Some(String::from_utf8_lossy(input.take(64)).into_owned()),
            description_verified: true,
        };
        let report = firewall::review(&transaction, &facts(TIMELOCK), &Expectations::default());
        assert!(!(doubt && report.verdict == Verdict::Ok), "a call in doubt got OK:\n{report}");
        return;
    }

    let calls: Vec<SafeCall> = (0..count).map(|_| leg(&mut input, SAFE)).collect();
    let mut tx = match shape % 6 {
        0 => SafeTx::from_calls(MULTI_SEND_CALL_ONLY.address, &calls, NONCE).expect("not empty"),
        1 => SafeTx::multi_send(MULTI_SEND_CALL_ONLY.address, &calls, NONCE),
        2 => {
            // The rest of the input as the packed payload, after the encoded legs.
            let mut packed = encode_multi_send(&calls).to_vec();
            packed.extend_from_slice(input.0);
            let mut tx = SafeTx::multi_send(MULTI_SEND_CALL_ONLY.address, &[], NONCE);
            tx.data = IMultiSendCallOnly::multiSendCall { transactions: packed.into() }.abi_encode().into();
            tx
        }
        3 => {
            let mut tx = SafeTx::multi_send(MULTI_SEND_CALL_ONLY.address, &calls, NONCE);
            tx.operation = Operation::Call;
            tx
        }
        _ => SafeTx::multi_send(STRANGER, &calls, NONCE),
    };
    if flags & 1 != 0 {
        tx.value = U256::from(flags);
    }
    if flags & 2 != 0 {
        tx.gas_price = U256::from(flags);
    }
    if flags & 4 != 0 {
        tx.refund_receiver = STRANGER;
    }
    if flags & 8 != 0 {
        tx.nonce = U256::from(flags % (NONCE as u8 + 2));
    }
    let doubt = ORACLE.refusal(&tx).is_some();
    let transaction =
        Transaction::Safe { safe: SAFE, chain_id: CHAIN, tx, signatures: Vec::new(), title: None };
    let report = firewall::review(&transaction, &facts(SAFE), &Expectations::default());
    assert!(!(doubt && report.verdict == Verdict::Ok), "a call in doubt got OK:\n{report}");
});
