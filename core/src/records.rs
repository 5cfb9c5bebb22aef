//! Vaccination records (予防接種記録) and who may see, certify and view them
//! (SPEC §3, the core rule).

use chrono::NaiveDate;
use thiserror::Error;

use crate::identifiers::{
    ManagementId, MedicalInstitutionCode, MunicipalityCode, RecordId, VaccineCode,
};
use crate::macros::named_enum;
use crate::residency::{ResidenceStatus, ResidencyHistory};

/// Why a record was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RecordError {
    /// Not one of routine, temporary, voluntary.
    #[error("unknown vaccination category {value:?}: expected routine, temporary or voluntary")]
    InvalidCategory {
        /// The value as given.
        value: String,
    },
    /// A dose number outside 1–99.
    #[error("dose number {value} is not 1–99")]
    InvalidDoseNumber {
        /// The value as given.
        value: i64,
    },
    /// A lot number that is not 1–20 printable ASCII characters.
    #[error("invalid lot number {value:?}: 1–20 printable ASCII characters")]
    InvalidLot {
        /// The value as given.
        value: String,
    },
    /// A vaccination date (接種日) after today.
    #[error("vaccination date (接種日) {date} is after today ({today})")]
    VaccinationInFuture {
        /// The date as given.
        date: NaiveDate,
        /// Today (JST) by the store's clock.
        today: NaiveDate,
    },
    /// A vaccination date (接種日) before the person was born.
    #[error("vaccination date (接種日) {date} is before the birth date {birth}")]
    VaccinationBeforeBirth {
        /// The date as given.
        date: NaiveDate,
        /// The person's birth date.
        birth: NaiveDate,
    },
    /// A person with no residency in the responsible municipality on or
    /// before today: no municipality could see the record (SPEC §3), so it
    /// is not stored, nor delivered.
    #[error("the person has never lived in {municipality}: import their residency history before their records")]
    NeverResident {
        /// The responsible municipality the record names.
        municipality: MunicipalityCode,
    },
}

impl RecordError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            RecordError::InvalidCategory { .. } => "invalid_category",
            RecordError::InvalidDoseNumber { .. } => "invalid_dose_number",
            RecordError::InvalidLot { .. } => "invalid_lot",
            RecordError::VaccinationInFuture { .. } => "vaccination_date_in_future",
            RecordError::VaccinationBeforeBirth { .. } => "vaccination_before_birth",
            RecordError::NeverResident { .. } => "never_resident",
        }
    }
}

named_enum! {
    /// The legal category of a vaccination.
    pub enum Category {
        /// 定期接種: routine, under the Preventive Vaccination Act.
        Routine = "routine",
        /// 臨時接種: temporary, under the Act.
        Temporary = "temporary",
        /// 任意接種: voluntary; never certified by a municipality.
        Voluntary = "voluntary",
    }
    unknown: RecordError = |v| RecordError::InvalidCategory { value: v.to_owned() };
}

/// The facts of a record that the access rule reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecordFacts {
    /// The municipality responsible for the record: where the person lived
    /// when the vaccination was given.
    pub responsible: MunicipalityCode,
    /// 定期 / 臨時 / 任意.
    pub category: Category,
    /// Marked erroneous by a municipality's review (間違い接種等).
    pub erroneous: bool,
}

/// What the rule decides for one record and one municipality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Access {
    /// The municipality's staff may see it (query, download, disclosure).
    pub visible: bool,
    /// The municipality may certify it (予防接種済証).
    pub certifiable: bool,
    /// The person sees it on the portal (マイナポータル).
    pub portal: bool,
}

/// The access rule for one person, one municipality and one date: evaluate
/// it once per person, then per record.
///
/// ```
/// use sesshu_core::{calendar::parse_date, identifiers::MunicipalityCode};
/// use sesshu_core::records::{Category, RecordAccess, RecordFacts};
/// use sesshu_core::residency::{ResidencyHistory, ResidencyInterval};
/// let chiyoda = MunicipalityCode::parse("131016").unwrap();
/// let sapporo = MunicipalityCode::parse("011002").unwrap();
/// let history = ResidencyHistory::new(vec![
///     ResidencyInterval { municipality: sapporo, from: parse_date("2010-01-01").unwrap(), to: Some(parse_date("2020-04-01").unwrap()) },
///     ResidencyInterval { municipality: chiyoda, from: parse_date("2020-04-01").unwrap(), to: None },
/// ]).unwrap();
/// let access = RecordAccess::new(&history, chiyoda, parse_date("2025-04-01").unwrap());
/// let from_sapporo = RecordFacts { responsible: sapporo, category: Category::Routine, erroneous: false };
/// let a = access.evaluate(&from_sapporo);
/// assert!(a.visible && !a.certifiable && a.portal);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordAccess {
    municipality: MunicipalityCode,
    status: ResidenceStatus,
}

impl RecordAccess {
    /// The rule for `municipality` on `date`, given the person's history.
    pub fn new(
        history: &ResidencyHistory,
        municipality: MunicipalityCode,
        date: NaiveDate,
    ) -> Self {
        RecordAccess {
            municipality,
            status: history.status(municipality, date),
        }
    }

    /// The person's standing with the municipality.
    pub fn status(&self) -> ResidenceStatus {
        self.status
    }

    /// Which of the person's records a store must read for this rule:
    /// all of them, only those the municipality is responsible for, or none.
    pub fn scope(&self) -> RecordScope {
        match self.status {
            ResidenceStatus::Current => RecordScope::All,
            ResidenceStatus::Former => RecordScope::ResponsibleOnly(self.municipality),
            ResidenceStatus::Never => RecordScope::Nothing,
        }
    }

    /// Visible to the municipality's staff: every record of a current
    /// resident; a former resident's records the municipality is responsible
    /// for; nothing else. Erroneous records stay visible.
    pub fn is_visible(&self, record: &RecordFacts) -> bool {
        match self.status {
            ResidenceStatus::Current => true,
            ResidenceStatus::Former => record.responsible == self.municipality,
            ResidenceStatus::Never => false,
        }
    }

    /// Certifiable by the municipality: visible, its own, not voluntary, not erroneous.
    pub fn is_certifiable(&self, record: &RecordFacts) -> bool {
        self.is_visible(record)
            && record.responsible == self.municipality
            && record.category != Category::Voluntary
            && !record.erroneous
    }

    /// All three answers for one record.
    pub fn evaluate(&self, record: &RecordFacts) -> Access {
        Access {
            visible: self.is_visible(record),
            certifiable: self.is_certifiable(record),
            portal: on_portal(record),
        }
    }
}

/// Shown to the person on the portal: all their records except erroneous ones.
pub fn on_portal(record: &RecordFacts) -> bool {
    !record.erroneous
}

/// 接種日: on or before `today` (JST, the store's clock) and not before the
/// person's `birth`.
pub fn check_vaccination_date(
    date: NaiveDate,
    birth: NaiveDate,
    today: NaiveDate,
) -> Result<(), RecordError> {
    if date > today {
        return Err(RecordError::VaccinationInFuture { date, today });
    }
    if date < birth {
        return Err(RecordError::VaccinationBeforeBirth { date, birth });
    }
    Ok(())
}

/// The record's responsible municipality must be able to see it: the
/// person lives there today or lived there before (SPEC §3). Otherwise
/// the record would be stored and delivered to a municipality whose staff
/// could never find it — a person with no residency history yet, or one
/// who never lived in the municipality the record names.
pub fn check_responsible_sees(
    history: &ResidencyHistory,
    responsible: MunicipalityCode,
    today: NaiveDate,
) -> Result<(), RecordError> {
    match history.status(responsible, today) {
        ResidenceStatus::Current | ResidenceStatus::Former => Ok(()),
        ResidenceStatus::Never => Err(RecordError::NeverResident {
            municipality: responsible,
        }),
    }
}

/// 接種回数: which dose of the series, 1–99.
pub fn dose_number(value: i64) -> Result<u8, RecordError> {
    u8::try_from(value)
        .ok()
        .filter(|n| (1..=99).contains(n))
        .ok_or(RecordError::InvalidDoseNumber { value })
}

/// ロット番号: NFKC, trimmed, 1–20 printable ASCII characters.
pub fn lot_number(value: &str) -> Result<String, RecordError> {
    let s = crate::text::nfkc_trimmed(value);
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err(RecordError::InvalidLot {
            value: value.to_owned(),
        });
    }
    Ok(s)
}

/// A vaccination record (予防接種記録).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaccinationRecord {
    /// The record's id.
    pub id: RecordId,
    /// The person vaccinated (予防接種管理番号).
    pub person: ManagementId,
    /// The municipality responsible: where the person lived that day.
    pub responsible: MunicipalityCode,
    /// 定期 / 臨時 / 任意.
    pub category: Category,
    /// ワクチン.
    pub vaccine: VaccineCode,
    /// 接種回数 (see [`dose_number`]).
    pub dose_number: u8,
    /// 接種日.
    pub date: NaiveDate,
    /// ロット番号 (see [`lot_number`]).
    pub lot: Option<String>,
    /// 接種医療機関.
    pub institution: Option<MedicalInstitutionCode>,
    /// Marked erroneous (間違い接種等).
    pub erroneous: bool,
}

impl VaccinationRecord {
    /// The facts the access rule reads.
    pub fn facts(&self) -> RecordFacts {
        RecordFacts {
            responsible: self.responsible,
            category: self.category,
            erroneous: self.erroneous,
        }
    }
}

/// Which of a person's records a read needs (narrowing only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordScope {
    /// Every record.
    All,
    /// The records this municipality is responsible for.
    ResponsibleOnly(MunicipalityCode),
    /// None.
    Nothing,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::residency::ResidencyInterval as Interval;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    #[test]
    fn vaccination_date_between_birth_and_today() {
        let (birth, today) = (d(2020, 5, 1), d(2026, 12, 3));
        assert_eq!(check_vaccination_date(birth, birth, today), Ok(()));
        assert_eq!(check_vaccination_date(today, birth, today), Ok(()));
        let future = check_vaccination_date(d(2026, 12, 4), birth, today).unwrap_err();
        assert_eq!(future.code(), "vaccination_date_in_future");
        let before = check_vaccination_date(d(2020, 4, 30), birth, today).unwrap_err();
        assert_eq!(before.code(), "vaccination_before_birth");
        assert!(before.to_string().contains("2020-04-30"), "{before}");
    }

    #[test]
    fn responsible_municipality_must_see_the_record() {
        let today = d(2026, 12, 3);
        let here: MunicipalityCode = "131016".parse().unwrap();
        let there: MunicipalityCode = "011002".parse().unwrap();
        let empty = ResidencyHistory::default();
        let err = check_responsible_sees(&empty, here, today).unwrap_err();
        assert_eq!(err.code(), "never_resident");
        let history = ResidencyHistory::new(vec![Interval {
            municipality: here,
            from: d(2020, 5, 1),
            to: Some(d(2024, 3, 31)),
        }])
        .unwrap();
        assert_eq!(check_responsible_sees(&history, here, today), Ok(()));
        assert!(check_responsible_sees(&history, there, today).is_err());
    }
}
