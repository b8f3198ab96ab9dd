// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";

import {RoflAppAdmin} from "../../contracts/rofl/RoflAppAdmin.sol";
import {AppConfig, AppPolicy, EnclaveIdentity, MetadataEntry} from "../../contracts/types/RoflTypes.sol";
import {RoflConfigBuilder} from "../utils/RoflConfigBuilder.sol";

/// @dev The few halmos cheatcodes used here (halmos-cheatcodes `SVM`), declared inline so that
/// the file compiles without that library. Only halmos answers them; `forge test` never runs
/// `check_` functions.
interface IHalmosSvm {
    function createCalldata(string memory contractName) external pure returns (bytes memory);
}

/// @dev Answers every subcall with success, and `rofl.Create` with a fixed app id. The strict
/// stand-in's CBOR decoder is not what is being proved and would only blow up the path count.
contract AlwaysOkPrecompile {
    fallback(bytes calldata) external returns (bytes memory) {
        return abi.encode(uint64(0), abi.encodePacked(uint8(0x55), bytes21(uint168(0xabc))));
    }
}

/// @title Symbolic check (halmos): the guardian cannot add an identity or change anything else
/// @notice Run with `halmos --contract RoflGuardianSymbolic --function check_GuardianRevoke`
/// (and `check_GuardianFreeze`), each a few seconds with halmos 0.3.3; not part of CI.
/// From a concrete app with two identities and a guardian, the guardian calls revoke (symbolic
/// identity and version) or freeze (symbolic version). On every path: the identity list after is
/// a subset of the one before, the rest of the config is unchanged, and a success is exactly one
/// update. `check_GuardianCannotAddIdentities` (fully symbolic calldata over every function) is
/// the general statement; it does not finish in reasonable time here.
contract RoflGuardianSymbolic is Test, RoflConfigBuilder {
    IHalmosSvm internal constant svm = IHalmosSvm(address(uint160(uint256(keccak256("svm cheat code")))));
    address internal constant PRECOMPILE = 0x0100000000000000000000000000000000000103;

    RoflAppAdmin internal rofl;
    bytes21 internal appId;
    address internal owner = address(0x1000);
    address internal guardian = address(0x2000);

    function setUp() public {
        vm.etch(PRECOMPILE, type(AlwaysOkPrecompile).runtimeCode);
        rofl = new RoflAppAdmin(owner);
        AppPolicy memory policy = _defaultPolicy();
        policy.enclaves = _enclaves(2);
        vm.deal(owner, 100 ether);
        vm.prank(owner);
        appId = rofl.createApp{value: 100 ether}(policy, new MetadataEntry[](0), 1);
        vm.prank(owner);
        rofl.setGuardian(appId, guardian);
    }

    function check_GuardianRevokeOnlyShrinks(bytes21 app, uint64 expectedVersion, bytes32 mrEnclave, bytes32 mrSigner)
        public
    {
        // Any other app id reverts with UnknownApp; halmos cannot follow its symbolic storage.
        vm.assume(app == appId);
        AppConfig memory before = rofl.getApp(appId);
        vm.prank(guardian);
        (bool ok,) = address(rofl)
            .call(abi.encodeCall(rofl.revokeEnclave, (app, expectedVersion, EnclaveIdentity(mrEnclave, mrSigner))));
        AppConfig memory after_ = rofl.getApp(appId);
        assert(after_.policy.enclaves.length <= before.policy.enclaves.length);
        for (uint256 i; i < after_.policy.enclaves.length; ++i) {
            assert(_contains(before.policy.enclaves, after_.policy.enclaves[i]));
        }
        assert(_restHash(after_) == _restHash(before));
        if (ok) assert(after_.version == before.version + 1);
    }

    function check_GuardianFreezeOnlyShrinks(uint64 expectedVersion) public {
        AppConfig memory before = rofl.getApp(appId);
        vm.prank(guardian);
        (bool ok,) = address(rofl).call(abi.encodeCall(rofl.freeze, (appId, expectedVersion)));
        AppConfig memory after_ = rofl.getApp(appId);
        assert(_restHash(after_) == _restHash(before));
        if (ok) {
            assert(after_.policy.enclaves.length == 0 && rofl.isFrozen(appId));
            assert(after_.version == before.version + 1);
        } else {
            assert(after_.version == before.version && after_.policy.enclaves.length == 2);
        }
    }

    /// @dev Every function, fully symbolic calldata: did not finish within 15 minutes here
    /// (dynamic struct arguments of the owner-only functions); kept for bigger machines.
    function check_GuardianCannotAddIdentities() public {
        bytes memory data = svm.createCalldata("RoflAppAdmin");
        AppConfig memory before = rofl.getApp(appId);

        vm.prank(guardian);
        (bool ok,) = address(rofl).call(data);

        AppConfig memory after_ = rofl.getApp(appId);
        assert(after_.policy.enclaves.length <= before.policy.enclaves.length);
        for (uint256 i; i < after_.policy.enclaves.length; ++i) {
            assert(_contains(before.policy.enclaves, after_.policy.enclaves[i]));
        }
        assert(_restHash(after_) == _restHash(before));
        assert(rofl.guardianOf(appId) == guardian);
        assert(rofl.owner() == owner);
        if (ok) assert(after_.version >= before.version);
    }

    function _contains(EnclaveIdentity[] memory list, EnclaveIdentity memory identity) internal pure returns (bool) {
        for (uint256 i; i < list.length; ++i) {
            if (list[i].mrEnclave == identity.mrEnclave && list[i].mrSigner == identity.mrSigner) return true;
        }
        return false;
    }

    function _restHash(AppConfig memory config) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                config.policy.quotes,
                config.policy.endorsements,
                config.policy.fees,
                config.policy.maxExpiration,
                config.metadata,
                config.secrets,
                config.admin
            )
        );
    }
}
