#!/usr/bin/env bash
# The crate map's dependency rules (docs/architecture.md), checked on the resolved graph:
#
# - roflgov-types, roflgov-contracts and roflgov-core do no I/O: no async runtime, no RPC
#   provider or transport, no HTTP client anywhere below them;
# - roflgov-core does not depend on the client (roflgov-chain) or the CLI;
# - only roflgov-chain and the binaries may reach a provider.
set -euo pipefail
cd "$(dirname "$0")/.."

IO_CRATES='^(tokio|mio|hyper|reqwest|alloy-provider|alloy-transport|alloy-transport-http|alloy-contract|alloy-rpc-client|alloy-pubsub|alloy-node-bindings)$'
status=0
for crate in roflgov-types roflgov-contracts roflgov-core; do
    deps=$(cargo tree --locked -p "$crate" -e normal --prefix none --format '{p}' | sed 's/ .*//' | sort -u)
    io=$(grep -E "$IO_CRATES" <<<"$deps" || true)
    if [ -n "$io" ]; then
        echo "check-deps: $crate must do no I/O, but depends on: $(tr '\n' ' ' <<<"$io")" >&2
        status=1
    fi
    if grep -qE '^roflgov-(chain|cli|bench)$|^roflgov$' <<<"$deps"; then
        echo "check-deps: $crate depends on a client or binary crate" >&2
        status=1
    fi
done
[ "$status" -eq 0 ] && echo "check-deps: types, contracts and core do no I/O"
exit "$status"
