//! TupleHash256 against NIST's published samples and against tiny-keccak (an independent
//! implementation), and the TDX identity construction against tiny-keccak.

use roflgov_attest::tdx::{TD_ENCLAVE_IDENTITY_CONTEXT, td_enclave_identity};
use roflgov_attest::tuplehash::{TupleHash256, tuple_hash256};
use rstest::rstest;
use tiny_keccak::{Hasher, TupleHash};

fn independent_tuple_hash256(customization: &[u8], elements: &[&[u8]], output: &mut [u8]) {
    let mut hasher = TupleHash::v256(customization);
    for element in elements {
        hasher.update(element);
    }
    hasher.finalize(output);
}

const X1: &[u8] = &[0x00, 0x01, 0x02];
const X2: &[u8] = &[0x10, 0x11, 0x12, 0x13, 0x14, 0x15];
const X3: &[u8] = &[0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28];

/// NIST SP 800-185 examples, TupleHash256 samples #4–#6 (TupleHash_samples.pdf), L = 512.
#[rstest]
#[case::sample_4(
    "",
    &[X1, X2],
    "cfb7058caca5e668f81a12a20a2195ce97a925f1dba3e7449a56f82201ec6073\
     11ac2696b1ab5ea2352df1423bde7bd4bb78c9aed1a853c78672f9eb23bbe194"
)]
#[case::sample_5(
    "My Tuple App",
    &[X1, X2],
    "147c2191d5ed7efd98dbd96d7ab5a11692576f5fe2a5065f3e33de6bba9f3aa1\
     c4e9a068a289c61c95aab30aee1e410b0b607de3620e24a4e3bf9852a1d4367e"
)]
#[case::sample_6(
    "My Tuple App",
    &[X1, X2, X3],
    "45000be63f9b6bfd89f54717670f69a9bc763591a4f05c50d68891a744bcc6e7\
     d6d5b5e82c018da999ed35b0bb49c9678e526abd8e85c13ed254021db9e790ce"
)]
fn nist_tuplehash256_samples(
    #[case] customization: &str,
    #[case] elements: &[&[u8]],
    #[case] expected_hex: &str,
) {
    let ours: [u8; 64] = tuple_hash256(customization.as_bytes(), elements);
    assert_eq!(hex::encode(ours), expected_hex);

    let mut theirs = [0u8; 64];
    independent_tuple_hash256(customization.as_bytes(), elements, &mut theirs);
    assert_eq!(hex::encode(theirs), expected_hex, "tiny-keccak disagrees with NIST?");
}

/// Deterministic pseudo-random bytes (no RNG dependency needed).
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

#[test]
fn matches_tiny_keccak_across_rate_boundaries() {
    let long_customization = "a customization string longer than one hundred and thirty-six \
        bytes so that the cSHAKE prefix itself spans two blocks of the sponge, padded out.....";
    assert!(long_customization.len() > 136);
    for element_len in [0, 1, 47, 48, 135, 136, 137, 272, 1000] {
        for element_count in [0, 1, 3] {
            for customization in ["", "oasis-core/tdx: TD enclave identity", long_customization] {
                for output_len in [1, 32, 64, 200] {
                    let owned: Vec<Vec<u8>> =
                        (0..element_count).map(|i| pattern(element_len + i, i as u8)).collect();
                    let elements: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();

                    let mut ours = vec![0u8; output_len];
                    let mut hasher = TupleHash256::new(customization.as_bytes());
                    for element in &elements {
                        hasher.update_element(element);
                    }
                    hasher.finalize_into(&mut ours);

                    let mut theirs = vec![0u8; output_len];
                    independent_tuple_hash256(customization.as_bytes(), &elements, &mut theirs);
                    assert_eq!(
                        ours, theirs,
                        "len {element_len} count {element_count} S {customization:?} L {output_len}"
                    );
                }
            }
        }
    }
}

#[test]
fn tuple_framing_separates_element_boundaries() {
    let ab_c: [u8; 32] = tuple_hash256(b"", &[b"ab", b"c"]);
    let a_bc: [u8; 32] = tuple_hash256(b"", &[b"a", b"bc"]);
    assert_ne!(ab_c, a_bc);
}

#[test]
fn td_identity_matches_independent_tuplehash() {
    let mr_td = [0x11u8; 48];
    let rtmr = [[0x20u8; 48], [0x21u8; 48], [0x22u8; 48], [0x23u8; 48]];
    let identity = td_enclave_identity(&mr_td, &rtmr);

    let mut expected = [0u8; 32];
    independent_tuple_hash256(
        TD_ENCLAVE_IDENTITY_CONTEXT,
        &[&mr_td, &rtmr[0], &rtmr[1], &rtmr[2], &rtmr[3]],
        &mut expected,
    );
    assert_eq!(identity.mr_enclave.0, expected);
    assert_eq!(identity.mr_signer.0, [0u8; 32]);

    // Each register matters.
    let mut changed = rtmr;
    changed[3][47] ^= 1;
    assert_ne!(td_enclave_identity(&mr_td, &changed).mr_enclave, identity.mr_enclave);
}
