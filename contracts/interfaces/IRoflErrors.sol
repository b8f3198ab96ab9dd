// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Every error of the roflgov app policy contract and its linked libraries
/// @notice One declaration per error. The policy contract inherits this interface (through
/// {IRoflAppAdmin}, {IRoflReleaseGovernance}, {IRoflLocks} and {IRoflMachineAdmin}), so its ABI
/// lists every error it can revert with, including those raised inside the linked libraries
/// (`revert IRoflErrors.X(...)`), which run on the contract's behalf by DELEGATECALL. Tools that
/// decode reverts by name (the Rust revert decoder) read them from that ABI.
/// @dev Only the testing stand-ins (contracts/testing/) declare errors of their own.
interface IRoflErrors {
    // ---------------------------------------------------------------------------------------
    // Apps and access
    // ---------------------------------------------------------------------------------------

    /// @notice The contract does not manage the app (never created or adopted, or released).
    /// @param appId The app.
    error UnknownApp(bytes21 appId);
    /// @notice The app is managed already: it cannot be created or adopted again.
    /// @param appId The app.
    error AppAlreadyManaged(bytes21 appId);
    /// @notice The proposal was drafted at another version of the app: a change made since
    /// would be silently reverted by it.
    /// @param appId The app.
    /// @param expected The version the proposal was drafted at.
    /// @param current The app's version now.
    error StaleVersion(bytes21 appId, uint64 expected, uint64 current);
    /// @notice The ROFL admin cannot be handed to the zero address (use `renounceRoflAdmin`).
    error ZeroAdmin();
    /// @notice Handing the admin to this contract itself would orphan the app.
    error TransferToSelf();
    /// @notice Renouncing ownership would strand every managed app: there is no way back.
    error OwnershipRenounceDisabled();
    /// @notice Plain transfers are only accepted from the ROFL module (stake refunds).
    /// @param from The sender of the transfer.
    error UnexpectedTransfer(address from);
    /// @notice `multicall` cannot be nested: the outer call owns the batch and its flush.
    error NestedMulticall();
    /// @notice The caller is neither the owner nor the app's guardian.
    /// @param appId The app.
    /// @param caller The caller refused.
    error NotOwnerOrGuardian(bytes21 appId, address caller);
    /// @notice A guardian action was reached while an owner batch is open (only possible by
    /// re-entering from the owner's own code): guardian actions always stand alone.
    error GuardianInBatch();
    /// @notice The guardian cannot be the contract itself.
    /// @param guardian The guardian given.
    error InvalidGuardian(address guardian);

    // ---------------------------------------------------------------------------------------
    // Creating, removing, stake
    // ---------------------------------------------------------------------------------------

    /// @notice The app id scheme is neither 0 (creator round/index) nor 1 (creator nonce).
    /// @param scheme The scheme given.
    error InvalidScheme(uint8 scheme);
    /// @notice A scheme-0 app was already created by this contract in this block: the module
    /// derives scheme-0 ids from (creator, round, tx index) and a subcall's tx index is always
    /// 0, so a second one would collide. Use scheme 1, or the next block.
    /// @param blockNumber The current block.
    error OneRoundIndexCreatePerBlock(uint256 blockNumber);
    /// @notice The throwaway CREATE that moves the contract's nonce before a scheme-1 create
    /// failed (out of gas).
    error NonceBumpFailed();
    /// @notice `createApp` must carry exactly the stake the module takes.
    /// @param sent The value sent.
    /// @param required The stake (`CREATE_STAKE`).
    error WrongStake(uint256 sent, uint256 required);
    /// @notice `withdrawStake` with a zero balance.
    error NothingToWithdraw();
    /// @notice The owner refused the balance sent by `withdrawStake`.
    error WithdrawFailed();

    // ---------------------------------------------------------------------------------------
    // The module (subcall precompile)
    // ---------------------------------------------------------------------------------------

    /// @notice The subcall precompile answered with a non-zero status.
    /// @param method The module method called (`rofl.Update`, `roflmarket.InstanceCreate`, ...).
    /// @param code The module's error code.
    /// @param module The module's name, as the precompile returns it.
    error RoflCallFailed(string method, uint64 code, string module);
    /// @notice The precompile call itself failed (on Sapphire: the body was not valid CBOR).
    /// @param method The module method called.
    /// @param reason The precompile's revert data.
    error RoflSubcallReverted(string method, bytes reason);
    /// @notice The module's answer is not the shape the method returns (an app id, an instance
    /// id, or the ABI-encoded status and data of the precompile).
    error MalformedRoflResponse();

    // ---------------------------------------------------------------------------------------
    // Enclave identities
    // ---------------------------------------------------------------------------------------

    /// @notice The identity is allowed already (or listed twice in the same change).
    /// @param appId The app.
    /// @param mrEnclave The identity's MRENCLAVE.
    /// @param mrSigner The identity's MRSIGNER.
    error EnclaveAlreadyAllowed(bytes21 appId, bytes32 mrEnclave, bytes32 mrSigner);
    /// @notice The identity is not allowed, so it cannot be removed, revoked or retired.
    /// @param appId The app.
    /// @param mrEnclave The identity's MRENCLAVE.
    /// @param mrSigner The identity's MRSIGNER.
    error EnclaveNotAllowed(bytes21 appId, bytes32 mrEnclave, bytes32 mrSigner);
    /// @notice The change would leave no enclave identity, which locks every instance out.
    /// @param appId The app.
    error EmptyEnclaveList(bytes21 appId);
    /// @notice More identities than roflgov allows in one app (bounds the gas of an update).
    /// @param count The number of identities the change would leave.
    /// @param max The bound (`RoflPolicyValidation.MAX_ENCLAVES`).
    error TooManyEnclaves(uint256 count, uint256 max);

    // ---------------------------------------------------------------------------------------
    // Endorsements
    // ---------------------------------------------------------------------------------------

    /// @notice An empty endorsement list accepts no node at all, which locks every instance out.
    error EmptyEndorsementList();
    /// @notice The flattened endorsement list is not a sequence of complete pre-order subtrees,
    /// or an atom claims children.
    /// @param nodeIndex Index of the first node that breaks the shape (the list's length when
    /// a subtree is left incomplete).
    error EndorsementTreeMalformed(uint256 nodeIndex);
    /// @notice The encoder met a malformed endorsement tree (see {EndorsementTreeMalformed};
    /// raised by the CBOR encoder, which re-checks the shape it writes).
    /// @param nodeIndex Index of the node it could not place.
    error CborEndorsementTreeMalformed(uint256 nodeIndex);
    /// @notice The endorsement tree nests deeper than the module accepts.
    /// @param depth The depth the tree reaches.
    /// @param max The module's limit (4).
    error EndorsementTooDeep(uint256 depth, uint256 max);
    /// @notice More endorsement atoms than the module accepts.
    /// @param count The number of atoms.
    /// @param max The module's limit (32).
    error TooManyEndorsementAtoms(uint256 count, uint256 max);
    /// @notice An endorsement node's value does not have the length its kind needs (a public
    /// key, an address, a provider and instance id), or an `and`/`or` node carries a value.
    /// @param nodeIndex Index of the node.
    /// @param length The value's length in bytes.
    error InvalidEndorsementValue(uint256 nodeIndex, uint256 length);

    // ---------------------------------------------------------------------------------------
    // Fees, expiration, quote policy
    // ---------------------------------------------------------------------------------------

    /// @notice The fee policy is unset: the module needs an explicit payer.
    error InvalidFeePolicy();
    /// @notice `max_expiration` exceeds what the module accepts.
    /// @param value The value given (epochs).
    /// @param max The module's limit (24 epochs).
    error InvalidMaxExpiration(uint64 value, uint64 max);
    /// @notice A TDX module entry is malformed, or TDX modules are listed while TDX is not
    /// allowed.
    /// @param index Position of the entry (0 when TDX is not allowed at all).
    error InvalidTdxModule(uint256 index);
    /// @notice An FMSPC is not 12 hex digits.
    /// @param fmspc The entry as given.
    error InvalidFmspc(string fmspc);
    /// @notice FMSPCs must be upper-case hex as Intel writes them (`00606A000000`): the module
    /// compares them as strings with Intel's TCB info, so a lower-case whitelist entry would
    /// lock out every quote and a lower-case blacklist entry would block nothing.
    /// @param fmspc The entry as given: 12 hex digits, some of them lower-case letters.
    error FmspcNotUpperCase(string fmspc);

    // ---------------------------------------------------------------------------------------
    // Metadata and secrets
    // ---------------------------------------------------------------------------------------

    /// @notice More metadata pairs (or secrets) than the module accepts.
    /// @param count The number the change would leave.
    /// @param max The module's limit (64).
    error TooManyEntries(uint256 count, uint256 max);
    /// @notice A metadata key or secret name is longer than the module accepts.
    /// @param length Its length in bytes.
    /// @param max The module's limit (1 KiB).
    error EntryKeyTooLong(uint256 length, uint256 max);
    /// @notice A metadata value or secret value is longer than the module accepts.
    /// @param length Its length in bytes.
    /// @param max The module's limit (16 KiB).
    error EntryValueTooLong(uint256 length, uint256 max);
    /// @notice A metadata key or secret name is empty.
    error EmptyEntryKey();
    /// @notice Two entries of the list given have the same key.
    /// @param key The key listed twice.
    error DuplicateEntryKey(string key);
    /// @notice Two metadata or secret entries have the same key: a CBOR map cannot hold both
    /// (raised by the CBOR encoder).
    /// @param key The key.
    error CborDuplicateKey(string key);
    /// @notice A head value does not fit the 64-bit argument CBOR allows.
    /// @param value The value.
    error CborValueTooLarge(uint256 value);
    /// @notice A metadata key, metadata value or secret name is not well-formed UTF-8. The
    /// module parses each of them as a Rust `String`, so the whole call would fail on Sapphire.
    /// @param field "metadata key", "metadata value" or "secret name".
    /// @param index Position of the entry in the list given (0 for a single-entry setter).
    /// @param offset Byte offset where the first ill-formed sequence starts (what Rust's
    /// `Utf8Error::valid_up_to` reports).
    error InvalidUtf8(string field, uint256 index, uint256 offset);
    /// @notice A metadata key or secret name holds a control or format character (Unicode Cc,
    /// U+2028/U+2029 or Unicode Cf): invisible or layout-changing characters have no place in
    /// a name a reviewer reads. Values may hold them (see docs/text-rules.md).
    /// @param field "metadata key" or "secret name".
    /// @param index Position of the entry in the list given (0 for a single-entry setter).
    /// @param offset Byte offset where the character's encoding starts.
    /// @param codePoint The character (a Unicode scalar value).
    error DisallowedCharacter(string field, uint256 index, uint256 offset, uint256 codePoint);
    /// @notice The metadata key to delete is not set.
    /// @param appId The app.
    /// @param key The key.
    error MetadataKeyNotFound(bytes21 appId, string key);
    /// @notice The secret to delete is not set.
    /// @param appId The app.
    /// @param name The secret's name.
    error SecretNotFound(bytes21 appId, string name);

    // ---------------------------------------------------------------------------------------
    // Releases, grace periods, freeze
    // ---------------------------------------------------------------------------------------

    /// @notice The app is frozen: no identity may be allowed until the owner unfreezes it.
    /// @param appId The app.
    error AppIsFrozen(bytes21 appId);
    /// @notice `unfreeze` of an app that is not frozen.
    /// @param appId The app.
    error AppNotFrozen(bytes21 appId);
    /// @notice A release must allow at least one identity.
    error EmptyRelease();
    /// @notice A required field of a release record is empty or a text is too long.
    /// @param field The field's name.
    error InvalidReleaseRecord(string field);
    /// @notice A deadline must lie in the future and within `MAX_GRACE_PERIOD`.
    /// @param deadline The deadline given (unix seconds).
    /// @param latest The latest deadline accepted now.
    error InvalidDeadline(uint64 deadline, uint64 latest);
    /// @notice An identity cannot be retired by the release that adds it.
    /// @param mrEnclave The identity's MRENCLAVE.
    /// @param mrSigner The identity's MRSIGNER.
    error RetiringNewIdentity(bytes32 mrEnclave, bytes32 mrSigner);
    /// @notice `prune` found no identity past its deadline.
    /// @param appId The app.
    error NothingToPrune(bytes21 appId);

    // ---------------------------------------------------------------------------------------
    // One-way locks
    // ---------------------------------------------------------------------------------------

    /// @notice The change would set or delete a locked metadata key (or set a set-once key again).
    /// @param appId The app.
    /// @param key The locked key.
    error MetadataKeyIsLocked(bytes21 appId, string key);
    /// @notice The change would set or delete a locked secret (or set a set-once secret again).
    /// @param appId The app.
    /// @param name The locked secret's name.
    error SecretIsLocked(bytes21 appId, string name);
    /// @notice The metadata key is locked already.
    /// @param appId The app.
    /// @param key The key.
    error MetadataKeyAlreadyLocked(bytes21 appId, string key);
    /// @notice The secret is locked already.
    /// @param appId The app.
    /// @param name The secret's name.
    error SecretAlreadyLocked(bytes21 appId, string name);
    /// @notice `floors` is zero or holds bits that name no floor.
    /// @param floors The bits given.
    error InvalidFloors(uint8 floors);
    /// @notice Some of the floors are locked already.
    /// @param appId The app.
    /// @param floors The bits locked already.
    error FloorAlreadyLocked(bytes21 appId, uint8 floors);
    /// @notice The quote policy would lower the locked minimum TCB evaluation data number
    /// (a policy without PCS counts as 0).
    /// @param appId The app.
    /// @param given The number the change would set.
    /// @param floor The locked floor.
    error MinTcbEvaluationDataNumberLocked(bytes21 appId, uint32 given, uint32 floor);
    /// @notice The quote policy would accept a TDX module the current one does not (the allowed
    /// TDX modules are locked: they may only shrink).
    /// @param appId The app.
    error TdxModulesLocked(bytes21 appId);
    /// @notice `max_expiration` would go up while it is locked (it may only go down).
    /// @param appId The app.
    /// @param given The value the change would set.
    /// @param ceiling The locked value.
    error MaxExpirationLocked(bytes21 appId, uint64 given, uint64 ceiling);
    /// @notice The app has locks: handing its admin to another account would let that account
    /// change what is locked.
    /// @param appId The app.
    error AppHasLocks(bytes21 appId);

    // ---------------------------------------------------------------------------------------
    // Marketplace machines
    // ---------------------------------------------------------------------------------------

    /// @notice `fundMachines` without value.
    error ZeroFunding();
    /// @notice The contract does not hold the machine.
    /// @param appId The app.
    /// @param provider The provider's Oasis address.
    /// @param id The provider's instance id.
    error UnknownMachine(bytes21 appId, bytes21 provider, uint64 id);
    /// @notice A zero provider address.
    error ZeroProvider();
    /// @notice A rent or top-up of zero terms.
    error ZeroTermCount();
    /// @notice A Deploy without a manifest hash.
    error ZeroManifestHash();
    /// @notice The new machine admin is zero or this contract.
    /// @param newAdmin The admin given.
    error InvalidMachineAdmin(bytes21 newAdmin);
    /// @notice The reservation term is not 1 (hour), 2 (month) or 3 (year).
    /// @param term The term given.
    error InvalidTerm(uint8 term);
    /// @notice The top-up window is longer than `RoflMachineLogic.MAX_TOP_UP_WINDOW`.
    /// @param window The window given (seconds).
    /// @param max The longest window accepted.
    error TopUpWindowTooLong(uint64 window, uint64 max);
    /// @notice No top-up allowance left for the app.
    /// @param appId The app.
    error NoTopUpAllowance(bytes21 appId);
    /// @notice The machine is paid long enough: it may only be topped up within the window.
    /// @param paidUntil The end of the paid time (unix seconds).
    /// @param topUpFrom The first moment a top-up is accepted.
    error TopUpTooEarly(uint64 paidUntil, uint64 topUpFrom);
    /// @notice Less gas left than the module charges for the call (Sapphire: InstanceCreate
    /// 100,000; the others 10,000, plus 10,000 per command).
    /// @param method The module method.
    /// @param needed The gas the module charges.
    /// @param left The gas left.
    error InsufficientGasForMachineCall(string method, uint256 needed, uint256 left);
}
