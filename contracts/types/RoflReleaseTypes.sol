// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {EnclaveIdentity} from "./RoflTypes.sol";

/// @title Release provenance and identity lifecycle types
/// @notice roflgov's own records next to the ROFL config: they never reach the module, they let a
/// reviewer tie every allowed enclave identity to the build that produced it.

/// @notice Where a release came from. One record covers every identity a build emits (a TDX
/// build gives two: QEMU `v0` and `v1`).
/// @dev `gitCommit` is the 20-byte SHA-1 object id of the commit the bundle was built from. A
/// fixed `bytes20` rather than a string: it is exactly what `git rev-parse HEAD` prints (hex),
/// it cannot be an abbreviated or differently-cased variant of the same commit, it costs no
/// length word, and a zero value is an unambiguous "missing". Repositories in git's SHA-256
/// object format are not supported (their ids are 32 bytes).
/// `bundleHash` is the sha256 of the `.orc` file, `manifestHash` the sha256 of `rofl.yaml` as
/// committed; both are what the CLI recomputes locally to check a bundle against the record.
struct ReleaseRecord {
    /// @dev The app version, as in `rofl.yaml` (`version`), e.g. "1.4.2".
    string version;
    /// @dev Source repository URL, e.g. "https://github.com/org/app".
    string repository;
    bytes20 gitCommit;
    bytes32 bundleHash;
    bytes32 manifestHash;
    /// @dev Free text for reviewers (changelog, audit link); may be empty.
    string notes;
}

/// @notice Where an enclave identity stands for one app.
enum IdentityStatus {
    /// @dev Not in the policy, and never revoked (unknown, or retired by governance or prune).
    NotAllowed,
    /// @dev In the policy with no deadline.
    Allowed,
    /// @dev In the policy until a grace deadline; after it anyone may prune it.
    Retiring,
    /// @dev Taken out by a guardian revocation or a freeze (an emergency, not a routine retire).
    Revoked
}

/// @notice One allowed identity with its provenance and deadline, for reviews.
/// @dev `releaseId` is 0 when the identity was added without a release record; `retireAt` is a
/// unix timestamp, 0 when the identity has no deadline.
struct EnclaveRelease {
    EnclaveIdentity identity;
    uint32 releaseId;
    uint64 retireAt;
}

/// @notice Everything roflgov knows about one identity of one app.
struct IdentityInfo {
    IdentityStatus status;
    uint32 releaseId;
    uint64 retireAt;
}
