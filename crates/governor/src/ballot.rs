//! Signed ballot files: what `roflgov dao vote --sign-only` writes and `dao relay` submits, an
//! EIP-712 `Ballot` (OpenZeppelin Governor 5.3 `BALLOT_TYPEHASH`, domain from the Governor's
//! `eip712Domain()`) with its signature, ready for `castVoteBySig(proposalId, support, voter,
//! signature)`; and the rules a ballot meets before anyone relays it: the chain and Governor it
//! was signed for, the digest and signer the Governor recovers, and the voter's current nonce.

use alloy::primitives::{Address, B256, Bytes, U256};
use roflgov_core::text::escape;
use serde::{Deserialize, Serialize};

use crate::VoteSupport;

/// The `kind` of a ballot file.
pub const KIND: &str = "roflgov-signed-vote-v1";

/// A signed ballot file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BallotFile {
    /// Always [`KIND`].
    pub kind: String,
    /// The chain it was signed for.
    pub chain_id: u64,
    /// The Governor it was signed for.
    pub governor: Address,
    /// The proposal id, decimal.
    pub proposal_id: String,
    /// The vote.
    pub support: VoteSupport,
    /// Who votes.
    pub voter: Address,
    /// Decimal: the voter's Governor nonce when signing (a ballot is good for one vote).
    pub nonce: String,
    /// 65 bytes r ‖ s ‖ v.
    pub signature: Bytes,
    /// The EIP-712 digest signed (what a wallet shows).
    pub digest: B256,
}

/// Why a ballot file is refused; `at` names the file.
#[derive(Debug, thiserror::Error)]
pub enum BallotError {
    /// The file is not a ballot file.
    #[error("{at}: not a signed vote file (`roflgov dao vote --sign-only`): {reason}")]
    NotABallot {
        /// The file.
        at: String,
        /// The parser's reason.
        reason: String,
    },
    /// The file has another `kind`.
    #[error("{at}: kind is `{}`, expected `{KIND}`", escape(kind))]
    WrongKind {
        /// The file.
        at: String,
        /// Its kind (unverified text).
        kind: String,
    },
    /// The nonce is not a decimal number.
    #[error("{at}: nonce `{}` is not a decimal number", escape(nonce))]
    BadNonce {
        /// The file.
        at: String,
        /// Its nonce (unverified text).
        nonce: String,
    },
    /// The ballot was signed for another chain.
    #[error("{at} was signed for chain id {signed}, this network is chain id {endpoint}; nothing was sent")]
    WrongChain {
        /// The file.
        at: String,
        /// The chain it names.
        signed: u64,
        /// The endpoint's chain.
        endpoint: u64,
    },
    /// The ballot is a vote on another Governor than the network's.
    #[error("{at} is a vote on Governor {signed}, this network's Governor is {network}; nothing was sent")]
    WrongGovernor {
        /// The file.
        at: String,
        /// The Governor it names.
        signed: Address,
        /// The network's.
        network: Address,
    },
    /// The digest the file states is not the one of its ballot on its Governor.
    #[error(
        "{at}: the digest {stated} is not that of this ballot on Governor {governor} (computed {computed}); nothing was sent"
    )]
    WrongDigest {
        /// The file.
        at: String,
        /// The digest it states.
        stated: B256,
        /// The Governor.
        governor: Address,
        /// The digest of the ballot on that Governor.
        computed: B256,
    },
    /// The signature recovers to someone else than the voter.
    #[error("{at}: the signature is by {signer}, not by the voter {voter}; nothing was sent")]
    NotTheVoter {
        /// The file.
        at: String,
        /// Who signed.
        signer: Address,
        /// The voter it names.
        voter: Address,
    },
    /// The voter's nonce moved on since signing: the Governor would refuse the signature.
    #[error(
        "{at} was signed with nonce {nonce}, the voter's nonce is now {current} (the voter signed something else since); ask for a new signature; nothing was sent"
    )]
    StaleNonce {
        /// The file.
        at: String,
        /// The nonce it was signed with.
        nonce: U256,
        /// The voter's nonce now.
        current: U256,
    },
}

impl roflgov_types::Classified for BallotError {
    /// A file that is no ballot is an input failure; a ballot for elsewhere, with a wrong digest
    /// or signer or a stale nonce is a refusal (verification).
    fn class(&self) -> roflgov_types::FailureClass {
        use roflgov_types::FailureClass;
        match self {
            Self::NotABallot { .. } | Self::WrongKind { .. } | Self::BadNonce { .. } => FailureClass::Input,
            _ => FailureClass::Verification,
        }
    }
}

impl BallotFile {
    /// Parses a ballot file (`at` names it in errors): unknown fields and another kind are refused.
    pub fn from_json(at: &str, text: &str) -> Result<Self, BallotError> {
        let file: Self = serde_json::from_str(text)
            .map_err(|e| BallotError::NotABallot { at: at.to_owned(), reason: e.to_string() })?;
        if file.kind != KIND {
            return Err(BallotError::WrongKind { at: at.to_owned(), kind: file.kind });
        }
        Ok(file)
    }

    /// The file's text: pretty JSON and a final newline.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a ballot file serialises") + "\n"
    }

    /// The nonce the ballot was signed with.
    pub fn nonce(&self, at: &str) -> Result<U256, BallotError> {
        U256::from_str_radix(&self.nonce, 10)
            .map_err(|_| BallotError::BadNonce { at: at.to_owned(), nonce: self.nonce.clone() })
    }

    /// Refuses a ballot signed for another chain than `endpoint`, or for another Governor than
    /// the network's (`network`, when it has one).
    pub fn ensure_destination(
        &self,
        at: &str,
        endpoint: u64,
        network: Option<Address>,
    ) -> Result<(), BallotError> {
        if self.chain_id != endpoint {
            return Err(BallotError::WrongChain { at: at.to_owned(), signed: self.chain_id, endpoint });
        }
        match network {
            Some(network) if network != self.governor => {
                Err(BallotError::WrongGovernor { at: at.to_owned(), signed: self.governor, network })
            }
            _ => Ok(()),
        }
    }

    /// Refuses unless the Governor's EIP-712 digest of the ballot (`computed`) is the one the
    /// file states and the signature recovers (`signer`) to the voter.
    pub fn ensure_signed_by_voter(
        &self,
        at: &str,
        signer: Address,
        computed: B256,
    ) -> Result<(), BallotError> {
        if computed != self.digest {
            return Err(BallotError::WrongDigest {
                at: at.to_owned(),
                stated: self.digest,
                governor: self.governor,
                computed,
            });
        }
        if signer != self.voter {
            return Err(BallotError::NotTheVoter { at: at.to_owned(), signer, voter: self.voter });
        }
        Ok(())
    }

    /// Refuses a ballot whose nonce is not the voter's `current` one.
    pub fn ensure_nonce(&self, at: &str, current: U256) -> Result<(), BallotError> {
        let nonce = self.nonce(at)?;
        if current != nonce {
            return Err(BallotError::StaleNonce { at: at.to_owned(), nonce, current });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use roflgov_types::{Classified, FailureClass};

    use super::*;

    const GOVERNOR: Address = Address::repeat_byte(2);

    fn ballot() -> BallotFile {
        BallotFile {
            kind: KIND.into(),
            chain_id: 31337,
            governor: GOVERNOR,
            proposal_id: "7".into(),
            support: VoteSupport::For,
            voter: Address::repeat_byte(4),
            nonce: "3".into(),
            signature: Bytes::from(vec![0; 65]),
            digest: B256::repeat_byte(5),
        }
    }

    #[test]
    fn a_ballot_reads_back_and_other_files_are_input_errors() {
        let b = ballot();
        let text = b.to_json();
        assert!(text.contains("\"support\": \"for\"") && text.ends_with("}\n"), "{text}");
        assert_eq!(BallotFile::from_json("b.json", &text).unwrap(), b);
        assert_eq!(b.nonce("b.json").unwrap(), U256::from(3));
        let mut other = b.clone();
        other.kind = "x\u{1b}[2J".into();
        let err = BallotFile::from_json("b.json", &other.to_json()).unwrap_err();
        assert!(matches!(err, BallotError::WrongKind { .. }) && !err.to_string().contains('\u{1b}'), "{err}");
        assert_eq!(err.class(), FailureClass::Input);
        let err = BallotFile::from_json("b.json", "{}").unwrap_err();
        assert!(err.to_string().starts_with("b.json: not a signed vote file"), "{err}");
        let mut bad = b;
        bad.nonce = "0x3".into();
        assert_eq!(bad.nonce("b.json").unwrap_err().class(), FailureClass::Input);
    }

    #[test]
    fn a_ballot_for_another_chain_or_governor_is_refused() {
        let b = ballot();
        assert!(b.ensure_destination("b.json", 31337, None).is_ok());
        assert!(b.ensure_destination("b.json", 31337, Some(GOVERNOR)).is_ok());
        let err = b.ensure_destination("b.json", 23294, Some(GOVERNOR)).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("b.json was signed for chain id 31337, this network is chain id 23294")
        );
        assert_eq!(err.class(), FailureClass::Verification);
        let err = b.ensure_destination("b.json", 31337, Some(Address::repeat_byte(9))).unwrap_err();
        assert!(matches!(err, BallotError::WrongGovernor { .. }), "{err}");
    }

    #[test]
    fn the_digest_signer_and_nonce_must_be_the_ballots() {
        let b = ballot();
        assert!(b.ensure_signed_by_voter("b.json", b.voter, b.digest).is_ok());
        let err = b.ensure_signed_by_voter("b.json", b.voter, B256::ZERO).unwrap_err();
        assert!(matches!(err, BallotError::WrongDigest { .. }), "{err}");
        let err = b.ensure_signed_by_voter("b.json", Address::ZERO, b.digest).unwrap_err();
        assert!(err.to_string().contains("not by the voter"), "{err}");
        assert!(b.ensure_nonce("b.json", U256::from(3)).is_ok());
        let err = b.ensure_nonce("b.json", U256::from(4)).unwrap_err();
        assert!(matches!(err, BallotError::StaleNonce { .. }), "{err}");
        assert_eq!(err.class(), FailureClass::Verification);
    }
}
