// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Script, console2} from "forge-std/Script.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {RoflGovToken} from "../contracts/governance/RoflGovToken.sol";
import {RoflGovernor} from "../contracts/governance/RoflGovernor.sol";
import {RoflAppAdmin} from "../contracts/rofl/RoflAppAdmin.sol";

/// @title Deploy a roflgov DAO: token, timelock, governor and the app policy contract
/// @notice Usage (local anvil, Sapphire testnet/mainnet/localnet; endpoints from foundry.toml):
///
///   PRIVATE_KEY=0x… forge script script/DeployDao.s.sol --rpc-url sapphire-testnet --broadcast
///   forge script script/DeployDao.s.sol --rpc-url sapphire --account <keystore-name> --broadcast
///
/// With `PRIVATE_KEY` unset the broadcaster is forge's sender (`--account`, `--sender`, …).
/// Parameters come from the environment, with defaults suited to a real network:
/// `DAO_TOKEN_NAME`, `DAO_TOKEN_SYMBOL`, `DAO_TOKEN_SUPPLY` (base units), `DAO_TOKEN_HOLDER`
/// (default: the deployer), `DAO_TOKEN` (use this existing IVotes token instead of deploying one;
/// its clock must suit the voting delay and period), `DAO_GOVERNOR_NAME`, `DAO_VOTING_DELAY`,
/// `DAO_VOTING_PERIOD` (token clock units; seconds for {RoflGovToken}), `DAO_PROPOSAL_THRESHOLD`,
/// `DAO_QUORUM_PERCENT`, `DAO_TIMELOCK_DELAY` (seconds), `DAO_DEPLOY_APP_ADMIN` (default true).
///
/// Wiring (checked by {DaoDeployer-checkWiring} before the script returns):
/// - the Timelock's only proposer and only canceller is the Governor: any other proposer could
///   schedule operations the token holders never voted on;
/// - the only executor is the Governor as well. `Governor.execute` is permissionless, so anyone
///   can still run a queued proposal once its delay is over: nothing is lost in liveness, and
///   every execution goes through the Governor, which checks the proposal state, emits
///   `ProposalExecuted` and keeps its bookkeeping consistent;
/// - the deployer only holds the Timelock's admin role while it grants these roles and renounces
///   it at the end: the Timelock then administers itself (changes to roles need a vote);
/// - the policy contract `RoflAppAdmin` is deployed with the Timelock as its initial owner.
abstract contract DaoDeployer {
    /// @notice Deployment parameters.
    struct DaoParams {
        string tokenName;
        string tokenSymbol;
        uint256 tokenSupply;
        address tokenHolder;
        /// @dev Non-zero: govern with this existing IVotes token instead of deploying one.
        address existingToken;
        string governorName;
        uint48 votingDelay;
        uint32 votingPeriod;
        uint256 proposalThreshold;
        uint256 quorumPercent;
        uint256 timelockDelay;
        bool deployAppAdmin;
    }

    /// @notice The deployed contracts.
    struct DaoDeployment {
        IVotes token;
        TimelockController timelock;
        RoflGovernor governor;
        /// @dev Zero when `deployAppAdmin` was false.
        address appAdmin;
    }

    /// @notice A role is held by an account that must not hold it, or is missing where it must be.
    error DaoWiringRole(bytes32 role, address account, bool held);
    /// @notice The policy contract is not owned by the Timelock.
    error DaoWiringOwner(address appAdmin, address owner);
    /// @notice The Governor does not point at the deployed Timelock or token.
    error DaoWiringGovernor();

    /// @notice Deploy and wire the DAO. Every call is made from the current context (a forge
    /// broadcast or prank of `deployer`), which holds the Timelock's admin role until the end.
    function deployDao(DaoParams memory p, address deployer) internal returns (DaoDeployment memory d) {
        d.token = p.existingToken != address(0)
            ? IVotes(p.existingToken)
            : IVotes(address(new RoflGovToken(p.tokenName, p.tokenSymbol, p.tokenHolder, p.tokenSupply)));

        // No proposer, no executor yet: the Governor's address is only known once it exists.
        d.timelock = new TimelockController(p.timelockDelay, new address[](0), new address[](0), deployer);
        d.governor = new RoflGovernor(
            p.governorName, d.token, d.timelock, p.votingDelay, p.votingPeriod, p.proposalThreshold, p.quorumPercent
        );

        d.timelock.grantRole(d.timelock.PROPOSER_ROLE(), address(d.governor));
        d.timelock.grantRole(d.timelock.CANCELLER_ROLE(), address(d.governor));
        d.timelock.grantRole(d.timelock.EXECUTOR_ROLE(), address(d.governor));
        d.timelock.renounceRole(d.timelock.DEFAULT_ADMIN_ROLE(), deployer);

        if (p.deployAppAdmin) {
            // Owned by the Timelock from its first block: no ownership transfer to get wrong.
            d.appAdmin = address(new RoflAppAdmin(address(d.timelock)));
        }
    }

    /// @notice Revert unless the deployment is wired as documented above. Role membership is
    /// checked for the accounts that could plausibly hold a role (deployer, governor, timelock,
    /// token, the open-role address zero); the forge tests also replay every `RoleGranted` event.
    function checkWiring(DaoDeployment memory d, address deployer) internal view {
        TimelockController t = d.timelock;
        address gov = address(d.governor);
        if (address(d.governor.timelock()) != address(t) || address(d.governor.token()) != address(d.token)) {
            revert DaoWiringGovernor();
        }
        bytes32[3] memory governorRoles = [t.PROPOSER_ROLE(), t.CANCELLER_ROLE(), t.EXECUTOR_ROLE()];
        address[3] memory others = [deployer, address(t), address(0)];
        for (uint256 i = 0; i < governorRoles.length; ++i) {
            _expectRole(t, governorRoles[i], gov, true);
            for (uint256 j = 0; j < others.length; ++j) {
                _expectRole(t, governorRoles[i], others[j], false);
            }
        }
        _expectRole(t, t.DEFAULT_ADMIN_ROLE(), address(t), true);
        _expectRole(t, t.DEFAULT_ADMIN_ROLE(), deployer, false);
        _expectRole(t, t.DEFAULT_ADMIN_ROLE(), gov, false);
        if (d.appAdmin != address(0)) {
            address owner = Ownable(d.appAdmin).owner();
            if (owner != address(t)) revert DaoWiringOwner(d.appAdmin, owner);
        }
    }

    function _expectRole(TimelockController t, bytes32 role, address account, bool held) private view {
        if (t.hasRole(role, account) != held) revert DaoWiringRole(role, account, !held);
    }
}

/// @title The forge script entry point
contract DeployDao is Script, DaoDeployer {
    /// @notice Read the parameters from the environment, deploy, check the wiring and log the
    /// addresses.
    function run() external returns (DaoDeployment memory d) {
        uint256 key = vm.envOr("PRIVATE_KEY", uint256(0));
        if (key != 0) {
            vm.startBroadcast(key);
        } else {
            vm.startBroadcast();
        }
        (, address deployer,) = vm.readCallers();
        DaoParams memory p = paramsFromEnv(deployer);
        d = deployDao(p, deployer);
        vm.stopBroadcast();

        checkWiring(d, deployer);
        console2.log("chain id        ", block.chainid);
        console2.log("deployer        ", deployer);
        console2.log("token           ", address(d.token));
        console2.log("timelock        ", address(d.timelock));
        console2.log("governor        ", address(d.governor));
        console2.log("app admin       ", d.appAdmin);
    }

    /// @notice The parameters from the environment, with defaults for a real network.
    function paramsFromEnv(address deployer) public view returns (DaoParams memory p) {
        p.tokenName = vm.envOr("DAO_TOKEN_NAME", string("roflgov Vote"));
        p.tokenSymbol = vm.envOr("DAO_TOKEN_SYMBOL", string("RGV"));
        p.tokenSupply = vm.envOr("DAO_TOKEN_SUPPLY", uint256(1_000_000 ether));
        p.tokenHolder = vm.envOr("DAO_TOKEN_HOLDER", deployer);
        p.existingToken = vm.envOr("DAO_TOKEN", address(0));
        p.governorName = vm.envOr("DAO_GOVERNOR_NAME", string("roflgov Governor"));
        p.votingDelay = uint48(vm.envOr("DAO_VOTING_DELAY", uint256(1 days)));
        p.votingPeriod = uint32(vm.envOr("DAO_VOTING_PERIOD", uint256(5 days)));
        p.proposalThreshold = vm.envOr("DAO_PROPOSAL_THRESHOLD", uint256(0));
        p.quorumPercent = vm.envOr("DAO_QUORUM_PERCENT", uint256(4));
        p.timelockDelay = vm.envOr("DAO_TIMELOCK_DELAY", uint256(2 days));
        p.deployAppAdmin = vm.envOr("DAO_DEPLOY_APP_ADMIN", true);
    }
}
