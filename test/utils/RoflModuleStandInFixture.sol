// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {RoflStandInFixture} from "./RoflStandInFixture.sol";
import {RoflModuleStandIn} from "../../contracts/testing/RoflModuleStandIn.sol";

/// @dev Calls the precompile by DELEGATECALL, which Sapphire rejects.
contract DelegateCaller {
    function run(bytes memory input) external returns (bool ok, bytes memory ret) {
        (ok, ret) = address(0x0100000000000000000000000000000000000103).delegatecall(input);
    }
}

/// @dev A contract calling the module, as a policy contract does: the module sees its own
/// address as the creator and reads its EVM nonce.
contract ContractCreator {
    function subcall(string memory method, bytes memory body) external returns (uint64 status, bytes memory data) {
        (bool ok, bytes memory ret) =
            address(0x0100000000000000000000000000000000000103).call(abi.encode(bytes(method), body));
        require(ok, "subcall reverted");
        (status, data) = abi.decode(ret, (uint64, bytes));
    }

    /// @dev One CREATE: moves this contract's nonce by one and leaves code behind.
    function bump() external {
        new Marker();
    }
}

contract Marker {}

/// @title Shared fixture of the ROFL module stand-in tests (one file per concern,
/// test/RoflModuleStandIn.*.t.sol)
/// @dev All CBOR here is written by hand from ROFL-FACTS.md (keys in canonical order: shorter
/// first, then bytewise), or generated once with a small canonical Python encoder cross-checked
/// against `cbor2.dumps(canonical=True)`. None of it comes from the project's encoders.
abstract contract RoflModuleStandInFixture is RoflStandInFixture {
    RoflModuleStandIn internal standIn;

    address internal constant ALICE = address(0xA11CE);
    address internal constant BOB = address(0xB0B);
    address internal constant POOR = address(0xDEAD);
    address internal constant INSTANCE = address(0x1457);
    // Address::from_eth, computed with Python hashlib
    bytes21 internal constant ALICE_OASIS = 0x00adf141bdbee3d47327cd639b92dac23b3af84d13;
    bytes21 internal constant BOB_OASIS = 0x00509df2e8e73aa38508a48f61963c2dc2c5c1268f;
    // AppId::from_creator_nonce(alice, 1|2) and from_creator_round_index(alice, round, index)
    bytes21 internal constant ALICE_CN1 = 0x00d02397bf2c3e3243f62ace2b696fc8ef365d67d5;
    bytes21 internal constant ALICE_CN2 = 0x00bb793ef4279c7ef014edc4504b1ed0293505c9d0;
    bytes21 internal constant ALICE_CRI_1_0 = 0x00e5078b0b034ea0191069f1b90c34241e8f718d60;
    bytes21 internal constant ALICE_CRI_2_0 = 0x00fd06a85b0d4dc122925d2929db23574bfbe2ae62;

    bytes32 internal constant SIMPLE_ENCLAVE = 0x1111111111111111111111111111111111111111111111111111111111111111;
    bytes32 internal constant TALOS_ENCLAVE_0 = 0x6a440b7d0f7ea2408f582be2749ff4ab47fccdbacabb189e1e80560e33a0a964;
    bytes32 internal constant TALOS_ENCLAVE_1 = 0xd73dfa8a8008c0f7a171734ed204e897db0a843e6b7d5039c296dafa925bbb4b;

    // Talos mainnet policy (talos-rofl.yaml): pcs {tcb 30, min 18, tdx {allowed_tdx_modules: []}},
    // two TDX enclaves, and(provider, or(provider_instance_admin x2)), fees 2, max_expiration 3.
    bytes internal constant TALOS_POLICY =
        hex"a56466656573026671756f746573a263696173f663706373a363746478a173616c6c6f7765645f7464785f6d6f64756c657380737463625f76616c69646974795f706572696f64181e781e6d696e5f7463625f6576616c756174696f6e5f646174615f6e756d6265721268656e636c6176657382a2696d725f7369676e6572582000000000000000000000000000000000000000000000000000000000000000006a6d725f656e636c61766558206a440b7d0f7ea2408f582be2749ff4ab47fccdbacabb189e1e80560e33a0a964a2696d725f7369676e6572582000000000000000000000000000000000000000000000000000000000000000006a6d725f656e636c6176655820d73dfa8a8008c0f7a171734ed204e897db0a843e6b7d5039c296dafa925bbb4b6c656e646f7273656d656e747381a163616e6482a16870726f76696465725500b070fdacd9d9b8b78c68e5a8b90cb3a35217984ea1626f7282a17770726f76696465725f696e7374616e63655f61646d696e55004d4302b672f9d749b87b9647b5fb13cf7ee9521ea17770726f76696465725f696e7374616e63655f61646d696e550095f590acaa3eba2e07fcae90cdafa3491c3b6b996e6d61785f65787069726174696f6e03";
    // rofl.yaml metadata as the CLI would write it (keys sorted canonically).
    bytes internal constant TALOS_METADATA =
        hex"a5736e65742e6f617369732e726f666c2e6e616d656574616c6f73766e65742e6f617369732e726f666c2e76657273696f6e65302e312e30776e65742e6f617369732e726f666c2e686f6d65706167657068747470733a2f2f74616c6f732e697378196e65742e6f617369732e726f666c2e7265706f7369746f7279782468747470733a2f2f6769746875622e636f6d2f74616c6f732d6167656e742f74616c6f73781a6e65742e6f617369732e726f666c2e6465736372697074696f6e6954616c6f732069732e";
    // {"OPENAI_API_KEY": <the 217-byte sealed secret from talos-rofl.yaml>}
    bytes internal constant TALOS_SECRETS =
        hex"a16e4f50454e41495f4150495f4b455958d9a462706b58200a5d70f528c0743ba8fb131724abde7dc2560374a5b2aaa1480e7b749e042b3d646e616d65581e74d4fc30927823789fc0f8e8b2d50fd853228c3be2d3d6171e088e0587ab656e6f6e63654f1eb1f0a1db992e995c96cfa46525706576616c7565587022114c16226e01cf48ed9e9de469d7e9a3b91ff44f6d228e811cd49e6510bc83192822c04a24f8c80991ecf17e51b1fca233d91e7abb904af32cc8ccef649ba398c75a6362041f97bbce7e87b8e18eacb5d4d3580724f601a3dfcb2c8a58bde576d07ecd51e8dc624705cf46b382fd72";
    // {ias: null, pcs: {tdx: {allowed_tdx_modules: [{mr_seam: null, ..}, {mr_seam: 0x01.., ..}]},
    //  disabled: true, fmspc_blacklist: [..], fmspc_whitelist: [..], tcb 30, min 18}}
    bytes internal constant FULL_QUOTES =
        hex"a263696173f663706373a663746478a173616c6c6f7765645f7464785f6d6f64756c657382a2676d725f7365616df66e6d725f7369676e65725f7365616d5830000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000a2676d725f7365616d58300101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101016e6d725f7369676e65725f7365616d58300000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000006864697361626c6564f56f666d7370635f626c61636b6c697374816c3030363036413030303030306f666d7370635f77686974656c697374816c303039303645443530303030737463625f76616c69646974795f706572696f64181e781e6d696e5f7463625f6576616c756174696f6e5f646174615f6e756d62657212";

    // Encoded map keys.
    bytes internal constant K_ID = hex"626964";
    bytes internal constant K_ADMIN = hex"6561646d696e";
    bytes internal constant K_POLICY = hex"66706f6c696379";
    bytes internal constant K_SCHEME = hex"66736368656d65";
    bytes internal constant K_SECRETS = hex"67736563726574" hex"73";
    bytes internal constant K_METADATA = hex"686d65746164617461";
    bytes internal constant K_FEES = hex"6466656573";
    bytes internal constant K_QUOTES = hex"6671756f746573";
    bytes internal constant K_ENCLAVES = hex"68656e636c61766573";
    bytes internal constant K_ENDORSEMENTS = hex"6c656e646f7273656d656e7473";
    bytes internal constant K_MAX_EXPIRATION = hex"6e6d61785f65787069726174696f6e";
    bytes internal constant NULL_QUOTES = hex"a263696173f663706373f6";
    bytes internal constant ANY = hex"a163616e79a0";
    bytes internal constant EMPTY_MAP = hex"a0";

    event AppCreated(bytes21 indexed appId, bytes21 admin, uint256 stake);
    event AppUpdated(bytes21 indexed appId, bytes32 bodyHash);
    event AppRemoved(bytes21 indexed appId);
    event StakeRefunded(bytes21 admin, uint256 amount);

    function setUp() public virtual {
        standIn = _installRoflStandIn();
        vm.deal(ALICE, 1000 ether);
        vm.deal(BOB, 1000 ether);
        vm.deal(POOR, 99 ether);
        vm.warp(1_700_000_000);
    }

    // =========================================================================== CBOR builders

    function _hdr(uint8 major, uint256 n) internal pure returns (bytes memory) {
        uint8 m = major << 5;
        if (n < 24) return abi.encodePacked(m | uint8(n));
        if (n < 256) return abi.encodePacked(m | 24, uint8(n));
        if (n < 65536) return abi.encodePacked(m | 25, uint16(n));
        return abi.encodePacked(m | 26, uint32(n));
    }

    function _text(string memory s) internal pure returns (bytes memory) {
        return bytes.concat(_hdr(3, bytes(s).length), bytes(s));
    }

    function _bstr(bytes memory b) internal pure returns (bytes memory) {
        return bytes.concat(_hdr(2, b.length), b);
    }

    function _identity(bytes32 mrEnclave, bytes32 mrSigner) internal pure returns (bytes memory) {
        return bytes.concat(hex"a2696d725f7369676e65725820", mrSigner, hex"6a6d725f656e636c6176655820", mrEnclave);
    }

    function _enclaves1(bytes32 mrEnclave) internal pure returns (bytes memory) {
        return bytes.concat(hex"81", _identity(mrEnclave, bytes32(0)));
    }

    function _policy(bytes memory quotes, bytes memory enclaves, bytes memory endorsements, bytes memory maxExp)
        internal
        pure
        returns (bytes memory)
    {
        bytes memory head = bytes.concat(hex"a5", K_FEES, hex"02", K_QUOTES, quotes, K_ENCLAVES, enclaves);
        return bytes.concat(head, K_ENDORSEMENTS, endorsements, K_MAX_EXPIRATION, maxExp);
    }

    function _simplePolicy() internal pure returns (bytes memory) {
        return _policy(NULL_QUOTES, _enclaves1(SIMPLE_ENCLAVE), bytes.concat(hex"81", ANY), hex"03");
    }

    function _create(bytes memory policy, uint8 scheme, bytes memory metadata) internal pure returns (bytes memory) {
        return bytes.concat(hex"a3", K_POLICY, policy, K_SCHEME, abi.encodePacked(scheme), K_METADATA, metadata);
    }

    function _updateBody(
        bytes21 appId,
        bytes memory admin,
        bytes memory policy,
        bytes memory secrets,
        bytes memory metadata
    ) internal pure returns (bytes memory) {
        bytes memory head = bytes.concat(hex"a5", K_ID, hex"55", appId, K_ADMIN, admin);
        return bytes.concat(head, K_POLICY, policy, K_SECRETS, secrets, K_METADATA, metadata);
    }

    function _adminOf(bytes21 who) internal pure returns (bytes memory) {
        return bytes.concat(hex"55", who);
    }

    function _removeBody(bytes21 appId) internal pure returns (bytes memory) {
        return bytes.concat(hex"a1", K_ID, hex"55", appId);
    }

    /// @dev {"kNN": "v"} with `n` keys of equal length in increasing order.
    function _entries(uint256 n, bool bytesValues) internal pure returns (bytes memory out) {
        out = _hdr(5, n);
        for (uint256 i; i < n; ++i) {
            bytes memory key = abi.encodePacked("k", bytes1(uint8(0x30 + i / 10)), bytes1(uint8(0x30 + i % 10)));
            out = bytes.concat(out, _text(string(key)), bytesValues ? bytes(hex"4176") : bytes(hex"6176"));
        }
    }

    function _anys(uint256 n) internal pure returns (bytes memory out) {
        out = _hdr(4, n);
        for (uint256 i; i < n; ++i) {
            out = bytes.concat(out, ANY);
        }
    }

    /// @dev `depth` nested lists: [ {and: [ ... [ {any: {}} ] ... ]} ].
    function _nested(uint256 depth) internal pure returns (bytes memory out) {
        out = bytes.concat(hex"81", ANY);
        for (uint256 i = 1; i < depth; ++i) {
            out = bytes.concat(hex"81a163616e64", out);
        }
    }

    // =========================================================================== call helpers

    function _call(address from, string memory method, bytes memory body)
        internal
        returns (uint64 status, bytes memory data)
    {
        vm.prank(from, from);
        (bool ok, bytes memory ret) = ROFL_SUBCALL.call(abi.encode(bytes(method), body));
        require(ok, "subcall reverted");
        (status, data) = abi.decode(ret, (uint64, bytes));
    }

    function _expectOk(address from, string memory method, bytes memory body) internal returns (bytes memory data) {
        uint64 status;
        (status, data) = _call(from, method, body);
        assertEq(status, 0, string(data));
    }

    function _expectModuleError(
        address from,
        string memory method,
        bytes memory body,
        uint64 code,
        string memory module
    ) internal {
        (uint64 status, bytes memory data) = _call(from, method, body);
        assertEq(status, code, "status");
        assertEq(string(data), module, "module");
    }

    /// @dev Expect the subcall itself to revert with `err`.
    function _expectRevert(bytes memory body, bytes memory err) internal {
        _expectRevertMethod("rofl.Create", body, err);
    }

    function _expectRevertMethod(string memory method, bytes memory body, bytes memory err) internal {
        vm.prank(ALICE, ALICE);
        (bool ok, bytes memory ret) = ROFL_SUBCALL.call(abi.encode(bytes(method), body));
        assertFalse(ok, "expected a revert");
        assertEq(ret, err, "revert data");
    }

    function _expectRevertSelector(string memory method, bytes memory body, bytes4 selector) internal {
        vm.prank(ALICE, ALICE);
        (bool ok, bytes memory ret) = ROFL_SUBCALL.call(abi.encode(bytes(method), body));
        assertFalse(ok, "expected a revert");
        assertGe(ret.length, 4);
        assertEq(bytes4(ret), selector, "revert selector");
    }

    function _createSimple() internal returns (bytes21 appId) {
        bytes memory data = _expectOk(ALICE, "rofl.Create", _create(_simplePolicy(), 1, EMPTY_MAP));
        appId = bytes21(_slice(data, 1));
    }

    function _slice(bytes memory b, uint256 from) internal pure returns (bytes memory out) {
        out = new bytes(b.length - from);
        for (uint256 i; i < out.length; ++i) {
            out[i] = b[from + i];
        }
    }
}
