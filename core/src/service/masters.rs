//! The masters (H-8): upload (H_081-018 and the like), view and download,
//! for every declared master through one set of operations.
//!
//! An upload reads the file whole, checks every row by the master's
//! declaration, its owner and its history, and commits the good rows in
//! one change set with one access-log entry; the refused rows are
//! reported by row, column and reason. A row the store already holds as
//! given is unchanged, so the same file twice changes nothing. A dry run
//! reports the same without writing (DHIS2's `importMode=VALIDATE`).

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::access_log::{AccessAction, AccessLogDraft};
use crate::authz::{Operation, Relation};
use crate::files::CsvTable;
use crate::masters::{MasterError, MasterKind, MasterRow, Owner};
use crate::organisation::OrganisationType;
use crate::store::{ChangeSet, Write};
use crate::Error;

use super::export::{csv_head, encode, ExportOptions};
use super::people::PutOutcome;
use super::{Actor, CsvEncoding, Sesshu};

/// A refused row of an upload: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasterRowError {
    /// 1-based data row (the header is row 0).
    pub row: usize,
    /// The column, when one is to blame.
    pub column: Option<String>,
    /// The stable code.
    pub code: String,
    /// What is wrong.
    pub reason: String,
}

impl std::fmt::Display for MasterRowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.column {
            Some(c) => write!(f, "row {}, {c}: {} ({})", self.row, self.reason, self.code),
            None => write!(f, "row {}: {} ({})", self.row, self.reason, self.code),
        }
    }
}

/// What an upload did (or, for a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasterImportReport {
    /// The master.
    pub kind: &'static str,
    /// Whether nothing was written (a dry run).
    pub dry_run: bool,
    /// Rows new to the store.
    pub created: usize,
    /// Rows that replaced a different stored version (same key and
    /// `valid_from`).
    pub updated: usize,
    /// Rows the store already held as given.
    pub unchanged: usize,
    /// The refused rows.
    pub errors: Vec<MasterRowError>,
}

impl std::fmt::Display for MasterImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}{}: {} created, {} updated, {} unchanged, {} refused",
            self.kind,
            if self.dry_run {
                " (dry run, nothing written)"
            } else {
                ""
            },
            self.created,
            self.updated,
            self.unchanged,
            self.errors.len()
        )
    }
}

/// Whether the actor's organisation is of the type that owns `kind`: the
/// relation its rows can have to the actor at best.
fn may_own(actor: &Actor, kind: &MasterKind) -> bool {
    use OrganisationType as O;
    match kind.owner {
        Owner::Mhlw => actor.org_type == O::Mhlw,
        Owner::Municipality => matches!(actor.org_type, O::Municipality | O::WideAreaUnion),
        // A federation registers the records of its member institutions.
        Owner::Institution => matches!(actor.org_type, O::MedicalInstitution | O::Federation),
        Owner::Federation => actor.org_type == O::Federation,
        Owner::Central => actor.org_type == O::Central,
    }
}

/// One version of a key, as an upload sees it.
struct Version {
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
    /// The stored row, for a version the store holds.
    stored: Option<MasterRow>,
    /// Whether the file gave it.
    from_file: bool,
}

/// The first day `row` shares with another version of its key (one with a
/// different `valid_from`, which `row` does not replace).
fn first_overlap(versions: &[Version], row: &MasterRow) -> Option<NaiveDate> {
    versions
        .iter()
        .filter(|v| v.valid_from != row.valid_from)
        .filter_map(|v| {
            let start = row.valid_from.max(v.valid_from);
            let ends_after = |end: Option<NaiveDate>| end.is_none_or(|e| start < e);
            (ends_after(row.valid_to) && ends_after(v.valid_to)).then_some(start)
        })
        .min()
}

fn row_error(row: usize, e: &MasterError) -> MasterRowError {
    let column = match e {
        MasterError::UnknownColumn { column, .. } => Some(column.clone()),
        MasterError::Missing { column, .. } | MasterError::InvalidValue { column, .. } => {
            Some((*column).to_owned())
        }
        MasterError::InvalidPeriod { .. } => Some("valid_to".to_owned()),
        MasterError::OverlappingVersions { .. } => Some("valid_from".to_owned()),
        _ => None,
    };
    MasterRowError {
        row,
        column,
        code: e.code().to_owned(),
        reason: e.to_string(),
    }
}

impl Sesshu {
    /// Every declared master (`sesshu masters kinds`).
    pub fn master_kinds(&self) -> &'static [&'static MasterKind] {
        crate::masters::catalog::ALL
    }

    /// Uploads a master's CSV file (UTF-8 with or without a BOM, or
    /// Shift_JIS): its header names the master's columns
    /// ([`MasterKind::file_columns`]; `valid_to` may be left out), each row
    /// one version. Only the master's owner writes it: an actor of another
    /// organisation type is refused whole (`not_authorized`, logged); a
    /// row owned by another organisation of the actor's type is refused as
    /// `not_owner`. A federation also registers the institution records of
    /// its member institutions (所属医療機関マスタ, as of today). With
    /// `dry_run` nothing is written.
    pub fn import_master_csv(
        &self,
        actor: &Actor,
        kind: &str,
        bytes: &[u8],
        encoding: CsvEncoding,
        dry_run: bool,
    ) -> Result<MasterImportReport, Error> {
        let kind = MasterKind::named(kind)?;
        let relation = if may_own(actor, kind) {
            Relation::Own
        } else {
            Relation::Other
        };
        self.guard(actor, Operation::WriteMasters, relation)?;
        let table = CsvTable::read(bytes, encoding)?;
        let (report, writes) = self.plan_upload(kind, &table, dry_run, Some(actor))?;
        if !dry_run && !writes.is_empty() {
            self.store.commit(ChangeSet {
                writes: vec![Write::PutMasterRows {
                    rows: writes,
                    updated_at: self.now(),
                }],
                log: vec![self.master_change_logged(actor)],
            })?;
        }
        Ok(report)
    }

    /// The access-log entry of a change of the masters (an upload, a
    /// receipt).
    pub(super) fn master_change_logged(&self, actor: &Actor) -> AccessLogDraft {
        AccessLogDraft {
            at: self.now(),
            actor: actor.log_name(),
            organisation: actor.organisation.to_string(),
            action: AccessAction::WriteMaster,
            subject: None,
            record_ids: Vec::new(),
        }
    }

    /// Checks every row of an upload against the declaration, the owner
    /// (`owner_check`: the uploader; `None` for a receipt from a source
    /// system, which is authoritative) and the stored history: the report,
    /// and the rows to write.
    pub(super) fn plan_upload(
        &self,
        kind: &'static MasterKind,
        table: &CsvTable,
        dry_run: bool,
        owner_check: Option<&Actor>,
    ) -> Result<(MasterImportReport, Vec<MasterRow>), Error> {
        let known = kind.file_columns();
        if let Some(unknown) = table.header.iter().find(|h| !known.contains(&h.as_str())) {
            return Err(MasterError::UnknownColumn {
                kind: kind.name,
                column: unknown.clone(),
            }
            .into());
        }
        let mut report = MasterImportReport {
            kind: kind.name,
            dry_run,
            created: 0,
            updated: 0,
            unchanged: 0,
            errors: Vec::new(),
        };
        // Each key's versions: those stored (kept whole, to tell an
        // unchanged row) and those taken from the file so far.
        let mut versions: HashMap<String, Vec<Version>> = HashMap::with_capacity(table.rows.len());
        for row in self.store.master_rows(kind)? {
            versions.entry(row.key_id()).or_default().push(Version {
                valid_from: row.valid_from,
                valid_to: row.valid_to,
                stored: Some(row),
                from_file: false,
            });
        }
        let mut writes = Vec::new();
        // A federation's member institutions today (所属医療機関マスタ), whose
        // records it may register.
        let members: std::collections::HashSet<String> = match owner_check {
            Some(a)
                if a.org_type == OrganisationType::Federation
                    && kind.owner == Owner::Institution =>
            {
                let today = self.clock.today_jst();
                self.store
                    .master_rows(&crate::masters::catalog::MEMBER_INSTITUTIONS)?
                    .into_iter()
                    .filter(|r| r.valid_on(today) && r.owner() == Some(a.organisation.as_str()))
                    .filter_map(|r| r.values.get("institution").map(ToString::to_string))
                    .collect()
            }
            _ => Default::default(),
        };
        let columns = table.header.len();
        let mut pairs: Vec<(&str, &str)> = Vec::with_capacity(columns);
        for (number, fields) in &table.rows {
            if fields.len() > columns && fields.iter().skip(columns).any(|f| !f.is_empty()) {
                report.errors.push(MasterRowError {
                    row: *number,
                    column: None,
                    code: "too_many_fields".into(),
                    reason: format!(
                        "{} fields, but the header names {columns} columns",
                        fields.len()
                    ),
                });
                continue;
            }
            pairs.clear();
            pairs.extend(
                table
                    .header
                    .iter()
                    .enumerate()
                    .map(|(i, h)| (h.as_str(), fields.get(i).unwrap_or(""))),
            );
            let row = match kind.parse_row(&pairs) {
                Ok(r) => r,
                Err(e) => {
                    report.errors.push(row_error(*number, &e));
                    continue;
                }
            };
            if let (Some(owner), Some(actor)) = (row.owner(), owner_check) {
                let member = kind.owner == Owner::Institution
                    && actor.org_type == OrganisationType::Federation
                    && members.contains(owner);
                if owner != actor.organisation.as_str() && !member {
                    report.errors.push(MasterRowError {
                        row: *number,
                        column: kind.key.first().map(|k| (*k).to_owned()),
                        code: "not_owner".into(),
                        reason: format!(
                            "the row belongs to {owner}; {} writes only its own rows",
                            actor.organisation
                        ),
                    });
                    continue;
                }
            }
            let known = versions.entry(row.key_id()).or_default();
            let same = known.iter().position(|v| v.valid_from == row.valid_from);
            let outcome = match same.map(|i| &known[i]) {
                Some(v) if v.from_file => {
                    report.errors.push(MasterRowError {
                        row: *number,
                        column: Some("valid_from".into()),
                        code: "duplicate".into(),
                        reason: format!(
                            "{} from {} appears twice in the file",
                            row.key_text(),
                            row.valid_from
                        ),
                    });
                    continue;
                }
                Some(v) if v.stored.as_ref() == Some(&row) => PutOutcome::Unchanged,
                Some(_) => PutOutcome::Updated,
                None => PutOutcome::Created,
            };
            if outcome == PutOutcome::Unchanged {
                report.unchanged += 1;
                continue;
            }
            if let Some(day) = first_overlap(known, &row) {
                let e = MasterError::OverlappingVersions {
                    kind: kind.name,
                    key: row.key_text(),
                    day,
                };
                report.errors.push(row_error(*number, &e));
                continue;
            }
            let version = Version {
                valid_from: row.valid_from,
                valid_to: row.valid_to,
                stored: None,
                from_file: true,
            };
            match same {
                Some(i) => known[i] = version,
                None => known.push(version),
            }
            match outcome {
                PutOutcome::Created => report.created += 1,
                _ => report.updated += 1,
            }
            writes.push(row);
        }
        Ok((report, writes))
    }

    /// Commits the `read_master` access-log entry of a read of a master
    /// holding personal data.
    pub(super) fn master_read_logged(&self, actor: &Actor) -> Result<(), Error> {
        let mut entry = self.master_change_logged(actor);
        entry.action = AccessAction::ReadMaster;
        self.store.commit(ChangeSet {
            writes: Vec::new(),
            log: vec![entry],
        })?;
        Ok(())
    }

    /// Resolves a master for a read by `actor`: a master holding personal
    /// data ([`MasterKind::holds_personal_data`]) is read only once the
    /// read is access-logged.
    fn master_for_reading(&self, actor: &Actor, kind: &str) -> Result<&'static MasterKind, Error> {
        let kind = MasterKind::named(kind)?;
        if kind.holds_personal_data() {
            self.master_read_logged(actor)?;
        }
        Ok(kind)
    }

    /// Every version of every row of a master, by key and `valid_from`.
    /// Masters are read by everyone they concern: no operation is asked;
    /// a read of a master holding personal data is access-logged.
    pub fn master_rows(&self, actor: &Actor, kind: &str) -> Result<Vec<MasterRow>, Error> {
        let kind = self.master_for_reading(actor, kind)?;
        Ok(self.store.master_rows(kind)?)
    }

    /// The version of one row valid on `day`: `key` gives the key columns'
    /// values in key order (as the master holds them: codes normalised).
    pub fn master_row_as_of(
        &self,
        actor: &Actor,
        kind: &str,
        key: &[&str],
        day: NaiveDate,
    ) -> Result<Option<MasterRow>, Error> {
        let kind = self.master_for_reading(actor, kind)?;
        let versions = self.store.master_versions(kind, &key.join("\u{1f}"))?;
        Ok(versions.into_iter().find(|r| r.valid_on(day)))
    }

    /// Downloads a master in its upload layout (header
    /// [`MasterKind::file_columns`]), so that the file uploads back
    /// unchanged. Returns the rows written.
    pub fn export_master_csv(
        &self,
        actor: &Actor,
        kind: &str,
        out: &mut dyn std::io::Write,
        options: ExportOptions,
    ) -> Result<usize, Error> {
        let kind = self.master_for_reading(actor, kind)?;
        let columns = kind.file_columns();
        let rows = self.store.master_rows(kind)?;
        let mut bytes = csv_head(&columns, options)?;
        for (i, row) in rows.iter().enumerate() {
            bytes.extend(encode(&row.fields(), &columns, i + 1, options)?);
        }
        out.write_all(&bytes)
            .map_err(crate::store::StoreError::backend)?;
        Ok(rows.len())
    }
}

/// A vial label (GS1: GTIN, expiry, lot) resolved through the GTIN master
/// (GTINコードマスタ) as of the vaccination date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VialLabel {
    /// AI (01), as GTIN-14.
    pub gtin: String,
    /// The vaccine type the GTIN master gives (ワクチン種別コード).
    pub vaccine_type: String,
    /// 製品名.
    pub product: String,
    /// 製造販売業者, if the master gives it.
    pub maker: Option<String>,
    /// AI (10): ロット番号.
    pub lot: Option<String>,
    /// AI (17): 有効期限.
    pub expiry: Option<NaiveDate>,
}

impl Sesshu {
    /// The text of `column` in the row of `kind` whose key is `key`, valid
    /// on `day`.
    #[cfg(feature = "pdf")]
    fn master_text(
        &self,
        kind: &'static MasterKind,
        key: &str,
        column: &str,
        day: NaiveDate,
    ) -> Result<Option<String>, Error> {
        let versions = self.store.master_versions(kind, key)?;
        Ok(versions
            .iter()
            .find(|r| r.valid_on(day))
            .and_then(|r| r.values.get(column))
            .map(ToString::to_string))
    }

    /// The vaccine's name a certificate prints: the vaccine-type master's
    /// name valid on the vaccination date (form 3 adds the English name
    /// where the master gives one), or the code when no version covers
    /// that day.
    #[cfg(feature = "pdf")]
    pub(crate) fn vaccine_name(
        &self,
        code: &str,
        day: NaiveDate,
        form: crate::certificate::CertificateForm,
    ) -> Result<String, Error> {
        use crate::masters::catalog::VACCINE_TYPES;
        let Some(name) = self.master_text(&VACCINE_TYPES, code, "name", day)? else {
            return Ok(code.to_owned());
        };
        if form == crate::certificate::CertificateForm::Form3 {
            if let Some(en) = self.master_text(&VACCINE_TYPES, code, "name_en", day)? {
                return Ok(format!("{name} ({en})"));
            }
        }
        Ok(name)
    }

    /// The institution's name a certificate prints: the institution
    /// master's name valid on the vaccination date, or the code.
    #[cfg(feature = "pdf")]
    pub(crate) fn institution_name(&self, code: &str, day: NaiveDate) -> Result<String, Error> {
        use crate::masters::catalog::INSTITUTIONS;
        Ok(self
            .master_text(&INSTITUTIONS, code, "name", day)?
            .unwrap_or_else(|| code.to_owned()))
    }

    /// Reads a scanned vial label (a GS1 element string, bracketed or
    /// raw) for a vaccination on `day`: its GTIN must be in the GTIN master
    /// on that day (`unknown_gtin`), and a lot whose expiry is before that
    /// day is refused (`lot_expired`): an expired vial is not to be
    /// recorded as given without someone deciding so (ADR 0020).
    pub fn resolve_vial_label(&self, label: &str, day: NaiveDate) -> Result<VialLabel, Error> {
        use crate::masters::catalog::GTIN_CODES;
        let scanned = crate::identifiers::Gs1ElementString::parse(label, day)?;
        let gtin = scanned.gtin.to_gtin14();
        let versions = self.store.master_versions(&GTIN_CODES, &gtin)?;
        let row =
            versions
                .iter()
                .find(|r| r.valid_on(day))
                .ok_or_else(|| MasterError::UnknownGtin {
                    gtin: gtin.clone(),
                    day,
                })?;
        if let Some(expiry) = scanned.expiry.filter(|e| *e < day) {
            return Err(MasterError::LotExpired {
                gtin,
                lot: scanned.lot.unwrap_or_default(),
                expiry,
                day,
            }
            .into());
        }
        let text = |c: &str| row.values.get(c).map(ToString::to_string);
        Ok(VialLabel {
            vaccine_type: text("vaccine_type").unwrap_or_default(),
            product: text("product").unwrap_or_default(),
            maker: text("maker"),
            gtin,
            lot: scanned.lot,
            expiry: scanned.expiry,
        })
    }
}
