// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";

import {RoflAppAdmin} from "../contracts/rofl/RoflAppAdmin.sol";

/// @title The policy contract and its linked libraries stay deployable (EIP-170)
/// @notice Sapphire enforces the 24,576-byte runtime code limit like Ethereum, and so does the
/// local anvil. forge itself runs tests without it, so a contract that outgrew the limit would
/// pass every other test here and only fail to deploy: this test measures the deployed code.
contract RoflAppAdminSizeTest is Test {
    /// @dev EIP-170 `MAX_CODE_SIZE`.
    uint256 internal constant MAX_CODE_SIZE = 24_576;

    /// @dev The external libraries `RoflAppAdmin` links (forge deploys and links them for `new`).
    function _libraries() internal pure returns (string[5] memory) {
        return [
            "RoflConfigLogic.sol:RoflConfigLogic",
            "RoflUpdateLogic.sol:RoflUpdateLogic",
            "RoflReleaseLogic.sol:RoflReleaseLogic",
            "RoflLockLogic.sol:RoflLockLogic",
            "RoflMachineLogic.sol:RoflMachineLogic"
        ];
    }

    function test_StandInsFitTheCodeSizeLimit() public {
        assertLe(deployCode("RoflModuleStandIn.sol:RoflModuleStandIn").code.length, MAX_CODE_SIZE, "rofl stand-in");
        assertLe(deployCode("RoflMarketStandIn.sol:RoflMarketStandIn").code.length, MAX_CODE_SIZE, "market stand-in");
    }

    function test_PolicyContractFitsTheCodeSizeLimit() public {
        RoflAppAdmin admin = new RoflAppAdmin(address(this));
        uint256 size = address(admin).code.length;
        emit log_named_uint("RoflAppAdmin runtime size", size);
        assertLe(size, MAX_CODE_SIZE, "RoflAppAdmin runtime code over EIP-170");
    }

    function test_LinkedLibrariesFitTheCodeSizeLimit() public {
        string[5] memory libraries = _libraries();
        for (uint256 i; i < libraries.length; ++i) {
            address library_ = deployCode(libraries[i]);
            uint256 size = library_.code.length;
            emit log_named_uint(libraries[i], size);
            assertGt(size, 0, libraries[i]);
            assertLe(size, MAX_CODE_SIZE, libraries[i]);
        }
    }
}
