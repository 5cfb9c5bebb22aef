//! The `sesshu` operator command as a library: the scenario runner and the
//! demo, so that tests can drive them without a subprocess.

pub mod demo;
pub mod scenarios;
