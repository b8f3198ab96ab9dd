#!/usr/bin/env bash
# Local dry run of the release workflow (.github/workflows/rofl-release.yml) against a local
# chain (anvil + the ROFL module stand-in), with the sample app in examples/release/.
#
# The workflow's steps, locally:
#   1. chain: `roflgov node` (or an endpoint given with --rpc)
#   2. the app's governance as it would exist already: the policy contract under a 2-of-3 Safe,
#      the app created from examples/release/rofl.yaml and its secrets stored (= release 0.1.0
#      on chain), each through the Safe
#   3. build: SKIPPED (the Oasis CLI is not installed here); like `oasis rofl build`, the
#      identities of the committed bundle (examples/release/hello-rofl.local.orc) are written into
#      a copy of rofl.yaml's deployment
#   4. the workflow's own step script, .github/actions/roflgov-propose/propose.sh: identities,
#      provenance, `roflgov propose`, `roflgov review`
#   5. what the Safe's signers then do: `roflgov safe sign` twice, `roflgov safe execute`
#   6. the app's config on chain afterwards
#
# Usage: tools/release-dry-run.sh [--rpc URL --owners A,B,C] [--out DIR] [--manifest FILE]
#                                 [--bundle FILE] [--deployment NAME] [--notes FILE]
#   --rpc URL   use this chain (anvil with the ROFL stand-in); the dev keys are then read from the
#               environment variables DEV0, DEV1, DEV2 (hex), e.g. from `roflgov node`, and
#               --owners gives their addresses (the Safe's owners)
#   --out DIR   where the artifacts go [a fresh temporary folder]
# Environment: ROFLGOV (the roflgov binary) [target/debug/roflgov of this checkout, else PATH].
# Prints the artifacts folder last; exit status is non-zero when any step fails.
set -euo pipefail
set +x

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXAMPLE="$ROOT/examples/release"
ACTION="$ROOT/.github/actions/roflgov-propose"
HELPERS=(node "$ACTION/helpers.js")

RPC=""
OWNERS=""
OUT=""
MANIFEST="$EXAMPLE/rofl.yaml"
BUNDLE="$EXAMPLE/hello-rofl.local.orc"
DEPLOYMENT="local"
NOTES="$EXAMPLE/RELEASE-NOTES.md"
while (($#)); do
  case "$1" in
    --rpc) RPC="$2"; shift 2 ;;
    --owners) OWNERS="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --manifest) MANIFEST="$2"; shift 2 ;;
    --bundle) BUNDLE="$2"; shift 2 ;;
    --deployment) DEPLOYMENT="$2"; shift 2 ;;
    --notes) NOTES="$2"; shift 2 ;;
    -h | --help) sed -n '2,28p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "release-dry-run: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [[ -z "${ROFLGOV:-}" ]]; then
  for candidate in "${CARGO_TARGET_DIR:-$ROOT/target}/debug/roflgov" "$ROOT/target/debug/roflgov"; do
    if [[ -x "$candidate" ]]; then ROFLGOV="$candidate"; break; fi
  done
  ROFLGOV="${ROFLGOV:-roflgov}"
fi
export ROFLGOV
command -v "$ROFLGOV" >/dev/null || { echo "release-dry-run: roflgov not found (cargo build -p roflgov, or set ROFLGOV)" >&2; exit 2; }
OUT="${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/roflgov-release-dry-run.XXXXXX")}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

step() { printf '\n━━ %s\n' "$*"; }

# 1. The chain ---------------------------------------------------------------------------------
NODE_PID=""
cleanup() {
  if [[ -n "$NODE_PID" ]]; then kill "$NODE_PID" 2>/dev/null || true; wait "$NODE_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT
if [[ -z "$RPC" ]]; then
  step "1. local chain (roflgov node)"
  PORT="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  "$ROFLGOV" --json node --port "$PORT" --accounts 4 >"$OUT/node.json" 2>"$OUT/node.log" &
  NODE_PID=$!
  for _ in $(seq 1 100); do
    if node -e 'JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"))' "$OUT/node.json" 2>/dev/null; then break; fi
    kill -0 "$NODE_PID" 2>/dev/null || { cat "$OUT/node.log" >&2; echo "release-dry-run: roflgov node exited" >&2; exit 5; }
    sleep 0.2
  done
  RPC="$("${HELPERS[@]}" json-get "$OUT/node.json" endpoint)"
  for i in 0 1 2; do
    export "DEV$i=$("${HELPERS[@]}" json-get "$OUT/node.json" "accounts.$i.private_key")"
  done
  echo "anvil with the ROFL stand-in at $RPC"
else
  step "1. chain at $RPC"
  for i in 0 1 2; do
    [[ -n "$(printenv "DEV$i" || true)" ]] || { echo "release-dry-run: --rpc needs DEV0, DEV1, DEV2 (hex keys of funded accounts)" >&2; exit 2; }
  done
  [[ -n "$OWNERS" ]] || { echo "release-dry-run: --rpc needs --owners A,B,C (the addresses of DEV0, DEV1, DEV2)" >&2; exit 2; }
fi
CONFIG="$OUT/roflgov.toml"
G=(--network local --rpc "$RPC" --config "$CONFIG")

# 2. The app's governance, as it exists before the release ------------------------------------
step "2. policy contract under a 2-of-3 Safe; the app at release 0.1.0"
if [[ -z "$OWNERS" ]]; then
  OWNERS="$(for i in 0 1 2; do "${HELPERS[@]}" json-get "$OUT/node.json" "accounts.$i.address"; done | paste -sd, -)"
fi
"$ROFLGOV" "${G[@]}" --json --key-env DEV0 deploy --safe-owners "$OWNERS" --threshold 2 --save >"$OUT/deploy.json"
"$ROFLGOV" "${G[@]}" --json app create --manifest "$MANIFEST" --deployment "$DEPLOYMENT" --safe-out "$OUT/create.safe.json" >"$OUT/create.json"
"$ROFLGOV" "${G[@]}" --key-env DEV1 safe sign --safe-tx "$OUT/create.safe.json"
"$ROFLGOV" "${G[@]}" --key-env DEV2 safe sign --safe-tx "$OUT/create.safe.json"
"$ROFLGOV" "${G[@]}" --json --key-env DEV0 safe execute --safe-tx "$OUT/create.safe.json" >"$OUT/create.executed.json"
APP="$("${HELPERS[@]}" json-get "$OUT/create.executed.json" app)"
echo "app $APP created by the Safe, admin = the policy contract"
# rofl.Create carries no secrets: a second Safe transaction stores the deployment's secrets, so
# that the chain holds release 0.1.0's complete config.
"$ROFLGOV" "${G[@]}" --json propose --app "$APP" --manifest "$MANIFEST" --deployment "$DEPLOYMENT" --safe-out "$OUT/secrets.safe.json" >"$OUT/secrets.json"
"$ROFLGOV" "${G[@]}" --key-env DEV1 safe sign --safe-tx "$OUT/secrets.safe.json"
"$ROFLGOV" "${G[@]}" --key-env DEV2 safe sign --safe-tx "$OUT/secrets.safe.json"
"$ROFLGOV" "${G[@]}" --json --key-env DEV0 safe execute --safe-tx "$OUT/secrets.safe.json" >"$OUT/secrets.executed.json"
"$ROFLGOV" "${G[@]}" --json app show --app "$APP" >"$OUT/before.json"

# 3. Build (skipped): the committed bundle stands for `oasis rofl build` --------------------
step "3. build: identities from $(basename "$BUNDLE") written into rofl.yaml (oasis rofl build skipped)"
"$ROFLGOV" --json identity bundle "$BUNDLE" >"$OUT/build-identities.json"
mapfile -t IDS < <(node -e 'for (const i of JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).identities) console.log(i.id)' "$OUT/build-identities.json")
mkdir -p "$OUT/app"
cp "$EXAMPLE/compose.yaml" "$OUT/app/" 2>/dev/null || true
"${HELPERS[@]}" set-enclaves "$MANIFEST" "$DEPLOYMENT" "$OUT/app/rofl.yaml" "${IDS[@]}"
diff -u --label "rofl.yaml (committed)" --label "rofl.yaml (after build)" "$MANIFEST" "$OUT/app/rofl.yaml" >"$OUT/rofl.yaml.diff" || true
cat "$OUT/rofl.yaml.diff"

# 4. The workflow's propose step --------------------------------------------------------------
step "4. propose + review (.github/actions/roflgov-propose/propose.sh)"
RG_MANIFEST="$OUT/app/rofl.yaml" \
  RG_DEPLOYMENT="$DEPLOYMENT" \
  RG_BUNDLE="$BUNDLE" \
  RG_OUT_DIR="$OUT/release" \
  RG_MODE=safe \
  RG_APP="$APP" \
  RG_NETWORK=local \
  RG_RPC="$RPC" \
  RG_CONFIG="$CONFIG" \
  RG_NOTES_FILE="$NOTES" \
  RG_BUILD="dry run: identities from the committed bundle (oasis rofl build skipped)" \
  RG_MANIFEST_COMMITTED_SHA256="$("${HELPERS[@]}" sha256 "$MANIFEST")" \
  RG_SOURCE_REPOSITORY="local" \
  RG_SOURCE_COMMIT="$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)" \
  RG_SOURCE_REF="dry-run" \
  bash "$ACTION/propose.sh"

# 5. The signers ------------------------------------------------------------------------------
step "5. two Safe owners sign, anyone executes"
"$ROFLGOV" "${G[@]}" --key-env DEV1 safe sign --safe-tx "$OUT/release/safe-tx.json"
"$ROFLGOV" "${G[@]}" --key-env DEV2 safe sign --safe-tx "$OUT/release/safe-tx.json"
"$ROFLGOV" "${G[@]}" --json --key-env DEV0 safe execute --safe-tx "$OUT/release/safe-tx.json" >"$OUT/release/executed.json"

# 6. Afterwards -------------------------------------------------------------------------------
step "6. the app on chain after the release"
"$ROFLGOV" "${G[@]}" app show --app "$APP" --manifest "$OUT/app/rofl.yaml" --deployment "$DEPLOYMENT"
"$ROFLGOV" "${G[@]}" --json app show --app "$APP" >"$OUT/after.json"
echo "app=$APP" >"$OUT/result.env"
echo "rpc=$RPC" >>"$OUT/result.env"
printf '\nartifacts: %s\n' "$OUT"
