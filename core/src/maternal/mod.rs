//! Maternal and child health data (母子保健・健診情報, H-7, SPEC §8): the
//! thirteen data sets that health-management systems send monthly
//! (H_071-001_IF … H_071-013_IF) or that a municipality without one
//! uploads from a template (H_072-001 … 014).
//!
//! Each data set is declared once, as data ([`DataSet`], listed in
//! [`catalog`]): its items with their types, units, code lists, plausible
//! ranges and whether required, and the items that with the subject number
//! make a row the same row. The row check ([`DataSet::parse_row`]), the
//! stored key, the templates ([`template`]) and every binding's view follow
//! from the declaration; a fourteenth set is one more declaration. The
//! sources of the items are in docs/maternal.md.

pub mod catalog;
pub mod interface;
pub mod template;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use thiserror::Error;

use crate::identifiers::SubjectNumber;

/// The subject number's column, first in every data set (予防接種対象者番号).
pub const SUBJECT: &str = "subject_number";

/// Why a data set, a row or an interface file was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum MaternalError {
    /// No data set has this name (or interface id).
    #[error("unknown maternal and child health data set {name:?}")]
    UnknownDataSet {
        /// The name as given.
        name: String,
    },
    /// A required item is empty.
    #[error("{item} ({label}) is required")]
    Missing {
        /// The item's name.
        item: &'static str,
        /// Its Japanese label.
        label: &'static str,
    },
    /// An item's value is not of its type, not in its code list, or out of
    /// its plausible range.
    #[error("{item} ({label}): {value:?} — {reason}")]
    Invalid {
        /// The item's name.
        item: &'static str,
        /// Its Japanese label.
        label: &'static str,
        /// The value as given.
        value: String,
        /// Why.
        reason: String,
    },
    /// A column or field the data set does not have.
    #[error("{data_set} has no item {item:?}")]
    UnknownItem {
        /// The data set.
        data_set: &'static str,
        /// The name as given.
        item: String,
    },
    /// A file's header lacks a column of the data set.
    #[error("the file has no column {item:?} ({label}); download the template for the layout")]
    MissingColumn {
        /// The item's name.
        item: &'static str,
        /// Its Japanese label.
        label: &'static str,
    },
    /// An interface file that cannot be read, or of a version not served.
    #[error("interface file refused: {reason}")]
    InterfaceRefused {
        /// Why.
        reason: String,
    },
}

impl MaternalError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            MaternalError::UnknownDataSet { .. } => "unknown_data_set",
            MaternalError::Missing { .. } => "required_item_missing",
            MaternalError::Invalid { .. } => "invalid_item_value",
            MaternalError::UnknownItem { .. } => "unknown_item",
            MaternalError::MissingColumn { .. } => "missing_column",
            MaternalError::InterfaceRefused { .. } => "interface_file_refused",
        }
    }

    /// The item the refusal names, if one.
    pub fn item(&self) -> Option<String> {
        match self {
            MaternalError::Missing { item, .. }
            | MaternalError::Invalid { item, .. }
            | MaternalError::MissingColumn { item, .. } => Some((*item).to_owned()),
            MaternalError::UnknownItem { item, .. } => Some(item.clone()),
            _ => None,
        }
    }
}

/// One entry of a code list: the value written and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    /// The value in files (`1`, `pass`, …).
    pub value: &'static str,
    /// Its meaning (異常なし, …).
    pub label: &'static str,
}

/// An item's type, with its plausible range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemType {
    /// A date, `YYYY-MM-DD` (or `YYYY/MM/DD`).
    Date,
    /// A whole number in `min..=max`.
    Integer {
        /// Smallest plausible value.
        min: i64,
        /// Largest plausible value.
        max: i64,
    },
    /// A measurement with at most `scale` decimals, in `min..=max`
    /// (both in units of 10^-scale: `Measure { scale: 1, min: 10, max:
    /// 2000 }` is 1.0–200.0).
    Measure {
        /// Decimals allowed.
        scale: u32,
        /// Smallest plausible value, in units of 10^-scale.
        min: i64,
        /// Largest plausible value, in units of 10^-scale.
        max: i64,
    },
    /// One value of a code list.
    Code(&'static [Code]),
    /// Free text of at most `max` characters.
    Text {
        /// Longest, in characters.
        max: usize,
    },
}

/// One item of a data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    /// The column name in files (`weight_g`).
    pub name: &'static str,
    /// The Japanese label (体重).
    pub label: &'static str,
    /// Its type and range.
    pub ty: ItemType,
    /// Its unit (g, cm, 週), if a measurement.
    pub unit: Option<&'static str>,
    /// Whether a row must give it.
    pub required: bool,
}

/// A data set, declared as data.
#[derive(Debug, PartialEq, Eq)]
pub struct DataSet {
    /// Its stable name (`infant_1y6m`).
    pub name: &'static str,
    /// Its Japanese name (1歳6か月児健診).
    pub label: &'static str,
    /// The interface a health-management system sends (H_071-001_IF).
    pub interface: &'static str,
    /// The upload template's form id (H_072-002).
    pub template: &'static str,
    /// The items after the subject number, in file order.
    pub items: &'static [Item],
    /// The items that, with the subject number, make a row the same row.
    pub key: &'static [&'static str],
}

/// A checked row: the subject and each item's normalised text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaternalRow {
    /// Its data set.
    pub data_set: &'static DataSet,
    /// 予防接種対象者番号.
    pub subject: SubjectNumber,
    /// Each given item's normalised text, by item name.
    pub values: BTreeMap<&'static str, String>,
}

impl MaternalRow {
    /// The stored key: the subject number and the key items' texts, joined
    /// by U+001F.
    pub fn key_id(&self) -> String {
        let mut out = self.subject.as_str().to_owned();
        for k in self.data_set.key {
            out.push('\u{1f}');
            out.push_str(self.values.get(k).map_or("", String::as_str));
        }
        out
    }

    /// The row's fields in file order (subject first), empty where absent.
    pub fn fields(&self) -> Vec<String> {
        std::iter::once(self.subject.as_str().to_owned())
            .chain(
                self.data_set
                    .items
                    .iter()
                    .map(|i| self.values.get(i.name).cloned().unwrap_or_default()),
            )
            .collect()
    }
}

fn invalid(item: &Item, value: &str, reason: impl Into<String>) -> MaternalError {
    MaternalError::Invalid {
        item: item.name,
        label: item.label,
        value: value.to_owned(),
        reason: reason.into(),
    }
}

/// A measurement's text in units of 10^-scale, if it has at most `scale`
/// decimals.
fn measure_units(text: &str, scale: u32) -> Option<i64> {
    let (whole, frac) = match text.split_once('.') {
        Some((w, f)) => (w, f),
        None => (text, ""),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (!frac.is_empty() && !digits(frac)) || frac.len() > scale as usize {
        return None;
    }
    let padded = format!("{frac:0<width$}", width = scale as usize);
    let w: i64 = whole.parse().ok()?;
    let f: i64 = if scale == 0 { 0 } else { padded.parse().ok()? };
    w.checked_mul(10i64.checked_pow(scale)?)?.checked_add(f)
}

impl ItemType {
    /// Checks `text` (trimmed, NFKC-normalised) and returns its normal form.
    fn check(&self, item: &Item, text: &str) -> Result<String, MaternalError> {
        match *self {
            ItemType::Date => crate::calendar::parse_date(&text.replace('/', "-"))
                .map(crate::calendar::date_text)
                .map_err(|e| invalid(item, text, e.to_string())),
            ItemType::Integer { min, max } => {
                let n: i64 = text
                    .parse()
                    .map_err(|_| invalid(item, text, "not a whole number"))?;
                if n < min || n > max {
                    return Err(invalid(item, text, format!("outside {min}–{max}")));
                }
                Ok(n.to_string())
            }
            ItemType::Measure { scale, min, max } => {
                let units = measure_units(text, scale).ok_or_else(|| {
                    invalid(
                        item,
                        text,
                        format!("not a number with at most {scale} decimals"),
                    )
                })?;
                let show = |u: i64| format_measure(u, scale);
                if units < min || units > max {
                    return Err(invalid(
                        item,
                        text,
                        format!("outside {}–{}", show(min), show(max)),
                    ));
                }
                Ok(show(units))
            }
            ItemType::Code(codes) => codes
                .iter()
                .find(|c| c.value == text)
                .map(|c| c.value.to_owned())
                .ok_or_else(|| {
                    let list: Vec<String> = codes
                        .iter()
                        .map(|c| format!("{}={}", c.value, c.label))
                        .collect();
                    invalid(item, text, format!("not one of {}", list.join(", ")))
                }),
            ItemType::Text { max } => {
                let chars = text.chars().count();
                if chars > max {
                    return Err(invalid(item, text, format!("longer than {max} characters")));
                }
                if text.chars().any(char::is_control) {
                    return Err(invalid(item, text, "holds a control character"));
                }
                Ok(text.to_owned())
            }
        }
    }
}

/// A measurement in units of 10^-scale as text (`1234`, 1 → `123.4`).
pub fn format_measure(units: i64, scale: u32) -> String {
    if scale == 0 {
        return units.to_string();
    }
    let p = 10i64.pow(scale);
    format!(
        "{}.{:0width$}",
        units / p,
        units % p,
        width = scale as usize
    )
}

impl DataSet {
    /// The data set named `name` (its stable name or its interface id).
    pub fn named(name: &str) -> Result<&'static DataSet, MaternalError> {
        catalog::ALL
            .iter()
            .copied()
            .find(|d| d.name == name || d.interface == name)
            .ok_or_else(|| MaternalError::UnknownDataSet {
                name: name.to_owned(),
            })
    }

    /// The item named `name`.
    pub fn item(&self, name: &str) -> Option<&'static Item> {
        self.items.iter().find(|i| i.name == name)
    }

    /// The columns of its files: the subject number, then the items.
    pub fn columns(&self) -> Vec<&'static str> {
        std::iter::once(SUBJECT)
            .chain(self.items.iter().map(|i| i.name))
            .collect()
    }

    /// Checks one row given as (column, text) pairs: every column known,
    /// the subject number valid, each item of its type and range, the
    /// required ones present. Empty texts are absent.
    pub fn parse_row(&'static self, fields: &[(&str, &str)]) -> Result<MaternalRow, MaternalError> {
        let mut subject = None;
        let mut values = BTreeMap::new();
        for &(name, text) in fields {
            let text = crate::text::nfkc(text.trim());
            let text = text.trim();
            if name == SUBJECT {
                if !text.is_empty() {
                    subject =
                        Some(
                            SubjectNumber::parse(text).map_err(|e| MaternalError::Invalid {
                                item: SUBJECT,
                                label: "予防接種対象者番号",
                                value: text.to_owned(),
                                reason: e.to_string(),
                            })?,
                        );
                }
                continue;
            }
            let item = self.item(name).ok_or_else(|| MaternalError::UnknownItem {
                data_set: self.name,
                item: name.to_owned(),
            })?;
            if text.is_empty() {
                continue;
            }
            values.insert(item.name, item.ty.check(item, text)?);
        }
        let subject = subject.ok_or(MaternalError::Missing {
            item: SUBJECT,
            label: "予防接種対象者番号",
        })?;
        if let Some(item) = self
            .items
            .iter()
            .find(|i| (i.required || self.key.contains(&i.name)) && !values.contains_key(i.name))
        {
            return Err(MaternalError::Missing {
                item: item.name,
                label: item.label,
            });
        }
        Ok(MaternalRow {
            data_set: self,
            subject,
            values,
        })
    }

    /// A stored row read back (`values`: item → text), checked again.
    pub fn row_from_stored(
        &'static self,
        subject: &str,
        values: &BTreeMap<String, String>,
    ) -> Result<MaternalRow, MaternalError> {
        let mut fields: Vec<(&str, &str)> = vec![(SUBJECT, subject)];
        fields.extend(values.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        self.parse_row(&fields)
    }
}

/// The date a row is about (its first date item), for reading under the
/// residency rule.
pub fn row_date(row: &MaternalRow) -> Option<NaiveDate> {
    row.data_set
        .items
        .iter()
        .find(|i| i.ty == ItemType::Date)
        .and_then(|i| row.values.get(i.name))
        .and_then(|t| crate::calendar::parse_date(t).ok())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn measurements_keep_their_decimals_and_ranges() {
        assert_eq!(measure_units("12.3", 1), Some(123));
        assert_eq!(measure_units("12", 1), Some(120));
        assert_eq!(measure_units("12.34", 1), None);
        assert_eq!(measure_units("-1", 1), None);
        assert_eq!(measure_units("1e3", 0), None);
        assert_eq!(format_measure(123, 1), "12.3");
        assert_eq!(format_measure(5, 2), "0.05");
    }

    proptest! {
        #[test]
        fn a_measure_round_trips(units in 0i64..10_000_000, scale in 0u32..3) {
            let text = format_measure(units, scale);
            prop_assert_eq!(measure_units(&text, scale), Some(units));
        }
    }
}
