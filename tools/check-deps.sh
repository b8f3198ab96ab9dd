#!/usr/bin/env bash
# The crate map's dependency rules (docs/architecture.md), checked on the resolved graph:
#
# - roflgov-types, roflgov-contracts and roflgov-core do no I/O: no async runtime, no RPC
#   provider or transport, no HTTP client anywhere below them;
# - roflgov-core depends on no SDK, client, devnet or binary crate;
# - roflgov-safe and roflgov-governor don't depend on roflgov-client or roflgov-devnet;
# - roflgov-client doesn't depend on roflgov-devnet;
# - roflgov-testkit (shared test helpers, never published) is only ever a dev-dependency: no
#   crate, and so no binary, depends on it normally;
# - only roflgov-devnet (and the binaries, bench and tests) may locate a checkout: no
#   `foundry.toml`, `CARGO_MANIFEST_DIR` or `ROFLGOV_ROOT` in crates/*/src outside devnet, the
#   testkit (test vectors) and the cli (whose `node` and `demo` only call devnet);
# - commands do not import each other: a file under crates/cli/src/commands/ names no other
#   command module (`crate::commands::<other>`, `super::<other>`); submodules of one command
#   (`commands/owner/machine.rs` under `owner`) may use their own command. Shared helpers live
#   in crates/cli/src/*.rs or the libraries.
set -euo pipefail
cd "$(dirname "$0")/.."

IO_CRATES='^(tokio|mio|hyper|reqwest|alloy-provider|alloy-transport|alloy-transport-http|alloy-contract|alloy-rpc-client|alloy-pubsub|alloy-node-bindings)$'
status=0

# The normal (non-dev) dependencies of a crate, one package name per line.
deps_of() {
    cargo tree --locked -p "$1" -e normal --prefix none --format '{p}' | sed 's/ .*//' | sort -u
}

# forbid CRATE REGEX WHAT: CRATE must not depend on any package matching REGEX.
forbid() {
    local found
    found=$(grep -E "$2" <<<"$(deps_of "$1")" || true)
    if [ -n "$found" ]; then
        echo "check-deps: $1 must not depend on $3, but depends on: $(tr '\n' ' ' <<<"$found")" >&2
        status=1
    fi
}

for crate in roflgov-types roflgov-contracts roflgov-core; do
    forbid "$crate" "$IO_CRATES" "I/O crates"
done
forbid roflgov-core '^roflgov-(safe|governor|client|devnet|cli|bench)$|^roflgov$' "an SDK, client, devnet or binary crate"
for crate in roflgov-safe roflgov-governor; do
    forbid "$crate" '^roflgov-(client|devnet|cli|bench)$|^roflgov$' "the client, the devnet or a binary"
done
forbid roflgov-client '^roflgov-(devnet|cli|bench)$|^roflgov$' "the devnet or a binary"

# The testkit is for tests: a normal dependency on it anywhere in the workspace is an error.
# (fuzz/, outside the workspace, depends on it for the firewall oracle: its binaries are fuzz
# targets, test code.) `cargo tree -i` lists who reaches it through normal edges.
testkit_tree=$(cargo tree --locked --workspace -i roflgov-testkit -e normal --prefix none --format '{p}')
testkit_users=$(sed 's/ .*//' <<<"$testkit_tree" | grep -vx 'roflgov-testkit' | sort -u || true)
if [ -n "$testkit_users" ]; then
    echo "check-deps: roflgov-testkit is a dev-dependency only, but these depend on it normally: $(tr '\n' ' ' <<<"$testkit_users")" >&2
    status=1
fi

# Checkout-locating code: only devnet (and the cli, which only calls devnet for it).
located=$(grep -rlE 'foundry\.toml|CARGO_MANIFEST_DIR|ROFLGOV_ROOT' crates/*/src \
    | grep -vE '^crates/(devnet|cli|bench|testkit)/' || true)
if [ -n "$located" ]; then
    echo "check-deps: only roflgov-devnet may locate a checkout, but these do: $(tr '\n' ' ' <<<"$located")" >&2
    status=1
fi

# The local chain is for `roflgov node` and `roflgov demo` only: every other command works the
# same on any network, so it reads through the client and never reaches the devnet crate.
devnet_users=$(grep -rlE 'roflgov_devnet' crates/cli/src | grep -vE '^crates/cli/src/(main\.rs|commands/(node|demo)\.rs)$' || true)
if [ -n "$devnet_users" ]; then
    echo "check-deps: only the node and demo commands may use roflgov-devnet, but these do: $(tr '\n' ' ' <<<"$devnet_users")" >&2
    status=1
fi

# Commands do not import each other. For each file under crates/cli/src/commands/ (comments,
# strings and char literals blanked first), every command module (a `mod` of commands/mod.rs)
# named through `commands::` or through the `super::` that climbs to the `commands` module must
# be the file's own command. A file's command is its first path component (`owner.rs` and
# `owner/machine.rs` are both `owner`); `super::` in `commands/<cmd>.rs` is `commands`, in
# `commands/<cmd>/<sub>.rs` `super::super::` is. A whole `crate::commands` import is refused.
cross_imports=$(find crates/cli/src/commands -name '*.rs' ! -name mod.rs | sort | perl -e '
    open my $mods, "<", "crates/cli/src/commands/mod.rs" or die "commands/mod.rs: $!";
    my %command = map { /^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;/ ? ($1 => 1) : () } <$mods>;
    my @found;
    while (my $file = <STDIN>) {
        chomp $file;
        my ($rel) = $file =~ m{^crates/cli/src/commands/(.+)\.rs$} or next;
        my @parts = split m{/}, $rel;
        my $own = $parts[0];
        open my $fh, "<", $file or die "$file: $!";
        my $code = do { local $/; <$fh> };
        # One pass, leftmost first, so that `//` in a string and quotes in a comment are right.
        $code =~ s{//[^\n]*|/\*.*?\*/|r(#*)".*?"\1|"(?:[^"\\]|\\.)*"|\x27(?:[^\x27\\]|\\.)\x27}{ }gs;
        my $up = join "", ("super\\s*::\\s*") x scalar @parts;
        my @names;
        while ($code =~ /\bcommands\s*::\s*(\{[^}]*\}|\w+)/g) { push @names, $1 }
        while ($code =~ /(?<![:\w])$up(\{[^}]*\}|\w+)/g) { push @names, $1 }
        push @found, "$file -> crate::commands" while $code =~ /\bcrate\s*::\s*commands\b(?!\s*::)/g;
        for my $group (@names) {
            for my $name ($group =~ /(\w+)/g) {
                push @found, "$file -> $name" if $command{$name} && $name ne $own;
            }
        }
    }
    print join(" ", @found);
')
if [ -n "$cross_imports" ]; then
    echo "check-deps: commands must not import other commands (move shared code to crates/cli/src/*.rs or a library), but: $cross_imports" >&2
    status=1
fi

[ "$status" -eq 0 ] && echo "check-deps: types, contracts and core do no I/O; safe, governor, client and devnet depend downwards only; only devnet locates a checkout; only node and demo use devnet; commands do not import each other; testkit is a dev-dependency only"
exit "$status"
