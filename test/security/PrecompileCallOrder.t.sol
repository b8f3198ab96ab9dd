// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflErrors} from "../../contracts/interfaces/IRoflErrors.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {IRoflAppAdmin} from "../../contracts/interfaces/IRoflAppAdmin.sol";
import {IRoflReleaseGovernance} from "../../contracts/interfaces/IRoflReleaseGovernance.sol";
import {RoflSubcall} from "../../contracts/rofl/RoflSubcall.sol";
import {FeePolicy} from "../../contracts/types/RoflTypes.sol";
import {SecurityBase} from "./SecurityBase.sol";
import {HostilePrecompile} from "./utils/HostileActors.sol";

/// @title The precompile path under a hostile precompile
/// @notice On Sapphire the subcall precompile is part of the runtime and the `rofl` methods
/// never call back into the EVM. These tests replace it with hostile code to show what the
/// policy contract relies on and what it defends by itself:
///  - re-entry from the precompile address is refused (owner-only and guardian-only functions);
///  - a revert, a module error or a malformed answer reverts the whole change;
///  - a huge answer only burns the caller's gas, atomically;
///  - NOT defended: a callback into the anyone-callable `prune`, or one that makes the owner
///    act, during the subcall (documented hazard H-1).
contract PrecompileCallOrderTest is SecurityBase {
    uint256 internal constant ONE_MIB = 1 << 20;

    /// @dev One owner change: a new metadata key (sends `rofl.Update` at once).
    function _change() internal returns (bool ok, bytes memory result) {
        vm.prank(owner);
        (ok, result) =
            address(rofl).call(abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, 0, "net.oasis.rofl.version", "9")));
    }

    function _change(uint256 gasLimit) internal returns (bool ok) {
        vm.prank(owner);
        (ok,) = address(rofl).call{gas: gasLimit}(
            abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, 0, "net.oasis.rofl.version", "9"))
        );
    }

    function _unauthorized() internal pure returns (bytes memory) {
        return abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, ROFL_SUBCALL);
    }

    // -------------------------------------------------------------------------------------------
    // Re-entry from the precompile itself
    // -------------------------------------------------------------------------------------------

    /// @dev Every state-changing entry point, called back by the precompile in the middle of
    /// an update, is refused, and the update itself completes normally.
    function test_PrecompileReentryIsRefusedEverywhere() public {
        bytes[] memory none = new bytes[](0);
        bytes[] memory attempts = new bytes[](14);
        attempts[0] = abi.encodeCall(IRoflAppAdmin.addEnclave, (appId, 0, _identity(7)));
        attempts[1] = abi.encodeCall(IRoflAppAdmin.removeEnclave, (appId, 0, _identity(0)));
        attempts[2] = abi.encodeCall(IRoflAppAdmin.setFees, (appId, 0, FeePolicy.InstancePays));
        attempts[3] = abi.encodeCall(IRoflAppAdmin.setMaxExpiration, (appId, 0, 5));
        attempts[4] = abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, 0, "k", "v"));
        attempts[5] = abi.encodeCall(IRoflAppAdmin.setSecret, (appId, 0, "s", hex"01"));
        attempts[6] = abi.encodeCall(IRoflAppAdmin.removeApp, (appId, 0));
        attempts[7] = abi.encodeCall(IRoflAppAdmin.transferRoflAdmin, (appId, 0, bytes21(uint168(1))));
        attempts[8] = abi.encodeCall(IRoflAppAdmin.renounceRoflAdmin, (appId, 0));
        attempts[9] = abi.encodeCall(IRoflAppAdmin.withdrawStake, ());
        attempts[10] = abi.encodeCall(IRoflAppAdmin.multicall, (none));
        attempts[11] = abi.encodeCall(
            IRoflAppAdmin.adoptApp, (bytes21(uint168(9)), _defaultPolicy(), _noMetadata(), _noSecrets())
        );
        attempts[12] = abi.encodeCall(Ownable.transferOwnership, (ROFL_SUBCALL));
        attempts[13] = abi.encodeCall(IRoflAppAdmin.createApp, (_defaultPolicy(), _noMetadata(), 1));

        vm.deal(address(rofl), 1 ether);
        for (uint256 i; i < attempts.length; ++i) {
            _goHostile(HostilePrecompile.Mode.Reenter, attempts[i], 0);
            uint64 before = rofl.version(appId);
            (bool ok,) = _change();
            assertTrue(ok, "the update itself failed");
            (uint256 hits, bool reentryOk, bytes memory result) = hostile.hostileOutcome();
            assertEq(hits, 1, "precompile not reached");
            assertFalse(reentryOk, "re-entry succeeded");
            assertEq(result, _unauthorized(), "re-entry refused for another reason");
            assertEq(rofl.version(appId), before + 1);
            _assertInSync(appId);
        }
        assertEq(address(rofl).balance, 1 ether, "value left during re-entry");
        assertEq(rofl.owner(), owner);
    }

    /// @dev The guardian's functions refuse the precompile too (it is nobody's guardian).
    function test_PrecompileReentryIntoGuardianFunctionsIsRefused() public {
        vm.prank(owner);
        rofl.setGuardian(appId, makeAddr("guardian"));
        bytes[] memory guarded = new bytes[](2);
        guarded[0] = abi.encodeCall(IRoflReleaseGovernance.revokeEnclave, (appId, 0, _identity(0)));
        guarded[1] = abi.encodeCall(IRoflReleaseGovernance.freeze, (appId, 0));
        for (uint256 i; i < guarded.length; ++i) {
            _goHostile(HostilePrecompile.Mode.Reenter, guarded[i], 0);
            (bool ok,) = _change();
            assertTrue(ok);
            (, bool reentryOk, bytes memory result) = hostile.hostileOutcome();
            assertFalse(reentryOk);
            assertEq(result, abi.encodeWithSelector(IRoflErrors.NotOwnerOrGuardian.selector, appId, ROFL_SUBCALL));
            _assertInSync(appId);
        }
    }

    /// @dev The owner-only release functions refuse the precompile as the setters do.
    function test_PrecompileReentryIntoReleaseFunctionsIsRefused() public {
        vm.prank(owner);
        rofl.setGuardian(appId, makeAddr("guardian"));
        bytes[] memory ownerOnly = new bytes[](3);
        ownerOnly[0] = abi.encodeCall(IRoflReleaseGovernance.setGuardian, (appId, ROFL_SUBCALL));
        ownerOnly[1] = abi.encodeCall(IRoflReleaseGovernance.unfreeze, (appId, 0));
        ownerOnly[2] = abi.encodeCall(
            IRoflReleaseGovernance.setRetirement, (appId, 0, _identity(0), uint64(block.timestamp + 1 days))
        );
        for (uint256 i; i < ownerOnly.length; ++i) {
            _goHostile(HostilePrecompile.Mode.Reenter, ownerOnly[i], 0);
            (bool ok,) = _change();
            assertTrue(ok);
            (, bool reentryOk, bytes memory result) = hostile.hostileOutcome();
            assertFalse(reentryOk);
            assertEq(result, _unauthorized());
        }
        assertEq(rofl.guardianOf(appId), makeAddr("guardian"));
    }

    /// @dev `prune` is anyone-callable, so the precompile itself CAN call it mid-update: the
    /// H-1 hazard without any help from the owner. NOT REACHABLE ON SAPPHIRE; pinned.
    function test_Hazard_PruneDuringSubcallDesyncsTheModule() public {
        vm.startPrank(owner);
        rofl.addEnclave(appId, 1, _identity(1));
        rofl.setRetirement(appId, 2, _identity(0), uint64(block.timestamp + 1 days));
        vm.stopPrank();
        vm.warp(block.timestamp + 2 days);

        _goHostile(HostilePrecompile.Mode.Reenter, abi.encodeCall(IRoflReleaseGovernance.prune, (appId)), 0);
        (bool ok,) = _change();
        assertTrue(ok);
        (, bool reentryOk,) = hostile.hostileOutcome();
        assertTrue(reentryOk, "prune refused during a subcall: the hazard is closed, update this test");
        assertEq(rofl.getApp(appId).policy.enclaves.length, 1, "contract pruned");
        assertEq(standIn.appEnclaves(appId).length, 2, "module still has the pruned identity");
    }

    /// @dev Same during the end-of-batch flush.
    function test_PrecompileReentryIsRefusedInFlush() public {
        _goHostile(HostilePrecompile.Mode.Reenter, _reentryAttempt(), 0);
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(IRoflAppAdmin.setMaxExpiration, (appId, 1, 4));
        calls[1] = abi.encodeCall(IRoflAppAdmin.setFees, (appId, 1, FeePolicy.InstancePays));
        vm.prank(owner);
        rofl.multicall(calls);
        (uint256 hits, bool reentryOk, bytes memory result) = hostile.hostileOutcome();
        assertEq(hits, 1);
        assertFalse(reentryOk);
        assertEq(result, _unauthorized());
        _assertInSync(appId);
    }

    /// @dev Same during Create.
    function test_PrecompileReentryIsRefusedInCreate() public {
        _goHostile(HostilePrecompile.Mode.Reenter, _reentryAttempt(), 0);
        vm.prank(owner);
        bytes21 second = rofl.createApp{value: STAKE}(_defaultPolicy(), _noMetadata(), 1);
        (, bool reentryOk, bytes memory result) = hostile.hostileOutcome();
        assertFalse(reentryOk);
        assertEq(result, _unauthorized());
        assertTrue(rofl.isManaged(second));
    }

    /// @dev Same during Remove.
    function test_PrecompileReentryIsRefusedInRemove() public {
        _goHostile(HostilePrecompile.Mode.Reenter, _reentryAttempt(), 0);
        vm.prank(owner);
        bytes21 second = rofl.createApp{value: STAKE}(_defaultPolicy(), _noMetadata(), 1);
        _goHostile(HostilePrecompile.Mode.Reenter, _reentryAttempt(), 0);
        vm.prank(owner);
        rofl.removeApp(second, 1);
        (, bool reentryOk, bytes memory result) = hostile.hostileOutcome();
        assertFalse(reentryOk);
        assertEq(result, _unauthorized());
        assertFalse(rofl.isManaged(second));
        assertFalse(standIn.appExists(second));
    }

    /// @dev The owner change the precompile attempts in the flush, Create and Remove tests.
    function _reentryAttempt() internal view returns (bytes memory) {
        return abi.encodeCall(IRoflAppAdmin.addEnclave, (appId, 0, _identity(7)));
    }

    // -------------------------------------------------------------------------------------------
    // Documented hazard: a callback that makes the owner act during the subcall
    // -------------------------------------------------------------------------------------------

    /// @dev NOT REACHABLE ON SAPPHIRE (the `rofl` methods never run EVM code), pinned here to
    /// document the trust assumption: if the precompile could make the owner act while an
    /// update is in flight, the nested update reaches the module first and the outer, older body
    /// overwrites it. The contract then holds an enclave the module does not have, and the
    /// versions were announced out of order. See docs/security/call-order-review.md (H-1) for
    /// the lock that would close it; when it is added, this test must expect a revert instead.
    function test_Hazard_OwnerActingDuringSubcallDesyncsTheModule() public {
        hostileOwner.arm(abi.encodeCall(IRoflAppAdmin.addEnclave, (appId, 0, _identity(7))), true);
        _goHostile(HostilePrecompile.Mode.RelayOwner, "", 0);

        (bool ok,) = _change();

        assertTrue(ok);
        assertTrue(hostileOwner.hookOk(), "nested change refused: the hazard is closed, update this test");
        assertEq(rofl.version(appId), 3);
        assertEq(rofl.getApp(appId).policy.enclaves.length, 2, "contract has the nested enclave");
        assertEq(standIn.appEnclaves(appId).length, 1, "module lost the nested enclave");
        assertTrue(
            keccak256(standIn.lastBody(appId)) != keccak256(rofl.encodeUpdate(appId)), "module and contract agree"
        );
    }

    /// @dev Same hazard during the end-of-batch flush: the nested change is marked dirty after
    /// the flush loop read its bound, so it is never sent, and the stuck mark then hides the
    /// app from every later batch (its next batched change is silently not sent either).
    function test_Hazard_OwnerActingDuringFlushLeavesAStuckMark() public {
        hostileOwner.arm(abi.encodeCall(IRoflAppAdmin.addEnclave, (appId, 0, _identity(7))), true);
        _goHostile(HostilePrecompile.Mode.RelayOwner, "", 0);
        bytes[] memory calls = new bytes[](1);
        calls[0] = abi.encodeCall(IRoflAppAdmin.setFees, (appId, 1, FeePolicy.InstancePays));
        vm.prank(owner);
        rofl.multicall(calls);
        assertTrue(hostileOwner.hookOk(), "nested change refused: the hazard is closed, update this test");
        assertEq(rofl.version(appId), 2, "the nested change was sent");
        assertEq(standIn.appEnclaves(appId).length, 1, "module has the nested enclave");

        // A later, ordinary batch: its change is recorded but no update is sent.
        _goHostile(HostilePrecompile.Mode.Pass, "", 0);
        calls[0] = abi.encodeCall(IRoflAppAdmin.setMaxExpiration, (appId, 2, 7));
        vm.prank(owner);
        rofl.multicall(calls);
        assertEq(rofl.version(appId), 2, "the later batch was sent");
        assertEq(rofl.getApp(appId).policy.maxExpiration, 7);
        assertEq(standIn.appMaxExpiration(appId), 3, "module got the later change");
    }

    // -------------------------------------------------------------------------------------------
    // Reverts and module errors
    // -------------------------------------------------------------------------------------------

    function test_PrecompileRevertBubblesUpAndChangesNothing() public {
        bytes32 module = _moduleSnapshot();
        _goHostile(HostilePrecompile.Mode.RawRevert, "invalid cbor", 0);

        vm.prank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(IRoflErrors.RoflSubcallReverted.selector, "rofl.Update", bytes("invalid cbor"))
        );
        rofl.setMetadata(appId, 1, "k", "v");

        assertEq(rofl.version(appId), 1);
        assertEq(rofl.getApp(appId).metadata.length, 0);
        assertEq(_moduleSnapshot(), module);
    }

    function test_PrecompileRevertDuringRemoveKeepsTheApp() public {
        _goHostile(HostilePrecompile.Mode.RawRevert, "", 0);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.RoflSubcallReverted.selector, "rofl.Remove", bytes("")));
        rofl.removeApp(appId, 1);
        assertTrue(rofl.isManaged(appId));
        assertEq(rofl.appIds().length, 1);
    }

    function test_PrecompileRevertDuringFlushUndoesTheWholeBatch() public {
        bytes32 module = _moduleSnapshot();
        _goHostile(HostilePrecompile.Mode.RawRevert, "boom", 0);
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(IRoflAppAdmin.addEnclave, (appId, 1, _identity(3)));
        calls[1] = abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, 1, "k", "v"));
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.RoflSubcallReverted.selector, "rofl.Update", bytes("boom")));
        rofl.multicall(calls);
        assertEq(rofl.version(appId), 1);
        assertEq(rofl.getApp(appId).policy.enclaves.length, 1);
        assertEq(_moduleSnapshot(), module);
    }

    function test_ModuleErrorRevertsWithCodeAndModule() public {
        _goHostile(HostilePrecompile.Mode.RawReturn, abi.encode(uint64(11), bytes("rofl")), 0);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.RoflCallFailed.selector, "rofl.Update", 11, "rofl"));
        rofl.setMetadata(appId, 1, "k", "v");
        assertEq(rofl.version(appId), 1);
    }

    // -------------------------------------------------------------------------------------------
    // Fake success answers with malformed data
    // -------------------------------------------------------------------------------------------

    /// @dev On a chain without the precompile, CALL to an empty account succeeds with no data.
    function test_NoPrecompileAtAllIsMalformed_Update() public {
        vm.etch(ROFL_SUBCALL, "");
        vm.prank(owner);
        vm.expectRevert(IRoflErrors.MalformedRoflResponse.selector);
        rofl.setMetadata(appId, 1, "k", "v");
    }

    /// @dev The same for Create.
    function test_NoPrecompileAtAllIsMalformed_Create() public {
        vm.etch(ROFL_SUBCALL, "");
        vm.prank(owner);
        vm.expectRevert(IRoflErrors.MalformedRoflResponse.selector);
        rofl.createApp{value: STAKE}(_defaultPolicy(), _noMetadata(), 1);
    }

    function test_ShortAnswersAreMalformed() public {
        uint256[4] memory lengths = [uint256(1), 0x20, 0x40, 0x5f];
        for (uint256 i; i < lengths.length; ++i) {
            _goHostile(HostilePrecompile.Mode.RawReturn, new bytes(lengths[i]), 0);
            vm.prank(owner);
            vm.expectRevert(IRoflErrors.MalformedRoflResponse.selector);
            rofl.setMetadata(appId, 1, "k", "v");
        }
        assertEq(rofl.version(appId), 1);
    }

    /// @dev Well-sized but not ABI: the decoder reverts (without data), nothing changes.
    function test_BadAbiAnswersRevert() public {
        bytes[] memory answers = new bytes[](4);
        // status does not fit in uint64
        answers[0] = abi.encode(uint256(1) << 64, uint256(0x40), uint256(0));
        // offset far outside the data
        answers[1] = abi.encode(uint256(0), type(uint256).max - 31, uint256(0));
        // length longer than the data
        answers[2] = abi.encode(uint256(0), uint256(0x40), uint256(1000));
        // offset just past the end: no length word
        answers[3] = abi.encode(uint256(0), uint256(0x60), uint256(0));
        for (uint256 i; i < answers.length; ++i) {
            _goHostile(HostilePrecompile.Mode.RawReturn, answers[i], 0);
            (bool ok,) = _change();
            assertFalse(ok, string.concat("malformed ABI answer accepted: #", vm.toString(i)));
            assertEq(rofl.version(appId), 1);
        }
    }

    /// @dev Solidity's decoder accepts any in-bounds encoding, even one whose `bytes` overlaps
    /// the head (offset 0x20: the offset word doubles as the length). Harmless: the data is
    /// ignored for Update/Remove and fully checked for Create.
    function test_OverlappingAbiAnswerIsAcceptedAsData() public {
        _goHostile(HostilePrecompile.Mode.RawReturn, abi.encode(uint256(0), uint256(0x20), type(uint256).max), 0);
        (bool ok,) = _change();
        assertTrue(ok);
        assertEq(rofl.version(appId), 2);
    }

    /// @dev Create needs exactly one CBOR byte string of 21 bytes, and a fresh id.
    function test_FakeCreateResults() public {
        bytes[] memory results = new bytes[](4);
        results[0] = bytes.concat(hex"55", bytes20(0), hex"00ff"); // trailing byte
        results[1] = bytes.concat(hex"58", hex"15", bytes21(uint168(1))); // non-minimal head
        results[2] = bytes.concat(hex"75", bytes21(uint168(1))); // text string, not bytes
        results[3] = bytes.concat(hex"55", bytes20(0)); // one byte short
        for (uint256 i; i < results.length; ++i) {
            _goHostile(HostilePrecompile.Mode.RawReturn, abi.encode(uint64(0), results[i]), 0);
            vm.prank(owner);
            vm.expectRevert(IRoflErrors.MalformedRoflResponse.selector);
            rofl.createApp{value: STAKE}(_defaultPolicy(), _noMetadata(), 1);
        }
        assertEq(rofl.appIds().length, 1);
    }

    /// @dev A Create result naming an id the contract already manages is refused.
    function test_FakeCreateResults_AlreadyManagedId() public {
        _goHostile(HostilePrecompile.Mode.RawReturn, abi.encode(uint64(0), bytes.concat(hex"55", appId)), 0);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.AppAlreadyManaged.selector, appId));
        rofl.createApp{value: STAKE}(_defaultPolicy(), _noMetadata(), 1);
        assertEq(rofl.appIds().length, 1);
    }

    /// @dev The result of Update and Remove is not inspected: status 0 is success whatever the
    /// data. Pinned (call-order review, note N-2): the module answers CBOR null.
    function test_UpdateResultIsNotInspected() public {
        _goHostile(HostilePrecompile.Mode.RawReturn, abi.encode(uint64(0), bytes("not cbor at all")), 0);
        (bool ok,) = _change();
        assertTrue(ok);
        assertEq(rofl.version(appId), 2);
    }

    /// @dev Whatever the precompile answers, the change either applies fully (only for a
    /// well-formed status 0) or not at all.
    function testFuzz_AnyAnswerIsAllOrNothing(bytes memory answer) public {
        _goHostile(HostilePrecompile.Mode.RawReturn, answer, 0);
        (bool ok, bytes memory reason) = _change();
        if (ok) {
            assertGe(answer.length, 0x60);
            (uint64 status,) = abi.decode(answer, (uint64, bytes));
            assertEq(status, 0);
            assertEq(rofl.version(appId), 2);
            assertEq(rofl.getApp(appId).metadata.length, 1);
        } else {
            assertEq(rofl.version(appId), 1);
            assertEq(rofl.getApp(appId).metadata.length, 0);
            if (answer.length < 0x60) {
                assertEq(reason, abi.encodeWithSelector(IRoflErrors.MalformedRoflResponse.selector));
            }
        }
    }

    /// @dev Well-formed answers with any status: only 0 is success.
    function testFuzz_AnyStatus(uint64 status, bytes memory data) public {
        _goHostile(HostilePrecompile.Mode.RawReturn, abi.encode(status, data), 0);
        (bool ok, bytes memory reason) = _change();
        assertEq(ok, status == 0);
        if (!ok) {
            assertEq(
                reason, abi.encodeWithSelector(IRoflErrors.RoflCallFailed.selector, "rofl.Update", status, string(data))
            );
        }
    }

    // -------------------------------------------------------------------------------------------
    // Gas griefing with huge answers
    // -------------------------------------------------------------------------------------------

    /// @dev A normal update fits in 2M gas; a 1 MiB answer (success or revert) does not, and the
    /// out-of-gas failure is atomic. The cost lands on whoever sends the transaction.
    function test_HugeAnswersOnlyBurnTheCallersGas() public {
        uint256 limit = 2_000_000;
        bytes32 module = _moduleSnapshot();

        _goHostile(HostilePrecompile.Mode.HugeReturn, "", ONE_MIB);
        assertFalse(_change(limit), "1 MiB success answer fit in the gas limit");
        assertEq(rofl.version(appId), 1);
        assertEq(rofl.getApp(appId).metadata.length, 0);

        _goHostile(HostilePrecompile.Mode.HugeRevert, "", ONE_MIB);
        assertFalse(_change(limit), "1 MiB revert fit in the gas limit");
        assertEq(rofl.version(appId), 1);
        assertEq(_moduleSnapshot(), module);

        _goHostile(HostilePrecompile.Mode.Pass, "", 0);
        assertTrue(_change(limit), "a normal update does not fit in the limit");
        assertEq(rofl.version(appId), 2);
        _assertInSync(appId);
    }

    /// @dev With enough gas a large (64 KiB) answer is simply paid for: no state is lost.
    function test_LargeAnswerWithEnoughGasSucceeds() public {
        _goHostile(HostilePrecompile.Mode.HugeReturn, "", 64 * 1024);
        uint256 start = gasleft();
        assertTrue(_change(30_000_000));
        uint256 used = start - gasleft();
        assertEq(rofl.version(appId), 2);
        emit log_named_uint("gas for an update with a 64 KiB answer", used);
    }
}
