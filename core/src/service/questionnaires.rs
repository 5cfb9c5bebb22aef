//! Pre-screening questionnaire answers (H-4): stored per vaccination
//! record; staff see the institution's answers and what it changed.

use crate::access_log::{AccessAction, AccessLogDraft};
use crate::authz::{Operation, Relation};
use crate::identifiers::RecordId;
use crate::questionnaire::{modified_items, Answers};
use crate::records::RecordAccess;
use crate::store::{ChangeSet, Expected, Write};
use crate::Error;

use super::{Actor, PutOutcome, ServiceError, Sesshu};

/// What staff see of a record's questionnaire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionnaireView {
    /// The record.
    pub record: RecordId,
    /// 予診票回答（医療機関）: the institution's answers.
    pub institution: Answers,
    /// 予診票回答（接種対象者）: the subject's own answers.
    pub subject: Answers,
    /// Items the institution modified (sorted).
    pub modified: Vec<String>,
}

impl Sesshu {
    /// Stores the subject's and the institution's answers for a record. The
    /// institution that gave the vaccination, or the responsible
    /// municipality, may write them. Idempotent.
    pub fn put_questionnaire(
        &self,
        actor: &Actor,
        record: &RecordId,
        subject: Answers,
        institution: Answers,
    ) -> Result<PutOutcome, Error> {
        let stored = self
            .store
            .record(record)?
            .ok_or_else(|| ServiceError::NotFound {
                entity: "record",
                id: record.to_string(),
            })?;
        let r = &stored.record;
        self.guard(
            actor,
            Operation::WriteQuestionnaires,
            super::records::record_relation(actor, r),
        )?;
        let old = self.store.questionnaire(record)?;
        let outcome = match &old {
            Some(q) if q.subject == subject && q.institution == institution => {
                return Ok(PutOutcome::Unchanged)
            }
            Some(_) => PutOutcome::Updated,
            None => PutOutcome::Created,
        };
        let now = self.now();
        self.store.commit(ChangeSet {
            writes: vec![Write::PutQuestionnaire {
                record: record.clone(),
                subject,
                institution,
                updated_at: now,
                expected: Expected::of(old.map(|q| q.version)),
            }],
            log: vec![AccessLogDraft {
                at: now,
                actor: actor.user_id.clone(),
                organisation: actor.organisation.to_string(),
                action: AccessAction::WriteQuestionnaire,
                subject: Some(r.person.clone()),
                record_ids: vec![record.clone()],
            }],
        })?;
        Ok(outcome)
    }

    /// A record's questionnaire as staff see it: visible under the same
    /// rule as the record (SPEC §3). Logged.
    pub fn questionnaire(
        &self,
        actor: &Actor,
        record: &RecordId,
    ) -> Result<QuestionnaireView, Error> {
        self.guard(actor, Operation::ReadQuestionnaires, Relation::Own)?;
        let m = actor.acting_municipality("read questionnaires")?;
        let not_found = || ServiceError::NotFound {
            entity: "questionnaire",
            id: record.to_string(),
        };
        let stored = self.store.record(record)?.ok_or_else(not_found)?;
        let person = self
            .store
            .person(&stored.record.person)?
            .ok_or_else(not_found)?;
        let access = RecordAccess::new(&person.person.residency, m, self.clock.today_jst());
        if !access.is_visible(&stored.record.facts()) {
            return Err(not_found().into());
        }
        let q = self.store.questionnaire(record)?.ok_or_else(not_found)?;
        self.store.commit(ChangeSet {
            writes: Vec::new(),
            log: vec![AccessLogDraft {
                at: self.now(),
                actor: actor.user_id.clone(),
                organisation: actor.organisation.to_string(),
                action: AccessAction::ReadQuestionnaire,
                subject: Some(stored.record.person.clone()),
                record_ids: vec![record.clone()],
            }],
        })?;
        Ok(QuestionnaireView {
            record: record.clone(),
            modified: modified_items(&q.subject, &q.institution),
            institution: q.institution,
            subject: q.subject,
        })
    }
}
