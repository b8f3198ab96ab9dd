// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {RoflCbor} from "../contracts/libraries/RoflCbor.sol";
import {AppPolicy, EnclaveIdentity, FeePolicy, MetadataEntry, SecretEntry} from "../contracts/types/RoflTypes.sol";
import {RoflAppAdminBase} from "./utils/RoflAppAdminBase.sol";
import {RoflRandomConfig} from "./utils/RoflRandomConfig.sol";

/// @title Random configs round-trip: encoder → the stand-in's strict decoder → its views
/// @dev The stand-in rejects anything the real encoder would not write (key order, shortest
/// heads, omitted fields), so every accepted body is a canonical one; the views then show that
/// what it decoded is what was meant.
contract RoflAppAdminFuzzTest is RoflAppAdminBase, RoflRandomConfig {
    /// @dev Straight through the module: Create then Update from an externally owned admin,
    /// with a random (possibly absent) next admin.
    function testFuzz_EncoderRoundTrip(uint256 seed) public {
        Rng memory rng = _rng(seed);
        AppPolicy memory policy = _randomPolicy(rng);
        MetadataEntry[] memory metadata = _randomMetadata(rng, _below(rng, 6));
        address creator = makeAddr("creator");
        vm.deal(creator, STAKE);

        vm.prank(creator);
        bytes memory result = _subcall("rofl.Create", RoflCbor.encodeCreate(policy, uint8(_below(rng, 2)), metadata));
        bytes21 appId;
        assembly {
            appId := and(mload(add(result, 0x21)), not(0xffffffffffffffffffffff))
        }
        assertEq(standIn.appPolicyCbor(appId), RoflCbor.encodePolicy(policy));

        AppPolicy memory next = _randomPolicy(rng);
        MetadataEntry[] memory nextMetadata = _randomMetadata(rng, _below(rng, 6));
        SecretEntry[] memory secrets = _randomSecrets(rng, _below(rng, 6));
        bytes21 admin = _below(rng, 4) == 0 ? bytes21(0) : bytes21(uint168(_draw(rng)));
        bytes memory body = RoflCbor.encodeUpdate(appId, next, admin, nextMetadata, secrets);
        vm.prank(creator);
        _subcall("rofl.Update", body);

        assertEq(standIn.lastBody(appId), body);
        assertEq(standIn.appPolicyCbor(appId), RoflCbor.encodePolicy(next));
        (bool hasAdmin, bytes21 moduleAdmin) = standIn.appAdmin(appId);
        assertEq(hasAdmin, admin != bytes21(0));
        assertEq(moduleAdmin, admin);
        assertEq(uint256(standIn.appFees(appId)), uint256(next.fees));
        assertEq(standIn.appMaxExpiration(appId), next.maxExpiration);
        _assertSameEnclaves(standIn.appEnclaves(appId), next.enclaves);
        assertEq(standIn.appMetadata(appId).length, nextMetadata.length);
        assertEq(standIn.appSecrets(appId).length, secrets.length);
        // what the module decoded re-encodes to the same body
        assertEq(RoflCbor.encodeUpdate(appId, next, admin, standIn.appMetadata(appId), standIn.appSecrets(appId)), body);
    }

    /// @dev Through the contract: create with a random config, then a random batch of changes;
    /// the module ends up with exactly the contract's config.
    function testFuzz_ContractRoundTrip(uint256 seed) public {
        Rng memory rng = _rng(seed);
        AppPolicy memory policy = _randomPolicy(rng);
        bytes21 appId = _create(policy, _randomMetadata(rng, _below(rng, 5)));
        _assertInSync(appId);

        AppPolicy memory next = _randomPolicy(rng);
        SecretEntry[] memory secrets = _randomSecrets(rng, 1 + _below(rng, 4));
        bytes[] memory calls = new bytes[](6 + secrets.length);
        calls[0] = abi.encodeCall(rofl.setQuotePolicy, (appId, 1, next.quotes));
        calls[1] = abi.encodeCall(rofl.setEndorsements, (appId, 1, next.endorsements));
        calls[2] = abi.encodeCall(rofl.setFees, (appId, 1, next.fees));
        calls[3] = abi.encodeCall(rofl.setMaxExpiration, (appId, 1, next.maxExpiration));
        calls[4] = abi.encodeCall(rofl.addEnclave, (appId, 1, next.enclaves[0]));
        calls[5] = abi.encodeCall(rofl.removeEnclave, (appId, 1, policy.enclaves[0]));
        for (uint256 i; i < secrets.length; ++i) {
            calls[6 + i] = abi.encodeCall(rofl.setSecret, (appId, 1, secrets[i].name, secrets[i].value));
        }
        vm.prank(owner);
        rofl.multicall(calls);

        assertEq(rofl.version(appId), 2);
        assertEq(standIn.lastBody(appId), rofl.encodeUpdate(appId));
        _assertInSync(appId);
    }

    /// @dev Metadata of any allowed size: heads of every width, sorting of long keys.
    function testFuzz_MetadataSizes(uint16 keyLength, uint16 valueLength, bytes32 salt) public {
        keyLength = uint16(bound(keyLength, 1, 1024));
        valueLength = uint16(bound(valueLength, 0, 16 * 1024));
        bytes21 appId = _createDefault();
        bytes memory key = bytes.concat(bytes(vm.toString(salt)), _repeat("k", keyLength));
        assembly {
            mstore(key, keyLength)
        }
        vm.startPrank(owner);
        rofl.setMetadata(appId, 1, string(key), string(_repeat("v", valueLength)));
        rofl.setMetadata(appId, 2, "short", "x");
        vm.stopPrank();
        _assertInSync(appId);
    }

    /// @dev The encoder's map order does not depend on the order entries were added.
    function testFuzz_InsertionOrderIrrelevant(uint256 seed) public {
        Rng memory rng = _rng(seed);
        MetadataEntry[] memory entries = _randomMetadata(rng, 2 + _below(rng, 6));
        bytes21 a = _createDefault();
        bytes21 b = _createDefault();
        vm.startPrank(owner);
        for (uint256 i; i < entries.length; ++i) {
            rofl.setMetadata(a, 0, entries[i].key, entries[i].value);
            uint256 j = entries.length - 1 - i;
            rofl.setMetadata(b, 0, entries[j].key, entries[j].value);
        }
        vm.stopPrank();
        bytes memory bodyA = rofl.encodeUpdate(a);
        bytes memory bodyB = rofl.encodeUpdate(b);
        // identical but for the id (bytes 5..26)
        assertEq(bodyA.length, bodyB.length);
        assertEq(keccak256(_withoutId(bodyA)), keccak256(_withoutId(bodyB)));
        _assertInSync(a);
        _assertInSync(b);
    }

    function _withoutId(bytes memory body) internal pure returns (bytes memory out) {
        out = bytes.concat(body);
        for (uint256 i = 5; i < 26; ++i) {
            out[i] = 0;
        }
    }
}
