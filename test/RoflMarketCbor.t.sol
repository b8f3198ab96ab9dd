// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflErrors} from "../contracts/interfaces/IRoflErrors.sol";
import {Test} from "forge-std/Test.sol";

import {RoflMarketCbor} from "../contracts/libraries/RoflMarketCbor.sol";
import {RoflMarketStandIn} from "../contracts/testing/RoflMarketStandIn.sol";

/// @notice The roflmarket bodies and scheduler commands the contract writes equal, byte for
/// byte, what the npm client-rt package writes for the same values
/// (`test/vectors/roflmarket_cbor.json`, made and re-checked by `tools/crosscheck/roflmarket*.js`),
/// and the strict stand-in decodes each command back to the values.
contract RoflMarketCborTest is Test {
    string internal json;

    function setUp() public {
        json = vm.readFile("test/vectors/roflmarket_cbor.json");
    }

    function _v(uint256 i, string memory key) internal view returns (string memory) {
        return vm.parseJsonString(json, string.concat(".vectors[", vm.toString(i), "].", key));
    }

    function _u64(uint256 i, string memory key) internal view returns (uint64) {
        return uint64(vm.parseUint(_v(i, key)));
    }

    function _b21(uint256 i, string memory key) internal view returns (bytes21) {
        return bytes21(vm.parseBytes(_v(i, key)));
    }

    function _bytes(uint256 i, string memory key) internal view returns (bytes memory) {
        return vm.parseBytes(_v(i, key));
    }

    function _name(uint256 i) internal view returns (bytes32) {
        return keccak256(bytes(_v(i, "name")));
    }

    function test_bodiesMatchClientRt() public view {
        uint256 count = 9;
        assertFalse(vm.keyExistsJson(json, ".vectors[9]"), "vector count");
        for (uint256 i; i < count; ++i) {
            bytes32 name = _name(i);
            bytes memory body;
            if (name == keccak256("instance_create") || name == keccak256("instance_create_large")) {
                body = RoflMarketCbor.encodeInstanceCreate(
                    _b21(i, "provider"), _u64(i, "offer"), uint8(_u64(i, "term")), _u64(i, "termCount")
                );
            } else if (name == keccak256("instance_top_up")) {
                body = RoflMarketCbor.encodeInstanceTopUp(
                    _b21(i, "provider"), _u64(i, "id"), uint8(_u64(i, "term")), _u64(i, "termCount")
                );
            } else if (name == keccak256("instance_change_admin")) {
                body = RoflMarketCbor.encodeChangeAdmin(_b21(i, "provider"), _u64(i, "id"), _b21(i, "admin"));
            } else if (name == keccak256("instance_cancel")) {
                body = RoflMarketCbor.encodeCancel(_b21(i, "provider"), _u64(i, "id"));
            } else {
                bool wipe = keccak256(bytes(_v(i, "wipeStorage"))) == keccak256("true");
                bytes memory cmd;
                if (name == keccak256("execute_deploy") || name == keccak256("execute_deploy_wipe")) {
                    cmd = RoflMarketCbor.encodeDeployCmd(
                        _b21(i, "appId"), bytes32(vm.parseBytes32(_v(i, "manifestHash"))), wipe
                    );
                } else {
                    cmd = RoflMarketCbor.encodeWipeCmd(_v(i, "command"), wipe);
                }
                assertEq(cmd, _bytes(i, "cmd"), string.concat(_v(i, "name"), ": command"));
                body = RoflMarketCbor.encodeExecuteCmd(_b21(i, "provider"), _u64(i, "id"), cmd);
            }
            assertEq(body, _bytes(i, "body"), _v(i, "name"));
        }
    }

    function test_standInDecodesTheCommands() public {
        RoflMarketStandIn market = new RoflMarketStandIn();
        bytes32 manifest = bytes32(uint256(0xc3) * (type(uint256).max / 0xff));
        bytes21 app = bytes21(0x00a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1);
        RoflMarketStandIn.Command memory c = market.decodeCommand(RoflMarketCbor.encodeDeployCmd(app, manifest, true));
        assertEq(c.method, "Deploy");
        assertEq(c.appId, app);
        assertEq(c.manifestHash, manifest);
        assertTrue(c.wipeStorage);
        c = market.decodeCommand(RoflMarketCbor.encodeWipeCmd("Terminate", false));
        assertEq(c.method, "Terminate");
        assertFalse(c.wipeStorage);
    }

    function test_invalidTermIsRefused() public {
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.InvalidTerm.selector, uint8(4)));
        this.encodeCreate(4);
    }

    /// @dev External so that the revert can be expected.
    function encodeCreate(uint8 term) external pure returns (bytes memory) {
        return RoflMarketCbor.encodeInstanceCreate(bytes21(uint168(1)), 0, term, 1);
    }
}
