// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflErrors} from "../contracts/interfaces/IRoflErrors.sol";
import {IRoflAppAdmin} from "../contracts/interfaces/IRoflAppAdmin.sol";
import {AppPolicy, MetadataEntry, QuotePolicy, SecretEntry} from "../contracts/types/RoflTypes.sol";
import {RoflAppAdminBase} from "./utils/RoflAppAdminBase.sol";

/// @title Text the module parses as Rust `String`s, and FMSPCs, are refused before any subcall
/// @notice docs/text-rules.md: keys, values and names well-formed UTF-8; keys and names without
/// control or format characters; FMSPCs 12 upper-case hex digits. Every refusal happens before
/// the module is called (the version does not move).
contract RoflAppAdminTextTest is RoflAppAdminBase {
    bytes21 internal appId;

    string internal constant KEY = "metadata key";
    string internal constant VALUE = "metadata value";
    string internal constant NAME = "secret name";

    function setUp() public override {
        super.setUp();
        appId = _createDefault();
    }

    function _invalidUtf8(string memory field, uint256 index, uint256 offset) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IRoflErrors.InvalidUtf8.selector, field, index, offset);
    }

    function _disallowed(string memory field, uint256 index, uint256 offset, uint256 cp)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodeWithSelector(IRoflErrors.DisallowedCharacter.selector, field, index, offset, cp);
    }

    /// @dev One sample of each ill-formed class, each after "ab" (so at offset 2).
    function _badUtf8() internal pure returns (bytes[5] memory) {
        return [
            bytes(hex"6162c080"), // overlong
            hex"6162eda080", // surrogate U+D800
            hex"6162f4908080", // above U+10FFFF
            hex"6162e697", // truncated
            hex"616280" // lone continuation
        ];
    }

    /// @dev One character of each refused class: Cc (C0, DEL, C1), separators, Cf (BMP, astral).
    function _controls() internal pure returns (uint256[8] memory cps, bytes[8] memory encodings) {
        cps = [uint256(0x0a), 0x7f, 0x85, 0x2028, 0x200b, 0x202e, 0xfeff, 0xe0041];
        encodings =
            [bytes(hex"0a"), hex"7f", hex"c285", hex"e280a8", hex"e2808b", hex"e280ae", hex"efbbbf", hex"f3a08181"];
    }

    // -------------------------------------------------------------------------------------------
    // Accepted
    // -------------------------------------------------------------------------------------------

    function test_MultiByteTextAccepted() public {
        vm.startPrank(owner);
        rofl.setMetadata(appId, 0, unicode"café", unicode"日本");
        rofl.setMetadata(appId, 0, unicode"net.oasis.rofl.名前", unicode"🚀 launch 😀");
        rofl.setSecret(appId, 0, unicode"clé_😀", hex"c080eda080ff"); // secret values are bytes
        vm.stopPrank();
        _assertInSync(appId);
        assertEq(standIn.appMetadata(appId).length, 2);
        assertEq(standIn.appSecrets(appId)[0].name, unicode"clé_😀");
    }

    function test_ControlAndFormatCharactersAcceptedInValues() public {
        (, bytes[8] memory encodings) = _controls();
        vm.startPrank(owner);
        for (uint256 i; i < encodings.length; ++i) {
            rofl.setMetadata(appId, 0, string.concat("k", vm.toString(i)), string(bytes.concat("a", encodings[i], "b")));
        }
        rofl.setMetadata(appId, 0, "net.oasis.rofl.description", "line one\nline two\r\n\ttabbed");
        vm.stopPrank();
        _assertInSync(appId);
    }

    // -------------------------------------------------------------------------------------------
    // setMetadata / setSecret
    // -------------------------------------------------------------------------------------------

    function test_SetMetadata_InvalidUtf8Refused() public {
        bytes[5] memory bad = _badUtf8();
        vm.startPrank(owner);
        for (uint256 i; i < bad.length; ++i) {
            vm.expectRevert(_invalidUtf8(KEY, 0, 2));
            rofl.setMetadata(appId, 0, string(bad[i]), "v");
            vm.expectRevert(_invalidUtf8(VALUE, 0, 2));
            rofl.setMetadata(appId, 0, "k", string(bad[i]));
        }
        vm.stopPrank();
        assertEq(rofl.version(appId), 1);
    }

    function test_SetSecret_InvalidUtf8Refused() public {
        bytes[5] memory bad = _badUtf8();
        vm.startPrank(owner);
        for (uint256 i; i < bad.length; ++i) {
            vm.expectRevert(_invalidUtf8(NAME, 0, 2));
            rofl.setSecret(appId, 0, string(bad[i]), hex"01");
        }
        vm.stopPrank();
        assertEq(rofl.version(appId), 1);
    }

    function test_ControlAndFormatCharactersRefusedInKeysAndNames() public {
        (uint256[8] memory cps, bytes[8] memory encodings) = _controls();
        vm.startPrank(owner);
        for (uint256 i; i < cps.length; ++i) {
            string memory key = string(bytes.concat("net.", encodings[i], "x"));
            vm.expectRevert(_disallowed(KEY, 0, 4, cps[i]));
            rofl.setMetadata(appId, 0, key, "v");
            vm.expectRevert(_disallowed(NAME, 0, 4, cps[i]));
            rofl.setSecret(appId, 0, key, hex"01");
        }
        vm.stopPrank();
        assertEq(rofl.version(appId), 1);
    }

    // -------------------------------------------------------------------------------------------
    // Whole lists: createApp, adoptApp, multicall
    // -------------------------------------------------------------------------------------------

    function test_CreateApp_RefusesBadTextBeforeCalling() public {
        MetadataEntry[] memory metadata = new MetadataEntry[](2);
        metadata[0] = MetadataEntry("a", "fine");
        metadata[1] = MetadataEntry(string(bytes(hex"62e697")), "x");
        uint256 balance = address(standIn).balance;
        vm.prank(owner);
        vm.expectRevert(_invalidUtf8(KEY, 1, 1));
        rofl.createApp{value: STAKE}(_defaultPolicy(), metadata, 1);

        metadata[1] = MetadataEntry("b", string(bytes(hex"78c080")));
        vm.prank(owner);
        vm.expectRevert(_invalidUtf8(VALUE, 1, 1));
        rofl.createApp{value: STAKE}(_defaultPolicy(), metadata, 1);

        metadata[1] = MetadataEntry(string(bytes(hex"62e2808b")), "x"); // ZWSP
        vm.prank(owner);
        vm.expectRevert(_disallowed(KEY, 1, 1, 0x200b));
        rofl.createApp{value: STAKE}(_defaultPolicy(), metadata, 1);

        assertEq(address(standIn).balance, balance);
        assertEq(rofl.appIds().length, 1);
    }

    function test_AdoptApp_RefusesBadText() public {
        bytes21 adopted = _createElsewhereAndHandOver(makeAddr("creator"), _defaultPolicy(), _noMetadata());
        AppPolicy memory policy = _defaultPolicy();
        SecretEntry[] memory secrets = new SecretEntry[](2);
        secrets[0] = SecretEntry("OK", hex"01");
        secrets[1] = SecretEntry(string(bytes(hex"4e0a")), hex"02");
        vm.prank(owner);
        vm.expectRevert(_disallowed(NAME, 1, 1, 0x0a));
        rofl.adoptApp(adopted, policy, _noMetadata(), secrets);

        secrets[1] = SecretEntry(string(bytes(hex"4eeda080")), hex"02");
        vm.prank(owner);
        vm.expectRevert(_invalidUtf8(NAME, 1, 1));
        rofl.adoptApp(adopted, policy, _noMetadata(), secrets);

        vm.prank(owner);
        vm.expectRevert(_invalidUtf8(VALUE, 0, 0));
        rofl.adoptApp(adopted, policy, _metadata("k", string(bytes(hex"80"))), _noSecrets());

        assertFalse(rofl.isManaged(adopted));
        // the same app with clean text is adopted
        secrets[1] = SecretEntry(unicode"NAMÉ", hex"02");
        vm.prank(owner);
        rofl.adoptApp(adopted, policy, _metadata(unicode"日本", "line\nbreak"), secrets);
        _assertInSync(adopted);
    }

    function test_Multicall_BubblesTextErrors() public {
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, 1, "a", "1"));
        calls[1] = abi.encodeCall(IRoflAppAdmin.setSecret, (appId, 1, string(bytes(hex"53c2ad")), hex"01")); // soft hyphen
        vm.prank(owner);
        vm.expectRevert(_disallowed(NAME, 0, 1, 0xad));
        rofl.multicall(calls);

        calls[1] = abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, 1, "b", string(bytes(hex"f5"))));
        vm.prank(owner);
        vm.expectRevert(_invalidUtf8(VALUE, 0, 0));
        rofl.multicall(calls);
        assertEq(rofl.version(appId), 1);
    }

    // -------------------------------------------------------------------------------------------
    // FMSPCs
    // -------------------------------------------------------------------------------------------

    function _pcs(string memory whitelisted, string memory blacklisted) internal pure returns (QuotePolicy memory q) {
        q.pcsPresent = true;
        q.pcs.tcbValidityPeriod = 30;
        q.pcs.minTcbEvaluationDataNumber = 18;
        q.pcs.fmspcWhitelist = new string[](1);
        q.pcs.fmspcWhitelist[0] = whitelisted;
        q.pcs.fmspcBlacklist = new string[](1);
        q.pcs.fmspcBlacklist[0] = blacklisted;
    }

    function test_Fmspc_UpperCaseAccepted() public {
        vm.prank(owner);
        rofl.setQuotePolicy(appId, 0, _pcs("00606A000000", "00906ED50000"));
        _assertInSync(appId);
        assertEq(rofl.getApp(appId).policy.quotes.pcs.fmspcWhitelist[0], "00606A000000");
    }

    function test_Fmspc_LowerCaseRefused() public {
        vm.startPrank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.FmspcNotUpperCase.selector, "00606a000000"));
        rofl.setQuotePolicy(appId, 0, _pcs("00606a000000", "00906ED50000"));
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.FmspcNotUpperCase.selector, "00906ed50000"));
        rofl.setQuotePolicy(appId, 0, _pcs("00606A000000", "00906ed50000"));
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.FmspcNotUpperCase.selector, "00906Ed50000"));
        rofl.setQuotePolicy(appId, 0, _pcs("00606A000000", "00906Ed50000"));
        // not hex at all stays InvalidFmspc, whatever the case of the rest
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.InvalidFmspc.selector, "00606a00000g"));
        rofl.setQuotePolicy(appId, 0, _pcs("00606a00000g", "00906ED50000"));
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.InvalidFmspc.selector, "00606a00000"));
        rofl.setQuotePolicy(appId, 0, _pcs("00606a00000", "00906ED50000"));
        vm.stopPrank();
        assertEq(rofl.version(appId), 1);
    }

    function test_Fmspc_LowerCaseRefusedOnCreate() public {
        AppPolicy memory policy = _defaultPolicy();
        policy.quotes = _pcs("00606A000000", "30606a000000");
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.FmspcNotUpperCase.selector, "30606a000000"));
        rofl.createApp{value: STAKE}(policy, _noMetadata(), 1);
    }
}
