// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/// @title roflgov governance token
/// @notice A fixed-supply ERC20 with EIP-2612 permits and ERC20Votes checkpoints, measured in
/// seconds (ERC-6372 `mode=timestamp`).
/// @dev Timestamps rather than block numbers: Sapphire's block time is not a protocol constant,
/// while voting periods and timelock delays are naturally expressed in seconds, and a local
/// chain moves them with `evm_increaseTime`. The whole supply is minted once at construction;
/// there is no owner and no mint function, so no key can dilute the voters afterwards.
/// Voting power only counts once delegated (to oneself or to someone else).
contract RoflGovToken is ERC20, ERC20Permit, ERC20Votes {
    /// @notice The initial holder was the zero address.
    error RoflGovTokenZeroHolder();

    /// @param name_ ERC20 name, also the EIP-712 domain name of permits and delegations.
    /// @param symbol_ ERC20 symbol.
    /// @param initialHolder Receives the whole supply.
    /// @param supply The fixed total supply (base units).
    constructor(string memory name_, string memory symbol_, address initialHolder, uint256 supply)
        ERC20(name_, symbol_)
        ERC20Permit(name_)
    {
        if (initialHolder == address(0)) revert RoflGovTokenZeroHolder();
        _mint(initialHolder, supply);
    }

    /// @notice The current timepoint of the votes clock: the block timestamp (ERC-6372).
    function clock() public view virtual override returns (uint48) {
        return uint48(block.timestamp);
    }

    /// @notice Machine-readable description of the clock (ERC-6372).
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public view virtual override returns (string memory) {
        return "mode=timestamp";
    }

    /// @inheritdoc ERC20Permit
    function nonces(address owner) public view virtual override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    /// @dev Moves voting units along with balances.
    function _update(address from, address to, uint256 value) internal virtual override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }
}
