// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflAppAdmin} from "../../contracts/interfaces/IRoflAppAdmin.sol";
import {IRoflReleaseGovernance} from "../../contracts/interfaces/IRoflReleaseGovernance.sol";
import {AppConfig, EnclaveIdentity} from "../../contracts/types/RoflTypes.sol";
import {EnclaveRelease, ReleaseRecord} from "../../contracts/types/RoflReleaseTypes.sol";
import {RoflAppAdminBase} from "../utils/RoflAppAdminBase.sol";

/// @title The views that end with `_returnEncoded` (Slither `incorrect-return`, triage [S-9])
/// @notice `getApp`, `releaseOf`, `enclaveReleases` and `expiredEnclaves` return the bytes a
/// logic library encoded, with an assembly `return`, instead of letting the compiler encode the
/// declared result. These tests pin what the triage relies on: the raw return data is exactly
/// the canonical ABI encoding of the declared result (so any caller, not only Solidity's
/// tolerant decoder, reads it), and inside `multicall` the `return` ends only the inner
/// DELEGATECALL frame, not the batch.
contract RawViewReturnsTest is RoflAppAdminBase {
    bytes21 internal appId;

    function setUp() public override {
        super.setUp();
        appId = _createDefault();
        vm.startPrank(owner);
        rofl.setMetadata(appId, 0, "net.oasis.rofl.version", "1.0.0");
        rofl.setSecret(appId, 0, "API_KEY", hex"a1b2c3");
        EnclaveIdentity[] memory added = new EnclaveIdentity[](2);
        (added[0], added[1]) = (_identity(10), _identity(11));
        EnclaveIdentity[] memory retire = new EnclaveIdentity[](1);
        retire[0] = _identity(0);
        rofl.addRelease(appId, 0, added, _record(), retire, uint64(block.timestamp + 1 days));
        vm.stopPrank();
        // identity 0 is now past its grace deadline: expiredEnclaves is not empty.
        vm.warp(block.timestamp + 2 days);
    }

    function test_GetAppReturnsCanonicalAbi() public view {
        bytes memory raw = _view(abi.encodeCall(IRoflAppAdmin.getApp, (appId)));
        AppConfig memory config = abi.decode(raw, (AppConfig));
        assertEq(config.id, appId);
        assertEq(config.version, rofl.version(appId));
        assertEq(config.metadata.length, 1);
        assertEq(config.secrets.length, 1);
        assertEq(config.policy.enclaves.length, 3);
        assertEq(raw, abi.encode(config), "canonical encoding");
    }

    function test_ReleaseOfReturnsCanonicalAbi() public view {
        // With a release, and without one (the identity from createApp).
        for (uint256 i; i < 2; ++i) {
            EnclaveIdentity memory identity = i == 0 ? _identity(11) : _identity(0);
            bytes memory raw = _view(abi.encodeCall(IRoflReleaseGovernance.releaseOf, (appId, identity)));
            (uint32 releaseId, ReleaseRecord memory record) = abi.decode(raw, (uint32, ReleaseRecord));
            assertEq(releaseId, i == 0 ? 1 : 0);
            assertEq(record.gitCommit, i == 0 ? _record().gitCommit : bytes20(0));
            assertEq(raw, abi.encode(releaseId, record), "canonical encoding");
        }
    }

    function test_EnclaveReleasesReturnsCanonicalAbi() public view {
        bytes memory raw = _view(abi.encodeCall(IRoflReleaseGovernance.enclaveReleases, (appId)));
        EnclaveRelease[] memory list = abi.decode(raw, (EnclaveRelease[]));
        assertEq(list.length, 3);
        assertEq(raw, abi.encode(list), "canonical encoding");
    }

    function test_ExpiredEnclavesReturnsCanonicalAbi() public view {
        bytes memory raw = _view(abi.encodeCall(IRoflReleaseGovernance.expiredEnclaves, (appId)));
        EnclaveIdentity[] memory expired = abi.decode(raw, (EnclaveIdentity[]));
        assertEq(expired.length, 1);
        assertEq(expired[0].mrEnclave, _identity(0).mrEnclave);
        assertEq(raw, abi.encode(expired), "canonical encoding");
    }

    /// @dev The assembly `return` inside a batch ends the DELEGATECALL frame only: the batch
    /// goes on, collects each view's bytes as its result, and still flushes the change after it.
    function test_ViewsInsideMulticallReturnOnlyFromTheirFrame() public {
        bytes[] memory calls = new bytes[](5);
        calls[0] = abi.encodeCall(IRoflAppAdmin.getApp, (appId));
        calls[1] = abi.encodeCall(IRoflReleaseGovernance.releaseOf, (appId, _identity(11)));
        calls[2] = abi.encodeCall(IRoflReleaseGovernance.enclaveReleases, (appId));
        calls[3] = abi.encodeCall(IRoflReleaseGovernance.expiredEnclaves, (appId));
        calls[4] = abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, 0, "k", "v"));
        bytes[] memory expected = new bytes[](4);
        for (uint256 i; i < 4; ++i) {
            expected[i] = _view(calls[i]);
        }
        uint64 versionBefore = rofl.version(appId);

        vm.prank(owner);
        bytes[] memory results = rofl.multicall(calls);

        assertEq(results.length, 5);
        for (uint256 i; i < 4; ++i) {
            assertEq(results[i], expected[i]);
        }
        assertEq(results[4].length, 0);
        assertEq(rofl.version(appId), versionBefore + 1, "the batch was flushed");
        assertEq(rofl.getApp(appId).metadata.length, 2);
        _assertInSync(appId);
    }

    function _view(bytes memory data) internal view returns (bytes memory raw) {
        bool success;
        (success, raw) = address(rofl).staticcall(data);
        assertTrue(success, "view reverted");
    }

    function _record() internal pure returns (ReleaseRecord memory) {
        return ReleaseRecord({
            version: "1.4.2",
            repository: "https://github.com/example/demo-app",
            gitCommit: bytes20(keccak256("commit")),
            bundleHash: keccak256("bundle"),
            manifestHash: keccak256("rofl.yaml"),
            notes: "audited build"
        });
    }
}
