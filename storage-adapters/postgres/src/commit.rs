//! Commits: one transaction per change set, each write handed to its
//! domain's file; version checks lock the rows they read, and the access
//! log's head row is locked for appends. A change set of log entries only
//! is one compare-and-set statement instead.

use postgres::Transaction;
use sesshu_core::store::rows::RecordRow;
use sesshu_core::store::{ChangeSet, CommitReceipt, Expected, StoreError, Write};

use crate::pool::CachedClient;
use crate::{
    accounts, backend, bank_accounts, certificates, delivery, log, marts, masters, maternal,
    notices, persons, questionnaires, settings, zengin,
};

fn apply(
    tx: &mut Transaction<'_>,
    p: &persons::Statements,
    write: Write,
) -> Result<i64, StoreError> {
    match write {
        Write::PutPerson {
            person,
            updated_at,
            expected,
        } => persons::put_person(tx, p, &person, updated_at, expected),
        Write::PutRecord {
            record,
            updated_at,
            expected,
        } => {
            persons::put_records(
                tx,
                p,
                &[(RecordRow::from_record(&record, 0, updated_at), expected)],
            )?;
            Ok(expected.next())
        }
        Write::PutQuestionnaire {
            record,
            subject,
            institution,
            updated_at,
            expected,
        } => questionnaires::put_questionnaire(
            tx,
            &record,
            &subject,
            &institution,
            updated_at,
            expected,
        ),
        Write::PutOrganisation {
            organisation,
            expected,
        } => accounts::put_organisation(tx, &organisation, expected),
        Write::PutUser {
            user,
            updated_at,
            expected,
        } => accounts::put_user(tx, &user, updated_at, expected),
        Write::PutAccessToken { token, expected } => accounts::put_token(tx, &token, expected),
        Write::Notify { notification } => accounts::notify(tx, &notification),
        Write::AckNotifications { seqs, at } => accounts::ack_notifications(tx, &seqs, at),
        Write::PutIssuance { issuance } => certificates::put_issuance(tx, &issuance),
        Write::PutSetting { key, value } => settings::put_setting(tx, &key, &value),
        Write::CreateBatch { batch } => delivery::create_batch(tx, &batch),
        Write::AckBatch {
            id,
            acked_at,
            expected,
        } => delivery::ack_batch(tx, &id, acked_at, expected),
        Write::PutMasterRows { rows, updated_at } => masters::put_rows(tx, &rows, updated_at),
        Write::SetMasterCounter {
            name,
            value,
            expected,
        } => masters::set_counter(tx, &name, value, expected),
        Write::ReplaceZengin {
            file,
            source,
            loaded_at,
            expected,
        } => zengin::replace(tx, &file, &source, loaded_at, expected),
        Write::RollbackZengin { expected } => zengin::rollback(tx, expected),
        Write::PutBankApplication {
            application,
            expected,
        } => bank_accounts::put_application(tx, &application, expected),
        Write::PutBankAttachment {
            application,
            attachment,
        } => bank_accounts::put_attachment(tx, &application, &attachment),
        Write::PutActiveAccount { account } => bank_accounts::put_active(tx, &account),
        Write::PutFederationLink { link, expected } => bank_accounts::put_link(tx, &link, expected),
        Write::DeleteFederationLink {
            federation,
            bank,
            expected,
        } => bank_accounts::delete_link(tx, &federation, &bank, expected),
        Write::PutMaternalRows {
            rows,
            municipality,
            updated_at,
        } => maternal::put_rows(tx, &rows, municipality, updated_at),
        Write::PutNotice { notice, expected } => notices::put_notice(tx, &notice, expected),
        Write::PutMartBatch(batch) => marts::put_batch(tx, *batch),
    }
}

/// Commits a change set in one transaction.
pub fn commit(c: &mut CachedClient, changes: ChangeSet) -> Result<CommitReceipt, StoreError> {
    if changes.writes.is_empty() && (1..=5_000).contains(&changes.log.len()) {
        if let Some(receipt) = log::append_only(c, &changes.log)? {
            return Ok(receipt);
        }
    }
    let prepared = persons::Statements::new(c)?;
    let log_statements = log::Statements::new(c)?;
    let mut tx = c.client.transaction().map_err(backend)?;
    let mut receipt = CommitReceipt {
        versions: Vec::with_capacity(changes.writes.len()),
        log_seqs: Vec::with_capacity(changes.log.len()),
    };
    let mut pending: Vec<(RecordRow, Expected)> = Vec::new();
    let flush = |tx: &mut Transaction<'_>, pending: &mut Vec<(RecordRow, Expected)>| {
        let out = persons::put_records(tx, &prepared, pending);
        pending.clear();
        out
    };
    for write in changes.writes {
        match write {
            // Runs of record writes with distinct ids go in bulk, 5,000 at a time.
            Write::PutRecord {
                record,
                updated_at,
                expected,
            } if pending.len() < 5_000
                && !pending.iter().any(|(r, _)| r.id == record.id.as_str()) =>
            {
                pending.push((RecordRow::from_record(&record, 0, updated_at), expected));
                receipt.versions.push(expected.next());
            }
            other => {
                flush(&mut tx, &mut pending)?;
                if let Write::PutRecord {
                    record,
                    updated_at,
                    expected,
                } = other
                {
                    pending.push((RecordRow::from_record(&record, 0, updated_at), expected));
                    receipt.versions.push(expected.next());
                } else {
                    receipt.versions.push(apply(&mut tx, &prepared, other)?);
                }
            }
        }
    }
    flush(&mut tx, &mut pending)?;
    let (log_seqs, appended) = log::append(&mut tx, &log_statements, changes.log)?;
    receipt.log_seqs = log_seqs;
    tx.commit().map_err(backend)?;
    if appended.is_some() {
        c.log_head = appended;
    }
    Ok(receipt)
}
