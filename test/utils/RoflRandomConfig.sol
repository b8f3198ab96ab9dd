// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {
    AppPolicy,
    EnclaveIdentity,
    EndorsementKind,
    EndorsementNode,
    FeePolicy,
    MetadataEntry,
    SecretEntry,
    TdxModule
} from "../../contracts/types/RoflTypes.sol";

/// @title Random but valid ROFL configs from a seed, for fuzz and invariant tests
/// @dev Every draw is keccak256(seed, salt, counter), so one fuzzed word drives a whole config.
abstract contract RoflRandomConfig {
    struct Rng {
        uint256 seed;
        uint256 counter;
    }

    function _rng(uint256 seed) internal pure returns (Rng memory) {
        return Rng(seed, 0);
    }

    function _draw(Rng memory rng) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(rng.seed, rng.counter++)));
    }

    function _below(Rng memory rng, uint256 bound) internal pure returns (uint256) {
        return _draw(rng) % bound;
    }

    // -------------------------------------------------------------------------------------------

    /// @dev A policy within every limit: 1-8 identities, a random endorsement tree (at most 30
    /// nodes, depth 4), PCS present or not with all optional fields drawn, fees, expiration 1-24.
    function _randomPolicy(Rng memory rng) internal pure returns (AppPolicy memory policy) {
        policy.enclaves = _randomEnclaves(rng, 1 + _below(rng, 8));
        policy.endorsements = _randomEndorsements(rng);
        policy.fees = _below(rng, 2) == 0 ? FeePolicy.InstancePays : FeePolicy.EndorsingNodePays;
        policy.maxExpiration = uint64(1 + _below(rng, 24));
        if (_below(rng, 4) != 0) {
            policy.quotes.pcsPresent = true;
            policy.quotes.pcs.disabled = _below(rng, 4) == 0;
            policy.quotes.pcs.tcbValidityPeriod = uint16(_draw(rng) >> (8 * _below(rng, 3)));
            policy.quotes.pcs.minTcbEvaluationDataNumber = uint32(_draw(rng) >> (8 * _below(rng, 5)));
            policy.quotes.pcs.fmspcWhitelist = _randomFmspcs(rng, _below(rng, 3));
            policy.quotes.pcs.fmspcBlacklist = _randomFmspcs(rng, _below(rng, 3));
            policy.quotes.pcs.tdxAllowed = _below(rng, 3) != 0;
            if (policy.quotes.pcs.tdxAllowed) {
                uint256 count = _below(rng, 3);
                policy.quotes.pcs.allowedTdxModules = new TdxModule[](count);
                for (uint256 i; i < count; ++i) {
                    bytes memory seam = _below(rng, 2) == 0 ? bytes("") : _randomBytes(rng, 48);
                    policy.quotes.pcs.allowedTdxModules[i] = TdxModule(seam, _randomBytes(rng, 48));
                }
            }
        }
    }

    function _randomEnclaves(Rng memory rng, uint256 count) internal pure returns (EnclaveIdentity[] memory enclaves) {
        enclaves = new EnclaveIdentity[](count);
        for (uint256 i; i < count; ++i) {
            // the index in the hash keeps identities distinct
            bytes32 mrEnclave = keccak256(abi.encode(_draw(rng), i));
            bytes32 mrSigner = _below(rng, 2) == 0 ? bytes32(0) : bytes32(_draw(rng));
            enclaves[i] = EnclaveIdentity(mrEnclave, mrSigner);
        }
    }

    /// @dev 1-2 roots, operators with 0-2 children above depth 4: at most 2 × 15 = 30 nodes.
    function _randomEndorsements(Rng memory rng) internal pure returns (EndorsementNode[] memory nodes) {
        nodes = new EndorsementNode[](30);
        uint256 count;
        uint256 roots = 1 + _below(rng, 2);
        for (uint256 r; r < roots; ++r) {
            count = _randomSubtree(rng, nodes, count, 1);
        }
        assembly {
            mstore(nodes, count)
        }
    }

    function _randomSubtree(Rng memory rng, EndorsementNode[] memory nodes, uint256 count, uint256 level)
        private
        pure
        returns (uint256)
    {
        uint256 kind = _below(rng, level < 4 ? 9 : 7);
        if (kind >= 7) {
            uint8 children = uint8(_below(rng, 3));
            nodes[count++] = EndorsementNode(EndorsementKind(kind), "", children);
            for (uint256 i; i < children; ++i) {
                count = _randomSubtree(rng, nodes, count, level + 1);
            }
            return count;
        }
        bytes memory value;
        if (kind == uint256(EndorsementKind.Entity) || kind == uint256(EndorsementKind.Node)) {
            value = _randomBytes(rng, 32);
        } else if (kind == uint256(EndorsementKind.Provider) || kind == uint256(EndorsementKind.ProviderInstanceAdmin))
        {
            value = _randomBytes(rng, 21);
        }
        nodes[count++] = EndorsementNode(EndorsementKind(kind), value, 0);
        return count;
    }

    /// @dev Upper-case hex, as Intel writes FMSPCs (the contract refuses lower case).
    function _randomFmspcs(Rng memory rng, uint256 count) internal pure returns (string[] memory fmspcs) {
        bytes16 digits = "0123456789ABCDEF";
        fmspcs = new string[](count);
        for (uint256 i; i < count; ++i) {
            bytes memory s = new bytes(12);
            uint256 r = _draw(rng);
            for (uint256 j; j < 12; ++j) {
                s[j] = digits[(r >> (4 * j)) & 0xf];
            }
            if (_below(rng, 2) == 0) s[0] = "A"; // a letter first now and then
            fmspcs[i] = string(s);
        }
    }

    /// @dev Distinct printable keys of random lengths (the index makes them distinct), with now
    /// and then a long one so that every head size is exercised.
    function _randomMetadata(Rng memory rng, uint256 count) internal pure returns (MetadataEntry[] memory entries) {
        entries = new MetadataEntry[](count);
        for (uint256 i; i < count; ++i) {
            entries[i] = MetadataEntry(_randomKey(rng, i), string(_randomText(rng, _randomLength(rng))));
        }
    }

    function _randomSecrets(Rng memory rng, uint256 count) internal pure returns (SecretEntry[] memory entries) {
        entries = new SecretEntry[](count);
        for (uint256 i; i < count; ++i) {
            entries[i] = SecretEntry(_randomKey(rng, i), _randomBytes(rng, _randomLength(rng)));
        }
    }

    function _randomKey(Rng memory rng, uint256 index) internal pure returns (string memory) {
        return string.concat(string(_randomText(rng, _below(rng, 30))), "#", _decimal(index));
    }

    function _randomLength(Rng memory rng) internal pure returns (uint256) {
        uint256 pick = _below(rng, 10);
        if (pick == 0) return 300 + _below(rng, 100);
        if (pick == 1) return 0;
        return _below(rng, 40);
    }

    function _randomText(Rng memory rng, uint256 length) internal pure returns (bytes memory out) {
        out = new bytes(length);
        for (uint256 i; i < length; ++i) {
            out[i] = bytes1(uint8(0x21 + _below(rng, 94)));
        }
    }

    function _randomBytes(Rng memory rng, uint256 length) internal pure returns (bytes memory out) {
        out = new bytes(length);
        for (uint256 i; i < length; i += 32) {
            bytes32 word = bytes32(_draw(rng));
            assembly {
                mstore(add(add(out, 0x20), i), word)
            }
        }
        // the last word may have spilled past the end: clear it
        assembly {
            mstore(add(add(out, 0x20), length), 0)
        }
    }

    function _decimal(uint256 value) internal pure returns (string memory) {
        if (value == 0) return "0";
        bytes memory out;
        while (value != 0) {
            out = bytes.concat(bytes1(uint8(48 + value % 10)), out);
            value /= 10;
        }
        return string(out);
    }
}
