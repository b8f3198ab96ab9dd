// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title ROFL configuration types
/// @notice Solidity mirror of the Sapphire `rofl` module's app configuration
/// (oasis-sdk `runtime-sdk/src/modules/rofl/{types,policy}.rs`, oasis-core `common/sgx`).
/// Field names follow the module's CBOR keys in camelCase. Every value that the module
/// encodes as a byte string of fixed size is length-checked before it is encoded.

/// @notice Who pays the gas of an instance's transactions (`fees`, a plain CBOR integer).
/// `Unset` (0) is never valid: it exists so that a zeroed struct cannot pass validation.
enum FeePolicy {
    Unset,
    InstancePays, // 1, rofl.yaml `instance`
    EndorsingNodePays // 2, rofl.yaml `endorsing_node`
}

/// @notice Kinds of `AllowedEndorsement` atoms.
enum EndorsementKind {
    Any, // {"any": {}}
    RoleCompute, // {"role_compute": {}}
    RoleObserver, // {"role_observer": {}}
    Entity, // {"entity": <32-byte public key>}
    Node, // {"node": <32-byte public key>}
    Provider, // {"provider": <21-byte address>}
    ProviderInstanceAdmin, // {"provider_instance_admin": <21-byte address>}
    And, // {"and": [children]}
    Or // {"or": [children]}
}

/// @notice One node of an endorsement tree, flattened in pre-order.
/// @dev The policy's `endorsements` list is a sequence of root nodes; an `And`/`Or` node is
/// followed by its `children` direct children (each a full subtree). `value` is 32 bytes for
/// `Entity`/`Node`, 21 bytes for `Provider`/`ProviderInstanceAdmin`, empty otherwise.
/// `children` must be zero for atoms.
struct EndorsementNode {
    EndorsementKind kind;
    bytes value;
    uint8 children;
}

/// @notice An SGX enclave identity or a ROFL TDX identity (then `mrSigner` is zero).
struct EnclaveIdentity {
    bytes32 mrEnclave;
    bytes32 mrSigner;
}

/// @notice An allowed TDX module (`TdxModulePolicy`).
/// @dev `mrSeam` is empty (CBOR null: any measurement) or 48 bytes; `mrSignerSeam` is 48 bytes
/// (all zero for Intel).
struct TdxModule {
    bytes mrSeam;
    bytes mrSignerSeam;
}

/// @notice Intel PCS (DCAP) quote policy.
/// @dev `tdxAllowed == false` leaves the `tdx` field out, which makes the module refuse TDX
/// quotes; `tdxAllowed` with no modules allows any Intel-signed TDX module.
/// FMSPCs are hex strings, kept as given so that an adopted config re-encodes byte-exact.
struct PcsPolicy {
    bool disabled;
    uint16 tcbValidityPeriod;
    uint32 minTcbEvaluationDataNumber;
    string[] fmspcWhitelist;
    string[] fmspcBlacklist;
    bool tdxAllowed;
    TdxModule[] allowedTdxModules;
}

/// @notice Quote policy (`quotes`). IAS attestation is retired by Intel, so `ias` is always
/// encoded as null; `pcs` is null when `pcsPresent` is false.
struct QuotePolicy {
    bool pcsPresent;
    PcsPolicy pcs;
}

/// @notice `AppAuthPolicy`: which enclaves may register, endorsed by whom, who pays, and for
/// how many epochs ahead a registration may be made.
struct AppPolicy {
    QuotePolicy quotes;
    EnclaveIdentity[] enclaves;
    EndorsementNode[] endorsements;
    FeePolicy fees;
    uint64 maxExpiration;
}

/// @notice One public metadata pair.
struct MetadataEntry {
    string key;
    string value;
}

/// @notice One secret: a name and its value, encrypted to the app's secret encryption key.
struct SecretEntry {
    string name;
    bytes value;
}

/// @notice The complete configuration of one app as the policy contract holds it.
/// @dev `admin` is the 21-byte Oasis address the module stores as the app's admin; it is
/// `bytes21(0)` only after an explicit renounce. `version` starts at 1 and grows by one with
/// every `rofl.Update` the contract sends.
struct AppConfig {
    bytes21 id;
    AppPolicy policy;
    bytes21 admin;
    MetadataEntry[] metadata;
    SecretEntry[] secrets;
    uint64 version;
}
