// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {OasisIds} from "../contracts/libraries/OasisIds.sol";

/// @dev Expected values are bech32 strings from oasis-sdk / the Talos deployment, decoded to hex
/// with a stand-alone Python decoder, or computed with Python's hashlib (`sha512_256`).
contract OasisIdsTest is Test {
    function test_globalNameVector() public pure {
        // rofl1qrev5wq76npkmcv5wxkdxxcu4dhmu704yyl30h43 (oasis-sdk app_id.rs test vector)
        assertEq(OasisIds.appIdGlobalName("test global app"), bytes21(0x00f2ca381ed4c36de19471acd31b1cab6fbe79f521));
    }

    function test_fromEthTalosSafe() public pure {
        // oasis1qz2lty9v4glt5ts8ljhfpnd05dy3cwmtnyshws8q = Safe 0x70739eB50e269f1f1eb27c6f8932f63389B1Cb63
        assertEq(
            OasisIds.fromEth(0x70739eB50e269f1f1eb27c6f8932f63389B1Cb63),
            bytes21(0x0095f590acaa3eba2e07fcae90cdafa3491c3b6b99)
        );
    }

    function test_fromEthSdkVector() public pure {
        // oasis-sdk address.rs test_address_from_eth: oasis1qrk58a6j2qn065m6p06jgjyt032f7qucy5wqeqpt
        assertEq(
            OasisIds.fromEth(0xDce075E1C39b1ae0b75D554558b6451A226ffe00),
            bytes21(0x00ed43f7525026fd537a0bf524488b7c549f039825)
        );
    }

    function test_fromEthAlice() public pure {
        assertEq(OasisIds.fromEth(address(0xA11CE)), bytes21(0x00adf141bdbee3d47327cd639b92dac23b3af84d13));
    }

    function test_creatorRoundIndex() public pure {
        bytes21 safe = 0x0095f590acaa3eba2e07fcae90cdafa3491c3b6b99;
        assertEq(OasisIds.appIdCreatorRoundIndex(safe, 42, 0), bytes21(0x0045cec379e4c212bb08346800cb87b87dbd10bfe7));
        assertEq(OasisIds.appIdCreatorRoundIndex(safe, 7, 3), bytes21(0x000269b94fca8a7d7ac21490e12c5b3cd708301e66));
    }

    function test_creatorNonce() public pure {
        bytes21 safe = 0x0095f590acaa3eba2e07fcae90cdafa3491c3b6b99;
        assertEq(OasisIds.appIdCreatorNonce(safe, 1), bytes21(0x00c609f294d00b330adbb7f502e724769383d15260));
        assertEq(
            OasisIds.appIdCreatorNonce(safe, type(uint64).max), bytes21(0x00dcd4eb1521c223676b10429f424f303221f4067c)
        );
    }

    /// @dev Every id starts with the v0 version byte and the schemes are domain-separated.
    function testFuzz_versionByteAndDomainSeparation(address account, uint64 n) public pure {
        bytes21 addr = OasisIds.fromEth(account);
        assertEq(uint8(addr[0]), 0);
        bytes21 cri = OasisIds.appIdCreatorRoundIndex(addr, n, 0);
        bytes21 cn = OasisIds.appIdCreatorNonce(addr, n);
        assertEq(uint8(cri[0]), 0);
        assertEq(uint8(cn[0]), 0);
        assertTrue(cri != cn);
    }
}
