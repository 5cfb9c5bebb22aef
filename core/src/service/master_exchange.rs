//! The daily master exchange (H_087, H_088): the files received from the
//! collective-contract and online eligibility systems, the differences
//! sent back, and the first-administrator extraction's input read from
//! the received masters.
//!
//! Receipt: each file is its master's whole snapshot for its day
//! ([`crate::masters::exchange`]); it is checked row by row like an upload
//! (without the owner check: the source system is authoritative) and
//! committed in one change set with the feed's day (`master:received:<id>`).
//! A file of a day before the feed's is superseded and changes nothing.
//!
//! Differences: every master write takes the next change number, so the
//! rows to send are those of the sent masters numbered after the
//! receiver's acknowledgement. A batch is the range `(after, through]`
//! (its id says so: `<receiver>:<after>-<through>`); until it is
//! acknowledged, a pull delivers it again — at least once, like the record
//! delivery. Two counters per receiver hold the state:
//! `master:sent:<receiver>:acked` and `master:sent:<receiver>:open`.

use chrono::{Datelike, NaiveDate};

use crate::accounts::{AdministratorRow, ExtractionInput, OrganisationRow};
use crate::authz::{Operation, Relation};
use crate::files::{CsvEncoding, CsvTable};
use crate::masters::exchange::{received_file, Interface, SENT};
use crate::masters::{catalog, MasterKind, MasterRow, Value};
use crate::store::{ChangeSet, Write};
use crate::Error;

use super::masters::MasterImportReport;
use super::{Actor, ServiceError, Sesshu};

/// What became of one received file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Receipt {
    /// Checked and applied (rows the store already held unchanged).
    Applied(MasterImportReport),
    /// A day before the one the feed last received: nothing changed.
    Superseded {
        /// The feed's day.
        latest: NaiveDate,
    },
    /// Not a file of a received interface (`<interface>_<YYYYMMDD>.csv`).
    Ignored,
    /// The file could not be read (encoding, header): nothing changed.
    Refused {
        /// The stable code.
        code: &'static str,
        /// Why.
        reason: String,
    },
}

/// One received file and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedFile {
    /// The file's name.
    pub name: String,
    /// Its interface (H_087-001 …), when the name gives one.
    pub interface: Option<&'static str>,
    /// The day it holds.
    pub day: Option<NaiveDate>,
    /// What became of it.
    pub receipt: Receipt,
}

/// A batch of differences for a receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasterDiff {
    /// The batch id, to acknowledge.
    pub batch: String,
    /// Whether it was delivered before (and not acknowledged).
    pub redelivery: bool,
    /// The changed rows, by change number, each with its interface (H_088-…).
    pub rows: Vec<(&'static str, MasterRow)>,
}

/// A received file's interface and day, from its name.
type Named = (&'static Interface, NaiveDate);

fn day_number(day: NaiveDate) -> i64 {
    i64::from(day.year()) * 10_000 + i64::from(day.month()) * 100 + i64::from(day.day())
}

fn number_day(n: i64) -> Option<NaiveDate> {
    let (y, md) = (n / 10_000, n % 10_000);
    NaiveDate::from_ymd_opt(
        i32::try_from(y).ok()?,
        u32::try_from(md / 100).ok()?,
        u32::try_from(md % 100).ok()?,
    )
}

fn text(row: &MasterRow, column: &str) -> Option<String> {
    row.values.get(column).map(ToString::to_string)
}

impl Sesshu {
    /// Receives a day's files (H_087): each `(file name, bytes)`, UTF-8
    /// with or without a BOM. Files are applied in order of day, then
    /// interface; each in one commit, or not at all.
    pub fn receive_masters(
        &self,
        actor: &Actor,
        files: &[(String, Vec<u8>)],
    ) -> Result<Vec<ReceivedFile>, Error> {
        self.guard(actor, Operation::ExchangeMasters, Relation::Own)?;
        let mut named: Vec<(Option<Named>, &String, &Vec<u8>)> = files
            .iter()
            .map(|(name, bytes)| (received_file(name), name, bytes))
            .collect();
        named.sort_by_key(|(k, name, _)| (k.map(|(i, d)| (d, i.id)), (*name).clone()));
        let mut out = Vec::with_capacity(named.len());
        for (known, name, bytes) in named {
            let Some((interface, day)) = known else {
                out.push(ReceivedFile {
                    name: name.clone(),
                    interface: None,
                    day: None,
                    receipt: Receipt::Ignored,
                });
                continue;
            };
            let receipt = self.receive_file(actor, interface, day, bytes)?;
            out.push(ReceivedFile {
                name: name.clone(),
                interface: Some(interface.id),
                day: Some(day),
                receipt,
            });
        }
        Ok(out)
    }

    fn receive_file(
        &self,
        actor: &Actor,
        interface: &'static Interface,
        day: NaiveDate,
        bytes: &[u8],
    ) -> Result<Receipt, Error> {
        let feed = format!("master:received:{}", interface.id);
        let last = self.store.master_counter(&feed)?;
        if let Some(latest) = last.filter(|l| *l > day_number(day)).and_then(number_day) {
            return Ok(Receipt::Superseded { latest });
        }
        let table = match CsvTable::read(bytes, CsvEncoding::Utf8Bom) {
            Ok(t) => t,
            Err(e) => {
                return Ok(Receipt::Refused {
                    code: e.code(),
                    reason: e.to_string(),
                })
            }
        };
        let (report, mut writes) = match self.plan_upload(interface.kind, &table, false, None) {
            Ok(planned) => planned,
            Err(e) if e.kind() == crate::ErrorKind::Validation => {
                return Ok(Receipt::Refused {
                    code: e.code(),
                    reason: e.to_string(),
                })
            }
            Err(e) => return Err(e),
        };
        if let Some(target) = interface.merge_into {
            let merged = self.merged(target, &writes)?;
            writes.extend(merged);
        }
        if interface.sets_implemented {
            let flags = self.implemented_flags(&writes)?;
            writes.extend(flags);
        }
        let mut changes = Vec::new();
        if !writes.is_empty() {
            changes.push(Write::PutMasterRows {
                rows: writes,
                updated_at: self.now(),
            });
        }
        if last != Some(day_number(day)) {
            changes.push(Write::SetMasterCounter {
                name: feed,
                value: day_number(day),
                expected: last,
            });
        }
        if !changes.is_empty() {
            self.store.commit(ChangeSet {
                writes: changes,
                log: vec![self.master_change_logged(actor)],
            })?;
        }
        Ok(Receipt::Applied(report))
    }

    /// The online eligibility rows as rows of the institution master: the
    /// institution's stored version of that day with the received name,
    /// kana and municipality, and its online-eligibility flag set. Only
    /// what differs from the stored version is written.
    fn merged(
        &self,
        target: &'static MasterKind,
        rows: &[MasterRow],
    ) -> Result<Vec<MasterRow>, Error> {
        let mut out = Vec::new();
        for row in rows {
            let versions = self.store.master_versions(target, &row.key_id())?;
            let stored = versions.iter().find(|v| v.valid_from == row.valid_from);
            let mut merged = stored.cloned().unwrap_or_else(|| MasterRow {
                kind: target,
                values: Default::default(),
                valid_from: row.valid_from,
                valid_to: row.valid_to,
            });
            for (column, value) in &row.values {
                if let Some(c) = target.column(column) {
                    merged.values.insert(c.name, value.clone());
                }
            }
            merged
                .values
                .insert("online_eligibility", Value::Flag(true));
            merged.valid_to = row.valid_to;
            if stored != Some(&merged) {
                out.push(merged);
            }
        }
        Ok(out)
    }

    /// H_087-001's consequence: each (municipality, vaccine type) received
    /// is implemented in the municipal vaccination settings from the same
    /// day — a new settings row, or the stored one with its flag set.
    fn implemented_flags(&self, rows: &[MasterRow]) -> Result<Vec<MasterRow>, Error> {
        let settings = &catalog::MUNICIPAL_VACCINATION_SETTINGS;
        let mut out: Vec<MasterRow> = Vec::new();
        for row in rows {
            let (Some(m), Some(v)) = (
                row.values.get("municipality"),
                row.values.get("vaccine_type"),
            ) else {
                continue;
            };
            let key = format!("{m}\u{1f}{v}");
            let versions = self.store.master_versions(settings, &key)?;
            let stored = versions.iter().find(|s| s.valid_on(row.valid_from));
            if stored.is_some_and(|s| s.values.get("implemented") == Some(&Value::Flag(true))) {
                continue;
            }
            if out.iter().any(|o| o.key_id() == key) {
                continue;
            }
            let mut flagged = match stored {
                Some(s) => s.clone(),
                None => MasterRow {
                    kind: settings,
                    values: [("municipality", m.clone()), ("vaccine_type", v.clone())]
                        .into_iter()
                        .collect(),
                    valid_from: row.valid_from,
                    valid_to: None,
                },
            };
            flagged.values.insert("implemented", Value::Flag(true));
            out.push(flagged);
        }
        Ok(out)
    }

    fn receiver_counters(receiver: &str) -> Result<(String, String), Error> {
        let ok = !receiver.is_empty()
            && receiver.len() <= 64
            && receiver
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok {
            return Err(ServiceError::NotFound {
                entity: "master receiver",
                id: receiver.to_owned(),
            }
            .into());
        }
        Ok((
            format!("master:sent:{receiver}:acked"),
            format!("master:sent:{receiver}:open"),
        ))
    }

    /// The differences to send `receiver` (H_088): the batch delivered and
    /// not acknowledged, again; or a new batch of at most `limit` changed
    /// rows after the acknowledgement; `None` when nothing changed.
    pub fn pull_master_diff(
        &self,
        actor: &Actor,
        receiver: &str,
        limit: usize,
    ) -> Result<Option<MasterDiff>, Error> {
        self.guard(actor, Operation::ExchangeMasters, Relation::Own)?;
        let (acked_name, open_name) = Self::receiver_counters(receiver)?;
        let acked = self.store.master_counter(&acked_name)?.unwrap_or(0);
        let open = self.store.master_counter(&open_name)?;
        let kinds: Vec<&'static MasterKind> = SENT.iter().map(|(_, k)| *k).collect();
        let interface = |row: &MasterRow| {
            SENT.iter()
                .find(|(_, k)| k.name == row.kind.name)
                .map_or("", |(id, _)| *id)
        };
        let (through, redelivery, rows) = match open.filter(|o| *o > acked) {
            Some(open) => (
                open,
                true,
                self.store
                    .master_changes(&kinds, acked, Some(open), usize::MAX)?,
            ),
            None => {
                let rows = self
                    .store
                    .master_changes(&kinds, acked, None, limit.max(1))?;
                let Some(&(last, _)) = rows.last() else {
                    return Ok(None);
                };
                self.store.commit(ChangeSet {
                    writes: vec![Write::SetMasterCounter {
                        name: open_name,
                        value: last,
                        expected: open,
                    }],
                    log: Vec::new(),
                })?;
                (last, false, rows)
            }
        };
        // Rows of a master holding personal data leave the system: logged.
        if rows.iter().any(|(_, r)| r.kind.holds_personal_data()) {
            self.master_read_logged(actor)?;
        }
        Ok(Some(MasterDiff {
            batch: format!("{receiver}:{acked}-{through}"),
            redelivery,
            rows: rows.into_iter().map(|(_, r)| (interface(&r), r)).collect(),
        }))
    }

    /// Acknowledges a batch of differences: the next pull starts after it.
    /// `false` when it was acknowledged already; `not_found` for a batch
    /// that is not the one delivered.
    pub fn ack_master_diff(&self, actor: &Actor, batch: &str) -> Result<bool, Error> {
        self.guard(actor, Operation::ExchangeMasters, Relation::Own)?;
        let not_found = || -> Error {
            ServiceError::NotFound {
                entity: "master diff batch",
                id: batch.to_owned(),
            }
            .into()
        };
        let (receiver, range) = batch.rsplit_once(':').ok_or_else(not_found)?;
        let (after, through) = range.split_once('-').ok_or_else(not_found)?;
        let (after, through): (i64, i64) = (
            after.parse().map_err(|_| not_found())?,
            through.parse().map_err(|_| not_found())?,
        );
        let (acked_name, open_name) = Self::receiver_counters(receiver)?;
        let acked = self.store.master_counter(&acked_name)?;
        if through <= acked.unwrap_or(0) {
            return Ok(false);
        }
        if after != acked.unwrap_or(0) || Some(through) != self.store.master_counter(&open_name)? {
            return Err(not_found());
        }
        self.store.commit(ChangeSet {
            writes: vec![Write::SetMasterCounter {
                name: acked_name,
                value: through,
                expected: acked,
            }],
            log: Vec::new(),
        })?;
        Ok(true)
    }

    /// The first-administrator extraction's input (H-1) from the received
    /// masters valid on `day`: municipalities with their letters of
    /// delegation, wide-area unions, institutions that carry an issuance
    /// class (発行区分), and the administrators of MHLW, the federations and
    /// the central association. They hold administrators' names and
    /// addresses: the read is the account batch's (`run_account_batches`)
    /// and is access-logged as `read_master`.
    pub fn extraction_input_from_masters(
        &self,
        actor: &Actor,
        day: NaiveDate,
    ) -> Result<ExtractionInput, Error> {
        self.guard(actor, Operation::RunAccountBatches, Relation::Own)?;
        self.master_read_logged(actor)?;
        let valid = |kind: &'static MasterKind| -> Result<Vec<MasterRow>, Error> {
            Ok(self
                .store
                .master_rows(kind)?
                .into_iter()
                .filter(|r| r.valid_on(day))
                .collect())
        };
        let status =
            |kind: &'static MasterKind, column: &str| -> Result<Vec<(String, String)>, Error> {
                Ok(valid(kind)?
                    .iter()
                    .filter_map(|r| Some((text(r, column)?, text(r, "status")?)))
                    .collect())
            };
        let town_letters = status(&catalog::MUNICIPALITY_DELEGATIONS, "municipality")?;
        let clinic_letters = status(&catalog::INSTITUTION_DELEGATIONS, "institution")?;
        let organisation = |r: &MasterRow, letters: &[(String, String)], union: bool| {
            let code = text(r, "code").unwrap_or_default();
            OrganisationRow {
                delegation: letters
                    .iter()
                    .find(|(c, _)| *c == code)
                    .map(|(_, s)| s.clone()),
                issuance: text(r, "issuance").unwrap_or_default(),
                union: if union { text(r, "union") } else { None },
                email: text(r, "admin_email"),
                admin_name: text(r, "admin_name"),
                code,
            }
        };
        Ok(ExtractionInput {
            already_issued: Default::default(),
            municipalities: valid(&catalog::MUNICIPALITIES)?
                .iter()
                .map(|r| organisation(r, &town_letters, true))
                .collect(),
            unions: valid(&catalog::WIDE_AREA_UNIONS)?
                .iter()
                .map(|r| organisation(r, &[], false))
                .collect(),
            medical_institutions: valid(&catalog::INSTITUTIONS)?
                .iter()
                .filter(|r| r.values.contains_key("issuance"))
                .map(|r| organisation(r, &clinic_letters, false))
                .collect(),
            administrators: valid(&catalog::ADMINISTRATORS)?
                .iter()
                .map(|r| AdministratorRow {
                    org_code: text(r, "organisation").unwrap_or_default(),
                    org_type: text(r, "org_type").unwrap_or_default(),
                    issuance: text(r, "issuance").unwrap_or_default(),
                    email: text(r, "email"),
                    admin_name: text(r, "name"),
                })
                .collect(),
        })
    }
}
