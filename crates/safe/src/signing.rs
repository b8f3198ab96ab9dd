//! Owner signatures: signing a SafeTx with local keys, collecting signatures in any order, and
//! packing them the way `checkNSignatures` reads them (sorted by owner, 65 bytes each).

use std::collections::{BTreeMap, BTreeSet};

use alloy::{
    primitives::{Address, B256, Bytes, Signature, U256, eip191_hash_message},
    signers::{Signer, SignerSync},
};
use serde::{Deserialize, Serialize};

use crate::{SafeError, SafeTx};

/// One owner's approval of a Safe transaction hash, in a form `checkNSignatures` accepts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum SafeSignature {
    /// ECDSA over the EIP-712 SafeTx hash itself (v = 27/28).
    Eip712 {
        /// The ECDSA signature.
        signature: Signature,
    },
    /// ECDSA over the EIP-191 (`eth_sign`) message of the hash (packed with v + 4 = 31/32).
    EthSign {
        /// The ECDSA signature.
        signature: Signature,
    },
    /// The owner approved the hash on-chain with `approveHash`, or is the executor
    /// (packed as r = owner, s = 0, v = 1).
    ApprovedHash {
        /// The approving owner.
        owner: Address,
    },
}

impl SafeSignature {
    /// Parse one 65-byte signature as Safe packs it (`r ‖ s ‖ v`).
    /// v = 27/28 → EIP-712, 31/32 → eth_sign, 1 → approved hash. Contract signatures (v = 0)
    /// are not supported.
    pub fn from_packed(bytes: &[u8]) -> Result<Self, SafeError> {
        let bytes: &[u8; 65] = bytes
            .try_into()
            .map_err(|_| SafeError::MalformedSignature(format!("expected 65 bytes, got {}", bytes.len())))?;
        let v = bytes[64];
        let ecdsa = |parity_v: u8| -> Result<Signature, SafeError> {
            Ok(Signature::new(
                U256::from_be_slice(&bytes[..32]),
                U256::from_be_slice(&bytes[32..64]),
                parity_v == 28,
            ))
        };
        match v {
            27 | 28 => Ok(Self::Eip712 { signature: ecdsa(v)? }),
            31 | 32 => Ok(Self::EthSign { signature: ecdsa(v - 4)? }),
            1 => {
                if bytes[..12].iter().any(|b| *b != 0) || bytes[32..64].iter().any(|b| *b != 0) {
                    return Err(SafeError::MalformedSignature(
                        "approved-hash signature must have r = owner address and s = 0".into(),
                    ));
                }
                Ok(Self::ApprovedHash { owner: Address::from_slice(&bytes[12..32]) })
            }
            0 => {
                Err(SafeError::MalformedSignature("contract (EIP-1271) signatures are not supported".into()))
            }
            other => Err(SafeError::MalformedSignature(format!("unknown signature type v = {other}"))),
        }
    }

    /// The address this signature speaks for, given the hash it claims to sign.
    pub fn signer(&self, safe_tx_hash: B256) -> Result<Address, SafeError> {
        let recover = |signature: &Signature, prehash: B256| {
            signature
                .recover_address_from_prehash(&prehash)
                .map_err(|e| SafeError::MalformedSignature(format!("cannot recover the signer: {e}")))
        };
        match self {
            Self::Eip712 { signature } => recover(signature, safe_tx_hash),
            Self::EthSign { signature } => recover(signature, eip191_hash_message(safe_tx_hash)),
            Self::ApprovedHash { owner } => Ok(*owner),
        }
    }

    /// The 65 bytes `checkNSignatures` reads.
    pub fn packed(&self) -> [u8; 65] {
        match self {
            Self::Eip712 { signature } => signature.as_bytes(),
            Self::EthSign { signature } => {
                let mut bytes = signature.as_bytes();
                bytes[64] += 4;
                bytes
            }
            Self::ApprovedHash { owner } => {
                let mut bytes = [0u8; 65];
                bytes[12..32].copy_from_slice(owner.as_slice());
                bytes[64] = 1;
                bytes
            }
        }
    }
}

/// Sign `tx` for the Safe at `safe` on `chain_id` with a local key: an ECDSA signature of the
/// SafeTx hash (what `eth_signTypedData_v4` of the SafeTx would give), v = 27/28.
pub fn sign_safe_tx<S: SignerSync + ?Sized>(
    signer: &S,
    tx: &SafeTx,
    chain_id: u64,
    safe: Address,
) -> Result<SafeSignature, SafeError> {
    let hash = tx.safe_tx_hash(chain_id, safe);
    Ok(SafeSignature::Eip712 { signature: signer.sign_hash_sync(&hash)? })
}

/// Sign `tx` as EIP-712 typed data through any async [`Signer`] (keystore, remote signer).
pub async fn sign_safe_tx_typed<S: Signer + Sync>(
    signer: &S,
    tx: &SafeTx,
    chain_id: u64,
    safe: Address,
) -> Result<SafeSignature, SafeError> {
    let (typed, domain) = tx.typed_data(chain_id, safe);
    Ok(SafeSignature::Eip712 { signature: signer.sign_typed_data(&typed, &domain).await? })
}

/// Decrypt an encrypted JSON keystore (Web3 Secret Storage, as `cast wallet` and geth write).
pub fn keystore_signer(
    path: impl AsRef<std::path::Path>,
    password: impl AsRef<[u8]>,
) -> Result<alloy::signers::local::PrivateKeySigner, SafeError> {
    let path = path.as_ref();
    alloy::signers::local::PrivateKeySigner::decrypt_keystore(path, password)
        .map_err(|e| SafeError::Keystore { path: path.display().to_string(), reason: e.to_string() })
}

/// The signatures collected for one Safe transaction hash, keyed by owner.
///
/// Signatures may arrive in any order; each is checked on insertion: it must recover to an
/// owner and no owner may sign twice. [`SignatureSet::packed`] sorts by owner ascending, as
/// `checkNSignatures` requires.
#[derive(Clone, Debug)]
pub struct SignatureSet {
    safe_tx_hash: B256,
    owners: BTreeSet<Address>,
    threshold: usize,
    by_owner: BTreeMap<Address, SafeSignature>,
}

impl SignatureSet {
    /// An empty set for `safe_tx_hash`, checked against the Safe's `owners` and `threshold`.
    pub fn new(safe_tx_hash: B256, owners: impl IntoIterator<Item = Address>, threshold: usize) -> Self {
        Self { safe_tx_hash, owners: owners.into_iter().collect(), threshold, by_owner: BTreeMap::new() }
    }

    /// The SafeTx hash the signatures are for.
    pub fn safe_tx_hash(&self) -> B256 {
        self.safe_tx_hash
    }

    /// Add a signature; returns the owner it recovers to.
    pub fn insert(&mut self, signature: SafeSignature) -> Result<Address, SafeError> {
        let signer = signature.signer(self.safe_tx_hash)?;
        if !self.owners.contains(&signer) {
            return Err(SafeError::NotAnOwner { signer, owners: self.owners.iter().copied().collect() });
        }
        if self.by_owner.contains_key(&signer) {
            return Err(SafeError::DuplicateSigner(signer));
        }
        self.by_owner.insert(signer, signature);
        Ok(signer)
    }

    /// Add a signature given as 65 packed bytes (what Safe{Wallet} and the transaction service hand out).
    pub fn insert_packed(&mut self, bytes: &[u8]) -> Result<Address, SafeError> {
        self.insert(SafeSignature::from_packed(bytes)?)
    }

    /// Count `owner` as approving through an on-chain `approveHash` or by executing the
    /// transaction themself (`msg.sender == owner`).
    pub fn insert_approved_hash(&mut self, owner: Address) -> Result<Address, SafeError> {
        self.insert(SafeSignature::ApprovedHash { owner })
    }

    /// The owners who have signed, ascending.
    pub fn signers(&self) -> Vec<Address> {
        self.by_owner.keys().copied().collect()
    }

    /// How many owners have signed.
    pub fn len(&self) -> usize {
        self.by_owner.len()
    }

    /// Whether no owner has signed yet.
    pub fn is_empty(&self) -> bool {
        self.by_owner.is_empty()
    }

    /// How many owner signatures the Safe needs.
    pub fn threshold(&self) -> usize {
        self.threshold
    }

    /// Whether enough owners have signed.
    pub fn is_complete(&self) -> bool {
        self.by_owner.len() >= self.threshold
    }

    /// The signatures packed for `execTransaction`, sorted by owner ascending, whether or not
    /// the threshold is reached (the Safe answers GS020 when there are too few).
    pub fn packed(&self) -> Bytes {
        self.by_owner.values().flat_map(|signature| signature.packed()).collect::<Vec<u8>>().into()
    }

    /// Like [`SignatureSet::packed`], but refuses when fewer owners than the threshold signed.
    pub fn packed_complete(&self) -> Result<Bytes, SafeError> {
        if !self.is_complete() {
            return Err(SafeError::NotEnoughSignatures { have: self.len(), threshold: self.threshold });
        }
        Ok(self.packed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::{primitives::address, signers::local::PrivateKeySigner};

    #[test]
    fn set_sorts_by_owner_and_refuses_strangers_and_duplicates() {
        let keys: Vec<PrivateKeySigner> = (0..4).map(|_| PrivateKeySigner::random()).collect();
        let safe = address!("00000000000000000000000000000000005afe00");
        let tx = SafeTx::default();
        let hash = tx.safe_tx_hash(23294, safe);
        let owners: Vec<Address> = keys[..3].iter().map(|k| k.address()).collect();
        let mut set = SignatureSet::new(hash, owners.clone(), 2);

        for key in keys[..3].iter().rev() {
            let signature = sign_safe_tx(key, &tx, 23294, safe).unwrap();
            assert!(signature.packed()[64] >= 27);
            assert_eq!(set.insert(signature).unwrap(), key.address());
        }
        let again = sign_safe_tx(&keys[0], &tx, 23294, safe).unwrap();
        assert!(matches!(set.insert(again), Err(SafeError::DuplicateSigner(a)) if a == keys[0].address()));
        let stranger = sign_safe_tx(&keys[3], &tx, 23294, safe).unwrap();
        assert!(matches!(set.insert(stranger), Err(SafeError::NotAnOwner { .. })));
        // A signature over another chain's hash recovers to some other address.
        let other_chain = sign_safe_tx(&keys[1], &tx, 23295, safe).unwrap();
        assert!(matches!(set.insert(other_chain), Err(SafeError::NotAnOwner { .. })));

        let packed = set.packed();
        let mut sorted = owners;
        sorted.sort();
        let recovered: Vec<Address> = packed
            .chunks(65)
            .map(|chunk| SafeSignature::from_packed(chunk).unwrap().signer(hash).unwrap())
            .collect();
        assert_eq!(recovered, sorted);
    }

    #[test]
    fn approved_hash_and_eth_sign_pack_and_parse() {
        let owner = address!("1111111111111111111111111111111111111111");
        let approved = SafeSignature::ApprovedHash { owner };
        let packed = approved.packed();
        assert_eq!(packed[64], 1);
        assert_eq!(&packed[12..32], owner.as_slice());
        assert_eq!(SafeSignature::from_packed(&packed).unwrap(), approved);

        let key = PrivateKeySigner::random();
        let hash = B256::repeat_byte(7);
        let signature = key.sign_message_sync(hash.as_slice()).unwrap();
        let eth_sign = SafeSignature::EthSign { signature };
        let packed = eth_sign.packed();
        assert!(packed[64] == 31 || packed[64] == 32);
        let parsed = SafeSignature::from_packed(&packed).unwrap();
        assert_eq!(parsed.signer(hash).unwrap(), key.address());
    }
}
