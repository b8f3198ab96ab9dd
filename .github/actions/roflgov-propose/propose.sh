#!/usr/bin/env bash
# The roflgov release steps after the build: read the bundle's identities, hash the inputs,
# propose the release against the app's on-chain config (Safe or Governor), review the proposal
# as a signer would, and optionally hand a Safe proposal to a Safe Transaction Service.
#
# Shared by the composite action (.github/actions/roflgov-propose/action.yml) and the local dry
# run (tools/release-dry-run.sh), so the logic the workflow runs is the logic the test suite runs.
#
# Inputs (environment):
#   ROFLGOV               roflgov binary [roflgov]
#   RG_MANIFEST           rofl.yaml after the build (its deployment lists the new identities)
#   RG_DEPLOYMENT         deployment name in rofl.yaml
#   RG_BUNDLE             ORC bundle of the build
#   RG_OUT_DIR            where the artifacts go (created)
#   RG_MODE               safe | governor [safe]
#   RG_APP                app id (rofl1…) [the deployment's app_id]
#   RG_NETWORK            roflgov network name [mainnet]
#   RG_RPC_ENV            NAME of an environment variable holding an RPC URL with credentials
#                         (used over RG_RPC when non-empty)
#   RG_RPC, RG_CONFIG, RG_POLICY_CONTRACT, RG_SAFE_ADDRESS, RG_GOVERNOR_ADDRESS   optional
#   RG_NOTES_FILE         release notes (markdown) [none]
#   RG_POLICY_ONLY        true: keep on-chain metadata and secrets [false]
#   RG_SAFE_TX_SERVICE_URL  Safe Transaction Service base URL: also submit the Safe proposal
#   RG_PROPOSER_KEY_ENV   NAME of the environment variable holding the proposer's hex key
#                         (Governor mode, Safe service submission). The key itself is never
#                         passed on a command line, written to a file or printed.
#   RG_BUILD              how the bundle was made (for the provenance record)
#   RG_MANIFEST_COMMITTED_SHA256  sha256 of rofl.yaml as committed, before the build updated it
#   RG_SOURCE_REPOSITORY, RG_SOURCE_COMMIT, RG_SOURCE_REF  provenance [GITHUB_* values]
#
# Outputs: files in RG_OUT_DIR (identities.json, provenance.json, description.md,
# safe-tx.json + tx-builder.json or governor-proposal.json, review.txt, review.json), and
# `key=value` lines in $GITHUB_OUTPUT when set. Exit status: roflgov's (2 usage, 3 bad input,
# 4 verification failed, 5 chain error); 0 with proposed=false when the chain already matches.
set -euo pipefail
set +x # never trace: commands below read secrets from the environment

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
HELPERS=(node "$HERE/helpers.js")
ROFLGOV="${ROFLGOV:-roflgov}"

fail() {
  echo "::error::$*" >&2
  exit 2
}
need() {
  [[ -n "${!1:-}" ]] || fail "$1 is required"
}
need RG_MANIFEST
need RG_DEPLOYMENT
need RG_BUNDLE
need RG_OUT_DIR
[[ -f "$RG_MANIFEST" ]] || fail "rofl.yaml $RG_MANIFEST not found"
[[ -f "$RG_BUNDLE" ]] || fail "bundle $RG_BUNDLE not found"
RG_MODE="${RG_MODE:-safe}"
case "$RG_MODE" in
  safe | governor) ;;
  *) fail "RG_MODE must be safe or governor, not '$RG_MODE'" ;;
esac
if [[ -n "${RG_PROPOSER_KEY_ENV:-}" ]]; then
  [[ "$RG_PROPOSER_KEY_ENV" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || fail "RG_PROPOSER_KEY_ENV must name an environment variable"
  [[ -n "${!RG_PROPOSER_KEY_ENV:-}" ]] || fail "the proposer key variable $RG_PROPOSER_KEY_ENV is empty (secret not set?)"
fi
mkdir -p "$RG_OUT_DIR"
OUT="$(cd "$RG_OUT_DIR" && pwd)"

# Options every roflgov call shares.
G=(--network "${RG_NETWORK:-mainnet}")
if [[ -n "${RG_RPC_ENV:-}" ]]; then
  [[ "$RG_RPC_ENV" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || fail "RG_RPC_ENV must name an environment variable"
  [[ -n "${!RG_RPC_ENV:-}" ]] && RG_RPC="${!RG_RPC_ENV}"
fi
[[ -n "${RG_RPC:-}" ]] && G+=(--rpc "$RG_RPC")
[[ -n "${RG_CONFIG:-}" ]] && G+=(--config "$RG_CONFIG")
[[ -n "${RG_POLICY_CONTRACT:-}" ]] && G+=(--policy-contract "$RG_POLICY_CONTRACT")
[[ -n "${RG_SAFE_ADDRESS:-}" ]] && G+=(--safe-address "$RG_SAFE_ADDRESS")
[[ -n "${RG_GOVERNOR_ADDRESS:-}" ]] && G+=(--governor-address "$RG_GOVERNOR_ADDRESS")
# The release: rofl.yaml deployment, checked against the bundle.
R=(--manifest "$RG_MANIFEST" --deployment "$RG_DEPLOYMENT" --bundle "$RG_BUNDLE")
P=("${R[@]}")
[[ -n "${RG_APP:-}" ]] && P+=(--app "$RG_APP")
[[ "${RG_POLICY_ONLY:-false}" == "true" ]] && P+=(--policy-only)

output() {
  if [[ -n "${GITHUB_OUTPUT:-}" ]]; then echo "$1=$2" >>"$GITHUB_OUTPUT"; fi
}
summary() {
  if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then cat >>"$GITHUB_STEP_SUMMARY"; else cat >/dev/null; fi
}

echo "── identities of the bundle"
"$ROFLGOV" --json identity bundle "$RG_BUNDLE" >"$OUT/identities.json"
"$ROFLGOV" identity bundle "$RG_BUNDLE"

echo "── provenance"
RG_IDENTITIES_JSON="$OUT/identities.json" \
  RG_ROFLGOV_VERSION="$("$ROFLGOV" --version)" \
  "${HELPERS[@]}" provenance "$OUT/provenance.json"
"${HELPERS[@]}" description "${RG_NOTES_FILE:-}" "$OUT/provenance.json" "$OUT/description.md"
cat "$OUT/description.md"
BUNDLE_SHA256="$("${HELPERS[@]}" json-get "$OUT/provenance.json" bundle.sha256)"
MANIFEST_SHA256="$("${HELPERS[@]}" json-get "$OUT/provenance.json" manifest.sha256)"
output bundle-sha256 "$BUNDLE_SHA256"
output manifest-sha256 "$MANIFEST_SHA256"

# roflgov propose, keeping stderr to tell "nothing to propose" apart from real failures.
propose() {
  local status=0
  "$ROFLGOV" "${G[@]}" --json propose "${P[@]}" "$@" >"$OUT/propose.json" 2>"$OUT/propose.err" || status=$?
  cat "$OUT/propose.err" >&2
  if ((status != 0)) && grep -q "nothing to propose" "$OUT/propose.err"; then
    echo "The app's on-chain config already matches deployment $RG_DEPLOYMENT: no proposal."
    output proposed false
    echo "roflgov: the app already matches this release; nothing was proposed." | summary
    exit 0
  fi
  return "$status"
}

case "$RG_MODE" in
  safe)
    echo "── Safe proposal"
    # One SafeTx, written twice: the roflgov proposal file (signers: review/sign/execute) and the
    # Transaction Builder batch (Safe{Wallet}); both carry the notes + provenance as description.
    propose --safe-out "$OUT/safe-tx.json" --tx-builder-out "$OUT/tx-builder.json" \
      --description "$(cat "$OUT/description.md")"
    output proposed true
    output safe-tx-file "$OUT/safe-tx.json"
    output tx-builder-file "$OUT/tx-builder.json"
    REVIEW=(review --safe-tx "$OUT/safe-tx.json" "${R[@]}")
    ;;
  governor)
    echo "── Governor proposal"
    [[ -n "${RG_PROPOSER_KEY_ENV:-}" ]] || fail "Governor mode needs the proposer key (RG_PROPOSER_KEY_ENV)"
    propose --governor --key-env "$RG_PROPOSER_KEY_ENV" --description "$(cat "$OUT/description.md")"
    cp "$OUT/propose.json" "$OUT/governor-proposal.json"
    PROPOSAL_ID="$("${HELPERS[@]}" json-get "$OUT/governor-proposal.json" proposal_id)"
    output proposed true
    output proposal-id "$PROPOSAL_ID"
    REVIEW=(review --proposal "$PROPOSAL_ID" "${R[@]}")
    ;;
esac

echo "── review (what signers and voters see)"
"$ROFLGOV" "${G[@]}" "${REVIEW[@]}" | tee "$OUT/review.txt"
"$ROFLGOV" "${G[@]}" --json "${REVIEW[@]}" >"$OUT/review.json"
output review-file "$OUT/review.txt"
{
  echo "## roflgov release proposal ($RG_MODE)"
  echo
  echo '```'
  cat "$OUT/review.txt"
  echo '```'
  echo
  cat "$OUT/description.md"
} | summary

if [[ "$RG_MODE" == "safe" ]]; then
  SAFE_TX_HASH="$("${HELPERS[@]}" json-get "$OUT/safe-tx.json" safeTxHash)"
  output safe-tx-hash "$SAFE_TX_HASH"
  echo "SafeTx hash (compare with your wallet): $SAFE_TX_HASH"
  if [[ -n "${RG_SAFE_TX_SERVICE_URL:-}" ]]; then
    echo "── submitting to the Safe Transaction Service"
    [[ -n "${RG_PROPOSER_KEY_ENV:-}" ]] || fail "submitting to a Safe Transaction Service needs the proposer key (RG_PROPOSER_KEY_ENV)"
    [[ "$RG_SAFE_TX_SERVICE_URL" =~ ^https:// ]] || fail "the Safe Transaction Service URL must be https://"
    # Reviews, signs with the proposer key (an owner) and POSTs to the service's v2 endpoint.
    "$ROFLGOV" "${G[@]}" --json safe propose --safe-tx "$OUT/safe-tx.json" --key-env "$RG_PROPOSER_KEY_ENV" \
      --tx-service "$RG_SAFE_TX_SERVICE_URL" >"$OUT/safe-propose.json"
    echo "submitted SafeTx $SAFE_TX_HASH to $RG_SAFE_TX_SERVICE_URL"
    output safe-service-submitted true
  fi
fi
