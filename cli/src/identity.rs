//! Who the operator is (ADR 0015): on a production store, only a verified
//! credential — an organisation access token (`SESSHU_TOKEN`,
//! `--token-file`) or the session `sesshu login` opened — and never the
//! identity flags; on a development store, the flags as given, with a
//! warning on every command.

use std::io::Write;
use std::path::{Path, PathBuf};

use sesshu_core::accounts::SignInError;
use sesshu_core::identifiers::{EmailAddress, MunicipalityCode};
use sesshu_core::organisation::{OrganisationCode, OrganisationType, Role};
use sesshu_core::service::{Actor, Sesshu, StoreMode};
use sesshu_core::Error;

use crate::commands::{core, Failure};

/// The longest user id the identity flags take (a development store's).
const MAX_CLAIMED_USER: usize = 64;

/// The identity flags: believed only on a development store.
#[derive(Debug, Default, Clone)]
pub struct Claimed {
    /// `--municipality`.
    pub municipality: Option<String>,
    /// `--org`.
    pub org: Option<String>,
    /// `--org-type`.
    pub org_type: Option<String>,
    /// `--role`.
    pub role: Option<String>,
    /// `--user`.
    pub user: Option<String>,
}

impl Claimed {
    /// Whether any identity flag was given.
    pub fn any(&self) -> bool {
        self.municipality.is_some()
            || self.org.is_some()
            || self.org_type.is_some()
            || self.role.is_some()
            || self.user.is_some()
    }

    /// The organisation the flags name (for `init`'s bootstrap and the
    /// development actor): `--org` with `--org-type`, or `--municipality`.
    pub fn organisation(&self) -> Result<Option<(OrganisationType, OrganisationCode)>, Failure> {
        if let Some(org) = &self.org {
            let t = OrganisationType::parse(self.org_type.as_deref().unwrap_or("municipality"))
                .map_err(core)?;
            return Ok(Some((t, OrganisationCode::parse(org).map_err(core)?)));
        }
        match &self.municipality {
            Some(m) => {
                let m = MunicipalityCode::parse(m).map_err(core)?;
                Ok(Some((OrganisationType::Municipality, m.into())))
            }
            None => Ok(None),
        }
    }

    /// The actor the flags describe (development stores only).
    fn actor(&self) -> Result<Actor, Failure> {
        let user = self.user.as_deref().unwrap_or("operator");
        if user.chars().count() > MAX_CLAIMED_USER || user.chars().any(char::is_control) {
            return Err(format!(
                "--user: at most {MAX_CLAIMED_USER} printable characters"
            ));
        }
        let Some((t, code)) = self.organisation()? else {
            return Err(
                "--municipality CODE (or SESSHU_MUNICIPALITY) is required: the municipality you act for"
                    .into(),
            );
        };
        let role = match &self.role {
            Some(r) => Role::parse(r).map_err(core)?,
            None => t
                .roles()
                .find(|r| *r != Role::Administrator)
                .unwrap_or(Role::Administrator),
        };
        Ok(Actor::new(user, t, code, vec![role]))
    }
}

/// Where the credential comes from.
#[derive(Debug, Clone)]
pub struct Credential {
    /// An organisation access token or session token given directly
    /// (`SESSHU_TOKEN`).
    pub token: Option<String>,
    /// A file holding one (`--token-file`).
    pub token_file: Option<PathBuf>,
    /// The session file `sesshu login` writes.
    pub session_file: PathBuf,
}

impl Credential {
    /// The token presented, if any: `SESSHU_TOKEN`, else `--token-file`,
    /// else the session file when there is one.
    fn presented(&self) -> Result<Option<String>, Failure> {
        if let Some(t) = &self.token {
            return Ok(Some(t.trim().to_owned()));
        }
        if let Some(f) = &self.token_file {
            let text = std::fs::read_to_string(f)
                .map_err(|e| format!("--token-file {}: {e}", f.display()))?;
            return Ok(Some(text.trim().to_owned()));
        }
        match std::fs::read_to_string(&self.session_file) {
            Ok(text) => Ok(Some(text.trim().to_owned())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{}: {e}", self.session_file.display())),
        }
    }
}

/// The default session file: `$HOME/.config/sesshu/session`.
pub fn default_session_file() -> PathBuf {
    match std::env::var_os("HOME") {
        Some(home) => Path::new(&home).join(".config/sesshu/session"),
        None => PathBuf::from(".sesshu-session"),
    }
}

/// The operating-system user running the command (`os:<name>`), written
/// to the access log beside the verified actor.
pub fn os_user() -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let Ok(uid) = std::fs::metadata("/proc/self").map(|m| m.uid()) {
            let name = std::fs::read_to_string("/etc/passwd")
                .ok()
                .and_then(|passwd| {
                    passwd.lines().find_map(|line| {
                        let mut fields = line.split(':');
                        let name = fields.next()?;
                        let id = fields.nth(1)?;
                        (id.parse::<u32>().ok()? == uid).then(|| name.to_owned())
                    })
                });
            return format!("os:{}", name.unwrap_or_else(|| uid.to_string()));
        }
    }
    let name = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    format!(
        "os:{}",
        name.chars().take(MAX_CLAIMED_USER).collect::<String>()
    )
}

const HOW_TO_SIGN_IN: &str = "sign in with `sesshu login USER_ID`, or give a system's organisation access token in SESSHU_TOKEN or --token-file (docs/cli.md, \"The first hour\")";

/// The actor a command runs as on `s`'s store.
pub fn actor(s: &Sesshu, claimed: &Claimed, credential: &Credential) -> Result<Actor, Failure> {
    let mode = s.store_mode().map_err(core)?;
    if mode == StoreMode::Development {
        eprintln!(
            "sesshu: development store: identity flags are believed as given (never use it for real residents' data)"
        );
        if !claimed.any() {
            if let Some(token) = credential.presented()? {
                return verified(s, &token);
            }
        }
        return Ok(claimed.actor()?.with_via(os_user()));
    }
    if claimed.any() {
        return Err(format!(
            "this store verifies who you are and takes no identity flags (--municipality, --org, --org-type, --role, --user): {HOW_TO_SIGN_IN}"
        ));
    }
    match credential.presented()? {
        Some(token) => verified(s, &token),
        None => Err(format!("no credential: {HOW_TO_SIGN_IN}")),
    }
}

fn verified(s: &Sesshu, token: &str) -> Result<Actor, Failure> {
    let actor = s.verify_token(token).map_err(|e| {
        format!(
            "the credential was refused: {e} ({}); {HOW_TO_SIGN_IN}",
            e.code()
        )
    })?;
    Ok(actor.with_via(os_user()))
}

/// `sesshu init`: creates the store in `mode` and, on a production store
/// whose flags name an organisation and an administrator, issues the first
/// operator's one-time credential.
pub fn init(
    s: &Sesshu,
    db: &str,
    mode: StoreMode,
    claimed: &Claimed,
    admin: Option<(&str, &str)>,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let io = |e: std::io::Error| e.to_string();
    s.initialise(mode).map_err(core)?;
    if mode == StoreMode::Development {
        writeln!(out, "{db}: ready (development store: identity flags are believed; never use it for real residents' data)").map_err(io)?;
        return Ok(());
    }
    if let Some(user) = s.bootstrap_user().map_err(core)? {
        writeln!(out, "{db}: ready (the first operator is {user})").map_err(io)?;
        return Ok(());
    }
    let (Some((org_type, org)), Some((email, name))) = (claimed.organisation()?, admin) else {
        writeln!(
            out,
            "{db}: ready. No operator yet: issue the first one with `sesshu --db {db} init --municipality CODE --admin-email E --admin-name N` (or --org CODE --org-type TYPE)"
        )
        .map_err(io)?;
        return Ok(());
    };
    let email = EmailAddress::parse(email).map_err(core)?;
    let issued = s
        .bootstrap_operator(org_type, &org, &email, name)
        .map_err(core)?;
    crate::accounts::write_issued(&issued, out)?;
    eprintln!(
        "the first operator's credential is shown once: `sesshu --db {db} activate {}` sets the password, then `sesshu --db {db} login {}`",
        issued.user_id, issued.user_id
    );
    Ok(())
}

/// Reads one secret: without echo from a terminal, else a line of
/// standard input.
fn secret(prompt: &str) -> Result<String, Failure> {
    use std::io::{BufRead, IsTerminal};
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(format!("{prompt}: "))
            .map_err(|e| format!("{prompt}: {e}"));
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("{prompt}: {e}"))?;
    if line.is_empty() {
        return Err(format!(
            "{prompt}: standard input ended before it was given"
        ));
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// `sesshu activate USER_ID`: the activation URL's token, the temporary
/// password and the new password (from the terminal, or three lines of
/// standard input).
pub fn activate(s: &Sesshu, user: &str, out: &mut dyn Write) -> Result<(), Failure> {
    let url_token = secret("activation token (url_token)")?;
    let temporary = secret("temporary password")?;
    let new = secret("new password")?;
    s.activate_account(user, &url_token, &temporary, &new)
        .map_err(core)?;
    writeln!(
        out,
        "{user}: password set; sign in with `sesshu login {user}`"
    )
    .map_err(|e| e.to_string())
}

/// `sesshu login USER_ID`: the password (and the TOTP or recovery code
/// where enrolled) → a session written to the session file (0600).
pub fn login(
    s: &Sesshu,
    user: &str,
    session_file: &Path,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let password = secret("password")?;
    let session = match s.open_session(user, &password, None) {
        Err(Error::SignIn(SignInError::SecondFactorRequired)) => {
            let code = secret("TOTP or recovery code")?;
            s.open_session(user, &password, Some(code.trim()))
        }
        other => other,
    }
    .map_err(core)?;
    if let Some(dir) = session_file.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir)?;
    }
    crate::output::write_file(Some(session_file), |f| {
        writeln!(f, "{}", session.token.expose()).map_err(|e| e.to_string())?;
        Ok(1)
    })?;
    writeln!(
        out,
        "signed in as {} ({} {}) until {}; session {} in {}",
        session.actor.user_id,
        session.actor.org_type,
        session.actor.organisation,
        session.expires_at.to_rfc3339(),
        session.id,
        session_file.display()
    )
    .map_err(|e| e.to_string())
}

/// `sesshu logout`: ends the session in the session file and removes it.
pub fn logout(s: &Sesshu, session_file: &Path, out: &mut dyn Write) -> Result<(), Failure> {
    let token = match std::fs::read_to_string(session_file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return writeln!(out, "not signed in").map_err(|e| e.to_string());
        }
        Err(e) => return Err(format!("{}: {e}", session_file.display())),
    };
    let ended = s.close_session(token.trim()).map_err(core)?;
    std::fs::remove_file(session_file).map_err(|e| format!("{}: {e}", session_file.display()))?;
    writeln!(
        out,
        "{}",
        if ended {
            "signed out: the session is revoked"
        } else {
            "signed out (the session had ended already)"
        }
    )
    .map_err(|e| e.to_string())
}

fn create_private_dir(dir: &Path) -> Result<(), Failure> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))
}
