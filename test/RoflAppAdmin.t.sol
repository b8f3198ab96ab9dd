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

/// @dev An owner that refuses plain transfers.
contract RejectingOwner {
    function accept(RoflAppAdmin target) external {
        target.acceptOwnership();
    }

    function withdraw(RoflAppAdmin target) external {
        target.withdrawStake();
    }
}

/// @title Unit tests of RoflAppAdmin against the strict ROFL module stand-in
contract RoflAppAdminTest is RoflAppAdminBase {
    bytes21 internal appId;

    function setUp() public override {
        super.setUp();
        appId = _createDefault();
    }

    // -------------------------------------------------------------------------------------------
    // Deployment
    // -------------------------------------------------------------------------------------------

    function test_Constructor() public view {
        assertEq(rofl.owner(), owner);
        assertEq(rofl.roflAdminAddress(), OasisIds.fromEth(address(rofl)));
        assertEq(rofl.CREATE_STAKE(), 100 ether);
    }

    function test_Constructor_ZeroOwnerReverts() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableInvalidOwner.selector, address(0)));
        new RoflAppAdmin(address(0));
    }

    // -------------------------------------------------------------------------------------------
    // createApp
    // -------------------------------------------------------------------------------------------

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

    // -------------------------------------------------------------------------------------------
    // adoptApp
    // -------------------------------------------------------------------------------------------

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

    // -------------------------------------------------------------------------------------------
    // removeApp and withdrawStake
    // -------------------------------------------------------------------------------------------

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

    // -------------------------------------------------------------------------------------------
    // Enclaves
    // -------------------------------------------------------------------------------------------

    function test_AddEnclave() public {
        EnclaveIdentity memory identity = _identity(1);
        vm.expectEmit(true, false, false, true, address(rofl));
        emit IRoflAppAdmin.EnclaveAdded(appId, identity.mrEnclave, identity.mrSigner);
        vm.prank(owner);
        rofl.addEnclave(appId, 1, identity);
        assertEq(rofl.version(appId), 2);
        assertEq(standIn.appEnclaves(appId).length, 2);
        _assertInSync(appId);
    }

    function test_AddEnclave_DuplicateReverts() public {
        EnclaveIdentity memory identity = _identity(0);
        vm.prank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRoflErrors.EnclaveAlreadyAllowed.selector, appId, identity.mrEnclave, identity.mrSigner
            )
        );
        rofl.addEnclave(appId, 0, identity);
    }

    function test_AddEnclave_TooManyReverts() public {
        AppPolicy memory policy = _defaultPolicy();
        policy.enclaves = _enclaves(64);
        bytes21 full = _create(policy, _noMetadata());
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.TooManyEnclaves.selector, 65, 64));
        rofl.addEnclave(full, 0, _identity(64));

        policy.enclaves = _enclaves(65);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.TooManyEnclaves.selector, 65, 64));
        rofl.createApp{value: STAKE}(policy, _noMetadata(), 1);
    }

    function test_RemoveEnclave_SwapAndPop() public {
        vm.startPrank(owner);
        rofl.addEnclave(appId, 0, _identity(1));
        rofl.addEnclave(appId, 0, _identity(2));
        rofl.addEnclave(appId, 0, _identity(3));
        vm.expectEmit(true, false, false, true, address(rofl));
        emit IRoflAppAdmin.EnclaveRemoved(appId, _identity(1).mrEnclave, _identity(1).mrSigner);
        rofl.removeEnclave(appId, 4, _identity(1));
        vm.stopPrank();

        EnclaveIdentity[] memory enclaves = rofl.getApp(appId).policy.enclaves;
        assertEq(enclaves.length, 3);
        assertEq(enclaves[1].mrEnclave, _identity(3).mrEnclave);
        _assertInSync(appId);

        // the moved identity is still found at its new place
        vm.startPrank(owner);
        rofl.removeEnclave(appId, 0, _identity(3));
        rofl.removeEnclave(appId, 0, _identity(2));
        vm.stopPrank();
        enclaves = rofl.getApp(appId).policy.enclaves;
        assertEq(enclaves.length, 1);
        assertEq(enclaves[0].mrEnclave, _identity(0).mrEnclave);
        _assertInSync(appId);
    }

    function test_RemoveEnclave_UnknownReverts() public {
        EnclaveIdentity memory identity = _identity(9);
        vm.prank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(IRoflErrors.EnclaveNotAllowed.selector, appId, identity.mrEnclave, identity.mrSigner)
        );
        rofl.removeEnclave(appId, 0, identity);
    }

    function test_RemoveEnclave_LastReverts() public {
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.EmptyEnclaveList.selector, appId));
        rofl.removeEnclave(appId, 0, _identity(0));
    }

    // -------------------------------------------------------------------------------------------
    // Endorsements
    // -------------------------------------------------------------------------------------------

    function _nestedEndorsements() internal pure returns (EndorsementNode[] memory nodes) {
        nodes = new EndorsementNode[](5);
        nodes[0] = _node(EndorsementKind.Or, "", 2);
        nodes[1] = _node(EndorsementKind.And, "", 2);
        nodes[2] = _node(EndorsementKind.RoleCompute, "", 0);
        nodes[3] = _node(EndorsementKind.Entity, abi.encodePacked(keccak256("entity")), 0);
        nodes[4] = _node(EndorsementKind.ProviderInstanceAdmin, abi.encodePacked(bytes21(keccak256("p"))), 0);
    }

    function test_SetEndorsements() public {
        EndorsementNode[] memory nodes = _nestedEndorsements();
        vm.expectEmit(true, false, false, true, address(rofl));
        emit IRoflAppAdmin.EndorsementsReplaced(appId, nodes);
        vm.prank(owner);
        rofl.setEndorsements(appId, 1, nodes);
        EndorsementNode[] memory stored = rofl.getApp(appId).policy.endorsements;
        assertEq(stored.length, 5);
        assertEq(uint8(stored[4].kind), uint8(EndorsementKind.ProviderInstanceAdmin));
        assertEq(stored[3].value, abi.encodePacked(keccak256("entity")));
        _assertInSync(appId);

        // shrinking replaces the whole list
        vm.prank(owner);
        rofl.setEndorsements(appId, 2, _anyEndorsement());
        assertEq(rofl.getApp(appId).policy.endorsements.length, 1);
        _assertInSync(appId);
    }

    function test_SetEndorsements_MaximumDepthAndAtoms() public {
        // or > and > or > any: lists at depths 1 to 4
        EndorsementNode[] memory nodes = new EndorsementNode[](32);
        nodes[0] = _node(EndorsementKind.Or, "", 1);
        nodes[1] = _node(EndorsementKind.And, "", 1);
        nodes[2] = _node(EndorsementKind.Or, "", 29);
        for (uint256 i = 3; i < 32; ++i) {
            nodes[i] = _node(EndorsementKind.Node, abi.encodePacked(bytes32(i)), 0);
        }
        vm.prank(owner);
        rofl.setEndorsements(appId, 0, nodes);
        _assertInSync(appId);
    }

    function test_SetEndorsements_Invalid() public {
        EndorsementNode[] memory nodes;

        nodes = new EndorsementNode[](0);
        _expectSetEndorsementsRevert(nodes, abi.encodeWithSelector(IRoflErrors.EmptyEndorsementList.selector));

        nodes = new EndorsementNode[](33);
        for (uint256 i; i < 33; ++i) {
            nodes[i] = _node(EndorsementKind.Any, "", 0);
        }
        _expectSetEndorsementsRevert(
            nodes, abi.encodeWithSelector(IRoflErrors.TooManyEndorsementAtoms.selector, 33, 32)
        );

        // four nested operators: the innermost children list would be at depth 5
        nodes = new EndorsementNode[](5);
        nodes[0] = _node(EndorsementKind.Or, "", 1);
        nodes[1] = _node(EndorsementKind.And, "", 1);
        nodes[2] = _node(EndorsementKind.Or, "", 1);
        nodes[3] = _node(EndorsementKind.And, "", 1);
        nodes[4] = _node(EndorsementKind.Any, "", 0);
        _expectSetEndorsementsRevert(nodes, abi.encodeWithSelector(IRoflErrors.EndorsementTooDeep.selector, 5, 4));

        // even an empty operator counts (oasis-sdk checks depth before looking at children)
        nodes = new EndorsementNode[](4);
        nodes[0] = _node(EndorsementKind.Or, "", 1);
        nodes[1] = _node(EndorsementKind.And, "", 1);
        nodes[2] = _node(EndorsementKind.Or, "", 1);
        nodes[3] = _node(EndorsementKind.And, "", 0);
        _expectSetEndorsementsRevert(nodes, abi.encodeWithSelector(IRoflErrors.EndorsementTooDeep.selector, 5, 4));

        nodes = new EndorsementNode[](2);
        nodes[0] = _node(EndorsementKind.Or, "", 2);
        nodes[1] = _node(EndorsementKind.Any, "", 0);
        _expectSetEndorsementsRevert(nodes, abi.encodeWithSelector(IRoflErrors.EndorsementTreeMalformed.selector, 2));

        nodes = new EndorsementNode[](2);
        nodes[0] = _node(EndorsementKind.Any, "", 1);
        nodes[1] = _node(EndorsementKind.Any, "", 0);
        _expectSetEndorsementsRevert(nodes, abi.encodeWithSelector(IRoflErrors.EndorsementTreeMalformed.selector, 0));

        nodes = new EndorsementNode[](1);
        nodes[0] = _node(EndorsementKind.Entity, new bytes(31), 0);
        _expectSetEndorsementsRevert(nodes, abi.encodeWithSelector(IRoflErrors.InvalidEndorsementValue.selector, 0, 31));
        nodes[0] = _node(EndorsementKind.Provider, new bytes(32), 0);
        _expectSetEndorsementsRevert(nodes, abi.encodeWithSelector(IRoflErrors.InvalidEndorsementValue.selector, 0, 32));
        nodes[0] = _node(EndorsementKind.Any, new bytes(1), 0);
        _expectSetEndorsementsRevert(nodes, abi.encodeWithSelector(IRoflErrors.InvalidEndorsementValue.selector, 0, 1));
        nodes[0] = _node(EndorsementKind.Or, new bytes(1), 0);
        _expectSetEndorsementsRevert(nodes, abi.encodeWithSelector(IRoflErrors.InvalidEndorsementValue.selector, 0, 1));
    }

    function _expectSetEndorsementsRevert(EndorsementNode[] memory nodes, bytes memory reason) internal {
        vm.prank(owner);
        vm.expectRevert(reason);
        rofl.setEndorsements(appId, 0, nodes);
    }

    // -------------------------------------------------------------------------------------------
    // Fees, expiration, quotes
    // -------------------------------------------------------------------------------------------

    function test_SetFees() public {
        vm.expectEmit(true, false, false, true, address(rofl));
        emit IRoflAppAdmin.FeesSet(appId, FeePolicy.InstancePays);
        vm.prank(owner);
        rofl.setFees(appId, 1, FeePolicy.InstancePays);
        assertEq(standIn.appFees(appId), 1);
        _assertInSync(appId);

        vm.prank(owner);
        vm.expectRevert(IRoflErrors.InvalidFeePolicy.selector);
        rofl.setFees(appId, 0, FeePolicy.Unset);
    }

    function test_SetMaxExpiration() public {
        vm.expectEmit(true, false, false, true, address(rofl));
        emit IRoflAppAdmin.MaxExpirationSet(appId, 24);
        vm.prank(owner);
        rofl.setMaxExpiration(appId, 1, 24);
        assertEq(standIn.appMaxExpiration(appId), 24);
        _assertInSync(appId);

        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.InvalidMaxExpiration.selector, 25, 24));
        rofl.setMaxExpiration(appId, 0, 25);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.InvalidMaxExpiration.selector, 0, 24));
        rofl.setMaxExpiration(appId, 0, 0);
    }

    function _fullQuotes() internal pure returns (QuotePolicy memory quotes) {
        quotes.pcsPresent = true;
        quotes.pcs.disabled = true;
        quotes.pcs.tcbValidityPeriod = 90;
        quotes.pcs.minTcbEvaluationDataNumber = 17;
        quotes.pcs.fmspcWhitelist = new string[](1);
        quotes.pcs.fmspcWhitelist[0] = "00606A000000";
        quotes.pcs.fmspcBlacklist = new string[](2);
        quotes.pcs.fmspcBlacklist[0] = "00906ED50000";
        quotes.pcs.fmspcBlacklist[1] = "30606A000000";
        quotes.pcs.tdxAllowed = true;
        quotes.pcs.allowedTdxModules = new TdxModule[](2);
        quotes.pcs.allowedTdxModules[0] = TdxModule("", new bytes(48));
        quotes.pcs.allowedTdxModules[1] = TdxModule(_repeat(0x11, 48), new bytes(48));
    }

    function test_SetQuotePolicy() public {
        QuotePolicy memory quotes = _fullQuotes();
        vm.expectEmit(true, false, false, true, address(rofl));
        emit IRoflAppAdmin.QuotePolicySet(appId, quotes);
        vm.prank(owner);
        rofl.setQuotePolicy(appId, 1, quotes);
        AppConfig memory config = rofl.getApp(appId);
        assertEq(config.policy.quotes.pcs.fmspcBlacklist.length, 2);
        assertEq(config.policy.quotes.pcs.allowedTdxModules[1].mrSeam, _repeat(0x11, 48));
        _assertInSync(appId);

        // replacing with a smaller policy leaves nothing of the old one behind
        QuotePolicy memory none;
        none.pcs.tcbValidityPeriod = 5; // ignored: PCS absent
        vm.prank(owner);
        rofl.setQuotePolicy(appId, 2, none);
        config = rofl.getApp(appId);
        assertFalse(config.policy.quotes.pcsPresent);
        assertEq(config.policy.quotes.pcs.tcbValidityPeriod, 0);
        assertEq(config.policy.quotes.pcs.fmspcBlacklist.length, 0);
        assertEq(config.policy.quotes.pcs.allowedTdxModules.length, 0);
        _assertInSync(appId);
    }

    function test_SetQuotePolicy_Invalid() public {
        QuotePolicy memory quotes = _fullQuotes();
        quotes.pcs.fmspcWhitelist[0] = "00606A00000";
        _expectSetQuotesRevert(quotes, abi.encodeWithSelector(IRoflErrors.InvalidFmspc.selector, "00606A00000"));
        quotes.pcs.fmspcWhitelist[0] = "00606A00000g";
        _expectSetQuotesRevert(quotes, abi.encodeWithSelector(IRoflErrors.InvalidFmspc.selector, "00606A00000g"));

        quotes = _fullQuotes();
        quotes.pcs.fmspcBlacklist[1] = "";
        _expectSetQuotesRevert(quotes, abi.encodeWithSelector(IRoflErrors.InvalidFmspc.selector, ""));

        quotes = _fullQuotes();
        quotes.pcs.allowedTdxModules[1].mrSeam = new bytes(47);
        _expectSetQuotesRevert(quotes, abi.encodeWithSelector(IRoflErrors.InvalidTdxModule.selector, 1));

        quotes = _fullQuotes();
        quotes.pcs.allowedTdxModules[0].mrSignerSeam = "";
        _expectSetQuotesRevert(quotes, abi.encodeWithSelector(IRoflErrors.InvalidTdxModule.selector, 0));

        quotes = _fullQuotes();
        quotes.pcs.tdxAllowed = false;
        _expectSetQuotesRevert(quotes, abi.encodeWithSelector(IRoflErrors.InvalidTdxModule.selector, 0));
    }

    function _expectSetQuotesRevert(QuotePolicy memory quotes, bytes memory reason) internal {
        vm.prank(owner);
        vm.expectRevert(reason);
        rofl.setQuotePolicy(appId, 0, quotes);
    }

    // -------------------------------------------------------------------------------------------
    // Metadata and secrets
    // -------------------------------------------------------------------------------------------

    function test_SetMetadata_AddOverwriteDelete() public {
        vm.startPrank(owner);
        vm.expectEmit(true, false, false, true, address(rofl));
        emit IRoflAppAdmin.MetadataSet(appId, "net.oasis.rofl.version", "0.1.0");
        rofl.setMetadata(appId, 1, "net.oasis.rofl.version", "0.1.0");
        rofl.setMetadata(appId, 2, "b", "x");
        rofl.setMetadata(appId, 3, "net.oasis.rofl.version", "0.2.0");
        vm.stopPrank();
        MetadataEntry[] memory metadata = rofl.getApp(appId).metadata;
        assertEq(metadata.length, 2);
        assertEq(metadata[0].value, "0.2.0");
        _assertInSync(appId);
        // the module got them in canonical order
        assertEq(standIn.appMetadata(appId)[0].key, "b");

        vm.expectEmit(true, false, false, true, address(rofl));
        emit IRoflAppAdmin.MetadataDeleted(appId, "net.oasis.rofl.version");
        vm.prank(owner);
        rofl.deleteMetadata(appId, 4, "net.oasis.rofl.version");
        metadata = rofl.getApp(appId).metadata;
        assertEq(metadata.length, 1);
        assertEq(metadata[0].key, "b");
        _assertInSync(appId);

        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.MetadataKeyNotFound.selector, appId, "nope"));
        rofl.deleteMetadata(appId, 0, "nope");
    }

    function test_SetMetadata_Limits() public {
        vm.startPrank(owner);
        vm.expectRevert(IRoflErrors.EmptyEntryKey.selector);
        rofl.setMetadata(appId, 0, "", "v");
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.EntryKeyTooLong.selector, 1025, 1024));
        rofl.setMetadata(appId, 0, string(new bytes(1025)), "v");
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.EntryValueTooLong.selector, 16385, 16384));
        rofl.setMetadata(appId, 0, "k", string(new bytes(16385)));
        // the largest allowed pair goes through
        rofl.setMetadata(appId, 0, string(_repeat("k", 1024)), string(_repeat("v", 16384)));
        vm.stopPrank();
        _assertInSync(appId);
    }

    function test_SetMetadata_TooManyReverts() public {
        vm.startPrank(owner);
        bytes[] memory calls = new bytes[](64);
        for (uint256 i; i < 64; ++i) {
            calls[i] = abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, 0, vm.toString(i), "v"));
        }
        rofl.multicall(calls);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.TooManyEntries.selector, 65, 64));
        rofl.setMetadata(appId, 0, "64", "v");
        // overwriting an existing key is still fine
        rofl.setMetadata(appId, 0, "63", "w");
        vm.stopPrank();
        _assertInSync(appId);
    }

    function test_SetSecret_AddOverwriteDelete() public {
        vm.startPrank(owner);
        vm.expectEmit(true, false, false, true, address(rofl));
        emit IRoflAppAdmin.SecretSet(appId, "API_KEY");
        rofl.setSecret(appId, 1, "API_KEY", hex"a1b2");
        rofl.setSecret(appId, 2, "DB", hex"01");
        rofl.setSecret(appId, 3, "API_KEY", hex"c3");
        vm.stopPrank();
        SecretEntry[] memory secrets = rofl.getApp(appId).secrets;
        assertEq(secrets.length, 2);
        assertEq(secrets[0].value, hex"c3");
        _assertInSync(appId);

        vm.expectEmit(true, false, false, true, address(rofl));
        emit IRoflAppAdmin.SecretDeleted(appId, "API_KEY");
        vm.prank(owner);
        rofl.deleteSecret(appId, 4, "API_KEY");
        secrets = rofl.getApp(appId).secrets;
        assertEq(secrets.length, 1);
        assertEq(secrets[0].name, "DB");
        _assertInSync(appId);

        vm.startPrank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.SecretNotFound.selector, appId, "API_KEY"));
        rofl.deleteSecret(appId, 0, "API_KEY");
        vm.expectRevert(IRoflErrors.EmptyEntryKey.selector);
        rofl.setSecret(appId, 0, "", hex"01");
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.EntryValueTooLong.selector, 16385, 16384));
        rofl.setSecret(appId, 0, "big", new bytes(16385));
        vm.stopPrank();
    }

    /// @dev A secret survives every other kind of update: no update ever wipes it.
    function test_SecretsSurviveOtherChanges() public {
        vm.startPrank(owner);
        rofl.setSecret(appId, 0, "S", hex"5555");
        rofl.addEnclave(appId, 0, _identity(1));
        rofl.setMetadata(appId, 0, "m", "1");
        rofl.setFees(appId, 0, FeePolicy.InstancePays);
        vm.stopPrank();
        SecretEntry[] memory secrets = standIn.appSecrets(appId);
        assertEq(secrets.length, 1);
        assertEq(secrets[0].value, hex"5555");
        _assertInSync(appId);
    }

    // -------------------------------------------------------------------------------------------
    // Admin hand-over
    // -------------------------------------------------------------------------------------------

    function test_TransferRoflAdmin() public {
        bytes21 newAdmin = OasisIds.fromEth(makeAddr("next"));
        vm.prank(owner);
        rofl.setMetadata(appId, 0, "k", "v");

        vm.expectEmit(true, false, false, true, address(rofl));
        emit IRoflAppAdmin.RoflAdminTransferred(appId, newAdmin);
        vm.prank(owner);
        rofl.transferRoflAdmin(appId, 2, newAdmin);

        (bool hasAdmin, bytes21 moduleAdmin) = standIn.appAdmin(appId);
        assertTrue(hasAdmin);
        assertEq(moduleAdmin, newAdmin);
        assertFalse(rofl.isManaged(appId));
        assertEq(rofl.appIds().length, 0);
        // the hand-over carried the complete config
        assertEq(standIn.appMetadata(appId).length, 1);

        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.UnknownApp.selector, appId));
        rofl.setFees(appId, 0, FeePolicy.InstancePays);
    }

    function test_TransferRoflAdmin_AndBackAgain() public {
        address next = makeAddr("next");
        vm.prank(owner);
        rofl.transferRoflAdmin(appId, 0, OasisIds.fromEth(next));
        // the new admin hands it back; the contract adopts it with a fresh config
        AppPolicy memory policy = _defaultPolicy();
        bytes memory back = RoflCbor.encodeUpdate(appId, policy, rofl.roflAdminAddress(), _noMetadata(), _noSecrets());
        vm.prank(next);
        _subcall("rofl.Update", back);
        vm.prank(owner);
        rofl.adoptApp(appId, policy, _noMetadata(), _noSecrets());
        assertEq(rofl.version(appId), 1);
        _assertInSync(appId);
    }

    function test_TransferRoflAdmin_Invalid() public {
        vm.startPrank(owner);
        vm.expectRevert(IRoflErrors.ZeroAdmin.selector);
        rofl.transferRoflAdmin(appId, 0, bytes21(0));
        bytes21 self = rofl.roflAdminAddress();
        vm.expectRevert(IRoflErrors.TransferToSelf.selector);
        rofl.transferRoflAdmin(appId, 0, self);
        vm.stopPrank();
    }

    function test_RenounceRoflAdmin() public {
        vm.expectEmit(true, false, false, true, address(rofl));
        emit IRoflAppAdmin.RoflAdminTransferred(appId, bytes21(0));
        vm.prank(owner);
        rofl.renounceRoflAdmin(appId, 1);
        (bool hasAdmin,) = standIn.appAdmin(appId);
        assertFalse(hasAdmin);
        assertFalse(rofl.isManaged(appId));
        // the body said so explicitly
        assertTrue(_contains(standIn.lastBody(appId), bytes.concat(hex"65", "admin", hex"f6")));
    }

    // -------------------------------------------------------------------------------------------
    // Versions
    // -------------------------------------------------------------------------------------------

    function test_StaleVersion_EveryChange() public {
        vm.startPrank(owner);
        rofl.setFees(appId, 1, FeePolicy.InstancePays); // now version 2
        bytes[] memory stale = _allChangesWithVersion(1);
        for (uint256 i; i < stale.length; ++i) {
            (bool ok, bytes memory reason) = address(rofl).call(stale[i]);
            assertFalse(ok);
            assertEq(reason, abi.encodeWithSelector(IRoflErrors.StaleVersion.selector, appId, 1, 2));
        }
        vm.stopPrank();
    }

    function test_Version_GrowsByOnePerUpdate() public {
        vm.startPrank(owner);
        for (uint64 v = 1; v < 6; ++v) {
            assertEq(rofl.version(appId), v);
            rofl.setMaxExpiration(appId, v, v + 1);
        }
        vm.stopPrank();
        assertEq(rofl.version(appId), 6);
    }

    // -------------------------------------------------------------------------------------------
    // multicall
    // -------------------------------------------------------------------------------------------

    function _release(bool removeFirst) internal returns (uint256 updates) {
        bytes[] memory calls = new bytes[](3);
        bytes memory add = abi.encodeCall(IRoflAppAdmin.addEnclave, (appId, 1, _identity(1)));
        bytes memory remove = abi.encodeCall(IRoflAppAdmin.removeEnclave, (appId, 1, _identity(0)));
        calls[0] = removeFirst ? remove : add;
        calls[1] = removeFirst ? add : remove;
        calls[2] = abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, 1, "net.oasis.rofl.version", "1.1"));
        vm.recordLogs();
        vm.prank(owner);
        rofl.multicall(calls);
        updates = _countConfigUpdates(vm.getRecordedLogs());
    }

    function test_Multicall_ReleaseIsOneUpdate() public {
        assertEq(_release(false), 1);
        assertEq(rofl.version(appId), 2);
        EnclaveIdentity[] memory enclaves = standIn.appEnclaves(appId);
        assertEq(enclaves.length, 1);
        assertEq(enclaves[0].mrEnclave, _identity(1).mrEnclave);
        _assertInSync(appId);
    }

    function test_Multicall_RemoveBeforeAddIsFine() public {
        assertEq(_release(true), 1);
        _assertInSync(appId);
    }

    function test_Multicall_EmptyAtTheEndReverts() public {
        bytes[] memory calls = new bytes[](1);
        calls[0] = abi.encodeCall(IRoflAppAdmin.removeEnclave, (appId, 1, _identity(0)));
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.EmptyEnclaveList.selector, appId));
        rofl.multicall(calls);
    }

    function test_Multicall_TwoAppsTwoUpdates() public {
        bytes21 second = _createDefault();
        bytes[] memory calls = new bytes[](4);
        calls[0] = abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, 1, "a", "1"));
        calls[1] = abi.encodeCall(IRoflAppAdmin.setMetadata, (second, 1, "a", "2"));
        calls[2] = abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, 1, "b", "1"));
        calls[3] = abi.encodeCall(IRoflAppAdmin.setSecret, (second, 1, "s", hex"02"));
        vm.recordLogs();
        vm.prank(owner);
        rofl.multicall(calls);
        assertEq(_countConfigUpdates(vm.getRecordedLogs()), 2);
        assertEq(rofl.version(appId), 2);
        assertEq(rofl.version(second), 2);
        _assertInSync(appId);
        _assertInSync(second);
    }

    function test_Multicall_ReturnsResults() public {
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(IRoflAppAdmin.version, (appId));
        calls[1] = abi.encodeCall(IRoflAppAdmin.setFees, (appId, 1, FeePolicy.InstancePays));
        vm.prank(owner);
        bytes[] memory results = rofl.multicall(calls);
        assertEq(abi.decode(results[0], (uint64)), 1);
        assertEq(results[1].length, 0);
    }

    function test_Multicall_BubblesRevert() public {
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(IRoflAppAdmin.setFees, (appId, 1, FeePolicy.InstancePays));
        calls[1] = abi.encodeCall(IRoflAppAdmin.setMaxExpiration, (appId, 1, 99));
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.InvalidMaxExpiration.selector, 99, 24));
        rofl.multicall(calls);
        // nothing happened, and the batch flag is not left behind
        assertEq(rofl.version(appId), 1);
        vm.prank(owner);
        rofl.setFees(appId, 1, FeePolicy.InstancePays);
        assertEq(rofl.version(appId), 2);
    }

    function test_Multicall_NestedReverts() public {
        bytes[] memory inner = new bytes[](0);
        bytes[] memory calls = new bytes[](1);
        calls[0] = abi.encodeCall(IRoflAppAdmin.multicall, (inner));
        vm.prank(owner);
        vm.expectRevert(IRoflErrors.NestedMulticall.selector);
        rofl.multicall(calls);
    }

    function test_Multicall_VersionCheckedAgainstBatchStart() public {
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(IRoflAppAdmin.setFees, (appId, 1, FeePolicy.InstancePays));
        calls[1] = abi.encodeCall(IRoflAppAdmin.setMaxExpiration, (appId, 1, 7));
        vm.prank(owner);
        rofl.multicall(calls);
        assertEq(rofl.version(appId), 2);
        // a proposal drafted against version 1 is now stale as a whole
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.StaleVersion.selector, appId, 1, 2));
        rofl.multicall(calls);
    }

    function test_Multicall_AdoptAndChangeIsOneUpdate() public {
        AppPolicy memory policy = _defaultPolicy();
        bytes21 adopted = _createElsewhereAndHandOver(makeAddr("creator"), policy, _noMetadata());
        bytes[] memory calls = new bytes[](3);
        calls[0] = abi.encodeCall(IRoflAppAdmin.adoptApp, (adopted, policy, _noMetadata(), _noSecrets()));
        calls[1] = abi.encodeCall(IRoflAppAdmin.addEnclave, (adopted, 0, _identity(5)));
        calls[2] = abi.encodeCall(IRoflAppAdmin.setSecret, (adopted, 0, "k", hex"01"));
        vm.recordLogs();
        vm.prank(owner);
        rofl.multicall(calls);
        assertEq(_countConfigUpdates(vm.getRecordedLogs()), 1);
        assertEq(rofl.version(adopted), 1);
        assertEq(standIn.lastBody(adopted), rofl.encodeUpdate(adopted));
        _assertInSync(adopted);
    }

    function test_Multicall_TransferInsideBatchCarriesEarlierChanges() public {
        bytes21 next = OasisIds.fromEth(makeAddr("next"));
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, 1, "k", "v"));
        calls[1] = abi.encodeCall(IRoflAppAdmin.transferRoflAdmin, (appId, 1, next));
        vm.recordLogs();
        vm.prank(owner);
        rofl.multicall(calls);
        assertEq(_countConfigUpdates(vm.getRecordedLogs()), 1);
        (, bytes21 moduleAdmin) = standIn.appAdmin(appId);
        assertEq(moduleAdmin, next);
        assertEq(standIn.appMetadata(appId)[0].value, "v");
    }

    function test_Multicall_RemoveInsideBatchSendsNoUpdate() public {
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, 1, "k", "v"));
        calls[1] = abi.encodeCall(IRoflAppAdmin.removeApp, (appId, 1));
        vm.recordLogs();
        vm.prank(owner);
        rofl.multicall(calls);
        assertEq(_countConfigUpdates(vm.getRecordedLogs()), 0);
        assertFalse(standIn.appExists(appId));
    }

    function test_Multicall_TransferThenReadoptInOneBatch() public {
        address next = makeAddr("next");
        vm.prank(owner);
        rofl.transferRoflAdmin(appId, 0, OasisIds.fromEth(next));
        AppPolicy memory policy = _defaultPolicy();
        bytes memory back = RoflCbor.encodeUpdate(appId, policy, rofl.roflAdminAddress(), _noMetadata(), _noSecrets());
        vm.prank(next);
        _subcall("rofl.Update", back);

        // adoption and two changes of the same key: one update with the final value
        bytes[] memory calls = new bytes[](3);
        calls[0] = abi.encodeCall(IRoflAppAdmin.adoptApp, (appId, policy, _noMetadata(), _noSecrets()));
        calls[1] = abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, 0, "k", "v"));
        calls[2] = abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, 0, "k", "w"));
        vm.recordLogs();
        vm.prank(owner);
        rofl.multicall(calls);
        assertEq(_countConfigUpdates(vm.getRecordedLogs()), 1);
        _assertInSync(appId);
    }

    // -------------------------------------------------------------------------------------------
    // Access control
    // -------------------------------------------------------------------------------------------

    function _allChangesWithVersion(uint64 v) internal view returns (bytes[] memory calls) {
        calls = new bytes[](13);
        calls[0] = abi.encodeCall(IRoflAppAdmin.addEnclave, (appId, v, _identity(1)));
        calls[1] = abi.encodeCall(IRoflAppAdmin.removeEnclave, (appId, v, _identity(0)));
        calls[2] = abi.encodeCall(IRoflAppAdmin.setEndorsements, (appId, v, _anyEndorsement()));
        calls[3] = abi.encodeCall(IRoflAppAdmin.setFees, (appId, v, FeePolicy.InstancePays));
        calls[4] = abi.encodeCall(IRoflAppAdmin.setMaxExpiration, (appId, v, 2));
        calls[5] = abi.encodeCall(IRoflAppAdmin.setQuotePolicy, (appId, v, _fullQuotes()));
        calls[6] = abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, v, "k", "v"));
        calls[7] = abi.encodeCall(IRoflAppAdmin.deleteMetadata, (appId, v, "k"));
        calls[8] = abi.encodeCall(IRoflAppAdmin.setSecret, (appId, v, "k", hex"01"));
        calls[9] = abi.encodeCall(IRoflAppAdmin.deleteSecret, (appId, v, "k"));
        calls[10] = abi.encodeCall(IRoflAppAdmin.transferRoflAdmin, (appId, v, bytes21(uint168(1))));
        calls[11] = abi.encodeCall(IRoflAppAdmin.renounceRoflAdmin, (appId, v));
        calls[12] = abi.encodeCall(IRoflAppAdmin.removeApp, (appId, v));
    }

    function test_OnlyOwner_EveryMutatingFunction() public {
        bytes[] memory changes = _allChangesWithVersion(0);
        bytes[] memory calls = new bytes[](changes.length + 4);
        for (uint256 i; i < changes.length; ++i) {
            calls[i] = changes[i];
        }
        calls[changes.length] = abi.encodeCall(
            IRoflAppAdmin.adoptApp, (bytes21(uint168(5)), _defaultPolicy(), _noMetadata(), _noSecrets())
        );
        calls[changes.length + 1] = abi.encodeCall(IRoflAppAdmin.withdrawStake, ());
        calls[changes.length + 2] = abi.encodeCall(IRoflAppAdmin.multicall, (new bytes[](0)));
        calls[changes.length + 3] = abi.encodeCall(RoflAppAdmin.renounceOwnership, ());

        address[2] memory outsiders = [stranger, address(0)];
        for (uint256 o; o < outsiders.length; ++o) {
            for (uint256 i; i < calls.length; ++i) {
                vm.prank(outsiders[o]);
                (bool ok, bytes memory reason) = address(rofl).call(calls[i]);
                assertFalse(ok);
                assertEq(
                    reason,
                    abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, outsiders[o]),
                    vm.toString(i)
                );
            }
            vm.deal(outsiders[o], STAKE);
            AppPolicy memory policy = _defaultPolicy();
            vm.prank(outsiders[o]);
            vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, outsiders[o]));
            rofl.createApp{value: STAKE}(policy, _noMetadata(), 1);
        }
        _assertInSync(appId);
    }

    function test_UnknownApp_EveryChange() public {
        bytes21 unknown = bytes21(uint168(0xbad));
        appId = unknown;
        bytes[] memory calls = _allChangesWithVersion(0);
        vm.startPrank(owner);
        for (uint256 i; i < calls.length; ++i) {
            (bool ok, bytes memory reason) = address(rofl).call(calls[i]);
            assertFalse(ok);
            assertEq(reason, abi.encodeWithSelector(IRoflErrors.UnknownApp.selector, unknown), vm.toString(i));
        }
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.UnknownApp.selector, unknown));
        rofl.encodeUpdate(unknown);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.UnknownApp.selector, unknown));
        rofl.version(unknown);
        assertFalse(rofl.isManaged(unknown));
    }

    function test_RenounceOwnership_Disabled() public {
        vm.prank(owner);
        vm.expectRevert(IRoflErrors.OwnershipRenounceDisabled.selector);
        rofl.renounceOwnership();
        assertEq(rofl.owner(), owner);
    }

    function test_Ownable2Step() public {
        address next = makeAddr("timelock");
        vm.prank(owner);
        rofl.transferOwnership(next);
        assertEq(rofl.owner(), owner);
        vm.prank(next);
        rofl.acceptOwnership();
        assertEq(rofl.owner(), next);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, owner));
        rofl.setFees(appId, 0, FeePolicy.InstancePays);
        vm.prank(next);
        rofl.setFees(appId, 0, FeePolicy.InstancePays);
        _assertInSync(appId);
    }

    // -------------------------------------------------------------------------------------------
    // Views
    // -------------------------------------------------------------------------------------------

    function test_Views_IndependentOfCaller() public {
        vm.prank(owner);
        rofl.setSecret(appId, 0, "s", hex"0102");
        bytes memory asStranger;
        bytes memory asZero;
        vm.prank(stranger);
        asStranger = rofl.encodeUpdate(appId);
        vm.prank(address(0));
        asZero = rofl.encodeUpdate(appId);
        assertEq(asStranger, asZero);
        vm.prank(address(0));
        AppConfig memory config = rofl.getApp(appId);
        assertEq(config.version, 2);
        assertEq(config.secrets[0].value, hex"0102");
        vm.prank(address(0));
        assertEq(rofl.appIds().length, 1);
    }

    function test_EncodeUpdate_IsTheNextBody() public {
        bytes memory before = rofl.encodeUpdate(appId);
        vm.prank(owner);
        rofl.setFees(appId, 0, FeePolicy.EndorsingNodePays); // same value: same body
        assertEq(standIn.lastBody(appId), before);
    }

    // -------------------------------------------------------------------------------------------

    function _contains(bytes memory haystack, bytes memory needle) internal pure returns (bool) {
        if (needle.length > haystack.length) return false;
        for (uint256 i; i <= haystack.length - needle.length; ++i) {
            bool found = true;
            for (uint256 j; j < needle.length; ++j) {
                if (haystack[i + j] != needle[j]) {
                    found = false;
                    break;
                }
            }
            if (found) return true;
        }
        return false;
    }
}

/// @dev Exposes the response parser to tests.
library RoflSubcallHarness {
    function decodeAppId(bytes memory result) internal pure returns (bytes21) {
        return RoflSubcall.decodeAppId(result);
    }
}
