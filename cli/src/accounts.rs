//! `sesshu accounts|tokens|outbox`: the account batches, organisation
//! access tokens and the notification outbox, for operators.

use std::io::Write;

use serde_json::json;
use sesshu_core::accounts::{ExtractionInput, UserId};
use sesshu_core::identifiers::EmailAddress;
use sesshu_core::organisation::{OrganisationCode, OrganisationType, Role};
use sesshu_core::outbox::Notification;
use sesshu_core::service::{Actor, IssuedToken, Sesshu};

use crate::commands::{core, Failure};

fn io(e: std::io::Error) -> Failure {
    e.to_string()
}

/// Progress on stderr: every `every` items and at the end.
fn progress(label: &'static str, every: u64) -> impl FnMut(u64, Option<u64>) {
    move |done, total| {
        if done % every == 0 || Some(done) == total {
            match total {
                Some(t) => eprintln!("{label}: {done}/{t}"),
                None => eprintln!("{label}: {done}"),
            }
        }
    }
}

/// `accounts extract MASTERS.json`: the first-administrator batch (H-1-1).
/// Issued accounts go to the outbox; rejected rows are listed. Returns how
/// many rows were rejected.
pub fn extract(
    s: &Sesshu,
    actor: &Actor,
    input: &ExtractionInput,
    out: &mut dyn Write,
) -> Result<usize, Failure> {
    let mut tick = progress("first administrators issued", 1_000);
    let report = s
        .extract_first_administrators(actor, input, |done, total| {
            tick(done as u64, Some(total as u64))
        })
        .map_err(core)?;
    for (org, user) in &report.issued {
        writeln!(out, "issued\t{org}\t{user}").map_err(io)?;
    }
    for r in &report.rejected {
        writeln!(out, "rejected\t{}\t{}\t{}", r.code, r.error.code(), r.error).map_err(io)?;
    }
    writeln!(
        out,
        "{} issued, {} rejected (temporary passwords are in the outbox)",
        report.issued.len(),
        report.rejected.len()
    )
    .map_err(io)?;
    Ok(report.rejected.len())
}

/// `accounts create`: an administrator creates a user; prints the user id,
/// temporary password, URL token and expiry to hand over.
pub fn create(
    s: &Sesshu,
    actor: &Actor,
    email: &str,
    name: &str,
    role: &str,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let email = EmailAddress::parse(email).map_err(core)?;
    let role = Role::parse(role).map_err(core)?;
    let issued = s.create_user(actor, &email, name, role).map_err(core)?;
    write_issued(&issued, out)
}

/// A new account's credentials to hand over, shown once: one JSON line
/// (user id, temporary password, URL token, expiry).
pub fn write_issued(
    issued: &sesshu_core::service::IssuedAccount,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    writeln!(
        out,
        "{}",
        json!({
            "user_id": issued.user_id.as_str(),
            "temporary_password": issued.temporary_password.expose(),
            "url_token": issued.url_token.expose(),
            "expires_at": issued.expires_at.to_rfc3339(),
        })
    )
    .map_err(io)
}

/// `accounts list`: the users of the administrator's organisation, one a
/// line (tab-separated: id, name, e-mail, role, state, last sign-in).
/// Returns how many were listed.
pub fn list_users(
    s: &Sesshu,
    actor: &Actor,
    after: Option<&str>,
    limit: usize,
    out: &mut dyn Write,
) -> Result<usize, Failure> {
    let after = after.map(UserId::parse).transpose().map_err(core)?;
    let users = s.list_users(actor, after.as_ref(), limit).map_err(core)?;
    writeln!(out, "user_id\tname\temail\trole\tstate\tlast_sign_in").map_err(io)?;
    for u in &users {
        let last = u.last_sign_in.map(|t| t.to_rfc3339()).unwrap_or_default();
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}\t{last}",
            u.id, u.name, u.email, u.role, u.state
        )
        .map_err(io)?;
    }
    Ok(users.len())
}

/// `accounts register-organisation`: the operator records an
/// organisation's type and whether it is connected to the online
/// eligibility network (オンライン資格確認).
pub fn register_organisation(
    s: &Sesshu,
    actor: &Actor,
    org_type: &str,
    code: &str,
    online_eligibility: bool,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let t = OrganisationType::parse(org_type).map_err(core)?;
    let c = OrganisationCode::parse(code).map_err(core)?;
    s.register_organisation(actor, t, &c, online_eligibility)
        .map_err(core)?;
    let network = if online_eligibility {
        "connected to"
    } else {
        "outside"
    };
    writeln!(out, "{c} ({t}): {network} the online eligibility network").map_err(io)
}

/// `accounts inactivity --notice|--execute --date D` (H-1-8).
pub fn inactivity(
    s: &Sesshu,
    actor: &Actor,
    execution: &str,
    execute: bool,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let date = sesshu_core::calendar::parse_date(execution).map_err(core)?;
    let mut tick = progress(if execute { "suspended" } else { "notified" }, 10_000);
    let report = if execute {
        s.inactivity_execute(actor, date, |n| tick(n, None))
    } else {
        s.inactivity_notice(actor, date, |n| tick(n, None))
    }
    .map_err(core)?;
    writeln!(
        out,
        "inactivity {} for {date}: {} candidates, {} {}",
        if execute { "execution" } else { "notice" },
        report.candidates,
        report.changed,
        if execute { "suspended" } else { "notified" }
    )
    .map_err(io)
}

fn token_json(t: &IssuedToken) -> serde_json::Value {
    json!({
        "token": t.token.expose(),
        "id": t.stored.id,
        "organisation": t.stored.organisation.as_str(),
        "org_type": t.stored.org_type.as_str(),
        "label": t.stored.label,
        "expires_at": t.stored.expires_at.map(|e| e.to_rfc3339()),
    })
}

/// `tokens issue`: prints the token once, with its id.
pub fn issue_token(
    s: &Sesshu,
    actor: &Actor,
    org_type: &str,
    org: &str,
    label: &str,
    valid_days: Option<i64>,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let t = OrganisationType::parse(org_type).map_err(core)?;
    let code = OrganisationCode::parse(org).map_err(core)?;
    let issued = s
        .issue_token(actor, t, &code, label, valid_days)
        .map_err(core)?;
    writeln!(out, "{}", token_json(&issued)).map_err(io)
}

/// `tokens rotate ID`: the new token, once.
pub fn rotate_token(
    s: &Sesshu,
    actor: &Actor,
    id: &str,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let issued = s.rotate_token(actor, id).map_err(core)?;
    writeln!(out, "{}", token_json(&issued)).map_err(io)
}

/// `tokens verify`: the organisation a token acts for.
pub fn verify_token(s: &Sesshu, token: &str, out: &mut dyn Write) -> Result<(), Failure> {
    let a = s.verify_token(token.trim()).map_err(core)?;
    writeln!(
        out,
        "valid: {} {} ({})",
        a.org_type, a.organisation, a.user_id
    )
    .map_err(io)
}

fn notification_json(n: &Notification, with_secrets: bool) -> serde_json::Value {
    let secrets: serde_json::Map<String, serde_json::Value> = n
        .secrets
        .iter()
        .map(|(k, v)| {
            let shown = if with_secrets {
                v.expose().to_owned()
            } else {
                v.to_string()
            };
            (k.clone(), json!(shown))
        })
        .collect();
    json!({
        "seq": n.seq,
        "kind": n.kind.as_str(),
        "recipient": n.recipient.as_str(),
        "user": n.user.as_ref().map(|u| u.as_str()),
        "payload": n.payload,
        "secrets": secrets,
        "created_at": n.created_at.to_rfc3339(),
    })
}

/// `outbox list`: unsent notifications as JSON lines (secrets redacted
/// unless asked for, for the system that sends them).
pub fn outbox_list(
    s: &Sesshu,
    actor: &Actor,
    limit: usize,
    with_secrets: bool,
    out: &mut dyn Write,
) -> Result<usize, Failure> {
    let pending = s.pending_notifications(actor, limit).map_err(core)?;
    for n in &pending {
        writeln!(out, "{}", notification_json(n, with_secrets)).map_err(io)?;
    }
    Ok(pending.len())
}
