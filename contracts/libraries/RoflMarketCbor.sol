// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflErrors} from "../interfaces/IRoflErrors.sol";
import {CborWriter} from "./CborWriter.sol";

/// @title Canonical CBOR bodies of the ROFL marketplace calls roflgov sends
/// @notice Encodes `roflmarket.InstanceCreate`, `InstanceTopUp`, `InstanceExecuteCmds`,
/// `InstanceChangeAdmin` and `InstanceCancel` bodies, and the scheduler commands carried by
/// `InstanceExecuteCmds`, byte-for-byte as the oasis-sdk encoder does (canonical map key order:
/// shorter key first, then bytewise; shortest heads; `#[cbor(optional)]` fields left out).
/// @dev Types (oasis-sdk `runtime-sdk/modules/rofl-market/src/types.rs`): `Address` is a 21-byte
/// byte string, `OfferId`/`InstanceId` are 8-byte big-endian byte strings (`impl_bytes!`), `Term`
/// an unsigned integer (1 hour, 2 month, 3 year), `term_count` a u64. Field orders:
///  - InstanceCreate: `term, admin?, offer, provider, deployment?, term_count` (roflgov never
///    writes `admin` or `deployment`: the caller, this contract, becomes the admin, and the
///    deployment is sent later as a Deploy command)
///  - InstanceTopUp: `id, term, provider, term_count`
///  - InstanceExecuteCmds: `id, cmds, provider`
///  - InstanceChangeAdmin: `id, admin, provider`
///  - InstanceCancel: `id, provider`
/// Scheduler commands (oasis-sdk `rofl-scheduler/src/types.rs`): `Command {method, args}` as
/// `args, method`; Deploy args `deployment, wipe_storage`; `Deployment` as
/// `app_id, metadata, manifest_hash` (metadata always written, empty here); Restart and Terminate
/// args `wipe_storage`.
library RoflMarketCbor {
    using CborWriter for CborWriter.Buffer;

    /// @notice Reservation term of one hour (`Term::Hour`).
    uint8 internal constant TERM_HOUR = 1;
    /// @notice Reservation term of one month, 30 days (`Term::Month`).
    uint8 internal constant TERM_MONTH = 2;
    /// @notice Reservation term of one year, 365 × 30 days as the module counts (`Term::Year`).
    uint8 internal constant TERM_YEAR = 3;

    uint256 private constant _CAPACITY = 256;

    /// @notice Seconds in `term`, as oasis-sdk `Term::as_secs` counts them.
    function termSeconds(uint8 term) internal pure returns (uint64) {
        if (term == TERM_HOUR) return 3600;
        if (term == TERM_MONTH) return 30 * 24 * 3600;
        if (term == TERM_YEAR) return 365 * 30 * 24 * 3600;
        revert IRoflErrors.InvalidTerm(term);
    }

    /// @notice `roflmarket.InstanceCreate` body `{provider, offer, term, term_count}` (no admin:
    /// the caller becomes the admin; no deployment).
    function encodeInstanceCreate(bytes21 provider, uint64 offer, uint8 term, uint64 termCount)
        internal
        pure
        returns (bytes memory)
    {
        termSeconds(term);
        CborWriter.Buffer memory buf = CborWriter.create(_CAPACITY);
        buf.writeMapHead(4);
        buf.writeText("term");
        buf.writeUint(term);
        buf.writeText("offer");
        _writeId(buf, offer);
        buf.writeText("provider");
        _writeAddress(buf, provider);
        buf.writeText("term_count");
        buf.writeUint(termCount);
        return buf.finish();
    }

    /// @notice `roflmarket.InstanceTopUp` body `{provider, id, term, term_count}`.
    function encodeInstanceTopUp(bytes21 provider, uint64 id, uint8 term, uint64 termCount)
        internal
        pure
        returns (bytes memory)
    {
        termSeconds(term);
        CborWriter.Buffer memory buf = CborWriter.create(_CAPACITY);
        buf.writeMapHead(4);
        buf.writeText("id");
        _writeId(buf, id);
        buf.writeText("term");
        buf.writeUint(term);
        buf.writeText("provider");
        _writeAddress(buf, provider);
        buf.writeText("term_count");
        buf.writeUint(termCount);
        return buf.finish();
    }

    /// @notice `roflmarket.InstanceExecuteCmds` body `{provider, id, cmds: [cmd]}` with one command.
    function encodeExecuteCmd(bytes21 provider, uint64 id, bytes memory cmd) internal pure returns (bytes memory) {
        CborWriter.Buffer memory buf = CborWriter.create(_CAPACITY + cmd.length);
        buf.writeMapHead(3);
        buf.writeText("id");
        _writeId(buf, id);
        buf.writeText("cmds");
        buf.writeArrayHead(1);
        buf.writeBytes(cmd);
        buf.writeText("provider");
        _writeAddress(buf, provider);
        return buf.finish();
    }

    /// @notice `roflmarket.InstanceChangeAdmin` body `{provider, id, admin}`.
    function encodeChangeAdmin(bytes21 provider, uint64 id, bytes21 admin) internal pure returns (bytes memory) {
        CborWriter.Buffer memory buf = CborWriter.create(_CAPACITY);
        buf.writeMapHead(3);
        buf.writeText("id");
        _writeId(buf, id);
        buf.writeText("admin");
        _writeAddress(buf, admin);
        buf.writeText("provider");
        _writeAddress(buf, provider);
        return buf.finish();
    }

    /// @notice `roflmarket.InstanceCancel` body `{provider, id}`.
    function encodeCancel(bytes21 provider, uint64 id) internal pure returns (bytes memory) {
        CborWriter.Buffer memory buf = CborWriter.create(_CAPACITY);
        buf.writeMapHead(2);
        buf.writeText("id");
        _writeId(buf, id);
        buf.writeText("provider");
        _writeAddress(buf, provider);
        return buf.finish();
    }

    /// @notice Scheduler command `{method: "Deploy", args: {deployment: {app_id, manifest_hash,
    /// metadata: {}}, wipe_storage}}`.
    function encodeDeployCmd(bytes21 appId, bytes32 manifestHash, bool wipeStorage)
        internal
        pure
        returns (bytes memory)
    {
        CborWriter.Buffer memory buf = CborWriter.create(_CAPACITY);
        buf.writeMapHead(2);
        buf.writeText("args");
        buf.writeMapHead(2);
        buf.writeText("deployment");
        buf.writeMapHead(3);
        buf.writeText("app_id");
        _writeAddress(buf, appId);
        buf.writeText("metadata");
        buf.writeMapHead(0);
        buf.writeText("manifest_hash");
        buf.writeFixedBytes(manifestHash, 32);
        buf.writeText("wipe_storage");
        buf.writeBool(wipeStorage);
        buf.writeText("method");
        buf.writeText("Deploy");
        return buf.finish();
    }

    /// @notice Scheduler command `{method, args: {wipe_storage}}` for `Restart` or `Terminate`.
    function encodeWipeCmd(string memory method, bool wipeStorage) internal pure returns (bytes memory) {
        CborWriter.Buffer memory buf = CborWriter.create(_CAPACITY);
        buf.writeMapHead(2);
        buf.writeText("args");
        buf.writeMapHead(1);
        buf.writeText("wipe_storage");
        buf.writeBool(wipeStorage);
        buf.writeText("method");
        buf.writeText(method);
        return buf.finish();
    }

    function _writeId(CborWriter.Buffer memory buf, uint64 id) private pure {
        buf.writeFixedBytes(bytes32(bytes8(id)), 8);
    }

    function _writeAddress(CborWriter.Buffer memory buf, bytes21 addr) private pure {
        buf.writeFixedBytes(bytes32(addr), 21);
    }
}
