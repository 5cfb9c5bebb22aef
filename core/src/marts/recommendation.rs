//! 接種勧奨状況: whom the recommendation rules make targets on a day, and
//! whether each has the dose.
//!
//! A municipality's own rules (勧奨ルールマスタ) replace MHLW's standard
//! rules (標準勧奨ルールマスタ) for the vaccine type and dose they name;
//! the others apply as the standard gives them. A resident of municipality
//! M is a target of a rule on day D when their age in months on D (月齢,
//! [`months_on`]) is at least the rule's start and below its end (勧奨終了月齢:
//! "until the age is reached"), and, where M has a 勧奨範囲マスタ row for the
//! vaccine type, their birth date is within it. A target is vaccinated when
//! a record of that vaccine and dose, not erroneous, is dated on or before
//! D.

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};

use super::{AgeBand, Cell, CellKey, Mart};
use crate::calendar::months_on;
use crate::identifiers::{MunicipalityCode, VaccineCode};
use crate::masters::{MasterRow, Value};
use crate::persons::Person;
use crate::records::VaccinationRecord;

/// One recommendation rule: a dose recommended between two ages in months.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// ワクチン種別.
    pub vaccine: VaccineCode,
    /// 接種回.
    pub dose: u8,
    /// 勧奨開始月齢.
    pub from_months: u32,
    /// 勧奨終了月齢 (not included); `None`: no end.
    pub to_months: Option<u32>,
}

impl Rule {
    fn from_row(row: &MasterRow) -> Option<Rule> {
        let text = |k: &str| match row.values.get(k) {
            Some(Value::Text(t)) => Some(t.as_str()),
            _ => None,
        };
        let int = |k: &str| match row.values.get(k) {
            Some(Value::Integer(n)) => u32::try_from(*n).ok(),
            _ => None,
        };
        Some(Rule {
            vaccine: VaccineCode::parse(text("vaccine_type")?).ok()?,
            dose: u8::try_from(int("dose")?).ok()?,
            from_months: int("age_from_months")?,
            to_months: int("age_to_months"),
        })
    }

    fn targets(&self, months: u32) -> bool {
        months >= self.from_months && self.to_months.is_none_or(|to| months < to)
    }
}

/// The rules in force on one day, read from the masters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rules {
    standard: Vec<Rule>,
    own: BTreeMap<MunicipalityCode, Vec<Rule>>,
    ranges: BTreeMap<(MunicipalityCode, VaccineCode), (NaiveDate, Option<NaiveDate>)>,
}

impl Rules {
    /// The rules of the masters' rows valid on `day`: 標準勧奨ルールマスタ,
    /// 勧奨ルールマスタ and 勧奨範囲マスタ. Rows whose codes are not those of
    /// a record (a vaccine type that is no vaccine code) are left out.
    pub fn from_masters(
        standard: &[MasterRow],
        own: &[MasterRow],
        ranges: &[MasterRow],
        day: NaiveDate,
    ) -> Rules {
        let valid = |rows: &[MasterRow]| -> Vec<MasterRow> {
            rows.iter().filter(|r| r.valid_on(day)).cloned().collect()
        };
        let municipality =
            |row: &MasterRow| row.owner().and_then(|m| MunicipalityCode::parse(m).ok());
        let mut rules = Rules {
            standard: valid(standard).iter().filter_map(Rule::from_row).collect(),
            ..Rules::default()
        };
        for row in valid(own) {
            if let (Some(m), Some(rule)) = (municipality(&row), Rule::from_row(&row)) {
                rules.own.entry(m).or_default().push(rule);
            }
        }
        for row in valid(ranges) {
            let date = |k: &str| match row.values.get(k) {
                Some(Value::Date(d)) => Some(*d),
                _ => None,
            };
            let vaccine = match row.values.get("vaccine_type") {
                Some(Value::Text(t)) => VaccineCode::parse(t).ok(),
                _ => None,
            };
            if let (Some(m), Some(v), Some(from)) = (municipality(&row), vaccine, date("born_from"))
            {
                rules.ranges.insert((m, v), (from, date("born_to")));
            }
        }
        rules
    }

    /// Whether no rule is in force.
    pub fn is_empty(&self) -> bool {
        self.standard.is_empty() && self.own.is_empty()
    }

    /// The rules that apply in `municipality`: its own, and the standard
    /// ones for the vaccine types and doses it has none for.
    pub fn of(&self, municipality: MunicipalityCode) -> Vec<&Rule> {
        let own = self
            .own
            .get(&municipality)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        own.iter()
            .chain(self.standard.iter().filter(|s| {
                !own.iter()
                    .any(|o| o.vaccine == s.vaccine && o.dose == s.dose)
            }))
            .collect()
    }

    /// The birth dates any rule can target on `day`, from the earliest to
    /// the latest: the persons a batch reads (`None`: no rules).
    pub fn births(&self, day: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
        let all = || self.standard.iter().chain(self.own.values().flatten());
        let youngest = all().map(|r| r.from_months).min()?;
        let latest = day.checked_sub_months(Months::new(youngest)).unwrap_or(day);
        let earliest = match all().map(|r| r.to_months).collect::<Option<Vec<u32>>>() {
            // Every rule ends: a month before the oldest end is early enough.
            Some(ends) => ends
                .into_iter()
                .max()
                .and_then(|m| day.checked_sub_months(Months::new(m.saturating_add(1))))
                .unwrap_or(NaiveDate::MIN),
            None => NaiveDate::MIN,
        };
        Some((earliest, latest))
    }

    /// The recommendations cells of one person on `day`: one per rule that
    /// targets them where they live that day, vaccinated or not.
    pub fn cells(
        &self,
        person: &Person,
        records: &[VaccinationRecord],
        day: NaiveDate,
    ) -> Vec<Cell> {
        let Some(municipality) = person.residency.municipality_on(day) else {
            return Vec::new();
        };
        let months = months_on(person.birth_date, day);
        let band = AgeBand::on(person.birth_date, day);
        self.of(municipality)
            .into_iter()
            .filter(|rule| rule.targets(months))
            .filter(|rule| {
                self.ranges
                    .get(&(municipality, rule.vaccine.clone()))
                    .is_none_or(|(from, to)| {
                        person.birth_date >= *from && to.is_none_or(|to| person.birth_date <= to)
                    })
            })
            .map(|rule| {
                let vaccinated = records.iter().any(|r| {
                    !r.erroneous
                        && r.vaccine == rule.vaccine
                        && r.dose_number == rule.dose
                        && r.date <= day
                });
                Cell {
                    mart: Mart::Recommendations,
                    key: CellKey {
                        date: day,
                        municipality,
                        vaccine: rule.vaccine.clone(),
                        dose: rule.dose,
                        age_band: band,
                    },
                    count: 1,
                    vaccinated: i64::from(vaccinated),
                }
            })
            .collect()
    }
}

/// Adds cells into totals by key (recommendation cells of many persons).
pub fn add(totals: &mut BTreeMap<CellKey, (i64, i64)>, cells: Vec<Cell>) {
    for c in cells {
        let t = totals.entry(c.key).or_insert((0, 0));
        t.0 += c.count;
        t.1 += c.vaccinated;
    }
}
