//! Property test of the signer's firewall: random Safe transactions, MultiSend batches and
//! Governor proposals mixing honest policy-contract calls with random targets, selectors,
//! bytes, operations and values, and corrupted MultiSend payloads.
//!
//! The property (the firewall's rule "when in doubt, not ok"): whenever the transaction holds a
//! call the engine cannot fully understand (a target that is neither the policy contract nor the
//! subcall precompile, calldata that does not decode, a DELEGATECALL to anything but the
//! canonical MultiSendCallOnly, value other than `createApp`'s stake), or sets refund fields,
//! or reuses a nonce, the verdict is never ok. The oracle (`roflgov_testkit::firewall`, shared
//! with the `firewall` fuzz target) reads the batch on its own (its own MultiSend parser);
//! calldata decoding is the library's (`decode_calldata`, `decode_subcall`,
//! `cbor::decode_call`), so this tests how the engine puts the verdict together.
//!
//! `FIREWALL_FUZZ_CASES` sets the number of cases (default 2000), `FIREWALL_FUZZ_SEED` the
//! seed (a failure prints both).

use crate::support as common;

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::SolCall;
use common::*;
use roflgov_contracts::safe::MULTI_SEND_CALL_ONLY;
use roflgov_core::{
    bindings::RoflAppAdmin,
    firewall::{self, ChainFacts, Expectations, Transaction, Verdict},
    review::ProposedCall,
    rofl::{
        CREATE_STAKE, PolicyChange,
        subcall::{SUBCALL_PRECOMPILE, encode_subcall},
    },
    safe_tx::{IMultiSendCallOnly, Operation, SafeCall, SafeTx, encode_multi_send},
};
use roflgov_testkit::{firewall::Oracle, rng::Rng};
use roflgov_types::{AppAuthPolicy, IdentifierScheme, ids::Address as OasisAddress};

/// A random address.
fn address(rng: &mut Rng) -> Address {
    Address::from_slice(&rng.bytes(20))
}

/// Policy-contract calldata the engine understands (honest or hostile, but decodable).
fn decodable_policy_calldata(rng: &mut Rng) -> Bytes {
    let set = |v: &str| PolicyChange::SetMetadata { key: VERSION_KEY.into(), value: v.into() };
    let stranger = OasisAddress::from_eth(STRANGER);
    let changes: Vec<PolicyChange> = match rng.index(9) {
        0 => release_changes(),
        1 => vec![set("1.1.0")],
        2 => vec![PolicyChange::AddEnclave(a3())],
        3 => vec![PolicyChange::RemoveEnclave(a2()), set("1.0.1")],
        4 => vec![PolicyChange::TransferRoflAdmin { new_admin: stranger }],
        5 => vec![PolicyChange::SetGuardian { guardian: address(rng) }],
        6 => vec![PolicyChange::AddEnclave(revoked())],
        7 => return RoflAppAdmin::transferOwnershipCall { newOwner: address(rng) }.abi_encode().into(),
        _ => return RoflAppAdmin::withdrawStakeCall {}.abi_encode().into(),
    };
    let (app, version) = if rng.one_in(4) { (app2(), V2) } else { (app(), V) };
    pc_on(app, version + rng.index(3) as u64, &changes)
}

fn create_app_calldata() -> Bytes {
    PolicyChange::CreateApp {
        policy: AppAuthPolicy { enclaves: vec![identity(0xe1)], ..Default::default() },
        metadata: [(VERSION_KEY.to_string(), "0.1.0".to_string())].into(),
        scheme: IdentifierScheme::CreatorNonce,
    }
    .to_calldata(roflgov_types::AppId([0; 21]), 0)
    .expect("encodes")
}

/// `data` damaged: a byte flipped, cut short, or with bytes appended.
fn corrupt(rng: &mut Rng, data: &[u8]) -> Bytes {
    let mut data = data.to_vec();
    match rng.index(3) {
        0 if !data.is_empty() => {
            let at = rng.index(data.len());
            data[at] ^= 1 << rng.index(8);
        }
        1 if !data.is_empty() => data.truncate(rng.index(data.len())),
        _ => {
            let extra = 1 + rng.index(40);
            data.extend(rng.bytes(extra));
        }
    }
    data.into()
}

/// Calldata for any target: empty, random, a random policy-contract selector with random
/// arguments, valid policy calldata, or damaged valid calldata.
fn data(rng: &mut Rng) -> Bytes {
    match rng.index(6) {
        0 => Bytes::new(),
        1 => {
            let len = rng.index(200);
            rng.bytes(len).into()
        }
        2 => {
            let selector = rng.pick(RoflAppAdmin::RoflAppAdminCalls::SELECTORS);
            let mut data = selector.to_vec();
            let len = rng.index(6) * 32;
            data.extend(rng.bytes(len));
            data.into()
        }
        3 => decodable_policy_calldata(rng),
        _ => {
            let valid = decodable_policy_calldata(rng);
            corrupt(rng, &valid)
        }
    }
}

/// A direct update of the unmanaged app that only bumps its version metadata.
fn subcall_data_valid() -> Bytes {
    direct_update(legacy_config(), |u| {
        u.metadata.insert(VERSION_KEY.into(), "0.4.0".into());
    })
}

/// Input of the subcall precompile: a valid direct update, a damaged one, another method, or
/// random bytes.
fn subcall_data(rng: &mut Rng) -> Bytes {
    let valid = subcall_data_valid();
    match rng.index(5) {
        0 | 1 => valid,
        2 => corrupt(rng, &valid),
        3 => {
            let method =
                rng.pick(&["rofl.Update", "rofl.Remove", "rofl.Create", "accounts.Transfer", "evm.Call"]);
            let len = rng.index(80);
            encode_subcall(method, &rng.bytes(len))
        }
        _ => {
            let len = rng.index(160);
            rng.bytes(len).into()
        }
    }
}

fn value(rng: &mut Rng) -> U256 {
    match rng.index(8) {
        0 => U256::from(1 + rng.index(1_000_000)),
        1 => CREATE_STAKE,
        2 => rose(1 + rng.index(500) as u64),
        _ => U256::ZERO,
    }
}

/// A call the engine understands and finds nothing critical in, whatever calls come before
/// (no version check, so order does not matter).
fn honest_leg(rng: &mut Rng) -> SafeCall {
    match rng.index(4) {
        0 => {
            let value = format!("1.{}.0", rng.index(100));
            policy_call(pc(0, &[PolicyChange::SetMetadata { key: VERSION_KEY.into(), value }]))
        }
        1 => policy_call(pc_on(app2(), 0, &[PolicyChange::SetMaxExpiration(1 + rng.index(3) as u64)])),
        2 => SafeCall::new(POLICY, CREATE_STAKE, create_app_calldata()),
        _ => SafeCall::new(SUBCALL_PRECOMPILE, U256::ZERO, subcall_data_valid()),
    }
}

/// One call: to the policy contract, the subcall precompile, the executor, the MultiSend
/// contract, or anywhere.
fn leg(rng: &mut Rng, executor: Address) -> SafeCall {
    match rng.index(10) {
        0..=4 => {
            let data = match rng.index(8) {
                0 => create_app_calldata(),
                1..=4 => decodable_policy_calldata(rng),
                _ => data(rng),
            };
            let value = if rng.one_in(4) { value(rng) } else { U256::ZERO };
            SafeCall::new(POLICY, value, data)
        }
        5 | 6 => SafeCall::new(
            SUBCALL_PRECOMPILE,
            if rng.one_in(4) { value(rng) } else { U256::ZERO },
            subcall_data(rng),
        ),
        7 => SafeCall::new(executor, value(rng), data(rng)),
        _ => {
            let to = match rng.index(6) {
                0 => MULTI_SEND_CALL_ONLY.address,
                1 => Address::ZERO,
                2 => PROPOSER,
                3 => TIMELOCK,
                4 => SAFE,
                _ => address(rng),
            };
            SafeCall::new(to, value(rng), data(rng))
        }
    }
}

/// The oracle (roflgov-testkit's, shared with the fuzz target) for this chain state.
const ORACLE: Oracle = Oracle { policy: POLICY, nonce: NONCE };

/// A random transaction, and whether the oracle says it must not get ok (with why).
fn case(rng: &mut Rng) -> (Transaction, ChainFacts, Option<String>) {
    let count = 1 + rng.index(4);
    // One case in three is mostly honest, with a hostile call hidden now and then.
    let honest = rng.one_in(3);
    let leg =
        |rng: &mut Rng, executor| if honest && !rng.one_in(6) { honest_leg(rng) } else { leg(rng, executor) };
    if rng.one_in(5) {
        // A Governor proposal.
        let calls: Vec<SafeCall> = (0..count).map(|_| leg(rng, TIMELOCK)).collect();
        let refuse = ORACLE.calls_refusal(&calls);
        let tx = governor(calls.into_iter().map(|c| ProposedCall::call(c.to, c.value, c.data)).collect());
        return (tx, governor_facts(), refuse);
    }
    let calls: Vec<SafeCall> = (0..count).map(|_| leg(rng, SAFE)).collect();
    let mut tx = match if honest { rng.index(5) } else { rng.index(8) } {
        // The canonical batch, or the single call.
        0..=3 => SafeTx::from_calls(MULTI_SEND_CALL_ONLY.address, &calls, NONCE).expect("not empty"),
        // A batch of one.
        4 => SafeTx::multi_send(MULTI_SEND_CALL_ONLY.address, &calls, NONCE),
        // A damaged payload.
        5 => {
            let packed = encode_multi_send(&calls);
            let transactions = match rng.index(3) {
                0 => Bytes::copy_from_slice(&packed[..rng.index(packed.len())]),
                1 => {
                    let mut p = packed.to_vec();
                    p[0] = *rng.pick(&[1u8, 2, 0xff]);
                    p.into()
                }
                _ => corrupt(rng, &packed),
            };
            let mut tx = SafeTx::multi_send(MULTI_SEND_CALL_ONLY.address, &[], NONCE);
            tx.data = IMultiSendCallOnly::multiSendCall { transactions }.abi_encode().into();
            tx
        }
        // A batch by CALL, or a DELEGATECALL elsewhere.
        6 => {
            let mut tx = SafeTx::multi_send(MULTI_SEND_CALL_ONLY.address, &calls, NONCE);
            tx.operation = Operation::Call;
            tx
        }
        _ => {
            let mut tx = SafeTx::multi_send(address(rng), &calls, NONCE);
            if rng.one_in(2) {
                tx.data = data(rng);
            }
            tx
        }
    };
    if rng.one_in(6) {
        tx.value = value(rng);
    }
    if rng.one_in(10) {
        match rng.index(4) {
            0 => tx.gas_price = U256::from(1 + rng.index(1_000)),
            1 => tx.base_gas = U256::from(1 + rng.index(100_000)),
            2 => tx.refund_receiver = address(rng),
            _ => tx.gas_token = address(rng),
        }
    }
    if rng.one_in(10) {
        tx.nonce = U256::from(rng.index(NONCE as usize));
    }

    let refuse = ORACLE.refusal(&tx);
    (signed_free(tx), facts(), refuse)
}

/// The transaction without signatures (signing is not what is tested here, and costs time).
fn signed_free(tx: SafeTx) -> Transaction {
    Transaction::Safe { safe: SAFE, chain_id: CHAIN, tx, signatures: Vec::new(), title: None }
}

#[test]
fn nothing_the_engine_cannot_understand_gets_ok() {
    let cases: usize =
        std::env::var("FIREWALL_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000);
    let seed: u64 =
        std::env::var("FIREWALL_FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x0f17_e3a1);
    let (mut refused, mut ok, mut ok_with_doubt) = (0usize, 0usize, Vec::new());
    for index in 0..cases {
        let mut rng = Rng::new(seed ^ (index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let (tx, facts, refuse) = case(&mut rng);
        let report = firewall::review(&tx, &facts, &Expectations::default());
        if report.verdict == Verdict::Ok {
            ok += 1;
        }
        if let Some(why) = refuse {
            refused += 1;
            if report.verdict == Verdict::Ok {
                ok_with_doubt.push(format!(
                    "case {index} (FIREWALL_FUZZ_SEED={seed}): {why}, yet OK:\n{tx:#?}\n{report}"
                ));
            }
        }
    }
    assert!(
        ok_with_doubt.is_empty(),
        "{} case(s) got OK in doubt; first:\n{}",
        ok_with_doubt.len(),
        ok_with_doubt[0]
    );
    eprintln!("{cases} cases: {refused} hold a call the engine cannot understand, {ok} got OK");
    // The generator must exercise both sides, or the property says nothing.
    assert!(refused > cases / 4, "only {refused} of {cases} cases hold a call the engine cannot understand");
    assert!(ok > cases / 50, "only {ok} of {cases} cases got OK: the honest side is not exercised");
}
