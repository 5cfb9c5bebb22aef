//! The `sesshu` operator command as a library: the scenario runner, the
//! demo, imports and the store commands, so that tests can drive them
//! without a subprocess.

pub mod accounts;
pub mod bank;
pub mod certificates;
pub mod checkpoints;
pub mod commands;
pub mod demo;
pub mod identity;
pub mod import;
pub mod marts;
pub mod masters;
pub mod maternal;
pub mod notices;
pub mod output;
pub mod questionnaires;
pub mod scenarios;
pub mod store;
pub mod zengin;
