// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflAppAdmin} from "../contracts/interfaces/IRoflAppAdmin.sol";
import {AppPolicy, MetadataEntry} from "../contracts/types/RoflTypes.sol";
import {RoflAppAdminBase} from "./utils/RoflAppAdminBase.sol";

/// @title Gas figures for the README (`forge snapshot` records them in `.gas-snapshot`)
/// @dev Each test is one owner call on an app set up beforehand, so that the snapshot figure is
/// that call (cold storage: every test is a fresh transaction). The app is created through the
/// stand-in; then the precompile is mocked to answer success at once, because the stand-in's
/// Solidity CBOR decoder is not what Sapphire runs: there the module charges a flat 100,000 gas
/// per `rofl.Update` on top of these figures. The typical app has the `oasis rofl create`
/// default policy, four metadata pairs and one secret.
contract RoflAppAdminGasTest is RoflAppAdminBase {
    bytes21 internal app;
    bytes21 internal app1;
    bytes21 internal app8;
    bytes21 internal app32;

    function setUp() public override {
        super.setUp();
        MetadataEntry[] memory metadata = new MetadataEntry[](4);
        metadata[0] = MetadataEntry("net.oasis.rofl.name", "demo-app");
        metadata[1] = MetadataEntry("net.oasis.rofl.version", "0.1.0");
        metadata[2] = MetadataEntry("net.oasis.rofl.license", "Apache-2.0");
        metadata[3] = MetadataEntry("net.oasis.rofl.homepage", "https://example.org/demo-app");
        // QEMU v0/v1 TDX identities, as `oasis rofl build` emits them
        AppPolicy memory policy = _defaultPolicy();
        policy.enclaves = _enclaves(2);
        app = _create(policy, metadata);
        vm.prank(owner);
        rofl.setSecret(app, 0, "API_TOKEN", _repeat(0x5a, 64));

        policy.enclaves = _enclaves(1);
        app1 = _create(policy, metadata);
        policy.enclaves = _enclaves(8);
        app8 = _create(policy, metadata);
        policy.enclaves = _enclaves(32);
        app32 = _create(policy, metadata);

        vm.mockCall(ROFL_SUBCALL, bytes(""), abi.encode(uint64(0), hex"f6"));
    }

    /// @dev Adding one identity: one `rofl.Update`.
    function test_Gas_AddIdentity() public {
        vm.prank(owner);
        rofl.addEnclave(app, 0, _identity(100));
    }

    /// @dev A release: the new identities in, the old ones out, one `rofl.Update`.
    function test_Gas_Release_AddOneRemoveOne() public {
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(IRoflAppAdmin.addEnclave, (app, 2, _identity(100)));
        calls[1] = abi.encodeCall(IRoflAppAdmin.removeEnclave, (app, 2, _identity(0)));
        vm.prank(owner);
        rofl.multicall(calls);
    }

    /// @dev A release as the CLI produces it: two new TDX identities in, two old out, and the
    /// version metadata bumped, one `rofl.Update`.
    function test_Gas_Release_TwoInTwoOutAndVersion() public {
        bytes[] memory calls = new bytes[](5);
        calls[0] = abi.encodeCall(IRoflAppAdmin.addEnclave, (app, 2, _identity(100)));
        calls[1] = abi.encodeCall(IRoflAppAdmin.addEnclave, (app, 2, _identity(101)));
        calls[2] = abi.encodeCall(IRoflAppAdmin.removeEnclave, (app, 2, _identity(0)));
        calls[3] = abi.encodeCall(IRoflAppAdmin.removeEnclave, (app, 2, _identity(1)));
        calls[4] = abi.encodeCall(IRoflAppAdmin.setMetadata, (app, 2, "net.oasis.rofl.version", "0.2.0"));
        vm.prank(owner);
        rofl.multicall(calls);
    }

    /// @dev Changing one metadata value.
    function test_Gas_MetadataChange() public {
        vm.prank(owner);
        rofl.setMetadata(app, 0, "net.oasis.rofl.version", "0.2.0");
    }

    /// @dev The smallest change (one word of state) on apps of growing size: what grows is
    /// reading and encoding the complete config.
    function test_Gas_Update_1Identity() public {
        vm.prank(owner);
        rofl.setMaxExpiration(app1, 0, 4);
    }

    function test_Gas_Update_8Identities() public {
        vm.prank(owner);
        rofl.setMaxExpiration(app8, 0, 4);
    }

    function test_Gas_Update_32Identities() public {
        vm.prank(owner);
        rofl.setMaxExpiration(app32, 0, 4);
    }

    /// @dev The view a Safe UI calls to show the exact body (free off-chain; here for scale).
    function test_Gas_EncodeUpdateView_32Identities() public view {
        rofl.encodeUpdate(app32);
    }
}
