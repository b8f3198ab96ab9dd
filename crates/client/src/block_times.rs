//! Block timestamps, each asked of the node once: the trace's registration sources and the
//! accountability reader both place events in time.

use std::collections::HashMap;

use alloy::{eips::BlockNumberOrTag, providers::Provider, transports::TransportError};

/// Timestamps (Unix seconds) of the blocks asked so far.
#[derive(Clone, Debug, Default)]
pub(crate) struct BlockTimes(HashMap<u64, u64>);

impl BlockTimes {
    /// The timestamp of block `block` (`None`: the node has no such block).
    pub(crate) async fn get<P: Provider>(
        &mut self,
        provider: &P,
        block: u64,
    ) -> Result<Option<u64>, TransportError> {
        if let Some(time) = self.0.get(&block) {
            return Ok(Some(*time));
        }
        let Some(found) = provider.get_block_by_number(BlockNumberOrTag::Number(block)).await? else {
            return Ok(None);
        };
        self.0.insert(block, found.header.timestamp);
        Ok(Some(found.header.timestamp))
    }
}
