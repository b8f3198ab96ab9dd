//! One module per command.

pub mod app;
pub mod cbor;
pub mod dao;
pub mod demo;
pub mod deploy;
pub mod guardian;
pub mod identity;
pub mod node;
pub mod propose;
pub mod review;
pub mod safe;
pub mod verify_quote;
