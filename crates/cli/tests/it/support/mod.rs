//! Helpers shared by the test modules, each defined once.

pub(crate) mod env;
pub(crate) mod fixtures;
pub(crate) mod flows;
pub(crate) mod grpc;
pub(crate) mod node;
