//! Talking to one deployed Safe: its state, nonce checks before signing, `approveHash`,
//! simulation of the inner call, and `execTransaction`.

use alloy::{
    json_abi::JsonAbi,
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider},
    rpc::types::TransactionReceipt,
    signers::{Signer, SignerSync},
    sol_types::{SolCall, SolValue},
};

use crate::{
    DecodedRevert, Operation, RevertDecoder, SafeDeployment, SafeError, SafeSignature, SafeTx, SignatureSet,
    bindings::{SafeL2, SimulateTxAccessor},
    sign_safe_tx, sign_safe_tx_typed,
};

/// The parts of a Safe's on-chain state that signing and execution depend on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SafeState {
    /// The nonce the next executed transaction must carry.
    pub nonce: U256,
    /// The owners, in the Safe's order.
    pub owners: Vec<Address>,
    /// How many owner signatures a transaction needs.
    pub threshold: usize,
}

/// What happened to a Safe transaction that was mined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExecutionOutcome {
    /// `ExecutionSuccess`: the inner call succeeded.
    Success,
    /// `ExecutionFailure`: the nonce was used but the inner call reverted (possible only with
    /// safeTxGas or gasPrice set). `inner_revert` is the reason found by simulating the call.
    Failure {
        /// Why the inner call reverted, when simulating it tells.
        inner_revert: Option<DecodedRevert>,
    },
}

/// A mined `execTransaction`.
#[derive(Clone, Debug)]
pub struct ExecutedSafeTx {
    /// The SafeTx hash of the executed transaction.
    pub safe_tx_hash: B256,
    /// Whether the inner call succeeded.
    pub outcome: ExecutionOutcome,
    /// The receipt of the `execTransaction` transaction.
    pub receipt: TransactionReceipt,
}

/// The result of running a Safe transaction's inner call in the Safe's context without
/// sending anything (through `simulateAndRevert` + `SimulateTxAccessor`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimulationOutcome {
    /// Whether the inner call would succeed.
    pub success: bool,
    /// Gas the inner call used.
    pub gas_used: U256,
    /// Return data on success, revert data on failure.
    pub return_data: Bytes,
    /// The decoded revert when the inner call failed.
    pub revert: Option<DecodedRevert>,
}

/// A deployed Safe on a chain.
#[derive(Clone, Debug)]
pub struct SafeClient {
    address: Address,
    chain_id: u64,
    deployment: SafeDeployment,
    provider: DynProvider,
    reverts: RevertDecoder,
}

impl SafeClient {
    /// Connect to the Safe at `address`; `deployment` names MultiSendCallOnly and the
    /// simulation accessor on this chain.
    pub async fn connect(
        provider: DynProvider,
        address: Address,
        deployment: SafeDeployment,
    ) -> Result<Self, SafeError> {
        let chain_id = provider.get_chain_id().await?;
        Ok(Self { address, chain_id, deployment, provider, reverts: RevertDecoder::embedded() })
    }

    /// Decode the custom errors of `abi` too in inner-call reverts (every embedded artifact's,
    /// the policy contract's among them, are known from the start).
    pub fn with_errors_of(mut self, abi: &JsonAbi) -> Self {
        self.reverts = self.reverts.with_abi(abi);
        self
    }

    /// The Safe's address.
    pub fn address(&self) -> Address {
        self.address
    }

    /// The chain the Safe is on.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// The Safe singleton, factory, MultiSendCallOnly and accessor addresses on this chain.
    pub fn deployment(&self) -> &SafeDeployment {
        &self.deployment
    }

    /// The decoder of inner-call reverts (Safe, policy contract and any ABIs added).
    pub fn revert_decoder(&self) -> &RevertDecoder {
        &self.reverts
    }

    fn contract(&self) -> SafeL2::SafeL2Instance<&DynProvider> {
        SafeL2::new(self.address, &self.provider)
    }

    /// The nonce the next executed transaction must carry.
    pub async fn nonce(&self) -> Result<U256, SafeError> {
        Ok(self.contract().nonce().call().await?)
    }

    /// Nonce, owners and threshold.
    pub async fn state(&self) -> Result<SafeState, SafeError> {
        let safe = self.contract();
        let nonce = safe.nonce().call().await?;
        let owners = safe.getOwners().call().await?;
        let threshold = safe.getThreshold().call().await?;
        Ok(SafeState { nonce, owners, threshold: threshold.saturating_to() })
    }

    /// The Safe's own `getTransactionHash` of `tx` (the cross-check of [`SafeTx::safe_tx_hash`]).
    pub async fn onchain_transaction_hash(&self, tx: &SafeTx) -> Result<B256, SafeError> {
        Ok(self
            .contract()
            .getTransactionHash(
                tx.to,
                tx.value,
                tx.data.clone(),
                tx.operation as u8,
                tx.safe_tx_gas,
                tx.base_gas,
                tx.gas_price,
                tx.gas_token,
                tx.refund_receiver,
                tx.nonce,
            )
            .call()
            .await?)
    }

    /// The SafeTx hash for this Safe and chain.
    pub fn safe_tx_hash(&self, tx: &SafeTx) -> B256 {
        tx.safe_tx_hash(self.chain_id, self.address)
    }

    /// Refuse a transaction whose nonce the Safe has already used.
    pub async fn ensure_nonce_unused(&self, tx: &SafeTx) -> Result<(), SafeError> {
        let safe_nonce = self.nonce().await?;
        if tx.nonce < safe_nonce {
            return Err(SafeError::NonceAlreadyUsed { tx_nonce: tx.nonce, safe_nonce });
        }
        Ok(())
    }

    /// Sign `tx` with a local key after checking its nonce is not used.
    pub async fn sign<S: SignerSync + ?Sized>(
        &self,
        tx: &SafeTx,
        signer: &S,
    ) -> Result<SafeSignature, SafeError> {
        self.ensure_nonce_unused(tx).await?;
        sign_safe_tx(signer, tx, self.chain_id, self.address)
    }

    /// Sign `tx` as EIP-712 typed data through an async signer (e.g. a decrypted keystore)
    /// after checking its nonce is not used.
    pub async fn sign_typed<S: Signer + Sync>(
        &self,
        tx: &SafeTx,
        signer: &S,
    ) -> Result<SafeSignature, SafeError> {
        self.ensure_nonce_unused(tx).await?;
        sign_safe_tx_typed(signer, tx, self.chain_id, self.address).await
    }

    /// An empty [`SignatureSet`] for `tx`, checked against the Safe's current owners and threshold.
    pub async fn signature_set(&self, tx: &SafeTx) -> Result<SignatureSet, SafeError> {
        let state = self.state().await?;
        Ok(SignatureSet::new(self.safe_tx_hash(tx), state.owners, state.threshold))
    }

    /// `approveHash(hash)` sent by `owner` (an account the provider can sign for).
    pub async fn approve_hash(&self, owner: Address, hash: B256) -> Result<TransactionReceipt, SafeError> {
        let receipt = self.contract().approveHash(hash).from(owner).send().await?.get_receipt().await?;
        if !receipt.status() {
            return Err(SafeError::Chain(format!(
                "approveHash from {owner} failed in tx {}",
                receipt.transaction_hash
            )));
        }
        Ok(receipt)
    }

    /// Whether `owner` has approved `hash` on-chain.
    pub async fn is_hash_approved(&self, owner: Address, hash: B256) -> Result<bool, SafeError> {
        Ok(!self.contract().approvedHashes(owner, hash).call().await?.is_zero())
    }

    /// Run the inner call of `tx` in the Safe's context (`eth_call`, nothing is sent): whether it
    /// would succeed, and the decoded revert when not. Signatures and nonce are not checked.
    ///
    /// MultiSendCallOnly reverts without data, so for a failing batch the failing call is found
    /// by simulating growing prefixes of the batch, and its reason by simulating it on its own
    /// ([`DecodedRevert::InBatch`]).
    pub async fn simulate(&self, tx: &SafeTx) -> Result<SimulationOutcome, SafeError> {
        let mut outcome = self.simulate_raw(tx).await?;
        if outcome.revert != Some(DecodedRevert::Empty) || tx.operation != Operation::DelegateCall {
            return Ok(outcome);
        }
        let Ok(calls) = tx.calls(self.deployment.multi_send_call_only) else { return Ok(outcome) };
        for end in 1..=calls.len() {
            let prefix =
                SafeTx::multi_send(self.deployment.multi_send_call_only, &calls[..end], tx.nonce_u64());
            if self.simulate_raw(&prefix).await?.success {
                continue;
            }
            let index = end - 1;
            let alone = SafeTx::call(calls[index].clone(), tx.nonce_u64());
            let reason = self.simulate_raw(&alone).await?.revert.unwrap_or(DecodedRevert::Empty);
            outcome.revert =
                Some(DecodedRevert::InBatch { index, reason: Box::new(reason), alone: index > 0 });
            break;
        }
        Ok(outcome)
    }

    async fn simulate_raw(&self, tx: &SafeTx) -> Result<SimulationOutcome, SafeError> {
        let payload = SimulateTxAccessor::simulateCall {
            to: tx.to,
            value: tx.value,
            data: tx.data.clone(),
            operation: tx.operation as u8,
        }
        .abi_encode();
        let result = self
            .contract()
            .simulateAndRevert(self.deployment.simulate_tx_accessor, payload.into())
            .call()
            .await;
        let data = match result {
            Ok(_) => return Err(SafeError::Chain("simulateAndRevert returned instead of reverting".into())),
            Err(error) => error
                .as_revert_data()
                .ok_or_else(|| SafeError::Chain(format!("simulation failed: {error}")))?,
        };
        // Revert data: delegatecall success (word) ‖ return data size (word) ‖ return data.
        let malformed = || SafeError::Chain(format!("unexpected simulateAndRevert output {data}"));
        if data.len() < 64 || U256::from_be_slice(&data[..32]) != U256::from(1) {
            return Err(malformed());
        }
        let (gas_used, success, return_data) =
            <(U256, bool, Bytes)>::abi_decode_params(&data[64..]).map_err(|_| malformed())?;
        let revert = (!success).then(|| self.reverts.decode(&return_data));
        Ok(SimulationOutcome { success, gas_used, return_data, revert })
    }

    /// Send `execTransaction(tx, signatures)` from `executor` and report the outcome.
    ///
    /// A revert of `execTransaction` itself is returned as [`SafeError::SafeRejected`] (with the
    /// meaning of the `GSxxx` code), except GS013, which means the inner call failed: then the
    /// inner call is simulated and its reason returned as [`SafeError::InnerCallReverted`].
    pub async fn execute(
        &self,
        tx: &SafeTx,
        signatures: &Bytes,
        executor: Address,
    ) -> Result<ExecutedSafeTx, SafeError> {
        let safe = self.contract();
        let call = safe
            .execTransaction(
                tx.to,
                tx.value,
                tx.data.clone(),
                tx.operation as u8,
                tx.safe_tx_gas,
                tx.base_gas,
                tx.gas_price,
                tx.gas_token,
                tx.refund_receiver,
                signatures.clone(),
            )
            .from(executor);
        // Dry-run first: a revert is explained without sending anything (a failed send may
        // still consume a nonce in the provider's nonce cache and stall later transactions).
        if let Err(error) = call.call().await {
            return Err(self.explain_exec_error(tx, error).await);
        }
        // Sent with a margin over the estimate (`roflgov_core::gas`): a write that turns dearer a
        // block later would make the inner call run out and the Safe revert with GS013.
        let estimate = match call.estimate_gas().await {
            Ok(gas) => gas,
            Err(error) => return Err(self.explain_exec_error(tx, error).await),
        };
        let call = call.gas(roflgov_core::gas::with_margin(estimate));
        let pending = match call.send().await {
            Ok(pending) => pending,
            Err(error) => return Err(self.explain_exec_error(tx, error).await),
        };
        let receipt = pending.get_receipt().await?;
        if !receipt.status() {
            return Err(SafeError::Chain(format!(
                "execTransaction reverted in tx {}",
                receipt.transaction_hash
            )));
        }
        let safe_tx_hash = self.safe_tx_hash(tx);
        let logs = receipt.logs().iter().filter(|log| log.address() == self.address);
        let mut outcome = None;
        for log in logs {
            if let Ok(event) = log.log_decode::<SafeL2::ExecutionSuccess>() {
                if event.inner.data.txHash == safe_tx_hash {
                    outcome = Some(ExecutionOutcome::Success);
                }
            } else if let Ok(event) = log.log_decode::<SafeL2::ExecutionFailure>()
                && event.inner.data.txHash == safe_tx_hash
            {
                let inner_revert = self.simulate(tx).await.ok().and_then(|s| s.revert);
                outcome = Some(ExecutionOutcome::Failure { inner_revert });
            }
        }
        let outcome = outcome.ok_or_else(|| {
            SafeError::Chain(format!(
                "no ExecutionSuccess/ExecutionFailure for {safe_tx_hash} in tx {}",
                receipt.transaction_hash
            ))
        })?;
        Ok(ExecutedSafeTx { safe_tx_hash, outcome, receipt })
    }

    async fn explain_exec_error(&self, tx: &SafeTx, error: alloy::contract::Error) -> SafeError {
        let Some(data) = error.as_revert_data() else {
            return SafeError::Chain(error.to_string());
        };
        let revert = self.reverts.decode(&data);
        if revert.safe_code() == Some("GS013")
            && let Ok(SimulationOutcome { revert: Some(inner), .. }) = self.simulate(tx).await
        {
            return SafeError::InnerCallReverted(inner);
        }
        SafeError::from_revert(revert)
    }
}
