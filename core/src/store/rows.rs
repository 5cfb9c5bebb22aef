//! Rows as engines hold them (text and plain values), and their checked
//! conversion into the core's types. Every adapter reads through these, so
//! a row an engine cannot trust is reported the same way everywhere
//! ([`StoreError::Corrupt`]).

use chrono::{DateTime, NaiveDate, Utc};

use crate::access_log::{from_hex, AccessAction, AccessLogDraft, AccessLogEntry};
use crate::identifiers::{
    IdentifierError, ManagementId, MedicalInstitutionCode, MunicipalityCode, RecordId,
    SubjectNumber, VaccineCode,
};
use crate::persons::{Person, Sex};
use crate::records::{Category, VaccinationRecord};
use crate::residency::{ResidencyHistory, ResidencyInterval};

use crate::questionnaire::answers_from_storage;

use super::{DeliveryBatch, StoreError, StoredPerson, StoredQuestionnaire, StoredRecord};

fn corrupt<'a>(entity: &'static str, id: &'a str) -> impl Fn(String) -> StoreError + 'a {
    move |reason| StoreError::Corrupt {
        entity,
        id: id.to_owned(),
        reason,
    }
}

/// A residency interval as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntervalRow {
    /// Municipality code.
    pub municipality: String,
    /// First day.
    pub from: NaiveDate,
    /// First day no longer resident.
    pub to: Option<NaiveDate>,
}

/// A person as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRow {
    /// 予防接種管理番号.
    pub management_id: String,
    /// 予防接種対象者番号.
    pub subject_number: String,
    /// 氏名.
    pub name: String,
    /// カナ氏名.
    pub name_kana: String,
    /// 生年月日.
    pub birth_date: NaiveDate,
    /// 性別 (stable name).
    pub sex: String,
    /// PMH key.
    pub pmh_key: Option<String>,
    /// Residency intervals.
    pub residency: Vec<IntervalRow>,
    /// Row version.
    pub version: i64,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl PersonRow {
    /// The stored form of a person.
    pub fn from_person(p: &Person, version: i64, updated_at: DateTime<Utc>) -> Self {
        PersonRow {
            management_id: p.management_id.to_string(),
            subject_number: p.subject_number.to_string(),
            name: p.name.clone(),
            name_kana: p.name_kana.clone(),
            birth_date: p.birth_date,
            sex: p.sex.as_str().to_owned(),
            pmh_key: p.pmh_key.clone(),
            residency: p
                .residency
                .intervals()
                .iter()
                .map(|i| IntervalRow {
                    municipality: i.municipality.to_string(),
                    from: i.from,
                    to: i.to,
                })
                .collect(),
            version,
            updated_at,
        }
    }

    /// Checks and converts a stored person.
    pub fn into_stored(self) -> Result<StoredPerson, StoreError> {
        let bad = corrupt("person", &self.management_id);
        let intervals = self
            .residency
            .iter()
            .map(|i| {
                Ok(ResidencyInterval {
                    municipality: MunicipalityCode::parse(&i.municipality)
                        .map_err(|e| bad(e.to_string()))?,
                    from: i.from,
                    to: i.to,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let person = Person {
            management_id: ManagementId::parse(&self.management_id)
                .map_err(|e| bad(e.to_string()))?,
            subject_number: SubjectNumber::parse(&self.subject_number)
                .map_err(|e| bad(e.to_string()))?,
            name: self.name,
            name_kana: self.name_kana,
            birth_date: self.birth_date,
            sex: Sex::parse(&self.sex).map_err(|e| bad(e.to_string()))?,
            pmh_key: self.pmh_key,
            residency: ResidencyHistory::new(intervals).map_err(|e| bad(e.to_string()))?,
        };
        Ok(StoredPerson {
            person,
            version: self.version,
            updated_at: self.updated_at,
        })
    }
}

/// A vaccination record as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRow {
    /// Record id.
    pub id: String,
    /// The person.
    pub management_id: String,
    /// Responsible municipality.
    pub responsible: String,
    /// Category (stable name).
    pub category: String,
    /// Vaccine code.
    pub vaccine: String,
    /// Dose number.
    pub dose_number: i64,
    /// Vaccination date.
    pub date: NaiveDate,
    /// Lot number.
    pub lot: Option<String>,
    /// Institution code.
    pub institution: Option<String>,
    /// Erroneous flag.
    pub erroneous: bool,
    /// Row version.
    pub version: i64,
    /// Last change of content.
    pub updated_at: DateTime<Utc>,
    /// Change sequence number.
    pub seq: i64,
}

impl RecordRow {
    /// The stored form of a record (`seq` is the store's own).
    pub fn from_record(r: &VaccinationRecord, version: i64, updated_at: DateTime<Utc>) -> Self {
        RecordRow {
            id: r.id.to_string(),
            management_id: r.person.to_string(),
            responsible: r.responsible.to_string(),
            category: r.category.as_str().to_owned(),
            vaccine: r.vaccine.to_string(),
            dose_number: i64::from(r.dose_number),
            date: r.date,
            lot: r.lot.clone(),
            institution: r.institution.map(|i| i.to_string()),
            erroneous: r.erroneous,
            version,
            updated_at,
            seq: 0,
        }
    }

    /// Checks and converts a stored record (its keys are kept, not copied).
    pub fn into_stored(self) -> Result<StoredRecord, StoreError> {
        let id = RecordId::parse_owned(self.id).map_err(|e| StoreError::Corrupt {
            entity: "record",
            id: match &e {
                IdentifierError::InvalidKey { value, .. } => value.clone(),
                _ => String::new(),
            },
            reason: e.to_string(),
        })?;
        let bad = |reason: String| StoreError::Corrupt {
            entity: "record",
            id: id.to_string(),
            reason,
        };
        let person = ManagementId::parse_owned(self.management_id);
        let vaccine = VaccineCode::parse_owned(self.vaccine);
        let record = VaccinationRecord {
            person: person.map_err(|e| bad(e.to_string()))?,
            responsible: MunicipalityCode::parse(&self.responsible)
                .map_err(|e| bad(e.to_string()))?,
            category: Category::parse(&self.category).map_err(|e| bad(e.to_string()))?,
            vaccine: vaccine.map_err(|e| bad(e.to_string()))?,
            dose_number: crate::records::dose_number(self.dose_number)
                .map_err(|e| bad(e.to_string()))?,
            date: self.date,
            lot: self.lot,
            institution: self
                .institution
                .as_deref()
                .map(MedicalInstitutionCode::parse)
                .transpose()
                .map_err(|e| bad(e.to_string()))?,
            erroneous: self.erroneous,
            id,
        };
        Ok(StoredRecord {
            record,
            version: self.version,
            updated_at: self.updated_at,
            seq: self.seq,
        })
    }
}

/// An access-log entry as stored (record ids comma-joined, hashes in hex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRow {
    /// Sequence number.
    pub seq: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: String,
    /// Organisation.
    pub organisation: String,
    /// Action (stable name).
    pub action: String,
    /// Subject.
    pub subject: Option<String>,
    /// Record ids joined with `,`.
    pub record_ids: String,
    /// Previous hash, hex.
    pub prev_hash: String,
    /// Hash, hex.
    pub hash: String,
}

impl LogRow {
    /// The stored form of an entry.
    pub fn from_entry(e: &AccessLogEntry) -> Self {
        LogRow {
            seq: e.seq,
            at: e.draft.at,
            actor: e.draft.actor.clone(),
            organisation: e.draft.organisation.clone(),
            action: e.draft.action.as_str().to_owned(),
            subject: e.draft.subject.as_ref().map(ToString::to_string),
            record_ids: e
                .draft
                .record_ids
                .iter()
                .map(RecordId::as_str)
                .collect::<Vec<_>>()
                .join(","),
            prev_hash: crate::access_log::to_hex(&e.prev_hash),
            hash: crate::access_log::to_hex(&e.hash),
        }
    }

    /// Checks and converts a stored entry. A tampered entry still converts
    /// when its fields are well-formed: the chain check finds it.
    pub fn into_entry(self) -> Result<AccessLogEntry, StoreError> {
        let seq = self.seq;
        let bad = |reason: String| StoreError::Corrupt {
            entity: "access log entry",
            id: seq.to_string(),
            reason,
        };
        let record_ids = if self.record_ids.is_empty() {
            Vec::new()
        } else {
            self.record_ids
                .split(',')
                .map(RecordId::parse)
                .collect::<Result<_, _>>()
                .map_err(|e| bad(e.to_string()))?
        };
        Ok(AccessLogEntry {
            seq: self.seq,
            draft: AccessLogDraft {
                at: self.at,
                actor: self.actor,
                organisation: self.organisation,
                action: AccessAction::parse(&self.action).map_err(|e| bad(e.to_string()))?,
                subject: self
                    .subject
                    .map(ManagementId::parse_owned)
                    .transpose()
                    .map_err(|e| bad(e.to_string()))?,
                record_ids,
            },
            prev_hash: from_hex(&self.prev_hash).ok_or_else(|| bad("bad previous hash".into()))?,
            hash: from_hex(&self.hash).ok_or_else(|| bad("bad hash".into()))?,
        })
    }
}

/// Questionnaire answers as stored: each side's answers in their storage
/// form (JSON text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionnaireRow {
    /// The record.
    pub record: String,
    /// 予診票回答（接種対象者）, storage form.
    pub subject: String,
    /// 予診票回答（医療機関）, storage form.
    pub institution: String,
    /// Row version.
    pub version: i64,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl QuestionnaireRow {
    /// The checked answers; a key or answers that do not read back are
    /// [`StoreError::Corrupt`].
    pub fn into_stored(self) -> Result<StoredQuestionnaire, StoreError> {
        let bad = corrupt("questionnaire", &self.record);
        let subject = answers_from_storage(&self.subject).map_err(|e| bad(e.to_string()))?;
        let institution =
            answers_from_storage(&self.institution).map_err(|e| bad(e.to_string()))?;
        let record = RecordId::parse(&self.record).map_err(|e| bad(e.to_string()))?;
        Ok(StoredQuestionnaire {
            record,
            subject,
            institution,
            version: self.version,
            updated_at: self.updated_at,
        })
    }
}

/// A delivery batch as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRow {
    /// Batch id.
    pub id: String,
    /// Municipality code.
    pub municipality: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// The cursor when made.
    pub after_seq: i64,
    /// The last record's sequence number.
    pub through_seq: i64,
    /// Records when made.
    pub record_count: i64,
    /// Acknowledged.
    pub acked_at: Option<DateTime<Utc>>,
    /// Row version.
    pub version: i64,
}

impl BatchRow {
    /// Checks and converts a stored batch.
    pub fn into_batch(self) -> Result<DeliveryBatch, StoreError> {
        let municipality = MunicipalityCode::parse(&self.municipality)
            .map_err(|e| corrupt("delivery batch", &self.id)(e.to_string()))?;
        Ok(DeliveryBatch {
            municipality,
            id: self.id,
            created_at: self.created_at,
            after_seq: self.after_seq,
            through_seq: self.through_seq,
            record_count: self.record_count,
            acked_at: self.acked_at,
            version: self.version,
        })
    }
}

/// The JSON body of a row stored as a document (users, organisations,
/// tokens, notifications): the indexed columns beside it are copies.
pub fn to_body<T: serde::Serialize>(value: &T) -> String {
    // Serialising these plain structs cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

/// Reads a row's JSON body.
pub fn from_body<T: serde::de::DeserializeOwned>(
    entity: &'static str,
    id: &str,
    body: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(body).map_err(|e| corrupt(entity, id)(e.to_string()))
}

/// A notification as stored: its body holds the payload and the secrets
/// (erased on acknowledgement).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NotificationBody {
    /// The account it concerns.
    pub user: Option<crate::accounts::UserId>,
    /// Plain values.
    pub payload: std::collections::BTreeMap<String, String>,
    /// Secrets until acknowledged.
    pub secrets: std::collections::BTreeMap<String, String>,
}

impl NotificationBody {
    /// The body of a notification.
    pub fn of(n: &crate::outbox::Notification) -> Self {
        NotificationBody {
            user: n.user.clone(),
            payload: n.payload.clone(),
            secrets: n
                .secrets
                .iter()
                .map(|(k, v)| (k.clone(), v.expose().to_owned()))
                .collect(),
        }
    }
}

/// A notification row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationRow {
    /// Sequence number.
    pub seq: i64,
    /// Kind name.
    pub kind: String,
    /// Recipient address.
    pub recipient: String,
    /// JSON body.
    pub body: String,
    /// Dedupe key.
    pub dedupe_key: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Acknowledged.
    pub delivered_at: Option<DateTime<Utc>>,
}

impl NotificationRow {
    /// Checks and converts a stored notification.
    pub fn into_notification(self) -> Result<crate::outbox::Notification, StoreError> {
        let id = self.seq.to_string();
        let bad = corrupt("notification", &id);
        let body: NotificationBody = from_body("notification", &id, &self.body)?;
        Ok(crate::outbox::Notification {
            seq: self.seq,
            kind: crate::outbox::NotificationKind::parse(&self.kind)
                .map_err(|e| bad(e.to_string()))?,
            recipient: crate::identifiers::EmailAddress::parse(&self.recipient)
                .map_err(|e| bad(e.to_string()))?,
            user: body.user,
            payload: body.payload,
            secrets: body
                .secrets
                .into_iter()
                .map(|(k, v)| (k, crate::secrets::Secret::new(v)))
                .collect(),
            dedupe_key: self.dedupe_key,
            created_at: self.created_at,
            delivered_at: self.delivered_at,
        })
    }
}

/// The last activity the inactivity query indexes: last sign-in, or issuance.
pub fn last_activity(user: &crate::accounts::User) -> DateTime<Utc> {
    user.last_sign_in.unwrap_or(user.issued_at)
}
