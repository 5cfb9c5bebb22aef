//! Pre-screening questionnaire answers (H-4): stored per vaccination
//! record; staff see the institution's answers and what it changed.

use crate::access_log::{AccessAction, AccessLogDraft};
use crate::authz::{Operation, Relation};
use crate::identifiers::{ManagementId, RecordId};
use crate::questionnaire::{modified_items, AnswerValue, Answers};
use crate::records::RecordAccess;
use crate::store::{ChangeSet, Expected, StoredQuestionnaire, Write};
use crate::Error;

use super::export::{write_csv, ExportOptions};
use super::records::{read_log, Search};
use super::{Actor, PutOutcome, RecordQuery, RecordRow, ServiceError, Sesshu};

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

impl QuestionnaireView {
    fn of(q: StoredQuestionnaire) -> Self {
        QuestionnaireView {
            modified: modified_items(&q.subject, &q.institution),
            record: q.record,
            institution: q.institution,
            subject: q.subject,
        }
    }
}

/// A line of the questionnaire list (予診票回答一覧, H-4): a record the
/// municipality may see that has answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionnaireRow {
    /// The record and its person, as the staff search shows them.
    pub row: RecordRow,
    /// The answers and the items the institution changed.
    pub answers: QuestionnaireView,
}

/// A page of the questionnaire list, with the key to the next page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuestionnairePage {
    /// Rows, by person then record id. A page may hold none while `next`
    /// is set: its persons' records had no answers.
    pub rows: Vec<QuestionnaireRow>,
    /// Pass as `after` for the next page; `None` at the end.
    pub next: Option<ManagementId>,
}

/// The columns of the questionnaire download, in order: one line per
/// record and item (answered on either side).
pub const QUESTIONNAIRE_COLUMNS: [&str; 11] = [
    "subject_number",
    "management_id",
    "name",
    "name_kana",
    "record_id",
    "vaccine",
    "vaccination_date",
    "item",
    "institution_answer",
    "subject_answer",
    "modified",
];

/// An answer in a file's cell: text as written, numbers exactly as
/// entered, `true`/`false`, and choices and groups as JSON.
fn cell(answer: Option<&AnswerValue>) -> String {
    match answer {
        None => String::new(),
        Some(AnswerValue::Bool(b)) => b.to_string(),
        Some(AnswerValue::Number(n)) => n.to_string(),
        Some(AnswerValue::Text(t)) => t.clone(),
        Some(v) => v.to_json().to_string(),
    }
}

/// The lines of one questionnaire: one per item, or one without an item
/// when neither side answered anything (so that every questionnaire shows).
fn lines(q: &QuestionnaireRow) -> Vec<[String; 11]> {
    let (p, r, a) = (&q.row.person, &q.row.record.record, &q.answers);
    let line = |item: &str| {
        [
            p.subject_number.to_string(),
            p.management_id.to_string(),
            p.name.clone(),
            p.name_kana.clone(),
            r.id.to_string(),
            r.vaccine.to_string(),
            r.date.to_string(),
            item.to_owned(),
            cell(a.institution.get(item)),
            cell(a.subject.get(item)),
            a.modified.iter().any(|m| m == item).to_string(),
        ]
    };
    let items: std::collections::BTreeSet<&String> =
        a.institution.keys().chain(a.subject.keys()).collect();
    if items.is_empty() {
        let mut empty = line("");
        empty[10] = String::new();
        return vec![empty];
    }
    items.into_iter().map(|i| line(i)).collect()
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
                actor: actor.log_name(),
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
                actor: actor.log_name(),
                organisation: actor.organisation.to_string(),
                action: AccessAction::ReadQuestionnaire,
                subject: Some(stored.record.person.clone()),
                record_ids: vec![record.clone()],
            }],
        })?;
        Ok(QuestionnaireView::of(q))
    }

    /// One page of the questionnaire list (予診票回答一覧): the staff search
    /// (`query`, by person) and, for each record found that the
    /// municipality may see (SPEC §3), its answers when it has any. Logged,
    /// one entry per person shown.
    pub fn query_questionnaires(
        &self,
        actor: &Actor,
        query: &RecordQuery,
        after: Option<&ManagementId>,
        persons_per_page: usize,
    ) -> Result<QuestionnairePage, Error> {
        self.questionnaire_page(
            actor,
            query,
            after,
            persons_per_page,
            Search::ReadQuestionnaires,
        )
    }

    fn questionnaire_page(
        &self,
        actor: &Actor,
        query: &RecordQuery,
        after: Option<&ManagementId>,
        persons_per_page: usize,
        search: Search,
    ) -> Result<QuestionnairePage, Error> {
        let action = search.action();
        let (groups, next) = self.search(actor, search, query, after, persons_per_page)?;
        let now = self.now();
        let mut page = QuestionnairePage {
            rows: Vec::new(),
            next,
        };
        // One read for the page's records, then each person's in order.
        let ids: Vec<RecordId> = groups
            .iter()
            .flatten()
            .map(|r| r.record.record.id.clone())
            .collect();
        let mut answers: std::collections::HashMap<RecordId, StoredQuestionnaire> = self
            .store
            .questionnaires(&ids)?
            .into_iter()
            .map(|q| (q.record.clone(), q))
            .collect();
        let mut log = Vec::new();
        for rows in groups {
            let person = rows[0].person.management_id.clone();
            let mut ids = Vec::new();
            for row in rows {
                if let Some(q) = answers.remove(&row.record.record.id) {
                    ids.push(q.record.clone());
                    page.rows.push(QuestionnaireRow {
                        row,
                        answers: QuestionnaireView::of(q),
                    });
                }
            }
            if !ids.is_empty() {
                log.push(read_log(actor, now, action, &person, ids));
            }
        }
        if !log.is_empty() {
            self.store.commit(ChangeSet {
                writes: Vec::new(),
                log,
            })?;
        }
        Ok(page)
    }

    /// 予診票回答ダウンロード: writes the answers of every questionnaire the
    /// search finds as CSV to `out` (columns [`QUESTIONNAIRE_COLUMNS`], one
    /// line per record and item), page by page, with the options of
    /// [`Sesshu::export_records_csv`]. Each person exported is logged.
    /// Returns the number of questionnaires written.
    pub fn export_questionnaires_csv(
        &self,
        actor: &Actor,
        query: &RecordQuery,
        options: ExportOptions,
        out: &mut dyn std::io::Write,
    ) -> Result<usize, Error> {
        write_csv(
            out,
            &QUESTIONNAIRE_COLUMNS,
            options,
            |after: Option<&ManagementId>| {
                let page = self.questionnaire_page(
                    actor,
                    query,
                    after,
                    500,
                    Search::ExportQuestionnaires,
                )?;
                Ok((page.rows.iter().map(lines).collect(), page.next))
            },
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use crate::conformance::{chiyoda_with_a_record, rid, staff, CHIYODA, YOKOHAMA};
    use crate::questionnaire::{AnswerValue, Answers};
    use crate::service::PutOutcome;

    #[test]
    fn answers_are_stored_once_and_read_with_what_the_institution_changed() {
        let s = chiyoda_with_a_record();
        let chiyoda = staff(CHIYODA);
        let subject = Answers::from([("fever".to_owned(), AnswerValue::Bool(false))]);
        let institution = Answers::from([("fever".to_owned(), AnswerValue::Bool(true))]);
        let put = |s: &crate::service::Sesshu| {
            s.put_questionnaire(&chiyoda, &rid("R1"), subject.clone(), institution.clone())
                .unwrap()
        };
        assert_eq!(put(&s), PutOutcome::Created);
        assert_eq!(put(&s), PutOutcome::Unchanged);
        let view = s.questionnaire(&chiyoda, &rid("R1")).unwrap();
        assert_eq!(view.modified, ["fever"]);
        let e = s.questionnaire(&staff(YOKOHAMA), &rid("R1")).unwrap_err();
        assert_eq!(e.code(), "not_found");
    }
}
