//! ROFL enclave identities of TDX trust domains (and the trivial SGX case).
//!
//! oasis-core (`runtime/src/common/sgx/pcs/report.rs`, `go/common/sgx/pcs/report.go`) maps a TD
//! report to an `EnclaveIdentity` so that TDX apps fit the SGX-shaped ROFL policy:
//! `mr_enclave = TupleHash256(S = "oasis-core/tdx: TD enclave identity", L = 256,
//! (MRTD, RTMR0, RTMR1, RTMR2, RTMR3))` and `mr_signer` all zero (an MRSIGNER no SGX enclave can
//! have).

use alloy_primitives::B256;
use roflgov_types::EnclaveIdentity;

use crate::tuplehash::TupleHash256;

/// Customization string of the TD enclave identity (oasis-core `TD_ENCLAVE_IDENTITY_CONTEXT`).
pub const TD_ENCLAVE_IDENTITY_CONTEXT: &[u8] = b"oasis-core/tdx: TD enclave identity";

/// Size of a TDX measurement register (SHA-384).
pub const MEASUREMENT_LEN: usize = 48;

/// One TDX measurement register value.
pub type Measurement = [u8; MEASUREMENT_LEN];

/// The TD measurements that make up a ROFL TDX identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TdMeasurements {
    /// MRTD: the initial TD contents (virtual firmware).
    pub mr_td: Measurement,
    /// RTMR0..RTMR3: firmware configuration, boot loader/kernel/cmdline, OS, reserved.
    pub rtmr: [Measurement; 4],
}

impl TdMeasurements {
    /// The ROFL enclave identity of a TD with these measurements.
    pub fn enclave_identity(&self) -> EnclaveIdentity {
        td_enclave_identity(&self.mr_td, &self.rtmr)
    }
}

/// The ROFL enclave identity of a TD: TupleHash256 over MRTD and RTMR0..3, zero MRSIGNER.
pub fn td_enclave_identity(mr_td: &Measurement, rtmr: &[Measurement; 4]) -> EnclaveIdentity {
    let mut hasher = TupleHash256::new(TD_ENCLAVE_IDENTITY_CONTEXT);
    hasher.update_element(mr_td);
    for register in rtmr {
        hasher.update_element(register);
    }
    EnclaveIdentity { mr_enclave: B256::from(hasher.finalize_array::<32>()), mr_signer: B256::ZERO }
}

/// The enclave identity of an SGX enclave: its MRENCLAVE and MRSIGNER, unchanged.
pub fn sgx_enclave_identity(mr_enclave: [u8; 32], mr_signer: [u8; 32]) -> EnclaveIdentity {
    EnclaveIdentity { mr_enclave: B256::from(mr_enclave), mr_signer: B256::from(mr_signer) }
}

/// Whether an identity has the shape of a ROFL TDX identity (all-zero MRSIGNER).
pub fn is_tdx_identity(identity: &EnclaveIdentity) -> bool {
    identity.mr_signer == B256::ZERO
}
