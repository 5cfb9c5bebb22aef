//! # sesshu for Node (`require('sesshu')`)
//!
//! A thin napi-rs layer. Conventions (documented in docs/node.md):
//! calendar dates are `"YYYY-MM-DD"` strings, instants are `Date`s, ids are
//! strings; rules are synchronous functions; store work runs on the libuv
//! thread pool and returns a `Promise`. Every refusal is an `Error` whose
//! `code` is the stable machine code.

// Under `cfg(test)` napi-rs does not register the exported functions, so
// they look unused to the compiler; they are used from JavaScript.
#![cfg_attr(test, allow(dead_code))]

mod accounts;
mod bank_accounts;
mod error;
mod marts;
mod masters;
mod maternal;
#[path = "../../plain/mod.rs"]
mod plain;
mod questionnaires;
mod rules;
mod store;
