#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo-fuzz / libFuzzer) of every roflgov parser of outside input.
#
#   tools/fuzz.sh [SECONDS] [TARGET...]
#
# SECONDS per target (default 20, what CI runs); TARGET defaults to every target in
# fuzz/Cargo.toml. A long run, e.g. an hour per target on every core:
#
#   FUZZ_JOBS=$(nproc) tools/fuzz.sh 3600
#
# Needs the nightly toolchain (`rustup toolchain list`) and cargo-fuzz; cargo-fuzz is
# installed (`cargo install cargo-fuzz --locked`) when missing. Builds go to fuzz/target.
#
# Seeds come from the real fixtures in the repository, read at run time: the Talos rofl.yaml
# in fixtures/ and examples/**/rofl*.yaml, the CBOR vectors in test/vectors/rofl_cbor.json,
# the quotes and collateral in crates/attest/testdata, and a generated ORC bundle. The growing
# corpus lives in fuzz/corpus/<target> (git-ignored), crashes in fuzz/artifacts/<target>/.
# A crash fails the run; reproduce it with
#
#   cargo +nightly fuzz run <target> fuzz/artifacts/<target>/crash-<hash>
#
# and turn it into a regression test in the owning crate (docs/security/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

SECONDS_PER_TARGET="${1:-20}"
shift || true
JOBS="${FUZZ_JOBS:-1}"
TOOLCHAIN="${FUZZ_TOOLCHAIN:-nightly}"
# Sanitizer: the parsers are safe Rust, so AddressSanitizer (cargo-fuzz's default) mostly
# costs speed; FUZZ_SANITIZER=address turns it back on for long runs.
SANITIZER="${FUZZ_SANITIZER:-none}"

if ! rustup toolchain list | grep -q "^$TOOLCHAIN"; then
    echo "fuzz: the $TOOLCHAIN toolchain is missing (rustup toolchain install $TOOLCHAIN)" >&2
    exit 2
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz"
    start=$SECONDS
    cargo install cargo-fuzz --locked --quiet
    echo "fuzz: cargo-fuzz installed in $((SECONDS - start)) s"
fi

if [[ $# -gt 0 ]]; then
    targets=("$@")
else
    mapfile -t targets < <(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^roflgov-fuzz$')
fi

# --- seed corpora -------------------------------------------------------------------------
seed() { # seed <target> <name> <file>: copies one seed into the corpus
    mkdir -p "fuzz/corpus/$1"
    cp "$3" "fuzz/corpus/$1/seed-$2"
}
for t in "${targets[@]}"; do mkdir -p "fuzz/corpus/$t"; done

seed manifest_yaml talos fixtures/talos-rofl.yaml
while IFS= read -r -d '' yaml; do
    seed manifest_yaml "$(echo "$yaml" | tr '/' '_')" "$yaml"
done < <(find examples -name 'rofl*.yaml' -print0 2>/dev/null)

for q in sgx tdx; do
    [[ -f crates/attest/testdata/${q}_quote_collateral.json ]] &&
        seed collateral_json "$q" "crates/attest/testdata/${q}_quote_collateral.json"
done

# Generated seeds: CBOR vectors (selector byte + body), quotes (selector byte + quote), an ORC
# bundle and its manifest, ids and timestamps. python3 is already needed by Slither.
python3 - "$ROOT" <<'PY'
import base64, io, json, os, sys, zipfile

root = sys.argv[1]
corpus = os.path.join(root, "fuzz", "corpus")

def put(target, name, data):
    path = os.path.join(corpus, target)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "seed-" + name), "wb") as f:
        f.write(data)

selector = {"rofl.Create": 0, "rofl.Update": 1, "rofl.Remove": 2}
with open(os.path.join(root, "test", "vectors", "rofl_cbor.json")) as f:
    vectors = json.load(f)["vectors"]
for v in vectors:
    body = bytes.fromhex(v["cbor"][2:])
    method = v["method"]
    if method in selector:
        put("cbor_decode", v["name"], bytes([selector[method]]) + body)
    put("cbor_decode", v["name"] + "-call", bytes([4]) + method.encode() + b"\0" + body)

testdata = os.path.join(root, "crates", "attest", "testdata")
for sel, name in ((0, "sgx"), (1, "tdx")):
    with open(os.path.join(testdata, name + "_quote"), "rb") as f:
        put("quote", name, bytes([sel]) + f.read())

ident = lambda e, s: base64.b64encode(bytes([e]) * 32 + bytes([s]) * 32).decode()
manifest = json.dumps({
    "name": "seed-app",
    "id": "00" * 32,
    "components": [{
        "kind": "rofl",
        "name": "seed-app",
        "Version": {"major": 0, "minor": 5, "patch": 2},
        "tdx": {"firmware": "ovmf.tdx.fd", "kernel": "stage1.bin", "resources": {"memory": 512, "cpus": 1}},
        "identity": [
            {"hypervisor": "qemu/v0", "enclave": ident(0xA0, 0)},
            {"hypervisor": "qemu/v1", "enclave": ident(0xA1, 0)},
        ],
    }],
    "digests": {"ovmf.tdx.fd": "01" + "00" * 31},
}).encode()
put("orc_manifest", "tdx", manifest)
for method, label in ((zipfile.ZIP_DEFLATED, "deflate"), (zipfile.ZIP_STORED, "stored")):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=method) as z:
        z.writestr("META-INF/MANIFEST.MF", manifest)
        z.writestr("ovmf.tdx.fd", b"firmware")
    put("orc_bundle", label, buf.getvalue())

# Firewall: shape, flags, leg count, then per leg target, value and calldata mode (see
# fuzz/fuzz_targets/firewall.rs): an honest release, a batch, a Governor proposal, a raw payload.
for name, data in [
    ("release", bytes([0, 0, 0, 0, 0, 0])),
    ("batch", bytes([1, 0, 2, 0, 0, 0, 0, 0, 4, 0, 0, 3])),
    ("governor", bytes([5, 0, 1, 0, 0, 0, 0, 0, 1]) + b"# Release"),
    ("payload", bytes([2, 0, 0, 0, 0, 0]) + bytes(85)),
]:
    put("firewall", name, data)

for i, text in enumerate([
    "rofl1qrev5wq76npkmcv5wxkdxxcu4dhmu704yyl30h43",
    "oasis1qz2lty9v4glt5ts8ljhfpnd05dy3cwmtnyshws8q",
    "0x00" + "ab" * 20,
    "2025-06-19T10:51:43Z",
    "2025-07-19T10:51:43.123456Z",
]):
    put("ids", str(i), text.encode())
PY

# --- build and run ------------------------------------------------------------------------
export CARGO_TARGET_DIR="$ROOT/fuzz/target"
build_start=$SECONDS
(cd fuzz && cargo "+$TOOLCHAIN" fuzz build --sanitizer "$SANITIZER")
echo "fuzz: built ${#targets[@]} targets in $((SECONDS - build_start)) s"

fork=()
if [[ "$JOBS" -gt 1 ]]; then fork=(-fork="$JOBS"); fi
failed=()
for t in "${targets[@]}"; do
    echo "fuzz: $t for ${SECONDS_PER_TARGET}s"
    log="fuzz/target/fuzz-$t.log"
    if (cd fuzz && cargo "+$TOOLCHAIN" fuzz run --sanitizer "$SANITIZER" "$t" "corpus/$t" -- \
        "${fork[@]}" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1) \
        >"$log" 2>&1; then
        grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::new_units_added)' "$log" | tr '\n' ' ' || true
        echo
    else
        failed+=("$t")
        tail -n 40 "$log"
        echo "fuzz: $t FAILED; inputs in fuzz/artifacts/$t/"
    fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "fuzz: crashes in: ${failed[*]}" >&2
    exit 1
fi
echo "fuzz: no crash in ${#targets[@]} targets (${SECONDS_PER_TARGET}s each)"
