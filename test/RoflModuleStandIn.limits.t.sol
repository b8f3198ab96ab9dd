// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {RoflModuleStandInFixture} from "./utils/RoflModuleStandInFixture.sol";

/// @title The ROFL module stand-in: the module's size and shape limits
contract RoflModuleStandInLimitsTest is RoflModuleStandInFixture {
    /// @dev `length` copies of `b`: keys and values at and just above the module's limits.
    function _filled(bytes1 b, uint256 length) internal pure returns (bytes memory out) {
        out = new bytes(length);
        for (uint256 i; i < length; ++i) {
            out[i] = b;
        }
    }

    function test_metadataLimits_pairs() public {
        _expectOk(ALICE, "rofl.Create", _create(_simplePolicy(), 1, _entries(64, false)));
        _expectModuleError(ALICE, "rofl.Create", _create(_simplePolicy(), 1, _entries(65, false)), 1, "rofl");
    }

    function test_metadataLimits_largestPairAccepted() public {
        bytes memory okKey = _filled("a", 1024);
        bytes memory okValue = _filled("v", 16384);
        _expectOk(
            ALICE,
            "rofl.Create",
            _create(_simplePolicy(), 1, bytes.concat(hex"a1", _text(string(okKey)), _text(string(okValue))))
        );
    }

    function test_metadataLimits_keyTooLong() public {
        bytes memory longKey = _filled("a", 1025);
        _expectModuleError(
            ALICE,
            "rofl.Create",
            _create(_simplePolicy(), 1, bytes.concat(hex"a1", _text(string(longKey)), hex"60")),
            1,
            "rofl"
        );
    }

    function test_metadataLimits_valueTooLong() public {
        bytes memory longValue = _filled("v", 16385);
        _expectModuleError(
            ALICE,
            "rofl.Create",
            _create(_simplePolicy(), 1, bytes.concat(hex"a1", hex"616b", _text(string(longValue)))),
            1,
            "rofl"
        );
    }

    function test_secretLimits_pairs() public {
        bytes21 appId = _createSimple();
        _expectOk(
            ALICE,
            "rofl.Update",
            _updateBody(appId, _adminOf(ALICE_OASIS), _simplePolicy(), _entries(64, true), EMPTY_MAP)
        );
        assertEq(standIn.appSecrets(appId).length, 64);
        _expectModuleError(
            ALICE,
            "rofl.Update",
            _updateBody(appId, _adminOf(ALICE_OASIS), _simplePolicy(), _entries(65, true), EMPTY_MAP),
            1,
            "rofl"
        );
        assertEq(standIn.appSecrets(appId).length, 64);
    }

    /// @dev A secret value above 16 KiB is refused, and the refused update changes nothing.
    function test_secretLimits_valueTooLong() public {
        bytes21 appId = _createSimple();
        _expectOk(
            ALICE,
            "rofl.Update",
            _updateBody(appId, _adminOf(ALICE_OASIS), _simplePolicy(), _entries(64, true), EMPTY_MAP)
        );
        bytes memory longValue = new bytes(16385);
        _expectModuleError(
            ALICE,
            "rofl.Update",
            _updateBody(
                appId, _adminOf(ALICE_OASIS), _simplePolicy(), bytes.concat(hex"a1616b", _bstr(longValue)), EMPTY_MAP
            ),
            1,
            "rofl"
        );
        // nothing changed by the refused updates
        assertEq(standIn.appSecrets(appId).length, 64);
    }

    function test_endorsementAtomLimit_list() public {
        bytes memory ok = _policy(NULL_QUOTES, _enclaves1(SIMPLE_ENCLAVE), _anys(32), hex"03");
        _expectOk(ALICE, "rofl.Create", _create(ok, 1, EMPTY_MAP));
        bytes memory tooMany = _policy(NULL_QUOTES, _enclaves1(SIMPLE_ENCLAVE), _anys(33), hex"03");
        _expectModuleError(ALICE, "rofl.Create", _create(tooMany, 1, EMPTY_MAP), 15, "rofl");
    }

    /// @dev and(31 atoms) = 1 + 31 = 32 atoms: fine; and(32 atoms) = 33: too many.
    function test_endorsementAtomLimit_nested() public {
        bytes memory nested32 = bytes.concat(hex"81a163616e64", _anys(31));
        _expectOk(
            ALICE,
            "rofl.Create",
            _create(_policy(NULL_QUOTES, _enclaves1(SIMPLE_ENCLAVE), nested32, hex"03"), 1, EMPTY_MAP)
        );
        bytes memory nested33 = bytes.concat(hex"81a163616e64", _anys(32));
        _expectModuleError(
            ALICE,
            "rofl.Create",
            _create(_policy(NULL_QUOTES, _enclaves1(SIMPLE_ENCLAVE), nested33, hex"03"), 1, EMPTY_MAP),
            15,
            "rofl"
        );
    }

    function test_endorsementDepthLimit_nested() public {
        _expectOk(
            ALICE,
            "rofl.Create",
            _create(_policy(NULL_QUOTES, _enclaves1(SIMPLE_ENCLAVE), _nested(4), hex"03"), 1, EMPTY_MAP)
        );
        _expectModuleError(
            ALICE,
            "rofl.Create",
            _create(_policy(NULL_QUOTES, _enclaves1(SIMPLE_ENCLAVE), _nested(5), hex"03"), 1, EMPTY_MAP),
            14,
            "rofl"
        );
    }

    /// @dev Talos: and(provider, or(a, b)) = 1 + 2 + 2 = 5 atoms, depth 3.
    function test_endorsementDepthLimit_talos() public {
        _expectOk(ALICE, "rofl.Create", _create(TALOS_POLICY, 1, EMPTY_MAP));
    }

    function test_maxExpirationLimit() public {
        _expectOk(
            ALICE,
            "rofl.Create",
            _create(_policy(NULL_QUOTES, _enclaves1(SIMPLE_ENCLAVE), _anys(1), hex"1818"), 1, EMPTY_MAP)
        );
        _expectModuleError(
            ALICE,
            "rofl.Create",
            _create(_policy(NULL_QUOTES, _enclaves1(SIMPLE_ENCLAVE), _anys(1), hex"1819"), 1, EMPTY_MAP),
            1,
            "rofl"
        );
    }
}
