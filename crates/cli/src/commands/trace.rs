//! `roflgov trace`: from an instance key (or a message it signed, or a transaction it sent) and
//! a moment to the registration, the policy in force, the identities allowed then with their
//! releases, and who approved each.

use alloy::{
    primitives::{Address, B256, Signature},
    providers::Provider,
};
use clap::{ArgGroup, Args};
use roflgov_types::AppId;

use crate::{
    context::GlobalArgs,
    exit::{CliResult, chain, input, usage, verification},
    output::emit,
    trace_report::{Tracer, text},
};

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("instance").required(true).args(["key", "message", "tx"])))]
#[command(group(ArgGroup::new("moment").args(["at", "block"])))]
pub(crate) struct TraceArgs {
    /// App id (rofl1…).
    #[arg(long, value_name = "APP_ID", value_parser = crate::inputs::app_id_arg)]
    pub app: AppId,
    /// The instance key: its Ethereum address (0x + 40 hex) or its secp256k1 public key
    /// (0x + 66 hex compressed, or 130 hex uncompressed), e.g. an `extra_keys` key.
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,
    /// A message the instance signed (EIP-191 `personal_sign`, as `signMessage` of ethers,
    /// viem or alloy): the key is recovered from it and --signature.
    #[arg(long, value_name = "TEXT", requires = "signature")]
    pub message: Option<String>,
    /// The 65-byte signature (0x…) of --message.
    #[arg(long, value_name = "HEX", requires = "message")]
    pub signature: Option<String>,
    /// A transaction the instance signed: the key is its sender, the moment its block (unless
    /// --at or --block says otherwise).
    #[arg(long, value_name = "HASH")]
    pub tx: Option<B256>,
    /// The moment, in Unix seconds [default: the transaction's block, or the latest block].
    #[arg(long, value_name = "UNIX_SECONDS")]
    pub at: Option<u64>,
    /// The moment, as a block number.
    #[arg(long, value_name = "N")]
    pub block: Option<u64>,
}

/// The address of a key given as an address or a secp256k1 public key.
pub(crate) fn key_address(text: &str) -> CliResult<Address> {
    let hex_part = text.strip_prefix("0x").unwrap_or(text);
    let bytes = hex::decode(hex_part).map_err(|_| input(format!("--key {text:?} is not hex")))?;
    match bytes.len() {
        20 => Ok(Address::from_slice(&bytes)),
        33 | 65 => {
            let key = k256::ecdsa::VerifyingKey::from_sec1_bytes(&bytes)
                .map_err(|_| input("--key is not a valid secp256k1 public key (SEC1, 33 or 65 bytes)"))?;
            Ok(Address::from_public_key(&key))
        }
        32 => Err(input(
            "--key has 32 bytes: an Ed25519 RAK, which trace cannot match yet (registrations are keyed by the secp256k1 key that signs the instance's transactions: on Sapphire its `extra_keys` key); give that key, or a message or transaction it signed",
        )),
        n => Err(input(format!(
            "--key has {n} bytes: give an address (20 bytes) or a secp256k1 public key (33 or 65 bytes)"
        ))),
    }
}

pub(crate) async fn run(g: &GlobalArgs, args: TraceArgs) -> CliResult {
    let app = args.app;
    let mut tracer = Tracer::open(g, app).await?;
    let mut default_at = None;
    let key = match (&args.key, &args.message, &args.signature, args.tx) {
        (Some(key), ..) => key_address(key)?,
        (None, Some(message), Some(signature), _) => {
            let bytes = hex::decode(signature.strip_prefix("0x").unwrap_or(signature))
                .map_err(|_| input("--signature is not hex"))?;
            let signature = Signature::from_raw(&bytes)
                .map_err(|e| input(format!("--signature is not a 65-byte signature: {e}")))?;
            signature
                .recover_address_from_msg(message.as_bytes())
                .map_err(|e| input(format!("no key recovers from --signature over --message: {e}")))?
        }
        (None, None, None, Some(tx)) => {
            let sent = tracer
                .provider()
                .get_transaction_by_hash(tx)
                .await
                .map_err(|e| chain(format!("reading transaction {tx}: {e}")))?
                .ok_or_else(|| input(format!("no transaction {tx} on this network")))?;
            use alloy::network::TransactionResponse as _;
            if let Some(block) = sent.block_number() {
                default_at = Some(tracer.block_time(block).await?);
            }
            sent.from()
        }
        _ => return Err(usage("give --key, --message with --signature, or --tx")),
    };
    let at = match (args.at, args.block) {
        (Some(at), _) => at,
        (None, Some(block)) => tracer.block_time(block).await?,
        (None, None) => match default_at {
            Some(at) => at,
            None => tracer.now().await?,
        },
    };
    let trace = roflgov_core::trace::trace(&tracer.input(key), at).map_err(|e| {
        verification(format!(
            "key {key} does not trace to a registered instance of app {app} at unix {at}: {e}"
        ))
    })?;
    let report = tracer.report(key, trace).await?;
    emit(g.json, &report, || text(&report));
    Ok(())
}
