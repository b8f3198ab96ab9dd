//! TupleHash256 (NIST SP 800-185, section 5) on top of `sha3`'s cSHAKE256.
//!
//! `TupleHash256(X, L, S) = cSHAKE256(encode_string(X[1]) ‖ … ‖ encode_string(X[n]) ‖
//! right_encode(L), L, "TupleHash", S)`, where `encode_string(x) = left_encode(bitlen(x)) ‖ x`.
//! The function name `"TupleHash"` and the customization string `S` go into cSHAKE's own
//! `bytepad(encode_string(N) ‖ encode_string(S), 136)` prefix, which `sha3::CShake256Core` writes.

use sha3::digest::{ExtendableOutput, Update};
use sha3::{CShake256, CShake256Core};

/// The cSHAKE function name SP 800-185 assigns to TupleHash.
const TUPLEHASH_FUNCTION_NAME: &[u8] = b"TupleHash";

/// Largest integer encoding we emit: a `u128` needs at most 16 bytes plus the length byte.
const MAX_ENCODED_LEN: usize = 17;

/// An SP 800-185 integer encoding (`left_encode` / `right_encode`), kept on the stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntegerEncoding {
    bytes: [u8; MAX_ENCODED_LEN],
    len: usize,
}

impl IntegerEncoding {
    /// The encoded bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// Big-endian bytes of `value` without leading zeros; `0` encodes as one zero byte (SP 800-185
/// section 2.3.1: `n` is the smallest positive integer with `2^(8n) > x`).
fn minimal_big_endian(value: u128) -> ([u8; 16], usize) {
    let all = value.to_be_bytes();
    let leading_zero_bytes = (value.leading_zeros() / 8) as usize;
    let significant = (16 - leading_zero_bytes).max(1);
    let mut out = [0u8; 16];
    out[..significant].copy_from_slice(&all[16 - significant..]);
    (out, significant)
}

/// `left_encode(x)`: the byte count, then the big-endian bytes of `x`.
pub fn left_encode(value: u128) -> IntegerEncoding {
    let (digits, n) = minimal_big_endian(value);
    let mut bytes = [0u8; MAX_ENCODED_LEN];
    bytes[0] = n as u8;
    bytes[1..=n].copy_from_slice(&digits[..n]);
    IntegerEncoding { bytes, len: n + 1 }
}

/// `right_encode(x)`: the big-endian bytes of `x`, then the byte count.
pub fn right_encode(value: u128) -> IntegerEncoding {
    let (digits, n) = minimal_big_endian(value);
    let mut bytes = [0u8; MAX_ENCODED_LEN];
    bytes[..n].copy_from_slice(&digits[..n]);
    bytes[n] = n as u8;
    IntegerEncoding { bytes, len: n + 1 }
}

/// The length of `bytes` in bits, as SP 800-185 encodes it.
fn bit_length(bytes: &[u8]) -> u128 {
    // A slice holds at most isize::MAX bytes, so the product fits comfortably in a u128.
    (bytes.len() as u128) * 8
}

/// Incremental TupleHash256: feed tuple elements one by one, then squeeze `L` bits.
///
/// Each element is framed with its bit length, so `("ab", "c")` and `("a", "bc")` differ.
#[derive(Clone)]
pub struct TupleHash256 {
    sponge: CShake256,
}

impl std::fmt::Debug for TupleHash256 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The sponge state is an intermediate hash state: nothing readable to show.
        f.debug_struct("TupleHash256").finish_non_exhaustive()
    }
}

impl TupleHash256 {
    /// Starts a TupleHash256 with customization string `customization` (`S`).
    pub fn new(customization: &[u8]) -> Self {
        let core = CShake256Core::new_with_function_name(TUPLEHASH_FUNCTION_NAME, customization);
        Self { sponge: CShake256::from_core(core) }
    }

    /// Appends one tuple element: `encode_string(element)`.
    pub fn update_element(&mut self, element: &[u8]) {
        self.sponge.update(left_encode(bit_length(element)).as_bytes());
        self.sponge.update(element);
    }

    /// Finishes with output length `L = 8 * output.len()` bits and fills `output`.
    pub fn finalize_into(mut self, output: &mut [u8]) {
        self.sponge.update(right_encode(bit_length(output)).as_bytes());
        self.sponge.finalize_xof_into(output);
    }

    /// Finishes with a fixed-size output (`L = 8 * N`).
    pub fn finalize_array<const N: usize>(self) -> [u8; N] {
        let mut out = [0u8; N];
        self.finalize_into(&mut out);
        out
    }
}

/// One-shot TupleHash256 over `elements` with an output of `N` bytes.
pub fn tuple_hash256<const N: usize>(customization: &[u8], elements: &[&[u8]]) -> [u8; N] {
    let mut hasher = TupleHash256::new(customization);
    for element in elements {
        hasher.update_element(element);
    }
    hasher.finalize_array()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_encodings_follow_sp800_185_examples() {
        // SP 800-185 section 2.3.1 and common values used by cSHAKE and TupleHash.
        assert_eq!(left_encode(0).as_bytes(), &[1, 0]);
        assert_eq!(right_encode(0).as_bytes(), &[0, 1]);
        assert_eq!(left_encode(136).as_bytes(), &[1, 136]);
        assert_eq!(left_encode(256).as_bytes(), &[2, 1, 0]);
        assert_eq!(right_encode(256).as_bytes(), &[1, 0, 2]);
        assert_eq!(right_encode(512).as_bytes(), &[2, 0, 2]);
        assert_eq!(left_encode(u128::MAX).as_bytes()[0], 16);
        assert_eq!(left_encode(u128::MAX).as_bytes().len(), 17);
    }
}
