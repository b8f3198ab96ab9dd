// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Byte-string helpers shared by the tests
library TestBytes {
    /// @dev Whether `needle` occurs in `haystack` (a plain scan, for assertions on encoded bodies).
    function contains(bytes memory haystack, bytes memory needle) internal pure returns (bool) {
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
