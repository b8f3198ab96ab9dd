//! The integration tests of this crate, linked into one test binary like every other crate's;
//! each file is a module.

#![allow(unused_crate_dependencies)] // one test binary uses only some of the dev-dependencies

mod log;
