//! The store's own settings (保存先の設定): written once each, by
//! `sesshu init` and the first operator's bootstrap, read by every command.

/// Whether identity is believed as given or must be verified
/// ([`MODE_DEVELOPMENT`] or [`MODE_PRODUCTION`]; a store without the
/// setting is a production store).
pub const MODE: &str = "mode";
/// A development store: the demo, examples and tests; identity flags are
/// believed as given, and every command says so.
pub const MODE_DEVELOPMENT: &str = "development";
/// A production store: every read and change of personal data runs under
/// a verified credential (an organisation access token or a signed-in
/// user's session).
pub const MODE_PRODUCTION: &str = "production";
/// The user id of the first operator's account, issued once by the
/// bootstrap (`sesshu init`).
pub const BOOTSTRAP: &str = "bootstrap";
