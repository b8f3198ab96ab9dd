//! The signed log catches every kind of tampering with the entry number, and the committed
//! vector (`test/vectors/signed_log.jsonl`, which `tools/crosscheck/signed-log.test.js` checks
//! with ethers) is what the writer writes (`ROFLGOV_BLESS=1` rewrites it).

use alloy_primitives::Address;
use k256::ecdsa::SigningKey;
use roflgov_signed_log::{LogWriter, Problem, verify};
use roflgov_testkit::vectors;
use roflgov_types::AppId;

const VECTOR: &str = "signed_log.jsonl";

fn key(byte: u8) -> SigningKey {
    SigningKey::from_slice(&[byte; 32]).unwrap()
}

fn app() -> AppId {
    AppId::from_global_name("roflgov signed-log vector")
}

/// Four entries, the third keeping only the payload's hash.
fn sample() -> String {
    let mut writer = LogWriter::new(app(), key(0x11));
    let mut out = Vec::new();
    for (i, payload) in ["started", "answered: 42", "secret answer", "stopped"].iter().enumerate() {
        writer.append(&mut out, 1_765_000_000 + 60 * i as u64, payload, i != 2).unwrap();
    }
    String::from_utf8(out).unwrap()
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

fn join(lines: &[String]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// (entry number, problems) of every entry with a problem.
fn bad(text: &str, app: AppId) -> Vec<(usize, Vec<Problem>)> {
    verify(app, text).into_iter().filter(|c| !c.problems.is_empty()).map(|c| (c.number, c.problems)).collect()
}

fn first_bad(text: &str) -> usize {
    bad(text, app()).first().map(|(n, _)| *n).expect("tampering detected")
}

#[test]
fn an_intact_log_verifies_and_names_its_signer() {
    let text = sample();
    let checks = verify(app(), &text);
    assert_eq!(checks.len(), 4);
    let signer = Address::from_private_key(&key(0x11));
    for (i, check) in checks.iter().enumerate() {
        assert_eq!(check.number, i + 1);
        assert!(check.problems.is_empty(), "{check:?}");
        assert_eq!(check.signer, Some(signer));
    }
    assert!(checks[2].entry.as_ref().unwrap().payload.is_none());
}

#[test]
fn committed_vector_is_what_the_writer_writes() {
    vectors::assert_current(VECTOR, &sample(), "cargo test -p roflgov-signed-log --test it log::");
}

#[test]
fn an_edited_payload_is_caught_at_its_entry() {
    let mut l = lines(&sample());
    l[1] = l[1].replace("answered: 42", "answered: 43");
    assert_eq!(
        bad(&join(&l), app()),
        vec![(2, vec![Problem::Payload { computed: roflgov_signed_log::payload_hash(b"answered: 43") }])]
    );
}

#[test]
fn an_edited_time_or_hash_breaks_the_signature_and_the_chain() {
    let l = lines(&sample());
    let mut edited = l;
    edited[2] = edited[2].replace("1765000120", "1765000100");
    let found = bad(&join(&edited), app());
    assert_eq!(found[0].0, 3);
    assert!(matches!(found[0].1[0], Problem::Signer { .. }), "{found:?}");
    // The next entry no longer chains to it.
    assert_eq!(found[1].0, 4);
    assert!(matches!(found[1].1[0], Problem::Chain { .. }), "{found:?}");
}

#[test]
fn dropped_reordered_and_inserted_entries_are_caught_where_they_are() {
    let l = lines(&sample());
    let dropped = [l[0].clone(), l[2].clone(), l[3].clone()];
    assert_eq!(first_bad(&join(&dropped)), 2);
    let dropped_first = [l[1].clone(), l[2].clone(), l[3].clone()];
    assert_eq!(first_bad(&join(&dropped_first)), 1);
    let reordered = [l[0].clone(), l[2].clone(), l[1].clone(), l[3].clone()];
    assert_eq!(first_bad(&join(&reordered)), 2);
    let duplicated = [l[0].clone(), l[1].clone(), l[1].clone(), l[2].clone(), l[3].clone()];
    assert_eq!(first_bad(&join(&duplicated)), 3);

    // An entry forged by another key, chained correctly, still names its own signer: the log
    // alone accepts it; the chain check (`verify-log`) refuses a key that is not a registered
    // instance. Here it is spliced in without re-signing what follows: caught after it.
    let mut forger = LogWriter::resume(app(), key(0x22), &serde_json::from_str(&l[1]).unwrap());
    let forged = forger.entry(1_765_000_070, "forged", true).to_line();
    let inserted = [l[0].clone(), l[1].clone(), forged.trim_end().to_owned(), l[2].clone(), l[3].clone()];
    let found = bad(&join(&inserted), app());
    assert_eq!(found[0].0, 4, "{found:?}");
    let checks = verify(app(), &join(&inserted));
    assert_eq!(checks[2].signer, Some(Address::from_private_key(&key(0x22))));
}

#[test]
fn a_log_of_another_app_does_not_verify() {
    let found = bad(&sample(), AppId::from_global_name("another app"));
    assert_eq!(found.first().map(|f| f.0), Some(1));
    assert!(matches!(found[0].1[0], Problem::Signer { .. }), "{found:?}");
}

#[test]
fn malformed_lines_and_malleated_signatures_are_named() {
    let mut l = lines(&sample());
    l[1] = "{\"v\":1}".into();
    assert!(matches!(bad(&join(&l), app())[0], (2, ref p) if matches!(p[0], Problem::Unparsable { .. })));

    // The same signature with s flipped to the upper half (and v flipped) recovers the same
    // key; it must be refused, or one entry would have two hashes.
    let l = lines(&sample());
    let mut entry: roflgov_signed_log::Entry = serde_json::from_str(&l[0]).unwrap();
    let sig = k256::ecdsa::Signature::from_slice(&entry.signature[..64]).unwrap();
    let (r, s) = sig.split_scalars();
    let flipped = k256::ecdsa::Signature::from_scalars(r, -*s).unwrap();
    let mut bytes = flipped.to_bytes().to_vec();
    bytes.push(if entry.signature[64] == 27 { 28 } else { 27 });
    entry.signature = bytes.into();
    let text = entry.to_line();
    assert!(
        matches!(&bad(&text, app())[0].1[0], Problem::Signature { reason } if reason.contains("lower half"))
    );
}
