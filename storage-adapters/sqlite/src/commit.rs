//! Commits: one `BEGIN IMMEDIATE` transaction per change set, each write
//! handed to its domain's file, version checks first, the access log
//! chained last.

use rusqlite::{Connection, Transaction, TransactionBehavior};
use sesshu_core::store::rows::{PersonRow, RecordRow};
use sesshu_core::store::{ChangeSet, CommitReceipt, StoreError, Write};

use crate::persons::{put_person, put_record, Sequence};
use crate::{
    accounts, backend, bank_accounts, certificates, delivery, log, marts, masters, maternal,
    notices, questionnaires, settings, zengin,
};

fn apply(tx: &Transaction<'_>, seq: &mut Sequence, write: Write) -> Result<i64, StoreError> {
    match write {
        Write::PutPerson {
            person,
            updated_at,
            expected,
        } => put_person(
            tx,
            &PersonRow::from_person(&person, 0, updated_at),
            expected,
        ),
        Write::PutRecord {
            record,
            updated_at,
            expected,
        } => put_record(
            tx,
            seq,
            &RecordRow::from_record(&record, 0, updated_at),
            expected,
        ),
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

/// Commits a change set in one immediate transaction.
pub fn commit(conn: &mut Connection, changes: ChangeSet) -> Result<CommitReceipt, StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(backend)?;
    let mut versions = Vec::with_capacity(changes.writes.len());
    let mut seq = Sequence::default();
    for write in changes.writes {
        versions.push(apply(&tx, &mut seq, write)?);
    }
    seq.save(&tx)?;
    let log_seqs = log::append(&tx, changes.log)?;
    tx.commit().map_err(backend)?;
    Ok(CommitReceipt { versions, log_seqs })
}
