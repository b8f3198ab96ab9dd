// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflErrors} from "../contracts/interfaces/IRoflErrors.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IRoflAppAdmin} from "../contracts/interfaces/IRoflAppAdmin.sol";
import {IRoflReleaseGovernance} from "../contracts/interfaces/IRoflReleaseGovernance.sol";
import {AppPolicy, EnclaveIdentity} from "../contracts/types/RoflTypes.sol";
import {EnclaveRelease, IdentityInfo, IdentityStatus, ReleaseRecord} from "../contracts/types/RoflReleaseTypes.sol";
import {RoflReleaseGovernanceFixture} from "./utils/RoflReleaseGovernanceFixture.sol";

/// @title Release governance: addRelease: provenance records, retirement at once or after a grace period
contract RoflReleaseGovernanceReleasesTest is RoflReleaseGovernanceFixture {
    function test_AddRelease_RecordsProvenance() public {
        EnclaveIdentity[] memory added = _ids(_identity(10), _identity(11));
        vm.expectEmit(true, true, false, true, address(rofl));
        emit IRoflReleaseGovernance.ReleaseAdded(appId, 1, added, _record(1));
        vm.recordLogs();
        uint32 releaseId = _addRelease(added, 1, _none(), 0);
        assertEq(_countConfigUpdates(vm.getRecordedLogs()), 1, "one update");

        assertEq(releaseId, 1);
        assertEq(rofl.version(appId), 2);
        assertEq(rofl.getApp(appId).policy.enclaves.length, 4);
        _assertInSync(appId);

        (uint32 id, ReleaseRecord memory record) = rofl.releaseOf(appId, _identity(11));
        assertEq(id, 1);
        _assertRecord(record, _record(1));
        ReleaseRecord[] memory all = rofl.releases(appId);
        assertEq(all.length, 1);
        _assertRecord(all[0], _record(1));

        // Identities from createApp carry no record.
        (id, record) = rofl.releaseOf(appId, _identity(0));
        assertEq(id, 0);
        assertEq(record.gitCommit, bytes20(0));
        assertEq(uint256(_status(_identity(10))), uint256(IdentityStatus.Allowed));

        EnclaveRelease[] memory list = rofl.enclaveReleases(appId);
        assertEq(list.length, 4);
        assertEq(list[2].identity.mrEnclave, _identity(10).mrEnclave);
        assertEq(list[2].releaseId, 1);
        assertEq(list[0].releaseId, 0);
        assertEq(list[3].retireAt, 0);
    }

    function test_AddRelease_RetireAtOnce_OneUpdate() public {
        vm.recordLogs();
        _addRelease(_ids(_identity(10), _identity(11)), 1, _ids(_identity(0), _identity(1)), 0);
        assertEq(_countConfigUpdates(vm.getRecordedLogs()), 1, "one update");
        EnclaveIdentity[] memory enclaves = rofl.getApp(appId).policy.enclaves;
        assertEq(enclaves.length, 2);
        assertEq(uint256(_status(_identity(0))), uint256(IdentityStatus.NotAllowed));
        assertEq(uint256(_status(_identity(11))), uint256(IdentityStatus.Allowed));
        _assertInSync(appId);
    }

    function test_AddRelease_GracePeriodThenPrune() public {
        uint64 deadline = uint64(block.timestamp) + 7 * DAY;
        vm.expectEmit(true, false, false, true, address(rofl));
        emit IRoflReleaseGovernance.RetirementScheduled(appId, _identity(0).mrEnclave, _identity(0).mrSigner, deadline);
        _addRelease(_ids(_identity(10)), 1, _ids(_identity(0), _identity(1)), deadline);

        // Old identities still allowed, with their deadline on show.
        assertEq(rofl.getApp(appId).policy.enclaves.length, 3);
        IdentityInfo memory info = rofl.identityInfo(appId, _identity(1));
        assertEq(uint256(info.status), uint256(IdentityStatus.Retiring));
        assertEq(info.retireAt, deadline);
        EnclaveRelease[] memory list = rofl.enclaveReleases(appId);
        assertEq(list[0].retireAt, deadline);
        assertEq(list[2].retireAt, 0);
        assertEq(rofl.expiredEnclaves(appId).length, 0);

        // Not yet: nothing to prune, even a second before.
        vm.warp(deadline - 1);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.NothingToPrune.selector, appId));
        vm.prank(stranger);
        rofl.prune(appId);

        // At the deadline anyone prunes both, in one update.
        vm.warp(deadline);
        assertEq(rofl.expiredEnclaves(appId).length, 2);
        uint64 v = rofl.version(appId);
        vm.expectEmit(true, true, false, true, address(rofl));
        emit IRoflReleaseGovernance.EnclavesPruned(appId, stranger, 2);
        vm.recordLogs();
        vm.prank(stranger);
        assertEq(rofl.prune(appId), 2);
        assertEq(_countConfigUpdates(vm.getRecordedLogs()), 1, "one update");
        assertEq(rofl.version(appId), v + 1);

        EnclaveIdentity[] memory enclaves = rofl.getApp(appId).policy.enclaves;
        assertEq(enclaves.length, 1);
        assertEq(enclaves[0].mrEnclave, _identity(10).mrEnclave);
        info = rofl.identityInfo(appId, _identity(0));
        assertEq(uint256(info.status), uint256(IdentityStatus.NotAllowed));
        assertEq(info.retireAt, 0);
        _assertInSync(appId);
    }

    function test_AddRelease_InBatchWithMetadata_OneUpdate() public {
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(
            IRoflReleaseGovernance.addRelease, (appId, 1, _ids(_identity(10)), _record(1), _ids(_identity(0)), 0)
        );
        calls[1] = abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, 1, "net.oasis.rofl.version", "1.1.0"));
        vm.recordLogs();
        vm.prank(owner);
        rofl.multicall(calls);
        assertEq(_countConfigUpdates(vm.getRecordedLogs()), 1);
        assertEq(rofl.version(appId), 2);
        _assertInSync(appId);
    }

    function test_AddRelease_FullPolicyRotates() public {
        AppPolicy memory policy = _defaultPolicy();
        policy.enclaves = _enclaves(64);
        appId = _create(policy, _noMetadata());
        _addRelease(_ids(_identity(100)), 1, _ids(_identity(5)), 0);
        assertEq(rofl.getApp(appId).policy.enclaves.length, 64);
        _assertInSync(appId);

        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.TooManyEnclaves.selector, 65, 64));
        _addRelease(_ids(_identity(101)), 2, _none(), 0);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.TooManyEnclaves.selector, 65, 64));
        _addRelease(_ids(_identity(101)), 2, _ids(_identity(6)), uint64(block.timestamp + 1));
    }

    /// @dev A release may replace all 64 identities at once (128 allowed in the middle of it);
    /// one more new identity than that is refused before anything is stored.
    function test_AddRelease_ReplacesAFullPolicyAtOnce() public {
        AppPolicy memory policy = _defaultPolicy();
        policy.enclaves = _enclaves(64);
        appId = _create(policy, _noMetadata());
        EnclaveIdentity[] memory next = new EnclaveIdentity[](64);
        for (uint256 i; i < 64; ++i) {
            next[i] = _identity(1000 + i);
        }
        _addRelease(next, 1, policy.enclaves, 0);
        EnclaveIdentity[] memory allowed = rofl.getApp(appId).policy.enclaves;
        assertEq(allowed.length, 64);
        for (uint256 i; i < 64; ++i) {
            assertEq(rofl.identityInfo(appId, next[i]).releaseId, 1);
            assertEq(uint8(rofl.identityInfo(appId, policy.enclaves[i]).status), uint8(IdentityStatus.NotAllowed));
        }
        _assertInSync(appId);

        EnclaveIdentity[] memory tooMany = new EnclaveIdentity[](65);
        for (uint256 i; i < 65; ++i) {
            tooMany[i] = _identity(2000 + i);
        }
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.TooManyEnclaves.selector, 129, 64));
        _addRelease(tooMany, 2, next, 0);
        assertEq(rofl.version(appId), 2);
    }

    function test_AddRelease_ReaddedIdentityPointsAtLatestRelease() public {
        _addRelease(_ids(_identity(10)), 1, _none(), 0);
        vm.prank(owner);
        rofl.removeEnclave(appId, 0, _identity(10));
        // Provenance survives the removal.
        (uint32 id,) = rofl.releaseOf(appId, _identity(10));
        assertEq(id, 1);
        _addRelease(_ids(_identity(10)), 2, _none(), 0);
        ReleaseRecord memory record;
        (id, record) = rofl.releaseOf(appId, _identity(10));
        assertEq(id, 2);
        _assertRecord(record, _record(2));
        assertEq(rofl.releases(appId).length, 2);
    }

    function test_AddRelease_Validation_emptyRelease() public {
        vm.startPrank(owner);
        vm.expectRevert(IRoflErrors.EmptyRelease.selector);
        rofl.addRelease(appId, 0, _none(), _record(1), _none(), 0);
        vm.stopPrank();
        _assertNothingStored();
    }

    function test_AddRelease_Validation_recordFields() public {
        vm.startPrank(owner);
        string[6] memory fields = ["version", "repository", "gitCommit", "bundleHash", "manifestHash", "notes"];
        for (uint256 i; i < fields.length; ++i) {
            ReleaseRecord memory bad = _record(1);
            if (i == 0) bad.version = "";
            if (i == 1) bad.repository = "";
            if (i == 2) bad.gitCommit = 0;
            if (i == 3) bad.bundleHash = 0;
            if (i == 4) bad.manifestHash = 0;
            if (i == 5) bad.notes = string(_repeat("n", 1025));
            vm.expectRevert(abi.encodeWithSelector(IRoflErrors.InvalidReleaseRecord.selector, fields[i]));
            rofl.addRelease(appId, 0, _ids(_identity(10)), bad, _none(), 0);
        }
        vm.stopPrank();
        _assertNothingStored();
    }

    function test_AddRelease_Validation_versionTooLong() public {
        vm.startPrank(owner);
        ReleaseRecord memory long = _record(1);
        long.version = string(_repeat("1", 65));
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.InvalidReleaseRecord.selector, "version"));
        rofl.addRelease(appId, 0, _ids(_identity(10)), long, _none(), 0);
        vm.stopPrank();
        _assertNothingStored();
    }

    function test_AddRelease_Validation_repositoryTooLong() public {
        vm.startPrank(owner);
        ReleaseRecord memory long = _record(1);
        long.repository = string(_repeat("r", 257));
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.InvalidReleaseRecord.selector, "repository"));
        rofl.addRelease(appId, 0, _ids(_identity(10)), long, _none(), 0);
        vm.stopPrank();
        _assertNothingStored();
    }

    function test_AddRelease_Validation_deadlines() public {
        vm.startPrank(owner);
        uint64 latest = uint64(block.timestamp) + rofl.MAX_GRACE_PERIOD();
        uint64[3] memory badDeadlines = [uint64(block.timestamp), uint64(block.timestamp - 1), latest + 1];
        for (uint256 i; i < badDeadlines.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IRoflErrors.InvalidDeadline.selector, badDeadlines[i], latest));
            rofl.addRelease(appId, 0, _ids(_identity(10)), _record(1), _ids(_identity(0)), badDeadlines[i]);
        }
        vm.stopPrank();
        _assertNothingStored();
    }

    function test_AddRelease_Validation_alreadyAllowed() public {
        vm.startPrank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRoflErrors.EnclaveAlreadyAllowed.selector, appId, _identity(0).mrEnclave, _identity(0).mrSigner
            )
        );
        rofl.addRelease(appId, 0, _ids(_identity(0)), _record(1), _none(), 0);
        vm.stopPrank();
        _assertNothingStored();
    }

    function test_AddRelease_Validation_retireNotAllowed() public {
        vm.startPrank(owner);
        uint64 latest = uint64(block.timestamp) + rofl.MAX_GRACE_PERIOD();
        vm.expectRevert(
            abi.encodeWithSelector(
                IRoflErrors.EnclaveNotAllowed.selector, appId, _identity(9).mrEnclave, _identity(9).mrSigner
            )
        );
        rofl.addRelease(appId, 0, _ids(_identity(10)), _record(1), _ids(_identity(9)), 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRoflErrors.EnclaveNotAllowed.selector, appId, _identity(9).mrEnclave, _identity(9).mrSigner
            )
        );
        rofl.addRelease(appId, 0, _ids(_identity(10)), _record(1), _ids(_identity(9)), latest);
        vm.stopPrank();
        _assertNothingStored();
    }

    function test_AddRelease_Validation_retiringNewIdentity() public {
        vm.startPrank(owner);
        uint64 latest = uint64(block.timestamp) + rofl.MAX_GRACE_PERIOD();
        for (uint64 grace; grace < 2; ++grace) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IRoflErrors.RetiringNewIdentity.selector, _identity(10).mrEnclave, _identity(10).mrSigner
                )
            );
            rofl.addRelease(appId, 0, _ids(_identity(10)), _record(1), _ids(_identity(10)), grace * latest);
        }
        vm.stopPrank();
        _assertNothingStored();
    }

    function test_AddRelease_Validation_staleVersion() public {
        vm.startPrank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.StaleVersion.selector, appId, 5, 1));
        rofl.addRelease(appId, 5, _ids(_identity(10)), _record(1), _none(), 0);
        vm.stopPrank();
        _assertNothingStored();
    }

    /// @dev Nothing of a failed attempt stayed.
    function _assertNothingStored() internal view {
        assertEq(rofl.releases(appId).length, 0);
        assertEq(rofl.version(appId), 1);
    }

    function test_AddRelease_OnlyOwner() public {
        address[3] memory callers = [stranger, guardian, address(0)];
        for (uint256 i; i < callers.length; ++i) {
            vm.prank(callers[i]);
            vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, callers[i]));
            rofl.addRelease(appId, 0, _ids(_identity(10)), _record(1), _none(), 0);
        }
    }

    function test_AddRelease_UnknownAppReverts() public {
        bytes21 unknown = bytes21(uint168(7));
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.UnknownApp.selector, unknown));
        rofl.addRelease(unknown, 0, _ids(_identity(10)), _record(1), _none(), 0);
    }
}
