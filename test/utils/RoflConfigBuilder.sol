// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {
    AppPolicy,
    EnclaveIdentity,
    EndorsementKind,
    EndorsementNode,
    FeePolicy,
    MetadataEntry,
    PcsPolicy,
    QuotePolicy,
    SecretEntry,
    TdxModule
} from "../../contracts/types/RoflTypes.sol";

/// @title Small builders of ROFL configs for tests
abstract contract RoflConfigBuilder {
    /// @dev What `oasis rofl create` writes: PCS with TCB validity 30 days, minimum TCB evaluation
    /// data number 18, TDX allowed with any Intel module; endorsement `any`; endorsing node pays;
    /// max expiration 3 epochs; one identity.
    function _defaultPolicy() internal pure returns (AppPolicy memory policy) {
        policy.quotes.pcsPresent = true;
        policy.quotes.pcs.tcbValidityPeriod = 30;
        policy.quotes.pcs.minTcbEvaluationDataNumber = 18;
        policy.quotes.pcs.tdxAllowed = true;
        policy.enclaves = _enclaves(1);
        policy.endorsements = _anyEndorsement();
        policy.fees = FeePolicy.EndorsingNodePays;
        policy.maxExpiration = 3;
    }

    /// @dev The `i`-th test identity (TDX-style: zero signer for even `i`).
    function _identity(uint256 i) internal pure returns (EnclaveIdentity memory) {
        bytes32 mrEnclave = keccak256(abi.encode("enclave", i));
        bytes32 mrSigner = i % 2 == 0 ? bytes32(0) : keccak256(abi.encode("signer", i));
        return EnclaveIdentity(mrEnclave, mrSigner);
    }

    function _enclaves(uint256 count) internal pure returns (EnclaveIdentity[] memory enclaves) {
        enclaves = new EnclaveIdentity[](count);
        for (uint256 i; i < count; ++i) {
            enclaves[i] = _identity(i);
        }
    }

    function _anyEndorsement() internal pure returns (EndorsementNode[] memory nodes) {
        nodes = new EndorsementNode[](1);
        nodes[0] = EndorsementNode(EndorsementKind.Any, "", 0);
    }

    function _node(EndorsementKind kind, bytes memory value, uint8 children)
        internal
        pure
        returns (EndorsementNode memory)
    {
        return EndorsementNode(kind, value, children);
    }

    function _metadata(string memory key, string memory value) internal pure returns (MetadataEntry[] memory entries) {
        entries = new MetadataEntry[](1);
        entries[0] = MetadataEntry(key, value);
    }

    function _noMetadata() internal pure returns (MetadataEntry[] memory) {
        return new MetadataEntry[](0);
    }

    function _noSecrets() internal pure returns (SecretEntry[] memory) {
        return new SecretEntry[](0);
    }

    function _repeat(bytes1 b, uint256 length) internal pure returns (bytes memory out) {
        out = new bytes(length);
        for (uint256 i; i < length; ++i) {
            out[i] = b;
        }
    }
}
