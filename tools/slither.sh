#!/usr/bin/env bash
# Static analysis of the Solidity contracts with Slither.
#
#   tools/slither.sh            check: fails on any high or medium finding not triaged
#   tools/slither.sh --report   print every finding, and the untriaged high/medium ones as
#                               slither.db.json entries ready to be triaged; never fails
#
# Slither comes from PyPI, pinned, in a git-ignored venv (.venv-slither/). It drives the
# Foundry build itself (`--foundry-compile-all`) with forge from node_modules/.bin, which uses
# the solc-js wrapper named in foundry.toml. Its build goes to out-slither/ and cache-slither/
# (fresh each run) so that it never races other forge runs. Settings: slither.config.json.
#
# Triage (docs/security/README.md): every high/medium finding is explained in
# docs/security/slither-triage.md and listed in slither.db.json, Slither's own
# --triage-database format (`id`, `description`) plus `check`, `impact` and `triage` (the
# section of the triage document). A plain `slither .` hides those findings by their exact id.
# This gate matches a finding by its id OR by its description with line numbers removed, so
# that moving code does not un-triage a finding, while any change to the flagged expression,
# function or variable does. Entries that match nothing are reported as stale.
set -euo pipefail
cd "$(dirname "$0")/.."

SLITHER_VERSION="0.11.6"
VENV="${SLITHER_VENV:-.venv-slither}"
PYTHON="${PYTHON:-python3}"

mode="check"
if [[ "${1:-}" == "--report" ]]; then mode="report"; fi

installed="$("$VENV/bin/pip" show slither-analyzer 2>/dev/null || true)"
if [[ ! -x "$VENV/bin/slither" ]] || ! grep -qx "Version: $SLITHER_VERSION" <<<"$installed"; then
    echo "slither: installing slither-analyzer==$SLITHER_VERSION into $VENV"
    start=$SECONDS
    "$PYTHON" -m venv "$VENV"
    # Keep the venv out of git without touching the shared .gitignore.
    echo '*' >"$VENV/.gitignore"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "slither-analyzer==$SLITHER_VERSION"
    echo "slither: installed in $((SECONDS - start)) s"
fi

# forge (which calls tools/solc) must be on PATH for crytic-compile.
export PATH="$PWD/node_modules/.bin:$PATH"
if ! command -v forge >/dev/null; then
    echo "slither: forge not found; run 'make install' first" >&2
    exit 2
fi
export FOUNDRY_OUT=out-slither FOUNDRY_CACHE_PATH=cache-slither
# A fresh build: stale build-info files from an earlier build would be analysed too.
# (out-*/ and cache-*/ are git-ignored; forge may wipe out-slither/, so the report lives apart.)
rm -rf out-slither cache-slither
work="$(mktemp -d -t roflgov-slither-XXXXXX)"
trap 'rm -rf "$work"' EXIT
report="$work/slither-report.json"
log="$work/slither.log"
start=$SECONDS
# --show-ignored-findings: the gate below does the triage matching itself (see above).
set +e
"$VENV/bin/slither" . --config-file slither.config.json --json "$report" --show-ignored-findings >"$log" 2>&1
status=$?
set -e
if [[ $status -ne 0 || ! -s "$report" ]]; then
    cat "$log" >&2
    echo "slither: the analysis itself failed (exit $status)" >&2
    exit 2
fi
echo "slither: analysed in $((SECONDS - start)) s"
# SLITHER_REPORT=path keeps a copy of the JSON report (e.g. to refresh slither.db.json).
if [[ -n "${SLITHER_REPORT:-}" ]]; then cp "$report" "$SLITHER_REPORT"; fi
if [[ "$mode" == "report" ]]; then
    grep -v -e '^INFO:CryticCompile' -e '^INFO:Detectors:$' "$log" || true
fi

"$VENV/bin/python" - "$report" slither.db.json docs/security/slither-triage.md "$mode" <<'PY'
import collections, json, re, sys

report_path, db_path, doc_path, mode = sys.argv[1:5]
GATED = ("High", "Medium")

def key(description):
    # Line numbers out, whitespace normalised: stable when code moves, not when it changes.
    # Slither lists a finding's nested calls in no stable order from run to run, so the lines
    # are compared as a sorted list.
    text = re.sub(r"#\d+(-\d+)?", "", description)
    return "\n".join(sorted(" ".join(line.split()) for line in text.splitlines() if line.strip()))

with open(report_path) as f:
    report = json.load(f)
if not report.get("success"):
    sys.exit(f"slither: analysis failed: {report.get('error')}")
findings = report.get("results", {}).get("detectors", [])

with open(db_path) as f:
    db = json.load(f)
with open(doc_path) as f:
    doc = f.read()

problems = []
for entry in db:
    ref = entry.get("triage", "")
    if not ref or f"[{ref}]" not in doc:
        problems.append(f"slither.db.json entry {entry.get('id', '?')[:12]} ({entry.get('check')}): "
                        f"triage reference {ref!r} is not a section of {doc_path}")

by_id = {e["id"]: e for e in db if "id" in e}
by_key = collections.defaultdict(list)
for e in db:
    by_key[key(e.get("description", ""))].append(e)
matched = set()
untriaged = []
counts = collections.Counter()
for r in findings:
    counts[r["impact"]] += 1
    entries = by_key.get(key(r["description"]), [])
    if r["id"] in by_id:
        entries = entries + [by_id[r["id"]]]
    if entries:
        matched.update(id(e) for e in entries)
    elif r["impact"] in GATED:
        untriaged.append(r)

stale = [e for e in db if id(e) not in matched]
summary = ", ".join(f"{counts[i]} {i.lower()}" for i in ("High", "Medium", "Low", "Informational", "Optimization") if counts[i])
print(f"slither: {len(findings)} findings ({summary or 'none'}); "
      f"{len(db) - len(stale)} high/medium triaged in {db_path}")
for e in stale:
    print(f"slither: warning: stale triage entry ({e.get('check')}, {e.get('triage')}): "
          f"{key(e.get('description', ''))[:160]}")

for r in untriaged:
    print(f"\nUNTRIAGED {r['impact'].upper()} [{r['check']}] id {r['id']}\n{r['description'].rstrip()}")
if mode == "report":
    if untriaged:
        print("\nslither.db.json entries to add once triaged (fill in `triage`):")
        print(json.dumps([{"id": r["id"], "check": r["check"], "impact": r["impact"],
                           "description": r["description"], "triage": "TODO"} for r in untriaged], indent=2))
    sys.exit(0)
for p in problems:
    print(f"slither: {p}")
if untriaged or problems:
    print(f"\nslither: FAILED: {len(untriaged)} untriaged high/medium finding(s), {len(problems)} triage problem(s). "
          "Triage them in docs/security/slither-triage.md and slither.db.json "
          "(tools/slither.sh --report prints the entries).")
    sys.exit(1)
print("slither: OK (no untriaged high/medium finding)")
PY
