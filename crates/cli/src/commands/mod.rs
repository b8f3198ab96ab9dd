//! One module per command.

pub(crate) mod app;
pub(crate) mod cbor;
pub(crate) mod dao;
pub(crate) mod demo;
pub(crate) mod deploy;
pub(crate) mod guardian;
pub(crate) mod identity;
pub(crate) mod machine;
pub(crate) mod node;
pub(crate) mod owner;
pub(crate) mod propose;
pub(crate) mod review;
pub(crate) mod safe;
pub(crate) mod trace;
pub(crate) mod verify_log;
pub(crate) mod verify_quote;
