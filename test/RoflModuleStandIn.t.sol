// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {RoflStandInFixture} from "./utils/RoflStandInFixture.sol";
import {RoflModuleStandIn} from "../contracts/testing/RoflModuleStandIn.sol";
import {CborReader} from "../contracts/testing/CborReader.sol";
import {OasisIds} from "../contracts/libraries/OasisIds.sol";
import {EnclaveIdentity, MetadataEntry, SecretEntry} from "../contracts/types/RoflTypes.sol";

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

/// @dev All CBOR here is written by hand from ROFL-FACTS.md (keys in canonical order: shorter
/// first, then bytewise), or generated once with a small canonical Python encoder cross-checked
/// against `cbor2.dumps(canonical=True)`. None of it comes from the project's encoders.
contract RoflModuleStandInTest is RoflStandInFixture {
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

    function setUp() public {
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

    // =========================================================================== rofl.Create

    function test_createTalosPolicySchemeNonce() public {
        bytes memory body = _create(TALOS_POLICY, 1, TALOS_METADATA);
        vm.expectEmit(ROFL_SUBCALL);
        emit AppCreated(ALICE_CN1, ALICE_OASIS, 100 ether);
        bytes memory data = _expectOk(ALICE, "rofl.Create", body);
        assertEq(data, abi.encodePacked(hex"55", ALICE_CN1), "CBOR byte string of the app id");

        assertTrue(standIn.appExists(ALICE_CN1));
        (bool hasAdmin, bytes21 admin) = standIn.appAdmin(ALICE_CN1);
        assertTrue(hasAdmin);
        assertEq(admin, ALICE_OASIS);
        assertEq(standIn.appStake(ALICE_CN1), 100 ether);
        assertEq(standIn.appFees(ALICE_CN1), 2);
        assertEq(standIn.appMaxExpiration(ALICE_CN1), 3);
        assertEq(standIn.appPolicyCbor(ALICE_CN1), TALOS_POLICY);
        assertEq(standIn.lastBody(ALICE_CN1), body);
        EnclaveIdentity[] memory enclaves = standIn.appEnclaves(ALICE_CN1);
        assertEq(enclaves.length, 2);
        assertEq(enclaves[0].mrEnclave, TALOS_ENCLAVE_0);
        assertEq(enclaves[1].mrEnclave, TALOS_ENCLAVE_1);
        assertEq(enclaves[1].mrSigner, bytes32(0));
        MetadataEntry[] memory metadata = standIn.appMetadata(ALICE_CN1);
        assertEq(metadata.length, 5);
        assertEq(metadata[0].key, "net.oasis.rofl.name");
        assertEq(metadata[0].value, "talos");
        assertEq(metadata[4].key, "net.oasis.rofl.description");
        assertEq(standIn.appSecrets(ALICE_CN1).length, 0);
        bytes21[] memory ids = standIn.appIds();
        assertEq(ids.length, 1);
        assertEq(ids[0], ALICE_CN1);
        // The caller's balance is untouched: the stake is only recorded.
        assertEq(ALICE.balance, 1000 ether);
    }

    function test_createSchemeNonceIncrementsPerCreator() public {
        _expectOk(ALICE, "rofl.Create", _create(_simplePolicy(), 1, EMPTY_MAP));
        bytes memory data = _expectOk(ALICE, "rofl.Create", _create(_simplePolicy(), 1, EMPTY_MAP));
        assertEq(data, abi.encodePacked(hex"55", ALICE_CN2));
    }

    /// @dev Scheme 0 is (creator, round, tx index) and a subcall's tx index is always 0, as on
    /// Sapphire: a second create in the same block derives the same id and fails with code 10
    /// (the stand-in used to count an index per block, which the module never does).
    function test_createSchemeRoundIndex() public {
        vm.roll(1);
        bytes memory body = _create(_simplePolicy(), 0, EMPTY_MAP);
        assertEq(_expectOk(ALICE, "rofl.Create", body), abi.encodePacked(hex"55", ALICE_CRI_1_0));
        _expectModuleError(ALICE, "rofl.Create", body, 10, "rofl");
        // another creator in the same block has its own id
        _expectOk(BOB, "rofl.Create", body);
        vm.roll(2);
        assertEq(_expectOk(ALICE, "rofl.Create", body), abi.encodePacked(hex"55", ALICE_CRI_2_0));
        assertEq(standIn.appIds().length, 3);
    }

    /// @dev A contract's scheme-1 id uses its real EVM nonce: unchanged by subcalls (second
    /// create collides, code 10), moved by a CREATE.
    function test_createSchemeNonceFromContractUsesItsEvmNonce() public {
        ContractCreator creator = new ContractCreator();
        vm.deal(address(creator), 1000 ether);
        bytes21 oasis = OasisIds.fromEth(address(creator));
        bytes memory body = _create(_simplePolicy(), 1, EMPTY_MAP);
        assertEq(standIn.contractNonce(address(creator)), 1);

        (uint64 status, bytes memory data) = creator.subcall("rofl.Create", body);
        assertEq(status, 0);
        assertEq(data, abi.encodePacked(hex"55", OasisIds.appIdCreatorNonce(oasis, 1)));
        (status, data) = creator.subcall("rofl.Create", body);
        assertEq(status, 10, "same nonce, same id");
        assertEq(string(data), "rofl");

        for (uint64 k = 2; k <= 4; ++k) {
            creator.bump();
            assertEq(standIn.contractNonce(address(creator)), k);
            assertEq(vm.getNonce(address(creator)), k);
            (status, data) = creator.subcall("rofl.Create", body);
            assertEq(status, 0);
            assertEq(data, abi.encodePacked(hex"55", OasisIds.appIdCreatorNonce(oasis, k)));
        }
        assertEq(standIn.appIds().length, 4);
    }

    /// @dev The nonce probe computes CREATE addresses right across the RLP length changes
    /// (1-byte nonces below 0x80, 0x81 + 1 byte up to 0xff, 0x82 + 2 bytes from 0x100).
    function test_contractNonceProbeMatchesCreateAddresses() public {
        address deployer = address(new ContractCreator());
        for (uint64 k = 1; k <= 300; ++k) {
            vm.etch(vm.computeCreateAddress(deployer, k), hex"fe");
        }
        assertEq(standIn.contractNonce(deployer), 301);
    }

    function test_createFullPcsPolicyAccepted() public {
        bytes memory policy =
            _policy(FULL_QUOTES, _enclaves1(SIMPLE_ENCLAVE), bytes.concat(hex"81", ANY), hex"18" hex"18");
        bytes memory data = _expectOk(ALICE, "rofl.Create", _create(policy, 1, EMPTY_MAP));
        assertEq(standIn.appMaxExpiration(bytes21(_slice(data, 1))), 24);
    }

    function test_createInsufficientBalance() public {
        _expectModuleError(POOR, "rofl.Create", _create(_simplePolicy(), 1, EMPTY_MAP), 2, "accounts");
        assertEq(standIn.appIds().length, 0);
    }

    function test_createRejectsValue() public {
        vm.prank(ALICE, ALICE);
        (bool ok, bytes memory ret) =
            ROFL_SUBCALL.call{value: 1}(abi.encode(bytes("rofl.Create"), _create(_simplePolicy(), 1, EMPTY_MAP)));
        assertFalse(ok);
        assertEq(ret, abi.encodeWithSelector(RoflModuleStandIn.ValueNotAccepted.selector, 1));
    }

    function test_unknownMethodIsCoreInvalidMethod() public {
        _expectModuleError(ALICE, "rofl.DeriveKey", hex"a0", 3, "core");
        _expectModuleError(ALICE, "accounts.Transfer", hex"a0", 3, "core");
    }

    // =========================================================================== limits

    function test_metadataLimits() public {
        _expectOk(ALICE, "rofl.Create", _create(_simplePolicy(), 1, _entries(64, false)));
        _expectModuleError(ALICE, "rofl.Create", _create(_simplePolicy(), 1, _entries(65, false)), 1, "rofl");

        bytes memory longKey = new bytes(1025);
        bytes memory longValue = new bytes(16385);
        for (uint256 i; i < longKey.length; ++i) {
            longKey[i] = "a";
        }
        for (uint256 i; i < longValue.length; ++i) {
            longValue[i] = "v";
        }
        bytes memory okKey = _slice(longKey, 1);
        bytes memory okValue = _slice(longValue, 1);
        _expectOk(
            ALICE,
            "rofl.Create",
            _create(_simplePolicy(), 1, bytes.concat(hex"a1", _text(string(okKey)), _text(string(okValue))))
        );
        _expectModuleError(
            ALICE,
            "rofl.Create",
            _create(_simplePolicy(), 1, bytes.concat(hex"a1", _text(string(longKey)), hex"60")),
            1,
            "rofl"
        );
        _expectModuleError(
            ALICE,
            "rofl.Create",
            _create(_simplePolicy(), 1, bytes.concat(hex"a1", hex"616b", _text(string(longValue)))),
            1,
            "rofl"
        );
    }

    function test_secretLimits() public {
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

    function test_endorsementAtomLimit() public {
        bytes memory ok = _policy(NULL_QUOTES, _enclaves1(SIMPLE_ENCLAVE), _anys(32), hex"03");
        _expectOk(ALICE, "rofl.Create", _create(ok, 1, EMPTY_MAP));
        bytes memory tooMany = _policy(NULL_QUOTES, _enclaves1(SIMPLE_ENCLAVE), _anys(33), hex"03");
        _expectModuleError(ALICE, "rofl.Create", _create(tooMany, 1, EMPTY_MAP), 15, "rofl");
        // and(31 atoms) = 1 + 31 = 32 atoms: fine; and(32 atoms) = 33: too many
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

    function test_endorsementDepthLimit() public {
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
        // Talos: and(provider, or(a, b)) = 1 + 2 + 2 = 5 atoms, depth 3.
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

    // =========================================================================== strict decoding

    function test_rejectsOutOfOrderKeys() public {
        bytes memory body = bytes.concat(hex"a3", K_SCHEME, hex"01", K_POLICY, _simplePolicy(), K_METADATA, EMPTY_MAP);
        _expectRevert(body, abi.encodeWithSelector(CborReader.CborMapKeyOutOfOrder.selector, 9));
    }

    function test_rejectsDuplicateKeys() public {
        bytes memory policy = _simplePolicy();
        bytes memory body = bytes.concat(hex"a4", K_POLICY, policy, K_SCHEME, hex"01");
        body = bytes.concat(body, K_SCHEME, hex"01", K_METADATA, EMPTY_MAP);
        _expectRevert(
            body, abi.encodeWithSelector(CborReader.CborDuplicateMapKey.selector, 1 + 7 + policy.length + 7 + 1)
        );
    }

    function test_rejectsNonMinimalInteger() public {
        bytes memory policy = _simplePolicy();
        bytes memory body = bytes.concat(hex"a3", K_POLICY, policy, K_SCHEME, hex"1801", K_METADATA, EMPTY_MAP);
        _expectRevert(
            body, abi.encodeWithSelector(CborReader.CborNonMinimalEncoding.selector, 1 + 7 + policy.length + 7)
        );
    }

    function test_rejectsIndefiniteLength() public {
        bytes memory policy = _simplePolicy();
        bytes memory body = bytes.concat(hex"a3", K_POLICY, policy, K_SCHEME, hex"01", K_METADATA, hex"bfff");
        _expectRevert(
            body, abi.encodeWithSelector(CborReader.CborIndefiniteLength.selector, 1 + 7 + policy.length + 8 + 9)
        );
        _expectRevert(
            bytes.concat(hex"bf", K_POLICY, policy, K_SCHEME, hex"01", K_METADATA, EMPTY_MAP, hex"ff"),
            abi.encodeWithSelector(CborReader.CborIndefiniteLength.selector, 0)
        );
    }

    function test_rejectsUnknownField() public {
        bytes memory policy = _simplePolicy();
        // "zzzzzzzzz" (9 bytes) sorts after "metadata" (8): only the name is wrong.
        bytes memory body = bytes.concat(_create(policy, 1, EMPTY_MAP), hex"69", "zzzzzzzzz", hex"00");
        body[0] = 0xa4;
        _expectRevert(
            body,
            abi.encodeWithSelector(RoflModuleStandIn.UnknownField.selector, 1 + 7 + policy.length + 8 + 10, "zzzzzzzzz")
        );
    }

    function test_rejectsMissingField() public {
        bytes memory body = bytes.concat(hex"a2", K_POLICY, _simplePolicy(), K_SCHEME, hex"01");
        _expectRevert(body, abi.encodeWithSelector(RoflModuleStandIn.MissingField.selector, 0, "metadata"));
        // policy without max_expiration
        bytes memory policy = bytes.concat(hex"a4", K_FEES, hex"02", K_QUOTES, NULL_QUOTES, K_ENCLAVES);
        policy = bytes.concat(policy, _enclaves1(SIMPLE_ENCLAVE), K_ENDORSEMENTS, hex"81", ANY);
        _expectRevert(
            _create(policy, 1, EMPTY_MAP),
            abi.encodeWithSelector(RoflModuleStandIn.MissingField.selector, 8, "max_expiration")
        );
    }

    function test_rejectsWrongByteLength() public {
        bytes memory enclaves =
            bytes.concat(hex"81a2696d725f7369676e65725820", bytes32(0), hex"6a6d725f656e636c617665581f", bytes31(0));
        bytes memory policy = _policy(NULL_QUOTES, enclaves, bytes.concat(hex"81", ANY), hex"03");
        _expectRevertSelector("rofl.Create", _create(policy, 1, EMPTY_MAP), CborReader.CborWrongLength.selector);
        // provider address of 20 bytes
        bytes memory endorsements = bytes.concat(hex"81a16870726f766964657254", bytes20(0));
        policy = _policy(NULL_QUOTES, _enclaves1(SIMPLE_ENCLAVE), endorsements, hex"03");
        _expectRevertSelector("rofl.Create", _create(policy, 1, EMPTY_MAP), CborReader.CborWrongLength.selector);
    }

    function test_rejectsTrailingByte() public {
        bytes memory body = bytes.concat(_create(_simplePolicy(), 1, EMPTY_MAP), hex"00");
        _expectRevert(body, abi.encodeWithSelector(CborReader.CborTrailingBytes.selector, body.length - 1));
    }

    function test_rejectsFloat() public {
        bytes memory policy = _policy(NULL_QUOTES, _enclaves1(SIMPLE_ENCLAVE), bytes.concat(hex"81", ANY), hex"f94200");
        _expectRevertSelector("rofl.Create", _create(policy, 1, EMPTY_MAP), CborReader.CborUnsupportedItem.selector);
    }

    function test_rejectsValuesTheEncoderNeverWrites() public {
        bytes4 invalid = RoflModuleStandIn.InvalidField.selector;
        bytes memory enclaves = _enclaves1(SIMPLE_ENCLAVE);
        bytes memory anyList = bytes.concat(hex"81", ANY);
        // ias must be null
        _expectRevertSelector(
            "rofl.Create",
            _create(_policy(hex"a263696173a063706373f6", enclaves, anyList, hex"03"), 1, EMPTY_MAP),
            invalid
        );
        // fees 3
        bytes memory policy = _simplePolicy();
        policy[6] = 0x03;
        _expectRevertSelector("rofl.Create", _create(policy, 1, EMPTY_MAP), invalid);
        // scheme 2
        _expectRevertSelector("rofl.Create", _create(_simplePolicy(), 2, EMPTY_MAP), invalid);
        // pcs.disabled false
        bytes memory pcs =
            hex"a263696173f663706373a36864697361626c6564f4737463625f76616c69646974795f706572696f64181e781e6d696e5f7463625f6576616c756174696f6e5f646174615f6e756d62657212";
        _expectRevertSelector("rofl.Create", _create(_policy(pcs, enclaves, anyList, hex"03"), 1, EMPTY_MAP), invalid);
        // empty FMSPC list
        pcs =
            hex"a263696173f663706373a36f666d7370635f626c61636b6c69737480737463625f76616c69646974795f706572696f64181e781e6d696e5f7463625f6576616c756174696f6e5f646174615f6e756d62657212";
        _expectRevertSelector("rofl.Create", _create(_policy(pcs, enclaves, anyList, hex"03"), 1, EMPTY_MAP), invalid);
        // endorsement map with two keys
        _expectRevertSelector(
            "rofl.Create",
            _create(_policy(NULL_QUOTES, enclaves, hex"81a263616e79a0636f6e79a0", hex"03"), 1, EMPTY_MAP),
            invalid
        );
        // simple endorsement with a non-empty value
        _expectRevertSelector(
            "rofl.Create",
            _create(_policy(NULL_QUOTES, enclaves, hex"81a163616e79a1616100", hex"03"), 1, EMPTY_MAP),
            invalid
        );
    }

    function test_rejectsMissingPcsAndTdxFields() public {
        bytes4 missing = RoflModuleStandIn.MissingField.selector;
        bytes memory enclaves = _enclaves1(SIMPLE_ENCLAVE);
        bytes memory anyList = bytes.concat(hex"81", ANY);
        // pcs without tcb_validity_period
        bytes memory pcs = hex"a263696173f663706373a1781e6d696e5f7463625f6576616c756174696f6e5f646174615f6e756d62657212";
        _expectRevertSelector("rofl.Create", _create(_policy(pcs, enclaves, anyList, hex"03"), 1, EMPTY_MAP), missing);
        // tdx: {} (allowed_tdx_modules is always written)
        pcs =
            hex"a263696173f663706373a363746478a0737463625f76616c69646974795f706572696f64181e781e6d696e5f7463625f6576616c756174696f6e5f646174615f6e756d62657212";
        _expectRevertSelector("rofl.Create", _create(_policy(pcs, enclaves, anyList, hex"03"), 1, EMPTY_MAP), missing);
        // quotes without pcs
        _expectRevertSelector(
            "rofl.Create", _create(_policy(hex"a163696173f6", enclaves, anyList, hex"03"), 1, EMPTY_MAP), missing
        );
    }

    function test_rejectsUnknownEndorsementAndWrongTypes() public {
        bytes memory enclaves = _enclaves1(SIMPLE_ENCLAVE);
        _expectRevertSelector(
            "rofl.Create",
            _create(_policy(NULL_QUOTES, enclaves, hex"81a163666f6fa0", hex"03"), 1, EMPTY_MAP),
            RoflModuleStandIn.UnknownField.selector
        );
        // {"any": null}
        _expectRevertSelector(
            "rofl.Create",
            _create(_policy(NULL_QUOTES, enclaves, hex"81a163616e79f6", hex"03"), 1, EMPTY_MAP),
            CborReader.CborUnexpectedType.selector
        );
        // metadata value as bytes instead of text
        _expectRevertSelector(
            "rofl.Create", _create(_simplePolicy(), 1, hex"a1616b4176"), CborReader.CborUnexpectedType.selector
        );
    }

    function test_updateAndRemoveBodiesAreStrict() public {
        bytes21 appId = _createSimple();
        // Update without admin: the footgun the real module accepts, refused here.
        bytes memory noAdmin = bytes.concat(hex"a4", K_ID, hex"55", appId, K_POLICY, _simplePolicy());
        noAdmin = bytes.concat(noAdmin, K_SECRETS, EMPTY_MAP, K_METADATA, EMPTY_MAP);
        _expectRevertMethod(
            "rofl.Update", noAdmin, abi.encodeWithSelector(RoflModuleStandIn.MissingField.selector, 0, "admin")
        );
        // Remove with an empty map (the real module would remove the all-zero id)
        _expectRevertMethod(
            "rofl.Remove", hex"a0", abi.encodeWithSelector(RoflModuleStandIn.MissingField.selector, 0, "id")
        );
        // Remove with a 20-byte id
        _expectRevertSelector(
            "rofl.Remove", bytes.concat(hex"a1", K_ID, hex"54", bytes20(appId)), CborReader.CborWrongLength.selector
        );
        assertTrue(standIn.appExists(appId));
    }

    // =========================================================================== text (Rust `String`)

    /// @dev oasis-sdk runtime-sdk/src/modules/rofl/types.rs: metadata is
    /// `BTreeMap<String, String>` and secrets `BTreeMap<String, Vec<u8>>`: text that is not
    /// well-formed UTF-8 fails to parse, so the call reverts.
    function test_textMustBeUtf8() public {
        bytes memory policy = _simplePolicy();
        // where the metadata map starts in a create body
        uint256 m = 1 + K_POLICY.length + policy.length + K_SCHEME.length + 1 + K_METADATA.length;
        bytes[5] memory bad = [
            bytes(hex"62c080"), // overlong
            hex"63eda080", // surrogate
            hex"64f4908080", // above U+10FFFF
            hex"62e697", // truncated
            hex"6180" // lone continuation
        ];
        for (uint256 i; i < bad.length; ++i) {
            // as a key: {bad: "v"}
            _expectRevert(
                _create(policy, 1, bytes.concat(hex"a1", bad[i], hex"6176")),
                abi.encodeWithSelector(CborReader.CborInvalidUtf8.selector, m + 1, m + 2)
            );
            // as a value: {"k": bad}
            _expectRevert(
                _create(policy, 1, bytes.concat(hex"a1616b", bad[i])),
                abi.encodeWithSelector(CborReader.CborInvalidUtf8.selector, m + 3, m + 4)
            );
        }
        // a secret name in an update
        bytes21 appId = _createSimple();
        bytes memory secrets = bytes.concat(hex"a1", bad[1], hex"4101");
        _expectRevertSelector(
            "rofl.Update",
            _updateBody(appId, _adminOf(ALICE_OASIS), policy, secrets, EMPTY_MAP),
            CborReader.CborInvalidUtf8.selector
        );
    }

    /// @dev The module takes any well-formed `String`: control and format characters, and any
    /// bytes as a secret value, pass.
    function test_textControlCharactersAndMultiByteAccepted() public {
        // {"k\n": "a\u0000\tb", "\u200b": "x", "café": "日本"} in canonical order
        bytes memory metadata = bytes.concat(hex"a3", hex"626b0a", hex"6461000962", hex"63e2808b", hex"6178");
        metadata = bytes.concat(metadata, hex"65636166c3a9", hex"66e697a5e69cac");
        bytes memory data = _expectOk(ALICE, "rofl.Create", _create(_simplePolicy(), 1, metadata));
        bytes21 appId = bytes21(_slice(data, 1));
        MetadataEntry[] memory stored = standIn.appMetadata(appId);
        assertEq(stored.length, 3);
        assertEq(stored[0].key, "k\n");
        assertEq(stored[0].value, "a\x00\tb");
        assertEq(stored[1].key, unicode"\u200b");
        assertEq(stored[2].value, unicode"日本");

        // secret {"\u202e": h'c080'}
        bytes memory secrets = bytes.concat(hex"a1", hex"63e280ae", hex"42c080");
        _expectOk(ALICE, "rofl.Update", _updateBody(appId, _adminOf(ALICE_OASIS), _simplePolicy(), secrets, EMPTY_MAP));
        assertEq(standIn.appSecrets(appId)[0].name, unicode"\u202e");
        assertEq(standIn.appSecrets(appId)[0].value, hex"c080");
    }

    // =========================================================================== rofl.Update

    function test_updateOverwritesEverything() public {
        bytes memory createBody = _create(TALOS_POLICY, 1, TALOS_METADATA);
        _expectOk(ALICE, "rofl.Create", createBody);
        bytes21 appId = ALICE_CN1;

        bytes memory body = _updateBody(appId, _adminOf(ALICE_OASIS), TALOS_POLICY, TALOS_SECRETS, TALOS_METADATA);
        vm.expectEmit(ROFL_SUBCALL);
        emit AppUpdated(appId, keccak256(body));
        assertEq(_expectOk(ALICE, "rofl.Update", body), hex"f6");
        SecretEntry[] memory secrets = standIn.appSecrets(appId);
        assertEq(secrets.length, 1);
        assertEq(secrets[0].name, "OPENAI_API_KEY");
        assertEq(secrets[0].value.length, 217);
        assertEq(standIn.appMetadata(appId).length, 5);
        assertEq(standIn.lastBody(appId), body);

        // An Update without metadata/secrets wipes them, and the policy is replaced.
        body = _updateBody(appId, _adminOf(ALICE_OASIS), _simplePolicy(), EMPTY_MAP, EMPTY_MAP);
        _expectOk(ALICE, "rofl.Update", body);
        assertEq(standIn.appSecrets(appId).length, 0);
        assertEq(standIn.appMetadata(appId).length, 0);
        assertEq(standIn.appPolicyCbor(appId), _simplePolicy());
        EnclaveIdentity[] memory enclaves = standIn.appEnclaves(appId);
        assertEq(enclaves.length, 1);
        assertEq(enclaves[0].mrEnclave, SIMPLE_ENCLAVE);
        assertEq(standIn.appStake(appId), 100 ether, "stake unchanged");
    }

    function test_updateNullAdminBricksTheApp() public {
        bytes21 appId = _createSimple();
        _expectOk(ALICE, "rofl.Update", _updateBody(appId, hex"f6", _simplePolicy(), EMPTY_MAP, EMPTY_MAP));
        (bool hasAdmin, bytes21 admin) = standIn.appAdmin(appId);
        assertFalse(hasAdmin);
        assertEq(admin, bytes21(0));
        // Every later Update or Remove is Forbidden, for everyone.
        _expectModuleError(
            ALICE,
            "rofl.Update",
            _updateBody(appId, _adminOf(ALICE_OASIS), _simplePolicy(), EMPTY_MAP, EMPTY_MAP),
            11,
            "rofl"
        );
        _expectModuleError(
            BOB,
            "rofl.Update",
            _updateBody(appId, _adminOf(BOB_OASIS), _simplePolicy(), EMPTY_MAP, EMPTY_MAP),
            11,
            "rofl"
        );
        _expectModuleError(ALICE, "rofl.Remove", _removeBody(appId), 11, "rofl");
        assertTrue(standIn.appExists(appId));
    }

    function test_updateForbiddenForNonAdmin() public {
        bytes21 appId = _createSimple();
        _expectModuleError(
            BOB,
            "rofl.Update",
            _updateBody(appId, _adminOf(BOB_OASIS), _simplePolicy(), EMPTY_MAP, EMPTY_MAP),
            11,
            "rofl"
        );
        (, bytes21 admin) = standIn.appAdmin(appId);
        assertEq(admin, ALICE_OASIS);
    }

    function test_updateTransfersAdmin() public {
        bytes21 appId = _createSimple();
        _expectOk(ALICE, "rofl.Update", _updateBody(appId, _adminOf(BOB_OASIS), _simplePolicy(), EMPTY_MAP, EMPTY_MAP));
        _expectModuleError(
            ALICE,
            "rofl.Update",
            _updateBody(appId, _adminOf(ALICE_OASIS), _simplePolicy(), EMPTY_MAP, EMPTY_MAP),
            11,
            "rofl"
        );
        _expectOk(BOB, "rofl.Update", _updateBody(appId, _adminOf(BOB_OASIS), _simplePolicy(), EMPTY_MAP, EMPTY_MAP));
    }

    function test_updateUnknownApp() public {
        _expectModuleError(
            ALICE,
            "rofl.Update",
            _updateBody(ALICE_CN2, _adminOf(ALICE_OASIS), _simplePolicy(), EMPTY_MAP, EMPTY_MAP),
            2,
            "rofl"
        );
    }

    // =========================================================================== rofl.Remove

    function test_removeRefundsCurrentAdmin() public {
        bytes21 appId = _createSimple();
        _expectOk(ALICE, "rofl.Update", _updateBody(appId, _adminOf(BOB_OASIS), _simplePolicy(), EMPTY_MAP, EMPTY_MAP));
        _expectModuleError(ALICE, "rofl.Remove", _removeBody(appId), 11, "rofl");

        vm.expectEmit(ROFL_SUBCALL);
        emit AppRemoved(appId);
        vm.expectEmit(ROFL_SUBCALL);
        emit StakeRefunded(BOB_OASIS, 100 ether);
        _expectOk(BOB, "rofl.Remove", _removeBody(appId));

        assertFalse(standIn.appExists(appId));
        assertEq(standIn.appStake(appId), 0);
        assertEq(standIn.refundedStake(BOB_OASIS), 100 ether);
        assertEq(standIn.refundedStake(ALICE_OASIS), 0);
        assertEq(standIn.appIds().length, 0);
        _expectModuleError(BOB, "rofl.Remove", _removeBody(appId), 2, "rofl");
    }

    function test_removeKeepsOtherAppIds() public {
        bytes21 first = _createSimple();
        bytes21 second = _createSimple();
        _expectOk(ALICE, "rofl.Remove", _removeBody(first));
        bytes21[] memory ids = standIn.appIds();
        assertEq(ids.length, 1);
        assertEq(ids[0], second);
        assertEq(standIn.refundedStake(ALICE_OASIS), 100 ether);
    }

    // =========================================================================== instances

    function test_instanceRegistrationAndOrigin() public {
        bytes21 appId = _createSimple();
        uint64 epoch = standIn.currentEpoch();
        assertEq(epoch, uint64(uint256(1_700_000_000) / 600));
        standIn.registerInstance(appId, INSTANCE, SIMPLE_ENCLAVE, bytes32(0), epoch + 3);
        assertTrue(standIn.isInstanceAuthorized(appId, INSTANCE));
        assertEq(standIn.instancesOf(appId).length, 1);

        bytes memory idBody = bytes.concat(hex"55", appId);
        assertEq(_expectOk(INSTANCE, "rofl.IsAuthorizedOrigin", idBody), hex"f5");
        assertEq(_expectOk(BOB, "rofl.IsAuthorizedOrigin", idBody), hex"f4");
        assertEq(_expectOk(INSTANCE, "rofl.OriginApp", hex"f6"), bytes.concat(hex"55", appId));
        _expectModuleError(BOB, "rofl.OriginApp", hex"f6", 12, "rofl");

        // tx.origin counts, not msg.sender: a contract called by the instance sees it as origin.
        vm.prank(BOB, INSTANCE);
        (bool ok, bytes memory ret) = ROFL_SUBCALL.call(abi.encode(bytes("rofl.IsAuthorizedOrigin"), idBody));
        assertTrue(ok);
        (uint64 status, bytes memory data) = abi.decode(ret, (uint64, bytes));
        assertEq(status, 0);
        assertEq(data, hex"f5");

        // valid in the epochs before its expiration epoch, gone from that epoch on (the module
        // drops registrations with expiration <= epoch at each epoch change)
        vm.warp(uint256(epoch + 2) * 600 + 599);
        assertTrue(standIn.isInstanceAuthorized(appId, INSTANCE));
        vm.warp(uint256(epoch + 3) * 600);
        assertFalse(standIn.isInstanceAuthorized(appId, INSTANCE));
        assertEq(_expectOk(INSTANCE, "rofl.IsAuthorizedOrigin", idBody), hex"f4");
    }

    /// @dev `rofl.Update` evicts nobody (oasis-sdk `tx_update` only rewrites the config): an
    /// instance whose identity was removed keeps its rights until its registration expires, and
    /// only its renewal is refused. (This test used to assert an immediate refusal, which the
    /// real module never gives: that hid the real revocation window.)
    function test_removingIdentityKeepsRegistrationUntilExpiry() public {
        bytes21 appId = _createSimple();
        uint64 epoch = standIn.currentEpoch();
        standIn.registerInstance(appId, INSTANCE, SIMPLE_ENCLAVE, bytes32(0), epoch + 2);
        bytes memory otherPolicy =
            _policy(NULL_QUOTES, _enclaves1(bytes32(uint256(0x22))), bytes.concat(hex"81", ANY), hex"03");
        _expectOk(ALICE, "rofl.Update", _updateBody(appId, _adminOf(ALICE_OASIS), otherPolicy, EMPTY_MAP, EMPTY_MAP));
        assertTrue(standIn.isInstanceAuthorized(appId, INSTANCE));
        assertEq(_expectOk(INSTANCE, "rofl.IsAuthorizedOrigin", bytes.concat(hex"55", appId)), hex"f5");
        assertEq(_expectOk(INSTANCE, "rofl.OriginApp", hex"f6"), bytes.concat(hex"55", appId));

        // it cannot renew: renewal checks the identity against the policy in force
        vm.warp(uint256(epoch + 1) * 600);
        vm.expectRevert(
            abi.encodeWithSelector(RoflModuleStandIn.IdentityNotInPolicy.selector, appId, SIMPLE_ENCLAVE, bytes32(0))
        );
        standIn.registerInstance(appId, INSTANCE, SIMPLE_ENCLAVE, bytes32(0), epoch + 3);
        assertTrue(standIn.isInstanceAuthorized(appId, INSTANCE));

        // once its registration expires, it is refused
        vm.warp(uint256(epoch + 2) * 600);
        assertFalse(standIn.isInstanceAuthorized(appId, INSTANCE));
        assertEq(_expectOk(INSTANCE, "rofl.IsAuthorizedOrigin", bytes.concat(hex"55", appId)), hex"f4");
        _expectModuleError(INSTANCE, "rofl.OriginApp", hex"f6", 12, "rofl");
    }

    function test_registrationRefusals() public {
        bytes21 appId = _createSimple();
        uint64 epoch = standIn.currentEpoch();
        vm.expectRevert(abi.encodeWithSelector(RoflModuleStandIn.UnknownAppId.selector, ALICE_CN2));
        standIn.registerInstance(ALICE_CN2, INSTANCE, SIMPLE_ENCLAVE, bytes32(0), epoch + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                RoflModuleStandIn.IdentityNotInPolicy.selector, appId, SIMPLE_ENCLAVE, bytes32(uint256(1))
            )
        );
        standIn.registerInstance(appId, INSTANCE, SIMPLE_ENCLAVE, bytes32(uint256(1)), epoch + 1);
        vm.expectRevert(abi.encodeWithSelector(RoflModuleStandIn.ExpirationOutOfRange.selector, epoch, epoch, 3));
        standIn.registerInstance(appId, INSTANCE, SIMPLE_ENCLAVE, bytes32(0), epoch);
        vm.expectRevert(abi.encodeWithSelector(RoflModuleStandIn.ExpirationOutOfRange.selector, epoch + 4, epoch, 3));
        standIn.registerInstance(appId, INSTANCE, SIMPLE_ENCLAVE, bytes32(0), epoch + 4);

        // one app per instance address
        standIn.registerInstance(appId, INSTANCE, SIMPLE_ENCLAVE, bytes32(0), epoch + 3);
        bytes21 other = _createSimple();
        vm.expectRevert(abi.encodeWithSelector(RoflModuleStandIn.InstanceOfOtherApp.selector, INSTANCE, appId));
        standIn.registerInstance(other, INSTANCE, SIMPLE_ENCLAVE, bytes32(0), epoch + 3);
    }

    /// @dev `rofl.Remove` deletes the config only (oasis-sdk `state.rs` `remove_app`): the
    /// registrations stay until they expire, and cannot be renewed. (This test used to assert
    /// that Remove dropped the instances, which the real module does not do.)
    function test_removeKeepsRegistrationsUntilExpiry() public {
        bytes21 appId = _createSimple();
        uint64 epoch = standIn.currentEpoch();
        standIn.registerInstance(appId, INSTANCE, SIMPLE_ENCLAVE, bytes32(0), epoch + 1);
        _expectOk(ALICE, "rofl.Remove", _removeBody(appId));
        assertTrue(standIn.isInstanceAuthorized(appId, INSTANCE));
        assertEq(standIn.instancesOf(appId).length, 1);
        assertEq(_expectOk(INSTANCE, "rofl.OriginApp", hex"f6"), bytes.concat(hex"55", appId));
        vm.expectRevert(abi.encodeWithSelector(RoflModuleStandIn.UnknownAppId.selector, appId));
        standIn.registerInstance(appId, INSTANCE, SIMPLE_ENCLAVE, bytes32(0), epoch + 1);

        vm.warp(uint256(epoch + 1) * 600);
        assertFalse(standIn.isInstanceAuthorized(appId, INSTANCE));
        _expectModuleError(INSTANCE, "rofl.OriginApp", hex"f6", 12, "rofl");
    }

    function test_originBodiesAreStrict() public {
        _expectRevertMethod(
            "rofl.OriginApp", hex"a0", abi.encodeWithSelector(CborReader.CborUnexpectedType.selector, 0, 7, uint8(0xa0))
        );
        _expectRevertMethod(
            "rofl.OriginApp", hex"f6f6", abi.encodeWithSelector(CborReader.CborTrailingBytes.selector, 1)
        );
        _expectRevertMethod(
            "rofl.IsAuthorizedOrigin",
            bytes.concat(hex"54", bytes20(0)),
            abi.encodeWithSelector(CborReader.CborWrongLength.selector, 0, 21, 20)
        );
    }

    // =========================================================================== precompile rules

    function test_delegatecallRejected() public {
        DelegateCaller caller = new DelegateCaller();
        (bool ok, bytes memory ret) =
            caller.run(abi.encode(bytes("rofl.Create"), _create(_simplePolicy(), 1, EMPTY_MAP)));
        assertFalse(ok);
        assertEq(ret, abi.encodeWithSelector(RoflModuleStandIn.DelegateCallRejected.selector));
        assertEq(standIn.appIds().length, 0);
    }

    function test_codeAtAnotherAddressRejected() public {
        address elsewhere = address(0xC0FFEE);
        vm.etch(elsewhere, type(RoflModuleStandIn).runtimeCode);
        (bool ok, bytes memory ret) =
            elsewhere.call(abi.encode(bytes("rofl.Create"), _create(_simplePolicy(), 1, EMPTY_MAP)));
        assertFalse(ok);
        assertEq(ret, abi.encodeWithSelector(RoflModuleStandIn.DelegateCallRejected.selector));
    }

    function test_callerAddressIsCachedAndViewsIgnoreSender() public {
        bytes21 appId = _createSimple();
        vm.prank(address(0));
        (bool hasAdmin, bytes21 admin) = standIn.appAdmin(appId);
        assertTrue(hasAdmin);
        assertEq(admin, ALICE_OASIS);
        // A second create by a new caller pays for Address::from_eth; a repeat caller does not.
        bytes memory body = _create(_simplePolicy(), 0, EMPTY_MAP);
        uint256 g0 = gasleft();
        _expectOk(BOB, "rofl.Create", body);
        uint256 firstByBob = g0 - gasleft();
        vm.roll(block.number + 1); // one scheme-0 id per creator and block
        g0 = gasleft();
        _expectOk(BOB, "rofl.Create", body);
        uint256 used = g0 - gasleft();
        assertGt(firstByBob, used + 60_000, "caller address cached");
        emit log_named_uint("second create gas", used);
    }
}
