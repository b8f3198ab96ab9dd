// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {RoflModuleStandIn} from "../contracts/testing/RoflModuleStandIn.sol";
import {OasisIds} from "../contracts/libraries/OasisIds.sol";
import {EnclaveIdentity, MetadataEntry} from "../contracts/types/RoflTypes.sol";
import {RoflModuleStandInFixture, ContractCreator} from "./utils/RoflModuleStandInFixture.sol";

/// @title The ROFL module stand-in: rofl.Create: ids, stored config, stake and the method table
contract RoflModuleStandInCreateTest is RoflModuleStandInFixture {
    function test_createTalosPolicySchemeNonce() public {
        bytes memory body = _create(TALOS_POLICY, 1, TALOS_METADATA);
        vm.expectEmit(ROFL_SUBCALL);
        emit AppCreated(ALICE_CN1, ALICE_OASIS, 100 ether);
        bytes memory data = _expectOk(ALICE, "rofl.Create", body);
        assertEq(data, abi.encodePacked(hex"55", ALICE_CN1), "CBOR byte string of the app id");

        assertTrue(standIn.appExists(ALICE_CN1));
        (bool hasAdmin, bytes21 admin) = standIn.appAdmin(ALICE_CN1);
        assertTrue(hasAdmin);
        assertEq(admin, ALICE_OASIS);
        assertEq(standIn.appStake(ALICE_CN1), 100 ether);
        assertEq(standIn.appFees(ALICE_CN1), 2);
        assertEq(standIn.appMaxExpiration(ALICE_CN1), 3);
        assertEq(standIn.appPolicyCbor(ALICE_CN1), TALOS_POLICY);
        assertEq(standIn.lastBody(ALICE_CN1), body);
        EnclaveIdentity[] memory enclaves = standIn.appEnclaves(ALICE_CN1);
        assertEq(enclaves.length, 2);
        assertEq(enclaves[0].mrEnclave, TALOS_ENCLAVE_0);
        assertEq(enclaves[1].mrEnclave, TALOS_ENCLAVE_1);
        assertEq(enclaves[1].mrSigner, bytes32(0));
        MetadataEntry[] memory metadata = standIn.appMetadata(ALICE_CN1);
        assertEq(metadata.length, 5);
        assertEq(metadata[0].key, "net.oasis.rofl.name");
        assertEq(metadata[0].value, "talos");
        assertEq(metadata[4].key, "net.oasis.rofl.description");
        assertEq(standIn.appSecrets(ALICE_CN1).length, 0);
        bytes21[] memory ids = standIn.appIds();
        assertEq(ids.length, 1);
        assertEq(ids[0], ALICE_CN1);
        // The caller's balance is untouched: the stake is only recorded.
        assertEq(ALICE.balance, 1000 ether);
    }

    function test_createSchemeNonceIncrementsPerCreator() public {
        _expectOk(ALICE, "rofl.Create", _create(_simplePolicy(), 1, EMPTY_MAP));
        bytes memory data = _expectOk(ALICE, "rofl.Create", _create(_simplePolicy(), 1, EMPTY_MAP));
        assertEq(data, abi.encodePacked(hex"55", ALICE_CN2));
    }

    /// @dev Scheme 0 is (creator, round, tx index) and a subcall's tx index is always 0, as on
    /// Sapphire: a second create in the same block derives the same id and fails with code 10
    /// (the stand-in used to count an index per block, which the module never does).
    function test_createSchemeRoundIndex() public {
        vm.roll(1);
        bytes memory body = _create(_simplePolicy(), 0, EMPTY_MAP);
        assertEq(_expectOk(ALICE, "rofl.Create", body), abi.encodePacked(hex"55", ALICE_CRI_1_0));
        _expectModuleError(ALICE, "rofl.Create", body, 10, "rofl");
        // another creator in the same block has its own id
        _expectOk(BOB, "rofl.Create", body);
        vm.roll(2);
        assertEq(_expectOk(ALICE, "rofl.Create", body), abi.encodePacked(hex"55", ALICE_CRI_2_0));
        assertEq(standIn.appIds().length, 3);
    }

    /// @dev A contract's scheme-1 id uses its real EVM nonce: unchanged by subcalls (second
    /// create collides, code 10), moved by a CREATE.
    function test_createSchemeNonceFromContractUsesItsEvmNonce() public {
        ContractCreator creator = new ContractCreator();
        vm.deal(address(creator), 1000 ether);
        bytes21 oasis = OasisIds.fromEth(address(creator));
        bytes memory body = _create(_simplePolicy(), 1, EMPTY_MAP);
        assertEq(standIn.contractNonce(address(creator)), 1);

        (uint64 status, bytes memory data) = creator.subcall("rofl.Create", body);
        assertEq(status, 0);
        assertEq(data, abi.encodePacked(hex"55", OasisIds.appIdCreatorNonce(oasis, 1)));
        (status, data) = creator.subcall("rofl.Create", body);
        assertEq(status, 10, "same nonce, same id");
        assertEq(string(data), "rofl");

        for (uint64 k = 2; k <= 4; ++k) {
            creator.bump();
            assertEq(standIn.contractNonce(address(creator)), k);
            assertEq(vm.getNonce(address(creator)), k);
            (status, data) = creator.subcall("rofl.Create", body);
            assertEq(status, 0);
            assertEq(data, abi.encodePacked(hex"55", OasisIds.appIdCreatorNonce(oasis, k)));
        }
        assertEq(standIn.appIds().length, 4);
    }

    /// @dev The nonce probe computes CREATE addresses right across the RLP length changes
    /// (1-byte nonces below 0x80, 0x81 + 1 byte up to 0xff, 0x82 + 2 bytes from 0x100).
    function test_contractNonceProbeMatchesCreateAddresses() public {
        address deployer = address(new ContractCreator());
        for (uint64 k = 1; k <= 300; ++k) {
            vm.etch(vm.computeCreateAddress(deployer, k), hex"fe");
        }
        assertEq(standIn.contractNonce(deployer), 301);
    }

    function test_createFullPcsPolicyAccepted() public {
        bytes memory policy =
            _policy(FULL_QUOTES, _enclaves1(SIMPLE_ENCLAVE), bytes.concat(hex"81", ANY), hex"18" hex"18");
        bytes memory data = _expectOk(ALICE, "rofl.Create", _create(policy, 1, EMPTY_MAP));
        assertEq(standIn.appMaxExpiration(bytes21(_slice(data, 1))), 24);
    }

    function test_createInsufficientBalance() public {
        _expectModuleError(POOR, "rofl.Create", _create(_simplePolicy(), 1, EMPTY_MAP), 2, "accounts");
        assertEq(standIn.appIds().length, 0);
    }

    function test_createRejectsValue() public {
        vm.prank(ALICE, ALICE);
        (bool ok, bytes memory ret) =
            ROFL_SUBCALL.call{value: 1}(abi.encode(bytes("rofl.Create"), _create(_simplePolicy(), 1, EMPTY_MAP)));
        assertFalse(ok);
        assertEq(ret, abi.encodeWithSelector(RoflModuleStandIn.ValueNotAccepted.selector, 1));
    }

    function test_unknownMethodIsCoreInvalidMethod_rofl() public {
        _expectModuleError(ALICE, "rofl.DeriveKey", hex"a0", 3, "core");
    }

    function test_unknownMethodIsCoreInvalidMethod_otherModule() public {
        _expectModuleError(ALICE, "accounts.Transfer", hex"a0", 3, "core");
    }
}
