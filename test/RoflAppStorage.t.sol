// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {OasisIds} from "../contracts/libraries/OasisIds.sol";
import {RoflCbor} from "../contracts/libraries/RoflCbor.sol";
import {
    AppConfig,
    AppPolicy,
    EnclaveIdentity,
    EndorsementKind,
    EndorsementNode,
    FeePolicy,
    QuotePolicy,
    SecretEntry,
    TdxModule
} from "../contracts/types/RoflTypes.sol";
import {RoflAppAdminBase} from "./utils/RoflAppAdminBase.sol";

/// @title The storage form of the policy ({RoflAppStorage.PolicyState}) gives back exactly what
/// was put in
/// @dev Identities live in indexed slots with a signer bitmap, removals leave stale slots past
/// the count, and the PCS lists are flagged in the scalar word. Each test checks `getApp`
/// against a model kept here and against what the module (the stand-in) decoded from the body.
contract RoflAppStorageTest is RoflAppAdminBase {
    /// @dev Random adds and removes of SGX and TDX identities keep the order of a swap-and-pop
    /// list (the model) and every identity's own signer.
    function testFuzz_EnclaveListFollowsSwapAndPop(uint256 seed) public {
        EnclaveIdentity[] memory model = new EnclaveIdentity[](16);
        AppPolicy memory policy = _defaultPolicy();
        policy.enclaves = _enclaves(2);
        bytes21 appId = _create(policy, _noMetadata());
        model[0] = _identity(0);
        model[1] = _identity(1);
        uint256 count = 2;

        for (uint256 step; step < 12; ++step) {
            seed = uint256(keccak256(abi.encode(seed, step)));
            EnclaveIdentity memory candidate = _identity(seed % 16);
            uint256 position = _find(model, count, candidate);
            if (position == 0) {
                vm.prank(owner);
                rofl.addEnclave(appId, 0, candidate);
                model[count++] = candidate;
            } else if (count > 1) {
                vm.prank(owner);
                rofl.removeEnclave(appId, 0, candidate);
                model[position - 1] = model[count - 1];
                --count;
            } else {
                continue;
            }
            _assertEnclaves(rofl.getApp(appId).policy.enclaves, model, count);
            _assertInSync(appId);
        }
    }

    /// @dev A TDX identity added where an SGX identity was removed does not inherit its signer.
    function test_StaleSignerSlotIsNotInherited() public {
        AppPolicy memory policy = _defaultPolicy();
        policy.enclaves = _enclaves(2); // TDX 0, SGX 1 (last slot, with a signer)
        bytes21 appId = _create(policy, _noMetadata());
        vm.startPrank(owner);
        rofl.removeEnclave(appId, 0, _identity(1));
        rofl.addEnclave(appId, 0, _identity(4));
        vm.stopPrank();

        EnclaveIdentity[] memory enclaves = rofl.getApp(appId).policy.enclaves;
        assertEq(enclaves.length, 2);
        assertEq(enclaves[1].mrEnclave, _identity(4).mrEnclave);
        assertEq(enclaves[1].mrSigner, bytes32(0));
        _assertInSync(appId);
    }

    /// @dev An SGX identity moved into a TDX identity's hole takes its signer along, and the TDX
    /// identity left behind keeps none.
    function test_RemovalMovesTheSigner() public {
        AppPolicy memory policy = _defaultPolicy();
        policy.enclaves = _enclaves(4); // TDX 0, SGX 1, TDX 2, SGX 3
        bytes21 appId = _create(policy, _noMetadata());
        vm.prank(owner);
        rofl.removeEnclave(appId, 0, _identity(0));

        EnclaveIdentity[] memory enclaves = rofl.getApp(appId).policy.enclaves;
        assertEq(enclaves.length, 3);
        assertEq(enclaves[0].mrEnclave, _identity(3).mrEnclave);
        assertEq(enclaves[0].mrSigner, _identity(3).mrSigner);
        assertEq(enclaves[2].mrSigner, bytes32(0));
        _assertInSync(appId);
    }

    /// @dev An app given away and adopted again starts from the adopted config only: no
    /// identity, endorsement or PCS list of its first management survives.
    function test_ReadoptionStartsClean() public {
        AppPolicy memory policy = _defaultPolicy();
        policy.enclaves = _enclaves(5);
        policy.quotes = _quotesWithLists();
        policy.endorsements = _mixedEndorsements();
        bytes21 appId = _create(policy, _noMetadata());
        address next = makeAddr("next");
        vm.prank(owner);
        rofl.transferRoflAdmin(appId, 0, OasisIds.fromEth(next));

        AppPolicy memory fresh = _defaultPolicy(); // one TDX identity, no lists, `any`
        fresh.enclaves[0] = _identity(8);
        bytes memory back = RoflCbor.encodeUpdate(appId, fresh, rofl.roflAdminAddress(), _noMetadata(), _noSecrets());
        vm.prank(next);
        _subcall("rofl.Update", back);
        vm.prank(owner);
        rofl.adoptApp(appId, fresh, _noMetadata(), _noSecrets());

        AppConfig memory config = rofl.getApp(appId);
        assertEq(keccak256(abi.encode(config.policy)), keccak256(abi.encode(fresh)));
        assertEq(rofl.identityInfo(appId, _identity(1)).releaseId, 0);
        _assertInSync(appId);
    }

    /// @dev Quote policies with and without lists, and without PCS, replace each other whole.
    function test_QuotePolicyReplacedWhole() public {
        bytes21 appId = _createDefault();
        QuotePolicy memory withLists = _quotesWithLists();
        vm.startPrank(owner);
        rofl.setQuotePolicy(appId, 0, withLists);
        assertEq(keccak256(abi.encode(rofl.getApp(appId).policy.quotes)), keccak256(abi.encode(withLists)));
        _assertInSync(appId);

        QuotePolicy memory plain = _defaultPolicy().quotes;
        rofl.setQuotePolicy(appId, 0, plain);
        assertEq(keccak256(abi.encode(rofl.getApp(appId).policy.quotes)), keccak256(abi.encode(plain)));
        _assertInSync(appId);

        rofl.setQuotePolicy(appId, 0, withLists);
        QuotePolicy memory none; // PCS absent: every PCS field reads back as zero
        rofl.setQuotePolicy(appId, 0, none);
        vm.stopPrank();
        assertEq(keccak256(abi.encode(rofl.getApp(appId).policy.quotes)), keccak256(abi.encode(none)));
        _assertInSync(appId);
    }

    /// @dev Endorsement values of every width read back as given, and a shorter list replaces a
    /// longer one.
    function test_EndorsementsReadBackAsGiven() public {
        bytes21 appId = _createDefault();
        EndorsementNode[] memory mixed = _mixedEndorsements();
        vm.startPrank(owner);
        rofl.setEndorsements(appId, 0, mixed);
        assertEq(keccak256(abi.encode(rofl.getApp(appId).policy.endorsements)), keccak256(abi.encode(mixed)));
        _assertInSync(appId);

        EndorsementNode[] memory single = new EndorsementNode[](1);
        single[0] = _node(EndorsementKind.Node, bytes.concat(keccak256("node")), 0);
        rofl.setEndorsements(appId, 0, single);
        vm.stopPrank();
        assertEq(keccak256(abi.encode(rofl.getApp(appId).policy.endorsements)), keccak256(abi.encode(single)));
        _assertInSync(appId);
    }

    /// @dev Metadata and secret values on both sides of the 31-byte short-string limit read
    /// back byte for byte.
    function test_EntriesAroundTheShortStringLimit() public {
        bytes21 appId = _createDefault();
        uint256[7] memory lengths = [uint256(0), 1, 30, 31, 32, 33, 65];
        vm.startPrank(owner);
        for (uint256 i; i < lengths.length; ++i) {
            string memory key = string(_repeat(bytes1(uint8(0x61 + i)), lengths[i] == 0 ? 1 : lengths[i]));
            rofl.setMetadata(appId, 0, key, string(_repeat("v", lengths[i])));
            rofl.setSecret(appId, 0, key, _repeat(0xee, lengths[i]));
        }
        vm.stopPrank();
        AppConfig memory config = rofl.getApp(appId);
        assertEq(config.metadata.length, lengths.length);
        for (uint256 i; i < lengths.length; ++i) {
            assertEq(bytes(config.metadata[i].value), _repeat("v", lengths[i]));
            assertEq(config.secrets[i].value, _repeat(0xee, lengths[i]));
        }
        _assertInSync(appId);
    }

    function _quotesWithLists() internal pure returns (QuotePolicy memory quotes) {
        quotes = _defaultPolicy().quotes;
        quotes.pcs.disabled = true;
        quotes.pcs.fmspcWhitelist = new string[](1);
        quotes.pcs.fmspcWhitelist[0] = "00906ED50000";
        quotes.pcs.fmspcBlacklist = new string[](2);
        quotes.pcs.fmspcBlacklist[0] = "00A06F000000";
        quotes.pcs.fmspcBlacklist[1] = "30606A000000";
        quotes.pcs.allowedTdxModules = new TdxModule[](1);
        quotes.pcs.allowedTdxModules[0] = TdxModule(_repeat(0x11, 48), _repeat(0x00, 48));
    }

    /// @dev `or` over an entity (32-byte value), a provider (21-byte value) and `role_compute`.
    function _mixedEndorsements() internal pure returns (EndorsementNode[] memory nodes) {
        nodes = new EndorsementNode[](4);
        nodes[0] = _node(EndorsementKind.Or, "", 3);
        nodes[1] = _node(EndorsementKind.Entity, bytes.concat(keccak256("entity")), 0);
        nodes[2] = _node(EndorsementKind.Provider, abi.encodePacked(bytes21(keccak256("provider"))), 0);
        nodes[3] = _node(EndorsementKind.RoleCompute, "", 0);
    }

    function _find(EnclaveIdentity[] memory list, uint256 count, EnclaveIdentity memory identity)
        internal
        pure
        returns (uint256)
    {
        for (uint256 i; i < count; ++i) {
            if (list[i].mrEnclave == identity.mrEnclave && list[i].mrSigner == identity.mrSigner) return i + 1;
        }
        return 0;
    }

    function _assertEnclaves(EnclaveIdentity[] memory got, EnclaveIdentity[] memory model, uint256 count)
        internal
        pure
    {
        assertEq(got.length, count, "enclave count");
        for (uint256 i; i < count; ++i) {
            assertEq(got[i].mrEnclave, model[i].mrEnclave, "mr_enclave order");
            assertEq(got[i].mrSigner, model[i].mrSigner, "mr_signer");
        }
    }
}
