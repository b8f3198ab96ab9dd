// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AppPolicy, EnclaveIdentity} from "../../contracts/types/RoflTypes.sol";
import {IdentityStatus, ReleaseRecord} from "../../contracts/types/RoflReleaseTypes.sol";
import {RoflAppAdminBase} from "./RoflAppAdminBase.sol";

/// @title Shared fixture of the release-governance tests (one file per concern,
/// test/RoflReleaseGovernance.*.t.sol)
/// @dev An app with two identities and a guardian, created in {setUp}, and the helpers the
/// files share.
abstract contract RoflReleaseGovernanceFixture is RoflAppAdminBase {
    bytes21 internal appId;
    address internal guardian = makeAddr("guardian");
    uint64 internal constant DAY = 1 days;

    function setUp() public override {
        super.setUp();
        // Two identities, as a TDX build gives (QEMU v0/v1).
        AppPolicy memory policy = _defaultPolicy();
        policy.enclaves = _enclaves(2);
        appId = _create(policy, _noMetadata());
        vm.prank(owner);
        rofl.setGuardian(appId, guardian);
        vm.warp(1_700_000_000);
    }

    function _record(uint256 n) internal pure returns (ReleaseRecord memory) {
        return ReleaseRecord({
            version: string(abi.encodePacked("1.", bytes1(uint8(48 + n % 10)), ".0")),
            repository: "https://github.com/example/demo-app",
            gitCommit: bytes20(keccak256(abi.encode("commit", n))),
            bundleHash: keccak256(abi.encode("bundle", n)),
            manifestHash: keccak256(abi.encode("rofl.yaml", n)),
            notes: "audited build"
        });
    }

    function _ids(EnclaveIdentity memory a) internal pure returns (EnclaveIdentity[] memory list) {
        list = new EnclaveIdentity[](1);
        list[0] = a;
    }

    function _ids(EnclaveIdentity memory a, EnclaveIdentity memory b)
        internal
        pure
        returns (EnclaveIdentity[] memory list)
    {
        list = new EnclaveIdentity[](2);
        (list[0], list[1]) = (a, b);
    }

    function _none() internal pure returns (EnclaveIdentity[] memory) {
        return new EnclaveIdentity[](0);
    }

    function _addRelease(
        EnclaveIdentity[] memory identities,
        uint256 n,
        EnclaveIdentity[] memory retire,
        uint64 graceUntil
    ) internal returns (uint32) {
        ReleaseRecord memory record = _record(n);
        vm.prank(owner);
        return rofl.addRelease(appId, 0, identities, record, retire, graceUntil);
    }

    function _assertRecord(ReleaseRecord memory a, ReleaseRecord memory b) internal pure {
        assertEq(a.version, b.version, "version");
        assertEq(a.repository, b.repository, "repository");
        assertEq(a.gitCommit, b.gitCommit, "gitCommit");
        assertEq(a.bundleHash, b.bundleHash, "bundleHash");
        assertEq(a.manifestHash, b.manifestHash, "manifestHash");
        assertEq(a.notes, b.notes, "notes");
    }

    function _status(EnclaveIdentity memory identity) internal view returns (IdentityStatus) {
        return rofl.identityInfo(appId, identity).status;
    }

    function _registerInstance(address instance, EnclaveIdentity memory identity) internal {
        standIn.registerInstance(appId, instance, identity.mrEnclave, identity.mrSigner, standIn.currentEpoch() + 3);
    }
}
