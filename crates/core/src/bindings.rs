//! Call and type bindings of the policy contract for encoding and decoding calldata (no RPC:
//! the client crate sends them). Generated once, by `sol!` over the embedded artifact, in
//! [`roflgov_contracts::bindings`]; the `RoflTypes.sol` structs are the same types as
//! [`roflgov_types::abi`]'s, which converts them to and from the typed model.

pub use roflgov_contracts::bindings::RoflAppAdmin;
