// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title An owner contract that calls back into the policy contract
/// @notice Stands for a governance account with code (a Safe module, a Timelock executor, a
/// buggy or hostile owner). When armed, its `receive` hook (stake withdrawal) or its
/// `onSubcall` hook (called by {HostilePrecompile} in relay mode) makes ONE call to `target`,
/// as the owner, records the outcome, and either swallows a revert or bubbles it up.
contract HostileOwner {
    address public target;
    bytes public hookCall;
    bool public armed;
    bool public bubble;

    bool public hookRan;
    bool public hookOk;
    bytes public hookResult;
    uint256 public receiveCount;
    uint256 public received;

    function setTarget(address target_) external {
        target = target_;
    }

    /// @param call_ The calldata sent to `target` from the next hook.
    /// @param bubble_ Whether a revert of that call makes the hook revert too.
    function arm(bytes calldata call_, bool bubble_) external {
        hookCall = call_;
        bubble = bubble_;
        armed = true;
        hookRan = false;
        hookOk = false;
        delete hookResult;
    }

    receive() external payable {
        ++receiveCount;
        received += msg.value;
        _hook();
    }

    function onSubcall() external {
        _hook();
    }

    function _hook() private {
        if (!armed) return;
        armed = false; // one shot: no unbounded recursion
        hookRan = true;
        (bool ok, bytes memory result) = target.call(hookCall);
        hookOk = ok;
        hookResult = result;
        if (!ok && bubble) {
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
    }
}

/// @title A hostile stand-in for the subcall precompile
/// @notice Etched at `0x0100…0103` over the real stand-in. Calls from anyone but `victim` (and
/// every call in `Pass` mode) are delegated to a `RoflModuleStandIn` deployed elsewhere, so the
/// stand-in keeps working on its own storage (at the precompile address, as before the etch).
/// Calls from `victim` get the configured hostility. The configuration lives in one
/// far-away storage slot so that it never overlaps the stand-in's layout.
contract HostilePrecompile {
    enum Mode {
        Pass,
        /// Calls `victim` with `payload` (as the precompile), records the outcome, then answers.
        Reenter,
        /// Calls `relay.onSubcall()` (a {HostileOwner}), then answers.
        RelayOwner,
        /// Returns `payload` as raw return data.
        RawReturn,
        /// Reverts with `payload` as raw revert data.
        RawRevert,
        /// Returns `abi.encode(uint64(0), new bytes(size))`.
        HugeReturn,
        /// Reverts with `size` bytes.
        HugeRevert
    }

    struct Config {
        Mode mode;
        address victim;
        address impl;
        address relay;
        bytes payload;
        uint256 size;
        uint256 hits;
        bool reentryOk;
        bytes reentryResult;
    }

    bytes32 private constant _SLOT = bytes32(uint256(keccak256("roflgov.security.hostile-precompile")) - 1);

    function _config() private pure returns (Config storage c) {
        bytes32 slot = _SLOT;
        assembly ("memory-safe") {
            c.slot := slot
        }
    }

    function hostileConfigure(
        Mode mode,
        address victim,
        address impl,
        address relay,
        bytes calldata payload,
        uint256 size
    ) external {
        Config storage c = _config();
        c.mode = mode;
        c.victim = victim;
        c.impl = impl;
        c.relay = relay;
        c.payload = payload;
        c.size = size;
        c.hits = 0;
        c.reentryOk = false;
        delete c.reentryResult;
    }

    function hostileOutcome() external view returns (uint256 hits, bool reentryOk, bytes memory reentryResult) {
        Config storage c = _config();
        return (c.hits, c.reentryOk, c.reentryResult);
    }

    fallback(bytes calldata input) external payable returns (bytes memory) {
        Config storage c = _config();
        if (msg.sender != c.victim || c.mode == Mode.Pass) return _delegate(c.impl, input);
        ++c.hits;
        Mode mode = c.mode;
        if (mode == Mode.Reenter) {
            (bool ok, bytes memory result) = c.victim.call(c.payload);
            c.reentryOk = ok;
            c.reentryResult = result;
            return _delegate(c.impl, input);
        }
        if (mode == Mode.RelayOwner) {
            (bool ok, bytes memory result) = c.relay.call(abi.encodeWithSignature("onSubcall()"));
            if (!ok) _revertWith(result);
            return _delegate(c.impl, input);
        }
        if (mode == Mode.RawReturn) return c.payload;
        if (mode == Mode.RawRevert) _revertWith(c.payload);
        if (mode == Mode.HugeReturn) return abi.encode(uint64(0), new bytes(c.size));
        _revertWith(new bytes(c.size));
    }

    function _delegate(address impl, bytes calldata input) private returns (bytes memory) {
        (bool ok, bytes memory result) = impl.delegatecall(input);
        if (!ok) _revertWith(result);
        return result;
    }

    function _revertWith(bytes memory data) private pure {
        assembly ("memory-safe") {
            revert(add(data, 0x20), mload(data))
        }
    }
}
