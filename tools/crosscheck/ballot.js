'use strict';
// Cross-check of a vote signed offline by `roflgov dao vote --sign-only` with ethers' own EIP-712
// implementation (ethers 5 `_TypedDataEncoder`, `verifyTypedData`), independent of alloy.
// Usage: node tools/crosscheck/ballot.js BALLOT.json DOMAIN_NAME
// The domain is OpenZeppelin 5.3 Governor's: EIP712(name, version() = "1"), chainId, the
// Governor's address; the type is Governor.BALLOT_TYPEHASH's
// `Ballot(uint256 proposalId,uint8 support,address voter,uint256 nonce)`.
// Prints {"digest": "0x…", "signer": "0x…"}.

const fs = require('node:fs');
const { utils } = require('ethers');

const [file, name] = process.argv.slice(2);
const ballot = JSON.parse(fs.readFileSync(file, 'utf8'));
const support = { against: 0, for: 1, abstain: 2 }[ballot.support];
const domain = { name, version: '1', chainId: ballot.chain_id, verifyingContract: ballot.governor };
const types = {
    Ballot: [
        { name: 'proposalId', type: 'uint256' },
        { name: 'support', type: 'uint8' },
        { name: 'voter', type: 'address' },
        { name: 'nonce', type: 'uint256' },
    ],
};
const value = { proposalId: ballot.proposal_id, support, voter: ballot.voter, nonce: ballot.nonce };
const digest = utils._TypedDataEncoder.hash(domain, types, value);
const signer = utils.verifyTypedData(domain, types, value, ballot.signature);
process.stdout.write(JSON.stringify({ digest, signer }) + '\n');
