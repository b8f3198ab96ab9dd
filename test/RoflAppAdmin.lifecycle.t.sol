// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflErrors} from "../contracts/interfaces/IRoflErrors.sol";
import {Vm} from "forge-std/Vm.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {IRoflAppAdmin} from "../contracts/interfaces/IRoflAppAdmin.sol";
import {OasisIds} from "../contracts/libraries/OasisIds.sol";
import {RoflCbor} from "../contracts/libraries/RoflCbor.sol";
import {RoflPolicyValidation} from "../contracts/libraries/RoflPolicyValidation.sol";
import {RoflAppAdmin} from "../contracts/rofl/RoflAppAdmin.sol";
import {RoflSubcall} from "../contracts/rofl/RoflSubcall.sol";
import {
    AppConfig,
    AppPolicy,
    EnclaveIdentity,
    EndorsementKind,
    EndorsementNode,
    FeePolicy,
    MetadataEntry,
    QuotePolicy,
    SecretEntry,
    TdxModule
} from "../contracts/types/RoflTypes.sol";
import {RoflAppAdminBase} from "./utils/RoflAppAdminBase.sol";
import {RoflAppAdminFixture, RejectingOwner, RoflSubcallHarness} from "./utils/RoflAppAdminFixture.sol";

/// @title RoflAppAdmin against the strict ROFL module stand-in: createApp, adoptApp, removeApp and withdrawStake
contract RoflAppAdminLifecycleTest is RoflAppAdminFixture {
    function test_CreateApp() public {
        MetadataEntry[] memory metadata = _metadata("net.oasis.rofl.name", "demo");
        AppPolicy memory policy = _defaultPolicy();
        bytes memory body = RoflCbor.encodeCreate(policy, 1, metadata);

        vm.expectEmit(false, false, false, true, address(rofl));
        emit IRoflAppAdmin.AppCreated(bytes21(0), STAKE);
        vm.recordLogs();
        bytes21 created = _create(policy, metadata);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(_countConfigUpdates(logs), 1);

        assertTrue(rofl.isManaged(created));
        assertEq(rofl.version(created), 1);
        assertEq(standIn.lastBody(created), body);
        assertEq(standIn.appStake(created), STAKE);
        bytes21[] memory ids = rofl.appIds();
        assertEq(ids.length, 2);
        assertEq(ids[1], created);
        _assertInSync(created);

        // ConfigUpdated(appId, 1, keccak256(body), body)
        Vm.Log memory audit = logs[logs.length - 1];
        assertEq(audit.topics[0], IRoflAppAdmin.ConfigUpdated.selector);
        assertEq(audit.topics[1], bytes32(created));
        (uint64 v, bytes32 bodyHash, bytes memory logged) = abi.decode(audit.data, (uint64, bytes32, bytes));
        assertEq(v, 1);
        assertEq(bodyHash, keccak256(body));
        assertEq(logged, body);
    }

    function test_CreateApp_SchemeZero() public {
        vm.prank(owner);
        bytes21 created = rofl.createApp{value: STAKE}(_defaultPolicy(), _noMetadata(), 0);
        assertEq(created, OasisIds.appIdCreatorRoundIndex(rofl.roflAdminAddress(), uint64(block.number), 0));
        _assertInSync(created);
    }

    /// @dev Scheme 1 uses the contract's account nonce, which a subcall does not move: the
    /// contract deploys a throwaway before each create, so any number of apps, several in one
    /// block, get distinct ids, each the module's derivation for the nonce in force.
    function test_CreateApp_ManySchemeOneInOneBlock() public {
        bytes21 admin = rofl.roflAdminAddress();
        bytes21[] memory created = new bytes21[](4);
        for (uint256 i; i < created.length; ++i) {
            bytes21 id = _createDefault();
            uint64 nonce = vm.getNonce(address(rofl));
            assertEq(id, OasisIds.appIdCreatorNonce(admin, nonce), "the module's id for the current nonce");
            assertEq(standIn.contractNonce(address(rofl)), nonce, "the stand-in reads the same nonce");
            for (uint256 j; j < i; ++j) {
                assertTrue(created[j] != id, "distinct ids");
            }
            created[i] = id;
            _assertInSync(id);
        }
        assertEq(rofl.appIds().length, 5);
    }

    /// @dev Scheme 0 is (creator, round, tx index 0): one per block, a second one in the same
    /// block reverts before reaching the module; the next block works.
    function test_CreateApp_SchemeZeroOnePerBlock() public {
        vm.prank(owner);
        bytes21 first = rofl.createApp{value: STAKE}(_defaultPolicy(), _noMetadata(), 0);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.OneRoundIndexCreatePerBlock.selector, block.number));
        rofl.createApp{value: STAKE}(_defaultPolicy(), _noMetadata(), 0);
        // scheme 1 in the same block is fine
        _createDefault();
        vm.roll(block.number + 1);
        vm.prank(owner);
        bytes21 second = rofl.createApp{value: STAKE}(_defaultPolicy(), _noMetadata(), 0);
        assertEq(second, OasisIds.appIdCreatorRoundIndex(rofl.roflAdminAddress(), uint64(block.number), 0));
        assertTrue(first != second);
    }

    function test_CreateApp_WrongStakeReverts() public {
        AppPolicy memory policy = _defaultPolicy();
        uint256[3] memory wrong = [uint256(0), STAKE - 1, STAKE + 1];
        for (uint256 i; i < wrong.length; ++i) {
            vm.prank(owner);
            vm.expectRevert(abi.encodeWithSelector(IRoflErrors.WrongStake.selector, wrong[i], STAKE));
            rofl.createApp{value: wrong[i]}(policy, _noMetadata(), 1);
        }
    }

    function test_CreateApp_InvalidSchemeReverts() public {
        AppPolicy memory policy = _defaultPolicy();
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.InvalidScheme.selector, 2));
        rofl.createApp{value: STAKE}(policy, _noMetadata(), 2);
    }

    function test_CreateApp_ValidatesBeforeCalling() public {
        AppPolicy memory policy = _defaultPolicy();
        policy.enclaves = new EnclaveIdentity[](0);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.EmptyEnclaveList.selector, bytes21(0)));
        rofl.createApp{value: STAKE}(policy, _noMetadata(), 1);

        policy = _defaultPolicy();
        policy.enclaves = new EnclaveIdentity[](2);
        policy.enclaves[0] = _identity(7);
        policy.enclaves[1] = _identity(7);
        vm.prank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRoflErrors.EnclaveAlreadyAllowed.selector, bytes21(0), _identity(7).mrEnclave, _identity(7).mrSigner
            )
        );
        rofl.createApp{value: STAKE}(policy, _noMetadata(), 1);

        MetadataEntry[] memory metadata = new MetadataEntry[](2);
        metadata[0] = MetadataEntry("k", "1");
        metadata[1] = MetadataEntry("k", "2");
        policy = _defaultPolicy();
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.DuplicateEntryKey.selector, "k"));
        rofl.createApp{value: STAKE}(policy, metadata, 1);
    }

    function test_CreateApp_ModuleErrorReverts() public {
        AppPolicy memory policy = _defaultPolicy();
        vm.mockCall(ROFL_SUBCALL, bytes(""), abi.encode(uint64(2), bytes("accounts")));
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.RoflCallFailed.selector, "rofl.Create", 2, "accounts"));
        rofl.createApp{value: STAKE}(policy, _noMetadata(), 1);
    }

    function test_CreateApp_MalformedResponseReverts() public {
        AppPolicy memory policy = _defaultPolicy();
        // null, a 20-byte string, nothing, a 22-byte string, 21 bytes without the head
        bytes[] memory results = new bytes[](5);
        results[0] = hex"f6";
        results[1] = bytes.concat(hex"54", bytes20(uint160(1)));
        results[2] = "";
        results[3] = bytes.concat(hex"56", bytes22(uint176(1)));
        results[4] = bytes.concat(hex"00", bytes21(uint168(1)));
        for (uint256 i; i < results.length; ++i) {
            vm.mockCall(ROFL_SUBCALL, bytes(""), abi.encode(uint64(0), results[i]));
            vm.prank(owner);
            vm.expectRevert(IRoflErrors.MalformedRoflResponse.selector);
            rofl.createApp{value: STAKE}(policy, _noMetadata(), 1);
        }
        // too short to be an answer at all
        vm.mockCall(ROFL_SUBCALL, bytes(""), hex"00");
        vm.prank(owner);
        vm.expectRevert(IRoflErrors.MalformedRoflResponse.selector);
        rofl.createApp{value: STAKE}(policy, _noMetadata(), 1);
    }

    function test_CreateApp_PrecompileRevertReverts() public {
        AppPolicy memory policy = _defaultPolicy();
        vm.mockCallRevert(ROFL_SUBCALL, bytes(""), bytes("bad cbor"));
        vm.prank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(IRoflErrors.RoflSubcallReverted.selector, "rofl.Create", bytes("bad cbor"))
        );
        rofl.createApp{value: STAKE}(policy, _noMetadata(), 1);
    }

    function test_AdoptApp() public {
        AppPolicy memory policy = _defaultPolicy();
        bytes21 adopted = _createElsewhereAndHandOver(makeAddr("creator"), policy, _metadata("a", "b"));
        SecretEntry[] memory secrets = new SecretEntry[](1);
        secrets[0] = SecretEntry("TOKEN", hex"deadbeef");

        vm.expectEmit(true, false, false, false, address(rofl));
        emit IRoflAppAdmin.AppAdopted(adopted);
        vm.prank(owner);
        rofl.adoptApp(adopted, policy, _metadata("a", "b"), secrets);

        assertEq(rofl.version(adopted), 1);
        assertEq(standIn.lastBody(adopted), rofl.encodeUpdate(adopted));
        _assertInSync(adopted);
        assertEq(standIn.appSecrets(adopted)[0].value, hex"deadbeef");
    }

    function test_AdoptApp_NotAdminReverts() public {
        address creator = makeAddr("creator");
        vm.deal(creator, STAKE);
        AppPolicy memory policy = _defaultPolicy();
        vm.prank(creator);
        bytes memory result = _subcall("rofl.Create", RoflCbor.encodeCreate(policy, 1, _noMetadata()));
        bytes21 foreign = RoflSubcallHarness.decodeAppId(result);

        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.RoflCallFailed.selector, "rofl.Update", 11, "rofl"));
        rofl.adoptApp(foreign, policy, _noMetadata(), _noSecrets());
    }

    function test_AdoptApp_AlreadyManagedReverts() public {
        AppPolicy memory policy = _defaultPolicy();
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.AppAlreadyManaged.selector, appId));
        rofl.adoptApp(appId, policy, _noMetadata(), _noSecrets());
    }

    function test_AdoptApp_ValidatesSecrets() public {
        bytes21 adopted = _createElsewhereAndHandOver(makeAddr("creator"), _defaultPolicy(), _noMetadata());
        AppPolicy memory policy = _defaultPolicy();
        SecretEntry[] memory secrets = new SecretEntry[](2);
        secrets[0] = SecretEntry("S", hex"01");
        secrets[1] = SecretEntry("S", hex"02");
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.DuplicateEntryKey.selector, "S"));
        rofl.adoptApp(adopted, policy, _noMetadata(), secrets);

        secrets = new SecretEntry[](1);
        secrets[0] = SecretEntry("S", new bytes(16 * 1024 + 1));
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.EntryValueTooLong.selector, 16 * 1024 + 1, 16 * 1024));
        rofl.adoptApp(adopted, policy, _noMetadata(), secrets);
    }

    function test_RemoveApp() public {
        vm.expectEmit(true, false, false, false, address(rofl));
        emit IRoflAppAdmin.AppRemoved(appId);
        vm.prank(owner);
        rofl.removeApp(appId, 1);

        assertFalse(rofl.isManaged(appId));
        assertFalse(standIn.appExists(appId));
        assertEq(rofl.appIds().length, 0);
        assertEq(standIn.refundedStake(rofl.roflAdminAddress()), STAKE);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.UnknownApp.selector, appId));
        rofl.getApp(appId);
    }

    function test_RemoveApp_ThenAdoptAgainStartsClean() public {
        vm.startPrank(owner);
        rofl.setMetadata(appId, 0, "k", "v");
        rofl.setSecret(appId, 0, "s", hex"01");
        rofl.removeApp(appId, 0);
        vm.stopPrank();
        // a fresh app may reuse nothing: the positions of the old one are gone
        bytes21 other = _createDefault();
        vm.prank(owner);
        rofl.setMetadata(other, 0, "k", "w");
        assertEq(rofl.getApp(other).metadata.length, 1);
        _assertInSync(other);
    }

    function test_RemoveApp_StaleVersionReverts() public {
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.StaleVersion.selector, appId, 7, 1));
        rofl.removeApp(appId, 7);
    }

    function test_WithdrawStake() public {
        // The stand-in keeps a ledger only, so the create stake is still in the contract.
        uint256 balance = address(rofl).balance;
        assertEq(balance, STAKE);
        uint256 before = owner.balance;
        vm.expectEmit(true, false, false, true, address(rofl));
        emit IRoflAppAdmin.StakeWithdrawn(owner, balance);
        vm.prank(owner);
        rofl.withdrawStake();
        assertEq(owner.balance, before + balance);
        assertEq(address(rofl).balance, 0);

        vm.prank(owner);
        vm.expectRevert(IRoflErrors.NothingToWithdraw.selector);
        rofl.withdrawStake();
    }

    function test_WithdrawStake_RejectedTransferReverts() public {
        RejectingOwner rejecting = new RejectingOwner();
        vm.prank(owner);
        rofl.transferOwnership(address(rejecting));
        rejecting.accept(rofl);
        vm.expectRevert(IRoflErrors.WithdrawFailed.selector);
        rejecting.withdraw(rofl);
    }

    function test_Receive_OnlyFromModule() public {
        vm.deal(stranger, 1 ether);
        vm.prank(stranger);
        (bool ok, bytes memory reason) = address(rofl).call{value: 1 ether}("");
        assertFalse(ok);
        assertEq(reason, abi.encodeWithSelector(IRoflErrors.UnexpectedTransfer.selector, stranger));

        vm.deal(ROFL_SUBCALL, 1 ether);
        vm.prank(ROFL_SUBCALL);
        (ok,) = address(rofl).call{value: 1 ether}("");
        assertTrue(ok);
    }
}
